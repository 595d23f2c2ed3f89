"""Every lesson in the scenario library shows the way CX practice says it does.

Each test runs a shipped lesson pair over the same seeds (common random
numbers) and checks the KPI the lesson is about with the paired 95%
confidence interval: "higher" means the whole interval of B - A lies above
zero, not that one lucky seed came out ahead. Most lessons run on a smaller
firm (baseline at one tenth of its size, 52 weeks) through overrides applied to
both sides alike, so the lever is still the only difference; the lessons
whose point is money at the real scale (budget) or a probability over many
seeds (the viral detractor) are marked slow.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from tests.conftest import scaled

import cxsim
from cxsim.comparison import compare
from cxsim.scenario import diff, scenarios_dir

#: baseline at one tenth of its size (people, each firm's employees and fixed-money lines), two years
SMALL = scaled(5000, 104)
SEEDS = 8

LESSON_FILES = [
    "supervisor_led",
    "hr_led",
    "frontline_least_engaged",
    "frontline_most_engaged",
    "incent_efficiency",
    "incent_cx",
    "programs_committed",
    "programs_uncommitted",
    "leadership_consistent",
    "leadership_mixed",
    "empowered",
    "rigid_procedures",
    "silos",
    "cx_team",
    "cx_room",
    "recruit_for_values",
    "small_business_viral_detractor",
    "small_business_viral_detractor_recovery",
    "budget_retention",
    "budget_acquisition",
    "promise_overpromise",
    "promise_honest",
    "voc_reality_check",
]


def paired(a, b, kpis, *, seeds=SEEDS, overrides=SMALL, overrides_a=None):
    """Compare shipped scenarios ``a`` and ``b`` (same overrides on both); table indexed by KPI."""
    sa, sb = cxsim.load_scenario(a), cxsim.load_scenario(b)
    if overrides:
        sa, sb = sa.override(overrides), sb.override(overrides)
    if overrides_a:
        sa = sa.override(overrides_a)
    c = compare(sa, sb, seeds=seeds, kpis=kpis)
    return c, c.table.set_index("kpi")


def higher(t, kpi):
    r = t.loc[kpi]
    assert r.ci_low > 0, f"{kpi}: B - A = {r['diff']:.4g}, 95% CI [{r.ci_low:.4g}, {r.ci_high:.4g}] should be > 0"


def lower(t, kpi):
    r = t.loc[kpi]
    assert r.ci_high < 0, f"{kpi}: B - A = {r['diff']:.4g}, 95% CI [{r.ci_low:.4g}, {r.ci_high:.4g}] should be < 0"


# ------------------------------------------------------------------ the library itself


@pytest.mark.parametrize("name", LESSON_FILES)
def test_lesson_file_is_shipped_and_explains_itself(name):
    path = scenarios_dir() / f"{name}.toml"
    text = path.read_text()
    assert text.startswith("#"), f"{name}.toml needs a header comment saying what it shows"
    assert "Lesson" in text and ("Lever" in text), f"{name}.toml header must name the lesson and the lever(s)"
    s = cxsim.load_scenario(name)
    assert s.name == name and s.description


@pytest.mark.parametrize(
    "a,b,levers",
    [
        ("hr_led", "supervisor_led", {"supervisors.coaching", "programs.hr_engagement"}),
        ("frontline_least_engaged", "frontline_most_engaged", {"workforce.staffing_policy"}),
        ("incent_efficiency", "incent_cx", {"incentives.cx_weight"}),
        ("programs_uncommitted", "programs_committed", {"leadership.commitment"}),
        ("leadership_mixed", "leadership_consistent", {"leadership.message_consistency"}),
        ("rigid_procedures", "empowered", {"process.empowerment"}),
        ("silos", "cx_team", {"programs.cx_team"}),
        ("baseline", "cx_room", {"programs.cx_room"}),
        ("baseline", "recruit_for_values", {"programs.recruit_for_values"}),
        ("small_business", "small_business_viral_detractor", {"wom.viral_prob", "wom.rally_prob"}),
        ("small_business_viral_detractor", "small_business_viral_detractor_recovery", {"process.service_recovery"}),
        ("budget_acquisition", "budget_retention", {"leadership.marketing_spend", "process.service_recovery"}),
        ("promise_overpromise", "promise_honest", {"leadership.brand_promise"}),
        ("baseline", "voc_reality_check", {"programs.voc", "measurement.reality_check"}),
    ],
)
def test_pairs_differ_only_in_the_named_levers(a, b, levers):
    changed = {k for k in diff(cxsim.load_scenario(a), cxsim.load_scenario(b)) if k not in ("name", "description")}
    assert changed == levers


def test_same_scenario_twice_gives_exactly_zero_differences():
    # common random numbers: an A/A comparison has no noise at all
    _, t = paired("baseline", "baseline", ["nps", "customers", "profit"], seeds=3)
    assert (t["diff"] == 0).all() and (t["half_width"] == 0).all()


# ------------------------------------------------------------------ the lessons


def test_supervisor_led_beats_hr_led_on_engagement_and_nps():
    c, t = paired("hr_led", "supervisor_led", ["mean_engagement", "nps", "cost_programs"])
    higher(t, "mean_engagement")
    higher(t, "nps")
    # the same money per employee, spent two ways (headcounts differ a little: staffing follows demand), as long
    # as management has not cut the budgets (it cuts coaching and programs alike when margins fall)
    runs = c.runs.groupby(["arm", "seed"])[["cost_programs", "employees", "management_cuts"]].sum()
    uncut = runs.groupby("seed")["management_cuts"].sum() == 0
    per_employee = (runs["cost_programs"] / runs["employees"]).unstack("arm")[uncut]
    assert len(per_employee) >= 4
    np.testing.assert_allclose(per_employee["A"], per_employee["B"], rtol=1e-9)


def test_least_engaged_front_line_has_lower_nps_and_more_churn():
    _, t = paired("frontline_most_engaged", "frontline_least_engaged", ["nps", "churned", "frontline_engagement"])
    lower(t, "frontline_engagement")
    lower(t, "nps")
    higher(t, "churned")


def test_cx_incentives_beat_efficiency_incentives_but_efficiency_is_cheaper_per_contact():
    c, t = paired("incent_efficiency", "incent_cx", ["nps", "resolution_rate", "cost_contacts", "contacts"])
    higher(t, "nps")
    higher(t, "resolution_rate")
    # the trade-off is real: efficiency incentives do cut the cost of each contact
    runs = c.runs.groupby(["arm", "seed"])[["cost_contacts", "contacts"]].sum()
    per_contact = runs["cost_contacts"] / runs["contacts"]
    assert (per_contact.loc["A"] < per_contact.loc["B"]).all()


def test_committed_programs_raise_engagement_and_nps_uncommitted_ones_only_cost():
    kpis = ["nps", "mean_engagement", "cost_total", "profit"]
    _, t = paired("programs_uncommitted", "programs_committed", kpis)
    higher(t, "mean_engagement")
    higher(t, "nps")
    committed_gain = t.loc["nps", "diff"]
    # uncommitted programs against the same firm (same commitment) without them
    programs_off = {
        "programs.training_budget": 10.0,
        "programs.hr_engagement": 0.2,
        "programs.recognition": False,
        "programs.cx_room": False,
    }
    c, u = paired("programs_uncommitted", "programs_uncommitted", kpis, overrides_a=programs_off)
    higher(u, "cost_total")
    lower(u, "profit")  # they do not pay for themselves
    noise = float(np.std([r.summary["nps"] for r in c.results_a], ddof=1))  # NPS spread between seeds
    change = u.loc["nps"]
    assert (change.ci_low <= 0 <= change.ci_high) or abs(change["diff"]) < noise, (
        f"uncommitted programs moved NPS by {change['diff']:.2f} points; seed-to-seed noise is {noise:.2f}"
    )
    assert abs(change["diff"]) < committed_gain / 5


def test_consistent_leadership_beats_mixed_messages():
    # the smallest lesson (about 2 NPS points at full scale, docs/validation.md): a bigger market to see it
    _, t = paired(
        "leadership_mixed", "leadership_consistent", ["mean_engagement", "nps"], overrides=scaled(20_000, 104)
    )
    higher(t, "mean_engagement")
    higher(t, "nps")


def test_empowerment_solves_nonstandard_needs_procedures_help_on_standard_ones():
    _, t = paired("rigid_procedures", "empowered", ["resolution_rate", "nps"])
    higher(t, "resolution_rate")
    higher(t, "nps")
    # when every need is standard, the script is the better tool
    standard = {**SMALL, "process.nonstandard_share": 0.0}
    _, s = paired("rigid_procedures", "empowered", ["resolution_rate"], overrides=standard)
    lower(s, "resolution_rate")


def test_central_cx_team_cuts_handoffs_and_raises_nps():
    # A 4-point lesson (3.8 [2.0, 5.7] at 50,000 people): at 5,000 people the noise spans zero (1.4 [-0.7, 3.5]);
    # firms of 200 show it clearly.
    _, t = paired(
        "silos", "cx_team", ["handoffs", "dropped_cases", "nps", "resolution_rate"], overrides=scaled(20000, 104)
    )
    lower(t, "handoffs")
    lower(t, "dropped_cases")
    higher(t, "resolution_rate")
    higher(t, "nps")


def test_cx_room_raises_engagement_and_nps():
    # A 3-point lesson: at 5,000 people (firms of 50) staffing swings of a person or two erode one seed's service
    # standard and not another's, and that noise spans zero (3.1 [-0.2, 6.3]); firms of 200 show it clearly.
    _, t = paired("baseline", "cx_room", ["mean_engagement", "nps", "cost_programs"], overrides=scaled(20000, 104))
    higher(t, "mean_engagement")
    higher(t, "nps")
    higher(t, "cost_programs")


def test_recruiting_for_values_raises_engagement_and_nps():
    _, t = paired("baseline", "recruit_for_values", ["mean_engagement", "nps"])
    higher(t, "mean_engagement")
    higher(t, "nps")


def test_overpromising_lowers_nps_and_csat():
    _, t = paired("promise_honest", "promise_overpromise", ["nps", "csat", "churned"])
    lower(t, "nps")
    lower(t, "csat")
    higher(t, "churned")


def test_voc_with_reality_check_narrows_the_delivery_gap_and_raises_nps():
    # adjusting to what the survey shows takes time: two years
    c, t = paired(
        "baseline",
        "voc_reality_check",
        ["delivery_gap", "nps", "cost_programs", "cx_weight"],
        overrides={**SMALL, "sim.weeks": 104},
    )
    higher(t, "cx_weight")  # leadership moved incentives towards CX
    lower(t, "delivery_gap")
    higher(t, "nps")
    higher(t, "cost_programs")
    # and the survey sees roughly what customers feel
    b = c.runs[c.runs["arm"] == "B"]
    assert b["voc_nps"].notna().all()
    assert abs(float((b["voc_nps"] - b["nps"]).mean())) < 15


@pytest.mark.slow
def test_viral_detractor_can_bankrupt_a_small_business_fast_recovery_protects_it():
    seeds = 40
    plain = [r.summary["bankrupt"] for r in cxsim.run_many("small_business", seeds)]
    c = compare(
        "small_business_viral_detractor",
        "small_business_viral_detractor_recovery",
        seeds=seeds,
        kpis=["bankrupt", "nps"],
    )
    viral = [r.summary["bankrupt"] for r in c.results_a]
    recovered = [r.summary["bankrupt"] for r in c.results_b]
    assert np.mean(plain) <= 0.05, f"small_business alone goes bankrupt in {np.mean(plain):.0%} of seeds"
    # one seed in eight (12% of 40; it was 20% before expectations adapted faster and the resting attitude rose)
    assert np.mean(viral) >= 0.1, f"viral detractor: bankruptcy in only {np.mean(viral):.0%} of {seeds} seeds"
    t = c.table.set_index("kpi")
    lower(t, "bankrupt")
    assert np.mean(recovered) < np.mean(viral) / 2


@pytest.mark.slow
def test_retention_budget_beats_the_same_money_on_acquisition():
    kpis = ["profit", "customers", "churn_rate", "cost_marketing", "cost_recovery"]
    c, t = paired("budget_acquisition", "budget_retention", kpis, seeds=4, overrides={"sim.weeks": 104})
    higher(t, "profit")
    higher(t, "customers")
    lower(t, "churn_rate")
    spend_a = t.loc["cost_marketing", "a_mean"] + t.loc["cost_recovery", "a_mean"]
    spend_b = t.loc["cost_marketing", "b_mean"] + t.loc["cost_recovery", "b_mean"]
    assert math.isclose(spend_a, spend_b, rel_tol=0.08), f"budgets differ: {spend_a:,.0f} vs {spend_b:,.0f}"
