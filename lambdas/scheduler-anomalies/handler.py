"""Anomalies over time: the scheduler's scores, predictions and events over the dashboard's range.

It reads only the executions inside the time range, newest first, and at most `MAX_RESULT_FILES`
result objects per render (it says so when that cuts the range); objects already read stay
parsed in a warm container, and in the stack's bucket for a new one (checked against their ETags).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from markupsafe import Markup

from lookout_dashboards import charts
from lookout_dashboards.config import CHART_SETTINGS, STACK_SETTINGS, require_settings
from lookout_dashboards.container import current_container
from lookout_dashboards.domain import InferenceResult, InferenceWindow, TimeRange
from lookout_dashboards.events import WidgetEvent
from lookout_dashboards.formatting import counted, local_time, zone_label
from lookout_dashboards.html import page, render
from lookout_dashboards.importance import daily_events, daily_importance, importance_bands, legend_rows
from lookout_dashboards.priming import prime_charts
from lookout_dashboards.source import AnomalySource
from lookout_dashboards.sources.lookout_inference import MAX_RESULT_FILES
from lookout_dashboards.themes import sensor_colors, theme_for
from lookout_dashboards.validation import resource_name
from lookout_dashboards.widget import serve_widget

LEGEND_SENSORS = 8
REQUIRED_SETTINGS = (*STACK_SETTINGS, *CHART_SETTINGS)
require_settings(REQUIRED_SETTINGS)
prime_charts()  # at init: a SnapStart snapshot keeps matplotlib loaded and warm

DOCUMENTATION = f"""\
## Anomalies over time

Over the dashboard's time range: the anomaly score of every inference result with the anomalous
predictions and the detected events below it, the number of events per day and their mean
duration, and the daily mean importance in those events of the {LEGEND_SENSORS} sensors that weigh
most, the others as one grey band. Lookout for Equipment: at most {MAX_RESULT_FILES} result files
are read per render, newest first, and the widget says when that cuts the range. IoT SiteWise: the
result property's values in the range; an event is a run of anomalous results.

```json
{{"scheduler": "<inference scheduler name, or SiteWise model id[_asset id]>"}}
```
"""


def render_scheduler_anomalies(widget: WidgetEvent, source: AnomalySource, now: datetime | None = None) -> str:
    name = resource_name(widget.params, "scheduler", source.terms.scheduler)
    shown = widget.time_range(now or datetime.now(UTC))
    interval = TimeRange(shown.visible_start, shown.visible_end)
    window = source.inference_window(name, interval)
    svg, legend = _chart(widget, window, interval)
    return page(Markup("").join([svg, legend]), footnote=_footnote(window, widget.context.timezone_offset))


def _chart(widget: WidgetEvent, window: InferenceWindow, interval: TimeRange) -> tuple[Markup, Markup]:
    results, events = window.results, window.events
    offset = widget.context.timezone_offset
    theme = theme_for(widget.context.theme)
    margins = charts.Margins(left=64, right=64, top=10, bottom=24)
    with charts.chart(widget.context.width, max(200, widget.context.height - 64), theme, margins) as figure:
        columns = charts.plot_width(figure)
        offsets = charts.ribbon_offsets(2)
        score_axes, daily_axes, importance_axes = charts.stacked_axes(
            figure, [3.0, 1.6, 2.4], gap_px=round(offsets[-1]) + 24
        )
        charts.style_axes(score_axes, theme)
        times = np.array([result.timestamp.timestamp() for result in results])
        scores = np.array([_score(result) for result in results], dtype=float)
        x, y = charts.decimate_min_max(charts.day_numbers(times, offset), scores, columns // 2)
        score_axes.plot(x, y, color=theme.series[0], linewidth=0.8, gid="anomaly-score")
        score_axes.set_ylabel("Anomaly score", color=theme.text, fontsize=8)
        score_axes.set_ylim(0, 1.05)
        charts.time_axis(score_axes, interval, offset, columns, labels=False)
        step = window.step
        predictions = [
            (charts.day_number(r.timestamp, offset), charts.day_number(r.timestamp + step, offset))
            for r in results
            if r.is_anomalous
        ]
        ribbons = [
            ("Predicted", predictions, theme.above, "prediction-ribbon"),
            ("Events", charts.day_spans(events, interval, offset), theme.event, "event-ribbon"),
        ]
        for (label, spans, color, gid), below_px in zip(ribbons, offsets, strict=True):
            charts.draw_ribbon(score_axes, spans, columns, color, label, theme, gid, below_px=below_px)

        charts.draw_daily_events(daily_axes, daily_events(events, interval, offset), columns, theme)
        charts.time_axis(daily_axes, interval, offset, columns, labels=False)
        bands = importance_bands(events, LEGEND_SENSORS)
        labels = [item.label for item in bands]
        colors = sensor_colors(labels, theme)
        charts.draw_daily_importance(
            importance_axes, daily_importance(events, interval, offset, labels), colors, columns, theme
        )
        importance_axes.set_ylabel("Importance", color=theme.text, fontsize=8)
        charts.time_axis(importance_axes, interval, offset, columns)
        legend = render("legend.html", entries=legend_rows(bands, colors), inline=True)
        return charts.to_svg(figure), legend


def _score(result: InferenceResult) -> float:
    """The anomaly score when the model gives one, else the prediction itself (0 or 1)."""
    return result.anomaly_score if result.anomaly_score is not None else float(result.is_anomalous)


def _footnote(window: InferenceWindow, offset: timedelta) -> str:
    runs = f" from {counted(window.runs, 'run')}" if window.runs is not None else ""
    parts = [f"{len(window.results):,} results{runs}; {counted(len(window.events), 'event')}."]
    if window.cut_before is not None:
        drawn = "" if window.events_cut else " (events and daily figures are)"
        parts.append(
            f"Only {window.cut_by}: results{' and events' if window.events_cut else ''} before "
            f"{local_time(window.cut_before, offset)} {zone_label(offset)} are not drawn{drawn}."
        )
    if window.problems:
        parts.append(window.problems)
    return " ".join(parts)


def lambda_handler(event: Mapping[str, Any], context: Any) -> str:
    return serve_widget(
        event,
        documentation=DOCUMENTATION,
        render=lambda widget: render_scheduler_anomalies(widget, current_container().source),
    )
