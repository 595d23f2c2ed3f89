"""The lesson registry and the experiment scripts that measure each lesson (experiments/).

The registry (``cxsim.lessons``) is the one list of lessons the UI, the
experiments and the docs share; the experiment script turns a lesson into a
figure and a finding. These tests run the script on a tiny firm (a few weeks,
a few seeds) so they check the plumbing and the honesty of the verdict, not
the lessons themselves (tests/test_lessons.py does that).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

import cxsim
from cxsim.lessons import LESSONS, lesson
from cxsim.metrics import KPIS
from cxsim.scenario import diff

EXPERIMENTS = Path(__file__).resolve().parents[1] / "experiments"


def load_script(name: str):
    sys.path.insert(0, str(EXPERIMENTS))
    try:
        spec = importlib.util.spec_from_file_location(f"exp_{name}", EXPERIMENTS / f"{name}.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    finally:
        sys.path.remove(str(EXPERIMENTS))


def test_registry_is_shared_and_consistent():
    from cxsim.ui import lessons as ui_lessons

    assert ui_lessons.LESSONS is LESSONS
    keys = [ls.key for ls in LESSONS]
    assert len(keys) == len(set(keys)) == 13
    for ls in LESSONS:
        assert ls.kpi in KPIS and set(ls.secondary) <= set(KPIS), ls.key
        assert ls.expect in (1, -1)
        cxsim.load_scenario(ls.a), cxsim.load_scenario(ls.b)
        assert lesson(ls.key) is ls
    with pytest.raises(KeyError, match="supervisor_led"):
        lesson("no_such_lesson")


def test_scaling_keeps_the_lever_as_the_only_difference():
    exp = load_script("lessons")
    a, b = cxsim.load_scenario("budget_acquisition"), cxsim.load_scenario("budget_retention")
    sa, sb = exp.scaled(a, 0.2), exp.scaled(b, 0.2)
    assert sa.market.size == 10_000 and sa.workforce.employees == 100
    assert sa.finance.fixed_cost == pytest.approx(0.2 * a.finance.fixed_cost)
    # the budget lever is money: it shrinks with the firm instead of being overwritten
    assert sa.leadership.marketing_spend == pytest.approx(0.2 * a.leadership.marketing_spend)
    assert sb.leadership.marketing_spend == pytest.approx(0.2 * b.leadership.marketing_spend)
    # the rival shrinks with the market too, so the lesson's firm meets the same competition
    for name, rival in a.rivals.items():
        assert sa.rivals[name].workforce.employees == round(0.2 * rival.workforce.employees)
    assert set(diff(sa, sb)) - {"name", "description"} == set(diff(a, b)) - {"name", "description"}
    assert exp.scaled(a, 1.0) is a


def test_lesson_script_writes_figure_finding_and_index(tmp_path, monkeypatch):
    exp = load_script("lessons")
    monkeypatch.setattr(exp, "RESULTS", tmp_path / "results")
    monkeypatch.setattr(exp, "HERE", tmp_path)
    assert exp.main(["cx_room", "--seeds", "3", "--scale", "0.02", "--weeks", "6"]) == 0
    res = json.loads((tmp_path / "results" / "cx_room.json").read_text())
    assert res["seeds"] == 3 and res["weeks"] == 6 and res["market_size"] == 1000 and res["employees"] == 10
    assert res["changes"] == {"programs.cx_room": ["False", "True"]}
    assert res["ci_low"] <= res["diff"] <= res["ci_high"]
    assert res["significant"] == (res["ci_low"] > 0 or res["ci_high"] < 0)
    png = (tmp_path / "results" / "cx_room.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) < 200_000
    md = (tmp_path / "results" / "cx_room.md").read_text()
    for needed in ("3 paired seeds", "6 weeks", "market of 1,000 people", "95% CI", "Verdict"):
        assert needed in md
    index = (tmp_path / "README.md").read_text()
    assert "results/cx_room.png" in index and "not run yet" in index  # the other lessons are listed as missing


def test_verdict_says_when_a_lesson_does_not_show():
    exp = load_script("lessons")
    base = {"expect": 1, "seeds": 10}
    assert exp.verdict({**base, "as_expected": True, "direction_matches": True, "significant": True}).startswith("As")
    within = exp.verdict({**base, "as_expected": False, "direction_matches": True, "significant": False})
    assert "not distinguishable from noise" in within
    against = exp.verdict({**base, "as_expected": False, "direction_matches": False, "significant": True})
    assert against.startswith("AGAINST")
    assert exp.verdict({**base, "as_expected": False, "direction_matches": False, "significant": False}).startswith(
        "Not shown"
    )
