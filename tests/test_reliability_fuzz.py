"""Fuzzing the scenario loader: whatever text, table or override comes in, the
only exception that may come out is ScenarioError (a readable message).

The UI accepts uploads and the CLI accepts files and --set values from
anyone; a crash with a traceback (KeyError, TypeError, RecursionError...) is
a bug. The strategies below mix valid keys, near-miss keys and garbage, so
most examples reach deep into validation rather than failing at the first
character. The slow variant runs the same fuzzers longer (CXSIM_FUZZ_EXAMPLES sets how long).
"""

from __future__ import annotations

import math
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cxsim
from cxsim.params import SECTIONS, parameter_table
from cxsim.scenario import ScenarioError, override, parse_overrides, scenario_from_dict, scenario_from_toml

KEYS = [row["key"] for row in parameter_table()]
NAMES = sorted({k.split(".")[1] for k in KEYS})

FAST = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
# CXSIM_FUZZ_EXAMPLES=100000 pytest -m slow tests/test_reliability_fuzz.py fuzzes for a long while
LONG = settings(
    max_examples=int(os.environ.get("CXSIM_FUZZ_EXAMPLES", "1500")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)

# --------------------------------------------------------------- strategies

near_names = st.one_of(
    st.sampled_from(NAMES),
    st.sampled_from(NAMES).map(lambda k: k[:-1] or k),  # a typo
    st.sampled_from(NAMES).map(str.upper),
    st.text(min_size=0, max_size=12),
)
sections = st.one_of(
    st.sampled_from(SECTIONS), st.sampled_from(["name", "description", "extends"]), st.text(max_size=10)
)

toml_scalars = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(
        lambda x: "nan" if math.isnan(x) else ("inf" if x == math.inf else ("-inf" if x == -math.inf else repr(x)))
    ),
    st.sampled_from(["true", "false", "1979-05-27", "07:32:00", "1979-05-27T07:32:00Z", "0x1F", "1e400", "-0.0", "+1"]),
    st.text(max_size=20).map(lambda t: '"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    st.sampled_from(['"baseline"', '"small_business"', '"/"', '"/dev/null"', '"../x.toml"', '""', '"watts_strogatz"']),
)
toml_values = st.recursive(
    toml_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.dictionaries(st.sampled_from(NAMES), inner, max_size=3).map(
            lambda d: "{" + ", ".join(f"{k} = {v}" for k, v in d.items()) + "}"
        ),
    ),
    max_leaves=6,
)


@st.composite
def tomlish(draw):
    """Text shaped like a scenario file: sections, key = value lines, and some garbage."""
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.integers(0, 9))
        if kind <= 1:
            lines.append(f"[{draw(sections)}]")
        elif kind == 2:
            lines.append(f"[[{draw(sections)}]]")
        elif kind == 3:
            lines.append(draw(st.text(max_size=30)))  # garbage line
        elif kind == 4:
            lines.append(f"extends = {draw(toml_scalars)}")
        else:
            lines.append(f"{draw(near_names)} = {draw(toml_values)}")
    return "\n".join(lines)


json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=10),
    st.sampled_from(["watts_strogatz", "full", "random", "baseline"]),
)
json_values = st.recursive(
    json_leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.one_of(near_names, st.integers()), inner, max_size=3)
    ),
    max_leaves=8,
)
tables = st.dictionaries(
    st.one_of(sections, st.integers(), st.none()),
    st.one_of(st.dictionaries(st.one_of(near_names, st.integers()), json_values, max_size=6), json_values),
    max_size=5,
)
dotted = st.one_of(
    st.sampled_from(KEYS), st.builds(lambda s, k: f"{s}.{k}", sections, near_names), st.text(max_size=15)
)


def only_scenario_errors(fn, *args):
    """Call fn; a ScenarioError is fine, a valid scenario is fine, anything else is a bug."""
    try:
        result = fn(*args)
    except ScenarioError as exc:
        message = str(exc)
        assert message and "Traceback" not in message
        return None
    return result


# ---------------------------------------------------------------- the fuzzers


def _text(text):
    s = only_scenario_errors(scenario_from_toml, text)
    if s is not None:  # whatever validated must be a usable scenario that writes and reads back
        assert scenario_from_toml(s.to_toml()) == s


def _table(data):
    s = only_scenario_errors(scenario_from_dict, data)
    if s is not None:
        assert scenario_from_toml(s.to_toml()) == s


BASE = cxsim.load_scenario("baseline")


def _overrides(changes):
    only_scenario_errors(override, BASE, changes)


def _set_items(items):
    try:
        changes = parse_overrides(items)
    except ScenarioError:
        return
    only_scenario_errors(override, BASE, changes)


@FAST
@given(st.text(max_size=200))
def test_fuzz_any_text(text):
    _text(text)


@FAST
@given(tomlish())
def test_fuzz_tomlish_text(text):
    _text(text)


@FAST
@given(st.binary(max_size=100))
def test_fuzz_uploaded_bytes(data):
    only_scenario_errors(scenario_from_toml, data)


@FAST
@given(tables)
def test_fuzz_nested_tables(data):
    _table(data)


@FAST
@given(st.dictionaries(dotted, json_values, max_size=4))
def test_fuzz_overrides(changes):
    _overrides(changes)


@FAST
@given(st.lists(st.one_of(st.text(max_size=25), st.builds(lambda k, v: f"{k}={v}", dotted, toml_values)), max_size=4))
def test_fuzz_set_items(items):
    _set_items(items)


@pytest.mark.slow
@LONG
@given(st.one_of(tomlish(), st.text(max_size=400)))
def test_fuzz_text_long(text):
    _text(text)


@pytest.mark.slow
@LONG
@given(tables)
def test_fuzz_tables_long(data):
    _table(data)


@pytest.mark.slow
@LONG
@given(st.dictionaries(dotted, json_values, max_size=6))
def test_fuzz_overrides_long(changes):
    _overrides(changes)


def test_fuzz_regressions():
    """Inputs that once crashed (or nearly): each must give a ScenarioError."""
    for text in ["[" * 3000, "a = " + "[" * 3000, 'extends = "a\\u0000b"', 'extends = "/dev/zero"', "x = {" * 500]:
        only_scenario_errors(scenario_from_toml, text)
    for data in [{1: 2}, {"market": {1: 2}}, {"market": None}, {None: {}}, {"market": {"size": [[]]}}, [], "x", None]:
        with pytest.raises(ScenarioError):
            scenario_from_dict(data)  # type: ignore[arg-type]
    for changes in [{1: 2}, {"market.size": {"a": 1}}, {"": None}, {"market.": 1}, {".size": 1}]:
        with pytest.raises(ScenarioError):
            override(BASE, changes)  # type: ignore[dict-item]
