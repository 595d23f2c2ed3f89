"""The classroom game in the studio: what the teacher's page (``/game``) and the teams' page (``/play``) share.

The game itself lives in :mod:`cxsim.game` (rules, budgets, refusals, rounds, debrief, export);
these pages only show it and pass the clicks on. One :class:`cxsim.game.GameRegistry` serves the
whole server process (:func:`registry`): every browser session of a class finds the same game
object by its code, so thirty students and their teacher share one market, and a restarted server
resumes the games saved in :func:`cxsim.ui.server.games_dir`.

A page follows the game by polling :attr:`cxsim.game.Game.version` (an integer read, no lock) every
:data:`POLL_SECONDS` in a background thread (:func:`use_game_version`); only when it changes does the
page ask the game for a fresh view, so a round run by the teacher shows on every team's screen
within a couple of seconds without anyone reloading.

The pages themselves are in :mod:`cxsim.ui.game_teacher` and :mod:`cxsim.ui.game_team`; the figures
(every team's share, NPS, profit and cash by week and by round) are drawn here.
"""

from __future__ import annotations

import math
import os
import threading
from urllib.parse import parse_qs

import pandas as pd
import solara
from matplotlib.figure import Figure

from cxsim.formatting import number, signed, tick
from cxsim.metrics import find
from cxsim.ui.server import GAMES_ENV, JOIN_ENV

#: How often a page checks whether the game changed (seconds): a class sees a new round within this.
POLL_SECONDS = 1.5
#: One colour per team (up to 10), the same on every page and chart.
TEAM_COLORS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)

_registry = None
_registry_lock = threading.Lock()


def registry():
    """The server's games (one :class:`cxsim.game.GameRegistry` per process, made on first use).

    Its folder is :func:`cxsim.ui.server.games_dir` (``cxsim ui --games DIR``); making it resumes every
    game saved there.
    """
    global _registry
    with _registry_lock:
        if _registry is None:
            from cxsim.game import GameRegistry
            from cxsim.ui.server import games_dir

            _registry = GameRegistry(games_dir())
        return _registry


def _resume_saved_games() -> None:
    """Under ``cxsim ui``: resume the saved games while the server starts, not when the first page asks."""
    try:
        registry()
    except Exception:  # noqa: BLE001 - the page that asks for the registry reports the error
        pass


if os.environ.get(GAMES_ENV):  # set by cxsim ui (cxsim.ui.server.serve); not in tests, which pick their folder
    threading.Thread(target=_resume_saved_games, name="cxsim-games", daemon=True).start()


def use_registry(root) -> None:
    """Serve the games under ``root`` from now on (tests; a server sets its folder before the first page)."""
    global _registry
    from cxsim.game import GameRegistry

    with _registry_lock:
        _registry = GameRegistry(root)


def code_from_search(search: str | None) -> str:
    """The ``code`` of a page address's query string (``code=ABCDE-...``), or ''."""
    if not search:
        return ""
    values = parse_qs(search).get("code") or [""]
    return values[0].strip()


def join_address() -> str:
    """The studio's address as students type it (no trailing slash), or '' when the server did not say."""
    return os.environ.get(JOIN_ENV, "").rstrip("/")


def join_url(code: str) -> str:
    """The link that opens the team page already joined: ``<address>/play?code=<code>``."""
    return f"{join_address()}/play?code={code}"


def use_game_version(game) -> int:
    """The game's version, polled every :data:`POLL_SECONDS` in a background thread; the page re-renders
    when it changes (a submission, a round, pause, resume, end). ``game`` None: 0, no thread."""
    version, set_version = solara.use_state(game.version if game is not None else 0)

    def poll(cancel: threading.Event) -> None:
        if game is None:
            return
        seen = game.version
        set_version(seen)
        while not cancel.wait(POLL_SECONDS):
            now = game.version
            if now != seen:
                seen = now
                set_version(now)

    solara.use_thread(poll, dependencies=[id(game)], intrusive_cancel=False)
    return game.version if game is not None else version


def team_color(team: int) -> str:
    return TEAM_COLORS[team % len(TEAM_COLORS)]


def state_text(status) -> str:
    """The game's state in words, e.g. ``round 2 of 6: decisions open``."""
    if status.state == "finished":
        return f"finished: all {status.rounds} rounds played"
    if status.state == "ended":
        return f"ended by the teacher after round {status.played} of {status.rounds}"
    if status.state == "paused":
        return f"round {status.round} of {status.rounds}: paused by the teacher"
    return f"round {status.round} of {status.rounds}: decisions open"


