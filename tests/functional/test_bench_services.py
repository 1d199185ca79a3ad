"""What the benchmark counts of the AWS calls a widget makes, against moto: S3 traffic, and the time the services
take, which is left out of the function's own CPU."""

from __future__ import annotations

import io

import boto3
from moto import mock_aws

import tools.bench.measure
from tools.bench import BucketTraffic, ServiceTime


def test_bucket_traffic_counts_reads_and_bytes_written() -> None:
    with mock_aws():
        session = boto3.session.Session(region_name="us-east-1")
        traffic = BucketTraffic(session.events)
        s3 = session.client("s3")
        s3.create_bucket(Bucket="cache")
        s3.put_object(Bucket="cache", Key="a", Body=b"x" * 10)
        s3.put_object(Bucket="cache", Key="b", Body=io.BytesIO(b"y" * 5))
        s3.get_object(Bucket="cache", Key="a")
        s3.get_object(Bucket="cache", Key="b")

    assert (traffic.calls, traffic.reads, traffic.written) == (5, 2, 15)


def test_service_time_is_left_out_of_the_functions_cpu(monkeypatch) -> None:
    clock = iter(range(100))
    tick = lambda: float(next(clock))  # noqa: E731 - one clock for the process and the thread
    monkeypatch.setattr(tools.bench.measure, "cpu_seconds", tick)
    monkeypatch.setattr(tools.bench.measure, "thread_cpu_seconds", tick)
    from botocore.handlers import BUILTIN_HANDLERS

    before = list(BUILTIN_HANDLERS)
    with mock_aws(), ServiceTime() as services:
        start, start_service = tools.bench.measure.cpu_seconds(), services.cpu_s  # clock 0
        s3 = boto3.session.Session(region_name="us-east-1").client("s3")
        s3.create_bucket(Bucket="cache")  # moto answers between two clock ticks: 1 s of service
        assert services.cpu_s == 1.0
        assert services.excluded(start, start_service) == 2.0  # clock 3, less 1 s answered by the service
    assert before == BUILTIN_HANDLERS


def test_indexed_metric_data_answers_what_moto_answers() -> None:
    from datetime import UTC, datetime, timedelta

    from tools.bench.fleet import indexed_metric_data

    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)

    def query(index: int, asset: str, stat: str = "Average") -> dict:
        dimensions = [{"Name": "Asset", "Value": asset}, {"Name": "Stack", "Value": "0000demo"}]
        metric = {"Namespace": "LookoutDashboards", "MetricName": "AnomalousPrediction", "Dimensions": dimensions}
        return {"Id": f"m{index}", "MetricStat": {"Metric": metric, "Period": 600, "Stat": stat}}

    with mock_aws():
        cloudwatch = boto3.session.Session(region_name="us-east-1").client("cloudwatch")
        for asset, name in ((f"a{n}", metric) for n in range(3) for metric in ("AnomalousPrediction", "AnomalyScore")):
            dimensions = [{"Name": "Asset", "Value": asset}, {"Name": "Stack", "Value": "0000demo"}]
            data = [
                {
                    "MetricName": name,
                    "Dimensions": dimensions,
                    "Timestamp": now - timedelta(minutes=5 * step),
                    "Value": float((step + len(asset)) % 3 == 0),
                }
                for step in range(40)
            ]
            cloudwatch.put_metric_data(Namespace="LookoutDashboards", MetricData=data)
        reordered = query(4, "a1")  # moto tells dimensions in another order apart: so does the index, by moto's code
        reordered["MetricStat"]["Metric"]["Dimensions"].reverse()
        queries = [query(0, "a0"), query(1, "a2", "Sum"), query(2, "absent"), query(3, "a1", "SampleCount"), reordered]
        asked = dict(MetricDataQueries=queries, StartTime=now - timedelta(hours=3), EndTime=now)
        scanned = cloudwatch.get_metric_data(**asked)["MetricDataResults"]
        with indexed_metric_data():
            indexed = cloudwatch.get_metric_data(**asked)["MetricDataResults"]

    assert indexed == scanned and len(scanned[0]["Values"]) == 18 and scanned[2]["Values"] == []
