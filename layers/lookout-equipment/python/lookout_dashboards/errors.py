"""Errors whose message is meant for the person looking at the widget."""


class WidgetError(Exception):
    """Something the widget explains in its frame instead of failing."""


class ResourceNotFoundError(WidgetError):
    """The model, scheduler or object asked for does not exist."""


class InvalidInputError(WidgetError):
    """A parameter or action payload failed validation."""


class SourceUnavailableError(WidgetError):
    """The data source refused or failed the request (throttling, permissions, outage)."""
