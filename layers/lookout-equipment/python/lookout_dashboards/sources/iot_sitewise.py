"""Adapter from AWS IoT SiteWise anomaly detection to the domain model: the mapping.

A *model* (and its *scheduler*) is an anomaly-detection computation model on one asset: one per
model bound to assets, one per (model, asset) for a model bound at asset-model level. It is named
in requests by ids, `<computationModelId>` or `<computationModelId>_<assetId>`; people read
`<model name> on <asset name>`. Sensors are the model's input properties, labelled
`<asset name>\\<property name>`.

The calls, and what a warm container keeps of them, are in `sitewise_gateway`; the shapes the
documentation leaves open in `sitewise_formats`; results and sensor history in `sitewise_values`;
fleets (a model-level binding as one row) in `sitewise_fleets`. Nothing here depends on the order
a list answers in: the newest training, run or START is the one with the latest time.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from ..domain import (
    Component,
    Execution,
    ExecutionStatus,
    InferenceResult,
    InferenceWindow,
    LatestAnomaly,
    Model,
    ModelEvaluation,
    ModelStatus,
    ModelSummary,
    PropertyExchange,
    Scheduler,
    SchedulerStatus,
    SchedulerSummary,
    Sensor,
    SensorHistory,
    Terms,
    TimeRange,
    anomaly_events,
)
from ..errors import InvalidInputError, ResourceNotFoundError, SourceUnavailableError, WidgetError
from ..expiring import ExpiringCache
from ..fleets import Fleet, FleetAsset, FleetMembers
from . import sitewise_fleets, sitewise_values
from .sitewise_fleets import NO_START, fleet_model_row, fleet_scheduler_row, latest_results, read_fleet, scheduler_row
from .sitewise_formats import (
    SiteWiseFormatError,
    TrainingPayload,
    evaluation_records,
    failure_reason,
    inference_payload,
    model_metrics,
    operating_window,
    restart_payload,
    start_words,
    training_payload,
)
from .sitewise_gateway import (
    INFERENCE,
    READ_THREADS,
    SETTLED_TTL_S,
    TRAINING,
    Action,
    Description,
    Run,
    SiteWiseGateway,
    Target,
)
from .sitewise_model_cache import ModelFactsCache
from .sitewise_values import RESULT_LAG, ResultProperty, result_step

if TYPE_CHECKING:
    from mypy_boto3_iotsitewise import IoTSiteWiseClient
    from mypy_boto3_s3 import S3Client

logger = logging.getLogger(__name__)
_MODEL_STATUSES = {
    ExecutionStatus.IN_PROGRESS: ModelStatus.IN_PROGRESS,
    ExecutionStatus.SUCCESS: ModelStatus.SUCCESS,
    ExecutionStatus.FAILED: ModelStatus.FAILED,
}
Sensors = dict[Sensor, tuple[str, str]]


class SiteWiseSource:
    """Implements `AnomalySource` over the AWS IoT SiteWise API (and S3 for training outputs)."""

    terms = Terms(service="AWS IoT SiteWise", dataset="Asset", scheduler="inference", component="asset", titled=True)
    #: Results are written 5-10 minutes after their data, plus a delay offset of up to an hour.
    result_lag = RESULT_LAG

    def __init__(
        self,
        sitewise: IoTSiteWiseClient,
        s3: S3Client,
        facts: ModelFactsCache | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._gateway = SiteWiseGateway(sitewise, s3, clock, facts)
        self._facts = facts
        #: A model and its sensors, per (model key, newest training's id and status).
        self._models: ExpiringCache[tuple[str, str], tuple[Model, Sensors]] = ExpiringCache(SETTLED_TTL_S, now=clock)

    # Models --------------------------------------------------------------------------------

    def list_models(self, created_in: TimeRange | None = None, *, folded: bool = False) -> list[ModelSummary]:
        """Calls: pages of models, then per model its description and assets, per row its trainings; `folded`,
        a model bound at asset-model level is one row whose fleet is read for many assets a call."""
        targets, fleets = self._listing(folded)
        with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
            rows = list(pool.map(self._row, targets))
        rows += [fleet_model_row(fleet, self._gateway.description(fleet.model_name).created_at) for fleet in fleets]
        if created_in is None:
            return rows
        return [row for row in rows if row.created_at is not None and created_in.contains(row.created_at)]

    def _row(self, target: Target, dataset_name: str | None = None, label: str | None = None) -> ModelSummary:
        """A models list row: its newest training's status and time."""
        description = self._gateway.description(target.model_id)
        newest = next(iter(self._gateway.runs(target, TRAINING)), None)
        return ModelSummary(
            name=target.key,
            dataset_name=dataset_name or self._asset_names(description, target),
            status=_MODEL_STATUSES[newest.status] if newest else ModelStatus.NOT_TRAINED,
            created_at=newest.start if newest else description.created_at,
            display_name=label or self._display_name(description, target),
        )

    # Fleets --------------------------------------------------------------------------------

    def fleet(self, model_name: str) -> Fleet:
        """A model bound at asset-model level, with every asset of its asset model (16 calls for 1,000)."""
        return read_fleet(self._gateway, model_name, datetime.now(UTC))

    def fleet_members(self, model_name: str) -> FleetMembers:
        return sitewise_fleets.read_members(self._gateway, model_name)

    def fleet_models(self, fleet: Fleet, assets: Sequence[FleetAsset]) -> list[ModelSummary]:
        """The page's rows: each asset's newest training (one listing each); one the service does not
        answer (throttled) is "not known now", and the others are drawn."""

        def row(asset: FleetAsset) -> ModelSummary:
            label = f"{fleet.display_name} on {asset.name}"
            try:
                return self._row(Target(fleet.model_name, asset.asset_id), asset.name, label)
            except SourceUnavailableError as error:
                logger.warning("training of %s not known now: %s", asset.key, error)
                return ModelSummary(asset.key, asset.name, ModelStatus.NOT_KNOWN, None, label)

        with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
            return list(pool.map(row, assets))

    def fleet_schedulers(self, fleet: Fleet, assets: Sequence[FleetAsset]) -> list[SchedulerSummary]:
        """The page's rows: each asset's timer state and, stopped, its newest START; one the service does
        not answer (throttled) is "not known now", and the others are drawn."""

        def row(asset: FleetAsset) -> SchedulerSummary:
            target = Target(fleet.model_name, asset.asset_id)
            try:
                active, start = self._state(target) or (False, None)
                status = SchedulerStatus.RUNNING if active else SchedulerStatus.STOPPED
            except SourceUnavailableError as error:
                logger.warning("inference state of %s not known now: %s", asset.key, error)
                start, status = None, SchedulerStatus.NOT_KNOWN
            return scheduler_row(target, f"{fleet.display_name} on {asset.name}", start, asset.latest_outcome, status)

        with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
            return list(pool.map(row, assets))

    def get_model(self, name: str) -> Model:
        return self._model(name)[0]

    def active_version(self, model_name: str) -> int | None:
        """Read at each call, not kept with the model's facts: a START may switch it without a training."""
        target, description = self._named(model_name)
        return self._active_version(description, target, self._gateway.summary(target).active_model_version)

    def _model(self, name: str) -> tuple[Model, Sensors]:
        """The model and where each of its sensors is: one call when this container or the bucket has the
        facts of its newest training (found by start time, whatever order the trainings are listed in)."""
        target = Target.parse(name)
        try:
            trainings = self._gateway.runs(target, TRAINING)
        except WidgetError:
            self._named(name)  # says so when the key does not fit how the model is bound
            raise
        newest = trainings[0] if trainings else None
        training = f"{newest.execution_id}:{newest.status.value}" if newest else ""

        def build() -> tuple[Model, Sensors]:
            found = self._facts.get(target.key, training) if self._facts and newest else None
            if found is not None:
                return found
            model, sensors = self._build(self._named(name)[1], target, trainings)
            if self._facts and newest:
                self._facts.put(target.key, training, model, sensors)
            return model, sensors

        return self._models.get((target.key, training), build)

    def _build(self, description: Description, target: Target, trainings: tuple[Run, ...]) -> tuple[Model, Sensors]:
        sensors = self._sensors(description, target)
        components: dict[str, list[str]] = {}
        for sensor in sensors:
            components.setdefault(sensor.component, []).append(sensor.name)
        versions = {run.version for run in trainings if run.status is ExecutionStatus.SUCCESS and run.version}
        model = Model(
            name=target.key,
            dataset_name=self._asset_names(description, target),
            status=ModelStatus.NOT_TRAINED,
            created_at=description.created_at,
            components=tuple(Component(name, tuple(names)) for name, names in components.items()),
            display_name=self._display_name(description, target),
            versions=tuple(sorted(versions)),
        )
        if trainings:
            model = self._trained(model, description, target, trainings[0])
        return model, sensors

    def _trained(self, model: Model, description: Description, target: Target, newest: Run) -> Model:
        payload = self._last_training(description, target)
        model = replace(
            model,
            status=_MODEL_STATUSES[newest.status],
            training_run=TimeRange(newest.start, newest.end) if newest.end else None,
            created_at=newest.start,
        )
        if newest.status is ExecutionStatus.FAILED:
            model = replace(model, failed_reason=self._failure(newest))
        if payload is None:
            return replace(model, evaluation_note=f"Model {model.label}'s training settings could not be read.")
        model = replace(model, training_range=payload.training_range, sampling_rate=payload.sampling_rate)
        if newest.status is not ExecutionStatus.SUCCESS:
            return model
        return self._evaluated(model, payload, target, description)

    def _evaluated(self, model: Model, payload: TrainingPayload, target: Target, description: Description) -> Model:
        if payload.evaluation_range is None or (
            payload.metrics_destination is None and payload.evaluation_destination is None
        ):
            return replace(
                model,
                evaluation_note=(
                    f"Model {model.label} was trained without an evaluation configured (its training named no "
                    "evaluation period and destination), so there are no evaluation results to show. Train it "
                    "with modelEvaluationConfiguration and modelMetricsDestination to see them here."
                ),
            )
        names = self._names(description, target)
        evaluation = ModelEvaluation()
        if payload.metrics_destination is not None:
            text = self._gateway.newest_object(payload.metrics_destination, ".json")
            evaluation = model_metrics(text, names).evaluation if text else evaluation
        if not evaluation.events and payload.evaluation_destination is not None:
            text = self._gateway.newest_object(payload.evaluation_destination, ".jsonl")
            if text:
                records = evaluation_records(text, names).results
                events = anomaly_events(records, result_step(records))
                evaluation = replace(evaluation, events=tuple(events))
        return replace(model, evaluation_range=payload.evaluation_range, evaluation=evaluation)

    def read_sensor_history(self, model: Model, sensor: Sensor, interval: TimeRange, columns: int) -> SensorHistory:
        where = self._model(model.name)[1].get(sensor)
        if where is None:
            raise ResourceNotFoundError(f"Sensor {sensor.label} is not an input of model {model.label}.")
        return sitewise_values.sensor_history(self._gateway, sensor, *where, interval, columns)

    # Schedulers ----------------------------------------------------------------------------

    def list_schedulers(self, *, folded: bool = False) -> list[SchedulerSummary]:
        """Every model trained on its asset. Calls: the models list's, then per row the running state
        (`inferenceTimerActive` exists only per model and asset: one call per row, the one cost that
        grows with rows), the actions of stopped rows (what would Start send?), and the latest results
        in batches of 128. `folded`, a fleet is one row (`fleet_schedulers` draws a page of its assets)."""
        targets, fleets = self._listing(folded)
        with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
            states = list(pool.map(self._state, targets))
        trained = [(target, state) for target, state in zip(targets, states, strict=True) if state is not None]
        descriptions = [self._gateway.description(target.model_id) for target, _ in trained]
        latest = latest_results(self._gateway, descriptions, [target for target, _ in trained])
        rows = []
        for (target, (active, start)), description in zip(trained, descriptions, strict=True):
            outcome = latest[target.key].outcome if target.key in latest else None
            status = SchedulerStatus.RUNNING if active else SchedulerStatus.STOPPED
            rows.append(scheduler_row(target, self._display_name(description, target), start, outcome, status))
        return rows + [fleet_scheduler_row(fleet) for fleet in fleets]

    def _state(self, target: Target) -> tuple[bool, Action | None] | None:
        """Whether its inference runs and, stopped, the START that Start would re-send; None untrained."""
        summary = self._gateway.summary(target)
        if summary.empty:
            return None
        return summary.inference_active, None if summary.inference_active else self._last_start(target)

    def get_scheduler(self, name: str) -> Scheduler:
        target, description = self._named(name)
        summary = self._gateway.summary(target)
        start = self._last_start(target)
        payload = inference_payload(start.payload) if start else None
        names = self._names(description, target)
        result_asset, result_property = description.binding.result.on(target.asset_id)
        label = self._display_name(description, target)
        exchange = PropertyExchange(
            inputs=tuple(sensor.label for sensor in self._sensors(description, target)),
            output=f"{names(result_asset) or result_asset}\\{names(result_property) or result_property}",
            time_zone=payload.time_zone if payload else "UTC",
            operating_window=operating_window(payload) if payload else (),
            notes=payload.notes if payload else (),
        )
        return Scheduler(
            name=target.key,
            model_name=target.model_id,
            asset_id=target.asset_id,
            status=SchedulerStatus.RUNNING if summary.inference_active else SchedulerStatus.STOPPED,
            upload_frequency=payload.upload_frequency if payload else None,
            delay_offset=payload.delay_offset if payload else timedelta(0),
            exchange=exchange,
            created_at=description.created_at,
            latest_outcome=None,
            display_name=label,
            model_display_name=label,
            active_version=self._active_version(description, target, summary.active_model_version),
            start_refusal=None if payload else NO_START,
            start_settings=start_words(payload) if payload else None,
        )

    def display_name(self, scheduler_name: str) -> str:
        """From the cached description and asset names: the list that follows reads them anyway."""
        target, description = self._named(scheduler_name)
        return self._display_name(description, target)

    def start_scheduler(self, name: str) -> SchedulerStatus:
        """Re-send the last START's settings without its model version (see `restart_payload`)."""
        target, description = self._named(name)
        start = self._last_start(target)
        if start is None:
            raise InvalidInputError(NO_START)
        self._execute(description, target, restart_payload(start.payload))
        return SchedulerStatus.PENDING

    def stop_scheduler(self, name: str) -> SchedulerStatus:
        target, description = self._named(name)
        self._execute(description, target, '{"inferenceMode":"STOP"}')
        return SchedulerStatus.STOPPING

    def _execute(self, description: Description, target: Target, payload: str) -> None:
        """A new idempotency token per click: the SDK's retries of this call re-send the same one."""
        self._gateway.execute(target, description, payload, client_token=str(uuid.uuid4()))

    def iter_executions(
        self,
        scheduler_name: str,
        data_after: datetime | None = None,
        data_before: datetime | None = None,
        status: ExecutionStatus | None = None,
        page_size: int | None = None,
    ) -> Iterator[Execution]:
        """Inference runs newest first by start time (every page read, since their order is not
        documented); a failed run's reason is read when failed runs are asked for."""
        target, _ = self._named(scheduler_name)
        for run in self._gateway.runs(target, INFERENCE):
            if status is not None and run.status is not status:
                continue
            if run.start < (data_after or run.start) or run.start > (data_before or run.start):
                continue
            asked_failures = run.status is ExecutionStatus.FAILED and status is ExecutionStatus.FAILED
            yield Execution(
                scheduler_name=scheduler_name,
                status=run.status,
                scheduled_start=run.start,
                data_range=None,
                result_object=None,
                failed_reason=self._failure(run) if asked_failures else None,
            )

    def inference_window(self, scheduler_name: str, interval: TimeRange) -> InferenceWindow:
        return sitewise_values.inference_window(self._gateway, self._results_of(scheduler_name), interval)

    def results_between(self, scheduler_name: str, start: datetime, end: datetime) -> list[InferenceResult]:
        return sitewise_values.results_between(self._gateway, self._results_of(scheduler_name), start, end)

    def latest_anomaly(self, scheduler_name: str, now: datetime) -> LatestAnomaly:
        return sitewise_values.latest_anomaly(self._gateway, self._results_of(scheduler_name), now)

    # Reading -------------------------------------------------------------------------------

    def _listing(self, folded: bool) -> tuple[list[Target], list[Fleet]]:
        """The rows to draw: every (model, asset) pair (model-level bindings resolved to the assets actions
        ran on), or with `folded` the models bound to assets and the fleets of those bound at asset-model level."""
        with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
            model_ids = self._gateway.model_ids()
            descriptions = list(pool.map(self._gateway.description, model_ids))
            fleet_ids = [item.model_id for item in descriptions if folded and item.binding.at_model_level]
            fleets = list(pool.map(self.fleet, fleet_ids))
            resolved = list(pool.map(self._targets_of, [m for m in model_ids if m not in fleet_ids]))
        return [target for targets in resolved for target in targets], fleets

    def _targets_of(self, model_id: str) -> list[Target]:
        description = self._gateway.description(model_id)
        if not description.binding.at_model_level:
            return [Target(model_id)]
        assets = self._gateway.resolved_assets(model_id, description.name)
        return [Target(model_id, asset_id) for asset_id in assets] or [Target(model_id)]

    def _named(self, name: str) -> tuple[Target, Description]:
        """The model a request names, refused when its asset part does not fit how the model is bound."""
        target = Target.parse(name)
        description = self._gateway.description(target.model_id)
        if description.binding.at_model_level == (target.asset_id is not None):
            return target, description
        fix = "add `_` and an asset id" if target.asset_id is None else "drop `_` and the asset id"
        bound = "at asset-model level" if target.asset_id is None else "to assets"
        raise ResourceNotFoundError(
            f"Not found: model {target.key}. Computation model {description.name} is bound {bound}: {fix}."
        )

    def _results_of(self, scheduler_name: str) -> ResultProperty:
        target, description = self._named(scheduler_name)
        asset_id, property_id = description.binding.result.on(target.asset_id)
        return ResultProperty(
            asset_id,
            property_id,
            self._display_name(description, target),
            self._names(description, target),
        )

    def _failure(self, run: Run) -> str:
        described = self._gateway.execution(run)
        return failure_reason(described.get("executionResult"), described.get("executionDetails"))

    def _active_version(self, description: Description, target: Target, named: int | None) -> int | None:
        """The version inference uses: the execution summary's, when it names one (its key is a guess); else
        the version the newest START asked for, unless a training succeeded since (it may have been promoted);
        unknown otherwise (a START without a version keeps the last active one)."""
        if named is not None:
            return named
        start = self._last_start(target, description)
        asked = inference_payload(start.payload).target_model_version if start else None
        if start is None or asked is None or start.executed_at is None:
            return None
        trainings = self._gateway.runs(target, TRAINING)
        retrained = any(run.status is ExecutionStatus.SUCCESS and run.start > start.executed_at for run in trainings)
        return None if retrained else asked

    def _last_start(self, target: Target, description: Description | None = None) -> Action | None:
        """The newest readable START by execution time, whatever order the actions are listed in."""
        description = description or self._gateway.description(target.model_id)
        for action in self._gateway.actions(target, description, INFERENCE):
            try:
                if inference_payload(action.payload).mode == "START":
                    return action
            except SiteWiseFormatError as error:
                logger.warning("unreadable inference payload %s of %s: %s", action.action_id, target.key, error)
        return None

    def _last_training(self, description: Description, target: Target) -> TrainingPayload | None:
        """The newest readable training payload by execution time."""
        for action in self._gateway.actions(target, description, TRAINING):
            try:
                return training_payload(action.payload)
            except SiteWiseFormatError as error:
                logger.warning("unreadable training payload %s of %s: %s", action.action_id, target.key, error)
        return None

    def _input_assets(self, description: Description, target: Target) -> list[str]:
        return list(dict.fromkeys(item.on(target.asset_id)[0] for item in description.binding.inputs))

    def _names(self, description: Description, target: Target) -> Callable[[str], str | None]:
        """Asset and property ids of the model's assets to their names (for diagnostics labels)."""
        asset_ids = [*self._input_assets(description, target), description.binding.result.on(target.asset_id)[0]]
        assets = {asset_id: self._gateway.asset(asset_id) for asset_id in dict.fromkeys(asset_ids)}
        lookup = {asset_id: asset.name for asset_id, asset in assets.items()}
        for asset in assets.values():
            lookup.update(asset.properties)
        return lookup.get

    def _sensors(self, description: Description, target: Target) -> Sensors:
        sensors: Sensors = {}
        for item in description.binding.inputs:
            asset_id, property_id = item.on(target.asset_id)
            asset = self._gateway.asset(asset_id)
            sensors.setdefault(
                Sensor(asset.name, asset.properties.get(property_id, property_id)), (asset_id, property_id)
            )
        return sensors

    def _asset_names(self, description: Description, target: Target) -> str:
        if target.asset_id is not None:
            return self._gateway.asset(target.asset_id).name
        return ", ".join(self._gateway.asset(asset_id).name for asset_id in self._input_assets(description, target))

    def _display_name(self, description: Description, target: Target) -> str:
        if target.asset_id is None:
            return description.name
        return f"{description.name} on {self._gateway.asset(target.asset_id).name}"
