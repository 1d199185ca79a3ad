"""Model details: what the model learned from, when it trained, and what it found."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from lookout_dashboards.config import STACK_SETTINGS, require_settings
from lookout_dashboards.container import current_container
from lookout_dashboards.domain import Model, ModelStatus, TimeRange
from lookout_dashboards.events import WidgetEvent
from lookout_dashboards.formatting import duration, local_time, percent, zone_label
from lookout_dashboards.html import page, status_label, table
from lookout_dashboards.model_widgets import requested_model
from lookout_dashboards.source import AnomalySource
from lookout_dashboards.widget import serve_widget

REQUIRED_SETTINGS = STACK_SETTINGS
require_settings(REQUIRED_SETTINGS)

DOCUMENTATION = """\
## Model details

The model's dataset (assets, on IoT SiteWise), training and evaluation periods, training status
and run time, versions (IoT SiteWise), number of detected events and, for a model trained with
labels, how its events compare with them.

```json
{"model": "<model name>"}
```
"""
METRIC_NAMES = {
    "labeled_event_metrics.precision": "Precision on labeled events",
    "labeled_event_metrics.recall": "Recall on labeled events",
}


def render_model_details(widget: WidgetEvent, source: AnomalySource) -> str:
    model = requested_model(source, widget.params)
    offset = widget.context.timezone_offset
    rows: list[list[Any]] = [
        [source.terms.dataset, model.dataset_name or "-"],
        ["Status", status_label(model.status)],
        ["Training data", _period(model.training_range, offset)],
        ["Evaluation data", _period(model.evaluation_range, offset)],
        ["Training ran", _training_run(model, offset)],
        ["Sensors", str(model.sensor_count) if model.sensor_count else "-"],
    ]
    if model.sampling_rate:
        rows.append(["Sampling rate", model.sampling_rate])
    if model.versions:
        rows.append(["Versions", _versions(model.versions, source.active_version(model.name))])
    if model.status is ModelStatus.FAILED:
        rows.append(["Why training failed", model.failed_reason or "No reason was given."])
    if model.status is ModelStatus.SUCCESS:
        rows.extend(_evaluation_rows(model))
    if model.evaluation_note:
        rows.append(["Evaluation", model.evaluation_note])
    return page(table([], rows, f"Model {model.label} (times in {zone_label(offset)})"))


def _evaluation_rows(model: Model) -> list[list[Any]]:
    events = model.evaluation.events
    rows: list[list[Any]] = [["Detected events", str(len(events))]]
    if events:
        total = sum((event.duration for event in events), timedelta(0))
        rows.append(["Mean event duration", duration(total / len(events))])
    labeled = model.evaluation.labeled_ranges
    if labeled:
        rows.append(["Labeled events", str(len(labeled))])
        for key, label in METRIC_NAMES.items():
            if key in model.evaluation.metrics:
                rows.append([label, percent(model.evaluation.metrics[key])])
    return rows


def _versions(versions: tuple[int, ...], active: int | None) -> str:
    return ", ".join(f"{version} (active)" if version == active else str(version) for version in versions)


def _period(period: TimeRange | None, offset: timedelta) -> str:
    if period is None:
        return "-"
    return f"{local_time(period.start, offset)} to {local_time(period.end, offset)} ({duration(period.duration)})"


def _training_run(model: Model, offset: timedelta) -> str:
    run = model.training_run
    if run is not None:
        return f"{local_time(run.start, offset)}, took {duration(run.duration)}"
    if model.status in (ModelStatus.SUCCESS, ModelStatus.FAILED, ModelStatus.NOT_TRAINED):
        return "-"
    return f"in progress since {local_time(model.created_at, offset)}"


def lambda_handler(event: Mapping[str, Any], context: Any) -> str:
    return serve_widget(
        event,
        documentation=DOCUMENTATION,
        render=lambda widget: render_model_details(widget, current_container().source),
    )
