"""The port between widgets and where anomaly data comes from.

Widgets depend on this protocol only. Two adapters implement it: `sources.lookout_equipment`
(Amazon Lookout for Equipment: files in S3, one result object per run) and `sources.iot_sitewise`
(AWS IoT SiteWise anomaly detection: property values and aggregates). What differs in how they
store results is behind `inference_window` and `latest_anomaly`, not in the widgets.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from .domain import (
    Execution,
    ExecutionStatus,
    InferenceResult,
    InferenceWindow,
    LatestAnomaly,
    Model,
    ModelSummary,
    Scheduler,
    SchedulerStatus,
    SchedulerSummary,
    Sensor,
    SensorHistory,
    Terms,
    TimeRange,
)
from .fleets import Fleet, FleetAsset, FleetMembers


class AnomalySource(Protocol):
    #: The source's words for datasets, schedulers and itself, as the widgets show them.
    terms: Terms
    #: How long after its own time a result may still be written: the metrics publisher waits that long
    #: before it counts a window as complete.
    result_lag: timedelta

    def list_models(self, created_in: TimeRange | None = None, *, folded: bool = False) -> list[ModelSummary]:
        """Every model; `folded`, a fleet (one model on every asset of an asset model) is one row."""
        ...

    def get_model(self, name: str) -> Model: ...

    def active_version(self, model_name: str) -> int | None:
        """The model version inference uses, where the source versions models and can tell."""
        ...

    def read_sensor_history(self, model: Model, sensor: Sensor, interval: TimeRange, columns: int) -> SensorHistory:
        """One sensor of the model over `interval`, enough for `columns` pixel columns: raw values, or each
        bucket's minimum and maximum where the source aggregates. More is allowed; the chart decimates."""
        ...

    def list_schedulers(self, *, folded: bool = False) -> list[SchedulerSummary]:
        """Every scheduler; `folded`, a fleet is one row."""
        ...

    def fleet(self, model_name: str) -> Fleet:
        """A fleet's assets, from calls that answer for many assets at once; not found where the source
        has no fleets."""
        ...

    def fleet_members(self, model_name: str) -> FleetMembers:
        """A fleet's assets and names only (no values), at a few calls per thousand assets; not found where the
        source has no fleets."""
        ...

    def fleet_models(self, fleet: Fleet, assets: Sequence[FleetAsset]) -> list[ModelSummary]:
        """The models list's rows of some of a fleet's assets (a page): per-asset calls for those only."""
        ...

    def fleet_schedulers(self, fleet: Fleet, assets: Sequence[FleetAsset]) -> list[SchedulerSummary]:
        """The schedulers list's rows of some of a fleet's assets (a page): per-asset calls for those only."""
        ...

    def get_scheduler(self, name: str) -> Scheduler: ...

    def display_name(self, scheduler_name: str) -> str:
        """What people call the scheduler (its name, or SiteWise's `<model> on <asset>`), for messages."""
        ...

    def start_scheduler(self, name: str) -> SchedulerStatus: ...

    def stop_scheduler(self, name: str) -> SchedulerStatus: ...

    def iter_executions(
        self,
        scheduler_name: str,
        data_after: datetime | None = None,
        data_before: datetime | None = None,
        status: ExecutionStatus | None = None,
        page_size: int | None = None,
    ) -> Iterator[Execution]:
        """Executions newest first, fetched page by page as the caller consumes them."""
        ...

    def inference_window(self, scheduler_name: str, interval: TimeRange) -> InferenceWindow:
        """Results and events over `interval`, with bounded calls; `NothingToShowError` says why there are none."""
        ...

    def results_between(self, scheduler_name: str, start: datetime, end: datetime) -> list[InferenceResult]:
        """Every readable result timed after `start` and up to `end`, oldest first (the metrics publisher's read)."""
        ...

    def latest_anomaly(self, scheduler_name: str, now: datetime) -> LatestAnomaly:
        """The newest anomaly's diagnostics, at a cost that does not grow with history."""
        ...
