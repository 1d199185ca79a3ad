"""Dashboard and canary names, schedules, endpoints and the model dashboard's layout."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from lookout_dashboards.dashboards import (
    DashboardKind,
    DashboardTarget,
    canary_name,
    dashboard_name,
    snapshot_schedule,
    widget_functions,
)
from lookout_dashboards.domain import Model, ModelStatus, TimeRange
from lookout_dashboards.model_widgets import model_dashboard_body
from lookout_dashboards.widget import function_endpoint

CLOUDWATCH_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
CANARY_NAME = re.compile(r"^[0-9a-z_-]{1,21}$")


def model(name: str) -> DashboardTarget:
    return DashboardTarget(DashboardKind.MODEL, name)


def test_a_valid_name_is_kept_readable() -> None:
    assert dashboard_name("Lookout-for-Equipment", model("pump_1")) == "Lookout-for-Equipment-Model-pump_1"


@pytest.mark.parametrize(
    ("first", "second"),
    [("pump.1", "pump 1"), ("pompe-é", "pompe-è"), ("a" * 300, "a" * 299 + "b")],
)
def test_invalid_names_are_made_valid_without_colliding(first: str, second: str) -> None:
    names = {
        dashboard_name("Lookout-for-Equipment", model(first)),
        dashboard_name("Lookout-for-Equipment", model(second)),
    }

    assert len(names) == 2
    assert all(CLOUDWATCH_NAME.match(name) for name in names)


def test_models_and_schedulers_of_one_name_get_different_dashboards_and_canaries() -> None:
    scheduler = DashboardTarget(DashboardKind.SCHEDULER, "pump")
    names = [dashboard_name("P", model("pump")), dashboard_name("P", scheduler)]

    assert names == ["P-Model-pump", "P-Scheduler-pump"]
    canaries = {canary_name("l4e-", model("pump"), names[0]), canary_name("l4e-", scheduler, names[1])}
    assert len(canaries) == 2


@pytest.mark.parametrize("resource", ["pump-station-labeled", "X" * 200, "___", "Pompe.Été"])
def test_canary_names_fit_synthetics_rules(resource: str) -> None:
    target = model(resource)
    name = canary_name("l4e-", target, dashboard_name("Lookout-for-Equipment", target))

    assert CANARY_NAME.match(name) and name.startswith("l4e-")


@pytest.mark.parametrize("resource", ["pump-station-labeled", "p", "X" * 200, "<img src=x>"])
def test_a_stack_s_canary_names_keep_its_prefix_and_fit_the_limit(resource: str) -> None:
    """A deployed stack's prefix (`l4e-<key>-`, 13 characters) leaves room for a digest only."""
    prefix = "l4e-1a2b3c4d-"
    first = canary_name(prefix, model(resource), dashboard_name("Lookout-for-Equipment-1a2b3c4d", model(resource)))
    second = canary_name(prefix, model(resource + "2"), dashboard_name("X", model(resource + "2")))

    assert CANARY_NAME.match(first) and first.startswith(prefix) and len(first) == 21
    assert first != second


@pytest.mark.parametrize(
    ("body", "functions"),
    [
        ('{"widgets": [{"properties": {"endpoint": "arn:aws:lambda:us-east-1:1:function:f"}}]}', {"f"}),
        ('{"widgets": [{"properties": {"endpoint": "arn:aws:lambda:us-east-1:1:function:f:live"}}]}', {"f"}),
        ('{"widgets": [{"properties": {"endpoint": "bare-name"}}]}', {"bare-name"}),
        ("[]", set()),
        ('{"widgets": [5, "x", {"properties": []}, {"properties": {"endpoint": 3}}]}', set()),
        ('{"widgets": {"a": 1}}', set()),
        ("not json", set()),
        ("null", set()),
    ],
)
def test_the_functions_a_dashboard_calls_whatever_its_body(body: str, functions: set[str]) -> None:
    assert widget_functions(body) == functions


def test_a_canary_prefix_too_long_for_the_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="leaves no room"):
        canary_name("a-very-long-prefix-", model("m"), "d")


