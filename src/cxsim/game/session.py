"""A game in progress: its codes, who may do what, the rounds, and what each player sees.

A :class:`Game` holds the rules (:class:`cxsim.game.settings.Rules`), the market's model, the
decisions of every round played and the decisions submitted for the coming one. Every change
(a submission, a withdrawal, a round, pause, resume, end) bumps :attr:`Game.version` and is saved
atomically before the call returns (:mod:`cxsim.game.store`), so a server restart loses nothing
that a caller was told had happened.

Who may do what is decided by the code alone: the teacher's code runs the game, a team's join code
acts for that team and no other. Codes are 15 characters of Crockford's base32 in three groups
(``7KQMX-3TP9R-WABC4``: 75 random bits), read without regard to case, spaces or dashes, with the
look-alikes O/0 and I/L/1 taken as the same.

States: ``waiting`` (a round is open for decisions), ``paused`` (the teacher stopped the clock:
no submissions, no rounds), ``ended`` (the teacher ended the game early) and ``finished`` (every
round played). Every refusal raises :class:`GameError` with one line saying why.
"""

from __future__ import annotations

import hmac
import math
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from cxsim.game.market import (
    PUBLIC_KPIS,
    TEAM_KPIS,
    GameError,
    column_prefix,
    firm_name,
    new_model,
    play_round,
)
from cxsim.game.settings import GameSettings, OpenLever, Rules, lever_spend, with_levers
from cxsim.scenario import ScenarioError

STATES = ("waiting", "paused", "ended", "finished")
TEACHER = "teacher"
TEAM = "team"

# ------------------------------------------------------------------ codes

