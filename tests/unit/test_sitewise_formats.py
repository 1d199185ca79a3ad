import json
from datetime import UTC, datetime, timedelta

import pytest

from lookout_dashboards.domain import S3Location
from lookout_dashboards.errors import InvalidInputError
from lookout_dashboards.sources.sitewise_formats import (
    DailyWindow,
    SiteWiseFormatError,
    evaluation_records,
    execution_summary,
    inference_payload,
    inference_result,
    model_metrics,
    restart_payload,
    start_words,
    training_payload,
)

PUMP = "11111111-1111-1111-1111-111111111111"
FLOW = "22222222-2222-2222-2222-222222222222"
HEAT = "33333333-3333-3333-3333-333333333333"
HOSTILE = "<img src=x onerror=alert(1)> \"quoted\" & 'single' Насос 泵"
NAMES = {PUMP: "Pump 1", FLOW: "flow rate", HEAT: HOSTILE}


def result_value(**overrides: object) -> str:
    record = {
        "timestamp": "2025-02-10T22:42:00.000000",
        "prediction": 1,
        "prediction_reason": "ANOMALY_DETECTED",
        "anomaly_score": 0.62,
        "diagnostics": [{"name": f"{PUMP}\\{FLOW}", "value": 0.7}, {"name": f"{PUMP}\\{HEAT}", "value": 0.3}],
    }
    record.update(overrides)
    return json.dumps(record)


def labels(result) -> list[tuple[str, float]]:
    return [(item.label, item.importance) for item in result.diagnostics]


def test_result_as_the_guide_shows_it() -> None:
    result = inference_result(result_value(), NAMES)

    assert result.timestamp == datetime(2025, 2, 10, 22, 42, tzinfo=UTC)
    assert result.is_anomalous and result.reason == "ANOMALY_DETECTED" and result.anomaly_score == 0.62
    assert labels(result) == [("Pump 1\\flow rate", 0.7), (f"Pump 1\\{HOSTILE}", 0.3)]


@pytest.mark.parametrize("backslashes", [1, 2, 4])
def test_diagnostics_name_with_any_run_of_backslashes(backslashes: int) -> None:
    name = PUMP + "\\" * backslashes + FLOW
    result = inference_result(result_value(diagnostics=[{"name": name, "value": 1.0}]), NAMES)

    (item,) = result.diagnostics
    assert (item.component, item.sensor, item.label) == ("Pump 1", "flow rate", "Pump 1\\flow rate")


def test_unknown_ids_stay_readable_and_a_function_can_name_them() -> None:
    other = "44444444-4444-4444-4444-444444444444"
    value = result_value(diagnostics=[{"name": f"{other}\\\\{FLOW}", "value": 0.5}, {"name": "bare", "value": 0.5}])

    by_mapping = inference_result(value, NAMES)
    by_function = inference_result(value, lambda identifier: {other: "Compressor"}.get(identifier))

    assert labels(by_mapping) == [(f"{other}\\flow rate", 0.5), ("bare", 0.5)]
    assert labels(by_function) == [(f"Compressor\\{FLOW}", 0.5), ("bare", 0.5)]


def test_missing_anomaly_score() -> None:
    record = json.loads(result_value())
    del record["anomaly_score"]

    result = inference_result(json.dumps(record), NAMES)

    assert result.anomaly_score is None and result.is_anomalous


@pytest.mark.parametrize("reason", ["NORMAL", "MACHINE_OFF", "NO_ANOMALY_DETECTED"])
def test_prediction_reason_kept_as_text_known_or_not(reason: str) -> None:
    result = inference_result(result_value(prediction=0, prediction_reason=reason), NAMES)

    assert result.reason == reason and not result.is_anomalous


@pytest.mark.parametrize(("prediction", "anomalous"), [(1, True), ("1", True), (True, True), (0, False), ("0", False)])
def test_prediction_as_int_text_or_bool(prediction: object, anomalous: bool) -> None:
    assert inference_result(result_value(prediction=prediction), NAMES).is_anomalous is anomalous


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        ("2025-02-10T22:42:00", datetime(2025, 2, 10, 22, 42, tzinfo=UTC)),
        ("2025-02-10T22:42:00.500", datetime(2025, 2, 10, 22, 42, 0, 500000, tzinfo=UTC)),
        ("2025-02-10T23:42:00+01:00", datetime(2025, 2, 10, 22, 42, tzinfo=UTC)),
        ("2025-02-10T22:42:00Z", datetime(2025, 2, 10, 22, 42, tzinfo=UTC)),
    ],
)
def test_result_timestamp_without_zone_is_utc(timestamp: str, expected: datetime) -> None:
    assert inference_result(result_value(timestamp=timestamp), NAMES).timestamp == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not json {", "not JSON"),
        ("[1, 2]", "not an object"),
        ('"a string"', "not an object"),
        (result_value(timestamp=None), "unreadable"),
        (result_value(timestamp="yesterday"), "unreadable"),
        (result_value(prediction=2), "unreadable"),
        (result_value(prediction="yes"), "unreadable"),
        (result_value(prediction=[1]), "unreadable"),
    ],
)
def test_malformed_result_values_raise_one_error(value: str, message: str) -> None:
    with pytest.raises(SiteWiseFormatError, match=message):
        inference_result(value, NAMES)


