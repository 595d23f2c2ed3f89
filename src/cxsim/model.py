"""CXModel: a Mesa model of a firm from the inside out.

Read :meth:`CXModel.step` first: it is the whole causal chain of one week, one
line per phase, in order, and it shows what flows from phase to phase: each
phase method returns a small named result and ``step`` hands it on by name.
Each phase calls pure kernels (``cxsim.kernels``) on the state arrays, with
its scalars in one named bundle. KPIs are recorded in :meth:`CXModel.collect`
from those results; no phase reads another's KPI or private attribute.
The mechanisms and their sources are described in docs/model.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import mesa
import numpy as np

from cxsim import finance, network
from cxsim.agents import Employee, Supervisor
from cxsim.kernels import attitude as k_attitude
from cxsim.kernels import encounters as k_encounters
from cxsim.kernels import market as k_market
from cxsim.kernels import measurement as k_measurement
from cxsim.kernels import wom as k_wom
from cxsim.kernels import workforce as k_workforce
from cxsim.metrics import KPIS, nps, ratio
from cxsim.params import Scenario
from cxsim.scenario import load_scenario
from cxsim.state import new_market, new_workforce

TRAINING_HALF_EFFECT = 20.0  # $/employee/week of training giving half the maximum effect (assumed)
GOOD_REVIEW_STARS = 5.0
BAD_REVIEW_STARS = 1.0


# ------------------------------------------------------------------ what flows between phases


@dataclass(frozen=True)
class Levers:
    """Phase 1: what leadership's levers amount to this week (after commitment and adjustments)."""

    commitment: float
    cx_weight: float
    service_recovery: float
    hr_effect: float
    training_effect: float
    recognition_effect: float
    cx_room_effect: float
    cx_team_effect: float
    suggestion_adoption: float


@dataclass(frozen=True)
class Behaviour:
    """Phase 3: how the incentive mix shapes front-line behaviour."""

    contact_cost_factor: float
    complex_resolution_factor: float
    effort_bonus: float
    misalignment: float


class WorkforceWeek(NamedTuple):
    """Phase 4: the week's workforce flows."""

    flows: k_workforce.FlowTally
    overtime: int  # overtime shifts worked
    good_deeds: int
    suggestions: int
    process_quality: float  # after this week's adopted suggestions and decay


class FrontLine(NamedTuple):
    """Phase 5: who faces customers this week."""

    seats: np.ndarray  # int64 employee seats, sorted
    mean_engagement: float


class ServiceWeek(NamedTuple):
    """Phase 6: the week's contacts and what management's metrics make of them."""

    tally: k_encounters.ServiceTally
    workload: float  # contacts / front-line capacity (above 1 is strain next week)
    perceived_quality: float  # mean quality customers got (last week's if nobody called)
    believed_quality: float  # what internal metrics show before any VoC correction


class ExperienceWeek(NamedTuple):
    """Phase 7: the week's experiences."""

    tally: k_measurement.ExperienceTally
    csat: float


class WomWeek(NamedTuple):
    """Phase 8: who said what, and the public rating after this week's reviews."""

    senders: k_wom.WomTally
    viral: k_wom.BroadcastTally
    review_rating: float


class MarketWeek(NamedTuple):
    """Phase 9: churn, spend and adoption."""

    tally: k_market.MarketTally
    customers_before: int  # the churn-rate denominator


class MeasuredWeek(NamedTuple):
    """Phase 10: what customers feel and what management sees."""

    attitudes: k_measurement.AttitudeTally
    believed_quality: float  # after the VoC reality check, if any
    voc_nps: float  # NaN without VoC


class Week(NamedTuple):
    """Every phase's result of one week: what :meth:`CXModel.collect` records."""

    week: int
    levers: Levers
    workforce: WorkforceWeek
    front_line: FrontLine
    service: ServiceWeek
    experience: ExperienceWeek
    wom: WomWeek
    market: MarketWeek
    measured: MeasuredWeek
    accounts: dict[str, float]


