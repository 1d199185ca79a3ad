"""The domain model every widget speaks; only source adapters know a service's own shapes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple


@dataclass(frozen=True)
class TimeRange:
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"time range ends ({self.end}) before it starts ({self.start})")

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment <= self.end


def sensor_label(component: str, sensor: str) -> str:
    """`component\\sensor`, the way Lookout for Equipment names a sensor in its diagnostics."""
    return f"{component}\\{sensor}" if component else sensor


class Sensor(NamedTuple):
    component: str
    name: str

    @property
    def label(self) -> str:
        return sensor_label(self.component, self.name)


class SensorImportance(NamedTuple):
    """One sensor's share of an anomaly, between 0 and 1 (a tuple: a model holds thousands)."""

    component: str
    sensor: str
    importance: float

    @property
    def label(self) -> str:
        return sensor_label(self.component, self.sensor)


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str = ""

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


@dataclass(frozen=True)
class S3Object:
    bucket: str
    key: str


class DatasetStatus(StrEnum):
    CREATED = "CREATED"
    INGESTION_IN_PROGRESS = "INGESTION_IN_PROGRESS"
    ACTIVE = "ACTIVE"
    IMPORT_IN_PROGRESS = "IMPORT_IN_PROGRESS"


@dataclass(frozen=True)
class Component:
    name: str
    sensors: tuple[str, ...]


@dataclass(frozen=True)
class Dataset:
    name: str
    status: DatasetStatus
    created_at: datetime | None
    components: tuple[Component, ...] = ()
    source: S3Location | None = None
    data_range: TimeRange | None = None

    @property
    def sensor_count(self) -> int:
        return sum(len(component.sensors) for component in self.components)


class ModelStatus(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    IMPORT_IN_PROGRESS = "IMPORT_IN_PROGRESS"


@dataclass(frozen=True)
class ModelSummary:
    """What a list call tells of a model: enough for a table row, no detail call needed."""

    name: str
    dataset_name: str
    status: ModelStatus
    created_at: datetime | None


@dataclass(frozen=True)
class AnomalyEvent:
    """A detected anomaly (an evaluation event of a model, or an inference event)."""

    start: datetime
    end: datetime
    diagnostics: tuple[SensorImportance, ...] = ()

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True)
class LabeledRange:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class ModelEvaluation:
    """What a trained model found over its evaluation period."""

    events: tuple[AnomalyEvent, ...] = ()
    labeled_ranges: tuple[LabeledRange, ...] = ()
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Model:
    name: str
    dataset_name: str
    status: ModelStatus
    created_at: datetime | None
    components: tuple[Component, ...] = ()
    training_range: TimeRange | None = None
    evaluation_range: TimeRange | None = None
    training_run: TimeRange | None = None
    failed_reason: str | None = None
    sampling_rate: str | None = None
    evaluation: ModelEvaluation = field(default_factory=ModelEvaluation)

    @property
    def sensor_count(self) -> int:
        return sum(len(component.sensors) for component in self.components)


@dataclass(frozen=True, eq=False)
class SensorHistory:
    """One sensor's recorded values: numpy arrays of UTC epoch seconds and values, sorted by time."""

    component: str
    sensor: str
    epoch_seconds: Any
    values: Any

    @property
    def label(self) -> str:
        return sensor_label(self.component, self.sensor)


class SchedulerStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    STOPPING = "STOPPING"
    STOPPED = "STOPPED"


class InferenceOutcome(StrEnum):
    ANOMALOUS = "ANOMALOUS"
    NORMAL = "NORMAL"


@dataclass(frozen=True)
class SchedulerSummary:
    name: str
    model_name: str
    status: SchedulerStatus
    upload_frequency: timedelta
    delay_offset: timedelta
    latest_outcome: InferenceOutcome | None


@dataclass(frozen=True)
class InputFileNaming:
    """How the scheduler expects input files to be named: `<component><delimiter><timestamp>`."""

    timestamp_format: str = "yyyyMMddHHmmss"
    delimiter: str = "_"


@dataclass(frozen=True)
class Scheduler:
    name: str
    model_name: str
    status: SchedulerStatus
    upload_frequency: timedelta
    delay_offset: timedelta
    input_location: S3Location
    output_location: S3Location
    input_naming: InputFileNaming
    input_time_zone_offset: timedelta
    created_at: datetime | None
    latest_outcome: InferenceOutcome | None


class ExecutionStatus(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"


@dataclass(frozen=True)
class Execution:
    scheduler_name: str
    status: ExecutionStatus
    scheduled_start: datetime
    data_range: TimeRange | None
    result_object: S3Object | None
    failed_reason: str | None


@dataclass(frozen=True)
class InferenceResult:
    timestamp: datetime
    is_anomalous: bool
    reason: str | None
    anomaly_score: float | None
    diagnostics: tuple[SensorImportance, ...] = ()


@dataclass(frozen=True)
class InferenceResults:
    """The readable lines of a result object, and how many lines could not be read."""

    results: tuple[InferenceResult, ...]
    malformed_lines: int = 0
