"""``cxsim class``: run the classroom game from the shell (thin over :mod:`cxsim.game`).

    cxsim class new --teams 4 --rounds 6 [--scenario classroom] [--budget 4000] [--seed 0] --out DIR
    cxsim class status DIR
    cxsim class submit DIR --code CODE --set pricing.price=180 [--set ...]
    cxsim class withdraw DIR --code CODE
    cxsim class view DIR --code CODE
    cxsim class advance DIR --code TEACHER [--force]
    cxsim class pause|resume|end DIR --code TEACHER
    cxsim class debrief DIR [--score profit|nps|share|combined]
    cxsim class export DIR --out DIR [--score ...]

Each command opens the game from its folder (replaying the rounds played, a second or two), does one
thing and saves. Commands on the same folder wait for each other (a lock file), so two teams typing at
once lose nothing; a game served by the studio at the same time should be played from the studio.
A refusal is one line and exit code 2.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from cxsim.cli.common import SetOpt, compact_table, console, fail

class_app = typer.Typer(
    help="The classroom game: teams run rival firms in one market, round by round.",
    no_args_is_help=True,
)

FolderArg = Annotated[Path, typer.Argument(help="The game's folder (as made by `cxsim class new --out`).")]
CodeOpt = Annotated[str, typer.Option("--code", "-c", help="A team's join code, or the teacher's code.")]
ScoreOpt = Annotated[str, typer.Option(help="Rank teams by profit, nps, share or combined.")]


@contextlib.contextmanager
def _game(folder: Path, *, write: bool = True) -> Iterator:
    """Open the game in ``folder`` (holding its lock file while a command changes it); GameError -> one line."""
    from cxsim.game import GameError, open_game

    try:
        with _locked(folder) if write else contextlib.nullcontext():
            yield open_game(folder)
    except GameError as exc:
        fail(str(exc))


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    from cxsim.game.store import GAME_FILE

    if not (folder / GAME_FILE).is_file():
        fail(f"{folder}: no game here (no {GAME_FILE})")
    path = folder / ".lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            import fcntl
        except ImportError:  # Windows: one command at a time is the teacher's to keep
            yield
            return
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _refused(call, *args, **kwargs):
    from cxsim.game import GameError

    try:
        return call(*args, **kwargs)
    except GameError as exc:
        fail(str(exc))


@class_app.command("new")
def new(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the new game (must not hold one).")],
    teams: Annotated[int, typer.Option(help="Number of teams (2-10).")] = 4,
    rounds: Annotated[int, typer.Option(help="Number of rounds.")] = 6,
    round_weeks: Annotated[int, typer.Option(help="Weeks per round (13: a quarter).")] = 13,
    scenario: Annotated[str, typer.Option(help="The market: a shipped scenario or a TOML file.")] = "classroom",
    budget: Annotated[
        float | None,
        typer.Option(help="$/week each team may spend on levers above its start (default: 10% of that spend)."),
    ] = None,
    seed: Annotated[int, typer.Option(help="The market's random numbers.")] = 0,
    names: Annotated[str | None, typer.Option(help="Team names, comma-separated.")] = None,
    open_levers: Annotated[
        list[str] | None,
        typer.Option("--open", help="Open only these levers (repeatable; default: the classroom set)."),
    ] = None,
    auto_advance: Annotated[bool, typer.Option(help="Run a round as soon as every team has submitted.")] = False,
) -> None:
    """Start a game: prints the teacher's code and each team's join code."""
    from cxsim.game import Game, GameSettings

    settings = GameSettings(
        scenario=scenario,
        teams=teams,
        round_weeks=round_weeks,
        rounds=rounds,
        budget=budget,
        open_levers=open_levers or None,
        seed=seed,
        team_names=[n.strip() for n in names.split(",")] if names else None,
        auto_advance=auto_advance,
    )
    game = _refused(Game.create, settings, out)
    r = game.rules
    console.print(
        f"[bold]New game[/] in {out}: {teams} teams in {r.base.name!r}, {rounds} rounds of {round_weeks} weeks, "
        f"budget ${r.budget:,.0f}/week above the starting lever spend of ${r.start_spend:,.0f}."
    )
    console.print(f"Teacher's code (keep it to yourself): [bold]{game.teacher_code}[/]")
    table = compact_table("Join codes (one per team)", [("team", "left"), ("code", "left")])
    for name, code in zip(r.team_names, game.team_codes, strict=True):
        table.add_row(name, code)
    console.print(table)
    console.print(f"Open levers: {', '.join(r.open_levers)}")


@class_app.command("status")
def status(folder: FolderArg) -> None:
    """Where the game is: round, state, which teams have submitted."""
    with _game(folder, write=False) as game:
        s = game.status()
        console.print(
            f"Round {s.round} of {s.rounds} ({s.played} played, week {s.week}): {s.state}"
            + (" - advances itself when every team has submitted" if s.auto_advance else "")
        )
        table = compact_table("Teams", [("team", "left"), ("submitted", "left")])
        for name, done in zip(s.teams, s.submitted, strict=True):
            table.add_row(name, "yes" if done else "-")
        console.print(table)


@class_app.command("submit")
def submit(folder: FolderArg, code: CodeOpt, sets: SetOpt = None) -> None:
    """A team's decisions for the coming round (no --set: keep the levers as they are, and say so)."""
    from cxsim.scenario import parse_overrides

    changes = parse_overrides(sets)
    with _game(folder) as game:
        recorded = _refused(game.submit, code, changes)
        team = game.role(code)[1]
        v = game.team_view(code) if game.status().state == "waiting" else None
        what = ", ".join(f"{k} = {val}" for k, val in recorded.items()) or "no change"
        console.print(f"{game.team_names[team]}: submitted {what} for round {game.played + (1 if v else 0)}.")
        if v is not None:
            spend = game.spend(team, recorded)
            console.print(f"Extra lever spend with these decisions: ${spend:,.0f}/week of ${v.budget:,.0f}.")


