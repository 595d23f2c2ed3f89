"""SIGKILL a running ``cxsim sweep`` mid-way, resume it, and get exactly the uninterrupted sweep."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

import cxsim.sweep as sw

pytestmark = pytest.mark.slow

CXSIM = str(Path(sys.executable).with_name("cxsim"))

# 4 x 2 points x 6 seeds = 48 runs of a 20,000-person firm, one run per chunk: long enough to be killed mid-way
SPEC = """
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


def test_kill_and_resume_gives_the_uninterrupted_sweep(tmp_path):
    spec = tmp_path / "killme.toml"
    spec.write_text(SPEC)
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