#: Crockford's base32: digits and capitals without I, L, O, U (nothing to misread, nothing rude by accident).
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_GROUPS, CODE_GROUP_LEN = 3, 5  # 15 characters x 5 bits = 75 bits
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    """A fresh unguessable code: ``XXXXX-XXXXX-XXXXX`` (75 bits from :mod:`secrets`)."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * CODE_GROUP_LEN))
    return "-".join(chars[i : i + CODE_GROUP_LEN] for i in range(0, len(chars), CODE_GROUP_LEN))


def normalise_code(code: Any) -> str:
    """A code as typed -> its canonical form (case, spaces, dashes and look-alikes do not matter); '' if not text."""
    if not isinstance(code, str):
        return ""
    raw = "".join(code.upper().split()).replace("-", "").translate(_READ_AS)
    if len(raw) != CODE_GROUPS * CODE_GROUP_LEN or any(c not in CODE_ALPHABET for c in raw):
        return ""
    return "-".join(raw[i : i + CODE_GROUP_LEN] for i in range(0, len(raw), CODE_GROUP_LEN))


# ------------------------------------------------------------------ what the game returns


@dataclass(frozen=True)
class RoundRecord:
    """One round played: the decisions applied (team index -> changes), who had submitted, when, how long."""

    round: int
    decisions: dict[int, dict[str, Any]]
    submitted: tuple[int, ...]
    forced: bool
    first_week: int
    last_week: int
    seconds: float
    at: str

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["decisions"] = {str(k): v for k, v in self.decisions.items()}
        d["submitted"] = list(self.submitted)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RoundRecord:
        d = dict(d)
        d["decisions"] = {int(k): dict(v) for k, v in d["decisions"].items()}
        d["submitted"] = tuple(d["submitted"])
        return cls(**d)


@dataclass(frozen=True)
class Status:
    """Where the game is: cheap to poll (compare ``version`` with the last one seen).

    Attributes:
        round: the round open for decisions (1-based); the last round once the game is over.
        played: rounds played so far.
        rounds: rounds in the game.
        state: ``waiting``, ``paused``, ``ended`` or ``finished``.
        teams: the teams' names.
        submitted: per team, whether it has submitted for the coming round.
        week: weeks simulated so far.
        version: bumped by every change.
        auto_advance: whether the game runs a round as soon as every team has submitted.
    """

    round: int
    played: int
    rounds: int
    state: str
    teams: tuple[str, ...]
    submitted: tuple[bool, ...]
    week: int
    version: int
    auto_advance: bool

    @property
    def waiting_for(self) -> tuple[str, ...]:
        """The teams that have not submitted yet."""
        return tuple(n for n, s in zip(self.teams, self.submitted, strict=True) if not s)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "waiting_for": list(self.waiting_for)}


@dataclass(frozen=True)
class TeamView:
    """What one team sees: its own firm in full, the others only as the public sees them.

    Attributes:
        team, name: the team's index (0-based) and name.
        status: the game's :class:`Status`.
        open_levers: the levers the team may move, with their ranges.
        levers: the team's open levers as in force now.
        submitted: the decisions it has submitted for the coming round (None: nothing yet).
        budget: $/week it may spend on levers above its starting spend.
        spend: its extra weekly lever spend now ($, levers in force).
        budget_left: ``budget - spend``.
        weekly: its own KPIs, one row per week (columns ``round``, ``week`` and :data:`TEAM_KPIS`).
        by_round: its own KPIs per round (flows summed over the round, levels at its last week).
        public: every team's public KPIs (share, public rating, price) at the end of each round.
        public_weekly: the same, week by week.
        decisions: its own decisions by round (``round``, ``key``, ``value``).
    """

    team: int
    name: str
    status: Status
    open_levers: tuple[OpenLever, ...]
    levers: dict[str, Any]
    submitted: dict[str, Any] | None
    budget: float
    spend: float
    budget_left: float
    weekly: pd.DataFrame
    by_round: pd.DataFrame
    public: pd.DataFrame
    public_weekly: pd.DataFrame
    decisions: pd.DataFrame


@dataclass(frozen=True)
class TeacherView:
    """Everything: the codes, every team's decisions and KPIs, the submissions waiting.

    Attributes:
        status: the game's :class:`Status`.
        teacher_code, team_codes: the codes (hand each team its own).
        weekly: every team's KPIs, one row per (week, team): ``round``, ``week``, ``team``, ``name`` and
            :data:`TEAM_KPIS`.
        by_round: the same per (round, team).
        timeseries: the model's full weekly frame (every firm's columns, the market's) with a ``round`` column.
        decisions: every decision applied (``round``, ``team``, ``name``, ``key``, ``value``).
        pending: the decisions submitted for the coming round, by team index.
        levers: every team's open levers in force.
        spend: every team's extra weekly lever spend ($).
        budget: the budget ($/week above the starting spend).
        events: the game's log (``at``, ``who``, ``what``), oldest first.
    """

    status: Status
    teacher_code: str
    team_codes: tuple[str, ...]
    weekly: pd.DataFrame
    by_round: pd.DataFrame
    timeseries: pd.DataFrame
    decisions: pd.DataFrame
    pending: dict[int, dict[str, Any]]
    levers: list[dict[str, Any]]
    spend: list[float]
    budget: float
    events: list[dict[str, str]]


# ------------------------------------------------------------------ the game


class Game:
    """One class's game: create it with :meth:`create`, resume it with :func:`cxsim.game.open_game`.

    Every method is safe to call from several threads (one lock per game); every change is saved before
    the method returns.

    Attributes:
        folder: where the game is saved (``game.json`` and one Parquet file of KPIs per round).
        rules: what the settings amount to (market, open levers, budget, team names).
        teacher_code, team_codes: the codes (secrets).
        version: bumped by every change, so a page can poll :meth:`status` cheaply.
        history: the rounds played (:class:`RoundRecord`).
        model: the market's :class:`cxsim.model.CXModel`, at the end of the last round played.
        lock: the game's lock (held by every method; hold it to read several things consistently).
    """

    MAX_EVENTS = 500

    def __init__(self, rules: Rules, folder: Path, teacher_code: str, team_codes: tuple[str, ...]):
        # use Game.create or open_game: this only sets fields
        self.rules = rules
        self.folder = Path(folder)
        self.teacher_code = teacher_code
        self.team_codes = tuple(team_codes)
        self.state = "waiting"
        self.version = 0
        self.history: list[RoundRecord] = []
        self.pending: dict[int, dict[str, Any]] = {}
        self.events: list[dict[str, str]] = []
        self.created = _now()
        self.lock = threading.RLock()
        self.debrief_cache: dict = {}  # (version, team, lever subset) -> a replay's weekly KPIs (cxsim.game.debrief)
        self.model = new_model(rules.market, rules.settings.seed)

    # ----------------------------------------------------------------- making and saving

    @classmethod
    def create(cls, settings: GameSettings, folder: str | Path) -> Game:
        """Start a new game in ``folder`` (created if needed; it must not hold a game already).

        Raises:
            GameError: a setting the game cannot use (:meth:`GameSettings.resolve`), or a folder that already
                holds a game.
        """
        from cxsim.game import store

        if not isinstance(settings, GameSettings):
            raise GameError(f"settings must be a GameSettings, got {type(settings).__name__}")
        rules = settings.resolve()
        folder = Path(folder).expanduser()
        if (folder / store.GAME_FILE).exists():
            raise GameError(f"{folder} already holds a game: open it (open_game) or choose another folder")
        codes = set()
        while len(codes) < settings.teams + 1:  # a collision is 2^-75 unlikely; never hand out a code twice
            codes.add(new_code())
        teacher, *teams = sorted(codes, key=lambda _: secrets.randbits(32))
        game = cls(rules, folder, teacher, tuple(teams))
        game._log("teacher", f"created the game: {settings.teams} teams, {settings.rounds} rounds")
        store.save(game)
        return game

    def _changed(self, who: str, what: str) -> None:
        from cxsim.game import store

        self.version += 1
        self._log(who, what)
        store.save(self)

    def _log(self, who: str, what: str) -> None:
        self.events.append({"at": _now(), "who": who, "what": what})
        del self.events[: -self.MAX_EVENTS]

    # ----------------------------------------------------------------- who is who

    @property
    def settings(self) -> GameSettings:
        return self.rules.settings

    @property
    def teams(self) -> int:
        return self.rules.settings.teams

    @property
    def team_names(self) -> tuple[str, ...]:
        return self.rules.team_names

    @property
    def played(self) -> int:
        """Rounds played so far."""
        return len(self.history)

    def role(self, code: str) -> tuple[str, int | None]:
        """``("teacher", None)`` or ``("team", team index)`` for a code.

        Raises:
            GameError: ``unknown code``.
        """
        given = normalise_code(code)
        found: tuple[str, int | None] | None = None
        if given:  # compare with every code in constant time: how long it takes says nothing about a near miss
            if hmac.compare_digest(given, self.teacher_code):
                found = (TEACHER, None)
            for k, c in enumerate(self.team_codes):
                if hmac.compare_digest(given, c):
                    found = (TEAM, k)
        if found is None:
            raise GameError("unknown code: check it with your teacher")
        return found

    def _team(self, code: str) -> int:
        kind, team = self.role(code)
        if kind == TEACHER:
            raise GameError("this is the teacher's code: a team's decisions need that team's join code")
        assert team is not None
        return team

    def _teacher(self, code: str, action: str) -> None:
        kind, _ = self.role(code)
        if kind != TEACHER:
            raise GameError(f"only the teacher can {action} the game: a team's code cannot")

    def _open_for_decisions(self) -> None:
        if self.state == "paused":
            raise GameError("the game is paused: wait for the teacher to resume it")
        if self.state == "ended":
            raise GameError("the game has ended: no more decisions")
        if self.state == "finished":
            raise GameError(f"the game is finished after its last round ({self.settings.rounds}): no more decisions")

    # ----------------------------------------------------------------- a team's decisions

    def levers(self, team: int) -> dict[str, Any]:
        """Team ``team``'s open levers as in force now."""
        firm = self.model.firms[team].settings
        return {key: _get(firm, key) for key in self.rules.open_levers}

    def spend(self, team: int, changes: Mapping[str, Any] | None = None) -> float:
        """Team ``team``'s extra weekly lever spend ($ above its starting spend), now or with ``changes``."""
        firm = self.model.firms[team].settings
        if changes:
            firm = with_levers(firm, changes)
        return lever_spend(firm) - self.rules.start_spend

    def check(self, code: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Check a team's decisions without submitting them: the same refusals as :meth:`submit`.

        Returns:
            ``{"changes": the decisions as they would be recorded, "spend": extra weekly lever spend with them,
            "budget_left": what the budget leaves}``.
        """
        with self.lock:
            team = self._team(code)
            self._open_for_decisions()
            clean = self._validate(team, changes)
            spend = self.spend(team, clean)
            return {"changes": clean, "spend": spend, "budget_left": self.rules.budget - spend}

    def submit(self, code: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """A team's decisions for the coming round (``{"section.key": value}`` of open levers; ``{}``: no change).

        A new submission replaces the team's earlier one for this round. With ``auto_advance``, the last team to
        submit runs the round (the call returns after it).

        Returns:
            the decisions as recorded (numbers as the lever's type).

        Raises:
            GameError: an unknown code, the teacher's code, a lever not open, a value of the wrong type or out of
                its range, over budget, decisions the model does not allow together, or a game paused, ended or
                finished.
        """
        with self.lock:
            team = self._team(code)
            self._open_for_decisions()
            clean = self._validate(team, changes)
            spend = self.spend(team, clean)
            if spend > self.rules.budget + 1e-6:
                raise GameError(
                    f"over budget: these levers cost ${spend:,.0f} a week more than at the start; the budget "
                    f"allows ${self.rules.budget:,.0f} (cut ${spend - self.rules.budget:,.0f} a week)"
                )
            self.pending[team] = clean
            self._changed(self.team_names[team], f"submitted for round {self.played + 1}")
            if self.settings.auto_advance and len(self.pending) == self.teams:
                self._advance(forced=False, who="auto-advance")
            return dict(clean)

    def withdraw(self, code: str) -> None:
        """Take back a team's submission before the round runs (its levers then stay as they are, unless it
        submits again).

        Raises:
            GameError: an unknown code, the teacher's code, a game paused, ended or finished, or nothing submitted.
        """
        with self.lock:
            team = self._team(code)
            self._open_for_decisions()
            if team not in self.pending:
                raise GameError(f"{self.team_names[team]} has nothing submitted for round {self.played + 1}")
            del self.pending[team]
            self._changed(self.team_names[team], f"withdrew its decisions for round {self.played + 1}")

    def _validate(self, team: int, changes: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(changes, Mapping):
            raise GameError(f"decisions are a table of lever = value, got {type(changes).__name__}")
        rules = self.rules
        clean: dict[str, Any] = {}
        for key, value in changes.items():
            lever = rules.open_levers.get(key)
            if lever is None:
                raise GameError(f"{key} is not a lever open to teams in this game")
            clean[key] = _checked(lever, value)
        # decisions the schema does not allow together (e.g. a reality check without a VoC survey)
        prefix = f"rivals.{firm_name(team)}." if team else ""
        try:
            self.model.params.override({prefix + k: v for k, v in clean.items()})
        except ScenarioError as exc:
            raise GameError(f"these decisions do not go together: {exc}") from None
        return clean

    # ----------------------------------------------------------------- the teacher's controls

    def advance(self, teacher_code: str, force: bool = False) -> RoundRecord:
        """Run the coming round: every team's submitted decisions apply, the market moves ``round_weeks`` weeks.

        Teams that did not submit keep their levers; without ``force`` the round waits until every team has
        submitted.

        Raises:
            GameError: not the teacher's code, a game paused, ended or finished, or teams still to submit
                (without ``force``).
        """
        with self.lock:
            self._teacher(teacher_code, "advance")
            if self.state == "paused":
                raise GameError("the game is paused: resume it before the next round")
            self._open_for_decisions()
            missing = [self.team_names[k] for k in range(self.teams) if k not in self.pending]
            if missing and not force:
                raise GameError(
                    f"waiting for {', '.join(missing)} to submit: advance with force to run the round anyway "
                    "(they keep their levers)"
                )
            return self._advance(forced=bool(missing), who="teacher")

    def _advance(self, *, forced: bool, who: str) -> RoundRecord:
        from cxsim.game import store

        t0 = time.perf_counter()
        first = self.model.week + 1
        decisions = {k: dict(v) for k, v in sorted(self.pending.items()) if v}
        record = RoundRecord(
            round=self.played + 1,
            decisions=decisions,
            submitted=tuple(sorted(self.pending)),
            forced=forced,
            first_week=first,
            last_week=first + self.settings.round_weeks - 1,
            seconds=0.0,
            at=_now(),
        )
        play_round(self.model, decisions, self.settings.round_weeks)
        record = RoundRecord(**{**asdict(record), "seconds": round(time.perf_counter() - t0, 3)})
        try:
            store.write_round(self, record)
        except BaseException:  # nothing was saved: put the market back where the saved game is
            self.model = _rebuild(self.rules, self.history)
            raise
        pending = self.pending
        self.history.append(record)
        self.pending = {}
        if self.played == self.settings.rounds:
            self.state = "finished"
        try:
            self._changed(who, f"ran round {record.round}" + (" (not every team had submitted)" if forced else ""))
        except BaseException:
            self.history.pop()
            self.pending = pending
            self.state = "waiting"
            self.version -= 1
            self.model = _rebuild(self.rules, self.history)
            raise
        return record

    def pause(self, teacher_code: str) -> None:
        """Stop the clock: no submissions and no rounds until :meth:`resume`."""
        with self.lock:
            self._teacher(teacher_code, "pause")
            if self.state != "waiting":
                raise GameError(f"the game is {self.state}: only a game in play can be paused")
            self.state = "paused"
            self._changed("teacher", "paused the game")

    def resume(self, teacher_code: str) -> None:
        """Start the clock again after :meth:`pause`."""
        with self.lock:
            self._teacher(teacher_code, "resume")
            if self.state != "paused":
                raise GameError(f"the game is {self.state}, not paused: there is nothing to resume")
            self.state = "waiting"
            self._changed("teacher", "resumed the game")

    def end(self, teacher_code: str) -> None:
        """End the game before its last round (the rounds played stay; the debrief works on them)."""
        with self.lock:
            self._teacher(teacher_code, "end")
            if self.state in ("ended", "finished"):
                raise GameError(f"the game is already {self.state}")
            self.state = "ended"
            self.pending = {}
            self._changed("teacher", f"ended the game after round {self.played}")

    # ----------------------------------------------------------------- views

    def status(self) -> Status:
        """Where the game is (cheap: no KPIs)."""
        with self.lock:
            over = self.state in ("ended", "finished")
            return Status(
                round=max(1, self.played) if over else self.played + 1,
                played=self.played,
                rounds=self.settings.rounds,
                state=self.state,
                teams=self.team_names,
                submitted=tuple(k in self.pending for k in range(self.teams)),
                week=self.model.week,
                version=self.version,
                auto_advance=self.settings.auto_advance,
            )

    def team_view(self, code: str) -> TeamView:
        """What the team whose code this is sees: its own firm in full, the others' public KPIs only.

        Raises:
            GameError: an unknown code or the teacher's code (the teacher has :meth:`teacher_view`).
        """
        with self.lock:
            team = self._team(code)
            weekly = self.weekly()
            own = weekly[weekly["team"] == team].drop(columns=["team", "name"]).reset_index(drop=True)
            spend = self.spend(team)
            public_weekly = weekly[["round", "week", "team", "name", *PUBLIC_KPIS]].reset_index(drop=True)
            decisions = self.decisions()
            decisions = decisions[decisions["team"] == team][["round", "key", "value"]].reset_index(drop=True)
            return TeamView(
                team=team,
                name=self.team_names[team],
                status=self.status(),
                open_levers=tuple(self.rules.open_levers.values()),
                levers=self.levers(team),
                submitted=dict(self.pending[team]) if team in self.pending else None,
                budget=self.rules.budget,
                spend=spend,
                budget_left=self.rules.budget - spend,
                weekly=own,
                by_round=by_round(own),
                public=_round_ends(public_weekly),
                public_weekly=public_weekly,
                decisions=decisions,
            )

    def teacher_view(self, teacher_code: str) -> TeacherView:
        """Everything about the game (the teacher's code only)."""
        with self.lock:
            self._teacher(teacher_code, "see everything in")
            weekly = self.weekly()
            return TeacherView(
                status=self.status(),
                teacher_code=self.teacher_code,
                team_codes=self.team_codes,
                weekly=weekly,
                by_round=by_round(weekly, by=["team", "name"]),
                timeseries=self.timeseries(),
                decisions=self.decisions(),
                pending={k: dict(v) for k, v in self.pending.items()},
                levers=[self.levers(k) for k in range(self.teams)],
                spend=[self.spend(k) for k in range(self.teams)],
                budget=self.rules.budget,
                events=[dict(e) for e in self.events],
            )

    # ----------------------------------------------------------------- frames

    def timeseries(self) -> pd.DataFrame:
        """The model's weekly frame so far (every firm's columns) with the ``round`` each week belongs to."""
        ts = self.model.timeseries()
        ts.insert(0, "round", ((ts["week"] - 1) // self.settings.round_weeks + 1).astype(int))
        return ts

    def weekly(self) -> pd.DataFrame:
        """Every team's own KPIs, one row per (week, team), long form."""
        return team_frame(self.timeseries(), self.team_names)

    def decisions(self) -> pd.DataFrame:
        """Every decision applied, one row per (round, team, lever)."""
        rows = [
            {"round": r.round, "team": k, "name": self.team_names[k], "key": key, "value": value}
            for r in self.history
            for k, changes in sorted(r.decisions.items())
            for key, value in changes.items()
        ]
        return pd.DataFrame(rows, columns=["round", "team", "name", "key", "value"])


# ------------------------------------------------------------------ helpers


def team_frame(ts: pd.DataFrame, names: tuple[str, ...]) -> pd.DataFrame:
    """The teams' KPIs from a model's weekly frame (with ``round``): one row per (week, team)."""
    parts = []
    for k, name in enumerate(names):
        p = column_prefix(k)
        part = ts[["round", "week"] + [p + key for key in TEAM_KPIS]].copy()
        part.columns = ["round", "week", *TEAM_KPIS]
        part.insert(2, "team", k)
        part.insert(3, "name", name)
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=["round", "week", "team", "name", *TEAM_KPIS])
    out = pd.concat(parts, ignore_index=True).sort_values(["week", "team"], kind="stable")
    return out.reset_index(drop=True)


def by_round(weekly: pd.DataFrame, by: list[str] | None = None) -> pd.DataFrame:
    """KPIs per round: flows summed over the round's weeks, weekly rates averaged, levels at its last week
    (as :data:`cxsim.metrics.KPIS` declares each; a firm's own column names)."""
    from cxsim.metrics import outcome_kind

    by = list(by or [])
    keys = [c for c in weekly.columns if c not in ("round", "week", *by)]
    if weekly.empty:
        return pd.DataFrame(columns=["round", *by, "weeks", *keys])
    how = {k: {"total": "sum", "mean": "mean"}.get(outcome_kind(k), "last") for k in keys}
    how["week"] = "count"
    out = weekly.groupby(["round", *by], sort=True).agg(how).rename(columns={"week": "weeks"}).reset_index()
    return out[["round", *by, "weeks", *keys]]


def _round_ends(weekly: pd.DataFrame) -> pd.DataFrame:
    if weekly.empty:
        return weekly.drop(columns=["week"])
    last = weekly.groupby("round")["week"].transform("max")
    return weekly[weekly["week"] == last].drop(columns=["week"]).reset_index(drop=True)


def _checked(lever: OpenLever, value: Any) -> Any:
    """A submitted value in the lever's type and range, or a GameError saying what is wrong with it."""
    key = lever.key
    if lever.kind == "bool":
        if not isinstance(value, bool):
            raise GameError(f"{key} is on or off: give true or false, got {value!r}")
        return value
    if lever.kind == "choice":
        if not isinstance(value, str) or value not in lever.choices:
            raise GameError(f"{key} must be one of {', '.join(lever.choices)}, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise GameError(f"{key} must be a number, got {value!r}")
    if lever.kind == "integer":
        if value != int(value):
            raise GameError(f"{key} must be a whole number, got {value!r}")
        value = int(value)
    else:
        value = float(value)
    assert lever.lo is not None and lever.hi is not None
    if not lever.lo <= value <= lever.hi:
        raise GameError(f"{key} = {value:g} is outside the allowed range {lever.lo:g} to {lever.hi:g}")
    return value


def _get(firm, key: str) -> Any:
    section, name = key.split(".")
    return getattr(getattr(firm, section), name)


def _rebuild(rules: Rules, history: list[RoundRecord]):
    """The market's model after the rounds of ``history``, replayed from week 0."""
    model = new_model(rules.market, rules.settings.seed)
    for record in history:
        play_round(model, record.decisions, rules.settings.round_weeks)
    return model


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


__all__ = [
    "Game",
    "GameError",
    "RoundRecord",
    "STATES",
    "Status",
    "TeacherView",
    "TeamView",
    "firm_name",
    "new_code",
    "normalise_code",
]
