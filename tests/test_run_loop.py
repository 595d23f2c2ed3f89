"""The one run loop and the helpers around it: seeds, threads, and where a run stops.

``run``, ``calibrate`` and checkpointed runs (``run_to_dir``/``resume``) all
step through ``CXModel.run_weeks``; these tests pin what they must agree on:
the progress calls, the week a bankrupt run ends at, and when checkpoints are
written.
"""

from __future__ import annotations

import pandas as pd
import pytest

import cxsim
from cxsim import checkpoint
from cxsim.calibration import calibrate
from cxsim.checkpoint import resume, run_to_dir

WEEKS = 12


@pytest.fixture(scope="module")
def broke(small):
    """Loses about $95k a week from $500k: bankrupt in week 6 of 12."""
    return small.override({"finance.initial_cash": 500_000.0, "name": "broke"})


@pytest.fixture(scope="module")
def bankrupt_week(broke):
    week = cxsim.run(broke, seed=1, steps=WEEKS).bankrupt_week
    assert week is not None and 1 < week < WEEKS - 1, week  # mid-run, so the tests below mean something
    return week


class Crash(Exception):
    pass


class Recorder:
    def __init__(self, crash_at: int | None = None):
        self.calls: list[tuple[int, int]] = []
        self.crash_at = crash_at

    def __call__(self, done: int, total: int) -> None:
        self.calls.append((done, total))
        if done == self.crash_at:
            raise Crash  # a kill in the middle of the run


# --------------------------------------------------------------- one loop


def test_run_stops_at_the_bankruptcy_week(broke, bankrupt_week):
    progress = Recorder()
    result = cxsim.run(broke, seed=1, steps=WEEKS, progress=progress)
    assert progress.calls == [(w, WEEKS) for w in range(1, bankrupt_week + 1)]
    assert result.bankrupt_week == bankrupt_week == len(result.timeseries) == result.timeseries["week"].iloc[-1]
    assert result.summary["bankrupt"]


def test_calibrate_stops_each_run_at_its_bankruptcy_week(broke, bankrupt_week):
    progress = Recorder()
    calibrate(broke, seeds=[1, 1], steps=WEEKS, progress=progress)
    weeks = range(1, bankrupt_week + 1)
    # weeks over both runs; the weeks a bankrupt run did not trade count as done, then all are done
    assert progress.calls == [
        *[(w, 2 * WEEKS) for w in weeks],
        *[(WEEKS + w, 2 * WEEKS) for w in weeks],
        (2 * WEEKS, 2 * WEEKS),
    ]


def test_checkpointed_run_and_resume_stop_at_the_bankruptcy_week(broke, bankrupt_week, tmp_path, monkeypatch):
    saved: list[int] = []
    save = checkpoint.save_checkpoint
    monkeypatch.setattr(
        checkpoint, "save_checkpoint", lambda model, path: (saved.append(model.week), save(model, path))
    )

    progress = Recorder(crash_at=bankrupt_week - 1)
    with pytest.raises(Crash):
        run_to_dir(tmp_path / "r", broke, seed=1, steps=WEEKS, checkpoint_every=1, progress=progress)
    assert saved == list(range(1, bankrupt_week - 1))  # the crash came before week bankrupt_week - 1's checkpoint

    progress = Recorder()
    result = resume(tmp_path / "r", progress=progress)
    assert progress.calls == [(w, WEEKS) for w in range(bankrupt_week - 1, bankrupt_week + 1)]
    assert saved == list(range(1, bankrupt_week))  # not at the bankruptcy week, nor after it
    assert result.bankrupt_week == bankrupt_week
    info = checkpoint.read_run(tmp_path / "r")
    assert info["status"] == "bankrupt" and info["week"] == bankrupt_week
    straight = cxsim.run(broke, seed=1, steps=WEEKS)
    pd.testing.assert_frame_equal(result.timeseries, straight.timeseries, check_exact=True)


def test_checkpoints_come_every_n_weeks_but_not_at_the_last(small, tmp_path, monkeypatch):
    saved: list[int] = []
    monkeypatch.setattr(checkpoint, "save_checkpoint", lambda model, path: saved.append(model.week))
    progress = Recorder()
    run_to_dir(tmp_path / "r", small, seed=2, steps=9, checkpoint_every=3, progress=progress)
    assert saved == [3, 6]
    assert progress.calls == [(w, 9) for w in range(1, 10)]
