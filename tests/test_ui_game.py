"""The classroom game's pages without a browser: rendered with solara.render and driven by their widgets.

Each test gets its own game folder (a fresh server-wide registry) and one Solara virtual kernel per
browser session, so a teacher and a team are two sessions sharing one game, as on a real server.
The game runs in the ``classroom`` market (30,000 people; a 13-week round takes well under a second).
"""

from __future__ import annotations

import time

import ipyvuetify as v
import pytest
import solara
import solara.server.starlette  # noqa: F401 - as under the real server: reactive state is per session
from ipywidgets import Widget
from solara.server import kernel, kernel_context
from tests.conftest import all_widgets

from cxsim.game import GameError, GameSettings
from cxsim.ui import game_pages, game_teacher, game_team, server


@pytest.fixture()
def games(tmp_path):
    """A fresh registry of games in a temporary folder (the server's one, for this test)."""
    game_pages.use_registry(tmp_path / "games")
    yield game_pages.registry()
    game_pages._registry = None


@pytest.fixture()
def game(games):
    return games.create(GameSettings(teams=3, rounds=3, team_names=["Alpha", "Beta", "Gamma"]))


_OPEN: list = []


class Session:
    """One browser session: its own Solara kernel context; pages rendered in it close with it."""

    def __init__(self):
        self.ctx = kernel_context.VirtualKernelContext(
            id=f"test-{time.monotonic_ns()}", kernel=kernel.Kernel(), session_id=f"s-{time.monotonic_ns()}"
        )
        self.pages = []

    def render(self, element):
        with self.ctx:
            _box, rc = solara.render(element, handle_error=False)
        self.pages.append(rc)
        return rc

    def __enter__(self):
        self.ctx.__enter__()
        return self

    def __exit__(self, *exc):
        self.ctx.__exit__(*exc)

    def close(self):
        with self.ctx:
            for rc in self.pages:
                rc.close()


@pytest.fixture()
def sessions():
    made: list[Session] = []

    def make() -> Session:
        s = Session()
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def wait_until(cond, timeout=120.0, what="the page"):
    start = time.time()
    while not cond():
        if time.time() - start > timeout:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def page_text(rc) -> str:
    """Everything a reader sees: texts, HTML blocks, alerts and button labels, one string."""
    parts = []
    for w in all_widgets(rc):
        html = getattr(w, "unsafe_innerHTML", None)
        if isinstance(html, str):
            parts.append(html)
        for c in getattr(w, "children", None) or []:
            if isinstance(c, str):
                parts.append(c)
        label = getattr(w, "label", None)
        if isinstance(label, str):
            parts.append(label)
    return "\n".join(parts)


def alerts(rc, cls: str = "cx-game-error") -> list[str]:
    return [" ".join(str(c) for c in w.children) for w in rc.find(v.Alert, class_=cls).widgets]


def button(rc, cls: str):
    return rc.find(v.Btn, class_=cls).widget


def text_field(rc, cls: str):
    return rc.find(v.TextField, class_=cls).widget


def join_team(s: Session, code: str):
    rc = s.render(game_team.TeamPage())
    with s:
        text_field(rc, "cx-join-code").v_model = code
        button(rc, "cx-join").click()
    return rc


def open_teacher(s: Session, code: str):
    rc = s.render(game_teacher.TeacherPage())
    with s:
        text_field(rc, "cx-teacher-code-input").v_model = code
        button(rc, "cx-open-game").click()
    return rc


def slider(rc, key: str):
    """The slider of an open lever on the team page."""
    box = rc.find(v.Html, class_="cx-lever-" + key.replace(".", "-").replace("_", "-")).widget
    return next(w for w in all_widgets(rc) if isinstance(w, v.Slider) and _inside(w, box))


def _inside(widget, box) -> bool:
    todo = [box]
    while todo:
        w = todo.pop()
        if w is widget:
            return True
        todo += [c for c in getattr(w, "children", None) or [] if isinstance(c, Widget)]
    return False


# ------------------------------------------------------------------ pages render


