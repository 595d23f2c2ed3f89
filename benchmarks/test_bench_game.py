"""The classroom game: one round of a 10-team classroom market (target: at most 10 s on 2 cores), resuming a
game after a restart (replaying its rounds), and a whole class's debrief.

The market is the shipped ``classroom`` scenario (30,000 people) split into 10 team firms of 60 employees,
rounds of 13 weeks. A round is what the teacher waits for after pressing Advance: every team's decisions
applied, 13 weeks simulated, the round's KPIs and the game file written atomically.
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


def test_debrief_6_rounds(benchmark, class_game):
    for r in range(6):
        _submit_all(class_game, r)
        class_game.advance(class_game.teacher_code)

    def fresh():  # a debrief is kept per game version: time it from scratch
        class_game.debrief_cache.clear()
        return (class_game,), {}

    benchmark.group = "classroom game"
    benchmark.extra_info.update(teams=TEAMS, rounds=6, load=h.load())
    benchmark.pedantic(debrief, setup=fresh, rounds=1, iterations=1)
