"""Per-sensor columnar extracts of sensor history, in `/tmp` and in the stack's bucket.

Parsing a component's CSV files is the slow part of drawing a sensor. The first render parses
them once and saves every sensor of the component as a small `.npy` file, keyed by a fingerprint
of the source objects (their keys and ETags): when a file changes, the fingerprint changes and
the extract is rebuilt. `/tmp` serves a warm container; the bucket serves a fresh one.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    import numpy as np
    from mypy_boto3_s3 import S3Client

logger = logging.getLogger(__name__)
FORMAT_VERSION = "sensor-history-v1"


def fingerprint(objects: Mapping[str, str]) -> str:
    """A digest of `{key: etag}` for the objects an extract was made from."""
    digest = hashlib.sha256(FORMAT_VERSION.encode())
    for key in sorted(objects):
        digest.update(f"\n{key}\t{objects[key]}".encode())
    return digest.hexdigest()[:32]


class SensorHistoryCache:
    """Extracts as `(2, n)` float64 arrays: epoch seconds, then values."""

    def __init__(
        self, directory: Path, s3: S3Client | None = None, bucket: str | None = None, prefix: str = "cache/"
    ) -> None:
        self._directory = directory
        self._s3 = s3
        self._bucket = bucket
        self._prefix = prefix

    def get(self, source_fingerprint: str, sensor: str) -> tuple[np.ndarray, np.ndarray] | None:
        import numpy as np  # numpy only when a chart needs it: list widgets share this package

        path = self._path(source_fingerprint, sensor)
        if not path.exists() and not self._download(path):
            return None
        try:
            columns = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            logger.warning("ignoring an unreadable cached extract %s", path)
            path.unlink(missing_ok=True)
            return None
        return columns[0], columns[1]

    def put(self, source_fingerprint: str, extracts: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> None:
        """Save every sensor of a component; failing to save only costs a later re-read."""
        import numpy as np

        for sensor, (epoch_seconds, values) in extracts.items():
            path = self._path(source_fingerprint, sensor)
            buffer = io.BytesIO()
            np.save(buffer, np.vstack([epoch_seconds, values]).astype(np.float64), allow_pickle=False)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                partial = path.with_suffix(".partial")
                partial.write_bytes(buffer.getvalue())
                partial.replace(path)
            except OSError as error:
                logger.warning("could not cache %s in %s: %s", sensor, path, error)
            self._upload(path, buffer.getvalue())

    def _path(self, source_fingerprint: str, sensor: str) -> Path:
        sensor_digest = hashlib.sha256(sensor.encode()).hexdigest()[:24]
        return self._directory / "sensor-history" / source_fingerprint / f"{sensor_digest}.npy"

    def _key(self, path: Path) -> str:
        return self._prefix + path.relative_to(self._directory).as_posix()

    def _download(self, path: Path) -> bool:
        if self._s3 is None or not self._bucket:
            return False
        try:
            body: Any = self._s3.get_object(Bucket=self._bucket, Key=self._key(path))["Body"].read()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
        except (ClientError, BotoCoreError, OSError):
            return False
        return True

    def _upload(self, path: Path, body: bytes) -> None:
        if self._s3 is None or not self._bucket:
            return
        try:
            self._s3.put_object(Bucket=self._bucket, Key=self._key(path), Body=body)
        except (ClientError, BotoCoreError) as error:
            logger.warning("could not cache %s in s3://%s: %s", path.name, self._bucket, error)
