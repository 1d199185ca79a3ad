"""The SiteWise fake through real boto3 `iotsitewise` clients: routes, pages, values, actions, errors."""

from __future__ import annotations

import json
import math
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import numpy as np
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from local.fake_sitewise import INFERENCE, ORDERS, TRAINING, FakeSiteWise, ListOrder
from local.fake_sitewise_lists import ORDERABLE_LISTS, in_order

START = datetime(2026, 10, 1, tzinfo=UTC)
MINUTES = 3 * 24 * 60


@dataclass
class Plant:
    fake: FakeSiteWise
    pump_model: str
    pumps: list[str]
    compressor: str
    flow: str
    pressure: str
    result: str
    shared_model: str
    cross_asset_model: str
    times: np.ndarray
    flows: np.ndarray


@pytest.fixture
def plant(aws_credentials: None) -> Iterator[Plant]:
    fake = FakeSiteWise(page_size=2)
    pump_model = fake.add_asset_model(
        "Pump <é>",
        [("flow", "DOUBLE", "m3/h"), ("pressure", "DOUBLE", "bar"), ("result", "STRING", None)],
        created_at=START,
    )
    compressor_model = fake.add_asset_model("Compressor", [("speed", "DOUBLE", "rpm")], created_at=START)
    fake.add_asset_model("Empty", [], created_at=START)
    pumps = [fake.add_asset(f"Pump {number}", pump_model, created_at=START) for number in range(5)]
    compressor = fake.add_asset("Compressor & co", compressor_model, created_at=START)
    flow, pressure, result = (fake.property_id(pumps[0], name) for name in ("flow", "pressure", "result"))
    rng = np.random.default_rng(7)
    times = START.timestamp() + 60.0 * np.arange(MINUTES) + 17.0
    flows = rng.normal(100.0, 5.0, MINUTES)
    fake.put_points(pumps[0], flow, times, flows)
    fake.put_points(pumps[1], flow, times[:100], flows[:100])
    fake.put_points(pumps[0], result, times[:10], [json.dumps({"prediction": n % 2}) for n in range(10)])
    shared_model = fake.add_computation_model(
        "Pumps <model>",
        {
            "inputs": {"list": [{"assetModelProperty": {"assetModelId": pump_model, "propertyId": flow}}]},
            "result": {"assetModelProperty": {"assetModelId": pump_model, "propertyId": result}},
        },
        created_at=START,
    )
    speed = fake.property_id(compressor, "speed")
    cross_asset_model = fake.add_computation_model(
        "Pump and compressor",
        {
            "inputs": {
                "list": [
                    {"assetProperty": {"assetId": pumps[0], "propertyId": flow}},
                    {"assetProperty": {"assetId": compressor, "propertyId": speed}},
                ]
            },
            "result": {"assetProperty": {"assetId": compressor, "propertyId": result}},
        },
        created_at=START,
    )
    for number in range(3):
        fake.add_computation_model(f"other {number}", {}, created_at=START)
    for pump in pumps[:3]:
        fake.add_execution(shared_model, TRAINING, state="COMPLETED", start=START, end=START, asset_id=pump)
    fake.add_execution(cross_asset_model, TRAINING, state="COMPLETED", start=START, end=START)
    for hour in range(3):
        fake.add_execution(cross_asset_model, INFERENCE, state="COMPLETED", start=START + timedelta(hours=hour))
    with fake.serving():
        yield Plant(
            fake, pump_model, pumps, compressor, flow, pressure, result, shared_model, cross_asset_model, times, flows
        )


def client(**config: Any) -> Any:
    return boto3.client("iotsitewise", region_name="us-east-1", config=Config(**config))


def all_pages(operation: str, key: str, **params: Any) -> list[Any]:
    pages = client().get_paginator(operation).paginate(**params)
    return [item for page in pages for item in page[key]]


def error_code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return error.value.response["Error"]["Code"]


