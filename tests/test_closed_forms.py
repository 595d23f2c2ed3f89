"""The engine against closed forms (docs/model.md#closed-forms): Bass diffusion, bond percolation, geometric lifetimes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tests.conftest import solo

import cxsim
from cxsim import network
from cxsim.kernels.common import category, ltr
from cxsim.kernels.market import churn_probability
from cxsim.metrics import nps


def _quiet_market(**extra):
    """One firm alone in a closed market where nothing but the mechanism under test moves people."""
    changes = {
        "customers.need": 0.0,  # nobody contacts the firm: no experiences, no negative WOM
        "churn.contagion": 0.0,
        "churn.attitude_sensitivity": 0.0,
        "acquisition.rating_sensitivity": 0.0,
        "acquisition.opinion_sensitivity": 0.0,  # what people hear does not change whom they choose
        "market.turnover": 0.0,  # nobody enters or leaves the market
        "workforce.employees": 10,
        "workforce.team_size": 5,
        "finance.initial_cash": 1e12,  # the firm must outlive its customers here
    }
    changes.update(extra)
    return solo(cxsim.load_scenario("baseline")).override(changes)


def test_bass_diffusion_under_full_mixing_and_no_churn():
    p, q, n = 0.01, 0.3, 100_000
    s = _quiet_market(
        **{
            "market.size": n,
            "market.mixing": "full",
            "market.initial_customer_share": 0.01,
            "churn.base_hazard": 0.0,
            "acquisition.external_p": p,
            "acquisition.referral_q": q,
            "leadership.marketing_spend": 20_000.0,
            "acquisition.marketing_reference": 20_000.0,
            "customers.recommend_base": 1.0,  # every customer talks to the market every week
            "customers.recommend_ratio": 1.0,
        }
    )
    model = cxsim.CXModel(s, seed=3)
    f = float(np.count_nonzero(model.market.firm == 0)) / n
    worst = 0.0
    for _ in range(40):
        model.step()
        f = f + (p + q * f) * (1 - f)
        simulated = model.rows[-1]["customers"] / n
        worst = max(worst, abs(simulated - f))
    assert worst < 0.01, f"largest gap to the Bass recursion {worst:.4f}"
    assert model.rows[-1]["customers"] / n > 0.9  # the S-curve was actually traversed


def test_percolation_final_size_on_erdos_renyi():
    n, c, t = 200_000, 4.0, 0.5
    indptr, indices = network.build("erdos_renyi", n, c, seed=11)
    sources = np.arange(0, n, n // 20)
    reached = network.cascade(indptr, indices, sources, t, seed=5)
    # S = 1 - exp(-c T S), solved by fixed-point iteration
    s = 0.5
    for _ in range(200):
        s = 1 - math.exp(-c * t * s)
    assert abs(reached.mean() - s) < 0.015, (reached.mean(), s)


def test_epidemic_threshold_on_configuration_model():
    n = 100_000
    degrees = np.where(np.arange(n) % 10 == 0, 20, 3)  # heterogeneous degrees
    if degrees.sum() % 2:
        degrees[-1] += 1
    indptr, indices = network.build("configuration", n, degrees=degrees, seed=2)
    k = np.diff(indptr).astype(float)
    t_c = k.mean() / ((k**2).mean() - k.mean())
    sources = np.arange(0, n, n // 50)
    below = network.cascade(indptr, indices, sources, 0.5 * t_c, seed=1).mean()
    above = network.cascade(indptr, indices, sources, 2.0 * t_c, seed=1).mean()
    assert below < 0.01, below
    assert above > 0.2, above


def test_constant_hazard_gives_geometric_lifetime():
    d = 0.05
    s = _quiet_market(
        **{
            "market.size": 20_000,
            "market.initial_customer_share": 1.0,
            "churn.base_hazard": d,
            "churn.switching_ease": 0.5,  # hazard multiplier 0.5 + ease = 1
            "acquisition.external_p": 0.0,
            "acquisition.referral_q": 0.0,
        }
    )
    model = cxsim.CXModel(s, seed=7)
    n0 = int(np.count_nonzero(model.market.firm == 0))
    for _ in range(300):
        model.step()
    t = model.market.t_churned
    assert np.all(t > 0), "everybody has churned after 300 weeks at 5% a week"
    mean_lifetime = t.mean()
    assert abs(mean_lifetime - 1 / d) < 0.5, mean_lifetime  # sd of the mean ~ 0.14
    survival_26 = model.rows[25]["customers"] / n0
    assert abs(survival_26 - (1 - d) ** 26) < 0.015


@pytest.mark.parametrize(
    "base_hazard, sensitivity, contagion",
    [(0.005, 4.0, 3.0), (0.02, 0.0, 0.0), (0.3, 20.0, 50.0), (1.0, 0.5, 0.0), (0.0, 4.0, 3.0)],
)
def test_churn_kernel_decides_exactly_as_the_churn_probability(base_hazard, sensitivity, contagion):
    """The kernel skips the exact probability when a draw is above its value at attitude 0;
    every customer must still churn iff their draw is below churn_probability."""
    from cxsim.kernels.market import FirmMarket, churn_spend_acquire
    from cxsim.model import _market_params
    from cxsim.rng import S_CHURN, uniforms
    from cxsim.state import new_market

    n, seed, week = 20_000, 11, 5
    rng = np.random.default_rng(0)
    s = solo(cxsim.load_scenario("baseline")).override(
        {
            "market.size": n,
            "market.initial_customer_share": 1.0,
            "market.turnover": 0.0,
            "churn.base_hazard": base_hazard,
            "churn.attitude_sensitivity": sensitivity,
            "churn.contagion": contagion,
            "churn.reference_attitude": 0.72,
        }
    )
    market = new_market(s, seed)
    attitude = market.attitude
    attitude[:] = rng.random(n).astype(np.float32)
    attitude[:50] = 0.0  # the bound itself
    attitude[50:100] = 1.0
    attitude = attitude.copy()
    defected = market.defected
    defected[:] = rng.random(n).astype(np.float32) * (rng.random(n) < 0.3)
    one = np.ones(1)
    firm = FirmMarket(
        trading=np.ones(1, np.bool_),
        external=one * 0.01,
        winback=one * 0.0,
        appeal=one,
        churn_price=np.ones((1, 3)),  # the firm's price is the going price
        buy_price=np.ones((1, 3)),
        brand_promise=one * 0.7,
    )
    churn_spend_acquire(seed, week, market, firm, _market_params(s))
    u = uniforms(seed, S_CHURN, week, n)
    p = np.array(
        [
            churn_probability(base_hazard, sensitivity, a, 0.72, 0.5, contagion, d)
            for a, d in zip(attitude, defected, strict=True)
        ]
    )
    np.testing.assert_array_equal(market.firm == -1, u < p)


def test_churn_probability_kernel_is_base_hazard_when_neutral():
    assert churn_probability(0.02, 0.0, 0.3, 0.72, 0.5, 0.0, 0.9) == pytest.approx(0.02)
    assert churn_probability(0.02, 4.0, 0.72, 0.72, 0.5, 0.0, 0.0) == pytest.approx(0.02)
    # falls with attitude, rises with switching ease and friends' defections
    assert churn_probability(0.02, 4.0, 0.9, 0.72, 0.5, 0.0, 0.0) < 0.02
    assert churn_probability(0.02, 4.0, 0.72, 0.72, 1.0, 0.0, 0.0) > 0.02
    assert churn_probability(0.02, 4.0, 0.72, 0.72, 0.5, 3.0, 0.2) == pytest.approx(0.02 * 1.6)


def test_nps_arithmetic_matches_direct_count(small):
    model = cxsim.CXModel(small, seed=1)
    for _ in range(5):
        model.step()
    m = model.market
    a = m.attitude[m.firm == 0]
    score = np.minimum(10, np.floor(a * 11)).astype(int)
    expected = 100.0 * ((score >= 9).sum() - (score <= 6).sum()) / len(a)
    assert model.rows[-1]["nps"] == pytest.approx(expected)
    row = model.rows[-1]
    assert row["promoter_share"] + row["passive_share"] + row["detractor_share"] == pytest.approx(1.0)
    assert row["nps"] == pytest.approx(100 * (row["promoter_share"] - row["detractor_share"]))
    assert nps(3, 1, 10) == 20.0 and nps(0, 0, 0) == 0.0
    assert [ltr(x) for x in (0.0, 0.5, 0.82, 0.99, 1.0)] == [0, 5, 9, 10, 10]
    assert [category(x) for x in (0.6, 0.7, 0.9)] == [0, 1, 2]


def test_costs_add_up_and_population_is_conserved(small):
    result = cxsim.run(small, seed=2)
    ts = result.timeseries
    cost_cols = [c for c in ts.columns if c.startswith("cost_") and c != "cost_total"]
    np.testing.assert_allclose(ts[cost_cols].sum(axis=1), ts["cost_total"], rtol=1e-12)
    np.testing.assert_allclose(ts["revenue"] - ts["cost_total"], ts["profit"], rtol=1e-12)
    cash = small.finance.initial_cash + ts["profit"].cumsum()
    np.testing.assert_allclose(cash, ts["cash"], rtol=1e-12)
    population = ts["prospects"] + ts["customers"] + ts["former_customers"]
    assert (population == small.market.size).all()
    # the market's people change by entries minus exits (each leaver's place is taken by a newcomer here)
    assert (ts["market_entries"] == ts["market_exits"]).all() and ts["market_exits"].sum() > 0
    # stock-flow consistency: customers change by new minus churned minus those who left the market
    delta = ts["customers"].diff().iloc[1:]
    np.testing.assert_array_equal(delta, (ts["new_customers"] - ts["churned"] - ts["customer_exits"]).iloc[1:])
    # every firm's customers plus the people buying from none are the market
    shares = ts["share"] + ts["rival_share"]
    np.testing.assert_allclose(shares, 1.0)


def test_graph_builders_give_simple_undirected_graphs():
    for kind in ("erdos_renyi", "watts_strogatz", "barabasi_albert"):
        indptr, indices = network.build(kind, 5000, 10, seed=4)
        deg = np.diff(indptr)
        assert abs(deg.mean() - 10) < 1.0, (kind, deg.mean())
        rows = np.repeat(np.arange(5000), deg)
        assert not np.any(rows == indices), "no self-loops"
        pairs = set(zip(rows.tolist(), indices.tolist(), strict=True))
        assert len(pairs) == len(indices), "no duplicate edges"
        assert all((j, i) in pairs for i, j in list(pairs)[:2000]), "undirected"
    # barabasi-albert is scale-free: a heavy tail of hubs
    indptr, _ = network.build("barabasi_albert", 20_000, 10, seed=1)
    assert np.diff(indptr).max() > 10 * 10
    # same seed, same graph; another seed, another graph
    a = network.build("watts_strogatz", 1000, 10, seed=1)
    b = network.build("watts_strogatz", 1000, 10, seed=1)
    c = network.build("watts_strogatz", 1000, 10, seed=2)
    assert np.array_equal(a[1], b[1]) and not np.array_equal(a[1], c[1])
