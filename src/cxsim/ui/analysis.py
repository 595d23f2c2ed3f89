"""What the web UI computes, as plain functions over the library (testable without a browser).

- :func:`progressive_compare`: baseline vs variant with common random numbers, through
  :func:`cxsim.compare`, a few paired seeds at a time so the page can show a first
  answer early and a progress bar that moves; the final table is exactly the one a single
  ``compare(a, b, seeds=n)`` call gives (same seeds, same runs).
- :func:`decompose`: which changed levers explain the difference ("why"): one lever at a
  time, or the Shapley decomposition over the changed levers, per paired seed so every
  contribution gets a 95% confidence interval.
- :func:`load_posterior`, :func:`describe_posterior` and :func:`posterior_compare`: the what-if
  over the posterior of a fitted firm (a ``cxsim fit --out`` folder), through
  :func:`cxsim.fit.whatif.compare_posterior`, stoppable between runs.

No model logic lives here: runs come from :func:`cxsim.compare` and
:func:`cxsim.run_many`, per-run outcomes and paired intervals from :mod:`cxsim.comparison`.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

# the decomposition's pure parts are the library's (the classroom game's debrief uses them too)
from cxsim.attribution import MAX_SHAPLEY_LEVERS, choose_method, contributions, planned_subsets
from cxsim.comparison import DEFAULT_KPIS, Comparison, combine, compare, outcomes, t_quantile
from cxsim.metrics import KPIS
from cxsim.params import Scenario
from cxsim.run import Result, run_many
from cxsim.runcache import ResultCache
from cxsim.scenario import ScenarioError

if TYPE_CHECKING:
    from cxsim.fit.posterior import Posterior
    from cxsim.fit.whatif import PosteriorComparison
    from cxsim.runqueue import RunQueue, Ticket

#: KPIs drawn as fan charts on the what-if page (titles: their declarations in cxsim.metrics).
FAN_KPIS: list[str] = [
    "nps", "reputation", "share", "customers",
    "mean_engagement", "churn_rate", "csat", "review_rating",
    "revenue", "profit", "cash",
]  # fmt: skip

#: The focal firm's KPIs in the delta table, by theme, in the order a strategist reads them (the comparison's
#: default KPIs and the open market's: reputation, share, customers lost to and won from rivals, utilisation).
TABLE_SECTIONS: list[tuple[str, list[str]]] = [
    ("Customers and market", [
        "nps", "reputation", "share", "customers", "churned", "lost_to_rivals", "new_customers", "won_from_rivals",
        "churn_rate",
    ]),
    ("Employees and service", [
        "mean_engagement", "engaged_share", "utilisation", "csat", "resolution_rate", "review_rating", "delivery_gap",
    ]),
    ("Money", ["revenue", "cost_total", "profit", "profit_margin", "cash", "bankrupt"]),
]  # fmt: skip
TABLE_KPIS: list[str] = [k for _, kpis in TABLE_SECTIONS for k in kpis]
assert set(DEFAULT_KPIS) <= set(TABLE_KPIS), "the UI's table shows at least what `cxsim compare` shows"

#: Each rival's KPIs in the delta table (columns ``<rival>_<key>``). Levels only: a run's outcome of a rival's
#: column is its final week (:func:`cxsim.metrics.outcome_kind` knows the focal firm's flows, not a rival's).
RIVAL_TABLE_KEYS: tuple[str, ...] = ("share", "nps", "reputation", "customers")


def rivals_of(a: Scenario, b: Scenario) -> list[str]:
    """The rivals both scenarios have (in B's order): the ones whose KPIs can be compared."""
    return [r for r in b.rivals if r in a.rivals]


def table_sections(a: Scenario, b: Scenario) -> list[tuple[str, list[str]]]:
    """The delta table's themes and KPIs for baseline ``a`` and variant ``b``: the focal firm's, then each rival's."""
    rivals = [(f"The rival: {r}", [f"{r}_{k}" for k in RIVAL_TABLE_KEYS]) for r in rivals_of(a, b)]
    return TABLE_SECTIONS + rivals


def table_kpis(a: Scenario, b: Scenario) -> list[str]:
    """Every KPI of the delta table for baseline ``a`` and variant ``b`` (:func:`table_sections`), in order."""
    return [k for _, kpis in table_sections(a, b) for k in kpis]


class Stopped(Exception):
    """The user stopped a run; what was finished so far is kept."""


def seed_batches(n_seeds: int, batch: int = 2) -> list[list[int]]:
    """Seeds 0..n-1 split into batches of ``batch`` (at least 2 each: a paired CI needs 2)."""
    if n_seeds < 2:
        raise ValueError("a comparison needs at least 2 seeds")
    seeds = list(range(n_seeds))
    out = [seeds[i : i + batch] for i in range(0, n_seeds, batch)]
    if len(out) > 1 and len(out[-1]) < 2:
        out[-2].extend(out.pop())
    return out


def progressive_compare(
    a: Scenario,
    b: Scenario,
    seeds: int = 8,
    steps: int | None = None,
    *,
    kpis: list[str] | None = None,
    on_partial: Callable[[Comparison], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    batch: int = 2,
    queue: RunQueue | None = None,
    session: str = "",
    on_queue: Callable[[Ticket], None] | None = None,
    partial_every: float | Callable[[], float] = 0.0,
) -> Comparison:
    """Compare A and B over ``seeds`` paired seeds, a batch of seeds at a time.

    Args:
        a, b: baseline and variant.
        seeds: number of paired seeds (0..seeds-1), at least 2.
        steps: weeks (default A's ``sim.weeks``).
        kpis: KPIs in the table (default :func:`table_kpis`: the focal firm's and the rivals').
        on_partial: called with the comparison over the seeds finished so far.
        on_progress: called with (runs done, runs planned).
        should_stop: checked between batches; when it returns True, :class:`Stopped` is raised
            (``on_partial`` has already seen everything finished).
        batch: seeds per batch.
        queue: runs go through this shared queue (:class:`cxsim.runqueue.RunQueue`: cached, computed once
            for every session, sessions served in turn) instead of this thread; all ``2 * seeds`` runs are
            asked for at once, seed by seed.
        session: who asks (the queue serves sessions in turn).
        on_queue: with a queue, called with the :class:`cxsim.runqueue.Ticket` while it waits (its
            :meth:`~cxsim.runqueue.Ticket.position`, runs done, runs from the cache).
        partial_every: with a queue, at least this many seconds from the ask to the first partial comparison
            and between two of them (a number, or a function read each time: the studio waits longer when
            many sessions wait, since every partial redraws every waiting page). With a queue the complete
            comparison is returned, not passed to ``on_partial``. Sessions asking the same what-if share
            each comparison object (it is built once).
    """
    kpis = list(kpis or table_kpis(a, b))
    own = [k for k in kpis if k in KPIS]  # compare() tables the focal firm's KPIs; combine() below tables all
    steps = a.sim.weeks if steps is None else int(steps)
    batches = seed_batches(seeds, batch)
    total = 2 * seeds
    if queue is not None:
        return _queued_compare(
            a, b, steps, kpis, batches, queue, session, on_partial, on_progress, should_stop, on_queue, partial_every
        )
    ra: list[Result] = []
    rb: list[Result] = []
    result = None
    for chunk in batches:
        if should_stop is not None and should_stop():
            raise Stopped
        done_before = len(ra) + len(rb)

        def tick(done: int, planned: int, _before=done_before) -> None:
            if on_progress is not None:
                on_progress(_before + done, total)

        part = compare(a, b, seeds=chunk, steps=steps, kpis=own or None, progress=tick)
        ra += part.results_a
        rb += part.results_b
        result = combine(a, b, steps, ra, rb, kpis)
        if on_partial is not None:
            on_partial(result)
    assert result is not None
    return result


#: Comparisons built from the shared queue's runs, by content: 30 sessions waiting for one what-if build it once.
_combined = ResultCache(max_entries=32)


def _queued_compare(
    a, b, steps, kpis, batches, queue, session, on_partial, on_progress, should_stop, on_queue, partial_every
):
    """:func:`progressive_compare` through a shared run queue: every run asked for at once (seed by seed, A then
    B), a partial comparison when the next batch of seeds is complete (at most every ``partial_every`` s)."""
    seeds = [s for chunk in batches for s in chunk]
    ticket = queue.submit(session, [(x, seed, steps) for seed in seeds for x in (a, b)])
    total, shown, done_before = ticket.total, 0, -1
    last_partial = time.monotonic()
    result = None

    def combined(n: int) -> Comparison:
        key = (tuple(f.key for f in ticket.flights[: 2 * n]), a.name, b.name, steps, tuple(kpis))

        def build() -> Comparison:
            runs = [ticket.result(i) for i in range(2 * n)]
            return combine(a, b, steps, runs[0::2], runs[1::2], kpis)

        return _combined.get_or_compute(key, build)

    try:
        while True:
            over = ticket.wait(0.25)
            stopping = should_stop is not None and should_stop()
            if on_queue is not None:
                on_queue(ticket)
            mask = ticket.done_mask()
            if on_progress is not None and sum(mask) != done_before:
                done_before = sum(mask)
                on_progress(done_before, total)
            ready = 0  # leading batches whose runs are all done
            end = 0
            for chunk in batches:
                end += 2 * len(chunk)
                if not all(mask[:end]):
                    break
                ready += 1
            every = partial_every() if callable(partial_every) else partial_every
            if ready == len(batches):
                result = combined(sum(len(chunk) for chunk in batches))
            elif ready > shown and (stopping or time.monotonic() - last_partial >= every):
                shown = ready  # on Stop, what is finished is shown at once
                if on_partial is not None:
                    on_partial(combined(sum(len(chunk) for chunk in batches[:ready])))
                last_partial = time.monotonic()
            if stopping and ready < len(batches):
                raise Stopped
            if over:
                ticket.results()  # a failed run raises here
                break
    except BaseException:
        ticket.cancel()
        raise
    assert result is not None
    return result


# ---------------------------------------------------------------------------- why


@dataclass
class Decomposition:
    """Per-lever contributions to the B - A difference of every KPI.

    Attributes:
        method: ``"shapley"`` or ``"one_at_a_time"``.
        keys: the changed levers (dotted keys), in the order of the waterfall.
        seeds: the paired seeds.
        values: per-seed outcomes of every lever subset that was run,
            ``{frozenset(keys): DataFrame (one row per seed, one column per KPI)}``.
    """

    method: str
    keys: list[str]
    seeds: list[int]
    steps: int
    values: dict[frozenset, pd.DataFrame] = field(repr=False)

    def per_seed(self, kpi: str) -> pd.DataFrame:
        """Contribution of each lever per seed (rows: seeds; columns: levers [+ interaction]);
        :func:`cxsim.attribution.contributions` computes them."""
        v = {s: df[kpi].to_numpy(float) for s, df in self.values.items()}
        return pd.DataFrame(contributions(v, self.keys, self.method), index=self.seeds)

    def table(self, kpi: str) -> pd.DataFrame:
        """One row per lever (then interaction, if any): mean contribution and 95% CI over seeds."""
        per = self.per_seed(kpi)
        n = len(per)
        tq = t_quantile(n - 1)
        rows = []
        for col in per.columns:
            x = per[col].to_numpy(float)
            half = tq * float(np.std(x, ddof=1)) / math.sqrt(n) if n > 1 else math.inf
            rows.append(
                {
                    "lever": col,
                    "contribution": float(x.mean()),
                    "ci_low": float(x.mean() - half),
                    "ci_high": float(x.mean() + half),
                }
            )
        return pd.DataFrame(rows)

    def endpoints(self, kpi: str) -> tuple[float, float]:
        """Mean outcome of the baseline and of the full variant."""
        return (float(self.values[frozenset()][kpi].mean()), float(self.values[frozenset(self.keys)][kpi].mean()))

    @property
    def n_runs(self) -> int:
        return len(self.values) * len(self.seeds)


def decompose(
    comparison: Comparison,
    method: str = "auto",
    *,
    kpis: list[str] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    runs: Callable[[Scenario, list[int], int], list[Result]] = run_many,
) -> Decomposition:
    """Split a comparison's difference over the levers that changed.

    Reuses the comparison's own runs for the baseline and the full variant, and runs every
    other lever subset the method needs with the same seeds and weeks (common random
    numbers), so contributions add up to the comparison's difference.

    Args:
        comparison: a complete what-if.
        method: ``"shapley"``, ``"one_at_a_time"`` or ``"auto"`` (:func:`choose_method`).
        kpis: the KPIs whose difference is split (default: every KPI of the comparison's table, rivals' too).
        on_progress: called with (lever subsets done, subsets planned).
        should_stop: checked between subsets; when it returns True, :class:`Stopped` is raised.
        runs: ``runs(scenario, seeds, steps)`` -> the runs of one lever subset, in seed order (default
            :func:`cxsim.run_many` in this thread; the studio passes its shared run queue's).

    Raises:
        ValueError: nothing changed, or too many levers for Shapley.
        ScenarioError: a subset of the changes is not a valid scenario on its own
            (e.g. a team size above the employee count); the message says which.
    """
    keys = list(comparison.changes)
    if not keys:
        raise ValueError("baseline and variant are the same scenario: there is no difference to explain")
    if method == "auto":
        method = choose_method(len(keys))
    if method not in ("shapley", "one_at_a_time"):
        raise ValueError(f"unknown method {method!r}: use 'shapley' or 'one_at_a_time'")
    if method == "shapley" and len(keys) > MAX_SHAPLEY_LEVERS:
        raise ValueError(f"{len(keys)} levers changed: Shapley needs 2^{len(keys)} scenarios; use one lever at a time")
    kpis = list(kpis or comparison.table["kpi"])
    a = comparison.a
    seeds = list(comparison.seeds)
    values: dict[frozenset, pd.DataFrame] = {
        frozenset(): pd.DataFrame([outcomes(r, kpis) for r in comparison.results_a]),
        frozenset(keys): pd.DataFrame([outcomes(r, kpis) for r in comparison.results_b]),
    }
    todo = [s for s in planned_subsets(keys, method) if s not in values]
    done = 0
    for subset in todo:
        if should_stop is not None and should_stop():
            raise Stopped
        changes = {k: comparison.changes[k][1] for k in keys if k in subset}
        try:
            scenario = a.override(changes)
        except ScenarioError as exc:
            names = ", ".join(sorted(subset))
            raise ScenarioError(
                f"the levers cannot be separated: changing only {names} gives an invalid scenario ({exc})"
            ) from None
        results = runs(scenario, seeds, comparison.steps)
        values[subset] = pd.DataFrame([outcomes(r, kpis) for r in results])
        done += 1
        if on_progress is not None:
            on_progress(done, len(todo))
    return Decomposition(method=method, keys=keys, seeds=seeds, steps=comparison.steps, values=values)


# ----------------------------------------------------------------- over a posterior


def load_posterior(folder: str | os.PathLike) -> Posterior:
    """The posterior in a ``cxsim fit --out`` folder (``~`` expanded).

    Raises:
        cxsim.fit.PosteriorError: no such folder, or not a usable fit; the one-line message says
            why (without the command line's ``--posterior`` prefix: the page has no such option).
    """
    from cxsim.fit import PosteriorError, load

    text = str(folder).strip()
    if not text:
        raise PosteriorError("type the folder of a fit: the --out folder of cxsim fit")
    try:
        return load(Path(text).expanduser())
    except PosteriorError as exc:
        raise PosteriorError(str(exc).removeprefix("--posterior ")) from None


def describe_posterior(posterior: Posterior) -> str:
    """One line about a loaded posterior: "2 unknowns, fitted 2025-01-31 14:02 by cxsim 0.1.0, from /path"."""
    try:
        stamp = datetime.fromtimestamp((posterior.folder / "posterior.parquet").stat().st_mtime)
        when = f"{stamp:%Y-%m-%d %H:%M} by cxsim {posterior.version}"
    except OSError:
        when = f"by cxsim {posterior.version}"
    n = len(posterior.keys)
    return f"{n} unknown{'s' if n != 1 else ''}, fitted {when}, from {posterior.folder.resolve()}"


def posterior_compare(
    a: Scenario,
    b: Scenario,
    posterior: Posterior,
    draws: int,
    seeds: int,
    steps: int,
    *,
    on_progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> PosteriorComparison:
    """Baseline vs variant over ``draws`` posterior draws x ``seeds`` paired seeds, one run at a time.

    The KPIs are the delta table's (:func:`table_kpis`: the focal firm's and the rivals'); the lesson
    is the pair's, by scenario name (:func:`cxsim.fit.whatif.lesson_for`).

    Raises:
        Stopped: ``should_stop`` returned True after a run (the runs done so far are dropped: the
            answer over a posterior needs every draw).
        ValueError, ScenarioError: as :func:`cxsim.fit.whatif.compare_posterior`.
    """
    from cxsim.fit.whatif import compare_posterior

    def tick(done: int, total: int) -> None:
        if on_progress is not None:
            on_progress(done, total)
        if should_stop is not None and should_stop() and done < total:
            raise Stopped

    return compare_posterior(
        a, b, posterior, draws=draws, seeds=seeds, steps=steps, kpis=table_kpis(a, b), workers=1, progress=tick
    )
