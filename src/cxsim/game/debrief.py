"""After the game: the leaderboard, and for each team its counterfactual and the "why" of its result.

- **Replay** (:func:`replay`): the game re-run from week 0 from its market, seed and recorded
  decisions; it equals the recorded KPIs (the game is a pure function of scenario, seed, decisions
  and cxsim version).
- **Counterfactual**: the same market and seed with one team's levers left at their starting
  values while every other team plays exactly as recorded. Every random draw is the same in both
  runs wherever their logic agrees (common random numbers), so the difference is that team's own
  doing, not luck. A team that changed nothing has a counterfactual equal to its game.
- **Attribution**: the team's difference from its counterfactual split over the levers it changed,
  by the WHY page's method (:mod:`cxsim.attribution`: Shapley for up to 3 levers, one lever at a
  time with an interaction term beyond), each subset of levers replayed with the team's recorded
  decisions on those levers only. One market and one seed: contributions have no confidence
  interval; they say what happened in this game.
- **Leaderboard**: total profit over the game, final NPS, final market share, or a combined score
  (each of the three scaled 0-100 between the worst and the best team, then averaged).

Replays read a snapshot of the game taken under its lock and run outside it, so the class can go
on while a debrief is computed; results are kept per game version, so asking again is free.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from cxsim.attribution import choose_method, contributions, planned_subsets
from cxsim.game.market import GameError, new_model, play_round
from cxsim.game.session import RoundRecord, team_frame
from cxsim.metrics import outcome_kind

if TYPE_CHECKING:
    from cxsim.game.session import Game
    from cxsim.game.settings import Rules

#: What the leaderboard can rank teams by: the teacher's choice.
SCORES = ("profit", "nps", "share", "combined")
#: The KPIs of the leaderboard's combined score.
COMBINED = ("profit", "nps", "share")
#: The team KPIs a debrief compares with the counterfactual and splits over levers (flows summed over the
#: game, rates averaged, levels at the last week, as cxsim.metrics declares each).
DEBRIEF_KPIS = ("profit", "share", "nps", "customers", "revenue", "cash", "review_rating", "engaged_share")


@dataclass(frozen=True)
class TeamDebrief:
    """One team's debrief.

    Attributes:
        team, name: the team's index and name.
        outcomes: its result in the game (:data:`DEBRIEF_KPIS`: flows summed, levels at the last week).
        counterfactual: the same, had it kept its starting levers.
        difference: ``outcomes - counterfactual``: what its decisions did.
        weekly: week by week, each KPI in the game and in the counterfactual (``<kpi>`` and
            ``<kpi>_counterfactual``), with ``round`` and ``week``.
        changed: the levers it changed during the game.
        method: the attribution's method (``"shapley"``, ``"one_at_a_time"``, or None without changes).
        attribution: one row per changed lever (then ``interaction`` if any), one column per KPI: the part of
            the difference due to that lever. Rows add up to ``difference``.
        decisions: its decisions by round (``round``, ``key``, ``value``).
    """

    team: int
    name: str
    outcomes: dict[str, float]
    counterfactual: dict[str, float]
    difference: dict[str, float]
    weekly: pd.DataFrame
    changed: tuple[str, ...]
    method: str | None
    attribution: pd.DataFrame
    decisions: pd.DataFrame


@dataclass(frozen=True)
class Debrief:
    """The whole class's debrief.

    Attributes:
        score: what the leaderboard ranks by (:data:`SCORES`).
        leaderboard: one row per team, best first: ``rank``, ``team``, ``name``, ``profit`` (total), ``nps``,
            ``share`` (final), ``combined`` (0-100) and ``score`` (the chosen one).
        trajectories: every team's KPIs week by week (long form: ``round``, ``week``, ``team``, ``name``, KPIs).
        teams: one :class:`TeamDebrief` per team asked for.
        played: rounds played.
        version: the game version this debrief is of.
    """

    score: str
    leaderboard: pd.DataFrame
    trajectories: pd.DataFrame
    teams: list[TeamDebrief]
    played: int
    version: int

    def team(self, team: int) -> TeamDebrief:
        """The debrief of team ``team`` (its index)."""
        for t in self.teams:
            if t.team == team:
                return t
        raise GameError(f"team {team} is not in this debrief")


# ------------------------------------------------------------------ replays


def replay_frame(rules: Rules, history: list[RoundRecord], decisions_of=None) -> pd.DataFrame:
    """The model's weekly frame (with ``round``) of a game re-run from week 0.

    Args:
        rules: the game's rules (market, seed, round length).
        history: the rounds to play, in order.
        decisions_of: if given, ``decisions_of(record) -> {team: changes}`` replaces each round's decisions
            (a counterfactual); otherwise the recorded decisions are played.
    """
    model = new_model(rules.market, rules.settings.seed)
    for record in history:
        decisions = record.decisions if decisions_of is None else decisions_of(record)
        play_round(model, decisions, rules.settings.round_weeks)
    ts = model.timeseries()
    ts.insert(0, "round", ((ts["week"] - 1) // rules.settings.round_weeks + 1).astype(int))
    return ts


def replay(game: Game) -> pd.DataFrame:
    """The game re-run exactly from its market, seed and recorded decisions: equal to ``game.timeseries()``."""
    rules, history, _, _ = _snapshot(game)
    return replay_frame(rules, history)


def _snapshot(game: Game, frame: bool = False) -> tuple[Rules, list[RoundRecord], int, pd.DataFrame | None]:
    """The game as it is now (taken under its lock; the replays then run without it)."""
    with game.lock:
        return game.rules, list(game.history), game.version, game.timeseries() if frame else None


def _only(team: int, keys: frozenset):
    """Decisions of each round with ``team``'s restricted to ``keys`` (empty: its starting levers throughout)."""

    def decisions_of(record: RoundRecord) -> dict[int, dict[str, Any]]:
        out = {k: dict(v) for k, v in record.decisions.items() if k != team}
        own = {key: v for key, v in record.decisions.get(team, {}).items() if key in keys}
        if own:
            out[team] = own
        return out

    return decisions_of


