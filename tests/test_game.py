"""The classroom game: settings, codes, refusals, rounds, budgets, saving and resuming, views, replay.

Most tests play in the classroom market at a fifth of its size (6,000 people, 3 teams, rounds of
4 weeks): the same firms and rules, fast. Every refusal the game makes has a case in
``REFUSALS`` or ``SETTING_REFUSALS``.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat

import numpy as np
import pandas as pd
import pytest

import cxsim
from cli_helpers import run_cli
from cxsim.game import (
    PUBLIC_KPIS,
    TEAM_KPIS,
    Game,
    GameError,
    GameRegistry,
    GameSettings,
    debrief,
    export,
    lever_spend,
    open_game,
    replay,
    team_market,
)
from cxsim.game.debrief import DEBRIEF_KPIS
from cxsim.game.session import new_code, normalise_code
from cxsim.game.store import GAME_FILE, round_path

SMALL_CLASS = cxsim.load_scenario("classroom").scale(0.2)


def settings(**changes) -> GameSettings:
    base = {"scenario": SMALL_CLASS, "teams": 3, "round_weeks": 4, "rounds": 3, "seed": 5}
    return GameSettings(**{**base, **changes})


@pytest.fixture
def game(tmp_path) -> Game:
    return Game.create(settings(), tmp_path / "g")


def weekly_equal(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False)


# ------------------------------------------------------------------ the market


def test_team_market_splits_the_focal_firm_into_identical_teams():
    base = cxsim.load_scenario("classroom")
    m = team_market(base, 4)
    assert list(m.rivals) == ["team_2", "team_3", "team_4"]
    assert m.market.initial_customer_share == pytest.approx(base.market.initial_customer_share / 4)
    assert m.workforce.employees == base.workforce.employees // 4
    assert m.leadership.marketing_spend == pytest.approx(base.leadership.marketing_spend / 4)
    assert m.finance.initial_cash == pytest.approx(base.finance.initial_cash / 4)
    focal = m.focal_settings().model_dump()
    for rival in m.rivals.values():
        own = rival.model_dump()
        assert {k: own[k] for k in focal} == focal, "every team starts with the same firm"
        assert rival.initial_share == m.market.initial_customer_share
    assert m.market.size == base.market.size, "the market itself does not change"


def test_team_market_keeps_the_scenarios_own_rivals_after_the_teams():
    m = team_market(cxsim.load_scenario("baseline"), 3)
    assert list(m.rivals) == ["team_2", "team_3", "rival"]
    with pytest.raises(GameError, match="at most 9 teams"):
        team_market(cxsim.load_scenario("baseline"), 10)


def test_the_classroom_market_starts_level():
    """Identical firms with the same levers hold about equal shares through a round (no team starts ahead)."""
    from cxsim.game.market import new_model, play_round

    model = new_model(team_market(SMALL_CLASS, 4), seed=1)
    play_round(model, {}, 13)
    ts = model.timeseries()
    shares = [ts[c].iloc[-1] for c in ("share", "team_2_share", "team_3_share", "team_4_share")]
    assert max(shares) - min(shares) < 0.06
    assert (ts["profit"] > 0).all(), "a team that changes nothing is a going concern"


# ------------------------------------------------------------------ codes and roles


def test_codes_are_unguessable_and_easy_to_type(game):
    codes = [game.teacher_code, *game.team_codes]
    assert len(set(codes)) == len(codes) == 4
    for c in codes:
        assert len(c) == 17 and c.count("-") == 2
        assert normalise_code(c) == c
    # 15 symbols of a 32-letter alphabet: 75 bits
    assert 15 * math.log2(32) >= 64
    # case, spaces, dashes and look-alikes do not matter
    code = game.team_codes[1]
    typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert game.role(typed) == ("team", 1)
    assert game.role(game.teacher_code) == ("teacher", None)
    assert len({new_code() for _ in range(200)}) == 200


@pytest.mark.parametrize("code", ["", "nope", "AAAAA-AAAAA-AAAAA", None, 12345, "U" * 15])
def test_unknown_codes_are_refused(game, code):
    with pytest.raises(GameError, match="^unknown code"):
        game.role(code)


# ------------------------------------------------------------------ refusals

OPEN_PRICE = {"pricing.price": 190.0}


def _teacher(g):
    return g.teacher_code


def _team(k):
    return lambda g: g.team_codes[k]


# (id, who acts, action, arguments, expected message)
REFUSALS = [
    ("unknown code", lambda g: "ZZZZZ-ZZZZZ-ZZZZZ", "submit", OPEN_PRICE, "^unknown code"),
    ("teacher code used as a team", _teacher, "submit", OPEN_PRICE, "teacher's code"),
    ("teacher code withdraws", _teacher, "withdraw", None, "teacher's code"),
    ("teacher code team view", _teacher, "team_view", None, "teacher's code"),
    ("lever not open", _team(0), "submit", {"workforce.employees": 50}, "not a lever open"),
    ("unknown lever", _team(0), "submit", {"pricing.pricee": 190}, "not a lever open"),
    ("market key", _team(0), "submit", {"market.size": 10}, "not a lever open"),
    ("above range", _team(0), "submit", {"pricing.price": 400}, "outside the allowed range 150 to 250"),
    ("below range", _team(0), "submit", {"pricing.price": 100}, "outside the allowed range"),
    ("text for a number", _team(0), "submit", {"pricing.price": "cheap"}, "must be a number"),
    ("number as text", _team(0), "submit", {"pricing.price": "190"}, "must be a number"),
    ("bool for a number", _team(0), "submit", {"pricing.price": True}, "must be a number"),
    ("nan", _team(0), "submit", {"pricing.price": float("nan")}, "must be a number"),
    ("infinity", _team(0), "submit", {"supervisors.coaching": float("inf")}, "must be a number"),
    ("number for a switch", _team(0), "submit", {"programs.cx_team": 1}, "true or false"),
    ("text for a switch", _team(0), "submit", {"programs.cx_team": "yes"}, "true or false"),
    ("unknown choice", _team(0), "submit", {"workforce.staffing_policy": "best"}, "must be one of"),
    ("not a table", _team(0), "submit", ["pricing.price"], "table of lever"),
    (
        "over budget",
        _team(0),
        "submit",
        {"programs.training_budget": 50.0, "programs.cx_team": True, "leadership.marketing_spend": 4800.0},
        "^over budget",
    ),
    ("team advances", _team(0), "advance", None, "only the teacher can advance"),
    ("team pauses", _team(1), "pause", None, "only the teacher can pause"),
    ("team resumes", _team(1), "resume", None, "only the teacher can resume"),
    ("team ends", _team(2), "end", None, "only the teacher can end"),
    ("team sees all", _team(2), "teacher_view", None, "only the teacher"),
    ("unknown code advances", lambda g: "ZZZZZ-ZZZZZ-ZZZZZ", "advance", None, "^unknown code"),
    ("nothing to withdraw", _team(1), "withdraw", None, "nothing submitted"),
    ("not all submitted", _teacher, "advance", None, "waiting for Team 1, Team 2, Team 3"),
    ("resume a running game", _teacher, "resume", None, "not paused"),
]


def _act(g, who, action, args):
    method = getattr(g, action)
    return method(who(g)) if args is None else method(who(g), args)


@pytest.mark.parametrize("who,action,args,message", [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_refusals(game, who, action, args, message):
    version = game.version
    saved = (game.folder / GAME_FILE).read_text()
    with pytest.raises(GameError, match=message) as info:
        _act(game, who, action, args)
    assert "\n" not in str(info.value), "one line"
    assert game.version == version and (game.folder / GAME_FILE).read_text() == saved, "a refusal changes nothing"
    assert not game.pending


# in a paused, ended or finished game: (state, who, action, args, message)
STATE_REFUSALS = [
    ("paused", _team(0), "submit", OPEN_PRICE, "paused"),
    ("paused", _team(0), "withdraw", None, "paused"),
    ("paused", _teacher, "advance", None, "paused: resume it"),
    ("paused", _teacher, "pause", None, "only a game in play"),
    ("ended", _team(0), "submit", OPEN_PRICE, "has ended"),
    ("ended", _teacher, "advance", None, "has ended"),
    ("ended", _teacher, "end", None, "already ended"),
    ("ended", _teacher, "pause", None, "only a game in play"),
    ("finished", _team(0), "submit", OPEN_PRICE, "finished after its last round \\(1\\)"),
    ("finished", _teacher, "advance", None, "finished"),
    ("finished", _teacher, "end", None, "already finished"),
]


@pytest.mark.parametrize(
    "state,who,action,args,message", STATE_REFUSALS, ids=[f"{s[0]}-{s[2]}" for s in STATE_REFUSALS]
)
def test_refusals_by_state(tmp_path, state, who, action, args, message):
    g = Game.create(settings(rounds=1 if state == "finished" else 3), tmp_path / "g")
    if state == "paused":
        g.pause(g.teacher_code)
    elif state == "ended":
        g.end(g.teacher_code)
    else:
        g.advance(g.teacher_code, force=True)
    assert g.status().state == state
    version = g.version
    with pytest.raises(GameError, match=message):
        _act(g, who, action, args)
    assert g.version == version


def test_decisions_the_model_does_not_allow_together_are_refused(tmp_path):
    g = Game.create(settings(open_levers={"programs.voc": None, "measurement.reality_check": None}), tmp_path / "g")
    with pytest.raises(GameError, match="do not go together: .*reality_check = true needs programs.voc = true"):
        g.submit(g.team_codes[0], {"measurement.reality_check": True})
    g.submit(g.team_codes[0], {"measurement.reality_check": True, "programs.voc": True})


SETTING_REFUSALS = [
    ({"teams": 1}, "teams must be from 2 to 10"),
    ({"teams": 11}, "teams must be from 2 to 10"),
    ({"teams": 2.5}, "teams must be a whole number"),
    ({"rounds": 0}, "rounds must be from 1"),
    ({"round_weeks": 0}, "round_weeks must be from 1"),
    ({"seed": -1}, "seed must be from 0"),
    ({"budget": -5}, "budget must be 0 or more"),
    ({"budget": "lots"}, "budget must be a number"),
    ({"budget": float("inf")}, "budget must be a number"),
    ({"auto_advance": "yes"}, "auto_advance must be true or false"),
    ({"team_names": ["A", "B"]}, "2 names for 3 teams"),
    ({"team_names": ["A", "a", "B"]}, "same name"),
    ({"team_names": ["A", "", "B"]}, "every team needs a name"),
    ({"team_names": ["A", "B", "x" * 41]}, "longer than 40"),
    ({"scenario": "no_such_scenario"}, "^scenario: "),
    ({"open_levers": {}}, "open at least one lever"),
    ({"open_levers": ["market.size"]}, "not one firm's lever"),
    ({"open_levers": ["workforce.team_size"]}, "not a lever a firm controls"),
    ({"open_levers": ["finance.fixed_cost"]}, "not a lever a firm controls"),
    ({"open_levers": ["pricing.nope"]}, "unknown key pricing.nope"),
    ({"open_levers": {"pricing.price": (210, 250)}}, "must include the starting value 200"),
    ({"open_levers": {"pricing.price": (250, 150)}}, "low end 250 is above the high end 150"),
    ({"open_levers": {"supervisors.coaching": (0, 2)}}, "beyond what the model allows"),
    ({"open_levers": {"programs.cx_team": (0, 1)}}, "is a switch"),
    ({"open_levers": {"workforce.staffing_policy": ["least_engaged"]}}, "must include the starting one"),
    ({"open_levers": {"workforce.staffing_policy": ["random", "best"]}}, "takes a list of choices"),
]


@pytest.mark.parametrize("changes,message", SETTING_REFUSALS, ids=[m for _, m in SETTING_REFUSALS])
def test_setting_refusals(tmp_path, changes, message):
    with pytest.raises(GameError, match=message):
        Game.create(settings(**changes), tmp_path / "g")
    assert not (tmp_path / "g" / GAME_FILE).exists()


def test_a_folder_holding_a_game_is_not_overwritten(game):
    with pytest.raises(GameError, match="already holds a game"):
        Game.create(settings(), game.folder)


# ------------------------------------------------------------------ budget


def test_the_budget_is_priced_by_the_models_own_costs(game):
    firm = game.rules.market.focal_settings()
    employees = firm.workforce.employees
    # training: $/employee/week x planned headcount
    assert game.spend(0, {"programs.training_budget": 20.0}) == pytest.approx(10.0 * employees)
    # a CX team: its weekly cost (split with the firm)
    assert game.spend(0, {"programs.cx_team": True}) == pytest.approx(firm.programs.cx_team_cost)
    # coaching time: coaching_cost_per_employee per unit of coaching
    assert game.spend(0, {"supervisors.coaching": 0.9}) == pytest.approx(
        0.5 * firm.supervisors.coaching_cost_per_employee * employees
    )
    # marketing: dollar for dollar; price and incentives cost nothing up front
    assert game.spend(0, {"leadership.marketing_spend": firm.leadership.marketing_spend + 100}) == pytest.approx(100)
    assert game.spend(0, {"pricing.price": 150.0, "incentives.cx_weight": 1.0}) == 0
    # savings fund other levers: less marketing pays for a CX team
    both = {"programs.cx_team": True, "leadership.marketing_spend": firm.leadership.marketing_spend / 4}
    assert game.spend(0, both) < firm.programs.cx_team_cost
    assert game.rules.budget == round(0.1 * lever_spend(firm), -2)
    assert game.rules.open_levers["programs.cx_team"].costs and not game.rules.open_levers["pricing.price"].costs


def test_budget_left_follows_the_levers_in_force(game):
    code = game.team_codes[2]
    extra = {"programs.training_budget": 20.0}
    checked = game.check(code, extra)
    assert checked["spend"] > 0 and checked["budget_left"] == pytest.approx(game.rules.budget - checked["spend"])
    game.submit(code, extra)
    assert game.team_view(code).spend == 0, "a submission is not in force before the round"
    game.advance(game.teacher_code, force=True)
    view = game.team_view(code)
    assert view.spend == pytest.approx(checked["spend"]) and view.budget_left == pytest.approx(checked["budget_left"])


def test_a_zero_budget_still_lets_a_team_move_money(tmp_path):
    g = Game.create(settings(budget=0), tmp_path / "g")
    code = g.team_codes[0]
    with pytest.raises(GameError, match="over budget"):
        g.submit(code, {"programs.training_budget": 11.0})
    firm = g.rules.market.focal_settings()
    cut = firm.workforce.employees * 5.0  # training 10 -> 5 frees this much a week for marketing
    g.submit(
        code, {"programs.training_budget": 5.0, "leadership.marketing_spend": firm.leadership.marketing_spend + cut}
    )


# ------------------------------------------------------------------ rounds


def test_a_round_applies_submitted_decisions_and_others_keep_their_levers(game):
    t = game.team_codes
    assert game.submit(t[0], {"pricing.price": 180}) == {"pricing.price": 180.0}
    game.submit(t[1], {"programs.cx_team": True})
    game.submit(t[1], {"programs.cx_room": True})  # the last submission counts, as a whole
    v0 = game.version
    record = game.advance(game.teacher_code, force=True)
    assert game.version == v0 + 1
    assert record.round == 1 and record.forced and record.submitted == (0, 1)
    assert (record.first_week, record.last_week) == (1, 4)
    assert record.decisions == {0: {"pricing.price": 180.0}, 1: {"programs.cx_room": True}}
    assert game.levers(0)["pricing.price"] == 180.0
    assert game.levers(1)["programs.cx_room"] and not game.levers(1)["programs.cx_team"]
    assert game.levers(2) == game.rules.start, "a team that did not submit keeps its levers"
    s = game.status()
    assert (s.round, s.played, s.week, s.state, s.submitted) == (2, 1, 4, "waiting", (False, False, False))


def test_withdraw_takes_a_submission_back(game):
    code = game.team_codes[0]
    game.submit(code, {"pricing.price": 180})
    assert game.status().submitted == (True, False, False)
    game.withdraw(code)
    assert game.status().submitted == (False, False, False)
    game.advance(game.teacher_code, force=True)
    assert game.levers(0)["pricing.price"] == 200.0


def test_advance_waits_for_every_team_unless_forced(game):
    for code in game.team_codes[:2]:
        game.submit(code, {})
    with pytest.raises(GameError, match="waiting for Team 3"):
        game.advance(game.teacher_code)
    game.submit(game.team_codes[2], {})
    assert not game.advance(game.teacher_code).forced


def test_auto_advance_runs_the_round_when_every_team_has_submitted(tmp_path):
    g = Game.create(settings(auto_advance=True), tmp_path / "g")
    g.submit(g.team_codes[0], {"pricing.price": 210})
    g.submit(g.team_codes[1], {})
    assert g.played == 0
    g.submit(g.team_codes[2], {})
    assert g.played == 1 and g.levers(0)["pricing.price"] == 210.0 and g.status().submitted == (False,) * 3


def test_pause_resume_end_and_finish(game):
    tc = game.teacher_code
    game.pause(tc)
    assert game.status().state == "paused"
    game.resume(tc)
    game.advance(tc, force=True)
    game.advance(tc, force=True)
    game.submit(game.team_codes[0], {"pricing.price": 190})
    game.end(tc)
    s = game.status()
    assert (s.state, s.played, s.round) == ("ended", 2, 2)
    assert not game.pending, "ending drops the submissions no round will use"


def test_the_last_round_finishes_the_game(tmp_path):
    g = Game.create(settings(rounds=2), tmp_path / "g")
    g.advance(g.teacher_code, force=True)
    g.advance(g.teacher_code, force=True)
    s = g.status()
    assert (s.state, s.played, s.round, s.week) == ("finished", 2, 2, 8)


def test_a_bankrupt_team_stops_trading_and_the_others_play_on(tmp_path):
    """Team 1 is the model's focal firm, whose bankruptcy ends a one-firm run; in a game the market goes on."""
    poor = SMALL_CLASS.override({"finance.initial_cash": 3_000.0})  # split in 3: $1,000 of cash per team
    g = Game.create(settings(scenario=poor, rounds=2, budget=1e6), tmp_path / "g")
    spree = {"pricing.price": 150.0, "workforce.wage": 780.0, "leadership.marketing_spend": 4800.0}
    g.submit(g.team_codes[0], {**spree, "programs.training_budget": 50.0})  # a loss in week 1
    g.advance(g.teacher_code, force=True)
    g.advance(g.teacher_code, force=True)
    w = g.weekly()
    assert w[w["team"] == 0]["bankrupt"].all()
    assert (w[w["team"] == 0]["revenue"].iloc[1:] == 0).all(), "a bankrupt firm no longer trades"
    assert g.model.week == 8 and len(w[w["team"] == 1]) == 8
    assert not w[w["team"] > 0]["bankrupt"].any() and (w[w["team"] == 1]["revenue"] > 0).all()
    assert g.rules.market.sim.end_at_bankruptcy is False and not g.model.bankrupt, "the market's own setting"


