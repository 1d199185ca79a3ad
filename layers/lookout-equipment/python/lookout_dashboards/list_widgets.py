"""What the models list and the schedulers list share: their action table and dashboard buttons."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from .clicks import ButtonSigner
from .dashboard_publisher import DashboardPublisher
from .dashboards import DashboardTarget
from .errors import WidgetError
from .events import WidgetEvent
from .html import MessageKind, action_button, dashboard_link
from .outcomes import ActionOutcome
from .validation import choice, resource_name

Action = Callable[[str], ActionOutcome]


@dataclass(frozen=True)
class Buttons:
    """A list widget's action buttons: each calls the widget's own function with a signed payload."""

    endpoint: str
    signer: ButtonSigner

    def action(self, label: str, payload: Mapping[str, Any], **options: Any) -> Markup:
        return action_button(label, self.endpoint, self.signer.sign(payload), **options)


def run_action(
    widget: WidgetEvent, actions: Mapping[str, Action], name_key: str, what: str, signer: ButtonSigner
) -> tuple[str | None, MessageKind]:
    """Do what a button asked (`{"action": ..., name_key: ...}`), as a notice for the table above.

    Only a click on a button this list drew acts (`clicks`); the action must be one of the table's
    and the name must match the service's pattern; whatever goes wrong becomes the notice, and the
    table is drawn anyway.
    """
    params = widget.params
    if "action" not in params:
        return None, "info"
    try:
        signer.check(widget)
        action = choice(params, "action", frozenset(actions))
        outcome = actions[action](resource_name(params, name_key, what))
    except WidgetError as error:
        return str(error), "error"
    return outcome.text, "info" if outcome.complete else "error"


def dashboard_buttons(
    target: DashboardTarget, publisher: DashboardPublisher, existing: set[str], buttons: Buttons, name_key: str
) -> Markup:
    """Create (disabled once the dashboard exists), View (enabled then) and Delete (with a confirmation)."""
    name = publisher.dashboard_name(target, existing)
    exists = name in existing
    drawn = [
        buttons.action("Create", {"action": "create_dashboard", name_key: target.resource_name}, disabled=exists),
        dashboard_link("View", name, disabled=not exists),
    ]
    if exists:
        drawn.append(
            buttons.action(
                "Delete",
                {"action": "delete_dashboard", name_key: target.resource_name},
                primary=False,
                confirmation=f"Delete dashboard {name} and its snapshot canary? Snapshots already emailed are kept.",
            )
        )
    return Markup(" ").join(drawn)