def test_both_pages_render_before_any_game(games, sessions):
    s = sessions()
    team = s.render(game_team.TeamPage())
    assert "Join your team" in page_text(team)
    assert text_field(team, "cx-join-code") is not None
    teacher = s.render(game_teacher.TeacherPage())
    text = page_text(teacher)
    assert "New game" in text and "Open a game you run" in text
    # every default open lever is offered, checked
    boxes = teacher.find(v.Checkbox).widgets
    from cxsim.game import DEFAULT_OPEN_LEVERS

    assert len(boxes) == len(DEFAULT_OPEN_LEVERS) and all(b.v_model for b in boxes)


def test_the_teacher_creates_a_game_and_sees_every_teams_code(games, sessions, monkeypatch):
    monkeypatch.setenv(server.JOIN_ENV, "http://192.168.1.20:8765")
    s = sessions()
    rc = s.render(game_teacher.TeacherPage())
    with s:
        rc.find(v.TextField, label="Teams (2-10)").widget.v_model = 3
        rc.find(v.TextField, label="Rounds").widget.v_model = 2
        rc.find(v.Textarea).widget.v_model = "Red\nGreen\nBlue"
        # close one lever: it must not be open to the teams
        rc.find(v.Checkbox, label="Price ($/purchase)").widget.v_model = False
        button(rc, "cx-create-game").click()
        wait_until(lambda: "cx-codes" in page_text(rc), what="the codes")
    [game] = games.games()
    assert game.teams == 3 and game.settings.rounds == 2 and game.team_names == ("Red", "Green", "Blue")
    assert "pricing.price" not in game.rules.open_levers and "supervisors.coaching" in game.rules.open_levers
    text = page_text(rc)
    for code in game.team_codes:
        assert code in text and f"http://192.168.1.20:8765/play?code={code}" in text
    assert "http://192.168.1.20:8765/play" in text and game.teacher_code in text
    assert "round 1 of 2: decisions open" in text


def test_a_bad_setting_is_refused_with_the_games_message(games, sessions):
    s = sessions()
    rc = s.render(game_teacher.TeacherPage())
    with s:
        rc.find(v.TextField, label="Teams (2-10)").widget.v_model = 11
        button(rc, "cx-create-game").click()
    assert alerts(rc) == ["teams must be from 2 to 10, got 11"]
    assert games.games() == []
    with s:
        rc.find(v.TextField, label="Teams (2-10)").widget.v_model = 3
        rc.find(v.TextField, label="Budget ($/week above the start; empty: default)").widget.v_model = "lots"
        button(rc, "cx-create-game").click()
    assert "budget: 'lots' is not a number" in alerts(rc)[0]
    assert games.games() == []


# ------------------------------------------------------------------ refusals


def test_a_wrong_code_is_refused_on_both_pages(game, sessions):
    s = sessions()
    rc = join_team(s, "AAAAA-BBBBB-CCCCC")
    assert alerts(rc) == ["unknown code: check it with your teacher"]
    assert "Join your team" in page_text(rc)
    rc = join_team(sessions(), game.teacher_code)
    assert "this is the teacher's code" in alerts(rc)[0]
    rc = open_teacher(sessions(), game.team_codes[0])
    assert "this is a team's join code" in page_text(rc)
    assert "cx-codes" not in page_text(rc)  # a team never sees the codes


def test_a_team_sees_only_its_own_firm_and_its_budget(game, sessions):
    s = sessions()
    rc = join_team(s, game.team_codes[1].lower().replace("-", " "))  # as a student may type it
    text = page_text(rc)
    assert "Beta" in text and "round 1 of 3: decisions open" in text
    assert "Budget left: $" in text and "Not submitted yet for round 1" in text
    assert game.teacher_code not in text and all(c not in text for c in game.team_codes)
    sliders = [w for w in all_widgets(rc) if isinstance(w, v.Slider)]
    assert len(sliders) == sum(lv.kind in ("number", "integer") for lv in game.rules.open_levers.values())


