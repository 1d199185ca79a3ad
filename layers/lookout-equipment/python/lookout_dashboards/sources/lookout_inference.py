"""How Lookout for Equipment's results are read: one JSON Lines object per run, events from their own call.

A chart reads the runs inside its range, newest first, at most `MAX_RESULT_FILES` objects per
render; the last diagnostics read the two newest runs, then the recent events if those were normal.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import Protocol

from ..domain import (
    AnomalyEvent,
    Execution,
    ExecutionStatus,
    InferenceResult,
    InferenceResults,
    InferenceWindow,
    LatestAnomaly,
    Scheduler,
    TimeRange,
    usual_gap,
)
from ..errors import NothingToShowError
from ..formatting import counted, local_time

MAX_RESULT_FILES = 288
#: The longest data window of a run (a daily scheduler): runs that started that much before a time may hold it.
MAX_RUN_SPAN = timedelta(days=1)
NEWEST_RESULTS = 2
#: Where to look for an event when the newest results are normal: the last day, then the last 30 days.
EVENT_LOOKBACKS = (timedelta(days=1), timedelta(days=30))


class RunsAndResults(Protocol):
    """What reading Lookout for Equipment's results needs of its adapter: runs, events, result objects."""

    def get_scheduler(self, name: str) -> Scheduler: ...

    def iter_executions(
        self,
        scheduler_name: str,
        data_after: datetime | None = None,
        data_before: datetime | None = None,
        status: ExecutionStatus | None = None,
        page_size: int | None = None,
    ) -> Iterator[Execution]: ...

    def list_anomaly_events(
        self, scheduler_name: str, interval: TimeRange, max_pages: int | None = None
    ) -> list[AnomalyEvent]: ...

    def read_many_inference_results(
        self, executions: Sequence[Execution], remember: bool = False
    ) -> list[InferenceResults | None]: ...


@dataclass
class ResultsRead:
    """Inference results of some executions, and what could not be read of them."""

    results: list[InferenceResult] = field(default_factory=list)
    malformed_lines: int = 0
    missing_objects: list[str] = field(default_factory=list)
    executions: int = 0

    def problems(self) -> str | None:
        """The sentence a widget shows under its chart when some results could not be read."""
        parts = []
        if self.missing_objects:
            parts.append(
                f"{len(self.missing_objects)} result object{'s are' if len(self.missing_objects) > 1 else ' is'} "
                f"missing (first: {self.missing_objects[0]})"
            )
        if self.malformed_lines:
            parts.append(f"{counted(self.malformed_lines, 'malformed result line')} skipped")
        return "; ".join(parts) + "." if parts else None


def read_results(source: RunsAndResults, executions: Iterable[Execution], remember: bool = False) -> ResultsRead:
    """Read the result objects of successful executions; a missing one is noted. `remember` for a range
    of runs, which a new container then reads from the results cache instead of object by object."""
    successes = [run for run in executions if run.status is ExecutionStatus.SUCCESS]
    read = ResultsRead(executions=len(successes))
    for execution, outcome in zip(successes, source.read_many_inference_results(successes, remember), strict=True):
        if outcome is None:
            location = execution.result_object
            read.missing_objects.append(f"s3://{location.bucket}/{location.key}" if location else "no object")
            continue
        read.results.extend(outcome.results)
        read.malformed_lines += outcome.malformed_lines
    read.results.sort(key=lambda result: result.timestamp)
    return read


def explain_no_success(source: RunsAndResults, scheduler_name: str) -> NothingToShowError:
    """Why a scheduler has no successful run: it never ran, or every run failed (and why)."""
    newest = next(source.iter_executions(scheduler_name, page_size=1), None)
    if newest is None:
        return NothingToShowError(f"Inference scheduler {scheduler_name} has not run yet.")
    reason = newest.failed_reason or "no reason was given"
    return NothingToShowError(
        f"Inference scheduler {scheduler_name} has run only in failure; the latest failure: {reason}"
    )


