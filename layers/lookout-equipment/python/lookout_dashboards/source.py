"""The port between widgets and where anomaly data comes from.

Widgets depend on this protocol only; `sources.lookout_equipment` is today's adapter, and an
archive of results in S3 or AWS IoT SiteWise can be added beside it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Protocol

from .domain import (
    AnomalyEvent,
    Dataset,
    Execution,
    ExecutionStatus,
    InferenceResults,
    Model,
    ModelSummary,
    Scheduler,
    SchedulerStatus,
    SchedulerSummary,
    SensorHistory,
    TimeRange,
)


class AnomalySource(Protocol):
    def list_datasets(self) -> list[Dataset]: ...

    def get_dataset(self, name: str) -> Dataset: ...

    def list_models(self, created_in: TimeRange | None = None) -> list[ModelSummary]: ...

    def get_model(self, name: str) -> Model: ...

    def read_sensor_history(self, dataset_name: str, component: str, sensor: str) -> SensorHistory:
        """Every recorded value of one sensor; repeated reads of unchanged data come from a cache."""
        ...

    def list_schedulers(self) -> list[SchedulerSummary]: ...

    def get_scheduler(self, name: str) -> Scheduler: ...

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

    def list_anomaly_events(
        self, scheduler_name: str, interval: TimeRange, max_pages: int | None = None
    ) -> list[AnomalyEvent]:
        """Events overlapping the interval, by start time; `max_pages` bounds the calls."""
        ...

    def read_inference_results(self, execution: Execution) -> InferenceResults: ...

    def read_many_inference_results(
        self, executions: Sequence[Execution], remember: bool = False
    ) -> list[InferenceResults | None]:
        """Each execution's results, None where its object is missing; with `remember`, results of past
        runs may come from a cache that outlives the container (never from a changed object)."""
        ...
