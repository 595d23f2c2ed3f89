"""The same market written as a plain Mesa model: the speed reference.

cxsim runs people as arrays in compiled kernels. To say what that buys, this
module writes the same per-person mechanics the way a competent Mesa user
would: one ``mesa.Agent`` per person in the market, each phase a method run
with ``AgentSet.shuffle_do``, Python loops, ``model.random`` for every draw, a
networkx graph for friendships and model-level counters for the KPIs.

What a :class:`Person` does follows cxsim's kernels line by line, with the same
formulas and parameters (src/cxsim/kernels/): contacts and their experience
(``encounters.serve``), attitude, trust, forgiveness and recovery
(``attitude.update``), word of mouth about one's firm to friends, posts,
reviews, tweets, viral stories and rallies, and what people make of what they
hear: their firm's customers in attitude, everyone else in their opinion of
that firm (``wom.send``, ``broadcast``, ``signals``, ``push_to_friends``,
``read_friends``), churn, switching to a rival or to no firm, purchases,
adoption, win-back, people leaving the market and newcomers taking their place
(``market.churn_spend_acquire``), and what each firm measures
(``measurement.attitude_tally``, ``voc_survey``). Only the random numbers
differ (Python's ``random`` instead of cxsim's counter-based hash), so the two
agree statistically, not run for run: ``tests/test_reference_model.py``
checks that over seeds.

The firm side is not per person, so it is cxsim's own code: each firm is a
:class:`cxsim.firm.Firm` built as ``CXModel`` builds it, and ``CXModel``'s
methods for the week (its step order included), the firms' phases, finance,
management and KPI collection run unchanged on this model. The per-firm inputs
of each customer phase (the bundles ``CXModel`` hands the kernels: service,
attitude and market inputs) are built with the same formulas as in
``CXModel`` (copied below), so the two models differ only in how people are
simulated.
"""

from __future__ import annotations

import math

import mesa
import networkx as nx
import numpy as np

from cxsim.kernels.attitude import FirmAttitude
from cxsim.kernels.encounters import FirmService
from cxsim.kernels.market import FirmMarket, MarketTally
from cxsim.kernels.measurement import AttitudeTally, ExperienceTally, VocResult
from cxsim.kernels.wom import BroadcastTally, WomTally
from cxsim.metrics import ratio
from cxsim.model import (
    CXModel,
    Experience,
    MarketMoves,
    WordOfMouth,
    _attitude_params,
    _broadcast_params,
    _engagement_weights,
    _market_params,
    _send_params,
    _service_params,
)
from cxsim.params import Scenario
from cxsim.scenario import load_scenario
from cxsim.state import T_NEVER, weekly_exit

NO_FIRM = -1
DETRACTOR, PASSIVE, PROMOTER = 0, 1, 2
MAX_HANDOFFS = 3


def clip01(x: float) -> float:
    return 0.0 if x < 0.0 else (1.0 if x > 1.0 else x)


def category(attitude: float) -> int:
    """NPS category from attitude: likelihood to recommend 0-10 in 11 equal bands."""
    score = min(10, max(0, int(attitude * 11.0)))
    return PROMOTER if score >= 9 else (PASSIVE if score >= 7 else DETRACTOR)


def by_category(base: float, ratio_: float, cat: int, passive: float) -> float:
    """base for detractors, base x ratio for promoters, base x ratio ** passive for passives."""
    if cat == PROMOTER:
        return base * ratio_
    if cat == PASSIVE:
        return base * ratio_**passive
    return base


