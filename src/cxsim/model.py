"""CXModel: a Mesa model of firms in one market, each seen from the inside out.

Read :meth:`CXModel.step` first: it is the whole causal chain of one week, one
line per phase, in order, and it shows what flows from phase to phase: each
phase returns a small named result (one per firm where firms act) and ``step``
hands it on by name. Firm-level work lives in :class:`cxsim.firm.Firm`; the
per-person work runs in pure kernels (``cxsim.kernels``) over the market's
arrays, with every firm's inputs as arrays indexed by firm. KPIs are recorded
in :meth:`CXModel.collect` from those results; no phase reads another's KPI or
private attribute. docs/model.md describes each mechanism and its source.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import mesa
import numpy as np

from cxsim import network
from cxsim.firm import Behaviour, Firm, FrontLine, Levers, Measured, Service, WorkforceWeek
from cxsim.kernels import attitude as k_attitude
from cxsim.kernels import encounters as k_encounters
from cxsim.kernels import market as k_market
from cxsim.kernels import measurement as k_measurement
from cxsim.kernels import wom as k_wom
from cxsim.kernels import workforce as k_workforce
from cxsim.metrics import kpi_columns, nps, ratio
from cxsim.params import Scenario
from cxsim.scenario import ScenarioError, load_scenario
from cxsim.state import new_market, weekly_exit

#: Firm settings fixed when the firm is founded: they size its seats and teams or set its starting books.
STRUCTURAL = frozenset(
    {
        "workforce.team_size",
        "workforce.max_headcount_factor",
        "workforce.initial_skill",
        "workforce.initial_skill_spread",
        "workforce.initial_tenure",
        "finance.initial_cash",
        "process.initial_quality",
        "supervisors.spread",
    }
)

# ------------------------------------------------------------------ what flows between phases


class Experience(NamedTuple):
    """Phase 7: the week's experiences (per firm) and each firm's CSAT."""

    tally: k_measurement.ExperienceTally
    csat: list[float]


class WordOfMouth(NamedTuple):
    """Phase 8: who said what about which firm, viral stories, and each firm's public rating after them."""

    senders: k_wom.WomTally
    viral: k_wom.BroadcastTally
    ratings: list[float]


class MarketMoves(NamedTuple):
    """Phase 9: churn, switching, spend, adoption and people entering and leaving the market."""

    tally: k_market.MarketTally


class Week(NamedTuple):
    """Every phase's result of one week: what :meth:`CXModel.collect` records."""

    week: int
    levers: list[Levers]
    staff: list[WorkforceWeek]
    front: list[FrontLine]
    service: list[Service]
    experience: Experience
    wom: WordOfMouth
    market: MarketMoves
    attitudes: k_measurement.AttitudeTally
    measured: list[Measured]
    accounts: list[dict[str, float]]


