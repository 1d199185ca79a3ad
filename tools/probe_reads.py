"""How `invoke probe-sitewise` reads an account, safely: only `READ_OPERATIONS`, at most `max_calls`, each once.

Apart from the questions so that what makes the probe safe to run on a real account is in one place: no
write can be made, no id, ARN or account number reaches the report (`failure`, `shape`), and every read
the questions share (the models probed, their runs, actions and results) is made here, once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from botocore import xform_name
from botocore.exceptions import BotoCoreError, ClientError

from lookout_dashboards.sources import sitewise_formats as formats
from lookout_dashboards.sources.sitewise_gateway import HISTORY_PAGE_SIZE, LIST_PAGE_SIZE

#: Every operation the probe may call: List*, Describe* and Get* only (a test checks it).
READ_OPERATIONS = frozenset(
    [
        "ListComputationModels",
        "DescribeComputationModel",
        "ListComputationModelResolveToResources",
        "ListExecutions",
        "DescribeExecution",
        "DescribeComputationModelExecutionSummary",
        "ListActions",
        "DescribeAction",
        "DescribeAsset",
        "GetAssetPropertyValueHistory",
    ]
)
MAX_CALLS = 200
#: Pages read at most per list: a thousand items tell an order.
MAX_PAGES = 4
RESULTS_LOOKBACK = timedelta(days=366)
SHORT_TEXT = 24
#: Listed items described to date a list whose items carry no time: the first and last three.
DESCRIBED_PER_LIST = 6
UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


class CallCapError(Exception):
    """The probe made as many calls as it may: what is left is reported as not read."""


_READ_ERRORS = (ClientError, BotoCoreError, CallCapError)


@dataclass
class Read:
    """A list's first pages (items and page sizes) or a Describe/Get response, or what stopped it."""

    items: list[dict[str, Any]] = field(default_factory=list)
    page_sizes: list[int] = field(default_factory=list)
    more: bool = False
    response: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


class Account:
    """The probe's only way to the client: reads only, `max_calls` at most, each made once (questions
    share them), failures kept in the answer so that one refused call costs only its own answers."""

    def __init__(self, client: Any, max_calls: int = MAX_CALLS) -> None:
        self._client, self.max_calls = client, max_calls
        self.operations: list[str] = []
        self._kept: dict[str, Read] = {}

    def read(self, operation: str, **params: Any) -> dict[str, Any]:
        if operation not in READ_OPERATIONS:
            raise PermissionError(f"{operation} is not one of the probe's reads")
        if len(self.operations) >= self.max_calls:
            raise CallCapError(f"the call cap of {self.max_calls} was reached")
        self.operations.append(operation)
        return getattr(self._client, xform_name(operation))(**params)

    def listing(self, operation: str, key: str, **params: Any) -> Read:
        def pages() -> Read:
            listed, token = Read(), None
            for _ in range(MAX_PAGES):
                response = self.read(operation, maxResults=LIST_PAGE_SIZE, **params, **_token(token))
                listed.items += response.get(key, [])
                listed.page_sizes.append(len(response.get(key, [])))
                token = response.get("nextToken")
                if not token:
                    break
            listed.more = bool(token)
            return listed

        return self._once(operation, params, pages)

    def one(self, operation: str, **params: Any) -> Read:
        return self._once(operation, params, lambda: Read(response=self.read(operation, **params)))

    def _once(self, operation: str, params: dict[str, Any], ask: Callable[[], Read]) -> Read:
        memo = json.dumps([operation, params], sort_keys=True, default=str)
        if memo not in self._kept:
            try:
                self._kept[memo] = ask()
            except _READ_ERRORS as error:
                self._kept[memo] = Read(error=failure(operation, error))
        return self._kept[memo]


@dataclass(frozen=True)
class Target:
    """A probed model, called by `label` (not its name or id), resolved to its first asset at asset-model level."""

    label: str
    model_id: str
    description: Mapping[str, Any]
    asset_id: str | None = None

    def resolve_to(self) -> dict[str, str]:
        return {"resolveToResourceType": "ASSET", "resolveToResourceId": self.asset_id} if self.asset_id else {}

    def scope(self) -> dict[str, str]:
        return {"targetResourceType": "COMPUTATION_MODEL", "targetResourceId": self.model_id, **self.resolve_to()}


