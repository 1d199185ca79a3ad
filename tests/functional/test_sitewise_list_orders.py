"""Whatever order SiteWise lists in (it documents none), the widgets find the newest run, failure and START.

The issue's account: pump 3's inference ran every five minutes for 40 days (11,520 runs, pages of
250), was started every 10 minutes in UTC with version 1, then every 5 minutes, 2 minutes late, in
America/Chicago, and retrained since (version 2); its newest run failed. Every test runs with every
list the fake serves answering oldest first, newest first and unsorted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config

from local.demo_sitewise import FIRST_START, LAST_START, NEWEST_FAILURE, add_long_running_model
from local.fake_sitewise import ORDERS, ListOrder
from lookout_dashboards import expiring
from lookout_dashboards.aws import make_client
from lookout_dashboards.sources.iot_sitewise import SiteWiseSource
from lookout_dashboards.sources.sitewise_gateway import LISTING_TTL_S
from tests.conftest import DEMO_NOW, FAKE_CREDENTIALS
from tests.functional.test_metrics_publisher import published, run_publisher
from tests.widget_calls import click, render, render_at

LONG_RUNNING = "Pump 3 long-running inference"
PUMP_1 = "Pump fleet anomalies on Pump 1"
#: The issue's bound: a details render of 40 days of five-minute runs, in any order.
DETAILS_CALLS_COLD = 60
AWS_PAGE = 250


@pytest.fixture(scope="module", params=ORDERS, ids=str)
def ordered_demo(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The SiteWise demo with the long-running inference, every list answering in one order."""
    from local.demo_sitewise import sitewise_demo_account

    with pytest.MonkeyPatch.context() as patch:
        for variable, value in {**FAKE_CREDENTIALS, "DATA_SOURCE": "IoTSiteWise"}.items():
            patch.setenv(variable, value)
        with sitewise_demo_account(now=DEMO_NOW) as demo:
            add_long_running_model(demo)
            demo.fake.page_size = AWS_PAGE
            demo.fake.order_all(request.param)
            yield demo


def details(demo: Any) -> dict[str, str]:
    page = render_at("scheduler-details", {"scheduler": demo.models["long-running"]}, now=DEMO_NOW)
    assert not page.messages, page.messages
    return dict(cells for cells in page.rows if len(cells) == 2)


def test_details_show_the_newest_run_failure_and_start_within_the_call_bound(ordered_demo: Any) -> None:
    calls = len(ordered_demo.fake.calls)

    rows = details(ordered_demo)

    cold = ordered_demo.fake.calls[calls:]
    newest = DEMO_NOW - timedelta(minutes=5)
    assert f"Last execution: {newest:%Y-%m-%d %H:%M}:00 (failed)" in rows["Executions"]
    assert f"Last success: {newest - timedelta(minutes=5):%Y-%m-%d %H:%M}:00 (success)" in rows["Executions"]
    assert f"Last failure: {newest:%Y-%m-%d %H:%M}:00 (failed): {NEWEST_FAILURE}" in rows["Executions"]
    assert "Executed: more than 2,000 times" in rows["Executions"]
    started = rows["Last started with"]
    assert "every 5 min, 2 min delay" in started and "America/Chicago" in started and "monday 06:00-22:00" in started
    assert "every 10 min" not in started
    assert rows["Active model version"] == "not known"  # START asked for 1, but version 2 was trained since
    assert cold.count("ListExecutions") == 11_520 // AWS_PAGE + 1 + 1  # every inference page, one of trainings
    assert len(cold) <= DETAILS_CALLS_COLD, cold


def test_a_later_render_reads_the_listings_again_but_nothing_it_described(ordered_demo: Any) -> None:
    details(ordered_demo)
    later = expiring.clock() + LISTING_TTL_S
    calls = len(ordered_demo.fake.calls)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(expiring, "clock", lambda: later)
        rows = details(ordered_demo)

    warm = ordered_demo.fake.calls[calls:]
    assert NEWEST_FAILURE in rows["Executions"]
    assert {"DescribeAction", "DescribeExecution", "DescribeComputationModel", "DescribeAsset"}.isdisjoint(warm)
    assert len(warm) < DETAILS_CALLS_COLD - 5


