"""Bad input to sweep specs and UI uploads: one readable error, nothing changed.

Fuzzes ``cxsim.sweep.spec.load_spec`` (TOML text and tables) and the UI's
upload handler ``cxsim.ui.state.load_uploaded``: the only exception a sweep
spec may raise is SweepError (a ScenarioError); an upload never raises, and a
refused upload leaves the UI's scenarios exactly as they were.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxsim.params import parameter_table
from cxsim.scenario import ScenarioError

spec_mod = pytest.importorskip("cxsim.sweep.spec")

KEYS = [row["key"] for row in parameter_table()]
FAST = settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(["grid", "lhs", "sobol", "morris", "random", "log", "baseline", "profit"]),
)
values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(["min", "max", "values", "scale", "x"]), inner, max_size=3),
    ),
    max_leaves=8,
)
factor_tables = st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=12)), values, max_size=3)
specs = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(st.text(max_size=8), st.integers()),
        "scenario": st.one_of(st.sampled_from(["baseline", "small_business", "nosuch", ""]), st.integers()),
        "design": st.one_of(st.sampled_from(["grid", "lhs", "sobol", "morris", "random", "nope"]), st.integers()),
        "samples": values,
        "seeds": values,
        "steps": values,
        "kpis": st.one_of(st.lists(st.sampled_from(["profit", "nps", "nope", "week"]), max_size=3), values),
        "chunk_size": values,
        "second_order": values,
        "set": st.one_of(factor_tables, values),
        "levers": st.one_of(factor_tables, values),
        "uncertainties": st.one_of(factor_tables, values),
        "bogus": values,
    },
)


def _toml_value(v) -> str:
    import json
    import math

    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v == math.inf else ("-inf" if v == -math.inf else repr(v)))
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v if x is not None) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml_value(x)}" for k, x in v.items() if x is not None) + "}"
    return '"none"'


def _as_toml(spec: dict) -> str:
    lines, tables = [], []
    for k, v in spec.items():
        if isinstance(v, dict) and k in ("set", "levers", "uncertainties"):
            tables.append(f"[{k}]")
            tables += [f"{_toml_value(str(kk))} = {_toml_value(vv)}" for kk, vv in v.items() if vv is not None]
        elif v is not None:
            lines.append(f"{k} = {_toml_value(v)}")
    return "\n".join(lines + tables) + "\n"


def _only_sweep_errors(source):
    try:
        spec_mod.load_spec(source)
    except ScenarioError as exc:
        assert isinstance(exc, spec_mod.SweepError) or type(exc) is ScenarioError
        assert str(exc) and "\n" not in str(exc) and "Traceback" not in str(exc), str(exc)


@FAST
@given(specs)
def test_fuzz_sweep_spec_tables(spec):
    _only_sweep_errors({"steps": 2, **spec} if "steps" not in spec else spec)


@FAST
@given(specs)
def test_fuzz_sweep_spec_toml_text(spec):
    _only_sweep_errors(_as_toml(spec))


@FAST
@given(st.text(max_size=120))
def test_fuzz_sweep_spec_any_text(text):
    _only_sweep_errors(text + "\n")


def test_sweep_spec_path_errors(tmp_path):
    for source, fragment in [(tmp_path / "none.toml", "not found"), (tmp_path, "not found")]:
        with pytest.raises(spec_mod.SweepError, match=fragment):
            spec_mod.load_spec(source)
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"\xff\xfe")
    with pytest.raises(ScenarioError):
        spec_mod.load_spec(bad)


# ------------------------------------------------------------------ UI uploads


@pytest.fixture
def ui_state():
    """The UI's module-level state, put back as it was afterwards (other UI tests share it)."""
    state = pytest.importorskip("cxsim.ui.state")
    saved = {
        name: getattr(state, name).value
        for name in ("base", "variant", "base_source", "weeks", "upload_error", "notice")
    }
    yield state
    for name, value in saved.items():
        getattr(state, name).set(value)


def _snapshot(state):
    return (state.base.value, state.variant.value, state.base_source.value, state.weeks.value)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    data=st.one_of(
        st.binary(max_size=80),
        st.text(max_size=120).map(str.encode),
        st.sampled_from(
            [
                b"[market]\nsize = 5\n",
                b"[markt]\n",
                b"extends = 5\n",
                b"\xff\xfe",
                b'extends = "/dev/zero"\n',
                b"[" * 2000,
            ]
        ),
    )
)
def test_fuzz_ui_upload_never_raises_and_refusal_changes_nothing(ui_state, data):
    before = _snapshot(ui_state)
    ok = ui_state.load_uploaded("upload.toml", data)
    if not ok:
        assert _snapshot(ui_state) == before, "a refused upload changed the UI's scenarios"
        message = ui_state.upload_error.value
        assert message.startswith("upload.toml: ") and "\n" not in message and "Traceback" not in message
    else:
        assert ui_state.upload_error.value == ""


def test_ui_upload_messages_name_the_key(ui_state):
    assert not ui_state.load_uploaded("x.toml", b"[market]\nsiz = 3\n")
    assert "did you mean 'market.size'" in ui_state.upload_error.value
    assert not ui_state.load_uploaded("x.toml", b"[workforce]\nemployees = 2\nteam_size = 5\n")
    assert "workforce.team_size (5) is larger than workforce.employees (2)" in ui_state.upload_error.value
