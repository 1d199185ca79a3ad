"""Colours of both console themes, shared by charts (matplotlib) and HTML legends (no matplotlib).

Sensors get their colour from `sensor_colors`, so a chart and its legend agree sensor for sensor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .importance import OTHERS


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
    others: str


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
        others="#c6cbd1",
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
        others="#5f6b7a",
    ),
}


def theme_for(name: str) -> ChartTheme:
    return THEMES.get(name, THEMES["light"])


def sensor_colors(labels: Sequence[str], theme: ChartTheme) -> dict[str, str]:
    """A colour per sensor, in the order given, from the theme's series; the `OTHERS` band in grey.

    More sensors than the series has colours would get colours a reader confuses: merge them first
    (`importance.importance_bands`).
    """
    named = [label for label in labels if label != OTHERS]
    if len(named) > len(theme.series):
        raise ValueError(f"{len(named)} sensors for {len(theme.series)} colours; merge the rest as {OTHERS}")
    colors = dict(zip(named, theme.series, strict=False))
    return {label: colors.get(label, theme.others) for label in labels}
