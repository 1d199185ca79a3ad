"""An in-memory Amazon Lookout for Equipment, served through botocore.

moto has no Lookout for Equipment. This fake answers the calls the widgets make, at the HTTP
level: botocore serialises each request as it would for AWS and parses our JSON answer, so
timestamps, pagination tokens and errors (`ClientError` with the service's codes) are real.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.awsrequest import AWSResponse

from .wire import FakeServiceError, InjectedFailures, before_send_hooks, offset_token, response, token_offset

ACCOUNT_ID = "123456789012"
TARGET_PREFIX = "AWSLookoutEquipmentFrontendService."


def _arn(region: str, kind: str, name: str) -> str:
    return f"arn:aws:lookoutequipment:{region}:{ACCOUNT_ID}:{kind}/{name}/{abs(hash(name)) % 10**8:08d}"


def _time(value: Any) -> datetime:
    return datetime.fromtimestamp(float(value), tz=UTC)


@dataclass
class FakeLookoutEquipment:
    """The service's state, its seeding API for tests and demos, and the botocore hook."""

    region: str = "us-east-1"
    page_size: int = 50
    datasets: dict[str, dict[str, Any]] = field(default_factory=dict)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    schedulers: dict[str, dict[str, Any]] = field(default_factory=dict)
    executions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    inference_events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    _errors: InjectedFailures = field(default_factory=InjectedFailures)

    # Seeding -----------------------------------------------------------------------------

    def add_dataset(
        self,
        name: str,
        components: Mapping[str, list[str]],
        *,
        bucket: str,
        prefix: str,
        created_at: datetime,
        data_start: datetime | None = None,
        data_end: datetime | None = None,
        status: str = "ACTIVE",
    ) -> None:
        self.datasets[name] = {
            "DatasetName": name,
            "DatasetArn": _arn(self.region, "dataset", name),
            "Status": status,
            "CreatedAt": created_at,
            "LastUpdatedAt": created_at,
            "Schema": schema_json(components),
            "IngestionInputConfiguration": {"S3InputConfiguration": {"Bucket": bucket, "Prefix": prefix}},
            **({"DataStartTime": data_start, "DataEndTime": data_end} if data_start and data_end else {}),
        }

    def add_model(
        self,
        name: str,
        dataset_name: str,
        *,
        status: str,
        created_at: datetime,
        training: tuple[datetime, datetime] | None = None,
        evaluation: tuple[datetime, datetime] | None = None,
        training_run: tuple[datetime, datetime | None] | None = None,
        failed_reason: str | None = None,
        model_metrics: Mapping[str, Any] | str | None = None,
        components: Mapping[str, list[str]] | None = None,
        sampling_rate: str | None = None,
    ) -> None:
        dataset = self.datasets[dataset_name]
        model: dict[str, Any] = {
            "ModelName": name,
            "ModelArn": _arn(self.region, "model", name),
            "DatasetName": dataset_name,
            "DatasetArn": dataset["DatasetArn"],
            "Status": status,
            "CreatedAt": created_at,
            "LastUpdatedTime": created_at,
            "Schema": schema_json(components) if components is not None else dataset["Schema"],
        }
        if training:
            model["TrainingDataStartTime"], model["TrainingDataEndTime"] = training
        if evaluation:
            model["EvaluationDataStartTime"], model["EvaluationDataEndTime"] = evaluation
        if training_run:
            model["TrainingExecutionStartTime"] = training_run[0]
            if training_run[1] is not None:
                model["TrainingExecutionEndTime"] = training_run[1]
        if failed_reason:
            model["FailedReason"] = failed_reason
        if model_metrics is not None:
            model["ModelMetrics"] = model_metrics if isinstance(model_metrics, str) else json.dumps(model_metrics)
        if sampling_rate:
            model["DataPreProcessingConfiguration"] = {"TargetSamplingRate": sampling_rate}
        self.models[name] = model

    def add_scheduler(
        self,
        name: str,
        model_name: str,
        *,
        status: str,
        created_at: datetime,
        frequency: str = "PT5M",
        delay_offset_minutes: int = 0,
        input_bucket: str,
        input_prefix: str,
        output_bucket: str,
        output_prefix: str,
        time_zone_offset: str = "+00:00",
        timestamp_format: str = "yyyyMMddHHmmss",
        delimiter: str = "_",
        latest_result: str | None = None,
    ) -> None:
        model = self.models[model_name]
        self.schedulers[name] = {
            "InferenceSchedulerName": name,
            "InferenceSchedulerArn": _arn(self.region, "inference-scheduler", name),
            "ModelName": model_name,
            "ModelArn": model["ModelArn"],
            "Status": status,
            "DataDelayOffsetInMinutes": delay_offset_minutes,
            "DataUploadFrequency": frequency,
            "CreatedAt": created_at,
            "UpdatedAt": created_at,
            "DataInputConfiguration": {
                "S3InputConfiguration": {"Bucket": input_bucket, "Prefix": input_prefix},
                "InputTimeZoneOffset": time_zone_offset,
                "InferenceInputNameConfiguration": {
                    "TimestampFormat": timestamp_format,
                    "ComponentTimestampDelimiter": delimiter,
                },
            },
            "DataOutputConfiguration": {"S3OutputConfiguration": {"Bucket": output_bucket, "Prefix": output_prefix}},
            "RoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/l4e-demo",
            **({"LatestInferenceResult": latest_result} if latest_result else {}),
        }
        self.executions.setdefault(name, [])
        self.inference_events.setdefault(name, [])

    def add_execution(
        self,
        scheduler_name: str,
        *,
        scheduled_start: datetime,
        data_start: datetime,
        data_end: datetime,
        status: str,
        result_object: tuple[str, str] | None = None,
        failed_reason: str | None = None,
    ) -> None:
        """Record one run; keep adding in time order (oldest first) for the fastest seeding."""
        scheduler = self.schedulers[scheduler_name]
        execution: dict[str, Any] = {
            "ModelName": scheduler["ModelName"],
            "ModelArn": scheduler["ModelArn"],
            "InferenceSchedulerName": scheduler_name,
            "InferenceSchedulerArn": scheduler["InferenceSchedulerArn"],
            "ScheduledStartTime": scheduled_start,
            "DataStartTime": data_start,
            "DataEndTime": data_end,
            "DataInputConfiguration": scheduler["DataInputConfiguration"],
            "DataOutputConfiguration": scheduler["DataOutputConfiguration"],
            "Status": status,
        }
        if result_object:
            execution["CustomerResultObject"] = {"Bucket": result_object[0], "Key": result_object[1]}
        if failed_reason:
            execution["FailedReason"] = failed_reason
        runs = self.executions[scheduler_name]
        runs.append(execution)
        if len(runs) > 1 and runs[-2]["DataStartTime"] > data_start:
            runs.sort(key=lambda run: run["DataStartTime"])

    def add_inference_event(
        self, scheduler_name: str, start: datetime, end: datetime, diagnostics: list[dict[str, Any]]
    ) -> None:
        scheduler = self.schedulers[scheduler_name]
        self.inference_events[scheduler_name].append(
            {
                "InferenceSchedulerArn": scheduler["InferenceSchedulerArn"],
                "InferenceSchedulerName": scheduler_name,
                "EventStartTime": start,
                "EventEndTime": end,
                "Diagnostics": json.dumps(diagnostics),
                "EventDurationInSeconds": int((end - start).total_seconds()),
            }
        )

    def fail(self, operation: str, code: str, message: str = "injected by the test", times: int = 1) -> None:
        """Make the next `times` calls of `operation` fail with the service error `code`."""
        self._errors.add(operation, code, message, times)

    # Serving -----------------------------------------------------------------------------

    @contextmanager
    def serving(self) -> Iterator[FakeLookoutEquipment]:
        """Answer every Lookout for Equipment client created while the block runs."""
        with before_send_hooks({"before-send.lookoutequipment": self.handle}):
            yield self

    def handle(self, request: Any, **_: Any) -> AWSResponse:
        """The botocore `before-send` hook: decode the request, run the operation, encode."""
        target = request.headers.get("X-Amz-Target", b"")
        operation = (target.decode() if isinstance(target, bytes) else target).removeprefix(TARGET_PREFIX)
        self.calls.append(operation)
        body = request.body or b"{}"
        params = json.loads(body.decode() if isinstance(body, bytes) else body)
        try:
            self._errors.raise_next(operation)
            method = self._operations().get(operation)
            if method is None:
                raise FakeServiceError("ValidationException", f"{operation} is not implemented by the fake")
            result = method(params)
        except FakeServiceError as error:
            return response(request.url, error.status, {"__type": error.code, "message": error.message})
        return response(request.url, 200, result)

    def _operations(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "ListDatasets": self._list_datasets,
            "DescribeDataset": self._describe_dataset,
            "ListModels": self._list_models,
            "DescribeModel": self._describe_model,
            "ListInferenceSchedulers": self._list_schedulers,
            "DescribeInferenceScheduler": self._describe_scheduler,
            "StartInferenceScheduler": self._start_scheduler,
            "StopInferenceScheduler": self._stop_scheduler,
            "ListInferenceExecutions": self._list_executions,
            "ListInferenceEvents": self._list_events,
        }

    # Operations --------------------------------------------------------------------------

    def _list_datasets(self, params: dict[str, Any]) -> dict[str, Any]:
        prefix = params.get("DatasetNameBeginsWith", "")
        items = [
            {key: dataset[key] for key in ("DatasetName", "DatasetArn", "Status", "CreatedAt")}
            for name, dataset in sorted(self.datasets.items())
            if name.startswith(prefix)
        ]
        return self._page(params, items, "DatasetSummaries")

    def _describe_dataset(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._get(self.datasets, params["DatasetName"], "Dataset")

    def _list_models(self, params: dict[str, Any]) -> dict[str, Any]:
        items = [
            {key: model[key] for key in ("ModelName", "ModelArn", "DatasetName", "DatasetArn", "Status", "CreatedAt")}
            for name, model in sorted(self.models.items())
            if name.startswith(params.get("ModelNameBeginsWith", ""))
            and model["DatasetName"].startswith(params.get("DatasetNameBeginsWith", ""))
            and params.get("Status", model["Status"]) == model["Status"]
        ]
        return self._page(params, items, "ModelSummaries")

    def _describe_model(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._get(self.models, params["ModelName"], "Model")

    def _list_schedulers(self, params: dict[str, Any]) -> dict[str, Any]:
        keys = (
            "ModelName",
            "ModelArn",
            "InferenceSchedulerName",
            "InferenceSchedulerArn",
            "Status",
            "DataDelayOffsetInMinutes",
            "DataUploadFrequency",
            "LatestInferenceResult",
        )
        items = [
            {key: scheduler[key] for key in keys if key in scheduler}
            for name, scheduler in sorted(self.schedulers.items())
            if name.startswith(params.get("InferenceSchedulerNameBeginsWith", ""))
            and params.get("ModelName", scheduler["ModelName"]) == scheduler["ModelName"]
            and params.get("Status", scheduler["Status"]) == scheduler["Status"]
        ]
        return self._page(params, items, "InferenceSchedulerSummaries")

    def _describe_scheduler(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._get(self.schedulers, params["InferenceSchedulerName"], "Inference scheduler")

    def _start_scheduler(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._transition(params["InferenceSchedulerName"], "STOPPED", "PENDING", "RUNNING")

    def _stop_scheduler(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._transition(params["InferenceSchedulerName"], "RUNNING", "STOPPING", "STOPPED")

    def _transition(self, name: str, required: str, reported: str, final: str) -> dict[str, Any]:
        """Start and stop settle at once; the answer reports the passing state, as AWS does."""
        scheduler = self._get(self.schedulers, name, "Inference scheduler")
        if scheduler["Status"] != required:
            raise FakeServiceError(
                "ConflictException", f"Inference scheduler {name} is {scheduler['Status']}, not {required}"
            )
        scheduler["Status"] = final
        keys = ("ModelArn", "ModelName", "InferenceSchedulerName", "InferenceSchedulerArn")
        return {**{key: scheduler[key] for key in keys}, "Status": reported}

    def _list_executions(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["InferenceSchedulerName"]
        self._get(self.schedulers, name, "Inference scheduler")
        after = _time(params["DataStartTimeAfter"]) if "DataStartTimeAfter" in params else None
        before = _time(params["DataEndTimeBefore"]) if "DataEndTimeBefore" in params else None
        status = params.get("Status")
        items = [
            run
            for run in reversed(self.executions[name])
            if (after is None or run["DataStartTime"] >= after)
            and (before is None or run["DataEndTime"] <= before)
            and (status is None or run["Status"] == status)
        ]
        return self._page(params, items, "InferenceExecutionSummaries")

    def _list_events(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["InferenceSchedulerName"]
        self._get(self.schedulers, name, "Inference scheduler")
        start, end = _time(params["IntervalStartTime"]), _time(params["IntervalEndTime"])
        if end < start:
            raise FakeServiceError("ValidationException", "IntervalEndTime is before IntervalStartTime")
        items = [
            event
            for event in self.inference_events[name]
            if event["EventStartTime"] <= end and event["EventEndTime"] >= start
        ]
        return self._page(params, items, "InferenceEventSummaries")

    # Helpers -----------------------------------------------------------------------------

    def _get(self, table: dict[str, dict[str, Any]], name: str, kind: str) -> dict[str, Any]:
        if name not in table:
            raise FakeServiceError("ResourceNotFoundException", f"{kind} {name} does not exist")
        return table[name]

    def _page(self, params: dict[str, Any], items: list[dict[str, Any]], key: str) -> dict[str, Any]:
        """One page of at most `page_size` items (fewer if MaxResults asks), with a NextToken."""
        size = min(int(params.get("MaxResults", self.page_size)), self.page_size)
        offset = token_offset(params.get("NextToken"), "ValidationException")
        page: dict[str, Any] = {key: items[offset : offset + size]}
        if offset + size < len(items):
            page["NextToken"] = offset_token(offset + size)
        return page


def schema_json(components: Mapping[str, list[str]]) -> str:
    """A Lookout for Equipment inline schema for the given component → sensors mapping."""
    return json.dumps(
        {
            "Components": [
                {
                    "ComponentName": component,
                    "Columns": [{"Name": "Timestamp", "Type": "DATETIME"}]
                    + [{"Name": sensor, "Type": "DOUBLE"} for sensor in sensors],
                }
                for component, sensors in components.items()
            ]
        }
    )