def changed_levers(rules: Rules, history: list[RoundRecord], team: int) -> tuple[str, ...]:
    """The levers a team set to a value other than its starting one at some round, in the order of the levers."""
    changed = {
        key
        for record in history
        for key, value in record.decisions.get(team, {}).items()
        if value != rules.start.get(key, value) or key not in rules.start
    }
    return tuple(k for k in rules.open_levers if k in changed)


# ------------------------------------------------------------------ outcomes and the leaderboard


def outcomes(weekly: pd.DataFrame, kpis: Iterable[str] = DEBRIEF_KPIS) -> dict[str, float]:
    """One team's result over the game: flows summed, weekly rates averaged, levels at the last week."""
    out = {}
    for k in kpis:
        kind = outcome_kind(k)
        col = weekly[k]
        if col.empty:
            out[k] = math.nan
        elif kind == "total":
            out[k] = float(col.sum())
        elif kind == "mean":
            out[k] = float(col.mean())
        else:
            out[k] = float(col.iloc[-1])
    return out


def leaderboard(trajectories: pd.DataFrame, names: tuple[str, ...], score: str = "combined") -> pd.DataFrame:
    """The teams ranked by ``score`` (:data:`SCORES`), best first."""
    if score not in SCORES:
        raise GameError(f"score must be one of {', '.join(SCORES)}, got {score!r}")
    rows = []
    for k, name in enumerate(names):
        own = trajectories[trajectories["team"] == k]
        rows.append({"team": k, "name": name, **outcomes(own, COMBINED)})
    board = pd.DataFrame(rows, columns=["team", "name", *COMBINED])
    scaled = []
    for kpi in COMBINED:
        x = board[kpi].astype(float)
        lo, hi = x.min(), x.max()
        scaled.append(100.0 * (x - lo) / (hi - lo) if hi > lo else pd.Series(100.0, index=board.index))
    board["combined"] = sum(scaled) / len(scaled) if len(board) else []
    board["score"] = board[score]
    board = board.sort_values(["score", "team"], ascending=[False, True], kind="stable").reset_index(drop=True)
    board.insert(0, "rank", board["score"].rank(ascending=False, method="min").astype(int))
    return board


# ------------------------------------------------------------------ the debrief


