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

# Sub-steps of a stream used outside the weekly loop (initial state, the friendship graph), numpy
# integers for the same reason as the streams: a literal step would compile another copy of `uniform`.
STEP_INIT = np.int64(0)
STEP_RANDOM_EDGE = np.int64(1)
STEP_REWIRE = np.int64(2)
STEP_REWIRE_TO = np.int64(3)
STEP_SHUFFLE = np.int64(5)

# One stream per kind of decision. Never reuse a number.
# numpy integers, not Python ints: Numba passes a Python int constant to a jitted
# function as its literal value, so every stream would compile its own copy of
# `uniform` (56 copies, ~9 s of the cold compile). The hash functions are not
# inlined at Numba's level either (that multiplied the parallel kernels' IR and
# their compile time); LLVM inlines them, so the kernels run as fast.
S_GRAPH = np.int64(1)
S_INIT_ATTITUDE = np.int64(2)
S_INIT_NEED = np.int64(3)
S_INIT_STATUS = np.int64(4)
S_EMP_INIT = np.int64(5)
S_SUP_INIT = np.int64(6)
S_ENGAGE_NOISE = np.int64(10)
S_QUIT = np.int64(11)
S_OVERTIME = np.int64(12)
S_GOOD_DEED = np.int64(13)
S_SUGGEST = np.int64(14)
S_ADOPT_SUGGESTION = np.int64(15)
S_HIRE_FIT = np.int64(16)
S_STAFF = np.int64(17)
S_LAYOFF = np.int64(18)
S_CONTACT = np.int64(20)
S_ROUTE = np.int64(21)
S_NONSTANDARD = np.int64(22)
S_RESOLVE = np.int64(23)
S_HANDOFF = np.int64(24)
S_DROP = np.int64(25)
S_RECOVERY = np.int64(26)
S_VARIATION = np.int64(27)
S_FORGIVE = np.int64(30)
S_TRUST = np.int64(31)
S_FRIENDS = np.int64(40)
S_SOCIAL = np.int64(41)
S_REVIEW = np.int64(42)
S_TWEET = np.int64(43)
S_VIRAL = np.int64(44)
S_VIRAL_SIZE = np.int64(45)
S_SOCIAL_TARGET = np.int64(46)
S_TWEET_TARGET = np.int64(47)
S_RECOMMEND = np.int64(48)
S_POS_REVIEW = np.int64(49)
S_RALLY = np.int64(50)
S_CASCADE = np.int64(51)
S_DISPARAGE = np.int64(52)
S_CHURN = np.int64(60)
S_ADOPT = np.int64(61)
S_REPURCHASE = np.int64(62)
S_NEW_OFFER = np.int64(63)
S_EXIT = np.int64(64)
S_ENTRY_NEED = np.int64(65)
S_DISPOSITION = np.int64(68)
S_SWITCH = np.int64(66)
S_CHOOSE = np.int64(67)
S_VOC_PICK = np.int64(70)
S_VOC_NOISE = np.int64(71)
S_VOC_RESPOND = np.int64(72)
S_SWEEP_SEED = np.int64(80)  # not a model decision: per-run seeds of a sweep (cxsim.sweep.design.run_seed)
S_STUDY_ENGAGEMENT = np.int64(81)  # not a model decision: response noise of the calibration study's surveys
S_STUDY_LTR = np.int64(82)  # ... (cxsim.calibration): the model never draws from these streams

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0


@njit(cache=True)
def _mix(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True)
def hash4(seed, stream, step, idx):
    """64-bit hash of four integers (splitmix64 chained)."""
    z = _mix(np.uint64(seed) + _GOLDEN)
    z = _mix(z ^ (np.uint64(stream) + _GOLDEN))
    z = _mix(z ^ (np.uint64(step) + _GOLDEN))
    return _mix(z ^ (np.uint64(idx) + _GOLDEN))


@njit(cache=True)
def uniform(seed, stream, step, idx):
    """A uniform number in [0, 1) for one decision of one agent at one step."""
    return float(hash4(seed, stream, step, idx) >> _S11) * _INV53


@njit(cache=True)
def normal(seed, stream, step, idx):
    """A standard normal number (Box-Muller on two hashed uniforms)."""
    u1 = uniform(seed, stream, step, 2 * idx)
    u2 = uniform(seed, stream, step, 2 * idx + 1)
    return np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(2.0 * np.pi * u2)


@njit(cache=True)
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


@njit(cache=True)
def uniforms_at(seed, stream, step, idx):
    """Uniforms for the agents listed in ``idx`` (int64 array)."""
    out = np.empty(idx.shape[0], dtype=np.float64)
    for j in range(idx.shape[0]):
        out[j] = uniform(seed, stream, step, idx[j])
    return out
