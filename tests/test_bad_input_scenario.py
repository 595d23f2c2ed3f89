"""Bad input to the scenario loader gets one clear error and changes nothing.

Users trust a simulator only when it refuses nonsense clearly. Two halves of one
promise (docs/guarantees.md, "Bad input is refused clearly and changes nothing"):

- the messages users meet: each case is a mistake a user makes in a scenario
  file or a ``--set`` override, and the message it must produce names the key,
  says what is allowed, and guesses what was meant;
- fuzzing: whatever text, table or override comes in, the only exception that
  may come out is ScenarioError. The UI accepts uploads and the CLI accepts files
  and --set values from anyone; a crash with a traceback (KeyError, TypeError,
  RecursionError...) is a bug. The strategies mix valid keys, near-miss keys and
  garbage, so most examples reach deep into validation rather than failing at the
  first character. The slow variants run the same fuzzers longer
  (CXSIM_FUZZ_EXAMPLES sets how long).

The command line's handling of the same errors is in test_bad_input_cli.py; sweep
specs and UI uploads are in test_bad_input_sweep_ui.py.
"""

from __future__ import annotations

import math
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cxsim
from cxsim.params import SECTIONS, parameter_table
from cxsim.scenario import (
    ScenarioError,
    load_scenario,
    override,
    parse_overrides,
    scenario_from_dict,
    scenario_from_toml,
)

# ------------------------------------------------------------ the messages users meet

# (file text, fragments the message must contain)
BAD_FILES = {
    "syntax": ('name = "x"\n[market]\nsize = \n', ["TOML syntax error", "line 3"]),
    "syntax_unclosed": ("[market\nsize = 1\n", ["TOML syntax error", "line 1"]),
    "unknown_key": ("[market]\nsiz = 100\n", ["market.siz", "unknown key", "did you mean 'market.size'"]),
    "unknown_section": ("[markt]\nsize = 100\n", ["markt", "did you mean 'market'"]),
    "unknown_top": ("colour = 1\n", ["colour", "known: extends, name"]),
    "wrong_type": ('[market]\nsize = "big"\n', ["market.size", "expected a whole number", "'big'", "10 to 50,000,000"]),
    "bool_for_number": (
        "[workforce]\nemployees = true\nteam_size = 1\n",
        ["workforce.employees", "expected a whole number", "true"],
    ),
    "fraction_for_int": ("[market]\nsize = 1000.5\n", ["market.size", "expected a whole number", "1000.5"]),
    "number_for_bool": ("[programs]\nvoc = 0.5\n", ["programs.voc", "expected true or false"]),
    "int_for_bool": ("[programs]\nvoc = 1\n", ["programs.voc", "expected true or false, got 1"]),
    "word_for_bool": (
        '[measurement]\nreality_check = "yes"\n',
        ["measurement.reality_check", "expected true or false", "'yes'"],
    ),
    "list_for_number": ("[market]\nsize = [1, 2]\n", ["market.size", "got a list"]),
    "out_of_range": ("[market]\nsize = 5\n", ["market.size = 5 is out of range", "allowed: 10 to 50,000,000 people"]),
    "negative": ("[leadership]\nmarketing_spend = -1\n", ["leadership.marketing_spend = -1 is out of range", "$/week"]),
    "nan": ("[market]\ninitial_customer_share = nan\n", ["market.initial_customer_share = nan is out of range"]),
    "inf": ("[finance]\ninitial_cash = inf\n", ["finance.initial_cash = inf is out of range"]),
    "bad_choice": ('[market]\ngraph = "erdos"\n', ["market.graph", "must be one of", "did you mean 'erdos_renyi'"]),
    "section_not_table": ("market = 3\n", ["market: must be a table"]),
    "array_of_tables": ("[[market]]\nsize = 100\n", ["market: must be a table"]),
    "team_bigger_than_firm": (
        "[workforce]\nemployees = 3\nteam_size = 10\n",
        ["workforce.team_size (10)", "workforce.employees (3)"],
    ),
    "degree_not_below_size": ("[market]\nsize = 10\n", ["market.mean_degree (10)", "market.size (10)"]),
    "reality_check_without_voc": (
        "[measurement]\nreality_check = true\n",
        ["measurement.reality_check = true needs programs.voc = true"],
    ),
    "probability_above_one": (
        "[customers]\nrecommend_base = 0.5\n",
        ["customers.recommend_base x customers.recommend_ratio", "<= 1"],
    ),
    "several_errors": ("[market]\nsize = 5\nsiz = 3\n", ["market.size = 5", "market.siz"]),
    "extends_number": ("extends = 5\n", ["'extends' must be a scenario name"]),
    "extends_empty": ('extends = ""\n', ["'extends' must be a scenario name"]),
    "extends_unknown": ('extends = "basline"\n', ["extends = 'basline'", "did you mean 'baseline'"]),
    "extends_with_suffix": ('extends = "small_business.toml"\n', ["named 'small_business', without .toml"]),
    "extends_folder": ('extends = "/"\n', ["is a folder"]),
    "extends_device": ('extends = "/dev/zero"\n', ["not a regular file"]),
}


def _one_line(message: str) -> None:
    assert "\n" not in message, message
    assert "Traceback" not in message and "pydantic" not in message.lower(), message
    assert len(message) < 600, message


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_scenario_file_names_the_problem(case, tmp_path):
    text, fragments = BAD_FILES[case]
    path = tmp_path / f"{case}.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    _one_line(message)
    assert message.startswith(f"{case}.toml: "), message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    # the same text uploaded (UI) gives the same reason, without the file name
    with pytest.raises(ScenarioError) as upload:
        scenario_from_toml(text)
    assert fragments[0] in str(upload.value)
    assert path.read_text() == text, "loading never changes the file"


