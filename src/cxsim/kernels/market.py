"""Phase 9: churn, switching, spend, acquisition and win-back; people entering and leaving the market.

A customer leaves their firm with a weekly hazard that falls with attitude, rises
with switching ease (the empowered consumer), with recent defections from the
same firm among their friends, with the firm's price above its rivals', and with
how appealing the alternatives look. A leaver goes to a rival (chosen by each
rival's appeal to them: public rating, price, brand promise, what they remember
or have heard of it) or to no firm. Customers who stay buy again and try new
offers with probabilities that rise with attitude and fall with price (happier
customers mind the price less). People buying from no firm adopt a firm through
its marketing (external influence), referrals (internal influence), its public
rating, price and promise, and, if they were its customers before, its win-back
campaign and their memory of it, as in the Bass model with one hazard per firm. A
win-back campaign also reaches former customers who are with a rival now, weighed
against how happy they are there.
Each week some people leave the market and as many newcomers arrive.
docs/model.md#market.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from cxsim.kernels.common import CHUNK, by_category, by_firm_and_category, category, clip01, n_chunks, sum_chunks
from cxsim.kernels.flags import (
    ADOPTED,
    CHURNED,
    EXITED,
    MARKET_CAT_SHIFT,
    NEW_OFFER,
    NO_FIRM,
    REPURCHASED,
    WON_BACK,
)
from cxsim.rng import (
    S_ADOPT,
    S_CHOOSE,
    S_CHURN,
    S_DISPOSITION,
    S_ENTRY_NEED,
    S_NEW_OFFER,
    S_REPURCHASE,
    S_SWITCH,
    normal,
    uniform,
)
from cxsim.state import draw_need, exit_week


@njit(cache=True, inline="always")
def churn_probability(base_hazard, sensitivity, attitude, reference, switching_ease, contagion, defected_share):
    """Weekly churn probability of one customer before price and alternatives (which multiply it)."""
    h = base_hazard * np.exp(-sensitivity * (attitude - reference)) * (0.5 + switching_ease)
    h *= 1.0 + contagion * defected_share
    return h if h < 1.0 else 1.0


class MarketParams(NamedTuple):
    """Scalars of :func:`churn_spend_acquire` every firm shares."""

    base_hazard: float
    sensitivity: float  # log-hazard per unit of attitude
    reference: float  # attitude at which the hazard is base_hazard
    switching_ease: float
    contagion: float
    alternatives_sensitivity: float  # the hazard rises as the alternatives' appeal to this power
    leave_weight: float  # weight of 'no firm' among a leaver's destinations
    repurchase_base: float
    repurchase_ratio: float
    new_offer_base: float
    new_offer_ratio: float
    passive_position: float  # where passives sit between detractors and promoters (customers.passive_position)
    referral_q: float  # Bass q
    opinion_sensitivity: float  # log-hazard of choosing a firm per unit of opinion above neutral
    neutral: float  # the opinion of a firm one knows nothing about
    hearsay_carry: float  # share of what a new customer heard that shapes their first attitude
    promise_expectation: float  # share of the brand promise in a new customer's expectation
    initial_expectation: float
    need: float  # a newcomer's mean need ...
    need_cv: float  # ... and its spread
    disposition_spread: float  # spread of people's resting attitudes
    weekly_exit: float  # probability of leaving the market in a week
    contagion_window: int  # weeks a defection counts as recent


class FirmMarket(NamedTuple):
    """This week's per-firm inputs of :func:`churn_spend_acquire`: one entry per firm."""

    trading: np.ndarray  # bool: not bankrupt
    external: np.ndarray  # Bass p at the firm's marketing spend
    winback: np.ndarray  # extra hazard for its former customers from its win-back campaign
    appeal: np.ndarray  # public appeal: rating x price x promise factors (1 = a neutral firm)
    churn_price: np.ndarray  # (firms, 3) churn multiplier of the firm's price vs its rivals', by NPS category
    buy_price: np.ndarray  # (firms, 3) purchase multiplier of the firm's price vs the going price, by category
    brand_promise: np.ndarray


