"""The domain model every widget speaks; only source adapters know a service's own shapes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import pairwise
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
    #: SiteWise: a computation model no training was ever run for (on that asset).
    NOT_TRAINED = "NOT_TRAINED"
    #: The service did not answer for this row (throttled): the rest of the list is drawn.
    NOT_KNOWN = "NOT_KNOWN"


@dataclass(frozen=True)
class Terms:
    """How a source names what the widgets show: Lookout for Equipment's words, or SiteWise's."""

    service: str = "Lookout for Equipment"
    dataset: str = "Dataset"
    scheduler: str = "inference scheduler"
    #: What a sensor is labelled after, in `<group>\\<sensor>`.
    component: str = "component"
    #: Whether requests name resources by id and people by free-text names (dashboards are named after the latter).
    titled: bool = False


@dataclass(frozen=True)
class ModelSummary:
    """What a list call tells of a model: enough for a table row.

    `name` identifies it in requests and dashboard names; `display_name`, when the source has
    free-text names (SiteWise), is what people read.
    """

    name: str
    dataset_name: str
    status: ModelStatus
    created_at: datetime | None
    display_name: str = ""
    failed_reason: str | None = None
    #: A model bound at asset-model level, drawn as one row: what its fleet of assets shows.
    fleet: FleetSummary | None = None

    @property
    def label(self) -> str:
        return self.display_name or self.name


@dataclass(frozen=True)
class FleetSummary:
    """A fleet's row: its assets, those an action ran on, those whose latest result is recent, and
    those whose latest result is anomalous (each from calls that answer for many assets at once)."""

    assets: int
    with_actions: int
    reporting: int
    anomalous: int


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
    display_name: str = ""
    #: Trained versions, oldest first (sources that version models; `AnomalySource.active_version` tells which runs).
    versions: tuple[int, ...] = ()
    #: Why the model has no evaluation to show, when the source can say (e.g. none was configured).
    evaluation_note: str | None = None

    @property
    def sensor_count(self) -> int:
        return sum(len(component.sensors) for component in self.components)

    @property
    def label(self) -> str:
        return self.display_name or self.name


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
    #: The service did not answer for this row (throttled): the rest of the list is drawn.
    NOT_KNOWN = "NOT_KNOWN"


class AlarmState(StrEnum):
    """A CloudWatch alarm's state."""

    OK = "OK"
    ALARM = "ALARM"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


class InferenceOutcome(StrEnum):
    ANOMALOUS = "ANOMALOUS"
    NORMAL = "NORMAL"


class SchedulerNames:
    """What people read of a scheduler and its model: their display names where the source has them."""

    name: str
    model_name: str
    display_name: str
    model_display_name: str

    @property
    def label(self) -> str:
        return self.display_name or self.name

    @property
    def model_label(self) -> str:
        return self.model_display_name or self.model_name


@dataclass(frozen=True)
class SchedulerSummary(SchedulerNames):
    name: str
    model_name: str
    status: SchedulerStatus
    upload_frequency: timedelta | None
    delay_offset: timedelta
    latest_outcome: InferenceOutcome | None
    display_name: str = ""
    model_display_name: str = ""
    #: Why Start cannot be offered (SiteWise re-sends the last START's settings: without one, it cannot).
    start_refusal: str | None = None
    #: What Start sends, in words, where it re-sends earlier settings (SiteWise); the confirmation names it.
    start_settings: str | None = None
    #: The asset a SiteWise model bound at asset-model level runs on.
    asset_id: str | None = None
    #: A model bound at asset-model level, drawn as one row: what its fleet of assets shows.
    fleet: FleetSummary | None = None


@dataclass(frozen=True)
class InputFileNaming:
    """How the scheduler expects input files to be named: `<component><delimiter><timestamp>`."""

    timestamp_format: str = "yyyyMMddHHmmss"
    delimiter: str = "_"


