"""The stack's clean-up custom resource: on stack deletion, remove what the widgets created.

Dashboards and canaries made at run time by the list widgets are not CloudFormation resources,
so the stack would leave them behind. On `Delete`, this removes this stack's canaries (found by
their stack tag) and the per-model and per-scheduler dashboards whose widgets call this stack's
functions; nothing else. Snapshots already taken stay in the retained bucket.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from lookout_dashboards.config import load_settings
from lookout_dashboards.dashboards import DashboardPublisher
from lookout_dashboards.errors import WidgetError

logger = logging.getLogger()
logger.setLevel(logging.INFO)
REQUIRED = ("RequestType", "ResponseURL", "StackId", "RequestId", "LogicalResourceId")
REQUEST_TYPES = frozenset({"Create", "Update", "Delete"})


def respond(url: str, body: Mapping[str, Any]) -> None:
    """PUT the result to CloudFormation's pre-signed URL (an https URL the request gave)."""
    if not url.startswith("https://"):
        raise ValueError("ResponseURL must be an https URL")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=json.dumps(body).encode(), method="PUT", headers={"Content-Type": ""}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - scheme checked above
        logger.info("CloudFormation answered %s", response.status)


def handle_request(event: Mapping[str, Any], publisher: DashboardPublisher, functions: set[str]) -> tuple[str, str]:
    """(status, reason) for a custom resource request; deletion never fails the stack's deletion."""
    if event["RequestType"] not in REQUEST_TYPES:
        return "FAILED", f"Unknown RequestType {event['RequestType']!r}"
    if event["RequestType"] != "Delete":
        return "SUCCESS", "Nothing to do until the stack is deleted."
    try:
        removed = publisher.remove_all(functions)
    except WidgetError as error:
        logger.error("clean-up incomplete: %s", error)
        return "SUCCESS", f"Clean-up incomplete (remove the rest by hand): {error}"
    logger.info("removed %s", ", ".join(removed) or "nothing")
    return "SUCCESS", f"Removed {len(removed)} dashboards and canaries."


def lambda_handler(
    event: Mapping[str, Any], context: Any, send: Callable[[str, Mapping[str, Any]], None] = respond
) -> None:
    if not isinstance(event, Mapping) or any(not isinstance(event.get(key), str) for key in REQUIRED):
        logger.error("not a CloudFormation custom resource request: %r", event)
        return
    properties = event.get("ResourceProperties") if isinstance(event.get("ResourceProperties"), Mapping) else {}
    functions = {str(name) for name in properties.get("Functions", []) if isinstance(name, str)}
    settings = load_settings()
    status, reason = handle_request(event, DashboardPublisher.for_settings(settings), functions)
    send(
        event["ResponseURL"],
        {
            "Status": status,
            "Reason": reason,
            "PhysicalResourceId": event.get("PhysicalResourceId") or f"{settings.stack_name}-cleanup",
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
        },
    )
