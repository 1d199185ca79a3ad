"""The model and inference widgets on the IoT SiteWise demo: charts parsed, sensors by name, every state explained."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from local.demo_sitewise import HOSTILE, PUMP_SENSORS
from lookout_dashboards.model_widgets import MODEL_DASHBOARD_LAYOUT
from lookout_dashboards.scheduler_widgets import SCHEDULER_DASHBOARD_LAYOUT
from lookout_dashboards.themes import THEMES
from tests.conftest import DEMO_NOW
from tests.widget_calls import render, render_at
from tests.widget_page import SVG, WidgetPage, fills, group, groups_starting, texts

MODEL_WIDGETS = [widget for widget, *_ in MODEL_DASHBOARD_LAYOUT]
SCHEDULER_WIDGETS = [widget for widget, *_ in SCHEDULER_DASHBOARD_LAYOUT]
PUMP_1 = [f"Pump 1\\{name}" for name in PUMP_SENSORS]
UNKNOWN = "00000000-0000-4000-8000-000000000000"
BEFORE_RESULTS = DEMO_NOW - timedelta(days=50)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CACHE_DIR", str(tmp_path / "cache"))


def model(demo: Any, key: str, widget: str, days: float = 30, **context: Any) -> WidgetPage:
    return render(widget, {"model": demo.key(*key.split(":"))}, days, **context)


def scheduler(demo: Any, key: str, widget: str, days: float = 7, **context: Any) -> WidgetPage:
    return render_at(widget, {"scheduler": demo.key(*key.split(":"))}, days, **context)


def windows_within(demo: Any, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The demo's abnormal periods inside the range, oldest first."""
    return sorted((begin, finish) for begin, finish in demo.anomaly_windows if start <= begin and finish <= end)


def runs(windows: list[tuple[datetime, datetime]]) -> int:
    """How many events inference finds in those periods: overlapping ones make one run of anomalous results."""
    ends = [finish for _, finish in windows]
    return sum(1 for index, (begin, _) in enumerate(windows) if index == 0 or begin > max(ends[:index]))


def test_model_details_read_the_training_and_its_evaluation(shared_sitewise_demo: Any) -> None:
    rows = dict(model(shared_sitewise_demo, "pump-fleet:pump-1", "model-details").rows)

    assert rows["Asset"] == "Pump 1" and rows["Status"] == "trained"
    assert rows["Sampling rate"] == "PT1M" and rows["Versions"] == "1 (active), 2, 3" and rows["Sensors"] == "5"
    assert rows["Evaluation data"].startswith("2026-10-30 00:00 to 2026-11-02 08:00")
    evaluated = windows_within(shared_sitewise_demo, datetime(2026, 10, 30, tzinfo=UTC), DEMO_NOW)
    assert rows["Detected events"] == str(len(evaluated)) == "2"  # the metrics' predicted ranges


def test_anomalies_chart_names_sensors_by_asset_and_property_with_events_and_the_sensor_form(
    shared_sitewise_demo: Any,
) -> None:
    calls = len(shared_sitewise_demo.fake.calls)
    page = model(shared_sitewise_demo, "pump-fleet:pump-1", "model-anomalies", width=800)
    svg = page.svg()

    options, selected = page.selects["signal"]
    assert options == PUMP_1 and selected == "Pump 1\\bearing temperature"  # a sensor the anomalies weigh on most
    assert "Pump 1\\bearing temperature" in texts(svg)
    path = group(svg, "sensor-series").find(f"{SVG}path")
    assert path is not None and 100 < len(re.findall(r"[MLHVhv]", path.get("d") or "")) <= 800
    assert fills(group(svg, "event-ribbon")) == {THEMES["light"].event}
    assert fills(group(svg, "labeled-ribbon")) == {THEMES["light"].label}
    assert page.footnotes[0].startswith("2 events between 2026-10-30 00:00 and 2026-11-02 08:00 UTC")
    assert shared_sitewise_demo.fake.calls[calls:].count("GetAssetPropertyAggregates") == 1
    assert not any(UUID.search(text) for text in texts(svg))

    picked = model(shared_sitewise_demo, "pump-fleet:pump-1", "model-anomalies", forms={"signal": "Pump 1\\vibration"})

    assert picked.selects["signal"][1] == "Pump 1\\vibration" and "Pump 1\\vibration" in texts(picked.svg())


def test_signal_importance_names_sensors_and_draws_the_uniform_share(shared_sitewise_demo: Any) -> None:
    page = model(shared_sitewise_demo, "pump-fleet:pump-1", "model-signal-importance")
    svg = page.svg()

    assert len(groups_starting(svg, "importance-bar-")) == len(PUMP_SENSORS)
    group(svg, "uniform-share")
    assert set(PUMP_SENSORS) <= set(texts(svg)) and texts(svg).index("bearing temperature") < texts(svg).index("flow")
    assert page.footnotes == ["Average over 2 events; 1/N = 20.0% for 5 sensors."]


