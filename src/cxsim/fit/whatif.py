"""What-if answers over a fit's posterior: the doubt about the unknowns carried into the answer.

``cxsim compare A B --posterior DIR`` and the what-if page run A and B for each of ``draws``
posterior draws (systematic resampling by weight) x ``seeds`` paired seeds. Within a draw,
A and B share the unknowns' values and the seeds (common random numbers), so each draw gives
a paired difference B - A; across draws, the differences spread as far as the posterior
leaves the model's weights open.

For each KPI the answer is the mean difference, a 90% interval over the draws (parameter
doubt plus the simulation's noise averaged over the seeds), and the share of the posterior
that agrees with the answer's sign. For a lesson (A and B a lesson's pair, or ``lesson=``), it
is also *the share of the posterior in which the lesson holds*: the draw's difference lies in
practice's direction beyond its seeds' noise (95% t interval excludes zero).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxsim.comparison import DEFAULT_KPIS, outcomes, t_quantile, unknown_kpis
from cxsim.fit.inference import apply_draw
from cxsim.fit.posterior import Posterior
from cxsim.lessons import LESSONS, Lesson
from cxsim.params import Scenario
from cxsim.run import _run_one, seed_list
from cxsim.scenario import ScenarioError, diff, load_scenario

#: A what-if over a posterior by default: 12 draws x 4 paired seeds (96 runs).
DEFAULT_DRAWS, DEFAULT_SEEDS = 12, 4


def lesson_for(a: Scenario, b: Scenario) -> Lesson | None:
    """The lesson whose usual way is ``a`` and whose recommended way is ``b`` (by scenario name), if any."""
    return next((lesson for lesson in LESSONS if lesson.a == a.name and lesson.b == b.name), None)


@dataclass
class PosteriorComparison:
    """A/B over posterior draws x paired seeds."""

    a: Scenario
    b: Scenario
    steps: int
    draws: list[dict[str, float]]
    seeds: list[int]
    per_draw: pd.DataFrame  # draw, kpi, diff (mean over seeds), half_width (95% t over seeds), a_mean, b_mean
    table: pd.DataFrame  # kpi, a_mean, b_mean, diff, lo90, hi90, share_same_sign, share_beyond_noise
    lesson: Lesson | None
    posterior: Posterior

    @property
    def changes(self) -> dict:
        return diff(self.a, self.b)

    @property
    def lesson_share(self) -> float | None:
        """Share of the posterior (of the draws) in which the lesson holds beyond noise; None without a lesson."""
        if self.lesson is None:
            return None
        d = self.per_draw[self.per_draw["kpi"] == self.lesson.kpi]
        holds = (np.sign(d["diff"]) == self.lesson.expect) & (d["diff"].abs() > d["half_width"])
        return float(holds.mean())

    @property
    def lesson_direction_share(self) -> float | None:
        """Share of the draws whose difference points the lesson's way at all (beyond noise or not)."""
        if self.lesson is None:
            return None
        d = self.per_draw[self.per_draw["kpi"] == self.lesson.kpi]
        return float((np.sign(d["diff"]) == self.lesson.expect).mean())


