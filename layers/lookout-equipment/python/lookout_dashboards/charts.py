"""Charts as SVG: a console-like look for both themes, sized in pixels, byte-stable output.

`Figure` is used directly, never `pyplot`, so a warm Lambda keeps no figures between calls.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import MAXYEAR, date, datetime, timedelta

import matplotlib
import numpy as np
from markupsafe import Markup
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.ticker import MaxNLocator, PercentFormatter
from matplotlib.transforms import blended_transform_factory

from .domain import AnomalyEvent, LabeledRange, TimeRange
from .formatting import percent
from .importance import DailyEvents, DailyImportance, SensorShare
from .themes import ChartTheme

DPI = 100
SECONDS_PER_DAY = 86_400
UTC_OFFSET = timedelta(0)
SVG_HASH_SALT = "lookout-equipment-dashboards"


#: The style of every chart, set only inside `chart`. Texts are plain: sensor, asset and model names
#: come from AWS, and SiteWise allows `$` in them, which mathtext (or TeX) would draw as a formula or
#: fail on (`$\undefinedmacro$`). A `Text` reads `text.parse_math` when it is made, tick labels included.
_RC = {
    "svg.hashsalt": SVG_HASH_SALT,
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "path.simplify": True,
    "text.parse_math": False,
    "text.usetex": False,
}


@dataclass(frozen=True)
class Margins:
    """Space around the plotting area, in pixels: fixed margins instead of a layout engine, which
    took longer than drawing the chart itself."""

    left: int = 56
    right: int = 16
    top: int = 24
    bottom: int = 26


@contextmanager
def chart(width_px: int, height_px: int, theme: ChartTheme, margins: Margins | None = None) -> Iterator[Figure]:
    """An empty figure of the widget's size in pixels, its subplots placed inside `margins`.

    Make, draw and save it (`to_svg`) inside the `with`: matplotlib reads the style whenever it
    creates an artist, so axes made outside the style would get other fonts and tick sizes.
    """
    margins = margins or Margins()
    with matplotlib.rc_context(_RC):
        figure = Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI, facecolor=theme.background)
        figure.subplots_adjust(
            left=min(0.6, margins.left / width_px),
            right=max(0.65, 1 - margins.right / width_px),
            top=max(0.6, 1 - margins.top / height_px),
            bottom=min(0.35, margins.bottom / height_px),
        )
        yield figure


def plot_width(figure: Figure) -> int:
    """Width of the plotting area in pixels: the number of columns a series can show."""
    parameters = figure.subplotpars
    return max(1, round(figure.bbox.width * (parameters.right - parameters.left)))


def stacked_axes(figure: Figure, height_ratios: Sequence[float], gap_px: int = 8) -> list[Axes]:
    """Axes one above the other, separated by `gap_px` pixels; each sets its own x limits.

    They do not share x: a shared axis would compute date ticks for every ribbon, which has none.
    """
    parameters = figure.subplotpars
    plot_height = figure.bbox.height * (parameters.top - parameters.bottom)
    count = len(height_ratios)
    mean_height = max(1.0, (plot_height - gap_px * (count - 1)) / count)
    grid = {"height_ratios": list(height_ratios), "hspace": gap_px / mean_height}
    return list(figure.subplots(count, 1, gridspec_kw=grid, squeeze=False)[:, 0])


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
    axes.yaxis.set_major_locator(MaxNLocator(nbins=4))  # every tick is an object to build and draw
    axes.xaxis.label.set_color(theme.text)
    axes.yaxis.label.set_color(theme.text)
    axes.title.set_color(theme.text)


def to_svg(figure: Figure) -> Markup:
    """The figure as SVG markup, inside its `chart` context; the same figure always gives the same bytes.

    matplotlib escapes every text it writes into SVG (tested with markup in sensor names), so the
    result is safe to place in a widget's HTML as it is. Text is written as text (`svg.fonttype`), so
    the browser draws letters DejaVu Sans lacks (Chinese names) in its own fonts: matplotlib's warning
    about them concerns only its measure of the text, and is not logged on every render.
    """
    buffer = io.StringIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, facecolor=figure.get_facecolor())
    svg = _PATH_DATA.sub(lambda match: f' d="{compact_path_data(match.group(1))}"', buffer.getvalue())
    svg = _INDENT.sub("\n", svg)
    return Markup(svg[svg.index("<svg") :])  # noqa: S704 - matplotlib's own escaped SVG, see above


_PATH_DATA = re.compile(r' d="([^"]*)"')
_INDENT = re.compile(r"\n +")  # between elements: matplotlib writes every text on one line
_PATH_TOKENS = re.compile(r"[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def compact_path_data(data: str) -> str:
    """Path data to 1/10 point (1/7 pixel), with a side along x or y written `H x`, `V y` or, when
    shorter, relative (`h dx`, `v dy`), and merged with the side before it when it goes on in the
    same direction: a fraction of matplotlib's bytes for steps, bars and ribbons, the same picture.

    Coordinates are counted in tenths, as integers, so relative moves add up to the exact points.
    """
    parts: list[str] = []
    start = current = side_start = (0, 0)
    command = previous = ""
    numbers: list[int] = []
    for token in _PATH_TOKENS.findall(data):
        if token.isalpha():
            command = token
            if command in "zZ":
                parts.append("z")
                current, previous = start, "z"
            continue
        numbers.append(round(float(token) * 10))
        if len(numbers) < _PATH_ARITY[command]:
            continue
        end = (numbers[-2], numbers[-1])
        if command == "L" and end == current and previous != "M":
            numbers = []
            continue
        if command == "L" and (end[0] == current[0]) != (end[1] == current[1]):
            axis = 0 if end[1] == current[1] else 1
            side = "HV"[axis] + ("+" if end[axis] > current[axis] else "-")
            if side == previous:
                parts.pop()
            else:
                side_start = current
            absolute, relative = _tenths(end[axis]), _tenths(end[axis] - side_start[axis])
            parts.append(side[0] + absolute if len(absolute) <= len(relative) else "hv"[axis] + relative)
        else:
            side = command
            parts.append(command + " ".join(map(_tenths, numbers)))
        if command == "M":
            start = end
        current, previous, numbers = end, side, []
    return "".join(parts)


_PATH_ARITY = {"M": 2, "L": 2, "Q": 4, "C": 6}


def _tenths(value: int) -> str:
    """A number of tenths as SVG writes it shortest: `12`, `-.5`, `3.1`."""
    whole, tenth = divmod(abs(value), 10)
    sign = "-" if value < 0 else ""
    if not tenth:
        return f"{sign}{whole}"
    return f"{sign}{whole or ''}.{tenth}"


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


def time_limits(interval: TimeRange, offset: timedelta) -> tuple[float, float]:
    return day_number(interval.start, offset), day_number(interval.end, offset)


def time_axis(axes: Axes, interval: TimeRange, offset: timedelta, pixels: int, *, labels: bool = True) -> None:
    """Limit the x axis to the interval in local time, with a date tick every ~120 pixels."""
    low, high = time_limits(interval, offset)
    axes.set_xlim(low, high)
    positions, names = date_ticks(low, high, max(2, pixels // 120))
    axes.set_xticks(positions, names if labels else [])


_TICK_STEPS_DAYS = (1 / 24, 2 / 24, 3 / 24, 6 / 24, 12 / 24, 1, 2, 7, 14)
_TICK_STEPS_MONTHS = (1, 2, 3, 6, 12)
_EPOCH = datetime(1970, 1, 1)


def date_ticks(low: float, high: float, max_ticks: int) -> tuple[list[float], list[str]]:
    """Round local times between two day numbers, at most `max_ticks`, labelled like the console.

    Hours read `06:00` (a midnight reads `Oct 17`), days `Oct 17`, months `Oct` (January: the year).
    Written out because matplotlib's date locator cost more per render than the rest of the axis.
    """
    span = high - low
    step = next((days for days in _TICK_STEPS_DAYS if span / days <= max_ticks), None)
    if step is not None:
        first = math.ceil(low / step - 1e-9) * step
        positions = [first + step * number for number in range(int((high - first) / step + 1e-9) + 1)]
        names = []
        for position in positions:
            moment = _EPOCH + timedelta(days=position)
            at_midnight = moment.hour == 0 and moment.minute == 0
            names.append(moment.strftime("%b %d" if step >= 1 or at_midnight else "%H:%M"))
        return positions, names
    months = next(
        (m for m in _TICK_STEPS_MONTHS if span / (30.44 * m) <= max_ticks), 12 * math.ceil(span / 365.25 / max_ticks)
    )
    start = _EPOCH + timedelta(days=low)
    month = start.year * 12 + start.month - 1 + (0 if (start.day, start.hour, start.minute) == (1, 0, 0) else 1)
    month = math.ceil(month / months) * months
    positions, names = [], []
    while month // 12 <= MAXYEAR:  # a step of centuries would otherwise pass the calendar's last year
        position = (datetime(month // 12, month % 12 + 1, 1) - _EPOCH) / timedelta(days=1)
        if position > high:
            break
        positions.append(position)
        names.append(str(month // 12) if month % 12 == 0 else datetime(2000, month % 12 + 1, 1).strftime("%b"))
        month += months
    return positions, names


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


def day_spans(
    ranges: Iterable[AnomalyEvent | LabeledRange], interval: TimeRange, offset: timedelta
) -> list[tuple[float, float]]:
    """Events or labeled ranges as `(start, end)` day numbers, cut to the interval."""
    return [
        (day_number(max(r.start, interval.start), offset), day_number(min(r.end, interval.end), offset)) for r in ranges
    ]


RIBBON_HEIGHT_PX = 12
RIBBON_GAP_PX = 4


def draw_ribbon(
    axes: Axes,
    spans: Sequence[tuple[float, float]],
    pixels: int,
    color: str,
    label: str,
    theme: ChartTheme,
    gid: str,
    *,
    below_px: float,
) -> None:
    """A strip `below_px` under the axes, with a mark where each span (in day numbers) lies.

    It belongs to the axes above it (an axes of its own would cost more than the drawing), and
    all marks form one SVG path, so its size grows with the widget's width, not the events.
    """
    figure = axes.get_figure()
    axes_px = axes.get_position().height * figure.bbox.height
    top = -below_px / axes_px
    bottom = top - RIBBON_HEIGHT_PX / axes_px
    low, high = axes.get_xlim()
    vertices: list[tuple[float, float]] = []
    codes: list[int] = []
    for start, width in pixel_spans(spans, high - low, pixels):
        vertices += [(start, bottom), (start + width, bottom), (start + width, top), (start, top), (start, bottom)]
        codes += [MplPath.MOVETO, MplPath.LINETO, MplPath.LINETO, MplPath.LINETO, MplPath.CLOSEPOLY]
    strip = blended_transform_factory(axes.transData, axes.transAxes)
    frame = Rectangle((0, bottom), 1, top - bottom, transform=axes.transAxes, fill=False, edgecolor=theme.grid)
    axes.add_artist(frame).set_clip_on(False)
    if vertices:
        marks = PathPatch(MplPath(vertices, codes), facecolor=color, edgecolor="none", transform=strip, gid=gid)
        axes.add_artist(marks).set_clip_on(False)
    axes.text(
        -0.006,
        (top + bottom) / 2,
        label,
        transform=axes.transAxes,
        ha="right",
        va="center",
        color=theme.text,
        fontsize=8,
    )


def ribbon_offsets(count: int, first_px: float = RIBBON_GAP_PX) -> list[float]:
    """Where `count` ribbons start under an axes, one under the other."""
    return [first_px + number * (RIBBON_HEIGHT_PX + RIBBON_GAP_PX) for number in range(count)]


#: The narrowest bar a daily chart draws, in pixels: its count, and the chart's bytes, then depend on the
#: widget's width once the days outnumber the bars (every bar of a stacked chart costs a few bytes per band).
MIN_BAR_PX = 6


def day_bars(days: Sequence[date], pixels: int, min_px_per_bar: int = MIN_BAR_PX) -> np.ndarray:
    """Edges (day numbers) of a daily chart's bars: one bar per day, or, when the days outnumber
    the bars `pixels` can hold, that many equal bars, each over the same number of days."""
    bars = min(len(days), max(1, pixels // min_px_per_bar))
    return day_number(days[0]) + np.linspace(0, len(days), bars + 1)


def bar_means(rows: np.ndarray, edges: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Each row's daily values averaged (weighted) over each bar, a day counting for its part inside the bar."""
    rows = np.atleast_2d(np.asarray(rows, dtype=float))
    weights = np.ones(rows.shape[1]) if weights is None else np.asarray(weights, dtype=float)
    positions = edges - edges[0]
    whole = np.minimum(positions.astype(int), rows.shape[1] - 1)
    part = positions - whole

    def up_to_edges(values: np.ndarray) -> np.ndarray:
        """The integral of the daily step function from the first day to each edge."""
        running = np.concatenate((np.zeros((*values.shape[:-1], 1)), np.cumsum(values, axis=-1)), axis=-1)
        return running[..., whole] + part * values[..., whole]

    totals = np.diff(up_to_edges(rows * weights), axis=-1)
    counted = np.diff(up_to_edges(weights))
    return np.divide(totals, counted, out=np.zeros(totals.shape), where=counted > 0)


