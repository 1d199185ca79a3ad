"""A fleet's results as metrics: a thousand five-minute assets in the SiteWise fake, moto's CloudWatch and S3.

The steady run's calls are counted by operation; a crash between calls is resumed with every result
published once (CloudWatch's SampleCount is the proof).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local.demo_sitewise import DOMINANT, PUMP_SENSORS, RESULT_STEP, SMALL, DemoFleet, SiteWiseDemo, add_fleet
from local.fake_sitewise import FakeSiteWise
from lookout_dashboards.aws import make_client
from lookout_dashboards.fleet_publisher import CHUNK_ASSETS, FleetPublisher, FleetWatermark, asset_series, fleet_prefix
from lookout_dashboards.metrics import ANOMALOUS_PREDICTION, NAMESPACE, SENSOR_CONTRIBUTION
from lookout_dashboards.metrics_publisher import MetricsPublisher
from lookout_dashboards.sources.iot_sitewise import SiteWiseSource
from lookout_dashboards.sources.sitewise_fleet_results import FleetReader, PublishedFleet
from lookout_dashboards.sources.sitewise_gateway import SiteWiseGateway
from lookout_dashboards.sources.sitewise_values import RESULT_LAG
from lookout_dashboards.watermarks import Watermark, WatermarkStore
from tests.conftest import DEMO_NOW

BUCKET = "fleet-metrics-test"
STACK_KEY = "5e6f7a8b"


class Account:
    """The fake (an empty demo, for the demo's fleets), moto's clients, and every call made to them by operation."""

    def __init__(self, fake: FakeSiteWise) -> None:
        self.fake = fake
        self.demo = SiteWiseDemo(fake=fake, size=SMALL, now=DEMO_NOW)
        self.cloudwatch, self.s3 = make_client("cloudwatch"), make_client("s3")
        self.sitewise = make_client("iotsitewise")
        self.made: list[str] = []
        for client in (self.cloudwatch, self.s3):
            client.meta.events.register("before-call", lambda model, **_: self.made.append(model.name))

    def reader(self) -> FleetReader:
        return FleetReader(SiteWiseGateway(self.sitewise, self.s3))

    def publisher(self, reader: FleetReader, **options: Any) -> FleetPublisher:
        return FleetPublisher(
            options.pop("cloudwatch", self.cloudwatch),
            WatermarkStore(self.s3, BUCKET),
            reader,
            STACK_KEY,
            result_lag=RESULT_LAG,
            with_sensors=options.pop("with_sensors", False),
            **options,
        )

    def forget_calls(self) -> None:
        self.made.clear()
        self.fake.calls.clear()


@pytest.fixture
def account(aws_credentials: None) -> Iterator[Account]:
    fake = FakeSiteWise(page_size=250)
    with mock_aws(), fake.serving():
        make_client("s3").create_bucket(Bucket=BUCKET)
        yield Account(fake)


def samples(cloudwatch: Any, fleet: DemoFleet, asset: str, metric: str = ANOMALOUS_PREDICTION) -> dict[Any, float]:
    """SampleCount per five minutes of one asset's metric: 1 everywhere means exactly once."""
    series = asset_series(fleet.model_id, asset, STACK_KEY)
    response = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "p",
                "MetricStat": {
                    "Metric": {"Namespace": NAMESPACE, "MetricName": metric, "Dimensions": series.dimensions()},
                    "Period": 300,
                    "Stat": "SampleCount",
                },
            }
        ],
        StartTime=DEMO_NOW - timedelta(days=2),
        EndTime=DEMO_NOW + timedelta(minutes=1),
    )
    result = response["MetricDataResults"][0]
    return dict(zip(result["Timestamps"], result["Values"], strict=True))


def results_of(history: timedelta) -> int:
    """Results per running asset of a demo fleet with `history`: every five minutes, both ends included."""
    return history // RESULT_STEP + 1


