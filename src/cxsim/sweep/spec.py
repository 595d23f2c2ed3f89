"""Sweep specs: which levers and uncertainties to vary, how, and what to keep.

The analyst's batch question ("which engagement lever matters most for
two-year profit?") is written once as a TOML file: base scenario, fixed
``[set]`` changes, ``[levers]`` and ``[uncertainties]`` (a range
``[low, high]``, ``{min, max, scale}`` or ``{values = [...]}`` each), design,
samples, seeds, steps and KPIs (docs/sweeps.md, ``experiments/sweeps/``).

:class:`SpecFile` is that file's schema (pydantic, like the scenario's in
:mod:`cxsim.params`); :func:`load_spec` then lets the scenario schema itself
judge the fixed changes and every bound and value of a factor, in the base
scenario, and returns a :class:`SweepSpec`. Every mistake raises
:class:`SweepError` (a :class:`cxsim.ScenarioError`): one line naming the
dotted key and what is allowed, worded as scenario errors are, e.g.
``levers.supervisors.coaching = 1.5 is out of range (allowed: 0 to 1 quality)``.
"""

from __future__ import annotations

import difflib
import math
import os
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from cxsim.metrics import KPIS, RIVAL_KEYS, _key_of, find
from cxsim.params import FIRM_SECTION_NAMES, Rival, Scenario, Sim, field_bounds
from cxsim.scenario import (
    _EXPECTED,
    _OUT_OF_RANGE,
    ScenarioError,
    _format_validation_error,
    _shown,
    load_scenario,
    no_rival,
    override,
)
from cxsim.scenario import get as scenario_get

DESIGNS = ("grid", "lhs", "sobol", "morris", "random")

#: What ``samples`` means for each design, and its default.
DESIGN_SAMPLES: dict[str, tuple[str, int]] = {
    "grid": ("levels per range factor (value lists use all their values)", 3),
    "lhs": ("design points (Latin hypercube)", 100),
    "random": ("design points (uniform random)", 100),
    "sobol": ("base samples N, a power of 2; points = N x (factors + 2), or N x (2 factors + 2) with second_order", 64),
    "morris": ("trajectories r; points = r x (factors + 1)", 10),
}

#: KPIs kept when a spec names none: the outcomes a strategist asks about first.
DEFAULT_KPIS = ["profit", "revenue", "nps", "customers", "churned", "mean_engagement", "cash"]


class SweepError(ScenarioError):
    """A sweep spec or sweep directory that cannot be used, with a readable reason naming the key."""


# ------------------------------------------------------------------ factors


@dataclass(frozen=True)
class Factor:
    """One varied parameter.

    A *range* factor maps a unit coordinate ``u`` in [0, 1] to
    ``low + u (high - low)`` (or geometrically for ``scale = "log"``),
    rounded for integer parameters. A *values* factor maps ``u`` to
    ``values[floor(u k)]`` for k values, so every design (grid, Sobol,
    Morris ...) works in one unit hypercube.
    """

    key: str
    role: str = "lever"  # "lever" (the firm controls it) or "uncertainty" (it does not)
    low: float | None = None
    high: float | None = None
    values: tuple | None = None
    integer: bool = False
    scale: str = "linear"

    @property
    def is_range(self) -> bool:
        return self.values is None

    def value(self, u: float) -> Any:
        """The parameter value at unit coordinate ``u``."""
        u = min(max(float(u), 0.0), 1.0)
        if self.values is not None:
            return self.values[min(int(u * len(self.values)), len(self.values) - 1)]
        if self.scale == "log":
            x = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        else:
            x = self.low + u * (self.high - self.low)
        return int(round(x)) if self.integer else float(x)

    def grid_units(self, levels: int) -> list[float]:
        """Unit coordinates of a grid over this factor (distinct values only)."""
        if self.values is not None:
            k = len(self.values)
            return [(i + 0.5) / k for i in range(k)]
        units = [0.5] if levels == 1 else [i / (levels - 1) for i in range(levels)]
        out, seen = [], set()
        for u in units:  # an integer range narrower than the grid would repeat values
            v = self.value(u)
            if v not in seen:
                seen.add(v)
                out.append(u)
        return out

    def describe(self) -> str:
        if self.values is not None:
            return "{" + ", ".join(_show(v) for v in self.values) + "}"
        return f"[{_show(self.low)}, {_show(self.high)}]" + (" log" if self.scale == "log" else "")

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"key": self.key, "role": self.role}
        if self.values is not None:
            d["values"] = list(self.values)
        else:
            d.update(low=self.low, high=self.high, integer=self.integer, scale=self.scale)
        return d

    @classmethod
    def from_dict(cls, d: Mapping) -> Factor:
        values = d.get("values")
        return cls(**{**d, "values": tuple(values) if values is not None else None})


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return repr(v) if isinstance(v, str) else f"{v:g}" if isinstance(v, float) else str(v)


