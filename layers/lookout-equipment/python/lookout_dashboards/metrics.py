"""Inference results as CloudWatch metrics, published exactly once each, from a watermark per scheduler.

Each run reads a scheduler's results after its watermark, in windows of at most `WINDOW`, oldest
first, and publishes them with their own timestamps. Before a window's results are sent, the
watermark object says so (`pending`); after, it moves to the window's end, or, for a window too
recent for every result to be written yet (the source's `result_lag`), to the newest result sent. A run that died
half way leaves `pending`: the next run asks CloudWatch which minutes of that window arrived and
sends only the others. Every metric of the results of one minute travels in the same
`PutMetricData` call, so a minute that arrived arrived whole. Publishing the same window twice
therefore adds nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from .aws import error_code, write_cache_object
from .domain import InferenceResult

logger = logging.getLogger(__name__)
NAMESPACE = "LookoutDashboards"
ANOMALY_SCORE = "AnomalyScore"
ANOMALOUS_PREDICTION = "AnomalousPrediction"
SENSOR_CONTRIBUTION = "SensorContribution"
#: Sensors of an anomalous result published as `SensorContribution`: its top three.
TOP_SENSORS = 3
#: Distinct `SensorContribution` series per scheduler at most (the first sensors seen): a bound on cost.
MAX_SENSOR_SERIES = 10
#: PutMetricData takes at most 1,000 values per call.
MAX_VALUES_PER_CALL = 1000
#: CloudWatch accepts points up to two weeks old; a first run or a long outage starts there.
BACKLOG = timedelta(days=14) - timedelta(hours=1)
#: Results read and published per step: a day of five-minute results is 288 results.
WINDOW = timedelta(days=1)
PERIOD_S = 60
WATERMARK_PREFIX = "metrics/watermarks/"


@dataclass(frozen=True)
class Series:
    """Which scheduler a metric belongs to, as CloudWatch dimensions (SiteWise adds the asset)."""

    model: str
    scheduler: str
    asset: str | None = None

    def dimensions(self) -> list[dict[str, str]]:
        dimensions = [{"Name": "Model", "Value": self.model}, {"Name": "Scheduler", "Value": self.scheduler}]
        if self.asset:
            dimensions.append({"Name": "Asset", "Value": self.asset})
        return dimensions


@dataclass(frozen=True)
class Watermark:
    """The newest result published, the window being published (if a run stopped inside it), the
    sensors given a `SensorContribution` series so far, and until when CloudWatch must be asked
    what it already has (a lost or damaged watermark: the metrics may be there)."""

    published_through: datetime
    pending_until: datetime | None = None
    sensors: tuple[str, ...] = ()
    verify_until: datetime | None = None

    def unsure(self) -> bool:
        """Whether the next window may already be in CloudWatch, wholly or in part."""
        return self.pending_until is not None or (
            self.verify_until is not None and self.published_through < self.verify_until
        )

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "published_through": self.published_through.isoformat(),
                "pending_until": _iso(self.pending_until),
                "sensors": list(self.sensors),
                "verify_until": _iso(self.verify_until),
            }
        ).encode()

    @classmethod
    def from_json(cls, body: bytes) -> Watermark:
        document = json.loads(body)
        return cls(
            datetime.fromisoformat(document["published_through"]),
            _parse(document.get("pending_until")),
            tuple(document.get("sensors", [])),
            _parse(document.get("verify_until")),
        )


class WatermarkStore:
    """Watermarks as small objects in the stack's bucket, one per scheduler."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def key(self, series: Series) -> str:
        identity = json.dumps(series.dimensions(), sort_keys=True).encode()
        return f"{WATERMARK_PREFIX}{hashlib.sha256(identity).hexdigest()[:32]}.json"

    def read(self, series: Series, floor: datetime, now: datetime) -> Watermark:
        """The scheduler's watermark. None yet, or a damaged one: from `floor`, asking CloudWatch what it
        has until `now`. Any other failure to read it raises: publishing blind could send twice."""
        key = self.key(series)
        try:
            body = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        except ClientError as error:
            if error_code(error) not in ("NoSuchKey", "404"):
                raise
            return Watermark(floor, verify_until=now)
        try:
            return Watermark.from_json(body)
        except (ValueError, KeyError, TypeError):
            logger.warning("damaged watermark %s: from the backlog, skipping what CloudWatch has", key)
            return Watermark(floor, verify_until=now)

    def write(self, series: Series, watermark: Watermark) -> None:
        if not write_cache_object(self._s3, self._bucket, self.key(series), watermark.to_json()):
            raise RuntimeError(f"could not save the metrics watermark of {series.scheduler}")


