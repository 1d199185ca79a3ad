"""What the models list and the schedulers list share: their action table and dashboard buttons."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from markupsafe import Markup

from .dashboards import ActionOutcome, DashboardPublisher, DashboardTarget
from .errors import WidgetError
from .html import MessageKind, action_button, dashboard_link
from .validation import choice, resource_name

Action = Callable[[str], ActionOutcome]


def run_action(
    params: Mapping[str, Any], actions: Mapping[str, Action], name_key: str, what: str
) -> tuple[str | None, MessageKind]:
    """Do what a button asked (`{"action": ..., name_key: ...}`), as a notice for the table above.

    The action must be one of the table's and the name must match the service's pattern; whatever
    goes wrong becomes the notice, and the table is drawn anyway.
    """
    if "action" not in params:
        return None, "info"
    try:
        action = choice(params, "action", frozenset(actions))
        outcome = actions[action](resource_name(params, name_key, what))
    except WidgetError as error:
        return str(error), "error"
    return outcome.text, "info" if outcome.complete else "error"


def dashboard_buttons(
    target: DashboardTarget, publisher: DashboardPublisher, existing: set[str], endpoint: str, name_key: str
) -> Markup:
    """Create (disabled once the dashboard exists), View (enabled then) and Delete (with a confirmation)."""
    name = publisher.dashboard_name(target, existing)
    exists = name in existing
    buttons = [
        action_button(
            "Create", endpoint, {"action": "create_dashboard", name_key: target.resource_name}, disabled=exists
        ),
        dashboard_link("View", name, disabled=not exists),
    ]
    if exists:
        buttons.append(
            action_button(
                "Delete",
                endpoint,
                {"action": "delete_dashboard", name_key: target.resource_name},
                primary=False,
                confirmation=f"Delete dashboard {name} and its snapshot canary? Snapshots already emailed are kept.",
            )
        )
    return Markup(" ").join(buttons)