# -------------------------------------------------------------- the schemas


def _allowed(text: str, **kwargs: Any) -> Any:
    """A key whose type alone does not say what is allowed: ``text`` completes "must be ..." in its errors."""
    return Field(json_schema_extra={"allowed": text}, **kwargs)


_WEEKS = Sim.model_fields["weeks"].metadata  # a run's steps have the bounds of a scenario's sim.weeks
_KPI_NAMES = tuple(k for k in KPIS if k != "week")
_FACTORS = "a table of 'section.parameter' (or 'rivals.<name>.section.parameter') = range or values"


class _Keys(BaseModel):
    """The keys a spec file and a :class:`SweepSpec` share: type, bounds and default, declared once."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = _allowed("a non-empty string", default="sweep", min_length=1)
    description: str = _allowed("a string", default="")
    scenario: str = _allowed("a shipped scenario name or a TOML path", default="baseline")
    sets: dict[str, Any] = _allowed("a table of 'section.parameter' = value", default={}, alias="set")
    design: Literal[DESIGNS]
    samples: int = Field(ge=1)
    seeds: int = Field(1, ge=1)
    base_seed: int = Field(0, ge=0, le=2**63 - 1)
    steps: Annotated[int, *_WEEKS] = 104
    kpis: tuple[str, ...] = Field(tuple(DEFAULT_KPIS), min_length=1)
    keep: Literal["summary", "timeseries"] = _allowed(
        "'summary' (one row per run) or 'timeseries' (one row per run and week)", default="summary"
    )
    chunk_size: int | None = Field(None, ge=1)
    common_random_numbers: bool = False
    second_order: bool = False
    morris_levels: int = Field(4, ge=2, le=100)
    confidence: float = _allowed("a level between 0.5 and 1 (e.g. 0.95)", default=0.95, ge=0.5, lt=1)
    resamples: int = Field(1000, ge=10, le=100_000)

    @field_validator("kpis")
    @classmethod
    def _kpis_once(cls, kpis: Any) -> Any:
        if len(set(kpis)) != len(kpis):
            raise ValueError("a KPI is listed twice")
        return kpis

    @field_validator("samples")
    @classmethod
    def _samples_fit_the_design(cls, n: int | None, info: ValidationInfo) -> int | None:
        design = info.data.get("design")
        if n is not None and design == "sobol" and n & (n - 1):
            lo = 1 << (n.bit_length() - 1)
            raise ValueError(
                f"a Sobol design needs a power of 2 base samples (its convergence depends on it), "
                f"got {n}; use {lo} or {lo * 2}"
            )
        if n is not None and n < 2 and design in ("sobol", "morris"):
            raise ValueError(
                "a Sobol design needs at least 2 base samples"
                if design == "sobol"
                else f"a Morris design needs at least 2 trajectories for mu* and sigma, got {n}"
            )
        return n

    @field_validator("morris_levels")
    @classmethod
    def _even_levels(cls, levels: int, info: ValidationInfo) -> int:
        if info.data.get("design") == "morris" and levels % 2:
            raise ValueError(f"must be even (Morris's step is levels / (2 (levels - 1))), got {levels}")
        return levels


class SweepSpec(_Keys):
    """A validated sweep: base scenario, factors, design and what to keep.

    Build one with :func:`load_spec` (which checks everything); the fields
    mirror the TOML keys. ``base`` is the scenario every run starts from
    (after the fixed ``[set]`` changes).
    """

    model_config = ConfigDict(populate_by_name=True)

    factors: tuple[Factor, ...]
    base: Scenario | None = None
    source: str | None = None  # the TOML text, kept in the manifest for the record

    @property
    def keys(self) -> list[str]:
        return [f.key for f in self.factors]

    def to_dict(self) -> dict:
        """JSON-able canonical form (what the manifest stores and ``--resume`` compares)."""
        d = self.model_dump(by_alias=True, exclude={"chunk_size", "base", "source"})
        return {**d, "kpis": list(self.kpis), "factors": [f.to_dict() for f in self.factors]}

    @classmethod
    def from_dict(cls, d: Mapping, base: Scenario | None = None) -> SweepSpec:
        """Rebuild a spec recorded in a manifest (no re-validation against today's scenarios)."""
        return cls.model_validate({**d, "factors": [Factor.from_dict(f) for f in d["factors"]], "base": base})


# ----------------------------------------------------------- the spec file

_DEFAULTS = Scenario()  # what type each parameter is, for the checks that need no base scenario


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _default(key: Any) -> Any:
    """A parameter's default value (its type says what a factor of it may be), or None for an unknown key.

    A rival's lever (``rivals.<name>.pricing.price``) is the same parameter as the focal firm's; whether the
    base scenario has that rival is for :func:`_build` to say.
    """
    parts = key.split(".") if isinstance(key, str) else []
    if len(parts) == 4 and parts[0] == "rivals" and parts[2] in FIRM_SECTION_NAMES:
        key = ".".join(parts[2:])
    elif len(parts) == 3 and parts[0] == "rivals" and parts[2] in Rival.model_fields:
        return None if parts[2] in FIRM_SECTION_NAMES else Rival.model_fields[parts[2]].default
    try:
        return scenario_get(_DEFAULTS, key)
    except (AttributeError, ValueError):
        return None


def _parameter(key: str) -> str:
    """A dotted parameter key of the scenario schema, as ``cxsim run --set`` takes it."""
    if key.count(".") not in ((2, 3) if key.startswith("rivals.") else (1,)):
        raise ValueError(
            "keys look like 'section.parameter' (e.g. supervisors.coaching), or "
            "'rivals.<name>.section.parameter' for a rival's"
        )
    if _default(key) is None:
        try:  # the scenario's own message: unknown section or key, with a suggestion
            override(_DEFAULTS, {key: None})
        except ScenarioError as exc:
            raise ValueError(str(exc).removeprefix(f"{key}: ")) from None
    return key


def _kpi_name(name: str) -> str:
    """A KPI column: the focal firm's (``share``) or a rival's (``rival_share``: rival name, _, KPI)."""
    declared = find(name)
    if name not in _KPI_NAMES and (declared is None or declared.name != name or name in KPIS):
        if declared is not None and name not in KPIS:  # total_profit: an outcome column, named by its KPI here
            hint = f"; did you mean '{declared.name}'? ({name} is its per-run outcome column)"
        else:
            hint = _suggest(name, [*_KPI_NAMES, *(f"rival_{k}" for k in RIVAL_KEYS)])
        raise ValueError(f"unknown KPI {_shown(name)} (see cxsim.metrics.KPIS){hint}")
    return name


def _rival_of(kpi: str) -> str | None:
    """The rival a KPI column is about (``rival_share`` -> ``rival``), None for the focal firm's and the market's."""
    return None if kpi in KPIS else kpi.removesuffix("_" + _key_of(kpi))


class FactorTable(BaseModel):
    """One lever or uncertainty as written: a range ``{min, max, scale}`` or ``{values = [...]}``.

    A bare list of numbers is a range ``[low, high]``; any other bare list (and any list for a switch or
    a word: see ``SpecFile._unfold``) is a list of values. Each value is judged by the scenario schema later,
    in the base scenario (``_factor``).
    """

    # strict: a sweep records its values, so "0.5" for a number or 1 for a switch is refused, not converted
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    min: float | None = Field(None, allow_inf_nan=False)
    max: float | None = Field(None, allow_inf_nan=False)
    scale: Literal["linear", "log"] = _allowed("'linear' or 'log'", default="linear")
    values: list[Any] | None = _allowed("a list", default=None)

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, raw: Any) -> Any:
        if isinstance(raw, list) and raw and all(_is_number(v) for v in raw):
            if len(raw) != 2:
                raise ValueError(
                    f"a list of numbers is a range [low, high] and needs exactly 2 numbers, got {len(raw)}; "
                    f"for a list of values write {{values = {raw!r}}}"
                )
            return {"min": raw[0], "max": raw[1]}
        if isinstance(raw, list):
            return {"values": raw}
        if not isinstance(raw, Mapping):
            raise ValueError(
                f"give a range [low, high], {{min = .., max = ..}} or {{values = [...]}}, got {_shown(raw)}"
            )
        return dict(raw)

    @model_validator(mode="after")
    def _range_or_values(self) -> FactorTable:
        if self.values is not None:
            if self.model_fields_set != {"values"}:
                raise ValueError("give either values = [...] or min/max, not both")
            if not self.values:
                raise ValueError("the list of values is empty")
        elif self.min is None or self.max is None:
            raise ValueError("a range needs both min and max (or give values = [...])")
        elif not self.min < self.max:
            raise ValueError(f"range low must be smaller than high, got [{_shown(self.min)}, {_shown(self.max)}]")
        elif self.scale == "log" and self.min <= 0:
            raise ValueError(f"a log-scale range needs min > 0, got {_shown(self.min)}")
        return self


