"""AWS IoT SiteWise anomaly detection's text formats: result values, action payloads, summaries, metrics.

The documentation leaves several shapes open (see the SiteWise reference's open questions): every
variant seen in the guide, the API reference or AWS's samples is accepted here, and nowhere else.
Whatever cannot be understood raises `SiteWiseFormatError`, so a caller can count or explain it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..domain import InferenceResult, InferenceResults, ModelEvaluation, S3Location, SensorImportance, TimeRange
from ..errors import InvalidInputError
from .lookout_formats import inference_record, parse_model_metrics, parse_timestamp, read_result_lines

NameLookup = Mapping[str, str] | Callable[[str], "str | None"]
"""Asset and property ids to their names: a mapping, or a function answering None when it does not know."""

NO_ANOMALY_DETECTED = "NO_ANOMALY_DETECTED"
ANOMALY_DETECTED = "ANOMALY_DETECTED"
TRAIN_MODEL = "TRAIN_MODEL"
UPLOAD_FREQUENCIES = (timedelta(minutes=5), timedelta(days=1))
SAMPLING_RATES = ("PT1S", "PT5S", "PT10S", "PT15S", "PT30S", "PT1M", "PT5M", "PT10M", "PT15M", "PT30M", "PT1H")
MAX_DELAY_OFFSET_MINUTES = 60
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ACTIVE_MODEL_VERSION_KEYS = ("activeModelVersion", "activeVersion", "modelVersion", "currentModelVersion")
"""Guesses: the documentation names no key for the active version (open question 1); the first present wins."""

_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_VARIABLE = re.compile(r"^\$\{([a-z][a-z0-9_]*)\}$")
FAILURE_KEYS = ("failurereason", "errormessage", "message", "reason", "error")


class SiteWiseFormatError(InvalidInputError):
    """A SiteWise value or action payload that cannot be understood (the widget counts or explains it)."""


@dataclass(frozen=True)
class DailyWindow:
    """Part of a day, as offsets from midnight in the payload's time zone (`24:00` is a day's end)."""

    start: timedelta
    end: timedelta


@dataclass(frozen=True)
class InferencePayload:
    """A START or STOP inference payload; `notes` say which optional parts were unreadable and ignored."""

    mode: str
    upload_frequency: timedelta | None = None
    delay_offset: timedelta = timedelta(0)
    target_model_version: int | None = None
    time_zone: str = "UTC"
    weekly_operating_window: Mapping[str, tuple[DailyWindow, ...]] = field(default_factory=dict)
    inference_start_time: timedelta | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrainingPayload:
    """A training payload: what the model learnt from and where its evaluation and metrics went."""

    mode: str = TRAIN_MODEL
    training_range: TimeRange | None = None
    sampling_rate: str | None = None
    labels: S3Location | None = None
    evaluation_range: TimeRange | None = None
    evaluation_destination: S3Location | None = None
    metrics_destination: S3Location | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExecutionSummary:
    """DescribeComputationModelExecutionSummary's map, as far as it is known."""

    inference_active: bool = False
    active_model_version: int | None = None
    #: The map was empty: the guide says it has content only once a training succeeded.
    empty: bool = True


@dataclass(frozen=True)
class ModelMetrics:
    """A training's metrics JSON: what the evaluation found, and whether labels were given."""

    evaluation: ModelEvaluation = field(default_factory=ModelEvaluation)
    labels_present: bool | None = None


@dataclass(frozen=True)
class PropertyReference:
    """A bound property: `asset_id` is None when bound at asset-model level (any asset of the model)."""

    asset_id: str | None
    property_id: str
    #: The asset model of a model-level binding (its fleet's assets are that model's).
    asset_model_id: str | None = None

    def on(self, asset_id: str | None) -> tuple[str, str]:
        """(assetId, propertyId) on the asset a model-level binding resolves to."""
        owner = self.asset_id or asset_id
        if owner is None:
            raise SiteWiseFormatError("a model-level binding needs an asset to resolve to")
        return owner, self.property_id


