"""Numbers that always make sense: the invariants every week of every run keeps.

One promise (docs/guarantees.md, "Numbers that always make sense"), checked where
it can break: over random valid scenarios for a few weeks (hypothesis), on every
shipped lesson at full size, over long horizons, and at the edges of the
parameter space (no marketing, everybody a customer, nobody engaged, one
employee, a market of ten people, ten years). Each extreme must also give
*sensible* KPIs, not merely finite ones.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import solo

import cxsim
from cxsim.metrics import FLOWS
from cxsim.params import parameter_table
from golden import regenerate as golden

SHARES = [
    "churn_rate",
    "csat",
    "promoter_share",
    "passive_share",
    "detractor_share",
    "engaged_share",
    "employee_attrition",
    "resolution_rate",
    "mean_engagement",
    "frontline_engagement",
    "process_quality",
    "mean_attitude",
    "cx_weight",
    "believed_quality",
    "perceived_quality",
    "share",
]
#: KPIs that are honestly empty sometimes: no VoC survey (or nobody in contact), or nobody employed to face customers
MAYBE_EMPTY = ["voc_nps", "voc_quality", "frontline_engagement", "utilisation", "mean_engagement"]
#: whole numbers of people and events: the stocks, and every flow that is not money
COUNTS = ["customers", "prospects", "former_customers"] + sorted(
    k for k in FLOWS if k not in ("revenue", "profit") and not k.startswith("cost_")
)


def check_invariants(ts: pd.DataFrame, scenario) -> None:
    """Every promise a timeseries keeps, whatever the scenario."""
    assert len(ts) >= 1
    assert list(ts["week"]) == list(range(1, len(ts) + 1))
    # no NaN or inf anywhere but where a KPI is honestly empty; voc_nps is empty exactly when there is no VoC program
    rivals = [c for c in ts.columns if c.startswith(tuple(f"{r}_" for r in scenario.rivals))]
    checked = ts.columns.drop(["bankrupt", *MAYBE_EMPTY, *rivals])
    bad = [c for c in checked if not np.isfinite(ts[c].to_numpy(float)).all()]
    assert not bad, f"NaN/inf in {bad}"
    staffed = ts["employees"] > 0
    for col in ("frontline_engagement", "utilisation", "mean_engagement"):
        assert np.isfinite(ts.loc[staffed, col].to_numpy(float)).all(), col
    if scenario.programs.voc:
        answered = ts["voc_nps"][ts["customers"] > 0]
        assert np.isfinite(answered).all() and answered.between(-100, 100).all()
    else:
        assert ts["voc_nps"].isna().all()
    # cash accounting balances to the cent, week by week and overall
    cash = scenario.finance.initial_cash
    for week, (profit, cash_now) in enumerate(zip(ts["profit"], ts["cash"], strict=True), start=1):
        cash = cash + profit
        assert cash == cash_now, f"week {week}: cash {cash_now} != previous cash + profit {cash}"
    assert math.isclose(
        scenario.finance.initial_cash + ts["profit"].sum(), ts["cash"].iloc[-1], rel_tol=1e-9, abs_tol=1e-3
    )
    np.testing.assert_allclose(ts["revenue"] - ts["cost_total"], ts["profit"], rtol=1e-12, atol=1e-6)
    cost_parts = [c for c in ts.columns if c.startswith("cost_") and c != "cost_total"]
    np.testing.assert_allclose(ts[cost_parts].sum(axis=1), ts["cost_total"], rtol=1e-9)
    # scores and shares in range
    assert ts["nps"].between(-100, 100).all()
    for col in SHARES:
        values = ts.loc[staffed, col] if col in MAYBE_EMPTY else ts[col]
        assert values.between(0.0, 1.0).all(), (col, values.min(), values.max())
    with_customers = ts["customers"] > 0
    parts = ts[["promoter_share", "passive_share", "detractor_share"]].sum(axis=1)
    np.testing.assert_allclose(parts[with_customers], 1.0, atol=1e-12)
    assert ts["review_rating"].between(1.0, 5.0).all()
    assert (ts.loc[staffed, "utilisation"] >= 0).all()
    for col in COUNTS:
        assert (ts[col] >= 0).all(), col
        assert (ts[col] == ts[col].round()).all(), col
    assert ((ts["prospects"] + ts["customers"] + ts["former_customers"]) == scenario.market.size).all()
    assert (ts["market_entries"] == ts["market_exits"]).all()  # each leaver's place is taken by a newcomer
    # stock and flow agree: the customer base changes by new customers minus churned minus those who left the market
    flow = ts["new_customers"] - ts["churned"] - ts["customer_exits"]
    np.testing.assert_array_equal(ts["customers"].diff().iloc[1:], flow.iloc[1:])
    # the firms' shares of all customers add up to one
    share_cols = ["share", *(f"{r}_share" for r in scenario.rivals)]
    any_customers = (ts["customers"] + sum(ts[f"{r}_customers"] for r in scenario.rivals)) > 0
    np.testing.assert_allclose(ts.loc[any_customers, share_cols].sum(axis=1), 1.0, atol=1e-9)
    # bankruptcy: from the week cash went below zero, and the run stops there
    if ts["bankrupt"].any():
        first = int(ts.index[ts["bankrupt"]][0])
        assert first == len(ts) - 1 and ts["cash"].iloc[-1] < 0
    assert (ts["cash"].iloc[:-1] >= 0).all() or scenario.finance.initial_cash < 0


# ---------------------------------------------------------------- random scenarios


@st.composite
def scenarios(draw):
    employees = draw(st.integers(1, 80))
    changes = {
        "market.size": draw(st.integers(20, 3000)),
        "market.initial_customer_share": draw(st.floats(0.0, 0.6)),
        "market.turnover": draw(st.floats(0.0, 0.5)),
        "rivals.rival.initial_share": draw(st.floats(0.0, 0.4)),
        "rivals.rival.pricing.price": draw(st.floats(50.0, 400.0)),
        "rivals.rival.process.empowerment": draw(st.floats(0.0, 1.0)),
        "rivals.rival.workforce.employees": employees,
        "rivals.rival.workforce.team_size": draw(st.integers(1, employees)),
        "rivals.rival.finance.initial_cash": draw(st.floats(-1e4, 1e7)),
        "pricing.price": draw(st.floats(50.0, 400.0)),
        "leadership.winback_spend": draw(st.floats(0.0, 1e5)),
        "staffing.headcount_policy": draw(st.sampled_from(["follow_demand", "fixed"])),
        "management.policy": draw(st.sampled_from(["cut_costs", "hold_course"])),
        "market.graph": draw(st.sampled_from(["watts_strogatz", "erdos_renyi", "barabasi_albert"])),
        "market.mean_degree": draw(st.integers(0, 12)),
        "market.mixing": draw(st.sampled_from(["network", "full"])),
        "workforce.employees": employees,
        "workforce.team_size": draw(st.integers(1, employees)),
        "workforce.frontline_share": draw(st.floats(0.01, 1.0)),
        "workforce.staffing_policy": draw(st.sampled_from(["random", "least_engaged", "most_engaged"])),
        "supervisors.coaching": draw(st.floats(0.0, 1.0)),
        "incentives.cx_weight": draw(st.floats(0.0, 1.0)),
        "process.empowerment": draw(st.floats(0.0, 1.0)),
        "process.handoff_prob": draw(st.floats(0.0, 0.95)),
        "process.service_recovery": draw(st.floats(0.0, 1.0)),
        "customers.need": draw(st.floats(0.0, 1.0)),
        "leadership.marketing_spend": draw(st.floats(0.0, 1e6)),
        "leadership.commitment": draw(st.floats(0.0, 1.0)),
        "leadership.brand_promise": draw(st.floats(0.0, 1.0)),
        "wom.viral_prob": draw(st.floats(0.0, 1.0)),
        "wom.rally_prob": draw(st.floats(0.0, 1.0)),
        "churn.base_hazard": draw(st.floats(0.0, 1.0)),
        "churn.contagion": draw(st.floats(0.0, 50.0)),
        "programs.voc": draw(st.booleans()),
        "programs.cx_team": draw(st.booleans()),
        "measurement.reality_check": draw(st.booleans()),
        "finance.initial_cash": draw(st.floats(-1e4, 1e7)),
    }
    if changes["market.mean_degree"] >= changes["market.size"]:
        changes["market.mean_degree"] = 0
    changes["measurement.reality_check"] &= changes["programs.voc"]  # the schema refuses a check without a survey
    return cxsim.load_scenario("baseline").override(changes), draw(st.integers(0, 2**40))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_invariants_hold_for_random_valid_scenarios(case):
    scenario, seed = case
    model = cxsim.CXModel(scenario, seed=seed)
    for _ in range(6):
        model.step()
    ts = model.timeseries()
    check_invariants(ts, scenario)
    # the state behind the KPIs stays in range too
    m = model.market
    for arr in (m.attitude, m.expectation, m.opinion):
        assert np.all((arr >= 0) & (arr <= 1))
    assert np.all((m.firm >= -1) & (m.firm < len(model.firms)))
    assert np.all(m.n_defected >= 0), "friends' counts of recent defectors stay exact"
    for firm in model.firms:
        w = firm.workforce
        for arr in (w.engagement, w.autonomy, w.mastery, w.purpose, w.affiliation, w.skill):
            assert np.all((arr >= 0) & (arr <= 1))
        assert len(firm.employees) == int(w.active.sum()), "one Mesa agent per filled seat"
    # a bankrupt firm stops, and says so from the week it happened
    if model.bankrupt:
        assert ts["bankrupt"].iloc[-1] and ts["cash"].iloc[-1] < 0
        assert len(ts) == model.bankrupt_week


# ---------------------------------------------------------------- shipped scenarios

SHIPPED = golden.cases()


@pytest.mark.parametrize("case,name,weeks", SHIPPED, ids=[c for c, _, _ in SHIPPED])
def test_shipped_scenarios_keep_invariants(case, name, weeks):
    result = golden.run_case(name, weeks)  # shared with the golden test: each runs once
    check_invariants(result.timeseries, result.scenario)


# ---------------------------------------------------------------- extremes (changes to conftest's small firm)


@pytest.fixture(scope="module")
def base_run(small):
    return cxsim.run(small, seed=4).timeseries


def _run(firm, changes, seed=4):
    s = firm.override(changes)
    ts = cxsim.run(s, seed=seed).timeseries
    check_invariants(ts, s)
    return s, ts


def test_zero_marketing(small, base_run):
    _, ts = _run(small, {"leadership.marketing_spend": 0.0})
    assert (ts["cost_marketing"] == 0).all()
    assert ts["new_customers"].sum() < base_run["new_customers"].sum(), "no marketing, fewer adopters"
    assert ts["new_customers"].sum() > 0, "referrals still bring some"


def test_everybody_a_customer(small):
    s, ts = _run(solo(small), {"market.initial_customer_share": 1.0, "market.turnover": 0.0})
    assert (ts["prospects"] == 0).all(), "nobody left who has never been a customer"
    assert (ts["new_customers"] == ts["won_back"]).all(), "every new customer is a former one"
    assert ts["customers"].iloc[-1] > 0.5 * s.market.size


def test_nobody_customer_at_start(small):
    _, ts = _run(small, {"market.initial_customer_share": 0.0})
    assert ts["customers"].iloc[0] == ts["new_customers"].iloc[0]
    assert ts["customers"].iloc[-1] > 0, "marketing finds the first customers"


def test_no_employee_engaged(small, base_run):
    _, ts = _run(small, {"engagement.engaged_threshold": 1.0})
    assert (ts["engaged_share"] == 0).all()
    _, ts = _run(
        small,
        {
            "supervisors.coaching": 0.0,
            "supervisors.attention": 0.0,
            "supervisors.spread": 0.0,
            "programs.hr_engagement": 0.0,
            "programs.training_budget": 0.0,
            "leadership.commitment": 0.0,
            "leadership.message_consistency": 0.0,
            "leadership.ceo_ownership": 0.0,
        },
    )
    assert ts["mean_engagement"].iloc[-1] < base_run["mean_engagement"].iloc[-1], "neglect disengages"


def test_one_employee(small, base_run):
    s, ts = _run(small, {"workforce.employees": 1, "workforce.team_size": 1, "staffing.headcount_policy": "fixed"})
    w = s.workforce
    one = ts["employees"] == 1
    assert one.sum() > len(ts) / 2
    wage = w.wage + w.wage * (1 + s.finance.supervisor_premium)
    assert (ts.loc[one, "cost_wages"] == wage).all(), "one seat, one supervisor"
    assert (ts["hires"] <= 1).all() and (ts["employees"] <= 1).all(), "a fixed plan of one"
    same = ts.loc[one, "frontline_engagement"] == ts.loc[one, "mean_engagement"]
    assert same.all(), "the only employee faces every customer"
    assert ts.loc[one, "utilisation"].mean() > 10 * base_run["utilisation"].mean(), "one person cannot carry the load"
    assert ts.loc[one, "mean_engagement"].iloc[-1] < base_run["mean_engagement"].iloc[-1], "overload burns out"


@pytest.mark.parametrize(
    "graph,degree", [("watts_strogatz", 2), ("erdos_renyi", 9), ("barabasi_albert", 4), ("watts_strogatz", 0)]
)
def test_market_of_ten_people(small, graph, degree):
    s, ts = _run(
        solo(small),
        {
            "market.size": 10,
            "market.graph": graph,
            "market.mean_degree": degree,
            "workforce.employees": 2,
            "workforce.team_size": 2,
            "finance.fixed_cost": 0.0,
        },
    )
    assert (ts["customers"] <= 10).all()
    assert (ts["contacts"] <= ts["customers"].shift(fill_value=4) + 10).all()


def test_ten_people_market_full_mixing(small):
    _run(
        solo(small),
        {
            "market.size": 10,
            "market.mean_degree": 0,
            "market.mixing": "full",
            "workforce.employees": 1,
            "workforce.team_size": 1,
        },
    )


def test_bankrupt_at_once(small):
    s, ts = _run(small, {"finance.initial_cash": -1e9})
    assert len(ts) == 1 and bool(ts["bankrupt"].iloc[-1])


@pytest.mark.slow
def test_ten_years():
    """520 weeks of the small business: runs to the end and stays sensible."""
    s = cxsim.load_scenario("small_business").override({"sim.weeks": 520})
    result = cxsim.run(s, seed=2)
    ts = result.timeseries
    check_invariants(ts, s)
    assert len(ts) == 520 or result.summary["bankrupt"]
    assert ts["customers"].iloc[-52:].mean() > 0
    assert 0.05 < ts["mean_engagement"].iloc[-1] < 0.95


@pytest.mark.slow
def test_parameter_extremes_each_alone(small):
    """Every numeric parameter at its minimum and at its maximum, one at a time, runs 3 weeks and keeps
    the invariants (skipping combinations the schema rightly refuses, e.g. base x ratio > 1)."""
    skip = {
        "market.size",
        "workforce.employees",
        "workforce.team_size",
        "market.mean_degree",
        "sim.weeks",
        "workforce.max_headcount_factor",  # 20 x the seats: fine, but slow to check 200 times
    }
    huge = {
        "wom.social_reach",
        "wom.tweet_reach",
        "measurement.voc_sample",
    }  # keep 100,000 reach from 3,000 people cheap
    failures = []
    for row in parameter_table():
        key = row["key"]
        if key in skip or row["min"] is None:
            continue
        for value in (row["min"], row["max"]):
            if key in huge and value == row["max"]:
                value = 5000
            try:
                s = small.override({key: value, "sim.weeks": 3})
            except cxsim.ScenarioError:
                continue
            try:
                ts = cxsim.run(s, seed=1).timeseries
                check_invariants(ts, s)
            except Exception as exc:  # collect all, report together
                failures.append(f"{key}={value}: {type(exc).__name__}: {exc}"[:300])
    assert not failures, "\n".join(failures)
