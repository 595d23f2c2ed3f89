"""Phase 6: encounters between customers and their firm's front-line employees.

Customers contact their firm with a probability that rises when they are unhappy
or have an unresolved case. Each contact goes to one of that firm's front-line
employees; the experience depends on that employee's engagement, skill, autonomy
and good deeds, the firm's process quality, its incentive mix, empowerment vs
procedures (non-standard needs are solved only with autonomy), handoffs between
silos (each one loses quality and may drop the case), how much the effort varies
from contact to contact (mixed messages about expected behaviour) and strain: when last
week's utilisation passed the queueing knee, waits grow and every contact is
rushed (``strain`` scales quality and resolution down). docs/model.md#encounters.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from cxsim.kernels.common import clip01
from cxsim.kernels.flags import (
    CONTACTED,
    DROPPED,
    HANDOFF_MASK,
    HANDOFF_SHIFT,
    MAX_HANDOFFS,
    NONSTANDARD,
    REPEAT,
    RESOLVED,
    UNRESOLVED,
)
from cxsim.rng import (
    S_CONTACT,
    S_DROP,
    S_HANDOFF,
    S_NONSTANDARD,
    S_RESOLVE,
    S_ROUTE,
    S_VARIATION,
    index,
    normal,
    uniform,
)


class ServiceParams(NamedTuple):
    """Scalars of :func:`serve` every firm shares: how an encounter becomes an experience."""

    need_boost: float  # extra contact rate of the unhappiest customer
    repeat_prob: float  # weekly chance an open case comes back
    engagement_weight: float  # effort quality per unit of the employee's engagement ...
    skill_weight: float  # ... of skill
    process_weight: float  # ... of the firm's process quality
    resolution_share: float  # share of the experience that is whether the need was resolved
    standard_resolution: float
    standard_skill: float
    standard_engagement: float
    standard_max: float
    nonstandard_gain: float
    nonstandard_autonomy_floor: float
    nonstandard_engagement_floor: float
    nonstandard_escalation: float  # share of non-standard needs solved by escalation whatever the empowerment
    good_deed_quality: float
    good_deed_resolution: float
    overload_resolution: float  # share of the strain that also costs resolution (the rest costs how it felt)


class FirmService(NamedTuple):
    """This week's per-firm inputs of :func:`serve`: one entry per firm."""

    process_quality: np.ndarray
    nonstandard_share: np.ndarray
    empowerment: np.ndarray
    procedure_help: np.ndarray
    complex_factor: np.ndarray  # resolution of non-standard needs under the firm's incentive mix
    effort_bonus: np.ndarray  # extra effort quality under the firm's incentive mix
    handoff_prob: np.ndarray  # after the central CX team's reduction
    handoff_loss: np.ndarray
    drop_prob: np.ndarray
    strain: np.ndarray  # share of quality and resolution an overloaded front line loses
    variation: np.ndarray  # std dev of effort quality from contact to contact (mixed messages about behaviour)


class FrontLines(NamedTuple):
    """Every firm's front line this week, firm after firm: firm k's are entries ``ptr[k]:ptr[k+1]``."""

    ptr: np.ndarray  # int64 (firms + 1)
    engagement: np.ndarray
    skill: np.ndarray
    autonomy: np.ndarray
    good_deed: np.ndarray  # bool


