"""Colours of both console themes, shared by charts (matplotlib) and HTML legends (no matplotlib).

Sensors get their colour from `sensor_colors`, so a chart and its legend agree sensor for sensor.
"""

from __future__ import annotations

import colorsys
from collections.abc import Sequence
from dataclasses import dataclass

GOLDEN_RATIO_CONJUGATE = 0.618033988749895


@dataclass(frozen=True)
class ChartTheme:
    dark: bool
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
        dark=False,
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
        dark=True,
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


def theme_for(name: str) -> ChartTheme:
    return THEMES.get(name, THEMES["light"])


def sensor_colors(labels: Sequence[str], theme: ChartTheme) -> dict[str, str]:
    """A colour per sensor, in the order given: the theme's series first, then generated hues."""
    colors = {}
    for position, label in enumerate(labels):
        colors[label] = theme.series[position] if position < len(theme.series) else _generated(position, theme)
    return colors


def _generated(position: int, theme: ChartTheme) -> str:
    """Hues spread by the golden angle, lightness alternating, readable on the theme's background."""
    hue = (position * GOLDEN_RATIO_CONJUGATE) % 1.0
    lightness = (0.62 if position % 2 else 0.72) if theme.dark else (0.38 if position % 2 else 0.52)
    red, green, blue = colorsys.hls_to_rgb(hue, lightness, 0.62)
    return f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"
