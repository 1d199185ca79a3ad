"""SiteWise stores a result at the time it was written, minutes after the time it is about."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from local.demo_sitewise import RESULT
from lookout_dashboards.container import current_container
from lookout_dashboards.sources import sitewise_values
from tests.conftest import DEMO_NOW
from tests.widget_calls import render


def test_a_result_written_after_the_range_it_is_about_is_read_with_that_range(sitewise_demo: Any) -> None:
    demo = sitewise_demo
    asset = demo.assets["pump-1"]
    about = DEMO_NOW + timedelta(minutes=3)
    record = {"timestamp": about.replace(tzinfo=None).isoformat(), "prediction": 1, "diagnostics": []}
    written = about + timedelta(minutes=9)
    demo.fake.put_points(asset, demo.property_id("pump-1", RESULT), [written], [json.dumps(record)])

    results = current_container().source.results_between(
        demo.key("pump-fleet", "pump-1"), DEMO_NOW, DEMO_NOW + timedelta(minutes=5)
    )

    assert [result.timestamp for result in results] == [about]


def test_the_chart_says_when_its_page_bound_cut_the_range(sitewise_demo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages close at 20,000 values or 4 MB: the bound is in pages, and the footnote says what it left out."""
    sitewise_demo.fake.history_page_size = 500
    monkeypatch.setattr(sitewise_values, "MAX_RESULT_PAGES", 2)
    key = sitewise_demo.key("pump-fleet", "pump-1")

    page = render("scheduler-anomalies", {"scheduler": key}, 7)

    oldest = DEMO_NOW - timedelta(minutes=5 * 999)
    assert page.footnotes[0].startswith("1,000 results;")
    assert (
        "Only 2 pages of results are read per render (a page closes at 20,000 results or 4 MB; these held 1,000): "
        f"results and events before {oldest:%Y-%m-%d %H:%M} UTC are not drawn." in page.footnotes[0]
    )
