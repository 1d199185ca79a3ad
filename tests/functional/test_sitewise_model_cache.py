"""A SiteWise model's facts in the bucket: a new container's first model chart makes two SiteWise calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from lookout_dashboards.aws import make_client
from lookout_dashboards.container import current_container, reset_container
from lookout_dashboards.domain import Sensor
from lookout_dashboards.sources.sitewise_model_cache import FLEET_MAX_AGE, MAX_AGE, ModelFactsCache
from tests.widget_calls import render


def test_a_new_container_reads_the_models_facts_from_the_bucket(sitewise_demo: Any) -> None:
    key = sitewise_demo.key("pump-fleet", "pump-1")
    built = current_container().source.get_model(key)  # the first container builds and stores the facts
    reset_container()
    calls = len(sitewise_demo.fake.calls)

    page = render("model-anomalies", {"model": key})

    assert sorted(sitewise_demo.fake.calls[calls:]) == ["GetAssetPropertyAggregates", "ListExecutions"]
    assert "Pump 1\\bearing temperature" in page.markup and not page.messages
    assert current_container().source.get_model(key) == built  # the same facts, read back whole


def test_facts_of_another_training_or_too_old_are_built_again(sitewise_demo: Any) -> None:
    key = sitewise_demo.key("pump-fleet", "pump-1")
    model = current_container().source.get_model(key)
    bucket = current_container().settings.snapshot_bucket
    sensors = {Sensor("Pump 1", "flow"): ("asset", "property")}
    written = datetime(2026, 11, 1, tzinfo=UTC)
    cache = ModelFactsCache(make_client("s3"), bucket, now=lambda: written)
    cache.put(key, "execution-1:SUCCESS", model, sensors)

    assert cache.get(key, "execution-1:SUCCESS") == (model, sensors)
    assert cache.get(key, "execution-2:SUCCESS") is None
    later = ModelFactsCache(make_client("s3"), bucket, now=lambda: written + MAX_AGE + timedelta(minutes=1))
    assert later.get(key, "execution-1:SUCCESS") is None
    make_client("s3").put_object(Bucket=bucket, Key=cache.key(key, "broken"), Body=b"{not json")
    assert cache.get(key, "broken") is None


def test_a_new_container_reads_a_fleet_s_asset_names_from_the_bucket(sitewise_demo: Any) -> None:
    fleet = {"fleet": sitewise_demo.fleets["pumps"].model_id}
    render("list-schedulers", fleet)
    reset_container()
    calls = len(sitewise_demo.fake.calls)

    page = render("list-schedulers", fleet)

    assert "ListAssets" not in sitewise_demo.fake.calls[calls:]  # the 40 pumps' names came from the bucket
    assert any("Pump F-001" in cells[0] for cells in page.rows if cells)


def test_a_fleet_s_asset_names_are_listed_again_after_an_hour_or_when_unreadable(sitewise_demo: Any) -> None:
    bucket = current_container().settings.snapshot_bucket
    written = datetime(2026, 11, 1, tzinfo=UTC)
    cache = ModelFactsCache(make_client("s3"), bucket, now=lambda: written)
    cache.put_fleet_assets("asset-model-1", (("asset-1", "Pump 1"),))

    assert cache.fleet_assets("asset-model-1") == (("asset-1", "Pump 1"),)
    assert cache.fleet_assets("asset-model-2") is None
    later = ModelFactsCache(make_client("s3"), bucket, now=lambda: written + FLEET_MAX_AGE + timedelta(minutes=1))
    assert later.fleet_assets("asset-model-1") is None
    make_client("s3").put_object(Bucket=bucket, Key=cache.fleet_key("asset-model-1"), Body=b"{not json")
    assert cache.fleet_assets("asset-model-1") is None
