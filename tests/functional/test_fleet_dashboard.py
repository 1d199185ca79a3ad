"""The fleet dashboard: Create on a fleet's row, its heatmap over moto's CloudWatch, an asset's Create from it."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from local.demo_sitewise import add_fleet
from local.widget_events import load_handler, widget_event
from lookout_dashboards.container import current_container, reset_container
from lookout_dashboards.fleet_dashboard import CHROME_PX, ROW_PX, asset_series
from lookout_dashboards.fleets import FleetMembers
from lookout_dashboards.metrics import ANOMALOUS_PREDICTION, NAMESPACE
from tests.widget_calls import act, render
from tests.widget_page import WidgetPage

#: Metrics are read as CloudWatch keeps them, by their age now: the heatmap's range ends at the real clock.
NOW = datetime.now(UTC).replace(second=0, microsecond=0)
HOSTILE = "<b>\"Pompe</b> é'泵 "
_ROW = re.compile(r'<div class="l4e-heat-row"[^>]* title="([^"]*)">')


def members_of(demo: Any, key: str) -> FleetMembers:
    return current_container().source.fleet_members(demo.fleets[key].model_id)


def publish(members: FleetMembers, values: dict[str, list[float]], end: datetime = NOW) -> None:
    """What publish-metrics would have sent: each asset's values, one a minute up to `end`."""
    cloudwatch = current_container().client("cloudwatch")
    stack = current_container().settings.stack_key
    data = [
        {
            "MetricName": ANOMALOUS_PREDICTION,
            "Dimensions": asset_series(members, asset_id, stack).dimensions(),
            "Timestamp": end - timedelta(minutes=len(series) - index),
            "Value": value,
        }
        for asset_id, series in values.items()
        for index, value in enumerate(series)
    ]
    for first in range(0, len(data), 1000):
        cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data[first : first + 1000])


def heatmap(demo: Any, key: str, hours: float = 1, **context: Any) -> WidgetPage:
    return render("fleet-heatmap", {"fleet": demo.fleets[key].model_id}, days=hours / 24, end=NOW, **context)


def row_names(page: WidgetPage) -> list[str]:
    return [
        re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), name)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#34;", '"')
        .replace("&quot;", '"')
        .replace("&amp;", "&")
        for name in _ROW.findall(page.markup)
    ]


def test_the_rows_are_the_most_anomalous_assets_and_a_line_counts_the_others(sitewise_demo: Any) -> None:
    members = members_of(sitewise_demo, "pumps")
    names = dict(members.assets)
    ids = [asset_id for asset_id, _ in members.assets]
    publish(members, {ids[0]: [0, 0, 1, 0], ids[1]: [1, 1, 1, 1], ids[2]: [1, 0, 0, 0], ids[3]: [0, 0, 0, 0]})

    page = heatmap(sitewise_demo, "pumps", height=CHROME_PX + 3 * ROW_PX)

    assert row_names(page) == [names[ids[1]], names[ids[0]], names[ids[2]]]
    assert page.footnotes == [
        "3 of 40 assets, the most anomalous first; each column 1 min. "
        "37 more with fewer anomalous results are not drawn (36 of them published nothing in this range)."
    ]
    assert [button.label for button in page.buttons] == ["Create"] * 3
    assert page.svg() is not None


def test_with_the_publisher_off_the_widget_says_so(sitewise_demo: Any) -> None:
    page = heatmap(sitewise_demo, "pumps")

    [(kind, text)] = page.messages
    assert kind == "info" and "MetricsSchedule is Disabled" in text and "publish-metrics has not run" in text


