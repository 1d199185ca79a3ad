"""Actions run on a click only: never from a render, a refresh, or a dashboard's saved configuration.

Two checks, because the console's documentation settles only half of it. The console passes a
widget's own parameters on every call, both at the top level and as `widgetContext.params`
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/add_custom_widget_dashboard_about.html);
a `<cwdb-action>` call passes the button's JSON at the top level instead
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/add_custom_widget_dashboard_interactivity.html).
So parameters equal to the widget's own are a render, whatever they ask. What the pages do not say
is whether a click always keeps the widget's parameters apart, so every button's payload also
carries a signature made with a key only the stack's functions can read, valid `VALID_FOR`: a
payload copied into a dashboard's configuration, or forged, stops working within minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any

from .aws import read_cache_object, write_cache_object
from .errors import InvalidInputError
from .events import WidgetEvent
from .expiring import ExpiringCache

logger = logging.getLogger(__name__)
SIGNATURE = "signature"
#: How long a drawn button works: longer than anyone reads a list before clicking, short enough that a
#: payload saved into a dashboard is dead before anyone else loads it.
VALID_FOR_S = 600
#: The key, in the stack's bucket, readable by the stack's functions only; the bucket's lifecycle rule for
#: `cache/` deletes it after 30 days, and the next function to need one makes a new one.
KEY_PREFIX = "cache/keys/"
KEY_OBJECT = KEY_PREFIX + "button-signing.key"
KEY_TTL_S = 3600.0
KEY_BYTES = 32


class ClickRefusedError(InvalidInputError):
    """An action asked for by something else than a click on a button this stack drew."""


class ButtonSigner:
    """Signs the payloads of the buttons a list draws, and checks those a click sends back."""

    def __init__(self, s3: Any, bucket: str, clock: Callable[[], float] = time.time) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._clock = clock
        self._keys: ExpiringCache[str, bytes] = ExpiringCache(KEY_TTL_S)

    def sign(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        expires = int(self._clock()) + VALID_FOR_S
        return {**payload, SIGNATURE: f"{expires}.{_mac(self._key(), payload, expires)}"}

    def check(self, widget: WidgetEvent) -> None:
        """Refuse a render, a refresh, a saved or forged payload, or a button drawn too long ago."""
        params = widget.params
        if widget.has_context and _unsigned(params) == _unsigned(widget.context.params):
            raise ClickRefusedError(
                "This widget's configuration asks for an action: actions run only when you click a button, "
                "so nothing was done. Remove `action` from the widget's parameters."
            )
        expires, _, mac = str(params.get(SIGNATURE, "")).partition(".")
        if not expires.isdigit() or not mac:
            raise ClickRefusedError("This action was not asked for by a button of this list: nothing was done.")
        if int(expires) < self._clock():
            raise ClickRefusedError(
                "This button was drawn more than 10 minutes ago, so it no longer acts: nothing was done. "
                "The list below is current: click again."
            )
        if not self._signed_by_us(mac, _unsigned(params), int(expires)):
            raise ClickRefusedError("This action was not asked for by a button of this list: nothing was done.")

    def _signed_by_us(self, mac: str, payload: Mapping[str, Any], expires: int) -> bool:
        """With the key in use, else with the bucket's (a new key, or the one another container made first)."""
        if hmac.compare_digest(mac, _mac(self._key(), payload, expires)):
            return True
        self._keys.forget(KEY_OBJECT)
        return hmac.compare_digest(mac, _mac(self._key(), payload, expires))

    def _key(self) -> bytes:
        return self._keys.get(KEY_OBJECT, self._load_key)

    def _load_key(self) -> bytes:
        stored = read_cache_object(self._s3, self._bucket, KEY_OBJECT)
        if stored and len(stored) >= KEY_BYTES:
            return stored
        key = secrets.token_bytes(KEY_BYTES)
        if not write_cache_object(self._s3, self._bucket, KEY_OBJECT, key):
            logger.warning("the button key could not be saved: buttons work only in this container")
        return read_cache_object(self._s3, self._bucket, KEY_OBJECT) or key  # another container may have won


def _unsigned(params: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in params.items() if name != SIGNATURE}


def _mac(key: bytes, payload: Mapping[str, Any], expires: int) -> str:
    message = json.dumps([expires, dict(_unsigned(payload))], sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()[:32]