# ------------------------------------------------------------------ views


PRIVATE = set(TEAM_KPIS) - set(PUBLIC_KPIS)


def test_a_team_sees_only_the_others_public_kpis(game):
    for code in game.team_codes:
        game.submit(code, {"pricing.price": 190})
    game.advance(game.teacher_code)
    view = game.team_view(game.team_codes[1])
    assert view.team == 1 and view.name == "Team 2"
    assert {"profit", "nps", "engaged_share", "cash", "revenue"} <= PRIVATE
    everyone = game.weekly()
    # its own KPIs: one row per week, its own firm's numbers
    assert list(view.weekly["week"]) == [1, 2, 3, 4]
    assert set(view.weekly.columns) == {"round", "week", *TEAM_KPIS}
    assert set(view.by_round.columns) == {"round", "weeks", *TEAM_KPIS}
    assert np.array_equal(view.weekly["profit"], everyone.query("team == 1")["profit"])
    for k in (0, 2):
        assert not np.array_equal(view.weekly["profit"], everyone.query(f"team == {k}")["profit"])
    # every frame that holds other teams holds public columns only
    for name, frame in vars(view).items():
        if isinstance(frame, pd.DataFrame) and "team" in frame:
            assert set(frame.columns) <= {"round", "week", "team", "name", *PUBLIC_KPIS}, name
            assert set(frame["team"]) == {0, 1, 2}
    assert set(view.public.columns) == {"round", "team", "name", *PUBLIC_KPIS}
    assert len(view.public) == 3 and len(view.public_weekly) == 12
    # the rest of the view is about the team itself
    assert set(view.levers) == set(game.rules.open_levers)


