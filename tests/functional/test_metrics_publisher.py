"""The metrics publisher against moto's CloudWatch and S3: exactly once, oldest first, resumable.

Results come from a deterministic reader (one every five minutes, every fourth anomalous), the
way a source answers "the results between two times"; CloudWatch's own counts are the proof.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from lookout_dashboards.aws import make_client
from lookout_dashboards.config import DEMO_BUCKET
from lookout_dashboards.container import current_container, reset_container
from lookout_dashboards.domain import InferenceResult, SensorImportance
from lookout_dashboards.metrics import (
    ANOMALOUS_PREDICTION,
    ANOMALY_SCORE,
    MAX_SENSOR_SERIES,
    NAMESPACE,
    Series,
    accepted,
    batches,
    metric_values,
)
from lookout_dashboards.metrics_publisher import BACKLOG, WINDOW, MetricsPublisher, PublishReport
from lookout_dashboards.sources.sitewise_values import RESULT_LAG
from lookout_dashboards.watermarks import Watermark, WatermarkStore
from tests.conftest import DEMO_NOW

BUCKET = "metrics-test"
STEP = timedelta(minutes=5)
STACK_KEY = "1a2b3c4d"
SERIES = Series(model="pump-model", scheduler="pump-live", stack=STACK_KEY)


def results_between(_: str, start: datetime, end: datetime) -> list[InferenceResult]:
    """A result every five minutes since the epoch of the test; every fourth is anomalous."""
    first = start + (STEP - (start - DEMO_NOW) % STEP) % STEP
    moments = []
    moment = first if first > start else first + STEP
    while moment <= min(end, DEMO_NOW):
        moments.append(moment)
        moment += STEP
    return [
        InferenceResult(
            timestamp=moment,
            is_anomalous=int((moment - DEMO_NOW) / STEP) % 4 == 0,
            reason=None,
            anomaly_score=0.5,
            diagnostics=(SensorImportance("pump", "bearing", 0.6), SensorImportance("pump", "flow", 0.4)),
        )
        for moment in moments
    ]


@pytest.fixture
def aws(aws_credentials: None) -> Iterator[tuple[Any, Any]]:
    with mock_aws():
        s3 = make_client("s3")
        s3.create_bucket(Bucket=BUCKET)
        yield make_client("cloudwatch"), s3


def seed(s3: Any, watermark: Watermark, series: Series = SERIES, bucket: str = BUCKET) -> None:
    """A watermark as an earlier run left it."""
    s3.put_object(Bucket=bucket, Key=WatermarkStore(s3, bucket).key(series), Body=watermark.to_json())


def samples(
    cloudwatch: Any, start: datetime, end: datetime, metric: str = ANOMALOUS_PREDICTION, series: Series = SERIES
) -> dict[datetime, float]:
    """SampleCount of the scheduler's predictions (or `metric`) per minute: 1 everywhere means exactly once."""
    response = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "p",
                "MetricStat": {
                    "Metric": {
                        "Namespace": NAMESPACE,
                        "MetricName": metric,
                        "Dimensions": series.dimensions(),
                    },
                    "Period": 60,
                    "Stat": "SampleCount",
                },
            }
        ],
        StartTime=start,
        EndTime=end,
    )
    result = response["MetricDataResults"][0]
    return {moment.astimezone(UTC): value for moment, value in zip(result["Timestamps"], result["Values"], strict=True)}


def publisher(
    cloudwatch: Any, s3: Any, time_left: Any = lambda: 900.0, values_per_call: int = 1000
) -> MetricsPublisher:
    return MetricsPublisher(
        cloudwatch,
        WatermarkStore(s3, BUCKET),
        results_between,
        time_left,
        values_per_call=values_per_call,
        result_lag=RESULT_LAG,
    )


