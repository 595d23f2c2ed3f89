"""What a firm observes, measured in a simulated week range the way the firm measures it.

A *target* is a KPI a firm reports as one number over a period: its NPS, its annual
churn, its employee turnover. Each is computed from the weekly timeseries of a run
(:class:`cxsim.run.Result`) over a window of weeks, the same way for the firm's own
figure and for the simulation, so that ``cxsim fit`` compares like with like.

Every target is an intensive quantity (a share, a rate, a score, a level), so it does not
depend on the market's size: the fit runs a scaled-down copy of the firm
(:func:`cxsim.scale`) and the figures carry over (``tests/test_fit.py`` checks it).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

WEEKS_PER_YEAR = 52


@dataclass(frozen=True)
class Target:
    """One observable figure: its name, unit, meaning, and how to read it off a window of weeks."""

    name: str
    unit: str
    meaning: str
    measure: Callable[[pd.DataFrame], float]
    #: the range a firm's figure can take: a value outside it is a mistake in the profile (a percentage
    #: given where a fraction is expected, say)
    lo: float
    hi: float


def _mean(column: str) -> Callable[[pd.DataFrame], float]:
    return lambda window: float(window[column].mean())


def _annual(column: str) -> Callable[[pd.DataFrame], float]:
    return lambda window: float(WEEKS_PER_YEAR * window[column].mean())


def _margin(window: pd.DataFrame) -> float:
    revenue = float(window["revenue"].sum())
    return float(window["profit"].sum()) / revenue if revenue > 0 else float("nan")


# fmt: off
TARGETS: dict[str, Target] = {t.name: t for t in [
    Target("nps", "points", "NPS of current customers, mean of the window's weeks (as a firm's survey "
           "averages its waves)", _mean("nps"), -100, 100),
    Target("reputation", "points", "NPS over everyone who has been a customer, mean of the window",
           _mean("reputation"), -100, 100),
    Target("annual_churn", "fraction a year", "customers lost (to rivals, to no firm, moving away) a year / "
           "customers: 52 x the mean weekly churn rate (0.18 = 18% a year)", _annual("churn_rate"), 0, 1),
    Target("engaged_share", "fraction", "share of employees who are engaged, mean of the window (0.33 = 33%)",
           _mean("engaged_share"), 0, 1),
    Target("employee_turnover", "fraction a year", "employees who quit a year / employees: 52 x the mean weekly "
           "attrition (0.35 = 35% a year; layoffs not counted)", _annual("employee_attrition"), 0, 3),
    Target("profit_margin", "fraction", "profit / revenue over the window (0.12 = 12%)", _margin, -1, 1),
    Target("review_rating", "stars", "public review rating (1-5), mean of the window", _mean("review_rating"),
           1, 5),
    Target("csat", "fraction", "share of contacts that were not a bad experience, mean of the window (0.8 = 80%)",
           _mean("csat"), 0, 1),
    Target("utilisation", "ratio", "front-line contacts / capacity, mean of the window (0.8 = 80%)",
           _mean("utilisation"), 0, 2),
    Target("share", "fraction", "the firm's customers / all firms' customers, mean of the window",
           _mean("share"), 0, 1),
    Target("resolution_rate", "fraction", "resolved contacts / contacts, mean of the window",
           _mean("resolution_rate"), 0, 1),
    Target("mean_engagement", "level", "mean employee engagement (0-1), mean of the window",
           _mean("mean_engagement"), 0, 1),
]}
# fmt: on


def unknown_target(name: str) -> str:
    """The message for a target cxsim cannot measure, with a suggestion."""
    guess = difflib.get_close_matches(name, list(TARGETS), n=1)
    hint = f"; did you mean '{guess[0]}'?" if guess else ""
    return f"no such target{hint} (targets: {', '.join(TARGETS)})"


def measure(timeseries: pd.DataFrame, names: list[str], first_week: int, last_week: int) -> dict[str, float]:
    """Each target in ``names`` over weeks ``first_week``..``last_week`` (inclusive, 1 = the first week).

    A run that ended before ``last_week`` (a bankrupt firm stops trading) has no such window:
    every figure is NaN, which a fit treats as infinitely far from any firm.
    """
    weeks = timeseries["week"].to_numpy()
    if len(weeks) == 0 or weeks[-1] < last_week:
        return dict.fromkeys(names, float("nan"))
    window = timeseries[(weeks >= first_week) & (weeks <= last_week)]
    return {name: TARGETS[name].measure(window) for name in names}


def blocks(window_weeks: int, block: int) -> list[tuple[int, int]]:
    """Consecutive ``block``-week blocks covering weeks 1..``window_weeks`` (the last may be shorter)."""
    return [(start, min(start + block - 1, window_weeks)) for start in range(1, window_weeks + 1, block)]


def history_blocks(history: pd.DataFrame, block: int) -> dict[str, float]:
    """A firm's weekly KPI history as block means: ``{"nps@1-13": 31.2, ...}``.

    ``history`` has a ``week`` column (1 = the first week of the fit's window) and one column per
    target; each row holds that week's figure as the firm reports it (an annualised weekly churn,
    say). Blocks smooth week-to-week noise the way quarterly reporting does.
    """
    out: dict[str, float] = {}
    weeks = history["week"].to_numpy()
    for first, last in blocks(int(weeks.max()), block):
        rows = history[(weeks >= first) & (weeks <= last)]
        for name in history.columns:
            if name != "week":
                values = rows[name].dropna()
                if len(values):
                    out[f"{name}@{first}-{last}"] = float(values.mean())
    return out


def simulated_blocks(timeseries: pd.DataFrame, keys: list[str], offset: int) -> dict[str, float]:
    """The simulated counterpart of :func:`history_blocks`'s keys; ``offset`` = weeks of burn-in."""
    out: dict[str, float] = {}
    for key in keys:
        name, span = key.split("@")
        first, last = (int(x) for x in span.split("-"))
        out[key] = measure(timeseries, [name], offset + first, offset + last)[name]
    return out


def rms_z(simulated: dict[str, float], observed: dict[str, float], sds: dict[str, float]) -> float:
    """Root mean square of the z-scores (simulated - observed) / sd over every observed figure.

    1.0 means the simulation is, on average, one standard deviation from the firm's figures.
    A missing or NaN simulated figure (a firm that went bankrupt) is infinitely far.
    """
    z = []
    for key, value in observed.items():
        sim = simulated.get(key, float("nan"))
        if sim is None or not np.isfinite(sim):
            return float("inf")
        z.append((sim - value) / sds[key])
    return float(np.sqrt(np.mean(np.square(z)))) if z else 0.0
