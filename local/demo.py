"""The demo account: a pumping station and a compressor, in moto and the Lookout for Equipment fake.

The same account serves the tests (small), the local preview and the benchmark (large). Data is
generated from a seeded random generator, so every build of one size gives the same account.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from lookout_dashboards.sources.lookout_equipment import parse_frequency

from .fake_lookout_equipment import FakeLookoutEquipment
from .synthetics_gaps import synthetics_completed

PLANT_BUCKET = "l4e-demo-plant"
REGION = "us-east-1"
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class DemoSize:
    """How big the account is; `SMALL` for tests, `LARGE` for the benchmark."""

    name: str
    history_days: int
    sample_minutes: int
    pump_sensors_per_component: int
    extra_models: int
    events_per_day: float
    recent_executions: int
    long_history_executions: int
    page_size: int


SMALL = DemoSize("small", 60, 10, 10, 3, 1.0, 144, 0, 4)
LARGE = DemoSize("large", 182, 1, 10, 56, 7.0, 576, 20_000, 50)
SIZES = {size.name: size for size in (SMALL, LARGE)}


@dataclass
class DemoAccount:
    """What the demo holds, for tests and tools to find their way around it."""

    fake: FakeLookoutEquipment
    size: DemoSize
    now: datetime
    models: dict[str, str] = field(default_factory=dict)
    schedulers: dict[str, str] = field(default_factory=dict)
    sensors: dict[str, list[str]] = field(default_factory=dict)
    dominant_sensors: list[str] = field(default_factory=list)


def default_now() -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


@contextmanager
def offline_account(fakes: Sequence[Any], buckets: Sequence[str]) -> Iterator[Any]:
    """Demo credentials and region, moto, `fakes` serving their services and the Synthetics gaps, with
    `buckets` created; yields an S3 client. Shared by both sources' demo accounts."""
    from moto import mock_aws

    from lookout_dashboards.aws import make_client

    for variable, value in {
        "AWS_ACCESS_KEY_ID": "demo",
        "AWS_SECRET_ACCESS_KEY": "demo",
        "AWS_SESSION_TOKEN": "demo",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        os.environ[variable] = value
    with ExitStack() as stack:
        stack.enter_context(mock_aws())
        for fake in fakes:
            stack.enter_context(fake.serving())
        stack.enter_context(synthetics_completed())
        s3 = make_client("s3")
        for bucket in buckets:
            s3.create_bucket(Bucket=bucket)
        yield s3


@contextmanager
def demo_account(size: DemoSize = SMALL, now: datetime | None = None) -> Iterator[DemoAccount]:
    """Start moto, the Lookout for Equipment fake and the Synthetics gaps, and fill the account."""
    from lookout_dashboards.config import load_settings

    fake = FakeLookoutEquipment(region=REGION, page_size=size.page_size)
    with offline_account([fake], (PLANT_BUCKET, load_settings().snapshot_bucket)) as s3:
        yield build_demo_account(fake, s3, size, now or default_now())


def build_demo_account(fake: FakeLookoutEquipment, s3: Any, size: DemoSize, now: datetime) -> DemoAccount:
    rng = np.random.default_rng(2021)
    account = DemoAccount(fake=fake, size=size, now=now)
    start = now - timedelta(days=size.history_days)
    split = start + (now - start) * 2 / 3

    pump_components = {
        f"pump-{index}": [f"pump{index}-sensor-{n:02d}" for n in range(size.pump_sensors_per_component)]
        for index in (1, 2)
    } | {"motor": [f"motor-sensor-{n:02d}" for n in range(size.pump_sensors_per_component)]}
    compressor_components = {
        "compressor": [
            f"compressor-{name}" for name in ("pressure", "temperature", "flow", "vibration", "current", "speed")
        ]
    }

    dominant = [
        ("pump-1", pump_components["pump-1"][3]),
        ("motor", pump_components["motor"][7]),
        ("pump-2", pump_components["pump-2"][1]),
    ]
    account.dominant_sensors = [sensor for _, sensor in dominant]
    pump_windows = _anomaly_windows(rng, split, now, size.events_per_day)
    _write_dataset(s3, "pump-station", pump_components, start, now, size.sample_minutes, pump_windows, dominant, rng)
    compressor_windows = _anomaly_windows(rng, split, now, size.events_per_day / 2)
    compressor_dominant = [("compressor", compressor_components["compressor"][3])]
    _write_dataset(
        s3,
        "compressor",
        compressor_components,
        start,
        now,
        size.sample_minutes,
        compressor_windows,
        compressor_dominant,
        rng,
    )

    for name, components in (("pump-station", pump_components), ("compressor", compressor_components)):
        fake.add_dataset(
            name,
            components,
            bucket=PLANT_BUCKET,
            prefix=f"datasets/{name}/",
            created_at=start - timedelta(days=1),
            data_start=start,
            data_end=now,
        )
        account.sensors[name] = [sensor for sensors in components.values() for sensor in sensors]

    pump_metrics = _model_metrics(pump_windows, pump_components, dominant, rng)
    labeled = [
        {"start": _iso(s - timedelta(hours=1)), "end": _iso(e + timedelta(hours=1))}
        for s, e in pump_windows[:: max(1, len(pump_windows) // 5)]
    ]
    trained = {"training": (start, split), "evaluation": (split, now), "sampling_rate": f"PT{size.sample_minutes}M"}

    def add_model(key: str, name: str, dataset: str, created: datetime, **kwargs: Any) -> None:
        fake.add_model(name, dataset, created_at=created, **kwargs)
        account.models[key] = name

    add_model(
        "labeled",
        "pump-station-labeled",
        "pump-station",
        now - timedelta(days=20),
        status="SUCCESS",
        training_run=(now - timedelta(days=20), now - timedelta(days=20) + timedelta(minutes=47)),
        model_metrics={**pump_metrics, "labeled_ranges": labeled},
        **trained,
    )
    add_model(
        "trained",
        "pump-station-baseline",
        "pump-station",
        now - timedelta(days=30),
        status="SUCCESS",
        training_run=(now - timedelta(days=30), now - timedelta(days=30) + timedelta(minutes=52)),
        model_metrics=pump_metrics,
        **trained,
    )
    add_model(
        "failed",
        "pump-station-failed",
        "pump-station",
        now - timedelta(days=15),
        status="FAILED",
        training_run=(now - timedelta(days=15), now - timedelta(days=15) + timedelta(minutes=3)),
        failed_reason="Training data has fewer than 14 days of data after the off-condition filter.",
    )
    add_model(
        "training",
        "pump-station-training",
        "pump-station",
        now - timedelta(hours=2),
        status="IN_PROGRESS",
        training_run=(now - timedelta(hours=2), None),
    )
    add_model(
        "compressor",
        "compressor-health",
        "compressor",
        now - timedelta(days=25),
        status="SUCCESS",
        training_run=(now - timedelta(days=25), now - timedelta(days=25) + timedelta(minutes=21)),
        model_metrics=_model_metrics(compressor_windows, compressor_components, compressor_dominant, rng),
        **trained,
    )
    add_model(
        "no_events",
        "compressor-quiet",
        "compressor",
        now - timedelta(days=10),
        status="SUCCESS",
        training_run=(now - timedelta(days=10), now - timedelta(days=10) + timedelta(minutes=18)),
        model_metrics={"predicted_ranges": [], "labeled_ranges": []},
        **trained,
    )
    add_model(
        "old",
        "compressor-2025",
        "compressor",
        now - timedelta(days=200),
        status="SUCCESS",
        training_run=(now - timedelta(days=200), now - timedelta(days=200) + timedelta(minutes=25)),
        model_metrics=pump_metrics | {"predicted_ranges": []},
        **trained,
    )
    for index in range(size.extra_models):
        created = now - timedelta(days=1 + index * 80 / max(1, size.extra_models))
        fake.add_model(
            f"pump-station-experiment-{index:02d}",
            "pump-station",
            created_at=created,
            status="SUCCESS",
            training_run=(created, created + timedelta(minutes=40)),
            model_metrics=pump_metrics,
            **trained,
        )

    plants = {"pump-station": (pump_components, dominant), "compressor": (compressor_components, compressor_dominant)}
    _add_schedulers(account, fake, s3, size, now, plants, rng)
    _damage_results(fake, s3, account.schedulers["hourly"])
    return account


def _damage_results(fake: FakeLookoutEquipment, s3: Any, scheduler_name: str) -> None:
    """Real buckets hold surprises: a result file with a broken line, and one that was deleted."""
    successes = [run for run in reversed(fake.executions[scheduler_name]) if run["Status"] == "SUCCESS"]
    damaged, deleted = successes[1]["CustomerResultObject"], successes[3]["CustomerResultObject"]
    body = s3.get_object(Bucket=damaged["Bucket"], Key=damaged["Key"])["Body"].read()
    s3.put_object(
        Bucket=damaged["Bucket"], Key=damaged["Key"], Body=body + b'{"timestamp": "2026-01-01T00:00:00", "predic\n'
    )
    s3.delete_object(Bucket=deleted["Bucket"], Key=deleted["Key"])


def _anomaly_windows(
    rng: np.random.Generator, start: datetime, end: datetime, per_day: float
) -> list[tuple[datetime, datetime]]:
    """`per_day` anomalies a day on average, one in each equal slot of the period, never overlapping."""
    count = max(3, int((end - start).days * per_day))
    slot = (end - start) / count
    windows = []
    for number in range(count):
        duration = timedelta(minutes=int(rng.integers(20, 150))) if slot > timedelta(hours=3) else slot * 0.6
        offset = (slot - duration) * float(rng.uniform(0, 1))
        begin = (start + slot * number + offset).replace(second=0, microsecond=0)
        windows.append((begin, (begin + duration).replace(second=0, microsecond=0)))
    return windows


def _write_dataset(
    s3: Any,
    dataset: str,
    components: dict[str, list[str]],
    start: datetime,
    end: datetime,
    sample_minutes: int,
    windows: list[tuple[datetime, datetime]],
    dominant: list[tuple[str, str]],
    rng: np.random.Generator,
) -> None:
    """Sensor history as Lookout for Equipment ingested it: one CSV per component and month."""
    index = pd.date_range(start, end, freq=f"{sample_minutes}min", tz=UTC, inclusive="left")
    hours = (index - index[0]).total_seconds().to_numpy() / 3600
    in_anomaly = np.zeros(index.size, dtype=bool)
    for begin, stop in windows:
        in_anomaly |= (index >= begin) & (index < stop)
    for component, sensors in components.items():
        values = {}
        for position, sensor in enumerate(sensors):
            base = 50 + 10 * position + 5 * np.sin(hours / 24 * 2 * np.pi + position)
            signal = base + rng.normal(0, 0.8, index.size)
            if (component, sensor) in dominant:
                signal = signal + in_anomaly * rng.uniform(8, 15)
            values[sensor] = np.round(signal, 3)
        frame = pd.DataFrame(values, index=index.tz_localize(None))
        frame.index.name = "Timestamp"
        for month, part in frame.groupby(frame.index.to_period("M")):
            buffer = io.StringIO()
            part.to_csv(buffer, date_format=TIMESTAMP_FORMAT)
            s3.put_object(
                Bucket=PLANT_BUCKET,
                Key=f"datasets/{dataset}/{component}/{component}_{month}.csv",
                Body=buffer.getvalue().encode(),
            )


def _diagnostics(
    components: dict[str, list[str]], dominant: list[tuple[str, str]], rng: np.random.Generator
) -> list[dict[str, Any]]:
    """Importance of every sensor for one event, summing to 1, dominated by a few sensors."""
    names = [(component, sensor) for component, sensors in components.items() for sensor in sensors]
    weights = rng.uniform(0.2, 1.0, len(names))
    for rank, key in enumerate(dominant):
        weights[names.index(key)] += rng.uniform(4, 8) / (rank + 1)
    weights /= weights.sum()
    return [
        {"name": f"{component}\\{sensor}", "value": round(float(weight), 5)}
        for (component, sensor), weight in zip(names, weights, strict=True)
    ]


def _model_metrics(
    windows: list[tuple[datetime, datetime]],
    components: dict[str, list[str]],
    dominant: list[tuple[str, str]],
    rng: np.random.Generator,
) -> dict[str, Any]:
    return {
        "predicted_ranges": [
            {"start": _iso(start), "end": _iso(end), "diagnostics": _diagnostics(components, dominant, rng)}
            for start, end in windows
        ],
        "labeled_ranges": [],
        "labeled_event_metrics": {"precision": 0.82, "recall": 0.9},
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def _add_schedulers(
    account: DemoAccount,
    fake: FakeLookoutEquipment,
    s3: Any,
    size: DemoSize,
    now: datetime,
    plants: dict[str, tuple[dict[str, list[str]], list[tuple[str, str]]]],
    rng: np.random.Generator,
) -> None:
    """Schedulers of every kind; each one's results use the sensors of its model's dataset."""
    common = {"input_bucket": PLANT_BUCKET, "output_bucket": PLANT_BUCKET}
    specs = [
        (
            "live",
            "pump-station-live",
            "labeled",
            "RUNNING",
            "PT5M",
            2,
            "+00:00",
            "yyyyMMddHHmmss",
            "_",
            size.recent_executions,
        ),
        (
            "hourly",
            "pump-station-hourly",
            "trained",
            "RUNNING",
            "PT1H",
            0,
            "+02:00",
            "yyyy-MM-dd-HH-mm-ss",
            "-",
            max(12, size.recent_executions // 12),
        ),
        ("stopped", "compressor-nightly", "compressor", "STOPPED", "PT10M", 5, "-05:00", "EPOCH", "_", 36),
        ("never_ran", "compressor-standby", "no_events", "STOPPED", "PT15M", 0, "+00:00", "yyyyMMddHHmmss", "_", 0),
    ]
    if size.long_history_executions:
        specs.append(
            (
                "long_history",
                "pump-station-archive",
                "trained",
                "RUNNING",
                "PT5M",
                0,
                "+00:00",
                "yyyyMMddHHmmss",
                "_",
                size.long_history_executions,
            )
        )
    for key, name, model_key, status, frequency, delay, offset, timestamp_format, delimiter, runs in specs:
        fake.add_scheduler(
            name,
            account.models[model_key],
            status=status,
            created_at=now - timedelta(days=60),
            frequency=frequency,
            delay_offset_minutes=delay,
            time_zone_offset=offset,
            timestamp_format=timestamp_format,
            delimiter=delimiter,
            input_prefix=f"inference/{name}/input/",
            output_prefix=f"inference/{name}/output/",
            **common,
        )
        account.schedulers[key] = name
        step = parse_frequency(frequency)
        components, dominant = plants[fake.models[account.models[model_key]]["DatasetName"]]
        last_run = (now - step if status == "RUNNING" else now - timedelta(days=3)).replace(second=0, microsecond=0)
        _add_executions(
            fake,
            s3,
            name,
            runs,
            last_run,
            step,
            components,
            dominant,
            rng,
            write_results=min(runs, 600),
        )


def _add_executions(
    fake: FakeLookoutEquipment,
    s3: Any,
    name: str,
    runs: int,
    last_run: datetime,
    step: timedelta,
    components: dict[str, list[str]],
    dominant: list[tuple[str, str]],
    rng: np.random.Generator,
    write_results: int,
) -> None:
    """Runs oldest first: every 9th failed, anomalies in bursts, results in JSON Lines in S3.

    Only the newest `write_results` runs get a result object written (the archive's older runs
    point at keys whose objects were removed, as after an S3 lifecycle rule).
    """
    latest = None
    event_start = None
    for number in range(runs):
        data_end = last_run - step * (runs - 1 - number)
        data_start = data_end - step
        scheduled = data_end + timedelta(minutes=1)
        if number % 9 == 4:
            fake.add_execution(
                name,
                scheduled_start=scheduled,
                data_start=data_start,
                data_end=data_end,
                status="FAILED",
                failed_reason="No input file found for the data window (timestamps must fall in it).",
            )
            continue
        anomalous = (number // 6) % 5 == 3
        key = f"inference/{name}/output/{data_end:%Y-%m-%d-%H-%M-%S}/results.jsonl"
        if runs - number <= write_results:
            lines = []
            for minute in range(int(step.total_seconds() // 60)):
                moment = data_start + timedelta(minutes=minute)
                lines.append(
                    json.dumps(
                        {
                            "timestamp": _iso(moment),
                            "prediction": int(anomalous),
                            "prediction_reason": "ANOMALY_DETECTED" if anomalous else "NO_ANOMALY_DETECTED",
                            "anomaly_score": round(
                                float(rng.uniform(0.7, 1.0) if anomalous else rng.uniform(0, 0.3)), 4
                            ),
                            "diagnostics": _diagnostics(components, dominant, rng),
                        }
                    )
                )
            s3.put_object(Bucket=PLANT_BUCKET, Key=key, Body=("\n".join(lines) + "\n").encode())
        fake.add_execution(
            name,
            scheduled_start=scheduled,
            data_start=data_start,
            data_end=data_end,
            status="SUCCESS",
            result_object=(PLANT_BUCKET, key),
        )
        latest = "ANOMALOUS" if anomalous else "NORMAL"
        if anomalous and event_start is None:
            event_start = data_start
        if not anomalous and event_start is not None:
            fake.add_inference_event(name, event_start, data_start, _diagnostics(components, dominant, rng))
            event_start = None
    if latest:
        fake.schedulers[name]["LatestInferenceResult"] = latest
