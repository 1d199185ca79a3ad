"""Times, durations and shares as a person reads them, in the dashboard's time zone."""

from __future__ import annotations

from datetime import datetime, timedelta


def local_time(moment: datetime | None, offset: timedelta, *, seconds: bool = False) -> str:
    """`2026-05-04 10:00` in the zone `offset` east of UTC; a dash for an unknown time."""
    if moment is None:
        return "-"
    shifted = moment + offset
    return shifted.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def zone_label(offset: timedelta) -> str:
    """`UTC`, `UTC+02:00` or `UTC-05:30`."""
    if not offset:
        return "UTC"
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def duration(span: timedelta | None) -> str:
    """`45 s`, `47 min`, `2 h 05 min`, `3 d 4 h`: two units at most, enough to compare."""
    if span is None:
        return "-"
    seconds = int(span.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def counted(count: int, noun: str) -> str:
    """`1 model`, `3 models`: the count, then the noun in the number it needs."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
