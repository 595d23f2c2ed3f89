"""Golden baselines: a few KPIs of every shipped scenario at fixed seeds.

A change that moves them is a deliberate, reviewed change: ``tests/test_golden.py``
fails and prints how far each KPI moved. After such a change, regenerate on
purpose and commit the new ``baselines.json`` with the change that caused it::

    .venv/bin/python tests/golden/regenerate.py             # every shipped scenario
    .venv/bin/python tests/golden/regenerate.py baseline    # only the named ones (others kept)
    CXSIM_UPDATE_GOLDEN=1 ./dev test tests/test_golden.py   # the same, through the test command

Each scenario runs ``SHORT_WEEKS`` weeks at ``SEED`` (fast), and the
baseline also its full horizon, so slow drifts show too.
"""

from __future__ import annotations

import functools
import json
import math
import sys
from pathlib import Path

GOLDEN_FILE = Path(__file__).with_name("baselines.json")
SEED = 1
SHORT_WEEKS = 26
FULL_HORIZON = ("baseline",)  # also run at sim.weeks

#: Summary keys stored per case: levels at the last week and totals over the run.
KPIS = (
    "weeks",
    "customers",
    "former_customers",
    "nps",
    "mean_engagement",
    "resolution_rate",
    "review_rating",
    "cash",
    "total_new_customers",
    "total_churned",
    "total_contacts",
    "total_revenue",
    "total_cost_total",
    "share",
    "reputation",
    "employees",
    "rival_customers",
    "rival_nps",
)
#: Relative tolerance: the engine is deterministic; this only forgives last-bit
#: differences of a compiler or platform, not a model change.
RTOL = 1e-9
ATOL = 1e-9


def cases() -> list[tuple[str, str, int]]:
    """(case id, scenario name, weeks) for every shipped scenario."""
    import cxsim

    out = []
    for name in sorted(cxsim.shipped_scenarios()):
        out.append((f"{name}@{SHORT_WEEKS}", name, SHORT_WEEKS))
        if name in FULL_HORIZON:
            weeks = cxsim.load_scenario(name).sim.weeks
            out.append((f"{name}@{weeks}", name, weeks))
    return out


@functools.cache
def run_case(name: str, weeks: int, seed: int = SEED):
    """One run of a shipped scenario (cached: the invariant tests reuse it)."""
    import cxsim

    return cxsim.run(name, seed=seed, steps=weeks)


def measure(name: str, weeks: int) -> dict[str, float]:
    summary = run_case(name, weeks).summary
    return {k: float(summary[k]) for k in KPIS if k in summary}  # a market without a rival has no rival_ KPIs


def load() -> dict:
    if not GOLDEN_FILE.exists():
        return {"seed": SEED, "cases": {}}
    return json.loads(GOLDEN_FILE.read_text())


def differences(golden: dict[str, float], now: dict[str, float]) -> list[tuple[str, float, float, float]]:
    """(kpi, golden, now, relative change) for every KPI that moved beyond the tolerance."""
    out = []
    for k in KPIS:
        if k not in golden and k not in now:  # e.g. rival_nps of a market without a rival
            continue
        g, n = golden.get(k, math.nan), now.get(k, math.nan)
        if not math.isclose(g, n, rel_tol=RTOL, abs_tol=ATOL):
            rel = (n - g) / abs(g) if g not in (0.0,) and math.isfinite(g) else math.inf
            out.append((k, g, n, rel))
    return out


def regenerate(only: list[str] | None = None) -> dict:
    """Recompute the baselines (all, or only the named scenarios) and write them atomically."""
    import cxsim
    from cxsim.atomic import write_json

    data = load()
    data["seed"] = SEED
    data["version"] = cxsim.__version__
    known = {case for case, _, _ in cases()}
    data["cases"] = {k: v for k, v in data.get("cases", {}).items() if k in known}  # drop removed scenarios
    for case, name, weeks in cases():
        if only and name not in only:
            continue
        data["cases"][case] = measure(name, weeks)
        print(
            f"{case:40s} nps {data['cases'][case]['nps']:8.2f}  customers {data['cases'][case]['customers']:>9,.0f}  "
            f"cash {data['cases'][case]['cash']:>14,.0f}",
            flush=True,
        )
    write_json(GOLDEN_FILE, data)
    print(f"wrote {GOLDEN_FILE}")
    return data


if __name__ == "__main__":
    names = sys.argv[1:]
    if names:
        import cxsim

        unknown = sorted(set(names) - set(cxsim.shipped_scenarios()))
        if unknown:
            sys.exit(f"error: not shipped scenarios: {', '.join(unknown)}")
    regenerate(names or None)
