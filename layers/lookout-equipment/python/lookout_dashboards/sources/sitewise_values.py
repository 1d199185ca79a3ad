"""How SiteWise property values are read: inference results page by page, sensor history as aggregates.

Bounds are counted in pages because that is what a call returns: a GetAssetPropertyValueHistory page
closes at 20,000 results or at 4 MB, whichever comes first, and a result of 0.5-1 KB (its
diagnostics make most of it) fills 4 MB with 4,000 to 8,000. Events are runs of anomalous results,
derived from the results read (`domain.anomaly_events`), so a bound cuts both. A sensor's history is
each bucket's minimum and maximum at the finest resolution one page holds: one call, whatever its length.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..domain import (
    InferenceResult,
    InferenceWindow,
    LatestAnomaly,
    Sensor,
    SensorHistory,
    TimeRange,
    anomaly_events,
    usual_gap,
)
from ..errors import NothingToShowError
from ..formatting import counted, local_time
from .sitewise_formats import SiteWiseFormatError, inference_result
from .sitewise_gateway import AGGREGATES_PAGE_SIZE, SiteWiseGateway

logger = logging.getLogger(__name__)
#: Pages of results a chart reads at most: 40,000 to 80,000 results of 0.5-1 KB (200,000 if they were
#: tiny), that is 28-55 days of one-minute results or 139-278 days of five-minute ones.
MAX_RESULT_PAGES = 10
#: How far back the last diagnostics look, in one page of the newest results (4,000-20,000 of them).
ANOMALY_LOOKBACK = timedelta(days=30)
#: How long after its own time a result may be written (SiteWise: 5 to 10 minutes after the data
#: arrives, plus a delay offset of up to an hour).
RESULT_LAG = timedelta(hours=2)
#: The metrics publisher reads a window of results whole, however many pages it takes.
UNBOUNDED_PAGES = 10_000
#: Aggregate resolutions, finest first.
RESOLUTIONS = (
    ("1m", timedelta(minutes=1)),
    ("15m", timedelta(minutes=15)),
    ("1h", timedelta(hours=1)),
    ("1d", timedelta(days=1)),
)


@dataclass(frozen=True)
class ResultProperty:
    """Where an inference writes its results, and what its readers need to name what they find."""

    asset_id: str
    property_id: str
    #: What people call the inference (`<model> on <asset>`).
    label: str
    #: Asset and property ids to names, for diagnostics.
    names: Callable[[str], str | None]


def inference_window(gateway: SiteWiseGateway, where: ResultProperty, interval: TimeRange) -> InferenceWindow:
    """The results in the range, newest first, at most `MAX_RESULT_PAGES` pages."""
    values, more = gateway.history(
        where.asset_id, where.property_id, interval.start, interval.end, ascending=False, max_pages=MAX_RESULT_PAGES
    )
    if not values:
        raise _nothing_in(gateway, where)
    results, malformed = parse_results(values, where.names)
    problems = f"{counted(malformed, 'result value')} that could not be read skipped." if malformed else None
    if not results:
        raise NothingToShowError(f"No readable inference result in this time range: {problems}")
    step = result_step(results)
    return InferenceWindow(
        results=tuple(results),
        events=tuple(anomaly_events(results, step)),
        step=step,
        cut_before=results[0].timestamp if more else None,
        cut_by=(
            f"{MAX_RESULT_PAGES} pages of results are read per render (a page closes at 20,000 results or "
            f"4 MB; these held {len(values):,})"
        ),
        events_cut=True,
        problems=problems,
    )


def results_between(
    gateway: SiteWiseGateway, where: ResultProperty, start: datetime, end: datetime
) -> list[InferenceResult]:
    """Results timed in the range, oldest first. Values are stored at the time they were written, up to
    `RESULT_LAG` after the time they are about: the read reaches that far past `end`."""
    values, _ = gateway.history(
        where.asset_id, where.property_id, start, end + RESULT_LAG, ascending=True, max_pages=UNBOUNDED_PAGES
    )
    results, malformed = parse_results(values, where.names)
    if malformed:
        logger.warning("%d unreadable result values of %s skipped", malformed, where.label)
    return [result for result in results if start < result.timestamp <= end]


def latest_anomaly(gateway: SiteWiseGateway, where: ResultProperty, now: datetime) -> LatestAnomaly:
    """One page of the newest results of the last 30 days, newest first."""
    interval = TimeRange(now - ANOMALY_LOOKBACK, now)
    values, _ = gateway.history(
        where.asset_id, where.property_id, interval.start, interval.end, ascending=False, max_pages=1
    )
    results, malformed = parse_results(values, where.names)
    if not values:
        raise NothingToShowError(
            f"The inference of {where.label} wrote no result in the last {ANOMALY_LOOKBACK.days} days."
        )
    anomalous = [result for result in results if result.is_anomalous and result.diagnostics]
    if not anomalous:
        raise NothingToShowError(
            f"The inference of {where.label} found no anomaly in its newest {counted(len(values), 'result')} "
            f"(since {local_time(results[0].timestamp if results else interval.start, timedelta(0))} UTC)."
            + (f" {counted(malformed, 'result value')} could not be read." if malformed else "")
        )
    newest = max(anomalous, key=lambda result: result.timestamp)
    problem = f"{counted(malformed, 'result value')} could not be read." if malformed else None
    return LatestAnomaly(newest.diagnostics, at=newest.timestamp, problems=problem)


def parse_results(
    values: Iterable[Mapping[str, Any]], names: Callable[[str], str | None]
) -> tuple[list[InferenceResult], int]:
    """The results that parse, oldest first, and how many did not."""
    results, malformed = [], 0
    for item in values:
        text = item.get("value", {}).get("stringValue")
        try:
            results.append(inference_result(text, names, normal_diagnostics=False))
        except SiteWiseFormatError:
            malformed += 1
    results.sort(key=lambda result: result.timestamp)
    return results, malformed


def result_step(results: Sequence[InferenceResult]) -> timedelta:
    """How long one result stands for: their usual gap, five minutes (SiteWise's usual frequency) for one."""
    return usual_gap(results, timedelta(minutes=5))


def value_time(value: Mapping[str, Any]) -> datetime:
    """A TQV's timestamp: when the value was written."""
    stamp = value.get("timestamp", {})
    seconds = float(stamp.get("timeInSeconds", 0)) + float(stamp.get("offsetInNanos", 0)) / 1e9
    return datetime.fromtimestamp(seconds, UTC)


def _nothing_in(gateway: SiteWiseGateway, where: ResultProperty) -> NothingToShowError:
    latest = gateway.latest_value(where.asset_id, where.property_id)
    if not latest:
        return NothingToShowError(f"The inference of {where.label} has written no result yet.")
    return NothingToShowError(
        f"The inference of {where.label} wrote no result in this time range; its newest one is of "
        f"{local_time(value_time(latest), timedelta(0))} UTC."
    )


def sensor_history(
    gateway: SiteWiseGateway,
    sensor: Sensor,
    asset_id: str,
    property_id: str,
    interval: TimeRange,
    columns: int,
) -> SensorHistory:
    """Each bucket's minimum and maximum (a range longer than 2,500 days takes a page per 2,500 days)."""
    resolution = aggregate_resolution(interval, max(columns, 1))
    buckets = gateway.aggregates(asset_id, property_id, interval.start, interval.end, resolution, sensor.label)
    import numpy as np  # the chart widgets have it loaded; the list widgets never come here

    times, values = [], []
    for bucket in buckets:
        moment = bucket["timestamp"].timestamp()
        for key in ("minimum", "maximum"):
            value = bucket.get("value", {}).get(key)
            if value is not None:
                times.append(moment)
                values.append(float(value))
    order = np.argsort(np.asarray(times, dtype=np.float64), kind="stable")
    return SensorHistory(
        sensor.component,
        sensor.name,
        np.asarray(times, dtype=np.float64)[order],
        np.asarray(values, dtype=np.float64)[order],
    )


def aggregate_resolution(interval: TimeRange, columns: int) -> str:
    """The finest resolution whose buckets over `interval` fit in one page, and no finer than about one
    bucket per pixel column: each bucket's min and max is what the chart's decimation keeps anyway."""
    fitting = (name for name, size in RESOLUTIONS if interval.duration / size <= min(AGGREGATES_PAGE_SIZE, 2 * columns))
    return next(fitting, RESOLUTIONS[-1][0])
