"""Validation of widget parameters and action payloads against the service's own rules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .errors import InvalidInputError

#: Lookout for Equipment's pattern for dataset, model and scheduler names.
RESOURCE_NAME = re.compile(r"^[0-9a-zA-Z_-]{1,200}$")


def resource_name(params: Mapping[str, Any], key: str, what: str) -> str:
    """The named parameter, checked against Lookout for Equipment's name pattern."""
    value = params.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidInputError(f"The widget needs a `{key}` parameter naming the {what}.")
    if not RESOURCE_NAME.match(value):
        raise InvalidInputError(f"`{key}` must be a {what} name of 1 to 200 letters, digits, hyphens or underscores.")
    return value


def choice(params: Mapping[str, Any], key: str, allowed: frozenset[str], default: str | None = None) -> str:
    """A parameter that must be one of a fixed set of values."""
    value = params.get(key, default)
    if value not in allowed:
        listed = ", ".join(sorted(allowed))
        raise InvalidInputError(f"`{key}` must be one of: {listed}.")
    return value
