"""A warm function makes its clients once and keeps its caches; one reset starts everything afresh."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import boto3
import pytest

from local.widget_events import load_handler, widget_event
from lookout_dashboards.container import current_container, reset_container
from tests.conftest import DEMO_NOW
from tests.functional.test_function_settings import initialise
from tests.widget_page import WidgetPage


def recorded(event: str) -> list[str]:
    """Every botocore `event` from now on, by its full name (`creating-client-class.s3`, …)."""
    names: list[str] = []
    boto3._get_default_session().events.register(event, lambda event_name, **_: names.append(event_name))
    return names


def renderer(widget: str, params: dict[str, Any]) -> Callable[[], WidgetPage]:
    event = widget_event(params, start=DEMO_NOW - timedelta(days=90), end=DEMO_NOW)
    return lambda: WidgetPage(load_handler(widget).lambda_handler(event, None))


def test_importing_a_handler_makes_no_client(monkeypatch: pytest.MonkeyPatch, aws_credentials: None) -> None:
    made = recorded("creating-client-class")

    initialise("list-models", monkeypatch)
    initialise("scheduler-anomalies", monkeypatch)

    assert made == []


def test_renders_in_one_container_make_each_client_once(demo: Any) -> None:
    render = renderer("list-models", {})
    made = recorded("creating-client-class")

    first, second = render(), render()

    services = sorted(name.rsplit(".", 1)[1] for name in made)
    assert services == ["cloudwatch", "cloudwatch-logs", "lookoutequipment", "s3", "synthetics"]
    assert first.rows == second.rows and len(first.rows) > 1
    reset_container()
    render()
    assert len(made) == 2 * len(services)


def test_one_reset_empties_every_cache(demo: Any) -> None:
    scheduler = demo.schedulers["live"]
    diagnostics, details = (
        renderer("scheduler-last-diagnostics", {"scheduler": scheduler}),
        renderer("scheduler-details", {"scheduler": scheduler}),
    )
    reads = recorded("before-call.s3.GetObject")

    def cost() -> tuple[int, int]:
        """Result objects read, and pages of executions listed, by one render of each widget."""
        reads.clear()
        calls = len(demo.fake.calls)
        assert not diagnostics().messages and not details().messages
        return len(reads), demo.fake.calls[calls:].count("ListInferenceExecutions")

    cold = cost()
    warm = cost()
    source = current_container().source
    reset_container()
    after_reset = cost()

    assert warm[0] == 0 and cold[0] > 0, "parsed result objects are kept while the container lives"
    assert warm[1] < cold[1], "runs already counted are not listed again"
    assert after_reset == cold and current_container().source is not source
