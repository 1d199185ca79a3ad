import itertools
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta

import matplotlib
import numpy as np
import pytest

from lookout_dashboards import charts, themes
from lookout_dashboards.events import EARLIEST, LATEST, MAX_OFFSET
from lookout_dashboards.importance import SensorShare

SVG = "{http://www.w3.org/2000/svg}"


def draw(theme_name: str, title: str) -> str:
    theme = themes.theme_for(theme_name)
    with charts.chart(640, 320, theme) as figure:
        axes = figure.add_subplot()
        charts.style_axes(axes, theme)
        x = np.arange(500.0)
        axes.plot(x, np.sin(x / 25), color=theme.series[0])
        axes.barh(["a", "b"], [0.3, 0.7], color=[theme.below, theme.above])
        axes.set_title(title)
        return charts.to_svg(figure)


def test_svg_is_byte_stable_across_renders() -> None:
    assert draw("light", "pump\\flow") == draw("light", "pump\\flow")
    assert draw("dark", "pump\\flow") == draw("dark", "pump\\flow")


def test_svg_has_widget_size_theme_background_and_escaped_text() -> None:
    svg = draw("dark", "<img src=x onerror=alert(1)> & co")
    root = ET.fromstring(svg)  # noqa: S314 - SVG we just produced, not untrusted input

    assert root.get("viewBox") == "0 0 460.8 230.4"  # 640 x 320 px at 72 pt per 100 px
    assert themes.THEMES["dark"].background in svg
    assert "<img" not in svg
    texts = ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]
    assert "<img src=x onerror=alert(1)> & co" in texts
    assert "Date" not in svg


def corners(data: str) -> list[tuple[float, float]]:
    """The points an SVG path of M, L, H, V, h, v and z commands goes through, in order."""
    points: list[tuple[float, float]] = []
    for command, numbers in re.findall(r"([MLHVhvz])([^MLHVhvz]*)", data):
        values = [float(number) for number in re.findall(r"-?[\d.]+", numbers)]
        x, y = points[-1] if points else (0.0, 0.0)
        if command in "ML":
            points.append((values[0], values[1]))
        elif command in "Hh":
            points.append((values[0] + (x if command == "h" else 0), y))
        elif command in "Vv":
            points.append((x, values[0] + (y if command == "v" else 0)))
    return points


def on_polyline(point: tuple[float, float], polyline: list[tuple[float, float]], tolerance: float) -> bool:
    """Whether the point lies on one of the polyline's sides (all along x or y, as in steps and bars)."""
    return any(
        min(a[0], b[0]) - tolerance <= point[0] <= max(a[0], b[0]) + tolerance
        and min(a[1], b[1]) - tolerance <= point[1] <= max(a[1], b[1]) + tolerance
        for a, b in itertools.pairwise(polyline)
    )


def test_compact_path_data_draws_the_same_steps_in_a_fraction_of_the_bytes() -> None:
    rng = np.random.default_rng(3)
    x = 40.123456 + 4.3333333 * np.arange(301)
    tops = np.round(rng.uniform(20, 200, 300), 1)
    tops[100:140] = tops[100]  # a flat stretch: one side, however many steps
    bars = zip(itertools.pairwise(x), tops, strict=True)
    steps = [(edge, top) for (left, right), top in bars for edge in (left, right)]
    outline = [(x[0], 217.4), *steps, (x[-1], 217.4)]
    data = "M " + " \nL ".join(f"{px:f} {py:f}" for px, py in outline) + " \nz\n"  # as matplotlib writes it

    compact = charts.compact_path_data(data)
    drawn = corners(compact)

    assert len(compact) < len(data) / 4
    assert all(on_polyline(point, drawn, 0.05) for point in outline)
    assert all(on_polyline(point, outline, 0.05) for point in drawn)
    assert len(drawn) < len(outline) - 70
    tick = "M 0 0 \nL 0.04 -0.04 \nL 1.26 -0.04 \nL 1.26 -0.04 \nC 1 2 3 4 5 6 \nz\n"  # a dot's side is kept
    assert charts.compact_path_data(tick) == "M0 0L0 0H1.3C1 2 3 4 5 6z"


def test_decimation_keeps_extremes_and_bounds_points() -> None:
    rng = np.random.default_rng(7)
    x = np.arange(100_000, dtype=float)
    y = rng.normal(size=x.size)
    y[12_345] = 50
    y[67_890] = -50

    kept_x, kept_y = charts.decimate_min_max(x, y, 300)

    assert kept_x.size <= 600
    assert kept_y.max() == 50 and kept_y.min() == -50
    assert np.all(np.diff(kept_x) > 0)
    assert set(kept_x).issubset(set(x))


def test_decimation_leaves_short_series_and_drops_nans() -> None:
    x = np.array([0.0, 1.0, 2.0, 3.0])
    y = np.array([1.0, np.nan, 3.0, 2.0])

    kept_x, kept_y = charts.decimate_min_max(x, y, 10)

    assert kept_x.tolist() == [0.0, 2.0, 3.0]
    assert kept_y.tolist() == [1.0, 3.0, 2.0]


@pytest.mark.parametrize("columns", [1, 7, 640])
def test_decimation_size_depends_on_columns_not_on_data(columns: int) -> None:
    for length in (10_000, 100_000):
        x = np.linspace(0, 1, length)
        kept_x, _ = charts.decimate_min_max(x, np.cos(x * 50), columns)
        assert kept_x.size <= 2 * columns


def test_unknown_theme_is_light() -> None:
    assert themes.theme_for("sepia") == themes.THEMES["light"]


