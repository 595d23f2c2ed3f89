"""Start-up: importing cxsim, a warm ``cxsim run baseline --steps 1``, and a cold compile (empty Numba cache)."""

from __future__ import annotations

import subprocess
import sys
import tempfile

import pytest

from benchmarks import harness as h


def test_import_cxsim_and_model(benchmark):
    benchmark.group = "start-up"
    benchmark.extra_info.update(load=h.load())
    benchmark.pedantic(
        subprocess.run,
        args=([sys.executable, "-c", "import cxsim, cxsim.model"],),
        kwargs={"check": True},
        rounds=3,
        iterations=1,
    )


def test_warm_cli_run_one_week(benchmark):
    cmd = [*h._cxsim_cli(), "run", "baseline", "--steps", "1"]
    benchmark.group = "start-up"
    benchmark.extra_info.update(load=h.load())
    with tempfile.TemporaryDirectory() as tmp:
        benchmark.pedantic(
            subprocess.run,
            args=(cmd,),
            kwargs={"check": True, "capture_output": True, "cwd": tmp},
            rounds=3,
            iterations=1,
        )


@pytest.mark.slow
def test_cold_compile_to_first_step(benchmark):
    benchmark.group = "start-up"
    benchmark.extra_info.update(load=h.load())
    result = benchmark.pedantic(h.cold_compile, rounds=1, iterations=1)
    benchmark.extra_info.update(result)
