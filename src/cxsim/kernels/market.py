"""Phase 9: churn, spend and acquisition.

Customers leave with a weekly hazard that falls with attitude, rises with
switching ease (the empowered consumer) and with recent defections among
their friends. Those who stay buy again and try new offers with
probabilities that rise with attitude. Prospects adopt through marketing
(external influence), referrals (internal influence) and the public rating,
as in the Bass diffusion model.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from cxsim.kernels.common import by_category, category, clip01
from cxsim.kernels.flags import (
    ADOPTED,
    CHURNED,
    CUSTOMER,
    DETRACTOR,
    FORMER,
    MARKET_CAT_SHIFT,
    NEW_OFFER,
    PASSIVE,
    PROMOTER,
    PROSPECT,
    REPURCHASED,
)
from cxsim.rng import S_ADOPT, S_CHURN, S_NEW_OFFER, S_REPURCHASE, uniform


@njit(cache=True, inline="always")
def churn_probability(base_hazard, sensitivity, attitude, reference, switching_ease, contagion, defected_share):
    """Weekly churn probability of one customer."""
    h = base_hazard * np.exp(-sensitivity * (attitude - reference)) * (0.5 + switching_ease)
    h *= 1.0 + contagion * defected_share
    return h if h < 1.0 else 1.0


class MarketParams(NamedTuple):
    """This week's scalars of :func:`churn_spend_acquire`."""

    base_hazard: float
    sensitivity: float  # log-hazard per unit of attitude
    reference: float  # attitude at which the hazard is base_hazard
    switching_ease: float
    contagion: float
    repurchase_base: float
    repurchase_ratio: float
    new_offer_base: float
    new_offer_ratio: float
    p_external: float  # Bass p at this week's marketing spend
    referral_q: float  # Bass q
    rating_factor: float  # adoption multiplier of the public rating
    start_attitude: float  # a new customer's attitude (before their intent)
    start_expectation: float  # a new customer's expectation


@njit(cache=True, parallel=True)
def churn_spend_acquire(seed, week, market, p):
    """One week of market moves; writes ``market_flags``, and ``status``, ``t_churned``,
    attitude and expectation of those who leave or join.

    ``p`` is a :class:`MarketParams`. Returns the number of customers before the moves (the
    churn-rate denominator), counted here to save a pass over ``status``.
    """
    # arrays into local names first, one per statement: Numba drops writes made through a NamedTuple (or
    # through a tuple-unpacked group of its arrays) inside prange (numba#5872); see cxsim.kernels
    status = market.status
    attitude = market.attitude
    expectation = market.expectation
    intent = market.intent
    t_churned = market.t_churned
    referral = market.referral
    defected = market.defected
    market_flags = market.market_flags
    base_hazard = p.base_hazard
    sensitivity = p.sensitivity
    reference = p.reference
    switching_ease = p.switching_ease
    contagion = p.contagion
    customers_before = 0
    # The hazard falls with attitude (sensitivity >= 0, attitude >= 0), so no customer's churn probability is
    # above its value at attitude 0. Most draws are above that bound: for them the exact probability (an exp
    # per customer) is not needed to know they stay. The margin covers rounding; the outcome is the same.
    bound_at_0 = base_hazard * np.exp(sensitivity * reference) * (0.5 + switching_ease) * (1.0 + 1e-9)
    for i in prange(status.shape[0]):
        market_flags[i] = 0
        s = status[i]
        if s == CUSTOMER:
            customers_before += 1
            a = attitude[i]
            u = uniform(seed, S_CHURN, week, i)
            if u < bound_at_0 * (1.0 + contagion * defected[i]) and u < churn_probability(
                base_hazard, sensitivity, a, reference, switching_ease, contagion, defected[i]
            ):
                status[i] = FORMER
                t_churned[i] = week
                market_flags[i] = CHURNED
                continue
            cat = category(a)
            flags = cat << MARKET_CAT_SHIFT
            if uniform(seed, S_REPURCHASE, week, i) < by_category(p.repurchase_base, p.repurchase_ratio, cat):
                flags |= REPURCHASED
            if uniform(seed, S_NEW_OFFER, week, i) < by_category(p.new_offer_base, p.new_offer_ratio, cat):
                flags |= NEW_OFFER
            market_flags[i] = flags
        elif s == PROSPECT:
            q = (p.p_external + p.referral_q * referral[i]) * p.rating_factor * (1.0 + intent[i])
            if uniform(seed, S_ADOPT, week, i) < q:
                status[i] = CUSTOMER
                attitude[i] = clip01(p.start_attitude + 0.1 * intent[i])
                expectation[i] = p.start_expectation
                market_flags[i] = ADOPTED
    return customers_before


class MarketTally(NamedTuple):
    """Who is where after this week's moves, and what they bought, by NPS category of those who stayed."""

    prospects: int
    customers: int
    former: int
    churned: int
    adopted: int
    repurchases: int
    new_offers: int
    recent_defectors: int
    customers_detractor: int
    customers_passive: int
    customers_promoter: int
    repurchases_detractor: int
    repurchases_passive: int
    repurchases_promoter: int
    new_offers_detractor: int
    new_offers_passive: int
    new_offers_promoter: int


@njit(cache=True)
def tally(week, market, window):
    """Counts after the week's moves (serial): a :class:`MarketTally`."""
    status = market.status
    market_flags = market.market_flags
    t_churned = market.t_churned
    # Branch-free, into scalars: status and flags are random across people, so
    # branches would mispredict and counters in memory would serialise the loop.
    n_pro = n_cus = n_for = n_chu = n_ado = n_rep = n_new = n_rec = 0
    c_det = c_pas = c_pro = r_det = r_pas = r_pro = o_det = o_pas = o_pro = 0
    for i in range(status.shape[0]):
        s = status[i]
        f = market_flags[i]
        tc = t_churned[i]
        n_pro += s == PROSPECT
        n_cus += s == CUSTOMER
        n_for += s == FORMER
        n_chu += (f & CHURNED) != 0
        n_ado += (f & ADOPTED) != 0
        rep = (f & REPURCHASED) != 0
        new = (f & NEW_OFFER) != 0
        n_rep += rep
        n_new += new
        n_rec += (tc >= 0) & (week - tc < window)
        stayed = (s == CUSTOMER) & ((f & ADOPTED) == 0)
        cat = (f >> MARKET_CAT_SHIFT) & 3
        det = stayed & (cat == DETRACTOR)
        pas = stayed & (cat == PASSIVE)
        pro = stayed & (cat == PROMOTER)
        c_det += det
        c_pas += pas
        c_pro += pro
        r_det += det & rep
        r_pas += pas & rep
        r_pro += pro & rep
        o_det += det & new
        o_pas += pas & new
        o_pro += pro & new
    return MarketTally(
        n_pro,
        n_cus,
        n_for,
        n_chu,
        n_ado,
        n_rep,
        n_new,
        n_rec,
        c_det,
        c_pas,
        c_pro,
        r_det,
        r_pas,
        r_pro,
        o_det,
        o_pas,
        o_pro,
    )
