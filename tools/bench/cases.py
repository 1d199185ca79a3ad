"""What the bench renders: the widgets, the sources, and the SiteWise demo's cases."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

MODEL_WIDGETS = (
    "model-details",
    "model-anomalies",
    "model-signal-importance",
    "model-importance-evolution",
    "model-importance-legend",
)
SCHEDULER_WIDGETS = ("scheduler-details", "scheduler-last-diagnostics", "scheduler-anomalies")
ALL_WIDGETS = ("list-models", *MODEL_WIDGETS, "list-schedulers", *SCHEDULER_WIDGETS)
#: The fleet widget and the fleet metrics publisher, measured on the SiteWise demo's fleets only.
FLEET_HEATMAP, PUBLISHER = "fleet-heatmap", "publish-metrics"
SITEWISE_WIDGETS = (*ALL_WIDGETS, FLEET_HEATMAP, PUBLISHER)
#: The sources `invoke bench --source` measures, each on its demo account, and the report's section of each.
SOURCES = ("lookout", "sitewise")
#: Which scheduler of the large account each scheduler widget is measured on.
SCHEDULER_OF = {
    "scheduler-details": "long_history",
    "scheduler-last-diagnostics": "long_history",
    "scheduler-anomalies": "live",
}


class SiteWiseCase(NamedTuple):
    """A render of the SiteWise bench: a widget on pump 1's model (or a list), over the last `days`."""

    widget: str
    case: str
    parameter: str | None
    days: int
    height: int
    calls_allowed: int | None = None
    #: The demo model the case renders (`pump 1`'s by default), and the items a list page holds (AWS's 250).
    model: str = ""
    page_size: int | None = None
    #: Fleet cases: the warm calls allowed, the fleet's assets, and the view (one of `FLEET_VIEWS`).
    warm_calls_allowed: int | None = None
    fleet_assets: int = 0
    fleet_view: str = ""


SITEWISE_DEMO = "demo"
#: Added to a case's name for the render of a function that writes to the bucket, before anything was cached there.
FIRST_EVER = ", first render ever"
#: The issue's account: 40 days of five-minute runs (11,520), listed oldest first in pages of 250.
SITEWISE_RUN_HISTORY = "pump 3, 40 days of five-minute runs (11,520, oldest first, pages of 250)"
#: A warm SiteWise render is a refresh: at least a minute later, when the listings of the first have expired.
SITEWISE_REFRESH_S = 60.0
SITEWISE_CASES = (
    SiteWiseCase("list-models", SITEWISE_DEMO, None, 90, 900),
    *(SiteWiseCase(widget, "pump 1", "model", 200, 400) for widget in MODEL_WIDGETS if widget != "model-anomalies"),
    SiteWiseCase("model-anomalies", "pump 1, evaluation (60 days)", "model", 200, 400, 2),
    SiteWiseCase("model-anomalies", "pump 1, last 7 days", "model", 7, 400, 2),
    SiteWiseCase("list-schedulers", SITEWISE_DEMO, None, 1, 500),
    SiteWiseCase("scheduler-details", "pump 1", "scheduler", 1, 500),
    SiteWiseCase("scheduler-details", SITEWISE_RUN_HISTORY, "scheduler", 1, 500, 60, "long-running", 250),
    SiteWiseCase("scheduler-last-diagnostics", "pump 1", "scheduler", 1, 500, 3),
    SiteWiseCase("scheduler-anomalies", "pump 1, 7 days (2,016 results)", "scheduler", 7, 500, 3),
    SiteWiseCase("scheduler-anomalies", "pump 1, 30 days (8,640 results)", "scheduler", 30, 500, 10),
)
#: Models added to the SiteWise demo for the list widgets' second account: more rows, and pages.
SITEWISE_MORE_MODELS = 60

