"""Phase 10: what customers feel vs what the firm sees.

``attitude_tally`` is the truth over all customers (NPS mix); ``voc_survey``
is what a voice-of-customer program sees: a sample with response bias (the
happier answer more often) and noise.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from cxsim.kernels.attitude import BAD, BAD_FINAL, CAT_SHIFT, FORGAVE, RECOVERED
from cxsim.kernels.common import category, clip01
from cxsim.rng import S_VOC_NOISE, S_VOC_PICK, S_VOC_RESPOND, index, normal, uniform

CUSTOMER = 1


@njit(cache=True)
def attitude_tally(status, attitude):
    """(detractors, passives, promoters, attitude_sum) over current customers."""
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
    return det, pas, pro, total


@njit(cache=True)
def experience_tally(exp):
    """Counts of experiences (serial): bad, bad_final, recovered, then per NPS
    category [det, pas, pro]: bad experiences, forgiven ones."""
    out = np.zeros(9, dtype=np.int64)
    for i in range(exp.shape[0]):
        f = exp[i]
        if f & BAD:
            out[0] += 1
            cat = (f >> CAT_SHIFT) & 3
            out[3 + cat] += 1
            if f & FORGAVE:
                out[6 + cat] += 1
        if f & BAD_FINAL:
            out[1] += 1
        if f & RECOVERED:
            out[2] += 1
    return out


@njit(cache=True)
def voc_survey(seed, week, status, attitude, sample, response_bias, noise):
    """Survey ``sample`` respondents among current customers.

    Each invitation goes to a random person; a customer answers with
    probability 0.3 + response_bias x (attitude - 0.5) x 2 (happier customers
    answer more). The answer is attitude plus noise. Returns (responses,
    nps, mean_answer); nps is NaN with no responses.
    """
    n = status.shape[0]
    det = 0
    pro = 0
    got = 0
    total = 0.0
    max_invites = 50 * sample
    for k in range(max_invites):
        if got >= sample:
            break
        i = index(seed, S_VOC_PICK, week, k, n)
        if status[i] != CUSTOMER:
            continue
        a = attitude[i]
        if uniform(seed, S_VOC_RESPOND, week, k) >= clip01(0.3 + response_bias * (a - 0.5) * 2.0):
            continue
        answer = clip01(a + noise * normal(seed, S_VOC_NOISE, week, k))
        c = category(answer)
        if c == 2:
            pro += 1
        elif c == 0:
            det += 1
        total += answer
        got += 1
    if got == 0:
        return 0, np.nan, np.nan
    return got, 100.0 * (pro - det) / got, total / got
