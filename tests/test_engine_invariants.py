"""Invariants over random valid scenarios (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cxsim

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
    "process_quality",
    "mean_attitude",
]


@st.composite
def scenarios(draw):
    employees = draw(st.integers(1, 80))
    changes = {
        "market.size": draw(st.integers(20, 3000)),
        "market.initial_customer_share": draw(st.floats(0.0, 1.0)),
        "market.graph": draw(st.sampled_from(["watts_strogatz", "erdos_renyi", "barabasi_albert"])),
        "market.mean_degree": draw(st.integers(0, 12)),
        "market.mixing": draw(st.sampled_from(["network", "full"])),
        "workforce.employees": employees,
        "workforce.team_size": draw(st.integers(1, employees)),
        "workforce.frontline_share": draw(st.floats(0.0, 1.0)),
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
    assert len(ts) >= 1
    n = scenario.market.size
    assert ((ts["prospects"] + ts["customers"] + ts["former_customers"]) == n).all()
    for col in SHARES:
        assert ts[col].between(0.0, 1.0).all(), col
    assert ts["nps"].between(-100, 100).all()
    assert ts["review_rating"].between(1.0, 5.0).all()
    numeric = ts.drop(columns=["voc_nps", "bankrupt"]).to_numpy(float)
    assert np.isfinite(numeric).all(), "no NaN or inf in any KPI"
    cost_cols = [c for c in ts.columns if c.startswith("cost_") and c != "cost_total"]
    np.testing.assert_allclose(ts[cost_cols].sum(axis=1), ts["cost_total"], rtol=1e-9)
    np.testing.assert_allclose(scenario.finance.initial_cash + ts["profit"].cumsum(), ts["cash"], rtol=1e-9, atol=1e-6)
    m = model.market
    for arr in (m.attitude, m.expectation):
        assert np.all((arr >= 0) & (arr <= 1))
    assert np.all((m.intent >= -1) & (m.intent <= 1))
    w = model.workforce
    for arr in (w.engagement, w.autonomy, w.mastery, w.purpose, w.affiliation, w.skill):
        assert np.all((arr >= 0) & (arr <= 1))
    # a bankrupt firm stops, and says so from the week it happened
    if model.bankrupt:
        assert ts["bankrupt"].iloc[-1] and ts["cash"].iloc[-1] < 0
        assert len(ts) == model.bankrupt_week
