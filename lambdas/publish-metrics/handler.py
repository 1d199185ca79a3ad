"""Every few minutes (an EventBridge schedule), each running scheduler's new results become CloudWatch metrics.

For each scheduler the source lists as running, and each stopped one whose last results may still
be coming (`result_lag` after a run first saw it stopped), the results written since its watermark are
published in `LookoutDashboards` (`AnomalousPrediction`, `AnomalyScore`, `SensorContribution`),
with their own timestamps, oldest first, at most a day of results per step and as many steps as
the function's time allows; see `lookout_dashboards.metrics_publisher` for how a re-send is bounded.
Runs never overlap (the function's reserved concurrency is 1); if two did, the watermarks' conditional
writes would leave each scheduler to one of them.
Once a stopped scheduler's last results are out, a run reads only its watermark.

Under SiteWise, a model bound at asset-model level is published as a fleet (`fleet_publisher`): in
chunks of assets, each with one watermark object. Up to `INLINE_CHUNKS` chunks the scheduled run
publishes them itself; beyond, it sends one message per chunk to the fleet queue, and `chunks_handler`
(the same code, a second function with its own concurrency) publishes each message's chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from lookout_dashboards.aws import error_text
from lookout_dashboards.config import (
    IOT_SITEWISE,
    METRIC_SETTINGS,
    PREDICTIONS_AND_SENSORS,
    PUBLISH_SETTINGS,
    STACK_SETTINGS,
    require_settings,
)
from lookout_dashboards.container import Container, current_container
from lookout_dashboards.domain import SchedulerStatus, SchedulerSummary
from lookout_dashboards.events import seconds_left
from lookout_dashboards.fleet_publisher import Chunk, FleetPublisher, send_chunks
from lookout_dashboards.logs import function_logger
from lookout_dashboards.metrics import series_of
from lookout_dashboards.metrics_publisher import LONGEST_RUN, MetricsPublisher, PublishReport
from lookout_dashboards.source import AnomalySource
from lookout_dashboards.sources.sitewise_fleet_results import FleetReader, PublishedFleet
from lookout_dashboards.sources.sitewise_gateway import SiteWiseGateway
from lookout_dashboards.watermarks import WatermarkStore

logger = function_logger(__name__)
REQUIRED_SETTINGS = (*STACK_SETTINGS, *METRIC_SETTINGS, *PUBLISH_SETTINGS)
require_settings(REQUIRED_SETTINGS)
#: Seconds kept, after the last step, to save the watermark and answer.
MARGIN_S = 30.0
#: Chunks the scheduled run publishes itself (1,000 assets: a steady run takes 64 reads, 2-4 calls);
#: a fleet larger than that goes to the queue, one message per chunk.
INLINE_CHUNKS = 2


def publish_schedulers(
    source: AnomalySource,
    publisher: MetricsPublisher,
    stack_key: str,
    now: datetime,
    time_left: Callable[[], float],
) -> dict[str, Any]:
    """Publish every running scheduler's new results under this stack's key, then a stopped one's last
    results (see `MetricsPublisher.publish`); one scheduler's failure does not stop the others."""
    return publish_each(source.list_schedulers(), publisher, stack_key, now, time_left)


def publish_each(
    schedulers: list[SchedulerSummary],
    publisher: MetricsPublisher,
    stack_key: str,
    now: datetime,
    time_left: Callable[[], float],
) -> dict[str, Any]:
    """Running schedulers first, then stopped ones (see `publish_schedulers`)."""
    running = [item for item in schedulers if item.status is SchedulerStatus.RUNNING]
    stopped = [item for item in schedulers if item.status is not SchedulerStatus.RUNNING]
    summary = new_summary(running=len(running), stopped=len(stopped))
    for scheduler in [*running, *stopped]:
        if time_left() < MARGIN_S:
            summary["left"].append(scheduler.name)
            continue
        try:
            report: PublishReport = publisher.publish(
                series_of(scheduler, stack_key), now, running=scheduler.status is SchedulerStatus.RUNNING
            )
        except Exception as error:  # the next run starts again from its watermark
            logger.exception("could not publish the metrics of %s", scheduler.name)
            summary["failed"].append(f"{scheduler.name} ({error_text(error)})")
            continue
        counted(summary, scheduler.name, report)
    return summary


def publish_fleets(
    fleets: list[PublishedFleet],
    publisher: FleetPublisher,
    now: datetime,
    time_left: Callable[[], float],
    send: Callable[[list[Chunk]], int] | None = None,
) -> dict[str, Any]:
    """Split each fleet into its chunks; send them all (`send`, when the queue exists and they are more
    than `INLINE_CHUNKS`), or publish them here, one chunk's failure not stopping the others."""
    summary = new_summary(fleets=len(fleets), queued=0)
    chunks: list[Chunk] = []
    for fleet in fleets:
        try:
            chunks += publisher.chunks(fleet)
        except Exception as error:
            logger.exception("could not split fleet %s into chunks", fleet.model_id)
            summary["failed"].append(f"{fleet.model_id} ({error_text(error)})")
    if send is not None and len(chunks) > INLINE_CHUNKS:
        summary["queued"] = send(chunks)
        return summary
    for chunk in chunks:
        if time_left() < MARGIN_S:
            summary["left"].append(chunk.name)
            continue
        summary = merged(summary, publish_chunks([chunk], publisher, now))
    return summary