def test_importance_evolution_and_its_legend_agree_sensor_for_sensor(shared_sitewise_demo: Any) -> None:
    chart = model(shared_sitewise_demo, "pump-fleet:pump-1", "model-importance-evolution").svg()
    legend = model(shared_sitewise_demo, "pump-fleet:pump-1", "model-importance-legend").legend

    stacks = [fills(path) for path in group(chart, "daily-importance").iter(f"{SVG}path")]
    assert stacks[::-1] == [{color} for color, _ in legend]
    assert sorted(name for _, name in legend) == sorted(PUMP_SENSORS)
    assert legend[0][1] in ("bearing temperature", "vibration")
    group(chart, "event-ribbon")


def test_last_diagnostics_draw_the_newest_anomaly_with_the_one_over_n_line(shared_sitewise_demo: Any) -> None:
    calls = shared_sitewise_demo.fake.calls
    cold = len(calls)
    scheduler(shared_sitewise_demo, "pump-compressor", "scheduler-last-diagnostics")
    warm = len(calls)
    page = scheduler(shared_sitewise_demo, "pump-compressor", "scheduler-last-diagnostics")
    svg = page.svg()

    assert sorted(calls[cold:warm]) == [
        "DescribeAsset",
        "DescribeAsset",  # the model's two assets, for the names of its sensors
        "DescribeComputationModel",
        "GetAssetPropertyValueHistory",
    ]
    assert calls[warm:] == ["GetAssetPropertyValueHistory"]  # one page of the newest results, whatever the history
    assert len(groups_starting(svg, "importance-bar-")) == 6
    group(svg, "uniform-share")
    assert {"flow", "discharge pressure", "speed", "motor current", HOSTILE} <= set(texts(svg))
    assert texts(svg).index("motor current") < texts(svg).index("flow")
    newest = max(end for _, end in shared_sitewise_demo.anomaly_windows if end <= DEMO_NOW) - timedelta(minutes=5)
    assert page.footnotes == [f"Most recent anomaly at {newest:%Y-%m-%d %H:%M} UTC; 1/N = 16.7% for 6 sensors."]


def test_inference_anomalies_over_seven_days(shared_sitewise_demo: Any) -> None:
    calls = len(shared_sitewise_demo.fake.calls)
    page = scheduler(shared_sitewise_demo, "pump-fleet:pump-1", "scheduler-anomalies", days=7, theme="dark")
    svg = page.svg()

    assert len(shared_sitewise_demo.fake.calls) - calls <= 3
    for gid in ("anomaly-score", "daily-events", "daily-duration"):
        group(svg, gid)
    assert fills(group(svg, "prediction-ribbon")) == {THEMES["dark"].above}
    assert fills(group(svg, "event-ribbon")) == {THEMES["dark"].event}
    events = runs(windows_within(shared_sitewise_demo, DEMO_NOW - timedelta(days=7), DEMO_NOW))
    assert events == 2 and page.footnotes == ["2,016 results; 2 events."]
    stack = [fills(path) for path in group(svg, "daily-importance").iter(f"{SVG}path")]
    assert [{color} for color, _ in page.legend] == stack[::-1]
    assert sorted(name for _, name in page.legend) == sorted(PUMP_SENSORS)


def test_inference_details_read_the_last_start(shared_sitewise_demo: Any) -> None:
    rows = dict(cells for cells in scheduler(shared_sitewise_demo, "pump-fleet:pump-2", "scheduler-details").rows)

    assert rows["Model"] == "Pump fleet anomalies on Pump 2" and rows["Status"] == "stopped"
    assert rows["Results written to"] == "Pump 2\\anomaly result"
    assert "every 5 min, 2 min delay" in rows["Last started with"] and "Europe/Paris" in rows["Last started with"]


@pytest.mark.parametrize("widget", MODEL_WIDGETS[1:])
@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("pump-compressor", "did not train: Not enough data: fewer than 14 days of good points"),
        ("pump-fleet:pump-3", "is still training (started 2026-10-29 07:00 UTC)"),
        ("pump-fleet:pump-2", "was trained without an evaluation configured"),
    ],
)
def test_models_without_results_say_why(shared_sitewise_demo: Any, widget: str, key: str, expected: str) -> None:
    page = model(shared_sitewise_demo, key, widget)

    assert page.messages[0][0] == "info" and expected in page.messages[0][1]
    assert "svg" not in page.tags


