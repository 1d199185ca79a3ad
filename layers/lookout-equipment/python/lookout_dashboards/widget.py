"""What every widget handler does around its one pure function: docs, parsing, error frames."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from .errors import WidgetError
from .events import WidgetEvent, is_describe, parse_widget_event
from .html import message

logger = logging.getLogger(__name__)


def serve_widget(
    event: Mapping[str, Any],
    *,
    documentation: str,
    render: Callable[[WidgetEvent], str],
) -> str:
    """Answer `describe` with the docs, else render; failures become a message in the widget."""
    if not isinstance(event, Mapping):
        return message("This widget expects a JSON object as its event.", "error")
    if is_describe(event):
        return documentation
    try:
        return render(parse_widget_event(event))
    except WidgetError as error:
        return message(str(error), "error")
    except Exception:
        logger.exception("widget failed to render")
        return message(
            "This widget could not be drawn because of an unexpected error.",
            "error",
            "The function's CloudWatch Logs have the details.",
        )
