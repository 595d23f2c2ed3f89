"""A firm's profile: what it knows, what it observes, and what the fit may change.

A profile is a TOML file (``experiments/firms/*.toml`` are worked examples)::

    scenario = "baseline"            # where the firm starts: a shipped name or a path
    description = "A mobile telecom"
    history = "telecom_history.csv"  # optional: weekly KPIs (column 'week' + target names)

    [facts]                          # scenario keys the firm knows and sets exactly
    "market.size" = 2_000_000
    "workforce.employees" = 9_000    # or as a table: [facts.workforce] employees = 9000

    [targets]                        # the KPIs it observes, each with the sd it is sure to
    nps = { value = 31, sd = 5, source = "Temkin 2017, wireless carriers" }
    annual_churn = { value = 0.16, sd = 0.03 }

    [history_sd]                     # sd of each history column's block means
    nps = 6

    [free]                           # optional: the unknowns and their prior ranges
    "churn.base_hazard" = [0.001, 0.01]   # default: every calibratable parameter

    [fit]                            # optional: how the fit runs (defaults shown in FitSettings)
    people = 5000

Every mistake raises :class:`ProfileError` naming the key, worded as scenario errors are.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cxsim.fit.targets import TARGETS, unknown_target
from cxsim.params import Scenario, calibratable, parameters
from cxsim.params.base import UNKNOWN
from cxsim.scenario import ScenarioError, flatten, load_scenario

#: Below this many employees a scaled-down firm behaves differently from the firm at its own size: measured on the
#: baseline scaled to 500 / 50 / 20 / 10 employees, NPS 16.9 / 17.1 / 7.4 / 5.3 and margin 10.6 / 10.3 / 3.9 / 1.9%.
SMALL_FIRM = 40


class ProfileError(ScenarioError):
    """A profile that cannot be fitted, with the key and the reason (one line)."""


@dataclass(frozen=True)
class FitSettings:
    """How a fit runs. The defaults fit a 6-target profile in under 10 minutes on 2 cores."""

    #: people in the simulated market: the firm's facts are scaled down (or up) to this size
    #: (:func:`cxsim.scale` keeps customers per employee, margins and reach)
    people: int = 5000
    #: weeks simulated before the targets' window starts (the start-up transient of the model)
    burn_in: int = 52
    #: weeks over which each target is measured
    window: int = 52
    #: weeks per block of the KPI history (13: quarters)
    history_block: int = 13
    #: particles per generation of ABC-SMC
    population: int = 150
    #: stop after this many simulations
    max_simulations: int = 4000
    #: stop after this many minutes (the generation under way finishes first)
    max_minutes: float = 8.0
    #: stop when the accepted particles are all within this RMS z-score of the targets
    min_epsilon: float = 0.5
    #: seeds the fitted scenario is re-run with to check it against the targets
    check_seeds: int = 8
    #: the fit's random seed: the same profile, seed and version give the same posterior
    seed: int = 0
    #: what the unknowns the screening finds no target moving do during the fit: "calibrated" keeps them at
    #: the scenario's values (calibrated to published evidence), "prior" draws them from their prior in
    #: every simulation (the posterior then carries their whole doubt, and the targets are far harder to reach)
    others: str = "calibrated"

    def __post_init__(self) -> None:
        for name in ("people", "population", "max_simulations", "check_seeds", "window", "history_block"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ProfileError(f"fit.{name} = {value!r}: give a whole number >= 1")
        if isinstance(self.burn_in, bool) or not isinstance(self.burn_in, int) or self.burn_in < 0:
            raise ProfileError(f"fit.burn_in = {self.burn_in!r}: give a whole number of weeks >= 0")
        if self.people < 200:
            raise ProfileError(f"fit.people = {self.people}: a fit needs a market of at least 200 people")
        if self.population < 10:
            raise ProfileError(f"fit.population = {self.population}: ABC-SMC needs at least 10 particles")
        for name in ("max_minutes", "min_epsilon"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ProfileError(f"fit.{name} = {value!r}: give a number > 0")
        if self.others not in ("calibrated", "prior"):
            raise ProfileError(f'fit.others = {self.others!r}: choose "calibrated" or "prior"')
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ProfileError(f"fit.seed = {self.seed!r}: give a whole number >= 0")

    @property
    def weeks(self) -> int:
        """Weeks each simulation runs: burn-in, then the window."""
        return self.burn_in + self.window


@dataclass(frozen=True)
class TargetValue:
    """A firm's observed figure for one target, the sd it is sure to, and where it comes from."""

    value: float
    sd: float
    source: str = ""


