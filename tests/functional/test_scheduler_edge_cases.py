"""Scheduler widgets on accounts changed for the occasion: failures, missing objects, hostile names."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from local.demo import PLANT_BUCKET
from local.widget_events import load_handler, widget_event
from lookout_dashboards.aws import make_client
from lookout_dashboards.sources import default_source
from tests.conftest import DEMO_NOW
from tests.widget_page import WidgetPage

HOSTILE = "<img src=x onerror=alert(1)>"


def render(widget: str, scheduler: str) -> WidgetPage:
    event = widget_event({"scheduler": scheduler}, start=DEMO_NOW - timedelta(days=1), end=DEMO_NOW)
    return WidgetPage(load_handler(widget).lambda_handler(event, None))


def add_scheduler(demo: Any, name: str, **overrides: Any) -> None:
    settings = {
        "status": "RUNNING",
        "created_at": DEMO_NOW - timedelta(days=2),
        "input_bucket": PLANT_BUCKET,
        "input_prefix": "in/",
        "output_bucket": PLANT_BUCKET,
        "output_prefix": "out/",
    }
    demo.fake.add_scheduler(name, demo.models["compressor"], **(settings | overrides))


def test_strings_from_the_service_are_escaped(demo: Any) -> None:
    add_scheduler(demo, "hostile", input_prefix=f"{HOSTILE}/", output_prefix=f"{HOSTILE}/", delimiter="<b>")

    page = render("scheduler-details", "hostile")

    cells = dict(cells for cells in page.rows if len(cells) == 2)
    assert cells["Input"] == f"s3://{PLANT_BUCKET}/{HOSTILE}/"
    assert cells["File format"] == "<component><b>yyyyMMddHHmmss.csv"
    assert "img" not in page.tags and "b" in page.tags  # <b> only from our own facts list
    assert HOSTILE not in page.markup


def test_a_last_success_older_than_the_last_run_is_highlighted(demo: Any) -> None:
    name = demo.schedulers["live"]
    demo.fake.add_execution(
        name,
        scheduled_start=DEMO_NOW,
        data_start=DEMO_NOW - timedelta(minutes=6),
        data_end=DEMO_NOW - timedelta(minutes=1),
        status="FAILED",
        failed_reason="Access denied to the input bucket.",
    )

    page = render("scheduler-details", name)

    executions = dict(cells for cells in page.rows if len(cells) == 2)["Executions"]
    assert "Last execution: 2026-11-02 08:00:00 (failed)" in executions
    assert "Last failure: 2026-11-02 08:00:00 (failed): Access denied to the input bucket." in executions
    assert '<li class="l4e-highlight">Last success:' in page.markup


def test_a_scheduler_that_only_failed_says_why(demo: Any) -> None:
    add_scheduler(demo, "always-failing")
    for minutes in (20, 10):
        demo.fake.add_execution(
            "always-failing",
            scheduled_start=DEMO_NOW - timedelta(minutes=minutes),
            data_start=DEMO_NOW - timedelta(minutes=minutes + 5),
            data_end=DEMO_NOW - timedelta(minutes=minutes),
            status="FAILED",
            failed_reason=f"No input file {minutes}.",
        )

    for widget in ("scheduler-last-diagnostics", "scheduler-anomalies"):
        page = render(widget, "always-failing")
        assert page.messages[0] == (
            "info",
            "Inference scheduler always-failing has run only in failure; the latest failure: No input file 10.",
        )


def test_missing_newest_results_fall_back_to_the_events(demo: Any) -> None:
    name = demo.schedulers["live"]
    newest = list(default_source().iter_executions(name, status=None))[:3]
    s3 = make_client("s3")
    for run in newest:
        if run.result_object:
            s3.delete_object(Bucket=run.result_object.bucket, Key=run.result_object.key)
    handler = load_handler("scheduler-last-diagnostics")
    event = widget_event({"scheduler": name}, start=DEMO_NOW - timedelta(days=1), end=DEMO_NOW)

    page = WidgetPage(
        handler.serve_widget(
            event,
            documentation="",
            render=lambda parsed: handler.render_last_diagnostics(parsed, default_source(), DEMO_NOW),
        )
    )

    assert page.footnotes[0].startswith("Most recent anomaly in the event from 2026-11-02")
    assert (
        "2 result objects are missing (first: s3://l4e-demo-plant/inference/pump-station-live/output/"
        in page.footnotes[0]
    )


def test_a_warm_function_counts_only_the_new_runs(demo: Any) -> None:
    name = demo.schedulers["live"]
    first = render("scheduler-details", name)
    calls = len(demo.fake.calls)
    for minutes in (5, 10):
        demo.fake.add_execution(
            name,
            scheduled_start=DEMO_NOW + timedelta(minutes=minutes),
            data_start=DEMO_NOW + timedelta(minutes=minutes - 6),
            data_end=DEMO_NOW + timedelta(minutes=minutes - 1),
            status="FAILED",
            failed_reason="late",
        )

    second = render("scheduler-details", name)

    def executed(page: WidgetPage) -> str:
        return dict(cells for cells in page.rows if len(cells) == 2)["Executions"].split(" Last")[0]

    assert executed(first) == "Executed: 144 times"
    assert executed(second) == "Executed: 146 times"
    assert demo.fake.calls[calls:].count("ListInferenceExecutions") == 3  # newest page, last success, last failure


def test_a_long_history_is_counted_up_to_a_limit(demo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load_handler("scheduler-details"), "COUNT_LIMIT", 100)

    page = render("scheduler-details", demo.schedulers["live"])

    assert "Executed: more than 100 times" in dict(cells for cells in page.rows if len(cells) == 2)["Executions"]