def test_details_of_models_without_results_say_why(shared_sitewise_demo: Any) -> None:
    failed = dict(model(shared_sitewise_demo, "pump-compressor", "model-details").rows)
    unevaluated = dict(model(shared_sitewise_demo, "pump-fleet:pump-2", "model-details").rows)

    assert failed["Status"] == "failed"
    assert failed["Why training failed"] == "Not enough data: fewer than 14 days of good points"
    assert unevaluated["Status"] == "trained" and "without an evaluation configured" in unevaluated["Evaluation"]


@pytest.mark.parametrize("widget", MODEL_WIDGETS + SCHEDULER_WIDGETS)
@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (UNKNOWN, f"Not found: computation model {UNKNOWN}."),
        ("pump-station-labeled", "`pump-station-labeled` is not a SiteWise model: name one by its computation model"),
        (UNKNOWN.replace("0", "A", 1), f"`{UNKNOWN.replace('0', 'A', 1)}` is not a SiteWise model"),  # lower-case ids
        (f"{{pump-fleet}}_{UNKNOWN[:-1]}", "`{pump-fleet}_" + UNKNOWN[:-1] + "` is not a SiteWise model"),
        (f"{{pump-fleet}}_{UNKNOWN}", "Not found: "),
        (
            "{pump-fleet}",
            "Not found: model {pump-fleet}. Computation model Pump fleet anomalies is bound at asset-model",
        ),
        ("{pump-compressor}_{pump-1}", "Not found: model {pump-compressor}_{pump-1}. Computation model Pump 1 and"),
    ],
)
def test_unknown_models_and_assets_are_explained(
    shared_sitewise_demo: Any, widget: str, key: str, expected: str
) -> None:
    ids = {**shared_sitewise_demo.models, "pump-1": shared_sitewise_demo.assets["pump-1"]}
    param = "model" if widget.startswith("model") else "scheduler"

    calls = len(shared_sitewise_demo.fake.calls)

    page = render(widget, {param: key.format_map(ids)}, 7)

    assert page.messages == [("error", page.messages[0][1])]
    assert page.messages[0][1].startswith(expected.format_map(ids))
    if "is not a SiteWise model" in expected:
        assert shared_sitewise_demo.fake.calls[calls:] == []  # refused before any call


@pytest.mark.parametrize("widget", MODEL_WIDGETS[1:4])
def test_a_range_before_the_evaluation_is_explained(shared_sitewise_demo: Any, widget: str) -> None:
    page = render(widget, {"model": shared_sitewise_demo.key("pump-fleet", "pump-1")}, 10, end=BEFORE_RESULTS)

    assert page.messages[0][0] == "info"
    assert "does not overlap model Pump fleet anomalies on Pump 1's evaluation period" in page.messages[0][1]


def test_a_range_before_the_results_is_explained(shared_sitewise_demo: Any) -> None:
    page = render_at(
        "scheduler-anomalies", {"scheduler": shared_sitewise_demo.key("pump-fleet", "pump-1")}, 10, now=BEFORE_RESULTS
    )

    assert page.messages == [
        (
            "info",
            "The inference of Pump fleet anomalies on Pump 1 wrote no result in this time range; its newest one is "
            "of 2026-11-02 08:00 UTC.",
        )
    ]


@pytest.mark.parametrize("widget", MODEL_WIDGETS + SCHEDULER_WIDGETS)
def test_hostile_names_are_escaped_in_every_widget(shared_sitewise_demo: Any, widget: str) -> None:
    """HOSTILE holds markup, and `$x^^2$`, which charts must draw as text, not fail on as mathtext."""
    page = (model if widget.startswith("model") else scheduler)(shared_sitewise_demo, "hostile", widget)

    assert not page.messages, page.messages
    if widget == "model-anomalies":
        assert page.selects["signal"][1] is not None  # the sensor picker stays, with the sensor drawn
    assert "<img" not in page.markup and "img" not in page.tags
    if widget != "model-importance-evolution":  # the only one that names no sensor (its legend does)
        assert "&lt;img src=x onerror=alert(1)&gt;" in page.markup and HOSTILE in html.unescape(page.markup)
    if widget in ("model-anomalies", "model-signal-importance", "scheduler-last-diagnostics"):
        assert any(HOSTILE in text for text in texts(page.svg()))


def test_hostile_sensor_names_are_escaped_in_the_sensor_form(shared_sitewise_demo: Any) -> None:
    sensor = f"{HOSTILE}\\{HOSTILE}"

    page = model(shared_sitewise_demo, "hostile", "model-anomalies", forms={"signal": sensor})

    assert page.selects["signal"][1] == sensor and sensor in texts(page.svg())
    assert f'value="{escape(sensor)}"' in page.markup