def test_team_view_rejoins_after_a_reload(game):
    code = game.team_codes[0]
    game.submit(code, {"pricing.price": 185})
    again = open_game(game.folder).team_view(code.lower())
    assert again.submitted == {"pricing.price": 185.0}


def test_teacher_view_has_everything(game):
    game.submit(game.team_codes[0], {"pricing.price": 185})
    game.advance(game.teacher_code, force=True)
    game.submit(game.team_codes[2], {"programs.cx_team": True})
    v = game.teacher_view(game.teacher_code)
    assert v.team_codes == game.team_codes
    assert set(v.weekly["team"]) == {0, 1, 2} and {"profit", "nps", *PUBLIC_KPIS} <= set(v.weekly.columns)
    assert v.pending == {2: {"programs.cx_team": True}}
    assert v.decisions.to_dict("records") == [
        {"round": 1, "team": 0, "name": "Team 1", "key": "pricing.price", "value": 185.0}
    ]
    assert list(v.by_round["round"]) == [1, 1, 1] and (v.by_round["weeks"] == 4).all()
    # a round's flows are the sum of its weeks; levels are its last week's
    w = v.weekly.query("team == 0")
    r = v.by_round.query("team == 0").iloc[0]
    assert r["profit"] == pytest.approx(w["profit"].sum()) and r["share"] == w["share"].iloc[-1]
    assert [e["who"] for e in v.events][-1] == "Team 3"


