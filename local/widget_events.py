"""Events as CloudWatch sends them to a custom widget, and a loader for the widget handlers.

Tests, the benchmark and the local preview call handlers the way the console does: parameters
at the top level, `widgetContext` with the widget's size in pixels, time range, theme and forms.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

LAMBDAS = Path(__file__).resolve().parent.parent / "lambdas"


def widget_event(
    params: Mapping[str, Any],
    *,
    start: datetime,
    end: datetime,
    zoom: tuple[datetime, datetime] | None = None,
    width: int = 1200,
    height: int = 400,
    theme: str = "light",
    forms: Mapping[str, Any] | None = None,
    timezone_offset: timedelta = timedelta(0),
    dashboard: str = "local-preview",
    account_id: str = "123456789012",
    widget_id: str = "widget-1",
    title: str = "",
    widget_params: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The event the console sends: `params` at the top level; `widget_params`, the widget's own parameters, in
    `widgetContext.params` (the same as `params` for a render; a click's are the button's, beside them)."""
    minutes = int(timezone_offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    time_range: dict[str, Any] = {"mode": "absolute", "start": _ms(start), "end": _ms(end)}
    if zoom:
        time_range["zoom"] = {"start": _ms(zoom[0]), "end": _ms(zoom[1])}
    return {
        **params,
        "widgetContext": {
            "dashboardName": dashboard,
            "widgetId": widget_id,
            "accountId": account_id,
            "locale": "en",
            "timezone": {
                "label": "UTC" if not minutes else "Local",
                "offsetISO": f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}",
                "offsetInMinutes": -minutes,
            },
            "period": 300,
            "isAutoPeriod": True,
            "timeRange": time_range,
            "theme": theme,
            "linkCharts": True,
            "title": title,
            "forms": {"all": dict(forms or {})},
            "params": dict(params if widget_params is None else widget_params),
            "width": width,
            "height": height,
        },
    }


def load_handler(folder: str) -> ModuleType:
    """`lambdas/<folder>/handler.py` as a module of its own (every function's file is `handler.py`)."""
    module_name = f"l4e_handler_{folder.replace('-', '_')}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, LAMBDAS / folder / "handler.py")
    if spec is None or spec.loader is None:
        raise FileNotFoundError(f"no handler in lambdas/{folder}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
