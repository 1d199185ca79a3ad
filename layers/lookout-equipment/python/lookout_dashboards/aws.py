"""The one place AWS clients are made, and the pagination loop the sources need.

botocore ships no paginators for Lookout for Equipment, nor for SiteWise's batch reads, so `pages`
follows the token itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from . import __version__
from .config import Settings, load_settings
from .errors import InvalidInputError, ResourceNotFoundError, SourceUnavailableError

logger = logging.getLogger(__name__)
USER_AGENT = f"lookout-equipment-dashboards/{__version__}"
#: Seconds a call may wait to connect and between two reads: a hung call fails well before a
#: function's timeout (botocore's own defaults are 60 s each), so handlers can still answer.
CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 20
_NOT_FOUND = {"ResourceNotFoundException", "ResourceNotFound", "NoSuchKey", "NoSuchBucket", "404"}
_INVALID = {"ValidationException", "ConflictException", "InvalidRequestException"}


def make_client(service: str, settings: Settings | None = None) -> Any:
    """A client with our retry policy and user agent; call it at run time, never at import."""
    import boto3  # imported on first use: it costs ~180 ms, which list widgets keep out of their cold import
    from botocore.config import Config

    settings = settings or load_settings()
    config = Config(
        retries={"mode": settings.retry_mode, "total_max_attempts": settings.max_attempts},
        user_agent_extra=USER_AGENT,
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
    )
    return boto3.client(service, region_name=settings.region, config=config)


def pages(
    call: Callable[..., Mapping[str, Any]], result_key: str, cursor: str = "NextToken", **params: Any
) -> Iterator[Mapping[str, Any]]:
    """Yield every item of a token-paginated list call, one request per page (SiteWise spells it `nextToken`)."""
    token: str | None = None
    while True:
        response = call(**params, **({cursor: token} if token else {}))
        yield from response.get(result_key, [])
        token = response.get(cursor)
        if not token:
            return


def error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def error_text(error: BaseException) -> str:
    """A short line for a log or a CloudFormation reason: the service's code and message if any."""
    if isinstance(error, ClientError):
        return f"{error_code(error)}: {error.response.get('Error', {}).get('Message', '')}"
    return f"{type(error).__name__}: {error}"


@contextmanager
def translated_errors(what: str, verb: str = "read") -> Iterator[None]:
    """Turn service errors into widget errors whose message says what could not be read or changed."""
    try:
        yield
    except ClientError as error:
        code = error_code(error)
        message = error.response.get("Error", {}).get("Message", "")
        if code in _NOT_FOUND:
            raise ResourceNotFoundError(f"Not found: {what}.") from error
        if code in _INVALID:
            raise InvalidInputError(f"AWS refused the request for {what}: {message}") from error
        raise SourceUnavailableError(f"Could not {verb} {what} ({code}): {message}") from error
    except BotoCoreError as error:
        raise SourceUnavailableError(f"Could not reach the service for {what}: {error}") from error


def read_cache_object(s3: Any, bucket: str, key: str) -> bytes | None:
    """The cache object's bytes, or None when it is absent or cannot be read (both mean: read the sources)."""
    try:
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except (ClientError, BotoCoreError) as error:
        logger.info("no cache object s3://%s/%s: %s", bucket, key, error)
        return None


def write_cache_object(s3: Any, bucket: str, key: str, body: bytes) -> bool:
    """Save a cache object; a refusal is logged and ignored (False), as it only costs a later re-read."""
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    except (ClientError, BotoCoreError) as error:
        logger.warning("could not cache s3://%s/%s: %s", bucket, key, error)
        return False
    return True