@njit(cache=True, inline="always")
def opinion_factor(sensitivity, opinion, neutral):
    return np.exp(sensitivity * (opinion - neutral))


@njit(cache=True, parallel=True)
def churn_spend_acquire(seed, week, market, firms, p):
    """One week of market moves; writes ``market_flags`` and ``firm_before``, and the state of those who
    leave, switch, join or are replaced by a newcomer.

    ``firms`` is a :class:`FirmMarket`, ``p`` a :class:`MarketParams`. In parallel over chunks of ``CHUNK``
    people (:func:`_churn_chunk`; no person's moves depend on another's).
    """
    for c in prange(n_chunks(market.firm.shape[0])):
        _churn_chunk(seed, week, market, firms, p, c * CHUNK)


@njit(cache=True)
def _churn_chunk(seed, week, market, firms, p, lo):
    """:func:`churn_spend_acquire` for people ``lo`` .. ``lo + CHUNK - 1``.

    A serial function the parallel loop calls once per chunk: Numba's parallel passes see a loop of one call
    instead of this body (the kernel's cold compile was ~10 s, the longest of any).
    """
    firm = market.firm
    firm_before = market.firm_before
    known = market.known
    attitude = market.attitude
    disposition = market.disposition
    opinion = market.opinion
    expectation = market.expectation
    need = market.need
    case = market.case
    t_churned = market.t_churned
    left_firm = market.left_firm
    t_exit = market.t_exit
    referral = market.referral
    defected = market.defected
    market_flags = market.market_flags
    trading = firms.trading
    external = firms.external
    winback = firms.winback
    appeal = firms.appeal
    churn_price = firms.churn_price
    buy_price = firms.buy_price
    brand_promise = firms.brand_promise
    n_firms = opinion.shape[1]
    n_trading = 0
    for k in range(n_firms):
        n_trading += trading[k]
    # Every factor of a customer's hazard is at most its value at attitude 0 and opinions of 1 about every
    # alternative, so most draws are above that bound: for them the exact hazard (a few exp) is not needed
    # to know they stay. The margin covers rounding; the outcome is the same.
    opinion_max = opinion_factor(p.opinion_sensitivity, 1.0, p.neutral)
    loyalty_at_0 = np.exp(p.sensitivity * p.reference) * (0.5 + p.switching_ease) * (1.0 + 1e-9)
    base_at_0 = p.base_hazard * loyalty_at_0
    for i in range(lo, min(lo + CHUNK, firm.shape[0])):
        market_flags[i] = 0
        f = firm[i]
        firm_before[i] = f
        if t_exit[i] <= week:  # leaves the market; a newcomer takes the seat
            market_flags[i] = EXITED
            firm[i] = NO_FIRM
            known[i] = 0
            for k in range(n_firms):
                opinion[i, k] = p.neutral
            case[i] = 0
            expectation[i] = p.initial_expectation
            need[i] = draw_need(seed, S_ENTRY_NEED, week, i, p.need, p.need_cv)
            disposition[i] = p.disposition_spread * normal(seed, S_DISPOSITION, week, i)
            t_exit[i] = exit_week(seed, week, i, p.weekly_exit)
            continue  # t_churned and left_firm stay: friends still count the leaver's recent defection
        if f >= 0:
            a = attitude[i]
            cat = category(a)
            u = uniform(seed, S_CHURN, week, i)
            # the alternatives: each trading rival by its appeal to this person, and buying from no firm
            others = n_trading - (1 if trading[f] else 0)
            alt_bound = 1.0
            if others > 0:
                most = p.leave_weight
                for k in range(n_firms):
                    if k != f and trading[k]:
                        most += appeal[k] * opinion_max
                alt_bound = (most / (p.leave_weight + others)) ** p.alternatives_sensitivity
            bound = base_at_0 * (1.0 + p.contagion * defected[i]) * churn_price[f, cat] * max(1.0, alt_bound)
            # win-back campaigns of firms this person was a customer of reach them here too
            kn = known[i]
            wb_bound = 0.0
            if kn != (1 << f):
                for k in range(n_firms):
                    if k != f and trading[k] and winback[k] > 0.0 and kn & (1 << k):
                        wb_bound += winback[k] * appeal[k] * opinion_max
                wb_bound *= loyalty_at_0
            if u < bound + wb_bound or not trading[f]:
                loyalty = np.exp(-p.sensitivity * (a - p.reference)) * (0.5 + p.switching_ease)
                h = churn_probability(
                    p.base_hazard, p.sensitivity, a, p.reference, p.switching_ease, p.contagion, defected[i]
                )
                h *= churn_price[f, cat]
                total = p.leave_weight
                if others > 0:
                    for k in range(n_firms):
                        if k != f and trading[k]:
                            total += appeal[k] * opinion_factor(p.opinion_sensitivity, opinion[i, k], p.neutral)
                    h *= (total / (p.leave_weight + others)) ** p.alternatives_sensitivity
                if u < h or not trading[f]:  # leaves (a bankrupt firm's customers all do)
                    opinion[i, f] = a  # what they will remember of the firm
                    _record_defection(t_churned, left_firm, i, week, f, p.contagion_window)
                    market_flags[i] = CHURNED
                    # where to: a rival by its appeal to this person, or no firm
                    pick = uniform(seed, S_SWITCH, week, i) * total
                    dest = NO_FIRM
                    acc = p.leave_weight
                    if pick >= acc:
                        for k in range(n_firms):
                            if k != f and trading[k]:
                                acc += appeal[k] * opinion_factor(p.opinion_sensitivity, opinion[i, k], p.neutral)
                                if pick < acc:
                                    dest = k
                                    break
                    firm[i] = dest
                    if dest >= 0:
                        market_flags[i] = CHURNED | _join(
                            known, attitude, opinion, expectation, case, disposition[i], i, dest, brand_promise[dest], p
                        )
                    continue
                if wb_bound > 0.0:  # a former firm's win-back campaign, weighed against how happy they are here
                    acc = h
                    for k in range(n_firms):
                        if k != f and trading[k] and winback[k] > 0.0 and kn & (1 << k):
                            w = winback[k] * appeal[k] * opinion_factor(p.opinion_sensitivity, opinion[i, k], p.neutral)
                            acc += w * loyalty
                            if u < acc:
                                opinion[i, f] = a
                                _record_defection(t_churned, left_firm, i, week, f, p.contagion_window)
                                firm[i] = k
                                market_flags[i] = CHURNED | _join(
                                    known,
                                    attitude,
                                    opinion,
                                    expectation,
                                    case,
                                    disposition[i],
                                    i,
                                    k,
                                    brand_promise[k],
                                    p,
                                )
                                break
                    if firm[i] != f:
                        continue
            flags = cat << MARKET_CAT_SHIFT
            price = buy_price[f, cat]
            rebuy = by_category(p.repurchase_base, p.repurchase_ratio, cat, p.passive_position)
            if uniform(seed, S_REPURCHASE, week, i) < rebuy * price:
                flags |= REPURCHASED
            offer = by_category(p.new_offer_base, p.new_offer_ratio, cat, p.passive_position)
            if uniform(seed, S_NEW_OFFER, week, i) < offer * price:
                flags |= NEW_OFFER
            market_flags[i] = flags
        else:
            # one hazard per trading firm (Bass p + q x share of friends recommending it, plus win-back for its
            # former customers), scaled by its public appeal and by this person's opinion of it
            u = uniform(seed, S_ADOPT, week, i)
            bound = 0.0
            for k in range(n_firms):
                if trading[k]:
                    pull = external[k] + p.referral_q * referral[i, k]
                    if known[i] & (1 << k):
                        pull += winback[k]
                    bound += pull * appeal[k]
            if u >= bound * opinion_max:
                continue
            total = 0.0
            for k in range(n_firms):
                if trading[k]:
                    pull = external[k] + p.referral_q * referral[i, k]
                    if known[i] & (1 << k):
                        pull += winback[k]
                    total += pull * appeal[k] * opinion_factor(p.opinion_sensitivity, opinion[i, k], p.neutral)
            if u >= total:
                continue
            # which firm: in proportion to the hazards (u is uniform below total)
            pick = uniform(seed, S_CHOOSE, week, i) * total
            acc = 0.0
            dest = NO_FIRM
            for k in range(n_firms):
                if trading[k]:
                    pull = external[k] + p.referral_q * referral[i, k]
                    if known[i] & (1 << k):
                        pull += winback[k]
                    acc += pull * appeal[k] * opinion_factor(p.opinion_sensitivity, opinion[i, k], p.neutral)
                    dest = k
                    if pick < acc:
                        break
            firm[i] = dest
            market_flags[i] = _join(
                known, attitude, opinion, expectation, case, disposition[i], i, dest, brand_promise[dest], p
            )