@dataclass(frozen=True)
class DataBinding:
    """An anomaly-detection computation model's inputs and result property."""

    inputs: tuple[PropertyReference, ...]
    result: PropertyReference

    @property
    def at_model_level(self) -> bool:
        return any(item.asset_id is None for item in (*self.inputs, self.result))

    @property
    def asset_model_id(self) -> str | None:
        """The asset model whose assets a model-level binding runs on: the result's, else an input's."""
        return next((item.asset_model_id for item in (self.result, *self.inputs) if item.asset_model_id), None)


def data_binding(description: Mapping[str, Any]) -> DataBinding:
    """DescribeComputationModel's configuration (`${variable}` references) resolved through its data binding.

    A variable is bound to one property or to a `list` of them; the documentation shows inputs as a
    list and the result as one, but either is accepted for both.
    """
    configuration = description.get("computationModelConfiguration")
    anomaly = configuration.get("anomalyDetection") if isinstance(configuration, Mapping) else None
    bindings = description.get("computationModelDataBinding")
    if not isinstance(anomaly, Mapping) or not isinstance(bindings, Mapping):
        raise SiteWiseFormatError("the computation model has no anomaly-detection configuration and binding")

    def bound(variable_key: str) -> list[PropertyReference]:
        reference = anomaly.get(variable_key)
        match = _VARIABLE.match(reference.strip()) if isinstance(reference, str) else None
        value = bindings.get(match.group(1)) if match else None
        if not isinstance(value, Mapping):
            raise SiteWiseFormatError(f"{variable_key} {reference!r} is not bound to a property")
        items = value.get("list") if isinstance(value.get("list"), list) else [value]
        return [_property_reference(item, variable_key) for item in items]

    result = bound("resultProperty")
    if len(result) != 1:
        raise SiteWiseFormatError(f"resultProperty is bound to {len(result)} properties, not one")
    return DataBinding(tuple(bound("inputProperties")), result[0])


def failure_reason(*maps: Mapping[str, Any] | None) -> str | None:
    """A failed execution's reason, from DescribeExecution's `executionResult` or `executionDetails`
    (key names are not documented, open question 1: the likely ones first, then any error-like key)."""
    for document in maps:
        if not isinstance(document, Mapping):
            continue
        by_key = {key.lower(): value for key, value in document.items() if isinstance(key, str)}
        for key in FAILURE_KEYS:
            if isinstance(by_key.get(key), str) and by_key[key].strip():
                return by_key[key].strip()
        for key, value in by_key.items():
            if ("error" in key or "fail" in key or "reason" in key) and isinstance(value, str) and value.strip():
                return value.strip()
    return None


def inference_result(value: str, names: NameLookup, normal_diagnostics: bool = True) -> InferenceResult:
    """A result property's STRING value; diagnostics are labelled `<asset name>\\<property name>`.

    Without `normal_diagnostics`, a normal result's diagnostics are dropped unread: charts and
    metrics use an anomaly's only, and a month of results is parsed faster without them."""
    record = _json_object(value, "result value")
    prediction = record.get("prediction")
    if isinstance(prediction, str) and prediction.strip() in ("0", "1"):
        record = {**record, "prediction": int(prediction)}
    if not normal_diagnostics and record.get("prediction") in (0, False):
        record = {**record, "diagnostics": []}
    try:
        result = inference_record(record)
    except KeyError as missing:
        raise SiteWiseFormatError(f"result value has no {missing}") from None
    except (ValueError, TypeError, AttributeError) as error:
        raise SiteWiseFormatError(f"unreadable result value: {error}") from None
    return replace(result, diagnostics=resolve_diagnostics(result.diagnostics, names))


def evaluation_records(text: bytes | str, names: NameLookup) -> InferenceResults:
    """The evaluation JSON Lines (presumably result records, open question 4); bad lines are counted."""
    return read_result_lines(text, lambda line: inference_result(line, names), (SiteWiseFormatError,))


