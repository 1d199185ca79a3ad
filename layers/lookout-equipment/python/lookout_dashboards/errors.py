"""Errors whose message is meant for the person looking at the widget."""

from typing import ClassVar, Literal


class WidgetError(Exception):
    """Something the widget explains in its frame instead of failing."""

    kind: ClassVar[Literal["error", "info"]] = "error"


class ResourceNotFoundError(WidgetError):
    """The model, scheduler or object asked for does not exist."""


class InvalidInputError(WidgetError):
    """A parameter or action payload failed validation."""


class SourceUnavailableError(WidgetError):
    """The data source refused or failed the request (throttling, permissions, outage)."""


class NothingToShowError(WidgetError):
    """The request is fine but there is no data to draw (a model still training, no events)."""

    kind = "info"