@dataclass(frozen=True)
class Profile:
    """A checked profile: the firm's scenario with its facts, its targets and the unknowns to fit."""

    name: str
    description: str
    scenario: Scenario  # the starting scenario with the facts applied, at the firm's own size
    base_name: str  # what ``scenario =`` named
    facts: dict[str, Any]
    fact_sources: dict[str, str]
    targets: dict[str, TargetValue]
    free: dict[str, tuple[float, float]]  # dotted key -> prior range (uniform)
    settings: FitSettings = field(default_factory=FitSettings)
    history: pd.DataFrame | None = None
    history_sd: dict[str, float] = field(default_factory=dict)
    path: Path | None = None

    @property
    def scale_factor(self) -> float:
        """Factor from the firm's market to the fit's simulated market."""
        return self.settings.people / self.scenario.market.size

    @property
    def fit_employees(self) -> int:
        """The focal firm's employees in the fit's simulated market."""
        return self.fit_scenario().workforce.employees

    def small_firm_warning(self) -> str | None:
        """A warning when the scaled firm is so small that it behaves unlike the firm at its own size."""
        n = self.fit_employees
        if n >= SMALL_FIRM or n == self.scenario.workforce.employees:
            return None
        return (
            f"at fit.people = {self.settings.people:,} the firm has {n} employees (it has "
            f"{self.scenario.workforce.employees:,}): below about {SMALL_FIRM} a front line is lumpy (one quit "
            f"is a large share of it), so the fit tunes the weights to a smaller firm than yours; raise fit.people"
        )

    def fit_scenario(self) -> Scenario:
        """The firm, scaled to the fit's market size (what each simulation of the fit starts from)."""
        return self.scenario.scale(self.scale_factor) if self.scale_factor != 1 else self.scenario


_TOP = {"scenario", "description", "name", "history", "facts", "targets", "history_sd", "free", "fit"}


