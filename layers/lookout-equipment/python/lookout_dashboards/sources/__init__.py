"""Adapters that implement `source.AnomalySource`; `default_source` picks the stack's one."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from ..aws import make_client
from ..config import IOT_SITEWISE, Settings, load_settings
from ..results_cache import InferenceResultsCache
from ..sensor_cache import SensorHistoryCache
from ..source import AnomalySource
from .lookout_equipment import LookoutEquipmentSource


def default_source(settings: Settings | None = None, client: Callable[[str], Any] | None = None) -> AnomalySource:
    """The settings' source in the function's region. SiteWise needs no cache beyond the source's own;
    Lookout for Equipment keeps the sensor cache in /tmp and the bucket, and the results cache in the bucket.

    `client(service)` gives the clients: a container's, kept warm; by default, new ones.
    """
    settings = settings or load_settings()
    client = client or partial(make_client, settings=settings)
    s3 = client("s3")
    if settings.data_source == IOT_SITEWISE:
        from .iot_sitewise import SiteWiseSource
        from .sitewise_model_cache import ModelFactsCache

        facts = ModelFactsCache(s3, settings.snapshot_bucket) if settings.snapshot_bucket else None
        return SiteWiseSource(client("iotsitewise"), s3, facts)
    cache = SensorHistoryCache(Path(settings.cache_dir), s3, settings.snapshot_bucket)
    results_cache = InferenceResultsCache(s3, settings.snapshot_bucket) if settings.snapshot_bucket else None
    return LookoutEquipmentSource(client("lookoutequipment"), s3, cache, results_cache)
