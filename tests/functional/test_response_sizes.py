"""The heaviest charts answer at most 150 KB, and a ten times longer history does not make them heavier.

A daily chart draws a bar per day until the days outnumber the bars its width holds; from then on
its size depends on the widget, not on the history. Sizes are deterministic, so they are asserted.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from local.widget_events import load_handler, widget_event
from lookout_dashboards.events import parse_widget_event
from lookout_dashboards.sources import default_source
from tests.conftest import DEMO_NOW
from tests.longer_history import LongerHistory
from tests.widget_page import WidgetPage

LIMIT_BYTES = 150 * 1024
SIZES = [(1200, 400), (2400, 600)]


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CACHE_DIR", str(tmp_path / "cache"))


def importance_evolution(model_name: str, copies: int, width: int, height: int) -> str:
    """The chart over a model whose evaluation events repeat `copies` times, each copy one evaluation earlier."""
    source = default_source()
    period = source.get_model(model_name).evaluation_range.duration
    event = widget_event(
        {"model": model_name}, start=DEMO_NOW - period * copies, end=DEMO_NOW, width=width, height=height
    )
    handler = load_handler("model-importance-evolution")
    return handler.render_importance_evolution(parse_widget_event(event), LongerHistory(source, period, copies))


def scheduler_anomalies(scheduler_name: str, copies: int, days: int, width: int, height: int) -> str:
    """The chart over `days`, the scheduler's half day of runs, results and events repeated `copies` times.

    Whatever the range, it reads the results of the newest 288 runs (a day of five-minute runs).
    """
    source = LongerHistory(default_source(), timedelta(hours=12), copies)
    event = widget_event(
        {"scheduler": scheduler_name}, start=DEMO_NOW - timedelta(days=days), end=DEMO_NOW, width=width, height=height
    )
    handler = load_handler("scheduler-anomalies")
    return handler.render_scheduler_anomalies(parse_widget_event(event), source, DEMO_NOW)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_importance_evolution_stops_growing_once_the_days_fill_the_widget(
    shared_demo: Any, width: int, height: int
) -> None:
    model = shared_demo.models["labeled"]
    sizes = {copies: len(importance_evolution(model, copies, width, height).encode()) for copies in (1, 20, 200)}

    assert max(sizes.values()) <= LIMIT_BYTES
    assert sizes[200] <= 1.1 * sizes[20]  # 400 days (more than the widget has bars), 4,000 days
    assert sizes[20] > 2 * sizes[1]  # the 20 days of the demo's evaluation are 20 bars, not one per column


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_scheduler_anomalies_do_not_grow_with_a_ten_times_longer_history_and_range(
    shared_demo: Any, width: int, height: int
) -> None:
    scheduler = shared_demo.schedulers["live"]

    day = scheduler_anomalies(scheduler, 2, 1, width, height)  # a day of five-minute runs
    ten_days = scheduler_anomalies(scheduler, 20, 10, width, height)

    assert max(len(day.encode()), len(ten_days.encode())) <= LIMIT_BYTES
    assert len(ten_days.encode()) <= 1.1 * len(day.encode())
    assert "80 events" in WidgetPage(ten_days).footnotes[0]  # the longer history was drawn
