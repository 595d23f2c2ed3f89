"""Golden baselines: the shipped scenarios' KPIs move only when someone means them to.

Fails with a table of how far each KPI moved. If the move is intended (a
model change, a recalibration, a new scenario), regenerate the baselines on
purpose and commit them with the change:
``.venv/bin/python tests/golden/regenerate.py`` (see tests/golden/regenerate.py).
"""

from __future__ import annotations

import os

import pytest

from golden import regenerate as golden

CASES = golden.cases()


@pytest.fixture(scope="module")
def stored():
    if os.environ.get("CXSIM_UPDATE_GOLDEN"):
        return golden.regenerate()
    return golden.load()


@pytest.mark.parametrize("case,name,weeks", CASES, ids=[c for c, _, _ in CASES])
def test_golden_kpis_have_not_moved(stored, case, name, weeks):
    regen = "run `.venv/bin/python tests/golden/regenerate.py " + name + "` if this change is intended"
    assert case in stored["cases"], f"no golden baseline for {case}; {regen}"
    assert stored["seed"] == golden.SEED
    moved = golden.differences(stored["cases"][case], golden.measure(name, weeks))
    if moved:
        lines = [f"{case}: {len(moved)} KPI(s) moved from the golden baseline ({regen}):"]
        lines += [
            f"  {k:22s} golden {g:>16,.6g}  now {n:>16,.6g}  change {n - g:>+14,.6g} ({rel:+.3%})"
            for k, g, n, rel in moved
        ]
        pytest.fail("\n".join(lines), pytrace=False)


def test_golden_file_has_no_stale_cases(stored):
    stale = sorted(set(stored["cases"]) - {c for c, _, _ in CASES})
    assert not stale, f"golden baselines for scenarios that are no longer shipped: {stale}; regenerate"


def test_differences_reports_moves():
    base = {k: 1.0 for k in golden.KPIS}
    assert golden.differences(base, dict(base)) == []
    moved = golden.differences(base, {**base, "nps": 1.5})
    assert moved == [("nps", 1.0, 1.5, 0.5)]
