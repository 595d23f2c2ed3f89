"""Step time of cxsim at 10^4..10^6 people, the streaming floor over the same bytes, and 1 vs 2 threads.

Compare a size's ``test_cxsim_step`` with its ``test_streaming_floor`` (same
group) for the floor ratio; ``extra_info`` records bytes per person and the
machine load at the time.
"""

from __future__ import annotations

import pytest

from benchmarks import harness as h

SIZES = [10_000, 100_000, 1_000_000]


def _rounds(size: int) -> int:
    return 30 if size <= 10_000 else 10 if size <= 100_000 else 5


@pytest.fixture(scope="module", params=SIZES, ids=h.size_id)
def model(request):
    return h.make_model(request.param, warm_steps=2)


def test_cxsim_step(benchmark, model):
    n = model.market.size
    benchmark.group = f"step {n:,} people"
    benchmark.extra_info.update(size=n, bytes_per_person=h.bytes_per_customer(model), load=h.load())
    benchmark.pedantic(model.step, rounds=_rounds(n), iterations=1)


def test_streaming_floor(benchmark, model):
    n = model.market.size
    floor = h.StreamingFloor(model)
    benchmark.group = f"step {n:,} people"
    benchmark.extra_info.update(size=n, nbytes=floor.nbytes, load=h.load())
    benchmark.pedantic(floor.run, rounds=_rounds(n), iterations=1, warmup_rounds=1)


@pytest.mark.parametrize("threads", [1, 2])
def test_cxsim_step_threads_1m(benchmark, threads):
    m = h.make_model(1_000_000, warm_steps=1)
    benchmark.group = "threads, 1,000,000 people"
    benchmark.extra_info.update(threads=threads, load=h.load())
    with h.threads(threads, exactly=True):
        benchmark.pedantic(m.step, rounds=5, iterations=1, warmup_rounds=1)


def test_graph_build_1m(benchmark):
    from cxsim import network

    benchmark.group = "graph"
    benchmark.extra_info.update(load=h.load())
    benchmark.pedantic(network.build, args=("watts_strogatz", 1_000_000, 10, 1), rounds=3, iterations=1)
