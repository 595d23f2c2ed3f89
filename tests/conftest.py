"""Shared test fixtures: small scenarios that compile and run fast."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
# cxsim lets OpenMP use fewer threads than asked on a busy machine (OMP_DYNAMIC); the tests that compare 1 and 2
# threads must really run 2, here and in the cxsim processes they start (which inherit this)
os.environ.setdefault("OMP_DYNAMIC", "false")

#: The baseline market scaled down 1:16 (3,000 people), each firm with it: fast, and still a going concern.
SMALL = {
    "market.size": 3000,
    "sim.weeks": 26,
    "acquisition.marketing_reference": 1250.0,
    **{
        f"{prefix}{key}": value
        for prefix in ("", "rivals.rival.")
        for key, value in {
            "workforce.employees": 32,
            "workforce.team_size": 8,
            "leadership.marketing_spend": 1250.0,
            "finance.fixed_cost": 3750.0,
            "finance.initial_cash": 312_500.0,
        }.items()
    },
}


@pytest.fixture(scope="session")
def small():
    """A small but complete market: the baseline's focal firm and rival, 32 employees each, 3,000 people, 26 weeks."""
    import cxsim

    return cxsim.load_scenario("baseline").override(SMALL)


def solo(scenario):
    """The same scenario with the focal firm alone in its market (no rivals): for closed forms."""
    from cxsim.scenario import scenario_from_dict

    return scenario_from_dict({**scenario.model_dump(), "rivals": {}})
