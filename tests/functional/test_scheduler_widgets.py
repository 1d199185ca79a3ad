"""The scheduler dashboard's widgets on the demo account: details, last diagnostics, anomalies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3
import pytest

from local.widget_events import load_handler, widget_event
from lookout_dashboards.events import parse_widget_event
from lookout_dashboards.sources import default_source, lookout_inference
from lookout_dashboards.themes import THEMES
from tests.conftest import DEMO_NOW
from tests.widget_calls import render_at
from tests.widget_page import SVG, WidgetPage, fills, group, groups_starting, texts

WIDGETS = ["scheduler-details", "scheduler-last-diagnostics", "scheduler-anomalies"]


def render(widget: str, scheduler: str, days: float = 1, **context: Any) -> WidgetPage:
    return render_at(widget, {"scheduler": scheduler}, days, **context)


def facts(page: WidgetPage, name: str) -> str:
    cell = dict(cells for cells in page.rows if len(cells) == 2)[name]
    return cell


def test_details_of_a_five_minute_scheduler_with_a_delay(shared_demo: Any) -> None:
    page = render("scheduler-details", shared_demo.schedulers["live"])

    assert facts(page, "Input") == "s3://l4e-demo-plant/inference/pump-station-live/input/"
    assert facts(page, "File format") == "<component>_yyyyMMddHHmmss.csv"
    assert facts(page, "Schedule") == "every 5 min, 2 min delay, input time zone UTC"
    next_execution = facts(page, "Next execution")
    assert "Current time: 2026-11-02 08:00:00" in next_execution
    assert "Next wake-up: 2026-11-02 08:02:00" in next_execution
    assert "pump-1_20261102075500.csv" in next_execution and "motor_20261102075500.csv" in next_execution
    assert "between: 2026-11-02 07:55:00 and 2026-11-02 07:59:59" in next_execution
    executions = facts(page, "Executions")
    assert "Executed: 144 times" in executions
    assert "Last failure:" in executions and "No input file found" in executions


def test_details_of_an_hourly_scheduler_in_another_time_zone(shared_demo: Any) -> None:
    page = render("scheduler-details", shared_demo.schedulers["hourly"])

    next_execution = facts(page, "Next execution")
    assert "Next wake-up: 2026-11-02 09:00:00" in next_execution
    assert "pump-1-2026-11-02-10-00-00.csv" in next_execution
    assert "that is 2026-11-02 10:00:00 to 2026-11-02 10:59:59 in the input's UTC+02:00" in next_execution


def test_details_of_a_scheduler_that_never_ran(shared_demo: Any) -> None:
    page = render("scheduler-details", shared_demo.schedulers["never_ran"])

    assert facts(page, "Executions") == "Executed: never"
    assert "Next wake-up, once started: 2026-11-02 08:15:00" in facts(page, "Next execution")


def test_last_diagnostics_reads_little_whatever_the_history(shared_demo: Any) -> None:
    reads = []
    boto3._get_default_session().events.register("before-call.s3.GetObject", lambda **_: reads.append(1))
    calls = len(shared_demo.fake.calls)

    svg = render("scheduler-last-diagnostics", shared_demo.schedulers["live"]).svg()

    assert len(shared_demo.fake.calls) - calls <= 3 and len(reads) <= 2
    bars = groups_starting(svg, "importance-bar-")
    assert len(bars) == 15
    colors = [fills(bar) for bar in bars]
    assert colors[0] == {THEMES["light"].above} and colors[-1] == {THEMES["light"].below}
    group(svg, "uniform-share")
    assert "pump1-sensor-03" in texts(svg)


def test_last_diagnostics_footnote_says_when(shared_demo: Any) -> None:
    page = render("scheduler-last-diagnostics", shared_demo.schedulers["live"], timezone_offset=timedelta(hours=1))

    assert page.footnotes[0].startswith("Most recent anomaly at 2026-11-02 08:")
    assert "UTC+01:00; 1/N = 3.3% for 30 sensors." in page.footnotes[0]


def test_last_diagnostics_counts_malformed_lines_when_nothing_is_anomalous(shared_demo: Any) -> None:
    page = render("scheduler-last-diagnostics", shared_demo.schedulers["hourly"])

    assert page.messages[0][0] == "info"
    assert "found no anomaly" in page.messages[0][1] and "1 malformed result line skipped" in page.messages[0][1]


def test_anomalies_over_a_day(shared_demo: Any) -> None:
    page = render("scheduler-anomalies", shared_demo.schedulers["live"], days=1, theme="dark")
    svg = page.svg()

    for gid in ("anomaly-score", "prediction-ribbon", "event-ribbon", "daily-events", "daily-duration"):
        group(svg, gid)
    stack = [fills(path) for path in group(svg, "daily-importance").iter(f"{SVG}path")]
    assert [{color} for color, _ in page.legend] == stack[::-1]  # drawn from the top band down
    assert len(page.legend) == 9 and page.legend[0][1] == "pump1-sensor-03"
    assert page.legend[-1][0] == THEMES["dark"].others and page.legend[-1][1].endswith(" other sensors")
    assert fills(group(svg, "prediction-ribbon")) == {THEMES["dark"].above}
    assert page.footnotes[0].startswith("640 results from 128 runs;")


def test_anomalies_count_missing_objects_and_malformed_lines(shared_demo: Any) -> None:
    page = render("scheduler-anomalies", shared_demo.schedulers["hourly"])

    footnote = page.footnotes[0]
    assert "1 result object is missing (first: s3://l4e-demo-plant/inference/pump-station-hourly/output/" in footnote
    assert "1 malformed result line skipped." in footnote
    group(page.svg(), "anomaly-score")


def test_anomalies_say_when_the_bound_cuts_the_range(shared_demo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lookout_inference, "MAX_RESULT_FILES", 10)

    page = render("scheduler-anomalies", shared_demo.schedulers["live"])

    assert page.footnotes[0].startswith("50 results from 10 runs;")
    assert "Only the newest 10 runs are read per render: results before 2026-11-02 07:0" in page.footnotes[0]


@pytest.mark.parametrize(
    ("widget", "scheduler_key", "expected"),
    [
        ("scheduler-anomalies", "stopped", "has no successful run in this time range; its newest one read data up to"),
        ("scheduler-anomalies", "never_ran", "has not run yet."),
        ("scheduler-last-diagnostics", "never_ran", "has not run yet."),
    ],
)
def test_schedulers_without_results_are_explained(
    shared_demo: Any, widget: str, scheduler_key: str, expected: str
) -> None:
    page = render(widget, shared_demo.schedulers[scheduler_key])

    assert page.messages[0][0] == "info" and expected in page.messages[0][1]


@pytest.mark.parametrize("widget", WIDGETS)
@pytest.mark.parametrize(
    ("scheduler", "expected"),
    [("ghost", "Not found: inference scheduler ghost."), ("<img src=x onerror=alert(1)>", "`scheduler` must be")],
)
def test_unknown_or_invalid_schedulers_are_explained(
    shared_demo: Any, widget: str, scheduler: str, expected: str
) -> None:
    page = WidgetPage(
        load_handler(widget).lambda_handler(
            widget_event({"scheduler": scheduler}, start=DEMO_NOW - timedelta(days=1), end=DEMO_NOW), None
        )
    )

    assert page.messages[0][0] == "error" and expected in page.messages[0][1]
    assert "img" not in page.tags


def test_the_pure_function_matches_the_handler(shared_demo: Any) -> None:
    event = widget_event(
        {"scheduler": shared_demo.schedulers["never_ran"]}, start=DEMO_NOW - timedelta(days=1), end=DEMO_NOW
    )
    handler = load_handler("scheduler-anomalies")

    assert handler.lambda_handler(event, None) == handler.serve_widget(
        event,
        documentation=handler.DOCUMENTATION,
        render=lambda parsed: handler.render_scheduler_anomalies(parsed, default_source(), DEMO_NOW),
    )
    assert parse_widget_event(event).params == {"scheduler": shared_demo.schedulers["never_ran"]}