def test_every_list_follows_its_pages(plant: Plant) -> None:
    fake = plant.fake
    model_level = {"resolveToResourceType": "ASSET", "resolveToResourceId": plant.pumps[0]}

    asset_models = all_pages("list_asset_models", "assetModelSummaries")
    assets = all_pages("list_assets", "assetSummaries", assetModelId=plant.pump_model)
    properties = all_pages("list_asset_properties", "assetPropertySummaries", assetId=plant.pumps[0])
    models = all_pages("list_computation_models", "computationModelSummaries")
    resolved = all_pages(
        "list_computation_model_resolve_to_resources",
        "computationModelResolveToResourceSummaries",
        computationModelId=plant.shared_model,
    )
    executions = all_pages(
        "list_executions",
        "executionSummaries",
        targetResourceType="COMPUTATION_MODEL",
        targetResourceId=plant.cross_asset_model,
        actionType=INFERENCE,
    )
    for _ in range(3):
        fake.add_action(plant.shared_model, INFERENCE, {"inferenceMode": "STOP"}, at=START, asset_id=plant.pumps[0])
    actions = all_pages(
        "list_actions",
        "actionSummaries",
        targetResourceType="COMPUTATION_MODEL",
        targetResourceId=plant.shared_model,
        **model_level,
    )

    assert [model["name"] for model in asset_models] == ["Pump <é>", "Compressor", "Empty"]
    assert [asset["name"] for asset in assets] == [f"Pump {number}" for number in range(5)]
    assert [prop["path"][-1]["name"] for prop in properties] == ["flow", "pressure", "result"]
    assert properties[0]["unit"] == "m3/h" and properties[0]["path"][0] == {"id": plant.pumps[0], "name": "Pump 0"}
    assert [model["name"] for model in models][:2] == ["Pumps <model>", "Pump and compressor"] and len(models) == 5
    assert [entry["resolveTo"]["assetId"] for entry in resolved] == plant.pumps[:3]
    assert [run["executionStartTime"] for run in executions] == [START + timedelta(hours=h) for h in range(3)]
    assert len(actions) == 3 and {action["resolveTo"]["assetId"] for action in actions} == {plant.pumps[0]}
    pages = {
        "ListAssetModels": 2,
        "ListAssets": 3,
        "ListAssetProperties": 2,
        "ListComputationModels": 3,
        "ListComputationModelResolveToResources": 2,
        "ListExecutions": 2,
        "ListActions": 2,
    }
    assert {operation: fake.calls.count(operation) for operation in pages} == pages


def test_a_forged_or_foreign_token_is_refused(plant: Plant) -> None:
    for token in ("forged", "b2Zmc2V0Onh4"):  # the second decodes to "offset:xx"
        with pytest.raises(ClientError) as refused:
            client().list_computation_models(nextToken=token)
        assert error_code(refused) == "InvalidRequestException"
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_injected_failures_come_back_with_their_codes_then_stop(plant: Plant) -> None:
    plant.fake.fail("ListComputationModels", "ThrottlingException", times=2)
    plant.fake.fail("GetAssetPropertyValue", "AccessDeniedException")
    sitewise = client()

    for _ in range(2):
        with pytest.raises(ClientError) as throttled:
            sitewise.list_computation_models()
        assert error_code(throttled) == "ThrottlingException"
        assert throttled.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    with pytest.raises(ClientError) as denied:
        sitewise.get_asset_property_value(assetId=plant.pumps[0], propertyId=plant.flow)

    assert error_code(denied) == "AccessDeniedException"
    assert len(sitewise.list_computation_models()["computationModelSummaries"]) == 2
    assert plant.fake.calls == ["ListComputationModels"] * 2 + ["GetAssetPropertyValue", "ListComputationModels"]


