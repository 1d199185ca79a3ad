"""The models list: every model created in the dashboard's time range, and its dashboard's buttons.

It imports neither pandas nor matplotlib. On Lookout for Equipment its calls grow with pages of
models and dashboards, never with the number of models: the list call says all a row needs. On
IoT SiteWise a row's training status takes one call per model and asset (see the README).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from lookout_dashboards.clicks import ButtonSigner
from lookout_dashboards.config import (
    CANARY_SETTINGS,
    STACK_SETTINGS,
    function_variables,
    require_settings,
)
from lookout_dashboards.container import current_container
from lookout_dashboards.dashboard_publisher import DashboardPublisher
from lookout_dashboards.dashboards import DashboardKind, DashboardTarget, requested_target
from lookout_dashboards.domain import ModelStatus, ModelSummary, TimeRange
from lookout_dashboards.events import WidgetEvent
from lookout_dashboards.fleets import Fleet, FleetAsset, fleet_view, summary_words
from lookout_dashboards.formatting import counted, local_time, zone_label
from lookout_dashboards.html import page, status_label, table
from lookout_dashboards.list_widgets import (
    Action,
    Buttons,
    dashboard_buttons,
    fleet_button,
    fleet_view_page,
    run_action,
)
from lookout_dashboards.model_widgets import MODEL_DASHBOARD_LAYOUT, model_dashboard_body, successful_model
from lookout_dashboards.outcomes import ActionOutcome
from lookout_dashboards.source import AnomalySource
from lookout_dashboards.widget import Endpoints, endpoints, serve_widget

REQUIRED_SETTINGS = (
    *STACK_SETTINGS,
    *CANARY_SETTINGS,
    *function_variables(widget for widget, *_ in MODEL_DASHBOARD_LAYOUT),
)
require_settings(REQUIRED_SETTINGS)

WIDGET = "list-models"
DOCUMENTATION = """\
## Anomaly detection models

Lists every model **created (last trained, on IoT SiteWise) in the dashboard's time range** (all of
them, page after page), grouped by dataset (asset, on IoT SiteWise), with its training status. For
a trained model, **Create** writes the model's dashboard and the canary that emails its snapshot;
**View** opens it; **Delete** removes both. On IoT SiteWise a model bound at asset-model level (a
fleet) is one row with its fleet's summary; **Assets** shows its assets a page at a time (as many
rows as the widget's height holds, anomalous now first), with a name filter, **Previous** and **Next**.

Parameters: none, or a fleet's page to show: `fleet` (its computation model id), `page` (from 0)
and `filter` (part of an asset's name). Buttons call this function back with one of (a SiteWise
model is named by its computation model id, followed by `_<asset id>` when it is bound at
asset-model level; on a fleet's page the payload also carries `fleet`, `page` and `filter`):

```json
{"action": "create_dashboard", "model": "<model name>"}
{"action": "delete_dashboard", "model": "<model name>"}
{"fleet": "<computation model id>", "page": 0, "filter": ""}
```
"""


def model_actions(source: AnomalySource, publisher: DashboardPublisher, links: Endpoints) -> dict[str, Action]:
    """The buttons' actions, by name: the only things a payload can ask for."""

    def create_dashboard(model: str) -> ActionOutcome:
        found = successful_model(source, {"model": model})
        body = model_dashboard_body(found, links.of)
        return publisher.create(DashboardTarget(DashboardKind.MODEL, model, found.display_name), body)

    def delete_dashboard(model: str) -> ActionOutcome:
        return publisher.delete(requested_target(DashboardKind.MODEL, model, source.terms))

    return {"create_dashboard": create_dashboard, "delete_dashboard": delete_dashboard}


def render_models_list(
    widget: WidgetEvent, source: AnomalySource, publisher: DashboardPublisher, links: Endpoints, signer: ButtonSigner
) -> str:
    """Run the action a click asked for, if any, then draw the table with the state it left."""
    actions = model_actions(source, publisher, links)
    notice, notice_kind = run_action(widget, actions, "model", "model", signer)
    buttons = Buttons(links.own(WIDGET), signer)
    view = fleet_view(widget)
    if view is not None:

        def draw(fleet: Fleet, assets: Sequence[FleetAsset], kept: Buttons) -> Markup:
            existing = publisher.existing(DashboardKind.MODEL)
            rows = _rows(source.fleet_models(fleet, assets), existing, publisher, kept)
            return table([source.terms.dataset, "Model", "Training status", "Model dashboard"], rows)

        return fleet_view_page(view, source, buttons, draw, (notice, notice_kind))

    shown = widget.time_range()
    created_in = TimeRange(shown.start, shown.end)
    listed = source.list_models(created_in=created_in, folded=True)
    models = sorted(listed, key=lambda model: (model.dataset_name, model.label))
    offset = widget.context.timezone_offset
    period = f"{local_time(created_in.start, offset)} and {local_time(created_in.end, offset)} {zone_label(offset)}"
    if not models:
        return page(
            Markup(""),
            notice=notice or f"No model was created between {period}. Widen the time range to see older models.",
            notice_kind=notice_kind if notice else "info",
        )
    existing = publisher.existing(DashboardKind.MODEL)
    caption = f"{counted(len(models), 'model')} created between {period}"
    content = table(
        [source.terms.dataset, "Model", "Training status", "Model dashboard"],
        _rows(models, existing, publisher, buttons),
        caption,
    )
    return page(content, notice=notice, notice_kind=notice_kind)


def _rows(
    models: Sequence[ModelSummary], existing: set[str], publisher: DashboardPublisher, buttons: Buttons
) -> list[list[Any]]:
    rows = []
    previous_dataset = None
    for model in models:
        dataset = model.dataset_name if model.dataset_name != previous_dataset else ""
        previous_dataset = model.dataset_name
        rows.append(
            [
                dataset or Markup(""),
                model.label,
                summary_words(model.fleet) if model.fleet else status_label(model.status),
                _actions(model, existing, publisher, buttons),
            ]
        )
    return rows


def _actions(model: ModelSummary, existing: set[str], publisher: DashboardPublisher, buttons: Buttons) -> Markup | str:
    if model.fleet is not None:
        return fleet_button(buttons, model.name)
    if model.status is ModelStatus.NOT_KNOWN:
        return "SiteWise did not answer for this asset just now: refresh to ask again."
    if model.status is ModelStatus.FAILED:
        return "Training failed: no results to show."
    if model.status is ModelStatus.NOT_TRAINED:
        return "Never trained: no results to show."
    if model.status is not ModelStatus.SUCCESS:
        return "Training in progress."
    target = DashboardTarget(DashboardKind.MODEL, model.name, model.display_name)
    return dashboard_buttons(target, publisher, existing, buttons, "model")


def lambda_handler(event: Mapping[str, Any], context: Any) -> str:
    def render(widget: WidgetEvent) -> str:
        container = current_container()
        links = endpoints(widget, context, container.settings)
        return render_models_list(widget, container.source, container.publisher, links, container.signer)

    return serve_widget(event, documentation=DOCUMENTATION, render=render)
