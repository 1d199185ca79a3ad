"""The schedulers list: every inference scheduler, Start or Stop, and its dashboard's buttons.

It imports neither pandas nor matplotlib. On Lookout for Equipment its calls grow with pages of
schedulers and of dashboards, never with the number of schedulers: the list call says all a row
needs. On IoT SiteWise, whether inference runs is known per model and asset only: one call a row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from lookout_dashboards.alarms import SchedulerAlarms
from lookout_dashboards.clicks import ButtonSigner
from lookout_dashboards.config import (
    ALARM_SETTINGS,
    CANARY_SETTINGS,
    METRIC_SETTINGS,
    STACK_SETTINGS,
    function_variables,
    require_settings,
)
from lookout_dashboards.container import current_container
from lookout_dashboards.dashboard_publisher import DashboardPublisher
from lookout_dashboards.dashboards import DashboardKind, DashboardTarget, requested_target
from lookout_dashboards.domain import AlarmState, SchedulerStatus, SchedulerSummary
from lookout_dashboards.events import WidgetEvent
from lookout_dashboards.fleet_dashboard import FLEET_HEATMAP, fleet_dashboard_body
from lookout_dashboards.fleets import Fleet, FleetAsset, fleet_view, summary_words
from lookout_dashboards.formatting import counted
from lookout_dashboards.html import action_button, page, status_label, status_word, table
from lookout_dashboards.list_widgets import (
    Action,
    Buttons,
    dashboard_buttons,
    fleet_button,
    fleet_view_page,
    run_action,
)
from lookout_dashboards.metrics import series_of
from lookout_dashboards.outcomes import ActionOutcome
from lookout_dashboards.scheduler_widgets import (
    SCHEDULER_DASHBOARD_LAYOUT,
    requested_scheduler,
    scheduler_dashboard_body,
)
from lookout_dashboards.source import AnomalySource
from lookout_dashboards.widget import Endpoints, endpoints, serve_widget

REQUIRED_SETTINGS = (
    *STACK_SETTINGS,
    *CANARY_SETTINGS,
    *ALARM_SETTINGS,
    *METRIC_SETTINGS,
    *function_variables(widget for widget, *_ in (*SCHEDULER_DASHBOARD_LAYOUT, FLEET_HEATMAP)),
)
require_settings(REQUIRED_SETTINGS)

WIDGET = "list-schedulers"
DOCUMENTATION = """\
## Inference schedulers

