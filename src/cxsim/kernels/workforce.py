"""Phases 2, 4 and 5: employee engagement, workforce flows, staffing (one firm at a time).

Engagement is driven by four drivers (Autonomy, Mastery, Purpose,
Affiliation), fed mainly by the employee's supervisor and weakly by HR
programs, plus recognition, connection to top management, incentive
alignment, workload stress, burnout from sustained overtime, pay against the
market (a hygiene factor) and values fit. It moves with inertia. Engaged
employees work overtime, do good deeds and suggest improvements more often,
and quit less; skill grows with mastery and with tenure. docs/model.md#engagement.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from cxsim.kernels.common import clip01, engaged_weight
from cxsim.rng import (
    S_ADOPT_SUGGESTION,
    S_ENGAGE_NOISE,
    S_GOOD_DEED,
    S_OVERTIME,
    S_QUIT,
    S_SUGGEST,
    normal,
    uniform,
)


@njit(cache=True)
def team_means(team, values, active, n_teams):
    """Mean of ``values`` over each team's filled seats (serial: deterministic); 0 for an empty team."""
    total = np.zeros(n_teams)
    count = np.zeros(n_teams)
    for i in range(team.shape[0]):
        if active[i]:
            total[team[i]] += values[i]
            count[team[i]] += 1.0
    for t in range(n_teams):
        if count[t] > 0:
            total[t] /= count[t]
    return total


class EngagementWeights(NamedTuple):
    """How drivers and engagement respond (the scenario's ``engagement`` section): fixed for a run."""

    driver_rate: float
    attention_floor: float
    supervisor_weight: float
    autonomy_empowerment: float
    autonomy_care: float
    mastery_base: float
    mastery_care: float
    mastery_training: float
    purpose_base: float
    purpose_consistency: float
    purpose_ceo: float
    purpose_cx_room: float
    purpose_care: float
    affiliation_base: float
    affiliation_team: float
    affiliation_care: float
    affiliation_recognition: float
    target_base: float
    target_drivers: float
    target_ceo: float
    target_recognition: float
    target_misalignment: float
    target_stress: float
    target_burnout: float
    target_values: float
    inertia: float
    noise: float


class EngagementInputs(NamedTuple):
    """One firm's inputs of :func:`engagement_step` this week (program effects already x commitment x weight)."""

    salt: int  # the firm's own random numbers
    hr_effect: float
    empowerment: float
    training_effect: float
    consistency: float
    ceo_ownership: float
    cx_room_effect: float
    recognition_effect: float
    misalignment: float  # gap between incentives and the stated priority
    stress: float  # last week's front-line utilisation above 1
    pay_effect: float  # engagement target change from pay against the market (back office)
    front_pay_effect: float  # ... for the front line (cheaper terms under the least_engaged policy)


@njit(cache=True)
def engagement_step(seed, week, workforce, inputs, w):
    """Move each employee's drivers towards their targets, then engagement towards the drivers.

    Reads the supervisors' coaching and attention, values fit, overtime load and who is on the
    front line; writes the four drivers and engagement of every filled seat. ``inputs`` is an
    :class:`EngagementInputs`, ``w`` the :class:`EngagementWeights`.
    """
    active = workforce.active
    team = workforce.team
    sup_coaching = workforce.sup_coaching
    sup_attention = workforce.sup_attention
    engagement = workforce.engagement
    values_fit = workforce.values_fit
    overtime_load = workforce.overtime_load
    on_front = workforce.on_front
    autonomy = workforce.autonomy
    mastery = workforce.mastery
    purpose = workforce.purpose
    affiliation = workforce.affiliation
    p = inputs
    rate = w.driver_rate
    n_teams = sup_coaching.shape[0]
    team_engagement = team_means(team, engagement, active, n_teams)
    for i in range(engagement.shape[0]):
        if not active[i]:
            continue
        s = team[i]
        sup = w.supervisor_weight * sup_coaching[s] * (w.attention_floor + (1.0 - w.attention_floor) * sup_attention[s])
        care = sup + p.hr_effect
        autonomy[i] += rate * (clip01(w.autonomy_empowerment * p.empowerment + w.autonomy_care * care) - autonomy[i])
        mastery[i] += rate * (
            clip01(w.mastery_base + w.mastery_care * care + w.mastery_training * p.training_effect) - mastery[i]
        )
        purpose[i] += rate * (
            clip01(
                w.purpose_base
                + w.purpose_consistency * p.consistency
                + w.purpose_ceo * p.ceo_ownership
                + w.purpose_cx_room * p.cx_room_effect
                + w.purpose_care * care
            )
            - purpose[i]
        )
        affiliation[i] += rate * (
            clip01(
                w.affiliation_base
                + w.affiliation_team * team_engagement[s]
                + w.affiliation_care * care
                + w.affiliation_recognition * p.recognition_effect
            )
            - affiliation[i]
        )
        drivers = 0.25 * (autonomy[i] + mastery[i] + purpose[i] + affiliation[i])  # the mean of the four
        target = (
            w.target_base
            + w.target_drivers * drivers
            + w.target_ceo * (p.ceo_ownership - 0.5)
            + w.target_recognition * p.recognition_effect
            - w.target_misalignment * p.misalignment
            - w.target_stress * p.stress
            - w.target_burnout * overtime_load[i]
            + w.target_values * (values_fit[i] - 0.5)
            + (p.front_pay_effect if on_front[i] else p.pay_effect)
        )
        e = engagement[i] + w.inertia * (clip01(target) - engagement[i])
        e += w.noise * normal(seed, S_ENGAGE_NOISE, week, p.salt + i)
        engagement[i] = clip01(e)