# ------------------------------------------------------------------ saving, resuming, replaying


def _play(g, rounds):
    t = g.team_codes
    plan = [
        {0: {"pricing.price": 180}, 1: {"programs.cx_team": True, "supervisors.coaching": 0.7}},
        {2: {"incentives.cx_weight": 0.9}, 0: {"leadership.marketing_spend": 1000.0}},
        {1: {"workforce.staffing_policy": "most_engaged"}},
    ]
    for decisions in plan[:rounds]:
        for k, changes in decisions.items():
            g.submit(t[k], changes)
        g.advance(g.teacher_code, force=True)


def test_a_restart_loses_no_round_and_plays_on_identically(tmp_path):
    straight = Game.create(settings(), tmp_path / "straight")
    _play(straight, 3)

    g = Game.create(settings(), tmp_path / "restarted")
    g.teacher_code, g.team_codes = straight.teacher_code, straight.team_codes  # same codes: same script
    _play(g, 2)
    g.submit(g.team_codes[1], {"workforce.staffing_policy": "most_engaged"})
    folder = g.folder
    del g
    resumed = open_game(folder)
    assert resumed.played == 2 and resumed.pending == {1: {"workforce.staffing_policy": "most_engaged"}}
    resumed.advance(resumed.teacher_code, force=True)
    weekly_equal(resumed.timeseries(), straight.timeseries())
    assert resumed.status().state == "finished"