def test_over_budget_shows_live_then_the_submit_is_refused(game, sessions):
    s = sessions()
    rc = join_team(s, game.team_codes[0])
    lever = game.rules.open_levers["leadership.marketing_spend"]
    with s:
        slider(rc, "leadership.marketing_spend").v_model = lever.hi  # 3x the marketing: far over the budget
    wait_until(lambda: "over budget" in page_text(rc), what="the live budget")
    [budget] = [w for w in all_widgets(rc) if "Budget left" in (getattr(w, "unsafe_innerHTML", None) or "")]
    assert budget.attributes["class"].split() == ["cx-budget", "over"]
    with s:
        button(rc, "cx-submit").click()
    [msg] = alerts(rc)
    assert msg.startswith("over budget: these levers cost $") and "cut $" in msg
    assert game.status().submitted == (False, False, False)
    # back within the budget, the same team submits
    with s:
        slider(rc, "leadership.marketing_spend").v_model = lever.start + 2000
        button(rc, "cx-submit").click()
    assert alerts(rc) == []
    assert game.status().submitted == (True, False, False)
    assert game.team_view(game.team_codes[0]).submitted == {"leadership.marketing_spend": lever.start + 2000}


def test_submit_shows_on_the_teachers_page_and_a_round_on_the_teams(game, sessions):
    teacher_s, team_s = sessions(), sessions()
    teacher = open_teacher(teacher_s, game.teacher_code)
    assert "0 of 3 teams submitted for round 1" in page_text(teacher)
    team = join_team(team_s, game.team_codes[2])
    with team_s:
        rc_switch = team.find(v.Switch, label="Central CX team: off").widget
        rc_switch.v_model = True
        button(team, "cx-submit").click()
    assert "Submitted for round 1" in page_text(team)
    assert game.team_view(game.team_codes[2]).submitted == {"programs.cx_team": True}
    # the teacher's page polls the game: the submission shows without a click
    wait_until(lambda: "1 of 3 teams submitted for round 1" in page_text(teacher), what="the teacher's page")
    assert "Gamma: submitted" in page_text(teacher)
    with teacher_s:
        assert button(teacher, "cx-advance").disabled  # not every team has submitted
        button(teacher, "cx-advance-force").click()
    wait_until(lambda: game.status().played == 1, what="the round")
    for seen in ("Results after round 1", "round 2 of 3: decisions open", "What the public sees of every firm",
                 "Decisions applied"):  # fmt: skip
        wait_until(lambda seen=seen: seen in page_text(team), what=f"{seen!r} on the team's page")
    assert "Central CX team" in page_text(team)  # its decision, applied
    wait_until(lambda: "Every team after round 1" in page_text(teacher), what="the teacher's table")


def test_only_the_teacher_controls_the_game_and_a_paused_game_refuses_decisions(game, sessions):
    teacher_s, team_s = sessions(), sessions()
    teacher = open_teacher(teacher_s, game.teacher_code)
    team = join_team(team_s, game.team_codes[0])
    with teacher_s:
        button(teacher, "cx-pause").click()
    assert game.status().state == "paused"
    # the page re-renders in its polling thread: wait for the whole change, not its first widget
    wait_until(lambda: button(team, "cx-submit").disabled, what="the pause on the team's page")
    wait_until(lambda: "paused by the teacher" in page_text(team), what="the pause on the team's page")
    with pytest.raises(GameError, match="paused"):
        game.submit(game.team_codes[0], {})
    with teacher_s:
        button(teacher, "cx-resume").click()
    wait_until(lambda: not button(team, "cx-submit").disabled, what="decisions open again")
    with pytest.raises(GameError, match="only the teacher"):
        game.advance(game.team_codes[0], force=True)


def test_the_teacher_ends_the_game_after_confirming(game, sessions):
    s = sessions()
    rc = open_teacher(s, game.teacher_code)
    with s:
        button(rc, "cx-end").click()
    assert game.status().state == "waiting"  # nothing until the dialog's OK
    with s:
        rc.find(v.Btn, children=["End the game"]).widgets[-1].click()
    assert game.status().state == "ended"


