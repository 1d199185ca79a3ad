"""The five widgets of a model dashboard, on the demo account: charts parsed, every error a message."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from local.widget_events import load_handler, widget_event
from lookout_dashboards.importance import TOP_SENSORS, average_importance
from lookout_dashboards.sources import default_source
from lookout_dashboards.themes import THEMES
from tests.conftest import DEMO_NOW
from tests.widget_calls import render
from tests.widget_page import SVG, WidgetPage, fills, group, groups_starting, texts

MODEL_WIDGETS = [
    "model-details",
    "model-anomalies",
    "model-signal-importance",
    "model-importance-evolution",
    "model-importance-legend",
]
CHART_WIDGETS = MODEL_WIDGETS[1:4]


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CACHE_DIR", str(tmp_path / "cache"))


def test_details_of_a_labeled_model(shared_demo: Any) -> None:
    model = default_source().get_model(shared_demo.models["labeled"])

    page = render("model-details", {"model": model.name}, timezone_offset=timedelta(hours=2))

    rows = dict(page.rows[1:]) | dict(page.rows[:1])
    assert rows["Dataset"] == "pump-station"
    assert rows["Status"] == "trained"
    assert rows["Training data"].startswith("2026-09-03 10:00 to 2026-10-13 10:00")
    assert rows["Evaluation data"].startswith("2026-10-13 10:00 to 2026-11-02 10:00")
    assert rows["Training ran"] == "2026-10-13 10:00, took 47 min"
    assert rows["Detected events"] == str(len(model.evaluation.events))
    assert rows["Labeled events"] == str(len(model.evaluation.labeled_ranges))
    assert rows["Precision on labeled events"] == "82.0%"
    assert page.captions == [f"Model {model.name} (times in UTC+02:00)"]


def test_details_say_why_a_model_failed_or_is_training(shared_demo: Any) -> None:
    failed = dict(render("model-details", {"model": shared_demo.models["failed"]}).rows)
    training = dict(render("model-details", {"model": shared_demo.models["training"]}).rows)

    assert failed["Why training failed"].startswith("Training data has fewer than 14 days")
    assert training["Status"] == "training"
    assert training["Training ran"] == "in progress since 2026-11-02 06:00"


def test_anomalies_draw_the_strongest_sensor_by_default_with_events_and_labels(shared_demo: Any) -> None:
    page = render("model-anomalies", {"model": shared_demo.models["labeled"]}, width=800)
    svg = page.svg()

    options, selected = page.selects["signal"]
    assert selected == "pump-1\\pump1-sensor-03" == options[options.index(selected)]
    assert len(options) == 30
    assert "pump-1\\pump1-sensor-03" in texts(svg)
    line = group(svg, "sensor-series")
    points = len(re.findall(r"[MLHVhv]", line.find(".//{http://www.w3.org/2000/svg}path").get("d")))
    assert 100 < points <= 800
    assert fills(group(svg, "event-ribbon")) == {THEMES["light"].event}
    assert fills(group(svg, "labeled-ribbon")) == {THEMES["light"].label}
    group(svg, "daily-events")
    group(svg, "daily-duration")
    show = page.button("Show")
    assert show.asks == {"model": shared_demo.models["labeled"]}
    assert show.endpoint.endswith(":function:model-anomalies")


def test_the_form_choice_wins_over_the_parameter_and_survives_a_refresh(shared_demo: Any) -> None:
    params = {"model": shared_demo.models["trained"], "signal": "motor\\motor-sensor-07"}

    from_parameter = render("model-anomalies", params)
    from_form = render("model-anomalies", params, forms={"signal": "pump-2\\pump2-sensor-01"})

    assert from_parameter.selects["signal"][1] == "motor\\motor-sensor-07"
    assert "motor\\motor-sensor-07" in texts(from_parameter.svg())
    assert from_form.selects["signal"][1] == "pump-2\\pump2-sensor-01"
    assert "pump-2\\pump2-sensor-01" in texts(from_form.svg())
    assert "labeled-ribbon" not in from_form.markup


def test_anomalies_follow_the_zoom_and_the_dark_theme(shared_demo: Any) -> None:
    model = default_source().get_model(shared_demo.models["trained"])
    zoom = (DEMO_NOW - timedelta(days=3), DEMO_NOW - timedelta(days=1))
    inside = [e for e in model.evaluation.events if e.end >= zoom[0] and e.start <= zoom[1]]

    page = render("model-anomalies", {"model": model.name}, zoom=zoom, theme="dark")

    assert page.footnotes[0].startswith(f"{len(inside)} event")
    assert THEMES["dark"].background in page.markup


def test_signal_importance_bars_line_and_colours(shared_demo: Any) -> None:
    model = default_source().get_model(shared_demo.models["labeled"])
    shares = average_importance(model.evaluation.events)
    uniform = 1 / model.sensor_count

    svg = render("model-signal-importance", {"model": model.name}).svg()

    bars = groups_starting(svg, "importance-bar-")
    assert len(bars) == 15
    colors = [fills(bar) for bar in bars]
    expected = [{THEMES["light"].above if s.share > uniform else THEMES["light"].below} for s in shares[:15]]
    assert colors == expected
    assert {THEMES["light"].above} in colors and {THEMES["light"].below} in colors
    assert "stroke-dasharray" in group(svg, "uniform-share").find(".//{http://www.w3.org/2000/svg}path").get("style")
    assert "pump1-sensor-03" in texts(svg)
    assert f" {shares[0].share * 100:.1f}%" in texts(svg)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_legend_colours_are_the_chart_colours_sensor_for_sensor(shared_demo: Any, theme: str) -> None:
    params = {"model": shared_demo.models["labeled"]}

    chart = render("model-importance-evolution", params, theme=theme).svg()
    legend = render("model-importance-legend", params, theme=theme).legend

    stacks = [fills(path) for path in group(chart, "daily-importance").iter(f"{SVG}path")]
    assert len(stacks) == len(legend) == TOP_SENSORS + 1
    assert stacks[::-1] == [{color} for color, _ in legend]  # drawn from the top band down
    assert legend[0][1] == "pump1-sensor-03"
    assert legend[-1] == (THEMES[theme].others, f"{30 - TOP_SENSORS} other sensors")
    assert len({color for color, _ in legend}) == TOP_SENSORS + 1
    group(chart, "event-ribbon")


@pytest.mark.parametrize("widget", MODEL_WIDGETS[1:])
@pytest.mark.parametrize(
    ("model_key", "kind", "expected"),
    [
        ("failed", "info", "did not train: Training data has fewer"),
        ("training", "info", "is still training"),
    ],
)
def test_models_without_results_are_explained(
    shared_demo: Any, widget: str, model_key: str, kind: str, expected: str
) -> None:
    page = render(widget, {"model": shared_demo.models[model_key]})

    assert page.messages[0][0] == kind and expected in page.messages[0][1]
    assert "svg" not in page.tags


@pytest.mark.parametrize("widget", MODEL_WIDGETS)
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"model": "no-such-model"}, "Not found: model no-such-model."),
        ({"model": "<script>alert(1)</script>"}, "`model` must be a model name"),
        ({}, "needs a `model` parameter"),
    ],
)
def test_unknown_or_invalid_models_are_explained(
    shared_demo: Any, widget: str, params: dict[str, Any], expected: str
) -> None:
    page = render(widget, params)

    assert page.messages == [("error", page.messages[0][1])] and expected in page.messages[0][1]
    assert "script" not in page.tags


@pytest.mark.parametrize("widget", MODEL_WIDGETS[2:])
def test_a_model_without_events_is_explained(shared_demo: Any, widget: str) -> None:
    page = render(widget, {"model": shared_demo.models["no_events"]})

    assert page.messages[0] == ("info", "Model compressor-quiet detected no anomalies over its evaluation period.")


@pytest.mark.parametrize("widget", CHART_WIDGETS)
def test_a_time_range_outside_the_evaluation_period_is_explained(shared_demo: Any, widget: str) -> None:
    event = widget_event(
        {"model": shared_demo.models["labeled"]},
        start=DEMO_NOW - timedelta(days=400),
        end=DEMO_NOW - timedelta(days=300),
    )
    page = WidgetPage(load_handler(widget).lambda_handler(event, None))

    assert "does not overlap model pump-station-labeled's evaluation period" in page.messages[0][1]


def test_a_sensor_not_in_the_model_keeps_the_form_and_says_so(shared_demo: Any) -> None:
    page = render("model-anomalies", {"model": shared_demo.models["labeled"]}, forms={"signal": "<b>ghost</b>"})

    assert page.selects["signal"][1] is None and len(page.selects["signal"][0]) == 30
    assert page.messages[0][0] == "error" and "Sensor <b>ghost</b> is not one of" in page.messages[0][1]
    assert "b" not in page.tags


def test_a_hostile_sensor_name_is_quoted_short_and_printable(shared_demo: Any) -> None:
    hostile = "\x00<b>" + "s" * 10_000
    page = render("model-anomalies", {"model": shared_demo.models["labeled"]}, forms={"signal": hostile})

    assert page.messages[0] == (
        "error",
        f"Sensor <b>{'s' * 96}… is not one of model pump-station-labeled's 30 sensors; pick one in the list.",
    )
    assert "\x00" not in page.markup