def test_a_steady_run_for_a_thousand_five_minute_assets_stays_within_its_call_budget(account: Account) -> None:
    fleet = add_fleet(account.demo, "steady", 1000, anomalous=20, stopped=0)
    reader = account.reader()
    publisher = account.publisher(reader)
    [listed], singles = reader.models()
    chunks = publisher.chunks(listed)
    store = WatermarkStore(account.s3, BUCKET)
    for chunk in chunks:  # published up to the last run, five minutes ago
        positions = dict.fromkeys(chunk.fleet.assets, DEMO_NOW - timedelta(minutes=5))
        key = f"{fleet_prefix(STACK_KEY, fleet.model_id)}chunk-{chunk.index}.json"
        store.open_object(key, FleetWatermark.from_json).write(FleetWatermark(positions))
    account.forget_calls()

    reader = account.reader()  # a new invocation: nothing kept from the set-up
    publisher = account.publisher(reader)
    [listed], _ = reader.models()
    reports = [publisher.publish(chunk, DEMO_NOW) for chunk in publisher.chunks(listed)]

    sitewise, others = Counter(account.fake.calls), Counter(account.made)
    print("steady run, 1,000 assets:", dict(sorted(sitewise.items())), dict(sorted(others.items())))
    assert singles == [] and len(chunks) == 1000 // CHUNK_ASSETS
    assert sum(report.results for report in reports) == 1000 and all(report.finished for report in reports)
    assert sitewise["BatchGetAssetPropertyValueHistory"] == 2 * -(-CHUNK_ASSETS // 16)
    assert sitewise["ListComputationModelResolveToResources"] == 4  # 250 a page
    assert sum(sitewise.values()) <= 120
    assert others["PutMetricData"] <= 60
    assert others["GetObject"] + others["PutObject"] <= 10


@pytest.mark.parametrize("stored", [False, True], ids=["died-before-the-call-arrived", "died-after-it-arrived"])
def test_a_crash_after_two_calls_is_resumed_without_loss_or_duplicate_beyond_the_call_reported(
    account: Account, stored: bool
) -> None:
    history = timedelta(hours=12)
    fleet = add_fleet(account.demo, "crash", 40, anomalous=4, stopped=0, history=history)

    class Dying:
        """moto's CloudWatch, and the function dying in its third call, before or after CloudWatch stored it."""

        def __init__(self) -> None:
            self.sizes: list[int] = []

        def put_metric_data(self, **params: Any) -> Any:
            self.sizes.append(len(params["MetricData"]))
            if len(self.sizes) == 3:
                if stored:
                    account.cloudwatch.put_metric_data(**params)
                raise ConnectionError("the function died")
            return account.cloudwatch.put_metric_data(**params)

    dying = Dying()
    five_minutes = timedelta(minutes=5)
    reader = account.reader()
    [listed], _ = reader.models()
    [chunk] = account.publisher(reader).chunks(listed)
    with pytest.raises(ConnectionError):
        account.publisher(reader, cloudwatch=dying, values_per_call=500, run_time=five_minutes).publish(chunk, DEMO_NOW)
    meanwhile = account.publisher(reader, run_time=five_minutes).publish(chunk, DEMO_NOW + timedelta(minutes=1))
    resumed = account.publisher(reader, run_time=five_minutes).publish(chunk, DEMO_NOW + timedelta(minutes=5))

    assert meanwhile.busy and meanwhile.calls == 0
    assert resumed.resent_at_most == dying.sizes[2] <= 500 and "may count twice" in resumed.notes[0]
    assert resumed.finished
    counts = {asset: samples(account.cloudwatch, fleet, asset) for asset in fleet.assets}
    assert all(len(per_asset) == results_of(history) for per_asset in counts.values())  # no loss
    twice = sum(value == 2 for per_asset in counts.values() for value in per_asset.values())
    if stored:  # the call in flight counts twice (each result: a prediction and a score), and nothing else
        assert 0 < 2 * twice == resumed.resent_at_most
    else:
        assert twice == 0 and all(set(per_asset.values()) == {1.0} for per_asset in counts.values())


def test_sensor_contributions_only_with_the_detail_that_asks_for_them(account: Account) -> None:
    fleet = add_fleet(account.demo, "sensors", 3, anomalous=3, stopped=0)
    reader = account.reader()
    [listed], _ = reader.models()
    for stack, with_sensors in (("0000cafe", False), ("0000beef", True)):
        publisher = FleetPublisher(
            account.cloudwatch,
            WatermarkStore(account.s3, BUCKET),
            reader,
            stack,
            result_lag=RESULT_LAG,
            with_sensors=with_sensors,
        )
        [chunk] = publisher.chunks(listed)
        publisher.publish(chunk, DEMO_NOW)
    metrics = account.cloudwatch.list_metrics(Namespace=NAMESPACE, MetricName=SENSOR_CONTRIBUTION)["Metrics"]
    stacks = {d["Value"] for m in metrics for d in m["Dimensions"] if d["Name"] == "Stack"}
    sensors = {d["Value"] for m in metrics for d in m["Dimensions"] if d["Name"] == "Sensor"}
    assert stacks == {"0000beef"}  # named by property alone, the anomalies' dominant sensors among them
    assert set(DOMINANT["pump"]) <= sensors <= set(PUMP_SENSORS)
    assert len({d["Value"] for m in metrics for d in m["Dimensions"] if d["Name"] == "Asset"}) == len(fleet.assets)


def test_an_asset_stopped_before_this_stack_saw_it_is_not_published_and_new_assets_keep_their_chunk(
    account: Account,
) -> None:
    history = timedelta(days=2)
    fleet = add_fleet(account.demo, "stops", 5, anomalous=1, stopped=2, history=history)
    reader = account.reader()
    publisher = account.publisher(reader)
    [listed], _ = reader.models()
    [chunk] = publisher.chunks(listed)
    report = publisher.publish(chunk, DEMO_NOW)

    published = {asset for asset in fleet.assets if samples(account.cloudwatch, fleet, asset)}
    assert published == set(fleet.assets) - fleet.stopped and report.results == 3 * results_of(history)
    grown = PublishedFleet(listed.model_id, listed.result_property, ("0" * 8 + listed.assets[0][8:], *listed.assets))
    chunks = publisher.chunks(grown)
    assert [c.fleet.assets for c in chunks] == [(*listed.assets, grown.assets[0])]  # appended, never re-sorted


def test_a_fleet_larger_than_a_run_publishes_is_sent_chunk_by_chunk_and_the_chunks_handler_publishes_them(
    account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    from functools import partial

    from local.widget_events import load_handler
    from lookout_dashboards.fleet_publisher import Chunk, send_chunks

    handler = load_handler("publish-metrics")
    monkeypatch.setattr(handler, "INLINE_CHUNKS", 1)
    history = timedelta(hours=1)
    fleet = add_fleet(account.demo, "queued", CHUNK_ASSETS + 20, anomalous=5, stopped=0, history=history)
    sqs = make_client("sqs")
    queue = sqs.create_queue(QueueName="fleet-chunks", Attributes={"SqsManagedSseEnabled": "true"})["QueueUrl"]
    reader = account.reader()
    [listed], _ = reader.models()

    scheduled = handler.publish_fleets(
        [listed], account.publisher(reader), DEMO_NOW, lambda: 900.0, partial(send_chunks, sqs, queue)
    )
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    consumed = [
        handler.publish_chunks([Chunk.from_message(message["Body"])], account.publisher(reader), DEMO_NOW)
        for message in messages
    ]

    assert scheduled["queued"] == len(messages) == 2 and scheduled["results"] == 0  # nothing published inline
    assert sorted(len(Chunk.from_message(m["Body"]).fleet.assets) for m in messages) == [20, CHUNK_ASSETS]
    assert sum(summary["results"] for summary in consumed) == len(fleet.assets) * results_of(history)
    assert not any(summary["failed"] or summary["busy"] for summary in consumed)
    assert set(samples(account.cloudwatch, fleet, fleet.assets[-1]).values()) == {1.0}


def published_by_the_per_scheduler_path(
    account: Account, fleet: DemoFleet, assets: Sequence[str], through: Any
) -> None:
    """What a release before fleets had their own path did: each asset a scheduler, its watermark its own."""
    source = SiteWiseSource(account.sitewise, account.s3)
    old = MetricsPublisher(
        account.cloudwatch, WatermarkStore(account.s3, BUCKET), source.results_between, result_lag=RESULT_LAG
    )
    for asset in assets:
        assert old.publish(asset_series(fleet.model_id, asset, STACK_KEY), through).reached == through


def test_on_upgrade_an_asset_goes_on_from_its_per_scheduler_watermark_and_every_point_counts_once(
    account: Account,
) -> None:
    history, before = timedelta(hours=6), DEMO_NOW - timedelta(hours=2)
    fleet = add_fleet(account.demo, "upgrade", 3, anomalous=3, stopped=0, history=history)
    published_by_the_per_scheduler_path(account, fleet, fleet.assets[:2], before)
    reader = account.reader()
    [listed], _ = reader.models()
    [chunk] = account.publisher(reader).chunks(listed)
    account.forget_calls()
    first = account.publisher(reader).publish(chunk, DEMO_NOW)
    first_reads = Counter(account.made)["GetObject"]
    account.forget_calls()
    steady = account.publisher(reader).publish(chunk, DEMO_NOW + timedelta(minutes=5))

    after = (DEMO_NOW - before) // RESULT_STEP  # each upgraded asset's results after its watermark
    assert first.finished and steady.finished and first.resent_at_most == 0 and not first.notes
    assert first.results == 2 * after + results_of(history)  # nothing before the watermark sent again
    assert first_reads == 1 + len(fleet.assets)  # the chunk's watermark, then each asset's per-scheduler one
    assert Counter(account.made)["GetObject"] == 1  # once: a steady run reads the chunk's watermark only
    for asset in fleet.assets:  # nothing missing, nothing twice
        counts = samples(account.cloudwatch, fleet, asset)
        assert len(counts) == results_of(history) and set(counts.values()) == {1.0}, asset


def test_on_upgrade_a_call_left_in_flight_is_sent_once_a_damaged_watermark_is_none_an_unreadable_one_waits(
    account: Account,
) -> None:
    history, before = timedelta(hours=6), DEMO_NOW - timedelta(hours=2)
    fleet = add_fleet(account.demo, "upgrade", 3, anomalous=0, stopped=0, history=history)
    in_flight, damaged, unreadable = fleet.assets
    published_by_the_per_scheduler_path(account, fleet, [in_flight], before)
    store = WatermarkStore(account.s3, BUCKET)
    stored = store.open(asset_series(fleet.model_id, in_flight, STACK_KEY))
    sent = 6  # its last call's results arrived, then the run died before its watermark moved past them
    stored.write(Watermark(before - sent * RESULT_STEP).sending(before, 2 * sent, (), before + timedelta(minutes=15)))
    damaged_key = store.key(asset_series(fleet.model_id, damaged, STACK_KEY))
    account.s3.put_object(Bucket=BUCKET, Key=damaged_key, Body=b"{not json")

    class Refusing:
        """moto's S3, refusing to read the unreadable asset's per-scheduler watermark."""

        refused = store.key(asset_series(fleet.model_id, unreadable, STACK_KEY))

        def get_object(self, **params: Any) -> Any:
            if params["Key"] == self.refused:
                raise ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "GetObject")
            return account.s3.get_object(**params)

        def put_object(self, **params: Any) -> Any:
            return account.s3.put_object(**params)

    reader = account.reader()
    [listed], _ = reader.models()
    [chunk] = account.publisher(reader).chunks(listed)
    refusing = FleetPublisher(
        account.cloudwatch, WatermarkStore(Refusing(), BUCKET), reader, STACK_KEY, result_lag=RESULT_LAG
    )
    first = refusing.publish(chunk, DEMO_NOW)
    waited = samples(account.cloudwatch, fleet, unreadable)
    second = account.publisher(reader).publish(chunk, DEMO_NOW + timedelta(minutes=5))

    assert (
        not first.finished and not waited and "1 assets' per-scheduler watermarks could not be read" in first.notes[-1]
    )
    assert first.resent_at_most == 2 * sent and any(note.startswith(f"{in_flight}, from") for note in first.notes)
    assert any(note.startswith(f"{damaged}, from its per-scheduler watermark: damaged") for note in first.notes)
    assert first.results == (DEMO_NOW - before) // RESULT_STEP + sent + results_of(history)
    assert second.finished and second.results == results_of(history) and second.resent_at_most == 0
    twice = samples(account.cloudwatch, fleet, in_flight)
    assert len(twice) == results_of(history) and sum(value == 2 for value in twice.values()) == sent  # that call only
    for asset in (damaged, unreadable):  # never published before: each point once
        assert set(samples(account.cloudwatch, fleet, asset).values()) == {1.0}


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[]",
        '{"model": "m", "property": "p", "chunk": 0, "assets": []}',
        '{"model": "00000000-0000-4000-8000-000000000000", "property": "00000000-0000-4000-8000-000000000001",'
        ' "chunk": -1, "assets": []}',
        '{"model": "00000000-0000-4000-8000-000000000000", "property": "00000000-0000-4000-8000-000000000001",'
        ' "chunk": 0, "assets": ["../../etc"]}',
    ],
)
def test_a_message_that_is_not_a_chunk_is_reported_failed_and_publishes_nothing(account: Account, body: str) -> None:
    from local.widget_events import load_handler

    event = {"Records": [{"messageId": "hostile", "body": body}]}

    answer = load_handler("publish-metrics").chunks_handler(event, None)

    assert answer == {"batchItemFailures": [{"itemIdentifier": "hostile"}]}
    assert "PutMetricData" not in account.made
