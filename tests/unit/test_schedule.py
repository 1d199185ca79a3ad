"""Next wake-up, input window and file name, for each frequency, delay and time zone, at boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lookout_dashboards.domain import InputFileNaming
from lookout_dashboards.schedule import file_pattern, format_timestamp, next_run

COMPACT = InputFileNaming("yyyyMMddHHmmss", "_")
DASHED = InputFileNaming("yyyy-MM-dd-HH-mm-ss", "-")
EPOCH = InputFileNaming("EPOCH", "_")


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 11, 2, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("frequency", "now", "wake_up", "window_start"),
    [
        (5, at(13, 2, 17), at(13, 5), at(13, 0)),  # the reference sample's example
        (5, at(13, 4, 59), at(13, 5), at(13, 0)),  # one second before a wake-up
        (5, at(13, 5), at(13, 10), at(13, 5)),  # exactly on it: that run is under way
        (10, at(13, 0), at(13, 10), at(13, 0)),
        (10, at(12, 59, 59), at(13, 0), at(12, 50)),
        (15, at(13, 14, 59), at(13, 15), at(13, 0)),
        (30, at(13, 29, 59), at(13, 30), at(13, 0)),
        (60, at(12, 59, 59), at(13, 0), at(12, 0)),
        (60, at(13, 0), at(14, 0), at(13, 0)),
    ],
)
def test_wake_up_and_window_for_each_frequency(
    frequency: int, now: datetime, wake_up: datetime, window_start: datetime
) -> None:
    run = next_run(now, timedelta(minutes=frequency), timedelta(0), timedelta(0), COMPACT)

    assert run.wake_up == wake_up
    assert run.window_start == window_start
    assert run.window_end == wake_up - timedelta(seconds=1)
    assert run.file_name("pump", COMPACT) == f"pump_{window_start:%Y%m%d%H%M%S}.csv"


@pytest.mark.parametrize(
    ("now", "wake_up", "window_start"),
    [
        (at(13, 1, 59), at(13, 2), at(12, 55)),  # the 13:00 window is read at 13:02
        (at(13, 2), at(13, 7), at(13, 0)),
        (at(13, 6, 59), at(13, 7), at(13, 0)),
        (at(13, 7), at(13, 12), at(13, 5)),
    ],
)
def test_the_delay_offset_postpones_the_wake_up_not_the_window(
    now: datetime, wake_up: datetime, window_start: datetime
) -> None:
    run = next_run(now, timedelta(minutes=5), timedelta(minutes=2), timedelta(0), COMPACT)

    assert (run.wake_up, run.window_start, run.window_end) == (
        wake_up,
        window_start,
        wake_up - timedelta(minutes=2, seconds=1),
    )


def test_an_hourly_scheduler_with_delay_and_input_time_zone() -> None:
    run = next_run(at(13, 59, 59), timedelta(hours=1), timedelta(minutes=10), timedelta(hours=2), DASHED)

    assert run.wake_up == at(14, 10)
    assert (run.window_start, run.window_end) == (at(13, 0), at(13, 59, 59))
    assert run.file_name("pump", DASHED) == "pump-2026-11-02-15-00-00.csv"  # 13:00 UTC is 15:00 at +02:00


def test_negative_and_half_hour_time_zones_and_epoch_names() -> None:
    moment = at(0, 30)

    assert format_timestamp(moment, timedelta(hours=-5), "yyyyMMddHHmmss") == "20261101193000"
    assert format_timestamp(moment, timedelta(hours=5, minutes=30), "yyyyMMddHHmmss") == "20261102060000"
    assert format_timestamp(moment, timedelta(hours=-5), "EPOCH") == str(int(moment.timestamp()))
    run = next_run(at(0, 30), timedelta(minutes=10), timedelta(0), timedelta(hours=-5), EPOCH)
    assert run.file_name("c", EPOCH) == f"c_{int(at(0, 30).timestamp())}.csv"


def test_file_pattern_and_unknown_formats() -> None:
    assert file_pattern(COMPACT) == "<component>_yyyyMMddHHmmss.csv"
    with pytest.raises(ValueError, match="unknown timestamp format"):
        format_timestamp(at(0, 0), timedelta(0), "dd/MM/yyyy")