def test_result_without_timestamp_names_the_missing_field() -> None:
    record = json.loads(result_value())
    del record["timestamp"]

    with pytest.raises(SiteWiseFormatError, match="no 'timestamp'") as raised:
        inference_result(json.dumps(record), NAMES)
    assert isinstance(raised.value, InvalidInputError)


def test_hostile_names_pass_through_as_data() -> None:
    hostile_ids = {PUMP: HOSTILE, FLOW: "a\\b & <script>alert('x')</script>"}

    result = inference_result(result_value(), hostile_ids)

    assert result.diagnostics[0].component == HOSTILE
    assert result.diagnostics[0].sensor == "a\\b & <script>alert('x')</script>"


def test_evaluation_records_count_malformed_lines_and_sort() -> None:
    lines = [
        result_value(timestamp="2025-02-10T22:47:00"),
        "not json",
        "",
        "[]",
        result_value(timestamp="2025-02-10T22:42:00", prediction=0),
    ]

    parsed = evaluation_records("\n".join(lines).encode(), NAMES)

    assert parsed.malformed_lines == 2
    assert [result.timestamp.minute for result in parsed.results] == [42, 47]
    assert labels(parsed.results[0])[0] == ("Pump 1\\flow rate", 0.7)


@pytest.mark.parametrize("spelling", ["PT1D", "P1D", "pt1d"])
def test_one_day_upload_frequency_either_spelling(spelling: str) -> None:
    payload = inference_payload(json.dumps({"inferenceMode": "START", "dataUploadFrequency": spelling}))

    assert payload.upload_frequency == timedelta(days=1)


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [("PT5M", timedelta(minutes=5)), ("PT1H", timedelta(hours=1)), ("PT12H", timedelta(hours=12))],
)
def test_upload_frequencies(spelling: str, expected: timedelta) -> None:
    payload = inference_payload(json.dumps({"inferenceMode": "START", "dataUploadFrequency": spelling}))

    assert payload.upload_frequency == expected and payload.delay_offset == timedelta(0) and payload.notes == ()


@pytest.mark.parametrize("delay", [2, "2", " 2 ", 2.0])
def test_delay_offset_as_int_or_text(delay: object) -> None:
    payload = inference_payload(
        json.dumps({"inferenceMode": "START", "dataUploadFrequency": "PT5M", "dataDelayOffsetInMinutes": delay})
    )

    assert payload.delay_offset == timedelta(minutes=2) and payload.notes == ()


@pytest.mark.parametrize("delay", [61, -1, "two", True])
def test_delay_offset_out_of_range_is_ignored_with_a_note(delay: object) -> None:
    payload = inference_payload(
        json.dumps({"inferenceMode": "START", "dataUploadFrequency": "PT5M", "dataDelayOffsetInMinutes": delay})
    )

    assert payload.delay_offset == timedelta(0)
    assert payload.notes == (f"dataDelayOffsetInMinutes {delay!r} ignored",)


def test_full_start_payload() -> None:
    text = json.dumps(
        {
            "inferenceMode": "start",
            "dataUploadFrequency": "PT1D",
            "dataDelayOffsetInMinutes": "10",
            "targetModelVersion": "3",
            "weeklyOperatingWindow": {
                "Monday": ["13:00-17:00", "08:00-12:00"],
                "FRIDAY": "00:00-24:00",
            },
            "inferenceStartTime": "13:00",
            "inferenceTimeZone": "America/Chicago",
        }
    )

    payload = inference_payload(text)

    assert payload.mode == "START" and payload.target_model_version == 3 and payload.time_zone == "America/Chicago"
    assert payload.delay_offset == timedelta(minutes=10) and payload.inference_start_time == timedelta(hours=13)
    assert payload.weekly_operating_window == {
        "monday": (
            DailyWindow(timedelta(hours=8), timedelta(hours=12)),
            DailyWindow(timedelta(hours=13), timedelta(hours=17)),
        ),
        "friday": (DailyWindow(timedelta(0), timedelta(days=1)),),
    }
    assert payload.notes == ()


