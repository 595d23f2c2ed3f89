"""The scenario API (scenario.py, params.py): loading with overrides, the Scenario methods, bounds declared once.

How bad input is refused is in test_bad_input_scenario.py; these check the calls that build scenarios.
"""

from __future__ import annotations

import pytest

from cxsim.params import Market, field_bounds, parameter_table
from cxsim.scenario import ScenarioError, diff, load_scenario, override, scenario_from_toml, to_toml


def test_load_scenario_applies_overrides():
    base = load_scenario("baseline")
    assert load_scenario("baseline", {"market.size": 1000}) == override(base, {"market.size": 1000})
    assert load_scenario(base, {}) is base
    with pytest.raises(ScenarioError, match="market.size = 5 is out of range"):
        load_scenario(base, {"market.size": 5})


def test_bounds_come_from_one_place_for_the_table_and_the_errors():
    size = Market.model_fields["size"]
    assert field_bounds(size) == (10, 50_000_000)
    assert field_bounds(Market.model_fields["graph"]) == (None, None)
    row = next(r for r in parameter_table() if r["key"] == "market.size")
    assert (row["min"], row["max"]) == field_bounds(size)
    with pytest.raises(
        ScenarioError, match="market.size: expected a whole number, got true \\(allowed: 10 to 50,000,000"
    ):
        load_scenario("baseline", {"market.size": True})


def test_scenario_methods_are_the_module_functions():
    base = load_scenario("baseline")
    changed = base.override({"market.size": 1000})
    assert changed == override(base, {"market.size": 1000})
    assert changed.get("market.size") == 1000
    assert changed.diff(base) == {"market.size": (1000, base.market.size)} == diff(changed, base)
    assert scenario_from_toml(changed.to_toml()) == changed
    assert changed.to_toml(only_changes_from=base) == to_toml(changed, base)
    assert changed.to_toml(only_changes_from=base).splitlines()[0] == 'extends = "baseline"'
    with pytest.raises(ScenarioError, match="market.size = 5 is out of range"):
        base.override({"market.size": 5})
