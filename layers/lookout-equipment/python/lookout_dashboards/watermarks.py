"""A watermark per scheduler: how far its results are published, kept as a small object in the stack's bucket."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from .aws import error_code
from .metrics import Series

WATERMARK_PREFIX = "metrics/watermarks/"


class DamagedWatermarkError(ValueError):
    """A watermark object that does not parse: how far its scheduler's results went is unknown."""


@dataclass(frozen=True)
class Watermark:
    """The newest result published and the sensors given a `SensorContribution` series so far; while a
    call is in flight, the newest result it holds and its number of values (a run that stops there
    leaves them: the next run sends those results again and says how many values may count twice)."""

    published_through: datetime
    sensors: tuple[str, ...] = ()
    sending_through: datetime | None = None
    sending_values: int = 0

    def sending(self, through: datetime, values: int, sensors: tuple[str, ...]) -> Watermark:
        return Watermark(self.published_through, sensors, through, values)

    def sent(self) -> Watermark:
        """The watermark once the call in flight arrived."""
        return Watermark(self.sending_through or self.published_through, self.sensors)

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "published_through": self.published_through.isoformat(),
                "sensors": list(self.sensors),
                "sending_through": _iso(self.sending_through),
                "sending_values": self.sending_values,
            }
        ).encode()

    @classmethod
    def from_json(cls, body: bytes) -> Watermark:
        try:
            document = json.loads(body)
            return cls(
                datetime.fromisoformat(document["published_through"]),
                tuple(str(sensor) for sensor in document.get("sensors", [])),
                _parse(document.get("sending_through")),
                int(document.get("sending_values") or 0),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise DamagedWatermarkError(str(error)) from error


class WatermarkStore:
    """Watermarks as small objects in the stack's bucket, one per scheduler."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def key(self, series: Series) -> str:
        identity = json.dumps(series.dimensions(), sort_keys=True).encode()
        return f"{WATERMARK_PREFIX}{hashlib.sha256(identity).hexdigest()[:32]}.json"

    def read(self, series: Series) -> Watermark | None:
        """The scheduler's watermark, or None when it has none yet. A damaged one raises
        `DamagedWatermarkError`; any other failure to read it raises too: publishing blind sends twice."""
        try:
            body = self._s3.get_object(Bucket=self._bucket, Key=self.key(series))["Body"].read()
        except ClientError as error:
            if error_code(error) not in ("NoSuchKey", "404"):
                raise
            return None
        return Watermark.from_json(body)

    def write(self, series: Series, watermark: Watermark) -> None:
        self._s3.put_object(Bucket=self._bucket, Key=self.key(series), Body=watermark.to_json())


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