def test_target_model_version_as_int() -> None:
    payload = inference_payload(
        json.dumps({"inferenceMode": "START", "dataUploadFrequency": "PT5M", "targetModelVersion": 2})
    )

    assert payload.target_model_version == 2


def test_unknown_time_zone_falls_back_to_utc_with_a_note() -> None:
    payload = inference_payload(
        json.dumps({"inferenceMode": "START", "dataUploadFrequency": "PT5M", "inferenceTimeZone": "Mars/Olympus"})
    )

    assert payload.time_zone == "UTC" and payload.notes == ("unknown time zone 'Mars/Olympus', times shown in UTC",)


def test_unreadable_operating_window_parts_are_noted_and_skipped() -> None:
    window = {"funday": ["08:00-12:00"], "tuesday": ["12:00-08:00", "25:00-26:00", "09:00-10:00", 7]}
    payload = inference_payload(
        json.dumps({"inferenceMode": "START", "dataUploadFrequency": "PT5M", "weeklyOperatingWindow": window})
    )

    assert payload.weekly_operating_window == {"tuesday": (DailyWindow(timedelta(hours=9), timedelta(hours=10)),)}
    assert len(payload.notes) == 4


def test_stop_payload_in_any_case() -> None:
    payload = inference_payload('{"inferenceMode": "Stop"}')

    assert payload.mode == "STOP" and payload.upload_frequency is None


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"dataUploadFrequency": "PT5M"}',
        '{"inferenceMode": "PAUSE", "dataUploadFrequency": "PT5M"}',
        '{"inferenceMode": "START"}',
        '{"inferenceMode": "START", "dataUploadFrequency": "PT1M"}',
        '{"inferenceMode": "START", "dataUploadFrequency": "P2D"}',
        '{"inferenceMode": "START", "dataUploadFrequency": 300}',
    ],
)
def test_unreadable_inference_payloads(text: str) -> None:
    with pytest.raises(SiteWiseFormatError):
        inference_payload(text)


def test_training_payload_with_every_part() -> None:
    text = json.dumps(
        {
            "trainingMode": "TRAIN_MODEL",
            "exportDataStartTime": 1735689600,
            "exportDataEndTime": "1738368000",
            "targetSamplingRate": "PT1M",
            "labelInputConfiguration": {"bucketName": "labels", "prefix": "pump/"},
            "modelEvaluationConfiguration": {
                "dataStartTime": 1738368000.0,
                "dataEndTime": 1739000000,
                "resultDestination": {"bucketName": "evaluation", "prefix": "pump/run-evaluation_results.jsonl"},
            },
            "modelMetricsDestination": {"bucketName": "metrics", "prefix": "pump/"},
        }
    )

    payload = training_payload(text)

    assert payload.mode == "TRAIN_MODEL" and payload.sampling_rate == "PT1M" and payload.notes == ()
    assert payload.training_range.start == datetime(2025, 1, 1, tzinfo=UTC)
    assert payload.training_range.end == datetime(2025, 2, 1, tzinfo=UTC)
    assert payload.evaluation_range.start == datetime(2025, 2, 1, tzinfo=UTC)
    assert payload.labels == S3Location("labels", "pump/")
    assert payload.evaluation_destination == S3Location("evaluation", "pump/run-evaluation_results.jsonl")
    assert payload.metrics_destination == S3Location("metrics", "pump/")


def test_training_mode_defaults_to_train_model_and_parts_are_optional() -> None:
    payload = training_payload('{"exportDataStartTime": 0, "exportDataEndTime": 60}')

    assert payload.mode == "TRAIN_MODEL" and payload.training_range.duration == timedelta(minutes=1)
    assert payload.labels is None and payload.evaluation_range is None and payload.metrics_destination is None


def test_unreadable_training_parts_are_noted() -> None:
    text = json.dumps(
        {
            "exportDataStartTime": "soon",
            "exportDataEndTime": 60,
            "targetSamplingRate": "PT2H",
            "labelInputConfiguration": {"prefix": "x"},
            "modelEvaluationConfiguration": "yes",
        }
    )

    payload = training_payload(text)

    assert payload.training_range is None and payload.sampling_rate is None and payload.labels is None
    assert len(payload.notes) == 3


@pytest.mark.parametrize("text", ["", "nope", "[1]", '{"trainingMode": 3}'])
def test_unreadable_training_payloads(text: str) -> None:
    with pytest.raises(SiteWiseFormatError):
        training_payload(text)


@pytest.mark.parametrize(
    ("value", "active"), [("TRUE", True), ("true", True), ("True", True), ("1", True), ("FALSE", False), ("", False)]
)
def test_inference_timer_active_in_any_case(value: str, active: bool) -> None:
    assert execution_summary({"inferenceTimerActive": value}).inference_active is active


