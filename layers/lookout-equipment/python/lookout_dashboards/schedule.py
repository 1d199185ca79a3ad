"""When an inference scheduler wakes up next, and which input file it will look for.

The service wakes a scheduler at every multiple of its upload frequency (counted from midnight
UTC) plus its delay offset. At each wake-up it reads the window that ended at that multiple:
files whose names carry the window's start, in the input's time zone, and whose rows' timestamps
fall inside the window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .domain import FileExchange, InputFileNaming, Scheduler

ONE_SECOND = timedelta(seconds=1)
_STRFTIME = {"yyyyMMddHHmmss": "%Y%m%d%H%M%S", "yyyy-MM-dd-HH-mm-ss": "%Y-%m-%d-%H-%M-%S"}


@dataclass(frozen=True)
class NextRun:
    """The next wake-up after `now` and what it reads; every time is UTC-aware."""

    now: datetime
    wake_up: datetime
    window_start: datetime
    window_end: datetime  # the last second inside the window
    file_timestamp: str

    def file_name(self, component: str, naming: InputFileNaming) -> str:
        return f"{component}{naming.delimiter}{self.file_timestamp}.csv"


def next_run(
    now: datetime,
    frequency: timedelta,
    delay: timedelta,
    input_time_zone: timedelta,
    naming: InputFileNaming,
) -> NextRun:
    """The first wake-up strictly after `now` (one happening at `now` is already under way)."""
    step = frequency.total_seconds()
    if step <= 0:
        raise ValueError("the upload frequency must be positive")
    boundary_seconds = (math.floor((now - delay).timestamp() / step) + 1) * step
    boundary = datetime.fromtimestamp(boundary_seconds, tz=UTC)
    window_start = boundary - frequency
    return NextRun(
        now=now,
        wake_up=boundary + delay,
        window_start=window_start,
        window_end=boundary - ONE_SECOND,
        file_timestamp=format_timestamp(window_start, input_time_zone, naming.timestamp_format),
    )


def scheduler_next_run(scheduler: Scheduler, files: FileExchange, now: datetime) -> NextRun:
    return next_run(now, scheduler.upload_frequency, scheduler.delay_offset, files.time_zone_offset, files.naming)


def format_timestamp(moment: datetime, input_time_zone: timedelta, timestamp_format: str) -> str:
    """A file name's timestamp: epoch seconds, or the local time of the input in the given pattern."""
    if timestamp_format == "EPOCH":
        return str(int(moment.timestamp()))
    pattern = _STRFTIME.get(timestamp_format)
    if pattern is None:
        raise ValueError(f"unknown timestamp format {timestamp_format!r}")
    return (moment.astimezone(UTC) + input_time_zone).strftime(pattern)


def file_pattern(naming: InputFileNaming) -> str:
    """What the scheduler expects, as the console writes it: `<component>_yyyyMMddHHmmss.csv`."""
    return f"<component>{naming.delimiter}{naming.timestamp_format}.csv"
