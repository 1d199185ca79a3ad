"""Last anomaly diagnostics: which sensors explain the scheduler's most recent anomaly.

Its cost does not grow with the scheduler's history: at most three Lookout for Equipment calls
and two result objects per render, however many times the scheduler ran.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from lookout_dashboards import charts
from lookout_dashboards.config import CHART_SETTINGS, STACK_SETTINGS, require_settings
from lookout_dashboards.container import current_container
from lookout_dashboards.domain import SensorImportance
from lookout_dashboards.events import WidgetEvent
from lookout_dashboards.formatting import local_time, percent, zone_label
from lookout_dashboards.html import page
from lookout_dashboards.importance import TOP_SENSORS, SensorShare, display_labels
from lookout_dashboards.priming import prime_charts
from lookout_dashboards.source import AnomalySource
from lookout_dashboards.themes import theme_for
from lookout_dashboards.validation import resource_name
from lookout_dashboards.widget import serve_widget

REQUIRED_SETTINGS = (*STACK_SETTINGS, *CHART_SETTINGS)
require_settings(REQUIRED_SETTINGS)
prime_charts()  # at init: a SnapStart snapshot keeps matplotlib loaded and warm

DOCUMENTATION = """\
## Last anomaly diagnostics

The ranking of sensors for the scheduler's most recent anomaly (top 15, with a dotted line at 1/N:
red bars weigh more than an even share, green bars less), and when it happened. Lookout for
Equipment: the two newest results, then the recent inference events if those were normal. IoT
SiteWise: one page of the newest results of the last 30 days.

```json
{"scheduler": "<inference scheduler name>"}
```
"""


def render_last_diagnostics(widget: WidgetEvent, source: AnomalySource, now: datetime | None = None) -> str:
    name = resource_name(widget.params, "scheduler", source.terms.scheduler)
    offset = widget.context.timezone_offset
    latest = source.latest_anomaly(name, now or datetime.now(UTC))
    if latest.event is not None:
        event = latest.event
        when = (
            f"in the event from {local_time(event.start, offset)} to {local_time(event.end, offset)} "
            f"{zone_label(offset)} (the newest results were normal)"
        )
    else:
        when = f"at {local_time(latest.at, offset)} {zone_label(offset)}" if latest.at else "(time unknown)"
    shares = _ranked(latest.diagnostics)
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
        [
            f"Most recent anomaly {when}; 1/N = {percent(1 / sensor_count)} for {sensor_count} sensors.",
            *([latest.problems] if latest.problems else []),
        ]
    )
    return page(svg, footnote=footnote)


def _ranked(diagnostics: tuple[SensorImportance, ...]) -> list[SensorShare]:
    shares = [SensorShare(item.label, item.importance) for item in diagnostics]
    return sorted(shares, key=lambda item: (-item.share, item.label))


def lambda_handler(event: Mapping[str, Any], context: Any) -> str:
    return serve_widget(
        event,
        documentation=DOCUMENTATION,
        render=lambda widget: render_last_diagnostics(widget, current_container().source),
    )
