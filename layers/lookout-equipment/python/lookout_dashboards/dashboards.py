"""Names and bodies of per-model and per-scheduler dashboards and of their snapshot canaries: pure,
so widgets and `process-snapshot` import them without the publisher that calls AWS.

Names are derived, never stored: a dashboard's name comes from the stack's prefix and the
resource's name, its canary's name from a digest of the dashboard's name. So the list widgets
find what exists with one paginated `ListDashboards` call, and clean-up finds it by prefix.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .config import IOT_SITEWISE, LOOKOUT_FOR_EQUIPMENT
from .domain import Terms

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
_SCREENSHOT = re.compile(re.escape(SCREENSHOT_STEM) + r"\.([0-9a-z_-]{1,21})\.")
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
    #: A fleet's one dashboard and one alarm (a SiteWise model bound at asset-model level), beside its assets' own.
    FLEET = "Fleet"


@dataclass(frozen=True)
class DashboardTarget:
    """What a dashboard is about: a model, a scheduler or a fleet, by name; `title` when people read another
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
    """Model dashboards are photographed once; scheduler and fleet dashboards on the stack's schedule, or never."""
    if kind is DashboardKind.MODEL:
        return RUN_ONCE
    if snapshot_runs not in SNAPSHOT_SCHEDULES:
        raise ValueError(f"SNAPSHOT_RUNS must be one of {', '.join(SNAPSHOT_SCHEDULES)}, not {snapshot_runs!r}")
    return SNAPSHOT_SCHEDULES[snapshot_runs]


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


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
