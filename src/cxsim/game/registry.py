"""Every game a server holds, found by any of its codes.

A :class:`GameRegistry` owns a root folder with one sub-folder per game. On start it resumes every
game saved there (:func:`cxsim.game.store.open_game`); a game that cannot be resumed is left on
disk and listed in :attr:`GameRegistry.errors` with the reason, and the others carry on. Each game
has its own lock (:attr:`cxsim.game.Game.lock`), so one class's round never waits for another's;
the registry's own lock only guards its table of games.
"""

from __future__ import annotations

import os
import secrets
import threading
from datetime import UTC, datetime
from pathlib import Path

from cxsim.game.market import GameError
from cxsim.game.session import TEACHER, Game, normalise_code
from cxsim.game.settings import GameSettings
from cxsim.game.store import GAME_FILE, open_game


class GameRegistry:
    """The games under ``root``: create, find by code, list.

    Attributes:
        root: the folder holding one sub-folder per game.
        errors: ``{folder name: reason}`` of saved games that could not be resumed.
    """

    def __init__(self, root: str | os.PathLike, *, resume: bool = True):
        self.root = Path(root).expanduser()
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._games: dict[str, Game] = {}
        self.errors: dict[str, str] = {}
        if resume:
            for folder in sorted(p for p in self.root.iterdir() if (p / GAME_FILE).is_file()):
                try:
                    self._games[folder.name] = open_game(folder)
                except GameError as exc:
                    self.errors[folder.name] = str(exc)

    def create(self, settings: GameSettings) -> Game:
        """A new game in a fresh sub-folder (named by date and a random suffix)."""
        with self._lock:
            while True:
                name = f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
                if not (self.root / name).exists():
                    break
            game = Game.create(settings, self.root / name)
            self._games[name] = game
            return game

    def find(self, code: str) -> tuple[Game, str, int | None]:
        """The game a code belongs to, with the code's role: ``(game, "teacher", None)`` or ``(game, "team", k)``.

        Raises:
            GameError: ``unknown code``.
        """
        if normalise_code(code):
            for game in self.games():
                try:
                    kind, team = game.role(code)
                except GameError:
                    continue
                return game, kind, team
        raise GameError("unknown code: check it with your teacher")

    def get(self, game_id: str) -> Game:
        """A game by its folder name."""
        with self._lock:
            if game_id not in self._games:
                raise GameError(f"no game {game_id!r} on this server")
            return self._games[game_id]

    def games(self) -> list[Game]:
        """Every game held, oldest first."""
        with self._lock:
            return [self._games[k] for k in sorted(self._games)]

    def ids(self) -> list[str]:
        """The games' folder names, oldest first."""
        with self._lock:
            return sorted(self._games)

    def is_teacher(self, code: str) -> bool:
        """Whether ``code`` is a teacher's code of some game here."""
        try:
            return self.find(code)[1] == TEACHER
        except GameError:
            return False
