"""Per-model and per-scheduler dashboards, and the snapshot canary that photographs each one.

Names are derived, never stored: a dashboard's name comes from the stack's prefix and the
resource's name, its canary's name from a digest of the dashboard's name. So the list widgets
find what exists with one paginated `ListDashboards` call, and clean-up finds it by prefix.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from .aws import error_code, error_text, pages, translated_errors
from .config import IOT_SITEWISE, LOOKOUT_FOR_EQUIPMENT, Settings
from .domain import Terms
from .errors import InvalidInputError, SourceUnavailableError

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_synthetics import SyntheticsClient

logger = logging.getLogger(__name__)
DASHBOARD_NAME_LIMIT = 255
#: Characters of a title kept in a dashboard's name (the console's list shows about that much).
TITLED_NAME_LIMIT = 100
CANARY_NAME_LIMIT = 21
_INVALID_DASHBOARD_CHARACTERS = re.compile(r"[^A-Za-z0-9_-]")
_INVALID_CANARY_CHARACTERS = re.compile(r"[^0-9a-z_-]")
CANARY_DIGEST_LENGTH = 6
CANARY_READABLE_MINIMUM = 4
CANARY_HANDLER = "dashboard_snapshot.handler"
#: The canary's whole run; its script spends at most this less a margin for sign-in and upload.
CANARY_TIMEOUT_SECONDS = 300
SCREENSHOT_STEM = "dashboard-snapshot"
#: Where the canaries save their runs in the stack's bucket (the bucket notifies `process-snapshot` of these keys).
SNAPSHOTS_PREFIX = "snapshots/"
#: What follows `cwsyn-<canary>-` in the name of the function Synthetics runs a canary as.
_CANARY_LOG_GROUP = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: Seconds a clean-up keeps to answer CloudFormation before its function's timeout.
REMOVAL_MARGIN_SECONDS = 45
_SCREENSHOT = re.compile(re.escape(SCREENSHOT_STEM) + r"\.([0-9a-z_-]{1,21})\.")
CANARY_READY_POLLS = 20
TAG_STACK = "l4e-dashboards:stack"
TAG_DASHBOARD = "l4e-dashboards:dashboard"
SNAPSHOT_SCHEDULES = {
    "Daily": "cron(0 6 ? * MON-FRI *)",
    "Weekly": "cron(0 6 ? * MON *)",
    "None": None,
}
RUN_ONCE = "rate(0 minute)"


class DashboardKind(StrEnum):
    MODEL = "Model"
    SCHEDULER = "Scheduler"


@dataclass(frozen=True)
class DashboardTarget:
    """What a dashboard is about: a model or a scheduler, by name; `title` when people read another
    name than requests use (SiteWise's free-text names, where requests use ids)."""

    kind: DashboardKind
    resource_name: str
    title: str = ""

    @property
    def tag_key(self) -> str:
        return f"l4e-dashboards:{self.kind.value.lower()}"


def requested_target(kind: DashboardKind, name: str, terms: Terms) -> DashboardTarget:
    """A target from a payload's name only (Delete, Remove): where the source titles its dashboards,
    its title is unknown here and the dashboard is found by the digest of its resource name."""
    return DashboardTarget(kind, name, name if terms.titled else "")


def dashboard_name(prefix: str, target: DashboardTarget) -> str:
    """`<prefix>-<Kind>-<name>`; a name CloudWatch would reject is cleaned and given a digest suffix.

    The digest is of the original name, so two names that clean to the same text stay apart. A
    target with a title is named after it, with a digest of its resource name (`titled_suffix`),
    by which the dashboard is found again whatever its title has become.
    """
    if target.title:
        latin = unicodedata.normalize("NFKD", target.title).encode("ascii", "ignore").decode()
        cleaned = re.sub("-{2,}", "-", _INVALID_DASHBOARD_CHARACTERS.sub("-", f"{prefix}-{target.kind.value}-{latin}"))
        suffix = titled_suffix(target)
        return cleaned[: min(TITLED_NAME_LIMIT, DASHBOARD_NAME_LIMIT - len(suffix))].rstrip("-") + suffix
    name = f"{prefix}-{target.kind.value}-{target.resource_name}"
    if len(name) <= DASHBOARD_NAME_LIMIT and not _INVALID_DASHBOARD_CHARACTERS.search(name):
        return name
    suffix = "-" + _digest(name)[:10]
    cleaned = _INVALID_DASHBOARD_CHARACTERS.sub("-", name)
    return cleaned[: DASHBOARD_NAME_LIMIT - len(suffix)] + suffix


def titled_suffix(target: DashboardTarget) -> str:
    """How a titled target's dashboard name ends: a digest of its kind and resource name."""
    return "-" + _digest(f"{target.kind.value}/{target.resource_name}")[:12]


def named_again(name: str, target: DashboardTarget, existing: Iterable[str]) -> str:
    """`name`, or for a titled target the existing one of its resource, whatever title it was made under."""
    if not target.title:
        return name
    return next((item for item in sorted(existing) if item.endswith(titled_suffix(target))), name)


def dashboard_prefix(prefix: str, kind: DashboardKind) -> str:
    return f"{prefix}-{kind.value}-"


def canary_name(prefix: str, target: DashboardTarget, dashboard: str) -> str:
    """At most 21 lowercase characters: the prefix, the start of the resource's name when at least
    four characters of it fit, and a digest of the dashboard's name (so each dashboard has its own).
    """
    digest = _digest(dashboard)
    room = CANARY_NAME_LIMIT - len(prefix)
    if room < CANARY_DIGEST_LENGTH:
        raise ValueError(f"canary prefix {prefix!r} leaves no room in a {CANARY_NAME_LIMIT}-character name")
    readable = _INVALID_CANARY_CHARACTERS.sub("-", target.resource_name.lower())
    readable = readable[: room - CANARY_DIGEST_LENGTH - 1].strip("-_")
    if len(readable) < CANARY_READABLE_MINIMUM:
        return f"{prefix}{digest[:room]}"
    return f"{prefix}{readable}-{digest[:CANARY_DIGEST_LENGTH]}"


def canary_log_group_prefix(canary: str) -> str:
    """Synthetics runs a canary as a function `cwsyn-<canary>-<id>`, logging to its own group."""
    return f"/aws/lambda/cwsyn-{canary}-"


def screenshot_file(canary: str) -> str:
    """The name the canary saves its screenshot under: the canary's name between dots, which a
    canary name never holds, so `process-snapshot` finds it whatever folders Synthetics adds."""
    return f"{SCREENSHOT_STEM}.{canary}.png"


def canary_of_screenshot(key: str) -> str | None:
    match = _SCREENSHOT.search(key.rsplit("/", 1)[-1])
    return match.group(1) if match else None


def snapshot_schedule(kind: DashboardKind, snapshot_runs: str) -> str | None:
    """Model dashboards are photographed once; scheduler dashboards on the stack's schedule, or never."""
    if kind is DashboardKind.MODEL:
        return RUN_ONCE
    if snapshot_runs not in SNAPSHOT_SCHEDULES:
        raise ValueError(f"SNAPSHOT_RUNS must be one of {', '.join(SNAPSHOT_SCHEDULES)}, not {snapshot_runs!r}")
    return SNAPSHOT_SCHEDULES[snapshot_runs]


def function_endpoint(function: str, region: str, account_id: str) -> str:
    """A custom widget's endpoint must be a Lambda ARN; settings may hold a bare function name."""
    if function.startswith("arn:"):
        return function
    partition = "aws-cn" if region.startswith("cn-") else "aws"
    return f"arn:{partition}:lambda:{region}:{account_id}:function:{function}"


def custom_widget(
    endpoint: str, title: str, params: Mapping[str, Any], x: int, y: int, width: int, height: int
) -> dict[str, Any]:
    """One custom widget of a dashboard body, re-drawn on refresh, resize and time range changes."""
    return {
        "type": "custom",
        "x": x,
        "y": y,
        "width": width,
        "height": height,
        "properties": {
            "endpoint": endpoint,
            "params": dict(params),
            "title": title,
            "updateOn": {"refresh": True, "resize": True, "timeRange": True},
        },
    }


LIST_DASHBOARDS = {
    DashboardKind.MODEL: ("Models", "list-models", "-P90D"),
    DashboardKind.SCHEDULER: ("Schedulers", "list-schedulers", "-P7D"),
}
#: The list widgets' titles by data source (the stack's template has the same words).
LIST_TITLES = {
    IOT_SITEWISE: {
        DashboardKind.MODEL: "IoT SiteWise anomaly detection models",
        DashboardKind.SCHEDULER: "IoT SiteWise anomaly detection inference",
    },
    LOOKOUT_FOR_EQUIPMENT: {
        DashboardKind.MODEL: "Lookout for Equipment models",
        DashboardKind.SCHEDULER: "Lookout for Equipment inference schedulers",
    },
}


def list_dashboard_name(prefix: str, kind: DashboardKind, suffix: str) -> str:
    """`<prefix>-Models-<suffix>` or `<prefix>-Schedulers-<suffix>`: the stack's two dashboards."""
    return f"{prefix}-{LIST_DASHBOARDS[kind][0]}-{suffix}"


def list_dashboard_body(kind: DashboardKind, endpoint_of: Callable[[str], str], data_source: str) -> dict[str, Any]:
    """The models or schedulers list dashboard: its list widget across the whole width."""
    _, widget, start = LIST_DASHBOARDS[kind]
    title = LIST_TITLES[data_source][kind]
    return {"start": start, "widgets": [custom_widget(endpoint_of(widget), title, {}, 0, 0, 24, 16)]}


@dataclass(frozen=True)
class ActionOutcome:
    """What an action did, in words for the widget, and whether all of it worked."""

    text: str
    complete: bool = True


@dataclass
class Removal:
    """What a clean-up removed, what failed (and why), and what it left for lack of time."""

    removed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)

    def attempt(self, what: str, remove: Callable[[], bool]) -> None:
        """Run one removal; any error is recorded with the item, never raised."""
        try:
            if remove():
                self.removed.append(what)
        except Exception as error:  # one item's failure must not stop the others
            logger.exception("could not remove %s", what)
            self.failed.append(f"{what} ({error_text(error)})")

    def summary(self) -> str:
        parts = [f"Removed {len(self.removed)} dashboards, canaries and alarms."]
        if self.failed:
            parts.append(f"Could not remove {', '.join(self.failed)}; remove them by hand.")
        if self.left:
            parts.append(f"Out of time before {', '.join(self.left)}; remove them by hand.")
        return " ".join(parts)


def widget_functions(body: str) -> set[str]:
    """Names of the Lambda functions a dashboard body's custom widgets call; a body of any other
    shape (not JSON, not an object, widgets that are not objects) names none."""
    try:
        parsed = json.loads(body)
    except (TypeError, ValueError):
        return set()
    widgets = parsed.get("widgets") if isinstance(parsed, dict) else None
    names = set()
    for widget in widgets if isinstance(widgets, list) else []:
        properties = widget.get("properties") if isinstance(widget, dict) else None
        endpoint = properties.get("endpoint") if isinstance(properties, dict) else None
        if isinstance(endpoint, str):
            names.add(function_name(endpoint))
    return names


def function_name(endpoint: str) -> str:
    """`arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]` or a bare name."""
    parts = endpoint.split(":")
    return parts[6] if len(parts) >= 7 and parts[5] == "function" else endpoint


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


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
