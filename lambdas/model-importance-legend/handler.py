"""The sensors legend of the daily importance chart: same order, same colours, and each average."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lookout_dashboards.config import STACK_SETTINGS, require_settings
from lookout_dashboards.container import current_container
from lookout_dashboards.events import WidgetEvent
from lookout_dashboards.html import page, render
from lookout_dashboards.importance import TOP_SENSORS, importance_bands, legend_rows
from lookout_dashboards.model_widgets import evaluated_model
from lookout_dashboards.source import AnomalySource
from lookout_dashboards.themes import sensor_colors, theme_for
from lookout_dashboards.widget import serve_widget

REQUIRED_SETTINGS = STACK_SETTINGS
require_settings(REQUIRED_SETTINGS)

DOCUMENTATION = f"""\
## Lookout for Equipment sensors legend

The colour of each band in the daily signal importance chart, with its average importance over
all the model's evaluation events, largest first: the {TOP_SENSORS} sensors that weigh most, then
the others together. It imports no charting library.

```json
{{"model": "<model name>"}}
```
"""


def render_importance_legend(widget: WidgetEvent, source: AnomalySource) -> str:
    model = evaluated_model(source, widget.params)
    shares = importance_bands(model.evaluation.events)
    colors = sensor_colors([item.label for item in shares], theme_for(widget.context.theme))
    return page(render("legend.html", entries=legend_rows(shares, colors), inline=False))


def lambda_handler(event: Mapping[str, Any], context: Any) -> str:
    return serve_widget(
        event,
        documentation=DOCUMENTATION,
        render=lambda widget: render_importance_legend(widget, current_container().source),
    )
