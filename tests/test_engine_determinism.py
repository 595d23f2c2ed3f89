"""Same scenario + seed + version = the same frame, whatever the thread count."""

from __future__ import annotations

import numba
import pandas as pd

import cxsim


def test_same_seed_same_frame(small):
    a = cxsim.run(small, seed=5).timeseries
    b = cxsim.run(small, seed=5).timeseries
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    c = cxsim.run(small, seed=6).timeseries
    assert not a.equals(c)


def test_one_and_two_threads_identical(small):
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = cxsim.run(small, seed=9).timeseries
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = cxsim.run(small, seed=9).timeseries
    finally:
        numba.set_num_threads(before)
    pd.testing.assert_frame_equal(one, two, check_exact=True)


def test_result_is_stamped_with_scenario_seed_and_version(small):
    r = cxsim.run(small, seed=4, steps=3)
    assert r.seed == 4 and r.version == cxsim.__version__ and r.scenario == small
    assert r.summary["seed"] == 4 and r.summary["version"] == cxsim.__version__
    assert len(r.timeseries) == 3 and list(r.timeseries["week"]) == [1, 2, 3]


def test_run_many_with_workers_equals_serial(small):
    serial = cxsim.run_many(small, seeds=[1, 2], steps=6, workers=1)
    pooled = cxsim.run_many(small, seeds=[1, 2], steps=6, workers=2)
    for a, b in zip(serial, pooled, strict=True):
        pd.testing.assert_frame_equal(a.timeseries, b.timeseries, check_exact=True)
