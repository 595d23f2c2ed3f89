"""Scenarios: load TOML (a shipped name or a path), apply dotted overrides, save.

A scenario file may start from another with ``extends = "baseline"`` and then
list only the levers it changes; that is how every lesson in ``scenarios/``
is written, so a reader sees at a glance what differs.

Every error a user can make (TOML syntax, unknown key, wrong type, value out
of range, inconsistent combination) raises :class:`ScenarioError` whose
message names the dotted key and what is allowed.
"""

from __future__ import annotations

import difflib
import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cxsim.params import FIRM_SECTION_NAMES, SECTIONS, Rival, Scenario, field_bounds

__all__ = [
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "scenario_from_dict",
    "scenario_from_toml",
    "shipped_scenarios",
    "scenarios_dir",
]


class ScenarioError(ValueError):
    """A scenario (file, override or dict) that cannot be used, with a readable reason.

    The message is always one line: control characters that came from the user's input (a key
    with a newline in it, say) are shown escaped, so the error cannot break the terminal or a log.
    """

    def __init__(self, message: object = "", *args: object) -> None:
        text = str(message)
        if any(ord(c) < 32 or c == "\x7f" for c in text):
            text = "".join(
                c.encode("unicode_escape").decode("ascii") if ord(c) < 32 or c == "\x7f" else c for c in text
            )
        super().__init__(text, *args)


def scenarios_dir() -> Path:
    """The folder of shipped scenarios (``$CXSIM_SCENARIOS`` overrides it)."""
    env = os.environ.get("CXSIM_SCENARIOS")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for candidate in (here.parent / "scenarios", here.parents[2] / "scenarios"):
        if candidate.is_dir():
            return candidate
    return here.parents[2] / "scenarios"


def shipped_scenarios() -> dict[str, str]:
    """Shipped scenario names mapped to their one-line description."""
    out = {}
    for path in sorted(scenarios_dir().glob("*.toml")):
        try:
            out[path.stem] = load_scenario(path).description
        except ScenarioError as exc:  # a broken shipped file should not hide the others
            out[path.stem] = f"(invalid: {exc})"
    return out


# ---------------------------------------------------------------- validation


def _bounds(section: str, key: str) -> str:
    cls = Scenario.model_fields[section].annotation if section in SECTIONS else None
    if cls is None or key not in cls.model_fields:
        return ""
    field = cls.model_fields[key]
    lo, hi = field_bounds(field)
    unit = (field.json_schema_extra or {}).get("unit", "")
    if lo is not None or hi is not None:
        return f" (allowed: {_number(lo)} to {_number(hi)} {unit})".rstrip().replace(" )", ")")
    return ""


def _number(value: Any) -> str:
    """A bound as people write it: 50,000,000 rather than 50000000, 1e+12 rather than 1000000000000.0."""
    if value is None:
        return "any"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e7:
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:g}"


