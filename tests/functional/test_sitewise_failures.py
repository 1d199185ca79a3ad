"""What the SiteWise widgets say when the service fails or holds what they cannot draw: a message, never a trace."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from local.demo_sitewise import RESULT
from local.fake_sitewise import INFERENCE
from lookout_dashboards.container import reset_container
from tests.conftest import DEMO_NOW
from tests.functional.test_hostile_events import WIDGETS
from tests.sitewise_models import START, add_model
from tests.widget_calls import render, render_at
from tests.widget_page import texts

RESULT_WIDGETS = ["scheduler-last-diagnostics", "scheduler-anomalies"]


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CACHE_DIR", str(tmp_path / "cache"))


def params(widget: str, key: str, demo: Any) -> dict[str, str]:
    if widget.startswith("list-"):
        return {}
    if widget.startswith("fleet-"):
        return {"fleet": demo.fleets["pumps"].model_id}
    return {"model" if widget.startswith("model") else "scheduler": key}


def test_a_model_never_trained_says_so_in_every_widget(sitewise_demo: Any) -> None:
    key = add_model(sitewise_demo, "Never trained", trained=False)

    details = dict(render("model-details", {"model": key}).rows)
    models = render("list-models", {})

    assert details["Status"] == "not trained"
    assert next(cells for cells in models.rows if "Never trained" in cells)[2:] == [
        "not trained",
        "Never trained: no results to show.",
    ]
    for widget in ("model-anomalies", "model-signal-importance", "model-importance-evolution"):
        page = render(widget, {"model": key})
        assert page.messages == [("info", "Model Never trained has never been trained, so it has no results.")]
    assert (
        render("model-importance-legend", {"model": key})
        .messages[0][1]
        .endswith("has never been trained, so it has no results.")
    )


@pytest.mark.parametrize("code", ["ThrottlingException", "AccessDeniedException"])
def test_results_refused_by_the_service_are_explained(sitewise_demo: Any, code: str) -> None:
    key = sitewise_demo.key("pump-fleet", "pump-1")
    sitewise_demo.fake.fail("GetAssetPropertyValueHistory", code, times=10)

    for widget in RESULT_WIDGETS:
        page = render_at(widget, {"scheduler": key}, 7)

        assert page.messages == [("error", f"Could not read the inference results ({code}): injected by the test")]


def test_sensor_values_throttled_are_explained(sitewise_demo: Any) -> None:
    sitewise_demo.fake.fail("GetAssetPropertyAggregates", "ThrottlingException", times=10)

    page = render("model-anomalies", {"model": sitewise_demo.key("pump-fleet", "pump-1")}, 30)

    assert page.messages == [
        (
            "error",
            "Could not read the values of Pump 1\\bearing temperature (ThrottlingException): injected by the test",
        )
    ]


def test_access_denied_is_explained_by_every_widget(sitewise_demo: Any) -> None:
    key = sitewise_demo.key("pump-fleet", "pump-1")

    for widget in WIDGETS:
        reset_container()  # a cold container: the first thing it reads is refused
        first = "ListComputationModels" if widget.startswith("list-") else "DescribeComputationModel"
        sitewise_demo.fake.fail(first, "AccessDeniedException")

        page = render(widget, params(widget, key, sitewise_demo), 30)

        assert page.messages[0][0] == "error", widget
        assert "(AccessDeniedException): injected by the test" in page.messages[0][1], widget
        assert "svg" not in page.tags and not page.rows, widget
    assert len(WIDGETS) == 11


def test_result_values_that_are_not_results_are_counted_not_fatal(sitewise_demo: Any) -> None:
    demo = sitewise_demo
    key = demo.key("pump-fleet", "pump-1")
    unreadable = ["not json {", "[1, 2]", "null", '{"timestamp": "yesterday", "prediction": 1}', '"ANOMALY"']
    times = [DEMO_NOW - timedelta(minutes=4, seconds=index) for index in range(len(unreadable))]
    demo.fake.put_points(demo.assets["pump-1"], demo.property_id("pump-1", RESULT), times, unreadable)

    anomalies = render_at("scheduler-anomalies", {"scheduler": key}, 1)
    diagnostics = render_at("scheduler-last-diagnostics", {"scheduler": key}, 1)
    schedulers = render("list-schedulers", {})

    assert anomalies.footnotes[0].endswith("5 result values that could not be read skipped.")
    assert anomalies.footnotes[0].startswith("288 results;")
    assert diagnostics.footnotes[0].endswith("5 result values could not be read.")
    assert "svg" in anomalies.tags and "svg" in diagnostics.tags
    assert not schedulers.messages or schedulers.messages[0][0] != "error"


def test_diagnostics_of_same_named_sensors_of_two_assets_name_the_asset(sitewise_demo: Any) -> None:
    """Pumps share their asset model, so their flows have one property id: only the asset id tells them apart."""
    demo = sitewise_demo
    flow = demo.property_id("pump-1", "flow")

    def bound(asset: str, name: str) -> dict[str, Any]:
        return {"assetProperty": {"assetId": demo.assets[asset], "propertyId": demo.property_id(asset, name)}}

    binding = {
        "inputs": {"list": [bound("pump-1", "flow"), bound("pump-2", "flow")]},
        "result": bound("pump-3", RESULT),
    }
    key = demo.fake.add_computation_model("Two flows", binding, created_at=DEMO_NOW - timedelta(days=3))
    demo.fake.add_action(key, INFERENCE, START, at=DEMO_NOW - timedelta(days=1))
    record = (
        '{"timestamp":"2026-11-02T07:00:00.000000","prediction":1,"prediction_reason":"ANOMALY_DETECTED",'
        f'"anomaly_score":0.9,"diagnostics":[{{"name":"{demo.assets["pump-1"]}\\\\{flow}","value":0.8}},'
        f'{{"name":"{demo.assets["pump-2"]}\\\\\\\\{flow}","value":0.2}}]}}'
    )
    demo.fake.put_points(
        demo.assets["pump-3"], demo.property_id("pump-3", RESULT), [DEMO_NOW - timedelta(hours=1)], [record]
    )

    page = render_at("scheduler-last-diagnostics", {"scheduler": key}, 1)

    labels = texts(page.svg())
    assert "Pump 1\\flow" in labels and "Pump 2\\flow" in labels
    assert labels.index("Pump 1\\flow") < labels.index("Pump 2\\flow")  # 80% before 20%
    assert page.footnotes[0].startswith("Most recent anomaly at 2026-11-02 07:00 UTC; 1/N = 50.0% for 2 sensors.")
