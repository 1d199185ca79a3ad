"""A component's sensor history stored once, compactly, in `/tmp` and in the stack's bucket.

Parsing a component's CSV files is the slow part of drawing a sensor. The first render parses
them once and stores the whole component as one uncompressed `.npz` object: the timestamps
once, then one column per sensor, as float32 wherever that moves no value by a visible amount.
Its key is a fingerprint of the source objects (their keys and ETags), so a changed file gives
a new key and the object can never be stale. A render reads the timestamps and its own sensor's
column only; the zip's CRCs make a damaged object fail to load, and it is then rebuilt.
`/tmp` serves a warm container; the bucket serves a fresh one.
"""

from __future__ import annotations

import hashlib
import io
import logging
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .aws import read_cache_object, write_cache_object

if TYPE_CHECKING:
    import numpy as np
    from mypy_boto3_s3 import S3Client

logger = logging.getLogger(__name__)
FORMAT_VERSION = "component-history-v2"
#: Where the components live in the stack's bucket; `/tmp` holds the same names under `sensor-history/`.
PREFIX = "cache/sensor-history/"
#: A component larger than this is not stored: a quarter of Lambda's default 512 MB of `/tmp`.
MAX_STORED_BYTES = 128 * 2**20
#: float32 is kept when it moves no value by more than this fraction of the column's spread, so
#: the error stays under a pixel even on a view a thousand times narrower than the column's range.
FLOAT32_TOLERANCE = 1e-6
_UNREADABLE = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)


def fingerprint(objects: Mapping[str, str]) -> str:
    """A digest of `{key: etag}` for the objects a component was read from."""
    digest = hashlib.sha256(FORMAT_VERSION.encode())
    for key in sorted(objects):
        digest.update(f"\n{key}\t{objects[key]}".encode())
    return digest.hexdigest()[:32]


@dataclass(frozen=True)
class ComponentHistory:
    """Sensors on shared, sorted epoch seconds; a column holds NaN where its sensor has no value."""

    epoch_seconds: Any
    columns: Mapping[str, Any]

    def sensor(self, name: str) -> tuple[np.ndarray, np.ndarray] | None:
        """`(epoch_seconds, values)` of the times the sensor has a value, or None if it has no column."""
        import numpy as np  # numpy only when a chart needs it: list widgets share this package

        values = self.columns.get(name)
        if values is None:
            return None
        present = np.isfinite(values)
        return self.epoch_seconds[present], values[present]


def compact(values: np.ndarray) -> np.ndarray:
    """The column as float32 if that is exact enough to draw (see `FLOAT32_TOLERANCE`), else float64."""
    import numpy as np

    finite = np.isfinite(values)
    with np.errstate(over="ignore", invalid="ignore"):  # beyond float32's range the error is infinite: float64
        single = values.astype(np.float32)
        error = np.abs(single[finite] - values[finite]).max(initial=0.0)
    spread = np.ptp(values[finite]) if finite.any() else 0.0
    return single if error <= FLOAT32_TOLERANCE * spread else values


class SensorHistoryCache:
    """One `.npz` object per component: `epoch_seconds`, `sensors` (names), `column_<i>` per sensor."""

    def __init__(self, directory: Path, s3: S3Client | None = None, bucket: str | None = None) -> None:
        self._directory = directory
        self._s3 = s3
        self._bucket = bucket
        #: Bytes this cache has put in the bucket, for the benchmark to report.
        self.uploaded_bytes = 0

    def get(self, source_fingerprint: str, sensor: str) -> ComponentHistory | None:
        """The stored component with only `sensor`'s column decoded (none if it has no such sensor).

        None when nothing usable is stored: a missing, truncated or damaged object is rebuilt by the caller.
        """
        path = self._path(source_fingerprint)
        if path.exists():
            stored = _decode(path, sensor)
            if stored is None:
                path.unlink(missing_ok=True)
            return stored
        body = self._download(path)
        if body is None:
            return None
        stored = _decode(io.BytesIO(body), sensor)
        if stored is not None:
            _write_file(path, body)
        return stored

    def put(self, source_fingerprint: str, component: ComponentHistory) -> ComponentHistory:
        """Store the component compacted, and return what `get` will give back, so every render draws the same.

        One object, written once to `/tmp` and once to the bucket. Failing to store only costs a
        later re-read of the CSV files: it is logged, never raised.
        """
        import numpy as np

        stored = ComponentHistory(
            np.asarray(component.epoch_seconds, dtype=np.float64),
            {name: compact(np.asarray(values, dtype=np.float64)) for name, values in component.columns.items()},
        )
        size = stored.epoch_seconds.nbytes + sum(values.nbytes for values in stored.columns.values())
        if size > MAX_STORED_BYTES:
            logger.warning("not caching a component of %d bytes, over %d", size, MAX_STORED_BYTES)
            return stored
        buffer = io.BytesIO()
        np.savez(
            buffer,
            epoch_seconds=stored.epoch_seconds,
            sensors=np.array(list(stored.columns), dtype=str),
            **{f"column_{index}": values for index, values in enumerate(stored.columns.values())},
        )
        path = self._path(source_fingerprint)
        body = buffer.getvalue()
        _write_file(path, body)
        self._upload(path, body)
        return stored

    def _path(self, source_fingerprint: str) -> Path:
        return self._directory / "sensor-history" / f"{source_fingerprint}.npz"

    def _key(self, path: Path) -> str:
        return PREFIX + path.name

    def _download(self, path: Path) -> bytes | None:
        if self._s3 is None or not self._bucket:
            return None
        return read_cache_object(self._s3, self._bucket, self._key(path))

    def _upload(self, path: Path, body: bytes) -> None:
        if self._s3 is not None and self._bucket and write_cache_object(self._s3, self._bucket, self._key(path), body):
            self.uploaded_bytes += len(body)


def _decode(stored: Path | io.BytesIO, sensor: str) -> ComponentHistory | None:
    """The timestamps and `sensor`'s column of a stored component; None if it is unreadable."""
    import numpy as np

    try:
        with np.load(stored, allow_pickle=False) as members:
            epoch_seconds = members["epoch_seconds"]
            names = list(members["sensors"])
            columns = {sensor: members[f"column_{names.index(sensor)}"]} if sensor in names else {}
    except _UNREADABLE as error:
        logger.warning("ignoring an unreadable cached component: %s", error)
        return None
    if any(column.shape != epoch_seconds.shape for column in columns.values()):
        logger.warning("ignoring a cached component whose columns do not match its timestamps")
        return None
    return ComponentHistory(epoch_seconds, columns)


def _write_file(path: Path, body: bytes) -> None:
    """Write whole or not at all, so that a reader never finds half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.write_bytes(body)
        partial.replace(path)
    except OSError as error:
        logger.warning("could not cache a component in %s: %s", path, error)