def test_unknown_ids_are_not_found(plant: Plant) -> None:
    sitewise, unknown = client(), str(uuid.uuid4())
    calls = [
        lambda: sitewise.describe_asset(assetId=unknown),
        lambda: sitewise.describe_asset_model(assetModelId=unknown),
        lambda: sitewise.list_asset_properties(assetId=unknown),
        lambda: sitewise.describe_computation_model(computationModelId=unknown),
        lambda: sitewise.describe_execution(executionId=unknown),
        lambda: sitewise.describe_action(actionId=unknown),
        lambda: sitewise.get_asset_property_value(assetId=plant.pumps[0], propertyId=unknown),
        lambda: sitewise.describe_computation_model_execution_summary(
            computationModelId=plant.shared_model, resolveToResourceType="ASSET", resolveToResourceId=unknown
        ),
    ]
    for call in calls:
        with pytest.raises(ClientError) as missing:
            call()
        assert error_code(missing) == "ResourceNotFoundException"
        assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_hosts_are_api_for_the_control_plane_and_data_for_values(plant: Plant) -> None:
    client().describe_asset(assetId=plant.pumps[0])
    client().get_asset_property_value(assetId=plant.pumps[0], propertyId=plant.flow)

    assert plant.fake.hosts == ["api.iotsitewise.us-east-1.amazonaws.com", "data.iotsitewise.us-east-1.amazonaws.com"]
    with pytest.raises(ClientError) as unrouted:
        client(inject_host_prefix=False).describe_asset(assetId=plant.pumps[0])
    assert unrouted.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_history_bounds_ordering_and_pages(plant: Plant) -> None:
    first, last = 10, 60
    window = {
        "assetId": plant.pumps[0],
        "propertyId": plant.flow,
        "startDate": datetime.fromtimestamp(plant.times[first], UTC),
        "endDate": datetime.fromtimestamp(plant.times[last], UTC),
    }

    ascending = all_pages("get_asset_property_value_history", "assetPropertyValueHistory", **window)
    pages = (
        client()
        .get_paginator("get_asset_property_value_history")
        .paginate(**window, timeOrdering="DESCENDING", PaginationConfig={"PageSize": 7})
    )
    descending = [point for page in pages for point in page["assetPropertyValueHistory"]]

    seconds = [point["timestamp"]["timeInSeconds"] for point in ascending]
    assert seconds == [int(t) for t in plant.times[first + 1 : last + 1]]  # start exclusive, end inclusive
    assert [point["value"]["doubleValue"] for point in ascending] == plant.flows[first + 1 : last + 1].tolist()
    assert descending == ascending[::-1]
    assert plant.fake.calls.count("GetAssetPropertyValueHistory") == 1 + math.ceil(50 / 7)
    with pytest.raises(ClientError) as too_many:
        client().get_asset_property_value_history(**window, maxResults=20_001)
    assert error_code(too_many) == "InvalidRequestException"


def history_pages(asset_id: str, property_id: str) -> list[list[dict[str, Any]]]:
    pages = (
        client()
        .get_paginator("get_asset_property_value_history")
        .paginate(assetId=asset_id, propertyId=property_id, startDate=START, endDate=START + timedelta(days=3))
    )
    return [page["assetPropertyValueHistory"] for page in pages]


def test_history_pages_close_at_their_byte_budget_before_max_results(plant: Plant) -> None:
    whole = history_pages(plant.pumps[1], plant.flow)
    plant.fake.history_page_bytes = 1000

    pages = history_pages(plant.pumps[1], plant.flow)

    sizes = [sum(len(json.dumps(value)) for value in page) for page in pages]
    assert len(whole) == 1 and len(pages) > 10
    assert max(sizes) <= 1000
    for size, next_page in zip(sizes[:-1], pages[1:], strict=True):
        assert size + len(json.dumps(next_page[0])) > 1000  # closed only when the next value would not fit
    assert [value for page in pages for value in page] == whole[0]  # every value once, in order


def test_a_value_larger_than_the_byte_budget_still_gets_its_own_page(plant: Plant) -> None:
    plant.fake.history_page_bytes = 1

    pages = history_pages(plant.pumps[0], plant.result)

    assert [len(page) for page in pages] == [1] * 10
    assert [json.loads(page[0]["value"]["stringValue"])["prediction"] for page in pages] == [n % 2 for n in range(10)]


def test_latest_value_and_string_results(plant: Plant) -> None:
    sitewise = client()

    latest = sitewise.get_asset_property_value(assetId=plant.pumps[0], propertyId=plant.result)["propertyValue"]
    none_yet = sitewise.get_asset_property_value(assetId=plant.pumps[2], propertyId=plant.result)
    counts = sitewise.get_asset_property_aggregates(
        assetId=plant.pumps[0],
        propertyId=plant.result,
        aggregateTypes=["COUNT"],
        resolution="1d",
        startDate=START - timedelta(days=1),
        endDate=START + timedelta(days=1),
    )["aggregatedValues"]

    assert json.loads(latest["value"]["stringValue"]) == {"prediction": 1}
    assert latest["timestamp"]["timeInSeconds"] == int(plant.times[9])
    assert "propertyValue" not in none_yet
    assert [(bucket["timestamp"], bucket["value"]) for bucket in counts] == [(START, {"count": 10.0})]
    with pytest.raises(ClientError) as no_minimum:
        one_day_of_minimums(plant.pumps[0], plant.result)
    assert error_code(no_minimum) == "InvalidRequestException"


