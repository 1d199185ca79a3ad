"""The models list on the demo account: every page, the time range, and Create / View / Delete."""

from __future__ import annotations

import json
import math
from datetime import timedelta
from typing import Any

import pytest

from local.widget_events import load_handler, widget_event
from lookout_dashboards.aws import make_client
from lookout_dashboards.dashboards import RUN_ONCE, TAG_DASHBOARD, TAG_STACK
from tests.conftest import DEMO_NOW
from tests.widget_calls import click, signed
from tests.widget_page import WidgetPage

handler = load_handler("list-models")
MODEL_DASHBOARD_PREFIX = "Lookout-for-Equipment-Model-"


def render(params: dict[str, Any] | None = None, days: int = 90, **context: Any) -> WidgetPage:
    event = widget_event(params or {}, start=DEMO_NOW - timedelta(days=days), end=DEMO_NOW, **context)
    return WidgetPage(handler.lambda_handler(event, None))


def created_within(demo: Any, days: int) -> set[str]:
    start = DEMO_NOW - timedelta(days=days)
    return {name for name, model in demo.fake.models.items() if start <= model["CreatedAt"] <= DEMO_NOW}


def test_every_model_of_every_page_is_listed_with_one_call_per_page(demo: Any) -> None:
    page = render()

    listed = {row[1] for row in page.rows if row}
    assert listed == created_within(demo, 90)
    assert demo.models["old"] not in listed
    assert len(demo.fake.models) > demo.fake.page_size
    assert demo.fake.calls.count("ListModels") == math.ceil(len(demo.fake.models) / demo.fake.page_size)
    assert "DescribeModel" not in demo.fake.calls
    assert page.captions == [f"{len(listed)} models created between 2026-08-04 08:00 and 2026-11-02 08:00 UTC"]


def test_the_time_range_filters_models_by_creation_time(demo: Any) -> None:
    page = render(days=12)

    listed = {row[1] for row in page.rows if row}
    assert listed == created_within(demo, 12)
    assert demo.models["training"] in listed
    assert demo.models["failed"] not in listed


def test_a_period_without_models_says_so(demo: Any) -> None:
    event = widget_event({}, start=DEMO_NOW - timedelta(days=900), end=DEMO_NOW - timedelta(days=800))
    page = WidgetPage(handler.lambda_handler(event, None))

    assert page.rows == []
    assert page.messages[0][1].startswith("No model was created between")


def test_each_dataset_is_named_once_per_group_and_rows_say_why_there_is_no_action(demo: Any) -> None:
    rows = [row for row in render().rows if row]

    datasets = [row[0] for row in rows if row[0]]
    assert datasets == sorted(set(datasets)) == ["compressor", "pump-station"]
    by_model = {row[1]: row for row in rows}
    assert by_model[demo.models["failed"]][2:] == ["failed", "Training failed: no results to show."]
    assert by_model[demo.models["training"]][2:] == ["training", "Training in progress."]