def test_game_file_is_owner_only_and_names_its_version(game):
    path = game.folder / GAME_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    data = json.loads(path.read_text())
    assert data["cxsim_version"] == cxsim.__version__ and data["version"] == game.version
    assert not list(game.folder.glob(".*.tmp")), "no temporary files left behind"


def test_open_game_refuses_kpis_that_do_not_replay(game):
    _play(game, 1)
    path = round_path(game.folder, 1)
    frame = pd.read_parquet(path)
    frame.loc[2, "profit"] += 1.0
    frame.to_parquet(path, index=False)
    with pytest.raises(GameError, match=r"round 1 does not replay to its saved KPIs \(week 3, profit: saved"):
        open_game(game.folder)


@pytest.mark.parametrize(
    "damage,message",
    [
        (lambda f: (f / GAME_FILE).unlink(), "no game here"),
        (lambda f: (f / GAME_FILE).write_text("{not json"), "cannot be read"),
        (lambda f: (f / GAME_FILE).write_text('{"format": 99}'), "not a cxsim game file"),
        (lambda f: round_path(f, 1).unlink(), "missing; round 1"),
    ],
    ids=["no file", "not json", "other format", "round missing"],
)
def test_open_game_says_what_is_wrong(game, damage, message):
    _play(game, 1)
    damage(game.folder)
    with pytest.raises(GameError, match=message):
        open_game(game.folder)


def test_a_round_that_cannot_be_saved_is_not_played(game, monkeypatch):
    from cxsim.game import store

    def full_disk(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "write_round", full_disk)
    game.submit(game.team_codes[0], {"pricing.price": 180})
    with pytest.raises(OSError):
        game.advance(game.teacher_code, force=True)
    assert game.played == 0 and game.model.week == 0 and game.pending
    monkeypatch.undo()
    game.advance(game.teacher_code, force=True)
    assert open_game(game.folder).played == 1