class CXModel(mesa.Model):
    """Firms, their people and their market, stepped one week at a time.

    Args:
        scenario: a :class:`~cxsim.params.Scenario`, a shipped scenario name or a TOML path.
        seed: the run is a pure function of (scenario, seed, cxsim version).

    Attributes:
        firms: the :class:`~cxsim.firm.Firm` agents; ``firms[0]`` is the focal firm.
        market: per-person arrays (:class:`cxsim.state.Market`).
        indptr, indices: the friendship graph (CSR).
        rows: one KPI dict per simulated week.
        last_week: every phase's result of the last week simulated (None before the first).
    """

    def __init__(self, scenario: Scenario | str = "baseline", seed: int = 0):
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**63:
            raise ValueError(f"seed must be a whole number from 0 to 2**63 - 1, got {seed!r}")
        super().__init__(rng=int(seed))
        self.params = s = load_scenario(scenario)  # the scenario (Mesa reserves .scenario)
        self.seed_value = int(seed)
        self.seed_key = int(seed) & 0x7FFFFFFFFFFFFFFF  # kernels take a non-negative 63-bit integer
        self.week = 0
        m = s.market
        self.indptr, self.indices = network.build(
            m.graph, m.size, m.mean_degree, self.seed_key, rewire_prob=m.rewire_prob
        )
        self.market = new_market(s, self.seed_key)
        self._start_firms(s)
        self.last_week: Week | None = None
        self.lever_changes: list[tuple[int, int, dict]] = []  # (after week, firm, changes) of set_levers
        self.calibration = np.zeros(14, dtype=np.int64)
        # the scalars of the kernels that do not change during a run
        self.engagement_weights = _engagement_weights(s)
        self.service_params = _service_params(s)
        self.attitude_params = _attitude_params(s)
        self.send_params = _send_params(s)
        self.broadcast_params = _broadcast_params(s)
        self.market_params = _market_params(s)

    # ----------------------------------------------------------------- decisions during a run

    def _start_firms(self, s: Scenario) -> None:
        """Each firm of the scenario as a Mesa agent (focal firm first), its KPI columns and the run's bookkeeping."""
        self.firms: list[Firm] = [
            Firm(self, k, name, settings, rest_of_market=getattr(settings, "rest_of_market", False))
            for k, (name, settings, _) in enumerate(s.firms())
        ]
        self.columns = kpi_columns([f.name for f in self.firms[1:]])
        self.bankrupt = False
        self.bankrupt_week: int | None = None
        self.rows: list[dict] = []

    def set_levers(self, firm: int | str, changes: Mapping[str, Any]) -> None:
        """Change one firm's levers from the next week on: a classroom team's decisions between rounds, or
        "what if we change course in year two?".

        Args:
            firm: the firm's index in ``firms`` or its name (``""`` or the scenario's name for the focal firm).
            changes: ``{"section.key": value}`` of the firm's own sections (e.g. ``{"pricing.price": 220}``).

        Raises:
            ScenarioError: an unknown key, a value out of range, or a setting fixed at the start
                (``STRUCTURAL``: the seats, teams and starting cash of a firm).
        """
        f = self._firm(firm)
        fixed = sorted(k for k in changes if k in STRUCTURAL)
        if fixed:
            raise ScenarioError(f"{', '.join(fixed)}: set when the firm is founded; it cannot change during a run")
        prefix = f"rivals.{f.name}." if f.index else ""
        old = f.settings
        self.params = self.params.override({prefix + k: v for k, v in changes.items()})
        new = self.params.focal_settings() if f.index == 0 else self.params.rivals[f.name]
        f.apply_settings(old, new)
        self.lever_changes.append((self.week, f.index, dict(changes)))

    def _firm(self, firm: int | str) -> Firm:
        if isinstance(firm, (int, np.integer)) and not isinstance(firm, bool) and 0 <= firm < len(self.firms):
            return self.firms[int(firm)]
        for f in self.firms:
            if firm in (f.name, f.label) or (f.index == 0 and firm == ""):
                return f
        names = ", ".join(repr(f.name or f.label) for f in self.firms)
        raise ScenarioError(f"no firm {firm!r} in this market (firms: {names})")

    # ----------------------------------------------------------------- views

    @property
    def focal(self) -> Firm:
        return self.firms[0]

    @property
    def workforce(self):
        """The focal firm's workforce arrays."""
        return self.focal.workforce

    @property
    def employees(self):
        """The focal firm's employees (Mesa agents)."""
        return self.focal.employees

    @property
    def supervisors(self):
        """The focal firm's supervisors (Mesa agents)."""
        return self.focal.supervisors

    @property
    def cash(self) -> float:
        return self.focal.cash

    # ------------------------------------------------------------------ week

    def step(self) -> None:
        """One week of the causal chain, in order, with what each phase hands to the next."""
        if self.bankrupt:
            return  # a bankrupt firm no longer trades; the run says so in its last row
        self.week += 1
        levers = self.leadership_and_programs()  # 1. levers x commitment, after management's cuts
        self.employee_engagement(levers)  # 2. supervisors and programs -> drivers -> engagement
        behaviour = self.incentive_behaviour(levers)  # 3. what is measured, incented, celebrated
        staff = self.workforce_flows(levers)  # 4. overtime, good deeds, suggestions, quits, hires, layoffs
        front = self.staffing()  # 5. who faces customers, and what they can handle
        service = self.encounters(levers, behaviour, front)  # 6. contacts, handoffs, resolution, utilisation
        experience = self.customer_attitude(levers, service)  # 7. disconfirmation, trust, forgiveness, recovery
        wom = self.word_of_mouth()  # 8. friends, social posts, reviews, tweets, referrals, public ratings
        market = self.churn_spend_acquisition(levers, wom)  # 9. leave, switch, buy, adopt, win back; turnover
        attitudes, measured = self.measurement(levers, service)  # 10. NPS, reputation, VoC, reality check
        accounts = self.finance(levers, behaviour, staff, front, service, experience, market)  # 11. the books
        self.management_review(front, levers)  # 12. re-plan headcount; cut or restore spending
        self.collect(  # 13. one row of KPIs
            Week(self.week, levers, staff, front, service, experience, wom, market, attitudes, measured, accounts)
        )

    def run_weeks(
        self,
        until: int,
        *,
        progress: Callable[[int, int], None] | None = None,
        after_week: Callable[[CXModel], None] | None = None,
    ) -> None:
        """The run loop: step until week ``until`` or until the focal firm is bankrupt, whichever comes first.

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

    # ------------------------------------------------------------ phase 1-5, each firm

    def leadership_and_programs(self) -> list[Levers]:
        return [f.leadership_and_programs() for f in self.firms]

    def employee_engagement(self, levers: list[Levers]) -> None:
        for f, lv in zip(self.firms, levers, strict=True):
            if f.trading:
                f.employee_engagement(lv, self.engagement_weights)

    def incentive_behaviour(self, levers: list[Levers]) -> list[Behaviour]:
        return [f.incentive_behaviour(lv) for f, lv in zip(self.firms, levers, strict=True)]

    def workforce_flows(self, levers: list[Levers]) -> list[WorkforceWeek]:
        return [f.workforce_flows(lv) for f, lv in zip(self.firms, levers, strict=True)]

    def staffing(self) -> list[FrontLine]:
        return [f.staffing() for f in self.firms]

    # ------------------------------------------------------------ phase 6-9, the market

    def encounters(self, levers: list[Levers], behaviour: list[Behaviour], front: list[FrontLine]) -> list[Service]:
        firms = self.firms
        ptr = np.zeros(len(firms) + 1, np.int64)
        ptr[1:] = np.cumsum([fr.seats.size for fr in front])
        w = [f.workforce for f in firms]
        lines = k_encounters.FrontLines(
            ptr=ptr,
            engagement=np.concatenate([wf.engagement[fr.seats] for wf, fr in zip(w, front, strict=True)]),
            skill=np.concatenate([wf.skill[fr.seats] for wf, fr in zip(w, front, strict=True)]),
            autonomy=np.concatenate([wf.autonomy[fr.seats] for wf, fr in zip(w, front, strict=True)]),
            good_deed=np.concatenate([wf.good_deed[fr.seats] for wf, fr in zip(w, front, strict=True)]),
        )
        inputs = k_encounters.FirmService(
            process_quality=_per_firm(f.process_quality for f in firms),
            nonstandard_share=_per_firm(f.settings.process.nonstandard_share for f in firms),
            empowerment=_per_firm(f.settings.process.empowerment for f in firms),
            procedure_help=_per_firm(f.settings.process.procedure_help for f in firms),
            complex_factor=_per_firm(b.complex_resolution_factor for b in behaviour),
            effort_bonus=_per_firm(
                b.effort_bonus + self.params.service.cx_room_quality * lv.cx_room_effect
                for b, lv in zip(behaviour, levers, strict=True)
            ),
            handoff_prob=_per_firm(f.handoff_prob(lv) for f, lv in zip(firms, levers, strict=True)),
            handoff_loss=_per_firm(f.settings.process.handoff_quality_loss for f in firms),
            drop_prob=_per_firm(f.settings.process.handoff_drop_prob for f in firms),
            strain=_per_firm(f.strain() for f in firms),
            variation=_per_firm(
                self.params.service.mixed_message_variation * (1.0 - f.settings.leadership.message_consistency)
                for f in firms
            ),
        )
        k_encounters.serve(self.seed_key, self.week, self.market, lines, inputs, self.service_params)
        t = k_encounters.tally(self.market, len(firms))
        return [
            f.after_encounters(
                fr,
                int(t.contacts[k]),
                int(t.resolved[k]),
                int(t.dropped[k]),
                int(t.repeat[k]),
                int(t.handoffs[k]),
                float(t.quality_sum[k]),
            )
            for k, (f, fr) in enumerate(zip(firms, front, strict=True))
        ]

    def customer_attitude(self, levers: list[Levers], service: list[Service]) -> Experience:
        inputs = k_attitude.FirmAttitude(
            recovery_prob=_per_firm(lv.service_recovery for lv in levers),
            brand_promise=_per_firm(f.settings.leadership.brand_promise for f in self.firms),
        )
        k_attitude.update(self.seed_key, self.week, self.market, inputs, self.attitude_params)
        t = k_measurement.experience_tally(self.market)
        csat = [1.0 - ratio(int(t.bad[k]), sv.contacts) for k, sv in enumerate(service)]
        return Experience(tally=t, csat=csat)

    def word_of_mouth(self) -> WordOfMouth:
        s, m = self.params, self.market
        wm = s.wom
        k_wom.send(self.seed_key, self.week, m, self.send_params)
        viral = k_wom.broadcast(self.seed_key, self.week, m, self.broadcast_params)
        # senders per channel and firm + recent defectors, and each person's one-byte signal to friends
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
            customer_influence=wm.customer_influence,
            opinion_fade=s.customers.memory_fade,
            neutral=s.customers.neutral_attitude,
        )
        k_wom.receive(self.indptr, self.indices, m, p)
        ratings = [
            f.update_rating(int(senders.review_positive[k]), int(senders.review_negative[k]))
            for k, f in enumerate(self.firms)
        ]
        return WordOfMouth(senders=senders, viral=viral, ratings=ratings)

    def churn_spend_acquisition(self, levers: list[Levers], wom: WordOfMouth) -> MarketMoves:
        s, m = self.params, self.market
        a, c, ch = s.acquisition, s.customers, s.churn
        firms = self.firms
        prices = np.array([f.settings.pricing.price for f in firms])
        trading = np.array([f.trading for f in firms])
        # each firm's customers (column 0: people of no firm); 1.6 ms at 10^6 people, 5.9 ms selecting customers first
        customers = np.bincount((m.firm + 1).view(np.uint8), minlength=len(firms) + 1)[1:].astype(float)
        going = s.market.reference_price
        tolerance = 1.0 - c.promoter_price_tolerance * np.arange(3) / 2.0  # price sensitivity by NPS category
        churn_price = np.ones((len(firms), 3))
        buy_price = np.ones((len(firms), 3))
        appeal = np.ones(len(firms))
        for k, (f, rating) in enumerate(zip(firms, wom.ratings, strict=True)):
            rivals = trading & (np.arange(len(firms)) != k)
            weights = customers[rivals] + 1.0  # the rivals' going price, by their customers
            others = float(np.sum(prices[rivals] * weights) / np.sum(weights)) if rivals.any() else going
            churn_price[k] = (prices[k] / others) ** (ch.price_elasticity * tolerance)
            buy_price[k] = (prices[k] / going) ** (-c.price_elasticity * tolerance)
            appeal[k] = (
                math.exp(a.rating_sensitivity * (rating - a.rating_reference))
                * (prices[k] / going) ** (-a.price_elasticity)
                * math.exp(a.promise_attraction * (f.settings.leadership.brand_promise - a.promise_reference))
            )
        inputs = k_market.FirmMarket(
            trading=trading,
            external=_per_firm(
                a.external_p * (lv.marketing_spend / a.marketing_reference) ** a.marketing_elasticity for lv in levers
            ),
            winback=_per_firm(
                a.winback_p * (lv.winback_spend / a.winback_reference) ** a.marketing_elasticity for lv in levers
            ),
            appeal=appeal,
            churn_price=churn_price,
            buy_price=buy_price,
            brand_promise=_per_firm(f.settings.leadership.brand_promise for f in firms),
        )
        k_market.churn_spend_acquire(self.seed_key, self.week, m, inputs, self.market_params)
        return MarketMoves(tally=k_market.tally(self.week, m, ch.contagion_window))

    # ----------------------------------------------------------- phase 10-13

    def measurement(self, levers: list[Levers], service: list[Service]):
        attitudes = k_measurement.attitude_tally(self.market)
        measured = []
        for k, (f, lv, sv) in enumerate(zip(self.firms, levers, service, strict=True)):
            voc = None
            if f.settings.programs.voc and f.trading:
                me = f.settings.measurement
                p = k_measurement.VocParams(
                    firm=k,
                    salt=f.salt,
                    sample=me.voc_sample,
                    max_invites=200 * me.voc_sample + 10_000,
                    response_rate=me.voc_response_rate,
                    response_bias=me.voc_response_bias,
                    noise=me.voc_noise,
                )
                voc = k_measurement.voc_survey(self.seed_key, self.week, self.market, p)
            measured.append(f.measurement(lv, sv, voc))
        return attitudes, measured

    def finance(self, levers, behaviour, staff, front, service, experience: Experience, market: MarketMoves):
        t = market.tally
        accounts = []
        for k, f in enumerate(self.firms):
            if not f.trading:
                accounts.append(dict.fromkeys(("revenue", "cost_total", "profit"), 0.0))
                continue
            c, going = self.params.customers, self.params.market.reference_price
            regular = (
                int(t.customers[k]) * c.regular_purchases * (f.settings.pricing.price / going) ** -c.price_elasticity
            )
            counts = {
                "purchases": int(t.repurchases[k] + t.adopted[k]) + regular,
                "new_offers": int(t.new_offers[k]),
                "contacts": service[k].contacts,
                "handoffs": service[k].handoffs,
                "recoveries": int(experience.tally.recovered[k]),
            }
            accounts.append(f.finance(levers[k], behaviour[k], staff[k], front[k], counts))
        if self.focal.bankrupt and self.params.sim.end_at_bankruptcy:
            self.bankrupt = True
            self.bankrupt_week = self.focal.bankrupt_week
            self.running = False
        return accounts

    def management_review(self, front: list[FrontLine], levers: list[Levers]) -> None:
        for f, fr, lv in zip(self.firms, front, levers, strict=True):
            if f.trading:
                f.management_review(fr, lv)

    def collect(self, wk: Week) -> None:
        """Phase 13: one row of KPIs from the week's results (focal firm unprefixed, each rival prefixed by its
        name), and the run's calibration counts.

        ``calibration`` layout: [0:8] the focal firm's engaged and disengaged employee-weeks, then engaged /
        disengaged overtime shifts, good deeds and suggestions; [8:14] bad experiences by the customer's NPS
        category (detractor, passive, promoter), then the forgiven ones.
        """
        fl = wk.staff[0].flows
        self.calibration[0:8] += (
            fl.engaged,
            fl.employees - fl.engaged,
            fl.engaged_overtime,
            fl.overtime - fl.engaged_overtime,
            fl.engaged_good_deeds,
            fl.good_deeds - fl.engaged_good_deeds,
            fl.engaged_suggestions,
            fl.suggestions - fl.engaged_suggestions,
        )
        et = wk.experience.tally
        self.calibration[8:11] += et.bad_by_category[0]
        self.calibration[11:14] += et.forgiven_by_category[0]
        row = {"week": wk.week, **self._firm_row(wk, 0), **self._market_row(wk)}
        for k, f in enumerate(self.firms[1:], start=1):
            row.update({f"{f.name}_{key}": value for key, value in self._rival_row(wk, k).items()})
        self.rows.append({c: row.get(c, math.nan) for c in self.columns})
        self.last_week = wk

    def _firm_row(self, wk: Week, k: int) -> dict:
        """The focal firm's KPIs (the same keys a rival's row takes, prefixed)."""
        f = self.firms[k]
        mt, at, sv, st = wk.market.tally, wk.attitudes, wk.service[k], wk.staff[k]
        fl, sn, me = st.flows, wk.wom.senders, wk.measured[k]
        det, pas, pro = (int(x) for x in at.by_category[k])
        n_cust = det + pas + pro
        rd, rp, rpro = (int(x) for x in at.reputation[k])
        acc = wk.accounts[k]
        all_customers = int(mt.customers.sum())
        return {
            "customers": int(mt.customers[k]),
            "prospects": int(mt.prospects[k]),
            "former_customers": int(mt.former[k]),
            "new_customers": int(mt.adopted[k]),
            "churned": int(mt.churned[k]),
            "lost_to_rivals": int(mt.switched_out[k]),
            "won_from_rivals": int(mt.won_from_rivals[k]),
            "won_back": int(mt.won_back[k]),
            "customer_exits": int(mt.exits[k]),
            "churn_rate": ratio(int(mt.churned[k] + mt.exits[k]), int(mt.customers_before[k])),
            "share": ratio(int(mt.customers[k]), all_customers),
            "nps": nps(pro, det, n_cust),
            "reputation": nps(rpro, rd, rd + rp + rpro),
            "csat": wk.experience.csat[k],
            "promoter_share": ratio(pro, n_cust),
            "passive_share": ratio(pas, n_cust),
            "detractor_share": ratio(det, n_cust),
            "mean_attitude": ratio(float(at.attitude_sum[k]), n_cust),
            "price": f.settings.pricing.price,
            "employees": st.employees,
            "planned_headcount": st.planned,
            "open_positions": st.open_positions,
            "mean_engagement": _mean_active(f.workforce.engagement, f.workforce.active),
            "engaged_share": ratio(fl.engaged, fl.employees),
            "frontline_engagement": wk.front[k].mean_engagement,
            "employee_attrition": ratio(fl.quits, fl.employees),
            "hires": st.hires,
            "layoffs": st.layoffs,
            "overtime": fl.overtime,
            "good_deeds": fl.good_deeds,
            "suggestions": fl.suggestions,
            "adopted_suggestions": fl.adopted_suggestions,
            "process_quality": st.process_quality,
            "utilisation": sv.utilisation,
            "contacts": sv.contacts,
            "handoffs": sv.handoffs,
            "dropped_cases": sv.dropped,
            "resolution_rate": ratio(sv.resolved, sv.contacts, 1.0),
            "repeat_contacts": sv.repeat,
            "bad_experiences": int(wk.experience.tally.bad[k]),
            "recoveries": int(wk.experience.tally.recovered[k]),
            "wom_friends_negative": int(sn.friends_negative[k]),
            "wom_social_negative": int(sn.social_negative[k]),
            "wom_review_negative": int(sn.review_negative[k]),
            "wom_tweet_negative": int(sn.tweet_negative[k]),
            "wom_viral": int(wk.wom.viral.viral_stories[k]),
            "wom_viral_reach": int(wk.wom.viral.viral_reach[k]),
            "wom_positive": int(sn.recommend[k]),
            "wom_review_positive": int(sn.review_positive[k]),
            "review_rating": wk.wom.ratings[k],
            **acc,
            "profit_margin": ratio(acc["profit"], acc["revenue"]),
            "cash": f.cash,
            "believed_quality": me.believed_quality,
            "perceived_quality": sv.perceived_quality,
            "service_standard": sv.service_standard,
            "delivery_gap": me.believed_quality - sv.perceived_quality,
            "voc_nps": me.voc_nps,
            "voc_quality": me.voc_quality,
            "cx_weight": wk.levers[k].cx_weight,
            "management_cuts": wk.levers[k].cuts,
            "bankrupt": f.bankrupt,
        }

    def _market_row(self, wk: Week) -> dict:
        mt = wk.market.tally
        return {"market_entries": int(mt.market_exits), "market_exits": int(mt.market_exits)}

    def _rival_row(self, wk: Week, k: int) -> dict:
        return self._firm_row(wk, k)

    # ---------------------------------------------------------------- views

    def timeseries(self):
        """All weeks so far as a DataFrame (one row per week, one column per KPI)."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)

    @property
    def nps_now(self) -> float:
        """The focal firm's NPS now."""
        det, _, pro = (int(x) for x in k_measurement.attitude_tally(self.market).by_category[0])
        n = int(np.sum(self.market.firm == 0))
        return nps(pro, det, n)


