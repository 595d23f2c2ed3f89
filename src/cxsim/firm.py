"""A firm: its levers, its people, its service capacity, its books and its management.

Each firm in the market is a :class:`Firm` (a Mesa agent) with its own settings
(:class:`cxsim.params.FirmSettings`), workforce arrays, supervisors and employees.
:class:`cxsim.model.CXModel` runs the week: it calls each firm's phases in the
order of the causal chain, and the market's kernels with every firm's inputs.
What a phase returns is a small named result (below) that ``CXModel.step`` hands
on by name. docs/model.md describes each mechanism and its source.
"""

from __future__ import annotations

import math
from collections import deque
from typing import NamedTuple

import mesa
import numpy as np

from cxsim import finance
from cxsim.agents import Employee, Supervisor
from cxsim.kernels import workforce as k_workforce
from cxsim.rng import S_HIRE_FIT, S_LAYOFF, uniforms_at
from cxsim.state import new_workforce

# ------------------------------------------------------------------ what a firm's phases hand on


class Levers(NamedTuple):
    """Phase 1: what a firm's levers amount to this week (after commitment, cuts and adjustments)."""

    commitment: float
    cx_weight: float
    service_recovery: float
    hr_effect: float  # HR weight x intensity x commitment
    training_effect: float
    recognition_effect: float
    cx_room_effect: float
    cx_team_effect: float  # x commitment, and as far as the CEO backs it
    suggestion_adoption: float
    training_budget: float  # spending in force after management's cuts
    hr_engagement: float
    coaching: float
    marketing_spend: float
    winback_spend: float
    target_utilisation: float
    cuts: int  # management's cut steps in force


class Behaviour(NamedTuple):
    """Phase 3: how a firm's incentive mix shapes front-line behaviour."""

    contact_cost_factor: float
    complex_resolution_factor: float
    effort_bonus: float
    misalignment: float


class WorkforceWeek(NamedTuple):
    """Phase 4: a firm's workforce flows this week."""

    flows: k_workforce.FlowTally
    hires: int  # new hires who started this week
    layoffs: int
    open_positions: int  # hires on their way (the hiring pipeline) after this week
    employees: int  # filled seats at the end of the flows
    planned: int  # headcount the staffing plan aims at
    process_quality: float  # after this week's adopted suggestions and decay


class FrontLine(NamedTuple):
    """Phase 5: who faces customers this week, and what they can handle."""

    seats: np.ndarray  # int64 employee seats, sorted
    mean_engagement: float
    capacity: float  # contacts the front line can handle this week (overtime included)
    supervisors: int  # teams with at least one member


class Service(NamedTuple):
    """Phase 6, per firm: contacts against capacity, and what management's metrics make of them."""

    contacts: int
    resolved: int
    dropped: int
    repeat: int
    handoffs: int
    utilisation: float  # contacts / capacity (above the queueing knee, waits cost quality next week)
    perceived_quality: float  # mean quality its customers got (last week's if nobody called)
    believed_quality: float  # what its internal metrics show before any VoC correction
    service_standard: float  # the care a contact is given as normal after this week (1 = the full standard)


class Measured(NamedTuple):
    """Phase 10, per firm: what management now believes, and what a VoC survey measured."""

    believed_quality: float  # after the VoC reality check, if any
    voc_nps: float  # NaN without VoC
    voc_quality: float  # customers' rating of this week's contacts (NaN without VoC or answers)


# ------------------------------------------------------------------ the firm