def lever_text(lever, value) -> str:
    """A lever's value as a student reads it (``on``/``off``, ``$8,000``, ``0.40``, ``most engaged``)."""
    if lever.kind == "bool":
        return "on" if value else "off"
    if lever.kind == "choice":
        return str(value).replace("_", " ")
    if lever.unit.startswith("$"):
        return f"${value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"${value:,.2f}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"


def lever_step(lever) -> float:
    """A slider step for a lever's range: about a hundredth of it, rounded down to 1, 2 or 5 x 10^k."""
    span = float(lever.hi) - float(lever.lo)
    if lever.kind == "integer":
        return 1
    if span <= 0:
        return 1.0
    raw = span / 100
    exp = math.floor(math.log10(raw))
    for m in (5, 2, 1):
        if m * 10**exp <= raw:
            return m * 10**exp
    return 10**exp


def money(x: float) -> str:
    return f"-${-x:,.0f}" if x < 0 else f"${x:,.0f}"


# ------------------------------------------------------------------ figures


def _round_lines(ax, weekly: pd.DataFrame) -> None:
    """A dotted line at each round's end, so a class sees where its decisions took effect."""
    if weekly.empty:
        return
    ends = weekly.groupby("round")["week"].max().tolist()
    for w in ends[:-1]:
        ax.axvline(w + 0.5, color="#999999", linestyle=":", linewidth=1)


def _style(ax, title: str, kpi: str | None = None) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.set_title(title, fontsize=12)
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=9)
    if kpi is not None:
        k = find(kpi)
        if k.format == "share":
            from matplotlib.ticker import PercentFormatter

            ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))  # as many decimals as the ticks need
        else:
            ax.yaxis.set_major_formatter(FuncFormatter(tick))


def _lines(ax, weekly: pd.DataFrame, kpi: str, names: list[str], highlight: int | None, you: str = " (you)") -> None:
    for team, name in enumerate(names):
        d = weekly[weekly["team"] == team]
        if d.empty:
            continue
        own = highlight is None or team == highlight
        ax.plot(
            d["week"],
            d[kpi],
            color=team_color(team),
            linewidth=3.0 if highlight is not None and own else 1.8,
            alpha=1.0 if own else 0.45,
            label=name + (you if highlight == team else ""),
        )


def _round_bars(ax, by_round: pd.DataFrame, kpi: str, names: list[str], highlight: int | None) -> None:
    rounds = sorted(by_round["round"].unique())
    teams = [t for t in range(len(names)) if t in set(by_round["team"])]
    width = 0.8 / max(1, len(teams))
    for j, team in enumerate(teams):
        d = by_round[by_round["team"] == team].set_index("round").reindex(rounds)
        xs = [r - 0.4 + width * (j + 0.5) for r in rounds]
        own = highlight is None or team == highlight
        ax.bar(xs, d[kpi], width=width, color=team_color(team), alpha=1.0 if own else 0.45, label=names[team])
    ax.axhline(0, color="#333333", linewidth=0.8)
    ax.set_xticks(rounds, [f"round {r}" for r in rounds])