# ------------------------------------------------------------------ the server's side


def test_a_code_in_the_address_is_read():
    assert game_pages.code_from_search("code=ABCDE-FGHJK-MNPQR") == "ABCDE-FGHJK-MNPQR"
    assert game_pages.code_from_search("x=1&code=%20abc%20") == "abc"
    assert game_pages.code_from_search(None) == "" and game_pages.code_from_search("other=1") == ""


def test_the_studio_listens_on_loopback_unless_asked(monkeypatch, tmp_path):
    assert server.is_loopback("127.0.0.1") and server.is_loopback("localhost") and server.is_loopback("::1")
    assert not server.is_loopback("0.0.0.0") and not server.is_loopback("192.168.1.20")
    assert server.join_host("127.0.0.1") is None and server.join_host("192.168.1.20") == "192.168.1.20"
    monkeypatch.setattr(server, "lan_address", lambda: "10.1.2.3")
    assert server.join_host("0.0.0.0") == "10.1.2.3"
    seen = {}
    monkeypatch.setattr(server, "server_environment", lambda host, port: {})
    monkeypatch.setattr(server.os, "execvpe", lambda exe, cmd, env: seen.update(cmd=cmd, env=env))
    server.serve(port=9000)
    assert seen["cmd"][seen["cmd"].index("--host") + 1] == "127.0.0.1"
    assert seen["env"][server.JOIN_ENV] == "http://127.0.0.1:9000"
    assert seen["env"][server.GAMES_ENV] == str(server.games_dir())
    server.serve("0.0.0.0", 9000, tmp_path / "class")
    assert seen["cmd"][seen["cmd"].index("--host") + 1] == "0.0.0.0"
    assert seen["env"][server.JOIN_ENV] == "http://10.1.2.3:9000"
    assert seen["env"][server.GAMES_ENV] == str((tmp_path / "class").resolve())


