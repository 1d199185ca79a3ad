"""Inference results as CloudWatch metrics, from a watermark per scheduler, with a bounded re-send.

Each run reads a scheduler's results after its watermark, in windows of at most `WINDOW`, oldest
first, and publishes them with their own timestamps, in calls of at most 1,000 values. Before a
call, the watermark records it as in flight; after, it moves to the call's newest result (for the
last call of a window that is settled, past the source's `result_lag`, to the window's end). A run
that stops anywhere leaves at most one call in flight: the next run sends it again and reports how
many values may count twice. Nothing is read back from CloudWatch, which may take hours, or days,
to show points that old. Watermark writes are conditional, and a call in flight is its run's until
that run's end: of two runs that overlap, one publishes a scheduler and the other leaves it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from .domain import InferenceResult
from .metrics import LARGEST_VALUE, MAX_VALUES_PER_CALL, NAMESPACE, Series, accepted, batches, by_result, grow_sensors
from .watermarks import AnotherRunError, StoredWatermark, Watermark, WatermarkStore

logger = logging.getLogger(__name__)
#: CloudWatch accepts points up to two weeks old; a first run or a long outage starts there.
BACKLOG = timedelta(days=14) - timedelta(hours=1)
#: Results read per step: a day of five-minute results is 288 results.
WINDOW = timedelta(days=1)
#: The longest a Lambda function runs: how long a run that does not say otherwise may hold a call in flight.
LONGEST_RUN = timedelta(minutes=15)


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
    #: Whether another run was publishing this scheduler (a call of its in flight, or it wrote first): this one left it.
    busy: bool = False
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
        run_time: timedelta = LONGEST_RUN,
        with_sensors: bool = True,
    ) -> None:
        """`result_lag`: how late the source may write a result after its time (`AnomalySource.result_lag`);
        until then the watermark stays at the newest result published, not at the window's end.
        `run_time`: how long this run may last at most, from the `now` it publishes to (the function's
        time left at its start); until then a call it leaves in flight may still be arriving.
        `with_sensors`: whether anomalies' top sensors get `SensorContribution` series (the stack's `MetricDetail`)."""
        self._cloudwatch = cloudwatch
        self._store = store
        self._read_results = read_results
        self._time_left = time_left
        self._margin_s = margin_s
        self._values_per_call = values_per_call
        self._backlog = backlog
        self._result_lag = result_lag
        self._run_time = run_time
        self._with_sensors = with_sensors

    def publish(self, series: Series, now: datetime, running: bool = True) -> PublishReport:
        """From the watermark (or the backlog's start, two weeks back) to `now`, window after window, oldest first.

        A scheduler that is not `running` writes results only for its runs before the stop, at most
        `result_lag` late: it is published from the run that first sees it stopped to one `result_lag`
        later, which marks it `drained`. After that, or when it has no watermark (this stack never
        published it), its watermark is all this reads."""
        report = PublishReport()
        stored = self._store.open(series)
        if not running and (stored.watermark.drained if stored.watermark else not stored.damaged):
            report.finished = True
            return report
        watermark = self._resume(series, stored, now, report)
        if watermark is None:
            report.busy = True
            return report
        if running:
            watermark = replace(watermark, stopped_since=None, drained=False)
        elif watermark.stopped_since is None:
            watermark = replace(watermark, stopped_since=now)
        try:
            while watermark.published_through < now and self._time_left() > self._margin_s:
                end = min(now, watermark.published_through + WINDOW)
                if end > now - self._result_lag:  # not settled: the watermark could not pass it, so read up to now
                    end = now
                watermark, complete = self._publish_window(series, stored, watermark, end, now, report)
                if complete and end >= now:
                    report.finished = True
                if not complete or end >= now:
                    break
            report.finished = report.finished or watermark.published_through >= now
            if watermark.stopped_since and report.finished and now >= watermark.stopped_since + self._result_lag:
                watermark = replace(watermark, drained=True)
            if watermark != stored.watermark:
                stored.write(watermark)
        except AnotherRunError as error:
            logger.warning("%s: %s; it publishes this scheduler, this run stops", series.scheduler, error)
            report.notes.append("another run wrote its watermark first: that run publishes it")
            report.busy = True
        report.reached = stored.watermark.published_through if stored.watermark else None
        return report

    def _resume(
        self, series: Series, stored: StoredWatermark, now: datetime, report: PublishReport
    ) -> Watermark | None:
        """Where this run starts: after the stored watermark (none yet: at the backlog's start), with the
        call a run that stopped left in flight sent again. None while that run may still be sending it."""
        floor = now - self._backlog
        noted_damage(series.scheduler, stored, floor, report)
        if stored.watermark is None:
            return Watermark(floor)
        return resumed(series.scheduler, stored.watermark, floor, now, report)

    def _publish_window(
        self,
        series: Series,
        stored: StoredWatermark,
        watermark: Watermark,
        end: datetime,
        now: datetime,
        report: PublishReport,
    ) -> tuple[Watermark, bool]:
        """Publish a window's results call by call, the watermark written around each call (the call in
        flight is this run's until `now + run_time`). Once the window is settled (no result there can
        still be written) the watermark moves to its end, else only to its newest result, so a late one
        comes next run. Returns the watermark and whether the whole window went (else time ran short)."""
        start = watermark.published_through
        results = [r for r in self._read_results(series.scheduler, start, end) if start < r.timestamp <= end]
        sensors = grow_sensors(watermark.sensors, results) if self._with_sensors else ()
        groups = without_refused(series.scheduler, by_result(series, results, sensors), report)
        for call in batches(groups, self._values_per_call):
            if self._time_left() <= self._margin_s:
                return watermark, False
            stored.write(watermark.sending(call.through, len(call.values), sensors, now + self._run_time))
            self._cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=call.values)
            watermark = watermark.moved(call.through, sensors)
            stored.write(watermark)
            report.calls += 1
            report.results += call.results
        settled = end <= now - self._result_lag
        through = end if settled else max([start, *(result.timestamp for result in results)])
        return watermark.moved(through, sensors), True


def resumed(name: str, previous: Watermark, floor: datetime, now: datetime, report: PublishReport) -> Watermark | None:
    """A scheduler's watermark to go on from (a fleet's asset's too, the first time the fleet path sees it):
    the call a run that stopped left in flight is sent again, once, and reported. None while that run
    may still be sending it."""
    if previous.sending_through is not None:
        if held_by_another_run(previous.claimed_until, now, report):
            return None
        report.resent_at_most += previous.sending_values
        note = (
            f"a run stopped while sending {previous.sending_values} values of its results through "
            f"{previous.sending_through:%Y-%m-%d %H:%M} UTC: they are sent again and may count twice"
        )
        logger.warning("%s: %s", name, note)
        report.notes.append(note)
    if previous.published_through < floor and not previous.drained:
        report.notes.append(f"results before {floor:%Y-%m-%d %H:%M} UTC are too old for CloudWatch")
    return previous.moved(max(floor, previous.published_through), previous.sensors)


def without_refused(
    scheduler: str, groups: list[tuple[datetime, list[dict[str, Any]]]], report: PublishReport
) -> list[tuple[datetime, list[dict[str, Any]]]]:
    """The values CloudWatch takes; one it refuses would make it refuse its whole call, every run, so it
    is left out and logged, and the result's other values go."""
    kept = [(moment, [value for value in values if accepted(value["Value"])]) for moment, values in groups]
    refused = [value for _, values in groups for value in values if not accepted(value["Value"])]
    if refused:
        report.dropped_values += len(refused)
        logger.warning(
            "%s: %d values left out, which CloudWatch refuses (not finite, or beyond %g in magnitude): %s",
            scheduler,
            len(refused),
            LARGEST_VALUE,
            ", ".join(f"{v['MetricName']} {v['Value']!r} at {v['Timestamp']:%Y-%m-%d %H:%M}" for v in refused[:3]),
        )
    return kept


def noted_damage(name: str, stored: StoredWatermark, floor: datetime, report: PublishReport) -> None:
    """A damaged watermark is read as none: said in the report and the log, since results count twice."""
    if stored.damaged:
        note = f"damaged watermark ({stored.damaged}): its results since {floor:%Y-%m-%d %H:%M} UTC are sent again"
        logger.warning("%s: %s, and those already published count twice", name, note)
        report.notes.append(note)


def held_by_another_run(claimed_until: datetime | None, now: datetime, report: PublishReport) -> bool:
    """Whether the run that left a call in flight may still be sending it (then this run leaves it)."""
    if claimed_until is not None and now < claimed_until:
        report.notes.append(f"another run is sending its results (it stops by {claimed_until:%H:%M:%S} UTC)")
        return True
    return False
