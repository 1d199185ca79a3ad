"""Alarms from the schedulers list: Alarm creates it on the right metric, the list shows its state,
Remove deletes it, and the stack's clean-up removes its alarms and nothing else."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from local.widget_events import load_handler
from lookout_dashboards.aws import make_client
from lookout_dashboards.config import DEMO_ENVIRONMENT
from lookout_dashboards.metrics import ANOMALOUS_PREDICTION, NAMESPACE
from tests.functional.test_cleanup import request, run
from tests.widget_calls import click, render
from tests.widget_page import WidgetPage

TOPIC = "arn:aws:sns:us-east-1:123456789012:l4e-dashboards-alarms"


def alarms() -> dict[str, Any]:
    return {item["AlarmName"]: item for item in make_client("cloudwatch").describe_alarms()["MetricAlarms"]}


def alarm_cell(page: WidgetPage, scheduler: str) -> str:
    return next(cells for cells in page.rows if len(cells) > 1 and cells[1] == scheduler)[-1]


def test_alarm_creates_the_alarm_on_the_schedulers_predictions(demo: Any) -> None:
    live = demo.schedulers["live"]
    button = render("list-schedulers", {}, 7).button("Alarm", live)
    assert "at least 3 of 6 periods hold an anomalous result" in (button.confirmation or "")

    page = click(button, "list-schedulers", 7)

    created = alarms()
    assert list(created) == [f"Lookout-for-Equipment-Alarm-Scheduler-{live}"]
    alarm = created[f"Lookout-for-Equipment-Alarm-Scheduler-{live}"]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == (NAMESPACE, ANOMALOUS_PREDICTION, "Maximum")
    assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]} == {
        "Stack": DEMO_ENVIRONMENT["STACK_KEY"],
        "Model": demo.fake.schedulers[live]["ModelName"],
        "Scheduler": live,
    }
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1.0, "GreaterThanOrEqualToThreshold")
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"], alarm["Period"]) == (6, 3, 300)
    assert alarm["AlarmActions"] == [TOPIC] and alarm["TreatMissingData"] == "notBreaching"
    assert "alarm" in alarm_cell(page, live) and page.button("Remove", live).asks == {
        "action": "remove_alarm",
        "scheduler": live,
    }


def test_the_list_shows_the_alarms_state_and_remove_deletes_it(demo: Any) -> None:
    live = demo.schedulers["live"]
    click(render("list-schedulers", {}, 7).button("Alarm", live), "list-schedulers", 7)
    name = f"Lookout-for-Equipment-Alarm-Scheduler-{live}"
    make_client("cloudwatch").set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="test")

    page = render("list-schedulers", {}, 7)
    assert alarm_cell(page, live).startswith("in alarm")
    assert "Remove alarm" in (page.button("Remove", live).confirmation or "")

    after = click(page.button("Remove", live), "list-schedulers", 7)

    assert alarms() == {} and after.button("Alarm", live).asks == {"action": "create_alarm", "scheduler": live}


def test_stack_deletion_removes_its_alarms_and_nothing_else(demo: Any) -> None:
    click(render("list-schedulers", {}, 7).button("Alarm", demo.schedulers["live"]), "list-schedulers", 7)
    other = "IoT-SiteWise-Anomalies-Alarm-Scheduler-someone-else"
    make_client("cloudwatch").put_metric_alarm(
        AlarmName=other,
        Namespace=NAMESPACE,
        MetricName=ANOMALOUS_PREDICTION,
        Statistic="Maximum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )

    answer = run(request("Delete"))

    assert answer["Status"] == "SUCCESS" and list(alarms()) == [other]


def test_sitewise_alarm_is_named_after_the_inference_and_dimensioned_by_asset(
    aws_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from local.demo_sitewise import sitewise_demo_account
    from tests.conftest import DEMO_NOW

    monkeypatch.setenv("DATA_SOURCE", "IoTSiteWise")
    with sitewise_demo_account(now=DEMO_NOW) as demo:
        handler = load_handler("list-schedulers")
        from datetime import timedelta

        from local.widget_events import widget_event

        def show(params: dict[str, Any]) -> WidgetPage:
            event = widget_event(params, start=DEMO_NOW - timedelta(days=7), end=DEMO_NOW, widget_params={})
            return WidgetPage(handler.lambda_handler(event, None))

        fleet = {"fleet": demo.models["pump-fleet"]}
        button = show(fleet).button("Alarm", "Pump fleet anomalies on Pump 1")
        page = show(button.payload or {})
        created = alarms()

    ((name, alarm),) = created.items()
    assert name.startswith("IoT-SiteWise-Anomalies-Alarm-Scheduler-Pump-fleet-anomalies-on-Pump-1-")
    dimensions = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
    assert dimensions["Model"] == demo.models["pump-fleet"] and dimensions["Asset"] == demo.assets["pump-1"]
    assert page.button("Remove", "Pump fleet anomalies on Pump 1").asks == {
        "action": "remove_alarm",
        "scheduler": f"{demo.models['pump-fleet']}_{demo.assets['pump-1']}",
        **{"fleet": demo.models["pump-fleet"], "page": 0, "filter": ""},  # drawn again on the fleet's page
    }


@pytest.mark.parametrize(
    ("frequency", "period"),
    [(None, 300), (timedelta(minutes=1), 300), (timedelta(minutes=15), 900), (timedelta(days=1), 3600)],
)
def test_the_alarm_period_follows_the_frequency_within_what_cloudwatch_evaluates(
    aws_credentials: None, frequency: timedelta | None, period: int
) -> None:
    from moto import mock_aws

    from lookout_dashboards.alarms import SchedulerAlarms
    from lookout_dashboards.config import load_settings
    from lookout_dashboards.dashboards import DashboardKind, DashboardTarget
    from lookout_dashboards.metrics import Series

    with mock_aws():
        alarms = SchedulerAlarms(make_client("cloudwatch"), load_settings())
        alarms.create(
            DashboardTarget(DashboardKind.SCHEDULER, "daily"), Series("m", "daily", stack="1a2b3c4d"), frequency
        )
        (alarm,) = make_client("cloudwatch").describe_alarms()["MetricAlarms"]

    assert alarm["Period"] == period and alarm["Period"] * alarm["EvaluationPeriods"] <= 86_400


def test_each_stack_s_alarm_and_metric_widgets_select_its_own_stack_s_metrics(
    demo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two stacks of the same source on one account: each watches and draws what it published."""
    from lookout_dashboards.container import reset_container

    live = demo.schedulers["live"]
    for key in ("1a2b3c4d", "9f8e7d6c"):
        monkeypatch.setenv("STACK_KEY", key)
        monkeypatch.setenv("DASHBOARD_PREFIX", f"Lookout-for-Equipment-{key}")
        reset_container()
        click(render("list-schedulers", {}, 7).button("Alarm", live), "list-schedulers", 7)
        click(render("list-schedulers", {}, 7).button("Create", live), "list-schedulers", 7)

    cloudwatch = make_client("cloudwatch")
    for key in ("1a2b3c4d", "9f8e7d6c"):
        alarm = alarms()[f"Lookout-for-Equipment-{key}-Alarm-Scheduler-{live}"]
        assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]}["Stack"] == key
        body = json.loads(
            cloudwatch.get_dashboard(DashboardName=f"Lookout-for-Equipment-{key}-Scheduler-{live}")["DashboardBody"]
        )
        metrics = [w["properties"]["metrics"][0] for w in body["widgets"] if w["type"] == "metric"]
        assert len(metrics) == 2 and all(metric[2:4] == ["Stack", key] for metric in metrics)
