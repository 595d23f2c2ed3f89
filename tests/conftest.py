"""Shared test fixtures: small scenarios that compile and run fast."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
# cxsim lets OpenMP use fewer threads than asked on a busy machine (OMP_DYNAMIC); the tests that compare 1 and 2
# threads must really run 2, here and in the cxsim processes they start (which inherit this)
os.environ.setdefault("OMP_DYNAMIC", "false")


def scaled(people: int, weeks: int, rivals: tuple[str, ...] = ("rival",)) -> dict:
    """Overrides that shrink the baseline market to ``people`` and every firm with it (employees and the fixed
    money lines), so the smaller market is still the same going concern; ``weeks`` to simulate."""
    f = people / 50_000
    firm = {
        "workforce.employees": max(8, round(500 * f)),
        "workforce.team_size": 8,
        "leadership.marketing_spend": 20_000.0 * f,
        "finance.fixed_cost": 60_000.0 * f,
        "finance.initial_cash": 5e6 * f,
        "programs.cx_team_cost": 12_000.0 * f,
        "programs.cx_room_cost": 2_000.0 * f,
        "programs.voc_cost": 3_000.0 * f,
    }
    out = {
        "market.size": people,
        "sim.weeks": weeks,
        "acquisition.marketing_reference": 20_000.0 * f,
        "acquisition.winback_reference": 10_000.0 * f,
    }
    for prefix in ("", *(f"rivals.{r}." for r in rivals)):
        out.update({prefix + k: v for k, v in firm.items()})
    return out


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
