"""The calls the SiteWise adapter makes, and what a warm container keeps of their answers.

This is the one module that calls AWS IoT SiteWise (the stack's IAM is read from it). It decides
nothing from list position: AWS documents no order for ListExecutions or ListActions, so runs are
sorted by their start times and actions by DescribeAction's `executionTime`, after reading every
page. What never changes once read (a described action, a finished run's failure) is kept for a
day; listings for `LISTING_TTL_S`, long enough to serve one dashboard's widgets.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import TYPE_CHECKING, Any

from ..aws import pages, translated_errors
from ..domain import ExecutionStatus, S3Location
from ..errors import InvalidInputError, NothingToShowError
from ..expiring import ExpiringCache
from .sitewise_formats import DataBinding, ExecutionSummary, SiteWiseFormatError, data_binding, execution_summary

if TYPE_CHECKING:
    from mypy_boto3_iotsitewise import IoTSiteWiseClient
    from mypy_boto3_s3 import S3Client

    from .sitewise_model_cache import ModelFactsCache

logger = logging.getLogger(__name__)
TRAINING = "AWS/ANOMALY_DETECTION_TRAINING"
INFERENCE = "AWS/ANOMALY_DETECTION_INFERENCE"
LIST_PAGE_SIZE = 250
#: GetAssetPropertyValueHistory's largest page; a page also closes at 4 MB (4,000-8,000 results of 0.5-1 KB).
HISTORY_PAGE_SIZE = 20_000
AGGREGATES_PAGE_SIZE = 2_500
LATEST_ENTRIES = 128
#: Execution pages read at most: 25,000 runs, 86 days of five-minute runs. Their order is not documented,
#: so every page up to this bound is read before the newest is known; past it, a warning is logged.
MAX_EXECUTION_PAGES = 100
#: Seconds a computation model's description is trusted.
DESCRIPTION_TTL_S = 300.0
#: Seconds an asset's names are trusted: a renamed asset or property shows its new name within the hour.
ASSET_TTL_S = 3600.0
#: Seconds a listing of runs or actions serves (the widgets of one dashboard render together).
LISTING_TTL_S = 10.0
#: Seconds what never changes once read is kept (a described action, a finished run's failure reason).
SETTLED_TTL_S = 86_400.0
READ_THREADS = 8
#: AWS's id pattern (botocore's `ID` shape): lower-case UUIDs.
ID_PATTERN = re.compile(r"^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$")
_STATUSES = {
    "RUNNING": ExecutionStatus.IN_PROGRESS,
    "COMPLETED": ExecutionStatus.SUCCESS,
    "FAILED": ExecutionStatus.FAILED,
}


@dataclass(frozen=True)
class Target:
    """A computation model, resolved to an asset when it is bound at asset-model level."""

    model_id: str
    asset_id: str | None = None

    @property
    def key(self) -> str:
        return self.model_id if self.asset_id is None else f"{self.model_id}_{self.asset_id}"

    @classmethod
    def parse(cls, key: str) -> Target:
        """Refused before any call unless each part is an id as AWS writes them."""
        model_id, _, asset_id = key.partition("_")
        if not ID_PATTERN.match(model_id) or (asset_id and not ID_PATTERN.match(asset_id)):
            raise InvalidInputError(
                f"`{key[:80]}` is not a SiteWise model: name one by its computation model id (a lower-case UUID, "
                "such as 3f2a0c1e-5b7d-4e8f-9a6b-0c1d2e3f4a5b), then `_` and the asset id for a model bound at "
                "asset-model level."
            )
        return cls(model_id, asset_id or None)

    def resolve_to(self) -> dict[str, str]:
        return {"resolveToResourceType": "ASSET", "resolveToResourceId": self.asset_id} if self.asset_id else {}

    def action_target(self) -> dict[str, Any]:
        return {
            "targetResource": {"computationModelId": self.model_id},
            **({"resolveTo": {"assetId": self.asset_id}} if self.asset_id else {}),
        }


@dataclass(frozen=True)
class Asset:
    name: str
    properties: Mapping[str, str]


@dataclass(frozen=True)
class Description:
    """What a render needs of DescribeComputationModel: names, binding, action definitions."""

    model_id: str
    name: str
    created_at: datetime | None
    binding: DataBinding
    definitions: Mapping[str, str]


@dataclass(frozen=True)
class Run:
    """A training or inference execution summary."""

    execution_id: str
    status: ExecutionStatus
    start: datetime
    end: datetime | None
    version: int | None


@dataclass(frozen=True)
class Action:
    """A described action: when it was executed and the payload it sent."""

    action_id: str
    executed_at: datetime | None
    payload: str


class SiteWiseGateway:
    """SiteWise's answers as the adapter needs them, each call made once per what a warm container keeps."""

    def __init__(
        self,
        sitewise: IoTSiteWiseClient,
        s3: S3Client,
        clock: Callable[[], float] | None = None,
        facts: ModelFactsCache | None = None,
    ) -> None:
        self._sitewise = sitewise
        self._s3 = s3
        self._facts = facts
        self._descriptions: ExpiringCache[str, Description] = ExpiringCache(DESCRIPTION_TTL_S, now=clock)
        self._assets: ExpiringCache[str, Asset] = ExpiringCache(ASSET_TTL_S, now=clock)
        self._fleets: ExpiringCache[str, tuple[tuple[str, str], ...]] = ExpiringCache(ASSET_TTL_S, now=clock)
        self._resolved: ExpiringCache[str, list[str]] = ExpiringCache(DESCRIPTION_TTL_S, now=clock)
        self._runs: ExpiringCache[tuple[str, str], tuple[Run, ...]] = ExpiringCache(LISTING_TTL_S, now=clock)
        self._action_ids: ExpiringCache[str, tuple[tuple[str, str], ...]] = ExpiringCache(LISTING_TTL_S, now=clock)
        self._actions: ExpiringCache[str, Action] = ExpiringCache(SETTLED_TTL_S, now=clock)
        self._executions: ExpiringCache[str, Mapping[str, Any]] = ExpiringCache(SETTLED_TTL_S, now=clock)

    # Models and assets ---------------------------------------------------------------------

    def model_ids(self) -> list[str]:
        with translated_errors("the computation models"):
            return [
                item["id"]
                for item in _pages(
                    self._sitewise.list_computation_models,
                    "computationModelSummaries",
                    computationModelType="ANOMALY_DETECTION",
                    maxResults=LIST_PAGE_SIZE,
                )
            ]

    def description(self, model_id: str) -> Description:
        return self._descriptions.get(model_id, lambda: self._describe_model(model_id))

    def _describe_model(self, model_id: str) -> Description:
        with translated_errors(f"computation model {model_id}"):
            response = self._sitewise.describe_computation_model(computationModelId=model_id)
        try:
            binding = data_binding(response)
        except SiteWiseFormatError as error:
            raise NothingToShowError(
                f"Computation model {response.get('computationModelName', model_id)}: {error}."
            ) from None
        definitions: dict[str, str] = {}
        for item in response.get("actionDefinitions", []):
            kind = item.get("actionType") or item.get("actionName")  # the samples disagree (reference, section 2)
            if kind in (TRAINING, INFERENCE):
                definitions.setdefault(kind, item["actionDefinitionId"])
        return Description(
            model_id=model_id,
            name=response.get("computationModelName", model_id),
            created_at=response.get("computationModelCreationDate"),
            binding=binding,
            definitions=definitions,
        )

    def resolved_assets(self, model_id: str, name: str) -> list[str]:
        """The assets actions ran on for a model bound at asset-model level, each once; kept as long as a
        description (an asset's first action shows within 5 minutes)."""
        return self._resolved.get(model_id, lambda: self._list_resolved_assets(model_id, name))

    def _list_resolved_assets(self, model_id: str, name: str) -> list[str]:
        with translated_errors(f"the assets of {name}"):
            assets = [
                item["resolveTo"]["assetId"]
                for item in _pages(
                    self._sitewise.list_computation_model_resolve_to_resources,
                    "computationModelResolveToResourceSummaries",
                    computationModelId=model_id,
                    maxResults=LIST_PAGE_SIZE,
                )
            ]
        return list(dict.fromkeys(assets))

    def assets_of_model(self, asset_model_id: str, name: str) -> tuple[tuple[str, str], ...]:
        """(id, name) of every asset of an asset model, 250 a call: a fleet's assets and their names at once;
        kept in this container and, for a new one, in the bucket (`ModelFactsCache.fleet_assets`)."""

        def listed() -> tuple[tuple[str, str], ...]:
            kept = self._facts.fleet_assets(asset_model_id) if self._facts else None
            if kept is not None:
                return kept
            with translated_errors(f"the assets of {name}"):
                assets = tuple(
                    (item["id"], item.get("name", item["id"]))
                    for item in _pages(
                        self._sitewise.list_assets,
                        "assetSummaries",
                        assetModelId=asset_model_id,
                        filter="ALL",
                        maxResults=LIST_PAGE_SIZE,
                    )
                )
            if self._facts:
                self._facts.put_fleet_assets(asset_model_id, assets)
            return assets

        return self._fleets.get(asset_model_id, listed)

    def asset(self, asset_id: str) -> Asset:
        return self._assets.get(asset_id, lambda: self._describe_asset(asset_id))

    def _describe_asset(self, asset_id: str) -> Asset:
        with translated_errors(f"asset {asset_id}"):
            response = self._sitewise.describe_asset(assetId=asset_id)
        properties = {item["id"]: item.get("name", item["id"]) for item in response.get("assetProperties", [])}
        return Asset(response.get("assetName", asset_id), properties)

    # Runs, actions, state ------------------------------------------------------------------

    def runs(self, target: Target, action_type: str) -> tuple[Run, ...]:
        """Runs newest first by start time, at most `MAX_EXECUTION_PAGES` pages of them."""
        return self._runs.get((target.key, action_type), lambda: self._list_runs(target, action_type))

    def _list_runs(self, target: Target, action_type: str) -> tuple[Run, ...]:
        what = "trainings" if action_type == TRAINING else "inference runs"
        bound = MAX_EXECUTION_PAGES * LIST_PAGE_SIZE
        with translated_errors(f"the {what} of {target.key}"):
            items = list(
                islice(
                    _pages(
                        self._sitewise.list_executions,
                        "executionSummaries",
                        targetResourceType="COMPUTATION_MODEL",
                        targetResourceId=target.model_id,
                        actionType=action_type,
                        maxResults=LIST_PAGE_SIZE,
                        **target.resolve_to(),
                    ),
                    bound + 1,
                )
            )
        runs = sorted((_run(item) for item in items[:bound]), key=lambda run: (run.start, run.execution_id))
        if len(items) > bound:
            logger.warning(
                "%s of %s: only the first %d listed were read, a newer one may be missing", what, target.key, bound
            )
        return tuple(reversed(runs))

    def execution(self, run: Run) -> Mapping[str, Any]:
        """DescribeExecution; kept once the run has finished (its result never changes then)."""
        if run.status is ExecutionStatus.IN_PROGRESS:
            return self._describe_execution(run)
        return self._executions.get(run.execution_id, lambda: self._describe_execution(run))

    def _describe_execution(self, run: Run) -> Mapping[str, Any]:
        with translated_errors(f"the run of {run.start:%Y-%m-%d %H:%M}"):
            return self._sitewise.describe_execution(executionId=run.execution_id)

    def actions(self, target: Target, description: Description, action_type: str) -> list[Action]:
        """The target's actions of one type, newest first by `executionTime` (ListActions' order is not
        documented and its summaries carry no time): each action is described once, then kept."""
        definition = description.definitions.get(action_type)
        listed = self._action_ids.get(target.key, lambda: self._list_actions(target, description.name))
        wanted = [action_id for action_id, kind in listed if definition and kind == definition]
        with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
            described = list(pool.map(self._action, wanted))
        oldest = datetime.min.replace(tzinfo=UTC)
        return sorted(described, key=lambda item: (item.executed_at or oldest, item.action_id), reverse=True)

    def _list_actions(self, target: Target, name: str) -> tuple[tuple[str, str], ...]:
        with translated_errors(f"the actions of {name}"):
            return tuple(
                (item["actionId"], item.get("actionDefinitionId", ""))
                for item in _pages(
                    self._sitewise.list_actions,
                    "actionSummaries",
                    targetResourceType="COMPUTATION_MODEL",
                    targetResourceId=target.model_id,
                    maxResults=LIST_PAGE_SIZE,
                    **target.resolve_to(),
                )
            )

    def _action(self, action_id: str) -> Action:
        def describe() -> Action:
            with translated_errors(f"action {action_id}"):
                response = self._sitewise.describe_action(actionId=action_id)
            payload = response.get("actionPayload", {}).get("stringValue", "")
            return Action(action_id, response.get("executionTime"), payload)

        return self._actions.get(action_id, describe)

    def summary(self, target: Target) -> ExecutionSummary:
        with translated_errors(f"the inference state of {target.key}"):
            response = self._sitewise.describe_computation_model_execution_summary(
                computationModelId=target.model_id, **target.resolve_to()
            )
        return execution_summary(response.get("computationModelExecutionSummary"))

    def execute(self, target: Target, description: Description, payload: str, client_token: str) -> None:
        """One ExecuteAction; `client_token` makes the SDK's retries of it one action."""
        definition = description.definitions.get(INFERENCE)
        if definition is None:
            raise InvalidInputError(f"Model {description.name} has no inference action to run.")
        with translated_errors(f"the inference of {description.name}", "change"):
            self._sitewise.execute_action(
                actionDefinitionId=definition,
                actionPayload={"stringValue": payload},
                clientToken=client_token,
                **target.action_target(),
            )
        self._action_ids.forget(target.key)  # the action just sent is listed from now on

    # Values --------------------------------------------------------------------------------

    def history(
        self, asset_id: str, property_id: str, start: datetime, end: datetime, *, ascending: bool, max_pages: int
    ) -> tuple[list[Mapping[str, Any]], bool]:
        """Values in (start, end], at most `max_pages` pages; True when more were left unread."""
        values: list[Mapping[str, Any]] = []
        token: str | None = None
        with translated_errors("the inference results"):
            for _ in range(max_pages):
                response = self._sitewise.get_asset_property_value_history(
                    assetId=asset_id,
                    propertyId=property_id,
                    startDate=start,
                    endDate=end,
                    timeOrdering="ASCENDING" if ascending else "DESCENDING",
                    maxResults=HISTORY_PAGE_SIZE,
                    **({"nextToken": token} if token else {}),
                )
                values.extend(response.get("assetPropertyValueHistory", []))
                token = response.get("nextToken")
                if not token:
                    return values, False
        return values, True

    def latest_value(self, asset_id: str, property_id: str) -> Mapping[str, Any] | None:
        with translated_errors("the latest inference result"):
            return self._sitewise.get_asset_property_value(assetId=asset_id, propertyId=property_id).get(
                "propertyValue"
            )

    def latest_values(self, properties: Sequence[tuple[str, str]]) -> dict[int, Mapping[str, Any]]:
        """The latest value of each (asset, property), by its index, `LATEST_ENTRIES` per request."""
        found: dict[int, Mapping[str, Any]] = {}
        for first in range(0, len(properties), LATEST_ENTRIES):
            entries = [
                {"entryId": f"e{index}", "assetId": asset_id, "propertyId": property_id}
                for index, (asset_id, property_id) in enumerate(properties[first : first + LATEST_ENTRIES], first)
            ]
            with translated_errors("the latest inference results"):
                for item in _pages(self._sitewise.batch_get_asset_property_value, "successEntries", entries=entries):
                    if "assetPropertyValue" in item:
                        found[int(item["entryId"][1:])] = item["assetPropertyValue"]
        return found

    def aggregates(
        self, asset_id: str, property_id: str, start: datetime, end: datetime, resolution: str, what: str
    ) -> list[Mapping[str, Any]]:
        """Each bucket's minimum and maximum at `resolution`."""
        with translated_errors(f"the values of {what}"):
            return list(
                _pages(
                    self._sitewise.get_asset_property_aggregates,
                    "aggregatedValues",
                    assetId=asset_id,
                    propertyId=property_id,
                    aggregateTypes=["MINIMUM", "MAXIMUM"],
                    resolution=resolution,
                    startDate=start,
                    endDate=end,
                    maxResults=AGGREGATES_PAGE_SIZE,
                )
            )

    def newest_object(self, location: S3Location, suffix: str) -> str | None:
        """The newest object under a training output prefix whose name ends with `suffix`."""
        with translated_errors(f"the training outputs in {location.uri}"):
            objects = [
                item
                for page in self._s3.get_paginator("list_objects_v2").paginate(
                    Bucket=location.bucket, Prefix=location.prefix
                )
                for item in page.get("Contents", [])
                if item["Key"].lower().endswith(suffix)
            ]
            if not objects:
                return None
            newest = max(objects, key=lambda item: (item["LastModified"], item["Key"]))
            body = self._s3.get_object(Bucket=location.bucket, Key=newest["Key"])["Body"].read()
        return body.decode("utf-8", errors="replace")

    # Values of many assets ---------------------------------------------------------------------

    def batch_history(
        self, entries: Sequence[tuple[str, str, datetime, datetime]]
    ) -> tuple[dict[int, list[Mapping[str, Any]]], dict[int, str]]:
        """Values in (start, end] of each (asset, property, start, end), oldest first, by the entry's index,
        `BATCH_HISTORY_ENTRIES` per request and every page (botocore has no paginator for it); requests run
        in parallel. Also each refused entry's error, by index (a deleted asset must not stop its fleet)."""
        groups = [
            range(first, min(first + BATCH_HISTORY_ENTRIES, len(entries)))
            for first in range(0, len(entries), BATCH_HISTORY_ENTRIES)
        ]
        values: dict[int, list[Mapping[str, Any]]] = {}
        errors: dict[int, str] = {}

        def read(group: range) -> None:
            request = [
                {
                    "entryId": f"e{index}",
                    "assetId": entries[index][0],
                    "propertyId": entries[index][1],
                    "startDate": entries[index][2],
                    "endDate": entries[index][3],
                    "timeOrdering": "ASCENDING",
                }
                for index in group
            ]
            token: str | None = None
            with translated_errors("the inference results"):
                while True:
                    response = self._sitewise.batch_get_asset_property_value_history(
                        entries=request, maxResults=HISTORY_PAGE_SIZE, **({"nextToken": token} if token else {})
                    )
                    for item in response.get("successEntries", []):
                        values.setdefault(int(item["entryId"][1:]), []).extend(
                            item.get("assetPropertyValueHistory", [])
                        )
                    for item in response.get("errorEntries", []):
                        errors[int(item["entryId"][1:])] = f"{item.get('errorCode')}: {item.get('errorMessage')}"
                    token = response.get("nextToken")
                    if not token:
                        return

        with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
            list(pool.map(read, groups))
        return values, errors


#: BatchGetAssetPropertyValueHistory's entries per request.
BATCH_HISTORY_ENTRIES = 16


def _pages(call: Callable[..., Mapping[str, Any]], result_key: str, **params: Any) -> Iterator[Mapping[str, Any]]:
    return pages(call, result_key, cursor="nextToken", **params)


def _run(item: Mapping[str, Any]) -> Run:
    state = item.get("executionStatus", {}).get("state", "")
    version = item.get("executionEntityVersion")
    return Run(
        execution_id=item["executionId"],
        status=_STATUSES.get(state, ExecutionStatus.FAILED),
        start=item["executionStartTime"],
        end=item.get("executionEndTime"),
        version=int(version) if isinstance(version, str) and version.isdigit() else None,
    )
