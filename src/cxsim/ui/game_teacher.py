"""The teacher's page of the classroom game (``/game``): create a game, hand out codes, run the rounds, debrief.

Made for a projector: the join codes and the address students type are large; the teacher's own
code is small (it runs the game: keep it private) and can reopen the page (``/game?code=...``) after
a reload. The page shows which teams have submitted, runs a round in the background (the page stays
live while the market moves), pauses, resumes and ends the game, and charts every team's market
share, NPS, cash and profit. After the last round (or the end) it shows the debrief
(:mod:`cxsim.ui.game_debrief`). Everything is done by :mod:`cxsim.game`; refusals are its one-line
messages.
"""

from __future__ import annotations

import html

import solara
import solara.lab

from cxsim.ui.game_pages import (
    GAME_CSS,
    code_from_search,
    join_address,
    join_url,
    kpi_text,
    market_figure,
    money,
    registry,
    state_text,
    team_color,
    use_game_version,
)
from cxsim.ui.widgets import CSS, Md

#: The teacher's code of the game this session runs ('' until a game is created or opened).
teacher_code = solara.reactive("")
#: The last refusal of the game, and the last thing done.
error = solara.reactive("")
notice = solara.reactive("")
show_codes = solara.reactive(True)


def find_game(text: str):
    """The game whose teacher's code ``text`` is; a GameError (one line) for any other code."""
    from cxsim.game import GameError

    game, kind, _team = registry().find(text)
    if kind != "teacher":
        raise GameError("this is a team's join code: teams play on /play; the teacher's page needs the teacher's code")
    return game


def open_game_with(text: str) -> bool:
    from cxsim.game import GameError
    from cxsim.game.session import normalise_code

    try:
        find_game(text)
    except GameError as exc:
        error.set(str(exc))
        return False
    teacher_code.set(normalise_code(text))
    error.set("")
    notice.set("")
    return True


def close_game() -> None:
    teacher_code.set("")
    error.set("")
    notice.set("")


def act(what: str, fn) -> None:
    """Run one of the teacher's controls; its refusal becomes the page's message."""
    from cxsim.game import GameError

    try:
        fn()
    except GameError as exc:
        error.set(str(exc))
        notice.set("")
        return
    error.set("")
    notice.set(what)


@solara.lab.task(prefer_threaded=True)
def advance_task(game, code: str, force: bool) -> None:
    """Run the coming round in the background: a round of a big market takes seconds."""
    from cxsim.game import GameError

    try:
        record = game.advance(code, force=force)
    except GameError as exc:
        error.set(str(exc))
        notice.set("")
        return
    error.set("")
    notice.set(
        f"Round {record.round} played: weeks {record.first_week}-{record.last_week} in {record.seconds:.1f} s"
        + (" (not every team had submitted: the others kept their levers)" if record.forced else "")
    )


@solara.lab.task(prefer_threaded=True)
def replay_task(game) -> None:
    """Re-run the game from week 0 from its market, seed and recorded decisions, and compare it with the game."""
    import time

    from cxsim.game import GameError, replay
    from cxsim.game.store import first_difference

    t0 = time.perf_counter()
    try:
        again = replay(game)
    except GameError as exc:
        error.set(str(exc))
        return
    with game.lock:
        played = game.timeseries()
        rounds = game.played
    differs = first_difference(played, again)
    if differs:
        error.set(f"the replay differs from the game: {differs}")
        return
    error.set("")
    notice.set(
        f"Replayed {rounds} round(s) from the market, the seed and the decisions in {time.perf_counter() - t0:.1f} s: "
        f"identical to the game, every KPI of every week ({len(again)} weeks)."
    )


# ------------------------------------------------------------------ a new game


def _names(text: str) -> list[str] | None:
    names = [n.strip() for n in text.splitlines() if n.strip()]
    return names or None


def _budget(text: str) -> float | None:
    from cxsim.game import GameError

    text = text.strip().replace(",", "").replace("$", "")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise GameError(f"budget: {text!r} is not a number of $ per week (leave it empty for the default)") from None


