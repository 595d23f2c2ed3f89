"""Phase 7: customer attitude (disconfirmation with loss aversion).

An experience better than expected raises attitude; a worse one lowers it
more (bad surprises weigh more). Happy customers forgive more often; a fast
service recovery undoes most of the damage. Expectations adapt to experience
and, for customers who trust the brand, to the brand promise (over-promising
raises expectations and so disappointment).
"""

from __future__ import annotations

from numba import njit, prange

from cxsim.kernels.common import by_category, category, clip01
from cxsim.kernels.encounters import CONTACTED, RESOLVED
from cxsim.rng import S_FORGIVE, S_RECOVERY, S_TRUST, uniform

CUSTOMER = 1

# bits of the per-customer experience flags ``exp``
BAD = 1  # the experience was bad (before forgiveness or recovery)
FORGAVE = 2
RECOVERED = 4
BAD_FINAL = 8  # still bad after forgiveness and recovery: triggers negative WOM
CAT_SHIFT = 4  # bits 4-5: NPS category at the moment of the experience


@njit(cache=True, parallel=True)
def update(
    seed,
    week,
    status,
    attitude,
    expectation,
    quality,
    enc,
    exp,
    attitude_rate,
    loss_aversion,
    bad_margin,
    expectation_adapt,
    forgive_base,
    forgive_ratio,
    recovery_prob,
    recovery_restore,
    trust_base,
    trust_ratio,
    promise_pull,
    brand_promise,
    drift,
    neutral,
):
    """Update attitude and expectation of every customer; write ``exp`` flags."""
    for i in prange(status.shape[0]):
        exp[i] = 0
        if status[i] != CUSTOMER:
            continue
        a = attitude[i]
        x = expectation[i]
        cat = category(a)
        if enc[i] & CONTACTED:
            q = quality[i]
            surprise = q - x
            flags = cat << CAT_SHIFT
            if surprise < -bad_margin or (enc[i] & RESOLVED) == 0:
                flags |= BAD
                surprise = min(surprise, -bad_margin)
                delta = attitude_rate * loss_aversion * surprise
                final = True
                if uniform(seed, S_FORGIVE, week, i) < by_category(forgive_base, forgive_ratio, cat):
                    flags |= FORGAVE
                    delta *= 0.2
                    final = False
                if uniform(seed, S_RECOVERY, week, i) < recovery_prob:
                    flags |= RECOVERED
                    delta *= 1.0 - recovery_restore
                    final = False
                if final:
                    flags |= BAD_FINAL
            elif surprise < 0.0:
                delta = attitude_rate * loss_aversion * surprise
            else:
                delta = attitude_rate * surprise
            a += delta
            x += expectation_adapt * (q - x)
            exp[i] = flags
        if uniform(seed, S_TRUST, week, i) < by_category(trust_base, trust_ratio, cat):
            x += promise_pull * (brand_promise - x)
        a += drift * (neutral - a)
        attitude[i] = clip01(a)
        expectation[i] = clip01(x)
