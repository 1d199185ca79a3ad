"""A SiteWise model's versions in its details, the one inference uses marked."""

from __future__ import annotations

from typing import Any

from tests.widget_calls import render


def versions(demo: Any) -> str:
    page = render("model-details", {"model": demo.key("pump-fleet", "pump-1")})
    return next(cells[1] for cells in page.rows if cells and cells[0] == "Versions")


def test_the_version_the_last_start_asked_for_is_marked_active(sitewise_demo: Any) -> None:
    assert versions(sitewise_demo) == "1 (active), 2, 3"  # the demo started inference with targetModelVersion 1


def test_the_execution_summary_names_the_active_version_when_it_can(sitewise_demo: Any) -> None:
    assert versions(sitewise_demo) == "1 (active), 2, 3"  # the model's facts are now kept by this container
    pair = (sitewise_demo.models["pump-fleet"], sitewise_demo.assets["pump-1"])
    sitewise_demo.fake.summaries[pair]["activeModelVersion"] = "3"  # a guessed key (open question 1)

    assert versions(sitewise_demo) == "1, 2, 3 (active)"  # read again: a switch needs no new training
