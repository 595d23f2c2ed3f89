"""Counter-based random numbers: ``uniform(seed, stream, step, idx)``.

Every random decision in cxsim is a pure function of (seed, stream, step,
agent id), hashed with splitmix64. Consequences a user can rely on:

- results do not depend on the number of threads or the order of a loop;
- two scenarios run with the same seed draw the same numbers wherever their
  logic agrees (common random numbers), so a lever's effect is not drowned in
  noise;
- adding a customer does not change any other customer's draws.

Each decision has its own named stream below; never reuse a stream number for
a different decision.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# One stream per kind of decision. Never reuse a number.
S_GRAPH = 1
S_INIT_ATTITUDE = 2
S_INIT_NEED = 3
S_INIT_STATUS = 4
S_EMP_INIT = 5
S_SUP_INIT = 6
S_ENGAGE_NOISE = 10
S_QUIT = 11
S_OVERTIME = 12
S_GOOD_DEED = 13
S_SUGGEST = 14
S_ADOPT_SUGGESTION = 15
S_HIRE_FIT = 16
S_STAFF = 17
S_CONTACT = 20
S_ROUTE = 21
S_NONSTANDARD = 22
S_RESOLVE = 23
S_HANDOFF = 24
S_DROP = 25
S_RECOVERY = 26
S_FORGIVE = 30
S_TRUST = 31
S_FRIENDS = 40
S_SOCIAL = 41
S_REVIEW = 42
S_TWEET = 43
S_VIRAL = 44
S_VIRAL_SIZE = 45
S_SOCIAL_TARGET = 46
S_TWEET_TARGET = 47
S_RECOMMEND = 48
S_POS_REVIEW = 49
S_RALLY = 50
S_CASCADE = 51
S_CHURN = 60
S_ADOPT = 61
S_REPURCHASE = 62
S_NEW_OFFER = 63
S_VOC_PICK = 70
S_VOC_NOISE = 71
S_VOC_RESPOND = 72
S_SWEEP_SEED = 80  # not a model decision: per-run seeds of a sweep (cxsim.sweep.design.run_seed)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0


@njit(cache=True, inline="always")
def _mix(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def hash4(seed, stream, step, idx):
    """64-bit hash of four integers (splitmix64 chained)."""
    z = _mix(np.uint64(seed) + _GOLDEN)
    z = _mix(z ^ (np.uint64(stream) + _GOLDEN))
    z = _mix(z ^ (np.uint64(step) + _GOLDEN))
    return _mix(z ^ (np.uint64(idx) + _GOLDEN))


@njit(cache=True, inline="always")
def uniform(seed, stream, step, idx):
    """A uniform number in [0, 1) for one decision of one agent at one step."""
    return float(hash4(seed, stream, step, idx) >> _S11) * _INV53


@njit(cache=True, inline="always")
def normal(seed, stream, step, idx):
    """A standard normal number (Box-Muller on two hashed uniforms)."""
    u1 = uniform(seed, stream, step, 2 * idx)
    u2 = uniform(seed, stream, step, 2 * idx + 1)
    return np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(2.0 * np.pi * u2)


@njit(cache=True, inline="always")
def index(seed, stream, step, idx, n):
    """A uniform integer in [0, n)."""
    return int(uniform(seed, stream, step, idx) * n)


@njit(cache=True)
def uniforms(seed, stream, step, n):
    """Uniforms for agents 0..n-1 (vector form, for tests and numpy code)."""
    out = np.empty(n, dtype=np.float64)
    for i in range(n):
        out[i] = uniform(seed, stream, step, i)
    return out