def draw_daily_events(axes: Axes, daily: DailyEvents, pixels: int, theme: ChartTheme) -> None:
    """Events per day as steps, and their mean duration (minutes) on a second axis.

    Over a long period, each step covers several days (their mean), so steps stay visible.
    """
    style_axes(axes, theme)
    edges = day_bars(daily.days, pixels)
    counts = bar_means(np.array([daily.counts]), edges)[0]
    minutes = bar_means(np.array([daily.mean_minutes]), edges, np.array(daily.counts))[0]
    axes.stairs(counts, edges, fill=True, color=theme.event, alpha=0.55, gid="daily-events")
    days_per_bar = len(daily.days) / counts.size
    axes.set_ylabel(
        "Events / day" if days_per_bar == 1 else f"Events / day ({days_per_bar:.3g}-day mean)",
        color=theme.text,
        fontsize=8,
    )
    axes.set_ylim(0, max(1.0, float(counts.max())) * 1.15)
    durations = axes.twinx()
    durations.stairs(minutes, edges, color=theme.label, linewidth=1.2, gid="daily-duration")
    durations.set_ylabel("Mean duration (min)", color=theme.label, fontsize=8)
    durations.set_ylim(0, max(1.0, float(minutes.max())) * 1.15)
    durations.tick_params(colors=theme.muted, labelcolor=theme.label)
    durations.yaxis.set_major_locator(MaxNLocator(nbins=4))
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
    names = [labels.get(item.label, item.label) for item in shares]
    label_px = 20 + 8 * max((len(name) for name in names), default=0)  # DejaVu Sans at 9 pt: under 8 px a letter
    with chart(width, height, theme, Margins(left=min(width // 2, label_px), right=12, top=8)) as figure:
        axes = figure.add_subplot()
        style_axes(axes, theme)
        uniform = 1 / max(1, sensor_count)
        positions = np.arange(len(shares))[::-1]
        for rank, (position, item) in enumerate(zip(positions, shares, strict=True)):
            color = theme.above if item.share > uniform else theme.below
            axes.barh(position, item.share, color=color, height=0.7, gid=f"importance-bar-{rank}")
            axes.text(item.share, position, f" {percent(item.share)}", va="center", color=theme.text, fontsize=8)
        axes.axvline(uniform, color=theme.text, linestyle=":", linewidth=1.2, gid="uniform-share")
        axes.set_yticks(positions, names)
        axes.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
        axes.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
        axes.set_xlim(0, max(uniform, *(item.share for item in shares)) * 1.18)
        axes.grid(False, axis="y")
        return to_svg(figure)


def draw_daily_importance(
    axes: Axes, daily: DailyImportance, colors: dict[str, str], pixels: int, theme: ChartTheme
) -> None:
    """Each band's daily mean importance stacked as steps, the first band at the bottom.

    Each band is drawn from the axis up to its top, the top band first: every polygon then has one
    outline of steps instead of two, half the bytes. Over a long period, each step is the mean over
    the days with events that it covers.
    """
    style_axes(axes, theme)
    edges = day_bars(daily.days, pixels)
    shares = np.asarray(daily.shares, dtype=float).reshape(len(daily.labels), len(daily.days))
    had_events = (shares.sum(axis=0) > 0).astype(float)
    tops = np.cumsum(bar_means(shares, edges, had_events), axis=0)
    step_x = np.r_[edges[0], np.repeat(edges, 2)[1:-1], edges[-1]]
    polygons = [np.column_stack([step_x, np.r_[0.0, np.repeat(top, 2), 0.0]]) for top in tops[::-1]]
    stack = PolyCollection(polygons, facecolors=[colors[label] for label in daily.labels[::-1]], edgecolors="none")
    stack.set_gid("daily-importance")  # one artist for every band: one draw call, paths from the top band down
    axes.add_collection(stack, autolim=False)
    axes.set_xlim(edges[0], edges[-1])
    baseline = tops[-1] if len(tops) else np.zeros(1)
    axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes.set_ylim(0, max(0.01, float(baseline.max())) * 1.05)
