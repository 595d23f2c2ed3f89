"""`cxsim run` and `cxsim scenarios` as a user types them."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from cli_helpers import run_cli

SMALL = [
    *("--set", "market.size=2000", "--set", "workforce.employees=40", "--set", "workforce.team_size=8"),
    *("--set", "rivals.rival.workforce.employees=40", "--set", "rivals.rival.workforce.team_size=8"),
]


def test_run_prints_summary_and_writes_csv(tmp_path, capsys):
    out = tmp_path / "kpis.csv"
    code, stdout, _ = run_cli(["run", "baseline", "--seed", "3", "--steps", "8", *SMALL, "--out", str(out)], capsys)
    assert code == 0
    assert "NPS" in stdout and "Profit" in stdout and "seed 3" in stdout
    df = pd.read_csv(out)
    assert len(df) == 8 and set(df["seed"]) == {3} and set(df["scenario"]) == {"baseline"}
    assert df["version"].iloc[0]


def test_run_summary_shows_the_focal_firm_and_its_rival_side_by_side(capsys):
    """What a strategist reads first in an open market: share, NPS and reputation of each firm, and prices."""
    code, stdout, _ = run_cli(
        ["run", "--weeks", "4", *SMALL, "--set", "rivals.rival.pricing.price=250", "--set", "finance.initial_cash=1e9"],
        capsys,
    )
    assert code == 0, stdout
    lines = {line.split("  ")[0].strip(): line.split() for line in stdout.splitlines() if line.strip()}
    assert "focal firm" in stdout and "rival" in lines["KPI"]
    for row in ("Market share (share)", "NPS (points: final / mean)", "Reputation NPS (points)", "Customers"):
        assert row in lines, (row, stdout)
    assert lines["Price ($)"][-2:] == ["200", "250"], "the focal firm's price, then the rival's"
    shares = [float(x) for x in lines["Market share (share)"][-2:]]
    assert abs(sum(shares) - 1.0) < 0.002 and "4 weeks" in stdout


def test_run_says_when_a_rival_went_bankrupt(capsys):
    code, stdout, _ = run_cli(["run", "--steps", "3", *SMALL, "--set", "rivals.rival.finance.initial_cash=1.0"], capsys)
    assert code == 0 and "rival went bankrupt in week 1" in " ".join(stdout.split())
    assert "BANKRUPT" not in stdout, "the focal firm trades on"


def test_run_writes_parquet(tmp_path, capsys):
    out = tmp_path / "kpis.parquet"
    code, _, _ = run_cli(["run", "small_business", "--steps", "5", "--out", str(out)], capsys)
    assert code == 0 and len(pd.read_parquet(out)) == 5


def test_scenarios_lists_shipped_ones(capsys):
    code, stdout, _ = run_cli(["scenarios"], capsys)
    assert code == 0 and "baseline" in stdout and "small_business" in stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "no_such_scenario"], "no scenario named"),
        (["run", "baseline", "--set", "market.size=-5"], "market.size"),
        (["run", "baseline", "--set", "market.sise=5"], "did you mean 'market.size'"),
        (["run", "baseline", "--set", "workforce.team_size=5000"], "team_size"),
    ],
)
def test_bad_input_is_one_message_and_exit_2(args, message, capsys):
    code, stdout, stderr = run_cli(args, capsys)
    assert code == 2
    assert message in stderr
    assert "Traceback" not in stderr + stdout


def test_console_script_end_to_end(tmp_path):
    exe = [sys.executable, "-m", "cxsim.cli"]
    done = subprocess.run(
        [*exe, "run", "baseline", "--steps", "3", *SMALL], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    assert "Customers" in done.stdout
    bad = subprocess.run([*exe, "run", "baseline", "--set", "sim.weeks=0"], capture_output=True, text=True, timeout=600)
    assert bad.returncode == 2 and "sim.weeks" in bad.stderr and "Traceback" not in bad.stderr