def debrief(
    game: Game,
    score: str = "combined",
    *,
    teams: Iterable[int] | None = None,
    attribution: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Debrief:
    """The class's debrief: leaderboard, trajectories, and per team its counterfactual and attribution.

    Args:
        game: a game with at least one round played.
        score: what the leaderboard ranks by: ``profit``, ``nps``, ``share`` or ``combined``.
        teams: the teams to debrief (default: all).
        attribution: split each team's difference over its levers (one replay per lever subset needed).
        progress: called as ``progress(replays done, replays planned)``.

    Raises:
        GameError: no round played yet, an unknown score or team.
    """
    if score not in SCORES:
        raise GameError(f"score must be one of {', '.join(SCORES)}, got {score!r}")
    rules, history, version, actual = _snapshot(game, frame=True)
    if not history:
        raise GameError("no round has been played yet: there is nothing to debrief")
    names = rules.team_names
    wanted = list(range(len(names))) if teams is None else list(teams)
    for k in wanted:
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < len(names):
            raise GameError(f"team {k!r}: teams are numbered 0 to {len(names) - 1}")
    trajectories = team_frame(actual, names)
    plans = {}
    for k in wanted:
        keys = changed_levers(rules, history, k)
        method = choose_method(len(keys)) if keys else None
        # the counterfactual (no lever: the empty set) always runs, even for a team that changed nothing: its
        # replay equal to the game is what shows the difference is the team's own doing
        subsets = [frozenset()]
        if attribution and keys:
            subsets += [s for s in planned_subsets(list(keys), method) if s and s != frozenset(keys)]
        plans[k] = (keys, method, subsets)
    planned = sum(len(subsets) for _, _, subsets in plans.values())
    done = 0
    cache = game.debrief_cache
    results = []
    for k in wanted:
        keys, method, subsets = plans[k]
        game_weekly = _team(trajectories, k)
        got = outcomes(game_weekly)
        runs: dict[frozenset, pd.DataFrame] = {}
        for subset in subsets:
            cached_key = (version, k, subset)
            if cached_key not in cache:
                cache[cached_key] = _team(team_frame(replay_frame(rules, history, _only(k, subset)), names), k)
            runs[subset] = cache[cached_key]
            done += 1
            if progress is not None:
                progress(done, planned)
        weekly_cf = runs[frozenset()]
        cf = outcomes(weekly_cf)
        weekly = game_weekly[["round", "week", *DEBRIEF_KPIS]].reset_index(drop=True)
        for kpi in DEBRIEF_KPIS:
            weekly[f"{kpi}_counterfactual"] = weekly_cf[kpi].to_numpy()
        table = pd.DataFrame(columns=["lever", *DEBRIEF_KPIS])
        if attribution and keys:
            values = {s: outcomes(frame) for s, frame in runs.items()}
            values[frozenset(keys)] = got
            parts = {
                kpi: contributions({s: [v[kpi]] for s, v in values.items()}, list(keys), method) for kpi in DEBRIEF_KPIS
            }
            levers = list(parts[DEBRIEF_KPIS[0]])
            table = pd.DataFrame(
                [{"lever": lv, **{kpi: float(parts[kpi][lv][0]) for kpi in DEBRIEF_KPIS}} for lv in levers]
            )
        decisions = [
            {"round": r.round, "key": key, "value": value}
            for r in history
            for key, value in r.decisions.get(k, {}).items()
        ]
        results.append(
            TeamDebrief(
                team=k,
                name=names[k],
                outcomes=got,
                counterfactual=cf,
                difference={kpi: got[kpi] - cf[kpi] for kpi in DEBRIEF_KPIS},
                weekly=weekly,
                changed=keys,
                method=method if attribution else None,
                attribution=table,
                decisions=pd.DataFrame(decisions, columns=["round", "key", "value"]),
            )
        )
    for stale in [key for key in cache if key[0] != version]:
        del cache[stale]
    return Debrief(
        score=score,
        leaderboard=leaderboard(trajectories, names, score),
        trajectories=trajectories,
        teams=results,
        played=len(history),
        version=version,
    )


def _team(frame: pd.DataFrame, team: int) -> pd.DataFrame:
    return frame[frame["team"] == team].reset_index(drop=True)
