"""One CloudWatch alarm per scheduler, armed from the schedulers list, on its `AnomalousPrediction` metric.

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

#: The alarm's period: the scheduler's frequency, from CloudWatch's usual 5 minutes (also when unknown) to an
#: hour, so that `AlarmPeriods` (at most 24) periods stay within the day CloudWatch evaluates.
DEFAULT_PERIOD = timedelta(minutes=5)
LONGEST_PERIOD = timedelta(hours=1)


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

    def name(self, target: DashboardTarget, existing: set[str] | None = None) -> str:
        """The alarm's name; a titled target's existing alarm is found by its resource, whatever its title."""
        name = dashboard_name(f"{self._settings.dashboard_prefix}-Alarm", target)
        if not target.title:
            return name
        return named_again(name, target, set(self.states()) if existing is None else existing)

    def create(self, target: DashboardTarget, series: Series, frequency: timedelta | None) -> ActionOutcome:
        settings = self._settings
        period = min(LONGEST_PERIOD, max(DEFAULT_PERIOD, frequency or DEFAULT_PERIOD))
        name = self.name(target)
        with translated_errors(f"alarm {name}", "create"):
            self._cloudwatch.put_metric_alarm(
                AlarmName=name,
                AlarmDescription=(
                    f"{target.title or target.resource_name}: at least {settings.alarm_anomalous_results} anomalous "
                    f"results in {settings.alarm_periods} periods. Created by the dashboards of stack "
                    f"{settings.stack_name}."
                )[:1024],
                ActionsEnabled=True,
                AlarmActions=[settings.alarm_topic_arn],
                Namespace=NAMESPACE,
                MetricName=ANOMALOUS_PREDICTION,
                Dimensions=series.dimensions(),
                Statistic="Maximum",
                Period=int(period.total_seconds()),
                EvaluationPeriods=settings.alarm_periods,
                DatapointsToAlarm=min(settings.alarm_anomalous_results, settings.alarm_periods),
                Threshold=1.0,
                ComparisonOperator="GreaterThanOrEqualToThreshold",
                TreatMissingData="notBreaching",
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
