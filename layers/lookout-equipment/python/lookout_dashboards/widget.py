"""What every widget handler does around its one pure function: docs, parsing, error frames."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .config import DEMO_ACCOUNT_ID, Settings
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
        return message(str(error), error.kind)
    except Exception:
        logger.exception("widget failed to render")
        return message(
            "This widget could not be drawn because of an unexpected error.",
            "error",
            "The function's CloudWatch Logs have the details.",
        )


@dataclass(frozen=True)
class Endpoints:
    """Lambda ARNs of the widgets: for dashboard bodies, and for buttons that call a widget back."""

    settings: Settings
    account_id: str
    own_arn: str | None = None

    def of(self, widget_key: str) -> str:
        return function_endpoint(self.settings.function_names[widget_key], self.settings.region, self.account_id)

    def own(self, widget_key: str) -> str:
        """This function's ARN as Lambda gave it, else the one the settings name for `widget_key`."""
        return self.own_arn or self.of(widget_key)


def endpoints(widget: WidgetEvent, lambda_context: Any, settings: Settings) -> Endpoints:
    """The account comes from the widget context, else from the invoked ARN, else the demo's."""
    own_arn = getattr(lambda_context, "invoked_function_arn", None)
    own_arn = own_arn if isinstance(own_arn, str) and own_arn.startswith("arn:") else None
    account_id = widget.context.account_id or (own_arn.split(":")[4] if own_arn else "") or DEMO_ACCOUNT_ID
    return Endpoints(settings, account_id, own_arn)


def function_endpoint(function: str, region: str, account_id: str) -> str:
    """A custom widget's endpoint must be a Lambda ARN; settings may hold a bare function name."""
    if function.startswith("arn:"):
        return function
    partition = "aws-cn" if region.startswith("cn-") else "aws"
    return f"arn:{partition}:lambda:{region}:{account_id}:function:{function}"
