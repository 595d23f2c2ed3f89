"""``cxsim sweep``, ``cxsim sweep show`` and ``cxsim analyze`` end to end, as an analyst types them."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import cxsim.sweep as sw
from cxsim.cli import app, main
from cxsim.comparison import outcome_name, outcomes
from sweep_helpers import TINY_TOML

runner = CliRunner()


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    spec = folder / "tiny.toml"
    spec.write_text(TINY_TOML)
    out = folder / "out"
    result = runner.invoke(app, ["sweep", str(spec), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    return spec, out, result.output


def test_sweep_prints_a_plan_and_a_summary(swept):
    _, out, output = swept
    text = " ".join(output.split())
    assert "tiny: grid design, 2 factors, 4 points x 2 seeds = 8 runs of 6 weeks" in text
    assert "runs this session / before" in text and "8 / 0" in text and "runs/s" in text
    assert "total_profit" in text and f"cxsim analyze {out}" in text
    assert len(sw.load(out)) == 8


def test_show_prints_a_command_that_reproduces_the_run(swept, tmp_path):
    _, out, _ = swept
    shown = runner.invoke(app, ["sweep", "show", str(out), "--run", "6"])
    assert shown.exit_code == 0, shown.output
    command = next(line for line in shown.output.splitlines() if line.startswith("cxsim run "))
    args = shlex.split(command)
    csv = tmp_path / "run6.csv"
    rerun = runner.invoke(app, [*args[1:], "--out", str(csv)])
    assert rerun.exit_code == 0, rerun.output
    recorded = sw.load(out).set_index("run").loc[6]
    again = outcomes(type("R", (), {"timeseries": pd.read_csv(csv)})(), ["profit", "nps", "churned"])
    for kpi, value in again.items():
        assert recorded[outcome_name(kpi)] == pytest.approx(value, rel=1e-12, abs=1e-9)
    assert recorded["seed"] == int(args[args.index("--seed") + 1])


def test_analyze_prints_tables_and_writes_csv_and_png(swept):
    _, out, _ = swept
    result = runner.invoke(app, ["analyze", str(out), "--kpi", "nps"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "NPS (points), final week (final_nps): main effects" in " ".join(result.output.split())
    assert "supervisors.coaching" in result.output
    files = sorted(p.name for p in (out / "analysis").iterdir())
    assert files == [
        "final_nps_main_effects.csv",
        "final_nps_main_effects.png",
        "final_nps_partial_dependence.csv",
        "final_nps_partial_dependence.png",
    ]


def test_a_rivals_lever_and_kpis_from_plan_to_analysis(tmp_path):
    """A rival's price as an uncertainty and its KPIs: the plan, the summary and the analysis name them."""
    spec = tmp_path / "rival.toml"
    spec.write_text(
        TINY_TOML.replace("seeds = 2", "seeds = 1").replace(
            'kpis = ["profit", "nps", "churned"]', 'kpis = ["share", "rival_share"]'
        )
        + '[uncertainties]\n"rivals.rival.pricing.price" = {values = [150.0, 250.0]}\n'
    )
    out = tmp_path / "out"
    env = {"COLUMNS": "200"}
    dry = runner.invoke(app, ["sweep", str(spec), "--out", str(out), "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "rivals.rival.pricing.price" in dry.output and "uncertainty" in dry.output
    assert "employees: focal firm 20, rival 20" in dry.output
    done = runner.invoke(app, ["sweep", str(spec), "--out", str(out), "--workers", "1"], env=env)
    assert done.exit_code == 0, done.output
    assert "final_rival_share" in done.output
    analysed = runner.invoke(app, ["analyze", str(out), "--kpi", "rival_share"], env=env)
    assert analysed.exit_code == 0, analysed.output
    assert "Market share (rival) (share), final week (final_rival_share): main effects" in analysed.output
    assert (out / "analysis" / "final_rival_share_main_effects.png").exists()


def test_user_errors_are_one_line_and_exit_code_2(swept, capsys, tmp_path):
    spec, out, _ = swept
    for argv, message in [
        (["sweep", str(spec), "--out", str(out)], "not empty; refusing to overwrite"),
        (
            ["sweep", str(spec), "--out", str(out), "--resume", "--steps", "7"],
            "holds a different sweep: steps: 6 in DIR, 7 now",
        ),
        (["sweep", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "o")], "sweep spec not found"),
        (["sweep", "show", str(out), "--run", "99"], "this sweep has runs 0 to 7"),
        (["analyze", str(out), "--kpi", "profitt"], "did you mean 'profit'?"),
        (["sweep", str(spec), "--out", str(tmp_path / "o"), "--samples", "0"], "--samples: must be 1 or more"),
    ]:
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
        err = " ".join(capsys.readouterr().err.split())
        assert message in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_dry_run_and_shrinking_a_spec_from_the_command_line(tmp_path):
    spec = Path(__file__).parents[1] / "experiments" / "sweeps" / "engagement_levers.toml"
    dry = runner.invoke(app, ["sweep", str(spec), "--out", str(tmp_path / "x"), "--dry-run"], env={"COLUMNS": "200"})
    assert dry.exit_code == 0, dry.output
    assert "896 points x 1 seeds = 896 runs of 104 weeks" in dry.output and not (tmp_path / "x").exists()
    small = runner.invoke(
        app,
        ["sweep", str(spec), "--out", str(tmp_path / "x"), "--dry-run", "--samples", "2", "--steps", "3"],
        env={"COLUMNS": "200"},
    )
    assert "28 points x 1 seeds = 28 runs of 3 weeks" in small.output


@pytest.mark.slow
def test_the_installed_command_runs_the_quick_example(tmp_path):
    """Once for real: the console script in a subprocess with the shipped quick spec and 2 local workers."""
    spec = Path(__file__).parents[1] / "experiments" / "sweeps" / "quick.toml"
    cxsim = str(Path(sys.executable).with_name("cxsim"))
    out = tmp_path / "quick"
    done = subprocess.run(
        [cxsim, "sweep", str(spec), "--out", str(out), "--workers", "2"], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "12 / 0" in done.stdout and "2 local processes (this one + 1 helper)" in " ".join(done.stdout.split())
    shown = subprocess.run(
        [cxsim, "sweep", "show", str(out), "--run", "3"], capture_output=True, text=True, timeout=120
    )
    assert shown.returncode == 0 and shown.stdout.startswith("cxsim run baseline --seed ")
    analysed = subprocess.run([cxsim, "analyze", str(out)], capture_output=True, text=True, timeout=300)
    assert analysed.returncode == 0, analysed.stderr
    assert len(list((out / "analysis").glob("*.png"))) == 12  # 6 KPIs: main effects and partial dependence each


def test_an_interrupted_sweep_says_how_to_continue_and_that_command_finishes_it(tmp_path, monkeypatch):
    """Ctrl-C after the first chunk: exit 130, and the printed command (with the --seeds/--steps the sweep
    was started with, or --resume would refuse a 'different sweep') completes it as if never interrupted."""
    import cxsim.sweep.execute as ex

    spec = tmp_path / "tiny.toml"
    spec.write_text(TINY_TOML)
    out = tmp_path / "out"
    real, calls = ex.run_chunk, []

    def interrupted_on_the_second_chunk(task):
        calls.append(task.chunk)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(task)

    monkeypatch.setattr(ex, "run_chunk", interrupted_on_the_second_chunk)
    args = [
        "sweep",
        str(spec),
        "--out",
        str(out),
        "--workers",
        "1",
        "--seeds",
        "1",
        "--steps",
        "3",
        "--chunk-size",
        "2",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 130, result.output
    text = " ".join(result.output.split())
    assert f"interrupted: 2 of 4 runs saved in {out}" in text, text
    command = text.split("continue with: ")[1].split(" --resume")[0] + " --resume"
    assert command == f"cxsim sweep {spec} --out {out} --seeds 1 --steps 3 --resume"
    monkeypatch.setattr(ex, "run_chunk", real)
    result = runner.invoke(app, [*shlex.split(command)[1:], "--workers", "1"])
    assert result.exit_code == 0, result.output
    sw.run(spec, tmp_path / "whole", executor=1, seeds=1, steps=3)
    pd.testing.assert_frame_equal(sw.load(out), sw.load(tmp_path / "whole"))
