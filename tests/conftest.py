"""Shared test fixtures: small scenarios that compile and run fast."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
# cxsim lets OpenMP use fewer threads than asked on a busy machine (OMP_DYNAMIC); the tests that compare 1 and 2
# threads must really run 2, here and in the cxsim processes they start (which inherit this)
os.environ.setdefault("OMP_DYNAMIC", "false")


def scaled(people: int, weeks: int) -> dict:
    """Overrides that shrink the baseline market to ``people`` and every firm with it (cxsim.scenario.scale), so
    the smaller market is still the same going concern; ``weeks`` to simulate."""
    import cxsim
    from cxsim.scenario import diff

    base = cxsim.load_scenario("baseline")
    small = base.scale(people / base.market.size)
    return {**{k: b for k, (_, b) in diff(base, small).items()}, "sim.weeks": weeks}


#: The baseline market at 3,000 people (1:16), each firm with it, 26 weeks: fast, and still a going concern.
SMALL = scaled(3000, 26)


@pytest.fixture(scope="session")
def small():
    """A small but complete market: the baseline's focal firm and rival, 32 employees each, 3,000 people, 26 weeks."""
    import cxsim

    return cxsim.load_scenario("baseline").override(SMALL)


def solo(scenario):
    """The same scenario with the focal firm alone in its market (no rivals): for closed forms."""
    from cxsim.scenario import scenario_from_dict

    return scenario_from_dict({**scenario.model_dump(), "rivals": {}})