@dataclass
class PublishReport:
    """What one scheduler's run published, and where it stopped."""

    results: int = 0
    calls: int = 0
    skipped_minutes: int = 0
    reached: datetime | None = None
    #: Whether it got to `now` (else the function's time ran short: the next run goes on).
    finished: bool = False
    notes: list[str] = field(default_factory=list)


def metric_values(series: Series, result: InferenceResult, sensors: Sequence[str]) -> list[dict[str, Any]]:
    """Every metric of one result: its prediction, its score when it has one, and for an anomalous
    result the contribution of its top sensors that have a series (`sensors`)."""
    timestamp = result.timestamp.astimezone(UTC)
    dimensions = series.dimensions()
    values = [_datum(ANOMALOUS_PREDICTION, dimensions, timestamp, 1.0 if result.is_anomalous else 0.0)]
    if result.anomaly_score is not None:
        values.append(_datum(ANOMALY_SCORE, dimensions, timestamp, float(result.anomaly_score)))
    if result.is_anomalous:
        for item in top_sensors(result):
            if item.label in sensors:
                sensor_dimensions = [*dimensions, {"Name": "Sensor", "Value": item.label[:1024]}]
                values.append(_datum(SENSOR_CONTRIBUTION, sensor_dimensions, timestamp, float(item.importance)))
    return values


def top_sensors(result: InferenceResult) -> list[Any]:
    return sorted(result.diagnostics, key=lambda item: (-item.importance, item.label))[:TOP_SENSORS]


def grow_sensors(sensors: tuple[str, ...], results: Iterable[InferenceResult]) -> tuple[str, ...]:
    """The sensors with a series, plus those newly in an anomalous result's top, up to `MAX_SENSOR_SERIES`."""
    grown = list(sensors)
    for result in results:
        if not result.is_anomalous:
            continue
        for item in top_sensors(result):
            if item.label not in grown and len(grown) < MAX_SENSOR_SERIES:
                grown.append(item.label)
    return tuple(grown)


def by_minute(series: Series, results: Sequence[InferenceResult], sensors: Sequence[str]) -> list[list[dict[str, Any]]]:
    """The values of each minute's results together (CloudWatch stores minutes: a minute is one unit)."""
    minutes: dict[datetime, list[dict[str, Any]]] = {}
    for result in results:
        minutes.setdefault(_minute(result.timestamp), []).extend(metric_values(series, result, sensors))
    return [minutes[minute] for minute in sorted(minutes)]


def batches(groups: Sequence[list[dict[str, Any]]], limit: int = MAX_VALUES_PER_CALL) -> list[list[dict[str, Any]]]:
    """Calls of at most `limit` values, a group's values never split between two calls."""
    calls: list[list[dict[str, Any]]] = []
    for group in groups:
        if not calls or len(calls[-1]) + len(group) > limit:
            calls.append([])
        calls[-1].extend(group)
    return calls


