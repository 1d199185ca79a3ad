"""Scheduler details: what it expects as input, when it reads next, and how its runs went."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from markupsafe import Markup

from lookout_dashboards.config import STACK_SETTINGS, require_settings
from lookout_dashboards.container import current_container
from lookout_dashboards.domain import (
    Execution,
    ExecutionStatus,
    FileExchange,
    InputFileNaming,
    PropertyExchange,
    Scheduler,
    SchedulerStatus,
)
from lookout_dashboards.errors import WidgetError
from lookout_dashboards.events import WidgetEvent
from lookout_dashboards.formatting import counted as counted_text
from lookout_dashboards.formatting import duration, local_time, zone_label
from lookout_dashboards.html import facts, page, status_label, status_word, table
from lookout_dashboards.schedule import file_pattern, next_run, scheduler_next_run
from lookout_dashboards.scheduler_widgets import RunCounts, requested_scheduler
from lookout_dashboards.source import AnomalySource
from lookout_dashboards.widget import serve_widget

REQUIRED_SETTINGS = STACK_SETTINGS
require_settings(REQUIRED_SETTINGS)

DOCUMENTATION = """\
## Inference scheduler details

Where the scheduler reads and writes, the input file it expects (`<component><delimiter><timestamp>.csv`),
its frequency, delay and input time zone; the next wake-up, the next file name and the window its
timestamps must fall in (computed in UTC); how many times it ran, its last execution, its last
success and the reason of its last failure. On IoT SiteWise: the input and result properties, and
the model version it runs, the settings it was last started with (frequency, delay, time zone,
operating window) and what Start sends (those settings, without a model version).

```json
{"scheduler": "<inference scheduler name>"}
```
"""
#: Runs counted at most (four pages of 500): beyond, the count reads "more than".
COUNT_LIMIT = 2_000
COMPONENTS_SHOWN = 4


def render_scheduler_details(
    widget: WidgetEvent, source: AnomalySource, now: datetime | None = None, run_counts: RunCounts | None = None
) -> str:
    """`run_counts` remembers what earlier renders counted; without it, every run is counted."""
    scheduler = requested_scheduler(source, widget.params)
    now = now or datetime.now(UTC)
    rows: list[list[Any]] = [["Model", scheduler.model_label], ["Status", status_label(scheduler.status)]]
    match scheduler.exchange:
        case FileExchange() as files:
            rows.extend(_file_rows(scheduler, files, source, now))
        case PropertyExchange() as properties:
            rows.extend(_property_rows(scheduler, properties, now))
    rows.append(["Executions", _executions(scheduler, source, run_counts or RunCounts())])
    what = source.terms.scheduler.capitalize()
    return page(table([], rows, f"{what} {scheduler.label} (times in UTC)"))


def _file_rows(scheduler: Scheduler, files: FileExchange, source: AnomalySource, now: datetime) -> list[list[Any]]:
    """Lookout for Equipment reads files: where, named how, and which one it looks for next."""
    return [
        ["Input", files.input_location.uri if files.input_location else "-"],
        ["Output", files.output_location.uri if files.output_location else "-"],
        ["File format", file_pattern(files.naming)],
        ["Schedule", f"{_every(scheduler)}, input time zone {zone_label(files.time_zone_offset)}"],
        ["Next execution", _next_execution(scheduler, files, source, now)],
    ]


def _property_rows(scheduler: Scheduler, properties: PropertyExchange, now: datetime) -> list[list[Any]]:
    """IoT SiteWise reads properties: which, the version it runs, and the settings of the last START."""
    inputs = list(properties.inputs[:COMPONENTS_SHOWN])
    if len(properties.inputs) > COMPONENTS_SHOWN:
        inputs.append(f"… and {len(properties.inputs) - COMPONENTS_SHOWN} more")
    rows: list[list[Any]] = [
        ["Inputs", ", ".join(inputs) or "-"],
        ["Results written to", properties.output or "-"],
        ["Active model version", str(scheduler.active_version) if scheduler.active_version else "not known"],
    ]
    if scheduler.upload_frequency is None:
        rows.append(["Schedule", scheduler.start_refusal or "unknown"])
        return rows
    settings = [("Runs", _every(scheduler)), ("Time zone", properties.time_zone)]
    settings.append(("Operating window", "; ".join(properties.operating_window) or "always"))
    settings.extend(("Ignored", note) for note in properties.notes)
    rows.append(["Last started with", facts(settings)])
    if scheduler.start_settings:
        rows.append(["Start sends", scheduler.start_settings])
    run = next_run(now, scheduler.upload_frequency, scheduler.delay_offset, timedelta(0), InputFileNaming())
    label = "Next wake-up" if scheduler.status is SchedulerStatus.RUNNING else "Next wake-up, once started"
    rows.append(
        [
            "Next execution",
            facts(
                [
                    ("Current time", _utc(now)),
                    (label, _utc(run.wake_up)),
                    ("Reads values between", f"{_utc(run.window_start)} and {_utc(run.window_end)}"),
                ]
            ),
        ]
    )
    return rows


def _every(scheduler: Scheduler) -> str:
    delay = f"{duration(scheduler.delay_offset)} delay" if scheduler.delay_offset else "no delay"
    return f"every {duration(scheduler.upload_frequency)}, {delay}"


def _next_execution(scheduler: Scheduler, files: FileExchange, source: AnomalySource, now: datetime) -> Markup:
    run = scheduler_next_run(scheduler, files, now)
    components = _components(scheduler, source)
    names = [run.file_name(component, files.naming) for component in components[:COMPONENTS_SHOWN]]
    if len(components) > COMPONENTS_SHOWN:
        names.append(f"… and {len(components) - COMPONENTS_SHOWN} more components")
    if not components:
        names = [run.file_name("<component>", files.naming)]
    offset = files.time_zone_offset
    window = f"{_utc(run.window_start)} and {_utc(run.window_end)}"
    if offset:
        window += (
            f" UTC, that is {local_time(run.window_start, offset, seconds=True)} to "
            f"{local_time(run.window_end, offset, seconds=True)} in the input's {zone_label(offset)}"
        )
    lines = [
        ("Current time", _utc(now)),
        (
            "Next wake-up" if scheduler.status is SchedulerStatus.RUNNING else "Next wake-up, once started",
            _utc(run.wake_up),
        ),
        ("Next file" if len(names) == 1 else "Next files", ", ".join(names)),
        ("Timestamps must be between", window),
    ]
    return facts(lines)


def _components(scheduler: Scheduler, source: AnomalySource) -> list[str]:
    """The model's components, for real file names; none when the model cannot be read."""
    try:
        return [component.name for component in source.get_model(scheduler.model_name).components]
    except WidgetError:
        return []