def _shown(value: Any) -> str:
    """A user's value as they wrote it in TOML (true, not True; short for long inputs)."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = repr(value)
    elif isinstance(value, (int, float)):
        text = repr(value)
    elif isinstance(value, Mapping):
        text = "a table"
    elif isinstance(value, (list, tuple)):
        text = "a list"
    else:
        text = f"a {type(value).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."


# pydantic error types -> what the user should have written
_EXPECTED = {
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "text in quotes",
    "finite_number": "a finite number",
}
_OUT_OF_RANGE = {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}


def _known_keys(section: str | None) -> list[str]:
    if section is None:
        return list(Scenario.model_fields)
    cls = Scenario.model_fields[section].annotation
    return list(cls.model_fields)


#: Keys of earlier versions and where they live now (the open market moved behaviour out of the firm's sections).
RENAMED: dict[str, str] = {
    "wom.bad_tell_friends": "wom.bad_friends",
    "wom.bad_facebook": "wom.bad_social",
    "customers.purchase_value": "pricing.price",
    "customers.first_purchase_value": "pricing.price",
    "customers.new_offer_value": "pricing.new_offer_price",
    "acquisition.intent_weight": "acquisition.opinion_sensitivity",
    "supervisors.supervisor_weight": "engagement.supervisor_weight",
    "supervisors.hr_weight": "engagement.hr_weight",
    "workforce.engagement_inertia": "engagement.inertia",
    "workforce.engagement_noise": "engagement.noise",
    "workforce.engaged_threshold": "engagement.engaged_threshold",
    "workforce.overtime_base": "engagement.overtime_base",
    "workforce.overtime_ratio": "engagement.overtime_ratio",
    "workforce.good_deed_base": "engagement.good_deed_base",
    "workforce.good_deed_ratio": "engagement.good_deed_ratio",
    "workforce.suggestion_base": "engagement.suggestion_base",
    "workforce.suggestion_ratio": "engagement.suggestion_ratio",
    "workforce.base_quit_rate": "engagement.base_quit_rate",
    "workforce.disengaged_quit_multiplier": "engagement.disengaged_quit_multiplier",
    "workforce.skill_growth": "engagement.skill_growth",
    "workforce.good_deed_quality": "service.good_deed_quality",
    "workforce.overload_loss": "service.overload_loss",
}


def _where(loc: list[str]) -> tuple[str | None, str | None, str]:
    """(section, key, prefix) of an error location: ``market.size`` -> ("market", "size", ""),
    ``rivals.rival.process.empowerment`` -> ("process", "empowerment", "rivals.rival.")."""
    if len(loc) == 4 and loc[0] == "rivals" and loc[2] in FIRM_SECTION_NAMES:
        return loc[2], loc[3], f"rivals.{loc[1]}."
    if len(loc) == 2 and loc[0] in SECTIONS:
        return loc[0], loc[1], ""
    return None, None, ""


def _format_validation_error(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        key = ".".join(loc)
        if len(loc) == 3 and loc[0] == "rivals" and loc[2] in FIRM_SECTION_NAMES and err["type"] == "value_error":
            lines.append(f"rivals.{loc[1]}: {err['msg'].removeprefix('Value error, ')}")  # a check across keys
            continue
        kind = err["type"]
        got = err.get("input")
        sec, param, _ = _where(loc)
        in_section = sec is not None
        bounds = _bounds(sec, param) if in_section else ""
        if kind == "extra_forbidden" and in_section and f"{sec}.{param}" in RENAMED:
            lines.append(f"{key}: this key is now '{RENAMED[f'{sec}.{param}']}'")
        elif kind == "extra_forbidden" and len(loc) == 3 and loc[0] == "rivals":
            pool = list(Rival.model_fields)
            guess = difflib.get_close_matches(loc[-1], pool, n=1)
            hint = f"; did you mean '{'.'.join(loc[:-1] + [guess[0]])}'?" if guess else f" (known: {', '.join(pool)})"
            lines.append(f"{key}: unknown key of a rival{hint}")
        elif kind == "extra_forbidden":
            section = sec if in_section else (loc[0] if len(loc) > 1 and loc[0] in SECTIONS else None)
            pool = _known_keys(section)
            guess = difflib.get_close_matches(loc[-1], pool, n=1)
            hint = f"; did you mean '{'.'.join(loc[:-1] + [guess[0]])}'?" if guess else ""
            where = f"section [{'.'.join(loc[:-1])}]" if section else "the top level"
            if section is None and len(loc) > 1 and loc[0] not in SECTIONS:
                where = f"'{loc[0]}'"
            if section is None and not guess:
                hint = f" (known: extends, {', '.join(pool)})"
            lines.append(f"{key}: unknown key in {where}{hint}")
        elif kind == "invalid_key":
            lines.append(f"{key or 'scenario'}: keys must be names (text), got {_shown(err['loc'][-1])}")
        elif kind in _OUT_OF_RANGE:
            lines.append(f"{key} = {_shown(got)} is out of range{bounds or ': ' + err['msg']}")
        elif kind in _EXPECTED and not (len(loc) == 1 and loc[0] in SECTIONS):
            lines.append(f"{key}: expected {_EXPECTED[kind]}, got {_shown(got)}{bounds}")
        elif kind == "literal_error":
            allowed = (err.get("ctx") or {}).get("expected", "")
            options = [o.strip(" '") for o in allowed.replace(" or ", ", ").split(",")]
            guess = difflib.get_close_matches(str(got), options, n=1)
            hint = f"; did you mean '{guess[0]}'?" if guess else ""
            lines.append(f"{key}: must be one of {allowed}, got {_shown(got)}{hint}")
        elif in_section:
            lines.append(f"{key}: {err['msg'].removeprefix('Value error, ')}, got {_shown(got)}{bounds}")
        elif len(loc) == 1 and loc[0] in SECTIONS and kind not in ("model_type", "dict_type", "model_attributes_type"):
            lines.append(err["msg"].removeprefix("Value error, "))  # a check across keys: it names them
        elif len(loc) == 1 and loc[0] in SECTIONS:
            lines.append(f"{key}: must be a table of parameters ([{key}] with key = value lines), got {_shown(got)}")
        elif not loc:  # a combination of parameters that does not fit together
            lines.append(err["msg"].removeprefix("Value error, "))
        else:
            lines.append(f"{key}: {err['msg'].removeprefix('Value error, ')}")
    return "; ".join(lines)


def _numbers_not_booleans(data: Mapping[str, Any]) -> None:
    """Refuse ``size = true``: pydantic would silently read it as 1."""
    for section in SECTIONS:
        values = data.get(section)
        if not isinstance(values, Mapping):
            continue
        fields = Scenario.model_fields[section].annotation.model_fields
        for key, value in values.items():
            field = fields.get(key) if isinstance(key, str) else None
            if isinstance(value, bool) and field is not None and field.annotation in (int, float):
                kind = "a whole number" if field.annotation is int else "a number"
                raise ScenarioError(f"{section}.{key}: expected {kind}, got {_shown(value)}{_bounds(section, key)}")


def scenario_from_dict(data: Mapping[str, Any]) -> Scenario:
    """Validate a nested dict into a :class:`Scenario`, raising :class:`ScenarioError`."""
    if not isinstance(data, Mapping):
        raise ScenarioError(f"a scenario must be a table of sections, got {_shown(data)}")
    _numbers_not_booleans(data)
    try:
        return Scenario.model_validate(dict(data))
    except ValidationError as exc:
        raise ScenarioError(_format_validation_error(exc)) from None


def _merge(base: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


MAX_SCENARIO_BYTES = 1_000_000  # a scenario is a page of text; anything bigger is the wrong file


def _resolve(name_or_path: str | os.PathLike, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The merged dict of a scenario file and its ``extends`` chain; any failure is a ScenarioError."""
    try:
        return _resolve_file(name_or_path, seen)
    except ValueError as exc:  # e.g. a NUL character in a path
        if isinstance(exc, ScenarioError):
            raise
        raise ScenarioError(f"{str(name_or_path)[:80]!r}: not a usable scenario name or path ({exc})") from None
    except OSError as exc:  # e.g. a name too long for the file system
        raise ScenarioError(f"{str(name_or_path)[:80]!r}: cannot open it ({exc.strerror or exc})") from None