@solara.component
def NewGame():
    from cxsim.game import DEFAULT_OPEN_LEVERS, GameError, GameSettings
    from cxsim.ui import levers as lv
    from cxsim.ui import state

    router = solara.use_router()
    names = list(state.shipped())
    scenario = solara.use_reactive("classroom" if "classroom" in names else names[0] if names else "baseline")
    teams = solara.use_reactive(4)
    rounds = solara.use_reactive(6)
    round_weeks = solara.use_reactive(13)
    budget = solara.use_reactive("")
    seed = solara.use_reactive(0)
    team_names = solara.use_reactive("")
    auto = solara.use_reactive(False)
    opened = solara.use_reactive(list(DEFAULT_OPEN_LEVERS))
    busy = solara.use_reactive(False)

    def create() -> None:
        busy.set(True)
        try:
            settings = GameSettings(
                scenario=scenario.value,
                teams=int(teams.value),
                round_weeks=int(round_weeks.value),
                rounds=int(rounds.value),
                budget=_budget(budget.value),
                open_levers=[k for k in DEFAULT_OPEN_LEVERS if k in opened.value],
                seed=int(seed.value),
                team_names=_names(team_names.value),
                auto_advance=bool(auto.value),
            )
            game = registry().create(settings)
        except GameError as exc:
            error.set(str(exc))
            return
        finally:
            busy.set(False)
        teacher_code.set(game.teacher_code)
        error.set("")
        notice.set(f"Game created: {game.teams} teams, {game.settings.rounds} rounds. Hand out the join codes.")
        router.push("/game")

    def toggle(key: str, on: bool) -> None:
        opened.set([k for k in DEFAULT_OPEN_LEVERS if (k == key and on) or (k != key and k in opened.value)])

    with solara.Card("New game", margin=0, classes=["cx-new-game"], style={"margin-bottom": "12px"}):
        Md(
            "Each team runs one firm in the same market; all firms start identical. Every round the teams "
            "submit their decisions and you run the market forward."
        )
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.Select("Market (scenario)", value=scenario, values=names, style={"max-width": "240px"})
            solara.InputInt("Teams (2-10)", value=teams, continuous_update=True, style={"max-width": "120px"})
            solara.InputInt("Rounds", value=rounds, continuous_update=True, style={"max-width": "110px"})
            solara.InputInt("Weeks per round", value=round_weeks, continuous_update=True, style={"max-width": "140px"})
            solara.InputText(
                "Budget ($/week above the start; empty: default)",
                value=budget,
                continuous_update=True,
                style={"max-width": "320px"},
            )
            solara.InputInt("Seed", value=seed, continuous_update=True, style={"max-width": "100px"})
        solara.Switch(label="Run a round as soon as every team has submitted", value=auto)
        solara.InputTextArea(
            "Team names, one per line (optional; default Team 1, Team 2 ...)",
            value=team_names,
            rows=3,
            continuous_update=True,
        )
        Md("**Levers open to the teams** (each within a classroom range the game sets):")
        with solara.Div(style={"display": "flex", "flex-wrap": "wrap", "gap": "0 18px"}):
            for key in DEFAULT_OPEN_LEVERS:
                solara.Checkbox(
                    label=lv.label(key, plain=True),
                    value=key in opened.value,
                    on_value=lambda on, key=key: toggle(key, on),
                )
        solara.Button(
            "Create the game", on_click=create, color="primary", disabled=busy.value, classes=["cx-create-game"]
        )


@solara.component
def OpenGame():
    typed = solara.use_reactive("")
    router = solara.use_router()

    def go() -> None:
        if open_game_with(typed.value):
            router.push("/game")

    with solara.Card("Open a game you run", margin=0, style={"margin-bottom": "12px"}):
        Md("After a reload or a server restart: type the game's teacher code.")
        with solara.Row(style={"align-items": "center"}):
            solara.InputText("Teacher code", value=typed, continuous_update=True, classes=["cx-teacher-code-input"])
            solara.Button("Open", on_click=go, outlined=True, classes=["cx-open-game"])


# ------------------------------------------------------------------ the game under way


def _codes_html(game) -> str:
    rows = "".join(
        f"<tr><td><span style='color:{team_color(k)}'>&#9632;</span> {html.escape(name)}</td>"
        f"<td class='cx-code'>{code}</td><td class='cx-link'>{html.escape(join_url(code))}</td></tr>"
        for k, (name, code) in enumerate(zip(game.team_names, game.team_codes, strict=True))
    )
    return f"<table class='cx-codes'>{rows}</table>"


def _submissions_html(status) -> str:
    chips = "".join(
        f"<span class='cx-sub {'done' if done else 'wait'}'>"
        f"<span style='color:{team_color(k)}'>&#9632;</span> {html.escape(name)}: "
        f"{'submitted &#10003;' if done else 'deciding&hellip;'}</span>"
        for k, (name, done) in enumerate(zip(status.teams, status.submitted, strict=True))
    )
    n = sum(status.submitted)
    return (
        f"<div class='cx-subs-title'><b>{n} of {len(status.teams)} teams submitted for round {status.round}</b></div>"
        f"<div class='cx-subs'>{chips}</div>"
    )


