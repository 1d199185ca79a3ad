"""What the scheduler widgets share: which scheduler, its runs counted, its dashboard's layout."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from .dashboards import custom_widget
from .domain import Execution, Scheduler
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


def scheduler_dashboard_body(scheduler: Scheduler, endpoint_of: Callable[[str], str]) -> dict[str, Any]:
    """Details and the last anomaly's diagnostics side by side, the anomalies over time below.

    The dashboard opens on the last seven days (or 50 runs, for schedulers slower than hourly).
    """
    params = {"scheduler": scheduler.name}
    days = max(7, int(((scheduler.upload_frequency or timedelta(0)) * 50) / timedelta(days=1)))
    return {
        "start": f"-P{days}D",
        "widgets": [
            custom_widget(endpoint_of(widget), title, params, x, y, width, height)
            for widget, title, x, y, width, height in SCHEDULER_DASHBOARD_LAYOUT
        ],
    }
