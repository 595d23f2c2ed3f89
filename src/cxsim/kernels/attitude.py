"""Phase 7: customer attitude (disconfirmation with loss aversion, trust, forgiveness, recovery).

An experience better than expected raises attitude; a worse one lowers it more
(bad surprises weigh more). Customers who trust their firm this week give it the
benefit of the doubt (a wider margin before an experience counts as bad) and
forgive more often; happy customers trust and forgive more. A fast service
recovery undoes most of the damage. Expectations adapt to experience and, for
trusting customers, to the firm's brand promise (over-promising raises
expectations and so disappointment). docs/model.md#attitude.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from cxsim.kernels.common import by_category, category, clip01
from cxsim.kernels.flags import BAD, BAD_FINAL, CONTACTED, EXPERIENCE_CAT_SHIFT, FORGAVE, RECOVERED, RESOLVED
from cxsim.rng import S_FORGIVE, S_RECOVERY, S_TRUST, uniform


class AttitudeParams(NamedTuple):
    """Scalars of :func:`update` every firm shares: how customers judge an experience."""

    attitude_rate: float
    loss_aversion: float
    bad_margin: float
    expectation_adapt: float
    forgive_base: float
    forgive_ratio: float
    forgive_keep: float  # share of the damage left when a bad experience is overlooked
    recovery_restore: float
    trust_base: float
    trust_ratio: float
    trust_margin: float
    trust_forgiveness: float
    passive_position: float  # where passives sit between detractors and promoters (customers.passive_position)
    promise_pull: float
    drift: float
    neutral: float


class FirmAttitude(NamedTuple):
    """This week's per-firm inputs of :func:`update`: one entry per firm."""

    recovery_prob: np.ndarray  # the firm's service recovery this week
    brand_promise: np.ndarray


@njit(cache=True, parallel=True)
def update(seed, week, market, firms, p):
    """Update attitude and expectation of every customer; write ``experience_flags``.

    Reads this week's ``quality`` and ``encounter_flags``. ``firms`` is a :class:`FirmAttitude`,
    ``p`` an :class:`AttitudeParams`.
    """
    # arrays into local names first, one per statement: Numba drops writes made through a NamedTuple (or
    # through a tuple-unpacked group of its arrays) inside prange (numba#5872); see cxsim.kernels
    firm = market.firm
    attitude = market.attitude
    disposition = market.disposition
    expectation = market.expectation
    quality = market.quality
    encounter_flags = market.encounter_flags
    experience_flags = market.experience_flags
    recovery_prob = firms.recovery_prob
    brand_promise = firms.brand_promise
    for i in prange(firm.shape[0]):
        experience_flags[i] = 0
        f = firm[i]
        if f < 0:
            continue
        a = attitude[i]
        x = expectation[i]
        cat = category(a)
        p_trust = by_category(p.trust_base, p.trust_ratio, cat, p.passive_position)
        trusting = uniform(seed, S_TRUST, week, i) < p_trust
        if encounter_flags[i] & CONTACTED:
            q = quality[i]
            surprise = q - x
            margin = p.bad_margin + (p.trust_margin if trusting else 0.0)
            flags = cat << EXPERIENCE_CAT_SHIFT
            if surprise < -margin or (encounter_flags[i] & RESOLVED) == 0:
                flags |= BAD
                surprise = min(surprise, -p.bad_margin)
                delta = p.attitude_rate * p.loss_aversion * surprise
                final = True
                p_forgive = by_category(p.forgive_base, p.forgive_ratio, cat, p.passive_position)
                if trusting:
                    p_forgive *= p.trust_forgiveness
                if uniform(seed, S_FORGIVE, week, i) < p_forgive:
                    flags |= FORGAVE
                    delta *= p.forgive_keep
                    final = False
                if uniform(seed, S_RECOVERY, week, i) < recovery_prob[f]:
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
        if trusting:
            x += p.promise_pull * (brand_promise[f] - x)
        a += p.drift * (p.neutral + disposition[i] - a)  # memories fade towards the person's resting attitude
        attitude[i] = clip01(a)
        expectation[i] = clip01(x)