_ParameterKey = Annotated[str, AfterValidator(_parameter)]


def _is_table(value: Any) -> bool:
    """A table of keys, not a factor's own table (``{min, max}``, ``{values}``)."""
    return isinstance(value, Mapping) and not set(value) & set(FactorTable.model_fields)


def _unfold_keys(prefix: str, table: Mapping, levels: int) -> dict[str, Any]:
    """``{"a": {"b": 1}}`` under ``prefix`` -> ``{"prefix.a.b": 1}``, at most ``levels`` deep."""
    out: dict[str, Any] = {}
    for sub, value in table.items():
        key = f"{prefix}.{sub}"
        if levels > 1 and _is_table(value):
            out.update(_unfold_keys(key, value, levels - 1))
        else:
            out[key] = value
    return out


class SpecFile(_Keys):
    """A sweep spec file as written; :func:`load_spec` checks its values against the scenario.

    ``samples`` and ``steps`` default to the design's (:data:`DESIGN_SAMPLES`) and the scenario's
    ``sim.weeks``, so they stay None here when the file does not give them.
    """

    model_config = ConfigDict(strict=True)  # TOML gives exact types: 2.0 is not a count, "true" not a switch

    sets: dict[_ParameterKey, Any] = _allowed("a table of 'section.parameter' = value", default={}, alias="set")
    samples: int | None = Field(None, ge=1)
    steps: Annotated[int, *_WEEKS] | None = None
    kpis: list[Annotated[str, AfterValidator(_kpi_name)]] = _allowed(
        "a non-empty list of KPI names", default=DEFAULT_KPIS, min_length=1
    )
    levers: dict[_ParameterKey, FactorTable] = _allowed(_FACTORS, default={})
    uncertainties: dict[_ParameterKey, FactorTable] = _allowed(_FACTORS, default={})

    @field_validator("sets", "levers", "uncertainties", mode="before")
    @classmethod
    def _unfold(cls, table: Any, info: ValidationInfo) -> Any:
        """TOML reads a bare dotted key (``supervisors.coaching = ...``) as nested tables: unfold them.

        Parameter keys are ``section.parameter`` (one level to unfold) or a rival's
        ``rivals.<name>.section.parameter`` and ``rivals.<name>.initial_share`` (three or two), so anything
        deeper is a factor's own table. In levers and uncertainties, a bare list for a parameter that is not
        a number lists its values.
        """
        if not isinstance(table, Mapping):
            return table  # the field's type reports it
        out: dict[Any, Any] = {}
        for key, value in table.items():
            if isinstance(key, str) and "." not in key and _is_table(value):
                levels = 3 if key == "rivals" else 1
                out.update(_unfold_keys(key, value, levels))
            else:
                out[key] = value
        if info.field_name == "sets":
            return out
        return {k: {"values": v} if isinstance(v, list) and not _is_number(_default(k)) else v for k, v in out.items()}

    @field_validator("kpis", mode="before")
    @classmethod
    def _one_kpi(cls, kpis: Any) -> Any:
        return [kpis] if isinstance(kpis, str) else kpis

    @model_validator(mode="after")
    def _factors_fit(self) -> SpecFile:
        """A range needs a number, a Sobol or Morris factor two values; a parameter is fixed, or varied once."""
        seen: set[str] = set()
        for section, key, table in self.factor_tables():
            if key in self.sets:
                raise ValueError(f"{section}.{key}: also fixed in [set]; a parameter is either fixed or varied")
            if key in seen:
                raise ValueError(f"{section}.{key}: listed twice (in [levers] and [uncertainties]?)")
            seen.add(key)
            default = _default(key)
            if table.values is None and not _is_number(default):
                raise ValueError(
                    f"{section}.{key}: this parameter is {type(default).__name__} ({_show(default)}), not a number: "
                    f"list its values, e.g. {{values = [...]}}"
                )
            if table.values is not None and len(table.values) == 1 and self.design in ("sobol", "morris"):
                # a single value varies nothing: in a Sobol or Morris design it costs runs for an index of exactly 0
                raise ValueError(
                    f"{section}.{key}: one value ({_show(table.values[0])}) is not something to vary; "
                    f"a {self.design} design would spend runs on it for nothing: fix it in [set] instead"
                )
        if not seen and self.design != "grid":
            raise ValueError(f"levers: a {self.design} design needs at least one lever or uncertainty to vary")
        return self

    def factor_tables(self) -> Iterator[tuple[str, str, FactorTable]]:
        """``(section, key, table)`` for every lever, then every uncertainty."""
        for section in ("levers", "uncertainties"):
            for key, table in getattr(self, section).items():
                yield section, key, table


