"""The team's page of the classroom game (``/play``): join with a code, decide, submit, see the results.

A team sees only its own firm: its open levers within the ranges the teacher allowed, the budget it
has left (re-priced by the game as the sliders move, :meth:`cxsim.game.Game.check`), Submit and
Withdraw, its own KPIs by week and by round, and what the public sees of the other firms (share,
public review rating, price). The code is kept in the page's address (``/play?code=...``), so a
reload or a lost connection rejoins the team where it was. Every refusal of the game (a wrong code,
over budget, a paused game ...) is shown as the game's one-line message.
"""

from __future__ import annotations

import html

import solara

from cxsim.ui.game_pages import (
    GAME_CSS,
    code_from_search,
    kpi_text,
    lever_step,
    lever_text,
    money,
    registry,
    state_text,
    team_color,
    team_figure,
    use_game_version,
)
from cxsim.ui.widgets import CSS, Md

#: The joined team's code in this browser session ('' until joined).
code = solara.reactive("")
#: The decisions being drafted: ``(rounds played when drafted, {lever key: value})``; a draft from before the last
#: round is stale and the page starts again from the levers in force.
draft = solara.reactive((-1, {}))
#: The last refusal of the game (one line), and the last thing that went through.
error = solara.reactive("")
notice = solara.reactive("")


def find_team(text: str):
    """(game, team index) for a team's code; a GameError (one line) for any other code."""
    from cxsim.game import GameError

    game, kind, team = registry().find(text)
    if kind != "team":
        raise GameError("this is the teacher's code: the teacher's page is /game; a team joins with its join code")
    return game, team


def join(text: str) -> bool:
    """Join the team whose code ``text`` is; on a refusal, say why and stay out."""
    from cxsim.game import GameError

    try:
        game, _team = find_team(text)
    except GameError as exc:
        error.set(str(exc))
        return False
    from cxsim.game.session import normalise_code

    code.set(normalise_code(text))
    draft.set((-1, {}))
    error.set("")
    notice.set("")
    return True


def leave() -> None:
    code.set("")
    draft.set((-1, {}))
    error.set("")
    notice.set("")


def drafted(view) -> dict:
    """Every open lever as the team is drafting it: the draft of this round, else what it submitted (over the
    levers in force), else the levers in force."""
    played, values = draft.value
    if played == view.status.played:
        return {**view.levers, **values}
    return {**view.levers, **(view.submitted or {})}


def set_draft(view, key: str, value) -> None:
    draft.set((view.status.played, {**drafted(view), key: value}))


def changes(view) -> dict:
    """The drafted levers that differ from the ones in force: the decisions a Submit sends."""
    return {k: v for k, v in drafted(view).items() if view.levers.get(k) != v}


def submit(game, view) -> None:
    from cxsim.game import GameError

    try:
        recorded = game.submit(code.value, changes(view))
    except GameError as exc:
        error.set(str(exc))
        notice.set("")
        return
    error.set("")
    n = len(recorded)
    notice.set(
        f"Submitted for round {view.status.round}: "
        + (f"{n} lever(s) changed." if n else "no change (your levers stay as they are).")
        + " You can change and submit again until the teacher runs the round."
    )


def withdraw(game, view) -> None:
    from cxsim.game import GameError

    try:
        game.withdraw(code.value)
    except GameError as exc:
        error.set(str(exc))
        return
    error.set("")
    notice.set(f"Withdrawn: nothing submitted for round {view.status.round} now.")


@solara.component
def JoinForm():
    typed = solara.use_reactive("")
    router = solara.use_router()

    def go() -> None:
        if join(typed.value):
            router.push(f"/play?code={code.value}")

    Md("## Join your team")
    Md("Type the join code your teacher gave your team (dashes and capitals do not matter).")
    with solara.Row(style={"align-items": "center"}):
        solara.InputText("Your team's join code", value=typed, continuous_update=True, classes=["cx-join-code"])
        solara.Button("Join", on_click=go, color="primary", classes=["cx-join"])
    if error.value:
        solara.Error(error.value, classes=["cx-game-error"])


