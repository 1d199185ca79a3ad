"""Calling widgets as the console does, on a demo account: render a widget, click one of its buttons."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from local.widget_events import load_handler, widget_event
from lookout_dashboards.container import current_container
from tests.conftest import DEMO_NOW
from tests.widget_page import Button, WidgetPage

#: The pure function of each scheduler widget, which takes the time the widget is drawn at.
SCHEDULER_RENDERERS = {
    "scheduler-details": "render_scheduler_details",
    "scheduler-last-diagnostics": "render_last_diagnostics",
    "scheduler-anomalies": "render_scheduler_anomalies",
}


def render(
    widget: str, params: dict[str, Any], days: float = 90, end: datetime = DEMO_NOW, **context: Any
) -> WidgetPage:
    """The widget's handler on the event CloudWatch sends for the `days` before `end` (the demo's `now`)."""
    event = widget_event(params, start=end - timedelta(days=days), end=end, **context)
    return WidgetPage(load_handler(widget).lambda_handler(event, None))


def render_at(
    widget: str, params: dict[str, Any], days: float = 1, now: datetime = DEMO_NOW, **context: Any
) -> WidgetPage:
    """A scheduler widget drawn at `now` (its schedule and lookback follow the clock) by the container's source."""
    event = widget_event(params, start=now - timedelta(days=days), end=now, **context)
    handler = load_handler(widget)
    return WidgetPage(
        handler.serve_widget(
            event,
            documentation=handler.DOCUMENTATION,
            render=lambda parsed: getattr(handler, SCHEDULER_RENDERERS[widget])(
                parsed, current_container().source, now
            ),
        )
    )


def click(button: Button, widget: str, days: float = 90, widget_params: dict[str, Any] | None = None) -> WidgetPage:
    """What the console does with a button: call its endpoint with its payload as the parameters, the widget's
    own parameters (none for the lists) staying in `widgetContext.params`."""
    assert button.endpoint and button.endpoint.endswith(f":function:{widget}"), button.endpoint
    assert button.display == "widget" and button.payload is not None and not button.disabled
    return render(widget, button.payload, days, widget_params=widget_params or {})


def act(widget: str, payload: dict[str, Any], days: float = 90) -> WidgetPage:
    """A click on a button drawn with `payload` (signed as the list signs its own), as the console sends it."""
    return render(widget, signed(payload), days, widget_params={})


def signed(payload: dict[str, Any]) -> dict[str, Any]:
    """`payload` as a button of this container's lists carries it: with a valid signature."""
    return current_container().signer.sign(payload)
