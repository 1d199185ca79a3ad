"""Charts as SVG: a console-like look for both themes, sized in pixels, byte-stable output.

`Figure` is used directly, never `pyplot`, so a warm Lambda keeps no figures between calls.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

DPI = 100
SVG_HASH_SALT = "lookout-equipment-dashboards"


@dataclass(frozen=True)
class ChartTheme:
    background: str
    text: str
    muted: str
    grid: str
    series: tuple[str, ...]
    above: str
    below: str
    event: str
    label: str


THEMES = {
    "light": ChartTheme(
        background="#ffffff",
        text="#16191f",
        muted="#687078",
        grid="#e9ebed",
        series=(
            "#1f77b4",
            "#ff7f0e",
            "#2ca02c",
            "#d62728",
            "#9467bd",
            "#8c564b",
            "#e377c2",
            "#7f7f7f",
            "#bcbd22",
            "#17becf",
            "#aec7e8",
            "#ffbb78",
            "#98df8a",
            "#ff9896",
            "#c5b0d5",
        ),
        above="#d13212",
        below="#1d8102",
        event="#d13212",
        label="#0073bb",
    ),
    "dark": ChartTheme(
        background="#2a2e33",
        text="#d1d5db",
        muted="#95a5a6",
        grid="#414750",
        series=(
            "#539fe5",
            "#ff9e3d",
            "#5fbe5f",
            "#ff6b6b",
            "#b19cd9",
            "#c49c94",
            "#f7b6d2",
            "#c7c7c7",
            "#dbdb8d",
            "#9edae5",
            "#aec7e8",
            "#ffbb78",
            "#98df8a",
            "#ff9896",
            "#c5b0d5",
        ),
        above="#ff5d64",
        below="#6aaf35",
        event="#ff5d64",
        label="#44b9d6",
    ),
}

_RC = {
    "svg.hashsalt": SVG_HASH_SALT,
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "path.simplify": True,
}


def theme_for(name: str) -> ChartTheme:
    return THEMES.get(name, THEMES["light"])


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


def to_svg(figure: Figure) -> str:
    """The figure as SVG text; the same figure always gives the same bytes."""
    buffer = io.StringIO()
    with matplotlib.rc_context(_RC):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, facecolor=figure.get_facecolor())
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]


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