def test_same_settings_and_decisions_give_the_same_game(tmp_path):
    a = Game.create(settings(), tmp_path / "a")
    b = Game.create(settings(), tmp_path / "b")
    _play(a, 2)
    _play(b, 2)
    weekly_equal(a.timeseries(), b.timeseries())
    c = Game.create(settings(seed=6), tmp_path / "c")
    _play(c, 2)
    assert not a.timeseries()["profit"].equals(c.timeseries()["profit"]), "the seed matters"


# ------------------------------------------------------------------ the registry


def test_registry_finds_games_by_any_code_and_resumes_them(tmp_path):
    reg = GameRegistry(tmp_path / "games")
    g1 = reg.create(settings())
    g2 = reg.create(settings(teams=2))
    assert reg.find(g2.team_codes[1]) == (g2, "team", 1)
    assert reg.find(g1.teacher_code.lower()) == (g1, "teacher", None)
    with pytest.raises(GameError, match="^unknown code"):
        reg.find("ZZZZZ-ZZZZZ-ZZZZZ")
    _play(g1, 1)
    (tmp_path / "games" / "broken").mkdir()
    (tmp_path / "games" / "broken" / GAME_FILE).write_text("{")
    again = GameRegistry(tmp_path / "games")
    assert len(again.games()) == 2 and "broken" in again.errors
    game, kind, _ = again.find(g1.teacher_code)
    assert kind == "teacher" and game.played == 1
    weekly_equal(game.timeseries(), g1.timeseries())


def test_submissions_from_many_threads_are_all_kept(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    g = Game.create(settings(teams=6), tmp_path / "g")
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda k: g.submit(g.team_codes[k], {"pricing.price": 160.0 + 10 * k}), range(6)))
    assert g.version == 6 and open_game(g.folder).pending == {k: {"pricing.price": 160.0 + 10 * k} for k in range(6)}


# ------------------------------------------------------------------ replay, counterfactual, attribution, leaderboard


@pytest.fixture(scope="module")
def played(tmp_path_factory):
    """A finished 3-round game: team 1 cuts its price, team 2 changes nothing, team 3 changes four levers."""
    g = Game.create(settings(seed=3), tmp_path_factory.mktemp("played") / "g")
    t = g.team_codes
    g.submit(t[0], {"pricing.price": 150.0})
    g.submit(t[2], {"programs.cx_team": True, "supervisors.coaching": 0.8, "process.empowerment": 0.8})
    g.advance(g.teacher_code, force=True)
    g.submit(t[2], {"incentives.cx_weight": 0.9})
    g.submit(t[1], {"pricing.price": 200.0})  # its starting price: not a change
    g.advance(g.teacher_code, force=True)
    g.advance(g.teacher_code, force=True)
    return g


@pytest.fixture(scope="module")
def told(played):
    return debrief(played, "profit")


def test_replay_gives_the_recorded_game(played):
    weekly_equal(replay(played), played.timeseries())


def test_a_team_that_changed_nothing_is_its_own_counterfactual(told):
    t = told.team(1)
    assert t.changed == () and t.method is None and t.attribution.empty
    assert all(v == 0 for v in t.difference.values())
    for kpi in DEBRIEF_KPIS:  # its counterfactual replay matches the game week by week
        assert np.array_equal(t.weekly[kpi], t.weekly[f"{kpi}_counterfactual"])


def test_a_price_cut_moves_the_teams_share_against_its_counterfactual(told):
    t = told.team(0)
    assert t.changed == ("pricing.price",) and t.method == "shapley"
    assert t.difference["share"] > 0.005, "a 25% price cut wins customers from identical rivals"
    first = t.weekly.iloc[0]
    assert first["share"] != first["share_counterfactual"]
    # one lever: it explains the whole difference
    row = t.attribution.set_index("lever").loc["pricing.price"]
    for kpi in DEBRIEF_KPIS:
        assert row[kpi] == pytest.approx(t.difference[kpi])


def test_attribution_adds_up_to_the_difference(told):
    t = told.team(2)
    assert t.changed == ("supervisors.coaching", "programs.cx_team", "incentives.cx_weight", "process.empowerment")
    assert t.method == "one_at_a_time" and list(t.attribution["lever"]) == [*t.changed, "interaction"]
    for kpi in DEBRIEF_KPIS:
        assert t.attribution[kpi].sum() == pytest.approx(t.difference[kpi], abs=1e-9 * max(1, abs(t.difference[kpi])))
    assert t.attribution.set_index("lever").loc["programs.cx_team", "profit"] < 0, "a CX team costs money"


def test_shapley_for_few_levers_adds_up_and_is_symmetric(tmp_path):
    from cxsim.attribution import contributions, planned_subsets

    keys = ["a", "b"]
    v = {frozenset(): [0.0], frozenset({"a"}): [1.0], frozenset({"b"}): [2.0], frozenset({"a", "b"}): [5.0]}
    assert set(planned_subsets(keys, "shapley")) == set(v)
    c = contributions(v, keys, "shapley")
    assert c["a"][0] == pytest.approx(2.0) and c["b"][0] == pytest.approx(3.0)  # the interaction shared evenly
    o = contributions(v, keys, "one_at_a_time")
    assert (o["a"][0], o["b"][0], o["interaction"][0]) == (1.0, 2.0, 2.0)


