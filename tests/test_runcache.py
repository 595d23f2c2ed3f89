"""The shared run cache and the fair run queue that serve a class (cxsim.runcache, cxsim.runqueue).

Order and counting tests use a fake backend that records which run it was asked for and waits at a
gate, so the queue's decisions are seen one by one; identity tests run the real model on a tiny
market; the Dask test uses the loopback cluster of conftest.py.
"""

from __future__ import annotations

import threading
import time

import pandas as pd
import pytest

import cxsim
from cxsim.run import Result, run
from cxsim.runcache import ResultCache, cached_run, run_cache, run_key, scenario_key
from cxsim.runqueue import Cancelled, DaskBackend, ProcessBackend, RunError, RunQueue, ThreadBackend


class GatedBackend:
    """Records each run it is asked for; a run returns only once the gate is open (or at once, ungated)."""

    def __init__(self, slots: int = 1, gated: bool = True, fail_seed: int | None = None):
        self.slots = slots
        self.asked: list[tuple[str, int]] = []
        self.gate = threading.Event()
        self.started = threading.Semaphore(0)
        if not gated:
            self.gate.set()
        self.fail_seed = fail_seed

    def run(self, scenario, seed, steps):
        self.asked.append((scenario.name, seed))
        self.started.release()
        assert self.gate.wait(30), "the test never opened the gate"
        if seed == self.fail_seed:
            raise ValueError("boom")
        ts = pd.DataFrame({"week": range(1, steps + 1), "nps": [float(seed)] * steps})
        return Result(scenario=scenario, seed=seed, timeseries=ts)

    def describe(self):
        return "gated"

    def close(self):
        self.gate.set()


def named(s, name):
    return s.override({"name": name})


def wait_for(cond, timeout=30.0):
    end = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.01)


# ----------------------------------------------------------------------------- keys


def test_the_key_is_content_seed_steps_and_version(tiny, monkeypatch):
    k = run_key(tiny, 0, 10)
    assert run_key(named(tiny, "another name"), 0, 10) == k  # a name labels a run, it does not change it
    assert run_key(tiny.override({"description": "x"}), 0, 10) == k
    assert run_key(tiny, 1, 10) != k and run_key(tiny, 0, 11) != k
    assert run_key(tiny.override({"supervisors.coaching": 0.9}), 0, 10) != k
    assert run_key(tiny.override({"rivals.rival.pricing.price": 60.0}), 0, 10) != k
    assert scenario_key(tiny) != scenario_key(cxsim.load_scenario("baseline"))
    monkeypatch.setattr(cxsim, "__version__", "99.0-other")
    assert run_key(tiny, 0, 10) != k, "a new cxsim version must never read an old version's result"


# ----------------------------------------------------------------------------- cache


def test_the_cache_is_bounded_by_entries_least_recently_used_out_first():
    c = ResultCache(max_entries=2)
    c.put("a", 1)
    c.put("b", 2)
    assert c.get("a") == 1  # a is now the most recently used
    c.put("c", 3)
    assert "b" not in c and c.get("a") == 1 and c.get("c") == 3
    assert len(c) == 2 and c.stats.evicted == 1


def test_the_cache_is_bounded_by_bytes():
    c = ResultCache(max_entries=100, max_bytes=10, size_of=len)
    c.put("a", "xxxx")
    c.put("b", "yyyy")
    c.put("c", "zzzz")  # 12 bytes > 10: the oldest goes
    assert "a" not in c and "b" in c and "c" in c and c.stats.bytes == 8
    c.put("huge", "h" * 11)  # larger than the whole budget: never kept, nothing else dropped for it
    assert "huge" not in c and len(c) == 2
    with pytest.raises(ValueError, match="max_entries must be a whole number >= 1"):
        ResultCache(max_entries=0)