class CXModel(mesa.Model):
    """A firm, its people and its market, stepped one week at a time.

    Args:
        scenario: a :class:`~cxsim.params.Scenario`, a shipped scenario name or a TOML path.
        seed: the run is a pure function of (scenario, seed, cxsim version).

    Attributes:
        market: per-person arrays (:class:`cxsim.state.Market`).
        workforce: per-employee arrays (:class:`cxsim.state.Workforce`).
        indptr, indices: the friendship graph (CSR).
        employees, supervisors: Mesa agents viewing the workforce arrays.
        rows: one KPI dict per simulated week.
        last_week: every phase's result of the last week simulated (None before the first).
        calibration: event counts summed over the run, for :mod:`cxsim.calibration`
            (see :meth:`collect` for the layout).
    """

    def __init__(self, scenario: Scenario | str = "baseline", seed: int = 0):
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**63:
            raise ValueError(f"seed must be a whole number from 0 to 2**63 - 1, got {seed!r}")
        super().__init__(rng=int(seed))
        self.params = s = load_scenario(scenario)  # the scenario (Mesa reserves .scenario)
        self.seed_value = int(seed)
        self._seed = int(seed) & 0x7FFFFFFFFFFFFFFF  # kernels take a non-negative 63-bit integer
        self.week = 0
        m = s.market
        self.indptr, self.indices = network.build(m.graph, m.size, m.mean_degree, self._seed, rewire_prob=m.rewire_prob)
        self.market = new_market(s, self._seed)
        self.workforce = new_workforce(s, self._seed)
        self.n_front = min(s.workforce.employees, max(1, round(s.workforce.frontline_share * s.workforce.employees)))
        self.front_line_mask = np.zeros(s.workforce.employees, dtype=bool)
        self.supervisors = [Supervisor(self, t) for t in range(self.workforce.sup_coaching.shape[0])]
        self.employees = [Employee(self, i) for i in range(s.workforce.employees)]
        # firm-level state that carries from week to week
        self.process_quality = s.process.initial_quality
        self.cash = s.finance.initial_cash
        self.workload = 0.0
        self.reviews_good = 0.0
        self.reviews_bad = 0.0
        self.review_rating = s.wom.review_prior
        self.cx_weight = s.incentives.cx_weight
        self.service_recovery = s.process.service_recovery
        self.commitment = s.leadership.commitment
        self.perceived_quality = s.process.initial_quality
        self.voc_attitude = math.nan
        self.bankrupt = False
        self.bankrupt_week: int | None = None
        self.rows: list[dict] = []
        self.last_week: Week | None = None
        self.calibration = np.zeros(14, dtype=np.int64)
        # the scalars of the kernels whose inputs do not change during a run
        self.send_params = self._send_params()
        self.broadcast_params = self._broadcast_params()
        self.voc_params = k_measurement.VocParams(
            sample=s.measurement.voc_sample,
            response_bias=s.measurement.voc_response_bias,
            noise=s.measurement.voc_noise,
        )

    # ------------------------------------------------------------------ week

    def step(self) -> None:
        """One week of the causal chain, in order, with what each phase hands to the next."""
        if self.bankrupt:
            return  # a bankrupt firm no longer trades; the run says so in its last row
        self.week += 1
        levers = self.leadership_and_programs()  # 1. levers x commitment
        self.employee_engagement(levers)  # 2. supervisors and programs -> drivers -> engagement
        behaviour = self.incentive_behaviour(levers)  # 3. what is measured, incented, celebrated
        staff = self.workforce_flows(levers)  # 4. overtime, good deeds, suggestions, quits, hires
        front = self.staffing()  # 5. who faces customers
        service = self.encounters(levers, behaviour, front)  # 6. contacts, handoffs, resolution
        experience = self.customer_attitude(levers, service)  # 7. disconfirmation, expectations, forgiveness
        wom = self.word_of_mouth()  # 8. friends, social posts, reviews, tweets, referrals
        market = self.churn_spend_acquisition(wom)  # 9. leave, buy, adopt
        measured = self.measurement(levers, service)  # 10. believed vs perceived quality, VoC, reality check
        accounts = self.finance(behaviour, staff, service, experience, market)  # 11. revenue, costs, profit, cash
        self.collect(  # 12. one row of KPIs
            Week(self.week, levers, staff, front, service, experience, wom, market, measured, accounts)
        )

    def run_weeks(
        self,
        until: int,
        *,
        progress: Callable[[int, int], None] | None = None,
        after_week: Callable[[CXModel], None] | None = None,
    ) -> None:
        """The run loop: step until week ``until`` or until the firm is bankrupt, whichever comes first.

        ``run``, calibration and checkpointed runs all go through here, so the stop conditions live in one place.

        Args:
            until: the last week to simulate (an absolute week, so a resumed model continues where it stopped).
            progress: called as ``progress(week, until)`` after each week.
            after_week: called with the model after each week (e.g. to write a checkpoint).
        """
        while self.week < until and not self.bankrupt:
            self.step()
            if progress is not None:
                progress(self.week, until)
            if after_week is not None:
                after_week(self)

    # ------------------------------------------------------------ phase 1-5

    def leadership_and_programs(self) -> Levers:
        s = self.params
        p, c = s.programs, self.commitment
        training = p.training_budget / (p.training_budget + TRAINING_HALF_EFFECT)
        return Levers(
            commitment=c,
            cx_weight=self.cx_weight,
            service_recovery=self.service_recovery,
            hr_effect=s.supervisors.hr_weight * p.hr_engagement * c,
            training_effect=training * c,
            recognition_effect=float(p.recognition) * c,
            cx_room_effect=float(p.cx_room) * c,
            cx_team_effect=float(p.cx_team) * c,
            suggestion_adoption=min(1.0, s.process.suggestion_adoption * (0.5 + s.leadership.ceo_ownership)),
        )

    def employee_engagement(self, lv: Levers) -> None:
        s = self.params
        p = k_workforce.EngagementParams(
            supervisor_weight=s.supervisors.supervisor_weight,
            hr_effect=lv.hr_effect,
            empowerment=s.process.empowerment,
            training_effect=lv.training_effect,
            consistency=s.leadership.message_consistency,
            ceo_ownership=s.leadership.ceo_ownership,
            cx_room_effect=lv.cx_room_effect,
            recognition_effect=lv.recognition_effect,
            incentive_misalignment=abs(lv.cx_weight - s.incentives.stated_cx_priority),
            workload=self.workload,
            inertia=s.workforce.engagement_inertia,
            noise=s.workforce.engagement_noise,
        )
        k_workforce.engagement_step(self._seed, self.week, self.workforce, p)

    def incentive_behaviour(self, lv: Levers) -> Behaviour:
        i = self.params.incentives
        efficiency = 1.0 - lv.cx_weight
        return Behaviour(
            contact_cost_factor=1.0 - i.efficiency_cost_saving * efficiency,
            complex_resolution_factor=1.0 - i.efficiency_resolution_penalty * efficiency,
            effort_bonus=0.1 * (lv.cx_weight - 0.5),
            misalignment=abs(lv.cx_weight - i.stated_cx_priority),
        )

    def _flow_params(self, lv: Levers) -> k_workforce.FlowParams:
        s = self.params
        wf = s.workforce
        return k_workforce.FlowParams(
            engaged_threshold=wf.engaged_threshold,
            overtime_base=wf.overtime_base,
            overtime_ratio=wf.overtime_ratio,
            good_deed_base=wf.good_deed_base,
            good_deed_ratio=wf.good_deed_ratio,
            suggestion_base=wf.suggestion_base,
            suggestion_ratio=wf.suggestion_ratio,
            base_quit_rate=wf.base_quit_rate,
            disengaged_quit_multiplier=wf.disengaged_quit_multiplier,
            new_hire_skill=wf.new_hire_skill,
            skill_growth=wf.skill_growth,
            recruit_for_values=s.programs.recruit_for_values,
            adoption_prob=lv.suggestion_adoption,
        )

    def workforce_flows(self, lv: Levers) -> WorkforceWeek:
        w, pr = self.workforce, self.params.process
        flows = k_workforce.workforce_flows(self._seed, self.week, w, self._flow_params(lv))
        gain = pr.suggestion_gain * flows.adopted_suggestions * 100.0 / w.size
        self.process_quality = min(
            1.0, self.process_quality + gain - pr.quality_decay * (self.process_quality - pr.quality_floor)
        )
        return WorkforceWeek(
            flows=flows,
            overtime=int(w.overtime.sum()),
            good_deeds=int(w.good_deed.sum()),
            suggestions=int(w.suggestion.sum()),
            process_quality=self.process_quality,
        )

    def staffing(self) -> FrontLine:
        w = self.workforce
        seats = k_workforce.staff_front_line(
            self.params.workforce.staffing_policy, w.engagement, w.staff_key, self.n_front
        )
        self.front_line_mask[:] = False
        self.front_line_mask[seats] = True
        return FrontLine(seats=seats, mean_engagement=float(w.engagement[seats].mean()))

    # ------------------------------------------------------------ phase 6-9

    def encounters(self, lv: Levers, bh: Behaviour, front: FrontLine) -> ServiceWeek:
        s, m, w = self.params, self.market, self.workforce
        pr = s.process
        # last week's workload beyond capacity strains this week's contacts (0 while within capacity)
        strain = s.workforce.overload_loss * max(0.0, 1.0 - 1.0 / self.workload) if self.workload > 1.0 else 0.0
        p = k_encounters.ServiceParams(
            process_quality=self.process_quality,
            need_boost=s.customers.unhappy_contact_boost,
            repeat_prob=s.customers.repeat_contact_prob,
            nonstandard_share=pr.nonstandard_share,
            empowerment=pr.empowerment,
            procedure_help=pr.procedure_help,
            complex_factor=bh.complex_resolution_factor,
            effort_bonus=bh.effort_bonus,
            good_deed_quality=s.workforce.good_deed_quality,
            handoff_prob=pr.handoff_prob * (1.0 - pr.cx_team_handoff_reduction * lv.cx_team_effect),
            handoff_loss=pr.handoff_quality_loss,
            drop_prob=pr.handoff_drop_prob,
            strain=strain,
        )
        k_encounters.serve(self._seed, self.week, m, w, front.seats, p)
        t = k_encounters.tally(m.encounter_flags, m.quality)
        overtime_share = float(w.overtime[front.seats].mean()) if front.seats.size else 0.0
        capacity = self.n_front * s.workforce.capacity * (1.0 + 0.25 * overtime_share)
        self.workload = t.contacts / capacity
        if t.contacts:
            self.perceived_quality = t.quality_sum / t.contacts
        believed = min(
            1.0,
            (  # a quality score, like perceived quality: at most 1
                self.perceived_quality
                + ratio(t.handoffs, t.contacts) * pr.handoff_quality_loss  # handoff losses are invisible inside
                + 0.5 * ratio(t.dropped, t.contacts)  # dropped cases look closed in the ticket system
                + s.measurement.internal_optimism
            ),
        )
        return ServiceWeek(
            tally=t, workload=self.workload, perceived_quality=self.perceived_quality, believed_quality=believed
        )

    def customer_attitude(self, lv: Levers, service: ServiceWeek) -> ExperienceWeek:
        s, m = self.params, self.market
        c = s.customers
        p = k_attitude.AttitudeParams(
            attitude_rate=c.attitude_rate,
            loss_aversion=c.loss_aversion,
            bad_margin=c.bad_margin,
            expectation_adapt=c.expectation_adapt,
            forgive_base=c.forgive_base,
            forgive_ratio=c.forgive_ratio,
            recovery_prob=lv.service_recovery,
            recovery_restore=c.recovery_restore,
            trust_base=c.trust_base,
            trust_ratio=c.trust_ratio,
            promise_pull=c.promise_pull,
            brand_promise=s.leadership.brand_promise,
            drift=c.attitude_drift,
            neutral=c.neutral_attitude,
        )
        k_attitude.update(self._seed, self.week, m, p)
        t = k_measurement.experience_tally(m.experience_flags)
        return ExperienceWeek(tally=t, csat=1.0 - ratio(t.bad, service.tally.contacts))

    def _send_params(self) -> k_wom.SendParams:
        wm, c = self.params.wom, self.params.customers
        return k_wom.SendParams(
            bad_friends=wm.bad_tell_friends,
            bad_social=wm.bad_facebook,
            bad_review=wm.bad_review,
            bad_tweet=wm.bad_tweet,
            recommend_base=c.recommend_base,
            recommend_ratio=c.recommend_ratio,
            positive_review=wm.positive_review_prob,
        )

    def _broadcast_params(self) -> k_wom.BroadcastParams:
        wm = self.params.wom
        return k_wom.BroadcastParams(
            social_reach=wm.social_reach,
            social_weight=wm.social_weight,
            tweet_reach=wm.tweet_reach,
            viral_prob=wm.viral_prob,
            viral_min_reach=wm.viral_min_reach,
            viral_alpha=wm.viral_alpha,
            viral_weight=wm.viral_weight,
            negative_multiplier=wm.negative_multiplier,
            rally_prob=wm.rally_prob,
        )

    def word_of_mouth(self) -> WomWeek:
        s, m = self.params, self.market
        wm = s.wom
        k_wom.send(self._seed, self.week, m, self.send_params)
        viral = k_wom.broadcast(self._seed, self.week, m, self.broadcast_params)
        # senders per channel + recent defectors, and each person's one-byte signal to friends
        senders = k_wom.signals(self.week, m, s.churn.contagion_window)
        n = m.size
        p = k_wom.ReceiveParams(
            full_mixing=s.market.mixing == "full",
            mean_degree=float(s.market.mean_degree),
            share_friends_negative=senders.friends_negative / n,
            share_social_negative=senders.social_negative / n,
            share_recommend=senders.recommend / n,
            share_recent_defectors=senders.recent_defectors / n,
            friend_weight=wm.friend_weight,
            social_weight=wm.social_weight,
            negative_multiplier=wm.negative_multiplier,
            intent_weight=s.acquisition.intent_weight,
        )
        k_wom.receive(self.indptr, self.indices, m, p)
        self.reviews_good = self.reviews_good * wm.review_memory + senders.review_positive
        self.reviews_bad = self.reviews_bad * wm.review_memory + senders.review_negative
        self.review_rating = (
            wm.review_prior * wm.review_prior_weight
            + GOOD_REVIEW_STARS * self.reviews_good
            + BAD_REVIEW_STARS * self.reviews_bad
        ) / (wm.review_prior_weight + self.reviews_good + self.reviews_bad)
        return WomWeek(senders=senders, viral=viral, review_rating=self.review_rating)

    def churn_spend_acquisition(self, wom: WomWeek) -> MarketWeek:
        s, m = self.params, self.market
        a, ch, c = s.acquisition, s.churn, s.customers
        p = k_market.MarketParams(
            base_hazard=ch.base_hazard,
            sensitivity=ch.attitude_sensitivity,
            reference=ch.reference_attitude,
            switching_ease=ch.switching_ease,
            contagion=ch.contagion,
            repurchase_base=c.repurchase_base,
            repurchase_ratio=c.repurchase_ratio,
            new_offer_base=c.new_offer_base,
            new_offer_ratio=c.new_offer_ratio,
            p_external=a.external_p * (s.leadership.marketing_spend / a.marketing_reference) ** a.marketing_elasticity,
            referral_q=a.referral_q,
            rating_factor=math.exp(a.rating_sensitivity * (wom.review_rating - 4.0)),
            start_attitude=c.neutral_attitude,
            start_expectation=0.5 * c.initial_expectation + 0.5 * s.leadership.brand_promise,
        )
        customers_before = k_market.churn_spend_acquire(self._seed, self.week, m, p)
        t = k_market.tally(self.week, m, ch.contagion_window)
        return MarketWeek(tally=t, customers_before=customers_before)

    # ----------------------------------------------------------- phase 10-12

    def measurement(self, lv: Levers, service: ServiceWeek) -> MeasuredWeek:
        s, m = self.params, self.market
        me = s.measurement
        attitudes = k_measurement.attitude_tally(m.status, m.attitude)
        believed = service.believed_quality
        voc_nps = math.nan
        if s.programs.voc:
            voc = k_measurement.voc_survey(self._seed, self.week, m.status, m.attitude, self.voc_params)
            voc_nps, self.voc_attitude = voc.nps, voc.mean_answer
            if me.reality_check and not math.isnan(self.voc_attitude):
                # the survey is a reality check on the internal picture ...
                believed = 0.5 * believed + 0.5 * self.voc_attitude
                # ... and leadership closes the gap it now sees, as far as its commitment goes
                gap = max(0.0, believed - self.voc_attitude)
                step = me.adjust_rate * gap * lv.commitment
                self.cx_weight = min(1.0, self.cx_weight + step)
                self.service_recovery = min(1.0, self.service_recovery + step)
        return MeasuredWeek(attitudes=attitudes, believed_quality=believed, voc_nps=voc_nps)

    def finance(
        self, bh: Behaviour, staff: WorkforceWeek, service: ServiceWeek, experience: ExperienceWeek, market: MarketWeek
    ) -> dict[str, float]:
        t = market.tally
        accounts = finance.week_accounts(
            self.params,
            n_employees=self.workforce.size,
            n_supervisors=len(self.supervisors),
            repurchases=t.repurchases,
            new_offers=t.new_offers,
            adoptions=t.adopted,
            overtime=staff.overtime,
            hires=staff.flows.quits,
            contacts=service.tally.contacts,
            handoffs=service.tally.handoffs,
            recoveries=experience.tally.recovered,
            contact_cost_factor=bh.contact_cost_factor,
        )
        self.cash += accounts["profit"]
        if self.cash < 0 and not self.bankrupt:
            self.bankrupt = True
            self.bankrupt_week = self.week
            self.running = False
        return accounts

    def collect(self, wk: Week) -> None:
        """Phase 12: one row of KPIs from the week's results, and the run's calibration counts.

        ``calibration`` layout: [0:8] engaged and disengaged employee-weeks, then engaged / disengaged
        overtime shifts, good deeds and suggestions; [8:14] bad experiences by the customer's NPS
        category (detractor, passive, promoter), then the forgiven ones.
        """
        wf, sv, ex, wm, mk, me = wk.workforce, wk.service, wk.experience, wk.wom, wk.market, wk.measured
        fl, st, et, sn, mt, at = wf.flows, sv.tally, ex.tally, wm.senders, mk.tally, me.attitudes
        n = self.workforce.size
        self.calibration[0:8] += (
            fl.engaged,
            n - fl.engaged,
            fl.engaged_overtime,
            wf.overtime - fl.engaged_overtime,
            fl.engaged_good_deeds,
            wf.good_deeds - fl.engaged_good_deeds,
            fl.engaged_suggestions,
            wf.suggestions - fl.engaged_suggestions,
        )
        self.calibration[8:14] += (
            et.bad_detractor,
            et.bad_passive,
            et.bad_promoter,
            et.forgiven_detractor,
            et.forgiven_passive,
            et.forgiven_promoter,
        )
        n_cust = at.detractors + at.passives + at.promoters
        w = self.workforce
        kpi = {
            "week": wk.week,
            "customers": int(mt.customers),
            "prospects": int(mt.prospects),
            "former_customers": int(mt.former),
            "new_customers": int(mt.adopted),
            "churned": int(mt.churned),
            "churn_rate": ratio(mt.churned, mk.customers_before),
            "nps": nps(at.promoters, at.detractors, n_cust),
            "csat": ex.csat,
            "promoter_share": ratio(at.promoters, n_cust),
            "passive_share": ratio(at.passives, n_cust),
            "detractor_share": ratio(at.detractors, n_cust),
            "mean_attitude": ratio(at.attitude_sum, n_cust),
            "mean_engagement": float(w.engagement.mean()),
            "engaged_share": float((w.engagement >= self.params.workforce.engaged_threshold).mean()),
            "frontline_engagement": wk.front_line.mean_engagement,
            "employee_attrition": fl.quits / n,
            "hires": fl.quits,
            "overtime": wf.overtime,
            "good_deeds": wf.good_deeds,
            "suggestions": wf.suggestions,
            "adopted_suggestions": fl.adopted_suggestions,
            "process_quality": wf.process_quality,
            "workload": sv.workload,
            "contacts": st.contacts,
            "handoffs": st.handoffs,
            "dropped_cases": st.dropped,
            "resolution_rate": ratio(st.resolved, st.contacts, 1.0),
            "repeat_contacts": st.repeat,
            "bad_experiences": int(et.bad),
            "recoveries": int(et.recovered),
            "wom_friends_negative": int(sn.friends_negative),
            "wom_social_negative": int(sn.social_negative),
            "wom_review_negative": int(sn.review_negative),
            "wom_tweet_negative": int(sn.tweet_negative),
            "wom_viral": int(wm.viral.viral_stories),
            "wom_viral_reach": int(wm.viral.viral_reach),
            "wom_positive": int(sn.recommend),
            "wom_review_positive": int(sn.review_positive),
            "review_rating": wm.review_rating,
            **wk.accounts,
            "cash": self.cash,
            "believed_quality": me.believed_quality,
            "perceived_quality": sv.perceived_quality,
            "delivery_gap": me.believed_quality - sv.perceived_quality,
            "voc_nps": me.voc_nps,
            "cx_weight": wk.levers.cx_weight,
            "bankrupt": self.bankrupt,
        }
        self.rows.append({k: kpi[k] for k in KPIS})
        self.last_week = wk

    # ---------------------------------------------------------------- views

    def timeseries(self):
        """All weeks so far as a DataFrame (one row per week, one column per KPI)."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=list(KPIS))

    @property
    def nps_now(self) -> float:
        t = k_measurement.attitude_tally(self.market.status, self.market.attitude)
        return nps(t.promoters, t.detractors, t.detractors + t.passives + t.promoters)
