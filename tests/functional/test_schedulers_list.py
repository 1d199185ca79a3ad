"""The schedulers list on the demo account: every page, Start and Stop, Create / View / Delete."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from local.demo import PLANT_BUCKET
from local.widget_events import load_handler, widget_event
from lookout_dashboards.aws import make_client
from lookout_dashboards.config import DEMO_ENVIRONMENT
from tests.conftest import DEMO_NOW
from tests.widget_calls import click, signed
from tests.widget_page import WidgetPage

handler = load_handler("list-schedulers")
PREFIX = "Lookout-for-Equipment-Scheduler-"


def render(params: dict[str, Any] | None = None, **context: Any) -> WidgetPage:
    event = widget_event(params or {}, start=DEMO_NOW - timedelta(days=7), end=DEMO_NOW, **context)
    return WidgetPage(handler.lambda_handler(event, None))


def row(page: WidgetPage, scheduler: str) -> list[str]:
    return next(cells for cells in page.rows if len(cells) > 1 and cells[1] == scheduler)


def test_every_scheduler_of_every_page_with_one_call_per_page(demo: Any) -> None:
    for number in range(4):
        demo.fake.add_scheduler(
            f"extra-{number}",
            demo.models["compressor"],
            status="STOPPED",
            created_at=DEMO_NOW,
            input_bucket=PLANT_BUCKET,
            input_prefix="in/",
            output_bucket=PLANT_BUCKET,
            output_prefix="out/",
        )
    calls = len(demo.fake.calls)

    page = render()

    listed = {cells[1] for cells in page.rows if len(cells) > 1}
    assert listed == set(demo.fake.schedulers) and len(listed) > demo.fake.page_size
    made = demo.fake.calls[calls:]
    assert made == ["ListInferenceSchedulers"] * 2
    assert page.captions == [f"{len(listed)} inference schedulers, 2 running"]
    live = row(page, demo.schedulers["live"])
    assert live[0] == demo.models["labeled"] and live[2:4] == ["running", "anomalous"]
    assert row(page, demo.schedulers["never_ran"])[3] == "no result yet"


def test_stop_then_start_change_the_state_in_the_service_and_the_table(demo: Any) -> None:
    name = demo.schedulers["live"]
    stop = render().button("Stop", name)
    assert "billed" in (stop.confirmation or "")

    stopped = click(stop, "list-schedulers", days=7)

    assert demo.fake.schedulers[name]["Status"] == "STOPPED"
    assert stopped.messages[0] == ("info", f"Inference scheduler {name} is stopping.")
    assert row(stopped, name)[2] == "stopped"
    start = stopped.button("Start", name)
    assert "billed for every hour" in (start.confirmation or "")

    started = click(start, "list-schedulers", days=7)

    assert demo.fake.schedulers[name]["Status"] == "RUNNING"
    assert started.messages[0][1].startswith(f"Inference scheduler {name} is starting.")
    assert row(started, name)[2] == "running"


def test_starting_a_running_scheduler_is_refused_with_the_reason(demo: Any) -> None:
    page = render(signed({"action": "start_scheduler", "scheduler": demo.schedulers["live"]}), widget_params={})

    assert page.messages[0][0] == "error" and "refused" in page.messages[0][1]


@pytest.mark.parametrize(
    ("runs", "expression"),
    [("Weekly", "cron(0 6 ? * MON *)"), ("Daily", "cron(0 6 ? * MON-FRI *)"), ("None", None)],
)
def test_create_view_delete_with_the_stack_schedule(
    demo: Any, monkeypatch: pytest.MonkeyPatch, runs: str, expression: str | None
) -> None:
    monkeypatch.setenv("SNAPSHOT_RUNS", runs)
    name = demo.schedulers["hourly"]
    cloudwatch, synthetics = make_client("cloudwatch"), make_client("synthetics")

    created = click(render().button("Create", name), "list-schedulers", days=7)

    dashboard = PREFIX + name
    assert created.button("View", name).href == f"#dashboards:name={dashboard}"
    assert created.button("Create", name).disabled
    body = json.loads(cloudwatch.get_dashboard(DashboardName=dashboard)["DashboardBody"])
    custom = [w for w in body["widgets"] if w["type"] == "custom"]
    assert [w["properties"]["endpoint"].rsplit(":", 1)[1] for w in custom] == [
        "scheduler-details",
        "scheduler-last-diagnostics",
        "scheduler-anomalies",
    ]
    assert all(w["properties"]["params"] == {"scheduler": name} for w in custom)
    metrics = [w["properties"] for w in body["widgets"] if w["type"] == "metric"]
    model = demo.fake.schedulers[name]["ModelName"]
    assert [m["metrics"] for m in metrics] == [
        [["LookoutDashboards", metric, "Stack", DEMO_ENVIRONMENT["STACK_KEY"], "Model", model, "Scheduler", name]]
        for metric in ("AnomalyScore", "AnomalousPrediction")
    ]
    assert {m["region"] for m in metrics} == {"us-east-1"}
    canaries = synthetics.describe_canaries()["Canaries"]
    if expression is None:
        assert canaries == [] and "snapshots are turned off" in created.messages[0][1]
    else:
        assert [c["Schedule"]["Expression"] for c in canaries] == [expression]

    deleted = click(created.button("Delete", name), "list-schedulers", days=7)

    assert deleted.button("View", name).disabled
    assert cloudwatch.list_dashboards()["DashboardEntries"] == []
    assert synthetics.describe_canaries()["Canaries"] == []


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"action": "delete_everything", "scheduler": "pump-station-live"}, "`action` must be one of"),
        ({"action": ["create_dashboard"], "scheduler": "pump-station-live"}, "`action` must be one of"),
        ({"action": {"create_dashboard": 1}, "scheduler": "pump-station-live"}, "`action` must be one of"),
        ({"action": "stop_scheduler", "scheduler": "<img src=x onerror=alert(1)>"}, "`scheduler` must be a"),
        ({"action": "stop_scheduler", "scheduler": "ghost"}, "Not found: inference scheduler ghost."),
    ],
)
def test_refused_payloads_explain_themselves_and_keep_the_table(
    demo: Any, payload: dict[str, Any], expected: str
) -> None:
    page = render(signed(payload), widget_params={})  # a click on a button drawn with that payload

    assert page.messages[0][0] == "error" and expected in page.messages[0][1]
    assert len([cells for cells in page.rows if len(cells) > 1]) == len(demo.fake.schedulers)
    assert "img" not in page.tags
