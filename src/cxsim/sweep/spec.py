"""Sweep specs: which levers and uncertainties to vary, how, and what to keep.

The analyst's batch question ("which engagement lever matters most for
two-year profit?") is written once as a TOML file::

    name = "quick"
    scenario = "baseline"          # shipped name or path (relative to this file)
    design = "sobol"               # grid | lhs | sobol | morris | random
    samples = 64                   # meaning depends on the design (see DESIGN_SAMPLES)
    seeds = 2                      # replicates per design point
    steps = 104                    # weeks per run
    kpis = ["profit", "nps", "churned"]

    [set]                          # fixed changes to the scenario for every run
    "market.size" = 20000

    [levers]                       # what the firm controls
    "supervisors.coaching" = [0.1, 0.9]             # a range [low, high]
    "programs.recognition" = [false, true]          # values (switches, words)
    "programs.training_budget" = {min = 1, max = 100, scale = "log"}

    [uncertainties]                # what it does not control
    "churn.switching_ease" = {values = [0.3, 0.5, 0.7]}

Everything is checked before the first run, and every mistake raises
:class:`SweepError` (a :class:`cxsim.ScenarioError`) whose message names the
key, e.g. ``levers.supervisors.coaching: Input should be less than or equal
to 1, got 1.5 (allowed: 0.0 to 1.0 level)``. Parameter keys and values are
checked by the scenario machinery itself (:func:`cxsim.scenario.override`),
so a sweep accepts exactly what ``cxsim run --set`` accepts.
"""

from __future__ import annotations

import difflib
import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxsim.metrics import KPIS
from cxsim.params import Scenario
from cxsim.scenario import ScenarioError, load_scenario, override
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

TOP_LEVEL_KEYS = (
    "name",
    "description",
    "scenario",
    "design",
    "samples",
    "seeds",
    "base_seed",
    "steps",
    "kpis",
    "keep",
    "chunk_size",
    "common_random_numbers",
    "second_order",
    "morris_levels",
    "confidence",
    "resamples",
    "set",
    "levers",
    "uncertainties",
)
FACTOR_TABLE_KEYS = ("min", "max", "values", "scale")


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
        return cls(
            key=d["key"],
            role=d.get("role", "lever"),
            low=d.get("low"),
            high=d.get("high"),
            values=tuple(values) if values is not None else None,
            integer=bool(d.get("integer", False)),
            scale=d.get("scale", "linear"),
        )


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return repr(v) if isinstance(v, str) else f"{v:g}" if isinstance(v, float) else str(v)


