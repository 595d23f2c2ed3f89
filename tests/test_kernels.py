"""Each compiled kernel does what its own Python source says, and none corrupts memory.

Numba's parallel backend has a known way to lose work silently: writes made
through a NamedTuple of arrays inside ``prange`` are dropped (numba#5872), and
we met the same with arrays unpacked from one in a single tuple assignment.
The kernels avoid that pattern (see ``cxsim.kernels``); these tests make sure
they keep avoiding it, by running every kernel compiled and as plain Python
(``py_func``) on the same mid-run state of a two-firm market and comparing every
array they touch: flags and counts bit for bit, floats to float32 rounding.
We also met an LLVM vectoriser bug that corrupted the heap (masked byte stores
on AVX-512); a run with vacancies in a fresh process must exit cleanly.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from cxsim.kernels import attitude, encounters, market, measurement, wom, workforce
from cxsim.model import CXModel


@pytest.fixture(scope="module")
def model(small):
    """A small two-firm market five weeks in (varied attitudes, open cases, recent defectors)."""
    m = CXModel(small.override({"wom.viral_prob": 0.3, "wom.rally_prob": 0.5}), seed=11)
    for _ in range(5):
        m.step()
    return m


def _twin(state):
    return type(state)(*(a.copy() for a in state))


def _same(a, b):
    """Flags and counts bit for bit; floats to float32 rounding (Python rounds each float32 step, Numba not)."""
    for name in a._fields:
        x, y = getattr(a, name), getattr(b, name)
        if np.issubdtype(x.dtype, np.floating):
            np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6, err_msg=name)
        else:
            np.testing.assert_array_equal(x, y, err_msg=name)


def _is_state(x) -> bool:
    return hasattr(x, "_fields") and len(x) > 8 and isinstance(x[0], np.ndarray)


def _both(kernel, *args):
    """Run the compiled kernel and its Python source on copies of the same state; return both states and results."""
    args_c = [_twin(x) if _is_state(x) else x for x in args]
    args_p = [_twin(x) if _is_state(x) else x for x in args]
    out_c = kernel(*args_c)
    out_p = kernel.py_func(*args_p)
    return args_c, args_p, out_c, out_p


def test_parallel_kernels_match_their_python_source(model):
    seed, week = model.seed_key, model.week + 1
    wk = model.last_week
    levers, behaviour = wk.levers, [f.incentive_behaviour(lv) for f, lv in zip(model.firms, wk.levers, strict=True)]
    front = wk.front
    ptr = np.zeros(len(front) + 1, np.int64)
    ptr[1:] = np.cumsum([fr.seats.size for fr in front])
    ws = [f.workforce for f in model.firms]
    lines = encounters.FrontLines(
        ptr=ptr,
        engagement=np.concatenate([w.engagement[fr.seats] for w, fr in zip(ws, front, strict=True)]),
        skill=np.concatenate([w.skill[fr.seats] for w, fr in zip(ws, front, strict=True)]),
        autonomy=np.concatenate([w.autonomy[fr.seats] for w, fr in zip(ws, front, strict=True)]),
        good_deed=np.ones(ptr[-1], np.bool_),
    )
    k = len(model.firms)
    firms = encounters.FirmService(
        *[np.full(k, v) for v in (0.6, 0.2, 0.4, 0.08, 0.9, 0.02, 0.25, 0.12, 0.15, 0.1, 0.05)]
    )
    a_c, a_p, _, _ = _both(encounters.serve, seed, week, model.market, lines, firms, model.service_params)
    _same(a_c[2], a_p[2])
    assert (a_c[2].encounter_flags != 0).any()  # the comparison is about real work
    served = a_c[2]
    assert levers and behaviour  # the week's results are there to build inputs from

    inputs = attitude.FirmAttitude(recovery_prob=np.full(k, 0.3), brand_promise=np.full(k, 0.7))
    a_c, a_p, _, _ = _both(attitude.update, seed, week, served, inputs, model.attitude_params)
    _same(a_c[2], a_p[2])
    assert (a_c[2].experience_flags != 0).any()
    judged = a_c[2]

    a_c, a_p, _, _ = _both(wom.send, seed, week, judged, model.send_params)
    _same(a_c[2], a_p[2])
    assert (a_c[2].wom_flags != 0).any()

    receive = wom.ReceiveParams(False, 10.0, *[np.full(k, 0.01)] * 4, 0.01, 0.004, 2.0, 0.3, 0.01, 0.7)
    signalled = _twin(a_c[2])
    wom.signals(week, signalled, 8)
    wom.push_to_friends(model.indptr, model.indices, signalled, receive)
    a_c, a_p, _, _ = _both(wom.read_friends, model.indptr, signalled, receive)
    _same(a_c[1], a_p[1])

    moves = market.FirmMarket(
        trading=np.ones(k, np.bool_),
        external=np.full(k, 0.01),
        winback=np.full(k, 0.01),
        appeal=np.linspace(0.8, 1.2, k),
        churn_price=np.full((k, 3), 1.1),
        buy_price=np.full((k, 3), 0.9),
        brand_promise=np.full(k, 0.7),
    )
    a_c, a_p, _, _ = _both(market.churn_spend_acquire, seed, week, a_c[1], moves, model.market_params)
    _same(a_c[2], a_p[2])
    flags = a_c[2].market_flags
    assert (flags & 1).any() and (flags & 8).any()  # people left and joined firms


def test_serial_kernels_match_their_python_source(model):
    week = model.week + 1
    mk = model.market
    np.testing.assert_equal(market.tally(week, mk, 8), market.tally.py_func(week, mk, 8))
    np.testing.assert_equal(measurement.experience_tally(mk), measurement.experience_tally.py_func(mk))
    np.testing.assert_equal(measurement.attitude_tally(mk), measurement.attitude_tally.py_func(mk))
    np.testing.assert_equal(encounters.tally(mk, 2), encounters.tally.py_func(mk, 2))
    f = model.focal
    p = workforce.FlowParams(
        f.salt, 0.6, 0.06, 2.5, 0.05, 3.3, 0.01, 3.4, 0.02, 4.0, 1.2, 1.5, 1.0, 0.6, 0.9, 0.02, 0.02, 26.0, 0.3
    )
    a_c, a_p, out_c, out_p = _both(workforce.workforce_flows, model.seed_key, week, f.workforce, p)
    _same(a_c[2], a_p[2])
    assert out_c == out_p and out_c.quits > 0


@pytest.mark.parametrize("employees", [200, 32])
def test_a_firm_with_vacancies_runs_without_corrupting_memory(employees):
    """A firm whose people quit and are replaced, in a fresh process: it must exit cleanly (glibc aborts with
    'free(): invalid pointer' or similar when a kernel wrote out of bounds). 200 employees (600 seats) is the size
    at which the masked-store bug showed on AVX-512."""
    code = textwrap.dedent(
        f"""
        import cxsim
        s = cxsim.load_scenario("baseline").override(
            {{"market.size": 5000, "workforce.employees": {employees}, "engagement.base_quit_rate": 0.02}}
        )
        m = cxsim.CXModel(s, seed=4)
        m.run_weeks(8)
        print("ok", m.week)
        """
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=root)
    assert done.returncode == 0 and "ok" in done.stdout, done.stderr[-2000:]
    assert "free()" not in done.stderr and "corrupted" not in done.stderr, done.stderr[-2000:]
