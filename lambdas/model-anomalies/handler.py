"""Detected anomalies: one sensor's values over the evaluation period, under the events ribbon.

Lookout for Equipment's sensor history comes from the source's cache after the first read; IoT
SiteWise's from its aggregates (each bucket's minimum and maximum). Either is decimated to the
widget's width, so a render costs the same for a month or for years of one-minute data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import numpy as np
from markupsafe import Markup

from lookout_dashboards import charts
from lookout_dashboards.config import CHART_SETTINGS, STACK_SETTINGS, require_settings
from lookout_dashboards.container import current_container
from lookout_dashboards.domain import Model, Sensor, SensorHistory, TimeRange
from lookout_dashboards.errors import InvalidInputError, NothingToShowError, WidgetError
from lookout_dashboards.events import WidgetEvent
from lookout_dashboards.formatting import counted, duration, local_time, zone_label
from lookout_dashboards.html import action_button, notice, page, select_form
from lookout_dashboards.importance import average_importance, daily_events, events_overlapping
from lookout_dashboards.model_widgets import trained_model, visible_evaluation
from lookout_dashboards.priming import prime_charts
from lookout_dashboards.source import AnomalySource
from lookout_dashboards.themes import theme_for
from lookout_dashboards.validation import quoted
from lookout_dashboards.widget import endpoints, serve_widget

REQUIRED_SETTINGS = (*STACK_SETTINGS, *CHART_SETTINGS)
require_settings(REQUIRED_SETTINGS)
prime_charts()  # at init: a SnapStart snapshot keeps matplotlib loaded and warm

WIDGET = "model-anomalies"
FORM_HEIGHT_PX = 44
FOOTNOTE_HEIGHT_PX = 28
DOCUMENTATION = """\
## Detected anomalies

One sensor's values over the model's evaluation period (inside the dashboard's time range and
zoom), the detected events and labeled ranges below it, then the number of events per day and
their mean duration. Pick the sensor in the form; the choice stays across refreshes.

```json
{"model": "<model name>", "signal": "<component>\\\\<sensor> (optional default)"}
```
"""


def render_model_anomalies(widget: WidgetEvent, source: AnomalySource, own_endpoint: str) -> str:
    model = trained_model(source, widget.params)
    interval = visible_evaluation(model, widget)
    sensors = [Sensor(component.name, sensor) for component in model.components for sensor in component.sensors]
    if not sensors:
        raise NothingToShowError(f"Model {model.label} lists no sensors, so there is nothing to draw.")
    options = [(sensor.label, sensor.label) for sensor in sensors]
    show = action_button("Show", own_endpoint, {"model": model.name})
    try:
        chosen = _chosen_sensor(widget, model, sensors)
    except InvalidInputError as error:
        return page(Markup(" ").join([select_form("signal", "Sensor", options, ""), show, notice(str(error), "error")]))
    form = Markup(" ").join([select_form("signal", "Sensor", options, chosen.label), show])
    try:
        history = source.read_sensor_history(model, chosen, interval, widget.context.width)
        svg, footnote = _chart(widget, model, interval, history)
    except WidgetError as error:  # the form stays, so another sensor can be picked
        return page(form + notice(str(error), error.kind))
    return page(form + svg, footnote=footnote)


def _chosen_sensor(widget: WidgetEvent, model: Model, sensors: Sequence[Sensor]) -> Sensor:
    """The form's choice, else the `signal` parameter, else the sensor that weighs most in the events."""
    requested = widget.form_value("signal")
    if requested in (None, ""):
        ranked = average_importance(model.evaluation.events)
        requested = ranked[0].label if ranked else sensors[0].label
    if not isinstance(requested, str):
        raise InvalidInputError("`signal` must be a sensor name.")
    matches = [s for s in sensors if requested in (s.label, s.name)]
    if len(matches) != 1:
        named = quoted(requested)
        raise InvalidInputError(
            f"Sensor {named} is not one of model {model.label}'s {len(sensors)} sensors; pick one in the list."
            if not matches
            else f"Several components have a sensor named {named}; pick it in the list."
        )
    return matches[0]


def _chart(widget: WidgetEvent, model: Model, interval: TimeRange, history: SensorHistory) -> tuple[str, str]:
    offset = widget.context.timezone_offset
    theme = theme_for(widget.context.theme)
    epoch, values = history.epoch_seconds, history.values
    inside = slice(
        int(np.searchsorted(epoch, interval.start.timestamp(), "left")),
        int(np.searchsorted(epoch, interval.end.timestamp(), "right")),
    )
    if inside.stop <= inside.start:
        raise NothingToShowError(f"Sensor {history.label} has no values in this time range.")
    events = events_overlapping(model.evaluation.events, interval)
    labeled = [r for r in model.evaluation.labeled_ranges if r.end >= interval.start and r.start <= interval.end]
    margins = charts.Margins(left=64, right=64, top=22, bottom=24)
    height = max(160, widget.context.height - FORM_HEIGHT_PX - FOOTNOTE_HEIGHT_PX)
    with charts.chart(widget.context.width, height, theme, margins) as figure:
        columns = charts.plot_width(figure)
        # the lowest and highest value of each pair of pixel columns: never more points than pixels across
        x, y = charts.decimate_min_max(charts.day_numbers(epoch[inside], offset), values[inside], columns // 2)

        ribbons = [("Events", events, theme.event, "event-ribbon")]
        if labeled:
            ribbons.append(("Labels", labeled, theme.label, "labeled-ribbon"))
        offsets = charts.ribbon_offsets(len(ribbons))
        signal_axes, daily_axes = charts.stacked_axes(figure, [5.0, 2.2], gap_px=round(offsets[-1]) + 24)
        charts.style_axes(signal_axes, theme)
        signal_axes.plot(x, y, color=theme.series[0], linewidth=0.8, gid="sensor-series")
        signal_axes.set_title(history.label, color=theme.text, fontsize=10, loc="left")
        charts.time_axis(signal_axes, interval, offset, columns, labels=False)
        for (label, ranges, color, gid), below_px in zip(ribbons, offsets, strict=True):
            spans = charts.day_spans(ranges, interval, offset)
            charts.draw_ribbon(signal_axes, spans, columns, color, label, theme, gid, below_px=below_px)
        charts.draw_daily_events(daily_axes, daily_events(events, interval, offset), columns, theme)
        charts.time_axis(daily_axes, interval, offset, columns)
        svg = charts.to_svg(figure)

    mean = sum((event.duration for event in events), timedelta(0)) / len(events) if events else None
    footnote = (
        f"{counted(len(events), 'event')} between {local_time(interval.start, offset)} and "
        f"{local_time(interval.end, offset)} {zone_label(offset)}, mean duration {duration(mean)}; "
        f"{inside.stop - inside.start:,} values drawn as {x.size:,} points."
    )
    return svg, footnote


def lambda_handler(event: Mapping[str, Any], context: Any) -> str:
    def render(widget: WidgetEvent) -> str:
        container = current_container()
        own_endpoint = endpoints(widget, context, container.settings).own(WIDGET)
        return render_model_anomalies(widget, container.source, own_endpoint)

    return serve_widget(event, documentation=DOCUMENTATION, render=render)