@njit(cache=True, parallel=True)
def serve(seed, week, market, front, firms, p):
    """Decide who contacts their firm and what each contact is like.

    ``front`` is a :class:`FrontLines`, ``firms`` a :class:`FirmService`, ``p`` a
    :class:`ServiceParams`. Reads each customer's firm, attitude and need; writes ``quality``
    (experience 0..1, or -1 for no contact), ``encounter_flags`` and the ``UNRESOLVED`` bit of ``case``.
    A firm with nobody on its front line leaves every contact unresolved.
    """
    # arrays into local names first, one per statement: Numba drops writes made through a NamedTuple (or
    # through a tuple-unpacked group of its arrays) inside prange (numba#5872); see cxsim.kernels
    firm = market.firm
    attitude = market.attitude
    need = market.need
    case = market.case
    quality = market.quality
    encounter_flags = market.encounter_flags
    ptr = front.ptr
    engagement = front.engagement
    skill = front.skill
    autonomy = front.autonomy
    good_deed = front.good_deed
    firm_strain = firms.strain
    process_quality = firms.process_quality
    effort_bonus = firms.effort_bonus
    firm_empowerment = firms.empowerment
    nonstandard_share = firms.nonstandard_share
    complex_factor = firms.complex_factor
    procedure_help = firms.procedure_help
    firm_handoff_prob = firms.handoff_prob
    drop_prob = firms.drop_prob
    handoff_loss = firms.handoff_loss
    variation = firms.variation
    for i in prange(firm.shape[0]):
        encounter_flags[i] = 0
        quality[i] = -1.0
        f = firm[i]
        if f < 0:
            continue
        c = need[i] * (1.0 + p.need_boost * (1.0 - attitude[i]))
        repeat = (case[i] & UNRESOLVED) != 0
        if repeat:
            c = 1.0 - (1.0 - c) * (1.0 - p.repeat_prob)
        if uniform(seed, S_CONTACT, week, i) >= c:
            continue
        n_front = ptr[f + 1] - ptr[f]
        flags = CONTACTED
        if repeat:
            flags |= REPEAT
        if n_front == 0:  # nobody answers
            quality[i] = 0.0
            case[i] = case[i] | np.uint8(UNRESOLVED)
            encounter_flags[i] = flags
            continue
        k = ptr[f] + index(seed, S_ROUTE, week, i, n_front)
        e = engagement[k]
        s = skill[k]
        strain = firm_strain[f]
        q = p.engagement_weight * e + p.skill_weight * s + p.process_weight * process_quality[f]
        q += effort_bonus[f]
        q += variation[f] * normal(seed, S_VARIATION, week, i)  # no one set of expected behaviours: it varies
        bonus = 0.0
        if good_deed[k]:
            q += p.good_deed_quality
            bonus = p.good_deed_resolution
        q *= 1.0 - strain  # an overloaded front line rushes every contact
        empowerment = firm_empowerment[f]
        nonstandard = uniform(seed, S_NONSTANDARD, week, i) < nonstandard_share[f]
        if nonstandard:
            # only employees with autonomy can solve what no procedure foresaw
            reach = p.nonstandard_autonomy_floor + (1.0 - p.nonstandard_autonomy_floor) * autonomy[k]
            p_res = min(1.0, p.nonstandard_gain * empowerment * reach)
            p_res *= p.nonstandard_engagement_floor + (1.0 - p.nonstandard_engagement_floor) * e
            p_res = p.nonstandard_escalation + (1.0 - p.nonstandard_escalation) * p_res  # escalated, solved later
            p_res *= complex_factor[f]
        else:
            p_res = p.standard_resolution + p.standard_skill * s + p.standard_engagement * e
            p_res = min(p.standard_max, p_res + procedure_help[f] * (1.0 - empowerment))
        p_res = min(1.0, p_res + bonus) * (1.0 - p.overload_resolution * strain)
        h = 0
        dropped = False
        handoff_prob = firm_handoff_prob[f]
        while h < MAX_HANDOFFS and uniform(seed, S_HANDOFF, week, i * 4 + h) < handoff_prob:
            if uniform(seed, S_DROP, week, i * 4 + h) < drop_prob[f]:
                dropped = True
            h += 1
        resolved = (not dropped) and uniform(seed, S_RESOLVE, week, i) < p_res
        felt = (1.0 - p.resolution_share) * clip01(q) + (p.resolution_share if resolved else 0.0)
        quality[i] = clip01(felt - h * handoff_loss[f])
        flags |= h << HANDOFF_SHIFT
        if resolved:
            flags |= RESOLVED
            case[i] = case[i] & np.uint8(0xFF ^ UNRESOLVED)
        else:
            case[i] = case[i] | np.uint8(UNRESOLVED)
        if dropped:
            flags |= DROPPED
        if nonstandard:
            flags |= NONSTANDARD
        encounter_flags[i] = flags


class ServiceTally(NamedTuple):
    """This week's encounters of each firm, counted by :func:`tally` (arrays with one entry per firm)."""

    contacts: np.ndarray
    resolved: np.ndarray
    dropped: np.ndarray
    repeat: np.ndarray
    handoffs: np.ndarray
    quality_sum: np.ndarray


@njit(cache=True)
def tally(market, n_firms):
    """Counts of this week's encounters per firm (serial: deterministic). Returns a :class:`ServiceTally`."""
    firm = market.firm
    encounter_flags = market.encounter_flags
    quality = market.quality
    contacts = np.zeros(n_firms, np.int64)
    resolved = np.zeros(n_firms, np.int64)
    dropped = np.zeros(n_firms, np.int64)
    repeat = np.zeros(n_firms, np.int64)
    handoffs = np.zeros(n_firms, np.int64)
    quality_sum = np.zeros(n_firms)
    for i in range(encounter_flags.shape[0]):
        fl = encounter_flags[i]
        if fl & CONTACTED:
            f = firm[i]
            contacts[f] += 1
            quality_sum[f] += quality[i]
            if fl & RESOLVED:
                resolved[f] += 1
            if fl & DROPPED:
                dropped[f] += 1
            if fl & REPEAT:
                repeat[f] += 1
            handoffs[f] += (fl >> HANDOFF_SHIFT) & HANDOFF_MASK
    return ServiceTally(contacts, resolved, dropped, repeat, handoffs, quality_sum)
