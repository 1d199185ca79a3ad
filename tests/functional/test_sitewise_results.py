"""SiteWise stores a result at the time it was written, minutes after the time it is about."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from local.demo_sitewise import RESULT
from lookout_dashboards.container import current_container
from tests.conftest import DEMO_NOW


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
