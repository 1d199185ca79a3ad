"""A fleet in the SiteWise fake: one anomaly-detection model bound at asset-model level, run on many assets.

Each asset writes a five-minute result for `days` days up to `now` (every tenth anomalous, its top
sensors named as SiteWise names them, `<assetId>\\<propertyId>`); inference was started on every
asset, so ListComputationModelResolveToResources lists them all. Result values are formatted from
one template per asset: a thousand assets' day of results builds in a few seconds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from .fake_sitewise import INFERENCE, FakeSiteWise

SENSORS = ("flow", "pressure", "vibration")
STEP = timedelta(minutes=5)


@dataclass(frozen=True)
class DemoFleet:
    model_id: str
    result_property: str
    assets: tuple[str, ...]


def add_fleet(fake: FakeSiteWise, now: datetime, assets: int, days: float = 1.0, stopped: int = 0) -> DemoFleet:
    """`assets` assets with `days` of results up to `now`; the last `stopped` of them stopped a day ago."""
    created = now - timedelta(days=30)
    asset_model = fake.add_asset_model(
        "Fleet pump", [*((name, "DOUBLE", None) for name in SENSORS), ("result", "STRING", None)], created_at=created
    )
    ids = [fake.add_asset(f"Fleet pump {number}", asset_model, created_at=created) for number in range(assets)]
    properties = {name: fake.property_id(ids[0], name) for name in (*SENSORS, "result")}
    reference = {"assetModelId": asset_model}
    model_id = fake.add_computation_model(
        "Pump fleet",
        {
            "inputs": {"list": [{"assetModelProperty": {**reference, "propertyId": properties[n]}} for n in SENSORS]},
            "result": {"assetModelProperty": {**reference, "propertyId": properties["result"]}},
        },
        created_at=created,
    )
    times = np.arange((now - timedelta(days=days)).timestamp() + STEP.total_seconds(), now.timestamp() + 1, 300.0)
    for number, asset in enumerate(ids):
        fake.add_action(
            model_id, INFERENCE, {"inferenceMode": "START", "dataUploadFrequency": "PT5M"}, at=created, asset_id=asset
        )
        diagnostics = json.dumps(
            [
                {"name": f"{asset}\\{properties[name]}", "value": share}
                for name, share in zip(SENSORS, (0.5, 0.3, 0.2), strict=True)
            ]
        )
        until = times if number < assets - stopped else times[times <= (now - timedelta(days=1)).timestamp()]
        records = [_record(moment, step % 10 == 0, diagnostics) for step, moment in enumerate(until.tolist())]
        fake.put_points(asset, properties["result"], until, records)
    return DemoFleet(model_id, properties["result"], tuple(ids))


def _record(moment: float, anomalous: bool, diagnostics: str) -> str:
    stamp = datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.000000")
    reason = "ANOMALY_DETECTED" if anomalous else "NO_ANOMALY_DETECTED"
    score = 0.9 if anomalous else 0.1
    return (
        f'{{"timestamp":"{stamp}","prediction":{int(anomalous)},"prediction_reason":"{reason}",'
        f'"anomaly_score":{score},"diagnostics":{diagnostics}}}'
    )
