"""What the metrics publisher reads of SiteWise at fleet scale: the fleets, and many assets' results per call.

A *fleet* is a computation model bound at asset-model level, run on every asset actions were executed
for (ListComputationModelResolveToResources, 250 a page). Its results are read 16 assets a request
(BatchGetAssetPropertyValueHistory), each asset from its own position. Whether an asset's inference
runs is known only per asset (one DescribeComputationModelExecutionSummary each): at fleet scale the
publisher decides from values instead, so nothing here asks it. Models bound to assets stay schedulers
of their own, with their running state (one call each, as the schedulers list makes).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ..domain import InferenceResult, SchedulerStatus, SchedulerSummary
from .sitewise_formats import SiteWiseFormatError, inference_result
from .sitewise_gateway import SiteWiseGateway, Target
from .sitewise_values import RESULT_LAG, parse_results, value_time

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublishedFleet:
    """A model bound at asset-model level, the property its results are written to, and its assets."""

    model_id: str
    result_property: str
    assets: tuple[str, ...]


class FleetReader:
    """SiteWise's fleets and their results, in calls that grow with assets / 16, not with assets."""

    #: How late a result may be written after its time (the same as the per-asset reader's).
    result_lag: timedelta = RESULT_LAG

    def __init__(self, gateway: SiteWiseGateway) -> None:
        self._gateway = gateway

    def models(self) -> tuple[list[PublishedFleet], list[SchedulerSummary]]:
        """The fleets, and the models bound to assets as schedulers (trained ones, with their state)."""
        fleets, schedulers = [], []
        for model_id in self._gateway.model_ids():
            description = self._gateway.description(model_id)
            if description.binding.at_model_level:
                assets = self._gateway.resolved_assets(model_id, description.name)
                if assets:
                    result = description.binding.result.property_id
                    fleets.append(PublishedFleet(model_id, result, tuple(sorted(assets))))
                continue
            summary = self._gateway.summary(Target(model_id))
            if not summary.empty:
                status = SchedulerStatus.RUNNING if summary.inference_active else SchedulerStatus.STOPPED
                schedulers.append(SchedulerSummary(model_id, model_id, status, None, timedelta(0), None))
        return fleets, schedulers

    def results(
        self, fleet: PublishedFleet, windows: Mapping[str, tuple[datetime, datetime]]
    ) -> tuple[dict[str, list[InferenceResult]], dict[str, str]]:
        """Each asset's results timed in its window (start, end], oldest first, and the assets SiteWise
        refused (deleted since it was listed, say). A result is stored when written, up to `result_lag`
        after its own time: the read reaches that far past each end."""
        assets = list(windows)
        entries = [
            (asset, fleet.result_property, windows[asset][0], windows[asset][1] + self.result_lag) for asset in assets
        ]
        values, errors = self._gateway.batch_history(entries)
        names = self._property_names(fleet)
        results: dict[str, list[InferenceResult]] = {}
        for index, asset in enumerate(assets):
            parsed, malformed = parse_results(values.get(index, []), names)
            if malformed:
                logger.warning("%d unreadable result values of %s on %s skipped", malformed, fleet.model_id, asset)
            start, end = windows[asset]
            results[asset] = [_own(result, asset) for result in parsed if start < result.timestamp <= end]
        return results, {assets[index]: error for index, error in errors.items()}

    def newest(self, fleet: PublishedFleet, assets: Sequence[str]) -> dict[str, datetime]:
        """The time of each asset's newest result, 128 assets a request (assets without one are left out)."""
        latest = self._gateway.latest_values([(asset, fleet.result_property) for asset in assets])
        times = {}
        for index, value in latest.items():
            try:
                times[assets[index]] = inference_result(value.get("value", {}).get("stringValue"), {}).timestamp
            except SiteWiseFormatError:
                times[assets[index]] = value_time(value)
        return times

    def _property_names(self, fleet: PublishedFleet) -> Mapping[str, str]:
        """Property ids to names, from one asset: an asset's property ids are its asset model's."""
        return dict(self._gateway.asset(fleet.assets[0]).properties) if fleet.assets else {}


def _own(result: InferenceResult, asset: str) -> InferenceResult:
    """Sensors of the asset itself are named by property alone: the asset is the metric's own dimension."""
    diagnostics = tuple(item._replace(component="") if item.component == asset else item for item in result.diagnostics)
    return result if diagnostics == result.diagnostics else replace(result, diagnostics=diagnostics)
