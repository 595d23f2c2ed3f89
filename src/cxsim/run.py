"""Running the model: one run, replications, and what a run returns.

A :class:`Result` is stamped with the scenario, the seed and the cxsim
version: together they reproduce it exactly.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd

from cxsim.metrics import KPIS, find
from cxsim.parallel import process_pool
from cxsim.params import Scenario
from cxsim.scenario import load_scenario

MAX_SEED = 2**63 - 1  # the largest seed CXModel takes (seeds are stored as int64)


def version() -> str:
    """The cxsim version every output is stamped with (read when called, so a test can pretend another)."""
    from cxsim import __version__

    return __version__


def seed_list(seeds: int | Iterable[int]) -> list[int]:
    """The seeds of a set of replications: ``8`` means seeds 0..7; an iterable of seeds is taken as given.

    Raises:
        ValueError: a negative count, or a seed that is not a whole number from 0 to 2**63 - 1.
    """
    count = _whole(seeds)
    if count is not None:
        if count < 0:
            raise ValueError(f"seeds: a count of seeds must be >= 0, got {seeds!r}")
        return list(range(count))
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise ValueError(f"seeds must be a count or a list of whole numbers, got {seeds!r}")
    out = []
    for seed in seeds:
        value = _whole(seed)
        if value is None or not 0 <= value <= MAX_SEED:
            raise ValueError(f"seed must be a whole number from 0 to 2**63 - 1, got {seed!r}")
        out.append(value)
    return out


def _whole(value) -> int | None:
    """``value`` as an int if it is a whole-number type (int, NumPy integer; not bool), else None."""
    if isinstance(value, bool):
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


@dataclass
class Result:
    """One run: a timeseries of KPIs plus what is needed to reproduce it."""

    scenario: Scenario
    seed: int
    timeseries: pd.DataFrame
    version: str = field(default_factory=version)
    bankrupt_week: int | None = None

    @property
    def summary(self) -> dict:
        """Final levels and cumulative flows (``total_<kpi>``) of the run, each rival's columns too, the NPS
        averaged over the run (``mean_nps``, ``mean_<rival>_nps``), plus identity fields."""
        ts = self.timeseries
        out: dict = {"scenario": self.scenario.name, "seed": self.seed, "version": self.version, "weeks": len(ts)}
        if len(ts) == 0:
            return out
        last = ts.iloc[-1]
        for k in ts.columns:  # the focal firm's and the market's KPIs, then each rival's
            if k == "week":
                continue
            declared = find(k)
            if declared is not None and declared.kind == "total":
                out[f"total_{k}"] = float(ts[k].sum())
            out[k] = last[k].item() if hasattr(last[k], "item") else last[k]
        for rival in ("", *self.scenario.rivals):
            nps = f"{rival}_nps" if rival else "nps"
            out[f"mean_{nps}"] = float(ts[nps].mean())
        out["mean_engagement_over_run"] = float(ts["mean_engagement"].mean())
        out["bankrupt"] = bool(last["bankrupt"])
        out["bankrupt_week"] = self.bankrupt_week
        return out


def run(
    scenario: Scenario | str = "baseline",
    seed: int = 0,
    steps: int | None = None,
    *,
    overrides: dict | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Result:
    """Simulate ``steps`` weeks (default ``scenario.sim.weeks``) and return a :class:`Result`.

    A bankrupt firm stops trading: the timeseries ends at the week cash fell
    below zero and ``summary["bankrupt"]`` is True.
    """
    from cxsim.model import CXModel

    s = load_scenario(scenario, overrides)
    steps = s.sim.weeks if steps is None else int(steps)
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    model = CXModel(s, seed=seed)
    model.run_weeks(steps, progress=progress)
    return Result(scenario=s, seed=int(seed), timeseries=model.timeseries(), bankrupt_week=model.bankrupt_week)


def _run_one(args):
    scenario, seed, steps = args
    return run(scenario, seed=seed, steps=steps)


def run_many(
    scenario: Scenario | str = "baseline",
    seeds: Iterable[int] | int = 8,
    steps: int | None = None,
    workers: int | None = 1,
    *,
    overrides: dict | None = None,
) -> list[Result]:
    """Replications of one scenario over seeds (``seeds=8`` means seeds 0..7).

    ``workers`` > 1 runs them in a process pool; results are identical to a
    serial run and returned in seed order.
    """
    s = load_scenario(scenario, overrides)
    jobs = [(s, seed, steps) for seed in seed_list(seeds)]
    workers = workers or os.cpu_count() or 1
    if workers <= 1 or len(jobs) <= 1:
        return [_run_one(j) for j in jobs]
    with process_pool(min(workers, len(jobs))) as pool:
        return list(pool.map(_run_one, jobs))


def stack(results: list[Result]) -> pd.DataFrame:
    """Tidy frame of many runs: one row per (run, week) with scenario and seed columns."""
    frames = []
    for r in results:
        df = r.timeseries.copy()
        df.insert(0, "seed", r.seed)
        df.insert(0, "scenario", r.scenario.name)
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=["scenario", "seed", *KPIS])
    return pd.concat(frames, ignore_index=True)
