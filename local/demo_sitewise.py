"""The SiteWise demo account: a pumping station and a compressor, in the SiteWise fake and moto's S3.

The same account, seen through AWS IoT SiteWise anomaly detection instead of Lookout for Equipment:
assets with one-minute sensor history, anomaly-detection computation models bound at asset-model
and at asset level, their trainings (with metrics and evaluation files in S3) and inference
results. Data comes from a seeded generator and a given `now`, so every build of one size is the same.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from lookout_dashboards.config import load_settings

from .demo import PLANT_BUCKET, REGION, DemoAccount, build_demo_account, default_now, offline_account
from .demo import SMALL as DEMO_SMALL
from .fake_lookout_equipment import FakeLookoutEquipment
from .fake_sitewise import INFERENCE, TRAINING, FakeSiteWise

SITEWISE_BUCKET = "sitewise-demo-plant"
HOSTILE = "<img src=x onerror=alert(1)> \"quoted\" 'single' & $x^^2$ Ünïcødé Ωμέγα 泵站"
RESULT = "anomaly result"
PUMP_SENSORS = ("flow", "discharge pressure", "suction pressure", "bearing temperature", "vibration")
COMPRESSOR_SENSORS = ("speed", "outlet pressure", "motor current", HOSTILE)
DOMINANT = {"pump": ("bearing temperature", "vibration"), "compressor": ("motor current",)}
RESULT_STEP = timedelta(minutes=5)


@dataclass(frozen=True)
class SiteWiseDemoSize:
    """How big the account is; `SMALL` for tests, `LARGE` for the benchmark."""

    name: str
    history_days: int
    results_days: int
    inference_execution_hours: int
    page_size: int
    #: Pumps of the demo's fleet (`demo.fleets["pumps"]`): a few anomalous now, a couple stopped.
    fleet_pumps: int = 40


SMALL = SiteWiseDemoSize("small", 10, 7, 12, 4)
LARGE = SiteWiseDemoSize("large", 182, 42, 48, 50)
SIZES = {size.name: size for size in (SMALL, LARGE)}


@dataclass(frozen=True)
class DemoFleet:
    """A fleet of the demo: one computation model bound at asset-model level, its asset model and assets
    (in name order), and which of them are anomalous now or stopped."""

    model_id: str
    asset_model_id: str
    assets: tuple[str, ...]
    anomalous: frozenset[str]
    stopped: frozenset[str]


@dataclass
class SiteWiseDemo:
    """What the demo holds, by readable keys, for tests and tools to find their way around it."""

    fake: FakeSiteWise
    size: SiteWiseDemoSize
    now: datetime
    asset_models: dict[str, str] = field(default_factory=dict)
    assets: dict[str, str] = field(default_factory=dict)
    models: dict[str, str] = field(default_factory=dict)
    anomaly_windows: list[tuple[datetime, datetime]] = field(default_factory=list)
    running: list[tuple[str, str | None]] = field(default_factory=list)
    stopped: list[tuple[str, str | None]] = field(default_factory=list)
    metrics_keys: dict[tuple[str, str | None], str] = field(default_factory=dict)
    fleets: dict[str, DemoFleet] = field(default_factory=dict)

    def property_id(self, asset: str, name: str) -> str:
        return self.fake.property_id(self.assets[asset], name)

    def key(self, model: str, asset: str | None = None) -> str:
        """The name widgets know a model by: its computation model id, with `_<asset id>` at asset-model level."""
        return self.models[model] if asset is None else f"{self.models[model]}_{self.assets[asset]}"


@contextmanager
def sitewise_demo_account(size: SiteWiseDemoSize = SMALL, now: datetime | None = None) -> Iterator[SiteWiseDemo]:
    """Start moto, the SiteWise fake and the Synthetics gaps, and fill the account."""
    fake = FakeSiteWise(region=REGION, page_size=size.page_size)
    with offline_account([fake], (SITEWISE_BUCKET, load_settings().snapshot_bucket)) as s3:
        yield build_sitewise_demo(fake, s3, size, now or default_now())


@contextmanager
def both_demo_accounts(now: datetime | None = None) -> Iterator[tuple[DemoAccount, SiteWiseDemo]]:
    """One offline account holding both sources' small demos (the preview shows them side by side)."""
    now = now or default_now()
    lookout, sitewise = (
        FakeLookoutEquipment(region=REGION, page_size=DEMO_SMALL.page_size),
        FakeSiteWise(region=REGION, page_size=SMALL.page_size),
    )
    buckets = (PLANT_BUCKET, SITEWISE_BUCKET, load_settings().snapshot_bucket)
    with offline_account([lookout, sitewise], buckets) as s3:
        yield build_demo_account(lookout, s3, DEMO_SMALL, now), build_sitewise_demo(sitewise, s3, SMALL, now)


