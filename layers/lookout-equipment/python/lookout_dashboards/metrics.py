"""What an inference result becomes in CloudWatch: the namespace, the metrics, their dimensions, and
calls of at most 1,000 values. `metrics_publisher` sends them; `watermarks` remembers what it sent."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .domain import InferenceResult, Scheduler, SchedulerSummary

NAMESPACE = "LookoutDashboards"
ANOMALY_SCORE = "AnomalyScore"
ANOMALOUS_PREDICTION = "AnomalousPrediction"
SENSOR_CONTRIBUTION = "SensorContribution"
#: Sensors of an anomalous result published as `SensorContribution`: its top three.
TOP_SENSORS = 3
#: Distinct `SensorContribution` series per scheduler at most (the first sensors seen): a bound on cost.
MAX_SENSOR_SERIES = 10
#: PutMetricData takes at most 1,000 values per call.
MAX_VALUES_PER_CALL = 1000
#: CloudWatch refuses a value that is not finite or, zero apart, of a magnitude outside this range (the
#: documented limits in base 10: 2^-359 to 2^359). One such value would make it refuse the whole call.
SMALLEST_VALUE, LARGEST_VALUE = 8.515920e-109, 1.174271e108


@dataclass(frozen=True)
class Series:
    """Which stack published a scheduler's metrics (its key) and which scheduler they belong to, as
    CloudWatch dimensions (SiteWise adds the asset). Two stacks of the same source publish apart."""

    model: str
    scheduler: str
    asset: str | None = None
    stack: str = field(kw_only=True)

    def dimensions(self) -> list[dict[str, str]]:
        dimensions = [
            {"Name": "Stack", "Value": self.stack},
            {"Name": "Model", "Value": self.model},
            {"Name": "Scheduler", "Value": self.scheduler},
        ]
        if self.asset:
            dimensions.append({"Name": "Asset", "Value": self.asset})
        return dimensions


def series_of(scheduler: Scheduler | SchedulerSummary, stack_key: str) -> Series:
    """A scheduler's metric dimensions in this stack, from what the lists and the dashboards know of it."""
    return Series(model=scheduler.model_name, scheduler=scheduler.name, asset=scheduler.asset_id, stack=stack_key)


def metric_values(series: Series, result: InferenceResult, sensors: Sequence[str]) -> list[dict[str, Any]]:
    """Every metric of one result: its prediction, its score when it has one, and for an anomalous
    result the contribution of its top sensors that have a series (`sensors`)."""
    timestamp = result.timestamp.astimezone(UTC)
    dimensions = series.dimensions()
    values = [_datum(ANOMALOUS_PREDICTION, dimensions, timestamp, 1.0 if result.is_anomalous else 0.0)]
    if result.anomaly_score is not None:
        values.append(_datum(ANOMALY_SCORE, dimensions, timestamp, float(result.anomaly_score)))
    if result.is_anomalous:
        for item in top_sensors(result):
            if item.label in sensors:
                sensor_dimensions = [*dimensions, {"Name": "Sensor", "Value": item.label[:1024]}]
                values.append(_datum(SENSOR_CONTRIBUTION, sensor_dimensions, timestamp, float(item.importance)))
    return values


def accepted(value: float) -> bool:
    """Whether CloudWatch takes the value: finite, and zero or of a magnitude within its range."""
    return math.isfinite(value) and (value == 0 or SMALLEST_VALUE <= abs(value) <= LARGEST_VALUE)


def top_sensors(result: InferenceResult) -> list[Any]:
    return sorted(result.diagnostics, key=lambda item: (-item.importance, item.label))[:TOP_SENSORS]


def grow_sensors(sensors: tuple[str, ...], results: Iterable[InferenceResult]) -> tuple[str, ...]:
    """The sensors with a series, plus those newly in an anomalous result's top, up to `MAX_SENSOR_SERIES`."""
    grown = list(sensors)
    for result in results:
        if not result.is_anomalous:
            continue
        for item in top_sensors(result):
            if item.label not in grown and len(grown) < MAX_SENSOR_SERIES:
                grown.append(item.label)
    return tuple(grown)


def by_result(
    series: Series, results: Sequence[InferenceResult], sensors: Sequence[str]
) -> list[tuple[datetime, list[dict[str, Any]]]]:
    """Each result's time and values, oldest first (results of the same time together)."""
    values: dict[datetime, list[dict[str, Any]]] = {}
    for result in results:
        values.setdefault(result.timestamp, []).extend(metric_values(series, result, sensors))
    return sorted(values.items())


@dataclass(frozen=True)
class Call:
    """One `PutMetricData` call: its values, the time of the newest result they end with, and how many results."""

    values: list[dict[str, Any]]
    through: datetime
    results: int


def batches(groups: Sequence[tuple[datetime, list[dict[str, Any]]]], limit: int = MAX_VALUES_PER_CALL) -> list[Call]:
    """Calls of at most `limit` values, oldest first, a result's values never split between two calls
    (the watermark moves by whole results)."""
    calls: list[Call] = []
    for moment, values in groups:
        if calls and len(calls[-1].values) + len(values) <= limit:
            last = calls[-1]
            calls[-1] = Call([*last.values, *values], moment, last.results + 1)
        else:
            calls.append(Call(list(values), moment, 1))
    return calls


def _datum(name: str, dimensions: list[dict[str, str]], timestamp: datetime, value: float) -> dict[str, Any]:
    return {"MetricName": name, "Dimensions": dimensions, "Timestamp": timestamp, "Value": value, "Unit": "None"}
