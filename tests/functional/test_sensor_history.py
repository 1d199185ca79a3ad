"""Sensor history for the anomalies chart: read from the dataset's CSV files once, then from the cache."""

from __future__ import annotations

import io
import re
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest

import lookout_dashboards.sources.lookout_sensor_files as sensor_files
from local.demo import PLANT_BUCKET
from local.widget_events import load_handler, widget_event
from lookout_dashboards.aws import make_client
from lookout_dashboards.config import DEMO_BUCKET
from lookout_dashboards.container import reset_container
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


def cache_objects() -> dict[str, bytes]:
    """The stack bucket's cached sensor history, by key."""
    s3 = make_client("s3")
    listed = s3.list_objects_v2(Bucket=DEMO_BUCKET, Prefix="cache/").get("Contents", [])
    return {item["Key"]: s3.get_object(Bucket=DEMO_BUCKET, Key=item["Key"])["Body"].read() for item in listed}


def recorded_reads() -> list[str]:
    """The key of every S3 object read by the clients made from now on."""
    keys: list[str] = []
    boto3._get_default_session().events.register(
        "provide-client-params.s3.GetObject", lambda params, **_: keys.append(params["Key"])
    )
    return keys


def new_container(tmp_path: Path) -> None:
    """What Lambda starts for a new view after a quiet hour: no process state, an empty `/tmp`."""
    reset_container()
    shutil.rmtree(tmp_path / "cache", ignore_errors=True)


def values_drawn(page: WidgetPage) -> int:
    match = re.search(r"([\d,]+) values drawn", page.footnotes[0])
    assert match, page.footnotes
    return int(match[1].replace(",", ""))


def test_the_first_render_stores_the_component_once_with_shared_timestamps(demo: Any, tmp_path: Path) -> None:
    params = {"model": demo.models["compressor"]}
    first = render(params)
    other_sensor = render({**params, "signal": "compressor-pressure"})

    (key, body), *others = cache_objects().items()
    with np.load(io.BytesIO(body), allow_pickle=False) as stored:
        sensors = list(stored["sensors"])
        rows = stored["epoch_seconds"].size
        columns = [stored[f"column_{index}"] for index in range(len(sensors))]
        timestamp_arrays = [name for name in stored.files if name.startswith("epoch")]
    assert not others and sorted(sensors) == sorted(demo.sensors["compressor"])
    assert timestamp_arrays == ["epoch_seconds"] and all(column.shape == (rows,) for column in columns)
    assert {column.dtype for column in columns} == {np.dtype(np.float32)}, "3-decimal readings fit float32"
    one_file_per_sensor_in_float64 = len(sensors) * rows * 2 * 8
    assert len(body) < rows * (8 + 4 * len(sensors)) + 4096 < one_file_per_sensor_in_float64 / 2.5
    assert [path.name for path in (tmp_path / "cache").rglob("*") if path.is_file()] == [key.rpartition("/")[2]]
    assert values_drawn(first) > 1000 and "sensor-series" in other_sensor.markup


def test_repeated_renders_and_new_containers_read_the_cache_not_the_csv_files(
    demo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    params = {"model": demo.models["compressor"]}
    reads = recorded_reads()
    first = render(params)
    (cache_key,) = cache_objects()

    def no_csv_reads(*_: Any) -> None:
        raise AssertionError("the CSV files were read again")

    monkeypatch.setattr(sensor_files, "read_component_files", no_csv_reads)
    reads.clear()
    warm = render(params)
    warm_reads = list(reads)
    new_container(tmp_path)
    reads.clear()
    fresh_container = render(params)

    assert warm_reads == [], "a warm container reads its /tmp copy"
    assert reads == [cache_key], "a new container reads one object: the component's"
    assert first.markup == warm.markup == fresh_container.markup
    assert "sensor-series" in warm.markup


def test_a_changed_csv_file_is_read_again(demo: Any) -> None:
    params = {"model": demo.models["compressor"]}
    before = render(params)
    s3 = make_client("s3")
    listed = s3.list_objects_v2(Bucket=PLANT_BUCKET, Prefix="datasets/compressor/compressor/")["Contents"]
    latest = max(item["Key"] for item in listed)
    lines = s3.get_object(Bucket=PLANT_BUCKET, Key=latest)["Body"].read().decode().splitlines(keepends=True)
    kept = len(lines) // 2
    s3.put_object(Bucket=PLANT_BUCKET, Key=latest, Body="".join(lines[:kept]).encode())

    after = render(params)

    assert values_drawn(before) - values_drawn(after) == len(lines) - kept
    assert len(cache_objects()) == 2, "the changed file's ETag gives the component a new key"


DAMAGES = {
    "truncated": lambda body: body[: len(body) // 2],
    "a flipped byte in the timestamps": lambda body: body[:1000] + bytes([body[1000] ^ 0xFF]) + body[1001:],
    "not a cache object": lambda body: b"<html>504 Gateway Time-out</html>",
}


@pytest.mark.parametrize("damage", DAMAGES)
@pytest.mark.parametrize("where", ["bucket", "/tmp"])
def test_a_damaged_cache_object_is_rebuilt_from_the_csv_files(
    demo: Any, tmp_path: Path, damage: str, where: str
) -> None:
    params = {"model": demo.models["compressor"]}
    reads = recorded_reads()
    first = render(params)
    ((key, body),) = cache_objects().items()
    if where == "bucket":
        new_container(tmp_path)
        make_client("s3").put_object(Bucket=DEMO_BUCKET, Key=key, Body=DAMAGES[damage](body))
    else:
        (copy,) = (tmp_path / "cache").rglob("*.npz")
        copy.write_bytes(DAMAGES[damage](body))
    reads.clear()

    again = render(params)

    assert again.messages == [] and again.markup == first.markup
    assert any(read.endswith(".csv") for read in reads), "the component was parsed again"
    with np.load(io.BytesIO(body)) as original, np.load(io.BytesIO(cache_objects()[key])) as rebuilt:
        assert all(rebuilt[name].tobytes() == original[name].tobytes() for name in original.files)
