"""A/B comparison of two scenarios with common random numbers.

Both scenarios run with the same seeds, so each seed gives a *paired*
difference (B - A) in which most of the randomness cancels. The table reports
the mean difference with a 95% confidence interval from the paired runs
(Student t over seeds) and flags differences distinguishable from noise;
:func:`verdict` says whether such a difference is good or bad for the firm
(the KPI's declared direction, :mod:`cxsim.metrics`).

Public entry point: ``cxsim.compare(a, b, seeds=8, steps=None) -> Comparison``.

Outcome of a KPI for one run (:func:`outcome_kind`): the total over
the run for flows (revenue, churned ...), the mean over the run for weekly
rates (CSAT, resolution rate, delivery gap ...), the final-week value for
levels (NPS, customers, cash ...).
A run that went bankrupt keeps its last values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxsim.metrics import KPI, find, kpi_columns
from cxsim.params import Scenario
from cxsim.run import Result, run_many, seed_list, stack
from cxsim.scenario import diff as scenario_diff
from cxsim.scenario import load_scenario

#: KPIs shown by default, in this order (what a strategist asks about first).
DEFAULT_KPIS = [
    "nps",
    "reputation",
    "share",
    "customers",
    "churned",
    "new_customers",
    "mean_engagement",
    "engaged_share",
    "csat",
    "resolution_rate",
    "review_rating",
    "revenue",
    "cost_total",
    "profit",
    "cash",
    "delivery_gap",
    "bankrupt",
]


def outcome_kind(kpi: str) -> str:
    """How one run's KPI is summarised: 'total' (flows), 'mean' (weekly rates) or 'final' (levels), a rival's
    columns as the focal firm's (``rival_profit`` is a total). :func:`cxsim.metrics.outcome_kind` reads only the
    focal firm's declarations: it calls every rival column 'final'."""
    declared = find(kpi)
    return declared.kind if declared is not None else "final"


def outcome_name(kpi: str) -> str:
    """Column name of a KPI's per-run outcome: ``total_nps``, ``mean_csat``, ``final_nps`` ..."""
    return f"{outcome_kind(kpi)}_{kpi}"


def unknown_kpis(kpis: Iterable[str], *scenarios: Scenario) -> list[str]:
    """The names in ``kpis`` that are not a KPI column of every one of ``scenarios`` (a rival's, ``rival_share``,
    needs that rival in each)."""
    columns = set.intersection(*(set(kpi_columns(s.rivals)) for s in scenarios)) - {"week"}
    return [k for k in kpis if k not in columns]


def outcomes(result: Result, kpis: Iterable[str]) -> dict[str, float]:
    """Per-run outcome of each KPI (total of a flow, mean of a rate, final level)."""
    ts = result.timeseries
    out = {}
    for k in kpis:
        kind = outcome_kind(k)
        if len(ts) == 0:
            out[k] = math.nan
        elif kind == "total":
            out[k] = float(ts[k].sum())
        elif kind == "mean":
            out[k] = float(ts[k].mean())
        else:
            out[k] = float(ts[k].iloc[-1])
    return out


def t_quantile(df: int) -> float:
    """Two-sided 95% Student t quantile."""
    if df <= 0:
        return math.inf
    from scipy.stats import t

    return float(t.ppf(0.975, df))


def paired_table(a_values: pd.DataFrame, b_values: pd.DataFrame) -> pd.DataFrame:
    """Mean of A and B, mean paired difference and its 95% CI, one row per KPI column."""
    rows = []
    n = len(a_values)
    tq = t_quantile(n - 1)
    for k in a_values.columns:
        a = a_values[k].to_numpy(float)
        b = b_values[k].to_numpy(float)
        d = b - a
        mean_d = float(np.mean(d)) if n else math.nan
        half = tq * float(np.std(d, ddof=1)) / math.sqrt(n) if n > 1 else math.inf
        lo, hi = mean_d - half, mean_d + half
        rows.append(
            {
                "kpi": k,
                "outcome": outcome_name(k),
                "a_mean": float(np.mean(a)),
                "b_mean": float(np.mean(b)),
                "diff": mean_d,
                "ci_low": lo,
                "ci_high": hi,
                "half_width": half,
                "significant": bool(n > 1 and (lo > 0 or hi < 0)),
            }
        )
    return pd.DataFrame(rows)