# ------------------------------------------------------------------ the kernels' fixed bundles


def _per_firm(values) -> np.ndarray:
    return np.array(list(values), dtype=np.float64)


def _mean_active(values: np.ndarray, active: np.ndarray) -> float:
    return float(values[active].mean()) if active.any() else math.nan


def _engagement_weights(s: Scenario) -> k_workforce.EngagementWeights:
    e = s.engagement
    return k_workforce.EngagementWeights(**{name: getattr(e, name) for name in k_workforce.EngagementWeights._fields})


def _service_params(s: Scenario) -> k_encounters.ServiceParams:
    sv, c = s.service, s.customers
    return k_encounters.ServiceParams(
        need_boost=c.unhappy_contact_boost,
        repeat_prob=c.repeat_contact_prob,
        engagement_weight=sv.engagement_weight,
        skill_weight=sv.skill_weight,
        process_weight=sv.process_weight,
        resolution_share=sv.resolution_share,
        standard_resolution=sv.standard_resolution,
        standard_skill=sv.standard_skill,
        standard_engagement=sv.standard_engagement,
        standard_max=sv.standard_max,
        nonstandard_gain=sv.nonstandard_gain,
        nonstandard_autonomy_floor=sv.nonstandard_autonomy_floor,
        nonstandard_engagement_floor=sv.nonstandard_engagement_floor,
        nonstandard_escalation=sv.nonstandard_escalation,
        good_deed_quality=sv.good_deed_quality,
        good_deed_resolution=sv.good_deed_resolution,
        overload_resolution=sv.overload_resolution,
    )


