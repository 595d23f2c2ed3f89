"""The analysis path (store -> load -> cxsim.sweep.analyze) recovers known sensitivities of test functions.

A test function stands in for the model: its values are written into a sweep
directory exactly as the executors write model runs, then analysed by the
same code ``cxsim analyze`` uses.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cxsim.sweep import SweepError, analyze
from cxsim.sweep.design import make_design
from cxsim.sweep.runner import manifest_for
from cxsim.sweep.spec import Factor, SweepSpec
from cxsim.sweep.store import SweepStore


def fake_sweep(out, spec: SweepSpec, f, chunks: int = 4, drop_chunk: int | None = None) -> SweepStore:
    """Evaluate ``f(point dict, replicate) -> y`` on the spec's design and store it like a sweep of the model."""
    design = make_design(spec)
    manifest = manifest_for(spec, design, None)
    n = manifest["runs"]["count"]
    size = -(-n // chunks)
    manifest["chunks"] = {"size": size, "count": -(-n // size)}
    store = SweepStore.create(out, manifest)
    for c in range(store.n_chunks):
        if c == drop_chunk:
            continue
        rows = []
        for k in store.chunk_runs(c):
            point, rep = divmod(k, spec.seeds)
            changes = design.point(point)
            rows.append(
                {
                    "run": k,
                    "point": point,
                    "replicate": rep,
                    "seed": manifest["runs"]["seed"][k],
                    **changes,
                    "weeks": 1,
                    "bankrupt": False,
                    "final_y": f(changes, rep),
                }
            )
        store.write_chunk(c, pd.DataFrame(rows))
    return store


def ishigami(x: dict, _rep: int, a: float = 7.0, b: float = 0.1) -> float:
    return math.sin(x["x1"]) + a * math.sin(x["x2"]) ** 2 + b * x["x3"] ** 4 * math.sin(x["x1"])


def ishigami_indices(a: float = 7.0, b: float = 0.1):
    """Analytic first and total order Sobol indices of the Ishigami function."""
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


def _spec(design: str, samples: int, factors, seeds: int = 1, **kw) -> SweepSpec:
    return SweepSpec(
        name="test", design=design, factors=tuple(factors), samples=samples, seeds=seeds, steps=1, kpis=("y",), **kw
    )


def test_sobol_indices_of_the_ishigami_function(tmp_path):
    pi = math.pi
    factors = [Factor(f"x{i}", low=-pi, high=pi) for i in (1, 2, 3)]
    fake_sweep(tmp_path / "ish", _spec("sobol", 1024, factors, resamples=200), ishigami)
    (res,) = analyze(tmp_path / "ish", "y")
    assert res.method == "sobol" and res.outcome == "final_y"
    t = res.table.set_index("factor").loc[["x1", "x2", "x3"]]
    s1, st = ishigami_indices()
    # analytic S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244
    np.testing.assert_allclose(t["S1"], s1, atol=0.05)
    np.testing.assert_allclose(t["ST"], st, atol=0.05)
    assert (t["S1_conf"] < 0.1).all() and (t["ST_conf"] < 0.1).all()
    # the true values lie within (a little more than) the reported intervals
    assert (np.abs(t["ST"] - st) <= 2 * t["ST_conf"] + 0.01).all()
    assert list(res.table["factor"]) == ["x1", "x2", "x3"]  # most total influence first
    assert [p.suffix for p in res.files] == [".csv", ".png"] and all(p.stat().st_size > 0 for p in res.files)
    assert pd.read_csv(res.files[0])["factor"].tolist() == ["x1", "x2", "x3"]


def test_morris_recovers_linear_effects_exactly(tmp_path):
    factors = [Factor("a", low=0.0, high=1.0), Factor("b", low=0.0, high=1.0), Factor("c", low=0.0, high=1.0)]
    fake_sweep(tmp_path / "m", _spec("morris", 10, factors), lambda x, _r: 10 * x["a"] + 2 * x["b"])
    (res,) = analyze(tmp_path / "m")
    t = res.table.set_index("factor")
    np.testing.assert_allclose(t.loc[["a", "b", "c"], "mu_star"], [10.0, 2.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(t["sigma"], 0.0, atol=1e-9)  # linear and additive: no spread of effects


def test_morris_effects_are_over_the_whole_range_of_a_switch(tmp_path):
    factors = [Factor("on", values=(False, True)), Factor("x", low=0.0, high=1.0)]
    fake_sweep(tmp_path / "m2", _spec("morris", 8, factors), lambda x, _r: 5.0 * x["on"] + x["x"])
    t = analyze(tmp_path / "m2")[0].table.set_index("factor")
    assert t.loc["on", "mu_star"] == pytest.approx(5.0) and t.loc["x", "mu_star"] == pytest.approx(1.0)


def test_main_effects_on_a_grid_are_the_level_means(tmp_path):
    factors = [Factor("a", low=0.0, high=2.0), Factor("kind", values=("x", "y", "z"))]
    bonus = {"x": 0.0, "y": 5.0, "z": 1.0}
    fake_sweep(
        tmp_path / "g", _spec("grid", 3, factors, seeds=2), lambda p, r: 3 * p["a"] + bonus[p["kind"]] + (r - 0.5)
    )
    (res,) = analyze(tmp_path / "g")
    t = res.table.set_index("factor")
    assert t.loc["a", "effect"] == pytest.approx(6.0) and t.loc["kind", "effect"] == pytest.approx(5.0)
    assert t.loc["kind", "highest_at"] == "y" and t.loc["kind", "lowest_at"] == "x"
    assert t.loc["a", "highest_at"] == 2.0
    # additive and balanced: the main effects plus the replicate noise explain all the variance
    noise = 0.25 / np.var([3 * a + b + e for a in (0, 1, 2) for b in bonus.values() for e in (-0.5, 0.5)])
    assert t["eta2"].sum() + noise == pytest.approx(1.0)
    lv = res.levels.set_index(["factor", "level"])
    assert lv.loc[("a", 1.0), "mean"] == pytest.approx(3.0 + 2.0) and lv.loc[("a", 1.0), "n"] == 6
    assert [p.name for p in res.files] == [
        "final_y_main_effects.csv",
        "final_y_main_effects.png",
        "final_y_partial_dependence.csv",
        "final_y_partial_dependence.png",
    ]


def test_random_designs_bin_ranges_for_partial_dependence(tmp_path):
    factors = [Factor("a", low=0.0, high=1.0), Factor("b", low=0.0, high=1.0)]
    fake_sweep(tmp_path / "r", _spec("random", 200, factors), lambda p, _r: 4 * p["a"])
    (res,) = analyze(tmp_path / "r")
    t = res.table.set_index("factor")
    assert t.loc["a", "eta2"] > 0.9 and t.loc["b", "eta2"] < 0.1
    assert t.loc["b", "eta2_low"] <= t.loc["b", "eta2"] <= t.loc["b", "eta2_high"]
    means = res.levels[res.levels["factor"] == "a"]["mean"].to_numpy()
    assert len(means) == 5 and np.all(np.diff(means) > 0)  # rising partial dependence


def test_an_unfinished_sobol_sweep_is_not_analysed(tmp_path):
    factors = [Factor("a", low=0.0, high=1.0), Factor("b", low=0.0, high=1.0)]
    fake_sweep(tmp_path / "u", _spec("sobol", 8, factors), lambda p, _r: p["a"], drop_chunk=1)
    with pytest.raises(SweepError, match="runs done; a sobol analysis needs them all"):
        analyze(tmp_path / "u")


def test_unknown_kpi_and_not_a_sweep(tmp_path):
    factors = [Factor("a", low=0.0, high=1.0)]
    fake_sweep(tmp_path / "k", _spec("random", 20, factors), lambda p, _r: p["a"])
    with pytest.raises(SweepError, match="--kpi profit: not kept by this sweep"):
        analyze(tmp_path / "k", "profit")
    with pytest.raises(SweepError, match="not a sweep directory"):
        (tmp_path / "empty").mkdir()
        analyze(tmp_path / "empty")


def test_the_same_sweep_always_gets_the_same_intervals_and_directions(tmp_path):
    factors = [Factor("up", low=0.0, high=1.0), Factor("down", low=0.0, high=1.0)]
    fake_sweep(tmp_path / "d", _spec("sobol", 64, factors), lambda p, _r: 3 * p["up"] - p["down"] + p["up"] * p["down"])
    a, b = analyze(tmp_path / "d", write=False)[0], analyze(tmp_path / "d", write=False)[0]
    pd.testing.assert_frame_equal(a.table, b.table)  # bootstrap CIs are seeded from the spec
    t = a.table.set_index("factor")
    assert t.loc["up", "spearman"] > 0.5 and t.loc["down", "spearman"] < -0.1
