"""Lookout for Equipment's text formats: ModelMetrics, result JSON Lines, schemas, sensor names.

Every parser here is tolerant: a missing block gives an empty value, never an exception, because
a widget must show what it can of a model or a result file.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from ..domain import (
    AnomalyEvent,
    Component,
    InferenceResult,
    InferenceResults,
    LabeledRange,
    ModelEvaluation,
    SensorImportance,
)

logger = logging.getLogger(__name__)

_EPOCH_TEXT = re.compile(r"^\s*\d+(\.\d*)?\s*$")


def parse_timestamp(value: Any) -> datetime:
    """ISO 8601 or epoch seconds (a number or its text) to an aware UTC datetime; naive times are UTC."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=UTC)
    if not isinstance(value, str):
        raise ValueError(f"not a timestamp: {value!r}")
    if _EPOCH_TEXT.match(value):
        return datetime.fromtimestamp(float(value), tz=UTC)
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def split_sensor_name(name: str) -> tuple[str, str]:
    """`component\\sensor` to its two parts; a bare name has no component."""
    component, separator, sensor = name.rpartition("\\")
    return (component, sensor) if separator else ("", name)


def parse_diagnostics(items: Any) -> tuple[SensorImportance, ...]:
    """`[{"name": "component\\sensor", "value": 0.12}, ...]`, skipping unreadable entries.

    A model's metrics hold tens of thousands of entries, so this loop avoids ABC checks.
    """
    if not isinstance(items, list):
        return ()
    diagnostics = []
    for item in items:
        if type(item) is not dict:
            continue
        name, value = item.get("name"), item.get("value")
        if type(name) is not str or type(value) not in (float, int) or not math.isfinite(value):
            continue
        component, _, sensor = name.rpartition("\\")
        diagnostics.append(SensorImportance(component, sensor, float(value)))
    return tuple(diagnostics)


def parse_event_diagnostics(text: str | None) -> tuple[SensorImportance, ...]:
    """ListInferenceEvents' `Diagnostics`, a JSON string holding the same list."""
    try:
        return parse_diagnostics(json.loads(text)) if text else ()
    except json.JSONDecodeError:
        return ()


@lru_cache(maxsize=16)
def parse_model_metrics(text: str | None) -> ModelEvaluation:
    """DescribeModel's `ModelMetrics` JSON; any block may be missing, empty or malformed.

    Remembered by text: a warm function sees the same metrics at every refresh, and turning tens
    of thousands of diagnostics into objects is the slowest part of reading a model.
    """
    if not text:
        return ModelEvaluation()
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        logger.warning("ModelMetrics is not JSON; showing the model without evaluation results")
        return ModelEvaluation()
    if not isinstance(document, Mapping):
        return ModelEvaluation()
    events = tuple(
        AnomalyEvent(start, end, parse_diagnostics(item.get("diagnostics")))
        for item, start, end in _ranges(document.get("predicted_ranges"))
    )
    labeled = tuple(LabeledRange(start, end) for _, start, end in _ranges(document.get("labeled_ranges")))
    return ModelEvaluation(
        events=tuple(sorted(events, key=lambda event: event.start)),
        labeled_ranges=tuple(sorted(labeled, key=lambda labeled_range: labeled_range.start)),
        metrics=_numeric_metrics(document),
    )


def parse_inference_results(payload: bytes | str) -> InferenceResults:
    """A results object in JSON Lines."""
    return read_result_lines(
        payload, lambda line: inference_record(json.loads(line)), (ValueError, TypeError, KeyError, AttributeError)
    )


def read_result_lines(
    payload: bytes | str, read_line: Callable[[str], InferenceResult], unreadable: tuple[type[Exception], ...]
) -> InferenceResults:
    """Result records one a line, sorted by time; blank lines are skipped, `unreadable` ones counted."""
    text = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else payload
    results: list[InferenceResult] = []
    malformed = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            results.append(read_line(line))
        except unreadable:
            malformed += 1
    return InferenceResults(tuple(sorted(results, key=lambda result: result.timestamp)), malformed)


def parse_schema(text: str | None) -> tuple[Component, ...]:
    """A dataset or model `Schema`: the sensors of each component, without the timestamp column."""
    if not text:
        return ()
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return ()
    components = []
    for item in document.get("Components", []) if isinstance(document, Mapping) else []:
        if not isinstance(item, Mapping) or not isinstance(item.get("ComponentName"), str):
            continue
        sensors = tuple(
            column["Name"]
            for column in item.get("Columns", [])
            if isinstance(column, Mapping) and isinstance(column.get("Name"), str) and column.get("Type") != "DATETIME"
        )
        components.append(Component(item["ComponentName"], sensors))
    return tuple(components)


def inference_record(record: Mapping[str, Any]) -> InferenceResult:
    """One result record, the same in L4E's JSON Lines and SiteWise's result values.

    Raises ValueError, TypeError, KeyError or AttributeError for a record it cannot read.
    """
    prediction = record["prediction"]
    if prediction not in (0, 1):
        raise ValueError(f"prediction is {prediction!r}, expected 0 or 1")
    reason = record.get("prediction_reason")
    return InferenceResult(
        timestamp=parse_timestamp(record["timestamp"]),
        is_anomalous=prediction == 1,
        reason=reason if isinstance(reason, str) else None,
        anomaly_score=_finite_float(record.get("anomaly_score")),
        diagnostics=parse_diagnostics(record.get("diagnostics")),
    )


def _ranges(items: Any) -> Iterable[tuple[Mapping[str, Any], datetime, datetime]]:
    if not isinstance(items, list):
        return
    for item in items:
        try:
            start, end = parse_timestamp(item["start"]), parse_timestamp(item["end"])
        except (ValueError, TypeError, KeyError):
            logger.warning("skipping an unreadable range in ModelMetrics: %r", item)
            continue
        if end >= start:
            yield item, start, end


def _numeric_metrics(document: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """Every number in the document outside the range lists, keyed by its dotted path."""
    metrics: dict[str, float] = {}
    for key, value in document.items():
        if key in ("predicted_ranges", "labeled_ranges"):
            continue
        if isinstance(value, Mapping):
            metrics.update(_numeric_metrics(value, f"{prefix}{key}."))
        elif (number := _finite_float(value)) is not None:
            metrics[f"{prefix}{key}"] = number
    return metrics


def _finite_float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None