def _attitude_params(s: Scenario) -> k_attitude.AttitudeParams:
    c = s.customers
    return k_attitude.AttitudeParams(
        attitude_rate=c.attitude_rate,
        loss_aversion=c.loss_aversion,
        bad_margin=c.bad_margin,
        expectation_adapt=c.expectation_adapt,
        forgive_base=c.forgive_base,
        forgive_ratio=c.forgive_ratio,
        forgive_keep=c.forgive_keep,
        recovery_restore=c.recovery_restore,
        trust_base=c.trust_base,
        trust_ratio=c.trust_ratio,
        trust_margin=c.trust_margin,
        trust_forgiveness=c.trust_forgiveness,
        passive_position=c.passive_position,
        promise_pull=c.promise_pull,
        drift=c.attitude_drift,
        neutral=c.neutral_attitude,
    )


def _send_params(s: Scenario) -> k_wom.SendParams:
    wm, c = s.wom, s.customers
    return k_wom.SendParams(
        bad_friends=wm.bad_friends,
        bad_social=wm.bad_social,
        bad_review=wm.bad_review,
        bad_tweet=wm.bad_tweet,
        recommend_base=c.recommend_base,
        recommend_ratio=c.recommend_ratio,
        passive_position=c.passive_position,
        positive_review=wm.positive_review_prob,
        detractor_talk=wm.detractor_talk,
    )