def test_extends_loop_is_reported(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    with pytest.raises(ScenarioError, match=r"goes round in a circle: a.toml -> b.toml -> a.toml"):
        load_scenario(tmp_path / "a.toml")
    (tmp_path / "self.toml").write_text('extends = "self.toml"\n')
    with pytest.raises(ScenarioError, match="circle"):
        load_scenario(tmp_path / "self.toml")


def test_error_in_a_parent_names_both_files(tmp_path):
    (tmp_path / "parent.toml").write_text("[market]\nsize = 5\n")
    (tmp_path / "child.toml").write_text('extends = "parent.toml"\n[workforce]\nemployees = 400\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "child.toml")
    assert "child.toml" in str(info.value) and "market.size = 5" in str(info.value)
    (tmp_path / "child2.toml").write_text('extends = "broken.toml"\n')
    (tmp_path / "broken.toml").write_text("[market\n")
    with pytest.raises(ScenarioError, match=r"child2.toml: extends = 'broken.toml': broken.toml: TOML syntax error"):
        load_scenario(tmp_path / "child2.toml")


def test_paths_that_are_not_scenarios(tmp_path):
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe[market]\n")
    huge = tmp_path / "huge.toml"
    huge.write_text("# padding\n" * 200_000)
    cases = [
        (folder, "is a folder"),
        (tmp_path, "is a folder"),
        (binary, "not a text (UTF-8) file"),
        (tmp_path / "missing.toml", "scenario file not found"),
        ("basline", "did you mean 'baseline'"),
        (huge, "too big"),
        ("a\x00b", "no scenario named"),
        ("x" * 5000 + ".toml", "File name too long"),
    ]
    for arg, fragment in cases:
        with pytest.raises(ScenarioError) as info:
            load_scenario(arg)
        assert fragment in str(info.value), (arg, str(info.value))
    with pytest.raises(ScenarioError, match="not a text"):
        scenario_from_toml(b"\xff\xfe")
    with pytest.raises(ScenarioError, match="expected TOML text"):
        scenario_from_toml(42)  # type: ignore[arg-type]


BAD_SETS = {
    "market.size": "expected key=value",
    "market.size=abc": "expected a whole number, got 'abc'",
    "market.size=5": "market.size = 5 is out of range",
    "markt.size=5": "did you mean 'market.size'",
    "market.sise=5": "did you mean 'market.size'",
    "size=5": "did you mean 'market.size'",
    "weeks=5": "did you mean 'sim.weeks'",
    "a.b.c=1": "keys look like 'section.parameter'",
    "=5": "keys look like 'section.parameter'",
    "market.size=": "expected a whole number",
    "market.graph=foo": "must be one of",
    "programs.voc=0.5": "expected true or false",
    "programs.voc=yes": "programs.voc: expected true or false, got 'yes'",  # pydantic alone would read it as true
    "programs.voc=1": "programs.voc: expected true or false, got 1",
    "programs.cx_team=on": "programs.cx_team: expected true or false, got 'on'",
    "workforce.team_size=1000": "workforce.team_size (1000) is larger than workforce.employees (500)",
    "market.initial_customer_share=nan": "is out of range",
    "market.size=true": "expected a whole number, got true",
    # a rival the scenario does not have is a misspelling, unless the changes give its share (then it is added)
    "rivals.rivl.pricing.price=250": "rivals.rivl.pricing.price: the scenario has no rival 'rivl' (its rivals: rival; "
    "to add one, give its share of the market too: rivals.rivl.initial_share); did you mean 'rivals.rival.pricing.price'?",
    "rivals.rival.pricing.prise=250": "did you mean 'rivals.rival.pricing.price'",
}


def test_a_new_rival_is_added_with_its_share():
    s = override(
        load_scenario("baseline"),
        parse_overrides(["rivals.upstart.initial_share=0.1", "rivals.upstart.pricing.price=150"]),
    )
    assert list(s.rivals) == ["rival", "upstart"] and s.rivals["upstart"].pricing.price == 150.0


@pytest.mark.parametrize("item", sorted(BAD_SETS))
def test_bad_set_override_names_the_problem(item):
    base = load_scenario("baseline")
    with pytest.raises(ScenarioError) as info:
        override(base, parse_overrides([item]))
    _one_line(str(info.value))
    assert BAD_SETS[item] in str(info.value), str(info.value)
    assert base == load_scenario("baseline"), "a failed override leaves the scenario as it was"


def test_good_set_values_parse_like_toml():
    s = override(
        load_scenario("baseline"),
        parse_overrides(
            ["market.size=1_000", "programs.voc=true", "market.graph=erdos_renyi", "leadership.marketing_spend=1e3"]
        ),
    )
    assert (s.market.size, s.programs.voc, s.market.graph, s.leadership.marketing_spend) == (
        1000,
        True,
        "erdos_renyi",
        1000.0,
    )


def test_shipped_scenarios_all_load():
    names = cxsim.shipped_scenarios()
    assert "baseline" in names
    bad = {n: d for n, d in names.items() if d.startswith("(invalid")}
    assert not bad, bad


# ---------------------------------------------------------------------- fuzzing

KEYS = [row["key"] for row in parameter_table()]
NAMES = sorted({k.split(".")[1] for k in KEYS})

FAST = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
# CXSIM_FUZZ_EXAMPLES=100000 pytest -m slow tests/test_bad_input_scenario.py -k fuzz fuzzes for a long while
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
