"""An in-memory AWS IoT SiteWise (assets, values, anomaly-detection computation models), served through botocore.

moto has no SiteWise. This fake answers the calls the SiteWise adapter makes at the HTTP level:
botocore serialises each rest-json request (method, URI template, query string, JSON body, `api.`
or `data.` host) as it would for AWS, the fake reads it back with the service's own model, and
botocore parses our JSON answer, so timestamps, tokens and errors (`ClientError` codes) are real.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

import numpy as np
from botocore.awsrequest import AWSResponse

from .fake_lookout_equipment import ACCOUNT_ID
from .fake_sitewise_batch import BATCH_HISTORY_LIMIT, batch_history_page, reached_entries
from .fake_sitewise_lists import HISTORY_PAGE_BYTES, ORDERABLE_LISTS, ListOrder, fill_page, in_order
from .fake_sitewise_lists import ORDERS as ORDERS
from .wire import (
    FakeServiceError,
    InjectedFailures,
    RestJsonRoutes,
    before_send_hooks,
    offset_token,
    rest_json_error,
    rest_json_response,
    token_offset,
)

TRAINING = "AWS/ANOMALY_DETECTION_TRAINING"
INFERENCE = "AWS/ANOMALY_DETECTION_INFERENCE"
RESOLUTIONS = {"1m": 60, "15m": 900, "1h": 3600, "1d": 86400}
STATUS_BY_CODE = {
    "InvalidRequestException": 400,
    "AccessDeniedException": 403,
    "ResourceNotFoundException": 404,
    "ConflictingOperationException": 409,
    "ThrottlingException": 429,
    "InternalFailureException": 500,
    "ServiceUnavailableException": 503,
}
DATA_PLANE = {
    "GetAssetPropertyValue",
    "GetAssetPropertyValueHistory",
    "GetAssetPropertyAggregates",
    "BatchGetAssetPropertyAggregates",
    "BatchGetAssetPropertyValue",
    "BatchGetAssetPropertyValueHistory",
}
HISTORY_LIMIT, AGGREGATES_LIMIT, BATCH_AGGREGATES_LIMIT, BATCH_ENTRIES_LIMIT = 20_000, 2_500, 4_000, 16
#: BatchGetAssetPropertyValue's entries per request, and per page of the fake's answer.
LATEST_ENTRIES_LIMIT, LATEST_PAGE_SIZE = 128, 16


def _invalid(message: str) -> FakeServiceError:
    return FakeServiceError("InvalidRequestException", message)


def _seconds(value: datetime | float | int) -> float:
    """Timestamps arrive as datetimes from the query string and as epoch numbers from JSON bodies."""
    return value.timestamp() if isinstance(value, datetime) else float(value)


def _epoch_array(times: Sequence[datetime | float] | np.ndarray) -> np.ndarray:
    if isinstance(times, np.ndarray):
        return times.astype(np.float64)
    return np.asarray([_seconds(t) for t in times], dtype=np.float64)


@cache
def _routes(operations: tuple[str, ...]) -> RestJsonRoutes:
    """Built once per process: reading botocore's model is the slow part."""
    return RestJsonRoutes("iotsitewise", operations)


def _bound_at_model_level(binding: dict[str, Any]) -> bool:
    values = [item for value in binding.values() for item in [value, *value.get("list", [])]]
    return any("assetModelProperty" in value for value in values)


@dataclass
class Series:
    """Raw points of one property: epoch seconds, sorted, with DOUBLE values or STRING values."""

    times: np.ndarray
    values: np.ndarray | list[str]

    def window(self, start: float, end: float) -> slice:
        """SiteWise's bounds: start exclusive, end inclusive."""
        return slice(int(np.searchsorted(self.times, start, "right")), int(np.searchsorted(self.times, end, "right")))


@dataclass
class Buckets:
    """Aggregated buckets kept as arrays: a page turns only its own rows into JSON, whatever the history."""

    stamps: np.ndarray
    columns: dict[str, np.ndarray]
    descending: bool

    def __len__(self) -> int:
        return len(self.stamps)

    def rows(self, start: int, stop: int) -> list[dict[str, Any]]:
        picked = range(len(self))[::-1] if self.descending else range(len(self))
        indexes = np.asarray(picked[max(start, 0) : max(stop, 0)], dtype=np.int64)
        stamps = self.stamps[indexes].tolist()
        columns = {name: column[indexes].tolist() for name, column in self.columns.items()}
        return [
            {"timestamp": stamp, "quality": "GOOD", "value": {name: column[i] for name, column in columns.items()}}
            for i, stamp in enumerate(stamps)
        ]