@pytest.mark.parametrize(
    ("start", "end", "most", "expected"),
    [
        (
            (2026, 11, 1, 3),
            (2026, 11, 2, 1),
            8,
            ["03:00", "06:00", "09:00", "12:00", "15:00", "18:00", "21:00", "Nov 02"],
        ),
        (
            (2026, 10, 13, 8),
            (2026, 10, 20, 8),
            10,
            ["Oct 14", "Oct 15", "Oct 16", "Oct 17", "Oct 18", "Oct 19", "Oct 20"],
        ),
        ((2026, 5, 4), (2026, 11, 2), 10, ["Jun", "Jul", "Aug", "Sep", "Oct", "Nov"]),
        ((2025, 5, 4), (2026, 11, 2), 8, ["Jul", "Oct", "2026", "Apr", "Jul", "Oct"]),
        ((2016, 1, 1), (2026, 11, 2), 5, ["2016", "2019", "2022", "2025"]),
    ],
)
def test_date_ticks_are_round_and_few(start: tuple, end: tuple, most: int, expected: list[str]) -> None:
    low, high = charts.day_number(datetime(*start)), charts.day_number(datetime(*end))

    positions, names = charts.date_ticks(low, high, most)

    assert names == expected
    assert all(low <= position <= high for position in positions) and len(positions) <= most


def test_date_ticks_stop_at_the_calendars_end() -> None:
    """The widest range a widget accepts, shifted by the widest offset: a tick every thousand years, none past 9999."""
    low, high = charts.day_number(EARLIEST, -MAX_OFFSET), charts.day_number(LATEST, MAX_OFFSET)

    positions, names = charts.date_ticks(low, high, 10)

    assert names == [str(year) for year in range(1000, 10_000, 1000)]
    assert all(low <= position <= high for position in positions)


def test_daily_bars_are_days_until_they_outnumber_the_bars_the_width_holds() -> None:
    days = [date(2026, 3, 1) + timedelta(days=number) for number in range(10)]

    assert np.diff(charts.day_bars(days, pixels=600)).tolist() == [1.0] * 10
    wide = charts.day_bars(days, pixels=4 * charts.MIN_BAR_PX)
    assert wide[0] == charts.day_number(days[0]) and np.allclose(np.diff(wide), 2.5)
    longer = [days[0] + timedelta(days=number) for number in range(1000)]
    assert charts.day_bars(longer, pixels=600).size == charts.day_bars(longer[:100], pixels=600).size


def test_bar_means_count_a_day_for_its_part_in_each_bar_and_weigh_it() -> None:
    rows = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [0.0, 0.0, 0.0, 0.0, 10.0]])
    edges = np.array([0.0, 2.5, 5.0])

    assert charts.bar_means(rows, edges).tolist() == [[1.8, 4.2], [0.0, 4.0]]
    weighted = charts.bar_means(rows, edges, np.array([1.0, 0.0, 0.0, 0.0, 1.0]))
    assert weighted.tolist() == [[1.0, 5.0], [0.0, 10.0]]
    assert charts.bar_means(np.zeros((0, 5)), edges).shape == (0, 2)  # events that name no sensor


def tick_font_sizes(svg: str) -> set[str]:
    root = ET.fromstring(svg)  # noqa: S314 - SVG we just produced, not untrusted input
    ticks = [group for group in root.iter(f"{SVG}g") if group.get("id", "").startswith(("xtick_", "ytick_"))]
    styles = [text.get("style", "") for group in ticks for text in group.iter(f"{SVG}text")]
    return {part.split(":")[1].strip() for style in styles for part in style.split(";") if "font-size" in part}


def test_axes_added_after_the_figure_get_the_chart_style() -> None:
    """Axes are made between `Figure()` and `savefig`; their tick labels must still be 9 px, not matplotlib's 10."""
    shares = [SensorShare("pump\\flow", 0.6), SensorShare("pump\\pressure", 0.4)]

    bars = charts.importance_bars_svg(shares, {}, 2, 640, 320, themes.theme_for("light"))

    assert tick_font_sizes(bars) == {"9px"}
    assert tick_font_sizes(draw("dark", "pump")) == {"9px"}


#: Names SiteWise allows that mathtext would fail on (the first two) or draw as a formula (the others).
MATH_LOOKING = ["temp $\\undefinedmacro$", "$x^^2$", "flow $5 to $10", "$\\alpha$ <b>&amp;</b>"]


@pytest.mark.parametrize("name", MATH_LOOKING)
def test_names_that_look_like_mathtext_are_drawn_as_they_are(name: str) -> None:
    """Titles, tick labels, ribbon labels and bar labels are plain text, whatever `$` they hold."""
    theme = themes.theme_for("light")
    shares = [SensorShare(f"pump\\{name}", 0.6), SensorShare("pump\\flow", 0.4)]
    with charts.chart(640, 320, theme) as figure:
        axes = figure.add_subplot()
        charts.style_axes(axes, theme)
        axes.set_title(name)
        axes.set_xticks([0.0, 1.0], [name, "x"])
        charts.draw_ribbon(axes, [(0.2, 0.4)], 600, theme.event, name, theme, "event-ribbon", below_px=4)
        figure.legend([axes.plot([0, 1], [0, 1])[0]], [name])
        drawn = charts.to_svg(figure)
    bars = charts.importance_bars_svg(shares, {}, 2, 640, 320, theme)

    chart_texts = ["".join(node.itertext()) for node in ET.fromstring(drawn).iter(f"{SVG}text")]  # noqa: S314
    bar_texts = ["".join(node.itertext()) for node in ET.fromstring(bars).iter(f"{SVG}text")]  # noqa: S314
    assert chart_texts.count(name) == 4
    assert f"pump\\{name}" in bar_texts
    assert matplotlib.rcParams["text.parse_math"]  # plain inside charts only: other figures keep mathtext
