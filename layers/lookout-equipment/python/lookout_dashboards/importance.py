"""Which sensors drive a model's anomalies: averages over events and per day, in pure Python.

Both the importance chart and its legend take their bands from `importance_bands`, so their
colours, given by `themes.sensor_colors` in that order, agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from .domain import AnomalyEvent, TimeRange, mean_diagnostics
from .errors import InvalidInputError
from .formatting import counted, percent

TOP_SENSORS = 15
#: The longest range a daily chart covers: a century of days.
MAX_CHART_DAYS = 36_525
#: The label of the band that merges the sensors past the top ones: no sensor's, since Lookout for
#: Equipment's component and sensor names have no parentheses.
OTHERS = "(others)"


@dataclass(frozen=True)
class SensorShare:
    label: str
    share: float
    sensors: int = 1  # how many sensors the share sums: more than one for the `OTHERS` band


@dataclass(frozen=True)
class DailyEvents:
    """Per local day of an interval: events that started that day and their mean duration."""

    days: tuple[date, ...]
    counts: tuple[int, ...]
    mean_minutes: tuple[float, ...]


@dataclass(frozen=True)
class DailyImportance:
    """Per local day: each sensor's average importance over the events that started that day."""

    days: tuple[date, ...]
    labels: tuple[str, ...]
    shares: tuple[tuple[float, ...], ...]  # shares[sensor][day]


def average_importance(events: Sequence[AnomalyEvent]) -> list[SensorShare]:
    """Every sensor's mean importance over the events (0 where an event lacks it), largest first."""
    means = mean_diagnostics([event.diagnostics for event in events]) if events else ()
    shares = [SensorShare(item.label, item.importance) for item in means]
    return sorted(shares, key=lambda item: (-item.share, item.label))


def importance_bands(events: Sequence[AnomalyEvent], top: int = TOP_SENSORS) -> list[SensorShare]:
    """The `top` sensors by mean importance, then the rest summed as one `OTHERS` band.

    Past a few bands, a reader can tell neither their colours nor their thin strips apart, and each
    band costs the chart bytes for every day it draws.
    """
    shares = average_importance(events)
    if len(shares) <= top:
        return shares
    rest = shares[top:]
    return [*shares[:top], SensorShare(OTHERS, sum(item.share for item in rest), len(rest))]


def local_days(interval: TimeRange, offset: timedelta) -> tuple[date, ...]:
    """Every local day of `interval`; a range longer than a century is refused with a message (a
    chart of bars per day over millennia would take seconds to build and show nothing more)."""
    first, last = (interval.start + offset).date(), (interval.end + offset).date()
    if (last - first).days > MAX_CHART_DAYS:
        raise InvalidInputError(
            f"The time range spans {(last - first).days:,} days; daily charts cover at most a century. "
            "Choose a shorter range."
        )
    return tuple(first + timedelta(days=number) for number in range((last - first).days + 1))


def daily_events(events: Iterable[AnomalyEvent], interval: TimeRange, offset: timedelta) -> DailyEvents:
    days = local_days(interval, offset)
    position = {day: index for index, day in enumerate(days)}
    counts = [0] * len(days)
    minutes = [0.0] * len(days)
    for event in events:
        index = position.get((event.start + offset).date())
        if index is not None:
            counts[index] += 1
            minutes[index] += event.duration.total_seconds() / 60
    means = tuple(total / count if count else 0.0 for total, count in zip(minutes, counts, strict=True))
    return DailyEvents(days, tuple(counts), means)


def daily_importance(
    events: Sequence[AnomalyEvent], interval: TimeRange, offset: timedelta, labels: Sequence[str]
) -> DailyImportance:
    """The mean importance of each of `labels` per local day; days without events are zero.

    The `OTHERS` band, if among `labels`, sums the sensors that are not.
    """
    days = local_days(interval, offset)
    position = {day: index for index, day in enumerate(days)}
    sums = {label: [0.0] * len(days) for label in labels}
    others = sums.get(OTHERS)
    counts = [0] * len(days)
    for event in events:
        index = position.get((event.start + offset).date())
        if index is None:
            continue
        counts[index] += 1
        for item in event.diagnostics:
            row = sums.get(item.label, others)
            if row is not None:
                row[index] += item.importance
    shares = tuple(
        tuple(total / count if count else 0.0 for total, count in zip(sums[label], counts, strict=True))
        for label in labels
    )
    return DailyImportance(days, tuple(labels), shares)


def events_overlapping(events: Iterable[AnomalyEvent], interval: TimeRange) -> list[AnomalyEvent]:
    return [event for event in events if event.end >= interval.start and event.start <= interval.end]


def display_labels(labels: Sequence[str]) -> dict[str, str]:
    """`component\\sensor` shown as `sensor` when no other component has a sensor of that name."""
    bare = [label.rpartition("\\")[2] for label in labels]
    return {label: name if bare.count(name) == 1 else label for label, name in zip(labels, bare, strict=True)}


def legend_rows(shares: Sequence[SensorShare], colors: dict[str, str]) -> list[tuple[str, str, str]]:
    """`(colour, label, percentage)` per band, in the given order, for `legend.html`."""
    names = display_labels([item.label for item in shares if item.label != OTHERS])
    return [
        (colors[item.label], names.get(item.label, counted(item.sensors, "other sensor")), percent(item.share))
        for item in shares
    ]