# --------------------------------------------------------------------- spec


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: base scenario, factors, design and what to keep.

    Build one with :func:`load_spec` (which checks everything); the fields
    mirror the TOML keys. ``base`` is the scenario every run starts from
    (after the fixed ``[set]`` changes).
    """

    name: str
    design: str
    factors: tuple[Factor, ...]
    samples: int
    seeds: int = 1
    base_seed: int = 0
    steps: int = 104
    kpis: tuple[str, ...] = tuple(DEFAULT_KPIS)
    keep: str = "summary"
    description: str = ""
    scenario: str = "baseline"
    sets: Mapping[str, Any] = field(default_factory=dict)
    chunk_size: int | None = None
    common_random_numbers: bool = False
    second_order: bool = False
    morris_levels: int = 4
    confidence: float = 0.95
    resamples: int = 1000
    base: Scenario | None = None
    source: str | None = None  # the TOML text, kept in the manifest for the record

    @property
    def keys(self) -> list[str]:
        return [f.key for f in self.factors]

    def to_dict(self) -> dict:
        """JSON-able canonical form (what the manifest stores and ``--resume`` compares)."""
        return {
            "name": self.name,
            "description": self.description,
            "scenario": self.scenario,
            "set": dict(self.sets),
            "design": self.design,
            "samples": self.samples,
            "seeds": self.seeds,
            "base_seed": self.base_seed,
            "steps": self.steps,
            "kpis": list(self.kpis),
            "keep": self.keep,
            "common_random_numbers": self.common_random_numbers,
            "second_order": self.second_order,
            "morris_levels": self.morris_levels,
            "confidence": self.confidence,
            "resamples": self.resamples,
            "factors": [f.to_dict() for f in self.factors],
        }

    @classmethod
    def from_dict(cls, d: Mapping, base: Scenario | None = None) -> SweepSpec:
        """Rebuild a spec recorded in a manifest (no re-validation against today's scenarios)."""
        return cls(
            name=d["name"],
            description=d.get("description", ""),
            scenario=d.get("scenario", "baseline"),
            sets=dict(d.get("set", {})),
            design=d["design"],
            samples=int(d["samples"]),
            seeds=int(d["seeds"]),
            base_seed=int(d["base_seed"]),
            steps=int(d["steps"]),
            kpis=tuple(d["kpis"]),
            keep=d["keep"],
            common_random_numbers=bool(d.get("common_random_numbers", False)),
            second_order=bool(d.get("second_order", False)),
            morris_levels=int(d.get("morris_levels", 4)),
            confidence=float(d.get("confidence", 0.95)),
            resamples=int(d.get("resamples", 1000)),
            factors=tuple(Factor.from_dict(f) for f in d["factors"]),
            base=base,
        )


# --------------------------------------------------------------- validation


def _flatten(table: Mapping, where: str) -> dict[str, Any]:
    """``{"supervisors": {"coaching": x}}`` or ``{"supervisors.coaching": x}`` -> ``{"supervisors.coaching": x}``.

    TOML turns a bare dotted key (``supervisors.coaching = ...``) into nested
    tables; parameter keys are always ``section.parameter``, so one level of
    nesting is unfolded and anything deeper is the factor's own table.
    """
    out: dict[str, Any] = {}
    for key, value in table.items():
        if "." not in key and isinstance(value, Mapping) and not (set(value) & set(FACTOR_TABLE_KEYS)):
            for sub, v in value.items():
                out[f"{key}.{sub}"] = v
        else:
            out[key] = value
    for key in out:
        if key.count(".") != 1:
            raise SweepError(f"{where}.{key}: keys look like 'section.parameter' (e.g. supervisors.coaching)")
    return out


def _int(value: Any, key: str, lo: int, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SweepError(f"{key}: must be a whole number, got {value!r}")
    if value < lo or (hi is not None and value > hi):
        rng = f"{lo} or more" if hi is None else f"{lo} to {hi}"
        raise SweepError(f"{key}: must be {rng}, got {value}")
    return value


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise SweepError(f"{key}: must be true or false, got {value!r}")
    return value


def _check_value(base: Scenario, key: str, value: Any, where: str) -> None:
    """Let the scenario schema judge one value (unknown key, type, bounds)."""
    try:
        override(base, {key: value})
    except ScenarioError as exc:
        msg = str(exc)
        raise SweepError(f"{where}.{msg}" if msg.startswith(key) else f"{where}.{key}: {msg}") from None


def _parse_factor(base: Scenario, key: str, raw: Any, role: str) -> Factor:
    where = "levers" if role == "lever" else "uncertainties"
    name = f"{where}.{key}"
    if not _known(base, key):
        _check_value(base, key, None, where)  # raises: unknown section or key, with a suggestion
    current = scenario_get(base, key)
    is_int = isinstance(current, int) and not isinstance(current, bool)
    is_number = isinstance(current, (int, float)) and not isinstance(current, bool)
    scale = "linear"
    if isinstance(raw, Mapping):
        unknown = set(raw) - set(FACTOR_TABLE_KEYS)
        if unknown:
            bad = sorted(unknown)[0]
            guess = difflib.get_close_matches(bad, FACTOR_TABLE_KEYS, n=1)
            hint = f"; did you mean '{guess[0]}'?" if guess else ""
            raise SweepError(f"{name}.{bad}: unknown key in a factor table (use min/max[/scale] or values){hint}")
        if "values" in raw:
            if set(raw) - {"values"}:
                raise SweepError(f"{name}: give either values = [...] or min/max, not both")
            values = raw["values"]
            if not isinstance(values, list):
                raise SweepError(f"{name}.values: must be a list, got {values!r}")
            return _values_factor(base, key, name, values, role, where)
        if "min" not in raw or "max" not in raw:
            raise SweepError(f"{name}: a range needs both min and max (or give values = [...])")
        low, high = raw["min"], raw["max"]
        scale = raw.get("scale", "linear")
        if scale not in ("linear", "log"):
            raise SweepError(f"{name}.scale: must be 'linear' or 'log', got {scale!r}")
    elif isinstance(raw, list):
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in raw)
        if not numeric or not is_number:
            return _values_factor(base, key, name, raw, role, where)
        if len(raw) != 2:
            raise SweepError(
                f"{name}: a list of numbers is a range [low, high] and needs exactly 2 numbers, got {len(raw)}; "
                f"for a list of values write {{values = {raw!r}}}"
            )
        low, high = raw
    else:
        raise SweepError(f"{name}: give a range [low, high], {{min = .., max = ..}} or {{values = [...]}}, got {raw!r}")
    if not is_number:
        raise SweepError(
            f"{name}: this parameter is {type(current).__name__} ({_show(current)}), not a number: "
            f"list its values, e.g. {{values = [...]}}"
        )
    for bound, v in (("min", low), ("max", high)):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise SweepError(f"{name}: range {bound} must be a number, got {v!r}")
        _check_value(base, key, int(v) if is_int and float(v).is_integer() else v, where)
    if is_int and not (float(low).is_integer() and float(high).is_integer()):
        raise SweepError(f"{name}: a whole-number parameter needs whole-number bounds, got [{low}, {high}]")
    if not low < high:
        raise SweepError(f"{name}: range low must be smaller than high, got [{low}, {high}]")
    if scale == "log" and low <= 0:
        raise SweepError(f"{name}: a log-scale range needs min > 0, got {low}")
    return Factor(key=key, role=role, low=float(low), high=float(high), integer=is_int, scale=scale)


def _known(base: Scenario, key: str) -> bool:
    try:
        scenario_get(base, key)
        return True
    except (AttributeError, ValueError):
        return False


def _values_factor(base: Scenario, key: str, name: str, values: list, role: str, where: str) -> Factor:
    if len(values) < 1:
        raise SweepError(f"{name}: the list of values is empty")
    current = scenario_get(base, key)
    clean = []
    for v in values:
        if isinstance(current, float) and isinstance(v, int) and not isinstance(v, bool):
            v = float(v)
        # the schema would coerce "yes" or "0.5"; a sweep records values, so they must already be the right type
        if isinstance(current, bool) and not isinstance(v, bool):
            raise SweepError(f"{name}: a switch takes true or false, got {v!r}")
        if (
            isinstance(current, (int, float))
            and not isinstance(current, bool)
            and (isinstance(v, bool) or not isinstance(v, (int, float)))
        ):
            raise SweepError(f"{name}: values must be numbers, got {v!r}")
        if isinstance(current, str) and not isinstance(v, str):
            raise SweepError(f"{name}: values must be words (strings), got {v!r}")
        _check_value(base, key, v, where)
        if v in clean:
            raise SweepError(f"{name}: value {_show(v)} is listed twice")
        clean.append(v)
    return Factor(
        key=key, role=role, values=tuple(clean), integer=isinstance(current, int) and not isinstance(current, bool)
    )


def _suggest(bad: str, pool) -> str:
    guess = difflib.get_close_matches(bad, list(pool), n=1)
    return f"; did you mean '{guess[0]}'?" if guess else ""


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
    if isinstance(source, SweepSpec):
        data, text, label, folder = source.to_dict(), source.source, f"{source.name} (spec)", Path.cwd()
        data["levers"] = {f.key: _factor_raw(f) for f in source.factors if f.role == "lever"}
        data["uncertainties"] = {f.key: _factor_raw(f) for f in source.factors if f.role == "uncertainty"}
        del data["factors"]
        if source.chunk_size is not None:
            data["chunk_size"] = source.chunk_size
    elif isinstance(source, Mapping):
        data, text, label, folder = dict(source), None, "spec", Path.cwd()
    else:
        text = str(source)
        if isinstance(source, os.PathLike) or ("\n" not in text and "=" not in text):
            path = Path(source)
            if not path.is_file():
                raise SweepError(f"sweep spec not found: {path}")
            try:
                text, label, folder = path.read_text(encoding="utf-8"), path.name, path.resolve().parent
            except UnicodeDecodeError:
                raise SweepError(f"{path.name}: not a text (UTF-8) file") from None
        else:
            label, folder = "spec", Path.cwd()
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SweepError(f"{label}: TOML syntax error: {exc}") from None
        if label != "spec":
            data.setdefault("name", Path(label).stem)
    try:
        return _validate(data, text, folder, samples=samples, seeds=seeds, steps=steps, chunk_size=chunk_size)
    except SweepError as exc:
        raise SweepError(f"{label}: {exc}") from None


def _factor_raw(f: Factor) -> Any:
    if f.values is not None:
        return {"values": list(f.values)}
    raw: dict[str, Any] = {"min": int(f.low) if f.integer else f.low, "max": int(f.high) if f.integer else f.high}
    if f.scale != "linear":
        raw["scale"] = f.scale
    return raw


def _validate(data: Mapping, text: str | None, folder: Path, **cli: int | None) -> SweepSpec:
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            raise SweepError(f"{key}: unknown key in a sweep spec{_suggest(key, TOP_LEVEL_KEYS)}")
    name = data.get("name", "sweep")
    if not isinstance(name, str) or not name:
        raise SweepError(f"name: must be a non-empty string, got {name!r}")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise SweepError(f"description: must be a string, got {description!r}")

    # base scenario and fixed changes
    ref = data.get("scenario", "baseline")
    if not isinstance(ref, str):
        raise SweepError(f"scenario: must be a shipped scenario name or a TOML path, got {ref!r}")
    if Path(ref).suffix and not Path(ref).is_absolute():
        ref = str((folder / ref).resolve())
    try:
        base = load_scenario(ref)
    except ScenarioError as exc:
        raise SweepError(f"scenario: {exc}") from None
    sets_raw = data.get("set", {})
    if not isinstance(sets_raw, Mapping):
        raise SweepError(f"set: must be a table of 'section.parameter' = value, got {sets_raw!r}")
    sets = _flatten(sets_raw, "set")
    if sets:
        try:  # all at once: fixed changes may only make sense together (employees and team size)
            base = override(base, sets)
        except ScenarioError as exc:
            msg = str(exc)
            raise SweepError(f"set.{msg}" if any(msg.startswith(k) for k in sets) else f"set: {msg}") from None

    # factors
    factors: list[Factor] = []
    for role, section in (("lever", "levers"), ("uncertainty", "uncertainties")):
        table = data.get(section, {})
        if not isinstance(table, Mapping):
            raise SweepError(f"{section}: must be a table of 'section.parameter' = range or values")
        for key, raw in _flatten(table, section).items():
            if key in sets:
                raise SweepError(f"{section}.{key}: also fixed in [set]; a parameter is either fixed or varied")
            if any(f.key == key for f in factors):
                raise SweepError(f"{section}.{key}: listed twice (in [levers] and [uncertainties]?)")
            factors.append(_parse_factor(base, key, raw, role))

    # design
    design = data.get("design")
    if design is None:
        raise SweepError(f"design: missing; choose one of {', '.join(DESIGNS)}")
    if design not in DESIGNS:
        raise SweepError(
            f"design: unknown design {design!r}; choose one of {', '.join(DESIGNS)}{_suggest(str(design), DESIGNS)}"
        )
    if not factors and design != "grid":
        raise SweepError(f"levers: a {design} design needs at least one lever or uncertainty to vary")
    for f in factors:
        # a single value varies nothing: in a Sobol or Morris design it costs runs for an index of exactly 0
        if f.values is not None and len(f.values) == 1 and design in ("sobol", "morris"):
            section = "levers" if f.role == "lever" else "uncertainties"
            raise SweepError(
                f"{section}.{f.key}: one value ({_show(f.values[0])}) is not something to vary; "
                f"a {design} design would spend runs on it for nothing: fix it in [set] instead"
            )
    samples = cli["samples"] if cli.get("samples") is not None else data.get("samples", DESIGN_SAMPLES[design][1])
    where = "--samples" if cli.get("samples") is not None else "samples"
    samples = _int(samples, where, 1)
    second_order = _bool(data.get("second_order", False), "second_order")
    morris_levels = _int(data.get("morris_levels", 4), "morris_levels", 2, 100)
    if design == "sobol" and samples & (samples - 1):
        lo = 1 << (samples.bit_length() - 1)
        raise SweepError(
            f"{where}: a Sobol design needs a power of 2 base samples (its convergence depends on it), "
            f"got {samples}; use {lo} or {lo * 2}"
        )
    if design == "morris" and morris_levels % 2:
        raise SweepError(
            f"morris_levels: must be even (Morris's step is levels / (2 (levels - 1))), got {morris_levels}"
        )
    if design == "morris" and samples < 2:
        raise SweepError(f"{where}: a Morris design needs at least 2 trajectories for mu* and sigma, got {samples}")
    if design == "sobol" and samples < 2:
        raise SweepError(f"{where}: a Sobol design needs at least 2 base samples")

    seeds_where = "--seeds" if cli.get("seeds") is not None else "seeds"
    seeds = _int(cli["seeds"] if cli.get("seeds") is not None else data.get("seeds", 1), seeds_where, 1)
    base_seed = _int(data.get("base_seed", 0), "base_seed", 0, 2**63 - 1)
    steps_where = "--steps" if cli.get("steps") is not None else "steps"
    steps = _int(
        cli["steps"] if cli.get("steps") is not None else data.get("steps", base.sim.weeks), steps_where, 1, 5200
    )

    kpis = data.get("kpis", DEFAULT_KPIS)
    if isinstance(kpis, str):
        kpis = [kpis]
    if not isinstance(kpis, list) or not kpis:
        raise SweepError(f"kpis: must be a non-empty list of KPI names, got {kpis!r}")
    for k in kpis:
        if not isinstance(k, str) or k not in KPIS or k == "week":
            raise SweepError(f"kpis: unknown KPI {k!r}{_suggest(str(k), KPIS)}; see cxsim.metrics.KPIS")
    if len(set(kpis)) != len(kpis):
        raise SweepError("kpis: a KPI is listed twice")
    keep = data.get("keep", "summary")
    if keep not in ("summary", "timeseries"):
        raise SweepError(
            f"keep: must be 'summary' (one row per run) or 'timeseries' (one row per run and week), got {keep!r}"
        )

    chunk_where = "--chunk-size" if cli.get("chunk_size") is not None else "chunk_size"
    chunk_size = cli["chunk_size"] if cli.get("chunk_size") is not None else data.get("chunk_size")
    if chunk_size is not None:
        chunk_size = _int(chunk_size, chunk_where, 1)
    confidence = data.get("confidence", 0.95)
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0.5 <= confidence < 1:
        raise SweepError(f"confidence: must be a level between 0.5 and 1 (e.g. 0.95), got {confidence!r}")
    resamples = _int(data.get("resamples", 1000), "resamples", 10, 100_000)
    crn = _bool(data.get("common_random_numbers", False), "common_random_numbers")

    return SweepSpec(
        name=name,
        description=description,
        scenario=ref,
        sets=sets,
        design=design,
        factors=tuple(factors),
        samples=samples,
        seeds=seeds,
        base_seed=base_seed,
        steps=steps,
        kpis=tuple(kpis),
        keep=keep,
        chunk_size=chunk_size,
        common_random_numbers=crn,
        second_order=second_order,
        morris_levels=morris_levels,
        confidence=float(confidence),
        resamples=resamples,
        base=base,
        source=text,
    )
