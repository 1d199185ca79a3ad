"""The stack's clean-up custom resource: on stack deletion, remove what the widgets created.

Dashboards and canaries made at run time by the list widgets are not CloudFormation resources,
so the stack would leave them behind. On `Delete`, this removes this stack's canaries (found by
their stack tag, with their functions and log groups), the per-model and per-scheduler
dashboards of this stack's prefix whose widgets call this stack's functions, and the scheduler
alarms of its prefix; nothing else.
Snapshots already taken stay in the retained bucket.

CloudFormation waits for an answer, so one is sent in every case: deletion is never blocked (a
failure is reported as SUCCESS with its reason), and the work stops in time to answer before the
function's timeout.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from lookout_dashboards.aws import error_text
from lookout_dashboards.config import STACK_SETTINGS, require_settings
from lookout_dashboards.container import Container, current_container
from lookout_dashboards.dashboard_publisher import REMOVAL_MARGIN_SECONDS
from lookout_dashboards.events import seconds_left
from lookout_dashboards.logs import function_logger

logger = function_logger(__name__)
REQUIRED = ("RequestType", "ResponseURL", "StackId", "RequestId", "LogicalResourceId")
REQUEST_TYPES = frozenset({"Create", "Update", "Delete"})
#: Checked when a request arrives, not at init: a function that cannot start cannot answer.
REQUIRED_SETTINGS = STACK_SETTINGS


def from_cloudformation(event: Mapping[str, Any], region: str) -> bool:
    """Whether CloudFormation in this region sent the request: its answer goes to CloudFormation's pre-signed
    URL in the regional bucket `cloudformation-custom-resource-response-<region without dashes>`, and it
    names a stack of this region. Anything else (a forged Delete) is neither acted on nor answered."""
    url = urllib.parse.urlsplit(event["ResponseURL"])
    bucket = f"cloudformation-custom-resource-response-{region.replace('-', '')}"
    host = url.hostname or ""
    regional = host.startswith((f"{bucket}.s3.", f"{bucket}.s3-")) and host.endswith((".amazonaws.com", ".com.cn"))
    return url.scheme == "https" and regional and event["StackId"].startswith(f"arn:aws:cloudformation:{region}:")


def respond(url: str, body: Mapping[str, Any]) -> None:
    """PUT the result to CloudFormation's pre-signed URL (an https URL the request gave)."""
    if not url.startswith("https://"):
        raise ValueError("ResponseURL must be an https URL")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=json.dumps(body).encode(), method="PUT", headers={"Content-Type": ""}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - scheme checked above
        logger.info("CloudFormation answered %s", response.status)


def handle_request(
    request_type: str, functions: set[str], container: Callable[[], Container], time_left: Callable[[], float]
) -> tuple[str, str]:
    """(status, reason) for a custom resource request; only `Delete` does anything."""
    if request_type not in REQUEST_TYPES:
        return "FAILED", f"Unknown RequestType {request_type!r}"
    if request_type != "Delete":
        return "SUCCESS", "Nothing to do until the stack is deleted."
    require_settings(REQUIRED_SETTINGS)
    removal = container().publisher.remove_all(functions, time_left)
    container().alarms.remove_all(removal, time_left, REMOVAL_MARGIN_SECONDS)
    logger.info("removed %s", ", ".join(removal.removed) or "nothing")
    return "SUCCESS", removal.summary()


def physical_id(event: Mapping[str, Any]) -> str:
    """The id CloudFormation gave back, else `<stack name>-cleanup`: the same on every request, so
    an update never reads as a replacement (which would send a Delete)."""
    given = event.get("PhysicalResourceId")
    if isinstance(given, str) and given:
        return given
    parts = event["StackId"].split("/")
    return f"{parts[1] if len(parts) > 2 else event['LogicalResourceId']}-cleanup"


def lambda_handler(
    event: Mapping[str, Any], context: Any, send: Callable[[str, Mapping[str, Any]], None] = respond
) -> None:
    if not isinstance(event, Mapping) or any(not isinstance(event.get(key), str) for key in REQUIRED):
        logger.error("not a CloudFormation custom resource request: %r", event)
        return
    if not from_cloudformation(event, current_container().settings.region):
        logger.error("not a request of CloudFormation in this region, nothing done: %r", event)
        return
    request_type = event["RequestType"]
    properties = event.get("ResourceProperties") if isinstance(event.get("ResourceProperties"), Mapping) else {}
    raw_functions = properties.get("Functions")
    functions = {name for name in raw_functions if isinstance(name, str)} if isinstance(raw_functions, list) else set()
    status, reason = "FAILED", "The clean-up stopped before it could say why."
    try:
        status, reason = handle_request(request_type, functions, current_container, seconds_left(context))
    except Exception as error:
        logger.exception("clean-up failed")
        status = "SUCCESS" if request_type == "Delete" else "FAILED"
        reason = f"Clean-up incomplete ({error_text(error)}); remove this stack's dashboards and canaries by hand."
    finally:
        answer = {
            "Status": status,
            "Reason": reason[:1024],
            "PhysicalResourceId": physical_id(event),
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
        }
        try:
            send(event["ResponseURL"], answer)
        except Exception:
            logger.exception("could not answer CloudFormation: %s", answer)
