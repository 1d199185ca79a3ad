"""What the model widgets share: which model, whether it can be drawn, and its dashboard's layout."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, timedelta
from typing import Any

from .dashboards import custom_widget
from .domain import Model, ModelStatus, TimeRange
from .errors import NothingToShowError
from .events import WidgetEvent
from .formatting import local_time, zone_label
from .source import AnomalySource
from .validation import resource_name

#: A model dashboard's widgets: (widget, title, x, y, width, height).
MODEL_DASHBOARD_LAYOUT = (
    ("model-details", "Model details", 0, 0, 24, 7),
    ("model-anomalies", "Detected anomalies", 0, 7, 24, 10),
    ("model-signal-importance", "Aggregated signal importance (top 15 sensors)", 0, 17, 24, 9),
    ("model-importance-evolution", "Daily signal importance", 0, 26, 18, 10),
    ("model-importance-legend", "Sensors", 18, 26, 6, 10),
)


def requested_model(source: AnomalySource, params: Mapping[str, Any]) -> Model:
    return source.get_model(resource_name(params, "model", "model"))


def trained_model(source: AnomalySource, params: Mapping[str, Any]) -> Model:
    """The model, if training succeeded and evaluated it; otherwise a message saying where it stands."""
    model = successful_model(source, params)
    if model.evaluation_range is None:
        raise NothingToShowError(
            model.evaluation_note
            or f"Model {model.label} was trained without an evaluation period, so it has no results."
        )
    return model


def successful_model(source: AnomalySource, params: Mapping[str, Any]) -> Model:
    """The model, if training succeeded (a dashboard can show it); otherwise where training stands."""
    model = requested_model(source, params)
    if model.status is ModelStatus.NOT_TRAINED:
        raise NothingToShowError(f"Model {model.label} has never been trained, so it has no results.")
    if model.status is ModelStatus.FAILED:
        reason = model.failed_reason or "no reason was given"
        raise NothingToShowError(f"Model {model.label} did not train: {reason}")
    if model.status is not ModelStatus.SUCCESS:
        started = local_time(model.training_run.start if model.training_run else model.created_at, timedelta(0))
        raise NothingToShowError(
            f"Model {model.label} is still training (started {started} UTC). Its results appear here when it ends."
        )
    return model


def evaluated_model(source: AnomalySource, params: Mapping[str, Any]) -> Model:
    """A trained model that detected at least one anomaly over its evaluation period."""
    model = trained_model(source, params)
    if not model.evaluation.events:
        raise NothingToShowError(f"Model {model.label} detected no anomalies over its evaluation period.")
    return model


def visible_evaluation(model: Model, widget: WidgetEvent) -> TimeRange:
    """The part of the evaluation period inside the dashboard's time range (and zoom)."""
    evaluation = model.evaluation_range
    if evaluation is None:
        raise NothingToShowError(f"Model {model.label} has no evaluation period.")
    shown = widget.time_range(evaluation.end)
    start, end = max(evaluation.start, shown.visible_start), min(evaluation.end, shown.visible_end)
    if end <= start:
        offset = widget.context.timezone_offset
        raise NothingToShowError(
            f"The dashboard's time range does not overlap model {model.label}'s evaluation period "
            f"({local_time(evaluation.start, offset)} to {local_time(evaluation.end, offset)} {zone_label(offset)})."
        )
    return TimeRange(start, end)


def model_dashboard_body(model: Model, endpoint_of: Callable[[str], str]) -> dict[str, Any]:
    """Details on top, anomalies, the aggregated importance, then its evolution with the legend to the right.

    The dashboard opens on the model's evaluation period, the only period its widgets draw.
    """
    params = {"model": model.name}
    body: dict[str, Any] = {
        "widgets": [
            custom_widget(endpoint_of(widget), title, params, x, y, width, height)
            for widget, title, x, y, width, height in MODEL_DASHBOARD_LAYOUT
        ]
    }
    if model.evaluation_range is not None:
        body["start"] = (
            model.evaluation_range.start.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        )
        body["end"] = model.evaluation_range.end.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return body


UTC_ZERO = UTC.utcoffset(None)
