"""Shared plumbing of the fakes: botocore `before-send` hooks that answer with real HTTP bytes."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
import botocore.session
from botocore.awsrequest import AWSResponse
from botocore.handlers import BUILTIN_HANDLERS
from botocore.model import ListShape, OperationModel
from botocore.utils import parse_timestamp


class FakeServiceError(Exception):
    """An error a fake answers as the service would: its code, message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass
class InjectedFailures:
    """The service errors a test queued with a fake's `fail()`, served to the next calls in order."""

    queued: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def add(self, operation: str, code: str, message: str, times: int) -> None:
        self.queued.setdefault(operation, []).extend([(code, message)] * times)

    def raise_next(self, operation: str, status: Callable[[str], int] = lambda code: 400) -> None:
        """Raise the next error queued for `operation`, if any."""
        if self.queued.get(operation):
            code, message = self.queued[operation].pop(0)
            raise FakeServiceError(code, message, status(code))


def offset_token(offset: int) -> str:
    """The next-page token the fakes hand out: opaque to clients, checked when it comes back."""
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def token_offset(token: str | None, invalid_code: str) -> int:
    """Where a page starts; a token the fake did not hand out is refused with `invalid_code`."""
    if not token:
        return 0
    try:
        kind, _, offset = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if kind == "offset" and offset.isdigit():
            return int(offset)
    except ValueError:
        pass
    raise FakeServiceError(invalid_code, "The next token is not valid")


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


@dataclass(frozen=True)
class RestJsonRequest:
    """A rest-json request read back into the operation's parameters, as the service sees it."""

    operation: str
    host: str
    params: dict[str, Any]


class RestJsonRoutes:
    """Find the operation of a rest-json request from botocore's own model (method + URI template),
    and read its parameters from the path, the query string (typed by the input shape) and the body."""

    def __init__(self, service: str, operations: Iterable[str]) -> None:
        model = botocore.session.get_session().get_service_model(service)
        self._routes = [_route(model.operation_model(name)) for name in operations]

    def read(self, request: Any) -> RestJsonRequest | None:
        url = urlsplit(request.url)
        for method, pattern, operation in self._routes:
            matched = pattern.fullmatch(url.path)
            if method != request.method or matched is None:
                continue
            body = request.body or b"{}"
            params: dict[str, Any] = json.loads(body.decode() if isinstance(body, bytes) else body)
            params.update({name: unquote(value) for name, value in matched.groupdict().items()})
            params.update(_query_params(operation, parse_qs(url.query)))
            return RestJsonRequest(operation.name, url.hostname or "", params)
        return None


def _route(operation: OperationModel) -> tuple[str, re.Pattern[str], OperationModel]:
    template = operation.http["requestUri"].partition("?")[0]
    pattern = re.sub(r"\\\{(\w+)(?:\\\+)?\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return operation.http["method"], re.compile(pattern), operation


def _query_params(operation: OperationModel, query: dict[str, list[str]]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name, member in operation.input_shape.members.items() if operation.input_shape else ():
        values = query.get(member.serialization.get("name", name))
        if member.serialization.get("location") != "querystring" or not values:
            continue
        kind = member.member.type_name if isinstance(member, ListShape) else member.type_name
        typed = [_typed(kind, value) for value in values]
        params[name] = typed if isinstance(member, ListShape) else typed[0]
    return params


def _typed(kind: str, value: str) -> Any:
    if kind in ("integer", "long"):
        return int(value)
    if kind == "boolean":
        return value == "true"
    if kind == "timestamp":
        return parse_timestamp(value)
    return value


def rest_json_response(url: str, status: int, body: Any) -> AWSResponse:
    return response(url, status, body, {"Content-Type": "application/json"})


def rest_json_error(url: str, status: int, code: str, message: str) -> AWSResponse:
    """An error botocore's rest-json parser turns into a `ClientError` with `code`."""
    body = {"__type": code, "message": message}
    return response(url, status, body, {"Content-Type": "application/json", "x-amzn-ErrorType": code})