@dataclass(frozen=True)
class FileExchange:
    """Lookout for Equipment's scheduler reads input files and writes result files."""

    input_location: S3Location | None
    output_location: S3Location | None
    naming: InputFileNaming
    #: The time zone of the input files' timestamps, as an offset from UTC.
    time_zone_offset: timedelta = timedelta(0)


@dataclass(frozen=True)
class PropertyExchange:
    """A SiteWise inference reads input properties and writes a result property, on the settings of its
    last START (time zone, operating window; `notes` say which parts of them could not be read)."""

    inputs: tuple[str, ...]
    output: str
    time_zone: str = "UTC"
    operating_window: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scheduler(SchedulerNames):
    """An inference scheduler (Lookout for Equipment) or a model's inference on an asset (SiteWise):
    what it reads and writes is its `exchange`, files or properties."""

    name: str
    model_name: str
    status: SchedulerStatus
    upload_frequency: timedelta | None
    delay_offset: timedelta
    exchange: FileExchange | PropertyExchange
    created_at: datetime | None
    latest_outcome: InferenceOutcome | None
    display_name: str = ""
    model_display_name: str = ""
    #: The model version inference uses, where the source versions models and can tell.
    active_version: int | None = None
    start_refusal: str | None = None
    start_settings: str | None = None
    asset_id: str | None = None


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


def mean_diagnostics(diagnostics: Sequence[Sequence[SensorImportance]]) -> tuple[SensorImportance, ...]:
    """Each sensor's mean importance over several diagnostics (0 where one lacks it), in first-seen order."""
    totals: dict[tuple[str, str], float] = {}
    for items in diagnostics:
        for item in items:
            totals[(item.component, item.sensor)] = totals.get((item.component, item.sensor), 0.0) + item.importance
    return tuple(SensorImportance(c, s, total / len(diagnostics)) for (c, s), total in totals.items())


def anomaly_events(results: Sequence[InferenceResult], step: timedelta) -> list[AnomalyEvent]:
    """Runs of consecutive anomalous results (sorted by time; a gap over 1.5 steps ends one), with their
    mean diagnostics: where a source writes results but no events (SiteWise), this is what an event is."""
    events: list[AnomalyEvent] = []
    run: list[InferenceResult] = []

    def close() -> None:
        if run:
            diagnostics = mean_diagnostics([result.diagnostics for result in run])
            events.append(AnomalyEvent(run[0].timestamp, run[-1].timestamp + step, diagnostics))
            run.clear()

    for result in results:
        if not result.is_anomalous or (run and result.timestamp - run[-1].timestamp > step * 1.5):
            close()
        if result.is_anomalous:
            run.append(result)
    close()
    return events


def usual_gap(results: Sequence[InferenceResult], default: timedelta) -> timedelta:
    """The median time between two consecutive results (sorted by time): how long one result stands for."""
    gaps = sorted(b.timestamp - a.timestamp for a, b in pairwise(results))
    positive = [gap for gap in gaps if gap > timedelta(0)]
    return positive[len(positive) // 2] if positive else default


@dataclass(frozen=True)
class InferenceResults:
    """The readable lines of a result object, and how many lines could not be read."""

    results: tuple[InferenceResult, ...]
    malformed_lines: int = 0


@dataclass(frozen=True)
class InferenceWindow:
    """A scheduler's results and events over a time range, as one chart draws them.

    `runs` is how many runs were read (sources that write one result object per run), `cut_before`
    when only the newest part of the range could be read, `cut_by` the bound that cut it (in words, as
    the chart says it), `events_cut` whether events before it are missing too, `step` how long one
    result stands for.
    """

    results: tuple[InferenceResult, ...]
    events: tuple[AnomalyEvent, ...]
    step: timedelta
    runs: int | None = None
    cut_before: datetime | None = None
    cut_by: str = ""
    events_cut: bool = False
    problems: str | None = None


@dataclass(frozen=True)
class LatestAnomaly:
    """The newest anomaly's diagnostics: of one result (`at`), or of an event when results were normal."""

    diagnostics: tuple[SensorImportance, ...]
    at: datetime | None = None
    event: AnomalyEvent | None = None
    problems: str | None = None
