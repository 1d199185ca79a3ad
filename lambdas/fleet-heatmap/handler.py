"""The fleet heatmap: a fleet's assets by time, each cell the share of anomalous results in its period.

It reads the fleet's assets and names (the description and `ListAssets`, 250 a call: 5 SiteWise
calls for 1,000 assets, no value), their published `AnomalousPrediction` metrics (`GetMetricData`,
500 assets a call) and the stack's scheduler dashboards (one `ListDashboards` per page). It imports
neither pandas nor matplotlib: the SVG is written from a template, a path per shade.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from lookout_dashboards.clicks import ButtonSigner
from lookout_dashboards.config import METRIC_SETTINGS, STACK_SETTINGS, function_variables, require_settings
from lookout_dashboards.container import current_container
from lookout_dashboards.dashboard_publisher import DashboardPublisher
from lookout_dashboards.dashboards import DashboardKind, DashboardTarget
from lookout_dashboards.domain import TimeRange
from lookout_dashboards.errors import NothingToShowError
from lookout_dashboards.events import WidgetEvent
from lookout_dashboards.fleet_dashboard import Heatmap, heatmap_grid, heatmap_html, ranked, read_shares, row_count
from lookout_dashboards.formatting import counted, duration, local_time, zone_label
from lookout_dashboards.html import action_button, dashboard_link, page
from lookout_dashboards.source import AnomalySource
from lookout_dashboards.themes import theme_for
from lookout_dashboards.validation import resource_name
from lookout_dashboards.widget import Endpoints, endpoints, serve_widget

#: The function an asset's Create calls: the schedulers list creates scheduler dashboards.
CREATES_DASHBOARDS = "list-schedulers"
REQUIRED_SETTINGS = (*STACK_SETTINGS, *METRIC_SETTINGS, *function_variables([CREATES_DASHBOARDS]))
require_settings(REQUIRED_SETTINGS)

DOCUMENTATION = """\
## Fleet heatmap

A fleet (an IoT SiteWise model bound at asset-model level) over the dashboard's time range: one row
per asset, one column per period (as many as the width holds), each cell the share of the asset's
results that were anomalous in that period, from the `AnomalousPrediction` metric the stack's
`publish-metrics` function publishes. The assets with the most anomalous results come first, as
many as the height holds; a line says how many more are not drawn. Each asset's label opens its
own dashboard (**View**), or creates it (**Create**, through the schedulers list).

```json
{"fleet": "<computation model id>"}
```
"""


def render_fleet_heatmap(
    widget: WidgetEvent,
    source: AnomalySource,
    cloudwatch: Any,
    publisher: DashboardPublisher,
    links: Endpoints,
    signer: ButtonSigner,
    now: datetime | None = None,
) -> str:
    """Read the fleet's assets and metrics, rank the assets, and draw the rows that fit."""
    members = source.fleet_members(resource_name(widget.params, "fleet", "fleet's computation model id"))
    if not members.assets:
        raise NothingToShowError(f"Fleet {members.display_name} has no asset.")
    now = now or datetime.now(UTC)
    shown = widget.time_range(now)
    grid = heatmap_grid(TimeRange(shown.visible_start, shown.visible_end), widget.context.width, now)
    stack_key = links.settings.stack_key
    shares = read_shares(cloudwatch, members, stack_key, grid)
    offset = widget.context.timezone_offset
    if not shares:
        raise NothingToShowError(
            f"No asset of {members.display_name} has published metrics from {local_time(grid.start, offset)} to "
            f"{local_time(grid.end, offset)} {zone_label(offset)}: the stack's MetricsSchedule is Disabled, or "
            "publish-metrics has not run since these assets reported. Their results become metrics when it runs."
        )
    heatmap = ranked(members, shares, grid, row_count(widget.context.height))
    existing = publisher.existing(DashboardKind.SCHEDULER)
    creator = links.of(CREATES_DASHBOARDS)
    buttons = []
    for row in heatmap.rows:
        key = f"{members.model_name}_{row.asset_id}"
        target = DashboardTarget(DashboardKind.SCHEDULER, key, f"{members.display_name} on {row.name}")
        name = publisher.dashboard_name(target, existing)
        if name in existing:
            buttons.append(dashboard_link("View", name))
        else:
            payload = signer.sign({"action": "create_dashboard", "scheduler": key})
            buttons.append(action_button("Create", creator, payload, display="popup", primary=False))
    chart = heatmap_html(heatmap, buttons, theme_for(widget.context.theme), widget.context.width, offset)
    return page(chart, footnote=_footnote(heatmap, len(members.assets)))


def _footnote(heatmap: Heatmap, assets: int) -> str:
    period = duration(timedelta(seconds=heatmap.grid.period_s))
    line = f"{len(heatmap.rows):,} of {counted(assets, 'asset')}, the most anomalous first; each column {period}."
    if heatmap.hidden:
        line += (
            f" {heatmap.hidden:,} more with fewer anomalous results are not drawn"
            f" ({heatmap.without_data:,} of them published nothing in this range)."
        )
    return line


def lambda_handler(event: Mapping[str, Any], context: Any) -> str:
    def render(widget: WidgetEvent) -> str:
        container = current_container()
        links = endpoints(widget, context, container.settings)
        return render_fleet_heatmap(
            widget, container.source, container.client("cloudwatch"), container.publisher, links, container.signer
        )

    return serve_widget(event, documentation=DOCUMENTATION, render=render)
