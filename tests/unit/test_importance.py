"""Averages of sensor importance, per-day statistics in the dashboard's zone, and formatting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from lookout_dashboards import charts
from lookout_dashboards.domain import AnomalyEvent, SensorImportance, TimeRange
from lookout_dashboards.formatting import duration, local_time, zone_label
from lookout_dashboards.importance import (
    OTHERS,
    average_importance,
    daily_events,
    daily_importance,
    display_labels,
    importance_bands,
    legend_rows,
)
from lookout_dashboards.sources.lookout_sensor_files import read_component_files
from lookout_dashboards.themes import THEMES, sensor_colors

DAY = datetime(2026, 3, 1, tzinfo=UTC)


def event(start_hour: float, hours: float, **shares: float) -> AnomalyEvent:
    start = DAY + timedelta(hours=start_hour)
    diagnostics = tuple(SensorImportance("c", sensor, share) for sensor, share in shares.items())
    return AnomalyEvent(start, start + timedelta(hours=hours), diagnostics)


def test_average_counts_a_missing_sensor_as_zero_and_sorts_largest_first() -> None:
    shares = average_importance([event(0, 1, a=0.6, b=0.4), event(5, 1, b=1.0)])

    assert [(s.label, s.share) for s in shares] == [("c\\b", 0.7), ("c\\a", 0.3)]
    assert average_importance([]) == []


def test_daily_statistics_use_the_local_day() -> None:
    interval = TimeRange(DAY, DAY + timedelta(days=2))
    events = [event(1, 1, a=1.0), event(23, 3, a=0.5, b=0.5)]

    in_utc = daily_events(events, interval, timedelta(0))
    east = daily_events(events, interval, timedelta(hours=2))
    west = daily_events(events, interval, timedelta(hours=-2))

    assert in_utc.days == (date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3))
    assert in_utc.counts == (2, 0, 0) and in_utc.mean_minutes == (120.0, 0.0, 0.0)
    assert east.counts == (1, 1, 0)
    assert west.days[0] == date(2026, 2, 28) and west.counts == (1, 1, 0)
    importance = daily_importance(events, interval, timedelta(hours=2), ["c\\a", "c\\b"])
    assert importance.shares == ((1.0, 0.5, 0.0), (0.0, 0.5, 0.0))


def test_labels_drop_the_component_only_when_unambiguous() -> None:
    assert display_labels(["p\\flow", "m\\flow", "p\\speed"]) == {
        "p\\flow": "p\\flow",
        "m\\flow": "m\\flow",
        "p\\speed": "speed",
    }


def test_sensors_past_the_top_ones_are_one_band_named_in_the_legend_and_summed_per_day() -> None:
    events = [event(1, 1, a=0.5, b=0.3, c=0.1, d=0.1), event(30, 1, a=0.4, b=0.2, c=0.3, d=0.1)]

    bands = importance_bands(events, top=2)
    daily = daily_importance(events, TimeRange(DAY, DAY + timedelta(days=1)), timedelta(0), [b.label for b in bands])
    rows = legend_rows(bands, sensor_colors([b.label for b in bands], THEMES["light"]))

    assert [(b.label, b.sensors) for b in bands] == [("c\\a", 1), ("c\\b", 1), (OTHERS, 2)]
    assert bands[2].share == pytest.approx(0.3)
    assert daily.shares[2] == pytest.approx((0.2, 0.4))
    assert rows[2] == (THEMES["light"].others, "2 other sensors", "30.0%")
    assert [label for _, label, _ in rows[:2]] == ["a", "b"]
    assert importance_bands(events, top=4) == average_importance(events)
    one_other = importance_bands(events, top=3)
    colors = sensor_colors([b.label for b in one_other], THEMES["dark"])
    assert legend_rows(one_other, colors)[3] == (THEMES["dark"].others, "1 other sensor", "10.0%")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_band_gets_its_own_colour(theme: str) -> None:
    labels = [f"c\\s{n}" for n in range(15)]
    colors = sensor_colors([*labels, OTHERS], THEMES[theme])

    assert len(set(colors.values())) == 16
    assert [colors[label] for label in labels] == list(THEMES[theme].series)
    with pytest.raises(ValueError, match="16 sensors for 15 colours"):
        sensor_colors([*labels, "c\\s15"], THEMES[theme])


def test_ribbon_spans_merge_within_a_pixel_and_stay_visible() -> None:
    spans = [(0.0, 0.0001), (0.0002, 0.0003), (5.0, 6.0)]

    merged = charts.pixel_spans(spans, axis_span=10.0, pixels=100)

    assert merged == [(0.0, pytest.approx(0.1002)), (5.0, 1.0)]
    many = [(n / 1000, n / 1000 + 0.0001) for n in range(10_000)]
    assert len(charts.pixel_spans(many, axis_span=10.0, pixels=500)) <= 250


def test_formatting() -> None:
    assert local_time(DAY, timedelta(hours=5, minutes=30)) == "2026-03-01 05:30"
    assert local_time(None, timedelta(0)) == "-"
    assert zone_label(timedelta(hours=-3, minutes=-30)) == "UTC-03:30" and zone_label(timedelta(0)) == "UTC"
    assert [duration(timedelta(seconds=s)) for s in (45, 600, 7500, 200_000)] == [
        "45 s",
        "10 min",
        "2 h 05 min",
        "2 d 7 h",
    ]


def test_component_files_are_combined_sorted_and_cleaned() -> None:
    """Files come in key order; on a repeated timestamp the later file wins; empty cells are dropped."""
    first = b"Timestamp,a,b\n2026-03-02 00:00:00,3,3\n2026-03-02 00:01:00,4,\n"
    second = b"Timestamp,a,b\n2026-03-01T00:00:00Z,1,2\n2026-03-02 00:00:00,9,9\n"

    component = read_component_files([("s3://b/1.csv", first), ("s3://b/2.csv", second)])

    epoch_a, values_a = component.sensor("a")
    assert list(values_a) == [1.0, 9.0, 4.0]
    assert list(np.diff(epoch_a)) == [86_400.0, 60.0] and epoch_a[0] == DAY.timestamp()
    assert list(component.sensor("b")[1]) == [2.0, 9.0]
    assert component.sensor("c") is None


def test_a_range_longer_than_a_century_gets_a_message_not_millions_of_days() -> None:
    from datetime import UTC, datetime

    from lookout_dashboards.domain import TimeRange
    from lookout_dashboards.errors import InvalidInputError
    from lookout_dashboards.importance import MAX_CHART_DAYS, local_days

    start = datetime(1900, 1, 1, tzinfo=UTC)
    century = TimeRange(start, start + timedelta(days=MAX_CHART_DAYS))

    assert len(local_days(century, timedelta(0))) == MAX_CHART_DAYS + 1
    with pytest.raises(InvalidInputError, match="at most a century"):
        local_days(TimeRange(start, start + timedelta(days=MAX_CHART_DAYS + 1)), timedelta(0))