def _teams_table(view) -> str:
    """Every team at the end of the last round: its main KPIs, its spend against the budget."""
    br = view.by_round
    last = br[br["round"] == br["round"].max()] if not br.empty else br
    cols = [
        ("customers", "customers"),
        ("share", "share"),
        ("nps", "NPS"),
        ("review_rating", "rating"),
        ("engaged_share", "engaged staff"),
        ("price", "price"),
        ("profit", "profit (round)"),
        ("cash", "cash"),
    ]
    head = "".join(f"<th>{h}</th>" for _, h in cols) + "<th>extra spend / week</th>"
    rows = []
    for r in last.itertuples(index=False):
        k = int(r.team)
        cells = "".join(f"<td>{kpi_text(getattr(r, c), c)}</td>" for c, _ in cols)
        rows.append(
            f"<tr><td><span style='color:{team_color(k)}'>&#9632;</span> {html.escape(r.name)}</td>{cells}"
            f"<td>{money(view.spend[k])} of {money(view.budget)}</td></tr>"
        )
    caption = f"Every team after round {int(last['round'].max())}" if not last.empty else ""
    return (
        f"<table class='cx-table cx-teams'><caption>{caption}</caption><thead><tr><th>team</th>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _decisions_html(game, view) -> str:
    """Who changed what, round by round: one row per team, one column per round."""
    from cxsim.ui.game_pages import lever_text

    d = view.decisions
    if d.empty:
        return ""
    levers = game.rules.open_levers
    rounds = range(1, view.status.played + 1)
    head = "".join(f"<th>round {int(r)}</th>" for r in rounds)
    rows = []
    for k, name in enumerate(game.team_names):
        cells = []
        for r in rounds:
            mine = d[(d["team"] == k) & (d["round"] == r)]
            text = "; ".join(
                f"{levers[x.key].label if x.key in levers else x.key}: "
                f"{lever_text(levers[x.key], x.value) if x.key in levers else x.value}"
                for x in mine.itertuples(index=False)
            )
            cells.append(f"<td>{html.escape(text) or '&mdash;'}</td>")
        rows.append(f"<tr><td>{html.escape(name)}</td>{''.join(cells)}</tr>")
    return (
        "<table class='cx-table cx-game-decisions'><caption>Decisions, round by round (&mdash;: kept its levers)"
        f"</caption><thead><tr><th>team</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


@solara.component
def Controls(game, status):
    code = teacher_code.value
    running = advance_task.pending
    waiting = status.state == "waiting"
    missing = len(status.teams) - sum(status.submitted)
    confirm_end = solara.use_reactive(False)
    over = status.state in ("ended", "finished")
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        if not over:
            solara.Button(
                f"Run round {status.round} ({game.settings.round_weeks} weeks)",
                on_click=lambda: advance_task(game, code, False),
                color="primary",
                disabled=running or not waiting or missing > 0,
                icon_name="mdi-play",
                classes=["cx-advance"],
            )
        if waiting and missing:
            solara.Button(
                f"Run it now ({missing} team(s) keep their levers)",
                on_click=lambda: advance_task(game, code, True),
                outlined=True,
                disabled=running,
                classes=["cx-advance-force"],
            )
        if status.state == "paused":
            solara.Button(
                "Resume",
                on_click=lambda: act("Resumed: decisions are open again.", lambda: game.resume(code)),
                outlined=True,
                disabled=running,
                icon_name="mdi-play-pause",
                classes=["cx-resume"],
            )
        elif waiting:
            solara.Button(
                "Pause",
                on_click=lambda: act("Paused: no decisions and no rounds until you resume.", lambda: game.pause(code)),
                outlined=True,
                disabled=running,
                icon_name="mdi-pause",
                classes=["cx-pause"],
            )
        if status.state in ("waiting", "paused"):
            solara.Button(
                "End the game",
                on_click=lambda: confirm_end.set(True),
                outlined=True,
                color="error",
                disabled=running,
                classes=["cx-end"],
            )
        solara.Button(
            "Replay",
            on_click=lambda: replay_task(game),
            outlined=True,
            disabled=running or replay_task.pending or status.played == 0,
            icon_name="mdi-replay",
            classes=["cx-replay"],
        )
        solara.Button("Leave this game", on_click=close_game, text=True, classes=["cx-leave"])
    solara.lab.ConfirmationDialog(
        confirm_end,
        title="End the game now?",
        content=f"The {status.played} round(s) played stay, and the debrief works on them; no more decisions.",
        ok="End the game",
        on_ok=lambda: act("The game has ended: the debrief is below.", lambda: game.end(code)),
    )
    if running:
        solara.ProgressLinear(True)
        solara.Text(f"Simulating round {status.round} ...", classes=["cx-advancing"])
    elif replay_task.pending:
        solara.ProgressLinear(True)
        solara.Text("Replaying the game from week 0 ...", classes=["cx-replaying"])
    if error.value:
        solara.Error(error.value, classes=["cx-game-error"])
    elif notice.value:
        solara.Success(notice.value, dense=True, classes=["cx-game-notice"])


@solara.component
def Dashboard(game):
    version = use_game_version(game)
    code = teacher_code.value
    view = solara.use_memo(lambda: game.teacher_view(code), dependencies=[version, code])
    st = view.status
    with solara.Row(style={"align-items": "baseline", "flex-wrap": "wrap"}):
        Md(f"## Classroom game: {html.escape(game.rules.base.name)}, {game.teams} teams")
        solara.Text(state_text(st), classes=["cx-game-state", "cx-round"])
    over = st.state in ("ended", "finished")
    with solara.Card(margin=0, style={"margin-bottom": "10px"}, classes=["cx-join-card"]):
        address = join_address()
        where = f"{address}/play" if address else "this studio's Play page (/play)"
        if not over:
            solara.HTML(
                tag="div",
                unsafe_innerHTML=f"Students open <b>{html.escape(where)}</b> and type their team's code",
                classes=["cx-join-big"],
            )
        if show_codes.value and not over:
            solara.HTML(tag="div", unsafe_innerHTML=_codes_html(game), classes=["cx-codes-box"])
        if not over:
            solara.Switch(label="Show the join codes (hide them once every team has joined)", value=show_codes)
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                f"Your teacher code (keep it private: it runs the game; it reopens this page after a reload): "
                f"<span class='cx-teacher-code'>{html.escape(code)}</span> &middot; "
                f"budget {money(game.rules.budget)} a week per team above its starting lever spend of "
                f"{money(game.rules.start_spend)} &middot; game folder <code>{html.escape(str(game.folder))}</code>"
            ),
            style={"color": "#555", "font-size": "13px"},
        )
    if st.state in ("waiting", "paused"):
        solara.HTML(tag="div", unsafe_innerHTML=_submissions_html(st), classes=["cx-submissions"])
    Controls(game, st)
    if over and st.played:
        from cxsim.ui.game_debrief import DebriefPanel

        DebriefPanel(game, view)
        Md("## The game round by round")

    def draw():
        return market_figure(view.weekly, view.by_round, list(st.teams)) if st.played else None

    drawn = [st.played, st.week]  # drawn again after a round, not at every submission
    fig = solara.use_memo(draw, dependencies=drawn)
    if fig is not None:
        with solara.Div(classes=["cx-game-figs"]):
            solara.FigureMatplotlib(fig, dependencies=drawn, format="png")
        solara.HTML(tag="div", unsafe_innerHTML=_teams_table(view))
        solara.HTML(tag="div", unsafe_innerHTML=_decisions_html(game, view))
    else:
        Md("*No round played yet. When the teams have submitted, run round 1; the charts appear here.*")


@solara.component
def TeacherPage():
    solara.Style(CSS + GAME_CSS)
    solara.Title("Game | cxsim classroom game")
    router = solara.use_router()
    wanted = code_from_search(router.search)

    def reopen() -> None:
        from cxsim.game.session import normalise_code

        if wanted and normalise_code(wanted) != teacher_code.value:
            open_game_with(wanted)

    solara.use_effect(reopen, [wanted])
    from cxsim.game import GameError

    if teacher_code.value:
        try:
            game = find_game(teacher_code.value)
        except GameError as exc:
            solara.Error(str(exc), classes=["cx-game-error"])
            solara.Button("Back", on_click=close_game, outlined=True)
            return
        Dashboard(game)
        return
    Md("## Classroom game: teams run rival firms in one market")
    Md(
        "Create a game, show the join codes on the projector, and run the rounds: each round every team "
        "submits its decisions, then the market moves a quarter. The debrief at the end shows each team what "
        "its own decisions did. The teachers' guide (docs/teaching.md in cxsim) has a 90-minute lesson plan."
    )
    if error.value:
        solara.Error(error.value, classes=["cx-game-error"])
    with solara.Columns([3, 1]):
        NewGame()
        OpenGame()
