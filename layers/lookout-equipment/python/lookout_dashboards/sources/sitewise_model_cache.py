"""A SiteWise model's facts, kept in the stack's bucket for a new container's first render.

Building a model takes five SiteWise calls and two S3 reads (its binding, asset names, training
action and metrics); none of it changes until it trains again. A container that finds the facts
of the same newest training here reads one object instead. Facts older than `MAX_AGE` are built
again, so a renamed asset or model shows its new name within a day.

A fleet's assets (ids and names of an asset model's assets: 4 `ListAssets` calls for 1,000) are
kept the same way for `FLEET_MAX_AGE`, so a new asset joins its fleet's rows within the hour.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from ..aws import read_cache_object, write_cache_object
from ..domain import (
    AnomalyEvent,
    Component,
    LabeledRange,
    Model,
    ModelEvaluation,
    ModelStatus,
    Sensor,
    SensorImportance,
    TimeRange,
)

logger = logging.getLogger(__name__)
PREFIX = "cache/sitewise-models/v2/"
MAX_AGE = timedelta(days=1)
FLEET_MAX_AGE = timedelta(hours=1)
FleetAssets = tuple[tuple[str, str], ...]
T = TypeVar("T")
Sensors = Mapping[Sensor, tuple[str, str]]


class ModelFactsCache:
    def __init__(self, s3: Any, bucket: str, now: Any = lambda: datetime.now(UTC)) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._now = now

    def key(self, model_key: str, training: str) -> str:
        return PREFIX + hashlib.sha256(f"{model_key}\n{training}".encode()).hexdigest()[:40] + ".json"

    def get(self, model_key: str, training: str) -> tuple[Model, dict[Sensor, tuple[str, str]]] | None:
        key = self.key(model_key, training)
        return self._read(
            key, MAX_AGE, lambda doc: (model_from_document(doc["model"]), sensors_from_document(doc["sensors"]))
        )

    def fleet_assets(self, asset_model_id: str) -> FleetAssets | None:
        """An asset model's (id, name) pairs, if kept less than `FLEET_MAX_AGE` ago."""
        key = self.fleet_key(asset_model_id)
        return self._read(key, FLEET_MAX_AGE, lambda doc: tuple((str(i), str(name)) for i, name in doc["assets"]))

    def put_fleet_assets(self, asset_model_id: str, assets: FleetAssets) -> None:
        self._write(self.fleet_key(asset_model_id), {"assets": [list(pair) for pair in assets]})

    def fleet_key(self, asset_model_id: str) -> str:
        return PREFIX + "fleet-" + hashlib.sha256(asset_model_id.encode()).hexdigest()[:40] + ".json"

    def put(self, model_key: str, training: str, model: Model, sensors: Sensors) -> None:
        sensor_rows = [[s.component, s.name, *where] for s, where in sensors.items()]
        self._write(self.key(model_key, training), {"model": model_document(model), "sensors": sensor_rows})

    def _read(self, key: str, max_age: timedelta, parse: Callable[[Mapping[str, Any]], T]) -> T | None:
        """The object's content if written less than `max_age` ago; a missing, stale or unreadable one is None."""
        body = read_cache_object(self._s3, self._bucket, key)
        if body is None:
            return None
        try:
            document = json.loads(body)
            if self._now() - datetime.fromisoformat(document["written_at"]) > max_age:
                return None
            return parse(document)
        except (ValueError, KeyError, TypeError, IndexError) as error:
            logger.warning("unreadable cache object %s: %s", key, error)
            return None

    def _write(self, key: str, content: Mapping[str, Any]) -> None:
        document = {"written_at": self._now().isoformat(), **content}
        write_cache_object(self._s3, self._bucket, key, json.dumps(document).encode())


def model_document(model: Model) -> dict[str, Any]:
    evaluation = model.evaluation
    return {
        "name": model.name,
        "dataset_name": model.dataset_name,
        "status": model.status.value,
        "created_at": _moment(model.created_at),
        "components": [[c.name, list(c.sensors)] for c in model.components],
        "training_range": _range(model.training_range),
        "evaluation_range": _range(model.evaluation_range),
        "training_run": _range(model.training_run),
        "failed_reason": model.failed_reason,
        "sampling_rate": model.sampling_rate,
        "events": [[_moment(e.start), _moment(e.end), [list(d) for d in e.diagnostics]] for e in evaluation.events],
        "labeled_ranges": [[_moment(r.start), _moment(r.end)] for r in evaluation.labeled_ranges],
        "metrics": dict(evaluation.metrics),
        "display_name": model.display_name,
        "versions": list(model.versions),
        "evaluation_note": model.evaluation_note,
    }


def model_from_document(document: Mapping[str, Any]) -> Model:
    return Model(
        name=document["name"],
        dataset_name=document["dataset_name"],
        status=ModelStatus(document["status"]),
        created_at=_parse(document["created_at"]),
        components=tuple(Component(name, tuple(sensors)) for name, sensors in document["components"]),
        training_range=_parse_range(document["training_range"]),
        evaluation_range=_parse_range(document["evaluation_range"]),
        training_run=_parse_range(document["training_run"]),
        failed_reason=document["failed_reason"],
        sampling_rate=document["sampling_rate"],
        evaluation=ModelEvaluation(
            events=tuple(
                AnomalyEvent(_parse(start), _parse(end), tuple(SensorImportance(c, s, float(v)) for c, s, v in items))
                for start, end, items in document["events"]
            ),
            labeled_ranges=tuple(LabeledRange(_parse(start), _parse(end)) for start, end in document["labeled_ranges"]),
            metrics={key: float(value) for key, value in document["metrics"].items()},
        ),
        display_name=document["display_name"],
        versions=tuple(int(version) for version in document["versions"]),
        evaluation_note=document["evaluation_note"],
    )


def sensors_from_document(rows: list[list[str]]) -> dict[Sensor, tuple[str, str]]:
    return {Sensor(component, name): (asset_id, property_id) for component, name, asset_id, property_id in rows}


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def _range(value: TimeRange | None) -> list[str | None] | None:
    return [_moment(value.start), _moment(value.end)] if value is not None else None


def _parse_range(value: list[str] | None) -> TimeRange | None:
    return TimeRange(_parse(value[0]), _parse(value[1])) if value is not None else None
