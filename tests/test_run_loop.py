"""The one run loop and the helpers around it: seeds, threads, and where a run stops.

``run``, ``calibrate`` and checkpointed runs (``run_to_dir``/``resume``) all
step through ``CXModel.run_weeks``; these tests pin what they must agree on:
the progress calls, the week a bankrupt run ends at, and when checkpoints are
written.
"""

from __future__ import annotations

import numba
import numpy as np
import pandas as pd
import pytest

import cxsim
from cxsim import checkpoint
from cxsim.calibration import calibrate
from cxsim.checkpoint import resume, run_to_dir
from cxsim.parallel import process_pool, set_threads, using_threads
from cxsim.run import run_many, seed_list

WEEKS = 12


@pytest.fixture(scope="module")
def broke(small):
    """Loses about $50k a week from $300k: bankrupt in week 6 of 12."""
    return small.override({"finance.fixed_cost": 60_000.0, "finance.initial_cash": 300_000.0, "name": "broke"})


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


# ------------------------------------------------------------------ seeds


def test_seed_list_takes_a_count_or_seeds():
    assert seed_list(3) == [0, 1, 2]
    assert seed_list(np.int64(2)) == [0, 1]
    assert seed_list(0) == []
    assert seed_list([7, np.uint32(5), 2**63 - 1]) == [7, 5, 2**63 - 1]
    assert seed_list(range(4, 6)) == [4, 5]
    assert all(type(s) is int for s in seed_list(np.arange(3)))


@pytest.mark.parametrize(
    "seeds, message",
    [
        (-1, "count of seeds must be >= 0"),
        ([-1], "got -1"),
        ([2**63], "from 0 to 2\\*\\*63 - 1"),
        ([1.5], "got 1.5"),
        ([2.0], "got 2.0"),  # 2.0 is a float, not a whole-number type: never silently truncated
        ([True], "got True"),
        ([1, "2"], "got '2'"),
        ("12", "a count or a list"),
        (2.0, "a count or a list"),
        (None, "a count or a list"),
    ],
)
def test_seed_list_refuses_what_is_not_a_seed(seeds, message):
    with pytest.raises(ValueError, match=message):
        seed_list(seeds)


def test_run_many_and_calibrate_check_seeds_before_running(small):
    with pytest.raises(ValueError, match="got -3"):
        run_many(small, [1, -3], steps=1)
    with pytest.raises(ValueError, match="got 0.5"):
        calibrate(small, seeds=[0.5], steps=1)


# ---------------------------------------------------------------- threads


def test_set_threads_clamps_to_numbas_pool_and_says_what_is_in_force():
    most = numba.config.NUMBA_NUM_THREADS
    before = numba.get_num_threads()
    try:
        assert set_threads(1) == 1 == numba.get_num_threads()
        assert set_threads(most + 5) == most == numba.get_num_threads()
        assert set_threads(np.int64(1)) == 1
    finally:
        numba.set_num_threads(before)


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, None, "2"])
def test_set_threads_refuses_fewer_than_one_or_not_a_whole_number(bad):
    before = numba.get_num_threads()
    with pytest.raises(ValueError, match="whole number >= 1"):
        set_threads(bad)
    assert numba.get_num_threads() == before


def test_using_threads_restores_the_previous_count():
    before = numba.get_num_threads()
    with using_threads(1):
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == before
    with using_threads(None):
        assert numba.get_num_threads() == before


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="one thread is both the default and the setting")
def test_process_pool_workers_use_the_threads_asked():
    with process_pool(1) as pool:
        assert pool.submit(numba.get_num_threads).result() == 1
    with process_pool(1, threads_per_worker=2) as pool:
        assert pool.submit(numba.get_num_threads).result() == 2


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


def test_a_market_that_goes_on_runs_past_the_focal_firms_bankruptcy(broke, bankrupt_week):
    """With ``sim.end_at_bankruptcy = false`` (the classroom game) the focal firm stops trading at the same week and
    the market runs to the end: its rival keeps serving customers, and every week before is the same run."""
    goes_on = broke.override({"sim.end_at_bankruptcy": False})
    ended = cxsim.run(broke, seed=1, steps=WEEKS)
    result = cxsim.run(goes_on, seed=1, steps=WEEKS)
    ts = result.timeseries
    assert result.bankrupt_week is None and len(ts) == WEEKS
    assert ts["week"][ts["bankrupt"]].min() == bankrupt_week
    assert (ts["customers"].iloc[bankrupt_week + 1 :] == 0).all(), "a bankrupt firm serves nobody"
    assert (ts["rival_customers"].iloc[bankrupt_week:] > 0).all()
    pd.testing.assert_frame_equal(
        ts.iloc[:bankrupt_week].drop(columns=["bankrupt"]),
        ended.timeseries.iloc[:bankrupt_week].drop(columns=["bankrupt"]),
    )


def test_a_rivals_bankruptcy_stops_neither_the_run_nor_its_checkpoints(small, tmp_path, monkeypatch):
    """Only the focal firm's bankruptcy ends a run: a rival's ends its trading, and the run (and its checkpoints,
    which then hold a bankrupt rival) go on to the last week."""
    rival_broke = small.override(
        {"rivals.rival.finance.fixed_cost": 60_000.0, "rivals.rival.finance.initial_cash": 300_000.0}
    )
    saved: list[int] = []
    save = checkpoint.save_checkpoint
    monkeypatch.setattr(
        checkpoint, "save_checkpoint", lambda model, path: (saved.append(model.week), save(model, path))
    )
    with pytest.raises(Crash):
        run_to_dir(tmp_path / "r", rival_broke, seed=1, steps=WEEKS, checkpoint_every=4, progress=Recorder(10))
    assert saved == [4, 8]
    progress = Recorder()
    result = resume(tmp_path / "r", progress=progress)
    assert progress.calls == [(w, WEEKS) for w in range(9, WEEKS + 1)]
    ts = result.timeseries
    assert result.bankrupt_week is None and len(ts) == WEEKS
    assert 4 < ts["week"][ts["rival_bankrupt"]].min() <= 8, "the rival went bankrupt between the two checkpoints"
    straight = cxsim.run(rival_broke, seed=1, steps=WEEKS)
    pd.testing.assert_frame_equal(ts, straight.timeseries, check_exact=True)
