"""CXModel: a Mesa model of a firm from the inside out.

Read :meth:`CXModel.step` first: it is the whole causal chain of one week,
one line per phase, in order. Each phase method below it calls one pure
kernel (``cxsim.kernels``) on the state arrays and records its KPIs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

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


@dataclass
class Levers:
    """What leadership's levers amount to this week (after commitment and adjustments)."""

    commitment: float
    cx_weight: float
    service_recovery: float
    hr_effect: float
    training_effect: float
    recognition_effect: float
    cx_room_effect: float
    cx_team_effect: float
    suggestion_adoption: float


@dataclass
class Behaviour:
    """How the incentive mix shapes front-line behaviour."""

    contact_cost_factor: float
    complex_resolution_factor: float
    effort_bonus: float
    misalignment: float


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
        self.calibration = np.zeros(16, dtype=np.int64)  # event counts, see cxsim.calibration

    # ------------------------------------------------------------------ week

    def step(self) -> None:
        """One week of the causal chain, in order."""
        if self.bankrupt:
            return  # a bankrupt firm no longer trades; the run says so in its last row
        self.week += 1
        kpi: dict = {"week": self.week}
        levers = self.leadership_and_programs()  # 1. levers x commitment
        self.employee_engagement(levers)  # 2. supervisors and programs -> drivers -> engagement
        behaviour = self.incentive_behaviour(levers)  # 3. what is measured, incented, celebrated
        self.workforce_flows(levers, kpi)  # 4. overtime, good deeds, suggestions, quits, hires
        self.staffing(kpi)  # 5. who faces customers
        self.encounters(levers, behaviour, kpi)  # 6. contacts, handoffs, resolution
        self.customer_attitude(levers, kpi)  # 7. disconfirmation, expectations, forgiveness
        self.word_of_mouth(kpi)  # 8. friends, social posts, reviews, tweets, referrals
        self.churn_spend_acquisition(kpi)  # 9. leave, buy, adopt
        self.measurement(levers, kpi)  # 10. believed vs perceived quality, VoC, reality check
        self.finance(levers, behaviour, kpi)  # 11. revenue, costs, profit, cash, bankruptcy
        self.collect(kpi)  # 12. one row of KPIs

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
        s, w = self.params, self.workforce
        k_workforce.engagement_step(
            self._seed,
            self.week,
            w.team,
            w.sup_coaching,
            w.sup_attention,
            w.engagement,
            w.autonomy,
            w.mastery,
            w.purpose,
            w.affiliation,
            w.values_fit,
            s.supervisors.supervisor_weight,
            lv.hr_effect,
            s.process.empowerment,
            lv.training_effect,
            s.leadership.message_consistency,
            s.leadership.ceo_ownership,
            lv.cx_room_effect,
            lv.recognition_effect,
            abs(lv.cx_weight - s.incentives.stated_cx_priority),
            self.workload,
            s.workforce.engagement_inertia,
            s.workforce.engagement_noise,
        )

    def incentive_behaviour(self, lv: Levers) -> Behaviour:
        i = self.params.incentives
        efficiency = 1.0 - lv.cx_weight
        return Behaviour(
            contact_cost_factor=1.0 - i.efficiency_cost_saving * efficiency,
            complex_resolution_factor=1.0 - i.efficiency_resolution_penalty * efficiency,
            effort_bonus=0.1 * (lv.cx_weight - 0.5),
            misalignment=abs(lv.cx_weight - i.stated_cx_priority),
        )

    def workforce_flows(self, lv: Levers, kpi: dict) -> None:
        s, w = self.params, self.workforce
        wf = s.workforce
        quits, adopted, n_eng, eng_ot, eng_gd, eng_sg = k_workforce.workforce_flows(
            self._seed,
            self.week,
            w.engagement,
            w.autonomy,
            w.mastery,
            w.purpose,
            w.affiliation,
            w.skill,
            w.values_fit,
            w.tenure,
            w.overtime,
            w.good_deed,
            w.suggestion,
            wf.engaged_threshold,
            wf.overtime_base,
            wf.overtime_ratio,
            wf.good_deed_base,
            wf.good_deed_ratio,
            wf.suggestion_base,
            wf.suggestion_ratio,
            wf.base_quit_rate,
            wf.disengaged_quit_multiplier,
            wf.new_hire_skill,
            wf.skill_growth,
            s.programs.recruit_for_values,
            lv.suggestion_adoption,
        )
        n = w.size
        ot, gd, sg = int(w.overtime.sum()), int(w.good_deed.sum()), int(w.suggestion.sum())
        self.calibration[0:8] += (n_eng, n - n_eng, eng_ot, ot - eng_ot, eng_gd, gd - eng_gd, eng_sg, sg - eng_sg)
        pr = s.process
        gain = pr.suggestion_gain * adopted * 100.0 / n
        self.process_quality = min(
            1.0, self.process_quality + gain - pr.quality_decay * (self.process_quality - pr.quality_floor)
        )
        kpi.update(
            mean_engagement=float(w.engagement.mean()),
            engaged_share=float((w.engagement >= wf.engaged_threshold).mean()),
            employee_attrition=quits / n,
            hires=quits,
            overtime=ot,
            good_deeds=gd,
            suggestions=sg,
            adopted_suggestions=adopted,
            process_quality=self.process_quality,
        )

    def staffing(self, kpi: dict) -> None:
        w = self.workforce
        w.front = k_workforce.staff_front_line(
            self.params.workforce.staffing_policy, w.engagement, w.staff_key, self.n_front
        )
        self.front_line_mask[:] = False
        self.front_line_mask[w.front] = True
        kpi["frontline_engagement"] = float(w.engagement[w.front].mean())

    # ------------------------------------------------------------ phase 6-9

    def encounters(self, lv: Levers, bh: Behaviour, kpi: dict) -> None:
        s, m, w = self.params, self.market, self.workforce
        pr = s.process
        # last week's workload beyond capacity strains this week's contacts (0 while within capacity)
        strain = s.workforce.overload_loss * max(0.0, 1.0 - 1.0 / self.workload) if self.workload > 1.0 else 0.0
        k_encounters.serve(
            self._seed,
            self.week,
            m.status,
            m.attitude,
            m.need,
            m.case,
            m.quality,
            m.enc,
            w.front,
            w.engagement,
            w.skill,
            w.autonomy,
            w.good_deed,
            self.process_quality,
            s.customers.unhappy_contact_boost,
            s.customers.repeat_contact_prob,
            pr.nonstandard_share,
            pr.empowerment,
            pr.procedure_help,
            bh.complex_resolution_factor,
            bh.effort_bonus,
            s.workforce.good_deed_quality,
            pr.handoff_prob * (1.0 - pr.cx_team_handoff_reduction * lv.cx_team_effect),
            pr.handoff_quality_loss,
            pr.handoff_drop_prob,
            strain,
        )
        contacts, resolved, dropped, repeat, handoffs, q_sum = k_encounters.tally(m.enc, m.quality)
        overtime_share = float(w.overtime[w.front].mean()) if w.front.size else 0.0
        capacity = self.n_front * s.workforce.capacity * (1.0 + 0.25 * overtime_share)
        self.workload = contacts / capacity
        if contacts:
            self.perceived_quality = q_sum / contacts
        kpi.update(
            workload=self.workload,
            contacts=contacts,
            handoffs=handoffs,
            dropped_cases=dropped,
            resolution_rate=ratio(resolved, contacts, 1.0),
            repeat_contacts=repeat,
            perceived_quality=self.perceived_quality,
        )
        self._believed_raw = min(
            1.0,
            (  # a quality score, like perceived quality: at most 1
                self.perceived_quality
                + ratio(handoffs, contacts) * pr.handoff_quality_loss  # handoff losses are invisible inside
                + 0.5 * ratio(dropped, contacts)  # dropped cases look closed in the ticket system
                + s.measurement.internal_optimism
            ),
        )

    def customer_attitude(self, lv: Levers, kpi: dict) -> None:
        s, m = self.params, self.market
        c = s.customers
        k_attitude.update(
            self._seed,
            self.week,
            m.status,
            m.attitude,
            m.expectation,
            m.quality,
            m.enc,
            m.exp,
            c.attitude_rate,
            c.loss_aversion,
            c.bad_margin,
            c.expectation_adapt,
            c.forgive_base,
            c.forgive_ratio,
            lv.service_recovery,
            c.recovery_restore,
            c.trust_base,
            c.trust_ratio,
            c.promise_pull,
            s.leadership.brand_promise,
            c.attitude_drift,
            c.neutral_attitude,
        )
        t = k_measurement.experience_tally(m.exp)
        self.calibration[8:14] += t[3:9]
        kpi.update(bad_experiences=int(t[0]), recoveries=int(t[2]), csat=1.0 - ratio(t[0], kpi["contacts"]))

    def word_of_mouth(self, kpi: dict) -> None:
        s, m = self.params, self.market
        wm, c = s.wom, s.customers
        k_wom.send(
            self._seed,
            self.week,
            m.status,
            m.attitude,
            m.enc,
            m.exp,
            m.case,
            m.wom,
            wm.bad_tell_friends,
            wm.bad_facebook,
            wm.bad_review,
            wm.bad_tweet,
            c.recommend_base,
            c.recommend_ratio,
            wm.positive_review_prob,
        )
        n_viral, viral_people = k_wom.broadcast(
            self._seed,
            self.week,
            m.status,
            m.attitude,
            m.case,
            m.wom,
            m.wom_in,
            wm.social_reach,
            wm.social_weight,
            wm.tweet_reach,
            wm.viral_prob,
            wm.viral_min_reach,
            wm.viral_alpha,
            wm.viral_weight,
            wm.negative_multiplier,
            wm.rally_prob,
        )
        # senders per channel (as k_wom.tally) + recent defectors, and each person's one-byte signal to friends
        senders = k_wom.signals(
            self.week, m.wom, m.t_churned, s.churn.contagion_window, m.signal, m.referral, m.defected
        )
        n = m.size
        recent_churn = int(senders[6])
        k_wom.receive(
            self.indptr,
            self.indices,
            m.status,
            m.attitude,
            m.intent,
            m.signal,
            m.wom_in,
            m.referral,
            m.defected,
            m.heard,
            m.n_defected,
            s.market.mixing == "full",
            float(s.market.mean_degree),
            senders[0] / n,
            senders[1] / n,
            senders[4] / n,
            recent_churn / n,
            wm.friend_weight,
            wm.social_weight,
            wm.negative_multiplier,
            s.acquisition.intent_weight,
        )
        self.reviews_good = self.reviews_good * wm.review_memory + senders[5]
        self.reviews_bad = self.reviews_bad * wm.review_memory + senders[3]
        self.review_rating = (
            wm.review_prior * wm.review_prior_weight
            + GOOD_REVIEW_STARS * self.reviews_good
            + BAD_REVIEW_STARS * self.reviews_bad
        ) / (wm.review_prior_weight + self.reviews_good + self.reviews_bad)
        kpi.update(
            wom_friends_negative=int(senders[0]),
            wom_social_negative=int(senders[1]),
            wom_tweet_negative=int(senders[2]),
            wom_review_negative=int(senders[3]),
            wom_positive=int(senders[4]),
            wom_review_positive=int(senders[5]),
            wom_viral=int(n_viral),
            wom_viral_reach=int(viral_people),
            review_rating=self.review_rating,
        )

    def churn_spend_acquisition(self, kpi: dict) -> None:
        s, m = self.params, self.market
        a, ch, c = s.acquisition, s.churn, s.customers
        p_external = a.external_p * (s.leadership.marketing_spend / a.marketing_reference) ** a.marketing_elasticity
        rating_factor = math.exp(a.rating_sensitivity * (self.review_rating - 4.0))
        customers_before = k_market.churn_spend_acquire(
            self._seed,
            self.week,
            m.status,
            m.attitude,
            m.expectation,
            m.intent,
            m.t_churned,
            m.referral,
            m.defected,
            m.mkt,
            ch.base_hazard,
            ch.attitude_sensitivity,
            ch.reference_attitude,
            ch.switching_ease,
            ch.contagion,
            c.repurchase_base,
            c.repurchase_ratio,
            c.new_offer_base,
            c.new_offer_ratio,
            p_external,
            a.referral_q,
            rating_factor,
            c.neutral_attitude,
            0.5 * c.initial_expectation + 0.5 * s.leadership.brand_promise,
        )
        t = k_market.tally(m.status, m.mkt, m.t_churned, self.week, ch.contagion_window)
        self.calibration[14:16] += 0  # reserved
        self._market_counts = t
        kpi.update(
            prospects=int(t[0]),
            customers=int(t[1]),
            former_customers=int(t[2]),
            churned=int(t[3]),
            new_customers=int(t[4]),
            churn_rate=ratio(t[3], customers_before),
        )
        self.spend_by_category = t[8:17].copy()

    # ----------------------------------------------------------- phase 10-12

    def measurement(self, lv: Levers, kpi: dict) -> None:
        s, m = self.params, self.market
        me = s.measurement
        det, pas, pro, att_sum = k_measurement.attitude_tally(m.status, m.attitude)
        n_cust = det + pas + pro
        believed = self._believed_raw
        voc_nps = math.nan
        if s.programs.voc:
            _, voc_nps, self.voc_attitude = k_measurement.voc_survey(
                self._seed, self.week, m.status, m.attitude, me.voc_sample, me.voc_response_bias, me.voc_noise
            )
            if me.reality_check and not math.isnan(self.voc_attitude):
                # the survey is a reality check on the internal picture ...
                believed = 0.5 * believed + 0.5 * self.voc_attitude
                # ... and leadership closes the gap it now sees, as far as its commitment goes
                gap = max(0.0, believed - self.voc_attitude)
                step = me.adjust_rate * gap * lv.commitment
                self.cx_weight = min(1.0, self.cx_weight + step)
                self.service_recovery = min(1.0, self.service_recovery + step)
        kpi.update(
            nps=nps(pro, det, n_cust),
            promoter_share=ratio(pro, n_cust),
            passive_share=ratio(pas, n_cust),
            detractor_share=ratio(det, n_cust),
            mean_attitude=ratio(att_sum, n_cust),
            believed_quality=believed,
            delivery_gap=believed - self.perceived_quality,
            voc_nps=voc_nps,
            cx_weight=lv.cx_weight,
        )

    def finance(self, lv: Levers, bh: Behaviour, kpi: dict) -> None:
        t = self._market_counts
        accounts = finance.week_accounts(
            self.params,
            n_employees=self.workforce.size,
            n_supervisors=len(self.supervisors),
            repurchases=int(t[5]),
            new_offers=int(t[6]),
            adoptions=int(t[4]),
            overtime=kpi["overtime"],
            hires=kpi["hires"],
            contacts=kpi["contacts"],
            handoffs=kpi["handoffs"],
            recoveries=kpi["recoveries"],
            contact_cost_factor=bh.contact_cost_factor,
        )
        self.cash += accounts["profit"]
        if self.cash < 0 and not self.bankrupt:
            self.bankrupt = True
            self.bankrupt_week = self.week
            self.running = False
        kpi.update(accounts, cash=self.cash, bankrupt=self.bankrupt)

    def collect(self, kpi: dict) -> None:
        self.rows.append({k: kpi[k] for k in KPIS})

    # ---------------------------------------------------------------- views

    def timeseries(self):
        """All weeks so far as a DataFrame (one row per week, one column per KPI)."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=list(KPIS))

    @property
    def nps_now(self) -> float:
        det, pas, pro, _ = k_measurement.attitude_tally(self.market.status, self.market.attitude)
        return nps(pro, det, det + pas + pro)
