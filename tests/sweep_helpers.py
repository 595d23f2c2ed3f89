"""Tiny sweep specs shared by the tests/test_sweep*.py files (runs take milliseconds)."""

from __future__ import annotations

import copy

#: A market small enough that a run of a few weeks takes milliseconds: the focal firm and its rival, 20 employees each.
TINY_SET = {
    "market.size": 1500,
    "workforce.employees": 20,
    "workforce.team_size": 5,
    "rivals.rival.workforce.employees": 20,
    "rivals.rival.workforce.team_size": 5,
}


def tiny_spec(**changes) -> dict:
    """2 coaching levels x recognition on/off x 2 seeds = 8 runs of 6 weeks."""
    spec = {
        "name": "tiny",
        "scenario": "baseline",
        "design": "grid",
        "samples": 2,
        "seeds": 2,
        "steps": 6,
        "kpis": ["profit", "nps", "churned", "mean_engagement"],
        "set": dict(TINY_SET),
        "levers": {"supervisors.coaching": [0.2, 0.8], "programs.recognition": [False, True]},
    }
    spec = copy.deepcopy(spec)
    spec.update(changes)
    return spec


TINY_TOML = """
name = "tiny"
scenario = "baseline"
design = "grid"
samples = 2
seeds = 2
steps = 6
kpis = ["profit", "nps", "churned"]

[set]
"market.size" = 1500
"workforce.employees" = 20
"workforce.team_size" = 5
"rivals.rival.workforce.employees" = 20
"rivals.rival.workforce.team_size" = 5

[levers]
"supervisors.coaching" = [0.2, 0.8]
"programs.recognition" = [false, true]
"""
