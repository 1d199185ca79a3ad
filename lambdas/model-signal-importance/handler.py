"""Aggregated signal importance: do the same sensors drive every anomaly the model detected?"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lookout_dashboards import charts
from lookout_dashboards.config import CHART_SETTINGS, STACK_SETTINGS, require_settings
from lookout_dashboards.container import current_container
from lookout_dashboards.errors import NothingToShowError
from lookout_dashboards.events import WidgetEvent
from lookout_dashboards.formatting import counted, percent
from lookout_dashboards.html import page
from lookout_dashboards.importance import TOP_SENSORS, average_importance, display_labels, events_overlapping
from lookout_dashboards.model_widgets import evaluated_model, visible_evaluation
from lookout_dashboards.priming import prime_charts
from lookout_dashboards.source import AnomalySource
from lookout_dashboards.themes import theme_for
from lookout_dashboards.widget import serve_widget

REQUIRED_SETTINGS = (*STACK_SETTINGS, *CHART_SETTINGS)
require_settings(REQUIRED_SETTINGS)
prime_charts()  # at init: a SnapStart snapshot keeps matplotlib loaded and warm

DOCUMENTATION = """\
## Lookout for Equipment aggregated signal importance

The average importance of the top 15 sensors across the model's evaluation events (those inside
the dashboard's time range). The dotted line is 1/N, the share of each of the N sensors if all
weighed the same: red bars weigh more than that, green bars less.

```json
{"model": "<model name>"}
```
"""


def render_signal_importance(widget: WidgetEvent, source: AnomalySource) -> str:
    model = evaluated_model(source, widget.params)
    events = events_overlapping(model.evaluation.events, visible_evaluation(model, widget))
    shares = average_importance(events)
    if not shares:
        raise NothingToShowError(f"No event of model {model.label} in this time range has sensor diagnostics.")
    sensor_count = model.sensor_count or len(shares)
    top = shares[:TOP_SENSORS]
    labels = display_labels([item.label for item in shares])
    svg = charts.importance_bars_svg(
        top, labels, sensor_count, widget.context.width, widget.context.height - 36, theme_for(widget.context.theme)
    )
    footnote = (
        f"Average over {counted(len(events), 'event')}; 1/N = {percent(1 / sensor_count)} for {sensor_count} sensors."
    )
    return page(svg, footnote=footnote)


def lambda_handler(event: Mapping[str, Any], context: Any) -> str:
    return serve_widget(
        event,
        documentation=DOCUMENTATION,
        render=lambda widget: render_signal_importance(widget, current_container().source),
    )
