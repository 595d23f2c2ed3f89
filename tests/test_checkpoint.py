"""Crash safety: a killed long run resumes to the identical result; files are never half-written.

The end-to-end test kills a real ``cxsim run --checkpoint-every`` process
with SIGKILL mid-run, resumes it with ``cxsim resume`` and compares the files
byte for byte with an uninterrupted run's.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from collections import deque
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxsim
from cxsim import atomic, checkpoint
from cxsim.agents import Employee, Supervisor
from cxsim.checkpoint import (
    CheckpointError,
    capture,
    load_checkpoint,
    resume,
    run_to_dir,
    save_checkpoint,
    write_result,
)
from cxsim.firm import Firm

CLI = [sys.executable, "-c", "from cxsim.cli import main; main()"]


def _firm_changes(prefix: str) -> dict:
    """Every moving part of a firm on: VoC with a reality check (levers move), layoffs, management that cuts."""
    return {
        f"{prefix}workforce.employees": 40,
        f"{prefix}workforce.team_size": 5,
        f"{prefix}programs.voc": True,
        f"{prefix}measurement.reality_check": True,
        f"{prefix}staffing.layoffs": True,
    }


@pytest.fixture(scope="module")
def busy():
    """Small, the baseline's focal firm and rival, with every moving part on in both; viral tweets, rallies.

    Each firm keeps the baseline's costs with a tenth of its staff and a twentieth of its market: it loses
    money, so management's cuts come too."""
    return cxsim.load_scenario("baseline").override(
        {
            "market.size": 2500,
            "sim.weeks": 30,
            **_firm_changes(""),
            **_firm_changes("rivals.rival."),
            "wom.viral_prob": 0.05,
            "wom.rally_prob": 0.3,
            "name": "busy",
        }
    )


@pytest.fixture(scope="module")
def three(busy):
    """Three firms: the focal firm and two rivals that differ from it (price, empowerment, incentives)."""
    return busy.override(
        {
            "market.initial_customer_share": 0.3,
            "rivals.rival.initial_share": 0.3,
            "rivals.rival.pricing.price": 250.0,
            "rivals.upstart.initial_share": 0.2,
            "rivals.upstart.process.empowerment": 0.9,
            "rivals.upstart.incentives.cx_weight": 0.2,
            **_firm_changes("rivals.upstart."),
            "name": "three",
        }
    )


@pytest.fixture(scope="module")
def rival_fails(busy):
    """The rival (like the focal firm, losing about $85k a week) starts with less cash and goes bankrupt mid-run."""
    return busy.override({"rivals.rival.finance.initial_cash": 900_000.0, "name": "fails"})


def _assert_same_state(a, b):
    arrays_a, meta_a = capture(a)
    arrays_b, meta_b = capture(b)
    assert arrays_a.keys() == arrays_b.keys()
    for k in arrays_a:
        np.testing.assert_array_equal(arrays_a[k], arrays_b[k], err_msg=k)
        assert arrays_a[k].dtype == arrays_b[k].dtype, k
    assert json.dumps(meta_a, sort_keys=True) == json.dumps(meta_b, sort_keys=True)
    _assert_same_agents(a, b)


def _assert_same_agents(a, b):
    """Mesa's agents: the same firms, supervisors and employees (one per filled seat, same unique ids, same order)."""
    assert {t: len(s) for t, s in a.agents_by_type.items()} == {t: len(s) for t, s in b.agents_by_type.items()}
    for kind in (Firm, Supervisor, Employee):
        assert [x.unique_id for x in a.agents_by_type[kind]] == [x.unique_id for x in b.agents_by_type[kind]], kind
    assert a.agent_id_counter == b.agent_id_counter
    for fa, fb in zip(a.firms, b.firms, strict=True):
        assert [(e.unique_id, e.seat) for e in fa.employees] == [(e.unique_id, e.seat) for e in fb.employees]
        assert sorted(fb._employees) == np.flatnonzero(fb.workforce.active).tolist()
        assert all(e.firm is fb and e.model is b for e in fb.employees)
        assert [e.engagement for e in fa.employees] == [e.engagement for e in fb.employees]


def _steps(model, n):
    for _ in range(n):
        model.step()


def _save_resume_continue(scenario, seed, at, tmp_path):
    """Run to week ``at``, checkpoint, load, and run both to week 30: the two must match at both points."""
    straight = cxsim.CXModel(scenario, seed=seed)
    _steps(straight, at)
    save_checkpoint(straight, tmp_path / "c.npz")
    resumed = load_checkpoint(tmp_path / "c.npz")
    _assert_same_state(straight, resumed)
    _steps(straight, 30 - at)
    _steps(resumed, 30 - at)
    _assert_same_state(straight, resumed)
    pd.testing.assert_frame_equal(straight.timeseries(), resumed.timeseries(), check_exact=True)
    return straight, resumed