@njit(cache=True, inline="always")
def _record_defection(t_churned, left_firm, i, week, f, window):
    """Mark person ``i``'s defection from ``f`` for their friends, unless an earlier one still counts as recent:
    a person counts as a recent defector of one firm at a time, so the counts friends keep by pushes
    (kernels.wom.signals) stay exact."""
    if t_churned[i] < 0 or week - t_churned[i] > window:  # the earlier one's end was signalled this week or before
        t_churned[i] = week
        left_firm[i] = f


@njit(cache=True, inline="always")
def _join(known, attitude, opinion, expectation, case, disposition, i, k, brand_promise, p):
    """Person ``i`` becomes a customer of firm ``k``: a returning customer starts from their memory of it, a new
    one from a first impression that carries part of what they heard; expects a mix of the usual and the brand
    promise. Returns the market flags."""
    flags = ADOPTED
    if known[i] & (1 << k):
        flags |= WON_BACK
        attitude[i] = clip01(opinion[i, k])  # what they remember of it
    else:
        first = p.neutral + disposition + p.hearsay_carry * (opinion[i, k] - p.neutral)  # a first impression
        attitude[i] = clip01(first)
    known[i] = known[i] | (1 << k)
    expectation[i] = (1.0 - p.promise_expectation) * p.initial_expectation + p.promise_expectation * brand_promise
    case[i] = 0
    return flags


