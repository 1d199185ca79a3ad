"""One in-memory cache for a warm container: values expire, and one thread loads a key while the others wait."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def clock() -> float:
    """Seconds on a monotonic clock; looked up at each use, so a test can move time forward."""
    return time.monotonic()


class ExpiringCache(Generic[K, V]):
    """Values kept `ttl_s` seconds after they were loaded, at most `max_entries` (the oldest go first).

    Rows of a list are read in parallel and often share a key (an asset, a computation model): the
    per-key lock makes them wait for one load instead of each making the call.
    """

    def __init__(self, ttl_s: float, max_entries: int = 10_000, now: Callable[[], float] | None = None) -> None:
        self._ttl_s = ttl_s
        self._max_entries = max_entries
        self._clock = now or (lambda: clock())
        self._values: dict[K, tuple[float, V]] = {}
        self._locks: dict[K, threading.Lock] = {}
        self._guard = threading.Lock()

    def peek(self, key: K) -> V | None:
        """The value if it is still fresh, without loading it."""
        kept = self._values.get(key)
        if kept is None or self._clock() - kept[0] >= self._ttl_s:
            return None
        return kept[1]

    def get(self, key: K, load: Callable[[], V]) -> V:
        """The fresh value, else what `load` returns (kept unless it raises)."""
        kept = self.peek(key)
        if kept is not None:
            return kept
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            kept = self.peek(key)
            if kept is None:
                kept = load()
                self.put(key, kept)
        return kept

    def put(self, key: K, value: V) -> None:
        with self._guard:
            self._values.pop(key, None)
            self._values[key] = (self._clock(), value)
            while len(self._values) > self._max_entries:
                oldest = next(iter(self._values))
                del self._values[oldest]
                self._locks.pop(oldest, None)

    def forget(self, key: K) -> None:
        with self._guard:
            self._values.pop(key, None)