def test_the_leaderboard_ranks_by_the_teachers_choice(played, told):
    w = played.weekly()
    profit = w.groupby("team")["profit"].sum()
    assert list(told.leaderboard["team"]) == list(profit.sort_values(ascending=False).index)
    assert list(told.leaderboard["rank"]) == [1, 2, 3]
    for score in ("nps", "share", "combined"):
        board = debrief(played, score, attribution=False).leaderboard
        assert board["score"].is_monotonic_decreasing and (board["score"] == board[score]).all()
    combined = told.leaderboard["combined"]
    assert combined.between(0, 100).all()
    with pytest.raises(GameError, match="score must be one of profit, nps, share, combined"):
        debrief(played, "fun")


def test_debrief_needs_a_round_and_known_teams(game, played):
    with pytest.raises(GameError, match="no round has been played yet"):
        debrief(game)
    with pytest.raises(GameError, match="teams are numbered 0 to 2"):
        debrief(played, teams=[3])


# ------------------------------------------------------------------ export


def test_export_writes_everything_and_the_scenario_reproduces_the_game(played, told, tmp_path):
    out = export(played, tmp_path / "x", result=told)
    for name in ("decisions", "kpis", "kpis_by_round", "timeseries"):
        for suffix in (".csv", ".parquet"):
            assert (out / f"{name}{suffix}").is_file()
    decisions = pd.read_csv(out / "decisions.csv")
    assert len(decisions) == len(played.decisions())
    assert json.loads(decisions.query("team == 2 and key == 'programs.cx_team'")["value"].iloc[0]) is True
    kpis = pd.read_parquet(out / "kpis.parquet")
    weekly_equal(kpis, played.weekly())
    # the market as TOML + the seed + the decisions replay the game
    from cxsim.game.debrief import replay_frame
    from cxsim.game.session import RoundRecord

    market = cxsim.scenario_from_toml((out / "scenario.toml").read_text())
    assert market == played.rules.market
    history = [
        RoundRecord(r, {int(k): {row.key: json.loads(row.value) for row in grp.itertuples()}
                        for k, grp in decisions[decisions["round"] == r].groupby("team")},
                    (), True, 0, 0, 0.0, "")
        for r in (1, 2, 3)
    ]  # fmt: skip
    rules = type(played.rules)(**{**vars(played.rules), "market": market})
    weekly_equal(replay_frame(rules, history), played.timeseries())
    meta = json.loads((out / "game.json").read_text())
    assert meta["settings"]["seed"] == 3 and "code" not in json.dumps(meta).lower(), "the export holds no codes"
    report = (out / "report.html").read_text()
    assert report.count("<svg") == 6 + 2 * 3, "every figure inline"
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)|<link|<script""", report), "needs no other file"
    assert "Team 3" in report and "one lever at a time" in report


# ------------------------------------------------------------------ the command line


def test_cli_plays_a_game(tmp_path, capsys):
    folder = tmp_path / "class"
    code, out, err = run_cli(["class", "new", "--teams", "2", "--rounds", "1", "--round-weeks", "2",
                              "--out", str(folder), "--names", "Reds,Blues"], capsys)  # fmt: skip
    assert code == 0, err
    teacher = out.split("Teacher's code (keep it to yourself): ")[1].split()[0]
    reds = out.split("Reds")[1].split()[0]
    assert open_game(folder).role(teacher) == ("teacher", None) and open_game(folder).role(reds) == ("team", 0)
    code, out, err = run_cli(["class", "submit", str(folder), "--code", reds, "--set", "pricing.price=180"], capsys)
    assert code == 0 and "pricing.price = 180.0" in out
    code, out, _ = run_cli(["class", "status", str(folder)], capsys)
    assert "Round 1 of 1" in out and "yes" in out
    code, out, _ = run_cli(["class", "advance", str(folder), "--code", teacher, "--force"], capsys)
    assert code == 0 and "the game is finished" in out
    code, out, _ = run_cli(["class", "debrief", str(folder), "--score", "share"], capsys)
    assert code == 0 and "Leaderboard by share" in out and "pricing.price" in out
    code, out, _ = run_cli(["class", "export", str(folder), "--out", str(tmp_path / "x")], capsys)
    assert code == 0 and (tmp_path / "x" / "report.html").is_file()


@pytest.mark.parametrize(
    "args,message",
    [
        (["submit", "{f}", "--code", "{team}", "--set", "pricing.price=999"], "outside the allowed range"),
        (["submit", "{f}", "--code", "{teacher}", "--set", "pricing.price=190"], "teacher's code"),
        (["submit", "{f}", "--code", "{team}", "--set", "pricing.price"], "expected key=value"),
        (["advance", "{f}", "--code", "{team}"], "only the teacher can advance"),
        (["advance", "{f}", "--code", "{teacher}"], "waiting for Team 1, Team 2"),
        (["withdraw", "{f}", "--code", "nope"], "unknown code"),
        (["status", "{f}/elsewhere"], "no game here"),
        (["debrief", "{f}"], "no round has been played yet"),
        (["debrief", "{f}", "--score", "fun"], "score must be one of"),
    ],
    ids=["range", "teacher as team", "no value", "team advances", "not submitted", "unknown", "no game",
         "nothing played", "bad score"],
)  # fmt: skip
def test_cli_refusals_are_one_line_and_exit_2(tmp_path, capsys, args, message):
    g = Game.create(settings(teams=2), tmp_path / "g")
    fill = {"f": str(g.folder), "team": g.team_codes[0], "teacher": g.teacher_code}
    code, out, err = run_cli(["class", *(a.format(**fill) for a in args)], capsys)
    assert code == 2 and message in err and err.count("\n") == 1, err


def test_cli_new_refuses_bad_settings(tmp_path, capsys):
    code, _, err = run_cli(["class", "new", "--teams", "12", "--out", str(tmp_path / "g")], capsys)
    assert code == 2 and "teams must be from 2 to 10" in err


# ------------------------------------------------------------------ the debrief's replays: from shared states, on a pool


@pytest.fixture(scope="module")
def staggered(tmp_path_factory):
    """A 4-round game whose teams change levers one round after another, so replays share their first rounds."""
    g = Game.create(settings(seed=7, rounds=4), tmp_path_factory.mktemp("staggered") / "g")
    t = g.team_codes
    g.submit(t[1], {"pricing.price": 180.0})  # round 1: only team 2
    g.advance(g.teacher_code, force=True)
    g.submit(t[0], {"programs.cx_team": True})  # round 2: team 1's first change
    g.advance(g.teacher_code, force=True)
    g.submit(t[0], {"supervisors.coaching": 0.8})
    g.submit(t[2], {"pricing.price": 210.0})
    g.advance(g.teacher_code, force=True)
    g.submit(t[0], {"process.empowerment": 0.7})
    g.advance(g.teacher_code, force=True)
    return g


def test_replays_from_shared_states_equal_replays_from_week_0(staggered):
    """Each replay starts from the state of an earlier one at the last round they share; with common random
    numbers it is the replay from week 0, week by week, every column, exactly."""
    from cxsim.game.debrief import _only, plan_replays, replay_frame, run_plan

    rules, history = staggered.rules, staggered.history
    levers = [(), ("programs.cx_team",), ("supervisors.coaching",), ("process.empowerment",),
              ("programs.cx_team", "supervisors.coaching")]  # fmt: skip
    keys = [(0, frozenset(s)) for s in levers] + [(1, frozenset()), (2, frozenset())]
    plan = plan_replays(history, keys)
    starts = {p.key: p.start for p in plan}
    # team 1 holds in round 1: its levers first set in rounds 2, 3 and 4 replay from its counterfactual's state
    # after 1, 2 and 3 rounds
    assert starts[(0, frozenset({"programs.cx_team"}))] == 1
    assert starts[(0, frozenset({"supervisors.coaching"}))] == 2
    assert starts[(0, frozenset({"process.empowerment"}))] == 3
    assert starts[(0, frozenset({"programs.cx_team", "supervisors.coaching"}))] == 2
    assert starts[(1, frozenset())] == 0, "team 2 changed its price in round 1"
    assert starts[(2, frozenset())] == 2, "team 3's counterfactual is the game until its change in round 3"
    assert sum(len(p.rounds) - p.start for p in plan) == 4 + 3 + 2 + 1 + 2 + 4 + 2, "18 rounds played, not 7 x 4"
    for p, frame in zip(plan, run_plan(rules, plan, workers=1), strict=True):
        scratch = replay_frame(rules, history, _only(*p.key))
        pd.testing.assert_frame_equal(frame, scratch, check_exact=True)


def test_debrief_is_the_same_on_one_or_two_processes(staggered):
    staggered.debrief_cache.clear()
    calls, teams = [], []
    one = debrief(staggered, workers=1, progress=lambda done, total: calls.append((done, total)), on_team=teams.append)
    total = calls[-1][1]
    assert calls == [(n, total) for n in range(1, total + 1)], "progress as each replay finishes"
    assert sorted(t.team for t in teams) == [0, 1, 2] and all(t in one.teams for t in teams)
    staggered.debrief_cache.clear()
    two = debrief(staggered, workers=2)
    for a, b in zip(one.teams, two.teams, strict=True):
        pd.testing.assert_frame_equal(a.weekly, b.weekly, check_exact=True)
        pd.testing.assert_frame_equal(a.attribution, b.attribution, check_exact=True)
        assert (a.outcomes, a.counterfactual, a.changed, a.method) == (
            b.outcomes,
            b.counterfactual,
            b.changed,
            b.method,
        )
    again = []
    debrief(staggered, workers=2, progress=lambda done, total: again.append(done))
    assert again == list(range(1, total + 1)), "kept per game version: asked again, nothing is replayed"
    with pytest.raises(GameError, match="workers must be a whole number >= 1"):
        debrief(staggered, workers=0)
