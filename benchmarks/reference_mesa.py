"""The same customer mechanics written as a plain Mesa model: the speed reference.

cxsim runs customers as arrays in compiled kernels. To say what that buys, this
module writes the same per-customer mechanics (phases 6-9 and the customer
side of 10 in docs/model.md#week: encounters, attitude, word of mouth, churn, spend,
acquisition, NPS and the VoC survey) the way a competent Mesa user would: one
``mesa.Agent`` per person, each phase a method run with
``AgentSet.shuffle_do``, Python loops, ``model.random`` for every draw, a
networkx graph for friendships and model-level counters for the KPIs.

It takes the same :class:`~cxsim.params.Scenario` and returns the same KPI
rows as :class:`cxsim.CXModel`. The firm side (leadership levers, employee
engagement, workforce flows, staffing, finance) is not per customer, so it is
reused from cxsim: the borrowed ``CXModel`` methods below run unchanged on
this model's attributes. The firm-level formulas that follow each customer
phase (workload, believed quality, review rating, the VoC reality check) are
copied from ``CXModel`` so the two models differ only in how customers are
simulated. Random numbers differ (Python's ``random`` instead of cxsim's
counter-based hash), so the two agree statistically, not run for run:
``tests/test_reference_model.py`` checks that over seeds.
"""

from __future__ import annotations

import math

import mesa
import networkx as nx
import numpy as np

from cxsim.agents import Employee, Supervisor
from cxsim.kernels.encounters import ServiceTally
from cxsim.kernels.market import MarketTally
from cxsim.kernels.measurement import AttitudeTally, ExperienceTally
from cxsim.kernels.wom import BroadcastTally, WomTally
from cxsim.metrics import ratio
from cxsim.model import (
    BAD_REVIEW_STARS,
    GOOD_REVIEW_STARS,
    CXModel,
    ExperienceWeek,
    MarketWeek,
    MeasuredWeek,
    ServiceWeek,
    Week,
    WomWeek,
)
from cxsim.params import Scenario
from cxsim.scenario import load_scenario
from cxsim.state import new_workforce

PROSPECT, CUSTOMER, FORMER = 0, 1, 2
DETRACTOR, PASSIVE, PROMOTER = 0, 1, 2
MAX_HANDOFFS = 3


def clip01(x: float) -> float:
    return 0.0 if x < 0.0 else (1.0 if x > 1.0 else x)


def category(attitude: float) -> int:
    """NPS category from attitude: likelihood to recommend 0-10 in 11 equal bands."""
    score = min(10, max(0, int(attitude * 11.0)))
    return PROMOTER if score >= 9 else (PASSIVE if score >= 7 else DETRACTOR)


def by_category(base: float, ratio_: float, cat: int) -> float:
    """base for detractors, base x ratio for promoters, the geometric middle for passives."""
    if cat == PROMOTER:
        return base * ratio_
    if cat == PASSIVE:
        return base * math.sqrt(ratio_)
    return base


