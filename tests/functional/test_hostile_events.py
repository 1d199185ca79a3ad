"""Events a fuzzer sent: every widget answers each with its content or a message, never the generic error frame.

Each `tests/events/hostile-*.json` is laid over a valid event for the demo account's model and
scheduler, so a widget gets past what is valid and meets the hostile field where it uses it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from local.widget_events import LAMBDAS, load_handler, widget_event
from tests.conftest import DEMO_NOW, EVENTS, load_event
from tests.widget_page import WidgetPage

WIDGETS = sorted(
    folder.name
    for folder in LAMBDAS.iterdir()
    if (folder / "handler.py").exists() and "serve_widget" in (folder / "handler.py").read_text()
)
HOSTILE_EVENTS = sorted(path.stem for path in EVENTS.glob("hostile-*.json"))
#: Longer than any message a widget writes around the 100 characters it may quote of a request.
LONGEST_MESSAGE = 600


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CACHE_DIR", str(tmp_path / "cache"))


def hostile_event(name: str, demo: Any) -> dict[str, Any]:
    overlay = load_event(name)
    context = overlay.pop("widgetContext", {})
    params = {"model": demo.models["labeled"], "scheduler": demo.schedulers["hourly"]} | overlay
    event = widget_event(params, start=DEMO_NOW - timedelta(days=90), end=DEMO_NOW)
    event["widgetContext"].update(context)
    return event


def test_every_widget_and_every_hostile_event_is_covered() -> None:
    assert len(WIDGETS) == 10 and "list-models" in WIDGETS and "cleanup" not in WIDGETS
    assert len(HOSTILE_EVENTS) >= 10


@pytest.mark.parametrize("name", HOSTILE_EVENTS)
@pytest.mark.parametrize("widget", WIDGETS)
def test_hostile_events_get_an_answer_not_the_error_frame(shared_demo: Any, widget: str, name: str) -> None:
    markup = load_handler(widget).lambda_handler(hostile_event(name, shared_demo), None)
    page = WidgetPage(markup)

    assert not any("unexpected error" in text for _, text in page.messages), page.messages
    assert "\x00" not in markup and "<x-hostile" not in markup.lower() and "x-hostile" not in page.tags
    assert all(len(text) <= LONGEST_MESSAGE for _, text in page.messages), page.messages
    assert page.messages or page.rows or page.legend or "svg" in page.tags, markup[:300]