def test_games_are_kept_in_the_users_data_folder_unless_told(monkeypatch, tmp_path):
    monkeypatch.delenv(server.GAMES_ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert server.games_dir() == tmp_path / "data" / "cxsim" / "games"
    monkeypatch.setenv(server.GAMES_ENV, str(tmp_path / "mine"))
    assert server.games_dir() == tmp_path / "mine"


def test_cli_ui_takes_a_games_folder():
    from typer.testing import CliRunner

    from cxsim.cli import app

    out = CliRunner().invoke(app, ["ui", "--help"])
    assert out.exit_code == 0 and "--games" in out.output and "0.0.0.0" in out.output


def test_a_restarted_server_finds_the_game_again(game, games, sessions):
    game.submit(game.team_codes[0], {"pricing.price": 190.0})
    game.advance(game.teacher_code, force=True)
    game_pages.use_registry(games.root)  # a new server process on the same folder
    assert game_pages.registry() is not games
    rc = join_team(sessions(), game.team_codes[0])
    text = page_text(rc)
    assert "round 2 of 3" in text and "Results after round 1" in text


# ------------------------------------------------------------------ the debrief


def test_the_debrief_shows_the_leaderboard_each_teams_counterfactual_and_exports(games, sessions, tmp_path):
    # short rounds: the debrief replays the market once per team and per subset of the levers it changed
    game = games.create(GameSettings(teams=3, rounds=3, round_weeks=4, team_names=["Alpha", "Beta", "Gamma"]))
    a, b, c = game.team_codes
    game.submit(a, {"programs.cx_team": True, "pricing.price": 220.0})
    game.submit(b, {"pricing.price": 160.0})
    game.submit(c, {})
    game.advance(game.teacher_code)
    game.submit(a, {"programs.training_budget": 20.0})
    game.advance(game.teacher_code, force=True)
    s = sessions()
    rc = open_teacher(s, game.teacher_code)
    with s:
        button(rc, "cx-end").click()
        rc.find(v.Btn, children=["End the game"]).widgets[-1].click()
    # the leaderboard needs no replay; each team's counterfactual and attribution follow as their replays finish
    wait_until(lambda: "Leaderboard by combined" in page_text(rc), what="the leaderboard")
    wait_until(lambda: "Alpha: its trajectory" in page_text(rc), timeout=400, what="Alpha's debrief")
    wait_until(lambda: "or write it to this folder" in page_text(rc), timeout=400, what="the whole debrief")
    assert "replaying its counterfactual" not in page_text(rc)
    text = page_text(rc)
    assert all(n in text for n in ("Alpha", "Beta", "Gamma"))
    assert "Alpha: its trajectory, its counterfactual and why" in text
    # Gamma changed nothing: its counterfactual is its game
    from cxsim.game import debrief

    d = debrief(game)
    gamma = d.team(2)
    assert gamma.changed == () and all(x == 0 for x in gamma.difference.values())
    # the teacher ranks by profit: the leaderboard follows the game's own ranking
    with s:
        rc.find(v.BtnToggle, class_="cx-score").widget.v_model = "profit"
    wait_until(lambda: "Leaderboard by profit" in page_text(rc), what="the ranking by profit")
    best = d.leaderboard.sort_values("profit", ascending=False)["name"].iloc[0]
    board = next(h for h in page_text(rc).split("\n") if "cx-leaderboard" in h)
    assert board.index(best) < min(board.index(n) for n in ("Alpha", "Beta", "Gamma") if n != best)
    # Gamma on the screen: it kept its levers, no waterfall
    with s:
        rc.find(v.BtnToggle, class_="cx-debrief-pick").widget.v_model = "Gamma"
    wait_until(lambda: "Gamma kept its starting levers all game" in page_text(rc), what="Gamma's debrief")
    # export to a folder
    out = tmp_path / "export"
    with s:
        rc.find(v.TextField, label="or write it to this folder").widget.v_model = str(out)
        button(rc, "cx-export-write").click()
    wait_until(lambda: (out / "report.html").is_file(), what="the export")
    assert {"decisions.csv", "kpis.csv", "scenario.toml", "leaderboard.csv"} <= {p.name for p in out.iterdir()}
    assert "Written to" in page_text(rc)
    # and the zip a teacher downloads holds the same files
    import io
    import zipfile

    from cxsim.ui import game_debrief

    names = zipfile.ZipFile(io.BytesIO(game_debrief.export_zip(game, d))).namelist()
    assert "report.html" in names and "kpis.parquet" in names


def test_replay_says_the_game_replays_exactly(game, sessions):
    game.submit(game.team_codes[0], {"pricing.price": 230.0})
    game.advance(game.teacher_code, force=True)
    s = sessions()
    rc = open_teacher(s, game.teacher_code)
    with s:
        button(rc, "cx-replay").click()
    wait_until(lambda: "identical to the game" in page_text(rc), timeout=120, what="the replay")
    assert "Replayed 1 round(s)" in page_text(rc)


def test_a_bankrupt_team_is_told_so(games, sessions):
    import cxsim

    # fixed costs far above any revenue: every firm runs out of cash in the first weeks
    market = cxsim.load_scenario("classroom").override({"finance.initial_cash": 100000.0, "finance.fixed_cost": 4e5})
    game = games.create(GameSettings(scenario=market, teams=2, rounds=2, round_weeks=4))
    game.advance(game.teacher_code, force=True)
    rc = join_team(sessions(), game.team_codes[1])
    wait_until(lambda: "bankrupt and has stopped trading" in " ".join(alerts(rc, "cx-bankrupt")), what="the notice")


def test_ten_teams_each_get_a_code_and_a_colour_of_their_own(games, sessions):
    game = games.create(GameSettings(teams=10, rounds=1))
    rc = open_teacher(sessions(), game.teacher_code)
    [codes] = [h for h in page_text(rc).split("\n") if "cx-codes" in h]
    assert all(code in codes for code in game.team_codes) and codes.count("<tr>") == 10
    colours = {game_pages.team_color(k) for k in range(10)}
    assert len(colours) == 10 and all(c in codes for c in colours)
