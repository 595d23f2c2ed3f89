"""A fit's posterior: summaries, the fitted firm, its check against the targets, and the files.

:func:`summarise` turns a :class:`cxsim.fit.inference.FitOutcome` into what an analyst reads:
for each unknown its posterior median and 90% interval and how far the data narrowed its
prior; for each target the firm's figure against the simulated one. :func:`write` puts the
four files of ``cxsim fit`` into a folder, and :func:`load` reads a folder back, for
``cxsim compare --posterior`` and the what-if page.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxsim.fit.inference import FitOutcome, apply_draw
from cxsim.fit.targets import TARGETS, measure
from cxsim.params import Scenario
from cxsim.run import run_many, version
from cxsim.scenario import ScenarioError, flatten, load_scenario

#: Posterior sd / prior sd at or below which the data "pin down" an unknown, and "narrow" it.
PINNED, NARROWED = 0.5, 0.8
#: The fitted firm is also re-run at its own size when its market has at most this many people.
FULL_SIZE_CHECK = 200_000


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float | list[float]) -> np.ndarray:
    """Quantiles of a weighted sample (the weights need not sum to one)."""
    order = np.argsort(values)
    v, w = np.asarray(values, dtype=float)[order], np.asarray(weights, dtype=float)[order]
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, cum, v)


def _weighted_sd(values: np.ndarray, weights: np.ndarray) -> float:
    w = weights / weights.sum()
    mean = float(np.sum(w * values))
    return float(math.sqrt(max(0.0, np.sum(w * (values - mean) ** 2))))


def parameter_summary(outcome: FitOutcome) -> pd.DataFrame:
    """Per unknown: prior range, posterior median and 90% interval, sd ratio and what the data did."""
    w = outcome.draws["weight"].to_numpy()
    screening = outcome.screening.table.set_index("key") if outcome.screening is not None else None
    rows = []
    values = flatten(outcome.profile.fit_scenario())
    for key, (lo, hi) in outcome.profile.free.items():
        fitted = screening is None or bool(screening.loc[key, "fitted"])
        if key in outcome.draws:
            x = outcome.draws[key].to_numpy()
            q05, q50, q95 = weighted_quantile(x, w, [0.05, 0.5, 0.95])
            ratio = _weighted_sd(x, w) / ((hi - lo) / math.sqrt(12))
        else:  # held at the scenario's value (fit.others = "calibrated")
            q05 = q50 = q95 = float(values[key])
            ratio = float("nan")
        if not fitted:
            verdict = "left open"  # no target moved with it in the screening
        else:
            verdict = "pinned down" if ratio <= PINNED else "narrowed" if ratio <= NARROWED else "left open"
        rows.append(
            {
                "key": key,
                "prior_lo": lo,
                "prior_hi": hi,
                "median": q50,
                "lo90": q05,
                "hi90": q95,
                "sd_ratio": ratio,
                "verdict": verdict,
                "screened_in": fitted,
                "during_fit": "fitted" if fitted else ("from its prior" if key in outcome.draws else "held"),
                "screening_rho": float(screening.loc[key, "rho"]) if screening is not None else float("nan"),
                "moves": str(screening.loc[key, "target"]) if screening is not None else "",
            }
        )
    frame = pd.DataFrame(rows)
    frame["order"] = ~frame["screened_in"]
    return frame.sort_values(["order", "sd_ratio"]).drop(columns="order").reset_index(drop=True)


def fitted_scenario(outcome: FitOutcome) -> tuple[Scenario, str]:
    """The firm at its own size with each fitted unknown at its posterior median, and which point that is.

    The unknowns the screening found no target moving keep the scenario's own (calibrated) values:
    their posterior is their prior, whose middle is no better a guess. Medians taken one unknown at
    a time can break a joint rule of the schema (two medians whose product exceeds 1); then the
    accepted particle closest to the targets is used instead.
    """
    summary = parameter_summary(outcome).set_index("key")
    medians = {key: float(summary.loc[key, "median"]) for key in outcome.keys if summary.loc[key, "screened_in"]}
    base = outcome.profile.scenario
    try:
        fitted = apply_draw(base, medians)
        point = "posterior median of each fitted unknown (the others at the scenario's values)"
    except ScenarioError:
        best = outcome.draws.loc[outcome.draws["distance"].idxmin()]
        fitted = apply_draw(base, {key: float(best[key]) for key in outcome.keys})
        point = "the accepted particle closest to the targets (the medians break a rule of the schema)"
    p = outcome.profile
    fitted = fitted.override({"name": f"{p.name}_fitted", "description": f"{p.description} (fitted by cxsim fit)"})
    return fitted, point


def check_fitted(outcome: FitOutcome, fitted: Scenario, workers: int = 1) -> pd.DataFrame:
    """Re-run the fitted firm (at the fit's scale) over ``check_seeds`` seeds and set each target beside it.

    Also gives the posterior predictive interval (the accepted particles' simulated figures),
    which includes the doubt about the unknowns as well as the simulation's noise, and, for a
    market of at most FULL_SIZE_CHECK people, the fitted firm re-run at its own size: the check
    that the fit's scaling carried over.
    """
    p = outcome.profile
    s = p.settings
    names = list(p.targets)
    seeds = [10_000 + i for i in range(s.check_seeds)]

    def figures(scenario: Scenario, seeds: list[int]) -> pd.DataFrame:
        results = run_many(scenario, seeds, s.weeks, workers=workers)
        return pd.DataFrame([measure(r.timeseries, names, s.burn_in + 1, s.weeks) for r in results])

    values = figures(fitted.scale(p.scale_factor) if p.scale_factor != 1 else fitted, seeds)
    full = None
    if p.scale_factor != 1 and fitted.market.size <= FULL_SIZE_CHECK:
        full = figures(fitted, seeds[: max(2, s.check_seeds // 2)])
    w = outcome.draws["weight"].to_numpy()  # the stats rows are the draws' rows
    rows = []
    for name, t in p.targets.items():
        sim = values[name].to_numpy()
        finite = outcome.stats[name].to_numpy()
        ok = np.isfinite(finite)
        pp = weighted_quantile(finite[ok], w[ok], [0.05, 0.5, 0.95]) if ok.any() else [np.nan] * 3
        mean = float(np.nanmean(sim)) if np.isfinite(sim).any() else float("nan")
        full_mean = float(np.nanmean(full[name])) if full is not None and np.isfinite(full[name]).any() else None
        rows.append(
            {
                "target": name,
                "unit": TARGETS[name].unit,
                "value": t.value,
                "sd": t.sd,
                "fitted_mean": mean,
                "fitted_lo": float(np.nanmin(sim)),
                "fitted_hi": float(np.nanmax(sim)),
                "posterior_lo90": float(pp[0]),
                "posterior_median": float(pp[1]),
                "posterior_hi90": float(pp[2]),
                "z": (mean - t.value) / t.sd,
                "within_sd": bool(abs(mean - t.value) <= t.sd),
                "full_size_mean": full_mean,
                "full_size_within_sd": None if full_mean is None else bool(abs(full_mean - t.value) <= t.sd),
                "source": t.source,
            }
        )
    return pd.DataFrame(rows)


@dataclass
class Fit:
    """A finished fit: the outcome, its summaries and the fitted scenario."""

    outcome: FitOutcome
    parameters: pd.DataFrame
    targets: pd.DataFrame
    fitted: Scenario
    fitted_point: str

    @property
    def within_sd(self) -> int:
        return int(self.targets["within_sd"].sum())

    @property
    def ess(self) -> float:
        """Effective sample size of the last generation (1 / sum of squared weights): how many particles count."""
        w = self.outcome.draws["weight"].to_numpy(dtype=float)
        return float(1.0 / np.sum((w / w.sum()) ** 2))


def summarise(outcome: FitOutcome, workers: int = 1) -> Fit:
    fitted, point = fitted_scenario(outcome)
    return Fit(outcome, parameter_summary(outcome), check_fitted(outcome, fitted, workers), fitted, point)


def _json_number(x: Any) -> Any:
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else None
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


def fit_json(fit: Fit, command: str | None = None) -> dict[str, Any]:
    o = fit.outcome
    p = o.profile
    return {
        "profile": str(p.path) if p.path else p.name,
        "name": p.name,
        "scenario": p.base_name,
        "cxsim_version": version(),
        "seed": p.settings.seed,
        "command": command,
        "fit": {k: _json_number(v) for k, v in p.settings.__dict__.items()},
        "scale_factor": p.scale_factor,
        "facts": p.facts,
        "runner": o.runner,
        "seconds": round(o.seconds, 1),
        "simulations": o.simulations,
        "stopped_because": o.stopped_because,
        "fitted_point": fit.fitted_point,
        "generations": [{k: _json_number(v) for k, v in row.items()} for row in o.generations.to_dict("records")],
        "targets": [{k: _json_number(v) for k, v in row.items()} for row in fit.targets.to_dict("records")],
        "within_sd": fit.within_sd,
        "effective_sample_size": round(fit.ess, 1),
        "parameters": [{k: _json_number(v) for k, v in row.items()} for row in fit.parameters.to_dict("records")],
    }


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write(fit: Fit, out: Path, command: str | None = None) -> dict[str, Path]:
    """Write posterior.parquet, fitted.toml, fit.json and report.html into ``out``; return their paths."""
    from cxsim.fit.report import render

    out.mkdir(parents=True, exist_ok=True)
    o = fit.outcome
    p = o.profile
    paths = {name: out / name for name in ("posterior.parquet", "fitted.toml", "fit.json", "report.html")}
    frame = o.draws.copy()
    for col in o.stats.columns:
        if col != "weight":
            frame[f"sim:{col}"] = o.stats[col].to_numpy()
    meta = {
        "cxsim_version": version(),
        "profile": json.dumps(
            {
                "name": p.name,
                "scenario": p.base_name,
                "facts": p.facts,
                "free": {k: list(v) for k, v in p.free.items()},
                "varied": o.keys,
            }
        ),
        "seed": str(p.settings.seed),
    }
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **{k: v.encode() for k, v in meta.items()}})
    tmp = out / ".posterior.parquet.tmp"
    pq.write_table(table, tmp)
    os.replace(tmp, paths["posterior.parquet"])
    header = [
        f"# {fit.fitted.name}: {p.name} fitted by cxsim {version()} (seed {p.settings.seed})",
        f"# from the profile {p.path or p.name}; the unknowns are at the {fit.fitted_point}.",
        f"# {fit.within_sd} of {len(fit.targets)} targets within their sd; see fit.json and report.html.",
        "# Facts set by the profile: " + ", ".join(f"{k} = {v}" for k, v in p.facts.items()),
        "",
    ]
    _atomic_text(paths["fitted.toml"], "\n".join(header) + fit.fitted.to_toml())
    _atomic_text(paths["fit.json"], json.dumps(fit_json(fit, command), indent=2, default=str) + "\n")
    _atomic_text(paths["report.html"], render(fit, command))
    return paths


# ------------------------------------------------------------------ reading a fit back


@dataclass(frozen=True)
class Posterior:
    """A fit read back from its folder: the weighted draws of the unknowns."""

    folder: Path
    draws: pd.DataFrame  # one column per unknown, plus 'weight'
    keys: list[str]
    fitted: Scenario
    version: str

    def sample(self, n: int, seed: int = 0) -> list[dict[str, float]]:
        """``n`` draws by weight (systematic resampling: every draw of weight >= 1/n appears), reproducibly."""
        w = self.draws["weight"].to_numpy(dtype=float)
        w = w / w.sum()
        rng = np.random.default_rng(seed)
        positions = (rng.random() + np.arange(n)) / n
        idx = np.searchsorted(np.cumsum(w), positions, side="right").clip(0, len(w) - 1)
        return [{k: float(self.draws.iloc[i][k]) for k in self.keys} for i in idx]


class PosteriorError(ScenarioError):
    """A folder that does not hold a usable fit."""


def load(folder: str | os.PathLike) -> Posterior:
    """Read a ``cxsim fit`` output folder.

    Raises:
        PosteriorError: the folder, its posterior.parquet or its fitted.toml is missing or unreadable.
    """
    import pyarrow.parquet as pq

    f = Path(folder)
    path = f / "posterior.parquet"
    if not f.is_dir():
        raise PosteriorError(f"--posterior {f}: no such folder (give the --out folder of a cxsim fit)")
    if not path.exists():
        raise PosteriorError(f"--posterior {f}: no posterior.parquet in it (give the --out folder of a cxsim fit)")
    try:
        table = pq.read_table(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many kinds for a damaged file
        raise PosteriorError(f"--posterior {f}: posterior.parquet cannot be read ({exc})") from None
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    draws = table.to_pandas()
    try:
        keys = list(json.loads(meta["profile"])["varied"])
    except (KeyError, ValueError):
        raise PosteriorError(f"--posterior {f}: posterior.parquet was not written by cxsim fit") from None
    try:
        fitted = load_scenario(f / "fitted.toml")
    except ScenarioError as exc:
        raise PosteriorError(f"--posterior {f}: fitted.toml: {exc}") from None
    return Posterior(f, draws[[*keys, "weight"]], keys, fitted, meta.get("cxsim_version", "?"))
