"""Anomalies over time: the scheduler's scores, predictions and events over the dashboard's range.

It reads only the executions inside the time range, newest first, and at most `MAX_RESULT_FILES`
result objects per render (it says so when that cuts the range); objects already read stay
parsed in a warm container, and in the stack's bucket for a new one (checked against their ETags).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

import numpy as np
from markupsafe import Markup

from lookout_dashboards import charts
from lookout_dashboards.config import CHART_SETTINGS, STACK_SETTINGS, require_settings
from lookout_dashboards.container import current_container
from lookout_dashboards.domain import Execution, ExecutionStatus, InferenceResult, Scheduler, TimeRange
from lookout_dashboards.errors import NothingToShowError
from lookout_dashboards.events import WidgetEvent
from lookout_dashboards.formatting import local_time, zone_label
from lookout_dashboards.html import page, render
from lookout_dashboards.importance import daily_events, daily_importance, importance_bands, legend_rows
from lookout_dashboards.priming import prime_charts
from lookout_dashboards.scheduler_widgets import ResultsRead, explain_no_success, read_results, requested_scheduler
from lookout_dashboards.source import AnomalySource
from lookout_dashboards.themes import sensor_colors, theme_for
from lookout_dashboards.widget import serve_widget

MAX_RESULT_FILES = 288
LEGEND_SENSORS = 8
REQUIRED_SETTINGS = (*STACK_SETTINGS, *CHART_SETTINGS)
require_settings(REQUIRED_SETTINGS)
prime_charts()  # at init: a SnapStart snapshot keeps matplotlib loaded and warm

DOCUMENTATION = f"""\
## Lookout for Equipment anomalies over time

Over the dashboard's time range: the anomaly score of every inference result with the anomalous
predictions and the detected events below it, the number of events per day and their mean
duration, and the daily mean importance in those events of the {LEGEND_SENSORS} sensors that weigh
most, the others as one grey band. At most {MAX_RESULT_FILES} result files are read per render,
newest first; the widget says when that cuts the range.

```json
{{"scheduler": "<inference scheduler name>"}}
```
"""


def render_scheduler_anomalies(widget: WidgetEvent, source: AnomalySource, now: datetime | None = None) -> str:
    scheduler = requested_scheduler(source, widget.params)
    shown = widget.time_range(now or datetime.now(UTC))
    interval = TimeRange(shown.visible_start, shown.visible_end)
    offset = widget.context.timezone_offset
    in_range = source.iter_executions(scheduler.name, data_after=interval.start, data_before=interval.end)
    runs = list(islice((run for run in in_range if run.status is ExecutionStatus.SUCCESS), MAX_RESULT_FILES + 1))
    cut = len(runs) > MAX_RESULT_FILES
    runs = runs[:MAX_RESULT_FILES]
    if not runs:
        raise _nothing_in_range(source, scheduler, interval, offset)
    read = read_results(source, runs, remember=True)
    events = source.list_anomaly_events(scheduler.name, interval)
    if not read.results and not events:
        raise NothingToShowError(" ".join(["No readable inference result in this time range.", read.problems() or ""]))
    svg, legend = _chart(widget, scheduler, interval, read.results, events)
    return page(Markup("").join([svg, legend]), footnote=_footnote(read, runs, cut, events, offset))


def _nothing_in_range(
    source: AnomalySource, scheduler: Scheduler, interval: TimeRange, offset: timedelta
) -> NothingToShowError:
    newest_success = next(source.iter_executions(scheduler.name, status=ExecutionStatus.SUCCESS, page_size=1), None)
    if newest_success is None:
        return explain_no_success(source, scheduler.name)
    return NothingToShowError(
        f"Inference scheduler {scheduler.name} has no successful run in this time range; its newest one read data "
        f"up to {local_time(_data_end(newest_success), offset)} {zone_label(offset)}."
    )


def _data_end(run: Execution) -> datetime:
    return run.data_range.end if run.data_range else run.scheduled_start


def _chart(
    widget: WidgetEvent,
    scheduler: Scheduler,
    interval: TimeRange,
    results: Sequence[InferenceResult],
    events: list[Any],
) -> tuple[Markup, Markup]:
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
        step = scheduler.upload_frequency / max(1, _results_per_run(results, scheduler))
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


def _results_per_run(results: Sequence[InferenceResult], scheduler: Scheduler) -> int:
    """How many results one run writes (one per sample), to give each prediction its width."""
    if len(results) < 2:
        return 1
    gaps = np.diff([result.timestamp.timestamp() for result in results])
    sample = float(np.median(gaps[gaps > 0])) if np.any(gaps > 0) else scheduler.upload_frequency.total_seconds()
    return max(1, round(scheduler.upload_frequency.total_seconds() / sample))


def _footnote(read: ResultsRead, runs: Sequence[Execution], cut: bool, events: Sequence[Any], offset: timedelta) -> str:
    oldest = runs[-1].data_range.start if runs[-1].data_range else runs[-1].scheduled_start
    parts = [f"{len(read.results):,} results from {len(runs)} runs; {len(events)} events."]
    if cut:
        parts.append(
            f"Only the newest {MAX_RESULT_FILES} runs are read per render: results before "
            f"{local_time(oldest, offset)} {zone_label(offset)} are not drawn (events and daily figures are)."
        )
    if read.problems():
        parts.append(read.problems() or "")
    return " ".join(parts)


def lambda_handler(event: Mapping[str, Any], context: Any) -> str:
    return serve_widget(
        event,
        documentation=DOCUMENTATION,
        render=lambda widget: render_scheduler_anomalies(widget, current_container().source),
    )