# ----------------------------------------------------------------- messages

_SPEC_FIELDS = {f.alias or name: f for name, f in SpecFile.model_fields.items()}
#: Keys whose values are names from a list: what one is called, the names, and where to see them.
_NAMES = {
    "design": ("design", DESIGNS, "; choose one of " + ", ".join(DESIGNS)),
}


def _suggest(bad: str, pool) -> str:
    guess = difflib.get_close_matches(bad, list(pool), n=1)
    return f"; did you mean '{guess[0]}'?" if guess else ""


def _message(err: ErrorDetails, cli: Mapping[str, Any]) -> str:
    """One pydantic error as one line naming the dotted key and what is allowed, as scenario errors do."""
    loc = [str(p) for p in err["loc"] if not isinstance(p, int) and p != "[key]"]  # kpis.0 -> kpis
    kind, got, msg = err["type"], err.get("input"), err["msg"].removeprefix("Value error, ")
    in_table = len(loc) == 3 and loc[0] in ("levers", "uncertainties")
    spec_field = (FactorTable.model_fields.get(loc[2]) if in_table else _SPEC_FIELDS.get(loc[0])) if loc else None
    allowed = ((spec_field.json_schema_extra if spec_field else None) or {}).get("allowed")
    key = ".".join(loc)
    if loc and loc[0] in cli:
        key = "--" + key.replace("_", "-")
    if kind == "extra_forbidden" and in_table:
        pool = FactorTable.model_fields
        return f"{key}: unknown key in a factor table (use min/max[/scale] or values){_suggest(loc[-1], pool)}"
    if kind == "extra_forbidden":
        return f"{key}: unknown key in a sweep spec{_suggest(loc[-1], _SPEC_FIELDS)}"
    if kind == "value_error" or not loc:
        return f"{key}: {msg}" if loc else msg
    if kind == "missing":  # only the design has no default
        return f"{key}: missing; choose one of {', '.join(DESIGNS)}"
    if kind == "literal_error" and loc[0] in _NAMES:
        noun, names, where = _NAMES[loc[0]]
        return f"{key}: unknown {noun} {_shown(got)}{where}{_suggest(str(got), names)}"
    if not allowed and kind in _OUT_OF_RANGE:
        lo, hi = field_bounds(_Keys.model_fields[loc[0]])
        allowed = f"{lo} or more" if hi is None else f"{lo} to {hi}"
    shown = "[]" if got == [] else _shown(got)  # "a list" would not say what was wrong with it
    return f"{key}: must be {allowed or _EXPECTED.get(kind, msg)}, got {shown}"