@class_app.command("withdraw")
def withdraw(folder: FolderArg, code: CodeOpt) -> None:
    """Take back a team's decisions before the round runs."""
    with _game(folder) as game:
        _refused(game.withdraw, code)
        console.print(f"{game.team_names[game.role(code)[1]]}: decisions withdrawn.")


@class_app.command("view")
def view(folder: FolderArg, code: CodeOpt) -> None:
    """What a team sees: its levers, its budget, its KPIs by round, the others' public KPIs."""
    from cxsim.formatting import number
    from cxsim.metrics import label

    with _game(folder, write=False) as game:
        v = _refused(game.team_view, code)
        console.print(
            f"[bold]{v.name}[/] - round {v.status.round} of {v.status.rounds} ({v.status.state}); "
            f"budget left ${v.budget_left:,.0f}/week of ${v.budget:,.0f}"
        )
        levers = compact_table("Levers in force", [("lever", "left"), ("value", "right"), ("allowed", "left")])
        for lv in v.open_levers:
            allowed = "on/off" if lv.kind == "bool" else ", ".join(lv.choices) or f"{lv.lo:g} .. {lv.hi:g}"
            levers.add_row(lv.key, str(v.levers[lv.key]), allowed)
        console.print(levers)
        if v.submitted is not None:
            console.print(f"Submitted for the coming round: {v.submitted or 'no change'}")
        if not v.by_round.empty:
            keys = ["share", "nps", "profit", "cash", "review_rating", "engaged_share"]
            own = compact_table("Your firm by round", [("round", "right")] + [(label(k), "right") for k in keys])
            for row in v.by_round.to_dict("records"):
                own.add_row(str(row["round"]), *(number(row[k], k) for k in keys))
            console.print(own)
            last = v.public[v.public["round"] == v.public["round"].max()]
            pub = compact_table(
                f"Everyone, end of round {int(last['round'].iloc[0])} (public)",
                [("team", "left"), ("share", "right"), ("public rating", "right"), ("price", "right")],
            )
            for row in last.to_dict("records"):
                pub.add_row(
                    row["name"], number(row["share"], "share"), number(row["review_rating"], "review_rating"),
                    number(row["price"], "price"),
                )  # fmt: skip
            console.print(pub)


@class_app.command("advance")
def advance(
    folder: FolderArg,
    code: CodeOpt,
    force: Annotated[bool, typer.Option(help="Run the round even if some teams have not submitted.")] = False,
) -> None:
    """Run the coming round (the teacher's code)."""
    with _game(folder) as game:
        record = _refused(game.advance, code, force)
        s = game.status()
        console.print(
            f"Round {record.round} played (weeks {record.first_week}-{record.last_week}, {record.seconds:.1f} s); "
            + ("the game is finished." if s.state == "finished" else f"round {s.round} is open for decisions.")
        )


def _control(action: str, done: str):
    def command(folder: FolderArg, code: CodeOpt) -> None:
        with _game(folder) as game:
            _refused(getattr(game, action), code)
            console.print(f"Game {done}.")

    command.__doc__ = f"{action.capitalize()} the game (the teacher's code)."
    return command


class_app.command("pause")(_control("pause", "paused"))
class_app.command("resume")(_control("resume", "resumed"))
class_app.command("end")(_control("end", "ended"))


@class_app.command("debrief")
def debrief_command(folder: FolderArg, score: ScoreOpt = "combined") -> None:
    """The leaderboard, and each team's difference from its counterfactual with the levers behind it."""
    from cxsim.formatting import number, signed
    from cxsim.game import debrief

    with _game(folder, write=False) as game:
        d = _refused(debrief, game, score)
    board = compact_table(
        f"Leaderboard by {score}",
        [("#", "right"), ("team", "left"), ("profit", "right"), ("NPS", "right"), ("share", "right"),
         ("combined", "right")],
    )  # fmt: skip
    for r in d.leaderboard.to_dict("records"):
        board.add_row(
            str(r["rank"]), r["name"], number(r["profit"], "profit"), number(r["nps"], "nps"),
            number(r["share"], "share"), f"{r['combined']:.0f}",
        )  # fmt: skip
    console.print(board)
    keys = ["profit", "share", "nps"]
    for t in d.teams:
        diff = ", ".join(f"{k} {signed(t.difference[k], k)}" for k in keys)
        console.print(f"[bold]{t.name}[/]: against keeping its starting levers, {diff}")
        for row in t.attribution.to_dict("records"):
            console.print(f"    {row['lever']:28s} " + ", ".join(f"{k} {signed(row[k], k)}" for k in keys))


@class_app.command("export")
def export_command(
    folder: FolderArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write into.")],
    score: ScoreOpt = "combined",
) -> None:
    """Decisions and KPIs (CSV, Parquet), the market (TOML) and an HTML report."""
    from cxsim.cli.common import check_writable
    from cxsim.game import export

    check_writable(out)
    with _game(folder, write=False) as game:
        where = _refused(export, game, out, score=score)
    console.print(f"wrote {where}/ (report.html, decisions, kpis, kpis_by_round, timeseries, scenario.toml)")