def _flat(prefix: str, table: Mapping[str, Any], leaf=lambda v: not isinstance(v, Mapping)) -> dict[str, Any]:
    """``{"market": {"size": 5}}`` -> ``{"market.size": 5}``; values for which ``leaf`` holds stop the descent."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if leaf(value):
            out[dotted] = value
        else:
            out.update(_flat(dotted + ".", value, leaf))
    return out


def _number(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ProfileError(f"{where} = {value!r}: expected a number")
    return float(value)


def _targets(table: Any) -> dict[str, TargetValue]:
    if not isinstance(table, Mapping):
        raise ProfileError("[targets] must be a table: nps = { value = 30, sd = 5 }")
    out = {}
    for name, spec in table.items():
        where = f"targets.{name}"
        if name not in TARGETS:
            raise ProfileError(f"{where}: {unknown_target(name)}")
        if not isinstance(spec, Mapping):
            raise ProfileError(f"{where} = {spec!r}: give {{ value = ..., sd = ... }}")
        extra = set(spec) - {"value", "sd", "source"}
        if extra:
            raise ProfileError(f"{where}.{sorted(extra)[0]}: unknown key (a target has value, sd and source)")
        if "value" not in spec or "sd" not in spec:
            raise ProfileError(f"{where}: needs both value and sd, e.g. {{ value = 30, sd = 5 }}")
        value, sd = _number(f"{where}.value", spec["value"]), _number(f"{where}.sd", spec["sd"])
        t = TARGETS[name]
        if not t.lo <= value <= t.hi:
            raise ProfileError(
                f"{where}.value = {value:g} is out of range (allowed: {t.lo:g} to {t.hi:g} {t.unit}; {t.meaning})"
            )
        if not sd > 0:
            raise ProfileError(f"{where}.sd = {sd:g}: must be > 0 (how sure the firm is of its figure)")
        source = spec.get("source", "")
        if not isinstance(source, str):
            raise ProfileError(f"{where}.source: expected text")
        out[name] = TargetValue(value, sd, source)
    return out


def _free(table: Any, scenario: Scenario, facts: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    if table is None:
        return {k: v for k, v in calibratable().items() if k not in facts}
    if not isinstance(table, Mapping):
        raise ProfileError('[free] must be a table: "churn.base_hazard" = [0.001, 0.01]')
    flat = _flat("", table, leaf=lambda v: not isinstance(v, Mapping))
    known = dict(parameters())
    values = flatten(scenario)
    out = {}
    for key, prior in flat.items():
        where = f"free.{key}"
        if key not in known:
            import difflib

            guess = difflib.get_close_matches(key, list(known), n=1)
            raise ProfileError(f"{where}: no such parameter" + (f"; did you mean '{guess[0]}'?" if guess else ""))
        if key in facts:
            raise ProfileError(f"{where}: is also a fact; a key is either known exactly or fitted, not both")
        if not isinstance(prior, list) or len(prior) != 2:
            raise ProfileError(f"{where} = {prior!r}: give the prior range as [low, high]")
        lo, hi = _number(f"{where}[0]", prior[0]), _number(f"{where}[1]", prior[1])
        if not lo < hi:
            raise ProfileError(f"{where} = [{lo:g}, {hi:g}]: low must be below high")
        if isinstance(values[key], bool) or not isinstance(values[key], (int, float)):
            raise ProfileError(f"{where}: {key} is not a number and cannot be fitted")
        from cxsim.params import field_bounds

        b_lo, b_hi = field_bounds(known[key])
        if (b_lo is not None and lo < b_lo) or (b_hi is not None and hi > b_hi):
            raise ProfileError(f"{where} = [{lo:g}, {hi:g}] is out of range (allowed: {b_lo:g} to {b_hi:g})")
        out[key] = (lo, hi)
    if not out:
        raise ProfileError("[free] is empty: name at least one parameter to fit, or leave [free] out to fit them all")
    return out


def _history(path: Path, window: int) -> pd.DataFrame:
    try:
        df = pd.read_csv(path)
    except FileNotFoundError:
        raise ProfileError(f"history = {str(path)!r}: no such file") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ProfileError(f"history = {str(path)!r}: not a CSV file ({exc})") from None
    if "week" not in df.columns:
        raise ProfileError(f"history {path.name}: needs a 'week' column (1 = the first week of the fit's window)")
    for col in df.columns:
        if col != "week" and col not in TARGETS:
            raise ProfileError(f"history {path.name}: column {col!r}: {unknown_target(col)}")
        if not pd.api.types.is_numeric_dtype(df[col]):
            raise ProfileError(f"history {path.name}: column {col!r} holds something that is not a number")
    if len(df.columns) < 2 or df.empty:
        raise ProfileError(f"history {path.name}: needs rows and at least one target column besides 'week'")
    weeks = df["week"]
    if weeks.isna().any() or (weeks % 1 != 0).any() or weeks.min() < 1 or weeks.max() > window:
        raise ProfileError(
            f"history {path.name}: weeks must be whole numbers from 1 to fit.window = {window} "
            f"(week 1 = the first week after the burn-in)"
        )
    return df


def _fit_settings(table: Any) -> FitSettings:
    if table is None:
        return FitSettings()
    if not isinstance(table, Mapping):
        raise ProfileError("[fit] must be a table, e.g. people = 5000")
    allowed = set(FitSettings.__dataclass_fields__)
    for key in table:
        if key not in allowed:
            raise ProfileError(f"fit.{key}: unknown key (allowed: {', '.join(sorted(allowed))})")
    try:
        return FitSettings(**table)
    except TypeError as exc:  # pragma: no cover - keys are checked above
        raise ProfileError(f"[fit]: {exc}") from None


def profile_from_dict(data: Mapping[str, Any], folder: Path | None = None, name: str = "profile") -> Profile:
    """Check a parsed profile; ``folder`` resolves relative paths (the profile's own folder)."""
    folder = folder or Path.cwd()
    for key in data:
        if key not in _TOP:
            raise ProfileError(f"{key}: unknown key (a profile has {', '.join(sorted(_TOP))})")
    base = data.get("scenario")
    if not isinstance(base, str) or not base.strip():
        raise ProfileError('scenario: name the scenario to start from, e.g. scenario = "baseline"')
    path = folder / base
    source = path if base.endswith(".toml") and path.exists() else base
    facts_table = data.get("facts", {})
    if not isinstance(facts_table, Mapping):
        raise ProfileError('[facts] must be a table: "market.size" = 100000')
    raw = _flat("", facts_table, leaf=lambda v: not isinstance(v, Mapping) or "value" in v)
    facts = {k: (v["value"] if isinstance(v, Mapping) else v) for k, v in raw.items()}
    sources = {k: str(v.get("source", "")) for k, v in raw.items() if isinstance(v, Mapping)}
    try:
        scenario = load_scenario(source)
    except ScenarioError as exc:
        raise ProfileError(f"scenario = {base!r}: {exc}") from None
    for key, value in facts.items():
        try:
            scenario = scenario.override({key: value})
        except ScenarioError as exc:
            raise ProfileError(f"facts.{exc}" if str(exc).startswith(key) else f"facts.{key}: {exc}") from None
    settings = _fit_settings(data.get("fit"))
    targets = _targets(data.get("targets", {}))
    history = None
    history_sd: dict[str, float] = {}
    if data.get("history") is not None:
        if not isinstance(data["history"], str):
            raise ProfileError("history: give the path of a CSV file")
        history = _history(folder / data["history"], settings.window)
        sd_table = data.get("history_sd", {})
        if not isinstance(sd_table, Mapping):
            raise ProfileError("[history_sd] must be a table: nps = 6")
        for col in history.columns:
            if col == "week":
                continue
            if col not in sd_table:
                raise ProfileError(
                    f"history_sd.{col}: missing; give the sd of a {settings.history_block}-week "
                    f"block mean of the history's {col!r} column"
                )
            history_sd[col] = _number(f"history_sd.{col}", sd_table[col])
            if not history_sd[col] > 0:
                raise ProfileError(f"history_sd.{col} = {history_sd[col]:g}: must be > 0")
        for col in sd_table:
            if col not in history.columns:
                raise ProfileError(f"history_sd.{col}: the history has no {col!r} column")
    elif data.get("history_sd"):
        raise ProfileError('[history_sd] without history: name the CSV file with history = "..."')
    if not targets and history is None:
        raise ProfileError("[targets]: give at least one target (or a history), e.g. nps = { value = 30, sd = 5 }")
    free = _free(data.get("free"), scenario, facts)
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ProfileError("description: expected text")
    return Profile(
        name=str(data.get("name", name)),
        description=description,
        scenario=scenario,
        base_name=base,
        facts=facts,
        fact_sources=sources,
        targets=targets,
        free=free,
        settings=settings,
        history=history,
        history_sd=history_sd,
    )


def load_profile(path: str | os.PathLike) -> Profile:
    """Read and check a profile TOML file.

    Raises:
        ProfileError: the file is missing or not TOML, or a key or value is not allowed (the message names it).
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileError(f"{p}: no such profile file") from None
    except (IsADirectoryError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{p}: cannot read it as a text file ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{p.name}: TOML syntax error: {exc}") from None
    try:
        profile = profile_from_dict(data, p.resolve().parent, name=p.stem)
    except ProfileError as exc:
        raise ProfileError(f"{p.name}: {exc}") from None
    return Profile(**{**profile.__dict__, "path": p.resolve()})


def is_unknown(key: str) -> bool:
    """Whether a dotted key is one of the unknown causal weights (not a lever or a fact)."""
    info = dict(parameters()).get(key)
    return info is not None and (info.json_schema_extra or {}).get("role") == UNKNOWN