def test_two_threads_asking_at_once_compute_once():
    c = ResultCache()
    calls = []
    inside = threading.Event()
    release = threading.Event()

    def compute():
        calls.append(1)
        inside.set()
        assert release.wait(10)
        return "value"

    got = []
    first = threading.Thread(target=lambda: got.append(c.get_or_compute("k", compute)))
    first.start()
    assert inside.wait(10)  # the first thread is computing ...
    second = threading.Thread(target=lambda: got.append(c.get_or_compute("k", compute)))
    second.start()
    time.sleep(0.2)  # ... and the second is asking for the same key meanwhile
    assert len(got) == 0, "the second thread must wait for the first one's value"
    release.set()
    first.join(10)
    second.join(10)
    assert got == ["value", "value"] and calls == [1]
    assert c.stats.computed == 1


def test_a_failed_compute_is_raised_to_every_waiter_and_not_kept():
    c = ResultCache()

    def boom():
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        c.get_or_compute("k", boom)
    assert "k" not in c
    assert c.get_or_compute("k", lambda: 5) == 5


def test_a_cached_run_is_identical_to_a_fresh_run(tiny):
    cache = run_cache()
    first = cached_run(cache, tiny, 3, 5)
    again = cached_run(cache, named(tiny, "same firm, other name"), 3, 5)
    fresh = run(tiny, seed=3, steps=5)
    pd.testing.assert_frame_equal(first.timeseries, fresh.timeseries)
    pd.testing.assert_frame_equal(again.timeseries, fresh.timeseries)
    assert cache.stats.computed == 1 and cache.stats.hits == 1
    assert again.scenario.name == "same firm, other name" and again.version == fresh.version
    again.timeseries.loc[0, "nps"] = -999.0  # one session's copy: the cached run does not change
    pd.testing.assert_frame_equal(cached_run(cache, tiny, 3, 5).timeseries, fresh.timeseries)


# ----------------------------------------------------------------------------- queue


def test_the_queue_takes_sessions_in_turn_and_says_how_many_runs_are_ahead(tiny):
    backend = GatedBackend(slots=1)
    q = RunQueue(backend)
    try:
        blocker = q.submit("z", [(named(tiny, "z"), 99, 2)])
        assert backend.started.acquire(timeout=10)  # z's run holds the only worker
        a = q.submit("a", [(named(tiny, "a"), s, 2) for s in range(4)])
        b = q.submit("b", [(named(tiny, "b"), s, 2) for s in range(10, 12)])
        c = q.submit("c", [(named(tiny, "c"), 20, 2)])
        assert (a.position().ahead, b.position().ahead, c.position().ahead) == (0, 1, 2)
        assert c.position().running == 1 and a.position().waiting == 4
        assert blocker.position().ahead == 0 and blocker.position().waiting == 0
        backend.gate.set()
        for t in (blocker, a, b, c):
            t.results(timeout=30)
        # one run per session per turn: a's four runs do not hold b and c back
        assert backend.asked == [("z", 99), ("a", 0), ("b", 10), ("c", 20), ("a", 1), ("b", 11), ("a", 2), ("a", 3)]
        assert [r.seed for r in a.results()] == [0, 1, 2, 3]
    finally:
        q.close()