#: Assets of the one fleet each fleet case adds to the demo (and removes after), measured with AWS-sized pages.
SITEWISE_FLEET_SIZES = (10, 100, 1_000)
#: The list widgets' views of a fleet: the folded list, its assets' first and last page, and a filter typed in the form.
FLEET_VIEWS = {
    "list": "folded list",
    "first": "assets, first page",
    "last": "assets, last page",
    "filter": "assets filtered by '{filter}'",
}
FLEET_LIST_WIDGETS = ("list-models", "list-schedulers")
#: The heatmap's view: every asset's last day of `AnomalousPrediction`, as the publisher sent it.
FLEET_HEATMAP_VIEW = ("heatmap", "heatmap, last day")
FLEET_FILTER = "7"
FLEET_HEIGHT = 900
#: What a render may cost at `FLEET_TARGET_ASSETS` assets: SiteWise calls cold and warm (the response ≤ 150 KB
#: as everywhere).
FLEET_TARGET_ASSETS, FLEET_CALLS_COLD, FLEET_CALLS_WARM = 1_000, 60, 40
#: The fleet heatmap's SiteWise calls, cold and warm, at `FLEET_TARGET_ASSETS` (its response ≤ 150 KB too).
FLEET_HEATMAP_CALLS = 10
#: A steady run of the publisher at `FLEET_TARGET_ASSETS` assets: SiteWise calls, PutMetricData calls, S3 calls.
PUBLISHER_LIMITS = {"SiteWise calls": 120, "PutMetricData calls": 60, "S3 calls": 10}
FLEET_PAGE_SIZE = 250
#: Entries of a BatchGetAssetPropertyValue request the fleet cases' fake answers in one page: all of them (128).
FLEET_LATEST_PAGE = 128


def fleet_cases(assets: int) -> tuple[SiteWiseCase, ...]:
    """Each list widget in each view of a fleet of `assets`, then the heatmap, with the calls allowed at the
    target's size."""
    target = assets >= FLEET_TARGET_ASSETS
    views = [(widget, view, label) for view, label in FLEET_VIEWS.items() for widget in FLEET_LIST_WIDGETS]
    return tuple(
        SiteWiseCase(
            widget,
            f"fleet of {assets:,}: {label.format(filter=FLEET_FILTER)}",
            None,
            90 if widget == "list-models" else 1,  # the demo list's ranges: the models list shows those created in it
            FLEET_HEIGHT,
            (FLEET_HEATMAP_CALLS if widget == FLEET_HEATMAP else FLEET_CALLS_COLD) if target else None,
            page_size=FLEET_PAGE_SIZE,
            warm_calls_allowed=(FLEET_HEATMAP_CALLS if widget == FLEET_HEATMAP else FLEET_CALLS_WARM)
            if target
            else None,
            fleet_assets=assets,
            fleet_view=view,
        )
        for widget, view, label in [*views, (FLEET_HEATMAP, *FLEET_HEATMAP_VIEW)]
    )


def publisher_case(assets: int) -> str:
    """The publisher's case on a fleet of `assets`: a scheduled run five minutes after the last one."""
    return f"fleet of {assets:,}: steady run (one new result per asset)"


SITEWISE_FLEET_CASES = tuple(case for assets in SITEWISE_FLEET_SIZES for case in fleet_cases(assets))


def fleet_case_of(widget: str, case: str) -> SiteWiseCase | None:
    """The fleet case a measure is a render of (its first render ever too), if any."""
    return next(
        (c for c in SITEWISE_FLEET_CASES if (c.widget, c.case) == (widget, case.removesuffix(FIRST_EVER))), None
    )


def fleet_request(case: SiteWiseCase, fleet_id: str, rows_per_page: int) -> tuple[dict[str, Any], Mapping[str, str]]:
    """The widget's params and form for a fleet case's view, when a page holds `rows_per_page` assets."""
    if case.fleet_view == "list":
        return {}, {}
    if case.fleet_view == FLEET_HEATMAP_VIEW[0]:
        return {"fleet": fleet_id}, {}
    pages = max(1, math.ceil(case.fleet_assets / rows_per_page))
    page = pages - 1 if case.fleet_view == "last" else 0
    form = {"filter": FLEET_FILTER} if case.fleet_view == "filter" else {}
    return {"fleet": fleet_id, "page": page}, form
