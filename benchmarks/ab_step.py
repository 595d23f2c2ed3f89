"""Time the weekly step of one checkout, for an A/B between two versions of the engine.

    PYTHONPATH=<checkout>/src python benchmarks/ab_step.py PEOPLE WEEKS

Builds ``baseline`` with ``market.size = PEOPLE``, steps 3 warm-up weeks, then times WEEKS weeks and prints the
best and the median week in ms. Run it alternately in the two checkouts (their own NUMBA_CACHE_DIR each) and
compare the best weeks of many rounds: benchmarks/refactor_ab.md.
"""

from __future__ import annotations

import statistics
import sys
import time

import cxsim


def main() -> None:
    people, weeks = int(sys.argv[1]), int(sys.argv[2])
    model = cxsim.CXModel(cxsim.load_scenario("baseline").override({"market.size": people}), seed=1)
    for _ in range(3):
        model.step()
    times = []
    for _ in range(weeks):
        t = time.perf_counter()
        model.step()
        times.append(time.perf_counter() - t)
    print(f"{min(times) * 1e3:.3f} {statistics.median(times) * 1e3:.3f}")


if __name__ == "__main__":
    main()
