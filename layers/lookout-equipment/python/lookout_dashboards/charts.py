"""Charts as SVG: a console-like look for both themes, sized in pixels, byte-stable output.

`Figure` is used directly, never `pyplot`, so a warm Lambda keeps no figures between calls.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import matplotlib
import numpy as np
from markupsafe import Markup
from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from .domain import TimeRange
from .formatting import percent
from .importance import DailyEvents, DailyImportance, SensorShare
from .themes import ChartTheme

DPI = 100
SECONDS_PER_DAY = 86_400
UTC_OFFSET = timedelta(0)
SVG_HASH_SALT = "lookout-equipment-dashboards"


_RC = {
    "svg.hashsalt": SVG_HASH_SALT,
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "path.simplify": True,
}


def new_figure(width_px: int, height_px: int, theme: ChartTheme) -> Figure:
    """An empty figure of the widget's size in pixels."""
    with matplotlib.rc_context(_RC):
        return Figure(
            figsize=(width_px / DPI, height_px / DPI), dpi=DPI, facecolor=theme.background, layout="constrained"
        )


def style_axes(axes: Axes, theme: ChartTheme) -> None:
    """Console look: light grid, no top or right frame, theme-coloured text."""
    axes.set_facecolor(theme.background)
    axes.grid(True, color=theme.grid, linewidth=0.6)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color(theme.grid)
    axes.tick_params(colors=theme.muted, labelcolor=theme.text)
    axes.xaxis.label.set_color(theme.text)
    axes.yaxis.label.set_color(theme.text)
    axes.title.set_color(theme.text)


def to_svg(figure: Figure) -> Markup:
    """The figure as SVG markup; the same figure always gives the same bytes.

    matplotlib escapes every text it writes into SVG (tested with markup in sensor names), so the
    result is safe to place in a widget's HTML as it is.
    """
    buffer = io.StringIO()
    with matplotlib.rc_context(_RC):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, facecolor=figure.get_facecolor())
    svg = buffer.getvalue()
    return Markup(svg[svg.index("<svg") :])  # noqa: S704 - matplotlib's own escaped SVG, see above


def decimate_min_max(x: np.ndarray, y: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Keep the lowest and highest point of each of `columns` equal-width x bins, in x order.

    A line drawn through what is kept looks the same at that width, and never has more than
    `2 * columns` points, however long the series. NaNs are dropped; `x` must be sorted.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    finite = np.isfinite(y) & np.isfinite(x)
    x, y = x[finite], y[finite]
    columns = max(1, int(columns))
    if x.size <= 2 * columns:
        return x, y
    span = x[-1] - x[0]
    if span <= 0:
        low, high = int(np.argmin(y)), int(np.argmax(y))
        keep = np.unique([low, high])
        return x[keep], y[keep]
    edges = x[0] + span * np.arange(1, columns) / columns
    starts = np.unique(np.r_[0, np.searchsorted(x, edges, side="left")])
    starts = starts[starts < x.size]
    bins = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, x.size]))
    lowest = np.minimum.reduceat(y, starts)[bins] == y
    highest = np.maximum.reduceat(y, starts)[bins] == y
    first_low = _first_per_bin(lowest, bins, starts.size)
    first_high = _first_per_bin(highest, bins, starts.size)
    keep = np.unique(np.concatenate((first_low, first_high)))
    return x[keep], y[keep]


def _first_per_bin(mask: np.ndarray, bins: np.ndarray, count: int) -> np.ndarray:
    """Index of the first True of `mask` in each bin (every bin has one)."""
    positions = np.flatnonzero(mask)
    _, first = np.unique(bins[positions], return_index=True)
    return positions[first][:count]


def day_number(moment: datetime | date, offset: timedelta = UTC_OFFSET) -> float:
    """matplotlib's date number (days since 1970) of a moment seen in the zone `offset` east of UTC."""
    if isinstance(moment, datetime):
        return (moment.timestamp() + offset.total_seconds()) / SECONDS_PER_DAY
    return float((moment - date(1970, 1, 1)).days)


def day_numbers(epoch_seconds: np.ndarray, offset: timedelta) -> np.ndarray:
    return (np.asarray(epoch_seconds, dtype=float) + offset.total_seconds()) / SECONDS_PER_DAY


def time_axis(axes: Axes, interval: TimeRange, offset: timedelta, *, labels: bool = True) -> None:
    """Limit the x axis to the interval in local time, with concise date ticks."""
    axes.set_xlim(day_number(interval.start, offset), day_number(interval.end, offset))
    locator = AutoDateLocator(minticks=3, maxticks=8)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator, show_offset=False))
    axes.tick_params(axis="x", labelbottom=labels)


