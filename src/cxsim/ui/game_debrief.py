"""The debrief of a classroom game on the teacher's page: leaderboard, each team's counterfactual and its "why".

Computed by :func:`cxsim.game.debrief` in the background (one replay of the market per team and per
subset of the levers it changed; the page shows how many are done): each team's result next to the
same market and seed had it kept its starting levers (common random numbers: the difference is the
team's own doing), split over the levers it changed by the WHY page's method. The teacher picks what
the leaderboard ranks by (profit, NPS, share or a combined score) and which team to put on the
projector; Export writes everything (:func:`cxsim.game.export`) to a folder or downloads it as a zip.
"""

from __future__ import annotations

import dataclasses
import html
import io
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import solara
import solara.lab
from matplotlib.figure import Figure

from cxsim.metrics import find
from cxsim.ui import charts
from cxsim.ui.game_pages import _lines, _round_lines, _style, kpi_change, kpi_text, lever_text, team_color
from cxsim.ui.widgets import Md

#: The leaderboard's choices as the teacher reads them -> :data:`cxsim.game.debrief.SCORES`.
SCORE_NAMES = {"combined": "combined", "profit": "profit", "NPS": "nps", "share": "share"}
#: The KPIs whose difference the page splits over a team's levers, in the menu's order.
WHY_KPIS = ("profit", "share", "nps", "review_rating", "engaged_share", "customers", "cash")

#: ``((id(game), version), Debrief)`` once the whole debrief is computed, else None.
result = solara.reactive(None)
#: ``((id(game), version), {team: TeamDebrief})``: each team's debrief as soon as its replays are done.
partial = solara.reactive((None, {}))
progress = solara.reactive((0, 0))
failure = solara.reactive("")
score = solara.reactive("combined")
shown_team = solara.reactive(0)
why_kpi = solara.reactive("profit")
export_note = solara.reactive("")
export_error = solara.reactive("")


@solara.lab.task(prefer_threaded=True)
def debrief_task(game) -> None:
    from cxsim.game import GameError, debrief

    key = (id(game), game.version)
    failure.set("")
    progress.set((0, 0))
    partial.set((key, {}))

    def one_team(t) -> None:
        partial.set((key, {**partial.value[1], t.team: t}))

    try:
        d = debrief(game, "combined", progress=lambda done, total: progress.set((done, total)), on_team=one_team)
    except GameError as exc:
        failure.set(str(exc))
        return
    result.set((key, d))


def ranked(d, board):
    """The debrief with the leaderboard the teacher chose (what the export's report shows)."""
    return dataclasses.replace(d, score=str(board["score_name"].iloc[0]), leaderboard=board.drop(columns="score_name"))


def export_zip(game, d) -> bytes:
    """Everything :func:`cxsim.game.export` writes, as one zip file."""
    from cxsim.game import export

    with tempfile.TemporaryDirectory(prefix="cxsim-game-") as tmp:
        folder = export(game, Path(tmp) / "game", score=d.score, result=d)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for f in sorted(folder.rglob("*")):
                if f.is_file():
                    z.write(f, f.relative_to(folder))
        return buf.getvalue()


def export_to(game, d, folder: str) -> None:
    from cxsim.game import GameError, export

    folder = folder.strip()
    if not folder:
        export_error.set("type a folder to write the export to")
        return
    try:
        out = export(game, folder, score=d.score, result=d)
    except (GameError, OSError) as exc:
        export_error.set(f"not written: {exc}")
        export_note.set("")
        return
    export_error.set("")
    files = ", ".join(sorted(p.name for p in out.iterdir() if p.is_file()))
    export_note.set(f"Written to {out}: {files}")


# ------------------------------------------------------------------ tables and figures


