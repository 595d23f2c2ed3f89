"""cxsim vs the plain-Mesa reference (benchmarks/reference_mesa.py): one week of the same scenario.

Same group per size: pytest-benchmark's comparison shows the speed-up.
"""

from __future__ import annotations

import os

import pytest

from benchmarks import harness as h

SIZES = [10_000, 100_000]


@pytest.mark.parametrize("size", SIZES, ids=h.size_id)
def test_mesa_reference_step(benchmark, size):
    from benchmarks.reference_mesa import ReferenceModel

    ref = ReferenceModel(h.scenario(size), seed=1)
    ref.step()
    benchmark.group = f"reference {size:,} people"
    benchmark.extra_info.update(size=size, load=h.load())
    benchmark.pedantic(ref.step, rounds=3 if size <= 10_000 else 2, iterations=1)


@pytest.mark.parametrize("threads", ["default", "all cores", "1 thread"])
@pytest.mark.parametrize("size", SIZES, ids=h.size_id)
def test_cxsim_step_same_scenario(benchmark, size, threads):
    """The reference runs on one core; cxsim with its default threads (fewer while the machine is busy), on all
    cores exactly (the target's figure, README.md#performance) and on one thread."""
    m = h.make_model(size, seed=1, warm_steps=1)
    benchmark.group = f"reference {size:,} people"
    benchmark.extra_info.update(size=size, threads=threads, load=h.load())
    n = {"default": None, "all cores": os.cpu_count() or 1, "1 thread": 1}[threads]
    with h.threads(n, exactly=n is not None):
        benchmark.pedantic(m.step, rounds=20, iterations=1)