def failure(operation: str, error: Exception) -> str:
    """What failed, without the ARNs, ids and account numbers an AccessDenied message names."""
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        code, message = details.get("Code", ""), str(details.get("Message", ""))
    else:
        code, message = type(error).__name__, str(error)
    for pattern, replacement in ((r"\barn:[^\s,;]+", "<arn>"), (UUID, "<id>"), (r"\b\d{12}\b", "<account>")):
        message = re.sub(pattern, replacement, message)
    return f"{operation} failed: {code} ({message[:160]})"


def shape(value: Any) -> str:
    """A value as the report may show it: AWS's constants and short tokens as they are, the rest by kind."""
    if isinstance(value, str):
        if re.fullmatch(UUID, value):
            return "<id>"
        shown = len(value) <= SHORT_TEXT or re.fullmatch(r"AWS/[A-Z_]+", value)
        return json.dumps(value) if shown else f"<text, {len(value)} chars>"
    if value is None or isinstance(value, bool | int | float):
        return json.dumps(value)
    return f"<list of {len(value)}>" if isinstance(value, list) else f"<{type(value).__name__}>"


def keys_and_shapes(document: Any) -> str:
    if not isinstance(document, Mapping) or not document:
        return "(empty)"
    return "{" + ", ".join(f"`{key}`: {shape(value)}" for key, value in document.items()) + "}"


def sample(items: Sequence[Any], size: int = DESCRIBED_PER_LIST) -> list[Any]:
    """The first and last `size / 2` items, in listed order: both ends of a list show its direction."""
    return list(items) if len(items) <= size else [*items[: size // 2], *items[-(size - size // 2) :]]


def resolved_assets(account: Account, model_id: str) -> Read:
    key = "computationModelResolveToResourceSummaries"
    return account.listing("ListComputationModelResolveToResources", key, computationModelId=model_id)


def executions(account: Account, target: Target, action_type: str) -> Read:
    return account.listing("ListExecutions", "executionSummaries", actionType=action_type, **target.scope())


def actions(account: Account, target: Target) -> Read:
    return account.listing("ListActions", "actionSummaries", **target.scope())


def summary(account: Account, target: Target) -> Read:
    return account.one(
        "DescribeComputationModelExecutionSummary", computationModelId=target.model_id, **target.resolve_to()
    )


def result_history(account: Account, target: Target, now: datetime) -> Read:
    """The newest page of the result property, on the target's asset for an asset-model-level binding."""
    asset_id, property_id = formats.data_binding(target.description).result.on(target.asset_id)
    window = {"startDate": now - RESULTS_LOOKBACK, "endDate": now, "timeOrdering": "DESCENDING"}
    return account.one(
        "GetAssetPropertyValueHistory", assetId=asset_id, propertyId=property_id, maxResults=HISTORY_PAGE_SIZE, **window
    )


def choose_targets(account: Account, models: Read, only: str, max_models: int) -> tuple[list[Target], list[str]]:
    """The models to probe, and why others could not be (said in the header)."""
    targets, problems = [], []
    for number, model_id in enumerate([only] if only else [item["id"] for item in models.items][:max_models], 1):
        label = f"M{number}"
        described = account.one("DescribeComputationModel", computationModelId=model_id)
        try:
            model_level = formats.data_binding(described.response).at_model_level
        except formats.SiteWiseFormatError as error:
            problems.append(f"{label}: {described.error or f'unreadable binding ({error})'}")
            continue
        assets = resolved_assets(account, model_id) if model_level else Read()
        asset_id = next((item["resolveTo"]["assetId"] for item in assets.items), None)
        if model_level and asset_id is None:
            problems.append(f"{label}: bound at asset-model level, no asset to resolve to ({assets.error or 'none'})")
            continue
        targets.append(Target(label, model_id, described.response, asset_id))
    return targets, problems


def _token(token: str | None) -> dict[str, str]:
    return {"nextToken": token} if token else {}
