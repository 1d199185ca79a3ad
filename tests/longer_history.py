"""A source whose history is the demo's repeated further back in time: ten times longer, same account.

It wraps a real source (moto and the Lookout for Equipment fake behind it), so widgets read it the
way they read the demo; only the time of each copy changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from lookout_dashboards.domain import AnomalyEvent, Execution, InferenceWindow, Model, ModelEvaluation, TimeRange
from lookout_dashboards.source import AnomalySource
from lookout_dashboards.sources import lookout_inference


def earlier(interval: TimeRange, shift: timedelta) -> TimeRange:
    return TimeRange(interval.start - shift, interval.end - shift)


def repeated_events(events: tuple[AnomalyEvent, ...] | list[AnomalyEvent], period: timedelta, copies: int) -> list:
    """The events, then the same `period` earlier, and so on: `copies` times as many, oldest first."""
    return [
        replace(event, start=event.start - period * copy, end=event.end - period * copy)
        for copy in reversed(range(copies))
        for event in events
    ]


class LongerHistory:
    """`source` with every model's evaluation and every scheduler's runs, results and events repeated
    `copies` times, each copy `period` earlier than the one after it."""

    def __init__(self, source: AnomalySource, period: timedelta, copies: int = 10) -> None:
        self._source = source
        self._period = period
        self._copies = copies
        self._shifts: dict[Execution, tuple[Execution, timedelta]] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._source, name)

    def get_model(self, name: str) -> Model:
        model = self._source.get_model(name)
        if model.evaluation_range is None:
            return model
        longest = self._period * (self._copies - 1)
        evaluation = model.evaluation
        return replace(
            model,
            evaluation_range=TimeRange(model.evaluation_range.start - longest, model.evaluation_range.end),
            evaluation=ModelEvaluation(
                repeated_events(evaluation.events, self._period, self._copies),
                evaluation.labeled_ranges,
                evaluation.metrics,
            ),
        )

    def iter_executions(
        self,
        scheduler_name: str,
        data_after: datetime | None = None,
        data_before: datetime | None = None,
        status: Any = None,
        page_size: int | None = None,
    ) -> Iterator[Execution]:
        runs = list(self._source.iter_executions(scheduler_name, status=status))
        for copy in range(self._copies):
            shift = self._period * copy
            for run in runs:
                shifted = replace(
                    run,
                    scheduled_start=run.scheduled_start - shift,
                    data_range=run.data_range and earlier(run.data_range, shift),
                )
                inside = shifted.data_range or TimeRange(shifted.scheduled_start, shifted.scheduled_start)
                if (data_after and inside.end < data_after) or (data_before and inside.start > data_before):
                    continue
                self._shifts[shifted] = (run, shift)
                yield shifted

    def inference_window(self, scheduler_name: str, interval: TimeRange) -> InferenceWindow:
        """Lookout for Equipment's reading, over this source's longer runs and events."""
        return lookout_inference.inference_window(self, scheduler_name, interval)

    def list_anomaly_events(
        self, scheduler_name: str, interval: TimeRange, max_pages: int | None = None
    ) -> list[AnomalyEvent]:
        recent = self._source.list_anomaly_events(scheduler_name, TimeRange(interval.end - self._period, interval.end))
        events = repeated_events(recent, self._period, self._copies)
        return [event for event in events if event.end >= interval.start and event.start <= interval.end]
