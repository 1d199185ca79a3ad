"""The demo account holds every case the widgets must show, read back through the adapter."""

from datetime import timedelta
from typing import Any

from lookout_dashboards.aws import make_client
from lookout_dashboards.domain import ExecutionStatus, ModelStatus, SchedulerStatus, TimeRange
from lookout_dashboards.sources.lookout_equipment import LookoutEquipmentSource


def source() -> LookoutEquipmentSource:
    return LookoutEquipmentSource(make_client("lookoutequipment"), make_client("s3"))


def test_datasets_and_sensor_history_in_s3(demo: Any) -> None:
    datasets = {dataset.name: source().get_dataset(dataset.name) for dataset in source().list_datasets()}

    assert len(datasets) >= 2
    pump = datasets["pump-station"]
    assert pump.sensor_count >= 30
    assert pump.source is not None
    keys = [
        item["Key"]
        for item in make_client("s3").list_objects_v2(Bucket=pump.source.bucket, Prefix=pump.source.prefix)["Contents"]
    ]
    for component in pump.components:
        component_keys = [key for key in keys if key.startswith(f"{pump.source.prefix}{component.name}/")]
        assert len(component_keys) >= 2
    body = make_client("s3").get_object(Bucket=pump.source.bucket, Key=keys[0])["Body"].read().decode()
    header = body.splitlines()[0].split(",")
    assert header[0] == "Timestamp" and len(header) > 1


def test_models_cover_every_training_outcome(demo: Any) -> None:
    statuses = {model.status for model in source().list_models()}
    labeled = source().get_model(demo.models["labeled"])
    failed = source().get_model(demo.models["failed"])

    assert {ModelStatus.SUCCESS, ModelStatus.FAILED, ModelStatus.IN_PROGRESS} <= statuses
    assert labeled.evaluation.labeled_ranges and labeled.evaluation.events
    assert failed.failed_reason
    top = {}
    for event in labeled.evaluation.events:
        for item in event.diagnostics:
            top[item.sensor] = top.get(item.sensor, 0) + item.importance
    assert sorted(top, key=top.get, reverse=True)[:3] == demo.dominant_sensors


def test_schedulers_executions_and_results(demo: Any) -> None:
    schedulers = {scheduler.name: scheduler for scheduler in source().list_schedulers()}
    live = demo.schedulers["live"]
    runs = list(source().iter_executions(live))

    assert {SchedulerStatus.RUNNING, SchedulerStatus.STOPPED} <= {s.status for s in schedulers.values()}
    assert {ExecutionStatus.SUCCESS, ExecutionStatus.FAILED} <= {run.status for run in runs}
    newest_success = next(run for run in runs if run.status is ExecutionStatus.SUCCESS)
    results = source().read_inference_results(newest_success)
    assert results.results and results.malformed_lines == 0
    assert list(source().iter_executions(demo.schedulers["never_ran"])) == []


def test_damaged_results_are_there_to_be_shown(demo: Any) -> None:
    runs = [run for run in source().iter_executions(demo.schedulers["hourly"]) if run.status is ExecutionStatus.SUCCESS]

    assert source().read_inference_results(runs[1]).malformed_lines == 1
    try:
        source().read_inference_results(runs[3])
    except Exception as error:
        assert type(error).__name__ == "ResourceNotFoundError"
    else:
        raise AssertionError("the deleted result object was read")


def test_inference_events_are_listed_for_an_interval(demo: Any) -> None:
    live = demo.schedulers["live"]
    everything = TimeRange(demo.now - timedelta(days=7), demo.now)

    events = source().list_anomaly_events(live, everything)

    assert events, "the live scheduler has anomalies in its last day"
    assert all(event.start < event.end for event in events)
    assert [event.start for event in events] == sorted(event.start for event in events)
    assert events[0].diagnostics[0].component
    later = TimeRange(events[-1].end + timedelta(minutes=1), demo.now)
    assert source().list_anomaly_events(live, later) == []
