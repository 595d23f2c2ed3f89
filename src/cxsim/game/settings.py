"""What a teacher picks for a game, and what it amounts to: the market, the open levers, the budget.

:class:`GameSettings` is the teacher's choice (market scenario, teams, rounds, budget, open levers,
seed, team names). :meth:`GameSettings.resolve` checks it and turns it into a :class:`Rules`: the
team market (:func:`cxsim.game.market.team_market`), each open lever with the range students may
use (:class:`OpenLever`), each team's starting levers and the budget in dollars.

**The budget** is a cap on a team's *extra weekly spending on levers*: what its levers cost a week
now, minus what its starting levers cost, priced by the model's own cost code
(:func:`cxsim.finance.week_accounts`: wages and the supervisors' premium, training, the HR program,
recognition, coaching time, the CX team, the CX room, VoC, marketing and win-back) at the firm's
planned headcount (``workforce.employees``). Savings on one lever pay for another (cutting training
funds a CX team); levers that cost nothing up front (price, incentives, empowerment) are outside
it, their consequences show in the firm's profit. The default is 10% of a team's starting lever
spend, rounded to $100 (e.g. $4,400 a week for a 60-employee team in the 10-team classroom market).
"""

from __future__ import annotations

import math
import typing
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from types import SimpleNamespace
from typing import Any

from cxsim.finance import WeekCounts, week_accounts
from cxsim.game.market import GameError, team_market
from cxsim.params import FIRM_SECTIONS, LEVER, FirmSettings, Scenario, field_bounds

#: Most teams a game has (the market's firm limit, cxsim.params.MAX_FIRMS).
MAX_TEAMS = 10
MAX_ROUNDS = 52
MAX_ROUND_WEEKS = 52
MAX_NAME = 40
#: The default budget: this share of a team's starting weekly lever spend.
DEFAULT_BUDGET_SHARE = 0.10

#: The levers open to students by default, in the order a student reads them, with their classroom range:
#: ``(lo, hi)`` absolute, ``("x", lo, hi)`` as multiples of the team's starting value, ``("x", lo, hi, key)`` as
#: multiples of another lever's starting value (win-back is sized by marketing), or None: the schema's whole
#: range (a switch: on/off; a policy: every choice).
DEFAULT_OPEN_LEVERS: dict[str, Any] = {
    "pricing.price": ("x", 0.75, 1.25),
    "leadership.marketing_spend": ("x", 0.0, 3.0),
    "leadership.winback_spend": ("x", 0.0, 2.0, "leadership.marketing_spend"),
    "leadership.brand_promise": None,
    "supervisors.coaching": None,
    "supervisors.attention": None,
    "programs.training_budget": (0.0, 50.0),
    "programs.hr_engagement": None,
    "programs.recognition": None,
    "programs.cx_team": None,
    "programs.cx_room": None,
    "incentives.cx_weight": None,
    "process.empowerment": None,
    "process.service_recovery": None,
    "workforce.staffing_policy": None,
    "workforce.wage": ("x", 0.8, 1.3),
    "staffing.target_utilisation": (0.6, 0.95),
}