def _resolve_file(name_or_path: str | os.PathLike, seen: tuple[Path, ...]) -> dict[str, Any]:
    path = Path(name_or_path)
    if not path.suffix and not path.exists():
        shipped = scenarios_dir() / f"{name_or_path}.toml"
        if not shipped.exists():
            names = [p.stem for p in scenarios_dir().glob("*.toml")]
            guess = difflib.get_close_matches(str(name_or_path), names, n=1)
            hint = f"; did you mean '{guess[0]}'?" if guess else ""
            raise ScenarioError(
                f"no scenario named '{name_or_path}' (not a file, not shipped){hint}; see 'cxsim scenarios'"
            )
        path = shipped
    if not path.exists():
        hint = ""
        if path.suffix == ".toml" and (scenarios_dir() / path.name).exists():
            hint = f" (the shipped scenario is named '{path.stem}', without .toml)"
        raise ScenarioError(f"scenario file not found: {path}{hint}")
    if path.is_dir():
        raise ScenarioError(f"{path}: is a folder, not a scenario file (give a .toml file or a shipped scenario name)")
    if not path.is_file():  # a device or a pipe (/dev/zero, /dev/stdin) would never finish reading
        raise ScenarioError(f"{path}: not a regular file")
    if path.stat().st_size > MAX_SCENARIO_BYTES:
        raise ScenarioError(
            f"{path}: {path.stat().st_size:,} bytes is far too big for a scenario file (a TOML page of levers)"
        )
    path = path.resolve()
    if path in seen:
        raise ScenarioError(
            f"{path.name}: 'extends' goes round in a circle: {' -> '.join(p.name for p in seen + (path,))}"
        )
    try:
        data = _parse_toml(path.read_text(encoding="utf-8"))
    except ScenarioError as exc:
        raise ScenarioError(f"{path.name}: {exc}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path.name}: not a text (UTF-8) file") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    parent = data.pop("extends", None)
    if parent is not None:
        if not isinstance(parent, str) or not parent.strip():
            raise ScenarioError(f"{path.name}: 'extends' must be a scenario name or path, got {_shown(parent)}")
        parent_path = Path(parent)
        if parent_path.suffix and not parent_path.is_absolute():
            parent_path = path.parent / parent_path
        try:
            base = _resolve(parent_path if parent_path.suffix else parent, seen + (path,))
        except ScenarioError as exc:
            if "goes round in a circle" in str(exc):
                raise
            raise ScenarioError(f"{path.name}: extends = {_shown(parent)}: {exc}") from None
        data = _merge(base, data)
    data.setdefault("name", path.stem)
    return data


