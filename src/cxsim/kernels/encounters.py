"""Phase 6: encounters between customers and front-line employees.

Customers contact the firm with a probability that rises when they are unhappy
or have an unresolved case. Each contact goes to a front-line employee; the
experience depends on that employee's engagement, skill and autonomy, process
quality, the incentive mix, empowerment vs procedures (non-standard needs are
solved only with autonomy), handoffs between silos (each one loses quality
and may drop the case) and strain: when last week's contacts exceeded the front
line's capacity, every contact is rushed (``strain`` scales quality and
resolution down).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from cxsim.kernels.common import clip01
from cxsim.rng import S_CONTACT, S_DROP, S_HANDOFF, S_NONSTANDARD, S_RESOLVE, S_ROUTE, index, uniform

CUSTOMER = 1

# bits of the per-customer encounter flags ``enc``
CONTACTED = 1
RESOLVED = 2
DROPPED = 4
REPEAT = 8
NONSTANDARD = 16
HANDOFF_SHIFT = 5  # bits 5-6 hold the number of handoffs (0-3)
MAX_HANDOFFS = 3

UNRESOLVED = 1  # bit of the persistent per-customer ``case`` flags


@njit(cache=True, parallel=True)
def serve(
    seed,
    week,
    status,
    attitude,
    need,
    case,
    quality,
    enc,
    front,
    engagement,
    skill,
    autonomy,
    good_deed,
    process_quality,
    need_boost,
    repeat_prob,
    nonstandard_share,
    empowerment,
    procedure_help,
    complex_factor,
    effort_bonus,
    good_deed_quality,
    handoff_prob,
    handoff_loss,
    drop_prob,
    strain,
):
    """Decide who contacts the firm and what each contact is like.

    Writes ``quality`` (experience 0..1, or -1 for no contact), ``enc`` flags
    and updates the ``case`` unresolved bit.
    """
    n_front = front.shape[0]
    for i in prange(status.shape[0]):
        enc[i] = 0
        quality[i] = -1.0
        if status[i] != CUSTOMER or n_front == 0:
            continue
        p = need[i] * (1.0 + need_boost * (1.0 - attitude[i]))
        repeat = (case[i] & UNRESOLVED) != 0
        if repeat:
            p = 1.0 - (1.0 - p) * (1.0 - repeat_prob)
        if uniform(seed, S_CONTACT, week, i) >= p:
            continue
        k = front[index(seed, S_ROUTE, week, i, n_front)]
        e = engagement[k]
        s = skill[k]
        q = 0.35 * e + 0.25 * s + 0.4 * process_quality + effort_bonus
        if good_deed[k]:
            q += good_deed_quality
        q *= 1.0 - strain  # an overloaded front line rushes every contact
        nonstandard = uniform(seed, S_NONSTANDARD, week, i) < nonstandard_share
        if nonstandard:
            # only employees with autonomy can solve what no procedure foresaw
            p_res = min(1.0, 2.0 * empowerment * (0.5 + 0.5 * autonomy[k])) * (0.6 + 0.4 * e) * complex_factor
        else:
            p_res = min(0.98, 0.6 + 0.25 * s + 0.1 * e + procedure_help * (1.0 - empowerment))
        p_res *= 1.0 - strain
        h = 0
        dropped = False
        while h < MAX_HANDOFFS and uniform(seed, S_HANDOFF, week, i * 4 + h) < handoff_prob:
            if uniform(seed, S_DROP, week, i * 4 + h) < drop_prob:
                dropped = True
            h += 1
        resolved = (not dropped) and uniform(seed, S_RESOLVE, week, i) < p_res
        quality[i] = clip01(0.5 * clip01(q) + (0.5 if resolved else 0.0) - h * handoff_loss)
        flags = CONTACTED | (h << HANDOFF_SHIFT)
        if resolved:
            flags |= RESOLVED
            case[i] = case[i] & np.uint8(0xFF ^ UNRESOLVED)
        else:
            case[i] = case[i] | np.uint8(UNRESOLVED)
        if dropped:
            flags |= DROPPED
        if repeat:
            flags |= REPEAT
        if nonstandard:
            flags |= NONSTANDARD
        enc[i] = flags


@njit(cache=True)
def tally(enc, quality):
    """Counts of this week's encounters (serial: deterministic).

    Returns (contacts, resolved, dropped, repeat, handoffs, quality_sum).
    """
    contacts = 0
    resolved = 0
    dropped = 0
    repeat = 0
    handoffs = 0
    quality_sum = 0.0
    for i in range(enc.shape[0]):
        f = enc[i]
        if f & CONTACTED:
            contacts += 1
            quality_sum += quality[i]
            if f & RESOLVED:
                resolved += 1
            if f & DROPPED:
                dropped += 1
            if f & REPEAT:
                repeat += 1
            handoffs += (f >> HANDOFF_SHIFT) & 3
    return contacts, resolved, dropped, repeat, handoffs, quality_sum
