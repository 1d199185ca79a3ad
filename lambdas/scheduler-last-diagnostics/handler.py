"""Last anomaly diagnostics: which sensors explain the scheduler's most recent anomaly.

Its cost does not grow with the scheduler's history: at most three Lookout for Equipment calls
and two result objects per render, however many times the scheduler ran.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

from lookout_dashboards import charts
from lookout_dashboards.config import CHART_SETTINGS, STACK_SETTINGS, require_settings
from lookout_dashboards.container import current_container
from lookout_dashboards.domain import ExecutionStatus, SensorImportance, TimeRange
from lookout_dashboards.errors import NothingToShowError
from lookout_dashboards.events import WidgetEvent
from lookout_dashboards.formatting import local_time, percent, zone_label
from lookout_dashboards.html import page
from lookout_dashboards.importance import TOP_SENSORS, SensorShare, display_labels
from lookout_dashboards.priming import prime_charts
from lookout_dashboards.scheduler_widgets import explain_no_success, read_results
from lookout_dashboards.source import AnomalySource
from lookout_dashboards.themes import theme_for
from lookout_dashboards.validation import resource_name
from lookout_dashboards.widget import serve_widget

REQUIRED_SETTINGS = (*STACK_SETTINGS, *CHART_SETTINGS)
require_settings(REQUIRED_SETTINGS)
prime_charts()  # at init: a SnapStart snapshot keeps matplotlib loaded and warm

DOCUMENTATION = """\
## Lookout for Equipment last anomaly diagnostics

The ranking of sensors for the scheduler's most recent anomaly (top 15, with a dotted line at 1/N:
red bars weigh more than an even share, green bars less), and when it happened. It reads the two
newest results, then the recent inference events if those were normal.

```json
{"scheduler": "<inference scheduler name>"}
```
"""
NEWEST_RESULTS = 2
#: Where to look for an event when the newest results are normal: the last day, then the last 30 days.
EVENT_LOOKBACKS = (timedelta(days=1), timedelta(days=30))


def render_last_diagnostics(widget: WidgetEvent, source: AnomalySource, now: datetime | None = None) -> str:
    name = resource_name(widget.params, "scheduler", "inference scheduler")
    now = now or datetime.now(UTC)
    offset = widget.context.timezone_offset
    successes = source.iter_executions(name, status=ExecutionStatus.SUCCESS, page_size=NEWEST_RESULTS)
    newest = list(islice(successes, NEWEST_RESULTS))  # one call: the iterator fetches pages on demand
    if not newest:
        raise explain_no_success(source, name)
    read = read_results(source, newest)
    anomalous = [result for result in read.results if result.is_anomalous and result.diagnostics]
    notes = [read.problems()] if read.problems() else []
    if anomalous:
        latest = anomalous[-1]
        diagnostics, when = latest.diagnostics, f"at {local_time(latest.timestamp, offset)} {zone_label(offset)}"
    else:
        event = _latest_event(source, name, now, read.problems())
        diagnostics = event.diagnostics
        when = (
            f"in the event from {local_time(event.start, offset)} to {local_time(event.end, offset)} "
            f"{zone_label(offset)} (the newest results were normal)"
        )
    shares = _ranked(diagnostics)
    sensor_count = len(shares)
    labels = display_labels([item.label for item in shares])
    svg = charts.importance_bars_svg(
        shares[:TOP_SENSORS],
        labels,
        sensor_count,
        widget.context.width,
        widget.context.height - 40,
        theme_for(widget.context.theme),
    )
    footnote = " ".join(
        [f"Most recent anomaly {when}; 1/N = {percent(1 / sensor_count)} for {sensor_count} sensors.", *notes]
    )
    return page(svg, footnote=footnote)


def _latest_event(source: AnomalySource, name: str, now: datetime, problems: str | None) -> Any:
    for lookback in EVENT_LOOKBACKS:
        events = source.list_anomaly_events(name, TimeRange(now - lookback, now), max_pages=1)
        events = [event for event in events if event.diagnostics]
        if events:
            return max(events, key=lambda event: event.end)
    raise NothingToShowError(
        f"Inference scheduler {name} found no anomaly in its newest results nor in the last "
        f"{EVENT_LOOKBACKS[-1].days} days. {problems or ''}".strip()
    )


def _ranked(diagnostics: tuple[SensorImportance, ...]) -> list[SensorShare]:
    shares = [SensorShare(item.label, item.importance) for item in diagnostics]
    return sorted(shares, key=lambda item: (-item.share, item.label))


def lambda_handler(event: Mapping[str, Any], context: Any) -> str:
    return serve_widget(
        event,
        documentation=DOCUMENTATION,
        render=lambda widget: render_last_diagnostics(widget, current_container().source),
    )
