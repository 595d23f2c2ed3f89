"""A sweep runs every planned run once, reproducibly, and a damaged directory resumes without loss or duplicates.

Damage comes two ways here: a directory broken by hand at every point of a chunk
write (in this process), and a real ``cxsim sweep`` killed with SIGKILL mid-way
and resumed from the command line (slow).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

import cxsim
import cxsim.sweep as sw
from cxsim.comparison import outcome_name, outcomes
from cxsim.sweep.design import run_seed
from cxsim.sweep.store import MANIFEST, SweepStore
from sweep_helpers import tiny_spec


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    """The tiny sweep, run in this process (8 runs)."""
    out = tmp_path_factory.mktemp("sweep") / "tiny"
    report = sw.run(tiny_spec(), out, executor=1, chunk_size=3)
    return out, report


def test_every_planned_run_is_there_once_with_its_derived_seed(done):
    out, report = done
    df = sw.load(out)
    assert report.complete and report.n_runs == report.runs_now == 8 and report.n_points == 4
    assert list(df["run"]) == list(range(8))
    assert list(df["point"]) == [0, 0, 1, 1, 2, 2, 3, 3] and list(df["replicate"]) == [0, 1] * 4
    assert list(df["seed"]) == [run_seed(0, p, r) for p in range(4) for r in range(2)]
    assert set(map(tuple, df[["supervisors.coaching", "programs.recognition"]].drop_duplicates().to_numpy())) == {
        (0.2, False),
        (0.2, True),
        (0.8, False),
        (0.8, True),
    }
    assert {"total_profit", "final_nps", "total_churned", "weeks", "bankrupt"} <= set(df.columns)
    assert (df["weeks"] == 6).all()
    m = json.loads((out / MANIFEST).read_text())
    assert m["finished"] and m["done_chunks"] == [0, 1, 2] and m["cxsim_version"] == cxsim.__version__
    assert m["spec"]["seeds"] == 2 and len(m["design"]["values"]) == 4 and len(m["runs"]["seed"]) == 8


def test_each_row_is_exactly_what_cxsim_run_gives(done):
    out, _ = done
    df = sw.load(out)
    base = sw.load_spec(tiny_spec()).base
    for k in (0, 5):
        row = df.iloc[k]
        s = base.override(
            {
                "supervisors.coaching": row["supervisors.coaching"],
                "programs.recognition": bool(row["programs.recognition"]),
            }
        )
        result = cxsim.run(s, seed=int(row["seed"]), steps=6)
        for kpi, value in outcomes(result, ["profit", "nps", "churned"]).items():
            assert row[outcome_name(kpi)] == value  # exactly, not approximately


def test_show_gives_a_command_for_the_same_scenario(done):
    out, _ = done
    info = sw.run_info(out, 5)
    assert info["point"] == 2 and info["replicate"] == 1 and info["note"] is None
    cmd = info["command"]
    assert cmd.startswith(f"cxsim run baseline --seed {info['seed']} --steps 6 ")
    assert "--set market.size=1500" in cmd and "--set supervisors.coaching=0.8" in cmd
    assert "--set programs.recognition=false" in cmd
    with pytest.raises(sw.SweepError, match="this sweep has runs 0 to 7"):
        sw.run_info(out, 8)


def test_a_non_empty_directory_is_not_overwritten(done, tmp_path):
    out, _ = done
    before = sorted(p.name for p in out.iterdir())
    with pytest.raises(sw.SweepError, match="not empty; refusing to overwrite"):
        sw.run(tiny_spec(), out, executor=1)
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(sw.SweepError, match="not empty; refusing"):
        sw.run(tiny_spec(), other, executor=1)
    with pytest.raises(sw.SweepError, match="has no _sweep.json: not a sweep directory"):
        sw.run(tiny_spec(), other, executor=1, resume=True)
    assert sorted(p.name for p in out.iterdir()) == before and (other / "notes.txt").read_text() == "mine"


def test_resume_refuses_a_different_spec_and_does_nothing_when_finished(done):
    out, _ = done
    with pytest.raises(sw.SweepError, match="holds a different sweep: seeds: 2 in DIR, 3 now"):
        sw.run(tiny_spec(), out, executor=1, resume=True, seeds=3)
    before = sw.load(out)
    report = sw.run(tiny_spec(), out, executor=1, resume=True)
    assert report.runs_now == 0 and report.runs_before == 8 and report.complete
    pd.testing.assert_frame_equal(sw.load(out), before)


def test_resume_after_a_crash_at_any_point_of_a_chunk_write(done, tmp_path):
    """Missing parts, a half-written temporary and a part the manifest did not record yet."""
    import shutil

    out, _ = done
    reference = sw.load(out)
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    (broken / "part-00001.parquet").unlink()  # killed before this chunk was written ...
    (broken / ".part-00001.parquet.999.tmp").write_bytes(b"PAR1 half a file")  # ... while writing it
    m = json.loads((broken / MANIFEST).read_text())
    m["done_chunks"], m["finished"] = [0], False  # killed after renaming part 2, before recording it
    (broken / MANIFEST).write_text(json.dumps(m))
    assert SweepStore.open(broken).runs_done() == 5
    partial = sw.load(broken)
    assert not partial.attrs["complete"] and len(partial) == 5
    report = sw.run(tiny_spec(), broken, executor=1, resume=True)
    assert report.runs_before == 5 and report.runs_now == 3
    assert not list(broken.glob(".*.tmp"))
    pd.testing.assert_frame_equal(sw.load(broken), reference)


def test_timeseries_sweeps_keep_weekly_rows_that_summarise_to_the_same_outcomes(done, tmp_path):
    out, _ = done
    sw.run(tiny_spec(keep="timeseries"), tmp_path / "ts", executor=1)
    weekly = sw.load(tmp_path / "ts")
    assert len(weekly) == 8 * 6 and list(weekly.columns[:4]) == ["run", "point", "replicate", "seed"]
    from cxsim.sweep.analyze import run_outcomes

    per_run = run_outcomes(weekly, ["profit", "nps", "churned", "mean_engagement"])
    summary = sw.load(out)
    cols = ["run", "seed", "weeks", "bankrupt", "total_profit", "final_nps", "total_churned", "final_mean_engagement"]
    pd.testing.assert_frame_equal(per_run[cols].reset_index(drop=True), summary[cols], check_dtype=False)


def test_replications_without_factors(tmp_path):
    report = sw.run(tiny_spec(levers={}, seeds=3), tmp_path / "reps", executor=1)
    df = sw.load(tmp_path / "reps")
    assert report.n_points == 1 and len(df) == 3 and df["seed"].nunique() == 3
    with pytest.raises(sw.SweepError, match="varies nothing"):
        sw.analyze(tmp_path / "reps")


def test_common_random_numbers_give_every_point_the_same_seeds(tmp_path):
    sw.run(tiny_spec(common_random_numbers=True), tmp_path / "crn", executor=1)
    df = sw.load(tmp_path / "crn")
    assert df.groupby("replicate")["seed"].nunique().tolist() == [1, 1]
    assert df["seed"].nunique() == 2


# ------------------------------------------------ a real sweep, killed and resumed

CXSIM = str(Path(sys.executable).with_name("cxsim"))

# 4 x 2 points x 6 seeds = 48 runs of a 20,000-person firm, one run per chunk: long enough to be killed mid-way
KILL_SPEC = """
name = "killme"
scenario = "baseline"
design = "grid"
samples = 4
seeds = 6
steps = 40
kpis = ["profit", "nps", "churned"]

