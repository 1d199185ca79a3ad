"""The one place AWS clients are made, and the pagination loop Lookout for Equipment needs.

botocore ships no paginators for Lookout for Equipment, so `pages` follows `NextToken` itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import boto3
from botocore.config import Config

from . import __version__
from .config import Settings, load_settings

USER_AGENT = f"lookout-equipment-dashboards/{__version__}"


def make_client(service: str, settings: Settings | None = None) -> Any:
    """A client with our retry policy and user agent; call it at run time, never at import."""
    settings = settings or load_settings()
    config = Config(
        retries={"mode": settings.retry_mode, "total_max_attempts": settings.max_attempts},
        user_agent_extra=USER_AGENT,
    )
    return boto3.client(service, region_name=settings.region, config=config)


def pages(call: Callable[..., Mapping[str, Any]], result_key: str, **params: Any) -> Iterator[Mapping[str, Any]]:
    """Yield every item of a `NextToken`-paginated list call, one request per page."""
    token: str | None = None
    while True:
        response = call(**params, **({"NextToken": token} if token else {}))
        yield from response.get(result_key, [])
        token = response.get("NextToken")
        if not token:
            return
