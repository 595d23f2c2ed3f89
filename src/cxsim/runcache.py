"""A shared cache of finished runs: what one session has run comes back at once for every other.

Not part of the causal chain. A run is a pure function of (scenario content, seed, steps, cxsim
version): :func:`run_key` hashes exactly those, so two sessions that ask the same what-if get the
same key, and a new cxsim version never reads an old version's result. The scenario's ``name`` and
``description`` are left out of the key (they label a run, they do not change it): the result handed
back carries the asker's own scenario.

:class:`ResultCache` is bounded (entries and bytes, least recently used out first), thread-safe, and
single-flight: when many threads ask :meth:`ResultCache.get_or_compute` for the same key at once, one
computes and the others wait for its value. :class:`cxsim.runqueue.RunQueue` puts it in front of a fair
queue of runs; the studio also keeps its rendered charts in one.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from cxsim.params import Scenario
from cxsim.run import Result, version
from cxsim.scenario import flatten

#: Default bounds of a run cache: a 104-week run of the open market is about 85 kB of KPIs.
DEFAULT_MAX_ENTRIES = 4096
DEFAULT_MAX_BYTES = 256 * 2**20


def scenario_key(scenario: Scenario) -> str:
    """SHA-256 of every parameter of ``scenario`` (its flattened dotted keys, sorted), without its name and
    description: two scenarios with the same key run the same model."""
    text = json.dumps(flatten(scenario), sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_key(scenario: Scenario, seed: int, steps: int, cxsim_version: str | None = None) -> str:
    """The key of one run: scenario content, seed, steps and cxsim version (default: this one)."""
    v = version() if cxsim_version is None else cxsim_version
    text = f"{scenario_key(scenario)}|seed={int(seed)}|steps={int(steps)}|cxsim={v}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def result_bytes(result: Result) -> int:
    """Memory a cached run holds (its KPI frame)."""
    return int(result.timeseries.memory_usage(deep=True, index=True).sum())


def served(cached: Result, scenario: Scenario) -> Result:
    """A cached run handed to one asker: its own scenario object, its own copy of the frame (a session
    that edits it cannot change what the others see)."""
    return Result(
        scenario=scenario,
        seed=cached.seed,
        timeseries=cached.timeseries.copy(),
        version=cached.version,
        bankrupt_week=cached.bankrupt_week,
    )


@dataclass
class CacheStats:
    """Counts since the cache was made: ``hits`` (found), ``misses`` (not found), ``computed``
    (:meth:`ResultCache.get_or_compute` ran the function), ``evicted`` (dropped to stay in bounds)."""

    hits: int = 0
    misses: int = 0
    computed: int = 0
    evicted: int = 0
    entries: int = 0
    bytes: int = 0


class _Pending:
    """A value being computed by one thread while others wait for it."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None


class ResultCache:
    """A bounded, thread-safe, single-flight LRU cache.

    Args:
        max_entries: at most this many values are kept.
        max_bytes: at most this many bytes (as ``size_of`` counts them); a value larger than the whole
            budget is handed back but not kept.
        size_of: the bytes one value holds (default: 0, so only ``max_entries`` bounds the cache).

    Raises:
        ValueError: a bound that is not a whole number >= 1.
    """

    def __init__(
        self,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        max_bytes: int = DEFAULT_MAX_BYTES,
        size_of: Callable[[Any], int] | None = None,
    ):
        for name, value in (("max_entries", max_entries), ("max_bytes", max_bytes)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._size_of = size_of or (lambda _value: 0)
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._pending: dict[Hashable, _Pending] = {}
        self._stats = CacheStats()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    @property
    def stats(self) -> CacheStats:
        with self._lock:
            s = self._stats
            return CacheStats(s.hits, s.misses, s.computed, s.evicted, len(self._items), self._bytes)

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value under ``key`` (now the most recently used), or ``default``."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self._stats.hits += 1
                return self._items[key][0]
            self._stats.misses += 1
            return default

    def put(self, key: Hashable, value: Any) -> None:
        """Keep ``value`` under ``key``, dropping the least recently used values beyond the bounds."""
        size = int(self._size_of(value))
        with self._lock:
            self._put(key, value, size)

    def _put(self, key: Hashable, value: Any, size: int) -> None:
        if key in self._items:
            self._bytes -= self._items.pop(key)[1]
        if size > self.max_bytes:
            return  # larger than the whole budget: handed back, never kept
        self._items[key] = (value, size)
        self._bytes += size
        while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
            _, (_, dropped) = self._items.popitem(last=False)
            self._bytes -= dropped
            self._stats.evicted += 1

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The value under ``key``; if absent, ``compute()`` it once, however many threads ask at the same time.

        Threads asking while one computes wait for its value (or its exception, which each of them raises;
        a failed value is not kept, so the next ask computes again).
        """
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self._stats.hits += 1
                return self._items[key][0]
            pending = self._pending.get(key)
            owner = pending is None
            if owner:
                pending = self._pending[key] = _Pending()
                self._stats.misses += 1
            else:
                self._stats.hits += 1
        if not owner:
            pending.done.wait()
            if pending.error is not None:
                raise pending.error
            return pending.value
        try:
            value = compute()
        except BaseException as exc:
            pending.error = exc
            with self._lock:
                del self._pending[key]
            pending.done.set()
            raise
        size = int(self._size_of(value))
        with self._lock:
            self._stats.computed += 1
            self._put(key, value, size)
            pending.value = value
            del self._pending[key]
        pending.done.set()
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


def run_cache(max_entries: int = DEFAULT_MAX_ENTRIES, max_bytes: int = DEFAULT_MAX_BYTES) -> ResultCache:
    """A cache of :class:`cxsim.run.Result` under :func:`run_key`, sized by each run's KPI frame."""
    return ResultCache(max_entries, max_bytes, size_of=result_bytes)


def cached_run(cache: ResultCache, scenario: Scenario, seed: int, steps: int) -> Result:
    """:func:`cxsim.run` through ``cache``: computed once per key (single-flight), identical to a fresh run."""
    from cxsim.run import run

    key = run_key(scenario, seed, steps)
    cached = cache.get_or_compute(key, lambda: run(scenario, seed=seed, steps=steps))
    return served(cached, scenario)