def test_create_then_view_then_delete_through_the_returned_payloads(demo: Any) -> None:
    model = demo.models["labeled"]
    cloudwatch, synthetics = make_client("cloudwatch"), make_client("synthetics")
    bystander = "someone-else"
    synthetics.create_canary(
        Name=bystander,
        Code={"S3Bucket": "b", "S3Key": "k", "Handler": "h.handler"},
        ArtifactS3Location="s3://b/x",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
        Schedule={"Expression": "rate(1 hour)"},
        RuntimeVersion="syn-python-selenium-12.0",
    )
    before = render()
    assert before.button("View", model).disabled
    assert before.button("Create", model).asks == {"action": "create_dashboard", "model": model}

    after_create = click(before.button("Create", model), "list-models")

    dashboard = MODEL_DASHBOARD_PREFIX + model
    assert after_create.messages[0][0] == "info" and dashboard in after_create.messages[0][1]
    assert after_create.button("Create", model).disabled
    view = after_create.button("View", model)
    assert not view.disabled and view.href == f"#dashboards:name={dashboard}"
    body = json.loads(cloudwatch.get_dashboard(DashboardName=dashboard)["DashboardBody"])
    endpoints = [widget["properties"]["endpoint"].rsplit(":", 1)[1] for widget in body["widgets"]]
    assert endpoints == [
        "model-details",
        "model-anomalies",
        "model-signal-importance",
        "model-importance-evolution",
        "model-importance-legend",
    ]
    assert all(widget["properties"]["params"] == {"model": model} for widget in body["widgets"])
    assert body["start"].endswith("Z") and body["end"].endswith("Z")
    canaries = {c["Name"]: c for c in synthetics.describe_canaries()["Canaries"]}
    ours = [name for name in canaries if name.startswith("l4e-")]
    assert len(ours) == 1 and len(ours[0]) <= 21
    canary = synthetics.get_canary(Name=ours[0])["Canary"]
    assert canary["Schedule"]["Expression"] == RUN_ONCE
    assert canary["Status"]["State"] == "RUNNING"
    assert canary["ArtifactS3Location"] == f"s3://l4e-dashboards-demo/snapshots/{dashboard}/"
    from moto.synthetics.models import synthetics_backends

    run = (
        synthetics_backends["123456789012"]["us-east-1"].canaries[ours[0]].run_config
    )  # GetCanary omits the environment
    environment = run["EnvironmentVariables"]
    assert environment["CANARY_NAME"] == ours[0] and environment["DASHBOARD_NAME"] == dashboard
    assert int(environment["RUN_TIMEOUT_SECONDS"]) == run["TimeoutInSeconds"]  # the script's budget is the run's
    tags = synthetics.list_tags_for_resource(ResourceArn=canary_arn(ours[0]))["Tags"]
    assert tags[TAG_DASHBOARD] == dashboard and tags["l4e-dashboards:model"] == model and TAG_STACK in tags

    delete = after_create.button("Delete", model)
    assert "Delete dashboard" in (delete.confirmation or "")
    after_delete = click(delete, "list-models")

    assert after_delete.messages[0][0] == "info"
    assert not after_delete.button("Create", model).disabled
    assert after_delete.button("View", model).disabled
    assert cloudwatch.list_dashboards()["DashboardEntries"] == []
    assert [c["Name"] for c in synthetics.describe_canaries()["Canaries"]] == [bystander]


def canary_arn(name: str) -> str:
    return f"arn:aws:synthetics:us-east-1:123456789012:canary:{name}"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"action": "create_dashboard", "model": "pump-station-failed"}, "did not train"),
        ({"action": "create_dashboard", "model": "pump-station-training"}, "still training"),
        ({"action": "create_dashboard", "model": "no-such-model"}, "Not found: model no-such-model"),
        ({"action": "drop_tables", "model": "pump-station-labeled"}, "`action` must be one of"),
        ({"action": ["create_dashboard"], "model": "pump-station-labeled"}, "`action` must be one of"),
        ({"action": {"create_dashboard": 1}, "model": "pump-station-labeled"}, "`action` must be one of"),
        ({"action": "create_dashboard", "model": "../../etc/passwd"}, "`model` must be a model name"),
        ({"action": "create_dashboard"}, "needs a `model` parameter"),
    ],
)
def test_refused_actions_explain_themselves_and_keep_the_table(
    demo: Any, payload: dict[str, Any], expected: str
) -> None:
    page = render(signed(payload), widget_params={})  # a click on a button drawn with that payload

    assert page.messages[0][0] in ("error", "info")
    assert expected in page.messages[0][1]
    assert len([row for row in page.rows if row]) == len(created_within(demo, 90))
    assert make_client("cloudwatch").list_dashboards()["DashboardEntries"] == []


def test_names_from_the_service_are_escaped(demo: Any) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    created = DEMO_NOW - timedelta(days=1)
    demo.fake.add_dataset(hostile, {"c": ["s"]}, bucket="b", prefix="p/", created_at=created)
    demo.fake.add_model("pump-station-hostile", hostile, created_at=created, status="FAILED")

    page = render()

    assert "img" not in page.tags
    assert hostile in [row[0] for row in page.rows if row]