def market_figure(weekly: pd.DataFrame, by_round: pd.DataFrame, names: list[str]) -> Figure:
    """The teacher's view of the market: every team's share, NPS and cash by week, profit by round."""
    fig = Figure(figsize=(13, 7.2), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    for ax, kpi, title in (
        (axes[0], "share", "Market share (of all firms' customers)"),
        (axes[1], "nps", "NPS (current customers)"),
        (axes[3], "cash", "Cash"),
    ):
        _lines(ax, weekly, kpi, names, None)
        _round_lines(ax, weekly)
        _style(ax, title, kpi)
        ax.set_xlabel("week", fontsize=9)
    _round_bars(axes[2], by_round, "profit", names, None)
    _style(axes[2], "Profit per round", "profit")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", fontsize=11, frameon=False)
    return fig


def team_figure(own_weekly: pd.DataFrame, own_by_round: pd.DataFrame, public_weekly: pd.DataFrame, team: int,
                names: list[str]) -> Figure:  # fmt: skip
    """A team's view: the market share and public rating of every firm (public), its own NPS and profit."""
    fig = Figure(figsize=(9.5, 6.4), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    _lines(axes[0], public_weekly, "share", names, team)
    _style(axes[0], "Market share: every firm (public)", "share")
    _lines(axes[1], public_weekly, "review_rating", names, team)
    _style(axes[1], "Public review rating (stars): every firm", "review_rating")
    for ax in axes[:2]:
        _round_lines(ax, public_weekly)
        ax.set_xlabel("week", fontsize=9)
    color = team_color(team)
    ax = axes[2]
    ax.plot(own_weekly["week"], own_weekly["nps"], color=color, linewidth=2.5, label="NPS (customers now)")
    ax.plot(
        own_weekly["week"],
        own_weekly["reputation"],
        color=color,
        linewidth=1.5,
        linestyle="--",
        label="reputation (former customers too)",
    )
    _round_lines(ax, own_weekly)
    _style(ax, "Your NPS and reputation", "nps")
    ax.set_xlabel("week", fontsize=9)
    ax.legend(fontsize=9)
    ax = axes[3]
    if not own_by_round.empty:
        rounds = own_by_round["round"].tolist()
        profit = own_by_round["profit"].tolist()
        ax.bar(rounds, profit, color=[color if p >= 0 else "#c62828" for p in profit], width=0.6)
        ax.set_xticks(rounds, [f"round {r}" for r in rounds])
    ax.axhline(0, color="#333333", linewidth=0.8)
    _style(ax, "Your profit per round", "profit")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", fontsize=10, frameon=False)
    return fig


def kpi_text(value, kpi: str) -> str:
    """A KPI's value as a class reads it on a projector: shares in %, money in $, the rating in stars."""
    fmt = find(kpi).format
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if fmt == "share":
        return f"{100 * value:.1f}%"
    if fmt == "money":
        return money(value)
    if fmt == "stars":
        return f"{value:.2f} &#9733;"
    if fmt == "points":
        return f"{value:.1f}"
    return number(value, kpi)


def kpi_change(value, kpi: str) -> str:
    """A difference of a KPI: shares in percentage points, money in $, others as :func:`cxsim.formatting.signed`."""
    fmt = find(kpi).format
    if fmt == "share":
        return f"{100 * value:+.1f} pts"
    if fmt == "money":
        return ("+" if value >= 0 else "") + money(value)
    if fmt == "stars":
        return f"{value:+.2f} &#9733;"
    if fmt == "points":
        return f"{value:+.1f}"
    return signed(value, kpi)


GAME_CSS = """
.cx-join-big { font-size: 30px; font-weight: 600; margin: 4px 0 10px 0; }
.cx-codes { border-collapse: collapse; font-size: 26px; margin: 6px 0 12px 0; }
.cx-codes td { padding: 6px 18px; border-bottom: 1px solid #ddd; }
.cx-codes td.cx-code { font-family: monospace; font-weight: 700; letter-spacing: 2px; }
.cx-codes td.cx-link { font-size: 15px; color: #555; font-family: monospace; }
.cx-subs { display: flex; flex-wrap: wrap; gap: 8px; margin: 6px 0; }
.cx-sub { padding: 6px 12px; border-radius: 14px; font-size: 16px; border: 2px solid #ccc; }
.cx-sub.done { background: #e8f5e9; border-color: #2e7d32; }
.cx-sub.wait { background: #fff8e1; border-color: #f9a825; }
.cx-game-state { font-size: 20px; font-weight: 600; }
.cx-budget { font-size: 18px; padding: 6px 12px; border-left: 5px solid #2e7d32; background: #f1f8e9; margin: 6px 0; }
.cx-budget.over { border-left-color: #c62828; background: #ffebee; }
.cx-team-name { font-size: 26px; font-weight: 700; }
.cx-game-figs img { width: 100%; max-width: 1300px; height: auto; }
.cx-lever-box { padding: 2px 6px 6px 6px; border-bottom: 1px solid #eee; }
.cx-lever-box.changed { border-left: 4px solid #e65100; background: #fff8f0; }
.cx-lever-range { color: #777; font-size: 12px; display: block; line-height: 1.3; }
.cx-lever-box .v-input__details { display: none; }
.cx-teacher-code { font-family: monospace; font-size: 15px; }
.cx-winner td { font-weight: 700; }
.cx-table td.cx-name, .cx-table th.cx-name { text-align: left; }
.cx-table td.cx-chosen, .cx-table th.cx-chosen { background: #ede7f6; }
.cx-over-line { font-size: 15px; color: #555; }
.cx-game-decisions td, .cx-game-decisions th { text-align: left; }
.cx-debrief-why img { max-width: 900px; }
"""
