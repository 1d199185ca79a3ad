"""The fleet dashboard: its body, and what its heatmap reads and draws (assets by time, anomalous share).

A fleet's assets publish `AnomalousPrediction` (0 or 1 per result) under their own `Scheduler` and
`Asset` dimensions, so a whole fleet is read from CloudWatch with one query per asset, 500 a call:
2 `GetMetricData` calls for 1,000 assets. The heatmap draws as many columns as the width holds and
as many rows as the height holds; its size follows the widget, not the fleet.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from .aws import translated_errors
from .dashboards import custom_widget
from .domain import TimeRange
from .errors import InvalidInputError, NothingToShowError
from .fleets import FleetMembers
from .formatting import local_time
from .html import render
from .metrics import ANOMALOUS_PREDICTION, NAMESPACE, Series
from .themes import ChartTheme
from .validation import quoted

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

#: GetMetricData takes at most 500 queries a call.
METRICS_PER_CALL = 500
#: Widget pixels per heatmap column, and the most columns drawn (so a call stays under 100,800 points).
PX_PER_COLUMN = 8
MAX_COLUMNS = 150
#: CloudWatch keeps 1-minute points 15 days, 5-minute points 63 days, hourly points 15 months: a period
#: reaching further back must be a multiple of the coarser resolution.
RESOLUTIONS = ((timedelta(days=15), 60), (timedelta(days=63), 300), (timedelta(days=455), 3600))
RETENTION = RESOLUTIONS[-1][0]
#: A heatmap row, and the widget's pixels that are not rows (time labels, legend, footnote).
ROW_PX = 28
CHROME_PX = 110
MAX_ROWS = 40
#: The asset labels' column (at most a third of the widget), and pixels between two time labels.
LABEL_PX = 260
TICK_PX = 120
#: Share of anomalous results from which a cell takes each darker shade (the first: any anomalous result).
LEVELS = (0.0, 0.25, 0.5, 0.75)
SHADES = (
    ("no anomalous result", 0.35),
    ("up to 25% anomalous", 0.25),
    ("up to 50%", 0.5),
    ("up to 75%", 0.75),
    ("over 75%", 1.0),
)
#: Metrics Insights takes a string literal in single quotes; ids are checked against this before being quoted.
_QUERY_LITERAL = re.compile(r"[0-9A-Za-z_-]{1,200}")
#: Every fleet asset's series: the publisher's dimensions, all four (a Metrics Insights schema names them all).
TOP_ASSETS_FROM = 'SELECT SUM(AnomalousPrediction) FROM SCHEMA("LookoutDashboards", Asset, Model, Scheduler, Stack)'
#: The fleet dashboard: (widget, title, x, y, width, height) of the heatmap, then the top-ten metric widget.
FLEET_HEATMAP = ("fleet-heatmap", "Anomalous share by asset and time", 0, 0, 16, 14)
TOP_ASSETS = ("Ten assets with the most anomalous results (Metrics Insights)", 16, 0, 8, 14)


@dataclass(frozen=True)
class Grid:
    """The heatmap's columns: `columns` periods of `period_s` seconds from `start`."""

    start: datetime
    period_s: int
    columns: int

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.period_s * self.columns)


@dataclass(frozen=True)
class HeatRow:
    asset_id: str
    name: str
    #: Each column's share of anomalous results (0-1), None where the asset published nothing.
    shares: tuple[float | None, ...]

    @property
    def anomalous(self) -> float:
        """The shares summed over the range: the anomalous results counted in periods (equal, for assets on
        one schedule, to the results' sum divided by results per period), the order of the rows."""
        return sum(share for share in self.shares if share is not None)


@dataclass(frozen=True)
class Heatmap:
    grid: Grid
    rows: tuple[HeatRow, ...]
    #: Assets not drawn: those with fewer anomalous results than the last row, and those without data.
    hidden: int
    without_data: int