def load_scenario(name_or_path: str | os.PathLike | Scenario, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load a shipped scenario by name (``"baseline"``) or a TOML file by path.

    Args:
        name_or_path: a shipped name, a TOML path, or a :class:`Scenario` (returned as it is).
        overrides: dotted keys to change afterwards (:func:`override`), e.g. ``{"market.size": 1000}``.

    Raises:
        ScenarioError: the file is missing, not valid TOML, or has a key, type
            or value the schema does not allow (the message names the key).
    """
    if isinstance(name_or_path, Scenario):
        scenario = name_or_path
    else:
        data = _resolve(name_or_path)
        try:
            scenario = scenario_from_dict(data)
        except ScenarioError as exc:
            raise ScenarioError(f"{Path(str(name_or_path)).name}: {exc}") from None
    return override(scenario, overrides) if overrides else scenario


def _parse_toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"TOML syntax error: {exc}") from None
    except RecursionError:
        raise ScenarioError("TOML syntax error: values nested too deeply") from None


def scenario_from_toml(text: str | bytes) -> Scenario:
    """Parse a scenario from TOML text (e.g. an upload); ``extends`` may name a shipped scenario."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise ScenarioError("not a text (UTF-8) file") from None
    if not isinstance(text, str):
        raise ScenarioError(f"expected TOML text, got {_shown(text)}")
    data = _parse_toml(text)
    parent = data.pop("extends", None)
    if parent is not None:
        if not isinstance(parent, str) or not parent.strip():
            raise ScenarioError(f"'extends' must be a scenario name, got {_shown(parent)}")
        try:
            base = _resolve(parent)
        except ScenarioError as exc:
            raise ScenarioError(f"extends = {_shown(parent)}: {exc}") from None
        data = _merge(base, data)
    return scenario_from_dict(data)


# ------------------------------------------------------------------ override


def parse_value(text: str) -> Any:
    """Parse a command-line value as TOML would (``0.5``, ``true``, ``"x"``, bare words as strings)."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def override(scenario: Scenario, changes: Mapping[str, Any]) -> Scenario:
    """Return a validated copy of ``scenario`` with dotted keys changed.

    Examples: ``override(s, {"market.size": 1000, "incentives.cx_weight": 0.9})``; a rival's levers are
    ``rivals.<name>.<section>.<key>`` (``"rivals.rival.process.empowerment": 0.8``), its own fields
    ``rivals.<name>.initial_share``. Naming a rival the scenario does not have adds one when the changes
    give its ``initial_share`` (how much of the market a new firm starts with); without it, the name is
    taken for a misspelt rival and refused (:func:`no_rival`).
    """
    data = scenario.model_dump()
    rivals = list(data["rivals"])
    for dotted, value in changes.items():
        if not isinstance(dotted, str):
            raise ScenarioError(f"{dotted!r}: keys look like 'section.parameter' (e.g. market.size)")
        parts = dotted.split(".")
        if len(parts) == 1 and parts[0] in ("name", "description"):
            data[parts[0]] = value
            continue
        if parts[0] == "rivals" and len(parts) in (3, 4):
            _override_rival(data, dotted, parts[1], parts[2:], value)
            continue
        if len(parts) != 2:
            homes = [f"{sec}.{parts[-1]}" for sec in SECTIONS if parts[-1] in data[sec]]
            hint = f"; did you mean '{homes[0]}'?" if len(homes) == 1 else ""
            raise ScenarioError(
                f"{dotted or '(empty)'}: keys look like 'section.parameter' (e.g. market.size), or "
                f"'rivals.<name>.section.parameter' for a rival{hint}"
            )
        section, key = parts
        if section not in SECTIONS:
            guess = difflib.get_close_matches(section, SECTIONS, n=1)
            hint = f"; did you mean '{guess[0]}.{key}'?" if guess else ""
            raise ScenarioError(f"{dotted}: unknown section '{section}'{hint}")
        if key not in data[section]:
            if dotted in RENAMED:
                raise ScenarioError(f"{dotted}: this key is now '{RENAMED[dotted]}'")
            guess = difflib.get_close_matches(key, list(data[section]), n=1)
            hint = f"; did you mean '{section}.{guess[0]}'?" if guess else ""
            raise ScenarioError(f"{dotted}: unknown key in section [{section}]{hint}")
        data[section][key] = value
    for name in data["rivals"]:
        if name not in rivals and "initial_share" not in data["rivals"][name]:
            dotted = next(k for k in changes if isinstance(k, str) and k.startswith(f"rivals.{name}."))
            raise ScenarioError(no_rival(dotted, rivals, adding=True))
    return scenario_from_dict(data)


def no_rival(dotted: str, rivals: list[str], *, adding: bool = False) -> str:
    """Why ``dotted`` (``rivals.<name>....``) names no rival of a scenario with ``rivals``, with a suggestion;
    ``adding``: say how to add a rival instead (where changes may add one)."""
    name = dotted.split(".")[1]
    has = f"its rivals: {', '.join(rivals)}" if rivals else "it has no rivals"
    if adding:
        has += f"; to add one, give its share of the market too: rivals.{name}.initial_share"
    guess = difflib.get_close_matches(name, rivals, n=1)
    hint = f"; did you mean '{dotted.replace(f'rivals.{name}.', f'rivals.{guess[0]}.', 1)}'?" if guess else ""
    return f"{dotted}: the scenario has no rival '{name}' ({has}){hint}"


def _override_rival(data: dict[str, Any], dotted: str, name: str, rest: list[str], value: Any) -> None:
    rival = data["rivals"].setdefault(name, {})
    if len(rest) == 1:  # the rival's own fields: initial_share, description, rest_of_market
        if rest[0] not in Rival.model_fields or rest[0] in FIRM_SECTION_NAMES:
            raise ScenarioError(
                f"{dotted}: unknown key of a rival (its own keys: initial_share, description, "
                "rest_of_market; its levers: rivals.<name>.<section>.<key>)"
            )
        rival[rest[0]] = value
        return
    section, key = rest
    if section not in FIRM_SECTION_NAMES:
        guess = difflib.get_close_matches(section, FIRM_SECTION_NAMES, n=1)
        hint = f"; did you mean 'rivals.{name}.{guess[0]}.{key}'?" if guess else ""
        raise ScenarioError(f"{dotted}: a rival has no section '{section}' (only a firm's sections){hint}")
    known = Scenario.model_fields[section].annotation.model_fields
    if key not in known:
        guess = difflib.get_close_matches(key, list(known), n=1)
        hint = f"; did you mean 'rivals.{name}.{section}.{guess[0]}'?" if guess else ""
        raise ScenarioError(f"{dotted}: unknown key in section [{section}]{hint}")
    rival.setdefault(section, {})[key] = value


def parse_overrides(items: list[str] | None) -> dict[str, Any]:
    """Turn ``["a.b=1", "c.d=true"]`` into ``{"a.b": 1, "c.d": True}``."""
    out: dict[str, Any] = {}
    for item in items or []:
        if "=" not in item:
            raise ScenarioError(f"--set {item!r}: expected key=value, e.g. market.size=1000")
        key, _, value = item.partition("=")
        out[key.strip()] = parse_value(value.strip())
    return out


# ---------------------------------------------------------------------- save


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        # JSON string escapes are TOML basic-string escapes, except DEL, which TOML wants escaped too
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    raise TypeError(f"cannot write {value!r} to TOML")


def to_toml(scenario: Scenario, only_changes_from: Scenario | None = None) -> str:
    """Write a scenario as TOML; it loads back to an equal scenario.

    With ``only_changes_from``, writes ``extends = <its name>`` and only the
    parameters that differ (what a lesson file looks like). A rival's tables hold
    what differs from the schema's defaults (or from the base's rival).
    """
    data = scenario.model_dump()
    base = only_changes_from.model_dump() if only_changes_from is not None else None
    lines = [f"name = {_toml_value(data['name'])}", f"description = {_toml_value(data['description'])}"]
    if base is not None:
        lines.insert(0, f"extends = {_toml_value(base['name'])}")
    for section in SECTIONS:
        _table(lines, section, data[section], base[section] if base is not None else None)
    default_rival = Rival().model_dump()
    for name, rival in data["rivals"].items():
        ref = base["rivals"].get(name) if base is not None else None
        own = {k: v for k, v in rival.items() if k not in FIRM_SECTION_NAMES}
        if ref is None or any(ref[k] != v for k, v in own.items()):
            lines += ["", f"[rivals.{name}]"] + [f"{k} = {_toml_value(v)}" for k, v in own.items()]
        for section in FIRM_SECTION_NAMES:
            _table(lines, f"rivals.{name}.{section}", rival[section], (ref or default_rival)[section])
    return "\n".join(lines) + "\n"


def _table(lines: list[str], header: str, values: dict[str, Any], base: dict[str, Any] | None) -> None:
    items = [(k, v) for k, v in values.items() if base is None or base[k] != v]
    if items:
        lines += ["", f"[{header}]"] + [f"{k} = {_toml_value(v)}" for k, v in items]


def flatten(scenario: Scenario) -> dict[str, Any]:
    """Every parameter as ``{dotted key: value}``: sections, then each rival's (``rivals.<name>....``)."""
    data = scenario.model_dump()
    out = {f"{section}.{key}": value for section in SECTIONS for key, value in data[section].items()}
    for name, rival in data["rivals"].items():
        for key, value in rival.items():
            if key in FIRM_SECTION_NAMES:
                out.update({f"rivals.{name}.{key}.{k}": v for k, v in value.items()})
            else:
                out[f"rivals.{name}.{key}"] = value
    return out


