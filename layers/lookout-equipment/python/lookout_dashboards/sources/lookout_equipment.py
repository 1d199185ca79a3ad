"""Adapter from Amazon Lookout for Equipment (and its objects in S3) to the domain model."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from ..aws import pages, translated_errors
from ..domain import (
    AnomalyEvent,
    Dataset,
    DatasetStatus,
    Execution,
    ExecutionStatus,
    FileExchange,
    InferenceOutcome,
    InferenceResult,
    InferenceResults,
    InferenceWindow,
    InputFileNaming,
    LatestAnomaly,
    Model,
    ModelStatus,
    ModelSummary,
    S3Location,
    S3Object,
    Scheduler,
    SchedulerStatus,
    SchedulerSummary,
    Sensor,
    SensorHistory,
    Terms,
    TimeRange,
)
from ..errors import NothingToShowError, ResourceNotFoundError
from ..fleets import Fleet, FleetAsset, FleetMembers
from ..results_cache import InferenceResultsCache, ObjectVersion
from ..sensor_cache import ComponentHistory, SensorHistoryCache, fingerprint
from . import lookout_inference
from .lookout_formats import (
    parse_event_diagnostics,
    parse_inference_results,
    parse_model_metrics,
    parse_schema,
)

if TYPE_CHECKING:
    from mypy_boto3_lookoutequipment import LookoutEquipmentClient
    from mypy_boto3_s3 import S3Client

logger = logging.getLogger(__name__)
MAX_PAGE_SIZE = 500
PARSED_RESULTS_KEPT = 2048
#: Result objects are read this many at a time (S3 answers each in tens of milliseconds).
READ_THREADS = 8
_FREQUENCY = re.compile(r"^PT(\d+)([MH])$")
_TIME_ZONE_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


class LookoutEquipmentSource:
    """Implements `AnomalySource` over the Lookout for Equipment API."""

    terms = Terms()
    #: A run writes its results at its end: up to a delay offset (60 min) and a run after the data's time.
    result_lag = timedelta(hours=2)

    def __init__(
        self,
        lookout: LookoutEquipmentClient,
        s3: S3Client,
        sensor_cache: SensorHistoryCache | None = None,
        results_cache: InferenceResultsCache | None = None,
    ) -> None:
        self._lookout = lookout
        self._s3 = s3
        #: Where parsed sensor history is kept; public so that the benchmark can read what it wrote.
        self.sensor_cache = sensor_cache
        self._results_cache = results_cache
        #: Parsed result objects by (bucket, key), with the ETag read, oldest first: a warm source reads each once.
        self._parsed_results: dict[tuple[str, str], tuple[str, InferenceResults]] = {}

    def list_datasets(self) -> list[Dataset]:
        with translated_errors("datasets"):
            return [
                Dataset(item["DatasetName"], DatasetStatus(item["Status"]), item.get("CreatedAt"))
                for item in pages(self._lookout.list_datasets, "DatasetSummaries", MaxResults=MAX_PAGE_SIZE)
            ]

    def get_dataset(self, name: str) -> Dataset:
        with translated_errors(f"dataset {name}"):
            response = self._lookout.describe_dataset(DatasetName=name)
        s3_input = response.get("IngestionInputConfiguration", {}).get("S3InputConfiguration")
        return Dataset(
            name=response["DatasetName"],
            status=DatasetStatus(response["Status"]),
            created_at=response.get("CreatedAt"),
            components=parse_schema(response.get("Schema")),
            source=S3Location(s3_input["Bucket"], s3_input.get("Prefix", "")) if s3_input else None,
            data_range=_time_range(response.get("DataStartTime"), response.get("DataEndTime")),
        )

    def list_models(self, created_in: TimeRange | None = None, *, folded: bool = False) -> list[ModelSummary]:
        with translated_errors("models"):
            summaries = [
                ModelSummary(
                    name=item["ModelName"],
                    dataset_name=item.get("DatasetName", ""),
                    status=ModelStatus(item["Status"]),
                    created_at=item.get("CreatedAt"),
                )
                for item in pages(self._lookout.list_models, "ModelSummaries", MaxResults=MAX_PAGE_SIZE)
            ]
        if created_in is None:
            return summaries
        return [m for m in summaries if m.created_at is not None and created_in.contains(m.created_at)]

    def get_model(self, name: str) -> Model:
        with translated_errors(f"model {name}"):
            response = self._lookout.describe_model(ModelName=name)
        sampling = response.get("DataPreProcessingConfiguration", {}).get("TargetSamplingRate")
        components = parse_schema(response.get("Schema"))
        if not components and response.get("DatasetName"):  # an older model without its own schema
            components = self.get_dataset(response["DatasetName"]).components
        return Model(
            name=response["ModelName"],
            dataset_name=response.get("DatasetName", ""),
            status=ModelStatus(response["Status"]),
            created_at=response.get("CreatedAt"),
            components=components,
            training_range=_time_range(response.get("TrainingDataStartTime"), response.get("TrainingDataEndTime")),
            evaluation_range=_time_range(
                response.get("EvaluationDataStartTime"), response.get("EvaluationDataEndTime")
            ),
            training_run=_time_range(
                response.get("TrainingExecutionStartTime"), response.get("TrainingExecutionEndTime")
            ),
            failed_reason=response.get("FailedReason"),
            sampling_rate=sampling,
            evaluation=parse_model_metrics(response.get("ModelMetrics")),
        )

    def active_version(self, model_name: str) -> int | None:
        """Lookout for Equipment's models here have no versions to tell apart."""
        return None

    def read_sensor_history(self, model: Model, sensor: Sensor, interval: TimeRange, columns: int) -> SensorHistory:
        """The whole history, whatever the range: the CSV files hold all of it, and the cache keeps it parsed."""
        return self.read_dataset_sensor(model.dataset_name, sensor.component, sensor.name)

    def read_dataset_sensor(self, dataset_name: str, component: str, sensor: str) -> SensorHistory:
        """The dataset's CSV files of that component (`<prefix><component>/*.csv`), through the cache."""
        dataset = self.get_dataset(dataset_name)
        if dataset.source is None:
            raise NothingToShowError(f"Dataset {dataset_name} has no S3 location, so its sensor data cannot be shown.")
        bucket = dataset.source.bucket
        folder = f"{dataset.source.prefix.rstrip('/')}/{component}/".lstrip("/")
        with translated_errors(f"the sensor data of {component} in s3://{bucket}/{folder}"):
            objects = {
                item["Key"]: item.get("ETag", "")
                for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=folder)
                for item in page.get("Contents", [])
                if item["Key"].lower().endswith(".csv")
            }
        if not objects:
            raise NothingToShowError(f"No CSV files of component {component} in s3://{bucket}/{folder}.")
        source_fingerprint = fingerprint({f"s3://{bucket}/{key}": etag for key, etag in objects.items()})
        component_history = self.sensor_cache.get(source_fingerprint, sensor) if self.sensor_cache else None
        if component_history is None:
            component_history = self._read_component(bucket, sorted(objects))
            if self.sensor_cache:
                component_history = self.sensor_cache.put(source_fingerprint, component_history)
        history = component_history.sensor(sensor)
        if history is None:
            raise ResourceNotFoundError(
                f"Sensor {sensor} is not in the CSV files of {component} (s3://{bucket}/{folder})."
            )
        return SensorHistory(component, sensor, *history)

    def _read_component(self, bucket: str, keys: list[str]) -> ComponentHistory:
        from .lookout_sensor_files import read_component_files  # pandas: only the chart widgets pay for it

        def bodies() -> Iterator[tuple[str, bytes]]:
            for key in keys:
                with translated_errors(f"s3://{bucket}/{key}"):
                    body = self._s3.get_object(Bucket=bucket, Key=key)["Body"].read()
                yield f"s3://{bucket}/{key}", body

        return read_component_files(bodies())

    def list_schedulers(self, *, folded: bool = False) -> list[SchedulerSummary]:
        with translated_errors("inference schedulers"):
            return [
                SchedulerSummary(
                    name=item["InferenceSchedulerName"],
                    model_name=item.get("ModelName", ""),
                    status=SchedulerStatus(item["Status"]),
                    upload_frequency=parse_frequency(item.get("DataUploadFrequency", "PT5M")),
                    delay_offset=timedelta(minutes=item.get("DataDelayOffsetInMinutes", 0)),
                    latest_outcome=_outcome(item.get("LatestInferenceResult")),
                )
                for item in pages(
                    self._lookout.list_inference_schedulers,
                    "InferenceSchedulerSummaries",
                    MaxResults=MAX_PAGE_SIZE,
                )
            ]

    # Lookout for Equipment has no fleets: each model is trained on its own dataset, so `folded` changes nothing.

    def fleet(self, model_name: str) -> Fleet:
        raise _no_fleet(model_name)

    def fleet_members(self, model_name: str) -> FleetMembers:
        raise _no_fleet(model_name)

    def fleet_models(self, fleet: Fleet, assets: Sequence[FleetAsset]) -> list[ModelSummary]:
        return []

    def fleet_schedulers(self, fleet: Fleet, assets: Sequence[FleetAsset]) -> list[SchedulerSummary]:
        return []

    def get_scheduler(self, name: str) -> Scheduler:
        with translated_errors(f"inference scheduler {name}"):
            response = self._lookout.describe_inference_scheduler(InferenceSchedulerName=name)
        data_input = response.get("DataInputConfiguration", {})
        s3_input = data_input.get("S3InputConfiguration", {})
        s3_output = response.get("DataOutputConfiguration", {}).get("S3OutputConfiguration", {})
        naming = data_input.get("InferenceInputNameConfiguration", {})
        return Scheduler(
            name=response["InferenceSchedulerName"],
            model_name=response.get("ModelName", ""),
            status=SchedulerStatus(response["Status"]),
            upload_frequency=parse_frequency(response.get("DataUploadFrequency", "PT5M")),
            delay_offset=timedelta(minutes=response.get("DataDelayOffsetInMinutes", 0)),
            exchange=FileExchange(
                input_location=S3Location(s3_input.get("Bucket", ""), s3_input.get("Prefix", "")),
                output_location=S3Location(s3_output.get("Bucket", ""), s3_output.get("Prefix", "")),
                naming=InputFileNaming(
                    timestamp_format=naming.get("TimestampFormat", "yyyyMMddHHmmss"),
                    delimiter=naming.get("ComponentTimestampDelimiter", "_"),
                ),
                time_zone_offset=parse_time_zone_offset(data_input.get("InputTimeZoneOffset", "+00:00")),
            ),
            created_at=response.get("CreatedAt"),
            latest_outcome=_outcome(response.get("LatestInferenceResult")),
        )

    def display_name(self, scheduler_name: str) -> str:
        return scheduler_name

    def start_scheduler(self, name: str) -> SchedulerStatus:
        with translated_errors(f"inference scheduler {name}"):
            return SchedulerStatus(self._lookout.start_inference_scheduler(InferenceSchedulerName=name)["Status"])

    def stop_scheduler(self, name: str) -> SchedulerStatus:
        with translated_errors(f"inference scheduler {name}"):
            return SchedulerStatus(self._lookout.stop_inference_scheduler(InferenceSchedulerName=name)["Status"])

    def iter_executions(
        self,
        scheduler_name: str,
        data_after: datetime | None = None,
        data_before: datetime | None = None,
        status: ExecutionStatus | None = None,
        page_size: int | None = None,
    ) -> Iterator[Execution]:
        params: dict[str, Any] = {
            "InferenceSchedulerName": scheduler_name,
            "MaxResults": min(page_size or MAX_PAGE_SIZE, MAX_PAGE_SIZE),
        }
        if data_after is not None:
            params["DataStartTimeAfter"] = data_after
        if data_before is not None:
            params["DataEndTimeBefore"] = data_before
        if status is not None:
            params["Status"] = status.value
        with translated_errors(f"inference scheduler {scheduler_name}"):
            for item in pages(self._lookout.list_inference_executions, "InferenceExecutionSummaries", **params):
                yield _execution(item)

    def list_anomaly_events(
        self, scheduler_name: str, interval: TimeRange, max_pages: int | None = None
    ) -> list[AnomalyEvent]:
        with translated_errors(f"inference scheduler {scheduler_name}"):
            items = list(
                islice(
                    pages(
                        self._lookout.list_inference_events,
                        "InferenceEventSummaries",
                        InferenceSchedulerName=scheduler_name,
                        IntervalStartTime=interval.start,
                        IntervalEndTime=interval.end,
                        MaxResults=MAX_PAGE_SIZE,
                    ),
                    None if max_pages is None else max_pages * MAX_PAGE_SIZE,
                )
            )
        events = [
            AnomalyEvent(item["EventStartTime"], item["EventEndTime"], parse_event_diagnostics(item.get("Diagnostics")))
            for item in items
        ]
        return sorted(events, key=lambda event: event.start)

    def inference_window(self, scheduler_name: str, interval: TimeRange) -> InferenceWindow:
        return lookout_inference.inference_window(self, scheduler_name, interval)

    def latest_anomaly(self, scheduler_name: str, now: datetime) -> LatestAnomaly:
        return lookout_inference.latest_anomaly(self, scheduler_name, now)

    def results_between(self, scheduler_name: str, start: datetime, end: datetime) -> list[InferenceResult]:
        return lookout_inference.results_between(self, scheduler_name, start, end)

    def read_inference_results(self, execution: Execution) -> InferenceResults:
        """A result object, parsed; remembered for the source's life (a container's), as results never change."""
        result = execution.result_object
        if result is None:
            raise ResourceNotFoundError(
                f"The execution of {execution.scheduled_start:%Y-%m-%d %H:%M} UTC has no result object."
            )
        remembered = self._parsed_results.get((result.bucket, result.key))
        return remembered[1] if remembered else self._read_result_object(result)[1]

    def read_many_inference_results(
        self, executions: Sequence[Execution], remember: bool = False
    ) -> list[InferenceResults | None]:
        """Several at a time; with `remember`, objects unchanged since a render of any container come from
        the results cache, checked against one listing of their ETags (a listing refused: every object is read).
        When this container parsed them all, it neither lists nor reads: the service writes each object once."""
        objects = [run.result_object for run in executions if run.result_object]
        parsed_here = all((item.bucket, item.key) in self._parsed_results for item in objects)
        etags = self._etags(objects) if remember and not parsed_here else None
        if etags is None:
            return self._read_each(executions)
        located = [
            (run.result_object.bucket, run.result_object.key) if run.result_object else None for run in executions
        ]
        versions = [(*where, etags[where]) if where in etags else None for where in located]
        unknown = [version for version in versions if version and not self._remembered(version)]
        kept = self._results_cache.get(executions[0].scheduler_name) if unknown and self._results_cache else {}

        def one(version: ObjectVersion | None) -> tuple[ObjectVersion, InferenceResults] | None:
            if version is None:
                return None
            parsed = self._remembered(version) or kept.get(version)
            if parsed is not None:
                self._remember(version, parsed)
                return version, parsed
            try:
                return self._read_result_object(S3Object(version[0], version[1]))
            except ResourceNotFoundError:
                return None

        with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
            outcomes = list(pool.map(one, versions))
        read = {version: parsed for version, parsed in filter(None, outcomes)}
        if self._results_cache and any(version not in kept for version in read) and unknown:
            self._results_cache.put(executions[0].scheduler_name, read | kept)  # this render's runs first
        return [outcome[1] if outcome else None for outcome in outcomes]

    def _read_each(self, executions: Sequence[Execution]) -> list[InferenceResults | None]:
        def one(execution: Execution) -> InferenceResults | None:
            try:
                return self.read_inference_results(execution)
            except ResourceNotFoundError:
                return None

        with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
            return list(pool.map(one, executions))

    def _etags(self, objects: Sequence[S3Object]) -> dict[tuple[str, str], str] | None:
        """The ETags of those objects that exist, from one listing per bucket spanning their keys, or None
        when a listing is refused. A page holds as many keys as wanted: a day of five-minute runs is one call."""
        wanted = {(item.bucket, item.key) for item in objects}
        etags: dict[tuple[str, str], str] = {}
        for bucket in {bucket for bucket, _ in wanted}:
            keys = sorted(key for wanted_bucket, key in wanted if wanted_bucket == bucket)
            prefix = os.path.commonprefix([keys[0], keys[-1]])  # noqa: RUF071 - an S3 prefix is text, not a path
            listing = self._s3.get_paginator("list_objects_v2").paginate(
                Bucket=bucket,
                Prefix=prefix,
                StartAfter=keys[0][:-1],
                PaginationConfig={"PageSize": min(1000, len(keys))},
            )
            try:
                for page in listing:
                    contents = page.get("Contents", [])
                    etags.update(
                        ((bucket, item["Key"]), item["ETag"]) for item in contents if (bucket, item["Key"]) in wanted
                    )
                    if contents and contents[-1]["Key"] >= keys[-1]:
                        break
            except (ClientError, BotoCoreError) as error:
                logger.warning("could not list the result objects in s3://%s: %s", bucket, error)
                return None
        return etags

    def _remembered(self, version: ObjectVersion) -> InferenceResults | None:
        etag, parsed = self._parsed_results.get(version[:2], (None, None))
        return parsed if etag == version[2] else None

    def _remember(self, version: ObjectVersion, parsed: InferenceResults) -> None:
        self._parsed_results[version[:2]] = (version[2], parsed)
        while len(self._parsed_results) > PARSED_RESULTS_KEPT:
            self._parsed_results.pop(next(iter(self._parsed_results)))

    def _read_result_object(self, result: S3Object) -> tuple[ObjectVersion, InferenceResults]:
        with translated_errors(f"s3://{result.bucket}/{result.key}"):
            response = self._s3.get_object(Bucket=result.bucket, Key=result.key)
            body = response["Body"].read()
        version = (result.bucket, result.key, response.get("ETag", ""))
        parsed = parse_inference_results(body)
        self._remember(version, parsed)
        return version, parsed


