"""The one cache of a warm container: values expire, the oldest go first, one load per key at a time."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from lookout_dashboards import expiring
from lookout_dashboards.expiring import ExpiringCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_value_is_loaded_once_then_again_when_it_expires() -> None:
    clock, loads = Clock(), []
    cache: ExpiringCache[str, int] = ExpiringCache(10.0, now=clock)

    def load() -> int:
        loads.append(clock.now)
        return len(loads)

    assert cache.get("asset", load) == 1
    clock.now = 9.9
    assert cache.get("asset", load) == 1 and cache.peek("asset") == 1
    clock.now = 10.0
    assert cache.peek("asset") is None
    assert cache.get("asset", load) == 2
    assert loads == [0.0, 10.0]


def test_a_failed_load_keeps_nothing_and_forget_drops_a_value() -> None:
    cache: ExpiringCache[str, int] = ExpiringCache(10.0, now=Clock())

    def fail() -> int:
        raise RuntimeError("throttled")

    with pytest.raises(RuntimeError):
        cache.get("model", fail)
    assert cache.get("model", lambda: 7) == 7
    cache.forget("model")
    assert cache.peek("model") is None


def test_the_oldest_entries_go_first_past_the_bound() -> None:
    cache: ExpiringCache[int, int] = ExpiringCache(10.0, max_entries=3, now=Clock())
    for key in range(5):
        cache.put(key, key)

    assert [cache.peek(key) for key in range(5)] == [None, None, 2, 3, 4]


def test_rows_read_in_parallel_wait_for_one_load_of_the_key_they_share() -> None:
    cache: ExpiringCache[str, int] = ExpiringCache(10.0)
    loads = []

    def slow() -> int:
        loads.append(1)
        time.sleep(0.05)
        return 42

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: cache.get("shared asset", slow), range(8)))

    assert answers == [42] * 8 and loads == [1]


def test_the_module_clock_moves_every_cache_that_was_given_none(monkeypatch: pytest.MonkeyPatch) -> None:
    cache: ExpiringCache[str, int] = ExpiringCache(10.0)
    cache.put("listing", 1)
    later = expiring.clock() + 10.0

    monkeypatch.setattr(expiring, "clock", lambda: later)

    assert cache.peek("listing") is None
