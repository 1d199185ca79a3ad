"""A watermark per scheduler: how far its results are published, kept as a small object in the stack's bucket.

Every write is conditional on the object being as this run last read or wrote it (S3's `IfMatch`, or
`IfNoneMatch` for a first one): of two runs that overlap, the one that writes second learns it and
stops, before it sends anything of that scheduler.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from .aws import error_code
from .metrics import Series

WATERMARK_PREFIX = "metrics/watermarks/"


#: What S3 answers a conditional write when the object changed (or, for `IfMatch`, was deleted) since.
_CHANGED = {"PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey", "404", "409", "412"}


class DamagedWatermarkError(ValueError):
    """A watermark object that does not parse: how far its scheduler's results went is unknown."""


class AnotherRunError(RuntimeError):
    """Another run wrote the scheduler's watermark since this run read it: that run publishes it."""


@dataclass(frozen=True)
class Watermark:
    """The newest result published and the sensors given a `SensorContribution` series so far; while a
    call is in flight, the newest result it holds, its number of values, and until when the run that
    sends it may still be alive. A run that stops there leaves them: once that time is past, the next
    run sends those results again and says how many values may count twice; before, it leaves the
    scheduler to the run that may still be sending. For a scheduler that is not running: since when a
    run saw it so, and whether its last results are all published (`drained`: nothing more to read)."""

    published_through: datetime
    sensors: tuple[str, ...] = ()
    sending_through: datetime | None = None
    sending_values: int = 0
    claimed_until: datetime | None = None
    stopped_since: datetime | None = None
    drained: bool = False

    def sending(self, through: datetime, values: int, sensors: tuple[str, ...], until: datetime) -> Watermark:
        """A call in flight, this run's until `until`."""
        return replace(self, sensors=sensors, sending_through=through, sending_values=values, claimed_until=until)

    def moved(self, through: datetime, sensors: tuple[str, ...]) -> Watermark:
        """Published through `through`, nothing in flight."""
        return replace(
            self,
            published_through=through,
            sensors=sensors,
            sending_through=None,
            sending_values=0,
            claimed_until=None,
        )

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "published_through": self.published_through.isoformat(),
                "sensors": list(self.sensors),
                "sending_through": _iso(self.sending_through),
                "sending_values": self.sending_values,
                "claimed_until": _iso(self.claimed_until),
                "stopped_since": _iso(self.stopped_since),
                "drained": self.drained,
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
                _parse(document.get("claimed_until")),
                _parse(document.get("stopped_since")),
                document.get("drained") is True,
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

    def open(self, series: Series) -> StoredWatermark:
        """The scheduler's watermark as stored now. Failing to read it raises: publishing blind sends twice."""
        return self.open_object(self.key(series), Watermark.from_json)

    def open_object(self, key: str, parse: Callable[[bytes], Any]) -> StoredWatermark:
        """Any object under `WATERMARK_PREFIX` (a fleet's watermarks too), parsed by `parse`, which raises
        `DamagedWatermarkError` for what it cannot read; written back with the same conditions."""
        try:
            response = self._s3.get_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if error_code(error) not in ("NoSuchKey", "404"):
                raise
            return StoredWatermark(self._s3, self._bucket, key, None, None)
        body = response["Body"].read()
        try:
            return StoredWatermark(self._s3, self._bucket, key, parse(body), response["ETag"])
        except DamagedWatermarkError as error:
            return StoredWatermark(self._s3, self._bucket, key, None, response["ETag"], damaged=str(error))


class StoredWatermark:
    """One scheduler's watermark as this run last read or wrote it (`watermark`: None when there is none,
    or it is `damaged`). A write succeeds only if nobody wrote the object since; else `AnotherRunError`."""

    def __init__(self, s3: Any, bucket: str, key: str, watermark: Any, etag: str | None, damaged: str = "") -> None:
        self._s3, self._bucket, self.key = s3, bucket, key
        self.watermark, self._etag, self.damaged = watermark, etag, damaged

    def write(self, watermark: Any) -> None:
        """`watermark`: a `Watermark`, or any object with `to_json` (a fleet's watermark or index)."""
        condition = {"IfMatch": self._etag} if self._etag else {"IfNoneMatch": "*"}
        try:
            response = self._s3.put_object(Bucket=self._bucket, Key=self.key, Body=watermark.to_json(), **condition)
        except ClientError as error:
            if error_code(error) in _CHANGED:
                raise AnotherRunError(f"another run wrote {self.key} first ({error_code(error)})") from error
            raise
        self.watermark, self._etag = watermark, response["ETag"]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
