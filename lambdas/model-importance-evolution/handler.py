"""Daily signal importance: how each sensor's share of the anomalies moves over the evaluation period."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lookout_dashboards import charts
from lookout_dashboards.config import CHART_SETTINGS, STACK_SETTINGS, require_settings
from lookout_dashboards.container import current_container
from lookout_dashboards.events import WidgetEvent
from lookout_dashboards.html import page
from lookout_dashboards.importance import TOP_SENSORS, daily_importance, events_overlapping, importance_bands
from lookout_dashboards.model_widgets import evaluated_model, visible_evaluation
from lookout_dashboards.priming import prime_charts
from lookout_dashboards.source import AnomalySource
from lookout_dashboards.themes import sensor_colors, theme_for
from lookout_dashboards.widget import serve_widget

REQUIRED_SETTINGS = (*STACK_SETTINGS, *CHART_SETTINGS)
require_settings(REQUIRED_SETTINGS)
prime_charts()  # at init: a SnapStart snapshot keeps matplotlib loaded and warm

DOCUMENTATION = f"""\
## Lookout for Equipment daily signal importance

For each day of the evaluation period (inside the dashboard's time range), the average importance
of the {TOP_SENSORS} sensors that weigh most over the whole period, and of all the others as one
grey band, stacked, with the detected events below. Colours match the sensors widget beside it.

```json
{{"model": "<model name>"}}
```
"""


def render_importance_evolution(widget: WidgetEvent, source: AnomalySource) -> str:
    model = evaluated_model(source, widget.params)
    interval = visible_evaluation(model, widget)
    offset = widget.context.timezone_offset
    theme = theme_for(widget.context.theme)
    bands = [item.label for item in importance_bands(model.evaluation.events)]
    colors = sensor_colors(bands, theme)
    events = events_overlapping(model.evaluation.events, interval)
    daily = daily_importance(events, interval, offset, bands)

    margins = charts.Margins(top=10, bottom=26 + charts.RIBBON_HEIGHT_PX + 24)
    with charts.chart(widget.context.width, widget.context.height - 36, theme, margins) as figure:
        columns = charts.plot_width(figure)
        axes = figure.add_subplot()
        charts.draw_daily_importance(axes, daily, colors, columns, theme)
        charts.time_axis(axes, interval, offset, columns)
        spans = charts.day_spans(events, interval, offset)
        charts.draw_ribbon(axes, spans, columns, theme.event, "Events", theme, "event-ribbon", below_px=22)
        svg = charts.to_svg(figure)
    days_with_events = sum(1 for day in range(len(daily.days)) if any(row[day] for row in daily.shares))
    footnote = f"{len(events)} events on {days_with_events} of {len(daily.days)} days; days without events are empty."
    return page(svg, footnote=footnote)


def lambda_handler(event: Mapping[str, Any], context: Any) -> str:
    return serve_widget(
        event,
        documentation=DOCUMENTATION,
        render=lambda widget: render_importance_evolution(widget, current_container().source),
    )