def resolve_diagnostics(diagnostics: tuple[SensorImportance, ...], names: NameLookup) -> tuple[SensorImportance, ...]:
    """`<assetId>\\<propertyId>` (any run of backslashes) to names; an unknown id stays as it is."""
    lookup = names.get if isinstance(names, Mapping) else names
    resolved = []
    for item in diagnostics:
        asset_id = item.component.rstrip("\\")
        if not asset_id:
            resolved.append(SensorImportance("", item.sensor, item.importance))
            continue
        resolved.append(
            SensorImportance(lookup(asset_id) or asset_id, lookup(item.sensor) or item.sensor, item.importance)
        )
    return tuple(resolved)


def inference_payload(text: str) -> InferencePayload:
    """The last START (or a STOP) payload, from which the scheduler's settings are shown and re-sent."""
    document = _json_object(text, "inference payload")
    mode = document.get("inferenceMode")
    if not isinstance(mode, str) or mode.strip().upper() not in ("START", "STOP"):
        raise SiteWiseFormatError(f"inference payload has no START or STOP mode: {mode!r}")
    mode = mode.strip().upper()
    if mode == "STOP":
        return InferencePayload(mode)
    notes: list[str] = []
    frequency = _duration(document.get("dataUploadFrequency"))
    if frequency is None or not UPLOAD_FREQUENCIES[0] <= frequency <= UPLOAD_FREQUENCIES[1]:
        raise SiteWiseFormatError(f"unsupported upload frequency {document.get('dataUploadFrequency')!r}")
    return InferencePayload(
        mode=mode,
        upload_frequency=frequency,
        delay_offset=timedelta(minutes=_delay_minutes(document.get("dataDelayOffsetInMinutes"), notes)),
        target_model_version=_optional_version(document.get("targetModelVersion"), notes),
        time_zone=_time_zone(document.get("inferenceTimeZone"), notes),
        weekly_operating_window=_weekly_window(document.get("weeklyOperatingWindow"), notes),
        inference_start_time=_optional_clock(document.get("inferenceStartTime"), "inferenceStartTime", notes),
        notes=tuple(notes),
    )


def restart_payload(text: str) -> str:
    """What Start sends: the last START's settings (frequency, delay, time zone, operating window and any
    key we do not know), without `targetModelVersion`, so the version SiteWise made active since (a
    retraining's promotion) stays active instead of being rolled back. Compact: no control characters."""
    document = _json_object(text, "inference payload")
    if inference_payload(text).mode != "START":
        raise SiteWiseFormatError("only a START payload is re-sent")
    document.pop("targetModelVersion", None)
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def operating_window(payload: InferencePayload) -> tuple[str, ...]:
    """`monday 08:00-16:00, 18:00-20:00` lines, in the payload's time zone."""
    return tuple(
        f"{day} {', '.join(f'{_clock_text(part.start)}-{_clock_text(part.end)}' for part in parts)}"
        for day, parts in payload.weekly_operating_window.items()
    )


