"""One CloudWatch alarm per scheduler, armed from the schedulers list, on its `AnomalousPrediction` metric;
one per fleet, on a Metrics Insights query of its assets' series.

It goes to ALARM when at least `alarm_anomalous_results` of the last `alarm_periods` periods held an
anomalous result, and notifies the stack's alarm topic (the `TargetEmail` is subscribed). Names
are derived like dashboard names, under `<prefix>-Alarm-`, so the list finds every alarm of its
stack with one paginated `DescribeAlarms`, and clean-up removes them by that prefix.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from .aws import pages, translated_errors
from .config import Settings
from .dashboards import DashboardTarget, dashboard_name, named_again
from .domain import AlarmState
from .metrics import ANOMALOUS_PREDICTION, NAMESPACE, Series
from .outcomes import ActionOutcome, Removal
from .validation import RESOURCE_NAME

#: The alarm's period: the scheduler's frequency, from CloudWatch's usual 5 minutes (also when unknown) to an
#: hour, so that `AlarmPeriods` (at most 24) periods stay within the day CloudWatch evaluates.
DEFAULT_PERIOD = timedelta(minutes=5)
LONGEST_PERIOD = timedelta(hours=1)
#: A Metrics Insights alarm evaluates only the latest 3 hours of data ("Limits that apply to alarms based on
#: Metrics Insights queries", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html):
#: a fleet alarm's periods are cut to fit.
QUERY_ALARM_WINDOW = timedelta(hours=3)


def alarm_prefix(prefix: str) -> str:
    return f"{prefix}-Alarm-"


class SchedulerAlarms:
    """Creates, lists and deletes this stack's scheduler alarms."""

    def __init__(self, cloudwatch: Any, settings: Settings) -> None:
        self._cloudwatch = cloudwatch
        self._settings = settings

    def states(self) -> dict[str, AlarmState]:
        """Every alarm of this stack, by name, with its state."""
        with translated_errors("the stack's alarms"):
            return {
                item["AlarmName"]: AlarmState(item.get("StateValue", "INSUFFICIENT_DATA"))
                for item in pages(
                    self._cloudwatch.describe_alarms,
                    "MetricAlarms",
                    AlarmNamePrefix=alarm_prefix(self._settings.dashboard_prefix),
                    AlarmTypes=["MetricAlarm"],
                )
            }

    def rule(self) -> str:
        """The alarm's condition and who it tells, in words (the Alarm button's confirmation)."""
        settings = self._settings
        return (
            f"It goes off when at least {settings.alarm_anomalous_results} of {settings.alarm_periods} periods "
            f"hold an anomalous result, and emails {settings.target_email or 'the alarm topic'}."
        )

    def fleet_rule(self) -> str:
        """The fleet alarm's condition in words, with the periods CloudWatch's 3-hour window leaves."""
        periods, anomalous = fleet_periods(self._settings.alarm_periods, self._settings.alarm_anomalous_results)
        minutes = int(DEFAULT_PERIOD.total_seconds() // 60)
        cut = (
            f" (cut from {self._settings.alarm_periods}: CloudWatch evaluates a query alarm over its last "
            f"{int(QUERY_ALARM_WINDOW.total_seconds() // 3600)} hours only)"
            if periods < self._settings.alarm_periods
            else ""
        )
        return (
            f"One alarm watches every asset of the fleet: it goes off when, on any asset, at least {anomalous} of "
            f"{periods} periods of {minutes} minutes{cut} hold an anomalous result, and emails "
            f"{self._settings.target_email or 'the alarm topic'}. Its contributors are the assets in alarm."
        )

    def name(self, target: DashboardTarget, existing: set[str] | None = None) -> str:
        """The alarm's name; a titled target's existing alarm is found by its resource, whatever its title."""
        name = dashboard_name(f"{self._settings.dashboard_prefix}-Alarm", target)
        if not target.title:
            return name
        return named_again(name, target, set(self.states()) if existing is None else existing)

    def create(self, target: DashboardTarget, series: Series, frequency: timedelta | None) -> ActionOutcome:
        settings = self._settings
        period = min(LONGEST_PERIOD, max(DEFAULT_PERIOD, frequency or DEFAULT_PERIOD))
        return self._put(
            target,
            f"at least {settings.alarm_anomalous_results} anomalous results in {settings.alarm_periods} periods",
            (settings.alarm_periods, settings.alarm_anomalous_results),
            Namespace=NAMESPACE,
            MetricName=ANOMALOUS_PREDICTION,
            Dimensions=series.dimensions(),
            Statistic="Maximum",
            Period=int(period.total_seconds()),
        )

    def create_fleet(self, target: DashboardTarget, model: str) -> ActionOutcome:
        """One alarm for every asset of a fleet: a query grouped by asset, each asset's series evaluated on its own."""
        periods, anomalous = fleet_periods(self._settings.alarm_periods, self._settings.alarm_anomalous_results)
        query = fleet_query(model, self._settings.stack_key)
        return self._put(
            target,
            f"at least {anomalous} anomalous results in {periods} periods on an asset of the fleet",
            (periods, anomalous),
            Metrics=[
                {"Id": "fleet", "Expression": query, "Period": int(DEFAULT_PERIOD.total_seconds()), "ReturnData": True}
            ],
        )

    def _put(self, target: DashboardTarget, condition: str, window: tuple[int, int], **watched: Any) -> ActionOutcome:
        """The alarm on what `watched` names: ALARM at `window` (anomalous of periods), missing data not breaching."""
        settings = self._settings
        periods, anomalous = window
        name = self.name(target)
        with translated_errors(f"alarm {name}", "create"):
            self._cloudwatch.put_metric_alarm(
                AlarmName=name,
                AlarmDescription=(
                    f"{target.title or target.resource_name}: {condition}. Created by the dashboards of stack "
                    f"{settings.stack_name}."
                )[:1024],
                ActionsEnabled=True,
                AlarmActions=[settings.alarm_topic_arn],
                EvaluationPeriods=periods,
                DatapointsToAlarm=min(anomalous, periods),
                Threshold=1.0,
                ComparisonOperator="GreaterThanOrEqualToThreshold",
                TreatMissingData="notBreaching",
                **watched,
            )
        return ActionOutcome(f"Alarm {name} created: it notifies {settings.target_email or 'the alarm topic'}.")

    def delete(self, target: DashboardTarget) -> ActionOutcome:
        name = self.name(target)
        with translated_errors(f"alarm {name}", "delete"):
            self._cloudwatch.delete_alarms(AlarmNames=[name])
        return ActionOutcome(f"Alarm {name} removed.")

    def remove_all(self, removal: Removal, time_left: Callable[[], float], margin_s: float) -> None:
        """Delete every alarm of this stack's prefix, each on its own (clean-up on stack deletion)."""
        for name in sorted(self.states()):
            if time_left() < margin_s:
                removal.left.append(f"alarm {name}")
                continue
            removal.attempt(f"alarm {name}", lambda name=name: self._delete_named(name))

    def _delete_named(self, name: str) -> bool:
        self._cloudwatch.delete_alarms(AlarmNames=[name])
        return True


def fleet_periods(periods: int, anomalous: int) -> tuple[int, int]:
    """The stack's "anomalous of periods" for a fleet alarm, its periods cut to CloudWatch's 3-hour query window."""
    fitting = min(periods, int(QUERY_ALARM_WINDOW / DEFAULT_PERIOD))
    return fitting, min(anomalous, fitting)


def fleet_query(model: str, stack_key: str) -> str:
    """The Metrics Insights query of a fleet alarm: each asset's `AnomalousPrediction` of this stack and model.

    `GROUP BY Asset` makes one series per asset, each a contributor of the alarm (multi time series alarms,
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/multi-time-series-alarm.html); a query returns
    500 series at most, and `ORDER BY MAX() DESC` makes those the assets with an anomalous result
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-limits.html).
    Values are ids, refused otherwise, so nothing needs quoting inside the query.
    """
    for value in (model, stack_key):
        if not RESOURCE_NAME.fullmatch(value):
            raise ValueError(f"not an id for a Metrics Insights query: {value[:80]!r}")
    return (
        f'SELECT MAX({ANOMALOUS_PREDICTION}) FROM SCHEMA("{NAMESPACE}", Asset, Model, Scheduler, Stack) '  # noqa: S608 - ids only, checked above
        f"WHERE Model = '{model}' AND Stack = '{stack_key}' GROUP BY Asset ORDER BY MAX() DESC"
    )
