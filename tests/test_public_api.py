"""The library's public entry points, used exactly as README.md and docs/ show them."""

from __future__ import annotations

import subprocess
import sys

import cxsim

TINY = {"market.size": 2000, "workforce.employees": 40, "workforce.team_size": 8}


def test_compare_is_a_function_of_the_package():
    """docs/lessons.md: ``cxsim.compare(a, b, seeds=8, steps=None, kpis=None) -> Comparison``."""
    from cxsim import Comparison, compare

    assert compare is cxsim.compare and callable(compare)
    a = cxsim.load_scenario("baseline").override(TINY)
    c = cxsim.compare(a, a.override({"programs.cx_room": True}), seeds=2, steps=4)
    assert isinstance(c, Comparison) and c.seeds == [0, 1] and c.steps == 4
    assert {"kpi", "a_mean", "b_mean", "diff", "ci_low", "ci_high", "half_width", "significant"} <= set(c.table.columns)
    assert set(c.runs["arm"]) == {"A", "B"} and c.changes == {"programs.cx_room": (False, True)}
    assert len(c.results_a) == len(c.results_b) == 2
    # common random numbers (docs/guarantees.md): an A/A comparison differs by exactly nothing
    same = cxsim.compare(a, a, seeds=2, steps=4, kpis=["nps", "profit"])
    assert list(same.table["kpi"]) == ["nps", "profit"] and (same.table["diff"] == 0).all()


def test_importing_cxsim_stays_cheap():
    """``import cxsim`` (and so ``cxsim.compare``) loads no model kernels, no Numba, no SciPy."""
    heavy = ("numba", "scipy", "cxsim.model")
    code = f"import sys, cxsim; cxsim.compare; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
