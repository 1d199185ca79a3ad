"""What the bench renders: the widgets, the sources, and the SiteWise demo's cases."""

from __future__ import annotations

from typing import NamedTuple

MODEL_WIDGETS = (
    "model-details",
    "model-anomalies",
    "model-signal-importance",
    "model-importance-evolution",
    "model-importance-legend",
)
SCHEDULER_WIDGETS = ("scheduler-details", "scheduler-last-diagnostics", "scheduler-anomalies")
ALL_WIDGETS = ("list-models", *MODEL_WIDGETS, "list-schedulers", *SCHEDULER_WIDGETS)
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


SITEWISE_DEMO = "demo"
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
