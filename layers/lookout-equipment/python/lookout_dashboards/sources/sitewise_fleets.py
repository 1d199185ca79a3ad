"""A SiteWise fleet (a model bound at asset-model level) from calls that answer for many assets.

Its assets come from `ListAssets` by asset model (names included, 250 a call), the assets any
action ran on from `ListComputationModelResolveToResources`, and each asset's latest result from
`BatchGetAssetPropertyValue` (128 a call): 16 calls for 1,000 assets, none per asset. Its members
alone (ids and names, for the fleet dashboard) take the description and `ListAssets`: 5 calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..domain import InferenceOutcome, ModelStatus, ModelSummary, SchedulerStatus, SchedulerSummary
from ..errors import InvalidInputError, NothingToShowError, ResourceNotFoundError
from ..fleets import Fleet, FleetAsset, FleetMembers
from .sitewise_formats import SiteWiseFormatError, inference_payload, inference_result, start_words
from .sitewise_gateway import Action, Description, SiteWiseGateway, Target
from .sitewise_values import value_time

NO_START = (
    "Start re-sends the settings this inference was last started with, and it was never started: start it "
    "once with ExecuteAction (inferenceMode START, see the README), then Start and Stop work from here."
)


@dataclass(frozen=True)
class Latest:
    """An asset's newest result: whether it is anomalous, and when it is for."""

    outcome: InferenceOutcome
    at: datetime


def _fleet_description(gateway: SiteWiseGateway, model_name: str) -> Description:
    """The description of the fleet a request names by its model id (not one asset's `<model>_<asset>`)."""
    target = Target.parse(model_name)
    if target.asset_id is not None:
        raise InvalidInputError(f"`{model_name[:80]}` names one asset of a fleet: name the fleet by its model id.")
    return gateway.description(target.model_id)


def read_members(gateway: SiteWiseGateway, model_name: str) -> FleetMembers:
    """The fleet's assets and their names, nothing per asset: the description and `ListAssets`, 250 a call."""
    description = _fleet_description(gateway, model_name)
    listed = gateway.assets_of_model(_asset_model(description), description.name)
    return FleetMembers(description.model_id, description.name, listed)


def read_fleet(gateway: SiteWiseGateway, model_name: str, now: datetime) -> Fleet:
    """Every asset of the model's asset model, with what the fleet-wide calls tell of it."""
    description = _fleet_description(gateway, model_name)
    listed = gateway.assets_of_model(_asset_model(description), description.name)
    with_actions = set(gateway.resolved_assets(description.model_id, description.name))
    targets = [Target(description.model_id, asset_id) for asset_id, _ in listed]
    latest = latest_results(gateway, [description] * len(targets), targets)
    assets = tuple(
        FleetAsset(
            key=target.key,
            asset_id=asset_id,
            name=name,
            has_actions=asset_id in with_actions,
            latest_outcome=latest[target.key].outcome if target.key in latest else None,
            latest_result_at=latest[target.key].at if target.key in latest else None,
        )
        for target, (asset_id, name) in zip(targets, listed, strict=True)
    )
    return Fleet(description.model_id, description.name, assets, now)


def _asset_model(description: Description) -> str:
    """The asset model a fleet runs on; refused for a model bound to assets, or naming none."""
    if not description.binding.at_model_level:
        raise ResourceNotFoundError(
            f"Not found: fleet {description.model_id}. Computation model {description.name} is bound to assets, "
            "not at asset-model level: it is a row of the list, not a fleet."
        )
    asset_model = description.binding.asset_model_id
    if asset_model is None:
        raise NothingToShowError(
            f"Computation model {description.name} names no asset model in its data binding: "
            "its assets cannot be listed."
        )
    return asset_model


def latest_results(
    gateway: SiteWiseGateway, descriptions: Sequence[Description], targets: Sequence[Target]
) -> dict[str, Latest]:
    """The newest readable result of each target (whose model is described at the same index), 128 a call."""
    properties = [
        description.binding.result.on(target.asset_id)
        for description, target in zip(descriptions, targets, strict=True)
    ]
    found: dict[str, Latest] = {}
    for index, value in gateway.latest_values(properties).items():
        try:
            result = inference_result(value.get("value", {}).get("stringValue"), {})
            at = value_time(value)
        except (SiteWiseFormatError, TypeError, ValueError):
            continue
        outcome = InferenceOutcome.ANOMALOUS if result.is_anomalous else InferenceOutcome.NORMAL
        found[targets[index].key] = Latest(outcome, at)
    return found


def scheduler_row(
    target: Target,
    label: str,
    start: Action | None,
    outcome: InferenceOutcome | None,
    status: SchedulerStatus,
) -> SchedulerSummary:
    refusal = None if status is not SchedulerStatus.STOPPED or start else NO_START
    return SchedulerSummary(
        name=target.key,
        model_name=target.model_id,
        asset_id=target.asset_id,
        status=status,
        upload_frequency=None,
        delay_offset=timedelta(0),
        latest_outcome=outcome,
        display_name=label,
        model_display_name=label,
        start_refusal=refusal,
        start_settings=start_words(inference_payload(start.payload)) if start else None,
    )


def fleet_model_row(fleet: Fleet, created_at: datetime | None) -> ModelSummary:
    summary = fleet.summary()
    return ModelSummary(
        name=fleet.model_name,
        dataset_name=f"{summary.assets:,} assets",
        status=ModelStatus.SUCCESS if summary.reporting or summary.with_actions else ModelStatus.NOT_TRAINED,
        created_at=created_at,
        display_name=fleet.display_name,
        fleet=summary,
    )


def fleet_scheduler_row(fleet: Fleet) -> SchedulerSummary:
    summary = fleet.summary()
    return SchedulerSummary(
        name=fleet.model_name,
        model_name=fleet.model_name,
        status=SchedulerStatus.RUNNING if summary.reporting else SchedulerStatus.STOPPED,
        upload_frequency=None,
        delay_offset=timedelta(0),
        latest_outcome=InferenceOutcome.ANOMALOUS if summary.anomalous else None,
        display_name=fleet.display_name,
        model_display_name=fleet.display_name,
        fleet=summary,
    )