def pixel_spans(spans: Sequence[tuple[float, float]], axis_span: float, pixels: int) -> list[tuple[float, float]]:
    """Spans `(start, width)` merged when closer than a pixel and widened to at least one pixel.

    However many events there are, a ribbon then holds at most one shape per two pixels.
    """
    pixel = axis_span / max(1, pixels)
    merged: list[list[float]] = []
    for start, end in sorted(spans):
        end = max(end, start + pixel)
        if merged and start - merged[-1][1] < pixel:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end - start) for start, end in merged]


def draw_ribbon(
    axes: Axes,
    spans: Sequence[tuple[float, float]],
    pixels: int,
    color: str,
    label: str,
    theme: ChartTheme,
    gid: str,
) -> None:
    """A one-row strip with a mark where each event (in day numbers) lies, labelled on its left."""
    low, high = axes.get_xlim()
    shapes = pixel_spans(spans, high - low, pixels)
    axes.broken_barh(shapes, (0, 1), facecolors=color, gid=gid)
    axes.set_ylim(0, 1)
    axes.set_yticks([])
    axes.set_facecolor(theme.background)
    for side in axes.spines.values():
        side.set_color(theme.grid)
    axes.set_ylabel(label, rotation=0, ha="right", va="center", color=theme.text, fontsize=8)


def draw_daily_events(axes: Axes, daily: DailyEvents, theme: ChartTheme) -> None:
    """Events per day as steps, and their mean duration (minutes) on a second axis."""
    style_axes(axes, theme)
    edges = [day_number(day) for day in daily.days] + [day_number(daily.days[-1]) + 1]
    axes.stairs(daily.counts, edges, fill=True, color=theme.event, alpha=0.55, gid="daily-events")
    axes.set_ylabel("Events / day", color=theme.text, fontsize=8)
    axes.set_ylim(0, max(1, *daily.counts) * 1.15)
    durations = axes.twinx()
    durations.stairs(daily.mean_minutes, edges, color=theme.label, linewidth=1.2, gid="daily-duration")
    durations.set_ylabel("Mean duration (min)", color=theme.label, fontsize=8)
    durations.set_ylim(0, max(1.0, *daily.mean_minutes) * 1.15)
    durations.tick_params(colors=theme.muted, labelcolor=theme.label)
    for side in durations.spines.values():
        side.set_visible(False)


def importance_bars_svg(
    shares: Sequence[SensorShare],
    labels: dict[str, str],
    sensor_count: int,
    width: int,
    height: int,
    theme: ChartTheme,
) -> str:
    """Horizontal bars, largest on top, with their percentage and a dotted line at 1/N.

    A bar is red above 1/N (the sensor weighs more than an even share) and green below.
    """
    figure = new_figure(width, height, theme)
    axes = figure.add_subplot()
    style_axes(axes, theme)
    uniform = 1 / max(1, sensor_count)
    positions = np.arange(len(shares))[::-1]
    for rank, (position, item) in enumerate(zip(positions, shares, strict=True)):
        color = theme.above if item.share > uniform else theme.below
        axes.barh(position, item.share, color=color, height=0.7, gid=f"importance-bar-{rank}")
        axes.text(item.share, position, f" {percent(item.share)}", va="center", color=theme.text, fontsize=8)
    axes.axvline(uniform, color=theme.text, linestyle=":", linewidth=1.2, gid="uniform-share")
    axes.set_yticks(positions, [labels.get(item.label, item.label) for item in shares])
    axes.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes.set_xlim(0, max(uniform, *(item.share for item in shares)) * 1.18)
    axes.grid(False, axis="y")
    return to_svg(figure)


def draw_daily_importance(axes: Axes, daily: DailyImportance, colors: dict[str, str], theme: ChartTheme) -> None:
    """Each sensor's daily mean importance as stacked steps, one shape per sensor."""
    style_axes(axes, theme)
    edges = [day_number(day) for day in daily.days] + [day_number(daily.days[-1]) + 1]
    baseline = np.zeros(len(daily.days))
    for position, (label, shares) in enumerate(zip(daily.labels, daily.shares, strict=True)):
        top = baseline + np.asarray(shares)
        axes.stairs(top, edges, baseline=baseline, fill=True, color=colors[label], gid=f"daily-importance-{position}")
        baseline = top
    axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes.set_ylim(0, max(0.01, float(baseline.max())) * 1.05)
