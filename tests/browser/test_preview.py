"""End to end in headless Chromium: the preview server on the demo account, clicked like a user."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local.preview import chromium_page, wait_for_widgets

ROOT = Path(__file__).resolve().parents[2]
MODELS = "Lookout-for-Equipment-Models-demo"
SCHEDULERS = "Lookout-for-Equipment-Schedulers-demo"
SITEWISE_MODELS = "IoT-SiteWise-Anomalies-Models-demo"
SITEWISE_SCHEDULERS = "IoT-SiteWise-Anomalies-Schedulers-demo"


@pytest.fixture(scope="module")
def preview_url() -> Iterator[str]:
    """`invoke preview` in its own process (its moto and fake must not meet the tests' own)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "invoke", "preview", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if "http://127.0.0.1:" not in line:
            raise RuntimeError(f"the preview did not start: {line}")
        yield line.split()[2]
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def page() -> Iterator[Any]:
    with chromium_page(accept_dialogs=False) as browser_page:
        yield browser_page


def open_dashboard(page: Any, base: str, name: str) -> None:
    page.goto(base)
    page.click(f"text={name}")
    wait_for_widgets(page)


def accept_and_remember(page: Any) -> list[str]:
    messages: list[str] = []

    def accept(dialog: Any) -> None:
        messages.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    return messages


@dataclass(frozen=True)
class Walk:
    """What one source's demo shows a user who creates a model's dashboard, reads it and stops a scheduler."""

    models: str
    #: A model of the list still training (its row says so), if the demo has one.
    training: str | None
    model: str
    model_dashboard: str
    first_signal: str
    signal: str
    schedulers: str
    running: str
    #: In the confirmation that Stop asks for.
    stop_asks: str
    #: The fleet row whose Assets button shows the model's row, where the demo has one.
    fleet: str | None = None


WALKS = {
    "LookoutForEquipment": Walk(
        models=MODELS,
        training=None,
        model="pump-station-baseline",
        model_dashboard="**/dashboards/Lookout-for-Equipment-Model-pump-station-baseline",
        first_signal="pump-1\\pump1-sensor-03",
        signal="motor\\motor-sensor-07",
        schedulers=SCHEDULERS,
        running="pump-station-live",
        stop_asks="billed",
    ),
    "IoTSiteWise": Walk(
        models=SITEWISE_MODELS,
        training="Pump fleet anomalies on Pump 3",
        model="Pump fleet anomalies on Pump 1",
        model_dashboard="**/dashboards/IoT-SiteWise-Anomalies-Model-Pump-fleet-anomalies-on-Pump-1-*",
        first_signal="Pump 1\\bearing temperature",
        signal="Pump 1\\suction pressure",
        schedulers=SITEWISE_SCHEDULERS,
        running="Pump 1 and compressor",
        stop_asks="Stop Pump 1 and compressor?",
        fleet="Pump fleet anomalies",
    ),
}


def open_fleet(page: Any, fleet: str) -> None:
    """Show a fleet's first page of assets, as its row's Assets button does."""
    page.locator("tr", has_text=fleet).first.locator("a.btn", has_text="Assets").click()
    wait_for_widgets(page)
    assert "anomalous now first" in page.locator(".l4e-footnote, p, div", has_text="Page 1 of").first.text_content()


@pytest.mark.parametrize("source", list(WALKS))
def test_create_a_model_dashboard_pick_a_sensor_go_dark_then_stop_a_running_scheduler(
    preview_url: str, page: Any, source: str
) -> None:
    walk = WALKS[source]
    messages = accept_and_remember(page)
    open_dashboard(page, preview_url, walk.models)
    if walk.fleet is not None:
        open_fleet(page, walk.fleet)
    if walk.training is not None:
        assert "Training in progress" in page.locator("tr", has_text=walk.training).text_content()
    row = page.locator("tr", has_text=walk.model)
    assert row.locator("a.btn", has_text="View").get_attribute("disabled") is not None

    row.locator("a.btn", has_text="Create").click()
    wait_for_widgets(page)
    row = page.locator("tr", has_text=walk.model)
    assert row.locator("a.btn", has_text="Create").get_attribute("disabled") is not None
    row.locator("a.btn", has_text="View").click()
    page.wait_for_url(walk.model_dashboard)
    wait_for_widgets(page)

    assert walk.model in page.locator("section.widget", has_text="Model details").text_content()
    anomalies = page.locator("section.widget", has_text="Detected anomalies")
    assert anomalies.locator("svg #sensor-series").count() == 1
    assert anomalies.locator("svg #event-ribbon").count() == 1
    assert anomalies.locator("select[name=signal]").input_value() == walk.first_signal
    anomalies.locator("select[name=signal]").select_option(walk.signal)
    anomalies.locator("a.btn", has_text="Show").click()
    wait_for_widgets(page)
    assert walk.signal in anomalies.locator("svg").first.text_content()

    page.check("#dark")
    wait_for_widgets(page)
    assert "dark" in (page.locator("body").get_attribute("class") or "")
    assert "#2a2e33" in anomalies.locator("svg").first.inner_html()
    assert anomalies.locator("select[name=signal]").input_value() == walk.signal
    assert page.locator(".widget-error").count() == 0
    assert page.locator(".l4e-error").count() == 0

    open_dashboard(page, preview_url, walk.schedulers)
    row = page.locator("tr", has_text=walk.running)
    assert "running" in row.text_content()
    asked = len(messages)

    row.locator("a.btn", has_text="Stop").click()
    wait_for_widgets(page)

    assert len(messages) == asked + 1 and walk.stop_asks in messages[-1]
    row = page.locator("tr", has_text=walk.running)
    assert "stopped" in row.text_content()
    assert row.locator("a.btn", has_text="Start").count() == 1
    assert row.locator("a.btn", has_text="Start").get_attribute("disabled") is None


def test_sitewise_scheduler_dashboard_shows_metric_widgets_and_an_alarm_can_be_armed(
    preview_url: str, page: Any
) -> None:
    messages = accept_and_remember(page)
    open_dashboard(page, preview_url, SITEWISE_SCHEDULERS)
    open_fleet(page, "Pump fleet anomalies")
    row = page.locator("tr", has_text="Pump fleet anomalies on Pump 1")
    row.locator("a.btn", has_text="Alarm").click()
    wait_for_widgets(page)

    assert messages and "anomalous result" in messages[-1]
    row = page.locator("tr", has_text="Pump fleet anomalies on Pump 1")
    state = row.locator(".l4e-status").last.text_content()
    assert state in ("alarm OK", "in alarm", "alarm, no data yet")  # moto starts alarms at OK, CloudWatch without data
    assert row.locator("a.btn", has_text="Remove").count() == 1
    if row.locator("a.btn", has_text="Create").get_attribute("disabled") is None:
        row.locator("a.btn", has_text="Create").click()
        wait_for_widgets(page)
    page.locator("tr", has_text="Pump fleet anomalies on Pump 1").locator("a.btn", has_text="View").click()
    page.wait_for_url("**/dashboards/IoT-SiteWise-Anomalies-Scheduler-Pump-fleet-anomalies-on-Pump-1-*")
    wait_for_widgets(page)

    score = page.locator("section.widget", has_text="Anomaly score (CloudWatch metric)")
    assert score.locator("svg #metric-0").count() == 1
    assert re.search(r"[1-9][0-9,]* points at [0-9]*[05] min, from CloudWatch", score.text_content())
    assert page.locator(".widget-error").count() == 0


def test_a_fleet_arms_one_alarm_pages_forward_filters_and_opens_an_asset_s_dashboard(
    preview_url: str, page: Any
) -> None:
    messages = accept_and_remember(page)
    open_dashboard(page, preview_url, SITEWISE_SCHEDULERS)
    fleet = page.locator("tr", has_text="Fleet pump anomalies").first
    assert "40 assets" in fleet.text_content() and "anomalous now" in fleet.text_content()
    fleet.locator("a.btn", has_text="Alarm").click()
    wait_for_widgets(page)
    assert messages and "every asset of the fleet" in messages[-1]
    fleet = page.locator("tr", has_text="Fleet pump anomalies").first
    assert fleet.locator("a.btn", has_text="Remove").count() == 1
    fleet.locator("a.btn", has_text="Create").click()
    wait_for_widgets(page)
    page.locator("tr", has_text="Fleet pump anomalies").first.locator("a.btn", has_text="View").click()
    page.wait_for_url("**/dashboards/IoT-SiteWise-Anomalies-Fleet-Fleet-pump-anomalies-*")
    wait_for_widgets(page)
    heatmap = page.locator("section.widget").first
    assert heatmap.locator("svg").count() == 1 and "Pump F-0" in heatmap.text_content()
    assert page.locator(".widget-error").count() == 0
    open_dashboard(page, preview_url, SITEWISE_SCHEDULERS)
    open_fleet(page, "Fleet pump anomalies")
    first = [row.text_content() for row in page.locator("tbody tr").all()]
    assert "anomalous" in first[0] and "Page 1 of " in page.content()

    page.locator("a.btn", has_text="Next").click()
    wait_for_widgets(page)
    assert "Page 2 of " in page.content() and [row.text_content() for row in page.locator("tbody tr").all()] != first

    page.fill("input[name=filter]", "F-03")
    page.locator("a.btn", has_text="Filter").click()
    wait_for_widgets(page)
    rows = page.locator("tbody tr").all()
    assert rows and all("Pump F-03" in row.text_content() for row in rows)
    assert "match “F-03”" in page.content()

    row = page.locator("tr", has_text="Pump F-031")
    row.locator("a.btn", has_text="Create").click()
    wait_for_widgets(page)
    assert "match “F-03”" in page.content()  # the outcome is drawn on the same page
    page.locator("tr", has_text="Pump F-031").locator("a.btn", has_text="View").click()
    page.wait_for_url("**/dashboards/IoT-SiteWise-Anomalies-Scheduler-Fleet-pump-anomalies-on-Pump-F-031-*")
    wait_for_widgets(page)
    assert page.locator(".widget-error").count() == 0


def test_every_dashboard_renders_without_a_widget_in_error(preview_url: str, page: Any) -> None:
    accept_and_remember(page)
    page.goto(preview_url)
    names = page.locator("table.dashboards a").all_text_contents()
    assert {MODELS, SCHEDULERS, SITEWISE_MODELS, SITEWISE_SCHEDULERS} <= set(names)
    for name in names:
        open_dashboard(page, preview_url, name)
        assert page.locator("section.widget").count() >= 1
        assert page.locator(".widget-error").count() == 0, name
        assert page.locator(".l4e-error").count() == 0, name


def test_failures_reach_the_frame_as_errors(preview_url: str) -> None:
    """What the page shows in a widget's frame when its call fails, and a missing dashboard."""
    import json
    import urllib.error
    import urllib.request

    def post(payload: dict[str, Any]) -> tuple[int, str]:
        request = urllib.request.Request(  # noqa: S310 - the local preview
            f"{preview_url}api/call", data=json.dumps(payload).encode(), method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the local preview
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    status, text = post({"endpoint": "arn:aws:lambda:us-east-1:123456789012:function:no-such-widget", "params": {}})
    assert status == 400 and "No function behind endpoint" in text
    status, text = post({"endpoint": "arn:aws:lambda:us-east-1:123456789012:function:model-details", "params": {}})
    assert status == 200 and "needs a `model` parameter" in text
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{preview_url}dashboards/nothing-here", timeout=30)  # noqa: S310 - the local preview
    assert missing.value.code == 404
