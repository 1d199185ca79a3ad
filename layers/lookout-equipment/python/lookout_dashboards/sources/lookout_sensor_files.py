"""The CSV files Lookout for Equipment ingests: one timestamp column, then one column per sensor.

Kept apart from the adapter because it needs pandas, which the list widgets must not import.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..errors import SourceUnavailableError
from ..sensor_cache import ComponentHistory


def read_component_files(bodies: Iterable[tuple[str, bytes]]) -> ComponentHistory:
    """Every sensor of a component on the files' timestamps, sorted; NaN where a sensor has no value.

    Where two files hold the same timestamp, the later file (in the order given) wins.

    `bodies` are `(uri, bytes)` pairs; a file that cannot be parsed raises an error naming it.
    """
    frames = []
    for uri, body in bodies:
        try:
            frame = pd.read_csv(io.BytesIO(body))
            timestamps = pd.to_datetime(frame.iloc[:, 0], utc=True, format="ISO8601")
        except (ValueError, IndexError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
            first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise SourceUnavailableError(f"Could not read sensor data in {uri}: {first_line}") from error
        frame = frame.iloc[:, 1:].apply(pd.to_numeric, errors="coerce")
        milliseconds = timestamps.dt.tz_convert(None).to_numpy().astype("datetime64[ms]").astype(np.int64)
        frame.index = milliseconds / 1e3
        frames.append(frame)
    if not frames:
        return ComponentHistory(np.empty(0), {})
    combined = pd.concat(frames).sort_index(kind="stable")
    combined = combined[~combined.index.duplicated(keep="last")]
    return ComponentHistory(
        combined.index.to_numpy(dtype=np.float64),
        {str(sensor): combined[sensor].to_numpy(dtype=np.float64) for sensor in combined.columns},
    )
