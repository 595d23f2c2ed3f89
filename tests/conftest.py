"""Shared test fixtures: small scenarios that compile and run fast."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
# cxsim lets OpenMP use fewer threads than asked on a busy machine (OMP_DYNAMIC); the tests that compare 1 and 2
# threads must really run 2, here and in the cxsim processes they start (which inherit this)
os.environ.setdefault("OMP_DYNAMIC", "false")


@pytest.fixture(scope="session")
def small():
    """A small but complete firm: 60 employees, 3,000 people, 26 weeks."""
    import cxsim

    return cxsim.load_scenario("baseline").override(
        {"market.size": 3000, "workforce.employees": 60, "workforce.team_size": 6, "sim.weeks": 26}
    )
