"""Shared test fixtures: small scenarios that compile and run fast."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
# cxsim lets OpenMP use fewer threads than asked on a busy machine (OMP_DYNAMIC); the tests that compare 1 and 2
# threads must really run 2, here and in the cxsim processes they start (which inherit this)
os.environ.setdefault("OMP_DYNAMIC", "false")


def scaled(people: int, weeks: int) -> dict:
    """Overrides that shrink the baseline market to ``people`` and every firm with it (cxsim.scenario.scale), so
    the smaller market is still the same going concern; ``weeks`` to simulate."""
    import cxsim
    from cxsim.scenario import diff

    base = cxsim.load_scenario("baseline")
    small = base.scale(people / base.market.size)
    return {**{k: b for k, (_, b) in diff(base, small).items()}, "sim.weeks": weeks}


#: The baseline market at 3,000 people (1:16), each firm with it, 26 weeks: fast, and still a going concern.
SMALL = scaled(3000, 26)


@pytest.fixture(scope="session")
def small():
    """A small but complete market: the baseline's focal firm and rival, 32 employees each, 3,000 people, 26 weeks."""
    import cxsim

    return cxsim.load_scenario("baseline").override(SMALL)


def solo(scenario):
    """The same scenario with the focal firm alone in its market (no rivals): for closed forms."""
    from cxsim.scenario import scenario_from_dict

    return scenario_from_dict({**scenario.model_dump(), "rivals": {}})


# ------------------------------------------------------------------ a real Dask cluster on loopback

_DASK = str(Path(sys.executable).with_name("dask"))


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # its own session: the nannies' workers go too
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A loopback Dask cluster: one scheduler, two single-threaded workers. Yields the scheduler address."""
    folder = tmp_path_factory.mktemp("dask")
    info = folder / "scheduler.json"
    log = open(folder / "dask.log", "wb")  # noqa: SIM115 - closed below
    common = {"stdout": log, "stderr": subprocess.STDOUT, "start_new_session": True, "cwd": folder}
    scheduler = subprocess.Popen(
        [_DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(info)],
        **common,
    )
    worker = None
    try:
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            assert scheduler.poll() is None, (folder / "dask.log").read_text()
            time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        worker = subprocess.Popen(
            [
                _DASK,
                "worker",
                address,
                "--host",
                "127.0.0.1",
                "--nworkers",
                "2",
                "--nthreads",
                "1",
                "--no-dashboard",
                "--memory-limit",
                "0",
                "--death-timeout",
                "60",
            ],
            **common,
        )
        yield address
    finally:
        for proc in (worker, scheduler):
            if proc is not None:
                _stop(proc)
        log.close()


# ------------------------------------------------------------------ the studio's tests (components and browsers)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def free_port() -> int:
    """A free TCP port on the loopback address, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for a test module (each test opens its own contexts)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def tiny():
    """A market small enough that a page's run takes a second: 1,500 people, two firms of 30 employees."""
    import cxsim

    return cxsim.load_scenario("baseline").override(
        {
            "market.size": 1500,
            "workforce.employees": 30,
            "workforce.team_size": 5,
            "rivals.rival.workforce.employees": 30,
            "rivals.rival.workforce.team_size": 5,
            "sim.weeks": 6,
        }
    )


def all_widgets(rc) -> list:
    """Every widget on a rendered Solara page, depth first."""
    from ipywidgets import Widget

    out, todo = [], [rc.find().widget]
    while todo:
        w = todo.pop()
        out.append(w)
        for attr in ("children", "v_slots"):
            for c in getattr(w, attr, None) or []:
                c = c.get("children") if isinstance(c, dict) else c
                for x in c if isinstance(c, list) else [c]:
                    if isinstance(x, Widget):
                        todo.append(x)
    return out