@pytest.mark.parametrize("at", [0, 1, 13])
def test_save_load_continue_is_identical(busy, tmp_path, at):
    straight, resumed = _save_resume_continue(busy, 5, at, tmp_path)
    assert resumed.week == 30 and resumed.steps == 30 and resumed.time == 30
    # the Mesa agents, rebuilt, are views of the restored arrays
    e = resumed.employees[3]
    assert e.engagement == float(resumed.workforce.engagement[e.seat]) == straight.employees[3].engagement
    assert e.supervisor.coaching == straight.employees[3].supervisor.coaching


def test_every_firms_state_is_saved(busy):
    """Each firm's arrays, numbers and deques are in the checkpoint, and differ between firms where the firms do."""
    model = cxsim.CXModel(busy, seed=5)
    _steps(model, 6)
    arrays, meta = capture(model)
    assert [f["name"] for f in meta["firms"]] == ["", "rival"]
    for k, firm in enumerate(model.firms):
        saved = meta["firms"][k]
        for name in ("cash", "process_quality", "utilisation", "review_rating", "cx_weight", "planned", "cuts"):
            assert saved["scalars"][name] == getattr(firm, name), (k, name)
        assert saved["deques"]["results"]["items"] == [list(r) for r in firm.results]
        assert saved["deques"]["contacts_history"]["maxlen"] == firm.contacts_history.maxlen
        np.testing.assert_array_equal(arrays[f"firms/{k}/workforce/engagement"], firm.workforce.engagement)
        assert (arrays[f"firms/{k}/employee_ids"] > 0).sum() == len(firm.employees)
    assert meta["firms"][0]["scalars"]["cash"] != meta["firms"][1]["scalars"]["cash"]
    assert arrays["market/opinion"].shape == (2500, 2)


@pytest.mark.parametrize("scenario, at", [("three", 9), ("rival_fails", 4), ("rival_fails", 20)])
def test_open_markets_resume_identically(request, tmp_path, scenario, at):
    """Three firms; a rival that goes bankrupt after the checkpoint, and one already bankrupt at it."""
    s = request.getfixturevalue(scenario)
    _, resumed = _save_resume_continue(s, 4, at, tmp_path)
    assert len(resumed.firms) == len(s.rivals) + 1
    if scenario == "rival_fails":
        rival = resumed.firms[1]
        assert rival.bankrupt and 4 < rival.bankrupt_week < 20, "bankrupt after one checkpoint, before the other"
        assert not resumed.bankrupt and resumed.week == 30, "the focal firm trades on"


def test_levers_changed_during_a_run_resume_identically(busy, tmp_path):
    """A classroom round: both firms change course mid-run (CXModel.set_levers); the checkpoint carries the changed
    settings and the record of the changes, and the resumed run goes on as the uninterrupted one."""
    straight = cxsim.CXModel(busy, seed=2)
    _steps(straight, 5)
    straight.set_levers("rival", {"pricing.price": 260.0, "supervisors.coaching": 0.9})
    _steps(straight, 3)
    straight.set_levers(0, {"incentives.cx_weight": 0.8, "staffing.review_weeks": 6})
    _steps(straight, 2)
    save_checkpoint(straight, tmp_path / "c.npz")
    resumed = load_checkpoint(tmp_path / "c.npz")
    assert resumed.lever_changes == straight.lever_changes
    assert resumed.params.rivals["rival"].pricing.price == 260.0 and resumed.firms[1].settings.pricing.price == 260.0
    _assert_same_state(straight, resumed)
    _steps(straight, 8)
    _steps(resumed, 8)
    _assert_same_state(straight, resumed)
    pd.testing.assert_frame_equal(straight.timeseries(), resumed.timeseries(), check_exact=True)


