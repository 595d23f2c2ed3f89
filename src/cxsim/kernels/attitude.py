"""Phase 7: customer attitude (disconfirmation with loss aversion).

An experience better than expected raises attitude; a worse one lowers it
more (bad surprises weigh more). Happy customers forgive more often; a fast
service recovery undoes most of the damage. Expectations adapt to experience
and, for customers who trust the brand, to the brand promise (over-promising
raises expectations and so disappointment).
"""

from __future__ import annotations

from typing import NamedTuple

from numba import njit, prange

from cxsim.kernels.common import by_category, category, clip01
from cxsim.kernels.flags import BAD, BAD_FINAL, CONTACTED, CUSTOMER, EXPERIENCE_CAT_SHIFT, FORGAVE, RECOVERED, RESOLVED
from cxsim.rng import S_FORGIVE, S_RECOVERY, S_TRUST, uniform


class AttitudeParams(NamedTuple):
    """This week's scalars of :func:`update`."""

    attitude_rate: float
    loss_aversion: float
    bad_margin: float
    expectation_adapt: float
    forgive_base: float
    forgive_ratio: float
    recovery_prob: float
    recovery_restore: float
    trust_base: float
    trust_ratio: float
    promise_pull: float
    brand_promise: float
    drift: float
    neutral: float


@njit(cache=True, parallel=True)
def update(seed, week, market, p):
    """Update attitude and expectation of every customer; write ``experience_flags``.

    Reads this week's ``quality`` and ``encounter_flags``. ``p`` is an :class:`AttitudeParams`.
    """
    # arrays into local names first, one per statement: Numba drops writes made through a NamedTuple (or
    # through a tuple-unpacked group of its arrays) inside prange (numba#5872); see cxsim.kernels
    status = market.status
    attitude = market.attitude
    expectation = market.expectation
    quality = market.quality
    encounter_flags = market.encounter_flags
    experience_flags = market.experience_flags
    for i in prange(status.shape[0]):
        experience_flags[i] = 0
        if status[i] != CUSTOMER:
            continue
        a = attitude[i]
        x = expectation[i]
        cat = category(a)
        if encounter_flags[i] & CONTACTED:
            q = quality[i]
            surprise = q - x
            flags = cat << EXPERIENCE_CAT_SHIFT
            if surprise < -p.bad_margin or (encounter_flags[i] & RESOLVED) == 0:
                flags |= BAD
                surprise = min(surprise, -p.bad_margin)
                delta = p.attitude_rate * p.loss_aversion * surprise
                final = True
                if uniform(seed, S_FORGIVE, week, i) < by_category(p.forgive_base, p.forgive_ratio, cat):
                    flags |= FORGAVE
                    delta *= 0.2
                    final = False
                if uniform(seed, S_RECOVERY, week, i) < p.recovery_prob:
                    flags |= RECOVERED
                    delta *= 1.0 - p.recovery_restore
                    final = False
                if final:
                    flags |= BAD_FINAL
            elif surprise < 0.0:
                delta = p.attitude_rate * p.loss_aversion * surprise
            else:
                delta = p.attitude_rate * surprise
            a += delta
            x += p.expectation_adapt * (q - x)
            experience_flags[i] = flags
        if uniform(seed, S_TRUST, week, i) < by_category(p.trust_base, p.trust_ratio, cat):
            x += p.promise_pull * (p.brand_promise - x)
        a += p.drift * (p.neutral - a)
        attitude[i] = clip01(a)
        expectation[i] = clip01(x)
