"""The list widgets start fast: importing them loads neither pandas, numpy nor matplotlib, nor boto3;
and only the functions that create or remove dashboards load the part that calls AWS for it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "numpy", "matplotlib", "boto3")


def modules_after_import(widget: str) -> set[str]:
    script = (
        "import json, sys\n"
        f"sys.path[:0] = [{str(ROOT / 'layers/lookout-equipment/python')!r}, {str(ROOT)!r}]\n"
        "from local.widget_events import load_handler\n"
        f"load_handler({widget!r})\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    output = subprocess.run(  # noqa: S603 - this interpreter running the script above
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    return set(json.loads(output))


@pytest.mark.parametrize("widget", ["list-models", "model-details", "model-importance-legend"])
def test_table_widgets_import_no_heavy_library(widget: str) -> None:
    assert modules_after_import(widget).isdisjoint(HEAVY)


@pytest.mark.parametrize("function", ["model-details", "scheduler-anomalies", "process-snapshot"])
def test_functions_that_make_no_dashboard_import_only_dashboard_names(function: str) -> None:
    modules = modules_after_import(function)
    assert "lookout_dashboards.dashboards" in modules
    assert "lookout_dashboards.dashboard_publisher" not in modules


def test_the_check_sees_the_publisher_where_it_is_used() -> None:
    assert "lookout_dashboards.dashboard_publisher" in modules_after_import("list-models")


def test_the_check_sees_a_heavy_import() -> None:
    """A chart widget does load matplotlib: the check above can fail."""
    assert "matplotlib" in modules_after_import("model-anomalies")


CHART_WIDGETS = [
    "model-anomalies",
    "model-signal-importance",
    "model-importance-evolution",
    "scheduler-last-diagnostics",
    "scheduler-anomalies",
]


def test_a_chart_handler_s_init_primes_matplotlib_and_makes_no_client() -> None:
    """What SnapStart snapshots: each chart handler's import draws one throwaway chart (so the font
    list and matplotlib's caches are built at init), and no AWS client exists before a request."""
    script = (
        "import json, sys\n"
        f"sys.path[:0] = [{str(ROOT / 'layers/lookout-equipment/python')!r}, {str(ROOT)!r}]\n"
        "from local.widget_events import load_handler\n"
        "import lookout_dashboards.priming as priming\n"
        "primed = []\n"
        f"for widget in {CHART_WIDGETS!r}:\n"
        "    load_handler(widget)\n"
        "    primed.append(priming.primed_times)\n"
        "from lookout_dashboards.container import current_container\n"
        "print(json.dumps({'primed': primed, 'boto3': 'boto3' in sys.modules,\n"
        "    'container': current_container.cache_info().currsize}))\n"
    )
    output = subprocess.run(  # noqa: S603 - this interpreter running the script above
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    state = json.loads(output)

    assert state["primed"] == [1, 2, 3, 4, 5]
    assert state["boto3"] is False and state["container"] == 0