@dataclass
class Comparison:
    """Result of :func:`compare`.

    Attributes:
        a, b: the two scenarios.
        seeds: the paired seeds used.
        table: one row per KPI: kpi, a_mean, b_mean, diff (B - A), ci_low,
            ci_high (95%), half_width, significant.
        runs: tidy timeseries of every run (column ``arm`` is 'A' or 'B').
        changes: the parameters that differ, ``{key: (a, b)}``.
    """

    a: Scenario
    b: Scenario
    seeds: list[int]
    steps: int
    table: pd.DataFrame
    runs: pd.DataFrame
    changes: dict
    results_a: list[Result]
    results_b: list[Result]
    precision: float | None = None
    precision_kpi: str | None = None
    precision_reached: bool | None = None  # None: no precision target was asked for

    def row(self, kpi: str) -> dict:
        return self.table.set_index("kpi").loc[kpi].to_dict()


def _precision_reached(table: pd.DataFrame, kpi: str, precision: float) -> bool:
    return float(table.set_index("kpi").loc[kpi, "half_width"]) <= precision


def _next_batch(table: pd.DataFrame, kpi: str, precision: float, n_done: int, room: int) -> int:
    """Paired seeds to add next: enough for the half-width to reach ``precision`` if the
    spread of the differences stays as it is (+10%), at least 2, at most doubling."""
    half = float(table.set_index("kpi").loc[kpi, "half_width"])
    if not math.isfinite(half) or half <= 0:
        need = n_done
    else:
        # half ~ t * sd / sqrt(n)  =>  n_needed ~ n * (half / precision)^2
        need = math.ceil(1.1 * n_done * (half / precision) ** 2) - n_done
    return max(1, min(room, max(2, min(need, n_done))))


def _run_arms(
    sa: Scenario, sb: Scenario, seeds: list[int], steps: int, workers: int | None, tick: Callable[[int], None]
) -> tuple[list[Result], list[Result]]:
    """Both arms for ``seeds``; ``tick(k)`` after every k finished runs (each run when serial)."""
    if workers is not None and workers <= 1:
        ra, rb = [], []
        for seed in seeds:
            ra += run_many(sa, [seed], steps, workers=1)
            tick(1)
            rb += run_many(sb, [seed], steps, workers=1)
            tick(1)
        return ra, rb
    ra = run_many(sa, seeds, steps, workers=workers)
    tick(len(seeds))
    rb = run_many(sb, seeds, steps, workers=workers)
    tick(len(seeds))
    return ra, rb