def inference_window(source: RunsAndResults, scheduler_name: str, interval: TimeRange) -> InferenceWindow:
    scheduler = source.get_scheduler(scheduler_name)
    in_range = source.iter_executions(scheduler.name, data_after=interval.start, data_before=interval.end)
    runs = list(islice((run for run in in_range if run.status is ExecutionStatus.SUCCESS), MAX_RESULT_FILES + 1))
    cut = len(runs) > MAX_RESULT_FILES
    runs = runs[:MAX_RESULT_FILES]
    if not runs:
        raise _nothing_in_range(source, scheduler.name)
    read = read_results(source, runs, remember=True)
    events = source.list_anomaly_events(scheduler.name, interval)
    if not read.results and not events:
        raise NothingToShowError(" ".join(["No readable inference result in this time range.", read.problems() or ""]))
    oldest = runs[-1].data_range.start if runs[-1].data_range else runs[-1].scheduled_start
    frequency = scheduler.upload_frequency or timedelta(minutes=5)
    return InferenceWindow(
        results=tuple(read.results),
        events=tuple(events),
        step=frequency / max(1, _results_per_run(read.results, frequency)),
        runs=len(runs),
        cut_before=oldest if cut else None,
        cut_by=f"the newest {MAX_RESULT_FILES} runs are read per render",
        problems=read.problems(),
    )


def results_between(
    source: RunsAndResults, scheduler_name: str, start: datetime, end: datetime
) -> list[InferenceResult]:
    """The results of the successful runs whose data overlaps the range (a day's window reads a day of runs)."""
    runs = source.iter_executions(
        scheduler_name,
        data_after=start - MAX_RUN_SPAN,
        data_before=end + MAX_RUN_SPAN,
        status=ExecutionStatus.SUCCESS,
    )
    inside = [
        run for run in runs if run.data_range is None or (run.data_range.end > start and run.data_range.start <= end)
    ]
    read = read_results(source, inside, remember=True)
    return [result for result in read.results if start < result.timestamp <= end]


def latest_anomaly(source: RunsAndResults, scheduler_name: str, now: datetime) -> LatestAnomaly:
    successes = source.iter_executions(scheduler_name, status=ExecutionStatus.SUCCESS, page_size=NEWEST_RESULTS)
    newest = list(islice(successes, NEWEST_RESULTS))  # one call: the iterator fetches pages on demand
    if not newest:
        raise explain_no_success(source, scheduler_name)
    read = read_results(source, newest)
    anomalous = [result for result in read.results if result.is_anomalous and result.diagnostics]
    if anomalous:
        return LatestAnomaly(anomalous[-1].diagnostics, at=anomalous[-1].timestamp, problems=read.problems())
    event = _latest_event(source, scheduler_name, now, read.problems())
    return LatestAnomaly(event.diagnostics, event=event, problems=read.problems())


def _latest_event(source: RunsAndResults, name: str, now: datetime, problems: str | None) -> AnomalyEvent:
    for lookback in EVENT_LOOKBACKS:
        events = source.list_anomaly_events(name, TimeRange(now - lookback, now), max_pages=1)
        events = [event for event in events if event.diagnostics]
        if events:
            return max(events, key=lambda event: event.end)
    raise NothingToShowError(
        f"Inference scheduler {name} found no anomaly in its newest results nor in the last "
        f"{EVENT_LOOKBACKS[-1].days} days. {problems or ''}".strip()
    )


def _nothing_in_range(source: RunsAndResults, scheduler_name: str) -> NothingToShowError:
    newest_success = next(source.iter_executions(scheduler_name, status=ExecutionStatus.SUCCESS, page_size=1), None)
    if newest_success is None:
        return explain_no_success(source, scheduler_name)
    end = newest_success.data_range.end if newest_success.data_range else newest_success.scheduled_start
    return NothingToShowError(
        f"Inference scheduler {scheduler_name} has no successful run in this time range; its newest one read data "
        f"up to {local_time(end, timedelta(0))} UTC."
    )


def _results_per_run(results: list[InferenceResult], frequency: timedelta) -> int:
    """How many results one run writes (one per sample), to give each prediction its width."""
    return max(1, round(frequency / usual_gap(results, frequency)))
