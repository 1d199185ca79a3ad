"""Shared plumbing of the fakes: botocore `before-send` hooks that answer with real HTTP bytes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from io import BytesIO
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse
from botocore.handlers import BUILTIN_HANDLERS


class RawBody(BytesIO):
    """A response body botocore can both `read()` and `stream()`."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        while chunk := self.read(65536):
            yield chunk


def response(url: str, status: int, body: Any, headers: dict[str, str] | None = None) -> AWSResponse:
    payload = json.dumps(body, default=_json_default).encode()
    all_headers = {"Content-Type": "application/x-amz-json-1.0", **(headers or {})}
    return AWSResponse(url, status, all_headers, RawBody(payload))


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"cannot serialise {type(value).__name__}")


@contextmanager
def before_send_hooks(hooks: dict[str, Callable[..., AWSResponse | None]]) -> Iterator[None]:
    """Serve the given `before-send.<service>[.<Operation>]` events in every new client.

    Like moto, the hooks join botocore's built-in handlers, so clients made after this point (by
    any code, through any session) are served; boto3's default session is reset for the same reason.
    """
    entries = list(hooks.items())
    BUILTIN_HANDLERS[:0] = entries
    boto3.DEFAULT_SESSION = None
    try:
        yield
    finally:
        for entry in entries:
            BUILTIN_HANDLERS.remove(entry)
        boto3.DEFAULT_SESSION = None


@contextmanager
def refused(
    service: str, operation: str, code: str, when: Callable[[dict[str, Any]], bool] = lambda params: True
) -> Iterator[None]:
    """Every new client's `operation` fails with `code` while the block runs (for the requests
    `when` picks), as the service would answer it: throttling, access denied, a conflict."""
    from botocore.exceptions import ClientError

    def refuse(params: dict[str, Any], **_: Any) -> None:
        if when(params):
            raise ClientError({"Error": {"Code": code, "Message": "refused by the test"}}, operation)

    with before_send_hooks({f"before-parameter-build.{service}.{operation}": refuse}):
        yield