def test_a_thousand_assets_take_five_sitewise_calls_two_metric_calls_and_under_150_kb(sitewise_demo: Any) -> None:
    add_fleet(sitewise_demo, "large", 1000, anomalous=30, stopped=10, name="Large pump", asset_prefix=HOSTILE)
    members = members_of(sitewise_demo, "large")
    publish(members, {asset_id: [1, 0, 1, 1][: 1 + n % 4] for n, (asset_id, _) in enumerate(members.assets[:60])})
    sitewise_demo.fake.page_size = 250  # as AWS answers ListAssets (maxResults 250)
    reset_container()  # a cold function: nothing of the fleet kept
    metric_calls: Counter[str] = Counter()
    current_container().client("cloudwatch").meta.events.register(
        "before-call.cloudwatch.*", lambda model, **_: metric_calls.update([model.name])
    )
    before = len(sitewise_demo.fake.calls)

    page = heatmap(sitewise_demo, "large", width=1900, height=CHROME_PX + 40 * ROW_PX)

    sitewise = Counter(sitewise_demo.fake.calls[before:])
    assert sum(sitewise.values()) <= 10, sitewise
    assert metric_calls["GetMetricData"] == 2 and metric_calls["ListDashboards"] == 1, metric_calls
    assert len(page.markup.encode()) <= 150_000
    assert len(row_names(page)) == 40 and all(name.startswith(HOSTILE) for name in row_names(page))
    assert HOSTILE not in page.markup and "<b>" not in page.markup
    assert "960 more" in page.footnotes[0] and "940 of them published nothing" in page.footnotes[0]


def test_create_on_the_fleet_row_writes_one_dashboard_with_the_heatmap_and_the_top_ten(sitewise_demo: Any) -> None:
    fleet = sitewise_demo.fleets["pumps"]
    rows = render("list-schedulers", {})
    create = next(
        b for b in rows.buttons if b.label == "Create" and b.asks and b.asks.get("scheduler") == fleet.model_id
    )
    assert create.asks == {"action": "create_fleet_dashboard", "scheduler": fleet.model_id}

    done = act("list-schedulers", create.asks)

    cloudwatch = current_container().client("cloudwatch")
    names = [item["DashboardName"] for item in cloudwatch.list_dashboards()["DashboardEntries"]]
    [name] = [n for n in names if "-Fleet-" in n]
    assert any("created" in text for _, text in done.messages), done.messages
    body = json.loads(cloudwatch.get_dashboard(DashboardName=name)["DashboardBody"])
    custom, metric = body["widgets"]
    assert custom["properties"]["endpoint"].endswith(":function:fleet-heatmap")
    assert custom["properties"]["params"] == {"fleet": fleet.model_id}
    [[query]] = metric["properties"]["metrics"]
    schema = 'SELECT SUM(AnomalousPrediction) FROM SCHEMA("LookoutDashboards", Asset, Model, Scheduler, Stack)'
    where = f"WHERE Model = '{fleet.model_id}' AND Stack = '0000demo'"
    assert query["expression"] == " ".join([schema, where, "GROUP BY Asset ORDER BY SUM() DESC LIMIT 10"])
    again = render("list-schedulers", {})
    assert any(b.label == "View" and b.href and name in b.href for b in again.buttons)
    assert sum(1 for n in names if n.startswith(name.split("-Fleet-")[0])) == 1


def test_an_asset_s_create_in_the_heatmap_creates_its_dashboard_through_the_schedulers_list(sitewise_demo: Any) -> None:
    members = members_of(sitewise_demo, "pumps")
    asset_id, _ = members.assets[0]
    publish(members, {asset_id: [1, 1, 0]})
    params = {"fleet": members.model_name}
    page = heatmap(sitewise_demo, "pumps")
    [create] = page.buttons
    assert create.display == "popup" and create.endpoint.endswith(":function:list-schedulers")
    assert create.asks == {"action": "create_dashboard", "scheduler": f"{members.model_name}_{asset_id}"}

    event = widget_event(create.payload, start=NOW - timedelta(hours=1), end=NOW, widget_params=params)
    answer = WidgetPage(load_handler("list-schedulers").lambda_handler(event, None))

    assert any("created" in text for _, text in answer.messages), answer.messages
    [view] = heatmap(sitewise_demo, "pumps").buttons
    assert view.label == "View" and view.href and "-Scheduler-" in view.href