def build_sitewise_demo(fake: FakeSiteWise, s3: Any, size: SiteWiseDemoSize, now: datetime) -> SiteWiseDemo:
    rng = np.random.default_rng(2025)
    demo = SiteWiseDemo(fake=fake, size=size, now=now)
    start = now - timedelta(days=size.history_days)
    created = start - timedelta(days=1)
    demo.asset_models["pump"] = fake.add_asset_model(
        "Pumping station pump", _properties(PUMP_SENSORS), created_at=created
    )
    demo.asset_models["compressor"] = fake.add_asset_model(
        "Compressor", _properties(COMPRESSOR_SENSORS), created_at=created
    )
    for number in (1, 2, 3):
        demo.assets[f"pump-{number}"] = fake.add_asset(f"Pump {number}", demo.asset_models["pump"], created_at=created)
    demo.assets["compressor"] = fake.add_asset("Compressor 1", demo.asset_models["compressor"], created_at=created)
    demo.assets["hostile"] = fake.add_asset(HOSTILE, demo.asset_models["compressor"], created_at=created)

    demo.anomaly_windows = _anomaly_windows(rng, start + (now - start) / 3, now)
    minutes = np.arange(start.timestamp(), now.timestamp() + 1, 60.0)
    for key, asset_id in demo.assets.items():
        kind = "pump" if key.startswith("pump") else "compressor"
        sensors = PUMP_SENSORS if kind == "pump" else COMPRESSOR_SENSORS
        for name in sensors:
            values = _signal(rng, minutes, demo.anomaly_windows if name in DOMINANT[kind] else [])
            fake.put_points(asset_id, fake.property_id(asset_id, name), minutes, values)

    _add_models(demo)
    _add_trainings(demo, s3, rng, start)
    _add_inference(demo, rng)
    add_fleet(demo, "pumps", size.fleet_pumps, anomalous=3, stopped=2)
    return demo


def _properties(sensors: tuple[str, ...]) -> list[tuple[str, str, str | None]]:
    """An asset model's properties: the sensors (DOUBLE, with the unit their name suggests) and the result."""
    units = {"temperature": "Cel", "pressure": "bar", "vibration": "mm/s", "flow": "m3/h"}
    unit = {name: next((u for word, u in units.items() if word in name), None) for name in sensors}
    return [(name, "DOUBLE", unit[name]) for name in sensors] + [(RESULT, "STRING", None)]


