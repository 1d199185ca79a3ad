"""Events a fuzzer sent: every widget answers each with its content or a message, never the generic error frame.

Each `tests/events/hostile-*.json` is laid over a valid event for the demo account's model and
scheduler, so a widget gets past what is valid and meets the hostile field where it uses it; the
same matrix runs on each source's demo, through that source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from local.widget_events import LAMBDAS, load_handler, widget_event
from lookout_dashboards.config import DASHBOARD_PREFIXES, IOT_SITEWISE, LOOKOUT_FOR_EQUIPMENT
from tests.conftest import DEMO_NOW, EVENTS, load_event, shared_account
from tests.widget_page import WidgetPage

WIDGETS = sorted(
    folder.name
    for folder in LAMBDAS.iterdir()
    if (folder / "handler.py").exists() and "serve_widget" in (folder / "handler.py").read_text()
)
HOSTILE_EVENTS = sorted(path.stem for path in EVENTS.glob("hostile-*.json"))
#: Longer than any message a widget writes around the 100 characters it may quote of a request.
LONGEST_MESSAGE = 600
#: The model, scheduler and fleet a valid event names on each source's demo: trained, evaluated, with results
#: (Lookout for Equipment has no fleet: its model's name gets that answer).
TARGETS: dict[str, Callable[[Any], dict[str, str]]] = {
    LOOKOUT_FOR_EQUIPMENT: lambda demo: {
        "model": demo.models["labeled"],
        "scheduler": demo.schedulers["hourly"],
        "fleet": demo.models["labeled"],
    },
    IOT_SITEWISE: lambda demo: {
        **dict.fromkeys(("model", "scheduler"), demo.key("pump-fleet", "pump-1")),
        "fleet": demo.fleets["pumps"].model_id,
    },
}


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module", params=sorted(TARGETS))
def targets(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """Each source's demo in turn (pytest ends one before it starts the next), and what a valid event names on it."""
    with shared_account(request.param) as demo:
        yield TARGETS[request.param](demo)


def hostile_event(name: str, targets: dict[str, str]) -> dict[str, Any]:
    overlay = load_event(name)
    context = overlay.pop("widgetContext", {})
    params = targets | overlay
    event = widget_event(params, start=DEMO_NOW - timedelta(days=90), end=DEMO_NOW)
    event["widgetContext"].update(context)
    return event


def test_every_widget_and_every_hostile_event_is_covered() -> None:
    assert len(WIDGETS) == 11 and "list-models" in WIDGETS and "cleanup" not in WIDGETS
    assert len(HOSTILE_EVENTS) >= 10
    assert sorted(TARGETS) == sorted(DASHBOARD_PREFIXES)  # every source the stack can read


@pytest.mark.parametrize("name", HOSTILE_EVENTS)
@pytest.mark.parametrize("widget", WIDGETS)
def test_hostile_events_get_an_answer_not_the_error_frame(targets: dict[str, str], widget: str, name: str) -> None:
    markup = load_handler(widget).lambda_handler(hostile_event(name, targets), None)
    page = WidgetPage(markup)

    assert not any("unexpected error" in text for _, text in page.messages), page.messages
    assert "\x00" not in markup and "<x-hostile" not in markup.lower() and "x-hostile" not in page.tags
    assert all(len(text) <= LONGEST_MESSAGE for _, text in page.messages), page.messages
    assert page.messages or page.rows or page.legend or "svg" in page.tags, markup[:300]