def test_a_run_publishes_exactly_the_new_results_and_a_second_run_nothing(aws: tuple[Any, Any]) -> None:
    cloudwatch, s3 = aws
    seed(s3, Watermark(DEMO_NOW - timedelta(hours=2)))

    first = publisher(cloudwatch, s3).publish(SERIES, DEMO_NOW)
    again = publisher(cloudwatch, s3).publish(SERIES, DEMO_NOW)

    counts = samples(cloudwatch, DEMO_NOW - timedelta(hours=3), DEMO_NOW + timedelta(minutes=1))
    assert first.results == 24 and again.results == 0 and again.calls == 0
    assert len(counts) == 24 and set(counts.values()) == {1.0}
    assert min(counts) == DEMO_NOW - timedelta(hours=2) + STEP and max(counts) == DEMO_NOW


class SlowToShowCloudWatch:
    """moto's CloudWatch as CloudWatch may be: GetMetricData shows no point older than three hours (it
    takes up to 2 hours to show points 3 to 24 hours old, 48 hours for older ones). The function may
    die in the call numbered `die_at`, before or after CloudWatch stored it."""

    def __init__(self, client: Any, die_at: int = 0, stored: bool = False) -> None:
        self._client, self._die_at, self._stored = client, die_at, stored
        self.sizes: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def put_metric_data(self, **params: Any) -> Any:
        self.sizes.append(len(params["MetricData"]))
        dies = len(self.sizes) == self._die_at
        if dies and not self._stored:
            raise ConnectionError("the function died before the call arrived")
        response = self._client.put_metric_data(**params)
        if dies:
            raise ConnectionError("the function died after the call arrived")
        return response

    def get_metric_data(self, **params: Any) -> Any:
        response = self._client.get_metric_data(**params)
        shown_from = DEMO_NOW - timedelta(hours=3)
        for item in response["MetricDataResults"]:
            shown = [(t, v) for t, v in zip(item["Timestamps"], item["Values"], strict=True) if t > shown_from]
            item["Timestamps"], item["Values"] = [t for t, _ in shown], [v for _, v in shown]
        return response


@pytest.mark.parametrize("stored", [False, True], ids=["died-before-the-call-arrived", "died-after-it-arrived"])
def test_a_run_that_died_mid_window_is_resumed_resending_one_call_at_most_and_saying_so(
    aws: tuple[Any, Any], stored: bool
) -> None:
    cloudwatch, s3 = aws
    seed(s3, Watermark(DEMO_NOW - timedelta(hours=12)))
    dying = SlowToShowCloudWatch(cloudwatch, die_at=3, stored=stored)

    def run(client: Any, now: datetime) -> PublishReport:
        store = WatermarkStore(s3, BUCKET)
        five_minutes = timedelta(minutes=5)  # the function's timeout: a call in flight is its run's until then
        return MetricsPublisher(
            client, store, results_between, values_per_call=100, result_lag=RESULT_LAG, run_time=five_minutes
        ).publish(SERIES, now)

    with pytest.raises(ConnectionError):
        run(dying, DEMO_NOW)
    meanwhile = run(SlowToShowCloudWatch(cloudwatch), DEMO_NOW + timedelta(minutes=1))  # the dying run may be alive
    resumed = run(SlowToShowCloudWatch(cloudwatch), DEMO_NOW + timedelta(minutes=5))

    assert meanwhile.busy and meanwhile.calls == 0 and "another run is sending" in meanwhile.notes[0]
    counts = samples(cloudwatch, DEMO_NOW - timedelta(hours=13), DEMO_NOW + timedelta(minutes=1))
    twice = [minute for minute in sorted(counts) if counts[minute] == 2]
    assert len(counts) == 144 and set(counts.values()) <= {1.0, 2.0}  # nothing lost
    assert resumed.resent_at_most == dying.sizes[2] <= 100  # the call in flight, and only it, is sent again
    assert "may count twice" in resumed.notes[0] and resumed.finished
    if stored:  # that call's results count twice, and no others: exactly the values reported
        again = [r for r in results_between("", DEMO_NOW - timedelta(hours=12), DEMO_NOW) if r.timestamp in twice]
        sensors = [item.label for item in again[0].diagnostics]
        assert twice == [m for m in sorted(counts) if twice[0] <= m <= twice[-1]]
        assert sum(len(metric_values(SERIES, r, sensors)) for r in again) == resumed.resent_at_most
    else:
        assert twice == []


