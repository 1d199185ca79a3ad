"""A fleet in the list widgets: its page of assets, the name filter, anomalous first, a throttled row."""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from local.demo_sitewise import RESULT
from lookout_dashboards.domain import InferenceOutcome
from lookout_dashboards.fleets import PAGE_CHROME_PX, ROW_PX, FleetAsset, FleetView, fleet_page, page_size
from tests.conftest import DEMO_NOW
from tests.widget_calls import click, render
from tests.widget_page import WidgetPage

#: A widget tall enough for five rows: the smallest page.
FIVE_ROWS = PAGE_CHROME_PX + 5 * ROW_PX


def add_pumps(demo: Any, count: int, anomalous: set[int]) -> list[str]:
    """`count` more pumps of the fleet's asset model, each with one latest result (anomalous for `anomalous`)."""
    fake, names = demo.fake, []
    for number in range(count):
        name = f"Pump {number + 10}"
        asset_id = fake.add_asset(name, demo.asset_models["pump"], created_at=DEMO_NOW - timedelta(days=3))
        result_property = next(p["id"] for p in fake.assets[asset_id]["assetProperties"] if p["name"] == RESULT)
        record = {"timestamp": DEMO_NOW.isoformat(), "prediction": int(number in anomalous), "diagnostics": []}
        fake.put_points(asset_id, result_property, [DEMO_NOW], [json.dumps(record)])
        names.append(name)
    return names


def show(demo: Any, widget: str, forms: dict[str, Any] | None = None, **view: Any) -> WidgetPage:
    return render(widget, {"fleet": demo.models["pump-fleet"], **view}, height=FIVE_ROWS, forms=forms or {})


def asset_names(page: WidgetPage) -> list[str]:
    return [cells[0] for cells in page.rows if len(cells) > 1]


def test_the_page_shows_anomalous_assets_first_then_by_name_and_pages_forward_and_back(sitewise_demo: Any) -> None:
    add_pumps(sitewise_demo, 6, anomalous={4})

    first = show(sitewise_demo, "list-models")

    assert asset_names(first) == ["Pump 14", "Pump 1", "Pump 10", "Pump 11", "Pump 12"]
    assert first.footnotes == ["Page 1 of 2: 9 of 9 assets, anomalous now first, then by name."]
    assert first.button("Previous").disabled
    second = click(first.button("Next"), "list-models")
    assert asset_names(second) == ["Pump 13", "Pump 15", "Pump 2", "Pump 3"]
    assert second.button("Next").disabled
    assert asset_names(click(second.button("Previous"), "list-models")) == asset_names(first)
    assert show(sitewise_demo, "list-models", page=99).footnotes[0].startswith("Page 2 of 2")  # past the end: the last


def test_the_filter_typed_in_the_form_keeps_the_matching_assets_whatever_their_case(sitewise_demo: Any) -> None:
    add_pumps(sitewise_demo, 6, anomalous=set())

    page = show(sitewise_demo, "list-schedulers", forms={"filter": "PUMP 1"})

    assert [name.rsplit(" on ", 1)[1] for name in asset_names(page)] == [
        "Pump 1",
        "Pump 10",
        "Pump 11",
        "Pump 12",
        "Pump 13",
    ]
    assert page.footnotes == ["Page 1 of 2: 7 of 9 assets match “PUMP 1”, anomalous now first, then by name."]
    assert click(page.button("Next"), "list-schedulers").button("Previous").payload == {
        "fleet": sitewise_demo.models["pump-fleet"],
        "page": 0,
        "filter": "PUMP 1",
    }
    empty = show(sitewise_demo, "list-models", forms={"filter": "<turbine>"})
    assert empty.messages == [("info", "No asset of Pump fleet anomalies has “<turbine>” in its name.")]
    assert "<turbine>" not in empty.markup


def test_per_asset_calls_are_made_for_the_page_s_rows_only(sitewise_demo: Any) -> None:
    add_pumps(sitewise_demo, 20, anomalous={3, 7})
    before = len(sitewise_demo.fake.calls)

    page = show(sitewise_demo, "list-schedulers")

    made = Counter(sitewise_demo.fake.calls[before:])
    assert len(asset_names(page)) == 5
    assert made["DescribeComputationModelExecutionSummary"] == 5  # the page's rows, not the fleet's 23
    assert made["DescribeAsset"] == 0  # names come with the asset model's listing
    pages = math.ceil(23 / sitewise_demo.fake.page_size)  # the fake's pages are small: 250 assets a page on AWS
    assert made["ListAssets"] == pages
    assert asset_names(page)[:2] == ["Pump fleet anomalies on Pump 13", "Pump fleet anomalies on Pump 17"]
    assert [cells[2] for cells in page.rows if len(cells) > 2][:2] == ["anomalous", "anomalous"]


def test_a_throttled_row_is_not_known_now_and_the_others_are_drawn(sitewise_demo: Any) -> None:
    sitewise_demo.fake.fail("DescribeComputationModelExecutionSummary", "ThrottlingException")

    page = show(sitewise_demo, "list-schedulers")

    states = [cells[1] for cells in page.rows if len(cells) > 1]
    assert states.count("not known now") == 1 and len(states) == 3
    assert not page.messages or page.messages[0][0] != "error"


def test_a_fleet_of_an_asset_or_of_another_source_is_refused_in_words(sitewise_demo: Any) -> None:
    asset_level = render("list-models", {"fleet": sitewise_demo.models["pump-compressor"]})
    one_asset = render("list-models", {"fleet": sitewise_demo.key("pump-fleet", "pump-1")})
    not_an_id = render("list-schedulers", {"fleet": "<script>"})

    assert "is bound to assets, not at asset-model level" in asset_level.messages[0][1]
    assert "names one asset of a fleet" in one_asset.messages[0][1]
    assert "is not a SiteWise model" in not_an_id.messages[0][1] and "<script>" not in not_an_id.markup


@pytest.mark.parametrize(("height", "rows"), [(100, 5), (PAGE_CHROME_PX + 12 * ROW_PX, 12), (10_000, 50)])
def test_the_page_holds_as_many_rows_as_the_widget_s_height_within_bounds(height: int, rows: int) -> None:
    assert page_size(height) == rows


def test_a_page_past_the_end_is_the_last_and_an_empty_fleet_has_one_empty_page() -> None:
    assets = [FleetAsset(f"m_{n}", str(n), f"Pump {n}", True, InferenceOutcome.NORMAL) for n in range(7)]
    assert fleet_page(assets, FleetView("m", page=5, size=5)).page == 1
    assert fleet_page([], FleetView("m", size=5)) == fleet_page([], FleetView("m", page=3, size=5))
    assert fleet_page([], FleetView("m", size=5)).pages == 1