class MarketTally(NamedTuple):
    """Who is where after this week's moves, and what they bought: arrays with one entry per firm
    (``by_category`` arrays: (firms, 3), by NPS category of the customers who stayed)."""

    customers: np.ndarray
    former: np.ndarray  # were the firm's customers, are not now
    prospects: np.ndarray  # have never been the firm's customers
    customers_before: np.ndarray  # the firm's customers at the start of the moves (churn-rate denominator)
    churned: np.ndarray  # left the firm this week, to a rival or to no firm (not counting leaving the market)
    switched_out: np.ndarray  # ... of whom went to a rival
    exits: np.ndarray  # customers who left the market
    adopted: np.ndarray  # became the firm's customers this week
    won_from_rivals: np.ndarray  # ... of whom came from a rival
    won_back: np.ndarray  # ... of whom had been its customers before
    repurchases: np.ndarray
    new_offers: np.ndarray
    recent_defectors: np.ndarray  # people whose defection from the firm counts as recent
    stayed_by_category: np.ndarray
    repurchases_by_category: np.ndarray
    new_offers_by_category: np.ndarray
    market_exits: int  # people who left the market this week (each seat took a newcomer)


#: rows of a chunk's counts in :func:`tally`, each with one column per firm (column k + 1: firm k; column 0: no firm)
_CUSTOMERS, _FORMER, _BEFORE, _CHURNED, _SWITCHED, _EXITS, _ADOPTED, _WON_RIVAL, _WON_BACK = range(9)
_RECENT, _STAYED, _REPURCHASES, _NEW_OFFERS, _ROWS = 9, 10, 13, 16, 19  # the last three: one row per NPS category


