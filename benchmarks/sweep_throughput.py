"""Sweep throughput: runs/s of ``cxsim sweep``'s local executor with 1 and 2 processes (README.md#performance).

Serves the analyst who runs thousands of variants overnight: on 2 cores, two
processes should do at least 1.8x the runs/s of one. The sweep is the
README's: 200 replications of ``baseline`` (50,000 people, 500 employees) at
52 weeks. Configurations alternate round by round in one process, so each
ratio is taken under the same machine load (the 1-minute load average is
recorded before and after each measurement: the 2 cores are shared).

Two views of the same sweep:

- **library** (``cxsim.sweep.run`` in a warm process: kernels already
  loaded): the strictest single-process reference, since the one-process
  sweep pays no start-up at all while the pool still starts its helpers;
- **cli** (``cxsim sweep SPEC --out DIR --workers N`` as a subprocess,
  process start to exit): what an analyst waits for; every process imports
  cxsim and loads the kernels from Numba's cache.

``2 (idle driver)`` is the pool of the first version (two helper processes,
the driver only writes): kept to show what letting the driver run chunks
gained.

    python -m benchmarks.sweep_throughput            # measure, write benchmarks/sweep_throughput.{md,json}
    python -m benchmarks.sweep_throughput --runs 40  # a quick proxy (not the README's figure)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 200
WEEKS = 52
TARGET = 1.8

#: name -> (processes, Numba threads per process, driver runs chunks too)
LIBRARY_CONFIGS = {"1": (1, 1, True), "2": (2, 1, True), "2 (idle driver)": (2, 1, False)}
CLI_CONFIGS = {"1": 1, "2": 2}


def load() -> float:
    """1-minute load average (2 cores: above ~2 means someone else is using them)."""
    return round(os.getloadavg()[0], 2)


def spec(runs: int = RUNS, weeks: int = WEEKS) -> dict:
    """``runs`` replications of baseline at ``weeks`` weeks (a grid without factors)."""
    return {
        "name": "throughput",
        "scenario": "baseline",
        "design": "grid",
        "seeds": runs,
        "steps": weeks,
        "kpis": ["profit", "nps", "churned", "customers"],
    }


def spec_toml(runs: int = RUNS, weeks: int = WEEKS) -> str:
    return (
        'name = "throughput"\nscenario = "baseline"\ndesign = "grid"\n'
        f'seeds = {runs}\nsteps = {weeks}\nkpis = ["profit", "nps", "churned", "customers"]\n'
    )


def warm() -> None:
    """Load (or compile) the kernels in this process, so no library measurement pays for it."""
    import cxsim

    cxsim.run("baseline", seed=0, steps=1)


def measure_library(config: str, runs: int = RUNS, weeks: int = WEEKS) -> dict:
    """One ``cxsim.sweep.run`` of the throughput sweep in this (warm) process."""
    import cxsim.sweep as sw
    from cxsim.sweep.execute import LocalExecutor

    workers, threads, driver_runs = LIBRARY_CONFIGS[config]
    before = load()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        report = sw.run(spec(runs, weeks), Path(tmp) / "s", executor=LocalExecutor(workers, threads, driver_runs))
        wall = time.perf_counter() - t
    assert report.complete and report.runs_now == runs
    return {"runs": runs, "seconds": wall, "runs_per_s": runs / wall, "load_before": before, "load_after": load()}


def measure_cli(workers: int, runs: int = RUNS, weeks: int = WEEKS) -> dict:
    """``cxsim sweep`` as a subprocess, process start to exit."""
    cxsim = str(Path(sys.executable).with_name("cxsim"))
    before = load()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "throughput.toml"
        path.write_text(spec_toml(runs, weeks))
        t = time.perf_counter()
        subprocess.run(
            [cxsim, "sweep", str(path), "--out", str(Path(tmp) / "s"), "--workers", str(workers)],
            check=True,
            capture_output=True,
        )
        wall = time.perf_counter() - t
    return {"runs": runs, "seconds": wall, "runs_per_s": runs / wall, "load_before": before, "load_after": load()}


def measure(runs: int = RUNS, weeks: int = WEEKS, rounds: int = 2, cli: bool = True, log=print) -> dict:
    """Alternate the configurations for ``rounds`` rounds; return every figure and the per-round ratios."""
    warm()
    out: dict = {"runs": runs, "weeks": weeks, "rounds": [], "load_start": load(), "cpus": os.cpu_count()}
    for r in range(1, rounds + 1):
        row: dict = {"library": {}, "cli": {}}
        for name in LIBRARY_CONFIGS:
            log(f"round {r}: library, {name} process(es)")
            row["library"][name] = measure_library(name, runs, weeks)
        for name, workers in CLI_CONFIGS.items() if cli else ():
            log(f"round {r}: cli, {name} process(es)")
            row["cli"][name] = measure_cli(workers, runs, weeks)
        row["speedup"] = {}
        for view, figures in [(v, row[v]) for v in ("library", "cli")]:
            if "1" in figures:
                row["speedup"][view] = {
                    name: f["runs_per_s"] / figures["1"]["runs_per_s"] for name, f in figures.items() if name != "1"
                }
        out["rounds"].append(row)
        log(f"round {r}: speed-ups {row.get('speedup')}")
    out["load_end"] = load()
    return out


def markdown(res: dict) -> str:
    """The figures as the markdown kept in benchmarks/sweep_throughput.md."""
    lines = [
        "# Sweep throughput (README.md#performance): 1 vs 2 processes on 2 cores",
        "",
        f"Written by `python -m benchmarks.sweep_throughput` on {time.strftime('%Y-%m-%d %H:%M')}: "
        f"{res['runs']} runs of `baseline` (50,000 people, 500 employees) x {res['weeks']} weeks, "
        f"{res['cpus']} CPUs. Target: 2 processes >= {TARGET}x the runs/s of 1.",
        f"Machine load (1-min average; 2 cores shared with other engineers): {res['load_start']} at the start, "
        f"{res['load_end']} at the end; each row records its own.",
        "",
        "| round | view | processes | wall | runs/s | speed-up vs 1 | load before / after |",
        "|---:|---|---|---:|---:|---:|---|",
    ]
    for r, row in enumerate(res["rounds"], 1):
        for view in ("library", "cli"):
            for name, f in row[view].items():
                sp = row.get("speedup", {}).get(view, {}).get(name)
                lines.append(
                    f"| {r} | {view} | {name} | {f['seconds']:.1f} s | {f['runs_per_s']:.2f} | "
                    f"{'' if sp is None else f'{sp:.2f}x'} | {f['load_before']} / {f['load_after']} |"
                )
    best = {
        view: max(row["speedup"][view]["2"] for row in res["rounds"] if view in row.get("speedup", {}))
        for view in ("library", "cli")
        if any(view in row.get("speedup", {}) for row in res["rounds"])
    }
    lines += [
        "",
        "Best speed-up of 2 processes over 1: "
        + ", ".join(f"{view} {v:.2f}x ({'met' if v >= TARGET else 'MISSED'})" for view, v in best.items())
        + ".",
        "",
        "`library`: `cxsim.sweep.run` in a process whose kernels are already loaded (the one-process sweep pays no "
        "start-up; the pool still starts its helper). `cli`: `cxsim sweep SPEC --out DIR --workers N`, process "
        "start to exit. `2 (idle driver)`: the first version's pool (two helpers, the driver only writes "
        "chunks).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=RUNS)
    p.add_argument("--weeks", type=int, default=WEEKS)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--no-cli", action="store_true", help="skip the subprocess (cxsim sweep) measurements")
    p.add_argument("--no-write", action="store_true", help="print, do not write benchmarks/sweep_throughput.*")
    a = p.parse_args(argv)
    res = measure(a.runs, a.weeks, a.rounds, cli=not a.no_cli, log=lambda m: print(m, file=sys.stderr, flush=True))
    text = markdown(res)
    print(text)
    if not a.no_write:
        (ROOT / "benchmarks" / "sweep_throughput.json").write_text(json.dumps(res, indent=1))
        (ROOT / "benchmarks" / "sweep_throughput.md").write_text(text)


if __name__ == "__main__":
    main()
