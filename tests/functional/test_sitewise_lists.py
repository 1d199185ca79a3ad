"""Both list widgets on the IoT SiteWise demo: every page, Create / View / Delete, Start and Stop, hostile names."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest
from markupsafe import escape

from local.demo_sitewise import HOSTILE
from lookout_dashboards import expiring
from lookout_dashboards.aws import make_client
from lookout_dashboards.config import DEMO_ENVIRONMENT
from lookout_dashboards.dashboards import DashboardKind, DashboardTarget, dashboard_name
from lookout_dashboards.model_widgets import MODEL_DASHBOARD_LAYOUT
from lookout_dashboards.scheduler_widgets import SCHEDULER_DASHBOARD_LAYOUT
from lookout_dashboards.sources.sitewise_gateway import LISTING_TTL_S
from tests.sitewise_models import add_model
from tests.widget_calls import act, click, render
from tests.widget_page import WidgetPage

#: The calls that read a fleet, each once whatever its number of assets (a page of 250 assets each).
FLEET_CALLS = ("ListAssets", "ListComputationModelResolveToResources", "BatchGetAssetPropertyValue")
PUMP_1 = "Pump fleet anomalies on Pump 1"
PUMP_2 = "Pump fleet anomalies on Pump 2"
DASHBOARD_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
CANARY_NAME = re.compile(r"^[0-9a-z_-]{1,21}$")


def listed(page: WidgetPage) -> list[str]:
    """The model column of each row, models list and schedulers list alike."""
    column = 1 if "list-models" in (page.buttons[0].endpoint or "") else 0
    return [cells[column] for cells in page.rows if len(cells) > 1]


def row(page: WidgetPage, model: str) -> list[str]:
    return next(cells for cells in page.rows if model in cells)


def fleet(demo: Any) -> dict[str, Any]:
    """The params of the pump fleet's first page, as its Assets button asks."""
    return {"fleet": demo.models["pump-fleet"], "page": 0}


def payloads(demo: Any) -> list[str]:
    return [action["actionPayload"]["stringValue"] for action in demo.fake.actions.values()]


def test_every_model_of_every_page_is_listed_and_calls_grow_with_pages_not_rows(sitewise_demo: Any) -> None:
    demo = sitewise_demo
    extra = [f"Extra model {number}" for number in range(6)]
    for name in extra:
        add_model(demo, name)
    models = len(demo.fake.computation_models)
    before = len(demo.fake.calls)

    page = render("list-models", {})

    made = demo.fake.calls[before:]
    rows = listed(page)
    # the model bound at asset-model level is one row, its fleet's
    assert sorted(rows) == sorted(
        [HOSTILE, "Pump fleet anomalies", "Fleet pump anomalies", "Pump 1 and compressor", *extra]
    )
    assert models > 2 * demo.fake.page_size
    assert made.count("ListComputationModels") == math.ceil(models / demo.fake.page_size) == 3
    assert made.count("DescribeComputationModel") == models  # one per model, not one per row
    # each fleet (3 pumps, 40 pumps): its asset model's assets and those actions ran on a list page at a time,
    # their latest results 16 a page, none per asset
    pages = [math.ceil(pumps / demo.fake.page_size) for pumps in (3, 40)]
    assert [made.count(call) for call in FLEET_CALLS] == [sum(pages), sum(pages), 1 + math.ceil(40 / 16)]
    assert made.count("ListExecutions") == len(rows) - 2  # a row's trainings: the documented cost of a row
    assert made.count("DescribeAsset") == 4  # the other rows' assets, once each though rows read in parallel
    assert page.captions[0].startswith(f"{len(rows)} models created between")
    assert row(page, "Pump fleet anomalies")[2].startswith("3 assets: 3 trained or training, ")
    assert row(page, "Fleet pump anomalies")[2].startswith("40 assets: 40 trained or training, ")