def _summary(per_draw: pd.DataFrame, kpis: list[str]) -> pd.DataFrame:
    rows = []
    for kpi in kpis:
        d = per_draw[per_draw["kpi"] == kpi]
        mean = float(d["diff"].mean())
        lo, hi = np.quantile(d["diff"], [0.05, 0.95]) if len(d) > 1 else (mean, mean)
        sign = np.sign(mean)
        rows.append(
            {
                "kpi": kpi,
                "a_mean": float(d["a_mean"].mean()),
                "b_mean": float(d["b_mean"].mean()),
                "diff": mean,
                "lo90": float(lo),
                "hi90": float(hi),
                "share_same_sign": float((np.sign(d["diff"]) == sign).mean()) if sign else float("nan"),
                "share_beyond_noise": float(((np.sign(d["diff"]) == sign) & (d["diff"].abs() > d["half_width"])).mean())
                if sign
                else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def compare_posterior(
    a: Scenario | str,
    b: Scenario | str,
    posterior: Posterior,
    *,
    draws: int = DEFAULT_DRAWS,
    seeds: int | Iterable[int] = DEFAULT_SEEDS,
    steps: int | None = None,
    kpis: Iterable[str] | None = None,
    workers: int = 1,
    lesson: Lesson | None = None,
    draw_seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> PosteriorComparison:
    """Run A and B over ``draws`` posterior draws x paired ``seeds`` and summarise B - A.

    Raises:
        ValueError: fewer than 2 draws or 2 seeds, or an unknown KPI.
        ScenarioError: a draw cannot be applied to A or B.
    """
    sa, sb = load_scenario(a), load_scenario(b)
    steps = sa.sim.weeks if steps is None else int(steps)
    kpis = list(kpis or DEFAULT_KPIS)
    lesson = lesson or lesson_for(sa, sb)
    if lesson is not None and lesson.kpi not in kpis:
        kpis.append(lesson.kpi)
    bad = unknown_kpis(kpis, sa, sb)
    if bad:
        raise ValueError(f"unknown KPI(s): {', '.join(bad)}")
    paired = seed_list(seeds)
    if draws < 2 or len(paired) < 2:
        raise ValueError("a what-if over a posterior needs at least 2 draws and 2 paired seeds")
    sample = posterior.sample(draws, seed=draw_seed)
    jobs = []
    for i, draw in enumerate(sample):
        try:
            da, db = apply_draw(sa, draw), apply_draw(sb, draw)
        except ScenarioError as exc:
            raise ScenarioError(f"posterior draw {i}: {exc}") from None
        for seed in paired:
            jobs += [(da, seed, steps), (db, seed, steps)]
    results = _map(jobs, workers, progress)
    rows = []
    t = t_quantile(len(paired) - 1)
    for i in range(draws):
        chunk = results[2 * i * len(paired) : 2 * (i + 1) * len(paired)]
        va = pd.DataFrame([outcomes(r, kpis) for r in chunk[0::2]])
        vb = pd.DataFrame([outcomes(r, kpis) for r in chunk[1::2]])
        for kpi in kpis:
            d = vb[kpi].to_numpy(dtype=float) - va[kpi].to_numpy(dtype=float)
            sd = float(np.std(d, ddof=1)) if len(d) > 1 else 0.0
            rows.append(
                {
                    "draw": i,
                    "kpi": kpi,
                    "a_mean": float(va[kpi].mean()),
                    "b_mean": float(vb[kpi].mean()),
                    "diff": float(d.mean()),
                    "half_width": t * sd / math.sqrt(len(d)),
                }
            )
    per_draw = pd.DataFrame(rows)
    return PosteriorComparison(sa, sb, steps, sample, paired, per_draw, _summary(per_draw, kpis), lesson, posterior)


def _map(jobs: list, workers: int, progress: Callable[[int, int], None] | None) -> list:
    """Every (scenario, seed, steps) run, in order; in a process pool when ``workers`` > 1."""
    total = len(jobs)
    if workers <= 1:
        out = []
        for job in jobs:
            out.append(_run_one(job))
            if progress:
                progress(len(out), total)
        return out
    from cxsim.parallel import process_pool

    with process_pool(min(workers, total)) as pool:
        out = []
        for result in pool.map(_run_one, jobs):
            out.append(result)
            if progress:
                progress(len(out), total)
        return out


def drivers(c: PosteriorComparison, kpi: str, top: int = 3) -> list[tuple[str, float]]:
    """The unknowns whose draws go most with the size of ``kpi``'s difference (Spearman rank correlation).

    Indicative only: with a dozen draws a correlation of 0.6 is still within chance for one of ~150 unknowns.
    """
    d = c.per_draw[c.per_draw["kpi"] == kpi].sort_values("draw")["diff"].to_numpy()
    if len(d) < 3 or np.ptp(d) == 0:
        return []
    values = pd.DataFrame(c.draws)
    rank_d = pd.Series(d).rank().to_numpy()
    out = []
    for key in values.columns:
        x = values[key].rank().to_numpy()
        if np.ptp(x) == 0:
            continue
        out.append((key, float(np.corrcoef(x, rank_d)[0, 1])))
    return sorted(out, key=lambda kv: -abs(kv[1]))[:top]
