"""Sweep specs fail before any run with the key named; designs and run seeds are what they claim."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

import cxsim
from cxsim.sweep import SweepError, SweepSpec, load_spec
from cxsim.sweep.design import SEED_BITS, hash4, make_design, run_seed
from sweep_helpers import TINY_TOML, tiny_spec


def test_a_valid_spec_reads_ranges_values_and_log_scales():
    spec = load_spec(
        tiny_spec(
            levers={
                "supervisors.coaching": [0.2, 0.8],
                "programs.recognition": [False, True],
                "workforce.staffing_policy": ["random", "most_engaged"],
                "leadership.marketing_spend": {"min": 100, "max": 10000, "scale": "log"},
                "market.mean_degree": [4, 12],
            },
            uncertainties={"churn": {"switching_ease": {"values": [0.3, 0.7]}}},
        )
    )
    f = {x.key: x for x in spec.factors}
    assert f["supervisors.coaching"].is_range and (f["supervisors.coaching"].low, f["supervisors.coaching"].high) == (
        0.2,
        0.8,
    )
    assert f["programs.recognition"].values == (False, True)
    assert f["workforce.staffing_policy"].values == ("random", "most_engaged")
    assert f["churn.switching_ease"].role == "uncertainty" and f["churn.switching_ease"].values == (0.3, 0.7)
    assert f["leadership.marketing_spend"].value(0.5) == pytest.approx(1000.0)  # geometric middle
    assert f["market.mean_degree"].integer and f["market.mean_degree"].value(0.3) == 6  # 4 + 0.3 * 8 = 6.4 -> 6
    assert spec.base.market.size == 1500 and spec.steps == 6


def test_toml_text_and_bare_dotted_keys_are_accepted(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(TINY_TOML.replace('"supervisors.coaching" = [0.2, 0.8]', "supervisors.coaching = [0.2, 0.8]"))
    spec = load_spec(path)
    assert spec.name == "tiny" and spec.keys == ["supervisors.coaching", "programs.recognition"]


def test_a_rivals_levers_and_kpis_are_swept_like_the_focal_firms(tmp_path):
    """Rival keys in [set], [levers] and [uncertainties], written quoted or as bare dotted keys; rival KPIs."""
    path = tmp_path / "rival.toml"
    path.write_text(
        TINY_TOML.replace(
            'kpis = ["profit", "nps", "churned"]', 'kpis = ["share", "rival_share", "rival_profit"]'
        ).replace('"rivals.rival.workforce.team_size" = 5', "rivals.rival.workforce.team_size = 5")
        + "rivals.rival.pricing.price = [150, 250]\n"
        + '"rivals.rival.programs.recognition" = [false, true]\n'
        + "[uncertainties]\nrivals.rival.initial_share = {min = 0.2, max = 0.5}\n"
    )
    spec = load_spec(path)
    f = {x.key: x for x in spec.factors}
    assert (f["rivals.rival.pricing.price"].low, f["rivals.rival.pricing.price"].high) == (150.0, 250.0)
    assert f["rivals.rival.pricing.price"].role == "lever" and f["rivals.rival.pricing.price"].is_range
    assert f["rivals.rival.programs.recognition"].values == (False, True)
    assert f["rivals.rival.initial_share"].role == "uncertainty"
    assert spec.kpis == ("share", "rival_share", "rival_profit")
    assert spec.base.rivals["rival"].workforce.team_size == 5


def test_command_line_overrides_shrink_a_spec():
    spec = load_spec(tiny_spec(), samples=3, seeds=1, steps=2)
    assert (spec.samples, spec.seeds, spec.steps) == (3, 1, 2)
    assert make_design(spec).n_points == 3 * 2


BAD = [
    ({"desing": "grid"}, "desing: unknown key in a sweep spec; did you mean 'design'?"),
    (
        {"design": "sobl"},
        "design: unknown design 'sobl'; choose one of grid, lhs, sobol, morris, random; did you mean 'sobol'?",
    ),
    # messages about parameter values come from the scenario schema: only the key and the offending part are pinned
    ({"levers": {"supervisors.coachin": [0.1, 0.9]}}, "levers.supervisors.coachin: .*'supervisors.coaching'"),
    ({"levers": {"supervisor.coaching": [0.1, 0.9]}}, "levers.supervisor.coaching: .*section"),
    ({"levers": {"supervisors.coaching": [0.1, 1.5]}}, r"levers.supervisors.coaching.*1\.5.*1"),
    (
        {"levers": {"programs.recognition": ["yes", "no"]}},
        "levers.programs.recognition: expected true or false, got 'yes'",
    ),
    # a bare list for a switch lists its values, numbers or not
    ({"levers": {"programs.recognition": [0, 1]}}, "levers.programs.recognition: expected true or false, got 0"),
    (
        {"levers": {"supervisors.coaching": {"values": [0.1, "0.5"]}}},
        "levers.supervisors.coaching: expected a number, got '0.5' (allowed: 0 to 1 quality)",
    ),
    (
        {"levers": {"workforce.staffing_policy": {"min": 0, "max": 1}}},
        "levers.workforce.staffing_policy: this parameter is str",
    ),
    (
        {"levers": {"supervisors.coaching": [0.1, 0.5, 0.9]}},
        "needs exactly 2 numbers, got 3; for a list of values write",
    ),
    (
        {"levers": {"supervisors.coaching": [0.9, 0.1]}},
        "levers.supervisors.coaching: range low must be smaller than high",
    ),
    (
        {"levers": {"supervisors.coaching": {"min": 0.1, "maks": 0.9}}},
        "levers.supervisors.coaching.maks: unknown key in a factor table",
    ),
    ({"levers": {"market.mean_degree": [4.5, 12]}}, r"levers.market.mean_degree.*(4\.5|integer|whole)"),
    ({"levers": {"supervisors.coaching": [float("nan"), 1]}}, "levers.supervisors.coaching.min: must be a finite"),
    ({"levers": {"supervisors.coaching": {"min": "a", "max": 1}}}, "levers.supervisors.coaching.min: must be a number"),
    (
        {"levers": {"market.size": [1000, 3000]}, "set": {"market.size": 2000}},
        "levers.market.size: also fixed in [set]",
    ),
    ({"set": {"market.sise": 2000}}, "set.market.sise: .*'market.size'"),
    ({"set": {"workforce.employees": 3}}, r"set.*team_size \(10\) is larger than workforce.employees \(3\)"),
    ({"scenario": "baselin"}, "scenario: no scenario named 'baselin'"),
    ({"design": "sobol", "samples": 100}, "samples: a Sobol design needs a power of 2 base samples"),
    ({"design": "morris", "morris_levels": 3}, "morris_levels: must be even"),
    ({"design": "lhs", "levers": {}}, "levers: a lhs design needs at least one lever"),
    (
        {"design": "sobol", "samples": 4, "levers": {"programs.recognition": [True], "supervisors.coaching": [0, 1]}},
        r"levers.programs.recognition: one value \(true\) is not something to vary.*fix it in \[set\]",
    ),
    (
        {"design": "morris", "uncertainties": {"churn.switching_ease": {"values": [0.5]}}},
        "uncertainties.churn.switching_ease: one value (0.5) is not something to vary",
    ),
    ({"seeds": 0}, "seeds: must be 1 or more, got 0"),
    ({"steps": 10_000}, "steps: must be 1 to 5200, got 10000"),
    ({"kpis": ["profitt"]}, "kpis: unknown KPI 'profitt' (see cxsim.metrics.KPIS); did you mean 'profit'?"),
    ({"kpis": ["week"]}, r"kpis: unknown KPI 'week' \(see cxsim.metrics.KPIS\)$"),  # a column, not a KPI
    ({"kpis": ["total_profit"]}, "kpis: unknown KPI 'total_profit' (see cxsim.metrics.KPIS); did you mean 'profit'?"),
    # a rival's levers and KPIs: the same checks and messages as the focal firm's, and the rival must exist
    (
        {"levers": {"rivals.rivl.pricing.price": [150, 250]}},
        "levers.rivals.rivl.pricing.price: the scenario has no rival 'rivl' (its rivals: rival); "
        "did you mean 'rivals.rival.pricing.price'?",
    ),
    (
        {"uncertainties": {"rivals.rival.pricng.price": [150, 250]}},
        "uncertainties.rivals.rival.pricng.price: a rival has no section 'pricng' (only a firm's sections); "
        "did you mean 'rivals.rival.pricing.price'?",
    ),
    ({"levers": {"rivals.rival.market.size": [1000, 2000]}}, "levers.rivals.rival.market.size: a rival has no section"),
    (
        {"levers": {"rivals.rival.pricing.prise": [150, 250]}},
        "levers.rivals.rival.pricing.prise: unknown key in section [pricing]; did you mean 'rivals.rival.pricing.price'?",
    ),
    ({"levers": {"rivals.rival": [1, 2]}}, "levers.rivals.rival: keys look like 'section.parameter'"),
    (
        {"levers": {"rivals.rival.pricing.price": [150, 2e7]}},
        "levers.rivals.rival.pricing.price = 20000000.0 is out of range (allowed: 0.01 to 1e+07 $/purchase)",
    ),
    (
        {"levers": {"rivals.rival.workforce.staffing_policy": {"min": 0, "max": 1}}},
        "levers.rivals.rival.workforce.staffing_policy: this parameter is str",
    ),
    (
        {"levers": {"rivals.rival.programs.recognition": ["yes", "no"]}},
        "levers.rivals.rival.programs.recognition: expected true or false, got 'yes'",
    ),
    (
        {"levers": {"rivals.rival.pricing.price": [150, 250]}, "set": {"rivals.rival.pricing.price": 200.0}},
        "levers.rivals.rival.pricing.price: also fixed in [set]",
    ),
    ({"set": {"rivals.rivl.pricing.price": 200.0}}, "set.rivals.rivl.pricing.price: the scenario has no rival 'rivl'"),
    (
        {"kpis": ["profit", "rivl_share"]},
        "kpis: rivl_share: the scenario has no rival 'rivl' (its rivals: rival); did you mean 'rival_share'?",
    ),
    ({"kpis": ["rival_shar"]}, "kpis: unknown KPI 'rival_shar' (see cxsim.metrics.KPIS); did you mean 'rival_share'?"),
    ({"keep": "all"}, "keep: must be 'summary'"),
    ({"confidence": 95}, "confidence: must be a level between 0.5 and 1"),
]


@pytest.mark.parametrize(("changes", "message"), BAD, ids=[m.split(":")[0] for _, m in BAD])
def test_bad_specs_fail_naming_the_key(changes, message):
    with pytest.raises(SweepError) as err:
        load_spec(tiny_spec(**changes))
    text = str(err.value)
    assert message in text or re.search(message, text), text
    assert isinstance(err.value, cxsim.ScenarioError)  # the CLI prints it as one line, exit code 2


def test_every_mistake_is_named_on_one_line_a_misspelt_key_first():
    with pytest.raises(SweepError) as err:
        load_spec(tiny_spec(desing="sobol", seeds=0, steps=10_000))
    assert str(err.value) == (
        "spec: desing: unknown key in a sweep spec; did you mean 'design'?; "
        "seeds: must be 1 or more, got 0; steps: must be 1 to 5200, got 10000"
    )
    with pytest.raises(SweepError, match=r"^spec: --steps: must be 1 to 5200, got 0$"):
        load_spec(tiny_spec(), steps=0)  # a command-line value is named as the user typed it


@pytest.mark.parametrize("path", sorted((Path(__file__).parents[1] / "experiments" / "sweeps").glob("*.toml")))
def test_a_checked_spec_survives_reloading_and_the_manifest(path):
    spec = load_spec(path)
    assert load_spec(spec) == spec  # what cxsim.sweep.run does with a SweepSpec it is given
    recorded = SweepSpec.from_dict(json.loads(json.dumps(spec.to_dict())), base=spec.base)
    assert recorded.to_dict() == spec.to_dict() and recorded.factors == spec.factors


def test_values_of_a_whole_number_parameter_are_recorded_as_whole_numbers():
    spec = load_spec(tiny_spec(levers={"market.mean_degree": {"values": [4.0, 12]}}))
    assert spec.factors[0].values == (4, 12) and all(type(v) is int for v in spec.factors[0].values)


def test_file_errors_start_with_the_file_name(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(TINY_TOML.replace("steps = 6", "steps = 6\nsamples_per_point = 3"))
    with pytest.raises(SweepError, match=r"^mine\.toml: samples_per_point: unknown key"):
        load_spec(path)
    path.write_text("design = [")
    with pytest.raises(SweepError, match=r"^mine\.toml: TOML syntax error"):
        load_spec(path)
    with pytest.raises(SweepError, match="sweep spec not found"):
        load_spec(tmp_path / "missing.toml")


def test_a_bad_combination_of_design_points_fails_before_any_run(tmp_path):
    # each bound is valid alone, but the point (10 employees, teams of 40) is not a firm
    spec = tiny_spec(levers={"workforce.employees": [10, 60], "workforce.team_size": [5, 40]})
    spec["set"] = {"market.size": 1500}
    out = tmp_path / "never"
    with pytest.raises(
        SweepError, match=r"design point \d+ .*team_size \(40\) is larger than workforce.employees \(10\)"
    ):
        cxsim.sweep.run(spec, out, executor=1)
    assert not out.exists()


# -------------------------------------------------------------------- designs


def _spec(design: str, samples: int, **extra):
    levers = {"supervisors.coaching": [0.1, 0.9], "programs.recognition": [False, True], "market.mean_degree": [4, 12]}
    return load_spec(tiny_spec(design=design, samples=samples, levers=levers, **extra))


@pytest.mark.parametrize(
    ("design", "samples", "points"),
    [
        ("grid", 3, 3 * 2 * 3),
        ("random", 17, 17),
        ("lhs", 16, 16),
        ("sobol", 8, 8 * (3 + 2)),
        ("morris", 4, 4 * (3 + 1)),
    ],
)
def test_designs_have_the_documented_size_and_stay_in_range(design, samples, points):
    d = make_design(_spec(design, samples))
    assert d.n_points == points and d.unit.shape == (points, 3)
    assert np.all((d.unit >= 0) & (d.unit <= 1))
    coaching = [row[0] for row in d.values]
    assert min(coaching) >= 0.1 and max(coaching) <= 0.9
    assert {row[1] for row in d.values} <= {False, True}
    assert all(isinstance(row[2], int) and 4 <= row[2] <= 12 for row in d.values)
    again = make_design(_spec(design, samples))
    assert again.values == d.values  # a pure function of the spec


def test_sobol_second_order_and_base_seed_change_the_design():
    assert make_design(_spec("sobol", 8, second_order=True)).n_points == 8 * (2 * 3 + 2)
    a, b = make_design(_spec("random", 10)), make_design(_spec("random", 10, base_seed=1))
    assert a.values != b.values


def test_grid_spans_the_range_and_every_value():
    d = make_design(_spec("grid", 3))
    assert sorted({row[0] for row in d.values}) == pytest.approx([0.1, 0.5, 0.9])
    assert sorted({row[2] for row in d.values}) == [4, 8, 12]


def test_a_grid_without_factors_is_replications_of_one_scenario():
    d = make_design(load_spec(tiny_spec(levers={}, seeds=5)))
    assert d.n_points == 1 and d.point(0) == {}


# ---------------------------------------------------------------------- seeds


def test_run_seed_is_the_engine_splitmix_hash():
    from cxsim.rng import S_SWEEP_SEED
    from cxsim.rng import hash4 as engine_hash4

    assert S_SWEEP_SEED == cxsim.sweep.design.S_SWEEP_SEED
    for args in [(0, 80, 0, 0), (12345, 80, 7, 3), (2**40 + 17, 80, 123456, 9)]:
        assert hash4(*args) == int(engine_hash4(*args))


def test_run_seeds_are_deterministic_distinct_and_usable_as_cxsim_seeds():
    seeds = {run_seed(0, p, r) for p in range(300) for r in range(4)}
    assert len(seeds) == 1200
    assert all(0 <= s < 2**SEED_BITS for s in seeds)
    assert run_seed(0, 5, 1) == run_seed(0, 5, 1) != run_seed(1, 5, 1)
    assert math.log2(max(seeds)) > SEED_BITS - 2  # uses the whole range, not a few low bits


def test_a_one_value_list_is_allowed_in_a_grid_as_a_recorded_constant():
    """Narrowing a grid's list to one value while trying things is harmless (it costs no runs)."""
    spec = load_spec(tiny_spec(levers={"supervisors.coaching": [0.2, 0.8], "programs.recognition": [True]}))
    assert make_design(spec).n_points == 2