def compare(
    a: Scenario | str,
    b: Scenario | str,
    seeds: int | Iterable[int] = 8,
    steps: int | None = None,
    *,
    kpis: Iterable[str] | None = None,
    workers: int | None = 1,
    precision: float | None = None,
    precision_kpi: str = "nps",
    max_seeds: int = 200,
    progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Run A and B with the same seeds and compare them.

    Args:
        a, b: scenarios (objects, shipped names or TOML paths).
        seeds: number of paired seeds (0..n-1) or an explicit list; with
            ``precision`` it is the starting batch.
        steps: weeks (default: scenario A's ``sim.weeks``).
        kpis: KPIs in the table (default :data:`DEFAULT_KPIS`).
        workers: processes for the runs.
        precision: keep adding paired seeds until the 95% CI half-width of
            ``precision_kpi``'s difference is at most this (or ``max_seeds``).
        progress: called with (runs done, runs planned).
    """
    sa, sb = load_scenario(a), load_scenario(b)
    steps = sa.sim.weeks if steps is None else int(steps)
    kpis = list(kpis or DEFAULT_KPIS)
    unknown = unknown_kpis(kpis, sa, sb)
    if unknown:
        raise ValueError(f"unknown KPI(s): {', '.join(unknown)}")
    paired = seed_list(seeds)
    if len(paired) < 2:
        raise ValueError("a comparison needs at least 2 paired seeds for a confidence interval")
    if precision is not None:
        if not precision > 0:
            raise ValueError(f"precision must be > 0, got {precision}")
        if unknown_kpis([precision_kpi], sa, sb):
            raise ValueError(f"unknown precision KPI {precision_kpi!r}")
        if precision_kpi not in kpis:
            kpis.append(precision_kpi)
    ra: list[Result] = []
    rb: list[Result] = []
    todo = paired
    done_seeds: list[int] = []
    reached: bool | None = None
    runs_done = 0
    while True:
        planned = len(done_seeds) + len(todo)

        def tick(k: int, planned: int = planned) -> None:
            nonlocal runs_done
            runs_done += k
            if progress:
                progress(runs_done, 2 * planned)

        batch_a, batch_b = _run_arms(sa, sb, todo, steps, workers, tick)
        ra += batch_a
        rb += batch_b
        done_seeds += todo
        table = outcome_table(ra, rb, kpis)
        if precision is None:
            break
        reached = _precision_reached(table, precision_kpi, precision)
        if reached or len(done_seeds) >= max_seeds:
            break
        nxt = max(done_seeds) + 1
        add = _next_batch(table, precision_kpi, precision, len(done_seeds), max_seeds - len(done_seeds))
        todo = list(range(nxt, nxt + add))
    return combine(
        sa,
        sb,
        steps,
        ra,
        rb,
        kpis,
        table=table,
        precision=precision,
        precision_kpi=precision_kpi if precision is not None else None,
        precision_reached=reached,
    )


def outcome_table(results_a: list[Result], results_b: list[Result], kpis: Iterable[str]) -> pd.DataFrame:
    """:func:`paired_table` of the per-run outcomes of paired results (the same seeds, in the same order)."""
    kpis = list(kpis)
    return paired_table(
        pd.DataFrame([outcomes(r, kpis) for r in results_a]), pd.DataFrame([outcomes(r, kpis) for r in results_b])
    )


def combine(
    a: Scenario,
    b: Scenario,
    steps: int,
    results_a: list[Result],
    results_b: list[Result],
    kpis: Iterable[str],
    *,
    table: pd.DataFrame | None = None,
    precision: float | None = None,
    precision_kpi: str | None = None,
    precision_reached: bool | None = None,
) -> Comparison:
    """A :class:`Comparison` over paired results, however they were gathered (the UI runs seeds in batches).

    ``table`` is the :func:`outcome_table` of the results, when the caller has it already.
    """
    runs_a, runs_b = stack(results_a), stack(results_b)
    runs_a.insert(0, "arm", "A")
    runs_b.insert(0, "arm", "B")
    return Comparison(
        a=a,
        b=b,
        seeds=[r.seed for r in results_a],
        steps=steps,
        table=outcome_table(results_a, results_b, kpis) if table is None else table,
        runs=pd.concat([runs_a, runs_b], ignore_index=True),
        changes=scenario_diff(a, b),
        results_a=list(results_a),
        results_b=list(results_b),
        precision=precision,
        precision_kpi=precision_kpi,
        precision_reached=precision_reached,
    )


def verdict(kpi: str | KPI, diff: float, significant: bool) -> str:
    """What a difference B - A means for the firm: 'better' or 'worse' beyond noise, else 'within noise'.

    KPIs with no better direction (prospects, contacts ...) get 'higher' or 'lower'.
    """
    if not significant or diff == 0:
        return "within noise"
    declared = kpi if isinstance(kpi, KPI) else find(kpi)
    better = declared.better if declared is not None else None
    if better is None:
        return "higher" if diff > 0 else "lower"
    return "better" if (diff > 0) == (better == "higher") else "worse"


def fan(runs: pd.DataFrame, kpi: str, lo: float = 0.1, hi: float = 0.9) -> pd.DataFrame:
    """Median and a quantile band of ``kpi`` per (arm, week) over seeds."""
    g = runs.groupby(["arm", "week"])[kpi]
    out = pd.DataFrame({"median": g.median(), "low": g.quantile(lo), "high": g.quantile(hi)}).reset_index()
    return out
