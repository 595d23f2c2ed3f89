"""cxsim vs the plain-Mesa reference (benchmarks/reference_mesa.py): one week of the same scenario.

Same group per size: pytest-benchmark's comparison shows the speed-up.
"""

from __future__ import annotations

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


@pytest.mark.parametrize("size", SIZES, ids=h.size_id)
def test_cxsim_step_same_scenario(benchmark, size):
    m = h.make_model(size, seed=1, warm_steps=1)
    benchmark.group = f"reference {size:,} people"
    benchmark.extra_info.update(size=size, load=h.load())
    benchmark.pedantic(m.step, rounds=20, iterations=1)