def test_execution_summary_key_case_version_and_unknown_keys() -> None:
    summary = execution_summary({"INFERENCETIMERACTIVE": "true", "ActiveModelVersion": "4", "somethingNew": "x"})

    assert summary.inference_active and summary.active_model_version == 4
    assert execution_summary({}) == execution_summary(None)
    assert (
        not execution_summary({}).inference_active
        and execution_summary({"modelVersion": "latest"}).active_model_version is None
    )


def test_model_metrics_from_the_guide() -> None:
    text = json.dumps(
        {
            "labeled_ranges": [{"start": "2025-01-05T00:00:00", "end": "2025-01-06T00:00:00"}],
            "labeled_event_metrics": {"num_labeled": 1, "num_identified": 1, "total_warning_time_in_seconds": 3600},
            "predicted_ranges": [
                {"start": 1736035200, "end": 1736038800, "diagnostics": [{"name": f"{PUMP}\\\\{HEAT}", "value": 1.0}]}
            ],
            "labels_present": True,
            "model_version_metrics": {"precision": 0.9, "recall": 0.75, "mean_fractional_lead_time": 0.2, "auc": 0.8},
        }
    )

    metrics = model_metrics(text, NAMES)

    (event,) = metrics.evaluation.events
    assert event.start == datetime(2025, 1, 5, tzinfo=UTC) and event.duration == timedelta(hours=1)
    assert [item.label for item in event.diagnostics] == [f"Pump 1\\{HOSTILE}"]
    assert metrics.evaluation.labeled_ranges[0].end == datetime(2025, 1, 6, tzinfo=UTC)
    assert metrics.evaluation.metrics["model_version_metrics.precision"] == 0.9
    assert metrics.evaluation.metrics["model_version_metrics.recall"] == 0.75
    assert metrics.labels_present is True


@pytest.mark.parametrize(
    "text", [None, "", "not json", "[]", "{}", '{"predicted_ranges": "x", "labels_present": "yes"}']
)
def test_model_metrics_missing_parts_are_empty(text: str | None) -> None:
    metrics = model_metrics(text, NAMES)

    assert metrics.evaluation.events == () and metrics.evaluation.labeled_ranges == ()
    assert metrics.evaluation.metrics == {} and metrics.labels_present is None


@pytest.mark.parametrize("prediction", [0, "0", False])
def test_a_normal_results_diagnostics_can_be_left_unread(prediction: object) -> None:
    normal = result_value(prediction=prediction, prediction_reason="NO_ANOMALY_DETECTED")

    assert inference_result(normal, NAMES, normal_diagnostics=False).diagnostics == ()
    assert len(inference_result(normal, NAMES).diagnostics) == 2
    assert len(inference_result(result_value(), NAMES, normal_diagnostics=False).diagnostics) == 2


def test_an_empty_execution_summary_means_never_trained() -> None:
    assert execution_summary({}).empty and execution_summary(None).empty
    assert not execution_summary({"inferenceTimerActive": "FALSE"}).empty


def test_start_re_sends_the_last_settings_without_the_model_version() -> None:
    last = {
        "inferenceMode": "START",
        "dataUploadFrequency": "PT5M",
        "dataDelayOffsetInMinutes": "2",
        "inferenceTimeZone": "America/Chicago",
        "weeklyOperatingWindow": {"monday": ["08:00-16:00"]},
        "targetModelVersion": 1,
        "someKeyWeDoNotKnow": {"kept": True},
    }

    sent = restart_payload(json.dumps(last, indent=2))

    assert "\n" not in sent and " " not in sent  # compact: the API refuses control characters
    assert json.loads(sent) == {key: value for key, value in last.items() if key != "targetModelVersion"}


@pytest.mark.parametrize("text", ['{"inferenceMode": "STOP"}', "not json", '{"inferenceMode": "START"}'])
def test_only_a_readable_start_is_re_sent(text: str) -> None:
    with pytest.raises(SiteWiseFormatError):
        restart_payload(text)


def test_the_confirmation_names_what_start_sends() -> None:
    payload = inference_payload(
        json.dumps(
            {
                "inferenceMode": "START",
                "dataUploadFrequency": "PT1H",
                "inferenceTimeZone": "Asia/Kolkata",
                "weeklyOperatingWindow": {"monday": ["08:00-16:00", "18:00-20:00"]},
                "targetModelVersion": 3,
            }
        )
    )

    assert start_words(payload) == (
        "every 1 h, no delay, time zone Asia/Kolkata, operating window monday 08:00-16:00, 18:00-20:00; "
        "no model version, so the version SiteWise made active stays active"
    )