class Person(mesa.Agent):
    """Someone in the market: a prospect, a customer or a former customer."""

    def __init__(self, model: ReferenceModel, status: int, attitude: float, expectation: float, need: float):
        super().__init__(model)
        self.status = status
        self.attitude = attitude
        self.expectation = expectation
        self.need = need
        self.intent = 0.0
        self.unresolved = False  # an open case: contacts again more often
        self.rallied = False  # rallied by a viral story: posts next week
        self.t_churned = -1
        self.friends: list[Person] = []
        self.wom_in = 0.0  # attitude change from posts and tweets received this week
        self.referral = 0.0
        self.defected = 0.0
        self.clear_week()

    def clear_week(self) -> None:
        self.contacted = self.resolved = self.dropped = self.repeat = False
        self.handoffs = 0
        self.quality = -1.0
        self.bad = self.forgave = self.recovered = self.bad_final = False
        self.bad_category = DETRACTOR
        self.tells_friends = self.posts_social = self.tweets = self.reviews_bad = False
        self.recommends = self.reviews_good = False

    # 6. encounters -----------------------------------------------------------
    def encounter(self) -> None:
        self.clear_week()
        env = self.model.env
        if self.status != CUSTOMER or not env.front:
            return
        rnd = self.random.random
        p = self.need * (1.0 + env.need_boost * (1.0 - self.attitude))
        self.repeat = self.unresolved
        if self.repeat:
            p = 1.0 - (1.0 - p) * (1.0 - env.repeat_prob)
        if rnd() >= p:
            return
        self.contacted = True
        w = self.model.workforce
        k = self.random.choice(env.front)
        e, s = w.engagement[k], w.skill[k]
        q = 0.35 * e + 0.25 * s + 0.4 * env.process_quality + env.effort_bonus
        if w.good_deed[k]:
            q += env.good_deed_quality
        q *= 1.0 - env.strain
        if rnd() < env.nonstandard_share:
            p_res = min(1.0, 2.0 * env.empowerment * (0.5 + 0.5 * w.autonomy[k])) * (0.6 + 0.4 * e) * env.complex_factor
        else:
            p_res = min(0.98, 0.6 + 0.25 * s + 0.1 * e + env.procedure_help * (1.0 - env.empowerment))
        p_res *= 1.0 - env.strain
        while self.handoffs < MAX_HANDOFFS and rnd() < env.handoff_prob:
            if rnd() < env.drop_prob:
                self.dropped = True
            self.handoffs += 1
        self.resolved = not self.dropped and rnd() < p_res
        self.quality = clip01(0.5 * clip01(q) + (0.5 if self.resolved else 0.0) - self.handoffs * env.handoff_loss)
        self.unresolved = not self.resolved

    # 7. attitude -------------------------------------------------------------
    def update_attitude(self) -> None:
        if self.status != CUSTOMER:
            return
        c, env = self.model.params.customers, self.model.env
        rnd = self.random.random
        a, x = self.attitude, self.expectation
        cat = category(a)
        if self.contacted:
            surprise = self.quality - x
            if surprise < -c.bad_margin or not self.resolved:
                self.bad, self.bad_category = True, cat
                delta = c.attitude_rate * c.loss_aversion * min(surprise, -c.bad_margin)
                if rnd() < by_category(c.forgive_base, c.forgive_ratio, cat):
                    self.forgave = True
                    delta *= 0.2
                if rnd() < env.service_recovery:
                    self.recovered = True
                    delta *= 1.0 - c.recovery_restore
                self.bad_final = not (self.forgave or self.recovered)
            elif surprise < 0.0:
                delta = c.attitude_rate * c.loss_aversion * surprise
            else:
                delta = c.attitude_rate * surprise
            a += delta
            x += c.expectation_adapt * (self.quality - x)
        if rnd() < by_category(c.trust_base, c.trust_ratio, cat):
            x += c.promise_pull * (env.brand_promise - x)
        a += c.attitude_drift * (c.neutral_attitude - a)
        self.attitude, self.expectation = clip01(a), clip01(x)

    # 8. word of mouth --------------------------------------------------------
    def send_wom(self) -> None:
        if self.status != CUSTOMER:
            return
        wm, c = self.model.params.wom, self.model.params.customers
        rnd = self.random.random
        if self.rallied:
            self.rallied = False
            self.posts_social = self.reviews_bad = True
        if self.bad_final:
            self.tells_friends = rnd() < wm.bad_tell_friends
            self.posts_social = (rnd() < wm.bad_facebook) or self.posts_social
            self.reviews_bad = (rnd() < wm.bad_review) or self.reviews_bad
            self.tweets = rnd() < wm.bad_tweet
        else:
            self.recommends = rnd() < by_category(c.recommend_base, c.recommend_ratio, category(self.attitude))
            self.reviews_good = self.contacted and rnd() < wm.positive_review_prob

    def post(self) -> None:
        """Social posts and tweets reach random people in the market; a few tweets go viral."""
        if not (self.posts_social or self.tweets):
            return
        model, wm = self.model, self.model.params.wom
        people, rnd = model.people_list, self.random.random
        if self.posts_social:
            for _ in range(wm.social_reach):
                self.random.choice(people).wom_in -= wm.social_weight * wm.negative_multiplier
        if self.tweets:
            viral = rnd() < wm.viral_prob
            if viral:
                reach = min(len(people) - 1, int(wm.viral_min_reach * (1.0 - rnd()) ** (-1.0 / wm.viral_alpha)))
                weight = wm.viral_weight
                model.n_viral += 1
                model.viral_people += reach
            else:
                reach, weight = wm.tweet_reach, wm.social_weight
            for _ in range(reach):
                target = self.random.choice(people)
                target.wom_in -= weight * wm.negative_multiplier
                if (
                    viral
                    and wm.rally_prob > 0.0
                    and target.status == CUSTOMER
                    and category(target.attitude) == DETRACTOR
                    and rnd() < wm.rally_prob
                ):
                    target.rallied = True

    def receive_wom(self) -> None:
        model, wm = self.model, self.model.params.wom
        if model.full_mixing:
            sh = model.shares
            neg = model.mean_degree * (sh["friends"] * wm.friend_weight + sh["social"] * wm.social_weight)
            pos = model.mean_degree * sh["recommend"] * wm.friend_weight
            self.referral, self.defected = sh["recommend"], sh["recent_churn"]
        else:
            neg = pos = 0.0
            n_rec = n_def = 0
            week, window = model.week, model.params.churn.contagion_window
            for f in self.friends:
                if f.tells_friends:
                    neg += wm.friend_weight
                if f.posts_social:
                    neg += wm.social_weight
                if f.recommends:
                    pos += wm.friend_weight
                    n_rec += 1
                if f.t_churned >= 0 and week - f.t_churned < window:
                    n_def += 1
            deg = len(self.friends)
            self.referral = n_rec / deg if deg else 0.0
            self.defected = n_def / deg if deg else 0.0
        delta = pos - wm.negative_multiplier * neg + self.wom_in
        self.wom_in = 0.0
        if self.status == CUSTOMER:
            self.attitude = clip01(self.attitude + delta)
        elif self.status == PROSPECT:
            self.intent = max(-1.0, min(1.0, self.intent + model.params.acquisition.intent_weight * delta))

    # 9. churn, spend, acquisition ---------------------------------------------
    def market_step(self) -> None:
        model, env = self.model, self.model.env
        ch, c = model.params.churn, model.params.customers
        rnd = self.random.random
        self.churned = self.repurchased = self.new_offer = self.adopted = False
        if self.status == CUSTOMER:
            model.customers_before += 1
            a = self.attitude
            h = (
                ch.base_hazard
                * math.exp(-ch.attitude_sensitivity * (a - ch.reference_attitude))
                * (0.5 + ch.switching_ease)
            )
            h = min(1.0, h * (1.0 + ch.contagion * self.defected))
            if rnd() < h:
                self.status, self.t_churned, self.churned = FORMER, model.week, True
                return
            cat = category(a)
            self.repurchased = rnd() < by_category(c.repurchase_base, c.repurchase_ratio, cat)
            self.new_offer = rnd() < by_category(c.new_offer_base, c.new_offer_ratio, cat)
            model.spend_by_category[cat] += 1
            model.spend_by_category[3 + cat] += self.repurchased
            model.spend_by_category[6 + cat] += self.new_offer
        elif self.status == PROSPECT:
            p = (
                (env.p_external + model.params.acquisition.referral_q * self.referral)
                * env.rating_factor
                * (1.0 + self.intent)
            )
            if rnd() < p:
                self.status, self.adopted = CUSTOMER, True
                self.attitude = clip01(c.neutral_attitude + 0.1 * self.intent)
                self.expectation = env.start_expectation


