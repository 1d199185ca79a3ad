"""What the models list and the schedulers list share: their action table, dashboard buttons and fleet pages."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from .clicks import ButtonSigner
from .dashboard_publisher import DashboardPublisher
from .dashboards import DashboardKind, DashboardTarget
from .errors import WidgetError
from .events import WidgetEvent
from .fleets import Fleet, FleetAsset, FleetView, fleet_page, summary_words
from .html import MessageKind, action_button, dashboard_link, facts, page, text_form
from .outcomes import ActionOutcome
from .source import AnomalySource
from .validation import QUOTED_LENGTH, choice, resource_name

Action = Callable[[str], ActionOutcome]


@dataclass(frozen=True)
class Buttons:
    """A list widget's action buttons: each calls the widget's own function with a signed payload."""

    endpoint: str
    signer: ButtonSigner
    #: What every payload carries besides its action: the fleet page it was drawn on, drawn again after.
    keep: Mapping[str, Any] = field(default_factory=dict)

    def action(self, label: str, payload: Mapping[str, Any], **options: Any) -> Markup:
        return action_button(label, self.endpoint, self.signer.sign({**self.keep, **payload}), **options)

    def view(self, label: str, payload: Mapping[str, Any], **options: Any) -> Markup:
        """A button that only changes what the list shows (a fleet's page): read-only, so not signed."""
        return action_button(label, self.endpoint, payload, primary=False, **options)


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


#: The actions of a kind's Create and Delete, where they are not `create_dashboard` and `delete_dashboard`.
DASHBOARD_ACTIONS = {DashboardKind.FLEET: ("create_fleet_dashboard", "delete_fleet_dashboard")}


def dashboard_buttons(
    target: DashboardTarget, publisher: DashboardPublisher, existing: set[str], buttons: Buttons, name_key: str
) -> Markup:
    """Create (disabled once the dashboard exists), View (enabled then) and Delete (with a confirmation)."""
    name = publisher.dashboard_name(target, existing)
    exists = name in existing
    create, delete = DASHBOARD_ACTIONS.get(target.kind, ("create_dashboard", "delete_dashboard"))
    drawn = [
        buttons.action("Create", {"action": create, name_key: target.resource_name}, disabled=exists),
        dashboard_link("View", name, disabled=not exists),
    ]
    if exists:
        drawn.append(
            buttons.action(
                "Delete",
                {"action": delete, name_key: target.resource_name},
                primary=False,
                confirmation=f"Delete dashboard {name} and its snapshot canary? Snapshots already emailed are kept.",
            )
        )
    return Markup(" ").join(drawn)


def fleet_button(buttons: Buttons, fleet_name: str) -> Markup:
    return buttons.view("Assets", {"fleet": fleet_name, "page": 0})


def fleet_view_page(
    view: FleetView,
    source: AnomalySource,
    buttons: Buttons,
    draw: Callable[[Fleet, Sequence[FleetAsset], Buttons], Markup],
    notice: tuple[str | None, MessageKind],
) -> str:
    """One page of a fleet's assets under its summary, the name filter and the page buttons; `draw`
    makes the page's table with buttons whose actions bring the widget back to this page."""
    fleet = source.fleet(view.fleet)
    shown = fleet_page(fleet.assets, view)
    here = FleetView(view.fleet, shown.page, view.filter, view.size)
    kept = Buttons(buttons.endpoint, buttons.signer, here.payload())
    paging = [
        buttons.view("All rows", {}),
        buttons.view("Filter", here.payload(page=0)),
        buttons.view("Previous", here.payload(page=shown.page - 1), disabled=shown.page == 0),
        buttons.view("Next", here.payload(page=shown.page + 1), disabled=shown.page >= shown.pages - 1),
    ]
    header = Markup("").join(
        [
            facts([("Fleet", fleet.display_name), ("Assets", summary_words(fleet.summary()))]),
            text_form("filter", "Asset name contains", here.filter, QUOTED_LENGTH),
            Markup(" ").join(paging),
        ]
    )
    matching = f"{shown.matching:,} of {len(fleet.assets):,} assets"
    matching += f" match “{here.filter}”" if here.filter else ""
    footnote = f"Page {shown.page + 1} of {shown.pages}: {matching}, anomalous now first, then by name."
    table = draw(fleet, shown.assets, kept) if shown.assets else Markup("")
    text, kind = notice
    if not shown.assets and not text:
        text, kind = f"No asset of {fleet.display_name} has “{here.filter}” in its name.", "info"
    return page(header + table, notice=text, notice_kind=kind, footnote=footnote)
