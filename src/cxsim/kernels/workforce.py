"""Phases 2, 4 and 5: employee engagement, workforce flows, staffing.

Engagement is driven by four drivers (Autonomy, Mastery, Purpose,
Affiliation), fed mainly by the employee's supervisor and weakly by HR
programs, plus recognition, connection to top management, incentive
alignment, workload stress and values fit. It moves with inertia.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from cxsim.kernels.common import clip01, engaged_weight
from cxsim.rng import (
    S_ADOPT_SUGGESTION,
    S_ENGAGE_NOISE,
    S_GOOD_DEED,
    S_HIRE_FIT,
    S_OVERTIME,
    S_QUIT,
    S_SUGGEST,
    normal,
    uniform,
)

DRIVER_RATE = 0.2  # weekly share of the gap to target each driver closes (assumed)


@njit(cache=True)
def team_means(team, values, n_teams):
    """Mean of ``values`` per team (serial: deterministic)."""
    total = np.zeros(n_teams)
    count = np.zeros(n_teams)
    for i in range(team.shape[0]):
        total[team[i]] += values[i]
        count[team[i]] += 1.0
    for t in range(n_teams):
        if count[t] > 0:
            total[t] /= count[t]
    return total


class EngagementParams(NamedTuple):
    """This week's scalars of :func:`engagement_step` (program effects already x commitment x weight)."""

    supervisor_weight: float
    hr_effect: float
    empowerment: float
    training_effect: float
    consistency: float
    ceo_ownership: float
    cx_room_effect: float
    recognition_effect: float
    incentive_misalignment: float
    workload: float
    inertia: float
    noise: float


@njit(cache=True)
def engagement_step(seed, week, workforce, p):
    """Move each employee's drivers towards their targets, then engagement towards the drivers.

    Reads the supervisors' coaching and attention and each employee's values fit; writes the four
    drivers and engagement of every employee. ``p`` is an :class:`EngagementParams`.
    """
    team = workforce.team
    sup_coaching = workforce.sup_coaching
    sup_attention = workforce.sup_attention
    engagement = workforce.engagement
    values_fit = workforce.values_fit
    autonomy = workforce.autonomy
    mastery = workforce.mastery
    purpose = workforce.purpose
    affiliation = workforce.affiliation
    n_teams = sup_coaching.shape[0]
    team_engagement = team_means(team, engagement, n_teams)
    stress = max(0.0, p.workload - 1.0)
    for i in range(engagement.shape[0]):
        s = team[i]
        sup = p.supervisor_weight * sup_coaching[s] * (0.5 + 0.5 * sup_attention[s])
        care = sup + p.hr_effect
        autonomy[i] += DRIVER_RATE * (clip01(0.65 * p.empowerment + 0.45 * care) - autonomy[i])
        mastery[i] += DRIVER_RATE * (clip01(0.15 + 0.6 * care + 0.35 * p.training_effect) - mastery[i])
        purpose[i] += DRIVER_RATE * (
            clip01(0.1 + 0.3 * p.consistency + 0.15 * p.ceo_ownership + 0.2 * p.cx_room_effect + 0.35 * care)
            - purpose[i]
        )
        affiliation[i] += DRIVER_RATE * (
            clip01(0.1 + 0.45 * team_engagement[s] + 0.35 * care + 0.15 * p.recognition_effect) - affiliation[i]
        )
        drivers = 0.25 * (autonomy[i] + mastery[i] + purpose[i] + affiliation[i])
        target = (
            0.21
            + 0.9 * drivers
            + 0.1 * (p.ceo_ownership - 0.5)
            + 0.08 * p.recognition_effect
            - 0.3 * p.incentive_misalignment
            - 0.4 * stress
            + 0.35 * (values_fit[i] - 0.5)
        )
        e = (
            engagement[i]
            + p.inertia * (clip01(target) - engagement[i])
            + p.noise * normal(seed, S_ENGAGE_NOISE, week, i)
        )
        engagement[i] = clip01(e)


