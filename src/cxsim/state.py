"""State as structure-of-arrays: the market (one entry per person) and the workforce.

Customers never become Python objects: a market of a million people is a
handful of flat arrays (about 50 bytes a person) plus the friendship graph
(8 bytes a person + 4 per friendship end).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from cxsim.kernels.flags import CUSTOMER, PROSPECT
from cxsim.rng import (
    S_EMP_INIT,
    S_INIT_ATTITUDE,
    S_INIT_NEED,
    S_INIT_STATUS,
    S_STAFF,
    S_SUP_INIT,
    normal,
    uniform,
    uniforms,
)


class Market(NamedTuple):
    """Everyone in the market, prospects, customers and former customers alike.

    A NamedTuple of arrays, so a kernel takes the whole market as one argument
    (kernels unpack the arrays they use into local names first: see
    :mod:`cxsim.kernels`). The bit layouts of the flag arrays are in
    :mod:`cxsim.kernels.flags`.
    """

    status: np.ndarray  # int8: flags.PROSPECT, CUSTOMER or FORMER
    attitude: np.ndarray  # float32 0..1 (x11 -> likelihood to recommend 0-10)
    expectation: np.ndarray  # float32 0..1 expected experience quality
    need: np.ndarray  # float32 weekly contact probability when content
    intent: np.ndarray  # float32 -1..1 purchase intent of a prospect (moved by WOM)
    case: np.ndarray  # uint8 persistent flags: flags.UNRESOLVED, RALLY
    t_churned: np.ndarray  # int32 week the person left (-1: never)
    quality: np.ndarray  # float32 this week's experience (-1: no contact)
    encounter_flags: np.ndarray  # uint8 this week's contact (flags.CONTACTED ...)
    experience_flags: np.ndarray  # uint8 this week's experience (flags.BAD ...)
    wom_flags: np.ndarray  # uint8 what this person says this week (flags.FRIENDS_NEG ...)
    signal: np.ndarray  # uint8 what friends hear from this person this week (kernels.wom.signals)
    market_flags: np.ndarray  # uint8 this week's market events (flags.CHURNED ...)
    wom_in: np.ndarray  # float32 attitude change from posts and tweets received
    referral: np.ndarray  # float32 share of friends recommending this week
    defected: np.ndarray  # float32 share of friends who left recently
    heard: (
        np.ndarray
    )  # float64 bad word of mouth pushed by friends this week (kernels.wom.push_to_friends); 0 between weeks
    n_defected: np.ndarray  # int32 friends who left within the contagion window (kept up to date by kernels.wom)

    @property
    def size(self) -> int:
        return self.status.shape[0]

    def nbytes(self) -> int:
        return sum(a.nbytes for a in self)


@njit(cache=True)  # serial: runs once per model, and a parallel kernel costs ~2 s more to compile
def _init_market(seed, status, attitude, expectation, need, initial_share, att_mean, att_sd, exp0, need_mean, need_cv):
    for i in range(status.shape[0]):
        status[i] = CUSTOMER if uniform(seed, S_INIT_STATUS, 0, i) < initial_share else PROSPECT
        a = att_mean + att_sd * normal(seed, S_INIT_ATTITUDE, 0, i)
        attitude[i] = min(1.0, max(0.0, a))
        expectation[i] = exp0
        # need: lognormal with the given mean and coefficient of variation
        s2 = np.log(1.0 + need_cv * need_cv)
        z = normal(seed, S_INIT_NEED, 0, i)
        v = need_mean * np.exp(np.sqrt(s2) * z - 0.5 * s2)
        need[i] = min(1.0, v)


def new_market(scenario, seed: int) -> Market:
    """Week-0 market of ``scenario.market.size`` people."""
    n = scenario.market.size
    c = scenario.customers
    m = Market(
        status=np.zeros(n, np.int8),
        attitude=np.zeros(n, np.float32),
        expectation=np.zeros(n, np.float32),
        need=np.zeros(n, np.float32),
        intent=np.zeros(n, np.float32),
        case=np.zeros(n, np.uint8),
        t_churned=np.full(n, -1, np.int32),
        quality=np.full(n, -1.0, np.float32),
        encounter_flags=np.zeros(n, np.uint8),
        experience_flags=np.zeros(n, np.uint8),
        wom_flags=np.zeros(n, np.uint8),
        signal=np.zeros(n, np.uint8),
        market_flags=np.zeros(n, np.uint8),
        wom_in=np.zeros(n, np.float32),
        referral=np.zeros(n, np.float32),
        defected=np.zeros(n, np.float32),
        heard=np.zeros(n, np.float64),
        n_defected=np.zeros(n, np.int32),
    )
    _init_market(
        seed,
        m.status,
        m.attitude,
        m.expectation,
        m.need,
        scenario.market.initial_customer_share,
        c.initial_attitude,
        c.attitude_spread,
        c.initial_expectation,
        c.need,
        c.need_heterogeneity,
    )
    return m


class Workforce(NamedTuple):
    """Employees (one entry per seat) and their supervisors (one entry per team).

    A NamedTuple of arrays, passed whole to the workforce kernels (see :class:`Market`).
    """

    team: np.ndarray  # int64 supervisor/team of each employee
    engagement: np.ndarray
    autonomy: np.ndarray
    mastery: np.ndarray
    purpose: np.ndarray
    affiliation: np.ndarray
    skill: np.ndarray
    values_fit: np.ndarray
    tenure: np.ndarray  # int64 weeks in the seat
    overtime: np.ndarray  # bool this week
    good_deed: np.ndarray  # bool this week
    suggestion: np.ndarray  # bool this week
    staff_key: np.ndarray  # fixed random key used by the 'random' staffing policy
    sup_coaching: np.ndarray  # per supervisor
    sup_attention: np.ndarray  # per supervisor

    @property
    def size(self) -> int:
        return self.engagement.shape[0]


@njit(cache=True)
def _draws(seed, stream, step, n, mean, sd):
    out = np.empty(n)
    for i in range(n):
        out[i] = min(1.0, max(0.0, mean + sd * normal(seed, stream, step, i)))
    return out


def new_workforce(scenario, seed: int) -> Workforce:
    """Week-0 workforce: teams of ``team_size`` under one supervisor each."""
    w, s = scenario.workforce, scenario.supervisors
    n = w.employees
    n_teams = max(1, -(-n // w.team_size))
    fit = uniforms(seed, S_EMP_INIT, 1, n)
    if scenario.programs.recruit_for_values:
        fit = 0.6 + 0.4 * fit  # the firm has long hired for values
    return Workforce(
        team=(np.arange(n) // w.team_size).astype(np.int64),
        engagement=_draws(seed, S_EMP_INIT, 2, n, 0.5, 0.12),
        autonomy=np.full(n, 0.4),
        mastery=np.full(n, 0.4),
        purpose=np.full(n, 0.4),
        affiliation=np.full(n, 0.4),
        skill=_draws(seed, S_EMP_INIT, 3, n, 0.55, 0.15),
        values_fit=fit,
        tenure=np.zeros(n, np.int64),
        overtime=np.zeros(n, np.bool_),
        good_deed=np.zeros(n, np.bool_),
        suggestion=np.zeros(n, np.bool_),
        staff_key=uniforms(seed, S_STAFF, 0, n),
        sup_coaching=_draws(seed, S_SUP_INIT, 1, n_teams, s.coaching, s.spread),
        sup_attention=_draws(seed, S_SUP_INIT, 2, n_teams, s.attention, s.spread),
    )