def _format(exc: ValidationError, cli: Mapping[str, Any]) -> str:
    """Every mistake, misspelt keys first; one per key or factor (its first error explains the rest)."""
    lines: dict[tuple, str] = {}
    for err in sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden"):
        lines.setdefault(err["loc"][:2], _message(err, cli))
    return "; ".join(lines.values())


# ---------------------------------------------------------------- load_spec


def load_spec(
    source: str | os.PathLike | Mapping | SweepSpec,
    *,
    samples: int | None = None,
    seeds: int | None = None,
    steps: int | None = None,
    chunk_size: int | None = None,
) -> SweepSpec:
    """Read and check a sweep spec (a TOML path, TOML text or a dict).

    ``samples``, ``seeds``, ``steps`` and ``chunk_size`` override the spec
    (the CLI's ``--samples/--seeds/--steps/--chunk-size``: shrink a big spec
    for a quick try).

    Raises:
        SweepError: anything wrong, before any run starts; the message
            starts with the file name and the offending key.
    """
    data, text, label, folder = _read(source)
    cli = dict(samples=samples, seeds=seeds, steps=steps, chunk_size=chunk_size)
    cli = {k: v for k, v in cli.items() if v is not None}  # they win over the file's, and errors name them
    try:
        try:
            spec = SpecFile.model_validate({**data, **cli})
        except ValidationError as exc:
            raise SweepError(_format(exc, cli)) from None
        return _build(spec, text, folder)
    except SweepError as exc:
        raise SweepError(f"{label}: {exc}") from None


