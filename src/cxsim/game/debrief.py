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

How the replays are played (:func:`plan_replays`, :func:`run_plan`): two replays with the same decisions
up to some round are the same up to that round (the game is a pure function of market, seed and
decisions), so every round two replays share is played once. A team's counterfactual is the game until
the team's first change and an attribution subset is the team's counterfactual until the first round it
sets one of its levers: each replay starts from the pickled model of an earlier replay at the last round
boundary they share, and equals the replay from week 0 week by week (tests/test_game.py checks it). The
replays then run on a pool of processes (``workers``, one Numba thread each; the results do not depend on
it), counterfactuals first, each replay's state handed on as soon as it reaches a boundary another starts
from.

Replays read a snapshot of the game taken under its lock and run outside it, so the class can go
on while a debrief is computed; results are kept per game version, so asking again is free.
"""

from __future__ import annotations

import collections
import itertools
import math
import os
import pickle
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from cxsim.attribution import choose_method, contributions, planned_subsets
from cxsim.game.market import GameError, new_model, play_round
from cxsim.game.session import RoundRecord, team_frame
from cxsim.metrics import outcome_kind
from cxsim.parallel import process_pool, using_threads

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
#: Person-weeks to simulate from which a debrief's replays go to worker processes by default: starting a worker
#: (a Python with cxsim and its compiled kernels) takes 2-3 s of a core, about 8 million person-weeks of replay.
POOL_FROM = 5_000_000


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
    rounds = [record.decisions if decisions_of is None else decisions_of(record) for record in history]
    return _play((rules.market, rules.settings.seed, rules.settings.round_weeks, None, rounds, True))


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


def _play(task: tuple) -> pd.DataFrame | bytes:
    """Play rounds of one replay (in this process or a pool's worker).

    ``task`` is ``(market, seed, round_weeks, state, rounds, last)``: from ``state`` (a pickled model; None: a
    new model at week 0), play ``rounds`` (each round's decisions, team -> changes). Returns the model's frame
    (week 1 on, with ``round``) if ``last`` (the replay's last round played), else the model pickled (a state
    later rounds start from).
    """
    market, seed, weeks, state, rounds, last = task
    model = new_model(market, seed) if state is None else pickle.loads(state)
    for decisions in rounds:
        play_round(model, decisions, weeks)
    if not last:
        return pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    frame = model.timeseries()
    frame.insert(0, "round", ((frame["week"] - 1) // weeks + 1).astype(int))
    return frame


# ------------------------------------------------------------------ planning and running the replays


@dataclass
class Planned:
    """One replay of a debrief's plan (:func:`plan_replays`).

    Attributes:
        key: what it is for: ``(team, lever subset)`` (the empty subset: the team's counterfactual).
        rounds: each round's decisions (team -> changes).
        start: the rounds it shares with an earlier replay of the plan, ``source``, whose state after them
            it starts from (0: it starts at week 0).
        source: that replay's index in the plan (None: from week 0).
        same_as: an earlier replay with the same decisions in every round (its frame is this one's).
        keep: the boundaries (rounds played) at which later replays start from this one's state.
    """

    key: tuple[int, frozenset]
    rounds: list[dict[int, dict[str, Any]]]
    start: int = 0
    source: int | None = None
    same_as: int | None = None
    keep: set[int] = field(default_factory=set)

    @property
    def rounds_to_play(self) -> int:
        return 0 if self.same_as is not None else len(self.rounds) - self.start


def _round_key(decisions: dict[int, dict[str, Any]]) -> str:
    """A round's decisions as a key: equal keys, equal decisions (repr: two values printed alike are equal;
    values equal but printed differently only share less)."""
    return repr([(team, list(changes.items())) for team, changes in sorted(decisions.items()) if changes])


def plan_replays(history: list[RoundRecord], keys: Iterable[tuple[int, frozenset]]) -> list[Planned]:
    """The replays of ``keys`` (``(team, lever subset)``, in the order given), each starting from the state of
    the earlier replay it shares the most rounds with.

    A replay is identical to any other with the same decisions up to the first round where they differ (the
    game is a pure function of market, seed and decisions: common random numbers), so it starts from that
    replay's state at that round boundary: a team's counterfactual is the game until the team's first change,
    and an attribution subset is its team's counterfactual until the first round it sets one of its levers.
    Every round that two replays share is played once: the rounds played are the distinct prefixes of the
    replays' decisions, in any order of ``keys``.
    """
    plan: list[Planned] = []
    owner: dict[tuple[str, ...], int] = {}  # a prefix of rounds -> the replay that plays it
    for team, subset in keys:
        rounds = [_only(team, subset)(record) for record in history]
        path = tuple(_round_key(d) for d in rounds)
        replay_ = Planned((team, subset), rounds)
        index = len(plan)
        shared = next((n for n in range(len(path), 0, -1) if path[:n] in owner), 0)
        if shared:
            source = owner[path[:shared]]
            if shared == len(path):
                replay_.same_as = source if plan[source].same_as is None else plan[source].same_as
            else:
                replay_.start, replay_.source = shared, source
                plan[source].keep.add(shared)
        for n in range(shared + 1, len(path) + 1):
            owner[path[:n]] = index
        plan.append(replay_)
    return plan


def run_plan(
    rules: Rules, plan: list[Planned], workers: int = 1, done: Callable[[int, pd.DataFrame], None] | None = None
) -> list[pd.DataFrame]:
    """Run a plan's replays on ``workers`` processes, each part as soon as the state it starts from is there.

    A replay is played in parts, from its start to each boundary where others start from its state, then to
    its end; each state is handed on as soon as it is reached and dropped once every part starting from it
    has been sent out.

    Args:
        rules: the game's rules.
        plan: from :func:`plan_replays`.
        workers: 1 plays them here, one after the other; more: this process and ``workers - 1`` others
            (:func:`cxsim.parallel.process_pool`), one Numba thread each. Results do not depend on it.
        done: called as ``done(index in the plan, its frame)`` as each replay finishes.

    Returns:
        each replay's frame (the model's weekly frame, with ``round``), in the order of the plan.
    """
    settings = rules.settings
    frames: dict[int, pd.DataFrame] = {}
    states: dict[tuple[int, int], bytes] = {}  # (replay, rounds played) -> the model pickled there
    # the parts still to send: (replay, first round, end round) -> the state it starts from (None: week 0)
    parts: dict[tuple[int, int, int], tuple[int, int] | None] = {}
    for i, p in enumerate(plan):
        if p.same_as is None:
            bounds = [p.start, *sorted(p.keep), len(p.rounds)]
            for a, b in itertools.pairwise(bounds):
                parts[(i, a, b)] = (p.source, p.start) if a == p.start and p.source is not None else (i, a)
            if p.start == 0:
                parts[(i, 0, bounds[1])] = None
    users = collections.Counter(origin for origin in parts.values() if origin is not None)
    aliases = collections.defaultdict(list)
    for i, p in enumerate(plan):
        if p.same_as is not None:
            aliases[p.same_as].append(i)
    rank = {i: _priority(p) for i, p in enumerate(plan)}

    def next_parts(n: int) -> list[tuple[int, int, int]]:
        ready = [part for part, origin in parts.items() if origin is None or origin in states]
        return sorted(ready, key=lambda part: (rank[part[0]], part))[:n]

    def task(part: tuple[int, int, int]) -> tuple:
        i, a, b = part
        origin = parts.pop(part)
        state = None
        if origin is not None:
            state = states[origin]
            users[origin] -= 1
            if not users[origin]:  # the last part starting there has it
                del states[origin]
        return (rules.market, settings.seed, settings.round_weeks, state, plan[i].rounds[a:b], b == len(plan[i].rounds))

    def finished(part: tuple[int, int, int], out: pd.DataFrame | bytes) -> None:
        i, _, b = part
        if isinstance(out, bytes):
            states[(i, b)] = out
            return
        for j in [i, *aliases[i]]:
            frames[j] = out
            if done is not None:
                done(j, out)

    if workers <= 1 or len(parts) <= 1:
        while parts:
            (part,) = next_parts(1)
            finished(part, _play(task(part)))
        return [frames[i] for i in range(len(plan))]
    # this process is one of the workers: it starts at once, while the others start (2-3 s each), and with
    # one Numba thread it leaves a core to each of the others
    others = min(workers, len(parts)) - 1
    pool = process_pool(others)
    with using_threads(1):
        running: dict[Future, tuple[tuple[int, int, int], tuple]] = {}
        over: set[tuple[int, int, int]] = set()  # parts finished (a worker's late copy of one is dropped)
        try:
            while parts or running:
                # two parts queued per worker: one to start as soon as it sends the other's result back
                for part in next_parts(max(0, 2 * others - len(running))):
                    args = task(part)
                    running[pool.submit(_play, args)] = (part, args)
                mine = next_parts(1)
                if mine:
                    finished(mine[0], _play(task(mine[0])))
                    over.add(mine[0])
                elif running:
                    # nothing else to do here: play the first part a worker has not finished (a worker still
                    # starting, or the last parts); whichever copy ends first counts, both are the same
                    late = [r for r in running.values() if r[0] not in over]
                    if late:
                        part, args = min(late, key=lambda r: (rank[r[0][0]], r[0]))
                        finished(part, _play(args))
                        over.add(part)
                    else:
                        wait(running, return_when=FIRST_COMPLETED)
                else:  # cannot happen: every part starts where an earlier one ends
                    raise RuntimeError("debrief: replays wait for states no replay will make")
                for future in sorted(
                    (f for f in running if f.done()), key=lambda f: (rank[running[f][0][0]], running[f][0])
                ):
                    part, _ = running.pop(future)
                    if part not in over:
                        finished(part, future.result())
                        over.add(part)
        finally:  # without waiting for a worker still playing a part this process has played
            pool.shutdown(wait=False, cancel_futures=True)
    return [frames[i] for i in range(len(plan))]


def _priority(p: Planned) -> tuple:
    """Counterfactuals first (a debrief shows them first), then team by team, the longest replays first."""
    team, subset = p.key
    return (bool(subset), team, -p.rounds_to_play)


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
    workers: int | None = None,
    on_team: Callable[[TeamDebrief], None] | None = None,
) -> Debrief:
    """The class's debrief: leaderboard, trajectories, and per team its counterfactual and attribution.

    Args:
        game: a game with at least one round played.
        score: what the leaderboard ranks by: ``profit``, ``nps``, ``share`` or ``combined``.
        teams: the teams to debrief (default: all).
        attribution: split each team's difference over its levers (one replay per lever subset needed).
        progress: called as ``progress(replays done, replays planned)`` as each replay finishes.
        workers: processes playing the replays (default: one per core, or this process alone when the replays
            are fewer than :data:`POOL_FROM` person-weeks; 1: in this process). The results do not depend on it.
        on_team: called with each team's :class:`TeamDebrief` as soon as its replays are done (counterfactuals
            are played first, then the attribution team by team).

    Raises:
        GameError: no round played yet, an unknown score or team, ``workers`` below 1.
    """
    if score not in SCORES:
        raise GameError(f"score must be one of {', '.join(SCORES)}, got {score!r}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise GameError(f"workers must be a whole number >= 1, got {workers!r}")
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
    cache = game.debrief_cache
    runs: dict[int, dict[frozenset, pd.DataFrame]] = {k: {} for k in wanted}
    results: dict[int, TeamDebrief] = {}
    done = 0

    def got(k: int, subset: frozenset, weekly: pd.DataFrame) -> None:
        nonlocal done
        cache[(version, k, subset)] = runs[k][subset] = weekly
        done += 1
        if progress is not None:
            progress(done, planned)
        if len(runs[k]) == len(plans[k][2]):
            results[k] = _team_debrief(k, names[k], history, trajectories, runs[k], *plans[k][:2], attribution)
            if on_team is not None:
                on_team(results[k])

    # every team's counterfactual first, then the attribution team by team
    todo = [(k, s) for k in wanted for s in plans[k][2][:1]] + [(k, s) for k in wanted for s in plans[k][2][1:]]
    for k, subset in [(k, s) for k, s in todo if (version, k, s) in cache]:
        got(k, subset, cache[(version, k, subset)])
    plan = plan_replays(history, [(k, s) for k, s in todo if (version, k, s) not in cache])
    if workers is None:  # one per core, unless the replays take less time than starting the processes
        work = sum(p.rounds_to_play for p in plan) * rules.settings.round_weeks * rules.market.market.size
        workers = (os.cpu_count() or 1) if work >= POOL_FROM else 1
    run_plan(
        rules,
        plan,
        workers=workers,
        done=lambda i, frame: got(*plan[i].key, _team_frame_of(frame, names, plan[i].key[0])),
    )
    for stale in [key for key in cache if key[0] != version]:
        del cache[stale]
    return Debrief(
        score=score,
        leaderboard=leaderboard(trajectories, names, score),
        trajectories=trajectories,
        teams=[results[k] for k in wanted],
        played=len(history),
        version=version,
    )


def _team_debrief(
    k: int,
    name: str,
    history: list[RoundRecord],
    trajectories: pd.DataFrame,
    runs: dict[frozenset, pd.DataFrame],
    keys: tuple[str, ...],
    method: str | None,
    attribution: bool,
) -> TeamDebrief:
    """Team ``k``'s debrief from its game and its replays (``runs``: lever subset -> its weekly KPIs)."""
    game_weekly = _team(trajectories, k)
    result = outcomes(game_weekly)
    weekly_cf = runs[frozenset()]
    cf = outcomes(weekly_cf)
    weekly = game_weekly[["round", "week", *DEBRIEF_KPIS]].reset_index(drop=True)
    for kpi in DEBRIEF_KPIS:
        weekly[f"{kpi}_counterfactual"] = weekly_cf[kpi].to_numpy()
    table = pd.DataFrame(columns=["lever", *DEBRIEF_KPIS])
    if attribution and keys:
        values = {s: outcomes(frame) for s, frame in runs.items()}
        values[frozenset(keys)] = result
        parts = {
            kpi: contributions({s: [v[kpi]] for s, v in values.items()}, list(keys), method) for kpi in DEBRIEF_KPIS
        }
        levers = list(parts[DEBRIEF_KPIS[0]])
        table = pd.DataFrame(
            [{"lever": lv, **{kpi: float(parts[kpi][lv][0]) for kpi in DEBRIEF_KPIS}} for lv in levers]
        )
    decisions = [
        {"round": r.round, "key": key, "value": value} for r in history for key, value in r.decisions.get(k, {}).items()
    ]
    return TeamDebrief(
        team=k,
        name=name,
        outcomes=result,
        counterfactual=cf,
        difference={kpi: result[kpi] - cf[kpi] for kpi in DEBRIEF_KPIS},
        weekly=weekly,
        changed=keys,
        method=method if attribution else None,
        attribution=table,
        decisions=pd.DataFrame(decisions, columns=["round", "key", "value"]),
    )


def _team_frame_of(frame: pd.DataFrame, names: tuple[str, ...], team: int) -> pd.DataFrame:
    """Team ``team``'s weekly KPIs from a replay's model frame."""
    return _team(team_frame(frame, names), team)


def _team(frame: pd.DataFrame, team: int) -> pd.DataFrame:
    return frame[frame["team"] == team].reset_index(drop=True)
