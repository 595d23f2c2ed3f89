"""`cxsim fit`: the profile's checks, the targets' measurement, a known truth recovered, reproducibility
on any number of workers and on Dask, the files, and the command line.

The fits here are small (a market of 1,000-2,000 people, a few unknowns) so they run in seconds; the
full-size fits of the example firms are in experiments/firms/ and experiments/results/.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

import cxsim
from cli_helpers import run_cli
from cxsim.fit import Runner, apply_draw, load, load_profile, profile_from_dict, run_abc, summarise, write
from cxsim.fit.profile import ProfileError
from cxsim.fit.targets import TARGETS, blocks, history_blocks, measure, rms_z, simulated_blocks
from cxsim.params import calibratable

# --------------------------------------------------------------------------- the profile


def _profile(**changes):
    data = {
        "scenario": "baseline",
        "targets": {"nps": {"value": 20, "sd": 5}, "annual_churn": {"value": 0.2, "sd": 0.03}},
        "free": {"churn.base_hazard": [0.001, 0.01]},
    }
    data.update(changes)
    return profile_from_dict(data)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"target": {}}, r"^target: unknown key"),
        ({"targets": {"nsp": {"value": 20, "sd": 5}}}, r"targets.nsp: no such target; did you mean 'nps'\?"),
        (
            {"targets": {"annual_churn": {"value": 18, "sd": 3}}},
            r"targets.annual_churn.value = 18 is out of range.*0.18",
        ),
        ({"targets": {"nps": {"value": 20, "sd": 0}}}, r"targets.nps.sd = 0: must be > 0"),
        ({"targets": {"nps": {"value": 20}}}, r"targets.nps: needs both value and sd"),
        ({"targets": {"nps": {"value": "high", "sd": 5}}}, r"targets.nps.value = 'high': expected a number"),
        ({"targets": {}}, r"\[targets\]: give at least one target"),
        ({"facts": {"market.size": -5}}, r"^facts.market.size"),
        ({"facts": {"market": {"sise": 5000}}}, r"^facts.market.sise"),
        ({"free": {"churn.base_hazzard": [0.001, 0.01]}}, r"free.churn.base_hazzard: no such parameter; did you mean"),
        ({"free": {"churn.base_hazard": [0.01, 0.001]}}, r"low must be below high"),
        ({"free": {"churn.base_hazard": 0.005}}, r"give the prior range as \[low, high\]"),
        ({"free": {"churn.base_hazard": [-1, 0.01]}}, r"out of range \(allowed: 0"),
        ({"free": {}}, r"\[free\] is empty"),
        ({"facts": {"churn.base_hazard": 0.004}}, r"free.churn.base_hazard: is also a fact"),
        ({"fit": {"population": 3}}, r"fit.population = 3: ABC-SMC needs at least 10"),
        ({"fit": {"peeple": 3}}, r"fit.peeple: unknown key"),
        ({"fit": {"people": 50}}, r"fit.people = 50: a fit needs a market of at least 200"),
        ({"scenario": "no_such_scenario"}, r"^scenario = 'no_such_scenario'"),
        ({"history_sd": {"nps": 5}}, r"\[history_sd\] without history"),
    ],
)
def test_a_bad_profile_is_refused_with_the_key_named(changes, message):
    with pytest.raises(ProfileError, match=message):
        _profile(**changes)


def test_facts_are_set_exactly_and_the_default_unknowns_are_every_calibratable_weight_but_the_facts():
    p = profile_from_dict(
        {
            "scenario": "baseline",
            "facts": {"market": {"size": 20000}, "churn.base_hazard": {"value": 0.004, "source": "our CRM"}},
            "targets": {"nps": {"value": 20, "sd": 5}},
        }
    )
    assert p.scenario.market.size == 20000 and p.scenario.churn.base_hazard == 0.004
    assert p.fact_sources == {"churn.base_hazard": "our CRM"}
    assert set(p.free) == set(calibratable()) - {"churn.base_hazard"}
    assert p.fit_scenario().market.size == p.settings.people
    # scaling keeps customers per employee
    fit = p.fit_scenario()
    assert fit.workforce.employees / fit.market.size == pytest.approx(
        p.scenario.workforce.employees / p.scenario.market.size, rel=0.02
    )


def test_a_history_file_is_checked(tmp_path):
    (tmp_path / "h.csv").write_text("week,nps,churn\n1,20,0.1\n")
    with pytest.raises(ProfileError, match=r"column 'churn': no such target"):
        profile_from_dict({"scenario": "baseline", "history": "h.csv", "history_sd": {"nps": 5}}, tmp_path)
    (tmp_path / "h.csv").write_text("week,nps\n1,20\n60,21\n")
    with pytest.raises(ProfileError, match=r"weeks must be whole numbers from 1 to fit.window = 52"):
        profile_from_dict({"scenario": "baseline", "history": "h.csv", "history_sd": {"nps": 5}}, tmp_path)
    (tmp_path / "h.csv").write_text("week,nps\n1,20\n2,21\n")
    with pytest.raises(ProfileError, match=r"history_sd.nps: missing"):
        profile_from_dict({"scenario": "baseline", "history": "h.csv"}, tmp_path)
    with pytest.raises(ProfileError, match=r"history = 'nope.csv'|no such file"):
        profile_from_dict({"scenario": "baseline", "history": "nope.csv", "history_sd": {"nps": 5}}, tmp_path)


def test_load_profile_names_the_file_and_the_toml_error(tmp_path):
    f = tmp_path / "firm.toml"
    f.write_text('scenario = "baseline"\n[targets]\nnps = { value = 20, sd = 5 \n')
    with pytest.raises(ProfileError, match=r"^firm.toml: TOML syntax error"):
        load_profile(f)
    with pytest.raises(ProfileError, match=r"no such profile file"):
        load_profile(tmp_path / "missing.toml")


# --------------------------------------------------------------------------- the targets


def _series(weeks: int = 20) -> pd.DataFrame:
    w = np.arange(1, weeks + 1)
    return pd.DataFrame(
        {
            "week": w,
            "nps": 10.0 + w,
            "churn_rate": np.full(weeks, 0.004),
            "employee_attrition": np.full(weeks, 0.006),
            "profit": np.full(weeks, 10.0),
            "revenue": np.where(w <= 10, 100.0, 300.0),
        }
    )


def test_targets_are_measured_over_the_window_as_a_firm_reports_them():
    ts = _series()
    got = measure(ts, ["nps", "annual_churn", "employee_turnover", "profit_margin"], 11, 20)
    assert got["nps"] == pytest.approx(np.mean(10 + np.arange(11, 21)))
    assert got["annual_churn"] == pytest.approx(52 * 0.004)
    assert got["employee_turnover"] == pytest.approx(52 * 0.006)
    assert got["profit_margin"] == pytest.approx(100 / 3000)  # summed over the window, not a mean of ratios
    # a run that stopped early (bankrupt) has no window: every figure is NaN and the distance infinite
    short = measure(ts.head(15), ["nps"], 11, 20)
    assert np.isnan(short["nps"]) and rms_z(short, {"nps": 20.0}, {"nps": 5.0}) == float("inf")


def test_a_history_taken_from_a_run_is_at_distance_zero_from_that_run():
    ts = _series(30)
    history = ts[ts["week"] > 4][["week", "nps"]].assign(week=lambda d: d["week"] - 4)  # burn-in of 4 weeks
    obs = history_blocks(history, 13)
    assert list(obs) == ["nps@1-13", "nps@14-26"]
    assert blocks(26, 13) == [(1, 13), (14, 26)]
    sim = simulated_blocks(ts, list(obs), offset=4)
    assert rms_z(sim, obs, dict.fromkeys(obs, 1.0)) == pytest.approx(0.0)


def test_every_target_declares_a_plausible_range_and_a_meaning():
    for t in TARGETS.values():
        assert t.lo < t.hi and t.meaning and t.unit


# --------------------------------------------------------------------------- the fit


def test_apply_draw_sets_world_weights_for_every_firm_and_rounds_whole_numbers():
    s = cxsim.load_scenario("baseline")
    d = apply_draw(s, {"process.quality_floor": 0.5, "churn.contagion_window": 7.6})
    assert d.process.quality_floor == 0.5 and d.rivals["rival"].process.quality_floor == 0.5
    assert d.churn.contagion_window == 8


TRUTH = {"churn.base_hazard": 0.0065, "engagement.target_base": 0.45}
# 4,000 people: 40 employees, the smallest front line that behaves like a large one (profile.SMALL_FIRM)
SMALL_FIT = {"people": 4000, "burn_in": 26, "window": 26, "population": 40, "max_simulations": 1200, "max_minutes": 8}


@pytest.fixture(scope="module")
def known_truth():
    """A firm whose hidden weights are TRUTH: its KPIs, measured as the fit measures them, become the targets."""
    base = cxsim.load_scenario("baseline")
    p0 = profile_from_dict({"scenario": "baseline", "targets": {"nps": {"value": 0, "sd": 1}}, "fit": SMALL_FIT})
    firm = apply_draw(p0.fit_scenario(), TRUTH)
    runs = cxsim.run_many(firm, seeds=[101, 102, 103, 104], steps=52, workers=2)
    figures = pd.DataFrame([measure(r.timeseries, ["annual_churn", "engaged_share", "nps"], 27, 52) for r in runs])
    sds = {"annual_churn": 0.03, "engaged_share": 0.06, "nps": 5.0}
    profile = profile_from_dict(
        {
            "scenario": "baseline",
            "targets": {k: {"value": float(figures[k].mean()), "sd": sd} for k, sd in sds.items()},
            "free": {"churn.base_hazard": [0.001, 0.01], "engagement.target_base": [0.3, 0.57]},
            "fit": SMALL_FIT,
        }
    )
    assert profile.scenario == base
    outcome = run_abc(profile, Runner(2))
    return profile, outcome


@pytest.mark.slow
def test_the_fit_recovers_a_known_truth(known_truth):
    profile, outcome = known_truth
    fit = summarise(outcome, workers=2)
    post = fit.parameters.set_index("key")
    w = outcome.draws["weight"].to_numpy()
    from cxsim.fit.posterior import weighted_quantile

    for key, truth in TRUTH.items():
        lo, hi = weighted_quantile(outcome.draws[key].to_numpy(), w, [0.025, 0.975])
        assert lo <= truth <= hi, f"{key}: truth {truth} outside the posterior's 95% interval [{lo:.4g}, {hi:.4g}]"
    # the data pin the churn hazard down (annual churn measures it), and the median lands near the truth
    assert post.loc["churn.base_hazard", "sd_ratio"] < 0.5
    assert abs(post.loc["churn.base_hazard", "median"] - TRUTH["churn.base_hazard"]) < 0.0015
    assert post.loc["engagement.target_base", "sd_ratio"] < 0.9  # engaged share of 40 employees is noisy: narrowed
    # the fitted firm, re-run with new seeds, lands within the targets' sd
    assert fit.within_sd == len(profile.targets), fit.targets


@pytest.mark.slow
def test_the_files_of_a_fit(known_truth, tmp_path):
    profile, outcome = known_truth
    fit = summarise(outcome)
    paths = write(fit, tmp_path / "out", command="cxsim fit firm.toml --out out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "fit.json",
        "fitted.toml",
        "posterior.parquet",
        "report.html",
    ]
    draws = pd.read_parquet(paths["posterior.parquet"])
    assert {"churn.base_hazard", "engagement.target_base", "weight", "distance", "sim:nps"} <= set(draws.columns)
    assert draws["weight"].sum() == pytest.approx(1.0) and len(draws) == profile.settings.population
    doc = json.loads(paths["fit.json"].read_text())
    assert [t["target"] for t in doc["targets"]] == list(profile.targets)
    assert doc["cxsim_version"] == cxsim.__version__ and doc["simulations"] == outcome.simulations
    # fitted.toml is a runnable scenario at the firm's own size with the posterior medians
    fitted = cxsim.load_scenario(paths["fitted.toml"])
    assert fitted.market.size == profile.scenario.market.size
    median = fit.parameters.set_index("key").loc["churn.base_hazard", "median"]
    assert fitted.churn.base_hazard == pytest.approx(median)
    page = paths["report.html"].read_text()
    assert "pin down" in page and page.count("data:image/png;base64,") == 3
    assert not re.search(r"""(src|href)=["']https?://""", page)  # self-contained: nothing fetched
    # read back for what-ifs
    post = load(tmp_path / "out")
    assert post.keys == ["churn.base_hazard", "engagement.target_base"]
    assert post.sample(8, seed=1) == post.sample(8, seed=1)


