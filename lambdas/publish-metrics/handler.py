"""Every few minutes (an EventBridge schedule), each running scheduler's new results become CloudWatch metrics.

For each scheduler the source lists as running, the results written since its watermark are
published in `LookoutDashboards` (`AnomalousPrediction`, `AnomalyScore`, `SensorContribution`),
with their own timestamps, oldest first, at most a day of results per step and as many steps as
the function's time allows; see `lookout_dashboards.metrics_publisher` for how a re-send is bounded.
Runs never overlap (the function's reserved concurrency is 1); if two did, the watermarks' conditional
writes would leave each scheduler to one of them.
A stopped scheduler is skipped: it writes no new results.
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


def publish_running(
    source: AnomalySource,
    publisher: MetricsPublisher,
    stack_key: str,
    now: datetime,
    time_left: Callable[[], float],
) -> dict[str, Any]:
    """Publish every running scheduler's new results under this stack's key; one scheduler's failure
    does not stop the others."""
    running = [item for item in source.list_schedulers() if item.status is SchedulerStatus.RUNNING]
    summary: dict[str, Any] = {
        "running": len(running),
        "results": 0,
        "calls": 0,
        "dropped": 0,
        "resent_at_most": 0,
        "failed": [],
        "busy": [],
        "left": [],
        "notes": [],
    }
    for scheduler in running:
        if time_left() < MARGIN_S:
            summary["left"].append(scheduler.name)
            continue
        try:
            report: PublishReport = publisher.publish(series_of(scheduler, stack_key), now)
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
    summary = publish_running(container.source, publisher, container.settings.stack_key, now, time_left)
    logger.info("metrics published: %s", summary)
    return summary
