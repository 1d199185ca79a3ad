"""Sensor history for the anomalies chart: read from the dataset's CSV files once, then from the cache."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import lookout_dashboards.sources.lookout_sensor_files as sensor_files
from local.demo import PLANT_BUCKET
from local.widget_events import load_handler, widget_event
from lookout_dashboards.aws import make_client
from tests.conftest import DEMO_NOW
from tests.widget_page import WidgetPage


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CACHE_DIR", str(tmp_path / "cache"))


def render(params: dict[str, Any], **context: Any) -> WidgetPage:
    event = widget_event(params, start=DEMO_NOW - timedelta(days=90), end=DEMO_NOW, **context)
    return WidgetPage(load_handler("model-anomalies").lambda_handler(event, None))


def test_missing_unreadable_or_incomplete_sensor_files_are_explained(demo: Any) -> None:
    s3 = make_client("s3")
    params = {"model": demo.models["compressor"], "signal": "compressor-flow"}
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=PLANT_BUCKET, Prefix="datasets/compressor/")["Contents"]]

    s3.put_object(Bucket=PLANT_BUCKET, Key=keys[0], Body=b"Timestamp,compressor-flow\nnot a time,1\n")
    unreadable = render(params)
    s3.put_object(Bucket=PLANT_BUCKET, Key=keys[0], Body=b"Timestamp,other\n2026-10-20 00:00:00,1\n")
    for key in keys[1:]:
        s3.delete_object(Bucket=PLANT_BUCKET, Key=key)
    incomplete = render(params)
    s3.delete_object(Bucket=PLANT_BUCKET, Key=keys[0])
    missing = render(params)

    assert unreadable.messages[0][0] == "error"
    assert f"Could not read sensor data in s3://{PLANT_BUCKET}/{keys[0]}" in unreadable.messages[0][1]
    assert "Sensor compressor-flow is not in the CSV files of compressor" in incomplete.messages[0][1]
    assert missing.messages[0] == (
        "info",
        f"No CSV files of component compressor in s3://{PLANT_BUCKET}/datasets/compressor/compressor/.",
    )
    assert all(page.selects["signal"][1] == "compressor\\compressor-flow" for page in (unreadable, incomplete, missing))


def test_repeated_renders_read_the_cache_not_the_csv_files(
    demo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    params = {"model": demo.models["compressor"]}
    first = render(params)
    cached_in_bucket = make_client("s3").list_objects_v2(Bucket="l4e-dashboards-demo", Prefix="cache/")["KeyCount"]

    def no_csv_reads(*_: Any) -> None:
        raise AssertionError("the CSV files were read again")

    monkeypatch.setattr(sensor_files, "read_component_files", no_csv_reads)
    warm = render(params)
    for extract in (tmp_path / "cache").rglob("*.npy"):
        extract.unlink()
    fresh_container = render(params)

    assert cached_in_bucket == 6
    assert first.markup == warm.markup == fresh_container.markup
    assert "sensor-series" in warm.markup
