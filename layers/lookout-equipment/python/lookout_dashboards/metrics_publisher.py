"""Inference results as CloudWatch metrics, from a watermark per scheduler, with a bounded re-send.

Each run reads a scheduler's results after its watermark, in windows of at most `WINDOW`, oldest
first, and publishes them with their own timestamps, in calls of at most 1,000 values. Before a
call, the watermark records it as in flight; after, it moves to the call's newest result (for the
last call of a window that is settled, past the source's `result_lag`, to the window's end). A run
that stops anywhere leaves at most one call in flight: the next run sends it again and reports how
many values may count twice. Nothing is read back from CloudWatch, which may take hours, or days,
to show points that old.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from .domain import InferenceResult
from .metrics import LARGEST_VALUE, MAX_VALUES_PER_CALL, NAMESPACE, Series, accepted, batches, by_result, grow_sensors
from .watermarks import DamagedWatermarkError, Watermark, WatermarkStore

logger = logging.getLogger(__name__)
#: CloudWatch accepts points up to two weeks old; a first run or a long outage starts there.
BACKLOG = timedelta(days=14) - timedelta(hours=1)
#: Results read per step: a day of five-minute results is 288 results.
WINDOW = timedelta(days=1)


@dataclass
class PublishReport:
    """What one scheduler's run published, and where it stopped."""

    results: int = 0
    calls: int = 0
    #: Values CloudWatch would refuse (not finite, or out of its range), left out and logged.
    dropped_values: int = 0
    #: Values sent again because a run stopped with their call in flight: each may count twice.
    resent_at_most: int = 0
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
        stored = self._start(series, floor, report)
        watermark = replace(stored, sending_through=None, sending_values=0)
        if watermark.published_through < floor:
            report.notes.append(f"results before {floor:%Y-%m-%d %H:%M} UTC are too old for CloudWatch")
            watermark = replace(watermark, published_through=floor)
        while watermark.published_through < now and self._time_left() > self._margin_s:
            end = min(now, watermark.published_through + WINDOW)
            watermark, stored, complete = self._publish_window(series, watermark, stored, end, now, report)
            if complete and end >= now:
                report.finished = True
            if not complete or end >= now:
                break
        if watermark != stored:
            self._store.write(series, watermark)
        report.reached = watermark.published_through
        return report

    def _start(self, series: Series, floor: datetime, report: PublishReport) -> Watermark:
        """The watermark as stored (none yet: the backlog's start), and what a run that stopped left to send again."""
        try:
            stored = self._store.read(series)
        except DamagedWatermarkError as error:
            note = f"damaged watermark ({error}): its results since {floor:%Y-%m-%d %H:%M} UTC are sent again"
            logger.warning("%s: %s, and those already published count twice", series.scheduler, note)
            report.notes.append(note)
            return Watermark(floor)
        if stored is None:
            return Watermark(floor)
        if stored.sending_through is not None:
            report.resent_at_most += stored.sending_values
            note = (
                f"a run stopped while sending {stored.sending_values} values of its results through "
                f"{stored.sending_through:%Y-%m-%d %H:%M} UTC: they are sent again and may count twice"
            )
            logger.warning("%s: %s", series.scheduler, note)
            report.notes.append(note)
        return stored

    def _publish_window(
        self,
        series: Series,
        watermark: Watermark,
        stored: Watermark,
        end: datetime,
        now: datetime,
        report: PublishReport,
    ) -> tuple[Watermark, Watermark, bool]:
        """Publish a window's results call by call, the watermark written around each call. Once the
        window is settled (no result there can still be written) the watermark moves to its end, else
        only to its newest result, so a late one comes next run. Returns the watermark, the watermark
        as stored, and whether the whole window went (else the function's time ran short)."""
        start = watermark.published_through
        results = [r for r in self._read_results(series.scheduler, start, end) if start < r.timestamp <= end]
        sensors = grow_sensors(watermark.sensors, results)
        groups = self._without_refused(series, by_result(series, results, sensors), report)
        for call in batches(groups, self._values_per_call):
            if self._time_left() <= self._margin_s:
                return watermark, stored, False
            self._store.write(series, watermark.sending(call.through, len(call.values), sensors))
            self._cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=call.values)
            watermark = stored = Watermark(call.through, sensors)
            self._store.write(series, stored)
            report.calls += 1
            report.results += call.results
        settled = end <= now - self._result_lag
        through = end if settled else max([start, *(result.timestamp for result in results)])
        return Watermark(through, sensors), stored, True

    def _without_refused(
        self, series: Series, groups: list[tuple[datetime, list[dict[str, Any]]]], report: PublishReport
    ) -> list[tuple[datetime, list[dict[str, Any]]]]:
        """The values CloudWatch takes; one it refuses would make it refuse its whole call, every run, so it
        is left out and logged, and the result's other values go."""
        kept = [(moment, [value for value in values if accepted(value["Value"])]) for moment, values in groups]
        refused = [value for _, values in groups for value in values if not accepted(value["Value"])]
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
