"""Every few minutes (an EventBridge schedule), each running scheduler's new results become CloudWatch metrics.

For each scheduler the source lists as running, and each stopped one whose last results may still
be coming (`result_lag` after a run first saw it stopped), the results written since its watermark are
published in `LookoutDashboards` (`AnomalousPrediction`, `AnomalyScore`, `SensorContribution`),
with their own timestamps, oldest first, at most a day of results per step and as many steps as
the function's time allows; see `lookout_dashboards.metrics_publisher` for how a re-send is bounded.
Runs never overlap (the function's reserved concurrency is 1); if two did, the watermarks' conditional
writes would leave each scheduler to one of them.
Once a stopped scheduler's last results are out, a run reads only its watermark.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from lookout_dashboards.aws import error_text
from lookout_dashboards.config import METRIC_SETTINGS, STACK_SETTINGS, require_settings
from lookout_dashboards.container import current_container
from lookout_dashboards.domain import SchedulerStatus
from lookout_dashboards.events import seconds_left
from lookout_dashboards.logs import function_logger
from lookout_dashboards.metrics import series_of
from lookout_dashboards.metrics_publisher import LONGEST_RUN, MetricsPublisher, PublishReport
from lookout_dashboards.source import AnomalySource
from lookout_dashboards.watermarks import WatermarkStore

logger = function_logger(__name__)
REQUIRED_SETTINGS = (*STACK_SETTINGS, *METRIC_SETTINGS)
require_settings(REQUIRED_SETTINGS)
#: Seconds kept, after the last step, to save the watermark and answer.
MARGIN_S = 30.0


def publish_schedulers(
    source: AnomalySource,
    publisher: MetricsPublisher,
    stack_key: str,
    now: datetime,
    time_left: Callable[[], float],
) -> dict[str, Any]:
    """Publish every running scheduler's new results under this stack's key, then a stopped one's last
    results (see `MetricsPublisher.publish`); one scheduler's failure does not stop the others."""
    schedulers = source.list_schedulers()
    running = [item for item in schedulers if item.status is SchedulerStatus.RUNNING]
    stopped = [item for item in schedulers if item.status is not SchedulerStatus.RUNNING]
    summary: dict[str, Any] = {
        "running": len(running),
        "stopped": len(stopped),
        "results": 0,
        "calls": 0,
        "dropped": 0,
        "resent_at_most": 0,
        "failed": [],
        "busy": [],
        "left": [],
        "notes": [],
    }
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
        summary["results"] += report.results
        summary["calls"] += report.calls
        summary["dropped"] += report.dropped_values
        summary["resent_at_most"] += report.resent_at_most
        summary["notes"].extend(f"{scheduler.name}: {note}" for note in report.notes)
        if report.busy:
            summary["busy"].append(scheduler.name)
        elif not report.finished:
            summary["left"].append(scheduler.name)
    return summary


def lambda_handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """Any event starts a run (EventBridge sends a scheduled event; its content is not needed)."""
    container = current_container()
    time_left = seconds_left(context)
    now = datetime.now(UTC)
    run_time = timedelta(seconds=min(time_left(), LONGEST_RUN.total_seconds()))
    publisher = MetricsPublisher(
        container.client("cloudwatch"),
        WatermarkStore(container.client("s3"), container.settings.snapshot_bucket),
        container.source.results_between,
        time_left,
        MARGIN_S,
        result_lag=container.source.result_lag,
        run_time=run_time,
    )
    summary = publish_schedulers(container.source, publisher, container.settings.stack_key, now, time_left)
    logger.info("metrics published: %s", summary)
    return summary
