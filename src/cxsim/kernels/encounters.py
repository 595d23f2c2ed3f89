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

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from cxsim.kernels.common import clip01
from cxsim.kernels.flags import (
    CONTACTED,
    CUSTOMER,
    DROPPED,
    HANDOFF_MASK,
    HANDOFF_SHIFT,
    MAX_HANDOFFS,
    NONSTANDARD,
    REPEAT,
    RESOLVED,
    UNRESOLVED,
)
from cxsim.rng import S_CONTACT, S_DROP, S_HANDOFF, S_NONSTANDARD, S_RESOLVE, S_ROUTE, index, uniform


class ServiceParams(NamedTuple):
    """This week's scalars of :func:`serve`."""

    process_quality: float
    need_boost: float  # extra contact rate of the unhappiest customer
    repeat_prob: float  # weekly chance an open case comes back
    nonstandard_share: float
    empowerment: float
    procedure_help: float
    complex_factor: float  # resolution of non-standard needs under this week's incentive mix
    effort_bonus: float
    good_deed_quality: float
    handoff_prob: float  # after the central CX team's reduction
    handoff_loss: float
    drop_prob: float
    strain: float  # share of quality and resolution an overloaded front line loses (0 within capacity)


@njit(cache=True, parallel=True)
def serve(seed, week, market, workforce, front, p):
    """Decide who contacts the firm and what each contact is like.

    ``front`` holds the seats of this week's front-line employees; ``p`` is a :class:`ServiceParams`.
    Reads each customer's status, attitude and need and the front line's engagement, skill,
    autonomy and good deeds; writes ``quality`` (experience 0..1, or -1 for no contact),
    ``encounter_flags`` and the ``UNRESOLVED`` bit of ``case``.
    """
    # arrays into local names first, one per statement: Numba drops writes made through a NamedTuple (or
    # through a tuple-unpacked group of its arrays) inside prange (numba#5872); see cxsim.kernels
    status = market.status
    attitude = market.attitude
    need = market.need
    case = market.case
    quality = market.quality
    encounter_flags = market.encounter_flags
    engagement = workforce.engagement
    skill = workforce.skill
    autonomy = workforce.autonomy
    good_deed = workforce.good_deed
    n_front = front.shape[0]
    for i in prange(status.shape[0]):
        encounter_flags[i] = 0
        quality[i] = -1.0
        if status[i] != CUSTOMER or n_front == 0:
            continue
        c = need[i] * (1.0 + p.need_boost * (1.0 - attitude[i]))
        repeat = (case[i] & UNRESOLVED) != 0
        if repeat:
            c = 1.0 - (1.0 - c) * (1.0 - p.repeat_prob)
        if uniform(seed, S_CONTACT, week, i) >= c:
            continue
        k = front[index(seed, S_ROUTE, week, i, n_front)]
        e = engagement[k]
        s = skill[k]
        q = 0.35 * e + 0.25 * s + 0.4 * p.process_quality + p.effort_bonus
        if good_deed[k]:
            q += p.good_deed_quality
        q *= 1.0 - p.strain  # an overloaded front line rushes every contact
        nonstandard = uniform(seed, S_NONSTANDARD, week, i) < p.nonstandard_share
        if nonstandard:
            # only employees with autonomy can solve what no procedure foresaw
            p_res = min(1.0, 2.0 * p.empowerment * (0.5 + 0.5 * autonomy[k])) * (0.6 + 0.4 * e) * p.complex_factor
        else:
            p_res = min(0.98, 0.6 + 0.25 * s + 0.1 * e + p.procedure_help * (1.0 - p.empowerment))
        p_res *= 1.0 - p.strain
        h = 0
        dropped = False
        while h < MAX_HANDOFFS and uniform(seed, S_HANDOFF, week, i * 4 + h) < p.handoff_prob:
            if uniform(seed, S_DROP, week, i * 4 + h) < p.drop_prob:
                dropped = True
            h += 1
        resolved = (not dropped) and uniform(seed, S_RESOLVE, week, i) < p_res
        quality[i] = clip01(0.5 * clip01(q) + (0.5 if resolved else 0.0) - h * p.handoff_loss)
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
        encounter_flags[i] = flags


class ServiceTally(NamedTuple):
    """This week's encounters, counted by :func:`tally`."""

    contacts: int
    resolved: int
    dropped: int
    repeat: int
    handoffs: int
    quality_sum: float


@njit(cache=True)
def tally(encounter_flags, quality):
    """Counts of this week's encounters (serial: deterministic). Returns a :class:`ServiceTally`."""
    contacts = 0
    resolved = 0
    dropped = 0
    repeat = 0
    handoffs = 0
    quality_sum = 0.0
    for i in range(encounter_flags.shape[0]):
        f = encounter_flags[i]
        if f & CONTACTED:
            contacts += 1
            quality_sum += quality[i]
            if f & RESOLVED:
                resolved += 1
            if f & DROPPED:
                dropped += 1
            if f & REPEAT:
                repeat += 1
            handoffs += (f >> HANDOFF_SHIFT) & HANDOFF_MASK
    return ServiceTally(contacts, resolved, dropped, repeat, handoffs, quality_sum)