def start_words(payload: InferencePayload) -> str:
    """The settings Start re-sends, as the confirmation names them."""
    minutes = int((payload.upload_frequency or timedelta(0)).total_seconds() // 60)
    every = f"every {minutes // 60} h" if minutes >= 60 and minutes % 60 == 0 else f"every {minutes} min"
    delay = int(payload.delay_offset.total_seconds() // 60)
    window = "; ".join(operating_window(payload)) or "always"
    return (
        f"{every}, {f'{delay} min delay' if delay else 'no delay'}, time zone {payload.time_zone}, "
        f"operating window {window}; no model version, so the version SiteWise made active stays active"
    )


def _clock_text(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def training_payload(text: str) -> TrainingPayload:
    """A training action's payload; `trainingMode` is omitted in some of AWS's examples (TRAIN_MODEL)."""
    document = _json_object(text, "training payload")
    mode = document.get("trainingMode", TRAIN_MODEL)
    if not isinstance(mode, str) or not mode.strip():
        raise SiteWiseFormatError(f"unreadable training mode {mode!r}")
    notes: list[str] = []
    rate = document.get("targetSamplingRate")
    if rate is not None and (not isinstance(rate, str) or rate.strip().upper() not in SAMPLING_RATES):
        notes.append(f"targetSamplingRate {rate!r} ignored")
        rate = None
    evaluation = document.get("modelEvaluationConfiguration")
    evaluation = evaluation if isinstance(evaluation, Mapping) else {}
    return TrainingPayload(
        mode=mode.strip().upper(),
        training_range=_time_range(document, "exportDataStartTime", "exportDataEndTime", notes),
        sampling_rate=rate.strip().upper() if rate else None,
        labels=_location(document.get("labelInputConfiguration"), "labelInputConfiguration", notes),
        evaluation_range=_time_range(evaluation, "dataStartTime", "dataEndTime", notes),
        evaluation_destination=_location(evaluation.get("resultDestination"), "resultDestination", notes),
        metrics_destination=_location(document.get("modelMetricsDestination"), "modelMetricsDestination", notes),
        notes=tuple(notes),
    )


def execution_summary(summary: Mapping[str, Any] | None) -> ExecutionSummary:
    """`inferenceTimerActive` is "TRUE" in the guide and "true" in AWS's sample: compared without case."""
    if not isinstance(summary, Mapping) or not summary:
        return ExecutionSummary()
    by_key = {key.lower(): value for key, value in summary.items() if isinstance(key, str)}
    active = by_key.get("inferencetimeractive")
    version = next((by_key[key.lower()] for key in ACTIVE_MODEL_VERSION_KEYS if key.lower() in by_key), None)
    return ExecutionSummary(
        inference_active=active is True or (isinstance(active, str) and active.strip().lower() in ("true", "1")),
        active_model_version=_version(version),
        empty=False,
    )


def model_metrics(text: str | None, names: NameLookup) -> ModelMetrics:
    """A training's metrics JSON; every missing or broken part is simply empty."""
    evaluation = parse_model_metrics(text)
    try:
        labels_present = json.loads(text).get("labels_present") if text else None
    except (json.JSONDecodeError, AttributeError):
        labels_present = None
    events = tuple(
        replace(event, diagnostics=resolve_diagnostics(event.diagnostics, names)) for event in evaluation.events
    )
    return ModelMetrics(
        evaluation=replace(evaluation, events=events, metrics=dict(evaluation.metrics)),
        labels_present=labels_present if isinstance(labels_present, bool) else None,
    )


def _json_object(text: Any, what: str) -> dict[str, Any]:
    if not isinstance(text, str | bytes):
        raise SiteWiseFormatError(f"{what} is not text: {type(text).__name__}")
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise SiteWiseFormatError(f"{what} is not JSON") from None
    if not isinstance(document, dict):
        raise SiteWiseFormatError(f"{what} is JSON but not an object")
    return document


def _duration(value: Any) -> timedelta | None:
    """An ISO 8601 duration of days, hours, minutes and seconds: `PT5M`, `PT12H`, `PT1D` and `P1D` alike."""
    if not isinstance(value, str):
        return None
    text = value.strip().upper()
    text = re.sub(r"^PT(\d+)D$", r"P\1D", text)
    match = _DURATION.match(text)
    if not match or text in ("P", "PT"):
        return None
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _delay_minutes(value: Any, notes: list[str]) -> int:
    if value is None:
        return 0
    minutes = _integer(value)
    if minutes is None or not 0 <= minutes <= MAX_DELAY_OFFSET_MINUTES:
        notes.append(f"dataDelayOffsetInMinutes {value!r} ignored")
        return 0
    return minutes


def _version(value: Any) -> int | None:
    version = _integer(value)
    return version if version is not None and version >= 1 else None


def _optional_version(value: Any, notes: list[str]) -> int | None:
    version = _version(value)
    if value is not None and version is None:
        notes.append(f"targetModelVersion {value!r} ignored")
    return version


def _time_zone(value: Any, notes: list[str]) -> str:
    if value is None:
        return "UTC"
    if isinstance(value, str) and value.strip():
        try:
            return ZoneInfo(value.strip()).key
        except (ZoneInfoNotFoundError, ValueError):
            pass
    notes.append(f"unknown time zone {value!r}, times shown in UTC")
    return "UTC"


def _clock(text: Any) -> timedelta | None:
    match = _CLOCK.match(text.strip()) if isinstance(text, str) else None
    if not match:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    offset = timedelta(hours=hours, minutes=minutes)
    return offset if minutes < 60 and offset <= timedelta(days=1) else None


def _optional_clock(value: Any, what: str, notes: list[str]) -> timedelta | None:
    offset = _clock(value)
    if value is not None and offset is None:
        notes.append(f"{what} {value!r} ignored")
    return offset


def _weekly_window(value: Any, notes: list[str]) -> dict[str, tuple[DailyWindow, ...]]:
    """`{"monday": ["08:00-16:00", ...], ...}`; a day named in any case, a single range without a list."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        notes.append("weeklyOperatingWindow ignored: not an object")
        return {}
    window: dict[str, tuple[DailyWindow, ...]] = {}
    for day, ranges in value.items():
        name = day.strip().lower() if isinstance(day, str) else None
        if name not in WEEKDAYS:
            notes.append(f"weeklyOperatingWindow day {day!r} ignored")
            continue
        daily = []
        for text in [ranges] if isinstance(ranges, str) else ranges if isinstance(ranges, list) else [ranges]:
            start, _, end = text.partition("-") if isinstance(text, str) else ("", "", "")
            start_offset, end_offset = _clock(start), _clock(end)
            if start_offset is None or end_offset is None or end_offset <= start_offset:
                notes.append(f"weeklyOperatingWindow range {text!r} on {name} ignored")
                continue
            daily.append(DailyWindow(start_offset, end_offset))
        window[name] = tuple(sorted(daily, key=lambda part: part.start))
    return {day: window[day] for day in WEEKDAYS if day in window}


def _time_range(document: Mapping[str, Any], start_key: str, end_key: str, notes: list[str]) -> TimeRange | None:
    start, end = document.get(start_key), document.get(end_key)
    if start is None and end is None:
        return None
    try:
        return TimeRange(parse_timestamp(start), parse_timestamp(end))
    except (ValueError, TypeError, OverflowError, OSError):
        notes.append(f"{start_key}/{end_key} {start!r}..{end!r} ignored")
        return None


def _property_reference(item: Any, what: str) -> PropertyReference:
    asset = item.get("assetProperty") if isinstance(item, Mapping) else None
    model = item.get("assetModelProperty") if isinstance(item, Mapping) else None
    if (
        isinstance(asset, Mapping)
        and isinstance(asset.get("assetId"), str)
        and isinstance(asset.get("propertyId"), str)
    ):
        return PropertyReference(asset["assetId"], asset["propertyId"])
    if isinstance(model, Mapping) and isinstance(model.get("propertyId"), str):
        asset_model = model.get("assetModelId")
        return PropertyReference(None, model["propertyId"], asset_model if isinstance(asset_model, str) else None)
    raise SiteWiseFormatError(f"{what} is bound to something that is not a property: {item!r:.100}")


def _location(value: Any, what: str, notes: list[str]) -> S3Location | None:
    if value is None:
        return None
    bucket = value.get("bucketName") if isinstance(value, Mapping) else None
    prefix = value.get("prefix", "") if isinstance(value, Mapping) else None
    if not isinstance(bucket, str) or not bucket.strip() or not isinstance(prefix, str):
        notes.append(f"{what} ignored: no bucket")
        return None
    return S3Location(bucket.strip(), prefix)