def test_capture_covers_new_state_and_refuses_unknown_kinds(busy):
    model = cxsim.CXModel(busy, seed=1)
    model.step()
    model.new_counter = np.arange(3)  # a future array attribute is saved without code changes
    model.firms[1].new_history = deque([1.5, 2.5], maxlen=4)  # ... so is a firm's deque of numbers
    arrays, meta = capture(model)
    assert "attr/new_counter" in arrays
    assert meta["firms"][1]["deques"]["new_history"] == {"maxlen": 4, "item": "value", "items": [1.5, 2.5]}
    model.mystery = {"a": 1}  # ... but a kind of state it cannot save is refused, loudly
    with pytest.raises(CheckpointError, match="CXModel.mystery"):
        capture(model)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda m: setattr(m.firms[1], "mystery", {"a": 1}), r"firms\[1\] \(rival\).mystery \(dict\)"),
        (lambda m: setattr(m.firms[0], "log", deque([{"a": 1}])), r"firms\[0\] \(busy\).log \(a deque of dict\)"),
        (lambda m: setattr(m.firms[1], "pipeline", deque([[1, [2]]])), r"pipeline \(a deque of list\)"),
        (lambda m: setattr(m.firms[1].employees[0], "mood", 0.5), r"agent Employee\(seat=0, .*\) holds mood"),
        (lambda m: setattr(m.firms[0].supervisors[0], "notes", []), r"agent Supervisor\(team=0, .*\) holds notes"),
        (lambda m: m.firms[1]._employees.pop(0).remove(), "employee agents do not match its filled seats"),
        (
            lambda m: setattr(m.firms[1], "settings", m.firms[1].settings.model_copy(update={"description": "x"})),
            "settings were changed behind the scenario.s back",
        ),
    ],
)
def test_capture_refuses_firm_state_it_cannot_save(busy, change, message):
    model = cxsim.CXModel(busy, seed=1)
    model.step()
    change(model)
    with pytest.raises(CheckpointError, match=message):
        capture(model)


def test_checkpoint_refuses_other_versions_and_garbage(busy, tmp_path, monkeypatch):
    model = cxsim.CXModel(busy, seed=1)
    model.step()
    save_checkpoint(model, tmp_path / "c.npz")
    monkeypatch.setattr(checkpoint, "version", lambda: "999.0")
    with pytest.raises(CheckpointError, match="written by cxsim .* this is cxsim 999.0"):
        load_checkpoint(tmp_path / "c.npz")
    monkeypatch.undo()
    (tmp_path / "bad.npz").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="not a readable cxsim checkpoint"):
        load_checkpoint(tmp_path / "bad.npz")


class Crash(Exception):
    pass


def _crash_at(week):
    def progress(done, total):
        if done == week:
            raise Crash

    return progress


@pytest.mark.parametrize("crash_week,every", [(17, 5), (3, 5), (30, 7)])
def test_run_dir_resume_after_crash_is_identical(busy, tmp_path, crash_week, every):
    straight = run_to_dir(tmp_path / "straight", busy, seed=2)
    with pytest.raises(Crash):
        run_to_dir(tmp_path / "crashed", busy, seed=2, checkpoint_every=every, progress=_crash_at(crash_week))
    info = json.loads((tmp_path / "crashed" / "run.json").read_text())
    assert info["status"] == "running"
    assert info.get("checkpoint_week", 0) == (crash_week - 1) // every * every
    resumed = resume(tmp_path / "crashed")
    pd.testing.assert_frame_equal(straight.timeseries, resumed.timeseries, check_exact=True)
    for name in ("timeseries.csv", "timeseries.parquet", "scenario.toml"):
        assert (tmp_path / "straight" / name).read_bytes() == (tmp_path / "crashed" / name).read_bytes(), name
    assert not (tmp_path / "crashed" / "checkpoint.npz").exists()
    assert json.loads((tmp_path / "crashed" / "run.json").read_text())["status"] == "done"
    # and both equal the plain library run
    pd.testing.assert_frame_equal(cxsim.run(busy, seed=2).timeseries, straight.timeseries, check_exact=True)


def test_resume_a_finished_run_changes_nothing(busy, tmp_path):
    first = run_to_dir(tmp_path / "r", busy, seed=3, steps=6, checkpoint_every=2)
    before = {p.name: p.read_bytes() for p in (tmp_path / "r").iterdir()}
    again = resume(tmp_path / "r")
    pd.testing.assert_frame_equal(first.timeseries, again.timeseries, check_exact=True)
    assert {p.name: p.read_bytes() for p in (tmp_path / "r").iterdir()} == before


def test_bankrupt_run_dir(busy, tmp_path):
    broke = busy.override({"finance.initial_cash": 1000.0})
    result = run_to_dir(tmp_path / "b", broke, seed=1, checkpoint_every=1)
    assert result.summary["bankrupt"]
    assert json.loads((tmp_path / "b" / "run.json").read_text())["status"] == "bankrupt"
    pd.testing.assert_frame_equal(result.timeseries, cxsim.run(broke, seed=1).timeseries, check_exact=True)
    assert resume(tmp_path / "b").summary["bankrupt_week"] == result.bankrupt_week


