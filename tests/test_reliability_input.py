"""Bad input gets one clear error and changes nothing (scenario files, --set, the CLI).

Users trust a simulator only when it refuses nonsense clearly: each case
below is a mistake a user makes, and the message it must produce names the
key, says what is allowed, and guesses what was meant.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import cxsim
from cxsim import cli
from cxsim.params import Market, field_bounds, parameter_table
from cxsim.scenario import ScenarioError, diff, load_scenario, override, parse_overrides, scenario_from_toml, to_toml

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
}


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


def test_load_scenario_applies_overrides():
    base = load_scenario("baseline")
    assert load_scenario("baseline", {"market.size": 1000}) == override(base, {"market.size": 1000})
    assert load_scenario(base, {}) is base
    with pytest.raises(ScenarioError, match="market.size = 5 is out of range"):
        load_scenario(base, {"market.size": 5})


def test_bounds_come_from_one_place_for_the_table_and_the_errors():
    size = Market.model_fields["size"]
    assert field_bounds(size) == (10, 50_000_000)
    assert field_bounds(Market.model_fields["graph"]) == (None, None)
    row = next(r for r in parameter_table() if r["key"] == "market.size")
    assert (row["min"], row["max"]) == field_bounds(size)
    with pytest.raises(
        ScenarioError, match="market.size: expected a whole number, got true \\(allowed: 10 to 50,000,000"
    ):
        load_scenario("baseline", {"market.size": True})


def test_scenario_methods_are_the_module_functions():
    base = load_scenario("baseline")
    changed = base.override({"market.size": 1000})
    assert changed == override(base, {"market.size": 1000})
    assert changed.get("market.size") == 1000
    assert changed.diff(base) == {"market.size": (1000, base.market.size)} == diff(changed, base)
    assert scenario_from_toml(changed.to_toml()) == changed
    assert changed.to_toml(only_changes_from=base) == to_toml(changed, base)
    assert changed.to_toml(only_changes_from=base).splitlines()[0] == 'extends = "baseline"'
    with pytest.raises(ScenarioError, match="market.size = 5 is out of range"):
        base.override({"market.size": 5})


# ------------------------------------------------------------------------- CLI


def _main(capsys, *argv: str) -> tuple[int, str, str]:
    cli.STATE["debug"] = False
    with pytest.raises(SystemExit) as info:
        cli.main(list(argv))
    out, err = capsys.readouterr()
    return info.value.code, out, err


CLI_USER_ERRORS = [
    (["run", "basline"], "did you mean 'baseline'"),
    (["run", "small_business", "--set", "market.sise=5"], "unknown key in section [market]; did you mean"),
    (["run", "small_business", "--set", "market.size"], "expected key=value"),
    (["run", "small_business", "--threads", "999"], "--threads 999"),
    (["run", "small_business", "--out", "x.txt"], "use FILE.csv, FILE.parquet or a directory"),
    (["run", "small_business", "--checkpoint-every", "2"], "--checkpoint-every needs --out DIR"),
    (["run", "small_business", "--checkpoint-every", "2", "--out", "x.csv"], "not the file x.csv"),
    (["params", "nosuch"], "no parameters in section"),
    (["resume", "no/such/dir"], "no such run directory"),
]


@pytest.mark.parametrize("argv,fragment", CLI_USER_ERRORS, ids=[" ".join(a) for a, _ in CLI_USER_ERRORS])
def test_cli_user_error_is_one_line_exit_2(capsys, tmp_path, monkeypatch, argv, fragment):
    monkeypatch.chdir(tmp_path)
    code, out, err = _main(capsys, *argv)
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and fragment in lines[0], err
    assert "Traceback" not in err + out
    assert list(tmp_path.iterdir()) == [], "a refused command writes nothing"


def test_cli_errors_for_scenario_files_and_folders(capsys, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[market]\nsiz = 1\n")
    folder = tmp_path / "folder"
    folder.mkdir()
    for arg, fragment in [
        (bad, "did you mean 'market.size'"),
        (folder, "is a folder"),
        (tmp_path / "none.toml", "not found"),
    ]:
        code, _, err = _main(capsys, "run", str(arg), "--out", str(tmp_path / "o.csv"))
        assert code == 2 and fragment in err and "Traceback" not in err, err
        assert "[market]" in err or fragment != "did you mean 'market.size'", "Rich must not eat [section] as markup"
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--steps", "abc"],
        ["run", "--steps", "0"],
        ["run", "--seed", "-1"],
        ["run", "--bogus"],
        ["run", "a", "b"],
        ["nosuchcommand"],
    ],
)
def test_cli_usage_errors_exit_2_without_traceback(capsys, argv):
    code, out, err = _main(capsys, *argv)
    assert code == 2
    assert "Traceback" not in out + err
    assert "Error" in err


@pytest.mark.parametrize("argv", [["--debug", "run", "basline"], ["run", "basline", "--debug"]])
def test_cli_debug_shows_the_traceback(capsys, argv):
    with pytest.raises(ScenarioError):
        cli.main(argv)
    cli.STATE["debug"] = False
    code, _, err = _main(capsys, "run", "basline")  # and the next command is quiet again
    assert code == 2 and "Traceback" not in err


def test_cli_unexpected_error_is_one_line_exit_1(capsys, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(cli.runs, "load_with_overrides", boom)
    code, _, err = _main(capsys, "run", "small_business")
    assert code == 1 and "internal error (RuntimeError: kaboom)" in err and "--debug" in err
    assert "Traceback" not in err


def test_cli_unwritable_out_fails_before_running(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, out, err = _main(capsys, "run", "small_business", "--out", str(blocker / "sub" / "o.csv"))
    assert code == 2 and "is a file, not a folder" in err
    assert "KPI" not in out, "refused before simulating"


def test_cli_run_dir_refuses_a_used_directory(capsys, tmp_path):
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("mine")
    code, _, err = _main(capsys, "run", "small_business", "--steps", "2", "--out", str(used))
    assert code == 2 and "not empty" in err
    assert sorted(p.name for p in used.iterdir()) == ["notes.txt"]


def test_cli_end_to_end_subprocess(tmp_path):
    """The installed entry point, for real: one line, exit 2; --debug shows the traceback."""
    bad = tmp_path / "bad.toml"
    bad.write_text("[workforce]\nemployees = 3\nteam_size = 10\n")
    env = {**os.environ, "COLUMNS": "60"}
    cmd = [sys.executable, "-c", "from cxsim.cli import main; main()"]
    p = subprocess.run([*cmd, "run", str(bad)], capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 2
    assert p.stderr.strip().count("\n") == 0, "one line even on a narrow terminal: " + p.stderr
    assert "workforce.team_size (10) is larger than workforce.employees (3)" in p.stderr
    p = subprocess.run([*cmd, "--debug", "run", str(bad)], capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 1 and "Traceback" in p.stderr and "ScenarioError" in p.stderr


def test_shipped_scenarios_all_load():
    names = cxsim.shipped_scenarios()
    assert "baseline" in names
    bad = {n: d for n, d in names.items() if d.startswith("(invalid")}
    assert not bad, bad
