"""Sensitivity analysis of a finished sweep: which lever moves which outcome, and how surely.

The method follows the design, as SALib intends:

- ``sobol``: first-order (S1) and total-order (ST) Sobol indices with
  bootstrap confidence intervals (SALib ``analyze.sobol``). S1 is the share
  of the outcome's variance a factor explains alone; ST adds its
  interactions. ST - S1 large means the factor matters through others.
- ``morris``: elementary effects (SALib ``analyze.morris``): mu* (mean
  absolute effect of moving the factor across its whole range, with a
  bootstrap CI; for a switch, of turning it on) and sigma (spread of the
  effect: non-linearity or interactions). In the outcome's own units. A
  screening method: rank, don't quantify shares.
- ``grid``, ``random``, ``lhs``: main effects. For each factor, the mean
  outcome at each of its levels (range factors of a random/LHS design are
  cut into quantile bins) with a t confidence interval: that is the partial
  dependence curve. Its *range* (highest minus lowest level mean) is the
  effect size and eta^2 (between-level variance / total variance, a
  correlation ratio comparable to S1) its share, with bootstrap CIs.

Outcomes are per run (``total_profit``, ``final_nps`` ...; see
:func:`cxsim.comparison.outcomes`); Sobol and Morris use each design point's
mean over its replicates, because their estimators need one value per point.
Results are written to ``DIR/analysis/`` as CSV and PNG.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cxsim.atomic import atomic_path
from cxsim.metrics import find
from cxsim.sweep.design import salib_problem
from cxsim.sweep.spec import Factor, SweepError, SweepSpec
from cxsim.sweep.store import SweepStore


@dataclass
class KpiAnalysis:
    """The sensitivity of one outcome to every factor.

    Attributes:
        kpi: the KPI (``profit``); ``outcome`` its per-run column (``total_profit``).
        method: 'sobol', 'morris' or 'main_effects'.
        table: one row per factor, most influential first.
        levels: main effects only: the partial dependence (factor, level, mean, CI).
        notes: caveats a reader should see (noise, missing values).
        files: CSV/PNG written.
        confidence: level of the intervals.
    """

    kpi: str
    outcome: str
    method: str
    table: pd.DataFrame
    levels: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    confidence: float = 0.95

    @property
    def label(self) -> str:
        """The outcome as a reader names it (:func:`outcome_label`)."""
        return outcome_label(self.kpi)


def outcome_column(kpi: str) -> str:
    from cxsim.comparison import outcome_name

    return outcome_name(kpi)


def outcome_label(kpi: str) -> str:
    """An outcome as a reader names it, from the KPI's declaration: 'Profit ($), total over the run',
    'Market share (rival) (share), final week'; the outcome column for a column that is not a KPI."""
    declared = find(kpi)
    return f"{declared.title}, {declared.per_run}" if declared is not None else outcome_column(kpi)


def run_outcomes(df: pd.DataFrame, kpis: list[str]) -> pd.DataFrame:
    """One row per run with an outcome column per KPI (summarises timeseries rows if needed)."""
    if "week" not in df.columns:
        return df
    from types import SimpleNamespace

    from cxsim.comparison import outcomes

    rows = []
    id_cols = [c for c in df.columns if c not in kpis and c not in ("week", "bankrupt")]
    for _, g in df.groupby("run", sort=True):
        g = g.sort_values("week")
        row = g.iloc[0][id_cols].to_dict()
        row["weeks"] = len(g)
        row["bankrupt"] = bool(g["bankrupt"].iloc[-1])
        row.update({outcome_column(k): v for k, v in outcomes(SimpleNamespace(timeseries=g), kpis).items()})
        rows.append(row)
    return pd.DataFrame(rows)


def _resolve_kpis(spec: SweepSpec, asked: list[str] | None) -> list[str]:
    if not asked:
        return [k for k in spec.kpis if k != "bankrupt"]
    out = []
    for name in asked:
        hit = [k for k in spec.kpis if name in (k, outcome_column(k))]
        if not hit:
            import difflib

            pool = list(spec.kpis) + [outcome_column(k) for k in spec.kpis]
            guess = difflib.get_close_matches(name, pool, n=1)
            hint = f"; did you mean '{guess[0]}'?" if guess else ""
            raise SweepError(f"--kpi {name}: not kept by this sweep (it has {', '.join(spec.kpis)}){hint}")
        out.append(hit[0])
    return out


# ------------------------------------------------------------------ methods


def point_means(runs: pd.DataFrame, column: str, n_points: int) -> np.ndarray:
    """Mean outcome per design point (over replicates), in point order."""
    means = runs.groupby("point")[column].mean()
    if len(means) != n_points:
        raise SweepError(f"{column}: {n_points - len(means)} design points have no runs; finish the sweep (--resume)")
    return means.sort_index().to_numpy(float)


def sobol_table(
    factors: list[Factor], y: np.ndarray, spec: SweepSpec, seed: int = 0, unit: np.ndarray | None = None
) -> pd.DataFrame:
    """S1 and ST with CI half-widths (``S1_conf``, ``ST_conf``), most total influence first.

    With the design's ``unit`` coordinates, also ``spearman``: the rank correlation of the factor with the
    outcome over all points, i.e. the *direction* of its effect, which Sobol indices do not say.
    """
    from SALib.analyze import sobol
    from scipy.stats import spearmanr

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        si = sobol.analyze(
            salib_problem(factors),
            y,
            calc_second_order=spec.second_order,
            num_resamples=spec.resamples,
            conf_level=spec.confidence,
            seed=seed,
        )
    table = pd.DataFrame(
        {
            "factor": [f.key for f in factors],
            "role": [f.role for f in factors],
            "range": [f.describe() for f in factors],
            "S1": si["S1"],
            "S1_conf": si["S1_conf"],
            "ST": si["ST"],
            "ST_conf": si["ST_conf"],
            "spearman": [
                _spearman(spearmanr, unit[:, i], y) if unit is not None else np.nan for i in range(len(factors))
            ],
        }
    )
    return table.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)


def _analysis_seed(spec: SweepSpec) -> int:
    """Seed of the bootstrap resampling: the same sweep always gets the same intervals.
    (Never 0: SALib's Sobol analysis treats seed 0 as 'no seed'.)"""
    return spec.base_seed % (2**32 - 1) + 1


def _spearman(spearmanr, x: np.ndarray, y: np.ndarray) -> float:
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(spearmanr(x, y).statistic)


def morris_table(
    factors: list[Factor], unit: np.ndarray, y: np.ndarray, spec: SweepSpec, seed: int = 0
) -> pd.DataFrame:
    """mu*, its CI half-width, mu and sigma (effects of moving a factor across its whole range)."""
    from SALib.analyze import morris

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        si = morris.analyze(
            salib_problem(factors),
            unit,
            y,
            num_resamples=spec.resamples,
            conf_level=spec.confidence,
            num_levels=spec.morris_levels,
            seed=seed,
        )
    # SALib divides each change by the step (levels / (2 (levels - 1)) of the unit range): for a range factor
    # that is the change across its whole range. A switch flips in one step, so its change across its
    # whole range (off -> on) is the raw change: undo the division for value factors.
    step = spec.morris_levels / (2 * (spec.morris_levels - 1))
    scale = np.array([step if f.values is not None else 1.0 for f in factors])
    table = pd.DataFrame(
        {
            "factor": [f.key for f in factors],
            "role": [f.role for f in factors],
            "range": [f.describe() for f in factors],
            "mu_star": np.asarray(si["mu_star"], float) * scale,
            "mu_star_conf": np.asarray(si["mu_star_conf"], float) * scale,
            "mu": np.asarray(si["mu"], float) * scale,
            "sigma": np.asarray(si["sigma"], float) * scale,
        }
    )
    return table.sort_values("mu_star", ascending=False, kind="stable").reset_index(drop=True)


def _levels(f: Factor, x: pd.Series, design: str) -> tuple[pd.Series, list]:
    """Level label of each run for a factor, and the level order."""
    if f.values is not None or design == "grid":
        order = list(f.values) if f.values is not None else sorted(x.unique())
        return x, order
    n_bins = int(min(5, max(2, x.nunique() // 10)))
    bins = pd.qcut(x.rank(method="first"), n_bins, labels=False)
    centres = x.groupby(bins).mean()
    return bins.map(centres), list(centres.to_numpy())


def _eta2_and_range(y: np.ndarray, codes: np.ndarray, n_levels: int) -> tuple[float, float]:
    total = ((y - y.mean()) ** 2).sum()
    counts = np.bincount(codes, minlength=n_levels)
    sums = np.bincount(codes, weights=y, minlength=n_levels)
    present = counts > 0
    means = sums[present] / counts[present]
    between = (counts[present] * (means - y.mean()) ** 2).sum()
    eta2 = between / total if total > 0 else math.nan
    return eta2, float(means.max() - means.min()) if len(means) else math.nan


def main_effects(
    factors: list[Factor], runs: pd.DataFrame, column: str, spec: SweepSpec, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Effect table (range of level means, eta^2, bootstrap CIs) and the partial dependence levels."""
    from scipy.stats import t as student_t

    y = runs[column].to_numpy(float)
    rng = np.random.default_rng(seed)
    alpha = 1 - spec.confidence
    boots = rng.integers(0, len(y), size=(spec.resamples, len(y))) if len(y) > 1 else None
    rows, level_rows = [], []
    for f in factors:
        labels, order = _levels(f, runs[f.key], spec.design)
        index = {v: i for i, v in enumerate(order)}
        codes = labels.map(index).to_numpy(int)
        eta2, rng_effect = _eta2_and_range(y, codes, len(order))
        lo_e = hi_e = lo_r = hi_r = math.nan
        if boots is not None:
            stats = np.array([_eta2_and_range(y[b], codes[b], len(order)) for b in boots])
            lo_e, hi_e = np.nanquantile(stats[:, 0], [alpha / 2, 1 - alpha / 2])
            lo_r, hi_r = np.nanquantile(stats[:, 1], [alpha / 2, 1 - alpha / 2])
        means = []
        for level, i in index.items():
            sel = y[codes == i]
            n = len(sel)
            mean = float(sel.mean()) if n else math.nan
            half = float(student_t.ppf(1 - alpha / 2, n - 1) * sel.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
            means.append(mean)
            level_rows.append(
                {"factor": f.key, "level": level, "n": n, "mean": mean, "ci_low": mean - half, "ci_high": mean + half}
            )
        best = order[int(np.nanargmax(means))] if not all(map(math.isnan, means)) else None
        worst = order[int(np.nanargmin(means))] if not all(map(math.isnan, means)) else None
        rows.append(
            {
                "factor": f.key,
                "role": f.role,
                "range": f.describe(),
                "effect": rng_effect,
                "effect_low": lo_r,
                "effect_high": hi_r,
                "eta2": eta2,
                "eta2_low": lo_e,
                "eta2_high": hi_e,
                "highest_at": best,
                "lowest_at": worst,
            }
        )
    table = pd.DataFrame(rows).sort_values("eta2", ascending=False, kind="stable").reset_index(drop=True)
    return table, pd.DataFrame(level_rows)


def noise_share(runs: pd.DataFrame, column: str) -> float | None:
    """Share of the outcome's variance across runs that is replicate noise (same point, other seed)."""
    g = runs.groupby("point")[column]
    if g.size().max() < 2:
        return None
    within = float(g.var(ddof=1).mean())
    total = float(runs[column].var(ddof=1))
    return within / total if total > 0 else None


# ------------------------------------------------------------------ analyze


def analyze(
    out: str | os.PathLike,
    kpis: list[str] | str | None = None,
    *,
    write: bool = True,
    folder: str | os.PathLike | None = None,
) -> list[KpiAnalysis]:
    """Sensitivity of each kept KPI to each factor of the sweep in ``out``.

    Args:
        out: a sweep directory.
        kpis: KPIs to analyse (``"profit"`` or ``"total_profit"``); default all kept.
        write: write ``<outcome>_<method>.csv``/``.png`` (and the partial
            dependence for main effects) into ``folder`` (default ``out/analysis``).

    Raises:
        SweepError: not a sweep, unknown KPI, or a Sobol/Morris sweep not finished.
    """
    store = SweepStore.open(out)
    m = store.manifest
    spec = SweepSpec.from_dict(m["spec"])
    factors = list(spec.factors)
    if not factors:
        raise SweepError(
            f"{out}: this sweep varies nothing (replications only): nothing to attribute; see cxsim.sweep.load"
        )
    asked = [kpis] if isinstance(kpis, str) else kpis
    wanted = _resolve_kpis(spec, asked)
    df = store.load()
    if df.empty:
        raise SweepError(f"{out}: no runs finished yet")
    complete = bool(df.attrs.get("complete"))
    if not complete and spec.design in ("sobol", "morris"):
        done, n = store.runs_done(), store.n_runs
        raise SweepError(
            f"{out}: {done} of {n} runs done; a {spec.design} analysis needs them all (finish with --resume)"
        )
    runs = run_outcomes(df, list(spec.kpis))
    unit = np.asarray(m["design"]["unit"], float).reshape(len(m["design"]["values"]), len(factors))
    n_points = unit.shape[0]
    folder = Path(folder) if folder is not None else Path(out) / "analysis"
    results = []
    for kpi in wanted:
        col = outcome_column(kpi)
        notes = []
        if not complete:
            notes.append(f"partial sweep: {store.runs_done()} of {store.n_runs} runs")
        y_runs = runs[col].to_numpy(float)
        if np.isnan(y_runs).any():
            notes.append(f"{int(np.isnan(y_runs).sum())} runs have no value for {col}; skipped")
            results.append(KpiAnalysis(kpi, col, "none", pd.DataFrame(), notes=notes))
            continue
        if np.ptp(y_runs) == 0:
            notes.append(f"{col} is the same in every run: nothing to attribute")
            results.append(KpiAnalysis(kpi, col, "none", pd.DataFrame(), notes=notes))
            continue
        share = noise_share(runs, col)
        if share is not None and share >= 0.8:
            notes.append(
                f"replicate noise (same point, other seed) is as large as the whole spread of {col} across runs "
                f"(ratio {share:.2f}): the factors' effects are hard to tell from noise; add seeds or widen the ranges"
            )
        elif share is not None:
            notes.append(f"replicate noise is {share:.0%} of the variance of {col} across runs")
        elif spec.design in ("sobol", "morris") and spec.common_random_numbers:
            notes.append(
                "common random numbers, 1 seed: every point ran in the same simulated world (graph, customers), "
                "so the indices are free of run-to-run noise but belong to that world; more seeds average worlds"
            )
        elif spec.design == "sobol":
            notes.append(
                "1 seed per point: the model's own noise shows up as interaction (ST above S1) of every factor"
            )
        levels = None
        if spec.design == "sobol":
            table, method = (
                sobol_table(factors, point_means(runs, col, n_points), spec, seed=_analysis_seed(spec), unit=unit),
                "sobol",
            )
            if (table["ST_conf"] > table["ST"].abs()).any():
                notes.append("some intervals are wider than the index: more samples (--samples) would sharpen them")
        elif spec.design == "morris":
            y = point_means(runs, col, n_points)
            table, method = morris_table(factors, unit, y, spec, seed=_analysis_seed(spec)), "morris"
        else:
            table, levels = main_effects(factors, runs, col, spec, seed=_analysis_seed(spec))
            method = "main_effects"
        res = KpiAnalysis(kpi, col, method, table, levels=levels, notes=notes, confidence=spec.confidence)
        if write:
            folder.mkdir(parents=True, exist_ok=True)
            res.files = _write(res, folder, spec)
        results.append(res)
    return results


# -------------------------------------------------------------------- files


def _write(res: KpiAnalysis, folder: Path, spec: SweepSpec) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    stem = folder / f"{res.outcome}_{res.method}"
    csv = stem.with_suffix(".csv")
    with atomic_path(csv) as tmp:  # never a half-written file (cxsim.atomic)
        res.table.to_csv(tmp, index=False)
    files.append(csv)
    t = res.table.iloc[::-1]  # largest at the top of a horizontal bar chart
    y = np.arange(len(t))
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(t) + 1.6))
    level = f"{spec.confidence:.0%} CI"
    if res.method == "sobol":
        ax.barh(y + 0.2, t["ST"], 0.4, xerr=t["ST_conf"], label="total order ST", color="#4C72B0", capsize=2)
        ax.barh(y - 0.2, t["S1"], 0.4, xerr=t["S1_conf"], label="first order S1", color="#DD8452", capsize=2)
        ax.set_xlabel(f"Sobol index (share of the outcome's variance, {level})")
        ax.axvline(0, color="black", lw=0.6)
        ax.legend(loc="lower right")
    elif res.method == "morris":
        ax.barh(
            y + 0.2, t["mu_star"], 0.4, xerr=t["mu_star_conf"], label="mu* (mean |effect|)", color="#4C72B0", capsize=2
        )
        ax.barh(y - 0.2, t["sigma"], 0.4, label="sigma (spread of effect)", color="#DD8452")
        ax.set_xlabel(f"Morris elementary effect (in the outcome's units), factor moved across its range ({level})")
        ax.legend(loc="lower right")
    else:
        err = np.vstack([(t["eta2"] - t["eta2_low"]).clip(lower=0), (t["eta2_high"] - t["eta2"]).clip(lower=0)])
        ax.barh(y, t["eta2"], 0.6, xerr=err, color="#4C72B0", capsize=2)
        ax.set_xlabel(f"share of the outcome's variance explained by the factor alone (eta², {level})")
    ax.set_yticks(y, t["factor"])
    ax.set_title(f"{spec.name}: what moves {res.label} ({res.method.replace('_', ' ')})")
    fig.tight_layout()
    png = stem.with_suffix(".png")
    with atomic_path(png) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    files.append(png)
    if res.levels is not None:
        files += _write_partial_dependence(res, folder, spec)
    return files


def _write_partial_dependence(res: KpiAnalysis, folder: Path, spec: SweepSpec) -> list[Path]:
    import matplotlib.pyplot as plt

    stem = folder / f"{res.outcome}_partial_dependence"
    csv = stem.with_suffix(".csv")
    with atomic_path(csv) as tmp:
        res.levels.to_csv(tmp, index=False)
    factors = list(res.table["factor"])
    cols = min(3, len(factors))
    rows = -(-len(factors) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False, sharey=True)
    for ax, key in zip(axes.flat, factors, strict=False):
        lv = res.levels[res.levels["factor"] == key]
        numeric = all(
            isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_)) for v in lv["level"]
        )
        x = lv["level"].to_numpy(float) if numeric else np.arange(len(lv))
        ax.plot(x, lv["mean"], marker="o", color="#4C72B0")
        ax.fill_between(x, lv["ci_low"], lv["ci_high"], alpha=0.25, color="#4C72B0")
        if not numeric:
            ax.set_xticks(x, [str(v) for v in lv["level"]])
        ax.set_title(key, fontsize=9)
    for ax in list(axes.flat)[len(factors) :]:
        ax.set_visible(False)
    fig.suptitle(f"{spec.name}: mean {res.label} at each level ({spec.confidence:.0%} CI)")
    fig.tight_layout()
    png = stem.with_suffix(".png")
    with atomic_path(png) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return [csv, png]