class FlowParams(NamedTuple):
    """One firm's scalars of :func:`workforce_flows` this week."""

    salt: int
    engaged_threshold: float
    overtime_base: float  # already x this week's demand pressure
    overtime_ratio: float
    good_deed_base: float
    good_deed_ratio: float
    suggestion_base: float
    suggestion_ratio: float
    base_quit_rate: float
    disengaged_quit_multiplier: float
    pay_quit_factor: float  # quits x this for pay below the market (back office)
    front_pay_quit_factor: float  # ... for the front line
    burnout_quit: float
    values_quit: float  # quits fall by this share per unit of values fit above 0.5 (rise below)
    burnout_memory: float
    skill_growth: float
    tenure_learning: float
    learning_half_life: float  # weeks of tenure after which on-the-job learning has halved
    adoption_prob: float


class FlowTally(NamedTuple):
    """What :func:`workforce_flows` counted this week (over the seats filled at its start)."""

    employees: int
    engaged: int  # employees at or above the engaged threshold
    quits: int
    overtime: int
    good_deeds: int
    suggestions: int
    adopted_suggestions: int
    engaged_overtime: int  # of the engaged: worked overtime
    engaged_good_deeds: int
    engaged_suggestions: int


@njit(cache=True)
def workforce_flows(seed, week, workforce, p):
    """Overtime, good deeds, suggestions, skill growth, burnout load and quits of one firm's employees.

    Writes this week's ``overtime``/``good_deed``/``suggestion`` flags, skill, tenure and overtime load;
    a quit leaves the seat vacant (``active`` False) until the firm fills it. ``p`` is a
    :class:`FlowParams`; returns a :class:`FlowTally`.
    """
    active = workforce.active
    on_front = workforce.on_front
    engagement = workforce.engagement
    skill = workforce.skill
    tenure = workforce.tenure
    mastery = workforce.mastery
    values_fit = workforce.values_fit
    overtime = workforce.overtime
    good_deed = workforce.good_deed
    suggestion = workforce.suggestion
    overtime_load = workforce.overtime_load
    n_active = 0
    quits = 0
    adopted = 0
    n_engaged = 0
    n_ot = 0
    n_gd = 0
    n_sg = 0
    eng_ot = 0
    eng_gd = 0
    eng_sg = 0
    learning_decay = math.log(2.0) / p.learning_half_life
    # this week's flags start clear for every seat; vacant seats keep them clear. (Clearing them inside the loop
    # only for vacant seats was vectorised by LLVM into masked byte stores that corrupted the heap on AVX-512.)
    overtime[:] = False
    good_deed[:] = False
    suggestion[:] = False
    for i in range(engagement.shape[0]):
        if not active[i]:
            continue
        n_active += 1
        key = p.salt + i
        e = engagement[i]
        wt = engaged_weight(e, p.engaged_threshold)
        ot = uniform(seed, S_OVERTIME, week, key) < p.overtime_base * (1.0 + (p.overtime_ratio - 1.0) * wt)
        gd = uniform(seed, S_GOOD_DEED, week, key) < p.good_deed_base * (1.0 + (p.good_deed_ratio - 1.0) * wt)
        sg = uniform(seed, S_SUGGEST, week, key) < p.suggestion_base * (1.0 + (p.suggestion_ratio - 1.0) * wt)
        overtime[i] = ot
        good_deed[i] = gd
        suggestion[i] = sg
        n_ot += ot
        n_gd += gd
        n_sg += sg
        if sg and uniform(seed, S_ADOPT_SUGGESTION, week, key) < p.adoption_prob:
            adopted += 1
        if wt > 0.0:
            n_engaged += 1
            eng_ot += ot
            eng_gd += gd
            eng_sg += sg
        overtime_load[i] = p.burnout_memory * overtime_load[i] + (1.0 - p.burnout_memory) * (1.0 if ot else 0.0)
        learning = p.tenure_learning * np.exp(-learning_decay * tenure[i])
        skill[i] += (p.skill_growth * mastery[i] + learning) * (1.0 - skill[i])
        tenure[i] += 1
        pay = p.front_pay_quit_factor if on_front[i] else p.pay_quit_factor
        p_quit = p.base_quit_rate * (1.0 + (p.disengaged_quit_multiplier - 1.0) * (1.0 - e))
        p_quit *= pay * (1.0 + p.burnout_quit * overtime_load[i]) * (1.0 - p.values_quit * (values_fit[i] - 0.5))
        if uniform(seed, S_QUIT, week, key) < p_quit:
            quits += 1
            active[i] = False  # a vacancy until the firm fills the seat
            on_front[i] = False
    return FlowTally(n_active, n_engaged, quits, n_ot, n_gd, n_sg, adopted, eng_ot, eng_gd, eng_sg)


def staff_front_line(policy: str, engagement: np.ndarray, random_key: np.ndarray, active: np.ndarray, n_front: int):
    """Seats of the employees who face customers this week, sorted.

    ``random``: a fixed random subset (seeded); ``least_engaged``: the least
    engaged (the 'cost' excuse); ``most_engaged``: the most engaged. Only filled seats.
    """
    seats = np.flatnonzero(active)
    if policy == "least_engaged":
        order = np.argsort(engagement[seats], kind="stable")
    elif policy == "most_engaged":
        order = np.argsort(-engagement[seats], kind="stable")
    elif policy == "random":
        order = np.argsort(random_key[seats], kind="stable")
    else:
        raise ValueError(f"unknown staffing policy {policy!r}")
    return np.sort(seats[order[:n_front]]).astype(np.int64)
