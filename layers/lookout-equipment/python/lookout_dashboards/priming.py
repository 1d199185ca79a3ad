"""Work a chart function does once, at init, so that a SnapStart snapshot holds it.

Importing matplotlib builds its font list, and the first figure drawn fills its text-layout and
path caches: together a few hundred milliseconds that no request should pay. A chart handler calls
`prime_charts()` at import (Lambda's init phase, which SnapStart snapshots). Nothing here reads the
environment, makes a client or depends on the time: those come after restore, per request.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from . import charts
from .domain import TimeRange
from .themes import theme_for

#: How many times this process primed: a chart handler's init primes once (tests check it).
primed_times = 0


def prime_charts() -> None:
    """Draw and save one small throwaway chart with a line, date ticks and text, in both themes' style."""
    global primed_times
    end = datetime(2026, 1, 2, tzinfo=UTC)
    interval = TimeRange(end - timedelta(days=1), end)
    values = np.linspace(0.0, 1.0, 48)
    for theme_name in ("light", "dark"):
        theme = theme_for(theme_name)
        with charts.chart(300, 150, theme) as figure:
            axes = figure.subplots()
            charts.style_axes(axes, theme)
            days = np.linspace(*charts.time_limits(interval, timedelta(0)), values.size)
            axes.plot(days, values, color=theme.series[0], linewidth=1)
            charts.time_axis(axes, interval, timedelta(0), charts.plot_width(figure))
            axes.set_title("priming")
            charts.to_svg(figure)
    primed_times += 1
