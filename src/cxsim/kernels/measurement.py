"""Phase 10: what customers feel vs what the firm sees.

``attitude_tally`` is the truth over all customers (NPS mix); ``voc_survey``
is what a voice-of-customer program sees: a sample with response bias (the
happier answer more often) and noise.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from cxsim.kernels.common import category, clip01
from cxsim.kernels.flags import BAD, BAD_FINAL, CUSTOMER, DETRACTOR, EXPERIENCE_CAT_SHIFT, FORGAVE, PROMOTER, RECOVERED
from cxsim.rng import S_VOC_NOISE, S_VOC_PICK, S_VOC_RESPOND, index, normal, uniform


class AttitudeTally(NamedTuple):
    """Current customers by NPS category, and the sum of their attitudes."""

    detractors: int
    passives: int
    promoters: int
    attitude_sum: float


@njit(cache=True)
def attitude_tally(status, attitude):
    """Current customers by NPS category, and the sum of their attitudes: an :class:`AttitudeTally`."""
    det = 0
    pas = 0
    pro = 0
    total = 0.0
    # Three branch-free loops (status is random across people, so branches
    # mispredict; these vectorise): count; pack customers' attitudes to the front
    # of a buffer; sum it in index order, so the float sum is the same to the last bit.
    n = status.shape[0]
    customers = 0
    for i in range(n):
        is_customer = status[i] == CUSTOMER
        s = int(attitude[i] * 11.0)  # as common.ltr: the 0..10 clamp does not change < 7 or >= 9
        customers += is_customer
        det += is_customer & (s < 7)
        pro += is_customer & (s >= 9)
    pas = customers - det - pro
    packed = np.empty(n, dtype=attitude.dtype)
    k = 0
    for i in range(n):
        packed[k] = attitude[i]
        k += status[i] == CUSTOMER
    for j in range(k):
        total += packed[j]
    return AttitudeTally(det, pas, pro, total)


class ExperienceTally(NamedTuple):
    """This week's experiences, counted by :func:`experience_tally`; by NPS category at the time."""

    bad: int
    bad_final: int  # neither forgiven nor recovered
    recovered: int
    bad_detractor: int
    bad_passive: int
    bad_promoter: int
    forgiven_detractor: int
    forgiven_passive: int
    forgiven_promoter: int


@njit(cache=True)
def experience_tally(experience_flags):
    """Counts of this week's experiences (serial): an :class:`ExperienceTally`."""
    out = np.zeros(9, dtype=np.int64)
    for i in range(experience_flags.shape[0]):
        f = experience_flags[i]
        if f & BAD:
            out[0] += 1
            cat = (f >> EXPERIENCE_CAT_SHIFT) & 3
            out[3 + cat] += 1
            if f & FORGAVE:
                out[6 + cat] += 1
        if f & BAD_FINAL:
            out[1] += 1
        if f & RECOVERED:
            out[2] += 1
    return ExperienceTally(out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7], out[8])


class VocParams(NamedTuple):
    """Scalars of :func:`voc_survey`."""

    sample: int  # responses wanted per week
    response_bias: float  # happier customers answer more
    noise: float  # answer noise (attitude std dev)


class VocResult(NamedTuple):
    responses: int
    nps: float  # NaN with no responses
    mean_answer: float  # NaN with no responses


@njit(cache=True)
def voc_survey(seed, week, status, attitude, p):
    """Survey ``p.sample`` respondents among current customers.

    Each invitation goes to a random person; a customer answers with
    probability 0.3 + response_bias x (attitude - 0.5) x 2 (happier customers
    answer more). The answer is attitude plus noise. ``p`` is a :class:`VocParams`;
    returns a :class:`VocResult`.
    """
    n = status.shape[0]
    det = 0
    pro = 0
    got = 0
    total = 0.0
    max_invites = 50 * p.sample
    for k in range(max_invites):
        if got >= p.sample:
            break
        i = index(seed, S_VOC_PICK, week, k, n)
        if status[i] != CUSTOMER:
            continue
        a = attitude[i]
        if uniform(seed, S_VOC_RESPOND, week, k) >= clip01(0.3 + p.response_bias * (a - 0.5) * 2.0):
            continue
        answer = clip01(a + p.noise * normal(seed, S_VOC_NOISE, week, k))
        c = category(answer)
        if c == PROMOTER:
            pro += 1
        elif c == DETRACTOR:
            det += 1
        total += answer
        got += 1
    if got == 0:
        return VocResult(0, np.nan, np.nan)
    return VocResult(got, 100.0 * (pro - det) / got, total / got)
