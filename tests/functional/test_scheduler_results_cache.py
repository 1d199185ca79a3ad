"""A new `scheduler-anomalies` container reads the results of past runs from the stack's bucket, never stale ones."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from local.demo import PLANT_BUCKET
from local.widget_events import load_handler, widget_event
from lookout_dashboards.config import load_settings
from lookout_dashboards.container import reset_container
from tests.conftest import DEMO_NOW
from tests.functional.test_container import recorded
from tests.widget_page import WidgetPage

#: The demo's five-minute scheduler runs 128 times with a result object over the day before `DEMO_NOW`.
RUNS = 128


@pytest.fixture
def new_container(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[[], None]:
    """Start a new container: no parsed results in memory, an empty `/tmp` cache."""
    containers = iter(range(1_000))

    def start() -> None:
        reset_container()
        monkeypatch.setenv("CACHE_DIR", str(tmp_path / f"container-{next(containers)}"))

    start()
    return start


def render(scheduler: str) -> str:
    """The deployed handler, in the current container, over the last day (and the hour after `DEMO_NOW`)."""
    event = widget_event(
        {"scheduler": scheduler}, start=DEMO_NOW - timedelta(days=1), end=DEMO_NOW + timedelta(hours=1)
    )
    return load_handler("scheduler-anomalies").lambda_handler(event, None)


def result_objects(demo: Any, scheduler: str) -> list[str]:
    """The scheduler's result object keys, newest first."""
    runs = reversed(demo.fake.executions[scheduler])
    return [run["CustomerResultObject"]["Key"] for run in runs if run["Status"] == "SUCCESS"]


def cache_objects() -> list[str]:
    listing = boto3.client("s3").list_objects_v2(Bucket=load_settings().snapshot_bucket, Prefix="cache/")
    return [item["Key"] for item in listing.get("Contents", [])]


def test_a_new_container_reads_the_cache_instead_of_every_result_object(
    demo: Any, new_container: Callable[[], None]
) -> None:
    scheduler = demo.schedulers["live"]
    reads, writes = recorded("before-call.s3.GetObject"), recorded("before-call.s3.PutObject")

    first = render(scheduler)
    first_reads, first_writes = len(reads), len(writes)
    new_container()
    reads.clear()
    again = render(scheduler)

    assert first_reads == RUNS + 1, "every result object, and the cache, not there yet"
    assert first_writes == 1 and len(cache_objects()) == 1
    assert len(reads) == 1 and len(writes) == first_writes, "the cache alone, and nothing new to write"
    assert again == first
    assert WidgetPage(again).footnotes[0].startswith(f"640 results from {RUNS} runs;")


def test_a_rewritten_result_object_is_read_again(demo: Any, new_container: Callable[[], None]) -> None:
    scheduler = demo.schedulers["live"]
    render(scheduler)
    newest = result_objects(demo, scheduler)[0]
    s3 = boto3.client("s3")
    body = s3.get_object(Bucket=PLANT_BUCKET, Key=newest)["Body"].read()
    s3.put_object(Bucket=PLANT_BUCKET, Key=newest, Body=body + b"{not json\n")
    new_container()
    reads = recorded("before-call.s3.GetObject")

    page = WidgetPage(render(scheduler))

    assert len(reads) == 2, "the cache, then the object whose ETag changed"
    assert page.footnotes[0].startswith(f"640 results from {RUNS} runs;")
    assert "1 malformed result line skipped." in page.footnotes[0]


def test_a_run_newer_than_the_cache_is_read_and_shown(demo: Any, new_container: Callable[[], None]) -> None:
    scheduler = demo.schedulers["live"]
    render(scheduler)
    key = f"inference/{scheduler}/output/new-run/results.jsonl"
    line = {"timestamp": DEMO_NOW.isoformat(), "prediction": 1, "anomaly_score": 0.9, "diagnostics": []}
    boto3.client("s3").put_object(Bucket=PLANT_BUCKET, Key=key, Body=json.dumps(line).encode())
    demo.fake.add_execution(
        scheduler,
        scheduled_start=DEMO_NOW + timedelta(minutes=6),
        data_start=DEMO_NOW,
        data_end=DEMO_NOW + timedelta(minutes=5),
        status="SUCCESS",
        result_object=(PLANT_BUCKET, key),
    )
    new_container()
    reads = recorded("before-call.s3.GetObject")

    page = WidgetPage(render(scheduler))

    assert len(reads) == 2, "the cache, then the new run's object"
    assert page.footnotes[0].startswith(f"641 results from {RUNS + 1} runs;")


def test_missing_objects_and_malformed_lines_are_still_reported_from_the_cache(
    demo: Any, new_container: Callable[[], None]
) -> None:
    scheduler = demo.schedulers["hourly"]
    first = WidgetPage(render(scheduler))
    new_container()
    reads = recorded("before-call.s3.GetObject")

    again = WidgetPage(render(scheduler))

    assert len(reads) == 1
    assert "1 result object is missing (first: s3://l4e-demo-plant/inference/" in again.footnotes[0]
    assert "1 malformed result line skipped." in again.footnotes[0]
    assert again.footnotes == first.footnotes


def test_a_bucket_that_refuses_the_cache_leaves_the_widget_working(
    demo: Any, new_container: Callable[[], None]
) -> None:
    def refuse(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        return AWSResponse("https://refused", 403, {}, None), {"Error": {"Code": "AccessDenied", "Message": "no"}}

    boto3._get_default_session().events.register("before-call.s3.PutObject", refuse)
    try:
        page = WidgetPage(render(demo.schedulers["live"]))
    finally:
        boto3._get_default_session().events.unregister("before-call.s3.PutObject", refuse)

    assert page.messages == []
    assert page.footnotes[0].startswith(f"640 results from {RUNS} runs;")
    assert cache_objects() == []
