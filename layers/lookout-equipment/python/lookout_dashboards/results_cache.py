"""Parsed inference results of past runs, kept in the stack's bucket for the next new container.

A new container would otherwise read every result object of a widget's range again (288 for a
day of five-minute runs). One compact `.npz` object per scheduler holds the results of the runs
read lately, each run under its object's bucket, key and ETag: an entry is used only when the
object still has that ETag, so a rewritten object is read again and the cache can never serve
stale results. Reading or writing the cache may fail: that only costs reading the objects again.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from .aws import read_cache_object, write_cache_object
from .domain import InferenceResult, InferenceResults, SensorImportance

if TYPE_CHECKING:
    import numpy as np
    from mypy_boto3_s3 import S3Client

logger = logging.getLogger(__name__)
FORMAT_VERSION = "inference-results-v1"
#: Where the cache lives in the stack's bucket.
PREFIX = "cache/inference-results/"
#: Runs kept per scheduler: two widgets' worth of MAX_RESULT_FILES, so two ranges side by side do not evict each other.
KEPT_RUNS = 600
#: Where a version of an object is: (bucket, key, ETag).
ObjectVersion = tuple[str, str, str]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FIELD_SEPARATOR = "\x00"


class InferenceResultsCache:
    """The results of a scheduler's recent runs, by object version, under `PREFIX`."""

    def __init__(self, s3: S3Client, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def get(self, scheduler_name: str) -> dict[ObjectVersion, InferenceResults]:
        body = read_cache_object(self._s3, self._bucket, self._key(scheduler_name))
        if body is None:
            return {}
        try:
            return decode(body)
        except (OSError, ValueError, KeyError) as error:
            logger.warning("ignoring an unreadable results cache of %s: %s", scheduler_name, error)
            return {}

    def put(self, scheduler_name: str, runs: Mapping[ObjectVersion, InferenceResults]) -> None:
        """Save at most `KEPT_RUNS` runs, the first ones given (the caller puts its own render's first)."""
        kept = dict(list(runs.items())[:KEPT_RUNS])
        write_cache_object(self._s3, self._bucket, self._key(scheduler_name), encode(kept))

    def _key(self, scheduler_name: str) -> str:
        digest = hashlib.sha256(scheduler_name.encode()).hexdigest()[:24]
        return f"{PREFIX}{FORMAT_VERSION}/{digest}.npz"


def encode(runs: Mapping[ObjectVersion, InferenceResults]) -> bytes:
    """Columns for every run, result and diagnostic, with tables of sensor names and reasons."""
    import numpy as np  # numpy only when a chart needs it: list widgets share this package

    results = [result for parsed in runs.values() for result in parsed.results]
    diagnostics = [item for result in results for item in result.diagnostics]
    sensors = sorted({(item.component, item.sensor) for item in diagnostics})
    reasons = sorted({result.reason for result in results if result.reason is not None})
    sensor_index = {sensor: index for index, sensor in enumerate(sensors)}
    reason_index = {reason: index for index, reason in enumerate(reasons)}
    columns = {
        "format": np.array([FORMAT_VERSION]),
        "objects": np.array([_FIELD_SEPARATOR.join(version) for version in runs], dtype=str),
        "results_per_run": np.array([len(parsed.results) for parsed in runs.values()], dtype=np.int32),
        "malformed_lines": np.array([parsed.malformed_lines for parsed in runs.values()], dtype=np.int32),
        "microseconds": np.array(
            [(result.timestamp - _EPOCH) // timedelta(microseconds=1) for result in results], dtype=np.int64
        ),
        "anomalous": np.array([result.is_anomalous for result in results], dtype=bool),
        "reason": np.array([reason_index.get(result.reason, -1) for result in results], dtype=np.int32),
        "score": np.array([np.nan if r.anomaly_score is None else r.anomaly_score for r in results], dtype=float),
        "diagnostics_per_result": np.array([len(result.diagnostics) for result in results], dtype=np.int32),
        "sensor": np.array([sensor_index[item[:2]] for item in diagnostics], dtype=np.int32),
        "importance": np.array([item.importance for item in diagnostics], dtype=float),
        "sensor_components": np.array([component for component, _ in sensors], dtype=str),
        "sensor_names": np.array([sensor for _, sensor in sensors], dtype=str),
        "reason_names": np.array(reasons, dtype=str),
    }
    for name in ("score", "importance"):
        columns[name], columns[f"{name}_decimals"] = _as_decimals(columns[name])
    buffer = io.BytesIO()
    np.savez_compressed(buffer, allow_pickle=False, **columns)
    return buffer.getvalue()


def decode(body: bytes) -> dict[ObjectVersion, InferenceResults]:
    import numpy as np

    with np.load(io.BytesIO(body), allow_pickle=False) as stored:
        columns = {name: stored[name] for name in stored.files}
    if columns["format"].tolist() != [FORMAT_VERSION]:
        raise ValueError(f"format {columns['format'].tolist()}, expected {FORMAT_VERSION}")
    importances = _from_decimals(columns["importance"], columns["importance_decimals"]).tolist()
    sensors = [
        SensorImportance(component, sensor, 0.0)
        for component, sensor in zip(
            columns["sensor_components"].tolist(), columns["sensor_names"].tolist(), strict=True
        )
    ]
    diagnostics = [
        sensors[index]._replace(importance=value)
        for index, value in zip(columns["sensor"].tolist(), importances, strict=True)
    ]
    reasons = columns["reason_names"].tolist()
    scores = _from_decimals(columns["score"], columns["score_decimals"]).tolist()
    results = []
    first_diagnostic = 0
    for microseconds, anomalous, reason, score, count in zip(
        columns["microseconds"].tolist(),
        columns["anomalous"].tolist(),
        columns["reason"].tolist(),
        scores,
        columns["diagnostics_per_result"].tolist(),
        strict=True,
    ):
        results.append(
            InferenceResult(
                timestamp=_EPOCH + timedelta(microseconds=microseconds),
                is_anomalous=anomalous,
                reason=reasons[reason] if reason >= 0 else None,
                anomaly_score=None if math.isnan(score) else score,
                diagnostics=tuple(diagnostics[first_diagnostic : first_diagnostic + count]),
            )
        )
        first_diagnostic += count
    runs = {}
    first_result = 0
    for name, count, malformed in zip(
        columns["objects"].tolist(),
        columns["results_per_run"].tolist(),
        columns["malformed_lines"].tolist(),
        strict=True,
    ):
        bucket, key, etag = name.split(_FIELD_SEPARATOR)
        runs[(bucket, key, etag)] = InferenceResults(tuple(results[first_result : first_result + count]), malformed)
        first_result += count
    return runs


def _as_decimals(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values with few decimals (as the service writes them) as scaled integers, which compress
    several times better; any other values stay float64. Exact either way: an integer divided by a
    power of ten gives the same double as parsing the decimal text."""
    import numpy as np

    finite = values[np.isfinite(values)]
    for decimals in range(10):
        scale = 10.0**decimals
        with np.errstate(over="ignore"):  # a huge value overflows to inf, and fails the test below
            scaled = np.round(finite * scale)
        if np.all(np.abs(scaled) < 2**31) and np.array_equal(scaled / scale, finite):
            integers = np.where(np.isfinite(values), np.round(np.nan_to_num(values) * scale), -(2**31))
            return integers.astype(np.int32), np.array(decimals)
    return values, np.array(-1)


def _from_decimals(stored: np.ndarray, decimals: Any) -> np.ndarray:
    import numpy as np

    decimals = int(decimals)
    if decimals < 0:
        return stored
    return np.where(stored == -(2**31), np.nan, stored / 10.0**decimals)