@dataclass
class FakeSiteWise:
    """The service's state, its seeding API for tests and demos, and the botocore hook."""

    region: str = "us-east-1"
    page_size: int = 50
    history_page_size: int = HISTORY_LIMIT
    history_page_bytes: int = HISTORY_PAGE_BYTES
    aggregates_page_size: int = AGGREGATES_LIMIT
    batch_aggregates_page_size: int = BATCH_AGGREGATES_LIMIT
    #: Entries of a `BatchGetAssetPropertyValue` request answered per page: AWS documents no number; small by
    #: default so the pages are followed, up to all 128 of a request (the benchmark's assumption).
    latest_page_size: int = LATEST_PAGE_SIZE
    asset_models: dict[str, dict[str, Any]] = field(default_factory=dict)
    assets: dict[str, dict[str, Any]] = field(default_factory=dict)
    points: dict[tuple[str, str], Series] = field(default_factory=dict)
    computation_models: dict[str, dict[str, Any]] = field(default_factory=dict)
    executions: dict[str, dict[str, Any]] = field(default_factory=dict)
    actions: dict[str, dict[str, Any]] = field(default_factory=dict)
    summaries: dict[tuple[str, str | None], dict[str, str]] = field(default_factory=dict)
    #: The order of each list named in `ORDERABLE_LISTS` (operation name -> order); RECORDED if absent.
    list_orders: dict[str, ListOrder] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)
    #: The clientToken of every ExecuteAction request received, retries and refused ones included.
    client_tokens: list[str | None] = field(default_factory=list)
    _actions_by_token: dict[tuple[str, str, str | None], str] = field(default_factory=dict)
    _errors: InjectedFailures = field(default_factory=InjectedFailures)
    _ids: int = 0

    def __post_init__(self) -> None:
        """A misspelt or unorderable operation would otherwise keep its recorded order unnoticed."""
        self.list_orders = {operation: ListOrder(order) for operation, order in self.list_orders.items()}
        unknown = set(self.list_orders) - set(ORDERABLE_LISTS)
        if unknown:
            raise ValueError(f"the order of {sorted(unknown)} is not left open: only {ORDERABLE_LISTS} are")

    def order_all(self, order: ListOrder) -> None:
        """Answer every list whose order AWS leaves open in `order`."""
        self.list_orders = dict.fromkeys(ORDERABLE_LISTS, ListOrder(order))

    # Seeding -----------------------------------------------------------------------------

    def _new_id(self, kind: str) -> str:
        """Deterministic UUIDs, so demo output is byte-stable from one build to the next."""
        self._ids += 1
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sitewise:{kind}:{self._ids}"))

    def _arn(self, kind: str, resource_id: str) -> str:
        return f"arn:aws:iotsitewise:{self.region}:{ACCOUNT_ID}:{kind}/{resource_id}"

    def add_asset_model(
        self, name: str, properties: Sequence[tuple[str, str, str | None]], *, created_at: datetime
    ) -> str:
        """An asset model with measurement properties given as (name, dataType, unit); returns its id.

        As in SiteWise, an asset's property ids are its model's property ids."""
        model_id = self._new_id("asset-model")
        self.asset_models[model_id] = {
            "assetModelId": model_id,
            "assetModelArn": self._arn("asset-model", model_id),
            "assetModelName": name,
            "assetModelDescription": "",
            "assetModelType": "ASSET_MODEL",
            "assetModelProperties": [
                {
                    "id": self._new_id("property"),
                    "name": prop_name,
                    "dataType": data_type,
                    **({"unit": unit} if unit else {}),
                    "type": {"measurement": {}},
                }
                for prop_name, data_type, unit in properties
            ],
            "assetModelHierarchies": [],
            "assetModelCreationDate": created_at,
            "assetModelLastUpdateDate": created_at,
            "assetModelStatus": {"state": "ACTIVE"},
            "assetModelVersion": "1",
        }
        return model_id

    def add_asset(self, name: str, asset_model_id: str, *, created_at: datetime) -> str:
        model = self._get(self.asset_models, asset_model_id, "Asset model")
        asset_id = self._new_id("asset")
        self.assets[asset_id] = {
            "assetId": asset_id,
            "assetArn": self._arn("asset", asset_id),
            "assetName": name,
            "assetModelId": asset_model_id,
            "assetProperties": [
                {key: prop[key] for key in ("id", "name", "dataType", "unit") if key in prop}
                for prop in model["assetModelProperties"]
            ],
            "assetHierarchies": [],
            "assetCreationDate": created_at,
            "assetLastUpdateDate": created_at,
            "assetStatus": {"state": "ACTIVE"},
        }
        return asset_id

    def property_id(self, asset_id: str, name: str) -> str:
        return next(prop["id"] for prop in self.assets[asset_id]["assetProperties"] if prop["name"] == name)

    def put_points(
        self, asset_id: str, property_id: str, times: Sequence[datetime | float] | np.ndarray, values: Sequence[Any]
    ) -> None:
        """Store raw points (epoch seconds or datetimes); DOUBLE/INTEGER as float64, STRING as str."""
        prop = self._property(asset_id, property_id)
        new_times = _epoch_array(times)
        old = self.points.get((asset_id, property_id))
        all_times = new_times if old is None else np.concatenate([old.times, new_times])
        order = np.argsort(all_times, kind="stable")
        if prop["dataType"] == "STRING":
            strings = ([] if old is None else list(old.values)) + [str(value) for value in values]
            series = Series(all_times[order], [strings[i] for i in order])
        else:
            numbers = np.asarray(values, dtype=np.float64)
            all_values = numbers if old is None else np.concatenate([np.asarray(old.values), numbers])
            series = Series(all_times[order], all_values[order])
        self.points[(asset_id, property_id)] = series

    def add_computation_model(
        self,
        name: str,
        data_binding: dict[str, Any],
        *,
        created_at: datetime,
        configuration: dict[str, Any] | None = None,
        description: str = "",
        version: str = "1",
        state: str = "ACTIVE",
    ) -> str:
        """An ANOMALY_DETECTION computation model with its training and inference action definitions."""
        model_id = self._new_id("computation-model")
        self.computation_models[model_id] = {
            "computationModelId": model_id,
            "computationModelArn": self._arn("computation-model", model_id),
            "computationModelName": name,
            "computationModelDescription": description,
            "computationModelConfiguration": configuration
            or {"anomalyDetection": {"inputProperties": "${inputs}", "resultProperty": "${result}"}},
            "computationModelDataBinding": data_binding,
            "computationModelCreationDate": created_at,
            "computationModelLastUpdateDate": created_at,
            "computationModelStatus": {"state": state},
            "computationModelVersion": version,
            "actionDefinitions": [
                {"actionDefinitionId": self._new_id("action-definition"), "actionName": kind, "actionType": kind}
                for kind in (TRAINING, INFERENCE)
            ],
        }
        return model_id

    def action_definition_id(self, model_id: str, action_type: str) -> str:
        definitions = self.computation_models[model_id]["actionDefinitions"]
        return next(d["actionDefinitionId"] for d in definitions if d["actionType"] == action_type)

    def add_execution(
        self,
        model_id: str,
        action_type: str,
        *,
        state: str,
        start: datetime,
        end: datetime | None = None,
        asset_id: str | None = None,
        model_version: str = "1",
        result: dict[str, str] | None = None,
        details: dict[str, str] | None = None,
    ) -> str:
        """Record a training or inference run; `asset_id` is the `resolveTo` of asset-model-level bindings."""
        model = self._get(self.computation_models, model_id, "Computation model")
        execution_id = self._new_id("execution")
        self.executions[execution_id] = {
            "executionId": execution_id,
            "actionType": action_type,
            "targetResource": {"computationModelId": model_id},
            "targetResourceVersion": model["computationModelVersion"],
            **({"resolveTo": {"assetId": asset_id}} if asset_id else {}),
            "executionStartTime": start,
            **({"executionEndTime": end} if end else {}),
            "executionStatus": {"state": state},
            "executionEntityVersion": model_version,
            "executionResult": result or {},
            "executionDetails": details or {},
        }
        return execution_id

    def add_action(
        self, model_id: str, action_type: str, payload: dict[str, Any], *, at: datetime, asset_id: str | None = None
    ) -> str:
        """Record an action as ExecuteAction would (an inference START/STOP also sets the timer)."""
        action_id = self._new_id("action")
        self.actions[action_id] = {
            "actionId": action_id,
            "targetResource": {"computationModelId": model_id},
            "actionDefinitionId": self.action_definition_id(model_id, action_type),
            "actionPayload": {"stringValue": json.dumps(payload, separators=(",", ":"))},
            "executionTime": at,
            **({"resolveTo": {"assetId": asset_id}} if asset_id else {}),
        }
        mode = payload.get("inferenceMode") if action_type == INFERENCE else None
        if mode in ("START", "STOP"):
            summary = self.summaries.setdefault((model_id, asset_id), {})
            summary["inferenceTimerActive"] = "TRUE" if mode == "START" else "FALSE"
        return action_id

    def fail(self, operation: str, code: str, message: str = "injected by the test", times: int = 1) -> None:
        """Make the next `times` calls of `operation` fail with the service error `code`."""
        self._errors.add(operation, code, message, times)

    # Serving -----------------------------------------------------------------------------

    @contextmanager
    def serving(self) -> Iterator[FakeSiteWise]:
        """Answer every IoT SiteWise client created while the block runs."""
        with before_send_hooks({"before-send.iotsitewise": self.handle}):
            yield self

    def handle(self, request: Any, **_: Any) -> AWSResponse:
        """The botocore `before-send` hook: route the request, run the operation, encode."""
        call = _routes(tuple(self._operations())).read(request)
        if call is None:
            return rest_json_error(request.url, 404, "UnknownOperationException", f"no route for {request.url}")
        self.calls.append(call.operation)
        self.hosts.append(call.host)
        if call.operation == "ExecuteAction":
            self.client_tokens.append(call.params.get("clientToken"))
        prefix = "data." if call.operation in DATA_PLANE else "api."
        try:
            if not call.host.startswith(prefix):
                raise FakeServiceError("UnknownOperationException", f"{call.operation} is served on {prefix}", 404)
            self._errors.raise_next(call.operation, lambda code: STATUS_BY_CODE.get(code, 400))
            result = self._operations()[call.operation](call.params)
        except FakeServiceError as error:
            return rest_json_error(request.url, error.status, error.code, error.message)
        return rest_json_response(request.url, 202 if call.operation == "ExecuteAction" else 200, result)

    def _operations(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "ListAssetModels": self._list_asset_models,
            "DescribeAssetModel": self._describe_asset_model,
            "ListAssets": self._list_assets,
            "DescribeAsset": self._describe_asset,
            "ListAssetProperties": self._list_asset_properties,
            "ListComputationModels": self._list_computation_models,
            "DescribeComputationModel": self._describe_computation_model,
            "ListComputationModelResolveToResources": self._list_resolve_to_resources,
            "DescribeComputationModelExecutionSummary": self._describe_execution_summary,
            "ListExecutions": self._list_executions,
            "DescribeExecution": self._describe_execution,
            "ListActions": self._list_actions,
            "DescribeAction": self._describe_action,
            "ExecuteAction": self._execute_action,
            "GetAssetPropertyValue": self._get_value,
            "GetAssetPropertyValueHistory": self._get_history,
            "GetAssetPropertyAggregates": self._get_aggregates,
            "BatchGetAssetPropertyAggregates": self._batch_get_aggregates,
            "BatchGetAssetPropertyValue": self._batch_get_value,
            "BatchGetAssetPropertyValueHistory": self._batch_get_history,
        }

    # Assets ------------------------------------------------------------------------------

    def _list_asset_models(self, params: dict[str, Any]) -> dict[str, Any]:
        types = params.get("assetModelTypes") or ["ASSET_MODEL"]
        items = [
            {
                "id": model["assetModelId"],
                "arn": model["assetModelArn"],
                "name": model["assetModelName"],
                "assetModelType": model["assetModelType"],
                "description": model["assetModelDescription"],
                "creationDate": model["assetModelCreationDate"],
                "lastUpdateDate": model["assetModelLastUpdateDate"],
                "status": model["assetModelStatus"],
                "version": model["assetModelVersion"],
            }
            for model in self.asset_models.values()
            if model["assetModelType"] in types
        ]
        return self._page(params, items, "assetModelSummaries")

    def _describe_asset_model(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._get(self.asset_models, params["assetModelId"], "Asset model")

    def _list_assets(self, params: dict[str, Any]) -> dict[str, Any]:
        model_id = params.get("assetModelId")
        if params.get("filter", "ALL") == "ALL" and model_id is None:
            raise _invalid("assetModelId is required when filter is ALL")
        if model_id is not None:
            self._get(self.asset_models, model_id, "Asset model")
        assets = [asset for asset in self.assets.values() if model_id in (None, asset["assetModelId"])]
        items = [
            {
                "id": asset["assetId"],
                "arn": asset["assetArn"],
                "name": asset["assetName"],
                "assetModelId": asset["assetModelId"],
                "creationDate": asset["assetCreationDate"],
                "lastUpdateDate": asset["assetLastUpdateDate"],
                "status": asset["assetStatus"],
                "hierarchies": [],
            }
            for asset in self._listed("ListAssets", assets, "assetCreationDate", "assetId")
        ]
        return self._page(params, items, "assetSummaries")

    def _describe_asset(self, params: dict[str, Any]) -> dict[str, Any]:
        asset = self._get(self.assets, params["assetId"], "Asset")
        path = [{"id": asset["assetId"], "name": asset["assetName"]}]
        properties = [
            {**prop, "path": [*path, {"id": prop["id"], "name": prop["name"]}]} for prop in asset["assetProperties"]
        ]
        return {**asset, "assetProperties": [] if params.get("excludeProperties") else properties}

    def _list_asset_properties(self, params: dict[str, Any]) -> dict[str, Any]:
        described = self._describe_asset({"assetId": params["assetId"]})
        items = [
            {key: prop[key] for key in ("id", "unit", "path") if key in prop} for prop in described["assetProperties"]
        ]
        return self._page(params, items, "assetPropertySummaries")

    # Computation models, executions, actions --------------------------------------------

    def _list_computation_models(self, params: dict[str, Any]) -> dict[str, Any]:
        anomaly_detection = params.get("computationModelType", "ANOMALY_DETECTION") == "ANOMALY_DETECTION"
        models = list(self.computation_models.values()) if anomaly_detection else []
        items = [
            {
                "id": model["computationModelId"],
                "arn": model["computationModelArn"],
                "name": model["computationModelName"],
                "description": model["computationModelDescription"],
                "type": "ANOMALY_DETECTION",
                "creationDate": model["computationModelCreationDate"],
                "lastUpdateDate": model["computationModelLastUpdateDate"],
                "status": model["computationModelStatus"],
                "version": model["computationModelVersion"],
            }
            for model in self._listed(
                "ListComputationModels", models, "computationModelCreationDate", "computationModelId"
            )
        ]
        return self._page(params, items, "computationModelSummaries")

    def _describe_computation_model(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._get(self.computation_models, params["computationModelId"], "Computation model")

    def _list_resolve_to_resources(self, params: dict[str, Any]) -> dict[str, Any]:
        model_id = params["computationModelId"]
        self._get(self.computation_models, model_id, "Computation model")
        first_named: dict[str, float] = {}
        for record in [*self.executions.values(), *self.actions.values()]:
            if record["targetResource"].get("computationModelId") == model_id and "resolveTo" in record:
                asset_id, at = record["resolveTo"]["assetId"], _seconds(_record_time(record))
                first_named[asset_id] = min(at, first_named.get(asset_id, at))
        order = self._order("ListComputationModelResolveToResources")
        resolved = in_order(list(first_named), order, time=first_named.__getitem__, identity=str)
        items = [{"resolveTo": {"assetId": asset_id}} for asset_id in resolved]
        return self._page(params, items, "computationModelResolveToResourceSummaries")

    def _describe_execution_summary(self, params: dict[str, Any]) -> dict[str, Any]:
        """Content only once a training completed for that (model, asset), as the guide says."""
        model_id = params["computationModelId"]
        asset_id = self._resolve_to(model_id, params.get("resolveToResourceId"))
        trained = any(
            run["actionType"] == TRAINING
            and run["executionStatus"]["state"] == "COMPLETED"
            and self._targets(run, model_id, asset_id)
            for run in self.executions.values()
        )
        summary = {"inferenceTimerActive": "FALSE", **self.summaries.get((model_id, asset_id), {})} if trained else {}
        return {
            "computationModelId": model_id,
            **({"resolveTo": {"assetId": asset_id}} if asset_id else {}),
            "computationModelExecutionSummary": summary,
        }

    def _list_executions(self, params: dict[str, Any]) -> dict[str, Any]:
        model_id = self._target_model(params)
        asset_id = self._resolve_to(model_id, params.get("resolveToResourceId"))
        runs = [
            run
            for run in self.executions.values()
            if self._targets(run, model_id, asset_id)
            and params.get("actionType", run["actionType"]) == run["actionType"]
        ]
        items = [
            {key: value for key, value in run.items() if key not in ("executionResult", "executionDetails")}
            for run in self._listed("ListExecutions", runs, "executionStartTime", "executionId")
        ]
        return self._page(params, items, "executionSummaries")

    def _describe_execution(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._get(self.executions, params["executionId"], "Execution")

    def _list_actions(self, params: dict[str, Any]) -> dict[str, Any]:
        model_id = self._target_model(params)
        asset_id = self._resolve_to(model_id, params.get("resolveToResourceId"))
        keys = ("actionId", "actionDefinitionId", "targetResource", "resolveTo")
        actions = [action for action in self.actions.values() if self._targets(action, model_id, asset_id)]
        items = [
            {key: action[key] for key in keys if key in action}
            for action in self._listed("ListActions", actions, "executionTime", "actionId")
        ]
        return self._page(params, items, "actionSummaries")

    def _describe_action(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._get(self.actions, params["actionId"], "Action")

    def _execute_action(self, params: dict[str, Any]) -> dict[str, Any]:
        """A clientToken seen before for the same target answers that action again, records nothing."""
        model_id = params["targetResource"].get("computationModelId")
        if model_id is None:
            raise _invalid("the fake runs actions on computation models only")
        model = self._get(self.computation_models, model_id, "Computation model")
        asset_id = self._resolve_to(model_id, params.get("resolveTo", {}).get("assetId"))
        definition = next(
            (d for d in model["actionDefinitions"] if d["actionDefinitionId"] == params["actionDefinitionId"]), None
        )
        if definition is None:
            raise FakeServiceError("ResourceNotFoundException", "Action definition does not exist", 404)
        try:
            payload = json.loads(params["actionPayload"]["stringValue"])
        except json.JSONDecodeError as error:
            raise _invalid(f"actionPayload is not JSON: {error}") from error
        token = params.get("clientToken")
        if token is not None and (token, model_id, asset_id) in self._actions_by_token:
            return {"actionId": self._actions_by_token[(token, model_id, asset_id)]}
        at = datetime.now(UTC)
        action_id = self.add_action(model_id, definition["actionType"], payload, at=at, asset_id=asset_id)
        if token is not None:
            self._actions_by_token[(token, model_id, asset_id)] = action_id
        return {"actionId": action_id}

    def _target_model(self, params: dict[str, Any]) -> str:
        if params.get("targetResourceType") != "COMPUTATION_MODEL":
            raise _invalid("the fake lists executions and actions of computation models only")
        model_id = params["targetResourceId"]
        self._get(self.computation_models, model_id, "Computation model")
        return model_id

    def _resolve_to(self, model_id: str, asset_id: str | None) -> str | None:
        """Asset-model-level bindings need the asset named; asset-level ones take none."""
        model = self._get(self.computation_models, model_id, "Computation model")
        at_model_level = _bound_at_model_level(model["computationModelDataBinding"])
        if at_model_level and asset_id is None:
            raise _invalid("this computation model is bound at asset-model level: name the asset in resolveTo")
        if not at_model_level and asset_id is not None:
            raise _invalid("this computation model is bound to assets: resolveTo does not apply")
        if asset_id is not None:
            self._get(self.assets, asset_id, "Asset")
        return asset_id

    def _order(self, operation: str) -> ListOrder:
        return ListOrder(self.list_orders.get(operation, ListOrder.RECORDED))

    def _listed(
        self, operation: str, records: list[dict[str, Any]], time_key: str, id_key: str
    ) -> list[dict[str, Any]]:
        """The records of one listing in the order the test chose for `operation`."""
        return in_order(
            records,
            self._order(operation),
            time=lambda record: _seconds(record[time_key]),
            identity=lambda record: record[id_key],
        )

    @staticmethod
    def _targets(record: dict[str, Any], model_id: str, asset_id: str | None) -> bool:
        return record["targetResource"].get("computationModelId") == model_id and (
            asset_id is None or record.get("resolveTo", {}).get("assetId") == asset_id
        )

    # Values ------------------------------------------------------------------------------

    def _series(self, params: dict[str, Any]) -> tuple[dict[str, Any], Series]:
        if "propertyAlias" in params or "assetId" not in params or "propertyId" not in params:
            raise _invalid("the fake reads properties by assetId and propertyId only")
        prop = self._property(params["assetId"], params["propertyId"])
        empty = Series(np.empty(0), [] if prop["dataType"] == "STRING" else np.empty(0))
        return prop, self.points.get((params["assetId"], params["propertyId"]), empty)

    def _get_value(self, params: dict[str, Any]) -> dict[str, Any]:
        prop, series = self._series(params)
        if not len(series.times):
            return {}
        return {"propertyValue": _tqv(prop, series, len(series.times) - 1)}

    def _batch_get_value(self, params: dict[str, Any]) -> dict[str, Any]:
        """The latest value of each entry, `latest_page_size` entries a page; one without values is
        answered with no value, an unknown property as an error entry."""
        entries = params["entries"]
        if len(entries) > LATEST_ENTRIES_LIMIT:
            raise _invalid(f"at most {LATEST_ENTRIES_LIMIT} entries")
        offset = _decode_token(params.get("nextToken"))
        page: dict[str, Any] = {"successEntries": [], "skippedEntries": [], "errorEntries": []}
        for entry in entries[offset : offset + self.latest_page_size]:
            try:
                latest = self._get_value(entry)
            except FakeServiceError as error:
                page["errorEntries"].append(
                    {"entryId": entry["entryId"], "errorCode": error.code, "errorMessage": error.message}
                )
                continue
            value = {"assetPropertyValue": latest["propertyValue"]} if latest else {}
            page["successEntries"].append({"entryId": entry["entryId"], **value})
        page["skippedEntries"] = [
            {"entryId": entry["entryId"], "completionStatus": "SUCCESS"} for entry in entries[:offset]
        ]
        return _with_token(page, offset + self.latest_page_size, len(entries))

    def _get_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """A page closes at maxResults values or at `history_page_bytes` of their JSON, whichever comes
        first, as AWS's pages close at 4 MB."""
        prop, series = self._series(params)
        size = self._max_results(params, HISTORY_LIMIT, self.history_page_size)
        window = series.window(_seconds(params["startDate"]), _seconds(params["endDate"]))
        indexes = _ordered(range(window.start, window.stop), params)
        if not _good_only(params):
            indexes = range(0)
        offset = _decode_token(params.get("nextToken"))
        values = fill_page((_tqv(prop, series, i) for i in indexes[offset : offset + size]), self.history_page_bytes)
        return _with_token({"assetPropertyValueHistory": values}, offset + len(values), len(indexes))

    def _batch_get_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """Entries share a page of at most maxResults values or `history_page_bytes` (see `fake_sitewise_batch`)."""
        size = self._max_results(params, BATCH_HISTORY_LIMIT, self.history_page_size)
        offset = _decode_token(params.get("nextToken"))
        page, next_offset, total = batch_history_page(
            params, self._history_values, offset, size, self.history_page_bytes
        )
        return _with_token(page, next_offset, total)

    def _history_values(self, entry: dict[str, Any]) -> list[dict[str, Any]]:
        prop, series = self._series(entry)
        window = series.window(_seconds(entry["startDate"]), _seconds(entry["endDate"]))
        indexes = _ordered(range(window.start, window.stop), entry) if _good_only(entry) else range(0)
        return [_tqv(prop, series, i) for i in indexes]

    def _get_aggregates(self, params: dict[str, Any]) -> dict[str, Any]:
        values = self._aggregates(params)
        size = self._max_results(params, AGGREGATES_LIMIT, self.aggregates_page_size)
        offset = _decode_token(params.get("nextToken"))
        return _with_token({"aggregatedValues": values.rows(offset, offset + size)}, offset + size, len(values))

    def _batch_get_aggregates(self, params: dict[str, Any]) -> dict[str, Any]:
        """Entries share one page of at most maxResults buckets, in entry order; an entry finished
        on an earlier page comes back as skipped with SUCCESS, one not reached yet is left out."""
        entries = params["entries"]
        if len(entries) > BATCH_ENTRIES_LIMIT:
            raise _invalid(f"at most {BATCH_ENTRIES_LIMIT} entries")
        size = self._max_results(params, BATCH_AGGREGATES_LIMIT, self.batch_aggregates_page_size)
        offset = _decode_token(params.get("nextToken"))
        page: dict[str, Any] = {"successEntries": [], "skippedEntries": [], "errorEntries": []}
        reached, position = reached_entries(entries, self._aggregates, offset, page)
        for entry, values, start in reached:
            if start < offset + size or (offset == 0 and not values):
                chunk = values.rows(offset - start, offset + size - start)
                page["successEntries"].append({"entryId": entry["entryId"], "aggregatedValues": chunk})
        return _with_token(page, offset + size, position)

    def _aggregates(self, params: dict[str, Any]) -> Buckets:
        """Buckets aligned on UTC multiples of the resolution, only those holding points."""
        prop, series = self._series(params)
        resolution = RESOLUTIONS.get(params["resolution"])
        kinds = params["aggregateTypes"]
        if resolution is None:
            raise _invalid(f"resolution {params['resolution']} is not one of {sorted(RESOLUTIONS)}")
        if prop["dataType"] == "STRING" and set(kinds) != {"COUNT"}:
            raise _invalid("a STRING property only has the COUNT aggregate")
        window = series.window(_seconds(params["startDate"]), _seconds(params["endDate"]))
        times = series.times[window]
        descending = params.get("timeOrdering") == "DESCENDING"
        if not len(times) or not _good_only(params):
            return Buckets(np.empty(0), {}, descending)
        buckets = np.floor(times / resolution) * resolution
        starts = np.concatenate([[0], np.flatnonzero(np.diff(buckets)) + 1])
        counts = np.diff(np.append(starts, len(times)))
        columns: dict[str, np.ndarray] = {"count": counts.astype(np.float64)}
        if prop["dataType"] != "STRING":
            values = np.asarray(series.values)[window]
            columns["minimum"] = np.minimum.reduceat(values, starts)
            columns["maximum"] = np.maximum.reduceat(values, starts)
            columns["average"] = np.add.reduceat(values, starts) / counts
        names = {"MINIMUM": "minimum", "MAXIMUM": "maximum", "AVERAGE": "average", "COUNT": "count"}
        unknown = set(kinds) - set(names)
        if unknown:
            raise _invalid(f"the fake computes {sorted(names)} only, not {sorted(unknown)}")
        return Buckets(buckets[starts], {names[kind]: columns[names[kind]] for kind in kinds}, descending)

    # Helpers -----------------------------------------------------------------------------

    def _property(self, asset_id: str, property_id: str) -> dict[str, Any]:
        asset = self._get(self.assets, asset_id, "Asset")
        prop = next((p for p in asset["assetProperties"] if p["id"] == property_id), None)
        if prop is None:
            raise FakeServiceError("ResourceNotFoundException", f"Property {property_id} does not exist", 404)
        return prop

    def _get(self, table: dict[str, dict[str, Any]], key: str, kind: str) -> dict[str, Any]:
        if key not in table:
            raise FakeServiceError("ResourceNotFoundException", f"{kind} {key} does not exist", 404)
        return table[key]

    @staticmethod
    def _max_results(params: dict[str, Any], limit: int, page_size: int) -> int:
        asked = int(params.get("maxResults", limit))
        if asked > limit:
            raise _invalid(f"maxResults must be at most {limit}")
        return min(asked, page_size)

    def _page(self, params: dict[str, Any], items: list[dict[str, Any]], key: str) -> dict[str, Any]:
        """One page of a list call: at most `page_size` items (fewer if maxResults asks), with a nextToken."""
        size = self._max_results(params, 250, self.page_size)
        offset = _decode_token(params.get("nextToken"))
        return _with_token({key: items[offset : offset + size]}, offset + size, len(items))


def _tqv(prop: dict[str, Any], series: Series, index: int) -> dict[str, Any]:
    seconds = float(series.times[index])
    whole = int(np.floor(seconds))
    value = series.values[index]
    variant = (
        {"stringValue": value}
        if prop["dataType"] == "STRING"
        else {"integerValue": int(value)}
        if prop["dataType"] == "INTEGER"
        else {"doubleValue": float(value)}
    )
    return {
        "value": variant,
        "timestamp": {"timeInSeconds": whole, "offsetInNanos": round((seconds - whole) * 1e9)},
        "quality": "GOOD",
    }


def _record_time(record: dict[str, Any]) -> datetime:
    """When an execution started or an action was run."""
    return record["executionStartTime"] if "executionStartTime" in record else record["executionTime"]


def _ordered(indexes: range, params: dict[str, Any]) -> range:
    return indexes[::-1] if params.get("timeOrdering") == "DESCENDING" else indexes


def _good_only(params: dict[str, Any]) -> bool:
    """Every stored point is GOOD: asking for BAD or UNCERTAIN finds nothing."""
    return params.get("qualities", ["GOOD"]) == ["GOOD"]


def _with_token(page: dict[str, Any], next_offset: int, total: int) -> dict[str, Any]:
    if next_offset < total:
        page["nextToken"] = offset_token(next_offset)
    return page


def _decode_token(token: str | None) -> int:
    return token_offset(token, "InvalidRequestException")