def diff(a: Scenario, b: Scenario) -> dict[str, tuple[Any, Any]]:
    """Dotted keys whose values differ between two scenarios: ``{key: (a_value, b_value)}``
    (a rival one scenario lacks shows as None on that side)."""
    fa, fb = flatten(a), flatten(b)
    return {k: (fa.get(k), fb.get(k)) for k in dict.fromkeys([*fa, *fb]) if fa.get(k) != fb.get(k)}


def get(scenario: Scenario, dotted: str) -> Any:
    """Read a dotted key from a scenario (``market.size``, ``rivals.rival.pricing.price``)."""
    flat = flatten(scenario)
    if dotted not in flat:
        raise ScenarioError(f"{dotted}: no such parameter")
    return flat[dotted]


# ---------------------------------------------------------------------- scale


def scale(scenario: Scenario, factor: float) -> Scenario:
    """The same market at ``factor`` times its size, with every firm shrunk (or grown) alike.

    People, each firm's employees and every money line that does not already scale with them
    (marketing and win-back spend and their reference levels, fixed costs, the programs' weekly
    costs, the cash cushion) change by the same factor, and so does a viral story's reach, so the
    smaller market keeps the bigger one's proportions: customers per employee, margin, runway, the
    share of the market a viral story reaches. Rates, prices and behaviour do not change. Used for
    classroom-size markets, tests and quick experiments (experiments/validation.py runs at a fifth of the size).

    Raises:
        ScenarioError: ``factor`` is not a positive number, or the market would have fewer than 20 people.
    """
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not factor > 0:
        raise ScenarioError(f"scale: the factor must be a positive number, got {_shown(factor)}")
    if factor == 1:
        return scenario
    m = scenario.market
    size = round(m.size * factor)
    if size < 20:
        raise ScenarioError(f"scale: {m.size:,} people x {factor:g} leaves {size} people; a market needs at least 20")
    changes: dict[str, Any] = {
        "market.size": size,
        "market.mean_degree": min(m.mean_degree, size - 1),
        "acquisition.marketing_reference": max(1.0, scenario.acquisition.marketing_reference * factor),
        "acquisition.winback_reference": max(1.0, scenario.acquisition.winback_reference * factor),
        "wom.viral_min_reach": max(1.0, scenario.wom.viral_min_reach * factor),
    }
    for name, firm, _ in scenario.firms():
        prefix = f"rivals.{name}." if name else ""
        employees = max(1, round(firm.workforce.employees * factor))
        changes.update(
            {
                prefix + "workforce.employees": employees,
                prefix + "workforce.team_size": min(firm.workforce.team_size, employees),
                prefix + "leadership.marketing_spend": firm.leadership.marketing_spend * factor,
                prefix + "leadership.winback_spend": firm.leadership.winback_spend * factor,
                prefix + "finance.fixed_cost": firm.finance.fixed_cost * factor,
                prefix + "finance.initial_cash": firm.finance.initial_cash * factor,
                prefix + "programs.cx_team_cost": firm.programs.cx_team_cost * factor,
                prefix + "programs.cx_room_cost": firm.programs.cx_room_cost * factor,
                prefix + "programs.voc_cost": firm.programs.voc_cost * factor,
            }
        )
    return override(scenario, changes)