@solara.component
def LeverInput(view, lever, value, in_force, disabled: bool):
    """One open lever: a slider, a switch or a choice, with its range; marked when it differs from the one in
    force."""

    def set_value(v) -> None:
        set_draft(view, lever.key, v)

    changed = value != in_force
    with solara.Div(classes=["cx-lever-box", "changed"] if changed else ["cx-lever-box"]):
        head = f"{lever.label}: {lever_text(lever, value)}"
        if changed:
            head += f"  (now {lever_text(lever, in_force)})"
        if lever.kind == "bool":
            solara.Switch(label=head, value=bool(value), on_value=set_value, disabled=disabled)
            solara.Text(lever.doc, classes=["cx-lever-range"])
        elif lever.kind == "choice":
            solara.Select(
                label=lever.label, value=value, values=list(lever.choices), on_value=set_value, disabled=disabled
            )
            solara.Text(lever.doc, classes=["cx-lever-range"])
        else:
            solara.Text(head, style={"font-size": "14px"})
            slider = solara.SliderInt if lever.kind == "integer" else solara.SliderFloat
            with solara.Div(classes=["cx-lever-" + lever.key.replace(".", "-").replace("_", "-")]):
                slider(
                    label="",
                    value=value,
                    min=lever.lo,
                    max=lever.hi,
                    step=lever_step(lever),
                    on_value=set_value,
                    thumb_label=False,
                    disabled=disabled,
                )
            solara.Text(
                f"from {lever_text(lever, lever.lo)} to {lever_text(lever, lever.hi)}: {lever.doc}",
                classes=["cx-lever-range"],
            )


@solara.component
def Decisions(game, view):
    """The levers, the budget left as they move, Submit / Withdraw."""
    from cxsim.game import GameError

    st = view.status
    values = drafted(view)
    open_now = st.state == "waiting"
    pending = changes(view)
    try:
        priced = game.check(code.value, pending) if open_now else None
        check_error = ""
    except GameError as exc:
        priced, check_error = None, str(exc)
    Md(f"### Your decisions for round {st.round}")
    if priced is not None:
        left = priced["budget_left"]
        over = left < 0
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                f"<b>Budget left: {money(left)} a week</b> of {money(view.budget)} for extra spending on levers"
                + (" &mdash; <b>over budget</b>: cut something before you submit" if over else "")
            ),
            classes=["cx-budget", "over"] if over else ["cx-budget"],
        )
    elif check_error and open_now:
        solara.Warning(check_error, dense=True)
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Button(
            "Submit decisions", on_click=lambda: submit(game, view), color="primary", disabled=not open_now,
            classes=["cx-submit"], icon_name="mdi-send",
        )  # fmt: skip
        solara.Button(
            "Withdraw", on_click=lambda: withdraw(game, view), outlined=True,
            disabled=not open_now or view.submitted is None, classes=["cx-withdraw"],
        )  # fmt: skip
        solara.Button(
            "Back to levers in force",
            on_click=lambda: draft.set((st.played, dict(view.levers))),
            text=True,
            disabled=not open_now,
            classes=["cx-reset-draft"],
        )
    if error.value:
        solara.Error(error.value, classes=["cx-game-error"])
    elif notice.value:
        solara.Success(notice.value, dense=True, classes=["cx-game-notice"])
    if view.submitted is not None:
        solara.Text(
            f"Submitted for round {st.round}: the teacher runs the round when every team is ready.",
            classes=["cx-submitted"],
            style={"color": "#2e7d32", "font-weight": "600"},
        )
    elif open_now:
        solara.Text(
            f"Not submitted yet for round {st.round}.", style={"color": "#a66b00"}, classes=["cx-not-submitted"]
        )
    for lever in view.open_levers:
        LeverInput(view, lever, values[lever.key], view.levers[lever.key], disabled=not open_now)


def _own_table(view) -> str:
    """The team's own KPIs by round, as HTML."""
    from cxsim.metrics import find

    rows = [
        "customers", "share", "nps", "reputation", "csat", "review_rating", "churned", "engaged_share", "price",
        "revenue", "profit", "cash",
    ]  # fmt: skip
    br = view.by_round
    head = "".join(f"<th>round {int(r)}</th>" for r in br["round"])
    body = "".join(
        f"<tr><td>{html.escape(find(k).label)}</td>" + "".join(f"<td>{kpi_text(v, k)}</td>" for v in br[k]) + "</tr>"
        for k in rows
    )
    return f"<table class='cx-table cx-own-kpis'><thead><tr><th>your firm</th>{head}</tr></thead><tbody>{body}</tbody></table>"


def _public_table(view) -> str:
    """Every firm as the public sees it at the end of the last round: share, public rating, price."""
    last = view.public[view.public["round"] == view.public["round"].max()]
    body = "".join(
        f"<tr{' class="cx-own"' if int(r.team) == view.team else ''}><td>"
        f"<span style='color:{team_color(int(r.team))}'>&#9632;</span> {html.escape(r.name)}"
        f"{' (you)' if int(r.team) == view.team else ''}</td><td>{kpi_text(r.share, 'share')}</td>"
        f"<td>{kpi_text(r.review_rating, 'review_rating')}</td><td>{kpi_text(r.price, 'price')}</td></tr>"
        for r in last.itertuples(index=False)
    )
    return (
        "<table class='cx-table cx-public'><caption>What the public sees of every firm, end of round "
        f"{int(last['round'].max())}</caption><thead><tr><th>firm</th><th>market share</th><th>public rating</th>"
        f"<th>price</th></tr></thead><tbody>{body}</tbody></table>"
    )


