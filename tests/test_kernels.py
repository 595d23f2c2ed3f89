"""Each compiled kernel does what its own Python source says.

Numba's parallel backend has a known way to lose work silently: writes made
through a NamedTuple of arrays inside ``prange`` are dropped (numba#5872), and
we met the same with arrays unpacked from one in a single tuple assignment.
The kernels avoid that pattern (see ``cxsim.kernels``); these tests make sure
they keep avoiding it, by running every kernel compiled and as plain Python
(``py_func``) on the same mid-run state and comparing every array they touch,
flags and counts bit for bit.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from cxsim.kernels import attitude, encounters, market, measurement, wom, workforce
from cxsim.model import CXModel


@pytest.fixture(scope="module")
def model(small):
    """A small firm five weeks in (varied attitudes, open cases, recent defectors), then its next week's inputs."""
    m = CXModel(small.override({"market.size": 1500, "wom.viral_prob": 0.3, "wom.rally_prob": 0.5}), seed=11)
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


def _both(kernel, *args):
    """Run the compiled kernel and its Python source on copies of the same state; return both states and results."""
    args_c = [(_twin(x) if hasattr(x, "_fields") and isinstance(x[0], np.ndarray) else x) for x in args]
    args_p = [(_twin(x) if hasattr(x, "_fields") and isinstance(x[0], np.ndarray) else x) for x in args]
    out_c = kernel(*args_c)
    out_p = kernel.py_func(*args_p)
    return args_c, args_p, out_c, out_p


def test_parallel_kernels_match_their_python_source(model):
    wk = model.last_week
    seed, week = model._seed, model.week + 1
    mk = model.market
    service = encounters.ServiceParams(*[0.3] * 12, 0.1)
    a_c, a_p, _, _ = _both(encounters.serve, seed, week, mk, model.workforce, wk.front_line.seats, service)
    _same(a_c[2], a_p[2])
    assert (a_c[2].encounter_flags != 0).any()  # the comparison is about real work
    after_service = a_c[2]

    att = attitude.AttitudeParams(0.35, 2.0, 0.1, 0.1, 0.08, 7.0, 0.2, 0.8, 0.1, 8.0, 0.03, 0.6, 0.01, 0.72)
    a_c, a_p, _, _ = _both(attitude.update, seed, week, after_service, att)
    _same(a_c[2], a_p[2])
    assert (a_c[2].experience_flags != 0).any()
    after_attitude = a_c[2]

    a_c, a_p, _, _ = _both(wom.send, seed, week, after_attitude, model.send_params)
    _same(a_c[2], a_p[2])
    assert (a_c[2].wom_flags != 0).any()

    receive = wom.ReceiveParams(False, 10.0, 0.01, 0.01, 0.02, 0.01, 0.01, 0.004, 2.0, 1.0)
    signalled = copy.deepcopy(_twin(a_c[2]))
    wom.signals(week, signalled, 8)
    wom.push_to_friends(model.indptr, model.indices, signalled, receive)
    a_c, a_p, _, _ = _both(wom.read_friends, model.indptr, signalled, receive)
    _same(a_c[1], a_p[1])

    mp = market.MarketParams(0.005, 4.0, 0.72, 0.5, 3.0, 0.03, 7.0, 0.004, 7.0, 0.01, 0.5, 1.0, 0.72, 0.6)
    a_c, a_p, out_c, out_p = _both(market.churn_spend_acquire, seed, week, a_c[1], mp)
    _same(a_c[2], a_p[2])
    assert out_c == out_p
    assert (a_c[2].market_flags != 0).any()


def test_serial_kernels_match_their_python_source(model):
    seed, week = model._seed, model.week + 1
    a_c, a_p, out_c, out_p = _both(
        workforce.workforce_flows, seed, week, model.workforce, model._flow_params(model.leadership_and_programs())
    )
    _same(a_c[2], a_p[2])
    assert out_c == out_p
    mk = model.market
    assert market.tally(week, mk, 8) == market.tally.py_func(week, mk, 8)
    assert measurement.experience_tally(mk.experience_flags) == measurement.experience_tally.py_func(
        mk.experience_flags
    )
