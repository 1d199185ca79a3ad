"""A watermark per scheduler: how far its results are published, kept as a small object in the stack's bucket."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from .aws import error_code, write_cache_object
from .metrics import Series

logger = logging.getLogger(__name__)
WATERMARK_PREFIX = "metrics/watermarks/"


@dataclass(frozen=True)
class Watermark:
    """The newest result published, the window being published (if a run stopped inside it), the
    sensors given a `SensorContribution` series so far, and until when CloudWatch must be asked
    what it already has (a lost or damaged watermark: the metrics may be there)."""

    published_through: datetime
    pending_until: datetime | None = None
    sensors: tuple[str, ...] = ()
    verify_until: datetime | None = None

    def unsure(self) -> bool:
        """Whether the next window may already be in CloudWatch, wholly or in part."""
        return self.pending_until is not None or (
            self.verify_until is not None and self.published_through < self.verify_until
        )

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "published_through": self.published_through.isoformat(),
                "pending_until": _iso(self.pending_until),
                "sensors": list(self.sensors),
                "verify_until": _iso(self.verify_until),
            }
        ).encode()

    @classmethod
    def from_json(cls, body: bytes) -> Watermark:
        document = json.loads(body)
        return cls(
            datetime.fromisoformat(document["published_through"]),
            _parse(document.get("pending_until")),
            tuple(document.get("sensors", [])),
            _parse(document.get("verify_until")),
        )


class WatermarkStore:
    """Watermarks as small objects in the stack's bucket, one per scheduler."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def key(self, series: Series) -> str:
        identity = json.dumps(series.dimensions(), sort_keys=True).encode()
        return f"{WATERMARK_PREFIX}{hashlib.sha256(identity).hexdigest()[:32]}.json"

    def read(self, series: Series, floor: datetime, now: datetime) -> Watermark:
        """The scheduler's watermark. None yet, or a damaged one: from `floor`, asking CloudWatch what it
        has until `now`. Any other failure to read it raises: publishing blind could send twice."""
        key = self.key(series)
        try:
            body = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        except ClientError as error:
            if error_code(error) not in ("NoSuchKey", "404"):
                raise
            return Watermark(floor, verify_until=now)
        try:
            return Watermark.from_json(body)
        except (ValueError, KeyError, TypeError):
            logger.warning("damaged watermark %s: from the backlog, skipping what CloudWatch has", key)
            return Watermark(floor, verify_until=now)

    def write(self, series: Series, watermark: Watermark) -> None:
        if not write_cache_object(self._s3, self._bucket, self.key(series), watermark.to_json()):
            raise RuntimeError(f"could not save the metrics watermark of {series.scheduler}")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
