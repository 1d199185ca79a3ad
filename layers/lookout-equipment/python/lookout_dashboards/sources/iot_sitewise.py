"""Adapter from AWS IoT SiteWise anomaly detection to the domain model.

A *model* (and its *scheduler*) is an anomaly-detection computation model on one asset: one per
model bound to assets, one per (model, asset) for a model bound at asset-model level. It is named
in requests by ids, `<computationModelId>` or `<computationModelId>_<assetId>`; people read
`<model name> on <asset name>`. Sensors are the model's input properties, labelled
`<asset name>\\<property name>`. What the documentation leaves open is parsed in `sitewise_formats`.

A warm source keeps what rarely changes (computation models, asset names, a trained model's
facts, keyed by its newest training), so a render's calls are the few that read what is new.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any

from ..aws import pages, translated_errors
from ..domain import (
    AnomalyEvent,
    Component,
    Execution,
    ExecutionStatus,
    InferenceOutcome,
    InferenceResult,
    InferenceWindow,
    LatestAnomaly,
    Model,
    ModelEvaluation,
    ModelStatus,
    ModelSummary,
    S3Location,
    Scheduler,
    SchedulerStatus,
    SchedulerSummary,
    Sensor,
    SensorHistory,
    SensorImportance,
    Terms,
    TimeRange,
    usual_gap,
)
from ..errors import InvalidInputError, NothingToShowError, ResourceNotFoundError, WidgetError
from ..formatting import counted, local_time
from .sitewise_formats import (
    DataBinding,
    ExecutionSummary,
    InferencePayload,
    SiteWiseFormatError,
    TrainingPayload,
    data_binding,
    evaluation_records,
    execution_summary,
    failure_reason,
    inference_payload,
    inference_result,
    model_metrics,
    training_payload,
)
from .sitewise_model_cache import ModelFactsCache

if TYPE_CHECKING:
    from mypy_boto3_iotsitewise import IoTSiteWiseClient
    from mypy_boto3_s3 import S3Client

logger = logging.getLogger(__name__)
TRAINING = "AWS/ANOMALY_DETECTION_TRAINING"
INFERENCE = "AWS/ANOMALY_DETECTION_INFERENCE"
LIST_PAGE_SIZE = 250
HISTORY_PAGE_SIZE = 20_000
AGGREGATES_PAGE_SIZE = 2_500
LATEST_ENTRIES = 128
#: Aggregate resolutions, finest first.
RESOLUTIONS = (
    ("1m", timedelta(minutes=1)),
    ("15m", timedelta(minutes=15)),
    ("1h", timedelta(hours=1)),
    ("1d", timedelta(days=1)),
)
#: Pages of results a chart reads at most: 200,000 results, 23 days of one-minute results.
MAX_RESULT_PAGES = 10
#: How far back the last diagnostics look, in one page of the newest results.
ANOMALY_LOOKBACK = timedelta(days=30)
#: Execution pages read at most to sort them (their order is not documented): 2,500 runs.
MAX_EXECUTION_PAGES = 10
#: Inference actions described at most, newest first, to find the last START payload.
MAX_ACTIONS_DESCRIBED = 5
#: Seconds a computation model's description is trusted.
DESCRIPTION_TTL_S = 300.0
#: How long after its own time a result may be written (SiteWise: 5 to 10 minutes after the data arrives,
#: plus a delay offset of up to an hour).
RESULT_LAG = timedelta(hours=2)
#: Seconds a listing of inference runs serves the rest of a render.
RUNS_TTL_S = 10.0
READ_THREADS = 8
_KEY = re.compile(r"^([0-9a-fA-F-]{36})(?:_([0-9a-fA-F-]{36}))?$")
_STATUSES = {
    "RUNNING": ExecutionStatus.IN_PROGRESS,
    "COMPLETED": ExecutionStatus.SUCCESS,
    "FAILED": ExecutionStatus.FAILED,
}
_MODEL_STATUSES = {
    ExecutionStatus.IN_PROGRESS: ModelStatus.IN_PROGRESS,
    ExecutionStatus.SUCCESS: ModelStatus.SUCCESS,
    ExecutionStatus.FAILED: ModelStatus.FAILED,
}


@dataclass(frozen=True)
class Target:
    """A computation model, resolved to an asset when it is bound at asset-model level."""

    model_id: str
    asset_id: str | None = None

    @property
    def key(self) -> str:
        return self.model_id if self.asset_id is None else f"{self.model_id}_{self.asset_id}"

    @classmethod
    def parse(cls, key: str) -> Target:
        match = _KEY.match(key)
        if not match:
            raise ResourceNotFoundError(
                "Not found: a SiteWise model is named by its computation model id, then `_` and the asset id "
                "for a model bound at asset-model level."
            )
        return cls(match.group(1), match.group(2))

    def resolve_to(self) -> dict[str, str]:
        return {"resolveToResourceType": "ASSET", "resolveToResourceId": self.asset_id} if self.asset_id else {}

    def action_target(self) -> dict[str, Any]:
        return {
            "targetResource": {"computationModelId": self.model_id},
            **({"resolveTo": {"assetId": self.asset_id}} if self.asset_id else {}),
        }


@dataclass(frozen=True)
class Asset:
    name: str
    properties: Mapping[str, str]


@dataclass(frozen=True)
class Description:
    """What a render needs of DescribeComputationModel: names, binding, action definitions."""

    model_id: str
    name: str
    created_at: datetime | None
    binding: DataBinding
    definitions: Mapping[str, str]


@dataclass(frozen=True)
class Run:
    """A training or inference execution summary."""

    execution_id: str
    status: ExecutionStatus
    start: datetime
    end: datetime | None
    version: int | None


class SiteWiseSource:
    """Implements `AnomalySource` over the AWS IoT SiteWise API (and S3 for training outputs)."""

    terms = Terms(service="AWS IoT SiteWise", dataset="Asset", scheduler="inference", component="asset", titled=True)

    def __init__(
        self,
        sitewise: IoTSiteWiseClient,
        s3: S3Client,
        facts: ModelFactsCache | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sitewise = sitewise
        self._s3 = s3
        self._facts = facts
        self._clock = clock
        self._descriptions: dict[str, tuple[float, Description]] = {}
        self._assets: dict[str, Asset] = {}
        self._asset_locks: dict[str, threading.Lock] = {}
        #: Per model key: the newest training's (id, status) and the model built from it.
        self._models: dict[str, tuple[tuple[str, ExecutionStatus], Model, dict[Sensor, tuple[str, str]]]] = {}
        #: Targets a START was found for, and each target's latest listing of runs (with when it was made).
        self._started: set[str] = set()
        self._listed_runs: dict[tuple[str, str], tuple[float, list[Run]]] = {}
        self._listed_actions: dict[str, tuple[float, list[Mapping[str, Any]]]] = {}

    # Models --------------------------------------------------------------------------------

    def list_models(self, created_in: TimeRange | None = None) -> list[ModelSummary]:
        """Calls: pages of models, then per model its description and assets, per row its trainings."""
        with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
            rows = [summary for summary, _ in pool.map(self._row, self._targets())]
        if created_in is None:
            return rows
        return [row for row in rows if row.created_at is not None and created_in.contains(row.created_at)]

    def _row(self, target: Target) -> tuple[ModelSummary, bool]:
        """A models list row (its newest training's status and time), and whether any training completed."""
        description = self._description(target.model_id)
        trainings = self._runs(target, TRAINING)
        newest = trainings[0] if trainings else None
        summary = ModelSummary(
            name=target.key,
            dataset_name=self._asset_names(description, target),
            status=_MODEL_STATUSES[newest.status] if newest else ModelStatus.NOT_TRAINED,
            created_at=newest.start if newest else description.created_at,
            display_name=self._display_name(description, target),
        )
        return summary, any(run.status is ExecutionStatus.SUCCESS for run in trainings)

    def get_model(self, name: str) -> Model:
        return self._model(name)[0]

    def active_version(self, model_name: str) -> int | None:
        """Read at each call, not kept with the model's facts: a START may switch it without a training."""
        target, description = self._named(model_name)
        return self._active_version(description, target)

    def _model(self, name: str) -> tuple[Model, dict[Sensor, tuple[str, str]]]:
        """The model and where each of its sensors is: one call when this container or the bucket has the
        facts of its newest training, which it lists first."""
        target = Target.parse(name)
        try:
            trainings = self._runs(target, TRAINING)
        except WidgetError:
            self._named(name)  # says so when the key does not fit how the model is bound
            raise
        newest = trainings[0] if trainings else None
        state = (newest.execution_id, newest.status) if newest else ("", ExecutionStatus.FAILED)
        kept = self._models.get(target.key)
        if kept and kept[0] == state:
            return kept[1], kept[2]
        training = f"{state[0]}:{state[1].value}"
        found = self._facts.get(target.key, training) if self._facts and newest else None
        if found is not None:
            self._models[target.key] = (state, *found)
            return found
        model, sensors = self._build(self._named(name)[1], target, trainings)
        self._models[target.key] = (state, model, sensors)
        if self._facts and newest:
            self._facts.put(target.key, training, model, sensors)
        return model, sensors

    def _build(
        self, description: Description, target: Target, trainings: list[Run]
    ) -> tuple[Model, dict[Sensor, tuple[str, str]]]:
        newest = trainings[0] if trainings else None
        sensors = self._sensors(description, target)
        components: dict[str, list[str]] = {}
        for sensor in sensors:
            components.setdefault(sensor.component, []).append(sensor.name)
        model = Model(
            name=target.key,
            dataset_name=self._asset_names(description, target),
            status=ModelStatus.NOT_TRAINED,
            created_at=description.created_at,
            components=tuple(Component(name, tuple(names)) for name, names in components.items()),
            display_name=self._display_name(description, target),
            versions=tuple(
                sorted(
                    {
                        run.version
                        for run in trainings
                        if run.status is ExecutionStatus.SUCCESS and run.version is not None
                    }
                )
            ),
        )
        if newest is not None:
            model = self._trained(model, description, target, newest)
        return model, sensors

    def _trained(self, model: Model, description: Description, target: Target, newest: Run) -> Model:
        payload = self._last_payload(description, target, TRAINING, training_payload)
        model = replace(
            model,
            status=_MODEL_STATUSES[newest.status],
            training_run=TimeRange(newest.start, newest.end) if newest.end else None,
            created_at=newest.start,
        )
        if newest.status is ExecutionStatus.FAILED:
            with translated_errors(f"the training of {model.label}"):
                described = self._sitewise.describe_execution(executionId=newest.execution_id)
            reason = failure_reason(described.get("executionResult"), described.get("executionDetails"))
            model = replace(model, failed_reason=reason)
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
            text = self._newest_object(payload.metrics_destination, ".json")
            evaluation = model_metrics(text, names).evaluation if text else evaluation
        if not evaluation.events and payload.evaluation_destination is not None:
            text = self._newest_object(payload.evaluation_destination, ".jsonl")
            if text:
                records = evaluation_records(text, names).results
                events = anomaly_events(records, result_step(records))
                evaluation = replace(evaluation, events=tuple(events))
        return replace(model, evaluation_range=payload.evaluation_range, evaluation=evaluation)

    def read_sensor_history(self, model: Model, sensor: Sensor, interval: TimeRange, columns: int) -> SensorHistory:
        """Each bucket's minimum and maximum, at the finest resolution one page holds: one call, whatever
        the history's length (a range longer than 2,500 days takes a page per 2,500 days)."""
        kept = self._models.get(model.name)
        sensors = kept[2] if kept and kept[1] == model else self._model(model.name)[1]
        where = sensors.get(sensor)
        if where is None:
            raise ResourceNotFoundError(f"Sensor {sensor.label} is not an input of model {model.label}.")
        resolution = aggregate_resolution(interval, max(columns, 1))
        with translated_errors(f"the values of {sensor.label}"):
            buckets = list(
                _pages(
                    self._sitewise.get_asset_property_aggregates,
                    "aggregatedValues",
                    assetId=where[0],
                    propertyId=where[1],
                    aggregateTypes=["MINIMUM", "MAXIMUM"],
                    resolution=resolution,
                    startDate=interval.start,
                    endDate=interval.end,
                    maxResults=AGGREGATES_PAGE_SIZE,
                )
            )
        import numpy as np  # the chart widgets have it loaded; the list widgets never come here

        times, values = [], []
        for bucket in buckets:
            moment = bucket["timestamp"].timestamp()
            for key in ("minimum", "maximum"):
                value = bucket.get("value", {}).get(key)
                if value is not None:
                    times.append(moment)
                    values.append(float(value))
        order = np.argsort(np.asarray(times, dtype=np.float64), kind="stable")
        return SensorHistory(
            sensor.component,
            sensor.name,
            np.asarray(times, dtype=np.float64)[order],
            np.asarray(values, dtype=np.float64)[order],
        )

    # Schedulers ----------------------------------------------------------------------------

    def list_schedulers(self) -> list[SchedulerSummary]:
        """Every model trained on its asset. Calls: the models list's, then per row the running state
        (`inferenceTimerActive` exists only per model and asset: one call per row, the one cost that
        grows with rows), the actions of stopped rows (can Start re-send settings?), and the latest
        results in batches of 128."""
        targets = self._targets()
        with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
            states = list(pool.map(self._running, targets))
            trained = [(target, active) for target, active in zip(targets, states, strict=True) if active is not None]
            refusals = list(pool.map(lambda pair: None if pair[1] else self._start_refusal(pair[0]), trained))
        outcomes = self._latest_outcomes([target for target, _ in trained])
        summaries = []
        for (target, active), refusal in zip(trained, refusals, strict=True):
            label = self._display_name(self._description(target.model_id), target)
            summaries.append(
                SchedulerSummary(
                    name=target.key,
                    model_name=target.model_id,
                    asset_id=target.asset_id,
                    status=SchedulerStatus.RUNNING if active else SchedulerStatus.STOPPED,
                    upload_frequency=None,
                    delay_offset=timedelta(0),
                    latest_outcome=outcomes.get(target.key),
                    display_name=label,
                    model_display_name=label,
                    start_refusal=refusal,
                )
            )
        return summaries

    def get_scheduler(self, name: str) -> Scheduler:
        target, description = self._named(name)
        sensors = self._sensors(description, target)
        label = self._display_name(description, target)
        active = self._running(target)
        payload = self._last_start(description, target)
        names = self._names(description, target)
        result_asset, result_property = description.binding.result.on(target.asset_id)
        output = f"{names(result_asset) or result_asset}\\{names(result_property) or result_property}"
        return Scheduler(
            name=target.key,
            model_name=target.model_id,
            asset_id=target.asset_id,
            status=SchedulerStatus.RUNNING if active else SchedulerStatus.STOPPED,
            upload_frequency=payload.upload_frequency if payload else None,
            delay_offset=payload.delay_offset if payload else timedelta(0),
            input_location=None,
            output_location=None,
            input_naming=None,
            input_time_zone_offset=timedelta(0),
            created_at=description.created_at,
            latest_outcome=None,
            display_name=label,
            model_display_name=label,
            inputs=tuple(sensor.label for sensor in sensors),
            output=output,
            time_zone=payload.time_zone if payload else None,
            model_version=payload.target_model_version if payload else None,
            operating_window=operating_window(payload) if payload else (),
            start_refusal=None if payload else _NO_START,
            notes=payload.notes if payload else (),
        )

    def display_name(self, scheduler_name: str) -> str:
        """From the cached description and asset names: the list that follows reads them anyway."""
        target, description = self._named(scheduler_name)
        return self._display_name(description, target)

    def start_scheduler(self, name: str) -> SchedulerStatus:
        """Re-send the last START payload: the settings the inference was last started with."""
        target, description = self._named(name)
        text = self._last_start_text(description, target)
        if text is None:
            raise InvalidInputError(_NO_START)
        self._execute(description, target, json.dumps(json.loads(text), separators=(",", ":")))
        return SchedulerStatus.PENDING

    def stop_scheduler(self, name: str) -> SchedulerStatus:
        target, description = self._named(name)
        self._execute(description, target, '{"inferenceMode":"STOP"}')
        return SchedulerStatus.STOPPING

    def _execute(self, description: Description, target: Target, payload: str) -> None:
        definition = description.definitions.get(INFERENCE)
        if definition is None:
            raise InvalidInputError(f"Model {description.name} has no inference action to run.")
        with translated_errors(f"the inference of {description.name}", "change"):
            self._sitewise.execute_action(
                actionDefinitionId=definition, actionPayload={"stringValue": payload}, **target.action_target()
            )
        self._listed_actions.pop(target.key, None)  # the action just sent is the newest now

    def iter_executions(
        self,
        scheduler_name: str,
        data_after: datetime | None = None,
        data_before: datetime | None = None,
        status: ExecutionStatus | None = None,
        page_size: int | None = None,
    ) -> Iterator[Execution]:
        """Inference runs newest first (read up to `MAX_EXECUTION_PAGES` pages, since their order is not
        documented); a failed run's reason is read when failed runs are asked for."""
        target, _ = self._named(scheduler_name)
        for run in self._runs(target, INFERENCE):
            if status is not None and run.status is not status:
                continue
            if run.start < (data_after or run.start) or run.start > (data_before or run.start):
                continue
            reason = None
            if run.status is ExecutionStatus.FAILED and status is ExecutionStatus.FAILED:
                with translated_errors(f"the inference run of {run.start:%Y-%m-%d %H:%M}"):
                    described = self._sitewise.describe_execution(executionId=run.execution_id)
                reason = failure_reason(described.get("executionResult"), described.get("executionDetails"))
            yield Execution(
                scheduler_name=scheduler_name,
                status=run.status,
                scheduled_start=run.start,
                data_range=None,
                result_object=None,
                failed_reason=reason,
            )

    def inference_window(self, scheduler_name: str, interval: TimeRange) -> InferenceWindow:
        """The result property's values in the range, newest first, at most `MAX_RESULT_PAGES` pages."""
        target, description = self._named(scheduler_name)
        asset_id, property_id = description.binding.result.on(target.asset_id)
        names = self._names(description, target)
        values, more = self._history(asset_id, property_id, interval, ascending=False, max_pages=MAX_RESULT_PAGES)
        if not values:
            raise self._nothing_in(description, target, asset_id, property_id)
        results, malformed = parse_results(values, names)
        problems = f"{counted(malformed, 'result value')} that could not be read skipped." if malformed else None
        if not results:
            raise NothingToShowError(f"No readable inference result in this time range: {problems}")
        step = result_step(results)
        return InferenceWindow(
            results=tuple(results),
            events=tuple(anomaly_events(results, step)),
            step=step,
            cut_before=results[0].timestamp if more else None,
            problems=problems,
        )

    def results_between(self, scheduler_name: str, start: datetime, end: datetime) -> list[InferenceResult]:
        """Results timed in the range, oldest first. Values are stored at the time they were written, up to
        `RESULT_LAG` after the time they are about: the read reaches that far past `end`."""
        target, description = self._named(scheduler_name)
        asset_id, property_id = description.binding.result.on(target.asset_id)
        written = TimeRange(start, end + RESULT_LAG)
        values, _ = self._history(asset_id, property_id, written, ascending=True, max_pages=10_000)
        results, malformed = parse_results(values, self._names(description, target))
        if malformed:
            logger.warning("%d unreadable result values of %s skipped", malformed, target.key)
        return [result for result in results if start < result.timestamp <= end]

    def latest_anomaly(self, scheduler_name: str, now: datetime) -> LatestAnomaly:
        """One page of the newest results of the last 30 days, newest first."""
        target, description = self._named(scheduler_name)
        asset_id, property_id = description.binding.result.on(target.asset_id)
        names = self._names(description, target)
        interval = TimeRange(now - ANOMALY_LOOKBACK, now)
        values, _ = self._history(asset_id, property_id, interval, ascending=False, max_pages=1)
        results, malformed = parse_results(values, names)
        label = self._display_name(description, target)
        if not values:
            raise NothingToShowError(
                f"The inference of {label} wrote no result in the last {ANOMALY_LOOKBACK.days} days."
            )
        anomalous = [result for result in results if result.is_anomalous and result.diagnostics]
        if not anomalous:
            raise NothingToShowError(
                f"The inference of {label} found no anomaly in its newest {counted(len(values), 'result')} "
                f"(since {local_time(results[0].timestamp if results else interval.start, timedelta(0))} UTC)."
                + (f" {counted(malformed, 'result value')} could not be read." if malformed else "")
            )
        newest = max(anomalous, key=lambda result: result.timestamp)
        problem = f"{counted(malformed, 'result value')} could not be read." if malformed else None
        return LatestAnomaly(newest.diagnostics, at=newest.timestamp, problems=problem)

    # Reading -------------------------------------------------------------------------------

    def _targets(self) -> list[Target]:
        """Every (model, asset) pair: asset-model-level models resolve to the assets actions ran on."""
        with translated_errors("the computation models"):
            models = [
                item["id"]
                for item in _pages(
                    self._sitewise.list_computation_models,
                    "computationModelSummaries",
                    computationModelType="ANOMALY_DETECTION",
                    maxResults=LIST_PAGE_SIZE,
                )
            ]
        with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
            resolved = list(pool.map(self._targets_of, models))
        return [target for targets in resolved for target in targets]

    def _targets_of(self, model_id: str) -> list[Target]:
        description = self._description(model_id)
        if not description.binding.at_model_level:
            return [Target(model_id)]
        with translated_errors(f"the assets of {description.name}"):
            assets = [
                item["resolveTo"]["assetId"]
                for item in _pages(
                    self._sitewise.list_computation_model_resolve_to_resources,
                    "computationModelResolveToResourceSummaries",
                    computationModelId=model_id,
                    maxResults=LIST_PAGE_SIZE,
                )
            ]
        return [Target(model_id, asset_id) for asset_id in dict.fromkeys(assets)] or [Target(model_id)]

    def _named(self, name: str) -> tuple[Target, Description]:
        """The model a request names, refused when its asset part does not fit how the model is bound."""
        target = Target.parse(name)
        description = self._description(target.model_id)
        if description.binding.at_model_level == (target.asset_id is not None):
            return target, description
        fix = "add `_` and an asset id" if target.asset_id is None else "drop `_` and the asset id"
        bound = "at asset-model level" if target.asset_id is None else "to assets"
        raise ResourceNotFoundError(
            f"Not found: model {target.key}. Computation model {description.name} is bound {bound}: {fix}."
        )

    def _description(self, model_id: str) -> Description:
        kept = self._descriptions.get(model_id)
        if kept and self._clock() - kept[0] < DESCRIPTION_TTL_S:
            return kept[1]
        with translated_errors(f"computation model {model_id}"):
            response = self._sitewise.describe_computation_model(computationModelId=model_id)
        try:
            binding = data_binding(response)
        except SiteWiseFormatError as error:
            raise NothingToShowError(
                f"Computation model {response.get('computationModelName', model_id)}: {error}."
            ) from None
        definitions: dict[str, str] = {}
        for item in response.get("actionDefinitions", []):
            kind = item.get("actionType") or item.get("actionName")  # the samples disagree (reference, section 2)
            if kind in (TRAINING, INFERENCE):
                definitions.setdefault(kind, item["actionDefinitionId"])
        description = Description(
            model_id=model_id,
            name=response.get("computationModelName", model_id),
            created_at=response.get("computationModelCreationDate"),
            binding=binding,
            definitions=definitions,
        )
        self._descriptions[model_id] = (self._clock(), description)
        return description

    def _asset(self, asset_id: str) -> Asset:
        """Described once per source: rows read in parallel often share an asset."""
        if asset_id in self._assets:
            return self._assets[asset_id]
        with self._asset_locks.setdefault(asset_id, threading.Lock()):
            if asset_id not in self._assets:
                with translated_errors(f"asset {asset_id}"):
                    response = self._sitewise.describe_asset(assetId=asset_id)
                properties = {item["id"]: item.get("name", item["id"]) for item in response.get("assetProperties", [])}
                self._assets[asset_id] = Asset(response.get("assetName", asset_id), properties)
        return self._assets[asset_id]

    def _input_assets(self, description: Description, target: Target) -> list[str]:
        return list(dict.fromkeys(item.on(target.asset_id)[0] for item in description.binding.inputs))

    def _names(self, description: Description, target: Target) -> Callable[[str], str | None]:
        """Asset and property ids of the model's assets to their names (for diagnostics labels)."""
        assets = {asset_id: self._asset(asset_id) for asset_id in self._input_assets(description, target)}
        result_asset = description.binding.result.on(target.asset_id)[0]
        assets.setdefault(result_asset, self._asset(result_asset))
        lookup = {asset_id: asset.name for asset_id, asset in assets.items()}
        for asset in assets.values():
            lookup.update(asset.properties)
        return lookup.get

    def _sensors(self, description: Description, target: Target) -> dict[Sensor, tuple[str, str]]:
        sensors: dict[Sensor, tuple[str, str]] = {}
        for item in description.binding.inputs:
            asset_id, property_id = item.on(target.asset_id)
            asset = self._asset(asset_id)
            sensors.setdefault(
                Sensor(asset.name, asset.properties.get(property_id, property_id)), (asset_id, property_id)
            )
        return sensors

    def _asset_names(self, description: Description, target: Target) -> str:
        if target.asset_id is not None:
            return self._asset(target.asset_id).name
        return ", ".join(self._asset(asset_id).name for asset_id in self._input_assets(description, target))

    def _display_name(self, description: Description, target: Target) -> str:
        if target.asset_id is None:
            return description.name
        return f"{description.name} on {self._asset(target.asset_id).name}"

    def _runs(self, target: Target, action_type: str) -> list[Run]:
        """Executions newest first; inference runs listed in the last `RUNS_TTL_S` are reused (a details
        render asks for all runs, the newest success and the newest failure)."""
        kept = self._listed_runs.get((target.key, action_type))
        if action_type == INFERENCE and kept and self._clock() - kept[0] < RUNS_TTL_S:
            return kept[1]
        runs = self._list_runs(target, action_type)
        self._listed_runs[(target.key, action_type)] = (self._clock(), runs)
        return runs

    def _list_runs(self, target: Target, action_type: str) -> list[Run]:
        with translated_errors(f"the {'trainings' if action_type == TRAINING else 'inference runs'} of {target.key}"):
            items = islice(
                _pages(
                    self._sitewise.list_executions,
                    "executionSummaries",
                    targetResourceType="COMPUTATION_MODEL",
                    targetResourceId=target.model_id,
                    actionType=action_type,
                    maxResults=LIST_PAGE_SIZE,
                    **target.resolve_to(),
                ),
                MAX_EXECUTION_PAGES * LIST_PAGE_SIZE,
            )
            runs = [_run(item) for item in items]
        return sorted(runs, key=lambda run: run.start, reverse=True)

    def _running(self, target: Target) -> bool | None:
        """Whether inference runs; None before any training succeeded (the summary is empty until then)."""
        summary = self._summary(target)
        return None if summary.empty else summary.inference_active

    def _summary(self, target: Target) -> ExecutionSummary:
        with translated_errors(f"the inference state of {target.key}"):
            response = self._sitewise.describe_computation_model_execution_summary(
                computationModelId=target.model_id, **target.resolve_to()
            )
        return execution_summary(response.get("computationModelExecutionSummary"))

    def _active_version(self, description: Description, target: Target) -> int | None:
        """The version inference uses: the execution summary's, when it names one (its key is a guess), else
        the version the last START asked for; unknown otherwise (a START without one keeps the last active)."""
        named = self._summary(target).active_model_version
        if named is not None:
            return named
        start = self._last_start(description, target)
        return start.target_model_version if start else None

    def _start_refusal(self, target: Target) -> str | None:
        """None once a START was ever found (it stays in the history: a warm list asks no more)."""
        if target.key in self._started:
            return None
        return None if self._last_start_text(self._description(target.model_id), target) else _NO_START

    def _actions(self, description: Description, target: Target, action_type: str) -> list[str]:
        """Ids of the target's actions of one type, newest last (as listed: the order is our assumption).
        One listing serves a render's questions (training settings, last START) for `RUNS_TTL_S`."""
        kept = self._listed_actions.get(target.key)
        if kept is None or self._clock() - kept[0] >= RUNS_TTL_S:
            with translated_errors(f"the actions of {description.name}"):
                listed = list(
                    _pages(
                        self._sitewise.list_actions,
                        "actionSummaries",
                        targetResourceType="COMPUTATION_MODEL",
                        targetResourceId=target.model_id,
                        maxResults=LIST_PAGE_SIZE,
                        **target.resolve_to(),
                    )
                )
            kept = self._listed_actions[target.key] = (self._clock(), listed)
        definition = description.definitions.get(action_type)
        return [item["actionId"] for item in kept[1] if definition and item.get("actionDefinitionId") == definition]

    def _payloads(self, description: Description, target: Target, action_type: str) -> Iterator[str]:
        """Payloads of the newest actions, newest first, each described only when the caller asks for it
        (at most `MAX_ACTIONS_DESCRIBED`): the first readable one usually ends the search."""
        for action_id in reversed(self._actions(description, target, action_type)[-MAX_ACTIONS_DESCRIBED:]):
            with translated_errors(f"action {action_id}"):
                response = self._sitewise.describe_action(actionId=action_id)
            yield response.get("actionPayload", {}).get("stringValue", "")

    def _last_payload(
        self, description: Description, target: Target, action_type: str, parse: Callable[[str], Any]
    ) -> Any:
        for text in self._payloads(description, target, action_type):
            try:
                return parse(text)
            except SiteWiseFormatError as error:
                logger.warning("unreadable %s payload of %s: %s", action_type, target.key, error)
        return None

    def _last_start_text(self, description: Description, target: Target) -> str | None:
        for text in self._payloads(description, target, INFERENCE):
            try:
                if inference_payload(text).mode == "START":
                    self._started.add(target.key)
                    return text
            except SiteWiseFormatError:
                continue
        return None

    def _last_start(self, description: Description, target: Target) -> InferencePayload | None:
        text = self._last_start_text(description, target)
        return inference_payload(text) if text else None

    def _history(
        self, asset_id: str, property_id: str, interval: TimeRange, *, ascending: bool, max_pages: int
    ) -> tuple[list[Mapping[str, Any]], bool]:
        """Values in the range, at most `max_pages` pages; True when more were left unread."""
        values: list[Mapping[str, Any]] = []
        token: str | None = None
        with translated_errors("the inference results"):
            for _ in range(max_pages):
                response = self._sitewise.get_asset_property_value_history(
                    assetId=asset_id,
                    propertyId=property_id,
                    startDate=interval.start,
                    endDate=interval.end,
                    timeOrdering="ASCENDING" if ascending else "DESCENDING",
                    maxResults=HISTORY_PAGE_SIZE,
                    **({"nextToken": token} if token else {}),
                )
                values.extend(response.get("assetPropertyValueHistory", []))
                token = response.get("nextToken")
                if not token:
                    return values, False
        return values, True

    def _latest_outcomes(self, targets: Sequence[Target]) -> dict[str, InferenceOutcome]:
        """The newest result of each target, `LATEST_ENTRIES` per request."""
        entries = []
        for index, target in enumerate(targets):
            asset_id, property_id = self._description(target.model_id).binding.result.on(target.asset_id)
            entries.append({"entryId": f"e{index}", "assetId": asset_id, "propertyId": property_id})
        outcomes: dict[str, InferenceOutcome] = {}
        for start in range(0, len(entries), LATEST_ENTRIES):
            batch = entries[start : start + LATEST_ENTRIES]
            with translated_errors("the latest inference results"):
                found = list(
                    _pages(
                        self._sitewise.batch_get_asset_property_value,
                        "successEntries",
                        entries=batch,
                    )
                )
            for item in found:
                value = item.get("assetPropertyValue", {}).get("value", {}).get("stringValue")
                if value is None:
                    continue
                try:
                    result = inference_result(value, {})
                except SiteWiseFormatError:
                    continue
                target = targets[int(item["entryId"][1:])]
                outcomes[target.key] = InferenceOutcome.ANOMALOUS if result.is_anomalous else InferenceOutcome.NORMAL
        return outcomes

    def _newest_object(self, location: S3Location, suffix: str) -> str | None:
        """The newest object under a training output prefix whose name ends with `suffix`."""
        with translated_errors(f"the training outputs in {location.uri}"):
            objects = [
                item
                for page in self._s3.get_paginator("list_objects_v2").paginate(
                    Bucket=location.bucket, Prefix=location.prefix
                )
                for item in page.get("Contents", [])
                if item["Key"].lower().endswith(suffix)
            ]
            if not objects:
                return None
            newest = max(objects, key=lambda item: (item["LastModified"], item["Key"]))
            body = self._s3.get_object(Bucket=location.bucket, Key=newest["Key"])["Body"].read()
        return body.decode("utf-8", errors="replace")

    def _nothing_in(
        self, description: Description, target: Target, asset_id: str, property_id: str
    ) -> NothingToShowError:
        label = self._display_name(description, target)
        with translated_errors("the latest inference result"):
            latest = self._sitewise.get_asset_property_value(assetId=asset_id, propertyId=property_id)
        value = latest.get("propertyValue")
        if not value:
            return NothingToShowError(f"The inference of {label} has written no result yet.")
        moment = _timestamp(value)
        return NothingToShowError(
            f"The inference of {label} wrote no result in this time range; its newest one is of "
            f"{local_time(moment, timedelta(0))} UTC."
        )


_NO_START = (
    "Start re-sends the settings this inference was last started with, and it was never started: start it "
    "once with ExecuteAction (inferenceMode START, see the README), then Start and Stop work from here."
)


def _pages(call: Callable[..., Mapping[str, Any]], result_key: str, **params: Any) -> Iterator[Mapping[str, Any]]:
    return pages(call, result_key, cursor="nextToken", **params)


def aggregate_resolution(interval: TimeRange, columns: int) -> str:
    """The finest resolution whose buckets over `interval` fit in one page, and no finer than about one
    bucket per pixel column: each bucket's min and max is what the chart's decimation keeps anyway."""
    fitting = (name for name, size in RESOLUTIONS if interval.duration / size <= min(AGGREGATES_PAGE_SIZE, 2 * columns))
    return next(fitting, RESOLUTIONS[-1][0])


def parse_results(
    values: Iterable[Mapping[str, Any]], names: Callable[[str], str | None]
) -> tuple[list[InferenceResult], int]:
    """The results that parse, oldest first, and how many did not."""
    results, malformed = [], 0
    for item in values:
        text = item.get("value", {}).get("stringValue")
        try:
            results.append(inference_result(text, names, normal_diagnostics=False))
        except SiteWiseFormatError:
            malformed += 1
    results.sort(key=lambda result: result.timestamp)
    return results, malformed


def result_step(results: Sequence[InferenceResult]) -> timedelta:
    """How long one result stands for: their usual gap, five minutes (SiteWise's usual frequency) for one."""
    return usual_gap(results, timedelta(minutes=5))


def anomaly_events(results: Sequence[InferenceResult], step: timedelta) -> list[AnomalyEvent]:
    """Runs of consecutive anomalous results (a gap over 1.5 steps ends one), with their mean diagnostics."""
    events: list[AnomalyEvent] = []
    run: list[InferenceResult] = []

    def close() -> None:
        if run:
            events.append(AnomalyEvent(run[0].timestamp, run[-1].timestamp + step, _mean_diagnostics(run)))
            run.clear()

    for result in results:
        if not result.is_anomalous or (run and result.timestamp - run[-1].timestamp > step * 1.5):
            close()
        if result.is_anomalous:
            run.append(result)
    close()
    return events


def operating_window(payload: InferencePayload) -> tuple[str, ...]:
    """`monday 08:00-16:00, 18:00-20:00` lines, in the payload's time zone."""
    return tuple(
        f"{day} {', '.join(f'{_clock(part.start)}-{_clock(part.end)}' for part in parts)}"
        for day, parts in payload.weekly_operating_window.items()
    )


def _clock(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _mean_diagnostics(results: Sequence[InferenceResult]) -> tuple[SensorImportance, ...]:
    totals: dict[tuple[str, str], float] = {}
    for result in results:
        for item in result.diagnostics:
            totals[(item.component, item.sensor)] = totals.get((item.component, item.sensor), 0.0) + item.importance
    return tuple(SensorImportance(c, s, total / len(results)) for (c, s), total in totals.items())


def _run(item: Mapping[str, Any]) -> Run:
    state = item.get("executionStatus", {}).get("state", "")
    version = item.get("executionEntityVersion")
    return Run(
        execution_id=item["executionId"],
        status=_STATUSES.get(state, ExecutionStatus.FAILED),
        start=item["executionStartTime"],
        end=item.get("executionEndTime"),
        version=int(version) if isinstance(version, str) and version.isdigit() else None,
    )


def _timestamp(value: Mapping[str, Any]) -> datetime:
    stamp = value.get("timestamp", {})
    seconds = float(stamp.get("timeInSeconds", 0)) + float(stamp.get("offsetInNanos", 0)) / 1e9
    return datetime.fromtimestamp(seconds, UTC)
