"""`invoke probe-sitewise` on the SiteWise fake: what it reports, that it only reads, and that a refusal costs
only its own answers."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import boto3
import pytest

from local.fake_sitewise import INFERENCE, TRAINING
from tests.conftest import DEMO_NOW
from tests.sitewise_models import add_model
from tools.probe_reads import READ_OPERATIONS
from tools.probe_sitewise import probe

HOUR = timedelta(hours=1)


def run(demo: Any, **options: Any) -> str:
    report, account = probe(boto3.client("iotsitewise", region_name="us-east-1"), now=DEMO_NOW, **options)
    assert account.operations == demo.fake.calls  # nothing reached the service but through the probe's reads
    return report.markdown()


def section(report: str, number: int) -> str:
    return re.split(r"^## ", report, flags=re.MULTILINE)[number]


def found(report: str, number: int) -> list[str]:
    """The lines under **Found** of a question."""
    part = section(report, number).split("**The code assumes**")[0]
    return [line[2:] for line in part.splitlines() if line.startswith("- ")]


def result(name_separator: str, **fields: Any) -> str:
    asset, prop = "0b5a1f4e-3c1d-4e2f-9a8b-1c2d3e4f5a6b", "7c8d9e0f-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
    record = {"timestamp": "2026-11-02T07:55:00.000000", "prediction": 0, "prediction_reason": "NO_ANOMALY_DETECTED"}
    record |= {"diagnostics": [{"name": f"{asset}{name_separator}{prop}", "value": 1.0}], **fields}
    return json.dumps(record)


@pytest.fixture
def seeded(sitewise_demo: Any) -> tuple[Any, str]:
    """The demo, plus a model on pump 3 whose runs and actions are recorded in a known time order and whose
    maps, summary and results hold shapes the code does not expect."""
    fake = sitewise_demo.fake
    model_id = add_model(sitewise_demo, "Probed <model> «泵»", trained=False)
    for hours, state in ((1, "FAILED"), (2, "COMPLETED"), (3, "COMPLETED")):  # newest recorded first
        start = DEMO_NOW - hours * HOUR
        details = {"billableDurationInMinutes": "42", "exportDataStartTime": "1730000000"}
        fake.add_execution(
            model_id,
            TRAINING,
            state=state,
            start=start,
            end=start + HOUR / 2,
            model_version=str(4 - hours),
            result={"errorCode": "INSUFFICIENT_DATA"} if state == "FAILED" else {"message": "Success"},
            details=details,
        )
    for hours in (3, 2, 1):  # oldest recorded first
        fake.add_execution(model_id, INFERENCE, state="COMPLETED", start=DEMO_NOW - hours * HOUR)
    for days, version in ((1, 2), (3, 1), (2, 1)):  # neither way
        start = {"inferenceMode": "START", "dataUploadFrequency": "PT5M", "targetModelVersion": version}
        fake.add_action(model_id, INFERENCE, start, at=DEMO_NOW - timedelta(days=days))
    fake.summaries[(model_id, None)]["activeModelVersion"] = "2"
    values = [
        result("\\\\", anomaly_score=0.2),
        result("\\\\", prediction_reason="MACHINE_OFF"),
        result("\\\\", anomaly_score=0.3),
        "{not json",
    ]
    pump = sitewise_demo.assets["pump-3"]
    times = [(DEMO_NOW - minutes * timedelta(minutes=5)).timestamp() for minutes in range(len(values), 0, -1)]
    fake.put_points(pump, sitewise_demo.property_id("pump-3", "anomaly result"), times, values)
    return sitewise_demo, model_id


def test_the_report_classifies_each_list_by_its_items_times(seeded: tuple[Any, str]) -> None:
    demo, model_id = seeded

    orders = found(run(demo, model_id=model_id), 1)

    assert "ListComputationModels by creationDate: **oldest first** (5 listed)" in orders  # the new model last
    assert "M1 ListExecutions (training) by executionStartTime: **newest first** (3 listed)" in orders
    assert "M1 ListExecutions (inference) by executionStartTime: **oldest first** (3 listed)" in orders
    assert "M1 ListActions by executionTime: **unsorted** (3 listed, 3 dated)" in orders


def test_an_asset_model_level_model_is_probed_on_its_first_asset(sitewise_demo: Any) -> None:
    report = run(sitewise_demo, model_id=sitewise_demo.models["pump-fleet"])

    assert "1 probed (the model asked for): M1 at asset-model level." in report
    orders = found(report, 1)
    assert "M1 ListExecutions (training) by executionStartTime: **oldest first** (3 listed)" in orders  # pump 1's
    resolved = next(line for line in orders if "ListComputationModelResolveToResources" in line)
    assert "**too few items to tell** (3 listed, 3 dated" in resolved  # the demo's pumps were made together
    assert "M1: 20 values" in found(report, 4)[0]  # pump 1's results


def test_the_report_shows_the_keys_found_beside_those_the_code_looks_for(seeded: tuple[Any, str]) -> None:
    demo, model_id = seeded

    report = run(demo, model_id=model_id)

    keys = found(report, 2)
    assert (
        'M1 newest training (FAILED): executionResult {`errorCode`: "INSUFFICIENT_DATA"}; executionDetails '
        '{`billableDurationInMinutes`: "42", `exportDataStartTime`: "1730000000"}; '
        'failure_reason() reads "INSUFFICIENT_DATA"'
    ) in keys
    assert "M1 newest inference (COMPLETED): executionResult (empty); executionDetails (empty)" in keys
    assert (
        'M1 execution summary: {`inferenceTimerActive`: "TRUE", `activeModelVersion`: "2"}; '
        "execution_summary() reads inference active True, active version 2"
    ) in keys
    assert "`failurereason`, `errormessage`" in section(report, 2)  # what the code looks for, beside
    assert len(found(report, 3)) == 5  # the models list, two executions lists, the actions list, the results
    assert "first page 4 values" in found(report, 3)[-1]
    (results,) = found(report, 4)
    assert "4 values" in results and "anomaly_score in 2 of 4" in results
    assert '"NO_ANOMALY_DETECTED" (2)' in results and '"MACHINE_OFF" (1)' in results and "null (1)" in results
    assert "timestamp 9999-99-99T99:99:99.999999 (3), None (1)" in results
    assert "diagnostics names two ids joined by 2 backslash(es) (3)" in results
    assert "inference_result ok (3), failed (result value is not JSON) (1)" in results
    versions = found(report, 5)
    assert 'M1 execution summary keys like a version: {`activeModelVersion`: "2"}' in versions
    assert any('FAILED executionEntityVersion "3"' in line for line in versions)
    assert "M1 last START of the actions described: targetModelVersion 2" in versions
    assert found(report, 6) == [
        'M1: actionName "AWS/ANOMALY_DETECTION_TRAINING", actionType "AWS/ANOMALY_DETECTION_TRAINING"; '
        'actionName "AWS/ANOMALY_DETECTION_INFERENCE", actionType "AWS/ANOMALY_DETECTION_INFERENCE"'
    ]
    assert "Probed" not in report and model_id not in report and demo.assets["pump-3"] not in report
    assert report.rstrip().endswith("add anything the service answered that surprised you.")
    assert "## Please send this report to the maintainers" in report


def test_the_probe_only_reads(sitewise_demo: Any) -> None:
    report = run(sitewise_demo, max_models=5)

    calls = sitewise_demo.fake.calls
    assert set(calls) <= READ_OPERATIONS and "ExecuteAction" not in calls
    assert all(call.startswith(("List", "Describe", "Get")) for call in calls)
    assert f"{len(calls)} calls of at most 200, reads only" in report
    assert "4 probed (at most the first 5 listed)" in report and "Could not read" not in report


def test_a_refused_operation_costs_only_its_own_answers(seeded: tuple[Any, str]) -> None:
    demo, model_id = seeded
    refusal = "User: arn:aws:iam::123456789012:user/probe is not authorized to perform: iotsitewise:DescribeExecution"
    demo.fake.fail("DescribeExecution", "AccessDeniedException", refusal, times=100)

    report = run(demo, model_id=model_id)

    keys = section(report, 2)
    assert "- M1: DescribeExecution failed: AccessDeniedException" in keys
    assert "User: <arn> is not authorized" in keys and "123456789012" not in report
    assert "newest inference (COMPLETED)" not in keys
    assert "M1 execution summary: {`inferenceTimerActive`" in keys  # the rest of the question still answered
    for number in (1, 3, 4, 5, 6):
        assert found(report, number) and "Could not read" not in section(report, number)


def test_a_throttled_list_is_reported_where_it_is_used(seeded: tuple[Any, str]) -> None:
    demo, model_id = seeded
    demo.fake.fail("ListActions", "ThrottlingException", "Rate exceeded")

    report = run(demo, model_id=model_id)

    for number in (1, 3, 5):
        assert "- M1: ListActions failed: ThrottlingException (Rate exceeded)" in section(report, number)
    assert "M1 ListExecutions (training) by executionStartTime: **newest first**" in section(report, 1)
    assert "Could not read" not in section(report, 2)


def test_the_call_cap_stops_the_probe_and_says_so(seeded: tuple[Any, str]) -> None:
    demo, model_id = seeded

    report = run(demo, model_id=model_id, max_calls=6)

    assert len(demo.fake.calls) == 6 and "6 calls of at most 6" in report
    assert "CallCapError (the call cap of 6 was reached)" in report
    assert found(report, 6)  # answered from DescribeComputationModel, read before the cap