def parse_frequency(value: str) -> timedelta:
    """`PT5M` … `PT1H` to a timedelta."""
    match = _FREQUENCY.match(value)
    if not match:
        raise ValueError(f"unsupported upload frequency {value!r}")
    amount, unit = int(match.group(1)), match.group(2)
    return timedelta(minutes=amount) if unit == "M" else timedelta(hours=amount)


def parse_time_zone_offset(value: str) -> timedelta:
    """`+05:30` or `-03:00` to a signed timedelta."""
    match = _TIME_ZONE_OFFSET.match(value)
    if not match:
        raise ValueError(f"unsupported time zone offset {value!r}")
    sign = -1 if match.group(1) == "-" else 1
    return sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))


def _execution(item: Mapping[str, Any]) -> Execution:
    result = item.get("CustomerResultObject")
    return Execution(
        scheduler_name=item.get("InferenceSchedulerName", ""),
        status=ExecutionStatus(item["Status"]),
        scheduled_start=item["ScheduledStartTime"],
        data_range=_time_range(item.get("DataStartTime"), item.get("DataEndTime")),
        result_object=S3Object(result["Bucket"], result["Key"]) if result else None,
        failed_reason=item.get("FailedReason"),
    )


def _time_range(start: datetime | None, end: datetime | None) -> TimeRange | None:
    return TimeRange(start, end) if start is not None and end is not None and end >= start else None


def _outcome(value: str | None) -> InferenceOutcome | None:
    return InferenceOutcome(value) if value in InferenceOutcome.__members__ else None


def _no_fleet(model_name: str) -> ResourceNotFoundError:
    return ResourceNotFoundError(f"Not found: fleet {model_name}. Lookout for Equipment has no fleets.")