def _read(source: str | os.PathLike | Mapping | SweepSpec) -> tuple[dict, str | None, str, Path]:
    """``(data, TOML text, label for messages, folder for relative scenario paths)``."""
    if isinstance(source, SweepSpec):
        data = {**source.to_dict(), "chunk_size": source.chunk_size}
        del data["factors"]
        for role, section in (("lever", "levers"), ("uncertainty", "uncertainties")):
            data[section] = {f.key: _factor_table(f) for f in source.factors if f.role == role}
        return data, source.source, f"{source.name} (spec)", Path.cwd()
    if isinstance(source, Mapping):
        return dict(source), None, "spec", Path.cwd()
    text, label, folder = str(source), "spec", Path.cwd()
    if isinstance(source, os.PathLike) or ("\n" not in text and "=" not in text):
        path = Path(source)
        if not path.is_file():
            raise SweepError(f"sweep spec not found: {path}")
        try:
            text, label, folder = path.read_text(encoding="utf-8"), path.name, path.resolve().parent
        except UnicodeDecodeError:
            raise SweepError(f"{path.name}: not a text (UTF-8) file") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SweepError(f"{label}: TOML syntax error: {exc}") from None
    if label != "spec":
        data.setdefault("name", Path(label).stem)
    return data, text, label, folder


