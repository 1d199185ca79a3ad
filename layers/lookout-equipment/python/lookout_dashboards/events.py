"""A typed view of the event CloudWatch sends a custom widget.

Parameters sit at the top level of the event (a `<cwdb-action>` payload replaces them), beside
`widgetContext`. A function called directly may get no `widgetContext` at all.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

_ISO_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
DEFAULT_WIDTH = 600
DEFAULT_HEIGHT = 400
DEFAULT_RANGE = timedelta(days=90)
#: Real zones lie within ±14 hours; a day either way bounds whatever a context claims.
MAX_OFFSET = timedelta(days=1)
#: The times a range may hold: a day inside what `datetime` holds, so any offset can be applied to them.
EARLIEST = datetime.min.replace(tzinfo=UTC) + MAX_OFFSET
LATEST = datetime.max.replace(tzinfo=UTC) - MAX_OFFSET

Theme = Literal["light", "dark"]


@dataclass(frozen=True)
class DashboardTimeRange:
    """The dashboard's time range; `zoom` is the part the user zoomed into, if any."""

    start: datetime
    end: datetime
    zoom_start: datetime | None = None
    zoom_end: datetime | None = None

    @property
    def visible_start(self) -> datetime:
        return self.zoom_start or self.start

    @property
    def visible_end(self) -> datetime:
        return self.zoom_end or self.end


@dataclass(frozen=True)
class WidgetContext:
    dashboard_name: str = ""
    widget_id: str = ""
    account_id: str = ""
    locale: str = "en"
    timezone_label: str = "UTC"
    timezone_offset: timedelta = timedelta(0)
    period: int = 300
    time_range: DashboardTimeRange | None = None
    theme: Theme = "light"
    title: str = ""
    forms: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    width: int = DEFAULT_WIDTH
    height: int = DEFAULT_HEIGHT


@dataclass(frozen=True)
class WidgetEvent:
    params: Mapping[str, Any]
    context: WidgetContext
    has_context: bool

    def time_range(self, now: datetime | None = None) -> DashboardTimeRange:
        """The dashboard's range, or the last 90 days when called without a context."""
        if self.context.time_range is not None:
            return self.context.time_range
        end = now or datetime.now(UTC)
        return DashboardTimeRange(end - DEFAULT_RANGE, end)

    def form_value(self, name: str) -> Any:
        """A form field's value: the submitted form first, then the parameters."""
        if name in self.context.forms:
            return self.context.forms[name]
        return self.params.get(name)


def is_describe(event: Mapping[str, Any]) -> bool:
    return bool(event.get("describe"))


def parse_widget_event(event: Mapping[str, Any]) -> WidgetEvent:
    """Build a `WidgetEvent`; every malformed context field falls back to its default."""
    raw_context = event.get("widgetContext")
    params = {key: value for key, value in event.items() if key not in ("widgetContext", "describe")}
    if not isinstance(raw_context, Mapping):
        return WidgetEvent(params=params, context=WidgetContext(), has_context=False)
    timezone = raw_context.get("timezone") if isinstance(raw_context.get("timezone"), Mapping) else {}
    forms = raw_context.get("forms") if isinstance(raw_context.get("forms"), Mapping) else {}
    context = WidgetContext(
        dashboard_name=_text(raw_context.get("dashboardName")),
        widget_id=_text(raw_context.get("widgetId")),
        account_id=_text(raw_context.get("accountId")),
        locale=_text(raw_context.get("locale")) or "en",
        timezone_label=_text(timezone.get("label")) or "UTC",
        timezone_offset=_timezone_offset(timezone),
        period=_int(raw_context.get("period"), 300, 1, 10**7),
        time_range=_time_range(raw_context.get("timeRange")),
        theme="dark" if raw_context.get("theme") == "dark" else "light",
        title=_text(raw_context.get("title")),
        forms=forms.get("all") if isinstance(forms.get("all"), Mapping) else {},
        params=raw_context.get("params") if isinstance(raw_context.get("params"), Mapping) else {},
        width=_int(raw_context.get("width"), DEFAULT_WIDTH, 50, 10_000),
        height=_int(raw_context.get("height"), DEFAULT_HEIGHT, 50, 10_000),
    )
    return WidgetEvent(params=params, context=context, has_context=True)


def _time_range(raw: Any) -> DashboardTimeRange | None:
    if not isinstance(raw, Mapping):
        return None
    start, end = _epoch_ms(raw.get("start")), _epoch_ms(raw.get("end"))
    if start is None or end is None or end < start:
        return None
    zoom = raw.get("zoom") if isinstance(raw.get("zoom"), Mapping) else {}
    zoom_start, zoom_end = _epoch_ms(zoom.get("start")), _epoch_ms(zoom.get("end"))
    if zoom_start is None or zoom_end is None or zoom_end < zoom_start:
        zoom_start = zoom_end = None
    return DashboardTimeRange(start, end, zoom_start, zoom_end)


def _timezone_offset(timezone: Mapping[str, Any]) -> timedelta:
    """`offsetISO` (`+05:30`) when present, else `offsetInMinutes`, which counts minutes west of UTC.

    The console fills `offsetInMinutes` as JavaScript's `Date.getTimezoneOffset` does: -330 for +05:30.
    """
    iso = _text(timezone.get("offsetISO"))
    match = _ISO_OFFSET.match(iso)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        return sign * min(MAX_OFFSET, timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))
    limit = int(MAX_OFFSET.total_seconds()) // 60
    return -timedelta(minutes=_int(timezone.get("offsetInMinutes"), 0, -limit, limit))


def _epoch_ms(value: Any) -> datetime | None:
    """The time, moved inside `EARLIEST` to `LATEST`; None when the value is not a time."""
    milliseconds = _number(value)
    if milliseconds is None:
        return None
    try:
        moment = datetime.fromtimestamp(milliseconds / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return max(EARLIEST, min(LATEST, moment))


def _int(value: Any, default: int, low: int, high: int) -> int:
    number = _number(value)
    if number is None:
        return default
    return max(low, min(high, int(number)))


def _number(value: Any) -> int | float | None:
    """A JSON number that `int` and `datetime` can take: not a boolean, NaN or an infinity."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def seconds_left(context: Any) -> Callable[[], float]:
    """The function's remaining time, from Lambda's context; unbounded when called without one."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return (lambda: remaining() / 1000) if callable(remaining) else (lambda: float("inf"))
