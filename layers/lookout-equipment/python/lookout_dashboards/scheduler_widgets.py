"""What the scheduler widgets share: which scheduler, its results over a period, its dashboard's layout."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from .dashboards import custom_widget
from .domain import Execution, ExecutionStatus, InferenceResult, Scheduler
from .errors import NothingToShowError
from .formatting import counted
from .source import AnomalySource
from .validation import resource_name

#: A scheduler dashboard's widgets: (widget, title, x, y, width, height).
SCHEDULER_DASHBOARD_LAYOUT = (
    ("scheduler-details", "Inference scheduler details", 0, 0, 12, 10),
    ("scheduler-last-diagnostics", "Last anomaly: sensor ranking", 12, 0, 12, 10),
    ("scheduler-anomalies", "Anomalies over time", 0, 10, 24, 12),
)


def requested_scheduler(source: AnomalySource, params: Mapping[str, Any]) -> Scheduler:
    return source.get_scheduler(resource_name(params, "scheduler", "inference scheduler"))


def explain_no_success(source: AnomalySource, scheduler_name: str) -> NothingToShowError:
    """Why a scheduler has no successful run: it never ran, or every run failed (and why)."""
    newest = next(source.iter_executions(scheduler_name, page_size=1), None)
    if newest is None:
        return NothingToShowError(f"Inference scheduler {scheduler_name} has not run yet.")
    reason = newest.failed_reason or "no reason was given"
    return NothingToShowError(
        f"Inference scheduler {scheduler_name} has run only in failure; the latest failure: {reason}"
    )


class RunCounts:
    """Per scheduler, the newest run already counted and the count then: a warm function counts only new runs."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[datetime, int]] = {}

    def count(self, name: str, newest: Execution, older: Iterator[Execution], limit: int) -> int:
        """Runs newest first, stopping at the newest one a previous render counted; past `limit` the
        answer is `limit + 1`, to be read as "more than"."""
        known_newest, known_count = self._known.get(name, (None, 0))
        counted = 1
        if newest.scheduled_start != known_newest:
            for run in islice(older, limit):
                if run.scheduled_start == known_newest:
                    break
                counted += 1
            else:
                known_count = 0
        total = min(limit + 1, counted + known_count - (1 if newest.scheduled_start == known_newest else 0))
        self._known[name] = (newest.scheduled_start, total)
        return total


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


def read_results(source: AnomalySource, executions: Iterable[Execution], remember: bool = False) -> ResultsRead:
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


def scheduler_dashboard_body(scheduler: Scheduler, endpoint_of: Callable[[str], str]) -> dict[str, Any]:
    """Details and the last anomaly's diagnostics side by side, the anomalies over time below.

    The dashboard opens on the last seven days (or 50 runs, for schedulers slower than hourly).
    """
    params = {"scheduler": scheduler.name}
    days = max(7, int((scheduler.upload_frequency * 50) / timedelta(days=1)))
    return {
        "start": f"-P{days}D",
        "widgets": [
            custom_widget(endpoint_of(widget), title, params, x, y, width, height)
            for widget, title, x, y, width, height in SCHEDULER_DASHBOARD_LAYOUT
        ],
    }