def test_schedules() -> None:
    assert snapshot_schedule(DashboardKind.MODEL, "Weekly") == "rate(0 minute)"
    assert snapshot_schedule(DashboardKind.SCHEDULER, "Daily") == "cron(0 6 ? * MON-FRI *)"
    assert snapshot_schedule(DashboardKind.SCHEDULER, "Weekly") == "cron(0 6 ? * MON *)"
    assert snapshot_schedule(DashboardKind.SCHEDULER, "None") is None
    with pytest.raises(ValueError, match="SNAPSHOT_RUNS"):
        snapshot_schedule(DashboardKind.SCHEDULER, "Hourly")


def test_endpoints_are_lambda_arns() -> None:
    assert function_endpoint("f", "eu-west-1", "111") == "arn:aws:lambda:eu-west-1:111:function:f"
    assert function_endpoint("f", "cn-north-1", "111") == "arn:aws-cn:lambda:cn-north-1:111:function:f"
    arn = "arn:aws:lambda:us-east-1:222:function:g"
    assert function_endpoint(arn, "eu-west-1", "111") == arn


def test_the_model_dashboard_fills_the_grid_and_opens_on_the_evaluation_period() -> None:
    evaluation = TimeRange(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, 12, tzinfo=UTC))
    trained = Model("m", "d", ModelStatus.SUCCESS, None, evaluation_range=evaluation)

    body = model_dashboard_body(trained, lambda widget: f"arn:{widget}")

    assert body["start"] == "2026-01-01T00:00:00Z" and body["end"] == "2026-02-01T12:00:00Z"
    cells = set()
    for widget in body["widgets"]:
        assert widget["x"] + widget["width"] <= 24
        for x in range(widget["x"], widget["x"] + widget["width"]):
            for y in range(widget["y"], widget["y"] + widget["height"]):
                assert (x, y) not in cells, "widgets overlap"
                cells.add((x, y))
    legend = body["widgets"][-1]
    assert legend["properties"]["endpoint"] == "arn:model-importance-legend" and legend["x"] == 18


SITEWISE_ID = "c5a7ff29-1771-5c34-8f5c-b72ef510c5a0_41e08197-742b-548f-a316-c02f0ab41b8f"


@pytest.mark.parametrize(
    "title",
    ["<img src=x onerror=alert(1)> \"quoted\" 'single' & Ünïcødé Ωμέγα 泵站", "泵站", "x" * 400, "Pump 1 / ≥ 3 bar"],
)
def test_a_titled_dashboard_is_named_after_its_title_and_its_resource(title: str) -> None:
    """SiteWise names are free text: the name is a readable, valid rendering of the title plus the id's digest."""
    name = dashboard_name("IoT-SiteWise-Anomalies", DashboardTarget(DashboardKind.MODEL, SITEWISE_ID, title))
    other = dashboard_name(
        "IoT-SiteWise-Anomalies", DashboardTarget(DashboardKind.MODEL, SITEWISE_ID[:-1] + "9", title)
    )

    assert CLOUDWATCH_NAME.match(name) and CLOUDWATCH_NAME.match(other)
    assert name != other  # same title, another model: the digest keeps them apart
    assert name.startswith("IoT-SiteWise-Anomalies-Model-") and "--" not in name
    assert canary_name("l4e-1a2b3c4d-", DashboardTarget(DashboardKind.MODEL, SITEWISE_ID, title), name)


def test_a_titled_dashboard_is_found_again_by_its_resource_after_a_rename() -> None:
    from lookout_dashboards.config import load_settings
    from lookout_dashboards.dashboard_publisher import DashboardPublisher

    publisher = DashboardPublisher(None, None, None, load_settings({"DATA_SOURCE": "IoTSiteWise"}))
    before = DashboardTarget(DashboardKind.MODEL, SITEWISE_ID, "Pump fleet on Pump 1")
    created = publisher.dashboard_name(before, set())
    renamed = DashboardTarget(DashboardKind.MODEL, SITEWISE_ID, "Pumps (renamed) on Pump 1")
    unrelated = DashboardTarget(DashboardKind.MODEL, SITEWISE_ID[:-1] + "9", "Pump fleet on Pump 1")

    assert publisher.dashboard_name(renamed, {created, "IoT-SiteWise-Anomalies-Model-other"}) == created
    assert publisher.dashboard_name(unrelated, {created}) != created