def _executions(scheduler: Scheduler, source: AnomalySource, run_counts: RunCounts) -> Markup:
    runs = source.iter_executions(scheduler.name)
    newest = next(runs, None)
    if newest is None:
        return facts([("Executed", "never")])
    counted = run_counts.count(scheduler.name, newest, runs, COUNT_LIMIT)
    count = f"more than {COUNT_LIMIT:,} times" if counted > COUNT_LIMIT else counted_text(counted, "time")
    success = next(source.iter_executions(scheduler.name, status=ExecutionStatus.SUCCESS, page_size=1), None)
    failure = next(source.iter_executions(scheduler.name, status=ExecutionStatus.FAILED, page_size=1), None)
    lines = [
        ("Executed", count),
        ("Last execution", _describe(newest)),
        ("Last success", _describe(success) if success else "none yet"),
    ]
    if failure is not None:
        lines.append(("Last failure", f"{_describe(failure)}: {failure.failed_reason or 'no reason given'}"))
    differs = success is None or success.scheduled_start != newest.scheduled_start
    return facts(lines, highlight="Last success" if differs else None)


def _describe(execution: Execution | None) -> str:
    if execution is None:
        return "-"
    return f"{_utc(execution.scheduled_start)} ({status_word(execution.status)})"


def _utc(moment: datetime) -> str:
    return local_time(moment, timedelta(0), seconds=True)


def lambda_handler(event: Mapping[str, Any], context: Any) -> str:
    def render(widget: WidgetEvent) -> str:
        container = current_container()
        return render_scheduler_details(widget, container.source, run_counts=container.run_counts)

    return serve_widget(event, documentation=DOCUMENTATION, render=render)
