"""What the scheduler widgets share: which scheduler, its runs counted, its dashboard's layout."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from .dashboards import custom_widget
from .domain import Execution, Scheduler
from .metrics import ANOMALOUS_PREDICTION, ANOMALY_SCORE, NAMESPACE, Series, series_of
from .source import AnomalySource
from .validation import resource_name

#: A scheduler dashboard's widgets: (widget, title, x, y, width, height).
SCHEDULER_DASHBOARD_LAYOUT = (
    ("scheduler-details", "Inference scheduler details", 0, 0, 12, 10),
    ("scheduler-last-diagnostics", "Last anomaly: sensor ranking", 12, 0, 12, 10),
    ("scheduler-anomalies", "Anomalies over time", 0, 10, 24, 12),
)
#: The native metric widgets below them: (metric, title, statistic, x, width), on one row.
SCHEDULER_METRIC_WIDGETS = (
    (ANOMALY_SCORE, "Anomaly score (CloudWatch metric)", "Average", 0, 12),
    (ANOMALOUS_PREDICTION, "Anomalous predictions (CloudWatch metric, share per 5 minutes)", "Average", 12, 12),
)
METRICS_ROW, METRICS_HEIGHT = 22, 6


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


def scheduler_dashboard_body(
    scheduler: Scheduler, endpoint_of: Callable[[str], str], region: str, stack_key: str
) -> dict[str, Any]:
    """Details and the last anomaly's diagnostics side by side, the anomalies over time below, then
    the published metrics as the console's own metric widgets (its zoom, time controls and alarms), this
    stack's (`stack_key`).

    The dashboard opens on the last seven days (or 50 runs, for schedulers slower than hourly).
    """
    params = {"scheduler": scheduler.name}
    days = max(7, int(((scheduler.upload_frequency or timedelta(0)) * 50) / timedelta(days=1)))
    series = series_of(scheduler, stack_key)
    return {
        "start": f"-P{days}D",
        "widgets": [
            *(
                custom_widget(endpoint_of(widget), title, params, x, y, width, height)
                for widget, title, x, y, width, height in SCHEDULER_DASHBOARD_LAYOUT
            ),
            *(
                metric_widget(series, metric, title, stat, region, x, METRICS_ROW, width, METRICS_HEIGHT)
                for metric, title, stat, x, width in SCHEDULER_METRIC_WIDGETS
            ),
        ],
    }


def metric_widget(
    series: Series, metric: str, title: str, stat: str, region: str, x: int, y: int, width: int, height: int
) -> dict[str, Any]:
    """A native CloudWatch metric widget on one of the scheduler's published metrics."""
    dimensions = [part for item in series.dimensions() for part in (item["Name"], item["Value"])]
    return {
        "type": "metric",
        "x": x,
        "y": y,
        "width": width,
        "height": height,
        "properties": {
            "title": title,
            "region": region,
            "view": "timeSeries",
            "stat": stat,
            "period": 300,
            "metrics": [[NAMESPACE, metric, *dimensions]],
            "yAxis": {"left": {"min": 0, "max": 1}},
        },
    }
