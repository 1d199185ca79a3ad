"""Clean deletion: the custom resource removes this stack's run-time dashboards and canaries only."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.widget_events import load_handler
from local.wire import refused
from lookout_dashboards.aws import make_client
from lookout_dashboards.container import reset_container
from lookout_dashboards.dashboards import canary_log_group_prefix
from tests.widget_calls import act

handler = load_handler("cleanup")
OUR_LIST_FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:list-models"
#: CloudFormation's pre-signed URL for a custom resource's answer, as a request in us-east-1 carries it.
RESPONSE_URL = (
    "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/"
    "arn%3Aaws%3Acloudformation%3Aus-east-1%3A123456789012%3Astack/l4e-dashboards-demo/1%7CCleanup%7Crequest-1"
    "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=7200&X-Amz-Signature=0123abcd"
)
WIDGET_FUNCTIONS = ["list-models", "model-details", "model-anomalies", "list-schedulers", "scheduler-details"]


def request(kind: str) -> dict[str, Any]:
    return {
        "RequestType": kind,
        "ResponseURL": RESPONSE_URL,
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/l4e-dashboards-demo/1",
        "RequestId": "request-1",
        "LogicalResourceId": "Cleanup",
        "ResourceProperties": {"Functions": WIDGET_FUNCTIONS},
    }


class LambdaContext:
    def __init__(self, seconds_left: float) -> None:
        self.seconds_left = seconds_left

    def get_remaining_time_in_millis(self) -> int:
        return int(self.seconds_left * 1000)


def run(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Call the clean-up in a container of its own, as its function runs, and return its one answer."""
    reset_container()
    answers: list[dict[str, Any]] = []
    handler.lambda_handler(event, context, send=lambda url, body: answers.append({"url": url, **body}))
    assert len(answers) == 1
    return answers[0]


def canary_ran(name: str) -> str:
    """The log group a canary's runs write to, as Synthetics names its function."""
    group = f"{canary_log_group_prefix(name)}0c9f7f4e-5b6a-4c3d-9e8f-1a2b3c4d5e6f"
    make_client("logs").create_log_group(logGroupName=group)
    return group


def dashboards() -> list[str]:
    return sorted(entry["DashboardName"] for entry in make_client("cloudwatch").list_dashboards()["DashboardEntries"])


def canary_names() -> list[str]:
    return sorted(canary["Name"] for canary in make_client("synthetics").describe_canaries()["Canaries"])


def create(widget: str, key: str, value: str) -> None:
    """A click on the list's Create button."""
    act(widget, {"action": "create_dashboard", key: value})


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
    reset_container()
    assert len(synthetics.describe_canaries()["Canaries"]) == 3
    groups = {
        canary["Tags"]["l4e-dashboards:stack"] + canary["Name"]: canary_ran(canary["Name"])
        for canary in synthetics.describe_canaries()["Canaries"]
    }
    cloudwatch.put_dashboard(DashboardName="Lookout-for-Equipment-Model-hand-made", DashboardBody="[]")

    answer = run(request("Delete"))

    assert answer["Status"] == "SUCCESS" and answer["Reason"] == "Removed 4 dashboards, canaries and alarms."
    left_groups = [group["logGroupName"] for group in make_client("logs").describe_log_groups()["logGroups"]]
    assert left_groups == [group for owner, group in groups.items() if owner.startswith("another-stack")]
    left = sorted(entry["DashboardName"] for entry in cloudwatch.list_dashboards()["DashboardEntries"])
    assert left == [
        "Lookout-for-Equipment-Model-compressor-health",
        "Lookout-for-Equipment-Model-hand-made",
        "Lookout-for-Equipment-Models-demo",
    ]
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


@pytest.mark.parametrize(
    ("response_url", "stack_id"),
    [
        ("https://attacker.example/response", None),  # not CloudFormation's bucket
        ("https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/x?X-Amz-Signature=1", None),
        ("http://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x", None),
        ("https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com.attacker.example/x", None),
        (RESPONSE_URL, "arn:aws:cloudformation:eu-west-1:123456789012:stack/other/1"),  # another region's stack
    ],
)
def test_a_forged_delete_does_nothing_and_answers_nobody(demo: Any, response_url: str, stack_id: str | None) -> None:
    """Only CloudFormation's requests act: its answer URL is its pre-signed S3 URL in this region."""
    create("list-models", "model", demo.models["labeled"])
    forged = {**request("Delete"), "ResponseURL": response_url, **({"StackId": stack_id} if stack_id else {})}
    sent: list[Any] = []

    handler.lambda_handler(forged, None, send=lambda *args: sent.append(args))

    assert sent == []
    assert len(make_client("cloudwatch").list_dashboards()["DashboardEntries"]) == 1


def test_the_response_goes_only_to_https() -> None:
    with pytest.raises(ValueError, match="https"):
        handler.respond("file:///etc/passwd", {})


def test_one_item_that_fails_is_reported_and_the_rest_are_removed(demo: Any) -> None:
    create("list-models", "model", demo.models["labeled"])
    create("list-schedulers", "scheduler", demo.schedulers["live"])
    stuck = "Lookout-for-Equipment-Model-pump-station-labeled"

    with refused("cloudwatch", "GetDashboard", "Throttling", when=lambda params: params["DashboardName"] == stuck):
        answer = run(request("Delete"))

    assert answer["Status"] == "SUCCESS"
    assert answer["Reason"].startswith("Removed 3 dashboards, canaries and alarms. Could not remove dashboard " + stuck)
    assert "Throttling" in answer["Reason"] and dashboards() == [stuck] and canary_names() == []


@pytest.mark.parametrize(
    ("service", "operation", "code"),
    [("synthetics", "DescribeCanaries", "AccessDeniedException"), ("cloudwatch", "ListDashboards", "Throttling")],
)
def test_deletion_is_never_blocked_whatever_fails(demo: Any, service: str, operation: str, code: str) -> None:
    create("list-models", "model", demo.models["labeled"])

    with refused(service, operation, code):
        answer = run(request("Delete"))

    assert answer["Status"] == "SUCCESS" and code in answer["Reason"] and "by hand" in answer["Reason"]


def test_a_clean_up_short_of_time_answers_before_the_function_times_out(demo: Any) -> None:
    create("list-models", "model", demo.models["labeled"])

    answer = run(request("Delete"), LambdaContext(seconds_left=20))

    assert answer["Status"] == "SUCCESS" and "Out of time before dashboard" in answer["Reason"]
    assert len(dashboards()) == 1 and len(canary_names()) == 1


def test_an_answer_that_cannot_be_sent_is_logged(demo: Any, caplog: pytest.LogCaptureFixture) -> None:
    def unreachable(url: str, body: dict[str, Any]) -> None:
        raise OSError("network unreachable")

    handler.lambda_handler(request("Create"), None, send=unreachable)

    assert "could not answer CloudFormation" in caplog.text


def test_a_deployed_clean_up_without_its_settings_still_answers(demo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "l4e-1a2b3c4d-cleanup")
    monkeypatch.delenv("STACK_NAME", raising=False)

    answer = run(request("Delete"))

    assert answer["Status"] == "SUCCESS" and "STACK_NAME" in answer["Reason"]
