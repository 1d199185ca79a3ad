"""Clean deletion: the custom resource removes this stack's run-time dashboards and canaries only."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from local.widget_events import load_handler, widget_event
from lookout_dashboards.aws import make_client
from lookout_dashboards.container import reset_container
from tests.conftest import DEMO_NOW

handler = load_handler("cleanup")
OUR_LIST_FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:list-models"
WIDGET_FUNCTIONS = ["list-models", "model-details", "model-anomalies", "list-schedulers", "scheduler-details"]


def request(kind: str) -> dict[str, Any]:
    return {
        "RequestType": kind,
        "ResponseURL": "https://cloudformation-custom-resource-response.example/response",
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/l4e-dashboards-demo/1",
        "RequestId": "request-1",
        "LogicalResourceId": "Cleanup",
        "ResourceProperties": {"Functions": WIDGET_FUNCTIONS},
    }


def run(event: dict[str, Any]) -> dict[str, Any]:
    answers: list[dict[str, Any]] = []
    handler.lambda_handler(event, None, send=lambda url, body: answers.append({"url": url, **body}))
    assert len(answers) == 1
    return answers[0]


def create(widget: str, key: str, value: str) -> None:
    event = widget_event({"action": "create_dashboard", key: value}, start=DEMO_NOW - timedelta(days=90), end=DEMO_NOW)
    load_handler(widget).lambda_handler(event, None)


def test_deletion_removes_what_the_widgets_created_and_nothing_else(demo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    create("list-models", "model", demo.models["labeled"])
    create("list-schedulers", "scheduler", demo.schedulers["live"])
    cloudwatch, synthetics = make_client("cloudwatch"), make_client("synthetics")
    list_body = {"widgets": [{"type": "custom", "properties": {"endpoint": OUR_LIST_FUNCTION}}]}
    cloudwatch.put_dashboard(DashboardName="Lookout-for-Equipment-Models-demo", DashboardBody=json.dumps(list_body))
    with monkeypatch.context() as another_stack:
        reset_container()  # another stack's function runs in a container of its own
        another_stack.setenv("STACK_NAME", "another-stack")
        for widget in ("details", "anomalies", "signal-importance", "importance-evolution", "importance-legend"):
            variable = f"MODEL_{widget.upper().replace('-', '_')}_FUNCTION"
            another_stack.setenv(variable, f"another-stack-model-{widget}")
        create("list-models", "model", demo.models["compressor"])
    assert len(synthetics.describe_canaries()["Canaries"]) == 3

    answer = run(request("Delete"))

    assert answer["Status"] == "SUCCESS" and answer["Reason"] == "Removed 4 dashboards and canaries."
    left = sorted(entry["DashboardName"] for entry in cloudwatch.list_dashboards()["DashboardEntries"])
    assert left == ["Lookout-for-Equipment-Model-compressor-health", "Lookout-for-Equipment-Models-demo"]
    canaries = synthetics.describe_canaries()["Canaries"]
    assert [c["Tags"]["l4e-dashboards:stack"] for c in canaries] == ["another-stack"]
    assert answer["PhysicalResourceId"] == "l4e-dashboards-demo-cleanup" and answer["RequestId"] == "request-1"


@pytest.mark.parametrize("kind", ["Create", "Update"])
def test_create_and_update_change_nothing(demo: Any, kind: str) -> None:
    create("list-models", "model", demo.models["labeled"])

    assert run(request(kind))["Status"] == "SUCCESS"
    assert len(make_client("cloudwatch").list_dashboards()["DashboardEntries"]) == 1


def test_unknown_requests_fail_and_malformed_ones_are_only_logged(demo: Any) -> None:
    assert run(request("Rename"))["Status"] == "FAILED"
    sent: list[Any] = []
    handler.lambda_handler({"RequestType": "Delete"}, None, send=lambda *args: sent.append(args))
    assert sent == []


def test_the_response_goes_only_to_https() -> None:
    with pytest.raises(ValueError, match="https"):
        handler.respond("file:///etc/passwd", {})
