"""Bad input on the command line: one line on stderr, exit code 2, no traceback, no file written.

The messages themselves come from the scenario loader (test_bad_input_scenario.py);
these check how ``cxsim`` hands them to a user: mistakes exit 2 with one
``error:`` line (even on a narrow terminal), usage errors exit 2, an unexpected
error exits 1 with one line that suggests ``--debug``, ``--debug`` shows the
traceback, and a refused command writes nothing (docs/guarantees.md, "Bad input
is refused clearly and changes nothing").
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from cxsim import cli
from cxsim.scenario import ScenarioError


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
    (
        ["run", "small_business", "--set", "rivals.rivl.pricing.price=250"],
        "the scenario has no rival 'rivl' (its rivals: rival; to add one, give its share of the market too: "
        "rivals.rivl.initial_share); did you mean 'rivals.rival.pricing.price'?",
    ),
    (["run", "small_business", "--set", "rivals.rival.pricng.price=250"], "a rival has no section 'pricng'"),
    (
        ["compare", "baseline", "cx_room", "--kpi", "rivl_share"],
        "unknown KPI 'rivl_share'; did you mean 'rival_share'?",
    ),
    (["run", "small_business", "--threads", "999"], "--threads 999"),
    (["run", "small_business", "--threads", "0"], "--threads 0: this machine allows 1 to"),
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
