"""The fleet heatmap's pure parts: its columns, shades and runs, row order, worst-case size, the query's literals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lookout_dashboards.domain import TimeRange
from lookout_dashboards.errors import InvalidInputError, NothingToShowError
from lookout_dashboards.fleet_dashboard import (
    MAX_COLUMNS,
    MAX_ROWS,
    Grid,
    Heatmap,
    HeatRow,
    heatmap_grid,
    heatmap_html,
    level,
    ranked,
    runs,
    top_assets_query,
)
from lookout_dashboards.fleets import FleetMembers
from lookout_dashboards.html import action_button
from lookout_dashboards.themes import theme_for

NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def test_columns_fit_the_width_in_whole_minutes_and_coarser_as_far_back_as_cloudwatch_keeps() -> None:
    day = heatmap_grid(TimeRange(NOW - timedelta(days=1), NOW), 1200, NOW)
    assert day.period_s % 60 == 0 and day.columns <= MAX_COLUMNS + 1 and day.end >= NOW
    month_ago = heatmap_grid(TimeRange(NOW - timedelta(days=30), NOW - timedelta(days=29)), 1200, NOW)
    assert month_ago.period_s % 300 == 0
    with pytest.raises(NothingToShowError, match="15 months"):
        heatmap_grid(TimeRange(NOW - timedelta(days=900), NOW - timedelta(days=800)), 1200, NOW)


def test_shades_and_runs() -> None:
    assert [level(share) for share in (None, 0.0, 0.1, 0.3, 0.6, 1.0)] == [-1, 0, 1, 2, 3, 4]
    assert runs([0.0, 0.0, None, 1.0, 0.9, 0.1]) == [(0, 2, 0), (3, 2, 4), (5, 1, 1)]


def test_rows_are_the_most_anomalous_with_data_and_the_others_are_counted() -> None:
    members = FleetMembers("m", "Fleet", (("a", "Pump b"), ("b", "Pump a"), ("c", "Pump c"), ("d", "Pump d")))
    grid = Grid(NOW, 60, 2)
    heat = ranked(members, {"a": (0.5, None), "b": (0.5, 0.0), "c": (1.0, 1.0)}, grid, 2)
    assert [row.name for row in heat.rows] == ["Pump c", "Pump a"]
    assert (heat.hidden, heat.without_data) == (2, 1)


def test_the_worst_case_stays_under_150_kb() -> None:
    """Every cell a shade apart from its neighbours, every row a Create button with a long hostile name."""
    grid = Grid(NOW, 60, MAX_COLUMNS)
    rows = tuple(
        HeatRow(f"asset-{index}", '<b>"x' * 60, tuple((column % 5) / 4 for column in range(MAX_COLUMNS)))
        for index in range(MAX_ROWS)
    )
    endpoint = "arn:aws:lambda:us-east-1:123456789012:function:l4e-0000demo-list-schedulers:live"
    payload = {"action": "create_dashboard", "scheduler": "a" * 36 + "_" + "b" * 36, "signature": "1" * 43}
    buttons = [action_button("Create", endpoint, payload, display="popup", primary=False)] * MAX_ROWS
    markup = heatmap_html(Heatmap(grid, rows, 0, 0), buttons, theme_for("dark"), 1900, timedelta(0))
    assert len(markup.encode()) <= 150_000
    assert "<b>" not in markup


def test_the_top_ten_query_quotes_ids_only() -> None:
    assert "WHERE Model = 'abc-1' AND Stack = '0000demo'" in top_assets_query("abc-1", "0000demo")
    with pytest.raises(InvalidInputError):
        top_assets_query("x' OR Model = 'y", "0000demo")
