"""Inference results as CloudWatch metrics, published exactly once each, from a watermark per scheduler.

Each run reads a scheduler's results after its watermark, in windows of at most `WINDOW`, oldest
first, and publishes them with their own timestamps. Before a window's results are sent, the
watermark object says so (`pending`); after, it moves to the window's end, or, for a window too
recent for every result to be written yet (the source's `result_lag`), to the newest result sent. A run that died
half way leaves `pending`: the next run asks CloudWatch which minutes of that window arrived and
sends only the others. Every metric of the results of one minute travels in the same
`PutMetricData` call, so a minute that arrived arrived whole. Publishing the same window twice
therefore adds nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from .domain import InferenceResult
from .metrics import (
    ANOMALOUS_PREDICTION,
    LARGEST_VALUE,
    MAX_VALUES_PER_CALL,
    NAMESPACE,
    PERIOD_S,
    Series,
    accepted,
    batches,
    by_minute,
    grow_sensors,
    minute_of,
)
from .watermarks import Watermark, WatermarkStore

logger = logging.getLogger(__name__)
#: CloudWatch accepts points up to two weeks old; a first run or a long outage starts there.
BACKLOG = timedelta(days=14) - timedelta(hours=1)
#: Results read and published per step: a day of five-minute results is 288 results.
WINDOW = timedelta(days=1)


@dataclass
class PublishReport:
    """What one scheduler's run published, and where it stopped."""

    results: int = 0
    calls: int = 0
    skipped_minutes: int = 0
    #: Values CloudWatch would refuse (not finite, or out of its range), left out and logged.
    dropped_values: int = 0
    reached: datetime | None = None
    #: Whether it got to `now` (else the function's time ran short: the next run goes on).
    finished: bool = False
    notes: list[str] = field(default_factory=list)


class MetricsPublisher:
    """Publishes one scheduler's new results at a time, within the time the function has left."""

    def __init__(
        self,
        cloudwatch: Any,
        store: WatermarkStore,
        read_results: Callable[[str, datetime, datetime], list[InferenceResult]],
        time_left: Callable[[], float] = lambda: float("inf"),
        margin_s: float = 30.0,
        values_per_call: int = MAX_VALUES_PER_CALL,
        backlog: timedelta = BACKLOG,
        *,
        result_lag: timedelta,
    ) -> None:
        """`result_lag`: how late the source may write a result after its time (`AnomalySource.result_lag`);
        until then the watermark stays at the newest result published, not at the window's end."""
        self._cloudwatch = cloudwatch
        self._store = store
        self._read_results = read_results
        self._time_left = time_left
        self._margin_s = margin_s
        self._values_per_call = values_per_call
        self._backlog = backlog
        self._result_lag = result_lag

    def publish(self, series: Series, now: datetime) -> PublishReport:
        """From the watermark (or the backlog's start, two weeks back) to `now`, window after window, oldest first."""
        report = PublishReport()
        floor = now - self._backlog
        watermark = self._store.read(series, floor, now)
        if watermark.published_through < floor:
            report.notes.append(f"results before {floor:%Y-%m-%d %H:%M} UTC are too old for CloudWatch")
            watermark = replace(watermark, published_through=floor, pending_until=None)
        while watermark.published_through < now and self._time_left() > self._margin_s:
            end = watermark.pending_until or min(now, watermark.published_through + WINDOW)
            watermark = self._publish_window(series, watermark, end, now - self._result_lag, report)
            if end >= now:
                report.finished = True
                break
        else:
            report.finished = watermark.published_through >= now
        report.reached = watermark.published_through
        return report

    def _publish_window(
        self, series: Series, watermark: Watermark, end: datetime, settled: datetime, report: PublishReport
    ) -> Watermark:
        """Publish a window's new results; the watermark moves to its end once results there cannot be
        late any more (`settled`), else only to the newest result published, so a late one comes next run."""
        start = watermark.published_through
        results = [r for r in self._read_results(series.scheduler, start, end) if start < r.timestamp <= end]
        arrived = self._arrived_minutes(series, start, end) if watermark.unsure() else set()
        fresh = [r for r in results if minute_of(r.timestamp) not in arrived]
        report.skipped_minutes += len(results) - len(fresh)
        sensors = grow_sensors(watermark.sensors, fresh)
        verify_until = watermark.verify_until if watermark.verify_until and end < watermark.verify_until else None
        if fresh:
            self._store.write(series, Watermark(start, end, sensors, verify_until))
        groups = self._without_refused(series, by_minute(series, fresh, sensors), report)
        for call in batches(groups, self._values_per_call):
            self._cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=call)
            report.calls += 1
        report.results += len(fresh)
        through = end if end <= settled else max([start, *(result.timestamp for result in results)])
        done = Watermark(through, None, sensors, verify_until)
        if done != watermark:
            self._store.write(series, done)
        return done

    def _without_refused(
        self, series: Series, groups: list[list[dict[str, Any]]], report: PublishReport
    ) -> list[list[dict[str, Any]]]:
        """The values CloudWatch takes; one it refuses would make it refuse its whole call, every run, so it
        is left out and logged, and the result's other values go."""
        kept = [[value for value in group if accepted(value["Value"])] for group in groups]
        refused = [value for group in groups for value in group if not accepted(value["Value"])]
        if refused:
            report.dropped_values += len(refused)
            logger.warning(
                "%s: %d values left out, which CloudWatch refuses (not finite, or beyond %g in magnitude): %s",
                series.scheduler,
                len(refused),
                LARGEST_VALUE,
                ", ".join(f"{v['MetricName']} {v['Value']!r} at {v['Timestamp']:%Y-%m-%d %H:%M}" for v in refused[:3]),
            )
        return kept

    def _arrived_minutes(self, series: Series, start: datetime, end: datetime) -> set[datetime]:
        """Minutes of a window that already hold this scheduler's predictions (a run stopped inside it)."""
        query = {
            "Id": "arrived",
            "MetricStat": {
                "Metric": {
                    "Namespace": NAMESPACE,
                    "MetricName": ANOMALOUS_PREDICTION,
                    "Dimensions": series.dimensions(),
                },
                "Period": PERIOD_S,
                "Stat": "SampleCount",
            },
        }
        arrived: set[datetime] = set()
        token = None
        while True:
            response = self._cloudwatch.get_metric_data(
                MetricDataQueries=[query],
                StartTime=start,
                EndTime=end + timedelta(seconds=PERIOD_S),
                **({"NextToken": token} if token else {}),
            )
            for item in response.get("MetricDataResults", []):
                arrived.update(
                    minute_of(moment) for moment, count in zip(item["Timestamps"], item["Values"], strict=True) if count
                )
            token = response.get("NextToken")
            if not token:
                return arrived