def publish_chunks(chunks: list[Chunk], publisher: FleetPublisher, now: datetime) -> dict[str, Any]:
    """Publish each chunk; one that fails is named in `failed` (a queue retries its message)."""
    summary = new_summary()
    for chunk in chunks:
        try:
            report = publisher.publish(chunk, now)
        except Exception as error:  # its message comes back, or the next run starts from its watermark
            logger.exception("could not publish the metrics of %s", chunk.name)
            summary["failed"].append(f"{chunk.name} ({error_text(error)})")
            continue
        counted(summary, chunk.name, report)
    return summary


def new_summary(**counts: int) -> dict[str, Any]:
    empty: dict[str, Any] = {"results": 0, "calls": 0, "dropped": 0, "resent_at_most": 0}
    return {**counts, **empty, "failed": [], "busy": [], "left": [], "notes": []}


def counted(summary: dict[str, Any], name: str, report: PublishReport) -> None:
    """Add one scheduler's or chunk's report to the run's summary."""
    summary["results"] += report.results
    summary["calls"] += report.calls
    summary["dropped"] += report.dropped_values
    summary["resent_at_most"] += report.resent_at_most
    summary["notes"].extend(f"{name}: {note}" for note in report.notes)
    if report.busy:
        summary["busy"].append(name)
    elif not report.finished:
        summary["left"].append(name)


def merged(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """Two summaries as one: counts added, lists joined."""
    return {**second, **first, **{key: first[key] + value for key, value in second.items() if key in first}}


def lambda_handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """Any event starts a run (EventBridge sends a scheduled event; its content is not needed)."""
    container = current_container()
    time_left = seconds_left(context)
    now = datetime.now(UTC)
    run_time = timedelta(seconds=min(time_left(), LONGEST_RUN.total_seconds()))
    settings = container.settings
    publisher = MetricsPublisher(
        container.client("cloudwatch"),
        WatermarkStore(container.client("s3"), settings.snapshot_bucket),
        container.source.results_between,
        time_left,
        MARGIN_S,
        result_lag=container.source.result_lag,
        run_time=run_time,
        with_sensors=settings.metric_detail == PREDICTIONS_AND_SENSORS,
    )
    if settings.data_source != IOT_SITEWISE:
        summary = publish_schedulers(container.source, publisher, settings.stack_key, now, time_left)
    else:
        reader = fleet_reader(container)
        fleets, schedulers = reader.models()
        summary = publish_each(schedulers, publisher, settings.stack_key, now, time_left)
        queue = settings.fleet_queue_url
        send = partial(send_chunks, container.client("sqs"), queue) if queue else None
        fleet_summary = publish_fleets(
            fleets, fleet_publisher(container, reader, time_left, run_time), now, time_left, send
        )
        summary = merged(summary, fleet_summary)
    logger.info("metrics published: %s", summary)
    return summary


def chunks_handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """The fleet queue's messages, a chunk each: a chunk that fails is reported, so that only its message
    comes back (and after `maxReceiveCount` tries goes to the dead-letter queue). A busy chunk is done:
    another run publishes it."""
    container = current_container()
    time_left = seconds_left(context)
    now = datetime.now(UTC)
    run_time = timedelta(seconds=min(time_left(), LONGEST_RUN.total_seconds()))
    publisher = fleet_publisher(container, fleet_reader(container), time_left, run_time)
    failures = []
    for record in event.get("Records", []):
        try:
            chunk = Chunk.from_message(record["body"])
        except ValueError as error:  # kept: after its retries the dead-letter queue holds it for a look
            logger.error("message %s is not a chunk: %s", record.get("messageId"), error)
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        summary = publish_chunks([chunk], publisher, now)
        logger.info("metrics published: %s", summary)
        if summary["failed"]:
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def fleet_reader(container: Container) -> FleetReader:
    return FleetReader(SiteWiseGateway(container.client("iotsitewise"), container.client("s3")))


def fleet_publisher(
    container: Container, reader: FleetReader, time_left: Callable[[], float], run_time: timedelta
) -> FleetPublisher:
    settings = container.settings
    return FleetPublisher(
        container.client("cloudwatch"),
        WatermarkStore(container.client("s3"), settings.snapshot_bucket),
        reader,
        settings.stack_key,
        time_left,
        MARGIN_S,
        result_lag=reader.result_lag,
        run_time=run_time,
        with_sensors=settings.metric_detail == PREDICTIONS_AND_SENSORS,
    )
