"""State as structure-of-arrays: the market (one entry per person) and each firm's workforce.

Customers never become Python objects: a market of a million people is a
handful of flat arrays (about 60 bytes a person with two firms) plus the
friendship graph (8 bytes a person + 4 per friendship end).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from cxsim.kernels.flags import NO_FIRM
from cxsim.rng import (
    S_DISPOSITION,
    S_EMP_INIT,
    S_EXIT,
    S_INIT_ATTITUDE,
    S_INIT_NEED,
    S_INIT_STATUS,
    S_STAFF,
    S_SUP_INIT,
    STEP_INIT,
    normal,
    uniform,
    uniforms,
)

T_NEVER = 32767  # t_exit of someone who stays in the market for the whole run (int16)


class Market(NamedTuple):
    """Everyone in the market: each firm's customers and the people buying from none.

    A NamedTuple of arrays, so a kernel takes the whole market as one argument
    (kernels unpack the arrays they use into local names first: see
    :mod:`cxsim.kernels`). The codes and bit layouts are in :mod:`cxsim.kernels.flags`.
    Arrays of shape (people, firms) hold one value per firm for each person.
    """

    firm: np.ndarray  # int8 whose customer the person is (flags.NO_FIRM: nobody's)
    firm_before: np.ndarray  # int8 the firm at the start of this week's market moves
    known: np.ndarray  # uint16 bit k: has been firm k's customer
    attitude: np.ndarray  # float32 0..1 towards the current firm (x11 -> likelihood to recommend 0-10)
    disposition: np.ndarray  # float32 the person's own resting attitude, relative to the neutral one (a trait)
    opinion: np.ndarray  # float32 (people, firms) 0..1 of each firm one is not a customer of: memory, hearsay
    expectation: np.ndarray  # float32 0..1 expected experience quality
    need: np.ndarray  # float32 weekly contact probability when content
    case: np.ndarray  # uint8 persistent flags: flags.UNRESOLVED, RALLY
    t_churned: np.ndarray  # int32 week of the person's recent defection (-1: none yet)
    left_firm: np.ndarray  # int8 the firm that defection left
    t_exit: np.ndarray  # int16 week the person leaves the market (T_NEVER: not within the run's reach)
    quality: np.ndarray  # float32 this week's experience (-1: no contact)
    encounter_flags: np.ndarray  # uint8 this week's contact (flags.CONTACTED ...)
    experience_flags: np.ndarray  # uint8 this week's experience (flags.BAD ...)
    wom_flags: np.ndarray  # uint8 what this person says this week (flags.FRIENDS_NEG ...)
    signal: np.ndarray  # uint8 what friends hear from this person this week (kernels.wom.signals)
    market_flags: np.ndarray  # uint8 this week's market events (flags.CHURNED ...)
    wom_in: np.ndarray  # float32 attitude change from posts and tweets about one's firm received
    referral: np.ndarray  # float32 (people, firms) share of friends recommending each firm this week
    defected: np.ndarray  # float32 share of friends who recently left one's own firm
    heard: np.ndarray  # float32 bad word of mouth about one's firm pushed by friends this week; 0 between weeks
    n_defected: np.ndarray  # int16 (people, firms) friends who left each firm within the contagion window

    @property
    def size(self) -> int:
        return self.firm.shape[0]

    @property
    def n_firms(self) -> int:
        return self.opinion.shape[1]

    def nbytes(self) -> int:
        return sum(a.nbytes for a in self)


@njit(cache=True)
def exit_week(seed, week, i, weekly_exit):
    """The week person ``i``, arriving in ``week``, will leave the market (geometric waiting time)."""
    if weekly_exit <= 0.0:
        return T_NEVER
    u = uniform(seed, S_EXIT, week, i)
    wait = int(np.log(1.0 - u) / np.log(1.0 - weekly_exit)) + 1
    return min(T_NEVER, week + wait)


@njit(cache=True)
def draw_need(seed, stream, week, i, need_mean, need_cv):
    """A person's weekly contact probability: lognormal with the given mean and coefficient of variation."""
    s2 = np.log(1.0 + need_cv * need_cv)
    z = normal(seed, stream, week, i)
    return min(1.0, need_mean * np.exp(np.sqrt(s2) * z - 0.5 * s2))


@njit(cache=True)  # serial: runs once per model, and a parallel kernel costs ~2 s more to compile
def _init_market(seed, market, cum_share, att_mean, att_sd, exp0, need_mean, need_cv, neutral, weekly_exit, spread):
    firm = market.firm
    known = market.known
    attitude = market.attitude
    disposition = market.disposition
    opinion = market.opinion
    expectation = market.expectation
    need = market.need
    t_exit = market.t_exit
    n_firms = cum_share.shape[0]
    for i in range(firm.shape[0]):
        u = uniform(seed, S_INIT_STATUS, STEP_INIT, i)
        f = NO_FIRM
        for k in range(n_firms):
            if u < cum_share[k]:
                f = k
                break
        firm[i] = f
        if f >= 0:
            known[i] = 1 << f
        disposition[i] = spread * normal(seed, S_DISPOSITION, STEP_INIT, i)
        a = att_mean + disposition[i] + att_sd * normal(seed, S_INIT_ATTITUDE, STEP_INIT, i)
        attitude[i] = min(1.0, max(0.0, a))
        for k in range(n_firms):
            opinion[i, k] = neutral
        expectation[i] = exp0
        need[i] = draw_need(seed, S_INIT_NEED, STEP_INIT, i, need_mean, need_cv)
        t_exit[i] = exit_week(seed, 0, i, weekly_exit)