def _factor_table(f: Factor) -> dict[str, Any]:
    if f.values is not None:
        return {"values": list(f.values)}
    table: dict[str, Any] = {"min": int(f.low) if f.integer else f.low, "max": int(f.high) if f.integer else f.high}
    return {**table, "scale": f.scale} if f.scale != "linear" else table


def _build(spec: SpecFile, text: str | None, folder: Path) -> SweepSpec:
    """The SweepSpec of a checked file: its base scenario, with every fixed change and factor value judged by it."""
    ref = spec.scenario
    if Path(ref).suffix and not Path(ref).is_absolute():
        ref = str((folder / ref).resolve())
    try:
        base = load_scenario(ref)
    except ScenarioError as exc:
        raise SweepError(f"scenario: {exc}") from None
    if spec.sets:
        try:  # all at once: fixed changes may only make sense together (employees and team size)
            base = override(base, spec.sets)
        except ScenarioError as exc:
            msg = str(exc)
            raise SweepError(f"set.{msg}" if any(msg.startswith(k) for k in spec.sets) else f"set: {msg}") from None
    rivals = list(base.rivals)
    for kpi in spec.kpis:
        rival = _rival_of(kpi)
        if rival is not None and rival not in rivals:
            guess = difflib.get_close_matches(rival, rivals, n=1)
            hint = f"; did you mean '{guess[0]}{kpi.removeprefix(rival)}'?" if guess else ""
            has = f"its rivals: {', '.join(rivals)}" if rivals else "it has no rivals"
            raise SweepError(f"kpis: {kpi}: the scenario has no rival '{rival}' ({has}){hint}")
    return SweepSpec(
        **spec.model_dump(exclude={"scenario", "samples", "steps", "levers", "uncertainties"}),
        scenario=ref,
        samples=DESIGN_SAMPLES[spec.design][1] if spec.samples is None else spec.samples,
        steps=base.sim.weeks if spec.steps is None else spec.steps,
        factors=tuple(_factor(base, section, key, table) for section, key, table in spec.factor_tables()),
        base=base,
        source=text,
    )


def _factor(base: Scenario, section: str, key: str, table: FactorTable) -> Factor:
    """The factor of a table whose bounds or values the scenario schema accepts, each alone, in the base scenario.

    Strictly: a sweep records its values, so "0.5" is not a number nor 1 a switch (``override`` would convert them).
    """
    if key.startswith("rivals.") and key.split(".")[1] not in base.rivals:
        raise SweepError(f"{section}.{no_rival(key, list(base.rivals))}")
    current = scenario_get(base, key)
    integer = isinstance(current, int) and not isinstance(current, bool)
    points: list[Any] = []
    for value in (table.min, table.max) if table.values is None else table.values:
        if isinstance(value, float) and integer and value.is_integer():
            value = int(value)
        elif _is_number(value) and isinstance(current, float):
            value = float(value)
        data = base.model_dump()
        *path, name = key.split(".")  # section.parameter, or rivals.<name>.section.parameter
        where = data
        for part in path:
            where = where[part]
        where[name] = value
        try:
            Scenario.model_validate(data, strict=True)
        except ValidationError as exc:
            msg = _format_validation_error(exc)
            raise SweepError(f"{section}.{msg}" if msg.startswith(key) else f"{section}.{key}: {msg}") from None
        if value in points:
            raise SweepError(f"{section}.{key}: value {_show(value)} is listed twice")
        points.append(value)
    role = "lever" if section == "levers" else "uncertainty"
    if table.values is None:
        return Factor(key, role, low=table.min, high=table.max, integer=integer, scale=table.scale)
    return Factor(key, role, values=tuple(points), integer=integer)
