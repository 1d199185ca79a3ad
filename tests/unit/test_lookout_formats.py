import json
from datetime import UTC, datetime

from lookout_dashboards.sources.lookout_formats import (
    parse_event_diagnostics,
    parse_inference_results,
    parse_model_metrics,
    parse_schema,
    split_sensor_name,
)

RANGE = {
    "start": "2026-03-01T10:00:00.000000",
    "end": "2026-03-01T11:30:00.000000",
    "diagnostics": [{"name": "pump-1\\temperature", "value": 0.6}, {"name": "vibration", "value": 0.4}],
}


def test_model_metrics_with_every_block() -> None:
    text = json.dumps(
        {
            "predicted_ranges": [RANGE],
            "labeled_ranges": [{"start": "2026-02-01T00:00:00", "end": "2026-02-02T00:00:00"}],
            "labeled_event_metrics": {"precision": 0.8, "recall": 1},
            "events_count": 1,
        }
    )

    evaluation = parse_model_metrics(text)

    (event,) = evaluation.events
    assert event.start == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert event.duration.total_seconds() == 5400
    assert [(d.component, d.sensor, d.importance) for d in event.diagnostics] == [
        ("pump-1", "temperature", 0.6),
        ("", "vibration", 0.4),
    ]
    assert evaluation.labeled_ranges[0].end == datetime(2026, 2, 2, tzinfo=UTC)
    assert evaluation.metrics == {
        "labeled_event_metrics.precision": 0.8,
        "labeled_event_metrics.recall": 1.0,
        "events_count": 1.0,
    }


def test_model_metrics_missing_empty_or_broken() -> None:
    for text in (None, "", "{}", "[]", "not json", '{"predicted_ranges": null, "labeled_ranges": "x"}'):
        evaluation = parse_model_metrics(text)
        assert evaluation.events == () and evaluation.labeled_ranges == () and evaluation.metrics == {}


def test_model_metrics_skips_unreadable_ranges_and_diagnostics() -> None:
    text = json.dumps(
        {
            "predicted_ranges": [
                {"start": "yesterday", "end": "2026-03-01T00:00:00"},
                {"end": "2026-03-01T00:00:00"},
                {"start": "2026-03-02T00:00:00", "end": "2026-03-01T00:00:00"},
                {**RANGE, "diagnostics": [{"name": 3, "value": 1}, {"name": "a\\b", "value": "high"}, "x"]},
                {"start": "2026-01-01T00:00:00", "end": "2026-01-01T01:00:00"},
            ]
        }
    )

    events = parse_model_metrics(text).events

    assert [event.start.month for event in events] == [1, 3]
    assert all(event.diagnostics == () for event in events)


def test_results_json_lines_tolerate_blank_lines_and_missing_fields() -> None:
    lines = [
        json.dumps(
            {
                "timestamp": "2026-11-01T00:05:00.000000",
                "prediction": 1,
                "prediction_reason": "ANOMALY_DETECTED",
                "anomaly_score": 0.93,
                "diagnostics": [{"name": "pump\\flow", "value": 1.0}],
            }
        ),
        "",
        "   ",
        json.dumps({"timestamp": "2026-11-01T00:00:00.000000", "prediction": 0}),
    ]

    parsed = parse_inference_results(("\n".join(lines) + "\n").encode())

    assert parsed.malformed_lines == 0
    first, second = parsed.results
    assert first.timestamp == datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
    assert (first.is_anomalous, first.anomaly_score, first.diagnostics, first.reason) == (False, None, (), None)
    assert second.is_anomalous and second.anomaly_score == 0.93
    assert second.diagnostics[0].sensor == "flow"


def test_malformed_result_lines_are_counted_not_fatal() -> None:
    good = json.dumps({"timestamp": "2026-11-01T00:00:00", "prediction": 0})
    lines = [
        good,
        '{"timestamp": "2026-11-01T00:01:00", "predic',
        "[1, 2]",
        json.dumps({"prediction": 1}),
        json.dumps({"timestamp": "2026-11-01T00:02:00", "prediction": 7}),
        "\xff\xfe",
    ]

    parsed = parse_inference_results("\n".join(lines))

    assert len(parsed.results) == 1
    assert parsed.malformed_lines == 5


def test_sensor_names_split_on_the_last_backslash() -> None:
    assert split_sensor_name("pump-1\\temperature") == ("pump-1", "temperature")
    assert split_sensor_name("plant\\pump-1\\temperature") == ("plant\\pump-1", "temperature")
    assert split_sensor_name("temperature") == ("", "temperature")


def test_event_diagnostics_and_schema() -> None:
    assert parse_event_diagnostics('[{"name": "a\\\\b", "value": 0.5}]')[0].label == "a\\b"
    assert parse_event_diagnostics("{") == ()
    schema = json.dumps(
        {
            "Components": [
                {
                    "ComponentName": "pump",
                    "Columns": [{"Name": "Timestamp", "Type": "DATETIME"}, {"Name": "flow", "Type": "DOUBLE"}],
                },
                {"bad": 1},
            ]
        }
    )
    (component,) = parse_schema(schema)
    assert (component.name, component.sensors) == ("pump", ("flow",))
    assert parse_schema("nope") == ()
