"""Everything a class did, written down: decisions and KPIs as CSV and Parquet, the market as TOML,
and one self-contained HTML report.

:func:`export` writes into a folder (each file atomically, :mod:`cxsim.atomic`):

- ``decisions.csv`` / ``.parquet``: one row per decision applied (``round``, ``team``, ``name``,
  ``key``, ``value``; the value as JSON text: a number, ``true``/``false`` or a quoted choice);
- ``kpis.csv`` / ``.parquet``: every team's KPIs week by week (long form);
- ``kpis_by_round.csv`` / ``.parquet``: the same per round (flows summed, levels at the round's end);
- ``timeseries.csv`` / ``.parquet``: the model's full weekly frame (every firm's columns and the market's);
- ``leaderboard.csv`` and ``attribution.csv`` (each team's split of its difference over its levers);
- ``scenario.toml``: the market the game played in (the team firms included) and ``game.json``:
  the settings, the seed and the cxsim version, without the codes. Scenario + seed + decisions +
  version reproduce every number (:func:`cxsim.game.replay`);
- ``report.html``: the settings, the leaderboard, every team's trajectory next to the others', and
  per team its decisions, its counterfactual and the attribution. Figures are inline SVG: the page
  needs no network and no other file.

Parquet files carry the cxsim version and the seed in their metadata.
"""

from __future__ import annotations

import html
import io
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from cxsim.atomic import write_frame as _write_frame
from cxsim.atomic import write_json, write_text
from cxsim.formatting import number, signed, tick
from cxsim.game.debrief import DEBRIEF_KPIS, Debrief, debrief
from cxsim.metrics import label

if TYPE_CHECKING:
    from cxsim.game.session import Game

#: One colour per team (up to 10), in team order.
TEAM_COLORS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
#: The trajectories the report draws, every team on one chart each.
REPORT_KPIS = ("share", "nps", "profit", "cash", "review_rating", "engaged_share")
#: The KPIs whose difference the report splits over each team's levers.
WHY_KPIS = ("profit", "share", "nps", "review_rating", "engaged_share")


def export(game: Game, folder: str | os.PathLike, *, score: str = "combined", result: Debrief | None = None) -> Path:
    """Write the game's decisions, KPIs, market and report into ``folder`` (created if needed).

    Args:
        game: a game with at least one round played.
        folder: where to write.
        score: what the report's leaderboard ranks by (``profit``, ``nps``, ``share`` or ``combined``).
        result: a debrief already computed (:func:`cxsim.game.debrief`); computed here if None.

    Returns:
        the folder.

    Raises:
        GameError: no round played yet, an unknown score.
    """
    from cxsim.run import version

    out = Path(folder).expanduser()
    d = result if result is not None else debrief(game, score)
    with game.lock:
        ts = game.timeseries()
        weekly = game.weekly()
        decisions = game.decisions()
        rules = game.rules
        status = game.status()
    from cxsim.game.session import by_round

    meta = {"cxsim_version": version(), "seed": str(rules.settings.seed), "scenario": rules.base.name}
    decisions = decisions.assign(value=[json.dumps(v) for v in decisions["value"]])
    frames = {
        "decisions": decisions,
        "kpis": weekly,
        "kpis_by_round": by_round(weekly, by=["team", "name"]),
        "timeseries": ts,
    }
    for name, frame in frames.items():
        for suffix in (".csv", ".parquet"):
            _write_frame(frame, out / f"{name}{suffix}", metadata=meta)
    _write_frame(d.leaderboard, out / "leaderboard.csv")
    attribution = [t.attribution.assign(team=t.team, name=t.name) for t in d.teams if not t.attribution.empty]
    all_attr = pd.concat(attribution, ignore_index=True) if attribution else pd.DataFrame(columns=["lever"])
    _write_frame(all_attr, out / "attribution.csv")
    write_text(out / "scenario.toml", rules.market.to_toml())
    settings = {**rules.settings.as_dict(), "scenario": rules.base.name, "scenario_toml": None}
    write_json(
        out / "game.json",
        {
            "cxsim_version": version(),
            "settings": settings,
            "team_names": list(rules.team_names),
            "budget": rules.budget,
            "start_spend": rules.start_spend,
            "played": status.played,
            "state": status.state,
        },
    )
    write_text(out / "report.html", render_html(game, d))
    return out


# ------------------------------------------------------------------ the report


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})  # the same game, the same figure
    text = buf.getvalue()
    return text[text.index("<svg") :]  # inline: no XML declaration or doctype


def _figure(width: float = 6.4, height: float = 3.2):
    from matplotlib.figure import Figure  # no pyplot: safe in a server's threads

    fig = Figure(figsize=(width, height))
    return fig, fig.add_subplot()


def trajectory_svg(trajectories: pd.DataFrame, kpi: str, names: tuple[str, ...], highlight: int | None = None) -> str:
    """Every team's ``kpi`` week by week on one chart (``highlight``: that team drawn bold, the others light)."""
    from matplotlib.ticker import FuncFormatter

    fig, ax = _figure()
    for k, name in enumerate(names):
        own = trajectories[trajectories["team"] == k]
        bold = highlight is None or highlight == k
        ax.plot(
            own["week"], own[kpi], color=TEAM_COLORS[k % len(TEAM_COLORS)], label=name,
            linewidth=2.2 if highlight == k else 1.4, alpha=1.0 if bold else 0.35,
        )  # fmt: skip
    ax.set_title(label(kpi))
    ax.set_xlabel("week")
    ax.yaxis.set_major_formatter(FuncFormatter(tick))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=min(5, len(names)), loc="best")
    return _svg(fig)