def test_resume_refuses_edited_scenario_locked_dir_and_reused_dir(busy, tmp_path):
    with pytest.raises(Crash):
        run_to_dir(tmp_path / "r", busy, seed=1, checkpoint_every=2, progress=_crash_at(5))
    toml = tmp_path / "r" / "scenario.toml"
    original = toml.read_text()
    toml.write_text(original.replace("size = 2500", "size = 2600"))
    with pytest.raises(CheckpointError, match="changed after the run started"):
        resume(tmp_path / "r")
    toml.write_text(original)
    with open(tmp_path / "r" / ".lock", "a+") as fh:  # another process is on it
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        with pytest.raises(CheckpointError, match="another cxsim process"):
            resume(tmp_path / "r")
    with pytest.raises(CheckpointError, match="already holds a run"):
        run_to_dir(tmp_path / "r", busy, seed=1)
    with pytest.raises(CheckpointError, match="not a cxsim run directory"):
        resume(tmp_path)
    assert resume(tmp_path / "r").summary["weeks"] == 30


def test_atomic_write_leaves_old_file_on_failure(tmp_path):
    target = tmp_path / "x.csv"
    target.write_text("old")

    class Boom(Exception):
        pass

    with pytest.raises(Boom), atomic.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise Boom
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"], "no temporary file left behind"
    atomic.write_text(target, "new")
    assert target.read_text() == "new"
    assert oct(target.stat().st_mode & 0o777) == oct(0o666 & ~_umask()), "written with the user's umask"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_write_result_refuses_other_suffixes(busy, tmp_path):
    result = cxsim.run(busy, seed=1, steps=1)
    with pytest.raises(ValueError, match="csv or .parquet"):
        write_result(result, tmp_path / "x.xlsx")
    assert list(tmp_path.iterdir()) == []


def _wait_for(predicate, timeout=300.0, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if proc is not None and proc.poll() is not None:
            return predicate()
        time.sleep(0.02)
    return False


@pytest.mark.slow
def test_sigkill_mid_run_then_resume_is_identical(tmp_path):
    """The real thing: SIGKILL a `cxsim run --checkpoint-every` process, `cxsim resume` it, compare bytes."""
    # VoC at a price a 5-person business can pay (the baseline's $3,000 a week bankrupts it in week 8, and a
    # run that ends before its second checkpoint tests nothing)
    scenario = cxsim.load_scenario("small_business").override(
        {"sim.weeks": 200, "programs.voc": True, "programs.voc_cost": 300.0, "measurement.reality_check": True}
    )
    path = tmp_path / "long.toml"
    path.write_text(scenario.to_toml())
    run_dir = tmp_path / "run"
    proc = subprocess.Popen(
        [*CLI, "run", str(path), "--seed", "9", "--checkpoint-every", "10", "--out", str(run_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )

    def checkpointed_twice():
        try:
            return json.loads((run_dir / "run.json").read_text()).get("checkpoint_week", 0) >= 40
        except (OSError, ValueError):
            return False

    try:
        assert _wait_for(checkpointed_twice, proc=proc), "no checkpoint appeared: " + proc.stderr.read().decode()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    info = json.loads((run_dir / "run.json").read_text())
    assert info["status"] == "running", "the process must have died mid-run for this test to mean anything"
    killed_at = info["checkpoint_week"]
    assert 40 <= killed_at < 200
    done = subprocess.run([*CLI, "resume", str(run_dir)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    straight = cxsim.run(scenario, seed=9)
    write_result(straight, tmp_path / "straight.csv")
    write_result(straight, tmp_path / "straight.parquet")
    assert (run_dir / "timeseries.csv").read_bytes() == (tmp_path / "straight.csv").read_bytes()
    assert (run_dir / "timeseries.parquet").read_bytes() == (tmp_path / "straight.parquet").read_bytes()
    assert len(pd.read_csv(run_dir / "timeseries.csv")) == 200
    assert json.loads((run_dir / "run.json").read_text())["status"] == "done"


def test_cli_run_dir_and_resume(tmp_path, capsys):
    from cxsim import cli

    cli.STATE["debug"] = False
    cli.main(["run", "small_business", "--steps", "4", "--checkpoint-every", "2", "--out", str(tmp_path / "d")])
    cli.main(["resume", str(tmp_path / "d")])
    out = " ".join(capsys.readouterr().out.split())
    assert "already finished" in out and "run directory ->" in out
    assert sorted(p.name for p in Path(tmp_path / "d").iterdir() if not p.name.startswith(".")) == [
        "run.json",
        "scenario.toml",
        "timeseries.csv",
        "timeseries.parquet",
    ]