[set]
"market.size" = 20000
"workforce.employees" = 200
"workforce.team_size" = 10

[levers]
"supervisors.coaching" = [0.1, 0.9]
"programs.recognition" = [false, true]
"""


def _parts(folder: Path) -> int:
    return len(list(folder.glob("part-*.parquet")))


@pytest.mark.slow
def test_kill_and_resume_gives_the_uninterrupted_sweep(tmp_path):
    spec = tmp_path / "killme.toml"
    spec.write_text(KILL_SPEC)
    out = tmp_path / "killed"
    cmd = [CXSIM, "sweep", str(spec), "--out", str(out), "--workers", "2", "--chunk-size", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while _parts(out) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert proc.poll() is None, (
            "the sweep finished (or failed) before it could be killed:\n" + proc.stdout.read().decode()
        )
        workers = psutil.Process(proc.pid).children(recursive=True)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        # the pool's workers die with the sweep (PR_SET_PDEATHSIG), they do not compute on for nobody
        _, alive = psutil.wait_procs(workers, timeout=30)
        assert not alive, f"workers outlived the killed sweep: {alive}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        proc.stdout.close()

    killed_at = _parts(out)
    assert 0 < killed_at < 48, f"{killed_at} chunks were done when the sweep was killed"
    partial = sw.load(out)
    assert not partial.attrs["complete"] and partial["run"].is_unique

    resumed = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"resuming: {killed_at} of 48 runs already done" in resumed.stdout.replace("\n", " ")
    assert not list(out.glob(".*.tmp"))

    sw.run(spec, tmp_path / "whole", executor=1)
    df = sw.load(out)
    assert df.attrs["complete"] and list(df["run"]) == list(range(48))
    pd.testing.assert_frame_equal(df, sw.load(tmp_path / "whole"))


def test_a_sweep_over_a_rivals_price_keeps_rival_outcomes(tmp_path):
    """A rival's lever varies like the focal firm's; its KPIs are summarised as the focal firm's are (a flow as
    a total, a level in the final week), the rows are exactly cxsim.run's, and `sweep show` reproduces a run."""
    spec = tiny_spec(
        levers={"rivals.rival.pricing.price": {"values": [150.0, 250.0]}},
        kpis=["share", "profit", "rival_share", "rival_profit", "rival_churn_rate"],
        seeds=1,
    )
    out = tmp_path / "rival"
    sw.run(spec, out, executor=1)
    df = sw.load(out)
    assert list(df["rivals.rival.pricing.price"]) == [150.0, 250.0]
    assert {"final_share", "total_profit", "final_rival_share", "total_rival_profit", "mean_rival_churn_rate"} <= set(
        df.columns
    )
    base = sw.load_spec(spec).base
    for k in (0, 1):
        row = df.iloc[k]
        s = base.override({"rivals.rival.pricing.price": row["rivals.rival.pricing.price"]})
        result = cxsim.run(s, seed=int(row["seed"]), steps=6)
        assert row["total_rival_profit"] == result.timeseries["rival_profit"].sum()
        for kpi, value in outcomes(result, spec["kpis"]).items():
            assert row[outcome_name(kpi)] == value
    assert "--set rivals.rival.pricing.price=250.0" in sw.run_info(out, 1)["command"]
    (res,) = sw.analyze(out, "rival_share")
    assert res.outcome == "final_rival_share" and list(res.table["factor"]) == ["rivals.rival.pricing.price"]