def counterfactual_svg(weekly: pd.DataFrame, kpi: str, name: str, color: str) -> str:
    """One team's ``kpi`` in the game and in its counterfactual."""
    from matplotlib.ticker import FuncFormatter

    fig, ax = _figure(4.8, 2.8)
    y, y_cf = weekly[kpi], weekly[f"{kpi}_counterfactual"]
    if kpi == "profit":  # profit accumulates: the gap that matters is the cumulative one
        y, y_cf = y.cumsum(), y_cf.cumsum()
    ax.plot(weekly["week"], y, color=color, linewidth=2, label=f"{name} (the game)")
    ax.plot(weekly["week"], y_cf, color="#555555", linestyle="--", linewidth=1.5, label="had it changed nothing")
    ax.set_title(("cumulative " if kpi == "profit" else "") + label(kpi))
    ax.set_xlabel("week")
    ax.yaxis.set_major_formatter(FuncFormatter(tick))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return _svg(fig)


def _table(frame: pd.DataFrame, formats: dict | None = None) -> str:
    formats = formats or {}
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for rec in frame.to_dict("records"):
        cells = []
        for c, v in rec.items():
            text = formats[c](v) if c in formats else (number(v, c) if isinstance(v, (int, float)) else str(v))
            cells.append(f"<td>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{margin-bottom:.2em} h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em} th,td{padding:.25em .7em;text-align:right}
th{background:#f2f2f2} td:first-child,th:first-child{text-align:left} tr:nth-child(even) td{background:#fafafa}
.charts{display:flex;flex-wrap:wrap;gap:.5em} .charts svg{max-width:100%;height:auto}
.muted{color:#666;font-size:.9em} .team{border-left:6px solid;padding-left:1em;margin:2em 0}
"""


def render_html(game: Game, d: Debrief) -> str:
    """The self-contained HTML report of a game and its debrief."""
    from cxsim.run import version
    from cxsim.ui.levers import format_value
    from cxsim.ui.levers import label as lever_label  # the studio's lever labels: pure metadata, no UI code

    rules = game.rules
    s = rules.settings
    names = rules.team_names
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    e = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>cxsim classroom game: {e(rules.base.name)}</title><style>{CSS}</style></head><body>",
        f"<h1>Classroom game: {e(rules.base.name)}</h1>",
        f"<p class='muted'>{len(names)} teams, {d.played} of {s.rounds} rounds of {s.round_weeks} weeks played; "
        f"seed {s.seed}; budget ${rules.budget:,.0f} a week above the starting lever spend of "
        f"${rules.start_spend:,.0f}; cxsim {e(version())}; written {when}. Scenario + seed + decisions + version "
        "reproduce every number (scenario.toml, decisions.csv).</p>",
        f"<h2>Leaderboard (by {e(d.score)})</h2>",
        _table(
            d.leaderboard.drop(columns=["team", "score"]),
            {"combined": lambda v: f"{v:.0f}", "rank": str, "profit": lambda v: f"${v:,.0f}"},
        ),
        "<p class='muted'>Profit: total over the game. NPS and share: at the last week. Combined: each of the "
        "three scaled 0-100 between the worst and the best team, then averaged.</p>",
        "<h2>Every team's trajectory</h2><div class='charts'>",
        *(trajectory_svg(d.trajectories, kpi, names) for kpi in REPORT_KPIS),
        "</div>",
        "<h2>Each team: its decisions, its counterfactual, the why</h2>",
        "<p class='muted'>The counterfactual is the same market and the same seed with the team's levers left at "
        "their starting values while every other team plays as recorded: the difference is the team's own doing. "
        "The attribution splits it over the levers the team changed (the WHY page's method).</p>",
    ]
    for t in d.teams:
        color = TEAM_COLORS[t.team % len(TEAM_COLORS)]
        diff_rows = pd.DataFrame(
            [
                {"KPI": label(k), "the game": number(t.outcomes[k], k), "had it changed nothing":
                 number(t.counterfactual[k], k), "difference": signed(t.difference[k], k)}
                for k in DEBRIEF_KPIS
            ]
        )  # fmt: skip
        decided = pd.DataFrame(
            {"round": t.decisions["round"], "lever": t.decisions["key"].map(lever_label),
             "set to": t.decisions["value"].map(format_value)}
        )  # fmt: skip
        parts += [
            f"<div class='team' style='border-color:{color}'><h3>{e(t.name)}</h3>",
            _table(decided) if not decided.empty else "<p>No decisions: it kept its starting levers.</p>",
            _table(diff_rows),
            "<div class='charts'>",
            counterfactual_svg(t.weekly, "share", t.name, color),
            counterfactual_svg(t.weekly, "profit", t.name, color),
            "</div>",
        ]
        if not t.attribution.empty:
            parts += [
                f"<p>Why ({'Shapley' if t.method == 'shapley' else 'one lever at a time'}): each lever's part of "
                "the difference.</p>",
                _table(
                    t.attribution[["lever", *WHY_KPIS]]
                    .assign(lever=t.attribution["lever"].map(lever_label))
                    .rename(columns={k: label(k) for k in WHY_KPIS}),
                    {label(k): (lambda v, k=k: signed(v, k)) for k in WHY_KPIS},
                ),
            ]
        parts.append("</div>")
    parts.append("</body></html>")
    return "\n".join(parts)