def _tiny_profile(seed: int = 0):
    return profile_from_dict(
        {
            "scenario": "baseline",
            "targets": {"annual_churn": {"value": 0.2, "sd": 0.03}, "nps": {"value": 20, "sd": 5}},
            "free": {"churn.base_hazard": [0.001, 0.01], "customers.attitude_rate": [0.1, 0.6]},
            "fit": {"people": 1000, "burn_in": 13, "window": 13, "population": 12, "max_simulations": 50, "seed": seed},
        }
    )


@pytest.fixture(scope="module")
def tiny_in_process():
    return run_abc(_tiny_profile(), Runner(1))


@pytest.mark.slow
def test_the_same_seed_gives_the_same_posterior_on_one_or_two_processes(tiny_in_process):
    two = run_abc(_tiny_profile(), Runner(2))
    pd.testing.assert_frame_equal(tiny_in_process.draws, two.draws)
    assert tiny_in_process.simulations == two.simulations
    other = run_abc(_tiny_profile(seed=1), Runner(1))
    assert not other.draws.equals(tiny_in_process.draws)


@pytest.mark.slow
def test_a_fit_on_a_dask_cluster_gives_the_same_posterior(tiny_in_process, dask_cluster):
    on_dask = run_abc(_tiny_profile(), Runner(scheduler=dask_cluster))
    pd.testing.assert_frame_equal(tiny_in_process.draws, on_dask.draws)