@dataclass(frozen=True)
class OpenLever:
    """One lever students may move, and how far.

    Attributes:
        key: the firm's dotted key (``pricing.price``).
        label: a short human name (the studio's, :data:`cxsim.ui.levers.LABELS`).
        kind: ``"number"``, ``"integer"``, ``"bool"`` or ``"choice"``.
        lo, hi: the classroom range (inclusive; None for a switch or a policy).
        choices: the allowed values of a policy.
        unit, doc: the schema's unit and meaning.
        start: every team's starting value.
        costs: True when the lever counts against the budget (it changes the firm's weekly spend).
    """

    key: str
    label: str
    kind: str
    lo: float | None
    hi: float | None
    choices: tuple[str, ...]
    unit: str
    doc: str
    start: Any
    costs: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class GameSettings:
    """What the teacher picks. Checked by :meth:`resolve`; every mistake is a one-line :class:`GameError`.

    Attributes:
        scenario: the market: a shipped scenario name, a TOML path, or a :class:`~cxsim.params.Scenario`.
        teams: 2-10 teams (fewer when the scenario has rivals of its own: 10 firms in all).
        round_weeks: weeks one round simulates (13: a quarter).
        rounds: rounds in the game.
        budget: $/week each team may spend on levers above its starting spend (None: the default, 10% of the
            starting spend). 0 still lets a team move money between levers.
        open_levers: which levers students may move: a list of keys (each with its default classroom range, or
            the schema's range), or ``{key: (lo, hi) | [choices] | None}``. None: :data:`DEFAULT_OPEN_LEVERS`.
        seed: the market's random numbers (the game is a pure function of scenario, seed, decisions, version).
        team_names: one display name per team (default "Team 1" ...).
        auto_advance: run a round as soon as every team has submitted.
    """

    scenario: str | Scenario = "classroom"
    teams: int = 4
    round_weeks: int = 13
    rounds: int = 6
    budget: float | None = None
    open_levers: Mapping[str, Any] | Sequence[str] | None = None
    seed: int = 0
    team_names: Sequence[str] | None = None
    auto_advance: bool = False

    def resolve(self) -> Rules:
        """The rules these settings make: the team market, open levers, starting levers and budget.

        Raises:
            GameError: a setting out of range, an unknown or closed lever, a range outside the schema's or not
                containing the starting value, unusable team names, or a scenario that cannot be split.
        """
        _whole("teams", self.teams, 2, MAX_TEAMS)
        _whole("round_weeks", self.round_weeks, 1, MAX_ROUND_WEEKS)
        _whole("rounds", self.rounds, 1, MAX_ROUNDS)
        _whole("seed", self.seed, 0, 2**63 - 1)
        if not isinstance(self.auto_advance, bool):
            raise GameError(f"auto_advance must be true or false, got {self.auto_advance!r}")
        names = _team_names(self.team_names, self.teams)
        base = _load(self.scenario)
        market = team_market(base, self.teams)
        firm = market.focal_settings()
        open_levers = _open_levers(self.open_levers, firm)
        start = {lv.key: lv.start for lv in open_levers.values()}
        start_spend = lever_spend(firm)
        if self.budget is None:
            budget = round(DEFAULT_BUDGET_SHARE * start_spend, -2)
        else:
            if (
                isinstance(self.budget, bool)
                or not isinstance(self.budget, (int, float))
                or not math.isfinite(self.budget)
            ):
                raise GameError(f"budget must be a number of $ per week, got {self.budget!r}")
            if self.budget < 0:
                raise GameError(f"budget must be 0 or more ($ per week above the starting spend), got {self.budget:g}")
            budget = float(self.budget)
        return Rules(
            settings=self,
            base=base,
            market=market,
            team_names=names,
            open_levers=open_levers,
            start=start,
            start_spend=start_spend,
            budget=budget,
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (a Scenario object becomes its TOML text under ``scenario_toml``)."""
        d = asdict(self)
        if isinstance(self.scenario, Scenario):
            d["scenario"] = None
            d["scenario_toml"] = self.scenario.to_toml()
        if isinstance(self.open_levers, Mapping):
            d["open_levers"] = {
                k: (list(v) if isinstance(v, (tuple, list)) else v) for k, v in self.open_levers.items()
            }
        elif self.open_levers is not None:
            d["open_levers"] = list(self.open_levers)
        if self.team_names is not None:
            d["team_names"] = list(self.team_names)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> GameSettings:
        d = dict(d)
        toml = d.pop("scenario_toml", None)
        if toml is not None:
            from cxsim.scenario import scenario_from_toml

            d["scenario"] = scenario_from_toml(toml)
        return cls(**d)


@dataclass(frozen=True)
class Rules:
    """What :meth:`GameSettings.resolve` makes of the settings.

    Attributes:
        settings: the teacher's settings.
        base: the market scenario as chosen (before the split).
        market: the team market the game plays in (:func:`cxsim.game.market.team_market`).
        team_names: one display name per team.
        open_levers: the open levers by key, in the order students read them.
        start: every team's starting value of each open lever.
        start_spend: a team's weekly spend on levers at the start ($).
        budget: $/week each team may spend on levers above ``start_spend``.
    """

    settings: GameSettings
    base: Scenario
    market: Scenario
    team_names: tuple[str, ...]
    open_levers: dict[str, OpenLever]
    start: dict[str, Any]
    start_spend: float
    budget: float


# ------------------------------------------------------------------ the budget


def lever_spend(firm: FirmSettings) -> float:
    """A firm's weekly spending on its levers ($): wages (supervisors' premium and a cheaper front line
    included), programs and coaching time, marketing and win-back, priced by :func:`cxsim.finance.week_accounts`
    at the firm's planned headcount, with no sales and no service (those are outcomes, not spending)."""
    w = firm.workforce
    employees = w.employees
    counts = WeekCounts(
        purchases=0.0,
        new_offers=0,
        employees=employees,
        front_line=min(employees, max(1, round(w.frontline_share * employees))),
        supervisors=math.ceil(employees / w.team_size),
        overtime=0,
        hires=0,
        layoffs=0,
        contacts=0,
        handoffs=0,
        recoveries=0,
    )
    levers = SimpleNamespace(
        training_budget=firm.programs.training_budget,
        hr_engagement=firm.programs.hr_engagement,
        coaching=firm.supervisors.coaching,
        marketing_spend=firm.leadership.marketing_spend,
        winback_spend=firm.leadership.winback_spend,
    )
    acc = week_accounts(firm, counts, levers=levers, contact_cost_factor=1.0)
    return acc["cost_wages"] + acc["cost_programs"] + acc["cost_marketing"]