def test_a_backlog_larger_than_a_run_is_published_over_several_runs_oldest_first(aws: tuple[Any, Any]) -> None:
    cloudwatch, s3 = aws
    windows_per_run = iter([900.0] * 3 + [0.0] + [900.0] * 4 + [0.0] + [900.0] * 100)

    first = publisher(cloudwatch, s3, lambda: next(windows_per_run)).publish(SERIES, DEMO_NOW)
    after_first = samples(cloudwatch, DEMO_NOW - BACKLOG, DEMO_NOW + timedelta(minutes=1))
    second = publisher(cloudwatch, s3, lambda: next(windows_per_run)).publish(SERIES, DEMO_NOW)
    third = publisher(cloudwatch, s3, lambda: next(windows_per_run)).publish(SERIES, DEMO_NOW)

    counts = samples(cloudwatch, DEMO_NOW - BACKLOG, DEMO_NOW + timedelta(minutes=1))
    assert first.reached < second.reached < third.reached == DEMO_NOW
    assert max(after_first) <= first.reached < DEMO_NOW  # the oldest days went first
    assert min(after_first) == min(counts)
    assert set(counts.values()) == {1.0} and len(counts) == len(results_between("", DEMO_NOW - BACKLOG, DEMO_NOW))


def test_values_of_a_result_and_the_bound_on_sensor_series() -> None:
    anomalous = results_between("", DEMO_NOW - STEP * 4, DEMO_NOW)[-1]
    values = metric_values(SERIES, anomalous, ["pump\\bearing"])

    assert anomalous.is_anomalous
    assert [(v["MetricName"], v["Value"]) for v in values] == [
        ("AnomalousPrediction", 1.0),
        ("AnomalyScore", 0.5),
        ("SensorContribution", 0.6),
    ]
    assert values[2]["Dimensions"][-1] == {"Name": "Sensor", "Value": "pump\\bearing"}
    assert MAX_SENSOR_SERIES == 10
    calls = batches([(DEMO_NOW + STEP * number, [{}] * 3) for number in range(5)], limit=7)
    assert [(len(call.values), call.results, call.through) for call in calls] == [
        (6, 2, DEMO_NOW + STEP),
        (6, 2, DEMO_NOW + STEP * 3),
        (3, 1, DEMO_NOW + STEP * 4),
    ]
    assert [accepted(v) for v in (0.0, -1.174271e108, 8.515920e-109, 2.0**360, 1e-200, math.nan, math.inf)] == [
        *(True,) * 3,
        *(False,) * 4,
    ]


def published(cloudwatch: Any, dimension: str) -> set[str]:
    """Values of one dimension of the predictions in CloudWatch (every page: moto lists a metric per point)."""
    listing = cloudwatch.get_paginator("list_metrics").paginate(Namespace=NAMESPACE, MetricName=ANOMALOUS_PREDICTION)
    return {
        item["Value"]
        for page in listing
        for metric in page["Metrics"]
        for item in metric["Dimensions"]
        if item["Name"] == dimension
    }


def run_publisher(now: datetime) -> dict[str, Any]:
    from local.widget_events import load_handler
    from lookout_dashboards.container import current_container

    handler = load_handler("publish-metrics")
    container = current_container()
    publisher = MetricsPublisher(
        container.client("cloudwatch"),
        WatermarkStore(container.client("s3"), container.settings.snapshot_bucket),
        container.source.results_between,
        result_lag=container.source.result_lag,
    )
    return handler.publish_schedulers(container.source, publisher, container.settings.stack_key, now, lambda: 900.0)


def test_the_function_publishes_running_lookout_schedulers_not_stopped_ones_it_never_published(demo: Any) -> None:
    summary = run_publisher(DEMO_NOW)

    cloudwatch = make_client("cloudwatch")
    running = {name for name, item in demo.fake.schedulers.items() if item["Status"] == "RUNNING"}
    assert demo.schedulers["live"] in running and demo.schedulers["stopped"] not in running
    assert published(cloudwatch, "Scheduler") == running
    assert summary["results"] > 0 and not summary["failed"] and not summary["left"]
    assert run_publisher(DEMO_NOW)["results"] == 0  # nothing new: nothing sent


