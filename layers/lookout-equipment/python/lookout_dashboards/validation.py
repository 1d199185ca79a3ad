"""Validation of widget parameters and action payloads against the service's own rules."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from .errors import InvalidInputError

#: Lookout for Equipment's pattern for dataset, model and scheduler names.
RESOURCE_NAME = re.compile(r"[0-9a-zA-Z_-]{1,200}")
#: How much of a request's text a message may quote.
QUOTED_LENGTH = 100


def quoted(text: str) -> str:
    """Request text as a message may repeat it: without control or format characters, cut to `QUOTED_LENGTH`.

    A NUL, a direction override or ten thousand characters would otherwise reach the frame (escaped, but whole).
    """
    printable = "".join(character for character in text if unicodedata.category(character)[0] != "C")
    return printable if len(printable) <= QUOTED_LENGTH else printable[: QUOTED_LENGTH - 1] + "…"


def resource_name(params: Mapping[str, Any], key: str, what: str) -> str:
    """The named parameter, checked against Lookout for Equipment's name pattern."""
    value = params.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidInputError(f"The widget needs a `{key}` parameter naming the {what}.")
    if not RESOURCE_NAME.fullmatch(value):
        raise InvalidInputError(
            f"`{key}` must be a {what} name of 1 to 200 letters, digits, hyphens or underscores, not “{quoted(value)}”."
        )
    return value


def choice(params: Mapping[str, Any], key: str, allowed: frozenset[str], default: str | None = None) -> str:
    """A parameter that must be one of a fixed set of values (a list or an object is none of them)."""
    value = params.get(key, default)
    if not isinstance(value, str) or value not in allowed:
        listed = ", ".join(sorted(allowed))
        raise InvalidInputError(f"`{key}` must be one of: {listed}.")
    return value