def heatmap_grid(interval: TimeRange, width_px: int, now: datetime) -> Grid:
    """Columns that fit the width, each a period of whole minutes (or coarser, as far back as CloudWatch keeps)."""
    start, end = max(interval.start, now - RETENTION), min(interval.end, now)
    if end <= start:
        raise NothingToShowError(
            "The dashboard's time range is outside the 15 months CloudWatch keeps metrics: choose a recent range."
        )
    wanted = max(1, min(MAX_COLUMNS, width_px // PX_PER_COLUMN))
    step = next((seconds for age, seconds in RESOLUTIONS if now - start <= age), RESOLUTIONS[-1][1])
    period = max(step, math.ceil((end - start).total_seconds() / wanted / step) * step)
    first = math.floor(start.timestamp() / period) * period
    columns = math.ceil((end.timestamp() - first) / period)
    return Grid(datetime.fromtimestamp(first, UTC), period, max(1, columns))


def row_count(height_px: int) -> int:
    return max(1, min(MAX_ROWS, (height_px - CHROME_PX) // ROW_PX))


def asset_series(members: FleetMembers, asset_id: str, stack_key: str) -> Series:
    """The dimensions the publisher gives a fleet asset's results (`fleet_publisher`)."""
    model = members.model_name
    return Series(model=model, scheduler=f"{model}_{asset_id}", asset=asset_id, stack=stack_key)


def read_shares(
    cloudwatch: CloudWatchClient, members: FleetMembers, stack_key: str, grid: Grid
) -> dict[str, tuple[float | None, ...]]:
    """Each asset's anomalous share per column: one `Average` query per asset, 500 a call, every page."""
    found: dict[str, tuple[float | None, ...]] = {}
    for first in range(0, len(members.assets), METRICS_PER_CALL):
        batch = members.assets[first : first + METRICS_PER_CALL]
        queries = [
            {
                "Id": f"m{index}",
                "MetricStat": {
                    "Metric": {
                        "Namespace": NAMESPACE,
                        "MetricName": ANOMALOUS_PREDICTION,
                        "Dimensions": asset_series(members, asset_id, stack_key).dimensions(),
                    },
                    "Period": grid.period_s,
                    "Stat": "Average",
                },
            }
            for index, (asset_id, _) in enumerate(batch)
        ]
        points: dict[str, dict[int, float]] = {}
        with translated_errors(f"the metrics of {members.display_name}"):
            paginator = cloudwatch.get_paginator("get_metric_data")
            for page in paginator.paginate(
                MetricDataQueries=queries, StartTime=grid.start, EndTime=grid.end, ScanBy="TimestampAscending"
            ):
                for result in page["MetricDataResults"]:
                    cells = points.setdefault(result["Id"], {})
                    for moment, value in zip(result["Timestamps"], result["Values"], strict=True):
                        column = int((moment.timestamp() - grid.start.timestamp()) // grid.period_s)
                        if 0 <= column < grid.columns and math.isfinite(value):
                            cells[column] = min(1.0, max(0.0, value))
        for index, (asset_id, _) in enumerate(batch):
            cells = points.get(f"m{index}", {})
            if cells:
                found[asset_id] = tuple(cells.get(column) for column in range(grid.columns))
    return found


def ranked(members: FleetMembers, shares: Mapping[str, Sequence[float | None]], grid: Grid, rows: int) -> Heatmap:
    """The assets with data, most anomalous first (then by name), as many as `rows`; the rest counted."""
    with_data = [
        HeatRow(asset_id, name, tuple(shares[asset_id])) for asset_id, name in members.assets if asset_id in shares
    ]
    with_data.sort(key=lambda row: (-row.anomalous, row.name.casefold(), row.asset_id))
    drawn = tuple(with_data[:rows])
    without = len(members.assets) - len(with_data)
    return Heatmap(grid, drawn, len(members.assets) - len(drawn), without)


def level(share: float | None) -> int:
    """The shade of a cell: -1 no data, 0 no anomalous result, 1 to 4 darker as the share grows."""
    if share is None:
        return -1
    return sum(1 for floor in LEVELS if share > floor)


def runs(shares: Sequence[float | None]) -> list[tuple[int, int, int]]:
    """(first column, columns, level) of each run of equal shade with data: one shape per run."""
    found: list[tuple[int, int, int]] = []
    for column, share in enumerate(shares):
        shade = level(share)
        if shade < 0:
            continue
        if found and found[-1][2] == shade and found[-1][0] + found[-1][1] == column:
            first, width, _ = found[-1]
            found[-1] = (first, width + 1, shade)
        else:
            found.append((column, 1, shade))
    return found


def query_literal(value: str, what: str) -> str:
    """`value` in single quotes for a Metrics Insights query: ids only, so nothing can end the literal."""
    if not _QUERY_LITERAL.fullmatch(value):
        raise InvalidInputError(f"{what} must be an id of letters, digits, hyphens or underscores.")
    return f"'{value}'"


def top_assets_query(model_id: str, stack_key: str, limit: int = 10) -> str:
    """The assets with the most anomalous results over the widget's range, by Metrics Insights."""
    model, stack = query_literal(model_id, "The model"), query_literal(stack_key, "The stack key")
    return (
        f"{TOP_ASSETS_FROM} WHERE Model = {model} AND Stack = {stack} GROUP BY Asset ORDER BY SUM() DESC LIMIT {limit}"
    )


def fleet_dashboard_body(
    members: FleetMembers, endpoint_of: Callable[[str], str], region: str, stack_key: str
) -> dict[str, Any]:
    """The heatmap across two thirds of the width, the ten most anomalous assets beside it (a native
    metric widget, on the console's own time controls); opens on the last day."""
    widget, title, x, y, width, height = FLEET_HEATMAP
    top_title, top_x, top_y, top_width, top_height = TOP_ASSETS
    query = top_assets_query(members.model_name, stack_key)
    return {
        "start": "-P1D",
        "widgets": [
            custom_widget(endpoint_of(widget), title, {"fleet": members.model_name}, x, y, width, height),
            {
                "type": "metric",
                "x": top_x,
                "y": top_y,
                "width": top_width,
                "height": top_height,
                "properties": {
                    "title": top_title,
                    "region": region,
                    "view": "timeSeries",
                    "stacked": False,
                    "period": 300,
                    "stat": "Sum",
                    "metrics": [[{"expression": query, "id": "q1", "label": "", "period": 300}]],
                },
            },
        ],
    }


def heatmap_html(
    heatmap: Heatmap, buttons: Sequence[Markup], theme: ChartTheme, width_px: int, offset: timedelta
) -> Markup:
    """The labels (each with its button, the name cut to what the column shows) beside one SVG row per
    asset: a path per shade, one thick stroke per run of equal shade on whole pixels, so the bytes grow
    with rows and runs only (at most `MAX_ROWS` × `MAX_COLUMNS`)."""
    label_px = min(LABEL_PX, width_px // 3)
    column_px = max(1, (width_px - label_px - 16) // heatmap.grid.columns)
    paths: list[list[str]] = [[] for _ in SHADES]
    for index, row in enumerate(heatmap.rows):
        middle = index * ROW_PX + ROW_PX // 2
        for first, columns, shade in runs(row.shares):
            paths[shade].append(f"M{first * column_px} {middle}h{columns * column_px}")
    shades = [
        {"label": label, "opacity": opacity, "color": theme.below if shade == 0 else theme.above, "path": "".join(path)}
        for shade, ((label, opacity), path) in enumerate(zip(SHADES, paths, strict=True))
    ]
    grid = heatmap.grid
    every = max(1, math.ceil(TICK_PX / column_px))
    ticks = [
        {
            "x": column * column_px,
            "label": local_time(grid.start + timedelta(seconds=column * grid.period_s), offset)[5:],
        }
        for column in range(every // 2, grid.columns, every)
    ]
    return render(
        "heatmap.html",
        rows=[{"name": quoted(row.name), "button": button} for row, button in zip(heatmap.rows, buttons, strict=True)],
        row_px=ROW_PX,
        stroke_px=ROW_PX - 2,
        label_px=label_px,
        width=column_px * grid.columns,
        height=len(heatmap.rows) * ROW_PX + 20,
        shades=shades,
        ticks=ticks,
        empty=theme.grid,
        text=theme.text,
        caption=f"{len(heatmap.rows)} assets by time",
    )