Lists every inference scheduler of the region (all pages) with its model, status and latest
result; on IoT SiteWise, every model trained on an asset, with its inference. **Start** and
**Stop** change its state (a running inference is billed while it runs; SiteWise's Start re-sends
the settings of its newest START, without a model version, and its confirmation names them);
**Create** writes the scheduler's dashboard and the canary that emails its snapshot on the stack's
schedule, **View** opens it, **Delete** removes both. On IoT SiteWise a model bound at asset-model
level (a fleet) is one row with its fleet's summary; **Assets** shows its assets a page at a time
(as many rows as the widget's height holds, anomalous now first), each with Start or Stop, with a
name filter, **Previous** and **Next**. A fleet's **Create** writes one dashboard for the whole fleet:
a heatmap of its assets by time and its ten most anomalous assets.

Parameters: none, or a fleet's page to show: `fleet` (its computation model id), `page` (from 0)
and `filter` (part of an asset's name). Buttons call this function back with one of (on a fleet's
page the payload also carries `fleet`, `page` and `filter`):

```json
{"action": "start_scheduler", "scheduler": "<name>"}
{"action": "stop_scheduler", "scheduler": "<name>"}
{"action": "create_dashboard", "scheduler": "<name>"}
{"action": "delete_dashboard", "scheduler": "<name>"}
{"action": "create_alarm", "scheduler": "<name>"}
{"action": "remove_alarm", "scheduler": "<name>"}
{"action": "create_fleet_dashboard", "scheduler": "<computation model id>"}
{"action": "delete_fleet_dashboard", "scheduler": "<computation model id>"}
{"action": "create_fleet_alarm", "scheduler": "<fleet's computation model id>"}
{"action": "remove_fleet_alarm", "scheduler": "<fleet's computation model id>"}
{"fleet": "<computation model id>", "page": 0, "filter": ""}
```

**Alarm** creates a CloudWatch alarm on the scheduler's `AnomalousPrediction` metric (published by
the stack's `publish-metrics` function) that notifies the stack's alarm topic; the column then shows
its state and **Remove**. On a fleet's row it creates one alarm for all its assets, on a Metrics
Insights query grouped by asset: the assets in alarm are its contributors.
"""
COST_WARNING = "A running inference is billed for every hour it runs, whether or not data arrives."


def scheduler_actions(
    source: AnomalySource, publisher: DashboardPublisher, links: Endpoints, alarms: SchedulerAlarms
) -> dict[str, Action]:
    """The buttons' actions, by name: the only things a payload can ask for."""
    what = source.terms.scheduler.capitalize()

    def start_scheduler(name: str) -> ActionOutcome:
        status = source.start_scheduler(name)
        return ActionOutcome(f"{what} {source.display_name(name)} is {status_word(status)}. {COST_WARNING}")

    def stop_scheduler(name: str) -> ActionOutcome:
        status = source.stop_scheduler(name)
        return ActionOutcome(f"{what} {source.display_name(name)} is {status_word(status)}.")

    def create_dashboard(name: str) -> ActionOutcome:
        scheduler = requested_scheduler(source, {"scheduler": name})
        body = scheduler_dashboard_body(scheduler, links.of, links.settings.region, links.settings.stack_key)
        return publisher.create(DashboardTarget(DashboardKind.SCHEDULER, name, scheduler.display_name), body)

    def delete_dashboard(name: str) -> ActionOutcome:
        return publisher.delete(requested_target(DashboardKind.SCHEDULER, name, source.terms))

    def create_fleet_dashboard(name: str) -> ActionOutcome:
        members = source.fleet_members(name)
        body = fleet_dashboard_body(members, links.of, links.settings.region, links.settings.stack_key)
        return publisher.create(DashboardTarget(DashboardKind.FLEET, name, members.display_name), body)

    def delete_fleet_dashboard(name: str) -> ActionOutcome:
        return publisher.delete(requested_target(DashboardKind.FLEET, name, source.terms))

    def create_alarm(name: str) -> ActionOutcome:
        scheduler = requested_scheduler(source, {"scheduler": name})
        target = DashboardTarget(DashboardKind.SCHEDULER, name, scheduler.display_name)
        return alarms.create(target, series_of(scheduler, links.settings.stack_key), scheduler.upload_frequency)

    def remove_alarm(name: str) -> ActionOutcome:
        return alarms.delete(requested_target(DashboardKind.SCHEDULER, name, source.terms))

    def create_fleet_alarm(name: str) -> ActionOutcome:
        fleet = source.fleet(name)
        return alarms.create_fleet(DashboardTarget(DashboardKind.FLEET, name, fleet.display_name), fleet.model_name)

    def remove_fleet_alarm(name: str) -> ActionOutcome:
        return alarms.delete(requested_target(DashboardKind.FLEET, name, source.terms))

    return {
        "start_scheduler": start_scheduler,
        "stop_scheduler": stop_scheduler,
        "create_dashboard": create_dashboard,
        "delete_dashboard": delete_dashboard,
        "create_fleet_dashboard": create_fleet_dashboard,
        "delete_fleet_dashboard": delete_fleet_dashboard,
        "create_alarm": create_alarm,
        "remove_alarm": remove_alarm,
        "create_fleet_alarm": create_fleet_alarm,
        "remove_fleet_alarm": remove_fleet_alarm,
    }


def render_schedulers_list(
    widget: WidgetEvent,
    source: AnomalySource,
    publisher: DashboardPublisher,
    links: Endpoints,
    alarms: SchedulerAlarms,
    signer: ButtonSigner,
) -> str:
    """Run the action a click asked for, if any, then draw the table with the state it left."""
    actions = scheduler_actions(source, publisher, links, alarms)
    what = source.terms.scheduler
    notice, notice_kind = run_action(widget, actions, "scheduler", what, signer)
    buttons = Buttons(links.own(WIDGET), signer)
    view = fleet_view(widget)
    if view is not None:

        def draw(fleet: Fleet, assets: Sequence[FleetAsset], kept: Buttons) -> Markup:
            return _table(source.fleet_schedulers(fleet, assets), what, publisher, alarms, kept)

        return fleet_view_page(view, source, buttons, draw, (notice, notice_kind))
    schedulers = sorted(source.list_schedulers(folded=True), key=lambda item: (item.model_label, item.label))
    if not schedulers:
        return page(Markup(""), notice=notice or f"There is no {what} in this region.", notice_kind=notice_kind)
    running = sum(1 for item in schedulers if item.status is SchedulerStatus.RUNNING and not item.fleet)
    caption = f"{counted(len(schedulers), what)}, {running} running"
    refused = [item for item in schedulers if item.start_refusal and item.status is SchedulerStatus.STOPPED]
    if refused and not notice:
        notice = f"Start is unavailable for {counted(len(refused), what)}: {refused[0].start_refusal}"
    return page(_table(schedulers, what, publisher, alarms, buttons, caption), notice=notice, notice_kind=notice_kind)


def _table(
    schedulers: Sequence[SchedulerSummary],
    what: str,
    publisher: DashboardPublisher,
    alarms: SchedulerAlarms,
    buttons: Buttons,
    caption: str | None = None,
) -> Markup:
    existing = publisher.existing(DashboardKind.SCHEDULER)
    if any(item.fleet for item in schedulers):
        existing |= publisher.existing(DashboardKind.FLEET)
    alarm_states = alarms.states()
    named_apart = any(item.label != item.model_label for item in schedulers)
    headers = [
        "Model",
        *(["Scheduler"] if named_apart else []),
        "Status",
        "Latest result",
        what.capitalize(),
        "Dashboard",
        "Alarm",
    ]
    rows = _rows(schedulers, existing, publisher, buttons, named_apart)
    for row, scheduler in zip(rows, schedulers, strict=True):
        row.append(_alarm(scheduler, alarms, alarm_states, buttons))
    return table(headers, rows, caption)


def _rows(
    schedulers: Sequence[SchedulerSummary],
    existing: set[str],
    publisher: DashboardPublisher,
    buttons: Buttons,
    named_apart: bool,
) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for scheduler in schedulers:
        if scheduler.fleet is not None:
            fleet = scheduler.fleet
            latest = f"{fleet.anomalous:,} anomalous now" if fleet.anomalous else "none anomalous now"
            target = DashboardTarget(DashboardKind.FLEET, scheduler.name, scheduler.display_name)
            dashboard = dashboard_buttons(target, publisher, existing, buttons, "scheduler")
            cells = [summary_words(fleet), latest, fleet_button(buttons, scheduler.name), dashboard]
            rows.append([scheduler.model_label, *([scheduler.label] if named_apart else []), *cells])
            continue
        target = DashboardTarget(DashboardKind.SCHEDULER, scheduler.name, scheduler.display_name)
        rows.append(
            [
                scheduler.model_label,
                *([scheduler.label] if named_apart else []),
                status_label(scheduler.status),
                status_label(scheduler.latest_outcome) if scheduler.latest_outcome else "no result yet",
                _start_or_stop(scheduler, buttons),
                dashboard_buttons(target, publisher, existing, buttons, "scheduler"),
            ]
        )
    return rows


def _start_or_stop(scheduler: SchedulerSummary, buttons: Buttons) -> Markup:
    if scheduler.status is SchedulerStatus.STOPPED:
        return buttons.action(
            "Start",
            {"action": "start_scheduler", "scheduler": scheduler.name},
            confirmation=(
                f"Start {scheduler.label} with its last settings: {scheduler.start_settings}? {COST_WARNING}"
                if scheduler.start_settings
                else f"Start {scheduler.label}? {COST_WARNING}"
            ),
            disabled=scheduler.start_refusal is not None,
            why=scheduler.start_refusal,
        )
    if scheduler.status is SchedulerStatus.RUNNING:
        return buttons.action(
            "Stop",
            {"action": "stop_scheduler", "scheduler": scheduler.name},
            primary=False,
            confirmation=f"Stop {scheduler.label}? It stops reading new data (and being billed) until started again.",
        )
    return action_button(status_word(scheduler.status).capitalize() + "…", buttons.endpoint, {}, disabled=True)


def _alarm(
    scheduler: SchedulerSummary, alarms: SchedulerAlarms, states: Mapping[str, AlarmState], buttons: Buttons
) -> Markup:
    """The alarm's state and Remove once it exists, else the Alarm button (the rule in its confirmation);
    a fleet's row arms one alarm on all its assets."""
    kind, suffix = (DashboardKind.FLEET, "fleet_alarm") if scheduler.fleet else (DashboardKind.SCHEDULER, "alarm")
    target = DashboardTarget(kind, scheduler.name, scheduler.display_name)
    name = alarms.name(target, set(states))
    payload = {"scheduler": scheduler.name}
    if name in states:
        remove = buttons.action(
            "Remove",
            {"action": f"remove_{suffix}", **payload},
            primary=False,
            confirmation=f"Remove alarm {name}? Its history goes with it.",
        )
        return Markup(" ").join([status_label(states[name]), remove])
    what = f"fleet {scheduler.label}" if scheduler.fleet else scheduler.label
    return buttons.action(
        "Alarm",
        {"action": f"create_{suffix}", **payload},
        primary=False,
        confirmation=f"Create an alarm on {what}? {alarms.fleet_rule() if scheduler.fleet else alarms.rule()}",
    )


def lambda_handler(event: Mapping[str, Any], context: Any) -> str:
    def render(widget: WidgetEvent) -> str:
        container = current_container()
        links = endpoints(widget, context, container.settings)
        return render_schedulers_list(
            widget, container.source, container.publisher, links, container.alarms, container.signer
        )

    return serve_widget(event, documentation=DOCUMENTATION, render=render)
