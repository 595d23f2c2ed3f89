"""The plain-Mesa reference (benchmarks/reference_mesa.py) simulates the same market as cxsim.

The speed-up in benchmarks/results.md only means something if the reference
does the same work: here both models run the same small market over eight
seeds each and every KPI that people's behaviour drives must agree within
sampling noise (Welch z < 4 on the per-run means; the two draw different
random numbers, so they agree statistically, not run for run). Controls
show the comparison has the power to catch a reference that lacks a
mechanism, even one no KPI counts directly.

The market is the ``small`` fixture (a firm of 60 employees in a market of
3,000 people) with its rival scaled the same way: left at the baseline's 500
employees, the rival would serve 1,200 people at a utilisation near 0.04 and
go bankrupt within three months, leaving a one-firm market. The rival also
differs from the focal firm where that exercises the per-firm mechanisms:
it is 10% cheaper (price effects on churn, purchases and a firm's appeal, so
switching is not symmetric) and runs a VoC survey with a reality check (its
CX weight then moves with what the survey measures).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEEDS = range(8)
WEEKS = 26
#: the KPIs people's behaviour drives (the reference reimplements it; the firms' own phases are shared code)
KPIS = [
    # the focal firm's market
    "customers", "prospects", "former_customers", "new_customers", "churned", "lost_to_rivals", "won_from_rivals",
    "won_back", "customer_exits", "churn_rate", "share",
    # what its customers think
    "nps", "reputation", "csat", "promoter_share", "passive_share", "detractor_share", "mean_attitude",
    # its service
    "utilisation", "contacts", "handoffs", "dropped_cases", "resolution_rate", "repeat_contacts", "bad_experiences",
    "recoveries", "perceived_quality", "believed_quality", "delivery_gap",
    # what is said about it
    "wom_friends_negative", "wom_social_negative", "wom_review_negative", "wom_tweet_negative", "wom_viral",
    "wom_viral_reach", "wom_positive", "wom_review_positive", "review_rating",
    # its books and management, as far as customers move them
    "revenue", "profit", "planned_headcount", "management_cuts", "cx_weight",
    # the market
    "market_exits",
    # the rival
    "rival_customers", "rival_share", "rival_new_customers", "rival_churned", "rival_lost_to_rivals",
    "rival_won_from_rivals", "rival_won_back", "rival_churn_rate", "rival_nps", "rival_reputation", "rival_csat",
    "rival_review_rating", "rival_utilisation", "rival_perceived_quality", "rival_revenue", "rival_profit",
    "rival_cx_weight",
]  # fmt: skip


def _means(model_cls, scenario, seeds=SEEDS) -> pd.DataFrame:
    """One row per seed: each KPI averaged over the run."""
    rows = []
    for seed in seeds:
        m = model_cls(scenario, seed=seed)
        m.run_weeks(WEEKS)
        rows.append(m.timeseries()[KPIS].astype(float).mean())
    return pd.DataFrame(rows)


def _z(a: pd.DataFrame, b: pd.DataFrame) -> pd.Series:
    """Welch z of the difference of means; a KPI constant within both samples scores 0 if equal, else inf."""
    se = np.sqrt(a.var() / len(a) + b.var() / len(b))
    diff = (a.mean() - b.mean()).abs()
    return (diff / se.where(se > 0, np.inf)).where(se > 0, np.where(diff > 1e-9, np.inf, 0.0))


def _table(ref: pd.DataFrame, cx: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"cxsim": cx.mean(), "reference": ref.mean(), "z": _z(ref, cx)})


def market(small):
    """``small`` with its rival scaled like the focal firm, cheaper, and with a VoC reality check."""
    return small.override(
        {
            "sim.weeks": WEEKS,
            "rivals.rival.workforce.employees": small.workforce.employees,
            "rivals.rival.workforce.team_size": small.workforce.team_size,
            "rivals.rival.pricing.price": 0.9 * small.pricing.price,
            "rivals.rival.programs.voc": True,
            "rivals.rival.measurement.reality_check": True,
        }
    )


@pytest.fixture(scope="module")
def scenario(small):
    return market(small)


@pytest.fixture(scope="module")
def cxsim_means(scenario):
    from cxsim.model import CXModel

    return _means(CXModel, scenario)


def test_the_market_is_a_going_market(scenario, cxsim_means):
    """The fixture exercises what the comparison is about: both firms trade all along, people switch both ways,
    win-back and leaving the market happen, and the rival's reality check moves its CX weight (both firms lose
    money at this size, so management's cuts lower both; the reality check holds the rival's higher)."""
    m = cxsim_means.mean()
    assert m["rival_customers"] > 0.3 * scenario.market.size
    for key in ("lost_to_rivals", "won_from_rivals", "rival_lost_to_rivals", "won_back", "market_exits"):
        assert m[key] > 0.05, key
    assert m["rival_cx_weight"] > m["cx_weight"]


@pytest.mark.slow
def test_reference_agrees_with_cxsim(scenario, cxsim_means):
    from benchmarks.reference_mesa import ReferenceModel

    t = time.perf_counter()
    ref = _means(ReferenceModel, scenario)
    seconds = time.perf_counter() - t
    table = _table(ref, cxsim_means)
    print(f"\nreference: {len(SEEDS)} runs of {WEEKS} weeks in {seconds:.0f} s\n{table.to_string(float_format='%.4g')}")
    assert (table.z < 4.0).all(), f"reference and cxsim disagree:\n{table[table.z >= 4.0]}"


#: mechanisms a broken reference may lack, and KPIs the comparison must then flag
CONTROLS = {
    # the open market's switching: leavers never go to a rival
    "switching": ["lost_to_rivals", "won_from_rivals", "rival_lost_to_rivals", "rival_won_from_rivals"],
    # people's own resting attitudes (everyone drifts to the same neutral attitude): NPS stays about the same, as
    # promoters and detractors both thin out, so only the mix shows it
    "disposition": ["passive_share", "detractor_share"],
}


@pytest.mark.slow
@pytest.mark.parametrize("mechanism", list(CONTROLS))
def test_comparison_catches_a_reference_without_a_mechanism(scenario, cxsim_means, mechanism):
    """The same check flags a reference that lacks one mechanism."""
    from benchmarks.reference_mesa import ReferenceModel

    ref = _means(_without(ReferenceModel, mechanism), scenario)
    table = _table(ref, cxsim_means)
    print(f"\nreference without {mechanism}:\n{table[table.z >= 4.0].to_string(float_format='%.4g')}")
    assert (table.z[CONTROLS[mechanism]] > 4.0).all()


def _without(model_cls, mechanism: str):
    """``model_cls`` whose people lack one mechanism of :data:`CONTROLS`."""
    from benchmarks.reference_mesa import NO_FIRM, Person

    class Stayer(Person):
        def destination(self, total: float) -> int:
            return NO_FIRM  # a leaver goes to no firm, whatever the rivals' appeal

    class Average(Person):
        disposition = property(lambda self: 0.0, lambda self, value: None)  # everyone's resting attitude: neutral

    people = {"switching": Stayer, "disposition": Average}[mechanism]
    return type(f"{model_cls.__name__}Without{mechanism.title()}", (model_cls,), {"person_class": people})


def test_reference_returns_the_same_kpi_columns(scenario):
    from benchmarks.reference_mesa import Person, ReferenceModel

    from cxsim.metrics import kpi_columns

    m = ReferenceModel(scenario.override({"market.size": 500, "programs.voc": True}), seed=3)
    m.step()
    m.step()
    ts = m.timeseries()
    assert list(ts.columns) == kpi_columns(["rival"])
    assert len(ts) == 2
    # one Mesa agent per person; for the focal firm everyone is a prospect, a customer or a former customer
    assert len(m.agents_by_type[Person]) == 500
    last = ts.iloc[-1]
    assert last["prospects"] + last["customers"] + last["former_customers"] == 500
    assert last["customers"] + last["rival_customers"] <= 500
    assert ts["voc_nps"].notna().all()
