"""The classroom game: one round of a 10-team classroom market (target: at most 10 s on 2 cores), resuming a
game after a restart (replaying its rounds), and a whole class's debrief.

The market is the shipped ``classroom`` scenario (30,000 people) split into 10 team firms of 60 employees,
rounds of 13 weeks. A round is what the teacher waits for after pressing Advance: every team's decisions
applied, 13 weeks simulated, the round's KPIs and the game file written atomically.

The debrief of a whole class (10 teams, each changing 9 levers over 6 rounds: 10 counterfactuals and 90
attribution replays) is timed as it was before (every replay from week 0, one after another) and as it is
(rounds shared by replays played once, on 1 or 2 worker processes), in the same run: the machine's load
changes too much between runs to compare runs.
"""

from __future__ import annotations

import itertools

import pytest

from benchmarks import harness as h
from cxsim.game import Game, GameSettings, debrief, open_game

TEAMS = 10
#: Decisions cycled through the teams and rounds so every round changes every firm.
DECISIONS = [
    {"pricing.price": 185.0, "programs.training_budget": 20.0},
    {"programs.cx_team": True, "supervisors.coaching": 0.6},
    {"incentives.cx_weight": 0.8, "process.empowerment": 0.6},
    {"leadership.marketing_spend": 3000.0, "workforce.staffing_policy": "most_engaged"},
    {"pricing.price": 215.0, "process.service_recovery": 0.4},
]


def _submit_all(game: Game, round_number: int) -> None:
    for k, code in enumerate(game.team_codes):
        game.submit(code, DECISIONS[(k + round_number) % len(DECISIONS)])


@pytest.fixture
def class_game(tmp_path):
    return Game.create(GameSettings(scenario="classroom", teams=TEAMS, rounds=40, seed=1), tmp_path / "g")


def test_round_10_teams(benchmark, class_game):
    rounds = itertools.count()

    def setup():
        _submit_all(class_game, next(rounds))
        return (class_game.teacher_code,), {}

    benchmark.group = "classroom game"
    benchmark.extra_info.update(teams=TEAMS, people=class_game.rules.market.market.size, weeks=13, load=h.load())
    benchmark.pedantic(class_game.advance, setup=setup, rounds=6, iterations=1)


def test_resume_after_6_rounds(benchmark, class_game):
    for r in range(6):
        _submit_all(class_game, r)
        class_game.advance(class_game.teacher_code)
    benchmark.group = "classroom game"
    benchmark.extra_info.update(teams=TEAMS, rounds=6, load=h.load())
    benchmark.pedantic(open_game, args=(class_game.folder,), rounds=3, iterations=1)


@pytest.fixture(scope="module")
def played_class(tmp_path_factory):
    """A finished 6-round class: each team changed 9 levers, two a round (``DECISIONS`` cycled; its price twice)."""
    game = Game.create(GameSettings(scenario="classroom", teams=TEAMS, rounds=6, seed=1), tmp_path_factory.mktemp("c"))
    for r in range(6):
        _submit_all(game, r)
        game.advance(game.teacher_code)
    return game


def _debrief_keys(game: Game, attribution: bool = True) -> list[tuple[int, frozenset]]:
    """The replays a debrief asks for, as (team, lever subset), counterfactuals first."""
    from cxsim.attribution import choose_method, planned_subsets
    from cxsim.game.debrief import changed_levers

    keys = [(k, frozenset()) for k in range(TEAMS)]
    for k in range(TEAMS) if attribution else ():
        levers = changed_levers(game.rules, game.history, k)
        full = frozenset(levers)
        keys += [(k, s) for s in planned_subsets(list(levers), choose_method(len(levers))) if s and s != full]
    return keys


def _every_replay_from_week_0(game: Game) -> None:
    """The debrief's replays as they were played before (cxsim 971a8fc): each from week 0, one after another, in
    this process (the leaderboard and the attribution's arithmetic take milliseconds)."""
    from cxsim.game.debrief import _only, replay_frame

    for k, subset in _debrief_keys(game):
        replay_frame(game.rules, game.history, _only(k, subset))


def _timed(benchmark, played_class, target, **info) -> None:
    from cxsim.game.debrief import plan_replays

    keys = _debrief_keys(played_class, info.get("attribution", True))
    plan = plan_replays(played_class.history, keys)
    benchmark.group = "classroom game: whole-class debrief"
    benchmark.extra_info.update(
        teams=TEAMS,
        rounds=6,
        replays=len(keys),
        rounds_played=sum(len(p.rounds) - p.start for p in plan),
        rounds_from_week_0=6 * len(keys),
        load_before=h.load(),
        **info,
    )

    def fresh():  # a debrief is kept per game version: time it from scratch
        played_class.debrief_cache.clear()
        return (), {}

    benchmark.pedantic(target, setup=fresh, rounds=1, iterations=1)
    benchmark.extra_info["load_after"] = h.load()


def test_debrief_before_every_replay_from_week_0(benchmark, played_class):
    _timed(benchmark, played_class, lambda: _every_replay_from_week_0(played_class), workers=1)


def test_debrief_counterfactuals_2_workers(benchmark, played_class):
    _timed(benchmark, played_class, lambda: debrief(played_class, attribution=False, workers=2), attribution=False,
           workers=2)  # fmt: skip


def test_debrief_whole_class_1_worker(benchmark, played_class):
    _timed(benchmark, played_class, lambda: debrief(played_class, workers=1), workers=1)


def test_debrief_whole_class_2_workers(benchmark, played_class):
    _timed(benchmark, played_class, lambda: debrief(played_class, workers=2), workers=2)
