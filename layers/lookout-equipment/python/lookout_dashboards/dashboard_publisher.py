"""Creates and removes dashboards and their snapshot canaries: the part of dashboards that calls
CloudWatch, Synthetics and Logs (names and bodies are in `dashboards`)."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from .aws import error_code, pages, translated_errors
from .config import Settings
from .dashboards import (
    CANARY_HANDLER,
    CANARY_TIMEOUT_SECONDS,
    SNAPSHOTS_PREFIX,
    TAG_DASHBOARD,
    TAG_STACK,
    DashboardKind,
    DashboardTarget,
    canary_log_group_prefix,
    canary_name,
    dashboard_name,
    dashboard_prefix,
    named_again,
    snapshot_schedule,
    titled_suffix,
    widget_functions,
)
from .errors import InvalidInputError, SourceUnavailableError
from .outcomes import ActionOutcome, Removal

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_synthetics import SyntheticsClient

logger = logging.getLogger(__name__)
#: Seconds a clean-up keeps to answer CloudFormation before its function's timeout.
REMOVAL_MARGIN_SECONDS = 45
CANARY_READY_POLLS = 20
#: What follows `cwsyn-<canary>-` in the name of the function Synthetics runs a canary as.
_CANARY_LOG_GROUP = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class DashboardPublisher:
    """Creates and deletes a resource's dashboard together with its snapshot canary."""

    def __init__(
        self,
        cloudwatch: CloudWatchClient,
        synthetics: SyntheticsClient,
        logs: CloudWatchLogsClient,
        settings: Settings,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._cloudwatch = cloudwatch
        self._synthetics = synthetics
        self._logs = logs
        self._settings = settings
        self._sleep = sleep

    def dashboard_name(self, target: DashboardTarget, existing: set[str] | None = None) -> str:
        """The target's dashboard name; for a titled target, the existing dashboard of its resource if any
        (listed once per render by the caller, or here), whatever title it was created under."""
        name = dashboard_name(self._settings.dashboard_prefix, target)
        if not target.title:
            return name
        return named_again(name, target, self.existing(target.kind) if existing is None else existing)

    def existing(self, kind: DashboardKind) -> set[str]:
        """Names of this stack's dashboards of one kind: one call per page of dashboards."""
        with translated_errors("the list of dashboards"):
            return {
                item["DashboardName"]
                for item in pages(
                    self._cloudwatch.list_dashboards,
                    "DashboardEntries",
                    DashboardNamePrefix=dashboard_prefix(self._settings.dashboard_prefix, kind),
                )
            }

    def create(self, target: DashboardTarget, body: Mapping[str, Any]) -> ActionOutcome:
        """Write the dashboard, then its canary; a canary failure keeps the dashboard and says so."""
        name = self.dashboard_name(target)
        with translated_errors(f"dashboard {name}", "change"):
            response = self._cloudwatch.put_dashboard(DashboardName=name, DashboardBody=json.dumps(body))
        problems = [item.get("Message", "") for item in response.get("DashboardValidationMessages", [])]
        if problems:
            raise InvalidInputError(f"CloudWatch refused dashboard {name}: {'; '.join(problems)}")
        schedule = snapshot_schedule(target.kind, self._settings.snapshot_runs)
        if schedule is None:
            return ActionOutcome(f"Dashboard {name} created (snapshots are turned off).", True)
        try:
            with translated_errors(f"the snapshot canary of {name}", "change"):
                canary = self._create_canary(target, name, schedule)
        except SourceUnavailableError as error:
            return ActionOutcome(f"Dashboard {name} created, but not its snapshot canary: {error}", False)
        return ActionOutcome(f"Dashboard {name} created; canary {canary} will email its snapshot.", True)

    def delete(self, target: DashboardTarget) -> ActionOutcome:
        """Remove the canary (stopping it first) and the dashboard; either may already be gone."""
        name = self.dashboard_name(target)
        if target.title and not name.endswith(titled_suffix(target)):
            raise InvalidInputError(f"There is no dashboard of {target.title} to delete.")
        canary = canary_name(self._settings.canary_prefix, target, name)
        with translated_errors(f"the snapshot canary of {name}", "change"):
            self._delete_canary(canary)
        with translated_errors(f"dashboard {name}", "change"):
            try:
                self._cloudwatch.delete_dashboards(DashboardNames=[name])
            except ClientError as error:
                if error_code(error) not in ("ResourceNotFound", "DashboardNotFoundError"):
                    raise
        return ActionOutcome(f"Dashboard {name} and its snapshot canary deleted.", True)

    def remove_all(self, functions: set[str], time_left: Callable[[], float] = lambda: float("inf")) -> Removal:
        """Delete what this stack's widgets created: its canaries (by stack tag) and the dashboards of
        its prefix whose widgets call one of `functions` (names). Each item on its own: one that
        fails is reported and the rest go on; the work stops while `time_left()` still has room
        to answer."""
        removal = Removal()
        for kind in DashboardKind:
            for name in sorted(self.existing(kind)):
                if time_left() < REMOVAL_MARGIN_SECONDS:
                    removal.left.append(f"dashboard {name}")
                    continue
                removal.attempt(f"dashboard {name}", lambda name=name: self._remove_dashboard_of(name, functions))
        for canary in self._stack_canaries():
            if time_left() < REMOVAL_MARGIN_SECONDS + CANARY_READY_POLLS:
                removal.left.append(f"canary {canary}")
                continue
            removal.attempt(f"canary {canary}", lambda canary=canary: self._delete_canary(canary))
        return removal

    def _remove_dashboard_of(self, name: str, functions: set[str]) -> bool:
        """Delete `name` if one of its widgets calls one of `functions`; False when it is not ours."""
        body = self._cloudwatch.get_dashboard(DashboardName=name)["DashboardBody"]
        if not functions & widget_functions(body):
            return False
        self._cloudwatch.delete_dashboards(DashboardNames=[name])
        return True

    def _stack_canaries(self) -> list[str]:
        """Canaries with our prefix whose stack tag is this stack's."""
        names = []
        with translated_errors("the list of canaries"):
            for canary in pages(self._synthetics.describe_canaries, "Canaries"):
                if not canary["Name"].startswith(self._settings.canary_prefix):
                    continue
                tags = canary.get("Tags") or {}
                if tags.get(TAG_STACK) == self._settings.stack_name:
                    names.append(canary["Name"])
        return names

    def _create_canary(self, target: DashboardTarget, dashboard: str, schedule: str) -> str:
        settings = self._settings
        name = canary_name(settings.canary_prefix, target, dashboard)
        if self._canary_state(name) is None:
            self._synthetics.create_canary(
                Name=name,
                Code={
                    "S3Bucket": settings.canary_code_bucket,
                    "S3Key": settings.canary_code_key,
                    "Handler": CANARY_HANDLER,
                },
                ArtifactS3Location=f"s3://{settings.snapshot_bucket}/{SNAPSHOTS_PREFIX}{dashboard}/",
                ExecutionRoleArn=settings.canary_role_arn,
                Schedule={"Expression": schedule},
                RunConfig={
                    "TimeoutInSeconds": CANARY_TIMEOUT_SECONDS,
                    "EnvironmentVariables": {
                        "DASHBOARD_NAME": dashboard,
                        "DASHBOARD_REGION": settings.region,
                        "CANARY_NAME": name,
                        "RUN_TIMEOUT_SECONDS": str(CANARY_TIMEOUT_SECONDS),
                    },
                },
                RuntimeVersion=settings.canary_runtime,
                Tags={TAG_STACK: settings.stack_name, TAG_DASHBOARD: dashboard, target.tag_key: target.resource_name},
            )
        state = self._wait_while(name, {"CREATING", "UPDATING"})
        if state not in ("RUNNING", "STARTING"):
            self._synthetics.start_canary(Name=name)
        return name

    def _delete_canary(self, name: str) -> bool:
        """Stop, delete with its function and layer, then remove the log groups its runs left;
        False when there was no such canary."""
        state = self._canary_state(name)
        if state is not None:
            if state in ("RUNNING", "STARTING"):
                self._synthetics.stop_canary(Name=name)
            self._wait_while(name, {"CREATING", "UPDATING", "STARTING", "RUNNING", "STOPPING"})
            self._synthetics.delete_canary(Name=name, DeleteLambda=True)
        prefix = canary_log_group_prefix(name)
        for page in self._logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=prefix):
            for group in page["logGroups"]:
                if _CANARY_LOG_GROUP.fullmatch(group["logGroupName"].removeprefix(prefix)):
                    self._logs.delete_log_group(logGroupName=group["logGroupName"])
        return state is not None

    def _canary_state(self, name: str) -> str | None:
        try:
            return self._synthetics.get_canary(Name=name)["Canary"]["Status"]["State"]
        except ClientError as error:
            if error_code(error) == "ResourceNotFoundException":
                return None
            raise

    def _wait_while(self, name: str, transient: set[str]) -> str | None:
        """Poll a canary until it leaves a transient state; a bounded wait, the function has a timeout."""
        state = self._canary_state(name)
        for _ in range(CANARY_READY_POLLS):
            if state not in transient:
                return state
            self._sleep(1.0)
            state = self._canary_state(name)
        raise SourceUnavailableError(f"canary {name} is still {state}; try again in a minute")