@solara.component
def Results(view):
    names = list(view.status.teams)

    def draw():
        if view.by_round.empty:
            return None
        return team_figure(view.weekly, view.by_round, view.public_weekly, view.team, names)

    # drawn again only when the market moved (a round), not at every submission: thirty sessions redraw at once
    drawn = [view.status.played, view.status.week, view.team]
    fig = solara.use_memo(draw, dependencies=drawn)
    if fig is None:
        Md(
            "### Results\nNo round played yet: your firm starts like every other team's. Decide, submit, and "
            "the results of each round appear here."
        )
        return
    Md(f"### Results after round {int(view.by_round['round'].max())}")
    with solara.Div(classes=["cx-game-figs"]):
        solara.FigureMatplotlib(fig, dependencies=drawn, format="png")
    solara.HTML(tag="div", unsafe_innerHTML=_own_table(view))
    solara.HTML(tag="div", unsafe_innerHTML=_public_table(view))


@solara.component
def TeamPage():
    solara.Style(CSS + GAME_CSS)
    solara.Title("Play | cxsim classroom game")
    router = solara.use_router()
    wanted = code_from_search(router.search)
    from cxsim.game import GameError
    from cxsim.game.session import normalise_code

    def rejoin() -> None:
        if wanted and normalise_code(wanted) != code.value:
            join(wanted)  # a link with ?code=..., or a reload: rejoin the team

    solara.use_effect(rejoin, [wanted])
    if not code.value:
        JoinForm()
        return
    try:
        game, team = find_team(code.value)
    except GameError as exc:  # the game is gone from this server (its folder was removed)
        solara.Error(str(exc), classes=["cx-game-error"])
        solara.Button("Join with another code", on_click=leave, outlined=True)
        return
    Board(game, team)


@solara.component
def Board(game, team: int):
    """The joined team's page: its state, decisions and results, refreshed when the game changes."""
    version = use_game_version(game)
    view = solara.use_memo(lambda: game.team_view(code.value), dependencies=[version, code.value])
    st = view.status
    with solara.Row(style={"align-items": "baseline", "flex-wrap": "wrap"}):
        solara.HTML(
            tag="span",
            unsafe_innerHTML=f"<span style='color:{team_color(team)}'>&#9632;</span> {html.escape(view.name)}",
            classes=["cx-team-name"],
        )
        solara.Text(state_text(st), classes=["cx-game-state", "cx-round"])
    if st.state == "paused":
        solara.Warning("The teacher has paused the game: decisions open again when it resumes.", dense=True)
    elif st.state in ("ended", "finished"):
        solara.Info(
            "The game is over. Your teacher shows the debrief: what your firm would have done without your "
            "decisions, and which of them made the difference.",
            classes=["cx-game-over"],
        )
    if not view.weekly.empty and bool(view.weekly["bankrupt"].iloc[-1]):
        solara.Error(
            "Your firm has run out of cash: it is bankrupt and has stopped trading. The others play on.",
            classes=["cx-bankrupt"],
        )
    with solara.Columns([2, 3]):
        with solara.Column():
            if st.state not in ("ended", "finished"):
                Decisions(game, view)
            else:
                Md("### Your decisions")
            if not view.decisions.empty:
                rows = "".join(
                    f"<tr><td>{int(r.round)}</td><td>{html.escape(_label(view, r.key))}</td>"
                    f"<td>{html.escape(_value(view, r.key, r.value))}</td></tr>"
                    for r in view.decisions.itertuples(index=False)
                )
                solara.HTML(
                    tag="div",
                    unsafe_innerHTML="<table class='cx-table cx-decisions'><caption>Decisions applied</caption>"
                    f"<thead><tr><th>round</th><th>lever</th><th>set to</th></tr></thead><tbody>{rows}</tbody></table>",
                )
        with solara.Column():
            Results(view)


def _label(view, key: str) -> str:
    return next((lv.label for lv in view.open_levers if lv.key == key), key)


def _value(view, key: str, value) -> str:
    lever = next((lv for lv in view.open_levers if lv.key == key), None)
    return lever_text(lever, value) if lever is not None else str(value)