def weekly_exit(annual_turnover: float) -> float:
    """The weekly probability of leaving the market that gives ``annual_turnover`` a year."""
    return 1.0 - (1.0 - annual_turnover) ** (1.0 / 52.0)


def new_market(scenario, seed: int) -> Market:
    """Week-0 market of ``scenario.market.size`` people shared among the scenario's firms."""
    n = scenario.market.size
    shares = [share for _, _, share in scenario.firms()]
    k = len(shares)
    c = scenario.customers
    m = Market(
        firm=np.full(n, NO_FIRM, np.int8),
        firm_before=np.full(n, NO_FIRM, np.int8),
        known=np.zeros(n, np.uint16),
        attitude=np.zeros(n, np.float32),
        disposition=np.zeros(n, np.float32),
        opinion=np.zeros((n, k), np.float32),
        expectation=np.zeros(n, np.float32),
        need=np.zeros(n, np.float32),
        case=np.zeros(n, np.uint8),
        t_churned=np.full(n, -1, np.int32),
        left_firm=np.full(n, NO_FIRM, np.int8),
        t_exit=np.zeros(n, np.int16),
        quality=np.full(n, -1.0, np.float32),
        encounter_flags=np.zeros(n, np.uint8),
        experience_flags=np.zeros(n, np.uint8),
        wom_flags=np.zeros(n, np.uint8),
        signal=np.zeros(n, np.uint8),
        market_flags=np.zeros(n, np.uint8),
        wom_in=np.zeros(n, np.float32),
        referral=np.zeros((n, k), np.float32),
        defected=np.zeros(n, np.float32),
        heard=np.zeros(n, np.float32),
        n_defected=np.zeros((n, k), np.int16),
    )
    _init_market(
        seed,
        m,
        np.cumsum(np.asarray(shares, dtype=np.float64)),
        c.initial_attitude,
        c.attitude_spread,
        c.initial_expectation,
        c.need,
        c.need_heterogeneity,
        c.neutral_attitude,
        weekly_exit(scenario.market.turnover),
        c.disposition_spread,
    )
    return m


class Workforce(NamedTuple):
    """One firm's employees (one entry per seat, active or vacant) and supervisors (one entry per team).

    A NamedTuple of arrays, passed whole to the workforce kernels (see :class:`Market`).
    Seats are allocated for the most the firm may grow to; ``active`` says which are filled.
    """

    active: np.ndarray  # bool the seat is filled
    team: np.ndarray  # int64 supervisor/team of each seat
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
    overtime_load: np.ndarray  # moving average of recent overtime weeks (burnout)
    on_front: np.ndarray  # bool faces customers (this week's staffing; last week's until then)
    staff_key: np.ndarray  # fixed random key used by the 'random' staffing policy
    sup_coaching: np.ndarray  # per supervisor
    sup_attention: np.ndarray  # per supervisor

    @property
    def seats(self) -> int:
        return self.engagement.shape[0]

    @property
    def size(self) -> int:
        """Employees now (filled seats)."""
        return int(self.active.sum())


@njit(cache=True)
def _draws(seed, stream, step, n, mean, sd):
    out = np.empty(n)
    for i in range(n):
        out[i] = min(1.0, max(0.0, mean + sd * normal(seed, stream, step, i)))
    return out


def new_workforce(settings, engagement, seed: int, firm: int) -> Workforce:
    """A firm's week-0 workforce: ``settings.workforce.employees`` filled seats in teams of ``team_size``.

    Args:
        settings: the firm's :class:`~cxsim.params.FirmSettings`.
        engagement: the scenario's engagement section (initial engagement and drivers).
        seed: the run's seed.
        firm: the firm's index (each firm draws its own numbers).
    """
    w, s, e = settings.workforce, settings.supervisors, engagement
    n_filled = w.employees
    seats = max(n_filled, int(np.ceil(n_filled * w.max_headcount_factor)))
    n_teams = -(-seats // w.team_size)
    step = 16 * firm  # each firm's draws: steps 16k+1 .. 16k+3 of the init streams
    fit = uniforms(seed, S_EMP_INIT, step + 1, seats)  # everyone employed at week 0 came by the usual hiring
    active = np.zeros(seats, np.bool_)
    active[:n_filled] = True
    return Workforce(
        active=active,
        team=(np.arange(seats) // w.team_size).astype(np.int64),
        engagement=_draws(seed, S_EMP_INIT, step + 2, seats, e.initial, e.initial_spread),
        autonomy=np.full(seats, e.initial_drivers),
        mastery=np.full(seats, e.initial_drivers),
        purpose=np.full(seats, e.initial_drivers),
        affiliation=np.full(seats, e.initial_drivers),
        skill=_draws(seed, S_EMP_INIT, step + 3, seats, w.initial_skill, w.initial_skill_spread),
        values_fit=fit,
        tenure=np.full(seats, w.initial_tenure, np.int64),
        overtime=np.zeros(seats, np.bool_),
        good_deed=np.zeros(seats, np.bool_),
        suggestion=np.zeros(seats, np.bool_),
        overtime_load=np.zeros(seats),
        on_front=np.zeros(seats, np.bool_),
        staff_key=uniforms(seed, S_STAFF, step, seats),
        sup_coaching=_draws(seed, S_SUP_INIT, step + 1, n_teams, s.coaching, s.spread),
        sup_attention=_draws(seed, S_SUP_INIT, step + 2, n_teams, s.attention, s.spread),
    )