class Person(mesa.Agent):
    """Someone in the market: a customer of one firm or of none, with a memory of every firm.

    A person who leaves the market is replaced by a newcomer in the same place (the same friends), as in cxsim.
    """

    def __init__(self, model: ReferenceModel, firm: int, attitude: float, disposition: float, need: float):
        super().__init__(model)
        c, n_firms = model.params.customers, len(model.firms)
        self.firm = firm  # whose customer (NO_FIRM: nobody's)
        self.known = {firm} if firm >= 0 else set()  # firms one has been a customer of
        self.attitude = attitude  # towards one's firm
        self.disposition = disposition  # one's own resting attitude, relative to the neutral one
        self.opinion = [c.neutral_attitude] * n_firms  # of each firm one is not a customer of
        self.expectation = c.initial_expectation
        self.need = need
        self.unresolved = False  # the last contact left the case open
        self.rallied = False  # rallied by a viral story: posts and reviews next week
        self.t_churned = -1  # week of the recent defection ...
        self.left_firm = NO_FIRM  # ... and the firm it left
        self.t_exit = model.exit_week(0)
        self.friends: list[Person] = []
        self.wom_in = 0.0  # attitude change from posts and tweets about one's firm received this week
        self.referral = [0.0] * n_firms  # share of friends recommending each firm this week
        self.defected = 0.0  # share of friends who recently left one's firm
        # this week's events
        self.contacted = self.resolved = self.dropped = self.repeat = self.nonstandard = False
        self.handoffs = 0
        self.quality = -1.0
        self.bad = self.forgave = self.recovered = self.bad_final = False
        self.experience_category = DETRACTOR
        self.tells = self.posts = self.tweets = self.reviews_bad = self.recommends = self.reviews_good = False
        self.firm_before = firm
        self.churned = self.adopted = self.won_back = self.repurchased = self.new_offer = self.exited = False
        self.market_category = DETRACTOR

    # 6. encounters (kernels/encounters.serve) ------------------------------------------
    def encounter(self) -> None:
        self.contacted = self.resolved = self.dropped = self.repeat = self.nonstandard = False
        self.handoffs = 0
        self.quality = -1.0
        f = self.firm
        if f < 0:
            return
        model = self.model
        p, fs, rnd = model.service_params, model.service_inputs, self.random.random
        c = self.need * (1.0 + p.need_boost * (1.0 - self.attitude))
        repeat = self.unresolved
        if repeat:
            c = 1.0 - (1.0 - c) * (1.0 - p.repeat_prob)
        if rnd() >= c:
            return
        self.contacted, self.repeat = True, repeat
        front = model.front_lines[f]
        if not front:  # nobody answers
            self.quality = 0.0
            self.unresolved = True
            return
        e, s, autonomy, good_deed = self.random.choice(front)  # a front-line employee of one's firm
        strain = fs.strain[f]
        q = p.engagement_weight * e + p.skill_weight * s + p.process_weight * fs.process_quality[f]
        q += fs.effort_bonus[f]
        q += fs.variation[f] * self.random.gauss(0.0, 1.0)  # no one set of expected behaviours: it varies
        bonus = 0.0
        if good_deed:
            q += p.good_deed_quality
            bonus = p.good_deed_resolution
        q *= 1.0 - strain
        empowerment = fs.empowerment[f]
        self.nonstandard = rnd() < fs.nonstandard_share[f]
        if self.nonstandard:
            reach = p.nonstandard_autonomy_floor + (1.0 - p.nonstandard_autonomy_floor) * autonomy
            p_res = min(1.0, p.nonstandard_gain * empowerment * reach)
            p_res *= p.nonstandard_engagement_floor + (1.0 - p.nonstandard_engagement_floor) * e
            p_res = p.nonstandard_escalation + (1.0 - p.nonstandard_escalation) * p_res
            p_res *= fs.complex_factor[f]
        else:
            p_res = p.standard_resolution + p.standard_skill * s + p.standard_engagement * e
            p_res = min(p.standard_max, p_res + fs.procedure_help[f] * (1.0 - empowerment))
        p_res = min(1.0, p_res + bonus) * (1.0 - p.overload_resolution * strain)
        handoff_prob, drop_prob = fs.handoff_prob[f], fs.drop_prob[f]
        while self.handoffs < MAX_HANDOFFS and rnd() < handoff_prob:
            if rnd() < drop_prob:
                self.dropped = True
            self.handoffs += 1
        self.resolved = not self.dropped and rnd() < p_res
        felt = (1.0 - p.resolution_share) * clip01(q) + (p.resolution_share if self.resolved else 0.0)
        self.quality = clip01(felt - self.handoffs * fs.handoff_loss[f])
        self.unresolved = not self.resolved

    # 7. attitude (kernels/attitude.update) ----------------------------------------------
    def update_attitude(self) -> None:
        self.bad = self.forgave = self.recovered = self.bad_final = False
        f = self.firm
        if f < 0:
            return
        model = self.model
        p, fa, rnd = model.attitude_params, model.attitude_inputs, self.random.random
        a, x = self.attitude, self.expectation
        cat = category(a)
        trusting = rnd() < by_category(p.trust_base, p.trust_ratio, cat, p.passive_position)
        if self.contacted:
            q = self.quality
            surprise = q - x
            margin = p.bad_margin + (p.trust_margin if trusting else 0.0)
            self.experience_category = cat
            if surprise < -margin or not self.resolved:
                self.bad = True
                surprise = min(surprise, -p.bad_margin)
                delta = p.attitude_rate * p.loss_aversion * surprise
                p_forgive = by_category(p.forgive_base, p.forgive_ratio, cat, p.passive_position)
                if trusting:
                    p_forgive *= p.trust_forgiveness
                if rnd() < p_forgive:
                    self.forgave = True
                    delta *= p.forgive_keep
                if rnd() < fa.recovery_prob[f]:
                    self.recovered = True
                    delta *= 1.0 - p.recovery_restore
                self.bad_final = not (self.forgave or self.recovered)
            elif surprise < 0.0:
                delta = p.attitude_rate * p.loss_aversion * surprise
            else:
                delta = p.attitude_rate * surprise
            a += delta
            x += p.expectation_adapt * (q - x)
        if trusting:
            x += p.promise_pull * (fa.brand_promise[f] - x)
        a += p.drift * (p.neutral + self.disposition - a)  # memories fade towards one's resting attitude
        self.attitude, self.expectation = clip01(a), clip01(x)

    # 8. word of mouth (kernels/wom) -----------------------------------------------------
    def send_wom(self) -> None:
        """What one says about one's firm this week (wom.send)."""
        self.tells = self.posts = self.tweets = self.reviews_bad = self.recommends = self.reviews_good = False
        if self.firm < 0:
            return
        p, rnd = self.model.send_params, self.random.random
        if self.rallied:
            self.rallied = False
            self.posts = self.reviews_bad = True
        if self.bad_final:
            if rnd() < p.bad_friends:
                self.tells = True
            if rnd() < p.bad_social:
                self.posts = True
            if rnd() < p.bad_review:
                self.reviews_bad = True
            if rnd() < p.bad_tweet:
                self.tweets = True
        else:
            cat = category(self.attitude)
            if rnd() < by_category(p.recommend_base, p.recommend_ratio, cat, p.passive_position):
                self.recommends = True
            elif cat == DETRACTOR and rnd() < p.detractor_talk:
                self.tells = True
            if self.contacted and not self.bad and rnd() < p.positive_review:
                self.reviews_good = True

    def hear_about(self, firm: int, delta: float) -> None:
        """A post or tweet about ``firm``: its customers feel it this week, anyone else revises their opinion."""
        if self.firm == firm:
            self.wom_in += delta
        else:
            self.opinion[firm] = clip01(self.opinion[firm] + delta)

    def broadcast(self) -> None:
        """Posts and tweets reach random people in the market; a few tweets go viral and rally detractors."""
        if not (self.posts or self.tweets):
            return
        model = self.model
        p, people, f = model.broadcast_params, model.people_list, self.firm
        choice, rnd = self.random.choice, self.random.random
        if self.posts:
            for _ in range(p.social_reach):
                choice(people).hear_about(f, -p.social_weight * p.negative_multiplier)
        if self.tweets:
            viral = rnd() < p.viral_prob
            if viral:
                reach = min(len(people) - 1, int(p.viral_min_reach * (1.0 - rnd()) ** (-1.0 / p.viral_alpha)))
                weight = p.viral_weight
                model.viral_stories[f] += 1
                model.viral_reach[f] += reach
            else:
                reach, weight = p.tweet_reach, p.social_weight
            for _ in range(reach):
                target = choice(people)
                target.hear_about(f, -weight * p.negative_multiplier)
                if (
                    viral
                    and p.rally_prob > 0.0
                    and target.firm == f
                    and category(target.attitude) == DETRACTOR
                    and rnd() < p.rally_prob
                ):
                    target.rallied = True

    def recent_defector(self) -> bool:
        """One's defection counts as recent for friends this week (wom.signals, during word of mouth)."""
        tc, week = self.t_churned, self.model.week
        return 0 <= tc < week and week - tc <= self.model.contagion_window

    def read_friends(self) -> None:
        """What friends said moves one's attitude (about one's firm) and opinions (of other firms)
        (wom.push_to_friends then wom.read_friends)."""
        model, f = self.model, self.firm
        p, n_firms = model.receive, len(model.firms)
        fw, sw, mult = p.friend_weight, p.social_weight, p.negative_multiplier
        opinion, referral = self.opinion, self.referral
        pos = neg = 0.0
        self.defected = 0.0
        if model.full_mixing:
            for k in range(n_firms):
                referral[k] = p.share_recommend[k]
                said = p.mean_degree * (
                    p.share_recommend[k] * fw
                    - mult * (p.share_friends_negative[k] * fw + p.share_social_negative[k] * sw)
                )
                if k == f:
                    pos = p.mean_degree * p.share_recommend[k] * fw
                    neg = p.mean_degree * (p.share_friends_negative[k] * fw + p.share_social_negative[k] * sw)
                    self.defected = p.share_recent_defectors[k]
                elif said != 0.0:
                    opinion[k] = clip01(opinion[k] + said)
        else:
            n_rec = [0] * n_firms
            n_def = 0
            for friend in self.friends:
                g = friend.firm
                if friend.tells or friend.posts:
                    bad = (fw if friend.tells else 0.0) + (sw if friend.posts else 0.0)
                    if g == f:
                        neg += bad
                    else:
                        opinion[g] = clip01(opinion[g] - mult * bad)
                if friend.recommends:
                    n_rec[g] += 1
                if f >= 0 and friend.left_firm == f and friend.recent_defector():
                    n_def += 1
            deg = len(self.friends)
            for k in range(n_firms):
                if n_rec[k]:
                    if k == f:
                        pos += n_rec[k] * fw
                    else:
                        opinion[k] = clip01(opinion[k] + n_rec[k] * fw)
                referral[k] = n_rec[k] / deg if deg else 0.0
            if n_def:
                self.defected = n_def / deg
        if p.opinion_fade > 0.0:
            for k in range(n_firms):
                if k != f:
                    opinion[k] += p.opinion_fade * (p.neutral - opinion[k])
        w, self.wom_in = self.wom_in, 0.0
        if f < 0:
            return
        delta = p.customer_influence * (pos - mult * neg + w)
        if delta != 0.0:
            self.attitude = clip01(self.attitude + delta)

    # 9. churn, switching, spend, adoption, win-back; leaving the market (kernels/market) --
    def market_step(self) -> None:
        model = self.model
        p, fm, rnd = model.market_params, model.market_inputs, self.random.random
        self.churned = self.adopted = self.won_back = self.repurchased = self.new_offer = self.exited = False
        f = self.firm
        self.firm_before = f
        if self.t_exit <= model.week:  # leaves the market; a newcomer takes the place
            self.arrive()
            return
        if f >= 0:
            a = self.attitude
            cat = category(a)
            u = rnd()
            trading = fm.trading
            others = model.n_trading - (1 if trading[f] else 0)
            h = p.base_hazard * math.exp(-p.sensitivity * (a - p.reference)) * (0.5 + p.switching_ease)
            h = min(1.0, h * (1.0 + p.contagion * self.defected))
            h *= fm.churn_price[f][cat]
            total = p.leave_weight
            if others > 0:
                for k in range(len(trading)):
                    if k != f and trading[k]:
                        total += fm.appeal[k] * self.opinion_factor(k)
                h *= (total / (p.leave_weight + others)) ** p.alternatives_sensitivity
            if u < h or not trading[f]:  # leaves (a bankrupt firm's customers all do)
                self.opinion[f] = a  # what one will remember of it
                if self.t_churned < 0 or model.week - self.t_churned > p.contagion_window:
                    self.t_churned, self.left_firm = model.week, f
                self.churned = True
                dest = self.destination(total)
                self.firm = dest
                if dest >= 0:
                    self.join(dest)
                return
            self.market_category = cat
            price = fm.buy_price[f][cat]
            self.repurchased = (
                rnd() < by_category(p.repurchase_base, p.repurchase_ratio, cat, p.passive_position) * price
            )
            self.new_offer = rnd() < by_category(p.new_offer_base, p.new_offer_ratio, cat, p.passive_position) * price
        else:
            # one hazard per trading firm: Bass p + q x referrals, + win-back for its former customers, x appeal
            pulls = []
            total = 0.0
            for k, trading in enumerate(fm.trading):
                if trading:
                    pull = fm.external[k] + p.referral_q * self.referral[k]
                    if k in self.known:
                        pull += fm.winback[k]
                    pull *= fm.appeal[k] * self.opinion_factor(k)
                    total += pull
                    pulls.append((k, pull))
            if rnd() >= total:
                return
            pick = rnd() * total  # which firm: in proportion to the hazards
            acc = 0.0
            dest = NO_FIRM
            for k, pull in pulls:
                acc += pull
                dest = k
                if pick < acc:
                    break
            self.firm = dest
            self.join(dest)

    def destination(self, total: float) -> int:
        """Where a leaver goes: a trading rival by its appeal to this person, or no firm (``total``: the sum of
        the weights, no firm's included)."""
        p, fm, f = self.model.market_params, self.model.market_inputs, self.firm
        pick = self.random.random() * total
        acc = p.leave_weight
        if pick >= acc:
            for k, trading in enumerate(fm.trading):
                if k != f and trading:
                    acc += fm.appeal[k] * self.opinion_factor(k)
                    if pick < acc:
                        return k
        return NO_FIRM

    def opinion_factor(self, k: int) -> float:
        p = self.model.market_params
        return math.exp(p.opinion_sensitivity * (self.opinion[k] - p.neutral))

    def join(self, k: int) -> None:
        """Become firm ``k``'s customer: a returning one starts from memory, a new one from a first impression."""
        p = self.model.market_params
        self.adopted = True
        if k in self.known:
            self.won_back = True
            self.attitude = clip01(self.opinion[k])
        else:
            self.attitude = clip01(p.neutral + self.disposition + p.hearsay_carry * (self.opinion[k] - p.neutral))
        self.known.add(k)
        promise = self.model.market_inputs.brand_promise[k]
        self.expectation = (1.0 - p.promise_expectation) * p.initial_expectation + p.promise_expectation * promise
        self.unresolved = self.rallied = False

    def arrive(self) -> None:
        """The person leaves the market and a newcomer takes the place: no firm, no memories, a new need and
        disposition. The recent defection stays: friends still count it."""
        model, p = self.model, self.model.market_params
        self.exited = True
        self.firm = NO_FIRM
        self.known = set()
        self.opinion = [p.neutral] * len(model.firms)
        self.unresolved = self.rallied = False
        self.expectation = p.initial_expectation
        self.need = model.draw_need()
        self.disposition = p.disposition_spread * self.random.gauss(0.0, 1.0)
        self.t_exit = model.exit_week(model.week)


