"""The results cache's format gives back exactly the results it was given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lookout_dashboards.domain import InferenceResult, InferenceResults, SensorImportance
from lookout_dashboards.results_cache import decode, encode
from lookout_dashboards.sources.lookout_formats import parse_inference_results

MOMENT = datetime(2026, 11, 2, 7, 55, 0, 123456, tzinfo=UTC)


def test_what_the_service_writes_comes_back_equal() -> None:
    lines = [
        '{"timestamp": "2026-11-02T07:55:00.000000", "prediction": 1, "prediction_reason": "ANOMALY_DETECTED",'
        ' "anomaly_score": 0.8123, "diagnostics": [{"name": "pump-1\\\\s-01", "value": 0.61234},'
        ' {"name": "bare", "value": 0.38766}, {"name": "pump-1\\\\s-01", "value": 0.0}]}',
        '{"timestamp": "2026-11-02T07:56:00Z", "prediction": 0}',
        "not json",
    ]
    runs = {
        ("plant", "out/1/results.jsonl", '"etag-1"'): parse_inference_results("\n".join(lines)),
        ("plant", "out/2/results.jsonl", '"etag-2"'): InferenceResults((), 0),
    }

    assert decode(encode(runs)) == runs
    assert list(decode(encode(runs))) == list(runs), "in the order given: the caller's newest first"


def test_values_of_any_precision_and_names_of_any_script_come_back_equal() -> None:
    results = InferenceResults(
        (
            InferenceResult(
                MOMENT,
                True,
                None,
                1 / 3,
                (SensorImportance("ポンプ\\<b>", 'température "1"', 2**-40), SensorImportance("", "x", 1e300)),
            ),
            InferenceResult(MOMENT + timedelta(minutes=1), False, "NO_ANOMALY_DETECTED", None, ()),
        ),
        malformed_lines=2,
    )
    runs = {("bucket", "clé/ü.jsonl", '"abc-2"'): results}

    assert decode(encode(runs)) == runs