def test_last_diagnostics_draw_the_newest_anomaly(ordered_demo: Any) -> None:
    page = render_at("scheduler-last-diagnostics", {"scheduler": ordered_demo.key("pump-fleet", "pump-1")})

    assert not page.messages and page.svg() is not None


def test_the_models_list_shows_each_model_s_newest_training(ordered_demo: Any) -> None:
    page = render("list-models", {})

    statuses = {cells[1]: cells[2] for cells in page.rows if len(cells) > 2}
    assert statuses[LONG_RUNNING] == "trained"
    assert statuses["Pump 1 and compressor"] == "failed"


def test_the_inference_list_offers_to_start_with_the_newest_start_settings(ordered_demo: Any) -> None:
    stop = render("list-schedulers", {}).button("Stop", LONG_RUNNING)
    fleet = render("list-schedulers", {"fleet": ordered_demo.models["pump-fleet"]})
    start = fleet.button("Start", "Pump fleet anomalies on Pump 2")
    assert stop.confirmation and "Stop" in stop.confirmation
    assert "every 5 min, 2 min delay, time zone Europe/Paris" in (start.confirmation or "")


def test_start_re_sends_the_newest_start_without_its_version_and_each_click_has_its_own_token(
    ordered_demo: Any,
) -> None:
    fake = ordered_demo.fake
    stop = render("list-schedulers", {}).button("Stop", LONG_RUNNING)
    stopped = click(stop, "list-schedulers")
    start = stopped.button("Start", LONG_RUNNING)
    assert "every 5 min, 2 min delay, time zone America/Chicago" in (start.confirmation or "")
    sent = len(fake.actions)

    click(start, "list-schedulers")

    (resent,) = [json.loads(action["actionPayload"]["stringValue"]) for action in list(fake.actions.values())[sent:]]
    assert resent == {key: value for key, value in LAST_START.items() if key != "targetModelVersion"}
    assert resent != FIRST_START
    tokens = fake.client_tokens[-2:]
    assert all(tokens) and tokens[0] != tokens[1]  # one per click


@pytest.mark.parametrize("order", ORDERS, ids=str)
def test_a_retried_stop_is_one_action(sitewise_demo: Any, order: ListOrder) -> None:
    """The SDK retries a throttled ExecuteAction with the same token: the service runs it once."""
    fake = sitewise_demo.fake
    fake.order_all(order)
    retrying = boto3.client("iotsitewise", config=Config(retries={"mode": "standard", "max_attempts": 3}))
    source = SiteWiseSource(retrying, make_client("s3"))
    fake.fail("ExecuteAction", "ThrottlingException")
    actions = len(fake.actions)

    source.stop_scheduler(sitewise_demo.key("pump-fleet", "pump-1"))

    first, retry = fake.client_tokens[-2:]
    assert first and first == retry and len(fake.actions) == actions + 1


def test_the_metrics_publisher_publishes_every_running_inference(ordered_demo: Any) -> None:
    summary = run_publisher(DEMO_NOW)

    running = {f"{model}_{asset}" if asset else model for model, asset in ordered_demo.running}
    fleet = ordered_demo.fleets["pumps"]  # its pumps started and not stopped, a few hours of results each
    fleet_running = {f"{fleet.model_id}_{asset}" for asset in fleet.assets if asset not in fleet.stopped}
    assert published(make_client("cloudwatch"), "Scheduler") == (
        running | fleet_running | {ordered_demo.models["long-running"]}
    )
    assert not summary["failed"] and not summary["left"], summary
    assert summary["results"] >= len(running) * 7 * 288  # a week of five-minute results per running inference