@njit(cache=True)
def tally(week, market, window):
    """Counts after the week's moves: a :class:`MarketTally`.

    Counted in parallel over fixed chunks of ``CHUNK`` people (:func:`_tally_chunk`), then summed over the
    chunks in order: integer counts, so the same whatever the number of threads.
    """
    n = market.firm.shape[0]
    parts = np.zeros((n_chunks(n), _ROWS, market.opinion.shape[1] + 1), np.int64)
    _tally_chunks(
        week, window, market.firm, market.firm_before, market.known, market.market_flags, market.t_churned,
        market.left_firm, parts,
    )  # fmt: skip
    t = sum_chunks(parts)
    market_exits = 0
    for k in range(t.shape[1]):
        market_exits += t[_EXITS, k]  # column 0: people of no firm who left the market
    stayed = by_firm_and_category(t, _STAYED)
    repurchases = by_firm_and_category(t, _REPURCHASES)
    new_offers = by_firm_and_category(t, _NEW_OFFERS)
    customers = t[_CUSTOMERS, 1:].copy()
    former = t[_FORMER, 1:].copy()
    prospects = np.zeros_like(customers)
    repurchases_total = np.zeros_like(customers)
    new_offers_total = np.zeros_like(customers)
    for k in range(customers.shape[0]):
        prospects[k] = n - customers[k] - former[k]
        for c in range(3):
            repurchases_total[k] += repurchases[k, c]
            new_offers_total[k] += new_offers[k, c]
    return MarketTally(
        customers,
        former,
        prospects,
        t[_BEFORE, 1:].copy(),
        t[_CHURNED, 1:].copy(),
        t[_SWITCHED, 1:].copy(),
        t[_EXITS, 1:].copy(),
        t[_ADOPTED, 1:].copy(),
        t[_WON_RIVAL, 1:].copy(),
        t[_WON_BACK, 1:].copy(),
        repurchases_total,
        new_offers_total,
        t[_RECENT, 1:].copy(),
        stayed,
        repurchases,
        new_offers,
        int(market_exits),
    )


@njit(cache=True, parallel=True)
def _tally_chunks(week, window, firm, firm_before, known, market_flags, t_churned, left_firm, parts):
    """The parallel loop of :func:`tally` and nothing else: any other array expression in a parallel kernel
    becomes a parallel loop of its own and costs compile time."""
    for c in prange(parts.shape[0]):
        _tally_chunk(week, window, firm, firm_before, known, market_flags, t_churned, left_firm, c * CHUNK, parts[c])


@njit(cache=True)
def _tally_chunk(week, window, firm, firm_before, known, market_flags, t_churned, left_firm, lo, counts):
    """:func:`tally`'s counts over people ``lo`` .. ``lo + CHUNK - 1`` into ``counts`` (rows ``_CUSTOMERS`` ...),
    firm ``k`` in column ``k + 1``: column 0 counts the people of no firm, so that no count branches on it."""
    n_firms = counts.shape[1] - 1
    for i in range(lo, min(lo + CHUNK, firm.shape[0])):
        f = firm[i] + 1
        b = firm_before[i] + 1
        fl = market_flags[i]
        kn = known[i]
        for k in range(n_firms):
            counts[_FORMER, k + 1] += ((kn >> k) & 1) & (f != k + 1)
        tc = t_churned[i]
        counts[_RECENT, left_firm[i] + 1] += (tc >= 0) & (week - tc < window)  # this week's and the window's last
        counts[_BEFORE, b] += 1
        if fl & EXITED:
            counts[_EXITS, b] += 1
            continue
        counts[_CUSTOMERS, f] += 1
        if fl & CHURNED:
            counts[_CHURNED, b] += 1
            counts[_SWITCHED, b] += f > 0
        if fl & ADOPTED:
            counts[_ADOPTED, f] += 1
            counts[_WON_RIVAL, f] += b > 0
            counts[_WON_BACK, f] += (fl & WON_BACK) != 0
        else:  # stayed (people of no firm too, in column 0)
            cat = (fl >> MARKET_CAT_SHIFT) & 3
            counts[_STAYED + cat, f] += 1
            counts[_REPURCHASES + cat, f] += (fl & REPURCHASED) != 0
            counts[_NEW_OFFERS + cat, f] += (fl & NEW_OFFER) != 0