# ------------------------------------------------------------------ checks


def _whole(name: str, value: Any, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise GameError(f"{name} must be a whole number, got {value!r}")
    if not lo <= value <= hi:
        raise GameError(f"{name} must be from {lo} to {hi}, got {value}")


def _team_names(names: Sequence[str] | None, teams: int) -> tuple[str, ...]:
    if names is None:
        return tuple(f"Team {k + 1}" for k in range(teams))
    if isinstance(names, str):
        raise GameError("team_names must be a list of names, one per team")
    out = tuple(str(n).strip() if isinstance(n, str) else n for n in names)
    if len(out) != teams:
        raise GameError(f"team_names: {len(out)} names for {teams} teams")
    for n in out:
        if not isinstance(n, str) or not n:
            raise GameError(f"team_names: every team needs a name, got {n!r}")
        if len(n) > MAX_NAME:
            raise GameError(f"team_names: {n[:20]!r}... is longer than {MAX_NAME} characters")
    if len({n.casefold() for n in out}) != len(out):
        raise GameError("team_names: two teams have the same name")
    return out


def _load(scenario: str | Scenario) -> Scenario:
    from cxsim.scenario import ScenarioError, load_scenario

    if not isinstance(scenario, (str, Scenario)) and not hasattr(scenario, "__fspath__"):
        raise GameError(f"scenario must be a shipped scenario name or a TOML path, got {scenario!r}")
    try:
        return load_scenario(scenario)
    except ScenarioError as exc:
        raise GameError(f"scenario: {exc}") from None


def _declared(key: str):
    """The schema's field of a firm lever key, or a GameError saying why it cannot be opened."""
    from cxsim.model import STRUCTURAL

    if not isinstance(key, str) or key.count(".") != 1:
        raise GameError(f"open_levers: {key!r} is not a lever key like 'pricing.price'")
    section, name = key.split(".")
    if section not in FIRM_SECTIONS:
        raise GameError(f"open_levers: {key} is not one firm's lever (a firm's sections: {', '.join(FIRM_SECTIONS)})")
    fields = FIRM_SECTIONS[section].model_fields
    if name not in fields:
        raise GameError(f"open_levers: unknown key {key}")
    f = fields[name]
    role = (f.json_schema_extra or {}).get("role")
    if role != LEVER or key in STRUCTURAL:
        raise GameError(f"open_levers: {key} is not a lever a firm controls (it is a {role or 'setting'})")
    return f


def _open_levers(spec: Mapping[str, Any] | Sequence[str] | None, firm: FirmSettings) -> dict[str, OpenLever]:
    if spec is None:
        spec = DEFAULT_OPEN_LEVERS
    elif isinstance(spec, str):
        raise GameError("open_levers must be a list of lever keys or a {key: range} table")
    elif not isinstance(spec, Mapping):
        spec = {k: DEFAULT_OPEN_LEVERS.get(k) for k in spec}
    if not spec:
        raise GameError("open_levers: open at least one lever")
    out = {}
    for key, rng in spec.items():
        out[key] = _open_lever(key, rng, firm)
    return out


def _value(firm: FirmSettings, key: str) -> Any:
    section, name = key.split(".")
    return getattr(getattr(firm, section), name)


def _open_lever(key: str, rng: Any, firm: FirmSettings) -> OpenLever:
    from cxsim.ui.levers import label  # the studio's short labels: pure metadata, no UI code

    f = _declared(key)
    start = _value(firm, key)
    lo, hi = field_bounds(f)
    ann = f.annotation
    choices: tuple[str, ...] = ()
    if ann is bool:
        kind = "bool"
        if rng is not None:
            raise GameError(f"open_levers: {key} is a switch (on/off): give no range")
        lo = hi = None
    elif typing.get_origin(ann) is typing.Literal:
        kind = "choice"
        allowed = tuple(typing.get_args(ann))
        choices = allowed if rng is None else tuple(rng) if isinstance(rng, (list, tuple)) else ()
        if not choices or any(c not in allowed for c in choices):
            raise GameError(f"open_levers: {key} takes a list of choices from {', '.join(allowed)}")
        if start not in choices:
            raise GameError(f"open_levers: {key}'s choices must include the starting one ({start})")
        lo = hi = None
    else:
        kind = "integer" if ann is int else "number"
        if rng is not None:
            lo, hi = _range(key, rng, firm, lo, hi)
        assert lo is not None and hi is not None, f"{key}: every numeric lever of the schema has bounds"
        if not lo <= start <= hi:
            raise GameError(f"open_levers: {key} range {lo:g} to {hi:g} must include the starting value {start:g}")
    extra = f.json_schema_extra or {}
    costs = _costs(key, firm)
    return OpenLever(key, label(key, plain=True), kind, lo, hi, choices, extra.get("unit", ""), f.description or "",
                     start, costs)  # fmt: skip


def _range(key: str, rng: Any, firm: FirmSettings, lo_schema, hi_schema) -> tuple[float, float]:
    if isinstance(rng, (list, tuple)) and rng and rng[0] == "x":
        if len(rng) not in (3, 4):
            raise GameError(f"open_levers: {key}: a relative range is ('x', low multiple, high multiple[, of key])")
        ref = _value(firm, rng[3]) if len(rng) == 4 else _value(firm, key)
        lo, hi = rng[1] * ref, rng[2] * ref
    elif isinstance(rng, (list, tuple)) and len(rng) == 2:
        lo, hi = rng
    else:
        raise GameError(f"open_levers: {key}: a range is (low, high), got {rng!r}")
    for v in (lo, hi):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise GameError(f"open_levers: {key}: a range is two numbers, got {rng!r}")
    if lo > hi:
        raise GameError(f"open_levers: {key}: the low end {lo:g} is above the high end {hi:g}")
    if (lo_schema is not None and lo < lo_schema) or (hi_schema is not None and hi > hi_schema):
        raise GameError(
            f"open_levers: {key}: {lo:g} to {hi:g} goes beyond what the model allows ({lo_schema} to {hi_schema})"
        )
    return float(lo), float(hi)


def _costs(key: str, firm: FirmSettings) -> bool:
    """Whether moving the lever changes the firm's weekly lever spend (tried with a different value)."""
    lever = FIRM_SECTIONS[key.split(".")[0]].model_fields[key.split(".")[1]]
    start = _value(firm, key)
    ann = lever.annotation
    if ann is bool:
        other: Any = not start
    elif typing.get_origin(ann) is typing.Literal:
        others = [c for c in typing.get_args(ann) if c != start]
        return any(_spend_with(firm, key, c) != lever_spend(firm) for c in others)
    else:
        lo, hi = field_bounds(lever)
        other = start + 1 if hi is None or start + 1 <= hi else start - 1
        if ann is not int and lo is not None and hi is not None and hi - lo <= 1.0:
            other = lo if start != lo else hi
    return _spend_with(firm, key, other) != lever_spend(firm)


def _spend_with(firm: FirmSettings, key: str, value: Any) -> float:
    try:
        return lever_spend(with_levers(firm, {key: value}))
    except ValueError:  # a value that needs another lever too (a reality check needs VoC): no spend of its own
        return lever_spend(firm)


def with_levers(firm: FirmSettings, changes: Mapping[str, Any]) -> FirmSettings:
    """A firm's settings with dotted lever keys changed (validated by the schema; ValueError if not)."""
    data = firm.model_dump()
    for key, value in changes.items():
        section, name = key.split(".")
        data[section][name] = value
    return type(firm).model_validate(data)  # a rival's settings stay a Rival's
