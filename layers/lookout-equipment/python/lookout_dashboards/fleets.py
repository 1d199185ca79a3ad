"""Fleets: one model bound at asset-model level, run on every asset of its asset model.

A fleet is one row of each list, with a summary drawn from calls that answer for many assets at
once (assets by asset model, the assets actions ran on, the latest result of 128 assets a call).
Its assets show inside the list widget a page at a time; per-asset questions (training status,
timer state) are asked only for the page's rows. What no fleet-wide call answers is said as what
the values show: an asset "reports" when its latest result is recent, whatever its timer says.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .domain import FleetSummary, InferenceOutcome
from .events import WidgetEvent
from .validation import quoted

#: An asset whose latest result is newer than this reports: twice SiteWise's slowest high-frequency
#: schedule (an hour), so one late result does not make a running asset look stopped.
REPORTING_WINDOW = timedelta(hours=2)
#: Pixels of the list widget that are not rows (notice, summary, form, caption, header, paging buttons).
PAGE_CHROME_PX = 230
ROW_PX = 34
PAGE_SIZES = (5, 50)


@dataclass(frozen=True)
class FleetAsset:
    """One asset of a fleet, as the fleet-wide calls tell it."""

    key: str
    asset_id: str
    name: str
    #: Whether an action (a training, a START) ever ran on it for this model.
    has_actions: bool
    latest_outcome: InferenceOutcome | None = None
    latest_result_at: datetime | None = None

    def reporting(self, now: datetime) -> bool:
        return self.latest_result_at is not None and now - self.latest_result_at <= REPORTING_WINDOW


@dataclass(frozen=True)
class Fleet:
    """A model bound at asset-model level and every asset of its asset model."""

    model_name: str
    display_name: str
    assets: tuple[FleetAsset, ...]
    checked_at: datetime

    def summary(self) -> FleetSummary:
        return FleetSummary(
            assets=len(self.assets),
            with_actions=sum(1 for asset in self.assets if asset.has_actions),
            reporting=sum(1 for asset in self.assets if asset.reporting(self.checked_at)),
            anomalous=sum(1 for asset in self.assets if asset.latest_outcome is InferenceOutcome.ANOMALOUS),
        )


@dataclass(frozen=True)
class FleetMembers:
    """A fleet's assets and their names only, read without a call per asset or a value (the fleet dashboard)."""

    model_name: str
    display_name: str
    #: (asset id, asset name) of every asset of the asset model.
    assets: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class FleetView:
    """Which page of which fleet a list widget shows, and the asset-name filter."""

    fleet: str
    page: int = 0
    filter: str = ""
    size: int = 10

    def payload(self, **changes: object) -> dict[str, object]:
        """A button's payload that keeps this view (an action's outcome is drawn on the same page)."""
        return {"fleet": self.fleet, "page": self.page, "filter": self.filter, **changes}


@dataclass(frozen=True)
class FleetPage:
    assets: tuple[FleetAsset, ...]
    matching: int
    page: int
    pages: int


def summary_words(summary: FleetSummary) -> str:
    hours = int(REPORTING_WINDOW.total_seconds() // 3600)
    return (
        f"{summary.assets:,} assets: {summary.with_actions:,} trained or training, "
        f"{summary.reporting:,} reporting (a result in the last {hours} h), "
        f"{max(0, summary.with_actions - summary.reporting):,} not reporting, "
        f"{summary.anomalous:,} anomalous now"
    )


def page_size(height_px: int) -> int:
    """As many rows as the widget's height holds, within `PAGE_SIZES`."""
    low, high = PAGE_SIZES
    return max(low, min(high, (height_px - PAGE_CHROME_PX) // ROW_PX))


def fleet_view(widget: WidgetEvent) -> FleetView | None:
    """The view a click or the widget's params ask for; None for the list itself. Paging is read-only,
    so it needs no signature; the filter typed in the form wins over the one a button carries."""
    fleet = widget.params.get("fleet")
    if not isinstance(fleet, str) or not fleet:
        return None
    page = widget.params.get("page", 0)
    text = widget.form_value("filter")
    return FleetView(
        fleet=fleet,
        page=page if isinstance(page, int) and not isinstance(page, bool) and page >= 0 else 0,
        filter=quoted(text.strip()) if isinstance(text, str) else "",
        size=page_size(widget.context.height),
    )


def fleet_page(assets: Sequence[FleetAsset], view: FleetView) -> FleetPage:
    """The view's page: assets whose name holds the filter (any case), anomalous first, then by name."""
    wanted = view.filter.casefold()
    matching = sorted(
        (asset for asset in assets if wanted in asset.name.casefold()),
        key=lambda asset: (asset.latest_outcome is not InferenceOutcome.ANOMALOUS, asset.name.casefold(), asset.key),
    )
    pages = max(1, math.ceil(len(matching) / view.size))
    page = min(view.page, pages - 1)
    start = page * view.size
    return FleetPage(tuple(matching[start : start + view.size]), len(matching), page, pages)