class FlowParams(NamedTuple):
    """Scalars of :func:`workforce_flows` (fixed for a run)."""

    engaged_threshold: float
    overtime_base: float
    overtime_ratio: float
    good_deed_base: float
    good_deed_ratio: float
    suggestion_base: float
    suggestion_ratio: float
    base_quit_rate: float
    disengaged_quit_multiplier: float
    new_hire_skill: float
    skill_growth: float
    recruit_for_values: bool
    adoption_prob: float


class FlowTally(NamedTuple):
    """What :func:`workforce_flows` counted this week."""

    quits: int
    adopted_suggestions: int
    engaged: int  # employees at or above the engaged threshold
    engaged_overtime: int  # of whom worked overtime
    engaged_good_deeds: int
    engaged_suggestions: int


@njit(cache=True)
def workforce_flows(seed, week, workforce, p):
    """Overtime, good deeds, suggestions, skill growth, quits and replacement hires.

    Writes this week's ``overtime``/``good_deed``/``suggestion`` flags, skill and tenure, and
    resets the seat of each leaver to a new hire. ``p`` is a :class:`FlowParams`; returns a
    :class:`FlowTally`.
    """
    engagement = workforce.engagement
    skill = workforce.skill
    values_fit = workforce.values_fit
    tenure = workforce.tenure
    autonomy = workforce.autonomy
    mastery = workforce.mastery
    purpose = workforce.purpose
    affiliation = workforce.affiliation
    overtime = workforce.overtime
    good_deed = workforce.good_deed
    suggestion = workforce.suggestion
    quits = 0
    adopted = 0
    n_engaged = 0
    eng_ot = 0
    eng_gd = 0
    eng_sg = 0
    for i in range(engagement.shape[0]):
        e = engagement[i]
        w = engaged_weight(e, p.engaged_threshold)
        ot = uniform(seed, S_OVERTIME, week, i) < p.overtime_base * (1.0 + (p.overtime_ratio - 1.0) * w)
        gd = uniform(seed, S_GOOD_DEED, week, i) < p.good_deed_base * (1.0 + (p.good_deed_ratio - 1.0) * w)
        sg = uniform(seed, S_SUGGEST, week, i) < p.suggestion_base * (1.0 + (p.suggestion_ratio - 1.0) * w)
        overtime[i] = ot
        good_deed[i] = gd
        suggestion[i] = sg
        if sg and uniform(seed, S_ADOPT_SUGGESTION, week, i) < p.adoption_prob:
            adopted += 1
        if e >= p.engaged_threshold:
            n_engaged += 1
            eng_ot += 1 if ot else 0
            eng_gd += 1 if gd else 0
            eng_sg += 1 if sg else 0
        skill[i] += p.skill_growth * mastery[i] * (1.0 - skill[i])
        tenure[i] += 1
        p_quit = p.base_quit_rate * (1.0 + (p.disengaged_quit_multiplier - 1.0) * (1.0 - e))
        if uniform(seed, S_QUIT, week, i) < p_quit:
            quits += 1
            # the leaver is replaced by a new hire in the same seat
            u = uniform(seed, S_HIRE_FIT, week, i)
            values_fit[i] = 0.6 + 0.4 * u if p.recruit_for_values else u
            skill[i] = p.new_hire_skill
            tenure[i] = 0
            engagement[i] = 0.5
            autonomy[i] = 0.4
            mastery[i] = 0.3
            purpose[i] = 0.4
            affiliation[i] = 0.4
    return FlowTally(quits, adopted, n_engaged, eng_ot, eng_gd, eng_sg)


def staff_front_line(policy: str, engagement: np.ndarray, random_key: np.ndarray, n_front: int) -> np.ndarray:
    """Indices of the employees who face customers this week.

    ``random``: a fixed random subset (seeded); ``least_engaged``: the least
    engaged (the 'cost' excuse); ``most_engaged``: the most engaged.
    """
    if policy == "least_engaged":
        order = np.argsort(engagement, kind="stable")
    elif policy == "most_engaged":
        order = np.argsort(-engagement, kind="stable")
    elif policy == "random":
        order = np.argsort(random_key, kind="stable")
    else:
        raise ValueError(f"unknown staffing policy {policy!r}")
    return np.sort(order[:n_front]).astype(np.int64)