def leaderboard_html(board, chosen: str) -> str:
    cols = [("profit", "total profit", "profit"), ("nps", "final NPS", "nps"), ("share", "final share", "share")]
    head = "".join(f"<th{' class=cx-chosen' if c == chosen else ''}>{h}</th>" for c, h, _ in cols)
    rows = []
    for r in board.itertuples(index=False):
        cells = "".join(
            f"<td{' class=cx-chosen' if c == chosen else ''}>{kpi_text(getattr(r, c), k)}</td>" for c, _, k in cols
        )
        comb = f"<td{' class=cx-chosen' if chosen == 'combined' else ''}>{r.combined:.0f}</td>"
        rows.append(
            f"<tr{' class=cx-winner' if r.rank == 1 else ''}><td>{r.rank}</td><td class='cx-name'><span style='color:"
            f"{team_color(int(r.team))}'>&#9632;</span> {html.escape(r.name)}</td>{cells}{comb}</tr>"
        )
    return (
        f"<table class='cx-table cx-leaderboard'><caption>Leaderboard by {html.escape(chosen)} (combined: profit, NPS "
        "and share each scaled 0-100 from the worst team to the best, averaged)</caption><thead><tr><th>rank</th>"
        f"<th class='cx-name'>team</th>{head}<th{' class=cx-chosen' if chosen == 'combined' else ''}>combined</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def own_doing_html(ready: dict, names: list[str]) -> str:
    """Per team: what its own decisions did to profit, share and NPS (game minus its counterfactual); teams whose
    replays are still running say so."""
    rows = []
    for k, name in enumerate(names):
        t = ready.get(k)
        if t is None:
            rows.append(
                f"<tr><td class='cx-name'><span style='color:{team_color(k)}'>&#9632;</span> {html.escape(name)}</td>"
                "<td colspan='4' class='cx-muted'>replaying its counterfactual&hellip;</td></tr>"
            )
            continue
        cells = "".join(
            f"<td class='{'good' if t.difference[k] > 0 else 'bad' if t.difference[k] < 0 else ''}'>"
            f"{kpi_change(t.difference[k], k)}</td>"
            for k in ("profit", "share", "nps")
        )
        rows.append(
            f"<tr><td class='cx-name'><span style='color:{team_color(t.team)}'>&#9632;</span> {html.escape(t.name)}"
            f"</td><td>{len(t.changed)}</td>{cells}</tr>"
        )
    return (
        "<table class='cx-table cx-own-doing'><caption>What each team's own decisions did: its game minus the same "
        "market had it kept its starting levers (same seed: not luck)</caption><thead><tr><th class='cx-name'>team</th>"
        "<th>levers changed</th><th>total profit</th><th>final share</th><th>final NPS</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def outcome_html(t) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(find(k).label)}</td><td>{kpi_text(t.outcomes[k], k)}</td>"
        f"<td>{kpi_text(t.counterfactual[k], k)}</td><td>{kpi_change(t.difference[k], k)}</td></tr>"
        for k in t.outcomes
    )
    return (
        f"<table class='cx-table cx-counterfactual'><caption>{html.escape(t.name)}: as played, and had it kept its "
        "starting levers (flows summed over the game, levels at the last week)</caption><thead><tr><th>KPI</th>"
        "<th>as played</th><th>kept its levers</th><th>its decisions did</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def team_figure(trajectories, t, names: list[str]) -> Figure:
    """Top: the team's share, NPS and cash beside every other team's. Bottom: the same as played (solid) and had it
    kept its starting levers (dashed)."""
    fig = Figure(figsize=(13, 6.8), layout="constrained")
    axes = fig.subplots(2, 3)
    color = team_color(t.team)
    for j, (kpi, title) in enumerate((("share", "Market share"), ("nps", "NPS"), ("cash", "Cash"))):
        ax = axes[0, j]
        _lines(ax, trajectories, kpi, names, t.team, you="")
        _round_lines(ax, trajectories)
        _style(ax, f"{title}: {t.name} and the others", kpi)
        ax = axes[1, j]
        ax.plot(t.weekly["week"], t.weekly[kpi], color=color, linewidth=2.5, label="as played")
        ax.plot(
            t.weekly["week"],
            t.weekly[f"{kpi}_counterfactual"],
            color=color,
            linewidth=2,
            linestyle="--",
            alpha=0.7,
            label="had it kept its starting levers",
        )
        _round_lines(ax, t.weekly)
        _style(ax, f"{title}: its decisions vs none", kpi)
        ax.set_xlabel("week", fontsize=9)
    axes[1, 0].legend(fontsize=9)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", fontsize=10, frameon=False)
    return fig


def why_figure(game, t, kpi: str) -> Figure | None:
    """The team's difference in ``kpi`` split over the levers it changed, as the WHY page's waterfall."""
    if t.attribution.empty:
        return None
    levers = game.rules.open_levers
    table = pd.DataFrame(
        {
            "lever": t.attribution["lever"],
            "contribution": t.attribution[kpi],
            "ci_low": t.attribution[kpi],  # one market, one seed: what happened, no interval
            "ci_high": t.attribution[kpi],
        }
    )
    labels = {}
    for key in t.changed:
        final = t.decisions[t.decisions["key"] == key]["value"].iloc[-1]
        lever = levers[key]
        labels[key] = f"{lever.label}\n{lever_text(lever, lever.start)} -> {lever_text(lever, final)}"
    labels["interaction"] = "interaction\n(levers together)"
    fig = charts.waterfall(
        t.counterfactual[kpi],
        t.outcomes[kpi],
        table,
        labels,
        kpi,
        ("kept its\nstarting levers", "as played"),
    )
    fig.axes[0].set_title(
        f"{t.name}, {find(kpi).label}: what each lever it changed did ({t.method.replace('_', ' ')})", fontsize=12
    )
    return fig


# ------------------------------------------------------------------ the panel


@solara.component
def TeamDebriefView(game, trajectories, t, names: list[str], version: int):
    kpi = why_kpi.value if why_kpi.value in WHY_KPIS else "profit"
    fig = solara.use_memo(lambda: team_figure(trajectories, t, names), dependencies=[version, id(t)])
    why = solara.use_memo(lambda: why_figure(game, t, kpi), dependencies=[version, id(t), kpi])
    Md(f"### {html.escape(t.name)}: its trajectory, its counterfactual and why")
    with solara.Div(classes=["cx-game-figs", "cx-debrief-team"]):
        solara.FigureMatplotlib(fig, dependencies=[version, id(t)], format="png")
    solara.HTML(tag="div", unsafe_innerHTML=outcome_html(t))
    if why is None:
        Md(
            f"*{html.escape(t.name)} kept its starting levers all game: its result is the market's doing "
            "(and the rivals'), not its own.*"
        )
    elif t.attribution.empty:
        Md("*Its attribution over levers is still being replayed ...*")
    else:
        solara.Select(
            "KPI to explain",
            value=find(kpi).title,
            values=[find(x).title for x in WHY_KPIS],
            on_value=lambda title: why_kpi.set(next(x for x in WHY_KPIS if find(x).title == title)),
            style={"max-width": "280px"},
        )
        with solara.Div(classes=["cx-game-figs", "cx-debrief-why"]):
            solara.FigureMatplotlib(why, dependencies=[version, id(t), kpi], format="png")
        solara.Text(
            "One market, one seed: the bars say what happened in this game; the Lessons and What-if pages test a "
            "lever over many seeds.",
            style={"color": "#666", "font-size": "13px"},
        )


@solara.component
def DebriefPanel(game, view):
    """The debrief of a game that is over. The leaderboard needs no replay and shows at once; each team's
    counterfactual and attribution appear as its replays finish (computed once per game version)."""
    from cxsim.game.debrief import leaderboard

    key = (id(game), view.status.version)
    got = result.value
    d = got[1] if got is not None and got[0] == key else None
    ready = {t.team: t for t in d.teams} if d is not None else (partial.value[1] if partial.value[0] == key else {})
    running = debrief_task.pending

    def start() -> None:
        if d is None and not debrief_task.pending:
            debrief_task(game)

    solara.use_effect(start, [key])
    folder = solara.use_reactive(str(Path(game.folder) / "export"))
    names = list(view.status.teams)
    board = solara.use_memo(
        lambda: leaderboard(view.weekly, tuple(names), score.value), dependencies=[key, score.value]
    )
    Md("## Debrief")
    if failure.value:
        solara.Error(failure.value, classes=["cx-game-error"])
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Text("Rank by:", style={"font-weight": "600"})
        solara.ToggleButtonsSingle(
            value=next(n for n, s in SCORE_NAMES.items() if s == score.value),
            values=list(SCORE_NAMES),
            on_value=lambda n: score.set(SCORE_NAMES[n]),
            classes=["cx-score"],
        )
    solara.HTML(tag="div", unsafe_innerHTML=leaderboard_html(board, score.value))
    if d is None:
        done, total = progress.value
        solara.ProgressLinear(100.0 * done / total if total else True)
        solara.Text(
            f"Replaying the market for each team's counterfactual and its levers: {done} of {total or '?'} replays "
            "(teams appear as theirs finish)",
            classes=["cx-debrief-progress"],
        )
        if not running:
            solara.Button("Compute the debrief", on_click=lambda: debrief_task(game), outlined=True)
    solara.HTML(tag="div", unsafe_innerHTML=own_doing_html(ready, names))
    k = shown_team.value if 0 <= shown_team.value < len(names) else 0
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Text("Team on the screen:", style={"font-weight": "600"})
        solara.ToggleButtonsSingle(
            value=names[k],
            values=names,
            on_value=lambda n: shown_team.set(names.index(n)),
            classes=["cx-debrief-pick"],
        )
    if k in ready:
        TeamDebriefView(game, view.weekly, ready[k], names, view.status.version)
    else:
        Md(f"*{html.escape(names[k])}: its counterfactual is being replayed ...*")
    if d is None:
        return
    final = ranked(d, board.assign(score_name=score.value))
    Md("### Export")
    Md(
        "Decisions and KPIs (CSV and Parquet), the market as TOML, the settings and seed (the game replays exactly "
        "from them) and a self-contained HTML report with this debrief."
    )
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.FileDownload(
            lambda: export_zip(game, final),
            filename=f"cxsim-game-{Path(game.folder).name}.zip",
            label="Download everything (zip)",
        )
        solara.InputText(
            "or write it to this folder", value=folder, continuous_update=True, style={"min-width": "420px"}
        )
        solara.Button(
            "Write", on_click=lambda: export_to(game, final, folder.value), outlined=True, classes=["cx-export-write"]
        )
    if export_error.value:
        solara.Error(export_error.value, classes=["cx-export-error"])
    elif export_note.value:
        solara.Success(export_note.value, dense=True, classes=["cx-export-note"])
