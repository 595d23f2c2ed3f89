"""A game on disk: saved atomically after every change, resumed by replaying its decisions.

A game's folder holds:

- ``game.json``: the settings, the market scenario as TOML (the market itself, not a name: a shipped
  file that changes later does not change a game under way), the codes, the state, every round's
  decisions, the submissions waiting, the log, the version counter and the cxsim version. Written
  to a temporary file, flushed and renamed (:func:`cxsim.atomic.atomic_path`), readable by its
  owner only (it holds the codes).
- ``rounds/round_NN.parquet``: the market's weekly KPIs of each round (every firm's columns),
  written before ``game.json`` names the round. A crash between the two leaves a file no saved
  round names; the round is then played again from the same decisions, to the same numbers.

:func:`open_game` rebuilds the market by replaying the saved decisions from week 0 (a round of a
10-team classroom market takes a fraction of a second) and checks that every round's KPIs come out
exactly as saved, so a resumed game is the game that was played, or a one-line error says why not.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cxsim.atomic import atomic_path, write_frame
from cxsim.game.market import GameError, play_round

if TYPE_CHECKING:
    from cxsim.game.session import Game, RoundRecord

GAME_FILE = "game.json"
ROUNDS_DIR = "rounds"
FORMAT = 1


def round_path(folder: Path, number: int) -> Path:
    """Where round ``number``'s weekly KPIs are saved."""
    return Path(folder) / ROUNDS_DIR / f"round_{number:02d}.parquet"


def state(game: Game) -> dict[str, Any]:
    """Everything needed to resume ``game``, JSON-ready."""
    from cxsim.run import version

    r = game.rules
    return {
        "format": FORMAT,
        "cxsim_version": version(),
        "created": game.created,
        "settings": {**r.settings.as_dict(), "scenario": r.base.name, "scenario_toml": None},
        "scenario_toml": r.base.to_toml(),
        "market_toml": r.market.to_toml(),
        "teacher_code": game.teacher_code,
        "team_codes": list(game.team_codes),
        "state": game.state,
        "version": game.version,
        "rounds": [rec.as_dict() for rec in game.history],
        "pending": {str(k): v for k, v in sorted(game.pending.items())},
        "events": game.events,
    }


def save(game: Game) -> None:
    """Write ``game.json`` atomically (owner-only: it holds the codes)."""
    text = json.dumps(state(game), indent=1, sort_keys=True, allow_nan=False) + "\n"
    with atomic_path(game.folder / GAME_FILE) as tmp:
        tmp.write_text(text, encoding="utf-8")
        os.chmod(tmp, 0o600)


def write_round(game: Game, record: RoundRecord) -> None:
    """Save the weekly KPIs of a round just played (before ``game.json`` names it)."""
    from cxsim.run import version

    ts = game.model.timeseries()
    frame = ts[(ts["week"] >= record.first_week) & (ts["week"] <= record.last_week)]
    meta = {"cxsim_version": version(), "seed": str(game.settings.seed), "round": str(record.round)}
    write_frame(frame, round_path(game.folder, record.round), metadata=meta)


def read_state(folder: str | os.PathLike) -> dict[str, Any]:
    """The saved state of the game in ``folder``.

    Raises:
        GameError: no game there, or a ``game.json`` that cannot be read (the message says why).
    """
    path = Path(folder).expanduser() / GAME_FILE
    if not path.is_file():
        raise GameError(f"{Path(folder)}: no game here (no {GAME_FILE})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GameError(f"{path}: cannot be read ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise GameError(f"{path}: not a cxsim game file of format {FORMAT}")
    return data


def open_game(folder: str | os.PathLike) -> Game:
    """Resume the game saved in ``folder``: replay its rounds and check each against its saved KPIs.

    Raises:
        GameError: no game there, a damaged file, a round's KPIs missing, or a replay that does not give the
            saved KPIs (e.g. another cxsim version: the message names both).
    """
    from cxsim.game.session import Game, RoundRecord
    from cxsim.game.settings import GameSettings
    from cxsim.run import version
    from cxsim.scenario import ScenarioError, scenario_from_toml

    folder = Path(folder).expanduser()
    data = read_state(folder)
    try:
        base = scenario_from_toml(data["scenario_toml"])
        settings = GameSettings.from_dict({**data["settings"], "scenario": base, "scenario_toml": None})
        rules = settings.resolve()
        if rules.market != scenario_from_toml(data["market_toml"]):
            raise GameError(f"{folder / GAME_FILE}: the saved market differs from the one its settings make")
        history = [RoundRecord.from_dict(r) for r in data["rounds"]]
        game = Game(rules, folder, data["teacher_code"], tuple(data["team_codes"]))
        game.state = data["state"]
        game.version = int(data["version"])
        game.pending = {int(k): dict(v) for k, v in data["pending"].items()}
        game.events = list(data["events"])
        game.created = data["created"]
    except (KeyError, TypeError, ValueError, ScenarioError) as exc:
        if isinstance(exc, GameError):
            raise
        raise GameError(f"{folder / GAME_FILE}: damaged ({type(exc).__name__}: {exc})") from None
    saved_by = data.get("cxsim_version", "?")
    for record in history:
        play_round(game.model, record.decisions, settings.round_weeks)
        path = round_path(folder, record.round)
        if not path.is_file():
            raise GameError(f"{path}: missing; round {record.round}'s KPIs cannot be checked")
        ts = game.model.timeseries()
        replayed = ts[(ts["week"] >= record.first_week) & (ts["week"] <= record.last_week)]
        difference = first_difference(pd.read_parquet(path), replayed)
        if difference:
            raise GameError(
                f"round {record.round} does not replay to its saved KPIs ({difference}); the game was saved by "
                f"cxsim {saved_by}, this is cxsim {version()}"
            )
        game.history.append(record)
    return game


def first_difference(saved: pd.DataFrame, replayed: pd.DataFrame) -> str:
    """'' when two weekly KPI frames are equal (NaN equals NaN), else where they first differ."""
    if list(saved.columns) != list(replayed.columns):
        return "the KPI columns differ"
    if len(saved) != len(replayed):
        return f"{len(saved)} weeks saved, {len(replayed)} replayed"
    for col in saved.columns:
        a = saved[col].to_numpy(dtype=float)
        b = replayed[col].to_numpy(dtype=float)
        same = (a == b) | (np.isnan(a) & np.isnan(b))
        if not same.all():
            i = int(np.flatnonzero(~same)[0])
            week = int(saved["week"].iloc[i])
            return f"week {week}, {col}: saved {a[i]!r}, replayed {b[i]!r}"
    return ""
