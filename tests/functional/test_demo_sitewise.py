"""The SiteWise demo account holds every case the widgets must show, read back through real boto3 clients."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from local.demo import default_now
from local.demo_sitewise import (
    HOSTILE,
    LARGE,
    RESULT,
    SITEWISE_BUCKET,
    SiteWiseDemo,
    add_fleet,
    remove_fleet,
    sitewise_demo_account,
)
from local.fake_sitewise import INFERENCE, TRAINING
from lookout_dashboards.domain import InferenceOutcome
from lookout_dashboards.sources import default_source, sitewise_formats

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo() -> Iterator[SiteWiseDemo]:
    with sitewise_demo_account(now=NOW) as account:
        yield account


def sitewise() -> Any:
    return boto3.client("iotsitewise")


def all_pages(operation: str, key: str, **params: Any) -> list[Any]:
    return [item for page in sitewise().get_paginator(operation).paginate(**params) for item in page[key]]


def target(model_id: str, asset_id: str | None) -> dict[str, str]:
    resolve = {"resolveToResourceType": "ASSET", "resolveToResourceId": asset_id} if asset_id else {}
    return {"targetResourceType": "COMPUTATION_MODEL", "targetResourceId": model_id, **resolve}


def names(demo: SiteWiseDemo) -> dict[str, str]:
    """Asset and property ids to names, as DescribeAsset gives them."""
    described = [sitewise().describe_asset(assetId=asset_id) for asset_id in demo.assets.values()]
    return {
        **{asset["assetId"]: asset["assetName"] for asset in described},
        **{prop["id"]: prop["name"] for asset in described for prop in asset["assetProperties"]},
    }


def test_assets_and_models_of_the_station(demo: SiteWiseDemo) -> None:
    models = {model["name"]: model["id"] for model in all_pages("list_asset_models", "assetModelSummaries")}
    pumps = all_pages("list_assets", "assetSummaries", assetModelId=models["Pumping station pump"])
    computation = all_pages("list_computation_models", "computationModelSummaries")
    pump_fleet = sitewise().describe_computation_model(computationModelId=demo.models["pump-fleet"])
    resolved = all_pages(
        "list_computation_model_resolve_to_resources",
        "computationModelResolveToResourceSummaries",
        computationModelId=demo.models["pump-fleet"],
    )
    cross = sitewise().describe_computation_model(computationModelId=demo.models["pump-compressor"])
    cross_assets = {item["assetProperty"]["assetId"] for item in cross["computationModelDataBinding"]["inputs"]["list"]}

    assert sorted(pump["name"] for pump in pumps) == ["Pump 1", "Pump 2", "Pump 3"]
    assert {model["type"] for model in computation} == {"ANOMALY_DETECTION"} and len(computation) == 4
    assert {model["id"] for model in computation} == {*demo.models.values(), demo.fleets["pumps"].model_id}
    fleet_pumps = all_pages("list_assets", "assetSummaries", assetModelId=demo.fleets["pumps"].asset_model_id)
    assert len(fleet_pumps) == 40 and (len(demo.fleets["pumps"].anomalous), len(demo.fleets["pumps"].stopped)) == (3, 2)
    assert "assetModelProperty" in pump_fleet["computationModelDataBinding"]["inputs"]["list"][0]
    assert {item["resolveTo"]["assetId"] for item in resolved} == {demo.assets[f"pump-{n}"] for n in (1, 2, 3)}
    assert cross_assets == {demo.assets["pump-1"], demo.assets["compressor"]}


def test_trainings_cover_every_outcome_and_versions(demo: SiteWiseDemo) -> None:
    fleet = demo.models["pump-fleet"]
    pump_1 = all_pages(
        "list_executions", "executionSummaries", actionType=TRAINING, **target(fleet, demo.assets["pump-1"])
    )
    pump_2 = all_pages(
        "list_executions", "executionSummaries", actionType=TRAINING, **target(fleet, demo.assets["pump-2"])
    )
    pump_3 = all_pages(
        "list_executions", "executionSummaries", actionType=TRAINING, **target(fleet, demo.assets["pump-3"])
    )
    failed = next(run for run in pump_2 if run["executionStatus"]["state"] == "FAILED")
    reason = sitewise().describe_execution(executionId=failed["executionId"])
    never_trained = sitewise().describe_computation_model_execution_summary(
        computationModelId=fleet, resolveToResourceType="ASSET", resolveToResourceId=demo.assets["pump-3"]
    )

    assert [run["executionEntityVersion"] for run in pump_1] == ["1", "2", "3"]
    assert {run["executionStatus"]["state"] for run in pump_1} == {"COMPLETED"}
    assert "fewer than 14 days" in reason["executionDetails"]["failureReason"]
    assert [run["executionStatus"]["state"] for run in pump_3] == ["RUNNING"]
    assert not never_trained["computationModelExecutionSummary"]


def last_payload(model_id: str, asset_id: str | None, action_type: str, demo: SiteWiseDemo) -> dict[str, Any]:
    definition = demo.fake.action_definition_id(model_id, action_type)
    actions = [
        action
        for action in all_pages("list_actions", "actionSummaries", **target(model_id, asset_id))
        if action["actionDefinitionId"] == definition
    ]
    described = sitewise().describe_action(actionId=actions[-1]["actionId"])
    return described["actionPayload"]["stringValue"]


def test_training_payload_points_at_metrics_and_evaluation_in_s3(demo: SiteWiseDemo) -> None:
    payload = sitewise_formats.training_payload(
        last_payload(demo.models["pump-fleet"], demo.assets["pump-1"], TRAINING, demo)
    )
    s3 = boto3.client("s3")
    metrics_keys = s3.list_objects_v2(Bucket=SITEWISE_BUCKET, Prefix=payload.metrics_destination.prefix)["Contents"]
    metrics_text = s3.get_object(Bucket=SITEWISE_BUCKET, Key=metrics_keys[0]["Key"])["Body"].read().decode()
    metrics = sitewise_formats.model_metrics(metrics_text, names(demo))
    evaluation_key = s3.list_objects_v2(Bucket=SITEWISE_BUCKET, Prefix=payload.evaluation_destination.prefix)
    evaluation_body = s3.get_object(Bucket=SITEWISE_BUCKET, Key=evaluation_key["Contents"][0]["Key"])["Body"].read()
    evaluation = sitewise_formats.evaluation_records(evaluation_body, names(demo))
    top = max(metrics.evaluation.events[0].diagnostics, key=lambda item: item.importance)

    assert payload.sampling_rate == "PT1M" and payload.training_range and payload.evaluation_range
    assert payload.labels is not None and payload.labels.bucket == SITEWISE_BUCKET
    assert metrics.evaluation.events and metrics.evaluation.labeled_ranges and metrics.labels_present
    assert {"model_version_metrics.precision", "model_version_metrics.recall"} <= set(metrics.evaluation.metrics)
    assert (top.component, top.sensor) in {("Pump 1", "bearing temperature"), ("Pump 1", "vibration")}
    assert evaluation.results and not evaluation.malformed_lines
    assert any(result.is_anomalous for result in evaluation.results)


def test_last_training_of_pump_2_configured_no_evaluation(demo: SiteWiseDemo) -> None:
    payload = sitewise_formats.training_payload(
        last_payload(demo.models["pump-fleet"], demo.assets["pump-2"], TRAINING, demo)
    )

    assert payload.training_range is not None
    assert payload.evaluation_destination is None and payload.metrics_destination is None


def test_one_inference_running_and_one_stopped(demo: SiteWiseDemo) -> None:
    fleet = demo.models["pump-fleet"]

    def timer(asset: str) -> sitewise_formats.ExecutionSummary:
        summary = sitewise().describe_computation_model_execution_summary(
            computationModelId=fleet, resolveToResourceType="ASSET", resolveToResourceId=demo.assets[asset]
        )
        return sitewise_formats.execution_summary(summary["computationModelExecutionSummary"])

    start = sitewise_formats.inference_payload(last_payload(fleet, demo.assets["pump-1"], INFERENCE, demo))
    stop = sitewise_formats.inference_payload(last_payload(fleet, demo.assets["pump-2"], INFERENCE, demo))
    runs = all_pages(
        "list_executions", "executionSummaries", actionType=INFERENCE, **target(fleet, demo.assets["pump-1"])
    )

    assert timer("pump-1").inference_active and not timer("pump-2").inference_active
    assert (start.mode, start.upload_frequency, start.delay_offset) == (
        "START",
        timedelta(minutes=5),
        timedelta(minutes=2),
    )
    assert start.time_zone == "Europe/Paris" and start.target_model_version == 1 and not start.notes
    assert stop.mode == "STOP"
    assert len(runs) == demo.size.inference_execution_hours * 12
    assert max(run["executionStartTime"] for run in runs) > NOW - timedelta(minutes=10)


def test_latest_result_parses_and_anomalies_are_dominated_by_few_sensors(demo: SiteWiseDemo) -> None:
    asset_id = demo.assets["pump-1"]
    result_property = demo.property_id("pump-1", RESULT)
    latest = sitewise().get_asset_property_value(assetId=asset_id, propertyId=result_property)
    result = sitewise_formats.inference_result(latest["propertyValue"]["value"]["stringValue"], names(demo))
    history = all_pages(
        "get_asset_property_value_history",
        "assetPropertyValueHistory",
        assetId=asset_id,
        propertyId=result_property,
        startDate=NOW - timedelta(days=8),
        endDate=NOW,
    )
    lookup = names(demo)
    parsed = [sitewise_formats.inference_result(point["value"]["stringValue"], lookup) for point in history]
    anomalies = [item for item in parsed if item.is_anomalous]
    tops = {max(item.diagnostics, key=lambda d: d.importance).sensor for item in anomalies}

    assert result.timestamp == NOW and result.anomaly_score is not None
    assert {d.component for d in result.diagnostics} == {"Pump 1"}
    assert len(history) == 7 * 288 + 1
    assert 0 < len(anomalies) < len(parsed) / 5
    assert tops <= {"bearing temperature", "vibration"}


def test_day_aggregates_of_an_input_property(demo: SiteWiseDemo) -> None:
    aggregates = sitewise().get_asset_property_aggregates(
        assetId=demo.assets["compressor"],
        propertyId=demo.property_id("compressor", "speed"),
        aggregateTypes=["MINIMUM", "MAXIMUM", "COUNT"],
        resolution="1h",
        startDate=NOW - timedelta(days=1),
        endDate=NOW,
    )["aggregatedValues"]

    assert sum(bucket["value"]["count"] for bucket in aggregates) == 24 * 60
    assert {bucket["value"]["count"] for bucket in aggregates[1:-1]} == {60.0}
    assert all(bucket["value"]["minimum"] < bucket["value"]["maximum"] for bucket in aggregates[1:-1])


def test_hostile_names_are_stored_unchanged(demo: SiteWiseDemo) -> None:
    asset = sitewise().describe_asset(assetId=demo.assets["hostile"])
    model = sitewise().describe_computation_model(computationModelId=demo.models["hostile"])
    latest = sitewise().get_asset_property_value(
        assetId=demo.assets["hostile"], propertyId=demo.property_id("hostile", RESULT)
    )
    result = sitewise_formats.inference_result(latest["propertyValue"]["value"]["stringValue"], names(demo))

    assert asset["assetName"] == HOSTILE and model["computationModelName"] == HOSTILE
    assert HOSTILE in {prop["name"] for prop in asset["assetProperties"]}
    assert (HOSTILE, HOSTILE) in {(d.component, d.sensor) for d in result.diagnostics}


def test_same_build_every_time(demo: SiteWiseDemo) -> None:
    with sitewise_demo_account(now=NOW) as again:
        assert again.assets == demo.assets
        assert again.fake.points.keys() == demo.fake.points.keys()
        key = (demo.assets["pump-1"], demo.property_id("pump-1", RESULT))
        assert again.fake.points[key].values == demo.fake.points[key].values


def test_a_fleet_is_one_model_bound_at_asset_model_level_on_every_pump(monkeypatch: pytest.MonkeyPatch) -> None:
    """Built at the real clock: the source says an asset reports by its latest result's age, from now."""
    monkeypatch.setenv("DATA_SOURCE", "IoTSiteWise")
    with sitewise_demo_account(now=default_now()) as demo:
        models = len(demo.fake.computation_models)
        fleet = add_fleet(demo, "pumps", 30, anomalous=4, stopped=2)
        described = sitewise().describe_computation_model(computationModelId=fleet.model_id)
        binding = described["computationModelDataBinding"]
        read = default_source().fleet(fleet.model_id)
        by_id = {asset.asset_id: asset for asset in read.assets}
        summary = read.summary()

        assert len(demo.fake.computation_models) == models + 1 and demo.fleets["pumps"] == fleet
        assert {item["assetModelProperty"]["assetModelId"] for item in binding["inputs"]["list"]} == {
            fleet.asset_model_id
        }
        assert binding["result"]["assetModelProperty"]["assetModelId"] == fleet.asset_model_id
        assert sorted(asset.name for asset in read.assets) == [f"Pump F-{n:03d}" for n in range(1, 31)]
        assert (summary.assets, summary.with_actions, summary.reporting, summary.anomalous) == (30, 30, 28, 4)
        assert {a for a, asset in by_id.items() if asset.latest_outcome is InferenceOutcome.ANOMALOUS} == set(
            fleet.anomalous
        )
        assert not fleet.anomalous & fleet.stopped and {
            a for a in by_id if not by_id[a].reporting(read.checked_at)
        } == set(fleet.stopped)
        timers = {
            asset_id: sitewise().describe_computation_model_execution_summary(
                computationModelId=fleet.model_id, resolveToResourceType="ASSET", resolveToResourceId=asset_id
            )["computationModelExecutionSummary"]["inferenceTimerActive"]
            for asset_id in fleet.assets
        }
        assert {a for a, active in timers.items() if active == "FALSE"} == set(fleet.stopped)

        remove_fleet(demo, "pumps")
        assert len(demo.fake.computation_models) == models and not set(fleet.assets) & set(demo.fake.assets)


def test_a_thousand_pump_fleet_builds_in_seconds() -> None:
    with sitewise_demo_account(now=NOW) as demo:
        started = time.perf_counter()
        fleet = add_fleet(demo, "large", 1000, anomalous=10, stopped=20)
        elapsed = time.perf_counter() - started

    assert len(fleet.assets) == 1000 and len(fleet.anomalous) == 10 and len(fleet.stopped) == 20
    assert elapsed < 5, f"{elapsed:.1f} s"


@pytest.mark.slow
def test_large_build(demo: SiteWiseDemo) -> None:
    with sitewise_demo_account(LARGE, now=NOW) as large:
        asset_id, result_property = large.assets["pump-1"], large.property_id("pump-1", RESULT)
        flow = large.fake.points[(asset_id, large.property_id("pump-1", "flow"))]
        results = large.fake.points[(asset_id, result_property)]
        assert flow.times[-1] - flow.times[0] == LARGE.history_days * 86_400
        assert len(results.times) == LARGE.results_days * 288 + 1