def test_every_inference_of_every_page_with_the_state_read_once_per_row(
    sitewise_demo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = sitewise_demo
    for number in range(6):
        add_model(demo, f"Extra model {number}", started=number % 2 == 0)
    before = len(demo.fake.calls)

    page = render("list-schedulers", {})

    made = demo.fake.calls[before:]
    rows = listed(page)
    assert len(rows) == 10 and {"Pump fleet anomalies", "Fleet pump anomalies"} <= set(rows)  # a fleet is one row
    assert page.captions == ["10 inferences, 5 running"]  # the fleets' assets are counted in their rows
    assert made.count("ListComputationModels") == 3
    # one state per row that is not a fleet: an empty state is how "never trained" reads
    assert made.count("DescribeComputationModelExecutionSummary") == len(rows) - 2
    assert made.count("ListExecutions") == 0  # the state says trained or not: no row lists its trainings
    # the rows' latest results, the 3-pump fleet's, and the 40-pump fleet's (16 a page)
    assert made.count("BatchGetAssetPropertyValue") == 1 + 1 + math.ceil(40 / 16)
    assert made.count("ListActions") == 3  # only stopped rows: can Start re-send their settings?
    again = len(demo.fake.calls)
    later = expiring.clock() + LISTING_TTL_S
    monkeypatch.setattr(expiring, "clock", lambda: later)  # a later render: the listings of this one are stale
    render("list-schedulers", {})
    warm = demo.fake.calls[again:]
    assert warm.count("ListActions") == 3  # a START may have been sent since: the stopped rows are listed again
    assert warm.count("DescribeAction") == 0  # but every action listed was described once, and kept
    assert row(page, "Extra model 0")[1:3] == ["running", "no result yet"]
    assert row(page, "Pump fleet anomalies")[2] == "none anomalous now"
    assert row(page, "Fleet pump anomalies")[2] == "3 anomalous now"
    assert page.button("Assets", "Pump fleet anomalies").payload == fleet(demo)  # a view: nothing to sign
    pumps = render("list-schedulers", fleet(demo))
    assert row(pumps, PUMP_1)[1:3] == ["running", "normal"]
    assert row(pumps, PUMP_2)[1] == "stopped"


def titled(kind: str, key: str, title: str) -> str:
    """The name a SiteWise dashboard gets: readable from its title, told apart by its key's digest."""
    return dashboard_name("IoT-SiteWise-Anomalies", DashboardTarget(DashboardKind(kind), key, title))


def test_models_list_create_view_delete_through_the_returned_payloads(sitewise_demo: Any) -> None:
    key = sitewise_demo.key("pump-fleet", "pump-1")
    cloudwatch, synthetics = make_client("cloudwatch"), make_client("synthetics")
    before = render("list-models", fleet(sitewise_demo))
    assert before.button("View", PUMP_1).disabled
    assert before.button("Create", PUMP_1).asks == {
        "action": "create_dashboard",
        "model": key,
        **fleet(sitewise_demo),
        "filter": "",
    }
    failed = row(render("list-models", {}), "Pump 1 and compressor")
    assert failed[2:] == ["failed", "Training failed: no results to show."]

    created = click(before.button("Create", PUMP_1), "list-models")

    dashboard = titled("Model", key, PUMP_1)
    assert dashboard.startswith("IoT-SiteWise-Anomalies-Model-Pump-fleet-anomalies-on-Pump-1-")
    assert created.messages[0][0] == "info" and dashboard in created.messages[0][1]
    assert created.button("Create", PUMP_1).disabled
    assert created.button("View", PUMP_1).href == f"#dashboards:name={dashboard}"
    body = json.loads(cloudwatch.get_dashboard(DashboardName=dashboard)["DashboardBody"])
    assert [w["properties"]["endpoint"].rsplit(":", 1)[1] for w in body["widgets"]] == [
        widget for widget, *_ in MODEL_DASHBOARD_LAYOUT
    ]
    assert all(w["properties"]["params"] == {"model": key} for w in body["widgets"])
    assert body["start"] == "2026-10-30T00:00:00Z"  # the evaluation period, from the training's payload
    assert len(synthetics.describe_canaries()["Canaries"]) == 1

    deleted = click(created.button("Delete", PUMP_1), "list-models")

    assert deleted.messages[0][0] == "info"
    assert deleted.button("View", PUMP_1).disabled and not deleted.button("Create", PUMP_1).disabled
    assert cloudwatch.list_dashboards()["DashboardEntries"] == []
    assert synthetics.describe_canaries()["Canaries"] == []


def test_schedulers_list_create_view_delete_through_the_returned_payloads(sitewise_demo: Any) -> None:
    key = sitewise_demo.key("pump-compressor")
    cloudwatch = make_client("cloudwatch")

    created = click(render("list-schedulers", {}).button("Create", "Pump 1 and compressor"), "list-schedulers")

    dashboard = titled("Scheduler", key, "Pump 1 and compressor")
    assert created.button("View", "Pump 1 and compressor").href == f"#dashboards:name={dashboard}"
    body = json.loads(cloudwatch.get_dashboard(DashboardName=dashboard)["DashboardBody"])
    custom = [w for w in body["widgets"] if w["type"] == "custom"]
    assert [w["properties"]["endpoint"].rsplit(":", 1)[1] for w in custom] == [
        widget for widget, *_ in SCHEDULER_DASHBOARD_LAYOUT
    ]
    assert all(w["properties"]["params"] == {"scheduler": key} for w in custom)
    metrics = [w["properties"]["metrics"][0] for w in body["widgets"] if w["type"] == "metric"]
    model_id = sitewise_demo.models["pump-compressor"]
    assert metrics == [
        ["LookoutDashboards", metric, "Stack", DEMO_ENVIRONMENT["STACK_KEY"], "Model", model_id, "Scheduler", key]
        for metric in ("AnomalyScore", "AnomalousPrediction")
    ]

    deleted = click(created.button("Delete", "Pump 1 and compressor"), "list-schedulers")

    assert deleted.button("View", "Pump 1 and compressor").disabled
    assert cloudwatch.list_dashboards()["DashboardEntries"] == []


def test_stop_then_start_change_the_timer_and_the_table_and_start_resends_the_last_start_without_its_version(
    sitewise_demo: Any,
) -> None:
    demo = sitewise_demo
    pair = (demo.models["pump-fleet"], demo.assets["pump-1"])
    (last_start,) = [
        action["actionPayload"]["stringValue"]
        for action in demo.fake.actions.values()
        if action.get("resolveTo") == {"assetId": pair[1]} and '"START"' in action["actionPayload"]["stringValue"]
    ]
    stop = render("list-schedulers", fleet(demo)).button("Stop", PUMP_1)
    assert "billed" in (stop.confirmation or "")
    actions = len(demo.fake.actions)

    stopped = click(stop, "list-schedulers")

    assert demo.fake.summaries[pair]["inferenceTimerActive"] == "FALSE"
    assert payloads(demo)[actions:] == ['{"inferenceMode":"STOP"}']
    assert row(stopped, PUMP_1)[1] == "stopped"
    assert stopped.messages[0] == ("info", f"Inference {PUMP_1} is stopping.")  # named as people read it
    start = stopped.button("Start", PUMP_1)
    assert "billed for every hour" in (start.confirmation or "")
    assert "every 5 min, 2 min delay, time zone Europe/Paris, operating window always" in (start.confirmation or "")
    assert "version SiteWise made active stays active" in (start.confirmation or "")

    started = click(start, "list-schedulers")

    assert demo.fake.summaries[pair]["inferenceTimerActive"] == "TRUE"
    resent = json.loads(last_start)
    assert resent.pop("targetModelVersion") == 1  # the first START named a version: Start never rolls back to it
    assert [json.loads(text) for text in payloads(demo)[actions + 1 :]] == [resent]
    assert started.messages[0][0] == "info" and started.messages[0][1].startswith(f"Inference {PUMP_1} is starting.")
    assert row(started, PUMP_1)[1] == "running"


def test_start_is_disabled_and_says_why_for_an_inference_never_started(sitewise_demo: Any) -> None:
    key = add_model(sitewise_demo, "Trained, never started")
    actions = len(sitewise_demo.fake.actions)

    page = render("list-schedulers", {})
    forced = act("list-schedulers", {"action": "start_scheduler", "scheduler": key})  # a button drawn before

    start = page.button("Start", "Trained, never started")
    assert start.disabled and start.payload is None
    assert start.why is not None and "was never started" in start.why
    assert page.messages[0] == ("info", f"Start is unavailable for 1 inference: {start.why}")
    assert not render("list-schedulers", fleet(sitewise_demo)).button("Start", PUMP_2).disabled  # started once
    assert forced.messages[0][0] == "error" and "was never started" in forced.messages[0][1]
    assert len(sitewise_demo.fake.actions) == actions


def test_hostile_names_are_escaped_in_rows_confirmations_and_payloads(sitewise_demo: Any) -> None:
    for widget in ("list-models", "list-schedulers"):
        page = render(widget, {})

        assert "<img" not in page.markup and "img" not in page.tags
        assert escape(HOSTILE) in page.markup
        assert HOSTILE in listed(page)
    stop = render("list-schedulers", {}).button("Stop", HOSTILE)
    assert stop.confirmation == f"Stop {HOSTILE}? It stops reading new data (and being billed) until started again."
    assert stop.asks == {"action": "stop_scheduler", "scheduler": sitewise_demo.key("hostile")}
    markup = render("list-schedulers", {}).markup
    assert f'confirmation="Stop {escape(HOSTILE)}?' in markup
    assert f">{escape(json.dumps(stop.payload, sort_keys=True, separators=(',', ':')))}</cwdb-action>" in markup


def test_dashboards_and_canaries_of_a_hostile_model_have_valid_distinct_names(sitewise_demo: Any) -> None:
    cloudwatch, synthetics = make_client("cloudwatch"), make_client("synthetics")

    click(render("list-models", {}).button("Create", HOSTILE), "list-models")
    click(render("list-models", fleet(sitewise_demo)).button("Create", PUMP_1), "list-models")
    click(render("list-schedulers", {}).button("Create", HOSTILE), "list-schedulers")

    dashboards = [entry["DashboardName"] for entry in cloudwatch.list_dashboards()["DashboardEntries"]]
    canaries = [canary["Name"] for canary in synthetics.describe_canaries()["Canaries"]]
    assert len(set(dashboards)) == len(dashboards) == 3 and all(DASHBOARD_NAME.match(n) for n in dashboards)
    assert len(set(canaries)) == len(canaries) == 3 and all(CANARY_NAME.match(n) for n in canaries)
    assert titled("Model", sitewise_demo.key("hostile"), HOSTILE) in dashboards
