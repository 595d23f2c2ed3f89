"""Common random numbers: a lever's effect is not drowned in noise.

Every random decision is a pure function of (seed, stream, week, person), so
two runs with the same seed draw the same numbers wherever their logic
agrees. Tested the two ways a user relies on it: a lever that only changes
marketing spend leaves the workforce's week exactly as it was, and adding a
person to the market changes nobody else's draws.
"""

from __future__ import annotations

import numpy as np
import pytest

import cxsim
from cxsim import rng
from cxsim.state import new_market


@pytest.fixture(scope="module")
def base():
    return cxsim.load_scenario("baseline").override(
        {"market.size": 3000, "workforce.employees": 60, "workforce.team_size": 6}
    )


def _step(scenario, seed, weeks=1):
    model = cxsim.CXModel(scenario, seed=seed)
    for _ in range(weeks):
        model.step()
    return model


@pytest.mark.parametrize("seed", [0, 17])
def test_marketing_lever_leaves_week1_workforce_and_encounters_identical(base, seed):
    low = _step(base.override({"leadership.marketing_spend": 0.0}), seed)
    high = _step(base.override({"leadership.marketing_spend": 200_000.0}), seed)
    for name in low.workforce._fields:  # engagement, its drivers, skill, quits, overtime ...
        np.testing.assert_array_equal(getattr(low.workforce, name), getattr(high.workforce, name), err_msg=name)
    np.testing.assert_array_equal(low.front_line_mask, high.front_line_mask)
    for name in (
        "encounter_flags",
        "quality",
        "experience_flags",
        "wom_flags",
    ):  # marketing acts after the week's encounters and word of mouth
        np.testing.assert_array_equal(getattr(low.market, name), getattr(high.market, name), err_msg=name)
    assert low.rows[0]["mean_engagement"] == high.rows[0]["mean_engagement"]
    # ... while the lever did do something that week: more spend, more adopters
    assert high.rows[0]["cost_marketing"] > low.rows[0]["cost_marketing"]
    assert high.rows[0]["new_customers"] > low.rows[0]["new_customers"]


@pytest.mark.parametrize("seed", [1, 2**40 + 3])
def test_one_more_person_changes_nobody_elses_draws(base, seed):
    n = 2000
    # no graph: with friends, a new person would rewire the small world; here only the person is new
    small = base.override({"market.size": n, "market.mean_degree": 0})
    large = base.override({"market.size": n + 1, "market.mean_degree": 0})
    m_small, m_large = new_market(small, seed), new_market(large, seed)
    for name in m_small._fields:
        np.testing.assert_array_equal(getattr(m_small, name), getattr(m_large, name)[:n], err_msg=name)
    a, b = _step(small, seed), _step(large, seed)
    # week-1 contact decisions and experiences of persons 0..n-1: identical
    np.testing.assert_array_equal(a.market.encounter_flags, b.market.encounter_flags[:n])
    np.testing.assert_array_equal(a.market.quality, b.market.quality[:n])
    np.testing.assert_array_equal(a.market.experience_flags, b.market.experience_flags[:n])
    np.testing.assert_array_equal(a.workforce.engagement, b.workforce.engagement)


def test_rng_streams_are_per_person_and_per_decision():
    n = 1000
    u = rng.uniforms(9, rng.S_CONTACT, 4, n + 1)
    np.testing.assert_array_equal(rng.uniforms(9, rng.S_CONTACT, 4, n), u[:n])
    assert not np.array_equal(rng.uniforms(9, rng.S_CHURN, 4, n), u[:n]), "streams differ"
    assert not np.array_equal(rng.uniforms(9, rng.S_CONTACT, 5, n), u[:n]), "weeks differ"
    assert not np.array_equal(rng.uniforms(10, rng.S_CONTACT, 4, n), u[:n]), "seeds differ"
    assert 0.0 <= u.min() and u.max() < 1.0
    # uniform enough to be a uniform: mean and a coarse histogram
    big = rng.uniforms(1, rng.S_CONTACT, 1, 200_000)
    assert abs(big.mean() - 0.5) < 0.005
    counts = np.histogram(big, bins=10, range=(0, 1))[0]
    assert counts.min() > 19_000 and counts.max() < 21_000


def test_stream_numbers_are_unique():
    streams = {name: getattr(rng, name) for name in dir(rng) if name.startswith("S_")}
    values = list(streams.values())
    assert len(values) == len(set(values)), f"two decisions share a stream: {streams}"


def test_every_seed_bit_counts_and_bad_seeds_are_refused():
    """Seeds are 63-bit: two seeds that differ only in a high bit are different runs."""
    s = cxsim.load_scenario("small_business")
    low = cxsim.run(s, seed=5, steps=2).timeseries
    for high in (5 + 2**47, 5 + 2**62):
        assert not low.equals(cxsim.run(s, seed=high, steps=2).timeseries), high
    for bad in (-1, 2**63, 1.5, "3", True):
        with pytest.raises(ValueError, match="seed must be a whole number"):
            cxsim.CXModel(s, seed=bad)
