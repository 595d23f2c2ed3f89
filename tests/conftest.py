"""Shared test fixtures: small scenarios that compile and run fast."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def small():
    """A small but complete firm: 60 employees, 3,000 people, 26 weeks."""
    import cxsim

    return cxsim.load_scenario("baseline").override(
        {"market.size": 3000, "workforce.employees": 60, "workforce.team_size": 6, "sim.weeks": 26}
    )

