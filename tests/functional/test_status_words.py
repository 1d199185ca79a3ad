"""A status reads the same in a list and in the details widget beside it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from local.demo import PLANT_BUCKET
from local.widget_events import load_handler, widget_event
from lookout_dashboards.domain import ModelStatus, SchedulerStatus
from lookout_dashboards.html import status_word
from tests.conftest import DEMO_NOW
from tests.widget_page import WidgetPage


def render(widget: str, params: dict[str, Any]) -> WidgetPage:
    event = widget_event(params, start=DEMO_NOW - timedelta(days=90), end=DEMO_NOW)
    return WidgetPage(load_handler(widget).lambda_handler(event, None))


#: What Lookout for Equipment answers (NOT_KNOWN is a row the service did not answer for).
SERVICE_STATUSES = [status for status in SchedulerStatus if status is not SchedulerStatus.NOT_KNOWN]


def status_cells(page: WidgetPage, name_column: int, status_column: int) -> dict[str, str]:
    return {cells[name_column]: cells[status_column] for cells in page.rows if len(cells) > status_column}


def test_each_scheduler_status_reads_the_same_in_the_list_and_the_details(demo: Any) -> None:
    for status in SERVICE_STATUSES:
        demo.fake.add_scheduler(
            f"status-{status.lower()}",
            demo.models["compressor"],
            status=status.value,
            created_at=DEMO_NOW,
            input_bucket=PLANT_BUCKET,
            input_prefix="in/",
            output_bucket=PLANT_BUCKET,
            output_prefix="out/",
        )

    listed = status_cells(render("list-schedulers", {}), 1, 2)

    for status in SERVICE_STATUSES:
        name = f"status-{status.lower()}"
        details = dict(cells for cells in render("scheduler-details", {"scheduler": name}).rows if len(cells) == 2)
        assert listed[name] == details["Status"] == status_word(status), status
    assert status_word(SchedulerStatus.PENDING) == "starting"


def test_each_model_status_reads_the_same_in_the_list_and_the_details(demo: Any) -> None:
    demo.fake.add_model("pump-station-importing", "pump-station", created_at=DEMO_NOW, status="IMPORT_IN_PROGRESS")

    listed = status_cells(render("list-models", {}), 1, 2)

    shown = {
        status: next(name for name, model in demo.fake.models.items() if model["Status"] == status)
        for status in ModelStatus
        if status not in (ModelStatus.NOT_TRAINED, ModelStatus.NOT_KNOWN)  # SiteWise's only; a throttled row
    }
    for status, name in shown.items():
        details = dict(render("model-details", {"model": name}).rows)
        assert listed[name] == details["Status"] == status_word(status), status
