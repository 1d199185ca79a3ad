"""What moto 5.2's Synthetics lacks, added to moto's own Synthetics responses while in use.

moto has create, get and describe, but no start, stop, update or delete; it ignores the `Names`
filter and pagination of DescribeCanaries, looks tags up by name instead of ARN, and raises a bare
`KeyError` for an unknown canary. `synthetics_completed()` adds those operations to moto's
response class, on moto's canary store, with the service's error codes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock
from urllib.parse import unquote

from moto.core.exceptions import JsonRESTError
from moto.core.utils import utcnow
from moto.synthetics import urls as synthetics_urls
from moto.synthetics.models import Canary
from moto.synthetics.responses import SyntheticsResponse

DESCRIBE_PAGE_SIZE = 20

_UPDATABLE = {
    "Code": "code",
    "ExecutionRoleArn": "execution_role_arn",
    "RuntimeVersion": "runtime_version",
    "Schedule": "schedule",
    "RunConfig": "run_config",
    "SuccessRetentionPeriodInDays": "success_retention_period_in_days",
    "FailureRetentionPeriodInDays": "failure_retention_period_in_days",
    "ArtifactS3Location": "artifact_s3_location",
}


def canary_arn(region: str, account_id: str, name: str) -> str:
    return f"arn:aws:synthetics:{region}:{account_id}:canary:{name}"


class _CompletedSynthetics(SyntheticsResponse):
    """The operations moto lacks; their methods are grafted onto `SyntheticsResponse`."""

    def _canaries(self) -> dict[str, Canary]:
        return self.synthetics_backend.canaries

    def _named(self) -> Canary:
        name = unquote(self.path.split("/")[2])
        if name not in self._canaries():
            raise JsonRESTError("ResourceNotFoundException", f"Canary {name} does not exist.")
        return self._canaries()[name]

    def _by_arn(self) -> Canary:
        arn = unquote(self.path.split("/", 2)[2])
        prefix = canary_arn(self.region, self.current_account, "")
        name = arn.removeprefix(prefix)
        if not arn.startswith(prefix) or name not in self._canaries():
            raise JsonRESTError("ResourceNotFoundException", f"No canary has the ARN {arn}.")
        return self._canaries()[name]

    def _params(self) -> dict[str, Any]:
        return json.loads(self.body or "{}")

    def _view(self, canary: Canary) -> dict[str, Any]:
        view = canary.to_dict()
        view["Status"] = {**view["Status"], "State": canary.state}
        view["Timeline"] = {key: value.timestamp() if value else None for key, value in canary.timeline.items()}
        return {key: value for key, value in view.items() if value is not None}

    @staticmethod
    def _conflict(message: str) -> JsonRESTError:
        error = JsonRESTError("ConflictException", message)
        error.code = 409
        return error

    def get_canary(self) -> str:
        return json.dumps({"Canary": self._view(self._named())})

    def describe_canaries(self) -> str:
        params = self._params()
        names = params.get("Names")
        selected = [c for name, c in sorted(self._canaries().items()) if not names or name in names]
        size = min(int(params.get("MaxResults", DESCRIBE_PAGE_SIZE)), DESCRIBE_PAGE_SIZE)
        offset = int(str(params.get("NextToken") or "offset-0").removeprefix("offset-"))
        page: dict[str, Any] = {"Canaries": [self._view(c) for c in selected[offset : offset + size]]}
        if offset + size < len(selected):
            page["NextToken"] = f"offset-{offset + size}"
        return json.dumps(page)

    def start_canary(self) -> str:
        canary = self._named()
        if canary.state == "RUNNING":
            raise self._conflict(f"Canary {canary.name} is already running.")
        canary.state = "RUNNING"
        canary.timeline["LastStarted"] = utcnow()
        return "{}"

    def stop_canary(self) -> str:
        canary = self._named()
        if canary.state != "RUNNING":
            raise self._conflict(f"Canary {canary.name} is not running.")
        canary.state = "STOPPED"
        canary.timeline["LastStopped"] = utcnow()
        return "{}"

    def update_canary(self) -> str:
        canary = self._named()
        if canary.state == "RUNNING":
            raise self._conflict(f"Stop canary {canary.name} before updating it.")
        params = self._params()
        for field_name, attribute in _UPDATABLE.items():
            if field_name in params:
                setattr(canary, attribute, params[field_name])
        canary.timeline["LastModified"] = utcnow()
        return "{}"

    def delete_canary(self) -> str:
        canary = self._named()
        if canary.state == "RUNNING":
            raise self._conflict(f"Stop canary {canary.name} before deleting it.")
        del self._canaries()[canary.name]
        return "{}"

    def list_tags_for_resource(self) -> str:
        return json.dumps({"Tags": dict(self._by_arn().tags)})

    def tag_resource(self) -> str:
        canary = self._by_arn()
        canary.tags = {**canary.tags, **self._params().get("Tags", {})}
        return "{}"


_GRAFTED: dict[str, Callable[..., Any]] = {
    name: member
    for name, member in vars(_CompletedSynthetics).items()
    if callable(member) or isinstance(member, staticmethod)
}

_EXTRA_PATHS = {
    "{0}/canary/(?P<name>[^/]+)/start$": SyntheticsResponse.dispatch,
    "{0}/canary/(?P<name>[^/]+)/stop$": SyntheticsResponse.dispatch,
}


@contextmanager
def synthetics_completed() -> Iterator[None]:
    """Complete moto's Synthetics for the duration of the block."""
    with ExitStack() as stack:
        for name, member in _GRAFTED.items():
            stack.enter_context(mock.patch.object(SyntheticsResponse, name, member, create=True))
        stack.enter_context(mock.patch.dict(synthetics_urls.url_paths, _EXTRA_PATHS))
        yield
