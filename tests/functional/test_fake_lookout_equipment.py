"""The fake through real botocore clients, and the adapter over it."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local.fake_lookout_equipment import FakeLookoutEquipment
from lookout_dashboards.aws import make_client
from lookout_dashboards.domain import ExecutionStatus, FileExchange, ModelStatus, SchedulerStatus, TimeRange
from lookout_dashboards.errors import InvalidInputError, ResourceNotFoundError, SourceUnavailableError
from lookout_dashboards.sources.lookout_equipment import LookoutEquipmentSource

START = datetime(2026, 10, 1, tzinfo=UTC)


@pytest.fixture
def fake(aws_credentials: None) -> Iterator[FakeLookoutEquipment]:
    service = FakeLookoutEquipment(page_size=3)
    service.add_dataset("plant", {"pump": ["flow", "pressure"]}, bucket="data", prefix="plant/", created_at=START)
    for number in range(7):
        service.add_model(f"model-{number}", "plant", status="SUCCESS", created_at=START + timedelta(days=number))
    service.add_scheduler(
        "sched",
        "model-0",
        status="STOPPED",
        created_at=START,
        input_bucket="in",
        input_prefix="in/",
        output_bucket="out",
        output_prefix="out/",
    )
    for number in range(10):
        end = START + timedelta(minutes=5 * (number + 1))
        service.add_execution(
            "sched",
            scheduled_start=end,
            data_start=end - timedelta(minutes=5),
            data_end=end,
            status="FAILED" if number == 9 else "SUCCESS",
            result_object=("out", f"r/{number}.jsonl"),
        )
    with mock_aws(), service.serving():
        yield service


@pytest.fixture
def source(fake: FakeLookoutEquipment) -> LookoutEquipmentSource:
    return LookoutEquipmentSource(make_client("lookoutequipment"), make_client("s3"))


def test_listing_follows_every_page(fake: FakeLookoutEquipment, source: LookoutEquipmentSource) -> None:
    models = source.list_models()

    assert [model.name for model in models] == [f"model-{n}" for n in range(7)]
    assert fake.calls == ["ListModels"] * 3
    assert models[0].created_at == START
    assert models[0].status is ModelStatus.SUCCESS


def test_creation_range_filters_models(source: LookoutEquipmentSource) -> None:
    window = TimeRange(START + timedelta(days=2), START + timedelta(days=4))

    assert [model.name for model in source.list_models(window)] == ["model-2", "model-3", "model-4"]


def test_executions_come_newest_first_and_lazily(fake: FakeLookoutEquipment, source: LookoutEquipmentSource) -> None:
    runs = source.iter_executions("sched", page_size=2)
    newest, second = next(runs), next(runs)

    assert newest.status is ExecutionStatus.FAILED
    assert newest.scheduled_start > second.scheduled_start
    assert fake.calls == ["ListInferenceExecutions"]
    assert [run.status for run in source.iter_executions("sched", status=ExecutionStatus.FAILED)] == [
        ExecutionStatus.FAILED
    ]


def test_executions_filtered_by_data_window(source: LookoutEquipmentSource) -> None:
    runs = list(
        source.iter_executions(
            "sched", data_after=START + timedelta(minutes=20), data_before=START + timedelta(minutes=35)
        )
    )

    assert [run.data_range.start.minute for run in runs if run.data_range] == [30, 25, 20]


def test_start_and_stop_change_the_state(fake: FakeLookoutEquipment, source: LookoutEquipmentSource) -> None:
    assert source.start_scheduler("sched") is SchedulerStatus.PENDING
    assert source.get_scheduler("sched").status is SchedulerStatus.RUNNING
    with pytest.raises(InvalidInputError, match="RUNNING"):
        source.start_scheduler("sched")
    assert source.stop_scheduler("sched") is SchedulerStatus.STOPPING
    assert fake.schedulers["sched"]["Status"] == "STOPPED"


def test_service_errors_are_botocore_client_errors(fake: FakeLookoutEquipment) -> None:
    client = make_client("lookoutequipment")

    with pytest.raises(ClientError) as missing:
        client.describe_model(ModelName="absent")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"

    for code in ("ValidationException", "ThrottlingException"):
        fake.fail("ListModels", code)
        with pytest.raises(ClientError) as error:
            client.list_models()
        assert error.value.response["Error"]["Code"] == code

    with pytest.raises(ClientError) as token:
        client.list_models(NextToken="forged")
    assert token.value.response["Error"]["Code"] == "ValidationException"


def test_a_passing_throttle_is_retried_by_the_client(
    fake: FakeLookoutEquipment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "3")
    fake.fail("DescribeModel", "ThrottlingException")

    response = make_client("lookoutequipment").describe_model(ModelName="model-1")

    assert response["ModelName"] == "model-1"
    assert fake.calls == ["DescribeModel", "DescribeModel"]


def test_adapter_turns_errors_into_widget_errors(fake: FakeLookoutEquipment, source: LookoutEquipmentSource) -> None:
    with pytest.raises(ResourceNotFoundError, match="model absent"):
        source.get_model("absent")
    fake.fail("ListInferenceSchedulers", "ThrottlingException", "Rate exceeded")
    with pytest.raises(SourceUnavailableError, match="Rate exceeded"):
        source.list_schedulers()
    fake.fail("ListInferenceExecutions", "AccessDeniedException")
    with pytest.raises(SourceUnavailableError, match="AccessDenied"):
        next(source.iter_executions("sched"))


def test_scheduler_description_is_mapped(source: LookoutEquipmentSource) -> None:
    scheduler = source.get_scheduler("sched")

    assert isinstance(scheduler.exchange, FileExchange)
    assert scheduler.exchange.input_location.uri == "s3://in/in/"
    assert scheduler.upload_frequency == timedelta(minutes=5)
    assert scheduler.exchange.naming.timestamp_format == "yyyyMMddHHmmss"
    assert scheduler.exchange.time_zone_offset == timedelta(0)