def _anomaly_windows(rng: np.random.Generator, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """About one abnormal period every two days, 30 minutes to 3 hours long, on whole 5 minutes."""
    count = max(3, int((end - start) / timedelta(days=2)))
    span = (end - start - timedelta(hours=4)) / RESULT_STEP
    offsets = np.sort(rng.choice(int(span), size=count, replace=False))
    lengths = rng.integers(6, 37, size=count)
    return [
        (start + RESULT_STEP * int(o), start + RESULT_STEP * int(o + n)) for o, n in zip(offsets, lengths, strict=True)
    ]


def _signal(rng: np.random.Generator, times: np.ndarray, windows: list[tuple[datetime, datetime]]) -> np.ndarray:
    """A daily cycle with noise; the sensors that cause anomalies drift up during the abnormal periods."""
    level, amplitude = rng.uniform(20, 80), rng.uniform(2, 8)
    values = level + amplitude * np.sin(2 * np.pi * times / 86_400 + rng.uniform(0, 2 * np.pi))
    values += rng.normal(0, amplitude / 4, size=len(times))
    for begin, end in windows:
        inside = slice(*np.searchsorted(times, [begin.timestamp(), end.timestamp()]))
        values[inside] += 4 * amplitude
    return values


def _binding(
    demo: SiteWiseDemo, inputs: list[tuple[str, str]], result_asset: str, *, model_level: bool
) -> dict[str, Any]:
    """Inputs named (asset key, property name); at model level the asset key names its asset model."""

    def reference(asset: str, name: str) -> dict[str, Any]:
        if model_level:
            model_id = demo.asset_models[asset]
            prop = next(p for p in demo.fake.asset_models[model_id]["assetModelProperties"] if p["name"] == name)
            return {"assetModelProperty": {"assetModelId": model_id, "propertyId": prop["id"]}}
        return {"assetProperty": {"assetId": demo.assets[asset], "propertyId": demo.property_id(asset, name)}}

    return {
        "inputs": {"list": [reference(asset, name) for asset, name in inputs]},
        "result": reference(result_asset, RESULT),
    }


def _add_models(demo: SiteWiseDemo) -> None:
    created = demo.now - timedelta(days=demo.size.history_days)
    fake = demo.fake
    demo.models["pump-fleet"] = fake.add_computation_model(
        "Pump fleet anomalies",
        _binding(demo, [("pump", name) for name in PUMP_SENSORS], "pump", model_level=True),
        created_at=created,
        description="One model, trained per pump",
    )
    demo.models["pump-compressor"] = fake.add_computation_model(
        "Pump 1 and compressor",
        _binding(
            demo,
            [("pump-1", "flow"), ("pump-1", "discharge pressure"), *[("compressor", n) for n in COMPRESSOR_SENSORS]],
            "compressor",
            model_level=False,
        ),
        created_at=created,
    )
    demo.models["hostile"] = fake.add_computation_model(
        HOSTILE,
        _binding(demo, [("hostile", name) for name in COMPRESSOR_SENSORS], "hostile", model_level=False),
        created_at=created,
        description=HOSTILE,
    )


def _inputs(demo: SiteWiseDemo, model_id: str, asset_id: str | None) -> list[tuple[str, str]]:
    """(assetId, propertyId) of a model's inputs, resolved to `asset_id` for model-level bindings."""
    resolved = []
    for item in demo.fake.computation_models[model_id]["computationModelDataBinding"]["inputs"]["list"]:
        if "assetModelProperty" in item:
            resolved.append((str(asset_id), item["assetModelProperty"]["propertyId"]))
        else:
            resolved.append((item["assetProperty"]["assetId"], item["assetProperty"]["propertyId"]))
    return resolved


def _result_target(demo: SiteWiseDemo, model_id: str, asset_id: str | None) -> tuple[str, str]:
    result = demo.fake.computation_models[model_id]["computationModelDataBinding"]["result"]
    if "assetModelProperty" in result:
        return str(asset_id), result["assetModelProperty"]["propertyId"]
    return result["assetProperty"]["assetId"], result["assetProperty"]["propertyId"]


def _dominant(demo: SiteWiseDemo, inputs: list[tuple[str, str]]) -> np.ndarray:
    """Which inputs drift during the abnormal periods (by name), so their diagnostics weigh most."""
    names = {prop["id"]: prop["name"] for asset in demo.fake.assets.values() for prop in asset["assetProperties"]}
    dominant = set().union(*DOMINANT.values())
    return np.asarray([names[prop] in dominant for _, prop in inputs])


def _diagnostics(rng: np.random.Generator, dominant: np.ndarray, anomalous: np.ndarray) -> np.ndarray:
    """One row of contributions summing to 1 per result; anomalous rows favour the dominant inputs."""
    weights = rng.uniform(0.5, 1.5, size=(len(anomalous), len(dominant)))
    weights[np.ix_(anomalous, dominant)] *= 8
    return np.round(weights / weights.sum(axis=1, keepdims=True), 4)


def _named(names: list[str], weights: list[float]) -> list[dict[str, Any]]:
    return [{"name": name, "value": value} for name, value in zip(names, weights, strict=True)]


def _timestamp(moment: datetime) -> str:
    """The result format's timestamp: UTC, without zone, with microseconds."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def _in_windows(times: np.ndarray, windows: list[tuple[datetime, datetime]]) -> np.ndarray:
    flags = np.zeros(len(times), dtype=bool)
    for begin, end in windows:
        flags |= (times >= begin.timestamp()) & (times < end.timestamp())
    return flags


def _result_records(
    demo: SiteWiseDemo, rng: np.random.Generator, model_id: str, asset_id: str | None, times: np.ndarray
) -> list[str]:
    """Result records as the service writes them (JSON), one per time, in the documented format."""
    inputs = _inputs(demo, model_id, asset_id)
    names = [f"{asset}\\{prop}" for asset, prop in inputs]
    anomalous = _in_windows(times, demo.anomaly_windows)
    scores = np.where(anomalous, rng.uniform(0.7, 0.99, len(times)), rng.uniform(0.05, 0.45, len(times))).round(4)
    weights = _diagnostics(rng, _dominant(demo, inputs), anomalous).tolist()
    records = []
    for moment, flag, score, row in zip(times.tolist(), anomalous.tolist(), scores.tolist(), weights, strict=True):
        record = {
            "timestamp": _timestamp(datetime.fromtimestamp(moment, UTC)),
            "prediction": int(flag),
            "prediction_reason": "ANOMALY_DETECTED" if flag else "NO_ANOMALY_DETECTED",
            "anomaly_score": score,
            "diagnostics": _named(names, row),
        }
        records.append(json.dumps(record, separators=(",", ":")))
    return records


def _add_trainings(demo: SiteWiseDemo, s3: Any, rng: np.random.Generator, start: datetime) -> None:
    """Per (model, asset): trainings COMPLETED (versions 1, 2, 3), FAILED, RUNNING, and their payloads.

    Pump 2's last training completed without evaluation (nothing to show but why); the pump-and-
    compressor model's last one failed; pump 3 never finished one."""
    now, models, assets = demo.now, demo.models, demo.assets
    split = start + (now - start) * 2 / 3
    plan: list[tuple[str, str | None, str, bool]] = [
        (models["pump-fleet"], assets["pump-1"], "COMPLETED", True),
        (models["pump-fleet"], assets["pump-1"], "COMPLETED", True),
        (models["pump-fleet"], assets["pump-1"], "COMPLETED", True),
        (models["pump-fleet"], assets["pump-2"], "FAILED", True),
        (models["pump-fleet"], assets["pump-2"], "COMPLETED", False),
        (models["pump-fleet"], assets["pump-3"], "RUNNING", True),
        (models["pump-compressor"], None, "COMPLETED", True),
        (models["pump-compressor"], None, "FAILED", True),
        (models["hostile"], None, "COMPLETED", True),
    ]
    versions: dict[tuple[str, str | None], int] = {}
    for index, (model_id, asset_id, state, evaluated) in enumerate(plan):
        at = now - timedelta(days=len(plan) - index, hours=1)
        version = versions.get((model_id, asset_id), 0) + (state == "COMPLETED")
        versions[(model_id, asset_id)] = version
        prefix = f"training/{model_id}/{asset_id or 'asset'}/{index}/"
        payload: dict[str, Any] = {
            "trainingMode": "TRAIN_MODEL",
            "exportDataStartTime": int(start.timestamp()),
            "exportDataEndTime": int(split.timestamp()),
            "targetSamplingRate": "PT1M",
        }
        if evaluated:
            payload |= {
                "labelInputConfiguration": {"bucketName": SITEWISE_BUCKET, "prefix": f"{prefix}labels/"},
                "modelEvaluationConfiguration": {
                    "dataStartTime": int(split.timestamp()),
                    "dataEndTime": int(now.timestamp()),
                    "resultDestination": {"bucketName": SITEWISE_BUCKET, "prefix": f"{prefix}evaluation/"},
                },
                "modelMetricsDestination": {"bucketName": SITEWISE_BUCKET, "prefix": f"{prefix}metrics/"},
            }
        demo.fake.add_action(model_id, TRAINING, payload, at=at, asset_id=asset_id)
        end = None if state == "RUNNING" else at + timedelta(minutes=40 + index)
        details = {"failureReason": "Not enough data: fewer than 14 days of good points"} if state == "FAILED" else {}
        demo.fake.add_execution(
            model_id,
            TRAINING,
            state=state,
            start=at,
            end=end,
            asset_id=asset_id,
            model_version=str(max(version, 1)),
            result=details,
            details=details,
        )
        if state == "COMPLETED" and evaluated:
            demo.metrics_keys[(model_id, asset_id)] = f"{prefix}metrics/model_metrics.json"
            _write_evaluation(demo, s3, rng, model_id, asset_id, prefix, (split, now))


def _write_evaluation(
    demo: SiteWiseDemo,
    s3: Any,
    rng: np.random.Generator,
    model_id: str,
    asset_id: str | None,
    prefix: str,
    window: tuple[datetime, datetime],
) -> None:
    """Labels CSV, metrics JSON and evaluation JSON Lines of one training, at its payload's destinations."""
    begin, end = window
    found = [(a, b) for a, b in demo.anomaly_windows if begin <= a and b <= end]
    labeled = found[: max(1, len(found) // 2)]
    inputs = _inputs(demo, model_id, asset_id)
    names = [f"{asset}\\{prop}" for asset, prop in inputs]
    weights = _diagnostics(rng, _dominant(demo, inputs), np.ones(len(found), dtype=bool)).tolist()
    metrics = {
        "labeled_ranges": [{"start": _timestamp(a), "end": _timestamp(b)} for a, b in labeled],
        "predicted_ranges": [
            {
                "start": _timestamp(a),
                "end": _timestamp(b),
                "diagnostics": _named(names, row),
            }
            for (a, b), row in zip(found, weights, strict=True)
        ],
        "labeled_event_metrics": {"num_labeled": len(labeled), "num_identified": len(labeled)},
        "unknown_event_metrics": {"num_identified": len(found) - len(labeled)},
        "data_start_time": _timestamp(begin),
        "data_end_time": _timestamp(end),
        "labels_present": True,
        "model_version_metrics": {"precision": round(len(labeled) / max(1, len(found)), 4), "recall": 1.0},
    }
    labels = "".join(f"{_timestamp(a)},{_timestamp(b)}\n" for a, b in labeled)
    hours = np.arange(begin.timestamp(), end.timestamp(), 3600.0)
    evaluation = "\n".join(_result_records(demo, rng, model_id, asset_id, hours)) + "\n"
    for key, body in (
        (f"{prefix}labels/labels.csv", labels),
        (f"{prefix}metrics/model_metrics.json", json.dumps(metrics)),
        (f"{prefix}evaluation/evaluation_results.jsonl", evaluation),
    ):
        s3.put_object(Bucket=SITEWISE_BUCKET, Key=key, Body=body.encode())


def _add_inference(demo: SiteWiseDemo, rng: np.random.Generator) -> None:
    """Inference running on pump 1, the pump-and-compressor and the hostile models, stopped on pump 2."""
    models, assets, now = demo.models, demo.assets, demo.now
    results_start = now - timedelta(days=demo.size.results_days)
    stop_at = now - timedelta(days=2)
    pairs = [
        (models["pump-fleet"], assets["pump-1"], None),
        (models["pump-fleet"], assets["pump-2"], stop_at),
        (models["pump-compressor"], None, None),
        (models["hostile"], None, None),
    ]
    for model_id, asset_id, stopped in pairs:
        payload = {
            "inferenceMode": "START",
            "dataUploadFrequency": "PT5M",
            "dataDelayOffsetInMinutes": 2,
            "inferenceTimeZone": "Europe/Paris",
            "targetModelVersion": 1,
        }
        demo.fake.add_action(model_id, INFERENCE, payload, at=results_start - RESULT_STEP, asset_id=asset_id)
        end = stopped or now
        if stopped:
            demo.fake.add_action(model_id, INFERENCE, {"inferenceMode": "STOP"}, at=stopped, asset_id=asset_id)
            demo.stopped.append((model_id, asset_id))
        else:
            demo.running.append((model_id, asset_id))
        times = np.arange(results_start.timestamp(), end.timestamp() + 1, RESULT_STEP.total_seconds())
        target_asset, result_property = _result_target(demo, model_id, asset_id)
        demo.fake.put_points(
            target_asset, result_property, times, _result_records(demo, rng, model_id, asset_id, times)
        )
        runs = times[-demo.size.inference_execution_hours * 12 :]
        for moment in runs.tolist():
            run_start = datetime.fromtimestamp(moment, UTC) + timedelta(minutes=2)
            demo.fake.add_execution(
                model_id,
                INFERENCE,
                state="COMPLETED",
                start=run_start,
                end=run_start + timedelta(seconds=40),
                asset_id=asset_id,
            )


def add_fleet_models(demo: SiteWiseDemo, count: int) -> list[str]:
    """`count` more models, each bound to one pump's sensors, trained once and started (every other one
    stopped since): the benchmark's account with many rows, to show which calls grow with them."""
    pumps = sorted(key for key in demo.assets if key.startswith("pump-"))
    trained_at = demo.now - timedelta(days=3)
    added = []
    for number in range(count):
        pump = pumps[number % len(pumps)]
        model_id = demo.fake.add_computation_model(
            f"Fleet model {number + 1} on {pump}",
            _binding(demo, [(pump, name) for name in PUMP_SENSORS], pump, model_level=False),
            created_at=trained_at - timedelta(days=1),
        )
        demo.fake.add_action(model_id, TRAINING, {"trainingMode": "TRAIN_MODEL"}, at=trained_at)
        demo.fake.add_execution(
            model_id, TRAINING, state="COMPLETED", start=trained_at, end=trained_at + timedelta(minutes=40)
        )
        started = trained_at + timedelta(hours=1)
        demo.fake.add_action(model_id, INFERENCE, {"inferenceMode": "START", "dataUploadFrequency": "PT5M"}, at=started)
        if number % 2:
            demo.fake.add_action(model_id, INFERENCE, {"inferenceMode": "STOP"}, at=started + timedelta(days=1))
        added.append(model_id)
    return added


#: The settings of the long-running inference's two STARTs, oldest first: what its details and Start must show.
FIRST_START = {"inferenceMode": "START", "dataUploadFrequency": "PT10M", "targetModelVersion": 1}
LAST_START = {
    "inferenceMode": "START",
    "dataUploadFrequency": "PT5M",
    "dataDelayOffsetInMinutes": 2,
    "inferenceTimeZone": "America/Chicago",
    "weeklyOperatingWindow": {"monday": ["06:00-22:00"]},
    "targetModelVersion": 1,
}
NEWEST_FAILURE = "Not enough data in the window"


def add_long_running_model(demo: SiteWiseDemo, days: int = 40) -> str:
    """The issue's account: pump 3's inference has run every five minutes for `days` days (11,520 runs for
    40), was started twice with different settings, and retrained since (version 2); its newest run failed.
    Everything is recorded oldest first, the order that misleads code trusting list position."""
    fake, now = demo.fake, demo.now
    model_id = fake.add_computation_model(
        "Pump 3 long-running inference",
        _binding(demo, [("pump-3", name) for name in PUMP_SENSORS], "pump-3", model_level=False),
        created_at=now - timedelta(days=days + 21),
    )
    demo.models["long-running"] = model_id
    for version, trained_at in ((1, now - timedelta(days=days + 20)), (2, now - timedelta(days=5))):
        training = {"trainingMode": "TRAIN_MODEL", "targetSamplingRate": "PT1M"}
        fake.add_action(model_id, TRAINING, training, at=trained_at)
        fake.add_execution(
            model_id,
            TRAINING,
            state="COMPLETED",
            start=trained_at,
            end=trained_at + timedelta(minutes=40),
            model_version=str(version),
        )
    first_run = now - timedelta(days=days)
    fake.add_action(model_id, INFERENCE, FIRST_START, at=first_run - RESULT_STEP)
    fake.add_action(model_id, INFERENCE, {"inferenceMode": "STOP"}, at=now - timedelta(days=days / 2))
    fake.add_action(model_id, INFERENCE, LAST_START, at=now - timedelta(days=days / 2, minutes=-5))
    runs = int(timedelta(days=days) / RESULT_STEP)
    older_failure = runs // 2
    for index in range(runs):
        run_start = first_run + index * RESULT_STEP
        failed = index in (older_failure, runs - 1)
        reason = NEWEST_FAILURE if index == runs - 1 else "Input data missing"
        fake.add_execution(
            model_id,
            INFERENCE,
            state="FAILED" if failed else "COMPLETED",
            start=run_start,
            end=run_start + timedelta(seconds=40),
            model_version="2" if run_start > now - timedelta(days=5) else "1",
            result={"failureReason": reason} if failed else None,
        )
    times = np.arange((now - timedelta(days=1)).timestamp(), now.timestamp() + 1, RESULT_STEP.total_seconds())
    asset_id, result_property = _result_target(demo, model_id, None)
    records = _result_records(demo, np.random.default_rng(40), model_id, None, times)
    fake.put_points(asset_id, result_property, times, records)
    return model_id


#: A fleet's results unless asked for more: three hours at five minutes, the latest result and a short chart.
FLEET_RESULTS = timedelta(hours=3)
#: When a fleet's stopped assets stopped: their last result is older than the list's reporting window.
FLEET_STOPPED_AGO = timedelta(hours=2, minutes=30)


def add_fleet(
    demo: SiteWiseDemo,
    key: str,
    assets: int,
    *,
    anomalous: int,
    stopped: int,
    name: str = "Fleet pump",
    asset_prefix: str = "Pump F-",
    history: timedelta = FLEET_RESULTS,
) -> DemoFleet:
    """A fleet under `demo.fleets[key]`: an asset model `name` with the pumps' sensors and a result, `assets` pumps
    (`Pump F-001`...), one model bound at asset-model level, trained on each pump, inference started on each and
    stopped on `stopped` of them; the latest result of `anomalous` running pumps is anomalous, the others' normal.
    Results every five minutes from `now - history` to `now`, both included (the publisher's tests ask for days).

    Seeded by the key, vectorized over the assets: a thousand pumps take about a second."""
    fake, now = demo.fake, demo.now
    rng = np.random.default_rng([2025, *key.encode()])
    created = now - timedelta(days=8)  # a day before its training, after the demo's own models
    asset_model_id = fake.add_asset_model(name, _properties(PUMP_SENSORS), created_at=created)
    width = max(3, len(str(assets)))
    asset_ids = tuple(
        fake.add_asset(f"{asset_prefix}{number:0{width}d}", asset_model_id, created_at=created)
        for number in range(1, assets + 1)
    )
    model_properties = {prop["name"]: prop["id"] for prop in fake.asset_models[asset_model_id]["assetModelProperties"]}

    def reference(prop: str) -> dict[str, Any]:
        return {"assetModelProperty": {"assetModelId": asset_model_id, "propertyId": model_properties[prop]}}

    binding = {"inputs": {"list": [reference(sensor) for sensor in PUMP_SENSORS]}, "result": reference(RESULT)}
    model_id = fake.add_computation_model(
        f"{name} anomalies", binding, created_at=created, description=f"One model, trained on each of {assets:,} pumps"
    )
    picked = rng.permutation(assets)
    stopped_ids = frozenset(asset_ids[i] for i in picked[:stopped])
    anomalous_ids = frozenset(asset_ids[i] for i in picked[stopped : stopped + anomalous])

    trained_at, started_at = now - timedelta(days=7), now - timedelta(days=6)
    training = {"trainingMode": "TRAIN_MODEL", "targetSamplingRate": "PT5M"}
    start = {"inferenceMode": "START", "dataUploadFrequency": "PT5M", "dataDelayOffsetInMinutes": 2}
    for asset_id in asset_ids:
        fake.add_action(model_id, TRAINING, training, at=trained_at, asset_id=asset_id)
        end = trained_at + timedelta(minutes=40)
        fake.add_execution(model_id, TRAINING, state="COMPLETED", start=trained_at, end=end, asset_id=asset_id)
        fake.add_action(model_id, INFERENCE, start, at=started_at, asset_id=asset_id)
        if asset_id in stopped_ids:
            fake.add_action(
                model_id, INFERENCE, {"inferenceMode": "STOP"}, at=now - FLEET_STOPPED_AGO, asset_id=asset_id
            )
    _add_fleet_results(demo, rng, asset_ids, model_properties, anomalous_ids, stopped_ids, history)
    fleet = DemoFleet(model_id, asset_model_id, asset_ids, anomalous_ids, stopped_ids)
    demo.fleets[key] = fleet
    return fleet


def _add_fleet_results(
    demo: SiteWiseDemo,
    rng: np.random.Generator,
    asset_ids: tuple[str, ...],
    properties: dict[str, str],
    anomalous: frozenset[str],
    stopped: frozenset[str],
    history: timedelta,
) -> None:
    """Each pump's results over `history`, up to now (or its stop): the anomalous pumps' last three
    are anomalous, every other result normal. Scores and diagnostics are drawn for all pumps at once."""
    now = demo.now.timestamp()
    times = np.arange(now - history.total_seconds(), now + 1, RESULT_STEP.total_seconds())
    flags = np.zeros((len(asset_ids), len(times)), dtype=bool)
    flags[[index for index, asset_id in enumerate(asset_ids) if asset_id in anomalous], -3:] = True
    scores = np.where(flags, rng.uniform(0.7, 0.99, flags.shape), rng.uniform(0.05, 0.45, flags.shape)).round(4)
    dominant = np.asarray([sensor in DOMINANT["pump"] for sensor in PUMP_SENSORS])
    weights = rng.uniform(0.5, 1.5, size=(*flags.shape, len(PUMP_SENSORS)))
    weights[flags[..., None] & dominant] *= 8
    weights = np.round(weights / weights.sum(axis=2, keepdims=True), 4)
    stamps = [_timestamp(datetime.fromtimestamp(moment, UTC)) for moment in times.tolist()]
    end = np.searchsorted(times, now - FLEET_STOPPED_AGO.total_seconds(), "right")
    for index, asset_id in enumerate(asset_ids):
        names = [f"{asset_id}\\{properties[sensor]}" for sensor in PUMP_SENSORS]
        records = [
            json.dumps(
                {
                    "timestamp": stamp,
                    "prediction": int(flag),
                    "prediction_reason": "ANOMALY_DETECTED" if flag else "NO_ANOMALY_DETECTED",
                    "anomaly_score": score,
                    "diagnostics": _named(names, row),
                },
                separators=(",", ":"),
            )
            for stamp, flag, score, row in zip(
                stamps, flags[index].tolist(), scores[index].tolist(), weights[index].tolist(), strict=True
            )
        ]
        count = end if asset_id in stopped else len(times)
        demo.fake.put_points(asset_id, properties[RESULT], times[:count], records[:count])


def remove_fleet(demo: SiteWiseDemo, key: str) -> None:
    """Take a fleet out of the account again (SiteWise's deletes, done on the fake's state): the bench measures
    each fleet size on the demo with that fleet only."""
    fleet, fake = demo.fleets.pop(key), demo.fake
    for table in (fake.actions, fake.executions):
        for record_id in [
            i for i, r in table.items() if r["targetResource"].get("computationModelId") == fleet.model_id
        ]:
            del table[record_id]
    for summary in [target for target in fake.summaries if target[0] == fleet.model_id]:
        del fake.summaries[summary]
    assets = set(fleet.assets)
    for asset_id in assets:
        del fake.assets[asset_id]
    for point_key in [k for k in fake.points if k[0] in assets]:
        del fake.points[point_key]
    del fake.computation_models[fleet.model_id]
    del fake.asset_models[fleet.asset_model_id]
