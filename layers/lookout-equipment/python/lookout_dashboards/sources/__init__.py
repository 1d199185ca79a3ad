"""Adapters that implement `source.AnomalySource`; `default_source` picks today's one."""

from __future__ import annotations

from pathlib import Path

from ..aws import make_client
from ..config import Settings, load_settings
from ..sensor_cache import SensorHistoryCache
from .lookout_equipment import LookoutEquipmentSource


def default_source(settings: Settings | None = None) -> LookoutEquipmentSource:
    """Lookout for Equipment in the function's region, with the sensor cache in /tmp and the bucket."""
    settings = settings or load_settings()
    s3 = make_client("s3", settings)
    cache = SensorHistoryCache(Path(settings.cache_dir), s3, settings.snapshot_bucket)
    return LookoutEquipmentSource(make_client("lookoutequipment", settings), s3, cache)