class Firm(mesa.Agent):
    """One firm of the market: settings, workforce, and the state that carries from week to week.

    Attributes:
        index: position in ``model.firms`` (0 is the focal firm); the id customers carry.
        name: ``""`` for the focal firm, else the rival's name (the prefix of its KPI columns).
        settings: the firm's :class:`~cxsim.params.FirmSettings` (a classroom team may change them between rounds).
        workforce: the firm's :class:`~cxsim.state.Workforce` arrays.
        supervisors: one :class:`Supervisor` agent per team.
        employees: the :class:`Employee` agents of the filled seats.
    """

    def __init__(self, model, index: int, name: str, settings, *, rest_of_market: bool = False):
        super().__init__(model)
        s = model.params
        self.index = index
        self.name = name
        self.rest_of_market = rest_of_market
        self.settings = settings
        self.salt = index << 32  # the firm's own random numbers: agent ids index + its seats
        self.workforce = new_workforce(settings, s.engagement, model.seed_key, index)
        w = self.workforce
        self.supervisors = [Supervisor(self, t) for t in range(w.sup_coaching.shape[0])]
        self._employees: dict[int, Employee] = {int(i): Employee(self, int(i)) for i in np.flatnonzero(w.active)}
        # state that carries from week to week
        self.process_quality = settings.process.initial_quality
        self.cash = settings.finance.initial_cash
        self.utilisation = settings.staffing.target_utilisation  # as planned, until the first week shows it
        self.reviews_good = 0.0
        self.reviews_bad = 0.0
        self.review_rating = s.wom.review_prior
        self.cx_weight = settings.incentives.cx_weight  # moves under a reality check and management's cuts
        self.service_recovery = settings.process.service_recovery
        self.perceived_quality = settings.process.initial_quality
        self.service_standard = 1.0  # the care a contact is given as normal; corners cut under pressure erode it
        self.recent_utilisation = self.utilisation  # utilisation averaged over recent weeks (the standard's anchor)
        self.voc_quality = math.nan
        self.cuts = 0  # management's cut steps in force
        self.planned = float(settings.workforce.employees)
        self.pipeline: deque[list[int]] = deque()  # [week the hires start, how many]
        self.contacts_history: deque[int] = deque(maxlen=settings.staffing.review_weeks)
        self.results: deque[tuple[float, float]] = deque(maxlen=settings.management.review_weeks)  # revenue, profit
        self.bankrupt = False
        self.bankrupt_week: int | None = None

    # ----------------------------------------------------------------- views

    @property
    def label(self) -> str:
        return self.name or self.model.params.name

    @property
    def employees(self) -> list[Employee]:
        return list(self._employees.values())

    @property
    def trading(self) -> bool:
        return not self.bankrupt

    def apply_settings(self, old, new) -> None:
        """Take new settings during a run (:meth:`cxsim.model.CXModel.set_levers`): most are read week by week;
        the few that seeded the firm's state move that state with them."""
        self.settings = new
        if new.incentives.cx_weight != old.incentives.cx_weight:
            self.cx_weight = new.incentives.cx_weight
        if new.process.service_recovery != old.process.service_recovery:
            self.service_recovery = new.process.service_recovery
        w = self.workforce
        for arr, key in ((w.sup_coaching, "coaching"), (w.sup_attention, "attention")):
            shift = getattr(new.supervisors, key) - getattr(old.supervisors, key)
            if shift:
                np.clip(arr + shift, 0.0, 1.0, out=arr)  # each supervisor moves by the change of the mean
        if new.workforce.employees != old.workforce.employees:
            self.planned = float(min(w.seats, new.workforce.employees))  # a decision to hire or to shrink
        if new.staffing.review_weeks != old.staffing.review_weeks:
            self.contacts_history = deque(self.contacts_history, maxlen=new.staffing.review_weeks)
        if new.management.review_weeks != old.management.review_weeks:
            self.results = deque(self.results, maxlen=new.management.review_weeks)

    # ------------------------------------------------------------ phase 1

    def leadership_and_programs(self) -> Levers:
        st, e = self.settings, self.model.params.engagement
        p, c = st.programs, st.leadership.commitment
        cut = (1.0 - st.management.cut_share) ** self.cuts  # what management's cuts leave of each budget
        training = p.training_budget * cut
        hr_engagement = p.hr_engagement * cut
        ceo = st.leadership.ceo_ownership
        backing = 1.0 - st.process.cx_team_ceo_dependence * (1.0 - ceo)
        efficiency = 1.0 - self.cx_weight
        return Levers(
            commitment=c,
            cx_weight=self.cx_weight,
            service_recovery=self.service_recovery,
            hr_effect=e.hr_weight * hr_engagement * c,
            training_effect=training / (training + e.training_half_effect) * c,
            recognition_effect=float(p.recognition) * c,
            cx_room_effect=float(p.cx_room) * c,
            cx_team_effect=float(p.cx_team) * c * backing,
            suggestion_adoption=min(
                1.0, st.process.suggestion_adoption * (1.0 + st.process.ceo_adoption * (ceo - 0.5))
            ),
            training_budget=training,
            hr_engagement=hr_engagement,
            coaching=st.supervisors.coaching * cut,
            marketing_spend=st.leadership.marketing_spend * cut,
            winback_spend=st.leadership.winback_spend * cut,
            target_utilisation=st.staffing.target_utilisation + st.incentives.efficiency_utilisation * efficiency,
            cuts=self.cuts,
        )

    # ------------------------------------------------------------ phase 2

    def employee_engagement(self, lv: Levers, weights: k_workforce.EngagementWeights) -> None:
        st, e = self.settings, self.model.params.engagement
        pay = st.workforce.wage / st.workforce.market_wage
        front_pay = pay * (1.0 - self._front_discount())
        inputs = k_workforce.EngagementInputs(
            salt=self.salt,
            hr_effect=lv.hr_effect,
            empowerment=st.process.empowerment,
            training_effect=lv.training_effect,
            consistency=st.leadership.message_consistency,
            ceo_ownership=st.leadership.ceo_ownership,
            cx_room_effect=lv.cx_room_effect,
            recognition_effect=lv.recognition_effect,
            misalignment=abs(lv.cx_weight - st.incentives.stated_cx_priority),
            stress=max(0.0, self.utilisation - 1.0),
            pay_effect=_pay_effect(pay, e),
            front_pay_effect=_pay_effect(front_pay, e),
        )
        w = self.workforce
        if lv.coaching != st.supervisors.coaching:  # management's cuts take supervisors' time for coaching too
            coaching = w.sup_coaching * (lv.coaching / st.supervisors.coaching)
            k_workforce.engagement_step(
                self.model.seed_key, self.model.week, w._replace(sup_coaching=coaching), inputs, weights
            )
        else:
            k_workforce.engagement_step(self.model.seed_key, self.model.week, w, inputs, weights)

    def _front_discount(self) -> float:
        w = self.settings.workforce
        return w.low_cost_frontline_discount if w.staffing_policy == "least_engaged" else 0.0

    # ------------------------------------------------------------ phase 3

    def incentive_behaviour(self, lv: Levers) -> Behaviour:
        i = self.settings.incentives
        efficiency = 1.0 - lv.cx_weight
        return Behaviour(
            contact_cost_factor=1.0 - i.efficiency_cost_saving * efficiency,
            complex_resolution_factor=1.0 - i.efficiency_resolution_penalty * efficiency,
            effort_bonus=i.cx_effort * (lv.cx_weight - 0.5) * 2.0,
            misalignment=abs(lv.cx_weight - i.stated_cx_priority),
        )

    # ------------------------------------------------------------ phase 4

    def workforce_flows(self, lv: Levers) -> WorkforceWeek:
        st, e = self.settings, self.model.params.engagement
        w, week = self.workforce, self.model.week
        pay = st.workforce.wage / st.workforce.market_wage
        front_pay = pay * (1.0 - self._front_discount())
        pressure = 1.0 + e.overtime_pressure * max(0.0, self.utilisation - lv.target_utilisation)
        p = k_workforce.FlowParams(
            salt=self.salt,
            engaged_threshold=e.engaged_threshold,
            overtime_base=min(1.0 / e.overtime_ratio, e.overtime_base * pressure),
            overtime_ratio=e.overtime_ratio,
            good_deed_base=e.good_deed_base,
            good_deed_ratio=e.good_deed_ratio,
            suggestion_base=e.suggestion_base,
            suggestion_ratio=e.suggestion_ratio,
            base_quit_rate=e.base_quit_rate,
            disengaged_quit_multiplier=e.disengaged_quit_multiplier,
            pay_quit_factor=_pay_quit_factor(pay, e),
            front_pay_quit_factor=_pay_quit_factor(front_pay, e),
            burnout_quit=e.burnout_quit,
            values_quit=e.values_quit,
            burnout_memory=e.burnout_memory,
            skill_growth=e.skill_growth,
            tenure_learning=e.tenure_learning,
            learning_half_life=e.learning_half_life,
            adoption_prob=lv.suggestion_adoption,
        )
        flows = k_workforce.workforce_flows(self.model.seed_key, week, w, p)
        for seat in [s for s in self._employees if not w.active[s]]:  # who quit
            self._employees.pop(seat).remove()
        hires = self._start_hires(week)
        layoffs = self._lay_off(week)
        self._open_positions(week)
        pr = st.process
        gain = pr.suggestion_gain * flows.adopted_suggestions * 100.0 / max(1, flows.employees)
        decay = pr.quality_decay * (self.process_quality - pr.quality_floor)
        self.process_quality = min(1.0, self.process_quality + gain - decay)
        return WorkforceWeek(
            flows=flows,
            hires=hires,
            layoffs=layoffs,
            open_positions=sum(n for _, n in self.pipeline),
            employees=int(w.active.sum()),
            planned=round(self.planned),
            process_quality=self.process_quality,
        )

    def _start_hires(self, week: int) -> int:
        """The hires whose start date has come take vacant seats, as new hires."""
        due = 0
        while self.pipeline and self.pipeline[0][0] <= week:
            due += self.pipeline.popleft()[1]
        w = self.workforce
        seats = np.flatnonzero(~w.active)[:due]
        if seats.size == 0:
            return 0
        e, wf = self.model.params.engagement, self.settings.workforce
        u = uniforms_at(self.model.seed_key, S_HIRE_FIT, week, self.salt + seats.astype(np.int64))
        floor = e.values_hiring_floor if self.settings.programs.recruit_for_values else 0.0
        w.values_fit[seats] = floor + (1.0 - floor) * u
        w.skill[seats] = wf.new_hire_skill
        w.tenure[seats] = 0
        w.engagement[seats] = e.initial
        w.autonomy[seats] = e.initial_drivers
        w.mastery[seats] = e.new_hire_mastery
        w.purpose[seats] = e.initial_drivers
        w.affiliation[seats] = e.initial_drivers
        w.overtime_load[seats] = 0.0
        w.on_front[seats] = False
        w.active[seats] = True
        for seat in seats:
            self._employees[int(seat)] = Employee(self, int(seat))
        return int(seats.size)

    def _open_positions(self, week: int) -> None:
        """Open positions so that filled seats plus hires on their way reach the plan (vacancies included)."""
        w = self.workforce
        coming = sum(n for _, n in self.pipeline)
        free = int((~w.active).sum()) - coming
        gap = min(free, round(self.planned) - int(w.active.sum()) - coming)
        if gap > 0:
            self.pipeline.append([week + self.settings.staffing.hiring_delay, gap])
        elif gap < 0:  # above plan: cancel hires not yet started, latest first
            excess = -gap
            while excess and self.pipeline:
                take = min(excess, self.pipeline[-1][1])
                self.pipeline[-1][1] -= take
                excess -= take
                if self.pipeline[-1][1] == 0:
                    self.pipeline.pop()

    def _lay_off(self, week: int) -> int:
        """Above plan by more than a review's largest change, with layoffs allowed: the newest employees go first."""
        st, w = self.settings.staffing, self.workforce
        excess = int(w.active.sum()) - round(self.planned)
        if not st.layoffs or excess <= max(1, round(st.max_change * self.planned)):
            return 0
        seats = np.flatnonzero(w.active)
        # last in, first out; ties broken by a seeded draw
        u = uniforms_at(self.model.seed_key, S_LAYOFF, week, self.salt + seats.astype(np.int64))
        order = np.lexsort((u, w.tenure[seats]))
        gone = seats[order[:excess]]
        w.active[gone] = False
        w.on_front[gone] = False
        for seat in gone:
            self._employees.pop(int(seat)).remove()
        return int(gone.size)

    # ------------------------------------------------------------ phase 5

    def staffing(self) -> FrontLine:
        st, e = self.settings, self.model.params.engagement
        w = self.workforce
        n_active = int(w.active.sum())
        n_front = min(n_active, max(1, round(st.workforce.frontline_share * n_active))) if n_active else 0
        seats = k_workforce.staff_front_line(st.workforce.staffing_policy, w.engagement, w.staff_key, w.active, n_front)
        w.on_front[:] = False
        w.on_front[seats] = True
        wf = st.workforce
        ramp = np.minimum(
            1.0, wf.new_hire_capacity + (1.0 - wf.new_hire_capacity) * w.tenure[seats] / max(1, wf.onboarding_weeks)
        )
        pace = 1.0 + e.productivity * (w.engagement[seats] - 0.5)  # engaged employees handle more
        corners = 1.0 + self.model.params.service.corner_capacity * (1.0 - self.service_standard)  # less care, faster
        capacity = corners * wf.capacity * float(np.sum(ramp * pace * (1.0 + e.overtime_capacity * w.overtime[seats])))
        teams = int(np.unique(w.team[w.active]).size)
        mean_e = float(w.engagement[seats].mean()) if seats.size else math.nan
        return FrontLine(seats=seats, mean_engagement=mean_e, capacity=capacity, supervisors=teams)

    def strain(self) -> float:
        """Share of quality and resolution lost this week: to the care the eroded service standard no longer gives,
        and to rushing (last week's utilisation beyond the queueing knee)."""
        return 1.0 - self.service_standard * (1.0 - self._rushed(self.utilisation))

    def _rushed(self, utilisation: float) -> float:
        """Share of care a front line at this utilisation cuts: none up to the queueing knee, then more."""
        sv = self.model.params.service
        over = max(0.0, utilisation - sv.queue_knee) / (1.0 - sv.queue_knee) if sv.queue_knee < 1.0 else 0.0
        return min(sv.max_strain, sv.overload_loss * over)

    def _settle_standard(self) -> None:
        """The service standard drifts toward the care actually given (Oliva & Sterman 2001): down within weeks
        while the front line is rushed for weeks on end, back up only slowly once the pressure is off. Rushing
        counts when it is sustained (utilisation averaged over ``standard_erosion_weeks`` beyond the knee) and still
        going on (this week's too): a busy week is not a new norm (without the average, chance peaks alone would
        ratchet a small firm's standard down), and a front line no longer rushed cuts no more corners."""
        sv = self.model.params.service
        if math.isfinite(self.utilisation):  # a week with contacts and nobody to take them is no norm: an infinite
            # utilisation would make the average inf, then NaN once capacity came back, and stop erosion for good
            self.recent_utilisation += (self.utilisation - self.recent_utilisation) / sv.standard_erosion_weeks
        rushed = min(self._rushed(self.recent_utilisation), self._rushed(self.utilisation))  # sustained and still on
        if rushed > 0.0:
            given = max(sv.standard_floor, self.service_standard * (1.0 - rushed))
            self.service_standard += min(0.0, given - self.service_standard) / sv.standard_erosion_weeks
        else:
            self.service_standard += (1.0 - self.service_standard) / sv.standard_recovery_weeks

    def handoff_prob(self, lv: Levers) -> float:
        pr = self.settings.process
        return pr.handoff_prob * (1.0 - pr.cx_team_handoff_reduction * lv.cx_team_effect)

    # ------------------------------------------------------------ phase 6 (after the market's encounters)

    def after_encounters(self, front: FrontLine, contacts, resolved, dropped, repeat, handoffs, quality_sum) -> Service:
        """The firm's share of this week's contacts: utilisation, and what customers got vs what metrics show."""
        st = self.settings
        self.utilisation = contacts / front.capacity if front.capacity > 0 else (math.inf if contacts else 0.0)
        self._settle_standard()
        self.contacts_history.append(contacts)
        if contacts:
            self.perceived_quality = quality_sum / contacts
        lost_in_handoffs = handoffs / contacts * st.process.handoff_quality_loss if contacts else 0.0
        looks_closed = dropped / contacts * st.measurement.dropped_visibility if contacts else 0.0
        believed = min(1.0, self.perceived_quality + lost_in_handoffs + looks_closed + st.measurement.internal_optimism)
        return Service(
            contacts=contacts,
            resolved=resolved,
            dropped=dropped,
            repeat=repeat,
            handoffs=handoffs,
            utilisation=self.utilisation,
            perceived_quality=self.perceived_quality,
            believed_quality=believed,
            service_standard=self.service_standard,
        )

    # ------------------------------------------------------------ phase 8 (the public rating)

    def update_rating(self, good_reviews: int, bad_reviews: int) -> float:
        wm = self.model.params.wom
        self.reviews_good = self.reviews_good * wm.review_memory + good_reviews
        self.reviews_bad = self.reviews_bad * wm.review_memory + bad_reviews
        self.review_rating = (
            wm.review_prior * wm.review_prior_weight
            + GOOD_REVIEW_STARS * self.reviews_good
            + BAD_REVIEW_STARS * self.reviews_bad
        ) / (wm.review_prior_weight + self.reviews_good + self.reviews_bad)
        return self.review_rating

    # ------------------------------------------------------------ phase 10

    def measurement(self, lv: Levers, service: Service, voc) -> Measured:
        """What management believes; with a reality check it compares like with like (its metrics' quality
        score against customers' rating of their contacts, both 0-1) and closes the gap it sees."""
        me = self.settings.measurement
        believed = service.believed_quality
        voc_nps = voc_quality = math.nan
        if voc is not None:
            voc_nps, voc_quality = voc.nps, voc.contact_quality
            if me.reality_check and not math.isnan(voc_quality):
                believed = (1.0 - me.voc_weight) * believed + me.voc_weight * voc_quality
                gap = max(0.0, believed - voc_quality)
                step = me.adjust_rate * gap * lv.commitment
                st = self.settings
                self.cx_weight = min(1.0, st.incentives.cx_weight + me.max_adjustment, self.cx_weight + step)
                self.service_recovery = min(
                    1.0, st.process.service_recovery + me.max_adjustment, self.service_recovery + step
                )
        return Measured(believed_quality=believed, voc_nps=voc_nps, voc_quality=voc_quality)

    # ------------------------------------------------------------ phase 11

    def finance(self, lv: Levers, bh: Behaviour, staff: WorkforceWeek, front: FrontLine, counts) -> dict[str, float]:
        accounts = finance.week_accounts(
            self.settings,
            finance.WeekCounts(
                purchases=counts["purchases"],
                new_offers=counts["new_offers"],
                employees=staff.employees,
                front_line=int(front.seats.size),
                supervisors=front.supervisors,
                overtime=staff.flows.overtime,
                hires=staff.hires,
                layoffs=staff.layoffs,
                contacts=counts["contacts"],
                handoffs=counts["handoffs"],
                recoveries=counts["recoveries"],
            ),
            levers=lv,
            contact_cost_factor=bh.contact_cost_factor,
        )
        self.cash += accounts["profit"]
        self.results.append((accounts["revenue"], accounts["profit"]))
        if self.cash < 0 and not self.bankrupt and not self.rest_of_market:
            self.bankrupt = True
            self.bankrupt_week = self.model.week
        return accounts

    # ------------------------------------------------------------ phase 12

    def management_review(self, front: FrontLine, lv: Levers) -> None:
        """At each review: re-plan headcount for recent demand, and (under 'cut_costs') cut or restore spending."""
        week, st = self.model.week, self.settings
        if (
            st.staffing.headcount_policy == "follow_demand"
            and week % st.staffing.review_weeks == 0
            and front.seats.size
        ):
            per_agent = front.capacity / front.seats.size  # what one front-line employee handles now
            demand = sum(self.contacts_history) / len(self.contacts_history)
            needed = demand / (per_agent * lv.target_utilisation) / st.workforce.frontline_share
            step = st.staffing.max_change * self.planned
            cap = self.workforce.seats
            self.planned = float(min(cap, max(1.0, self.planned + max(-step, min(step, needed - self.planned)))))
        mg = st.management
        if mg.policy == "cut_costs" and not self.rest_of_market and week % mg.review_weeks == 0 and self.results:
            revenue = sum(r for r, _ in self.results)
            profit = sum(p for _, p in self.results)
            margin = profit / revenue if revenue > 0 else -math.inf
            if margin < mg.margin_floor and self.cuts < mg.max_cuts:
                self.cuts += 1
                self.cx_weight = max(0.0, self.cx_weight - mg.efficiency_shift)
            elif margin > mg.restore_margin and self.cuts > 0:
                self.cuts -= 1
                self.cx_weight = min(st.incentives.cx_weight, self.cx_weight + mg.efficiency_shift)


GOOD_REVIEW_STARS = 5.0  # a good review's stars
BAD_REVIEW_STARS = 1.0  # a bad review's stars


def _pay_effect(pay_ratio: float, e) -> float:
    """Engagement target change from pay against the market: below it hurts, above it helps little (hygiene)."""
    gap = math.log(max(pay_ratio, 1e-9))
    return e.target_underpay * gap if gap < 0 else e.target_overpay * gap


def _pay_quit_factor(pay_ratio: float, e) -> float:
    """Quits multiply by (market wage / wage) ** elasticity below the market, and stay as they are above it."""
    return (1.0 / max(pay_ratio, 1e-9)) ** e.underpay_quit_elasticity if pay_ratio < 1.0 else 1.0
