"""Only a click acts: not a render, a refresh, a payload saved into a dashboard's configuration, or a forgery."""

from __future__ import annotations

from typing import Any

import pytest

from lookout_dashboards import clicks
from lookout_dashboards.aws import make_client
from lookout_dashboards.config import load_settings
from tests.widget_calls import act, click, render, signed
from tests.widget_page import WidgetPage

STOP_LIVE = {"action": "stop_scheduler"}


def status(demo: Any) -> str:
    return demo.fake.schedulers[demo.schedulers["live"]]["Status"]


def stop(demo: Any) -> dict[str, str]:
    return {**STOP_LIVE, "scheduler": demo.schedulers["live"]}


def refused(page: WidgetPage, words: str) -> bool:
    return page.messages[0][0] == "error" and words in page.messages[0][1] and len(page.rows) > 1


def test_a_dashboard_configured_to_stop_a_scheduler_stops_nothing_on_render_or_refresh(demo: Any) -> None:
    """The console sends a widget's own parameters at the top level and in widgetContext.params: a render."""
    planted = stop(demo)

    first = render("list-schedulers", planted)
    refresh = render("list-schedulers", planted, days=1)  # an auto-refresh, or another time range

    assert status(demo) == "RUNNING"
    assert refused(first, "actions run only when you click a button") and refused(refresh, "nothing was done")


def test_even_a_signed_payload_saved_as_the_widget_s_parameters_is_a_render(demo: Any) -> None:
    planted = signed(stop(demo))

    page = render("list-schedulers", planted)

    assert status(demo) == "RUNNING" and refused(page, "actions run only when you click")


def test_a_payload_not_drawn_by_this_stack_is_refused(demo: Any) -> None:
    forged = render("list-schedulers", stop(demo), widget_params={})
    tampered = signed({**stop(demo), "scheduler": demo.schedulers["hourly"]})
    tampered["scheduler"] = demo.schedulers["live"]
    altered = render("list-schedulers", tampered, widget_params={})

    assert status(demo) == "RUNNING"
    assert refused(forged, "not asked for by a button of this list") and refused(altered, "not asked for by a button")


def test_a_button_saved_for_later_stops_working_within_minutes(demo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clicks, "VALID_FOR_S", -1)  # drawn more than ten minutes ago
    stale = signed(stop(demo))
    monkeypatch.undo()

    page = render("list-schedulers", stale, widget_params={})

    assert status(demo) == "RUNNING" and refused(page, "no longer acts")
    assert "signature" in page.button("Stop", demo.schedulers["live"]).payload  # the list drawn beside is current


def test_a_drawn_button_acts_once_clicked(demo: Any) -> None:
    button = render("list-schedulers", {}).button("Stop", demo.schedulers["live"])

    page = click(button, "list-schedulers")

    assert status(demo) == "STOPPED" and page.messages[0][0] == "info"


def test_another_stack_s_buttons_do_not_act_here(demo: Any) -> None:
    """Each stack signs with a key in its own bucket: a payload from another stack's list is a forgery here."""
    other = clicks.ButtonSigner(make_client("s3"), "another-stacks-bucket")
    make_client("s3").create_bucket(Bucket="another-stacks-bucket")

    page = render("list-schedulers", other.sign(stop(demo)), widget_params={})

    assert status(demo) == "RUNNING" and refused(page, "not asked for by a button")


def test_the_key_stays_in_the_stack_s_bucket_and_a_deleted_key_is_replaced(demo: Any) -> None:
    s3, bucket = make_client("s3"), load_settings().snapshot_bucket
    act("list-schedulers", stop(demo))
    key = s3.get_object(Bucket=bucket, Key=clicks.KEY_OBJECT)["Body"].read()
    page = render("list-schedulers", {})

    assert len(key) == clicks.KEY_BYTES and key.hex() not in page.markup
    s3.delete_object(Bucket=bucket, Key=clicks.KEY_OBJECT)
    fresh = clicks.ButtonSigner(s3, bucket)
    fresh.sign({})
    assert s3.get_object(Bucket=bucket, Key=clicks.KEY_OBJECT)["Body"].read() != key
