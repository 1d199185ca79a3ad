"""A component's stored sensor history: precise enough to draw, bounded, and never a reason to fail a render."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from botocore.exceptions import ClientError

from lookout_dashboards import sensor_cache
from lookout_dashboards.sensor_cache import FLOAT32_TOLERANCE, ComponentHistory, SensorHistoryCache, compact

BUCKET = "stack-bucket"
ROWS = 2_000


class FakeBucket:
    """An S3 client over one in-memory bucket; `refusing` makes every write fail as a denied bucket would."""

    def __init__(self, refusing: bool = False) -> None:
        self.objects: dict[str, bytes] = {}
        self.refusing = refusing

    def put_object(self, Bucket: str, Key: str, Body: bytes) -> None:  # noqa: N803 - boto3's argument names
        if self.refusing:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "PutObject")
        self.objects[Key] = bytes(Body)

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:  # noqa: N803
        if Key not in self.objects:
            raise ClientError({"Error": {"Code": "NoSuchKey", "Message": "Not Found"}}, "GetObject")
        return {"Body": io.BytesIO(self.objects[Key])}


def component() -> ComponentHistory:
    rng = np.random.default_rng(7)
    readings = np.round(50 + rng.normal(0, 2, ROWS), 3)
    readings[::10] = np.nan  # a sensor that reports every other sample
    return ComponentHistory(
        1.78e9 + 60.0 * np.arange(ROWS),
        {"pressure": readings, "energy counter": 1e9 + np.arange(ROWS, dtype=float)},
    )


def test_float32_is_kept_only_where_no_value_moves_by_a_visible_amount() -> None:
    readings, counter = component().columns.values()

    compact_readings, compact_counter = compact(readings), compact(counter)

    assert compact_readings.dtype == np.float32
    spread = np.nanmax(readings) - np.nanmin(readings)
    assert np.nanmax(np.abs(compact_readings - readings)) <= FLOAT32_TOLERANCE * spread
    assert np.array_equal(np.isnan(compact_readings), np.isnan(readings))
    assert np.unique(counter.astype(np.float32)).size < ROWS, "float32 would merge a counter's steps"
    assert compact_counter.dtype == np.float64 and np.array_equal(compact_counter, counter)
    assert compact(np.array([1e300, 2e300])).dtype == np.float64
    assert compact(np.full(3, np.nan)).dtype == np.float32


def test_a_new_container_gets_from_the_bucket_what_the_first_render_drew(tmp_path: Path) -> None:
    bucket = FakeBucket()
    first = SensorHistoryCache(tmp_path / "first", bucket, BUCKET)

    drawn = first.put("abc", component())
    fresh = SensorHistoryCache(tmp_path / "fresh", bucket, BUCKET).get("abc", "pressure")

    assert list(bucket.objects) == ["cache/sensor-history/abc.npz"]
    assert first.uploaded_bytes == len(bucket.objects["cache/sensor-history/abc.npz"])
    assert fresh is not None and list(fresh.columns) == ["pressure"], "only the sensor asked for is decoded"
    for got, expected in zip(fresh.sensor("pressure"), drawn.sensor("pressure"), strict=True):
        assert got.tobytes() == expected.tobytes()
    assert fresh.sensor("pressure")[0].size == ROWS - ROWS // 10, "the missing samples are dropped"
    assert (tmp_path / "fresh" / "sensor-history" / "abc.npz").exists(), "later renders read /tmp"
    assert fresh.sensor("temperature") is None


def test_a_component_over_the_bound_is_drawn_but_not_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sensor_cache, "MAX_STORED_BYTES", 10_000)
    bucket = FakeBucket()
    cache = SensorHistoryCache(tmp_path, bucket, BUCKET)

    drawn = cache.put("abc", component())

    assert drawn.sensor("pressure")[1].size == ROWS - ROWS // 10
    assert bucket.objects == {} and cache.uploaded_bytes == 0 and cache.get("abc", "pressure") is None


def test_a_refused_upload_is_logged_and_the_render_goes_on(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    cache = SensorHistoryCache(tmp_path, FakeBucket(refusing=True), BUCKET)

    with caplog.at_level(logging.WARNING):
        drawn = cache.put("abc", component())

    assert drawn.sensor("energy counter")[1].size == ROWS
    assert cache.uploaded_bytes == 0 and "AccessDenied" in caplog.text
    assert cache.get("abc", "energy counter") is not None, "the /tmp copy still serves this container"