class Env:
    """This week's firm-level inputs to the customer phases (a plain namespace)."""


class ReferenceModel(mesa.Model):
    """The cxsim firm with every person a Mesa agent. Same scenario in, same KPI rows out.

    Args:
        scenario: a :class:`~cxsim.params.Scenario`, shipped name or TOML path.
        seed: seeds ``model.random`` (every per-person draw) and the graph.
    """

    # The firm side is not per customer: reuse cxsim's own code for it.
    leadership_and_programs = CXModel.leadership_and_programs
    employee_engagement = CXModel.employee_engagement
    incentive_behaviour = CXModel.incentive_behaviour
    workforce_flows = CXModel.workforce_flows
    staffing = CXModel.staffing
    _flow_params = CXModel._flow_params
    finance = CXModel.finance
    collect = CXModel.collect
    timeseries = CXModel.timeseries

    def __init__(self, scenario: Scenario | str = "baseline", seed: int = 0):
        super().__init__(rng=int(seed))
        self.params = s = load_scenario(scenario)
        self.seed_value = int(seed)
        self._seed = int(seed) & 0x7FFFFFFFFFFFFFFF
        self.week = 0
        m, c = s.market, s.customers
        # people
        s2 = math.log(1.0 + c.need_heterogeneity**2)
        for _ in range(m.size):
            status = CUSTOMER if self.random.random() < m.initial_customer_share else PROSPECT
            attitude = clip01(self.random.gauss(c.initial_attitude, c.attitude_spread))
            need = min(1.0, c.need * math.exp(math.sqrt(s2) * self.random.gauss(0.0, 1.0) - 0.5 * s2))
            Person(self, status, attitude, c.initial_expectation, need)
        self.people = self.agents_by_type[Person]
        self.people_list = list(self.people)
        # friendships: a networkx graph of the same kind, size and mean degree
        graph = self._graph(m.graph, m.size, m.mean_degree, m.rewire_prob, self.random.getrandbits(32))
        for i, j in graph.edges():
            self.people_list[i].friends.append(self.people_list[j])
            self.people_list[j].friends.append(self.people_list[i])
        self.full_mixing = m.mixing == "full"
        self.mean_degree = float(m.mean_degree)
        # the firm, as in CXModel
        self.workforce = new_workforce(s, self._seed)
        self.n_front = min(s.workforce.employees, max(1, round(s.workforce.frontline_share * s.workforce.employees)))
        self.front_line_mask = np.zeros(s.workforce.employees, dtype=bool)
        self.supervisors = [Supervisor(self, t) for t in range(self.workforce.sup_coaching.shape[0])]
        self.employees = [Employee(self, i) for i in range(s.workforce.employees)]
        self.process_quality = s.process.initial_quality
        self.cash = s.finance.initial_cash
        self.workload = 0.0
        self.reviews_good = self.reviews_bad = 0.0
        self.review_rating = s.wom.review_prior
        self.cx_weight = s.incentives.cx_weight
        self.service_recovery = s.process.service_recovery
        self.commitment = s.leadership.commitment
        self.perceived_quality = s.process.initial_quality
        self.voc_attitude = math.nan
        self.bankrupt = False
        self.bankrupt_week: int | None = None
        self.rows: list[dict] = []
        self.last_week = None
        self.calibration = np.zeros(14, dtype=np.int64)
        self.env = Env()

    @staticmethod
    def _graph(kind: str, n: int, mean_degree: int, rewire_prob: float, seed: int) -> nx.Graph:
        if kind == "watts_strogatz":
            half_k = max(0, min(round(mean_degree / 2), (n - 1) // 2))
            return nx.watts_strogatz_graph(n, 2 * half_k, rewire_prob, seed=seed) if half_k else nx.empty_graph(n)
        if kind == "erdos_renyi":
            return nx.gnm_random_graph(n, round(n * mean_degree / 2), seed=seed)
        if kind == "barabasi_albert":
            m_links = max(1, round(mean_degree / 2))
            return (
                nx.barabasi_albert_graph(n, m_links, seed=seed)
                if n > m_links + 1 and mean_degree > 0
                else nx.empty_graph(n)
            )
        raise ValueError(f"unknown graph kind {kind!r}")

    # ------------------------------------------------------------------ week

    def step(self) -> None:
        """One week, in the same order and with the same data flow as :meth:`cxsim.CXModel.step`."""
        if self.bankrupt:
            return
        self.week += 1
        levers = self.leadership_and_programs()
        self.employee_engagement(levers)
        behaviour = self.incentive_behaviour(levers)
        staff = self.workforce_flows(levers)
        front = self.staffing()
        service = self.encounters(levers, behaviour, front)
        experience = self.customer_attitude(levers, service)
        wom = self.word_of_mouth()
        market = self.churn_spend_acquisition(wom)
        measured = self.measurement(levers, service)
        accounts = self.finance(behaviour, staff, service, experience, market)
        self.collect(Week(self.week, levers, staff, front, service, experience, wom, market, measured, accounts))

    def encounters(self, lv, bh, front) -> ServiceWeek:
        s, w, env = self.params, self.workforce, self.env
        pr = s.process
        env.front = [int(k) for k in front.seats]
        env.process_quality = self.process_quality
        env.need_boost, env.repeat_prob = s.customers.unhappy_contact_boost, s.customers.repeat_contact_prob
        env.nonstandard_share, env.empowerment, env.procedure_help = (
            pr.nonstandard_share,
            pr.empowerment,
            pr.procedure_help,
        )
        env.complex_factor, env.effort_bonus = bh.complex_resolution_factor, bh.effort_bonus
        env.good_deed_quality = s.workforce.good_deed_quality
        env.strain = s.workforce.overload_loss * max(0.0, 1.0 - 1.0 / self.workload) if self.workload > 1.0 else 0.0
        env.handoff_prob = pr.handoff_prob * (1.0 - pr.cx_team_handoff_reduction * lv.cx_team_effect)
        env.handoff_loss, env.drop_prob = pr.handoff_quality_loss, pr.handoff_drop_prob
        self.people.shuffle_do("encounter")
        contacts = resolved = dropped = repeat = handoffs = 0
        q_sum = 0.0
        for p in self.people:
            if p.contacted:
                contacts += 1
                q_sum += p.quality
                resolved += p.resolved
                dropped += p.dropped
                repeat += p.repeat
                handoffs += p.handoffs
        # firm level, as CXModel.encounters
        overtime_share = float(w.overtime[front.seats].mean()) if front.seats.size else 0.0
        capacity = self.n_front * s.workforce.capacity * (1.0 + 0.25 * overtime_share)
        self.workload = contacts / capacity
        if contacts:
            self.perceived_quality = q_sum / contacts
        believed = min(
            1.0,
            (
                self.perceived_quality
                + ratio(handoffs, contacts) * pr.handoff_quality_loss
                + 0.5 * ratio(dropped, contacts)
                + s.measurement.internal_optimism
            ),
        )
        tally = ServiceTally(contacts, resolved, dropped, repeat, handoffs, q_sum)
        return ServiceWeek(tally, self.workload, self.perceived_quality, believed)

    def customer_attitude(self, lv, service) -> ExperienceWeek:
        self.env.service_recovery = lv.service_recovery
        self.env.brand_promise = self.params.leadership.brand_promise
        self.people.shuffle_do("update_attitude")
        by_cat = [0] * 6  # bad experiences, then forgiven ones, by NPS category at the time
        bad = recoveries = bad_final = 0
        for p in self.people:
            if p.bad:
                bad += 1
                by_cat[p.bad_category] += 1
                by_cat[3 + p.bad_category] += p.forgave
            recoveries += p.recovered
            bad_final += p.bad_final
        tally = ExperienceTally(bad, bad_final, recoveries, *by_cat)
        return ExperienceWeek(tally, 1.0 - ratio(bad, service.tally.contacts))

    def word_of_mouth(self) -> WomWeek:
        wm = self.params.wom
        self.people.shuffle_do("send_wom")
        self.n_viral = self.viral_people = 0
        self.people.shuffle_do("post")
        people = self.people_list
        count = {
            k: sum(getattr(p, k) for p in people)
            for k in ("tells_friends", "posts_social", "tweets", "reviews_bad", "recommends", "reviews_good")
        }
        n = len(people)
        window = self.params.churn.contagion_window
        recent = sum(1 for p in people if p.t_churned >= 0 and self.week - p.t_churned < window)
        self.shares = {
            "friends": count["tells_friends"] / n,
            "social": count["posts_social"] / n,
            "recommend": count["recommends"] / n,
            "recent_churn": recent / n,
        }
        self.people.shuffle_do("receive_wom")
        self.reviews_good = self.reviews_good * wm.review_memory + count["reviews_good"]
        self.reviews_bad = self.reviews_bad * wm.review_memory + count["reviews_bad"]
        self.review_rating = (
            wm.review_prior * wm.review_prior_weight
            + GOOD_REVIEW_STARS * self.reviews_good
            + BAD_REVIEW_STARS * self.reviews_bad
        ) / (wm.review_prior_weight + self.reviews_good + self.reviews_bad)
        senders = WomTally(
            count["tells_friends"],
            count["posts_social"],
            count["tweets"],
            count["reviews_bad"],
            count["recommends"],
            count["reviews_good"],
            recent,
        )
        return WomWeek(senders, BroadcastTally(self.n_viral, self.viral_people), self.review_rating)

    def churn_spend_acquisition(self, wom) -> MarketWeek:
        s, a, env = self.params, self.params.acquisition, self.env
        env.p_external = a.external_p * (s.leadership.marketing_spend / a.marketing_reference) ** a.marketing_elasticity
        env.rating_factor = math.exp(a.rating_sensitivity * (wom.review_rating - 4.0))
        env.start_expectation = 0.5 * s.customers.initial_expectation + 0.5 * s.leadership.brand_promise
        self.customers_before = 0
        self.spend_by_category = np.zeros(9, dtype=np.int64)
        self.people.shuffle_do("market_step")
        by_status = [0, 0, 0]
        churned = adopted = repurchases = new_offers = 0
        window = s.churn.contagion_window
        recent = 0
        for p in self.people:
            by_status[p.status] += 1
            churned += p.churned
            adopted += p.adopted
            repurchases += p.repurchased
            new_offers += p.new_offer
            recent += p.t_churned >= 0 and self.week - p.t_churned < window
        tally = MarketTally(
            *by_status, churned, adopted, repurchases, new_offers, recent, *(int(x) for x in self.spend_by_category)
        )
        return MarketWeek(tally, self.customers_before)

    def measurement(self, lv, service) -> MeasuredWeek:
        s, me = self.params, self.params.measurement
        counts = [0, 0, 0]
        att_sum = 0.0
        for p in self.people:
            if p.status == CUSTOMER:
                counts[category(p.attitude)] += 1
                att_sum += p.attitude
        believed = service.believed_quality
        voc_nps = math.nan
        if s.programs.voc:
            voc_nps, self.voc_attitude = self.voc_survey(me.voc_sample, me.voc_response_bias, me.voc_noise)
            if me.reality_check and not math.isnan(self.voc_attitude):
                believed = 0.5 * believed + 0.5 * self.voc_attitude
                gap = max(0.0, believed - self.voc_attitude)
                step = me.adjust_rate * gap * lv.commitment
                self.cx_weight = min(1.0, self.cx_weight + step)
                self.service_recovery = min(1.0, self.service_recovery + step)
        return MeasuredWeek(AttitudeTally(*counts, att_sum), believed, voc_nps)

    def voc_survey(self, sample: int, response_bias: float, noise: float) -> tuple[float, float]:
        """Invite random people until ``sample`` customers answered; happier customers answer more."""
        answers = []
        for _ in range(50 * sample):
            if len(answers) >= sample:
                break
            p = self.random.choice(self.people_list)
            if p.status != CUSTOMER:
                continue
            if self.random.random() >= clip01(0.3 + response_bias * (p.attitude - 0.5) * 2.0):
                continue
            answers.append(clip01(p.attitude + noise * self.random.gauss(0.0, 1.0)))
        if not answers:
            return math.nan, math.nan
        cats = [category(a) for a in answers]
        return 100.0 * (cats.count(PROMOTER) - cats.count(DETRACTOR)) / len(answers), sum(answers) / len(answers)