def one_day_of_minimums(asset_id: str, property_id: str, **params: Any) -> dict[str, Any]:
    return client().get_asset_property_aggregates(
        assetId=asset_id,
        propertyId=property_id,
        aggregateTypes=["MINIMUM"],
        resolution="1m",
        startDate=START,
        endDate=START + timedelta(days=1),
        **params,
    )


def expected_buckets(times: np.ndarray, values: np.ndarray, resolution: int) -> list[tuple[float, dict[str, float]]]:
    """Plain per-bucket grouping, independent of the fake's vectorised one."""
    groups: dict[float, list[float]] = defaultdict(list)
    for time, value in zip(times.tolist(), values.tolist(), strict=True):
        groups[time // resolution * resolution].append(value)
    return [
        (start, {"minimum": min(g), "maximum": max(g), "average": float(np.mean(g)), "count": float(len(g))})
        for start, g in sorted(groups.items())
    ]


def as_pairs(buckets: list[dict[str, Any]]) -> list[tuple[float, dict[str, float]]]:
    return [(bucket["timestamp"].timestamp(), bucket["value"]) for bucket in buckets]


@pytest.mark.parametrize(("resolution", "seconds"), [("1m", 60), ("15m", 900), ("1h", 3600), ("1d", 86400)])
def test_aggregates_are_the_buckets_statistics(plant: Plant, resolution: str, seconds: int) -> None:
    plant.fake.aggregates_page_size = 50
    start, end = START + timedelta(hours=5), START + timedelta(days=2, hours=3)

    buckets = all_pages(
        "get_asset_property_aggregates",
        "aggregatedValues",
        assetId=plant.pumps[0],
        propertyId=plant.flow,
        aggregateTypes=["MINIMUM", "MAXIMUM", "AVERAGE", "COUNT"],
        resolution=resolution,
        startDate=start,
        endDate=end,
    )

    inside = (plant.times > start.timestamp()) & (plant.times <= end.timestamp())
    expected = expected_buckets(plant.times[inside], plant.flows[inside], seconds)
    assert len(buckets) == len(expected)
    for (stamp, value), (expected_stamp, expected_value) in zip(as_pairs(buckets), expected, strict=True):
        assert stamp == expected_stamp
        assert value == pytest.approx(expected_value)
    assert plant.fake.calls.count("GetAssetPropertyAggregates") == math.ceil(len(expected) / 50)


def test_aggregate_page_limit_is_the_services(plant: Plant) -> None:
    assert len(one_day_of_minimums(plant.pumps[0], plant.flow, maxResults=2500)["aggregatedValues"]) == 24 * 60
    with pytest.raises(ClientError) as too_many:
        one_day_of_minimums(plant.pumps[0], plant.flow, maxResults=2501)
    assert error_code(too_many) == "InvalidRequestException"


def test_batch_aggregates_share_pages_across_entries(plant: Plant) -> None:
    plant.fake.batch_aggregates_page_size = 30
    window = {"resolution": "1h", "startDate": START, "endDate": START + timedelta(days=3)}
    entries = [
        {"entryId": "pump1", "assetId": plant.pumps[1], "propertyId": plant.flow, **window},
        {"entryId": "pump0", "assetId": plant.pumps[0], "propertyId": plant.flow, **window},
        {"entryId": "pressure", "assetId": plant.pumps[0], "propertyId": plant.pressure, **window},
        {"entryId": "unknown", "assetId": plant.pumps[0], "propertyId": str(uuid.uuid4()), **window},
    ]
    sitewise = client()
    collected: dict[str, list[dict[str, Any]]] = defaultdict(list)
    skipped, errors, token, pages = set(), [], None, 0
    while True:
        page = sitewise.batch_get_asset_property_aggregates(
            entries=[{**entry, "aggregateTypes": ["MINIMUM", "MAXIMUM"]} for entry in entries],
            maxResults=4000,
            **({"nextToken": token} if token else {}),
        )
        pages += 1
        for success in page["successEntries"]:
            collected[success["entryId"]].extend(success["aggregatedValues"])
        skipped |= {entry["entryId"] for entry in page["skippedEntries"] if entry["completionStatus"] == "SUCCESS"}
        errors += [(entry["entryId"], entry["errorCode"]) for entry in page["errorEntries"]]
        token = page.get("nextToken")
        if not token:
            break

    inside = plant.times <= (START + timedelta(days=3)).timestamp()
    expected_pump0 = [
        (stamp, {"minimum": value["minimum"], "maximum": value["maximum"]})
        for stamp, value in expected_buckets(plant.times[inside], plant.flows[inside], 3600)
    ]
    assert as_pairs(collected["pump0"]) == expected_pump0
    assert [bucket["value"]["maximum"] for bucket in collected["pump1"]] == [
        plant.flows[:60].max(),
        plant.flows[60:100].max(),
    ]
    assert collected["pressure"] == [] and "pressure" in collected
    assert errors == [("unknown", "ResourceNotFoundException")]
    assert skipped == {"pump1"}  # finished on the first page, reported done on the next ones
    assert pages == math.ceil((72 + 2) / 30)
    with pytest.raises(ClientError) as too_many:
        sitewise.batch_get_asset_property_aggregates(
            entries=[{**entries[0], "entryId": f"e{n}", "aggregateTypes": ["COUNT"]} for n in range(17)]
        )
    assert error_code(too_many) == "InvalidRequestException"


def summary(model_id: str, asset_id: str | None = None) -> dict[str, str]:
    resolve = {"resolveToResourceType": "ASSET", "resolveToResourceId": asset_id} if asset_id else {}
    answer = client().describe_computation_model_execution_summary(computationModelId=model_id, **resolve)
    return answer["computationModelExecutionSummary"]


def inference(
    plant: Plant, model_id: str, mode: str, asset_id: str | None = None, sitewise: Any = None, **params: Any
) -> dict[str, Any]:
    definition = plant.fake.action_definition_id(model_id, INFERENCE)
    return (sitewise or client()).execute_action(
        targetResource={"computationModelId": model_id},
        actionDefinitionId=definition,
        actionPayload={"stringValue": json.dumps({"inferenceMode": mode, "dataUploadFrequency": "PT5M"})},
        **({"resolveTo": {"assetId": asset_id}} if asset_id else {}),
        **params,
    )


def test_start_and_stop_flip_the_timer_of_one_asset_of_a_shared_model(plant: Plant) -> None:
    pump, other = plant.pumps[1], plant.pumps[2]
    assert summary(plant.shared_model, pump) == {"inferenceTimerActive": "FALSE"}

    started = inference(plant, plant.shared_model, "START", pump)

    assert started["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert summary(plant.shared_model, pump) == {"inferenceTimerActive": "TRUE"}
    assert summary(plant.shared_model, other) == {"inferenceTimerActive": "FALSE"}
    assert summary(plant.shared_model, plant.pumps[4]) == {}  # never trained: nothing to report
    action = client().describe_action(actionId=started["actionId"])
    assert json.loads(action["actionPayload"]["stringValue"])["inferenceMode"] == "START"
    assert action["resolveTo"] == {"assetId": pump}

    inference(plant, plant.shared_model, "STOP", pump)

    assert summary(plant.shared_model, pump) == {"inferenceTimerActive": "FALSE"}
    with pytest.raises(ClientError) as unresolved:
        inference(plant, plant.shared_model, "START")
    assert error_code(unresolved) == "InvalidRequestException"


def test_start_and_stop_flip_the_timer_of_an_asset_level_model(plant: Plant) -> None:
    inference(plant, plant.cross_asset_model, "START")
    assert summary(plant.cross_asset_model) == {"inferenceTimerActive": "TRUE"}

    inference(plant, plant.cross_asset_model, "STOP")

    assert summary(plant.cross_asset_model) == {"inferenceTimerActive": "FALSE"}
    listed = client().list_actions(targetResourceType="COMPUTATION_MODEL", targetResourceId=plant.cross_asset_model)
    assert len(listed["actionSummaries"]) == 2
    with pytest.raises(ClientError) as misplaced:
        inference(plant, plant.cross_asset_model, "START", plant.pumps[0])
    assert error_code(misplaced) == "InvalidRequestException"


def test_a_client_token_seen_for_the_same_target_answers_the_same_action(plant: Plant) -> None:
    pump, first, second = plant.pumps[1], str(uuid.uuid4()), str(uuid.uuid4())

    started = inference(plant, plant.shared_model, "START", pump, clientToken=first)
    inference(plant, plant.shared_model, "STOP", pump, clientToken=second)
    started_again = inference(plant, plant.shared_model, "START", pump, clientToken=first)
    other_pump = inference(plant, plant.shared_model, "START", plant.pumps[2], clientToken=first)

    assert started_again["actionId"] == started["actionId"] != other_pump["actionId"]
    assert summary(plant.shared_model, pump) == {"inferenceTimerActive": "FALSE"}  # the repeat changed nothing
    assert summary(plant.shared_model, plant.pumps[2]) == {"inferenceTimerActive": "TRUE"}
    assert len(plant.fake.actions) == 3
    assert plant.fake.client_tokens == [first, second, first, first]


def test_a_throttled_action_retried_with_its_token_is_recorded_once(plant: Plant) -> None:
    token = str(uuid.uuid4())
    plant.fake.fail("ExecuteAction", "ThrottlingException")

    with pytest.raises(ClientError) as throttled:
        inference(plant, plant.cross_asset_model, "START", clientToken=token)
    retried = inference(plant, plant.cross_asset_model, "START", clientToken=token)

    assert error_code(throttled) == "ThrottlingException"
    assert list(plant.fake.actions) == [retried["actionId"]]
    assert plant.fake.client_tokens == [token, token]
    assert summary(plant.cross_asset_model) == {"inferenceTimerActive": "TRUE"}


def test_botocore_retries_resend_the_callers_token_and_make_none_up(plant: Plant) -> None:
    token = str(uuid.uuid4())
    plant.fake.fail("ExecuteAction", "InternalFailureException")
    retrying = client(retries={"mode": "standard", "max_attempts": 2})

    retried = inference(plant, plant.cross_asset_model, "START", sitewise=retrying, clientToken=token)
    untokened = inference(plant, plant.cross_asset_model, "START", sitewise=retrying)

    assert plant.fake.client_tokens == [token, token, None]  # ExecuteAction's model marks no idempotency token
    assert list(plant.fake.actions) == [retried["actionId"], untokened["actionId"]]


def test_descriptions_carry_what_the_adapter_reads(plant: Plant) -> None:
    sitewise = client()

    model = sitewise.describe_computation_model(computationModelId=plant.shared_model)
    asset = sitewise.describe_asset(assetId=plant.compressor)
    run_id = sitewise.list_executions(
        targetResourceType="COMPUTATION_MODEL", targetResourceId=plant.cross_asset_model, actionType=TRAINING
    )["executionSummaries"][0]["executionId"]
    run = sitewise.describe_execution(executionId=run_id)

    assert {d["actionType"] for d in model["actionDefinitions"]} == {TRAINING, INFERENCE}
    assert model["computationModelDataBinding"]["inputs"]["list"][0]["assetModelProperty"]["propertyId"] == plant.flow
    assert asset["assetName"] == "Compressor & co"
    assert [(p["name"], p["dataType"], p["unit"]) for p in asset["assetProperties"]] == [("speed", "DOUBLE", "rpm")]
    assert run["executionStatus"] == {"state": "COMPLETED"} and run["actionType"] == TRAINING


#: Recording order of the scrambled records' hours: neither oldest nor newest first.
SCRAMBLED_HOURS = [3, 0, 4, 1, 2]


@dataclass
class Scrambled:
    """Records of every orderable list, each kept with the time it is ordered by, in recording order."""

    fake: FakeSiteWise
    asset_model: str
    shared_model: str
    cross_asset_model: str
    times: dict[str, dict[str, datetime]]


def scrambled(**settings: Any) -> Scrambled:
    fake = FakeSiteWise(page_size=2, **settings)
    asset_model = fake.add_asset_model("Pompe « 甲 »", [("flow", "DOUBLE", "m3/h")], created_at=START)
    at = {hour: START + timedelta(hours=hour) for hour in SCRAMBLED_HOURS}
    assets = {fake.add_asset(f"Pompe <{hour}>", asset_model, created_at=at[hour]): at[hour] for hour in SCRAMBLED_HOURS}
    flow = fake.property_id(next(iter(assets)), "flow")
    binding = {"inputs": {"assetModelProperty": {"assetModelId": asset_model, "propertyId": flow}}}
    models = {
        fake.add_computation_model(f"Modèle {hour} 'q'", binding if hour == 3 else {}, created_at=at[hour]): at[hour]
        for hour in SCRAMBLED_HOURS
    }
    shared_model, cross_asset_model = list(models)[:2]
    runs = {
        fake.add_execution(cross_asset_model, INFERENCE, state="COMPLETED", start=at[hour]): at[hour]
        for hour in SCRAMBLED_HOURS
    }
    actions = {
        fake.add_action(cross_asset_model, INFERENCE, {"inferenceMode": "START"}, at=at[hour]): at[hour]
        for hour in SCRAMBLED_HOURS
    }
    for asset_id, created in assets.items():
        fake.add_execution(
            shared_model, TRAINING, state="COMPLETED", start=created + timedelta(days=1), asset_id=asset_id
        )
    last_asset = list(assets)[-1]
    fake.add_action(
        shared_model, INFERENCE, {"inferenceMode": "STOP"}, at=START - timedelta(hours=1), asset_id=last_asset
    )
    named = {asset_id: created + timedelta(days=1) for asset_id, created in assets.items()}
    named[last_asset] = START - timedelta(hours=1)  # its action names it before its training does
    times = {
        "ListAssets": assets,
        "ListComputationModels": models,
        "ListComputationModelResolveToResources": named,
        "ListExecutions": runs,
        "ListActions": actions,
    }
    return Scrambled(fake, asset_model, shared_model, cross_asset_model, times)


def listed_ids(world: Scrambled, operation: str) -> list[str]:
    target = {"targetResourceType": "COMPUTATION_MODEL", "targetResourceId": world.cross_asset_model}
    if operation == "ListAssets":
        return [item["id"] for item in all_pages("list_assets", "assetSummaries", assetModelId=world.asset_model)]
    if operation == "ListComputationModels":
        return [item["id"] for item in all_pages("list_computation_models", "computationModelSummaries")]
    if operation == "ListExecutions":
        return [item["executionId"] for item in all_pages("list_executions", "executionSummaries", **target)]
    if operation == "ListActions":
        return [item["actionId"] for item in all_pages("list_actions", "actionSummaries", **target)]
    resolved = all_pages(
        "list_computation_model_resolve_to_resources",
        "computationModelResolveToResourceSummaries",
        computationModelId=world.shared_model,
    )
    return [item["resolveTo"]["assetId"] for item in resolved]


@pytest.mark.parametrize("operation", ORDERABLE_LISTS)
@pytest.mark.parametrize("order", list(ListOrder))
def test_each_order_holds_across_pages(aws_credentials: None, operation: str, order: ListOrder) -> None:
    world = scrambled(list_orders={operation: order})
    times = world.times[operation]
    oldest_first = sorted(times, key=times.__getitem__)

    with world.fake.serving():
        ids = listed_ids(world, operation)

    assert world.fake.calls.count(operation) == 3  # five records, two a page
    if order == ListOrder.RECORDED:
        assert ids == list(times)
    elif order == ListOrder.OLDEST_FIRST:
        assert ids == oldest_first
    elif order == ListOrder.NEWEST_FIRST:
        assert ids == oldest_first[::-1]
    else:
        assert sorted(ids) == sorted(times) and ids not in (oldest_first, oldest_first[::-1])
        world.fake.page_size = 50
        with world.fake.serving():
            assert listed_ids(world, operation) == ids  # the same permutation, in one page or in three


def test_order_all_orders_every_open_list(aws_credentials: None) -> None:
    world = scrambled()
    world.fake.order_all(ListOrder.NEWEST_FIRST)

    with world.fake.serving():
        newest_first = {operation: listed_ids(world, operation) for operation in world.times}

    for operation, times in world.times.items():
        assert newest_first[operation] == sorted(times, key=times.__getitem__, reverse=True), operation
    assert ORDERS == (ListOrder.OLDEST_FIRST, ListOrder.NEWEST_FIRST, ListOrder.UNSORTED)
    with pytest.raises(ValueError, match="ListAssetModels"):
        FakeSiteWise(list_orders={"ListAssetModels": ListOrder.UNSORTED})


def test_unsorted_is_never_oldest_or_newest_first_from_three_records() -> None:
    for count in range(3, 40):
        ids = [f"record-{number}" for number in range(count)]
        unsorted = in_order(ids, ListOrder.UNSORTED, time=ids.index, identity=str)
        assert sorted(unsorted) == sorted(ids)
        assert unsorted not in (ids, ids[::-1]), count
        assert in_order(ids[::-1], ListOrder.UNSORTED, time=ids.index, identity=str) == unsorted
