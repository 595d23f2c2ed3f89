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
    seed,
    week,
    status,
    attitude,
    expectation,
    intent,
    t_churned,
    referral,
    defected,
    mkt,
    base_hazard,
    sensitivity,
    reference,
    switching_ease,
    contagion,
    repurchase_base,
    repurchase_ratio,
    new_offer_base,
    new_offer_ratio,
    p_external,
    referral_q,
    rating_factor,
    start_attitude,
    start_expectation,
):
    """One week of market moves; writes ``mkt`` event flags.

    Returns the number of customers before the moves (the churn-rate
    denominator), counted here to save a pass over ``status``.
    """
    customers_before = 0
    # The hazard falls with attitude (sensitivity >= 0, attitude >= 0), so no customer's churn probability is
    # above its value at attitude 0. Most draws are above that bound: for them the exact probability (an exp
    # per customer) is not needed to know they stay. The margin covers rounding; the outcome is the same.
    bound_at_0 = base_hazard * np.exp(sensitivity * reference) * (0.5 + switching_ease) * (1.0 + 1e-9)
    for i in prange(status.shape[0]):
        mkt[i] = 0
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
    return customers_before


@njit(cache=True)
def tally(status, mkt, t_churned, week, window):
    """Counts (serial): prospects, customers, former, churned, adopted, repurchases,
    new_offers, recent_churn, then per NPS category [det, pas, pro]: customers,
    repurchases, new offers."""
    # Branch-free, into scalars: status and flags are random across people, so
    # branches would mispredict and counters in memory would serialise the loop.
    n_pro = n_cus = n_for = n_chu = n_ado = n_rep = n_new = n_rec = 0
    c_det = c_pas = c_pro = r_det = r_pas = r_pro = o_det = o_pas = o_pro = 0
    for i in range(status.shape[0]):
        s = status[i]
        f = mkt[i]
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
        cat = (f >> CAT_SHIFT) & 3
        det = stayed & (cat == 0)
        pas = stayed & (cat == 1)
        pro = stayed & (cat == 2)
        c_det += det
        c_pas += pas
        c_pro += pro
        r_det += det & rep
        r_pas += pas & rep
        r_pro += pro & rep
        o_det += det & new
        o_pas += pas & new
        o_pro += pro & new
    out = np.empty(17, dtype=np.int64)
    out[0] = n_pro
    out[1] = n_cus
    out[2] = n_for
    out[3] = n_chu
    out[4] = n_ado
    out[5] = n_rep
    out[6] = n_new
    out[7] = n_rec
    out[8] = c_det
    out[9] = c_pas
    out[10] = c_pro
    out[11] = r_det
    out[12] = r_pas
    out[13] = r_pro
    out[14] = o_det
    out[15] = o_pas
    out[16] = o_pro
    return out