def test_the_same_run_asked_by_two_sessions_is_computed_once(tiny):
    backend = GatedBackend(slots=2)
    q = RunQueue(backend)
    try:
        jobs = [(tiny, s, 2) for s in range(3)]
        tickets = []
        threads = [threading.Thread(target=lambda n=n: tickets.append(q.submit(n, jobs))) for n in ("s1", "s2")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        backend.gate.set()
        got = [t.results(timeout=30) for t in tickets]
        assert len(backend.asked) == 3 and q.computed == 3
        assert sum(t.shared for t in tickets) == 3
        for r1, r2 in zip(*got, strict=True):
            pd.testing.assert_frame_equal(r1.timeseries, r2.timeseries)
        # asked again later: every run comes from the cache, nothing is computed
        later = q.submit("s3", jobs)
        assert later.complete and later.from_cache == 3 and len(backend.asked) == 3
    finally:
        q.close()


def test_cancel_drops_the_waiting_runs_nobody_else_needs(tiny):
    backend = GatedBackend(slots=1)
    q = RunQueue(backend)
    try:
        going = q.submit("a", [(tiny, 0, 2)])
        assert backend.started.acquire(timeout=10)
        mine = q.submit("a", [(tiny, s, 2) for s in (0, 1, 2, 3)])
        theirs = q.submit("b", [(tiny, 3, 2)])  # b also wants seed 3
        assert mine.cancel() == 2  # seeds 1 and 2: nobody else waits for them
        with pytest.raises(Cancelled):
            mine.results(timeout=1)
        backend.gate.set()
        assert [r.seed for r in theirs.results(timeout=30)] == [3]
        going.results(timeout=30)
        assert sorted(s for _, s in backend.asked) == [0, 3]
        assert q.pending() == 0
        # the run that was going when Stop was pressed finished and is cached: asking again computes nothing
        assert q.submit("a", [(tiny, 0, 2)]).from_cache == 1
    finally:
        q.close()


def test_a_failed_run_is_a_clear_error_and_the_queue_goes_on(tiny):
    q = RunQueue(GatedBackend(slots=1, gated=False, fail_seed=1))
    try:
        bad = q.submit("a", [(named(tiny, "mine"), s, 2) for s in (0, 1)])
        with pytest.raises(RunError, match="run of 'mine' seed 1, 2 weeks failed: boom"):
            bad.results(timeout=30)
        assert q.submit("b", [(tiny, 5, 2)]).results(timeout=30)[0].seed == 5
    finally:
        q.close()


def test_the_queue_runs_the_real_model_identically_on_threads_and_processes(tiny):
    fresh = [run(tiny, seed=s, steps=4) for s in (0, 1)]
    for backend in (ThreadBackend(1), ProcessBackend(1)):
        q = RunQueue(backend)
        try:
            got = q.submit("s", [(tiny, s, 4) for s in (0, 1)]).results(timeout=300)
        finally:
            q.close()
        for g, f in zip(got, fresh, strict=True):
            pd.testing.assert_frame_equal(g.timeseries, f.timeseries)


def test_progressive_compare_through_the_queue_equals_one_compare_call(tiny):
    from cxsim.comparison import compare
    from cxsim.ui import analysis

    b = tiny.override({"supervisors.coaching": 0.9})
    q = RunQueue(ThreadBackend(1))
    try:
        partials = []
        got = analysis.progressive_compare(tiny, b, seeds=4, steps=4, queue=q, session="s", on_partial=partials.append)
        again = analysis.progressive_compare(tiny, b, seeds=4, steps=4, queue=q, session="t")
    finally:
        q.close()
    want = compare(tiny, b, seeds=4, steps=4, kpis=analysis.table_kpis(tiny, b))
    pd.testing.assert_frame_equal(got.table, want.table)
    pd.testing.assert_frame_equal(got.runs, want.runs)
    pd.testing.assert_frame_equal(again.table, want.table)
    assert [len(p.seeds) for p in partials] == [2]  # a first look; the complete answer is returned
    assert q.computed == 8  # the second session's what-if came from the cache


def test_the_queue_runs_on_a_dask_cluster(tiny, dask_cluster):
    q = RunQueue(DaskBackend(dask_cluster))
    try:
        assert q.backend.slots >= 1 and "Dask cluster at tcp://127.0.0.1" in q.describe()
        got = q.submit("s", [(tiny, s, 4) for s in (0, 1, 2)]).results(timeout=300)
        again = q.submit("t", [(tiny, 1, 4)])
    finally:
        q.close()
    for g in got:
        pd.testing.assert_frame_equal(g.timeseries, run(tiny, seed=g.seed, steps=4).timeseries)
    assert again.from_cache == 1  # the cache stands in front of the cluster too


def test_an_unreachable_dask_scheduler_is_a_one_line_error():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(RunError, match=rf"--scheduler tcp://127.0.0.1:{port}: cannot reach a Dask scheduler"):
        DaskBackend(f"tcp://127.0.0.1:{port}", timeout=2)
    with pytest.raises(RunError, match="expected an address like tcp://"):
        DaskBackend("127.0.0.1:8786")