def test_the_function_publishes_running_sitewise_inference_with_the_asset(
    aws_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from local.demo_sitewise import sitewise_demo_account

    monkeypatch.setenv("DATA_SOURCE", "IoTSiteWise")
    with sitewise_demo_account(now=DEMO_NOW) as demo:
        summary = run_publisher(DEMO_NOW)
        schedulers = published(make_client("cloudwatch"), "Scheduler")
        assets = published(make_client("cloudwatch"), "Asset")

    running = {f"{model}_{asset}" if asset else model for model, asset in demo.running}
    stopped = {f"{model}_{asset}" if asset else model for model, asset in demo.stopped}
    fleet = demo.fleets["pumps"]  # its running pumps too, through the per-scheduler path this run takes
    running |= {f"{fleet.model_id}_{asset}" for asset in fleet.assets if asset not in fleet.stopped}
    stopped |= {f"{fleet.model_id}_{asset}" for asset in fleet.stopped}
    assert schedulers == running and not schedulers & stopped
    assert demo.assets["pump-1"] in assets
    assert summary["results"] >= 7 * 288  # a week of five-minute results at least, per running inference


def test_results_written_late_are_published_by_the_next_run(aws: tuple[Any, Any]) -> None:
    """The service writes results minutes after their time: a run must not step over them."""
    cloudwatch, s3 = aws
    written_until = {"time": DEMO_NOW - timedelta(minutes=30)}

    def written_so_far(name: str, start: datetime, end: datetime) -> list[InferenceResult]:
        return [r for r in results_between(name, start, end) if r.timestamp <= written_until["time"]]

    seed(s3, Watermark(DEMO_NOW - timedelta(hours=1)))
    publisher = MetricsPublisher(cloudwatch, WatermarkStore(s3, BUCKET), written_so_far, result_lag=RESULT_LAG)

    first = publisher.publish(SERIES, DEMO_NOW)
    written_until["time"] = DEMO_NOW  # the last half hour's results arrive after the first run
    second = publisher.publish(SERIES, DEMO_NOW + timedelta(minutes=5))

    counts = samples(cloudwatch, DEMO_NOW - timedelta(hours=2), DEMO_NOW + timedelta(minutes=10))
    assert (first.results, second.results) == (6, 6)
    assert len(counts) == 12 and set(counts.values()) == {1.0}
    assert first.reached == DEMO_NOW - timedelta(minutes=30)  # the newest result published, not the run's time


def test_a_steady_run_makes_calls_per_scheduler_not_per_history(aws: tuple[Any, Any]) -> None:
    """20 five-minute schedulers, a run five minutes after the last one: one call of each kind per scheduler."""
    cloudwatch, s3 = aws
    fleet = [Series(model="pump-model", scheduler=f"pump-{number}", stack=STACK_KEY) for number in range(20)]
    store = WatermarkStore(s3, BUCKET)
    publisher = MetricsPublisher(cloudwatch, store, results_between, result_lag=RESULT_LAG)
    for series in fleet:  # two weeks of history published up to the last run, five minutes ago
        seed(s3, Watermark(DEMO_NOW - timedelta(minutes=5), sensors=("pump\\bearing",)), series)
    calls: list[str] = []
    for client in (cloudwatch, s3):
        client.meta.events.register("before-call", lambda model, **_: calls.append(model.name))

    reports = [publisher.publish(series, DEMO_NOW) for series in fleet]

    assert [report.results for report in reports] == [1] * 20
    assert {name: calls.count(name) for name in set(calls)} == {"PutMetricData": 20, "GetObject": 20, "PutObject": 40}


def test_a_damaged_watermark_sends_the_backlog_again_and_says_so(aws: tuple[Any, Any]) -> None:
    """How far a damaged watermark went is unknown: nothing is lost, and the report says what may count twice."""
    cloudwatch, s3 = aws
    store = WatermarkStore(s3, BUCKET)
    seed(s3, Watermark(DEMO_NOW - timedelta(hours=2)))
    publisher = MetricsPublisher(cloudwatch, store, results_between, backlog=timedelta(hours=6), result_lag=RESULT_LAG)
    publisher.publish(SERIES, DEMO_NOW)
    s3.put_object(Bucket=BUCKET, Key=store.key(SERIES), Body=b"{damaged")

    again = publisher.publish(SERIES, DEMO_NOW)

    counts = samples(cloudwatch, DEMO_NOW - timedelta(hours=7), DEMO_NOW + timedelta(minutes=1))
    assert again.results == 72 and "damaged watermark" in again.notes[0] and "sent again" in again.notes[0]
    assert len(counts) == 72 and sorted(counts.values()) == [1.0] * 48 + [2.0] * 24


def test_a_watermark_that_cannot_be_read_stops_that_scheduler_and_sends_nothing(aws: tuple[Any, Any]) -> None:
    from local.wire import refused

    cloudwatch, _ = aws
    with refused("s3", "GetObject", "AccessDenied"):
        s3 = make_client("s3")
        with pytest.raises(ClientError, match="AccessDenied"):
            publisher(cloudwatch, s3).publish(SERIES, DEMO_NOW)

    assert samples(cloudwatch, DEMO_NOW - BACKLOG, DEMO_NOW + timedelta(minutes=1)) == {}


class RefusingCloudWatch:
    """moto's CloudWatch, which stores any float, refusing a call the way CloudWatch does when one of
    its values is not finite or out of range (2^-359 to 2^359 in magnitude, zero apart)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def put_metric_data(self, **params: Any) -> Any:
        for number, datum in enumerate(params["MetricData"], start=1):
            value = datum["Value"]
            if not math.isfinite(value) or (value and not 2.0**-359 <= abs(value) <= 2.0**359):
                message = f"The value {value} for parameter MetricData.member.{number}.Value is invalid."
                raise ClientError(
                    {"Error": {"Code": "InvalidParameterValue", "Message": message}, "ResponseMetadata": {}},
                    "PutMetricData",
                )
        return self._client.put_metric_data(**params)


def test_a_value_cloudwatch_refuses_is_left_out_and_logged_and_the_rest_is_published(
    aws: tuple[Any, Any], caplog: pytest.LogCaptureFixture
) -> None:
    cloudwatch, s3 = aws
    scores = iter([float("1e400"), float("nan"), float("-inf"), 1e300, -1e200, 5e-324])
    strange: dict[datetime, float] = {}

    def with_strange_scores(name: str, start: datetime, end: datetime) -> list[InferenceResult]:
        results = results_between(name, start, end)
        for index in range(0, len(results), 4):
            if (score := next(scores, None)) is not None:
                strange[results[index].timestamp] = score
                results[index] = replace(results[index], anomaly_score=score)
        return results

    seed(s3, Watermark(DEMO_NOW - timedelta(hours=2)))
    publisher = MetricsPublisher(
        RefusingCloudWatch(cloudwatch), WatermarkStore(s3, BUCKET), with_strange_scores, result_lag=RESULT_LAG
    )

    with caplog.at_level(logging.WARNING):
        report = publisher.publish(SERIES, DEMO_NOW)

    predictions = samples(cloudwatch, DEMO_NOW - timedelta(hours=3), DEMO_NOW + timedelta(minutes=1))
    scored = samples(cloudwatch, DEMO_NOW - timedelta(hours=3), DEMO_NOW + timedelta(minutes=1), ANOMALY_SCORE)
    assert len(strange) == 6 and report.dropped_values == 6 and report.reached == DEMO_NOW
    assert len(predictions) == 24 and set(predictions.values()) == {1.0}  # every result's prediction went
    assert set(predictions) - set(scored) == set(strange)  # only the six refused scores are missing
    assert "6 values left out, which CloudWatch refuses" in caplog.text and "AnomalyScore inf" in caplog.text


class CallingBack:
    """moto's CloudWatch that runs `meanwhile` once, when the first call is in flight."""

    def __init__(self, client: Any, meanwhile: Callable[[], None]) -> None:
        self._client, self._meanwhile = client, [meanwhile]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def put_metric_data(self, **params: Any) -> Any:
        if self._meanwhile:
            self._meanwhile.pop()()
        return self._client.put_metric_data(**params)


@pytest.mark.parametrize("moment", ["while-it-reads-results", "while-its-call-is-in-flight"])
def test_of_two_overlapping_runs_one_publishes_and_each_result_is_sent_once(aws: tuple[Any, Any], moment: str) -> None:
    """In a stack runs never overlap (reserved concurrency 1); if they did, the watermark's conditional
    writes would leave each scheduler to one of them."""
    cloudwatch, s3 = aws
    seed(s3, Watermark(DEMO_NOW - timedelta(hours=12)))
    other: list[PublishReport] = []

    def other_run() -> None:
        other.append(publisher(cloudwatch, s3).publish(SERIES, DEMO_NOW + timedelta(seconds=30)))

    def read_as_the_other_run_starts(name: str, start: datetime, end: datetime) -> list[InferenceResult]:
        if moment == "while-it-reads-results" and not other:
            other_run()
        return results_between(name, start, end)

    client = CallingBack(cloudwatch, other_run) if moment == "while-its-call-is-in-flight" else cloudwatch
    first = MetricsPublisher(
        client, WatermarkStore(s3, BUCKET), read_as_the_other_run_starts, result_lag=RESULT_LAG
    ).publish(SERIES, DEMO_NOW)

    counts = samples(cloudwatch, DEMO_NOW - timedelta(hours=13), DEMO_NOW + timedelta(minutes=1))
    assert len(counts) == 144 and set(counts.values()) == {1.0}
    published, left = (other[0], first) if moment == "while-it-reads-results" else (first, other[0])
    assert (published.results, published.busy) == (144, False)
    assert (left.results, left.calls, left.busy) == (0, 0, True) and "another run" in left.notes[0]


def use_stack(monkeypatch: pytest.MonkeyPatch, key: str, bucket: str) -> None:
    """What a stack's functions are told: its key, its bucket, its dashboards' prefix."""
    monkeypatch.setenv("STACK_KEY", key)
    monkeypatch.setenv("SNAPSHOT_BUCKET", bucket)
    monkeypatch.setenv("DASHBOARD_PREFIX", f"Lookout-for-Equipment-{key}")
    reset_container()


def test_two_stacks_of_the_same_source_publish_apart(demo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second stack's first run skips nothing, and doubles nothing of the first stack's."""
    make_client("s3").create_bucket(Bucket="second-stack-snapshots")
    use_stack(monkeypatch, "1a2b3c4d", DEMO_BUCKET)
    first = run_publisher(DEMO_NOW)
    use_stack(monkeypatch, "9f8e7d6c", "second-stack-snapshots")
    second = run_publisher(DEMO_NOW)

    cloudwatch = make_client("cloudwatch")
    live = demo.schedulers["live"]
    model = demo.fake.schedulers[live]["ModelName"]
    last_hours = [
        samples(cloudwatch, DEMO_NOW - timedelta(hours=6), DEMO_NOW + timedelta(minutes=1), series=series)
        for series in (Series(model, live, stack="1a2b3c4d"), Series(model, live, stack="9f8e7d6c"))
    ]
    assert first["results"] == second["results"] > 0 and not first["failed"] and not second["failed"]
    assert published(cloudwatch, "Stack") == {"1a2b3c4d", "9f8e7d6c"}
    assert last_hours[0] == last_hours[1] and len(last_hours[0]) >= 6 and set(last_hours[0].values()) == {1.0}


def test_a_stopped_scheduler_s_last_results_are_published_then_only_its_watermark_is_read(
    aws: tuple[Any, Any],
) -> None:
    """Stopped after a run at DEMO_NOW - 1 h saw it running; its last results are written up to two hours late."""
    cloudwatch, s3 = aws
    written_until = {"time": DEMO_NOW - timedelta(minutes=10)}
    reads: list[datetime] = []

    def written_so_far(name: str, start: datetime, end: datetime) -> list[InferenceResult]:
        reads.append(end)
        return [r for r in results_between(name, start, end) if r.timestamp <= written_until["time"]]

    calls: list[str] = []
    s3.meta.events.register("before-call", lambda model, **_: calls.append(model.name))
    seed(s3, Watermark(DEMO_NOW - timedelta(hours=1)))
    publisher = MetricsPublisher(cloudwatch, WatermarkStore(s3, BUCKET), written_so_far, result_lag=RESULT_LAG)

    def run(after: timedelta) -> tuple[PublishReport, int, dict[str, int]]:
        reads.clear(), calls.clear()
        report = publisher.publish(SERIES, DEMO_NOW + after, running=False)
        return report, len(reads), {name: calls.count(name) for name in set(calls)}

    first = run(timedelta(0))
    written_until["time"] = DEMO_NOW  # the last two results, written late
    late = run(timedelta(minutes=5))
    settled = run(timedelta(hours=2))  # nothing can be written any more: its last results are all out
    after = [run(timedelta(hours=2, minutes=5)), run(timedelta(days=3))]

    counts = samples(cloudwatch, DEMO_NOW - timedelta(hours=2), DEMO_NOW + timedelta(minutes=1))
    assert (first[0].results, late[0].results, settled[0].results) == (10, 2, 0)
    assert len(counts) == 12 and set(counts.values()) == {1.0}
    assert settled[1] == 1 and settled[2]["PutObject"] == 1  # one read of its results, then it is marked drained
    assert [(report.results, reads, calls) for report, reads, calls in after] == [(0, 0, {"GetObject": 1})] * 2


def test_a_stopped_scheduler_this_stack_never_published_costs_a_watermark_read(aws: tuple[Any, Any]) -> None:
    cloudwatch, s3 = aws
    reads: list[str] = []
    publisher = MetricsPublisher(
        cloudwatch, WatermarkStore(s3, BUCKET), lambda *args: reads.append(args[0]) or [], result_lag=RESULT_LAG
    )

    report = publisher.publish(SERIES, DEMO_NOW, running=False)

    assert (report.results, report.finished, reads) == (0, True, [])
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_the_function_publishes_a_stopped_scheduler_s_last_results(demo: Any) -> None:
    """The demo's `stopped` scheduler: a run an hour before its last result saw it running."""
    container = current_container()
    stopped = demo.schedulers["stopped"]
    series = Series(demo.fake.schedulers[stopped]["ModelName"], stopped, stack=container.settings.stack_key)
    newest = container.source.results_between(stopped, DEMO_NOW - BACKLOG, DEMO_NOW)[-1].timestamp
    seed(container.client("s3"), Watermark(newest - timedelta(hours=1)), series, container.settings.snapshot_bucket)

    summary = run_publisher(DEMO_NOW)

    cloudwatch = make_client("cloudwatch")
    counts = samples(cloudwatch, newest - timedelta(hours=2), newest + timedelta(minutes=1), series=series)
    last = container.source.results_between(stopped, newest - timedelta(hours=1), newest)
    assert summary["stopped"] == 2 and not summary["failed"] and not summary["left"]
    assert len(last) > 0 and len(counts) == len(last) and set(counts.values()) == {1.0}
    assert demo.schedulers["never_ran"] not in published(cloudwatch, "Scheduler")


def test_a_window_not_settled_yet_ends_the_run_instead_of_being_read_again(aws: tuple[Any, Any]) -> None:
    """A day's window ending within the result lag, with no result in it: one read reaches `now`."""
    cloudwatch, s3 = aws
    seed(s3, Watermark(DEMO_NOW - WINDOW - timedelta(hours=1)))
    reads: list[datetime] = []
    budget = iter([900.0] * 50 + [0.0] * 1000)

    def nothing_written(name: str, start: datetime, end: datetime) -> list[InferenceResult]:
        reads.append(end)
        return []

    publisher = MetricsPublisher(
        cloudwatch, WatermarkStore(s3, BUCKET), nothing_written, lambda: next(budget), result_lag=RESULT_LAG
    )
    report = publisher.publish(SERIES, DEMO_NOW)

    assert report.finished and reads == [DEMO_NOW]
