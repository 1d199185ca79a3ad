"""Computation models a test adds to the SiteWise demo: more than a page of them, one never trained or never started."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from local.demo_sitewise import RESULT
from local.fake_sitewise import INFERENCE, TRAINING
from tests.conftest import DEMO_NOW

START = {"inferenceMode": "START", "dataUploadFrequency": "PT10M", "dataDelayOffsetInMinutes": 3}


def add_model(demo: Any, name: str, *, asset: str = "pump-3", trained: bool = True, started: bool = False) -> str:
    """A model of `asset`'s flow bound at asset level, writing to the asset's result property; its key."""

    def bound(property_name: str) -> dict[str, Any]:
        return {"assetProperty": {"assetId": demo.assets[asset], "propertyId": demo.property_id(asset, property_name)}}

    fake = demo.fake
    binding = {"inputs": {"list": [bound("flow")]}, "result": bound(RESULT)}
    model_id = fake.add_computation_model(name, binding, created_at=DEMO_NOW - timedelta(days=3))
    if trained:
        trained_at = DEMO_NOW - timedelta(days=2)
        fake.add_execution(model_id, TRAINING, state="COMPLETED", start=trained_at, end=trained_at + timedelta(hours=1))
    if started:
        fake.add_action(model_id, INFERENCE, START, at=DEMO_NOW - timedelta(days=1))
    return model_id
