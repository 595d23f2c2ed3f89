"""Phase 9: churn, spend and acquisition.

Customers leave with a weekly hazard that falls with attitude, rises with
switching ease (the empowered consumer) and with recent defections among
their friends. Those who stay buy again and try new offers with
probabilities that rise with attitude. Prospects adopt through marketing
(external influence), referrals (internal influence) and the public rating,
as in the Bass diffusion model.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from cxsim.kernels.common import by_category, category, clip01
from cxsim.rng import S_ADOPT, S_CHURN, S_NEW_OFFER, S_REPURCHASE, uniform

PROSPECT = 0
CUSTOMER = 1
FORMER = 2

# bits of the per-person market events ``mkt``
CHURNED = 1
REPURCHASED = 2
NEW_OFFER = 4
ADOPTED = 8
CAT_SHIFT = 4  # bits 4-5: NPS category when the spend decision was made


@njit(cache=True, inline="always")
def churn_probability(base_hazard, sensitivity, attitude, reference, switching_ease, contagion, defected_share):
    """Weekly churn probability of one customer."""
    h = base_hazard * np.exp(-sensitivity * (attitude - reference)) * (0.5 + switching_ease)
    h *= 1.0 + contagion * defected_share
    return h if h < 1.0 else 1.0


@njit(cache=True, parallel=True)
def churn_spend_acquire(
    seed, week, status, attitude, expectation, intent, t_churned, referral, defected, mkt,
    base_hazard, sensitivity, reference, switching_ease, contagion,
    repurchase_base, repurchase_ratio, new_offer_base, new_offer_ratio,
    p_external, referral_q, rating_factor, start_attitude, start_expectation,
):
    """One week of market moves; writes ``mkt`` event flags."""
    for i in prange(status.shape[0]):
        mkt[i] = 0
        s = status[i]
        if s == CUSTOMER:
            a = attitude[i]
            p = churn_probability(base_hazard, sensitivity, a, reference, switching_ease, contagion, defected[i])
            if uniform(seed, S_CHURN, week, i) < p:
                status[i] = FORMER
                t_churned[i] = week
                mkt[i] = CHURNED
                continue
            cat = category(a)
            flags = cat << CAT_SHIFT
            if uniform(seed, S_REPURCHASE, week, i) < by_category(repurchase_base, repurchase_ratio, cat):
                flags |= REPURCHASED
            if uniform(seed, S_NEW_OFFER, week, i) < by_category(new_offer_base, new_offer_ratio, cat):
                flags |= NEW_OFFER
            mkt[i] = flags
        elif s == PROSPECT:
            p = (p_external + referral_q * referral[i]) * rating_factor * (1.0 + intent[i])
            if uniform(seed, S_ADOPT, week, i) < p:
                status[i] = CUSTOMER
                attitude[i] = clip01(start_attitude + 0.1 * intent[i])
                expectation[i] = start_expectation
                mkt[i] = ADOPTED


@njit(cache=True)
def tally(status, mkt, t_churned, week, window):
    """Counts (serial): prospects, customers, former, churned, adopted, repurchases,
    new_offers, recent_churn, then per NPS category [det, pas, pro]: customers,
    repurchases, new offers."""
    out = np.zeros(17, dtype=np.int64)
    for i in range(status.shape[0]):
        out[status[i]] += 1
        f = mkt[i]
        if f & CHURNED:
            out[3] += 1
        if f & ADOPTED:
            out[4] += 1
        if f & REPURCHASED:
            out[5] += 1
        if f & NEW_OFFER:
            out[6] += 1
        tc = t_churned[i]
        if tc >= 0 and week - tc < window:
            out[7] += 1
        if status[i] == CUSTOMER and (f & ADOPTED) == 0:
            cat = (f >> CAT_SHIFT) & 3
            out[8 + cat] += 1
            if f & REPURCHASED:
                out[11 + cat] += 1
            if f & NEW_OFFER:
                out[14 + cat] += 1
    return out