class MetricsPublisher:
    """Publishes one scheduler's new results at a time, within the time the function has left."""

    def __init__(
        self,
        cloudwatch: Any,
        store: WatermarkStore,
        read_results: Callable[[str, datetime, datetime], list[InferenceResult]],
        time_left: Callable[[], float] = lambda: float("inf"),
        margin_s: float = 30.0,
        values_per_call: int = MAX_VALUES_PER_CALL,
        backlog: timedelta = BACKLOG,
        *,
        result_lag: timedelta,
    ) -> None:
        """`result_lag`: how late the source may write a result after its time (`AnomalySource.result_lag`);
        until then the watermark stays at the newest result published, not at the window's end."""
        self._cloudwatch = cloudwatch
        self._store = store
        self._read_results = read_results
        self._time_left = time_left
        self._margin_s = margin_s
        self._values_per_call = values_per_call
        self._backlog = backlog
        self._result_lag = result_lag

    def publish(self, series: Series, now: datetime) -> PublishReport:
        """From the watermark (or the backlog's start, two weeks back) to `now`, window after window, oldest first."""
        report = PublishReport()
        floor = now - self._backlog
        watermark = self._store.read(series, floor, now)
        if watermark.published_through < floor:
            report.notes.append(f"results before {floor:%Y-%m-%d %H:%M} UTC are too old for CloudWatch")
            watermark = replace(watermark, published_through=floor, pending_until=None)
        while watermark.published_through < now and self._time_left() > self._margin_s:
            end = watermark.pending_until or min(now, watermark.published_through + WINDOW)
            watermark = self._publish_window(series, watermark, end, now - self._result_lag, report)
            if end >= now:
                report.finished = True
                break
        else:
            report.finished = watermark.published_through >= now
        report.reached = watermark.published_through
        return report

    def _publish_window(
        self, series: Series, watermark: Watermark, end: datetime, settled: datetime, report: PublishReport
    ) -> Watermark:
        """Publish a window's new results; the watermark moves to its end once results there cannot be
        late any more (`settled`), else only to the newest result published, so a late one comes next run."""
        start = watermark.published_through
        results = [r for r in self._read_results(series.scheduler, start, end) if start < r.timestamp <= end]
        arrived = self._arrived_minutes(series, start, end) if watermark.unsure() else set()
        fresh = [r for r in results if _minute(r.timestamp) not in arrived]
        report.skipped_minutes += len(results) - len(fresh)
        sensors = grow_sensors(watermark.sensors, fresh)
        verify_until = watermark.verify_until if watermark.verify_until and end < watermark.verify_until else None
        if fresh:
            self._store.write(series, Watermark(start, end, sensors, verify_until))
        for call in batches(by_minute(series, fresh, sensors), self._values_per_call):
            self._cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=call)
            report.calls += 1
        report.results += len(fresh)
        through = end if end <= settled else max([start, *(result.timestamp for result in results)])
        done = Watermark(through, None, sensors, verify_until)
        if done != watermark:
            self._store.write(series, done)
        return done

    def _arrived_minutes(self, series: Series, start: datetime, end: datetime) -> set[datetime]:
        """Minutes of a window that already hold this scheduler's predictions (a run stopped inside it)."""
        query = {
            "Id": "arrived",
            "MetricStat": {
                "Metric": {
                    "Namespace": NAMESPACE,
                    "MetricName": ANOMALOUS_PREDICTION,
                    "Dimensions": series.dimensions(),
                },
                "Period": PERIOD_S,
                "Stat": "SampleCount",
            },
        }
        arrived: set[datetime] = set()
        token = None
        while True:
            response = self._cloudwatch.get_metric_data(
                MetricDataQueries=[query],
                StartTime=start,
                EndTime=end + timedelta(seconds=PERIOD_S),
                **({"NextToken": token} if token else {}),
            )
            for item in response.get("MetricDataResults", []):
                arrived.update(
                    _minute(moment) for moment, count in zip(item["Timestamps"], item["Values"], strict=True) if count
                )
            token = response.get("NextToken")
            if not token:
                return arrived


def _datum(name: str, dimensions: list[dict[str, str]], timestamp: datetime, value: float) -> dict[str, Any]:
    return {"MetricName": name, "Dimensions": dimensions, "Timestamp": timestamp, "Value": value, "Unit": "None"}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _minute(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def series_of(name: str, model_name: str, asset_id: str | None = None) -> Series:
    """A scheduler's metric dimensions, from what the lists and the dashboards know of it."""
    return Series(model=model_name, scheduler=name, asset=asset_id)