class ReferenceModel(mesa.Model):
    """cxsim's market with every person a Mesa agent. Same scenario in, same KPI rows out.

    Args:
        scenario: a :class:`~cxsim.params.Scenario`, shipped name or TOML path.
        seed: seeds ``model.random`` (every per-person draw and the graph); the firm side draws as cxsim does.
    """

    #: the class of the people (a test swaps in one with a mechanism switched off)
    person_class: type[Person] = Person

    # The week, the firms' phases, finance, management and the KPI rows are not per person: cxsim's own code.
    step = CXModel.step
    run_weeks = CXModel.run_weeks
    focal = CXModel.focal
    workforce = CXModel.workforce
    employees = CXModel.employees
    supervisors = CXModel.supervisors
    cash = CXModel.cash
    leadership_and_programs = CXModel.leadership_and_programs
    employee_engagement = CXModel.employee_engagement
    incentive_behaviour = CXModel.incentive_behaviour
    workforce_flows = CXModel.workforce_flows
    staffing = CXModel.staffing
    finance = CXModel.finance
    management_review = CXModel.management_review
    collect = CXModel.collect
    _firm_row = CXModel._firm_row
    _market_row = CXModel._market_row
    _rival_row = CXModel._rival_row
    timeseries = CXModel.timeseries

    def __init__(self, scenario: Scenario | str = "baseline", seed: int = 0):
        super().__init__(rng=int(seed))
        self.params = s = load_scenario(scenario)
        self.seed_value = int(seed)
        self.seed_key = int(seed) & 0x7FFFFFFFFFFFFFFF  # the firm side's own draws (cxsim's code)
        self.week = 0
        m, c = s.market, s.customers
        CXModel._start_firms(self, s)  # the firms and the run's bookkeeping, as in CXModel
        self.last_week = None
        self.calibration = np.zeros(14, dtype=np.int64)
        self.engagement_weights = _engagement_weights(s)
        self.service_params = _service_params(s)
        self.attitude_params = _attitude_params(s)
        self.send_params = _send_params(s)
        self.broadcast_params = _broadcast_params(s)
        self.market_params = _market_params(s)
        self.weekly_exit = weekly_exit(m.turnover)
        self.contagion_window = s.churn.contagion_window
        # people: each a customer of a firm with its initial share, or of none
        shares = np.cumsum([share for _, _, share in s.firms()]).tolist()
        gauss, rnd = self.random.gauss, self.random.random
        for _ in range(m.size):
            u = rnd()
            firm = next((k for k, cum in enumerate(shares) if u < cum), NO_FIRM)
            disposition = c.disposition_spread * gauss(0.0, 1.0)
            attitude = clip01(c.initial_attitude + disposition + c.attitude_spread * gauss(0.0, 1.0))
            self.person_class(self, firm, attitude, disposition, self.draw_need())
        self.people = self.agents_by_type[self.person_class]
        self.people_list: list[Person] = list(self.people)
        # friendships: a networkx graph of the same kind, size and mean degree
        graph = self._graph(m.graph, m.size, m.mean_degree, m.rewire_prob, self.random.getrandbits(32))
        for i, j in graph.edges():
            self.people_list[i].friends.append(self.people_list[j])
            self.people_list[j].friends.append(self.people_list[i])
        self.full_mixing = m.mixing == "full"

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

    def draw_need(self) -> float:
        """A weekly contact probability: lognormal with the scenario's mean and coefficient of variation."""
        c = self.params.customers
        s2 = math.log(1.0 + c.need_heterogeneity**2)
        return min(1.0, c.need * math.exp(math.sqrt(s2) * self.random.gauss(0.0, 1.0) - 0.5 * s2))

    def exit_week(self, week: int) -> int:
        """The week someone arriving in ``week`` leaves the market (geometric waiting time)."""
        if self.weekly_exit <= 0.0:
            return T_NEVER
        wait = int(math.log(1.0 - self.random.random()) / math.log(1.0 - self.weekly_exit)) + 1
        return min(T_NEVER, week + wait)

    # ------------------------------------------------------------ phase 6-9, the market

    def encounters(self, levers, behaviour, front):
        firms = self.firms
        self.front_lines = []
        for f, fr in zip(firms, front, strict=True):
            w, seats = f.workforce, fr.seats
            self.front_lines.append(
                list(
                    zip(
                        w.engagement[seats].tolist(),
                        w.skill[seats].tolist(),
                        w.autonomy[seats].tolist(),
                        w.good_deed[seats].tolist(),
                        strict=True,
                    )
                )
            )
        # as CXModel.encounters
        self.service_inputs = FirmService(
            process_quality=[f.process_quality for f in firms],
            nonstandard_share=[f.settings.process.nonstandard_share for f in firms],
            empowerment=[f.settings.process.empowerment for f in firms],
            procedure_help=[f.settings.process.procedure_help for f in firms],
            complex_factor=[b.complex_resolution_factor for b in behaviour],
            effort_bonus=[
                b.effort_bonus + self.params.service.cx_room_quality * lv.cx_room_effect
                for b, lv in zip(behaviour, levers, strict=True)
            ],
            handoff_prob=[f.handoff_prob(lv) for f, lv in zip(firms, levers, strict=True)],
            handoff_loss=[f.settings.process.handoff_quality_loss for f in firms],
            drop_prob=[f.settings.process.handoff_drop_prob for f in firms],
            strain=[f.strain() for f in firms],
            variation=[
                self.params.service.mixed_message_variation * (1.0 - f.settings.leadership.message_consistency)
                for f in firms
            ],
        )
        self.people.shuffle_do("encounter")
        n = len(firms)
        contacts, resolved, dropped, repeat, handoffs = ([0] * n for _ in range(5))
        quality = [0.0] * n
        for p in self.people_list:
            if p.contacted:
                f = p.firm
                contacts[f] += 1
                quality[f] += p.quality
                resolved[f] += p.resolved
                dropped[f] += p.dropped
                repeat[f] += p.repeat
                handoffs[f] += p.handoffs
        return [
            f.after_encounters(fr, contacts[k], resolved[k], dropped[k], repeat[k], handoffs[k], quality[k])
            for k, (f, fr) in enumerate(zip(firms, front, strict=True))
        ]

    def customer_attitude(self, levers, service) -> Experience:
        self.attitude_inputs = FirmAttitude(  # as CXModel.customer_attitude
            recovery_prob=[lv.service_recovery for lv in levers],
            brand_promise=[f.settings.leadership.brand_promise for f in self.firms],
        )
        self.people.shuffle_do("update_attitude")
        n = len(self.firms)
        bad, bad_final, recovered = [0] * n, [0] * n, [0] * n
        bad_cat, forgiven_cat = _table(n), _table(n)
        for p in self.people_list:
            if p.bad:
                f, cat = p.firm, p.experience_category
                bad[f] += 1
                bad_cat[f][cat] += 1
                forgiven_cat[f][cat] += p.forgave
                bad_final[f] += p.bad_final
                recovered[f] += p.recovered
        tally = ExperienceTally(*(np.array(x, np.int64) for x in (bad, bad_final, recovered, bad_cat, forgiven_cat)))
        csat = [1.0 - ratio(int(tally.bad[k]), sv.contacts) for k, sv in enumerate(service)]
        return Experience(tally=tally, csat=csat)

    def word_of_mouth(self) -> WordOfMouth:
        s, n_firms = self.params, len(self.firms)
        self.people.shuffle_do("send_wom")
        self.viral_stories, self.viral_reach = [0] * n_firms, [0] * n_firms
        self.people.shuffle_do("broadcast")
        viral = BroadcastTally(np.array(self.viral_stories, np.int64), np.array(self.viral_reach, np.int64))
        counts = _table(7, n_firms)  # senders per channel and firm talked about, + recent defectors per firm left
        tells, posts, tweets, bad_reviews, recommends, good_reviews, recent = counts
        for p in self.people_list:
            f = p.firm
            if f >= 0:
                tells[f] += p.tells
                posts[f] += p.posts
                tweets[f] += p.tweets
                bad_reviews[f] += p.reviews_bad
                recommends[f] += p.recommends
                good_reviews[f] += p.reviews_good
            if p.recent_defector():
                recent[p.left_firm] += 1
        senders = WomTally(*np.array(counts, np.int64))
        n, wm = len(self.people_list), s.wom
        self.receive = _Receive(  # as CXModel.word_of_mouth (kernels.wom.ReceiveParams)
            mean_degree=float(s.market.mean_degree),
            share_friends_negative=(senders.friends_negative / n).tolist(),
            share_social_negative=(senders.social_negative / n).tolist(),
            share_recommend=(senders.recommend / n).tolist(),
            share_recent_defectors=(senders.recent_defectors / n).tolist(),
            friend_weight=wm.friend_weight,
            social_weight=wm.social_weight,
            negative_multiplier=wm.negative_multiplier,
            customer_influence=wm.customer_influence,
            opinion_fade=s.customers.memory_fade,
            neutral=s.customers.neutral_attitude,
        )
        self.people.shuffle_do("read_friends")
        ratings = [
            f.update_rating(int(senders.review_positive[k]), int(senders.review_negative[k]))
            for k, f in enumerate(self.firms)
        ]
        return WordOfMouth(senders=senders, viral=viral, ratings=ratings)

    def churn_spend_acquisition(self, levers, wom: WordOfMouth) -> MarketMoves:
        s = self.params
        a, c, ch = s.acquisition, s.customers, s.churn
        firms = self.firms
        n_firms = len(firms)
        # each firm's inputs, as CXModel.churn_spend_acquisition computes them
        prices = np.array([f.settings.pricing.price for f in firms])
        trading = np.array([f.trading for f in firms])
        customers = np.zeros(n_firms)
        for p in self.people_list:
            if p.firm >= 0:
                customers[p.firm] += 1
        going = s.market.reference_price
        tolerance = 1.0 - c.promoter_price_tolerance * np.arange(3) / 2.0
        churn_price = np.ones((n_firms, 3))
        buy_price = np.ones((n_firms, 3))
        appeal = np.ones(n_firms)
        for k, (f, rating) in enumerate(zip(firms, wom.ratings, strict=True)):
            rivals = trading & (np.arange(n_firms) != k)
            weights = customers[rivals] + 1.0
            others = float(np.sum(prices[rivals] * weights) / np.sum(weights)) if rivals.any() else going
            churn_price[k] = (prices[k] / others) ** (ch.price_elasticity * tolerance)
            buy_price[k] = (prices[k] / going) ** (-c.price_elasticity * tolerance)
            appeal[k] = (
                math.exp(a.rating_sensitivity * (rating - a.rating_reference))
                * (prices[k] / going) ** (-a.price_elasticity)
                * math.exp(a.promise_attraction * (f.settings.leadership.brand_promise - a.promise_reference))
            )
        self.market_inputs = FirmMarket(
            trading=trading.tolist(),
            external=[
                a.external_p * (lv.marketing_spend / a.marketing_reference) ** a.marketing_elasticity for lv in levers
            ],
            winback=[a.winback_p * (lv.winback_spend / a.winback_reference) ** a.marketing_elasticity for lv in levers],
            appeal=appeal.tolist(),
            churn_price=churn_price.tolist(),
            buy_price=buy_price.tolist(),
            brand_promise=[f.settings.leadership.brand_promise for f in firms],
        )
        self.n_trading = int(trading.sum())
        self.people.shuffle_do("market_step")
        return MarketMoves(tally=self.market_tally())

    def market_tally(self) -> MarketTally:
        """Who is where after this week's moves, and what they bought (as kernels.market.tally)."""
        n_firms = len(self.firms)
        customers, former, before, churned, switched, exits, adopted, won_rival, won_back, rep, new, recent = _table(
            12, n_firms
        )
        stayed_cat, rep_cat, new_cat = _table(n_firms), _table(n_firms), _table(n_firms)
        market_exits = 0
        for p in self.people_list:
            f, b = p.firm, p.firm_before
            for k in p.known:
                if k != f:
                    former[k] += 1
            if p.recent_defector():
                recent[p.left_firm] += 1
            if b >= 0:
                before[b] += 1
            if p.exited:
                market_exits += 1
                if b >= 0:
                    exits[b] += 1
                continue
            if f >= 0:
                customers[f] += 1
            if p.churned:
                churned[b] += 1
                if f >= 0:
                    switched[b] += 1
            if p.adopted:
                adopted[f] += 1
                if b >= 0:
                    won_rival[f] += 1
                if p.won_back:
                    won_back[f] += 1
            elif f >= 0:
                cat = p.market_category
                stayed_cat[f][cat] += 1
                if p.repurchased:
                    rep[f] += 1
                    rep_cat[f][cat] += 1
                if p.new_offer:
                    new[f] += 1
                    new_cat[f][cat] += 1
        customers, former = np.array(customers, np.int64), np.array(former, np.int64)
        prospects = len(self.people_list) - customers - former
        a = [np.array(x, np.int64) for x in (before, churned, switched, exits, adopted, won_rival, won_back, rep, new)]
        b = [np.array(x, np.int64) for x in (recent, stayed_cat, rep_cat, new_cat)]
        return MarketTally(customers, former, prospects, *a, *b, market_exits)

    # ----------------------------------------------------------- phase 10

    def measurement(self, levers, service):
        """As CXModel.measurement, with the tallies and the VoC survey done over the people."""
        attitudes = self.attitude_tally()
        measured = []
        for k, (f, lv, sv) in enumerate(zip(self.firms, levers, service, strict=True)):
            voc = None
            if f.settings.programs.voc and f.trading:
                me = f.settings.measurement
                voc = self.voc_survey(
                    k, me.voc_sample, 200 * me.voc_sample + 10_000, me.voc_response_rate, me.voc_response_bias,
                    me.voc_noise,
                )  # fmt: skip
            measured.append(f.measurement(lv, sv, voc))
        return attitudes, measured

    def attitude_tally(self) -> AttitudeTally:
        """Each firm's customers by NPS category, and everyone who has been its customer (reputation)."""
        n_firms = len(self.firms)
        by_cat, rep, total = _table(n_firms), _table(n_firms), [0.0] * n_firms
        for p in self.people_list:
            f = p.firm
            if f >= 0:
                cat = category(p.attitude)
                by_cat[f][cat] += 1
                rep[f][cat] += 1
                total[f] += p.attitude
            for k in p.known:
                if k != f:
                    rep[k][category(p.opinion[k])] += 1
        return AttitudeTally(np.array(by_cat, np.int64), np.array(total), np.array(rep, np.int64))

    def voc_survey(self, firm: int, sample: int, max_invites: int, rate: float, bias: float, noise: float):
        """Invite random people: firm ``firm``'s customers answer how likely they are to recommend it, and
        those in contact this week how that contact was; happier customers answer more."""
        det = pro = got = n_q = 0
        total = q_total = 0.0
        choice, rnd, gauss = self.random.choice, self.random.random, self.random.gauss
        for _ in range(max_invites):
            if got >= sample and n_q >= sample:
                break
            p = choice(self.people_list)
            if p.firm != firm:
                continue
            contacted = p.contacted and p.firm_before == firm  # a contact with this firm
            if got >= sample and not contacted:
                continue
            a = p.attitude
            if rnd() >= clip01(rate + bias * (a - 0.5) * 2.0):
                continue
            if got < sample:
                answer = clip01(a + noise * gauss(0.0, 1.0))
                cat = category(answer)
                pro += cat == PROMOTER
                det += cat == DETRACTOR
                total += answer
                got += 1
            if contacted and n_q < sample:
                n_q += 1
                q_total += clip01(p.quality + noise * gauss(0.0, 1.0))
        return VocResult(
            got,
            100.0 * (pro - det) / got if got else math.nan,
            total / got if got else math.nan,
            n_q,
            q_total / n_q if n_q else math.nan,
        )


def _table(rows: int, cols: int = 3) -> list[list[int]]:
    """Counters: ``rows`` lists of ``cols`` zeros (per firm and NPS category, or per channel and firm)."""
    return [[0] * cols for _ in range(rows)]


class _Receive:
    """This week's scalars of reading friends (the fields of kernels.wom.ReceiveParams, as plain Python)."""

    def __init__(self, **fields):
        self.__dict__.update(fields)
