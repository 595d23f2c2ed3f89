"""Sweep throughput: runs/s of the local executor with 1 vs 2 processes (README.md#performance).

Serves the analyst who runs thousands of variants overnight: on 2 cores, two
processes should do at least 1.8x the runs/s of one. The sweep is 200
replications of ``baseline`` at 52 weeks (the README's figure); set
``CXSIM_SWEEP_BENCH_RUNS`` to measure a smaller proxy. Rounds alternate the
configurations in one pytest session so the figures read as ratios under the
same machine load (recorded next to them: the machine is shared).

    pytest benchmarks/test_sweep_throughput.py --benchmark-only -s

The measurement itself lives in :mod:`benchmarks.sweep_throughput`
(``python -m benchmarks.sweep_throughput`` also times the ``cxsim sweep``
command and keeps the figures in ``benchmarks/sweep_throughput.md``).
"""

from __future__ import annotations

import os

import pytest

from benchmarks import sweep_throughput as st

RUNS = int(os.environ.get("CXSIM_SWEEP_BENCH_RUNS", str(st.RUNS)))
ROUNDS = int(os.environ.get("CXSIM_SWEEP_BENCH_ROUNDS", "2"))
#: rounds alternate the configurations, so a change of machine load hits all alike
CASES = [(r, name) for r in range(1, ROUNDS + 1) for name in st.LIBRARY_CONFIGS]
RATES: dict[tuple[int, str], float] = {}
GROUP = f"sweep: {RUNS} runs of baseline x {st.WEEKS} weeks"


@pytest.fixture(scope="module", autouse=True)
def warm_cache():
    """Load (or compile) the kernels once so no configuration pays for compilation."""
    st.warm()


@pytest.mark.parametrize(("round_", "config"), CASES, ids=[f"round{r}-{n.replace(' ', '_')}" for r, n in CASES])
def test_sweep_runs_per_second(benchmark, round_, config):
    """Wall time of the whole sweep call: helper start-up and kernel loading count against the pool
    (the one-process sweep starts warm), Parquet writes and the manifest count for both."""
    benchmark.group = GROUP
    figures = benchmark.pedantic(st.measure_library, args=(config, RUNS), rounds=1, iterations=1)
    RATES[(round_, config)] = figures["runs_per_s"]
    benchmark.extra_info.update(config=config, **{k: round(v, 3) for k, v in figures.items()})


def test_speedup_of_two_processes(benchmark):
    """The ratio the README's Performance section asks for (target >= 1.8), round by round, from the measurements above."""
    if len(RATES) < len(CASES):
        pytest.skip("needs the throughput measurements of this module")
    ratios = {
        name: [RATES[(r, name)] / RATES[(r, "1")] for r in range(1, ROUNDS + 1)]
        for name in st.LIBRARY_CONFIGS
        if name != "1"
    }
    benchmark.group = GROUP
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    benchmark.extra_info.update(
        speedup_per_round={k: [round(x, 3) for x in v] for k, v in ratios.items()}, target=st.TARGET, load=st.load()
    )
    lines = [
        f"round {r}: "
        + ", ".join(f"{n} process(es) {RATES[(r, n)]:.2f} runs/s" for n in st.LIBRARY_CONFIGS)
        + " -> "
        + ", ".join(f"{n}: {v[r - 1]:.2f}x" for n, v in ratios.items())
        for r in range(1, ROUNDS + 1)
    ]
    print(f"\nsweep throughput (target 2 >= {st.TARGET}x 1), load now {st.load()}\n" + "\n".join(lines))
