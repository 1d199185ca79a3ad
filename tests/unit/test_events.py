import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.widget_events import widget_event
from lookout_dashboards.events import DEFAULT_HEIGHT, DEFAULT_WIDTH, is_describe, parse_widget_event
from lookout_dashboards.formatting import local_time
from tests.conftest import EVENTS, load_event


def test_full_context_is_read_field_by_field() -> None:
    event = parse_widget_event(load_event("widget-full"))

    assert event.has_context
    assert event.params == {"model": "pump-station-baseline", "signal": "pump-1\\pump1-sensor-03"}
    context = event.context
    assert context.dashboard_name == "Lookout-for-Equipment-Model-pump-station-baseline"
    assert (context.width, context.height) == (1200, 450)
    assert context.theme == "dark"
    assert context.timezone_offset == timedelta(hours=5, minutes=30)
    assert context.time_range is not None
    assert context.time_range.start == datetime.fromtimestamp(1760000000, tz=UTC)
    assert context.time_range.end == datetime.fromtimestamp(1762000000, tz=UTC)
    assert context.time_range.visible_start == datetime.fromtimestamp(1761000000, tz=UTC)
    assert context.time_range.visible_end == datetime.fromtimestamp(1761500000, tz=UTC)


def test_submitted_form_wins_over_the_parameter() -> None:
    event = parse_widget_event(load_event("widget-full"))

    assert event.form_value("signal") == "motor\\motor-sensor-07"
    assert event.form_value("model") == "pump-station-baseline"


def test_missing_context_gives_defaults_and_a_90_day_range() -> None:
    event = parse_widget_event(load_event("widget-minimal"))
    now = datetime(2026, 11, 28, tzinfo=UTC)

    assert not event.has_context
    assert (event.context.width, event.context.height) == (DEFAULT_WIDTH, DEFAULT_HEIGHT)
    assert event.context.theme == "light"
    window = event.time_range(now)
    assert (window.start, window.end) == (now - timedelta(days=90), now)
    assert window.visible_start == window.start


def test_light_theme_and_no_zoom() -> None:
    raw = load_event("widget-full")
    raw["widgetContext"]["theme"] = "light"
    del raw["widgetContext"]["timeRange"]["zoom"]

    event = parse_widget_event(raw)

    assert event.context.theme == "light"
    assert event.context.time_range is not None
    assert event.context.time_range.zoom_start is None
    assert event.context.time_range.visible_end == event.context.time_range.end


def test_malformed_context_fields_fall_back_instead_of_failing() -> None:
    event = parse_widget_event(
        {
            "widgetContext": {
                "width": "wide",
                "height": -5,
                "theme": "<script>",
                "timeRange": {"start": 20, "end": 10},
                "forms": "nope",
                "timezone": {"offsetISO": "UTC+1", "offsetInMinutes": 60},
            }
        }
    )

    assert event.context.width == DEFAULT_WIDTH
    assert event.context.height == 50
    assert event.context.theme == "light"
    assert event.context.time_range is None
    assert event.context.forms == {}
    assert event.context.timezone_offset == timedelta(minutes=-60)


@pytest.mark.parametrize(
    ("minutes_west", "offset"),
    [(-330, timedelta(hours=5, minutes=30)), (300, timedelta(hours=-5)), (0, timedelta(0))],
)
def test_offset_in_minutes_counts_west_of_utc_as_the_console_sends_it(minutes_west: int, offset: timedelta) -> None:
    """Without `offsetISO`, `offsetInMinutes` follows JavaScript's `getTimezoneOffset`: -330 is UTC+05:30."""
    context = parse_widget_event({"widgetContext": {"timezone": {"offsetInMinutes": minutes_west}}}).context

    assert context.timezone_offset == offset


def test_offset_iso_wins_over_offset_in_minutes() -> None:
    agreeing = parse_widget_event({"widgetContext": {"timezone": {"offsetISO": "-05:00", "offsetInMinutes": 300}}})
    disagreeing = parse_widget_event({"widgetContext": {"timezone": {"offsetISO": "-05:00", "offsetInMinutes": 60}}})

    assert agreeing.context.timezone_offset == disagreeing.context.timezone_offset == timedelta(hours=-5)


def _timezone(name: str) -> dict[str, Any]:
    return load_event(name).get("widgetContext", {}).get("timezone", {})


EVENTS_WITH_BOTH_OFFSETS = [
    path.stem
    for path in sorted(EVENTS.glob("*.json"))
    if {"offsetISO", "offsetInMinutes"} <= _timezone(path.stem).keys()
]


@pytest.mark.parametrize("name", EVENTS_WITH_BOTH_OFFSETS)
def test_stored_events_give_the_same_offset_with_or_without_offset_iso(name: str) -> None:
    raw = load_event(name)
    minutes_only = {
        **raw,
        "widgetContext": {**raw["widgetContext"], "timezone": {"offsetInMinutes": _timezone(name)["offsetInMinutes"]}},
    }

    assert parse_widget_event(minutes_only).context.timezone_offset == parse_widget_event(raw).context.timezone_offset


def test_local_events_carry_both_fields_in_the_console_convention() -> None:
    """The events tests and the preview build must read back as the offset they were built with."""
    offset = timedelta(hours=5, minutes=30)
    event = widget_event(
        {}, start=datetime(2026, 1, 1, tzinfo=UTC), end=datetime(2026, 1, 2, tzinfo=UTC), timezone_offset=offset
    )
    timezone = event["widgetContext"]["timezone"]
    without_iso = {
        **event,
        "widgetContext": {**event["widgetContext"], "timezone": {"offsetInMinutes": timezone["offsetInMinutes"]}},
    }

    assert timezone == {"label": "Local", "offsetISO": "+05:30", "offsetInMinutes": -330}
    assert parse_widget_event(event).context.timezone_offset == offset
    assert parse_widget_event(without_iso).context.timezone_offset == offset


def test_describe_is_recognised() -> None:
    assert is_describe(load_event("describe"))
    assert not is_describe(load_event("widget-minimal"))


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_numbers_that_are_not_finite_fall_back_to_the_defaults(number: float) -> None:
    context = parse_widget_event(
        {
            "widgetContext": {
                "width": number,
                "height": number,
                "period": number,
                "timezone": {"offsetInMinutes": number},
                "timeRange": {"start": 0, "end": number},
            }
        }
    ).context

    assert (context.width, context.height, context.period) == (DEFAULT_WIDTH, DEFAULT_HEIGHT, 300)
    assert context.timezone_offset == timedelta(0)
    assert context.time_range is None


FIRST_MS, LAST_MS = -62135596800000, 253402300799000  # 0001-01-01 and 9999-12-31 23:59:59 UTC


@pytest.mark.parametrize("offset", ["+14:00", "-14:00", "+99:59"])
def test_a_range_at_the_ends_of_the_calendar_survives_any_offset(offset: str) -> None:
    """Every widget shows the range in the dashboard's zone, so the offset must fit on both sides of it."""
    context = parse_widget_event(
        {"widgetContext": {"timeRange": {"start": FIRST_MS, "end": LAST_MS}, "timezone": {"offsetISO": offset}}}
    ).context

    shown = context.time_range
    assert shown is not None and (shown.start.year, shown.end.year) == (1, 9999)
    assert abs(context.timezone_offset) <= timedelta(days=1)
    assert local_time(shown.start, context.timezone_offset) and local_time(shown.end, context.timezone_offset)
