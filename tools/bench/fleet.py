"""The fleet heatmap's metrics and the publisher's steady run: CloudWatch filled by the publisher itself."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import partial
from types import SimpleNamespace
from typing import Any

from tools.bench.cases import FLEET_LATEST_PAGE, FLEET_PAGE_SIZE, PUBLISHER, publisher_case
from tools.bench.measure import BuiltLayers, Measure, run_in_fork

#: A steady run: the scheduled run five minutes after the last, one new five-minute result per running asset.
STEADY_GAP = timedelta(minutes=5)


@contextmanager
def indexed_metric_data() -> Iterator[None]:
    """moto's GetMetricData scans every datapoint for each query and each period (hours for a thousand assets'
    day): answer each query with dimensions by moto's own code, given only the datapoints of its metric name and
    dimensions (the ones moto would keep), so the answer is moto's."""
    from moto.cloudwatch.models import CloudWatchBackend

    scan = CloudWatchBackend.get_metric_data

    def get_metric_data(
        self: Any, queries: Sequence[dict[str, Any]], start_time: datetime, end_time: datetime, **options: Any
    ) -> list[dict[str, Any]]:
        if not all(query.get("MetricStat", {}).get("Metric", {}).get("Dimensions") for query in queries):
            return scan(self, queries, start_time, end_time, **options)
        by_metric: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
        for datum in self.get_all_metrics():
            by_metric[_metric_key(datum.name, ((d.name, d.value) for d in datum.dimensions))].append(datum)
        answers = []
        for query in queries:
            metric = query["MetricStat"]["Metric"]
            key = _metric_key(metric["MetricName"], ((d["Name"], d["Value"]) for d in metric["Dimensions"]))
            only = SimpleNamespace(get_all_metrics=lambda key=key: by_metric.get(key, []))
            answers += scan(only, [query], start_time, end_time, **options)
        return answers

    CloudWatchBackend.get_metric_data = get_metric_data  # type: ignore[method-assign]
    try:
        yield
    finally:
        CloudWatchBackend.get_metric_data = scan  # type: ignore[method-assign]


def _metric_key(name: str, dimensions: Iterator[tuple[str, str]]) -> tuple[Any, ...]:
    return (name, *sorted(dimensions))


def publish_fleet(model_id: str, now: datetime) -> dict[str, Any]:
    """One scheduled run of `publish-metrics` at `now` for the fleet `model_id` alone (the account's other models
    are not published), through the handler's own functions: its fleets listed, chunked and published inline."""
    from local.widget_events import load_handler
    from lookout_dashboards.container import current_container
    from lookout_dashboards.metrics_publisher import LONGEST_RUN

    handler = load_handler("publish-metrics")
    container = current_container()
    reader = handler.fleet_reader(container)
    fleets, _ = reader.models()

    def unbounded() -> float:
        return float("inf")

    publisher = handler.fleet_publisher(container, reader, unbounded, LONGEST_RUN)
    summary = handler.publish_fleets([f for f in fleets if f.model_id == model_id], publisher, now, unbounded)
    if summary["failed"] or summary["left"] or summary["busy"] or summary["fleets"] != 1:
        raise RuntimeError(f"the fleet {model_id} was not published: {summary}")
    return {"rows": summary["results"], "put_calls": summary["calls"]}


def bench_publisher(
    demo: Any, model_id: str, assets: int, built: BuiltLayers, environment: Mapping[str, str], measured: bool
) -> list[Measure]:
    """The publisher's run five minutes ago in the account (the fleet's results so far become metrics), its steady
    run then measured in new containers (if `measured`), and made in the account too: the heatmap reads it all."""
    from local.widget_events import load_handler
    from lookout_dashboards.container import reset_container

    demo.fake.page_size, demo.fake.latest_page_size = FLEET_PAGE_SIZE, FLEET_LATEST_PAGE
    publish_fleet(model_id, demo.now - STEADY_GAP)
    reset_container()  # the forks start as new containers
    found = []
    if measured:
        shipped = built.shipped | {load_handler(PUBLISHER).__name__}
        result = run_in_fork(partial(publish_fleet, model_id, demo.now), demo.fake, shipped)
        found.append(built.measure(PUBLISHER, publisher_case(assets), result, environment))
    publish_fleet(model_id, demo.now)
    reset_container()
    return found
