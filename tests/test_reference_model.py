"""The plain-Mesa reference (benchmarks/reference_mesa.py) simulates the same customers as cxsim.

The speed-up in benchmarks/results.md only means something if the reference
does the same work: here both models run the same small baseline over eight
seeds each and every customer KPI must agree within sampling noise (Welch
z < 4 on the per-run means; the two draw different random numbers, so they
agree statistically, not run for run). A control shows the comparison has the
power to catch a reference that drops or changes a mechanism.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEEDS = range(8)
WEEKS = 26
#: customer-side KPIs (the reference reimplements these; the firm side is shared code)
KPIS = [
    "customers", "churned", "new_customers", "churn_rate", "nps", "promoter_share", "detractor_share",
    "mean_attitude", "csat", "contacts", "handoffs", "dropped_cases", "resolution_rate", "repeat_contacts",
    "bad_experiences", "recoveries", "wom_friends_negative", "wom_social_negative", "wom_review_negative",
    "wom_tweet_negative", "wom_positive", "wom_review_positive", "review_rating", "revenue", "perceived_quality",
    "workload", "profit",
]  # fmt: skip


def _means(model_cls, scenario) -> pd.DataFrame:
    """One row per seed: each KPI averaged over the run."""
    rows = []
    for seed in SEEDS:
        m = model_cls(scenario, seed=seed)
        for _ in range(WEEKS):
            m.step()
        rows.append(m.timeseries()[KPIS].mean())
    return pd.DataFrame(rows)


def _z(a: pd.DataFrame, b: pd.DataFrame) -> pd.Series:
    se = np.sqrt(a.var() / len(a) + b.var() / len(b))
    return ((a.mean() - b.mean()) / se.where(se > 0, np.inf)).abs()


@pytest.fixture(scope="module")
def scenario(small):
    return small.override({"sim.weeks": WEEKS})


@pytest.fixture(scope="module")
def cxsim_means(scenario):
    from cxsim.model import CXModel

    return _means(CXModel, scenario)


@pytest.mark.slow
def test_reference_agrees_with_cxsim_on_baseline(scenario, cxsim_means):
    from benchmarks.reference_mesa import ReferenceModel

    ref = _means(ReferenceModel, scenario)
    z = _z(ref, cxsim_means)
    assert (z < 4.0).all(), (
        f"reference and cxsim disagree:\n{pd.DataFrame({'ref': ref.mean(), 'cxsim': cxsim_means.mean(), 'z': z})[z >= 4.0]}"
    )
    # and not by much even where seeds vary a lot: means within one seed-to-seed standard deviation
    spread = np.sqrt((ref.var() + cxsim_means.var()) / 2.0)
    d = (ref.mean() - cxsim_means.mean()).abs() / spread.where(spread > 0, np.inf)
    assert (d < 1.0).all(), f"means differ by more than one standard deviation: {d[d >= 1.0].to_dict()}"


@pytest.mark.slow
def test_comparison_catches_a_changed_mechanism(scenario, cxsim_means):
    """The same check flags a reference whose customers tell friends at 20% instead of 53% after a bad experience."""
    from benchmarks.reference_mesa import ReferenceModel

    ref = _means(ReferenceModel, scenario.override({"wom.bad_tell_friends": 0.2}))
    z = _z(ref, cxsim_means)
    assert z["wom_friends_negative"] > 4.0


def test_reference_returns_the_same_kpi_columns(small):
    from benchmarks.reference_mesa import Person, ReferenceModel

    from cxsim.metrics import KPIS as ALL_KPIS

    m = ReferenceModel(small.override({"market.size": 500}), seed=3)
    m.step()
    m.step()
    ts = m.timeseries()
    assert list(ts.columns) == list(ALL_KPIS)
    assert len(ts) == 2
    # one Mesa agent per person, and everyone is a prospect, a customer or a former customer
    people = m.agents_by_type[Person]
    assert len(people) == 500
    assert ts["prospects"].iloc[-1] + ts["customers"].iloc[-1] + ts["former_customers"].iloc[-1] == 500