def test_a_budget_too_small_for_one_generation_is_a_clear_error():
    p = _tiny_profile()
    import dataclasses

    p = dataclasses.replace(p, settings=dataclasses.replace(p.settings, max_minutes=1e-4))
    with pytest.raises(ProfileError, match="ran out before the first generation"):
        run_abc(p, Runner(1))


# --------------------------------------------------------------------------- the command line


def test_cxsim_fit_refuses_a_bad_profile_naming_the_key(tmp_path, capsys):
    f = tmp_path / "firm.toml"
    f.write_text('scenario = "baseline"\n[targets]\nannual_churn = { value = 18, sd = 3 }\n')
    code, _, err = run_cli(["fit", str(f), "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    assert "firm.toml: targets.annual_churn.value = 18 is out of range" in err
    assert not (tmp_path / "out").exists()


def test_cxsim_fit_writes_the_files_and_prints_the_targets(tmp_path, capsys):
    f = tmp_path / "firm.toml"
    f.write_text(
        'scenario = "baseline"\ndescription = "a test firm"\n'
        "[targets]\nannual_churn = { value = 0.2, sd = 0.03 }\n"
        '[free]\n"churn.base_hazard" = [0.001, 0.01]\n'
        "[fit]\npeople = 1000\nburn_in = 13\nwindow = 13\npopulation = 10\nmax_simulations = 30\ncheck_seeds = 2\n"
    )
    code, out, err = run_cli(["fit", str(f), "--out", str(tmp_path / "out"), "--workers", "1"], capsys)
    assert code == 0, err
    assert "annual_churn" in out and "targets within their sd" in out and "report.html ->" in out
    assert "1 unknowns to 1 targets" in err
    assert (tmp_path / "out" / "report.html").exists()


@pytest.mark.slow
def test_the_screening_finds_the_unknowns_the_targets_move():
    """With more free unknowns than the SMC fits, the screening keeps those a target moves with:
    the churn hazard moves annual churn; the VoC survey's noise moves nothing (the firm runs no VoC)."""
    import pyabc

    from cxsim.fit.abc_parts import ValidPrior
    from cxsim.fit.inference import MAX_FITTED, observations, pyabc_name, screen, simulator_for

    keys = ["churn.base_hazard", "measurement.voc_noise", "measurement.voc_response_bias"] + [
        k for k in calibratable() if k.startswith("engagement.")
    ][: MAX_FITTED + 2]
    free = {k: list(calibratable()[k]) for k in keys}
    p = profile_from_dict(
        {
            "scenario": "baseline",
            "targets": {"annual_churn": {"value": 0.2, "sd": 0.03}, "engaged_share": {"value": 0.3, "sd": 0.05}},
            "free": free,
            "fit": {"people": 1000, "burn_in": 13, "window": 13},
        }
    )
    sim = simulator_for(p)
    names = [pyabc_name(i) for i in range(len(keys))]
    prior = ValidPrior(sim.valid, **{n: pyabc.RV("logistic", 0, 1) for n in names})
    observed, sds = observations(p)
    np.random.seed(3)
    runner = Runner(2)
    runner.start()
    try:
        s = screen(sim, prior, observed, sds, runner, 80, None, 0.0)
    finally:
        runner.close()
    table = s.table.set_index("key")
    assert "churn.base_hazard" in s.fitted and table.loc["churn.base_hazard", "target"] == "annual_churn"
    assert "measurement.voc_noise" not in s.fitted and "measurement.voc_response_bias" not in s.fitted
    assert len(s.fitted) <= MAX_FITTED and s.simulations == 80


@pytest.mark.parametrize("firm", ["telecom", "retail_bank", "small_hospitality"])
def test_the_example_firms_load_with_six_sourced_targets(firm):
    from pathlib import Path

    p = load_profile(Path(__file__).resolve().parents[1] / "experiments" / "firms" / f"{firm}.toml")
    assert len(p.targets) == 6 and all(t.source for t in p.targets.values())
    assert p.small_firm_warning() is None  # each is fitted at a size where its front line behaves like its own
    assert p.fit_scenario().workforce.employees >= 30


@pytest.mark.slow
def test_the_targets_carry_over_from_the_scaled_firm_to_the_firm_at_its_own_size():
    """The fit simulates the baseline at 5,000 people (50 employees); the same targets measured on the
    firm at its own 50,000 people (500 employees) agree within a fraction of a typical target sd."""
    base = cxsim.load_scenario("baseline")
    names = ["nps", "annual_churn", "engaged_share", "employee_turnover", "profit_margin", "utilisation"]
    tolerance = {
        "nps": 4.0,
        "annual_churn": 0.03,
        "engaged_share": 0.05,
        "employee_turnover": 0.08,
        "profit_margin": 0.03,
        "utilisation": 0.04,
    }

    def figures(scenario, seeds):
        runs = cxsim.run_many(scenario, seeds=seeds, steps=104, workers=2)
        return pd.DataFrame([measure(r.timeseries, names, 53, 104) for r in runs]).mean()

    # a firm of 50 is noisy from seed to seed (engaged share sd ~0.065 over seeds): 12 seeds of it (cheap) against
    # 3 of the full firm, so the means compared are the firms', not one draw's
    small, full = figures(base.scale(0.1), list(range(12))), figures(base, [0, 1, 2])
    for name in names:
        assert abs(small[name] - full[name]) <= tolerance[name], (name, small[name], full[name])