def _broadcast_params(s: Scenario) -> k_wom.BroadcastParams:
    wm = s.wom
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


def _market_params(s: Scenario) -> k_market.MarketParams:
    ch, c = s.churn, s.customers
    return k_market.MarketParams(
        base_hazard=ch.base_hazard,
        sensitivity=ch.attitude_sensitivity,
        reference=ch.reference_attitude,
        switching_ease=ch.switching_ease,
        contagion=ch.contagion,
        alternatives_sensitivity=ch.alternatives_sensitivity,
        leave_weight=ch.leave_weight,
        repurchase_base=c.repurchase_base,
        repurchase_ratio=c.repurchase_ratio,
        new_offer_base=c.new_offer_base,
        new_offer_ratio=c.new_offer_ratio,
        passive_position=c.passive_position,
        referral_q=s.acquisition.referral_q,
        opinion_sensitivity=s.acquisition.opinion_sensitivity,
        neutral=c.neutral_attitude,
        hearsay_carry=s.acquisition.hearsay_carry,
        promise_expectation=c.promise_expectation,
        initial_expectation=c.initial_expectation,
        need=c.need,
        need_cv=c.need_heterogeneity,
        disposition_spread=c.disposition_spread,
        weekly_exit=weekly_exit(s.market.turnover),
        contagion_window=ch.contagion_window,
    )
