"""Throughput of many runs: ``cxsim.run_many`` with 1 and 2 workers (16 runs of 5,000 people, 26 weeks)."""

from __future__ import annotations

import pytest

from benchmarks import harness as h


@pytest.mark.parametrize("workers", [1, 2])
def test_run_many(benchmark, workers):
    import cxsim

    s = h.scenario(5000, **{"sim.weeks": 26})
    benchmark.group = "sweep"
    benchmark.extra_info.update(workers=workers, runs=16, load=h.load())
    results = benchmark.pedantic(
        cxsim.run_many, args=(s,), kwargs={"seeds": 16, "workers": workers}, rounds=2, iterations=1
    )
    assert len(results) == 16
