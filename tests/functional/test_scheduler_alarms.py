"""Alarms from the schedulers list: Alarm creates it on the right metric, the list shows its state,
Remove deletes it, and the stack's clean-up removes its alarms and nothing else."""

from __future__ import annotations

import json
from dataclasses import replace
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


FLEET = "Pump fleet anomalies"


def fleet_alarm_cell(page: WidgetPage, label: str = FLEET) -> str:
    return next(cells for cells in page.rows if cells and cells[0] == label)[-1]


def test_alarm_on_a_fleet_row_creates_one_query_alarm_for_all_its_assets(sitewise_demo: Any) -> None:
    model = sitewise_demo.models["pump-fleet"]
    button = render("list-schedulers", {}, 7).button("Alarm", FLEET)
    assert button.asks == {"action": "create_fleet_alarm", "scheduler": model}
    assert "at least 3 of 6 periods of 5 minutes hold an anomalous result" in (button.confirmation or "")
    assert "contributors are the assets in alarm" in (button.confirmation or "")

    page = click(button, "list-schedulers", 7)

    ((name, alarm),) = alarms().items()
    assert name.startswith("IoT-SiteWise-Anomalies-Alarm-Fleet-Pump-fleet-anomalies-")
    (query,) = [(item["Id"], item["Expression"], item["Period"], item["ReturnData"]) for item in alarm["Metrics"]]
    assert query == (
        "fleet",
        f'SELECT MAX(AnomalousPrediction) FROM SCHEMA("LookoutDashboards", Asset, Model, Scheduler, Stack) '  # noqa: S608 - the expected query
        f"WHERE Model = '{model}' AND Stack = '{DEMO_ENVIRONMENT['STACK_KEY']}' "
        "GROUP BY Asset ORDER BY MAX() DESC",
        300,
        True,
    )
    assert alarm.get("MetricName") is None and not alarm.get("Dimensions")  # the query, not one series
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1.0, "GreaterThanOrEqualToThreshold")
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"], alarm["TreatMissingData"]) == (6, 3, "notBreaching")
    assert alarm["AlarmActions"] == [TOPIC]
    assert page.button("Remove", FLEET).asks == {"action": "remove_fleet_alarm", "scheduler": model}


def test_a_fleet_alarm_shows_its_state_and_remove_deletes_it(sitewise_demo: Any) -> None:
    click(render("list-schedulers", {}, 7).button("Alarm", FLEET), "list-schedulers", 7)
    (name,) = alarms()
    make_client("cloudwatch").set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="2 of 40 assets")

    page = render("list-schedulers", {}, 7)
    assert fleet_alarm_cell(page).startswith("in alarm")
    assert (page.button("Remove", FLEET).confirmation or "") == f"Remove alarm {name}? Its history goes with it."

    after = click(page.button("Remove", FLEET), "list-schedulers", 7)

    assert alarms() == {} and after.button("Alarm", FLEET).asks["action"] == "create_fleet_alarm"  # type: ignore[index]


def test_an_unsigned_fleet_alarm_payload_does_nothing(sitewise_demo: Any) -> None:
    model = sitewise_demo.models["pump-fleet"]

    forged = render("list-schedulers", {"action": "create_fleet_alarm", "scheduler": model}, 7, widget_params={})

    assert alarms() == {} and forged.messages[0][0] == "error"
    assert "not asked for by a button of this list" in forged.messages[0][1]


def test_stack_deletion_removes_the_fleet_alarm_and_leaves_another_stack_s(sitewise_demo: Any) -> None:
    click(render("list-schedulers", {}, 7).button("Alarm", FLEET), "list-schedulers", 7)
    other = "IoT-SiteWise-Anomalies-9f8e7d6c-Alarm-Fleet-Pump-fleet-anomalies-0123456789ab"
    make_client("cloudwatch").put_metric_alarm(
        AlarmName=other,
        Metrics=[{"Id": "q", "Expression": "SELECT MAX(AnomalousPrediction) FROM LookoutDashboards", "Period": 300}],
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )

    answer = run(request("Delete"))

    assert answer["Status"] == "SUCCESS" and list(alarms()) == [other]


def test_a_hostile_fleet_name_is_escaped_and_its_alarm_named_within_cloudwatch_s_characters(sitewise_demo: Any) -> None:
    from markupsafe import escape

    from local.demo_sitewise import HOSTILE, add_fleet

    add_fleet(sitewise_demo, "hostile", 3, anomalous=1, stopped=0, name=HOSTILE)
    label = f"{HOSTILE} anomalies"
    page = render("list-schedulers", {}, 7)
    button = page.button("Alarm", label)
    assert f"Create an alarm on fleet {label}?" in (button.confirmation or "")
    assert HOSTILE not in page.markup and str(escape(HOSTILE)) in page.markup

    after = click(button, "list-schedulers", 7)

    ((name, alarm),) = alarms().items()
    assert name.startswith("IoT-SiteWise-Anomalies-Alarm-Fleet-img-src-x-onerror-alert-1-quoted-single-x-2-Unic")
    assert all(character.isascii() and (character.isalnum() or character in "-_") for character in name)
    assert f"'{sitewise_demo.fleets['hostile'].model_id}'" in alarm["Metrics"][0]["Expression"]
    assert fleet_alarm_cell(after, label).startswith("alarm OK") and after.button("Remove", label).asks == {
        "action": "remove_fleet_alarm",
        "scheduler": sitewise_demo.fleets["hostile"].model_id,
    }


@pytest.mark.parametrize(("periods", "anomalous", "kept"), [(6, 3, (6, 3)), (36, 40, (36, 36)), (50, 4, (36, 4))])
def test_a_fleet_alarm_s_periods_fit_the_3_hours_cloudwatch_evaluates_a_query_over(
    periods: int, anomalous: int, kept: tuple[int, int]
) -> None:
    from lookout_dashboards.alarms import fleet_periods

    assert fleet_periods(periods, anomalous) == kept and kept[0] * 300 <= 3 * 3600


def test_the_confirmation_says_when_the_periods_were_cut(aws_credentials: None) -> None:
    from lookout_dashboards.alarms import SchedulerAlarms
    from lookout_dashboards.config import load_settings

    settings = load_settings()
    cut = SchedulerAlarms(None, replace(settings, alarm_periods=48)).fleet_rule()

    assert "at least 3 of 36 periods of 5 minutes (cut from 48: CloudWatch evaluates a query alarm" in cut
    assert "cut from" not in SchedulerAlarms(None, settings).fleet_rule()


def test_a_fleet_query_takes_ids_only() -> None:
    from lookout_dashboards.alarms import fleet_query

    with pytest.raises(ValueError, match="not an id"):
        fleet_query("m' OR Stack = 'x", "1a2b3c4d")
