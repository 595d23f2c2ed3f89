"""Phase 8: word of mouth about firms, through friends, social posts, review sites and tweets.

After a bad experience a customer may tell friends (graph neighbours), post on
social media (friends plus a wider audience, less weight each), post a review
(moves the firm's public rating that every prospect sees) and tweet (a few
readers; rarely viral, with a heavy-tailed reach). Promoters recommend their
firm (referrals). A message is about the speaker's firm: it moves the attitude
of that firm's customers who hear it, and the opinion of that firm held by
everyone else (which later weighs in their choice of firm); negative messages
weigh more than positive ones. Defections are heard too: each person keeps a
count, per firm, of friends who left that firm recently (defection contagion).

Passes, one concern each: ``send`` decides who says what (parallel),
``broadcast`` delivers posts and tweets to random audiences (serial, so
deterministic), ``signals`` condenses what friends can hear into one byte a
person, ``receive`` gets it to friends: the few who say something push
counts to their friends (serial), then everyone turns them into shares and
moves attitude or opinions (parallel, no write conflicts). docs/model.md#word-of-mouth.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from cxsim.kernels.common import CHUNK, by_category, category, clip01, n_chunks, prefetch, sum_chunks
from cxsim.kernels.flags import (
    BAD,
    BAD_FINAL,
    CONTACTED,
    DEFECTION_ENDS,
    DEFECTION_STARTS,
    DETRACTOR,
    FRIENDS_NEG,
    HEARS_NEGATIVE,
    RALLY,
    RECOMMEND,
    REVIEW_NEG,
    REVIEW_POS,
    SAYS,
    SOCIAL_NEG,
    TWEET_NEG,
    VIRAL,
)
from cxsim.rng import (
    S_DISPARAGE,
    S_FRIENDS,
    S_POS_REVIEW,
    S_RALLY,
    S_RECOMMEND,
    S_REVIEW,
    S_SOCIAL,
    S_SOCIAL_TARGET,
    S_TWEET,
    S_TWEET_TARGET,
    S_VIRAL,
    S_VIRAL_SIZE,
    index,
    uniform,
)


class SendParams(NamedTuple):
    """Scalars of :func:`send`: the channels after a bad experience, and recommending."""

    bad_friends: float  # share of bad experiences told to friends
    bad_social: float  # ... posted on social media
    bad_review: float  # ... written up as a review
    bad_tweet: float  # ... tweeted
    recommend_base: float
    recommend_ratio: float
    passive_position: float  # where passives sit between detractors and promoters (customers.passive_position)
    positive_review: float  # chance of a good review after a good contact
    detractor_talk: float  # weekly chance a detractor tells friends without a new bad experience


@njit(cache=True, parallel=True)
def send(seed, week, market, p):
    """Decide each customer's messages this week (about their firm); writes ``wom_flags``.

    After a final bad experience a customer may tell friends, post, review and tweet; otherwise they may
    recommend the firm (more often the happier they are), and a detractor who does not may run it down to
    friends anyway (``detractor_talk``: the dissatisfied talk more, Anderson 1998).

    Reads ``experience_flags`` (a final bad experience), ``encounter_flags`` and attitude; clears the
    ``RALLY`` bit of ``case`` of those who now post. ``p`` is a :class:`SendParams`.
    """
    # arrays into local names first, one per statement: Numba drops writes made through a NamedTuple (or
    # through a tuple-unpacked group of its arrays) inside prange (numba#5872); see cxsim.kernels
    firm = market.firm
    attitude = market.attitude
    case = market.case
    wom_flags = market.wom_flags
    encounter_flags = market.encounter_flags
    experience_flags = market.experience_flags
    for i in prange(firm.shape[0]):
        wom_flags[i] = 0
        if firm[i] < 0:
            continue
        flags = 0
        if case[i] & RALLY:
            case[i] = case[i] & np.uint8(0xFF ^ RALLY)
            flags |= SOCIAL_NEG | REVIEW_NEG
        if experience_flags[i] & BAD_FINAL:
            if uniform(seed, S_FRIENDS, week, i) < p.bad_friends:
                flags |= FRIENDS_NEG
            if uniform(seed, S_SOCIAL, week, i) < p.bad_social:
                flags |= SOCIAL_NEG
            if uniform(seed, S_REVIEW, week, i) < p.bad_review:
                flags |= REVIEW_NEG
            if uniform(seed, S_TWEET, week, i) < p.bad_tweet:
                flags |= TWEET_NEG
        else:
            cat = category(attitude[i])
            p_recommend = by_category(p.recommend_base, p.recommend_ratio, cat, p.passive_position)
            if uniform(seed, S_RECOMMEND, week, i) < p_recommend:
                flags |= RECOMMEND
            elif cat == DETRACTOR and uniform(seed, S_DISPARAGE, week, i) < p.detractor_talk:
                flags |= FRIENDS_NEG
            good_contact = (encounter_flags[i] & CONTACTED) != 0 and (experience_flags[i] & BAD) == 0
            if good_contact and uniform(seed, S_POS_REVIEW, week, i) < p.positive_review:
                flags |= REVIEW_POS
        wom_flags[i] = flags


@njit(cache=True)
def viral_reach(u, min_reach, alpha, n):
    """Pareto-distributed audience of a viral story, capped at the market."""
    r = min_reach * (1.0 - u) ** (-1.0 / alpha)
    if r > n - 1:
        return n - 1
    return int(r)


@njit(cache=True, inline="always")
def hear_about(firm, wom_in, opinion, i, f, delta, customer):
    """Person ``i`` hears ``delta`` (already weighted; negative for bad news) about firm ``f``; ``customer``:
    ``i`` is ``f``'s customer (``firm[i] == f``, looked up by the caller).

    A customer of ``f`` feels it in attitude this week (through ``wom_in``); anyone else revises
    their opinion of ``f`` at once (serial callers only: no other thread writes ``opinion``).
    Takes the three arrays it touches, not the market: a call that is passed the market's 23 arrays
    counts a reference to each (atomic operations), which cost more than the delivery itself.
    """
    if customer:
        wom_in[i] += delta
    else:
        opinion[i, f] = clip01(opinion[i, f] + delta)


class BroadcastParams(NamedTuple):
    """Scalars of :func:`broadcast`: audiences and weights of posts and tweets."""

    social_reach: int
    social_weight: float
    tweet_reach: int
    viral_prob: float
    viral_min_reach: float
    viral_alpha: float
    viral_weight: float
    negative_multiplier: float
    rally_prob: float


class BroadcastTally(NamedTuple):
    """Viral stories this week and the people they reached, per firm talked about."""

    viral_stories: np.ndarray
    viral_reach: np.ndarray


@njit(cache=True)
def broadcast(seed, week, market, p):
    """Deliver social posts and tweets to random audiences (serial: deterministic).

    Each post is about the poster's firm (:func:`hear_about`); viral tweets are marked in
    ``wom_flags``; detractors of that firm a viral story reaches may rally (``case``). ``p`` is a
    :class:`BroadcastParams`; returns a :class:`BroadcastTally`.
    """
    firm = market.firm
    attitude = market.attitude
    case = market.case
    wom_flags = market.wom_flags
    wom_in = market.wom_in
    opinion = market.opinion
    n = firm.shape[0]
    n_firms = opinion.shape[1]
    n_viral = np.zeros(n_firms, np.int64)
    viral_people = np.zeros(n_firms, np.int64)
    targets = np.empty(_BLOCK, np.int64)
    customer = np.empty(_BLOCK, np.uint8)
    for i in range(n):
        fl = wom_flags[i]
        if (fl & (SOCIAL_NEG | TWEET_NEG)) == 0:
            continue
        f = firm[i]
        key = (week << 32) | i
        if fl & SOCIAL_NEG:
            delta = -p.social_weight * p.negative_multiplier
            _deliver(seed, S_SOCIAL_TARGET, key, p.social_reach, f, delta, firm, wom_in, opinion, targets, customer)
        if fl & TWEET_NEG:
            viral = uniform(seed, S_VIRAL, week, i) < p.viral_prob
            if viral:
                wom_flags[i] = fl | VIRAL
                reach = viral_reach(uniform(seed, S_VIRAL_SIZE, week, i), p.viral_min_reach, p.viral_alpha, n)
                weight = p.viral_weight
                n_viral[f] += 1
                viral_people[f] += reach
            else:
                reach = p.tweet_reach
                weight = p.social_weight
            delta = -weight * p.negative_multiplier
            _deliver(seed, S_TWEET_TARGET, key, reach, f, delta, firm, wom_in, opinion, targets, customer)
            if viral and p.rally_prob > 0.0:  # the firm's detractors it reached may rally (firm, attitude: not changed)
                for r in range(reach):
                    t = index(seed, S_TWEET_TARGET, key, r, n)
                    if (
                        firm[t] == f
                        and category(attitude[t]) == DETRACTOR
                        and uniform(seed, S_RALLY, key, r) < p.rally_prob
                    ):
                        case[t] = case[t] | np.uint8(RALLY)
    return BroadcastTally(n_viral, viral_people)


_BLOCK = 64  # audience members looked up at once by _deliver


@njit(cache=True)
def _deliver(seed, stream, key, reach, f, delta, firm, wom_in, opinion, targets, customer):
    """``reach`` random people (draws ``r`` = 0 .. reach - 1 of ``stream``) hear ``delta`` about firm ``f``, in order.

    ``_BLOCK`` at a time: first each one's id, whether they are ``f``'s customer and a prefetch of what the
    delivery will change (independent reads, which the CPU overlaps), then the deliveries, in order; their
    branch no longer waits for a read from memory. 6x faster at 10^6 people than one delivery after another.
    """
    n = firm.shape[0]
    for lo in range(0, reach, _BLOCK):
        m = min(_BLOCK, reach - lo)
        for j in range(m):
            t = index(seed, stream, key, lo + j, n)
            targets[j] = t
            prefetch(wom_in, t)
            prefetch(opinion, t)
            customer[j] = firm[t] == f
        for j in range(m):
            hear_about(firm, wom_in, opinion, targets[j], f, delta, customer[j] != 0)


class WomTally(NamedTuple):
    """Senders per channel this week, per firm talked about, and recent defectors per firm left."""

    friends_negative: np.ndarray
    social_negative: np.ndarray
    tweet_negative: np.ndarray
    review_negative: np.ndarray
    recommend: np.ndarray
    review_positive: np.ndarray
    recent_defectors: np.ndarray


@njit(cache=True)
def signals(week, market, contagion_window):
    """What each person's friends can hear from them this week, one byte each.

    ``signal`` gets the friend-visible WOM bits (told friends, posted,
    recommended) plus ``DEFECTION_STARTS`` / ``DEFECTION_ENDS`` for someone
    whose defection counts as recent from this week on / no longer does (left
    ``left_firm`` in week ``t_churned``: it counts in the ``contagion_window`` weeks after),
    so that :func:`push_to_friends` keeps friends' counts of recent defectors
    up to date by visiting only those who changed. Also clears ``referral``
    and ``defected``, which :func:`read_friends` fills with this week's shares.
    Returns a :class:`WomTally`, counted in parallel over fixed chunks of people and summed in chunk order
    (the same whatever the number of threads).
    """
    firm = market.firm
    parts = np.zeros((n_chunks(firm.shape[0]), 7, market.referral.shape[1]), np.int64)
    _signal_chunks(
        week, contagion_window, firm, market.wom_flags, market.t_churned, market.left_firm, market.signal,
        market.referral, market.defected, parts,
    )  # fmt: skip
    out = sum_chunks(parts)
    return WomTally(
        out[0].copy(), out[1].copy(), out[2].copy(), out[3].copy(), out[4].copy(), out[5].copy(), out[6].copy()
    )


@njit(cache=True, parallel=True)
def _signal_chunks(week, window, firm, wom_flags, t_churned, left_firm, signal, referral, defected, parts):
    """The parallel loop of :func:`signals` and nothing else (see kernels.market._tally_chunks)."""
    for c in prange(parts.shape[0]):
        _signal_chunk(
            week, window, firm, wom_flags, t_churned, left_firm, signal, referral, defected, c * CHUNK, parts[c]
        )


@njit(cache=True)
def _signal_chunk(week, window, firm, wom_flags, t_churned, left_firm, signal, referral, defected, lo, out):
    """:func:`signals` for people ``lo`` .. ``lo + CHUNK - 1``; their senders per channel and recent defectors go
    into ``out`` (rows: the :class:`WomTally` fields, columns: firms)."""
    n_firms = referral.shape[1]
    for i in range(lo, min(lo + CHUNK, firm.shape[0])):
        fl = wom_flags[i]
        tc = t_churned[i]
        # a defection in week tc (churn comes after word of mouth) counts in weeks tc+1 .. tc+window
        recent = (tc >= 0) & (tc < week) & (week - tc <= window)  # & not `and`: no branch
        was = (tc >= 0) & (tc < week - 1) & (week - 1 - tc <= window)  # as at last week's pass
        signal[i] = (
            (fl & (FRIENDS_NEG | SOCIAL_NEG | RECOMMEND))
            | (DEFECTION_STARTS if recent > was else 0)  # booleans: recent and not was
            | (DEFECTION_ENDS if was > recent else 0)
        )
        if fl:  # only customers say anything
            f = firm[i]
            out[0, f] += (fl & FRIENDS_NEG) != 0
            out[1, f] += (fl & SOCIAL_NEG) != 0
            out[2, f] += (fl & TWEET_NEG) != 0
            out[3, f] += (fl & REVIEW_NEG) != 0
            out[4, f] += (fl & RECOMMEND) != 0
            out[5, f] += (fl & REVIEW_POS) != 0
        if recent:
            out[6, left_firm[i]] += 1
        for k in range(n_firms):
            referral[i, k] = 0.0
        defected[i] = 0.0


class ReceiveParams(NamedTuple):
    """Scalars of :func:`receive`: how heard word of mouth moves attitude and opinions."""

    full_mixing: bool  # friends are the whole market (mean-field shares below)
    mean_degree: float
    share_friends_negative: np.ndarray  # under full mixing, per firm: this week's share of people telling friends ...
    share_social_negative: np.ndarray  # ... posting
    share_recommend: np.ndarray  # ... recommending
    share_recent_defectors: np.ndarray  # ... and who left the firm recently
    friend_weight: float
    social_weight: float
    negative_multiplier: float
    customer_influence: float  # what a firm's own customers make of word of mouth about it, vs everyone else
    opinion_fade: float  # weekly fade of opinions of other firms towards the neutral impression
    neutral: float


@njit(cache=True)
def push_to_friends(indptr, indices, market, p):
    """Each person with something to say tells their friends (serial push).

    Adds 1 to each friend's ``referral`` count for the speaker's firm (recommendation); adds 1 to /
    takes 1 from each friend's ``n_defected`` count for the firm the speaker left when the speaker's
    defection starts / stops counting as recent; bad word of mouth (told: ``friend_weight``, posted:
    ``social_weight``) goes to the speaker's firm's customers as ``heard`` (marked
    ``HEARS_NEGATIVE``) and lowers everyone else's opinion of that firm at once. Only a few
    percent of people say anything in a week, so visiting their friend lists (the graph is
    undirected: i is j's friend iff j is i's) costs far less than every person reading all of theirs.

    Speakers go in id order, and each looks ahead: it prefetches the friend list of the speaker
    ``_AHEAD`` places on and the state of the friends of the one half as far (a speaker's friends are
    anywhere in memory; without this each waited for the last one's reads).
    """
    firm = market.firm
    left_firm = market.left_firm
    signal = market.signal
    referral = market.referral
    n_defected = market.n_defected
    heard = market.heard
    opinion = market.opinion
    friend_weight = p.friend_weight
    social_weight = p.social_weight
    speakers = np.empty(signal.shape[0], np.int64)  # pages are touched only for the few who speak
    n_speakers = 0
    for j in range(signal.shape[0]):  # HEARS_NEGATIVE, set below, is not one of the SAYS bits
        speakers[n_speakers] = j
        n_speakers += (signal[j] & SAYS) != 0
    for s in range(n_speakers):
        if s + _AHEAD < n_speakers:
            j = speakers[s + _AHEAD]
            prefetch(indptr, j)
            prefetch(indptr, j + 1)
        if s + _AHEAD // 2 < n_speakers:
            j = speakers[s + _AHEAD // 2]
            for k in range(indptr[j], indptr[j + 1]):
                i = indices[k]
                prefetch(firm, i)
                prefetch(referral, i)
                prefetch(signal, i)
                prefetch(opinion, i)
        j = speakers[s]
        fl = signal[j] & SAYS
        f = firm[j]
        recommends = (fl & RECOMMEND) != 0
        starts = (fl & DEFECTION_STARTS) != 0
        ends = (fl & DEFECTION_ENDS) != 0
        tells = (fl & FRIENDS_NEG) != 0
        posts = (fl & SOCIAL_NEG) != 0
        bad = (friend_weight if tells else 0.0) + (social_weight if posts else 0.0)
        left = left_firm[j]
        for k in range(indptr[j], indptr[j + 1]):
            i = indices[k]
            if recommends:
                referral[i, f] += 1.0
            if starts:
                n_defected[i, left] += 1
            if ends:
                n_defected[i, left] -= 1
            if tells or posts:
                if firm[i] == f:
                    signal[i] |= HEARS_NEGATIVE
                    heard[i] += bad
                else:
                    opinion[i, f] = clip01(opinion[i, f] - p.negative_multiplier * bad)


_AHEAD = 8  # speakers push_to_friends looks ahead


def receive(indptr, indices, market, p) -> None:
    """Each person reads what their friends said; customers' attitude and everyone's opinions
    of other firms move. Also writes each person's share of friends recommending each firm
    (``referral``) and of friends who recently left their own firm (``defected``).

    ``signal``, ``referral`` and ``defected`` are as :func:`signals` left them, ``heard`` all
    zero (and left so), ``n_defected`` as last week left it. Under full mixing the friends are
    the whole market (mean-field shares). ``p`` is a :class:`ReceiveParams`.
    """
    if not p.full_mixing:
        push_to_friends(indptr, indices, market, p)
    read_friends(indptr, market, p)


@njit(cache=True, parallel=True)
def read_friends(indptr, market, p):
    """The second half of :func:`receive` (parallel, no write conflicts): turn the pushed counts
    into shares and move attitude and opinions, and let opinions of other firms fade."""
    # arrays into local names first, one per statement: Numba drops writes made through a NamedTuple (or
    # through a tuple-unpacked group of its arrays) inside prange (numba#5872); see cxsim.kernels
    firm = market.firm
    attitude = market.attitude
    opinion = market.opinion
    signal = market.signal
    wom_in = market.wom_in
    referral = market.referral
    defected = market.defected
    heard = market.heard
    n_defected = market.n_defected
    n_firms = referral.shape[1]
    full_mixing = p.full_mixing
    friend_weight = p.friend_weight
    fade = p.opinion_fade
    share_recommend = p.share_recommend
    share_friends_negative = p.share_friends_negative
    share_social_negative = p.share_social_negative
    share_recent_defectors = p.share_recent_defectors
    for i in prange(firm.shape[0]):
        f = firm[i]
        pos = 0.0
        neg = 0.0
        if full_mixing:
            for k in range(n_firms):
                referral[i, k] = share_recommend[k]
                said = p.mean_degree * (
                    share_recommend[k] * friend_weight
                    - p.negative_multiplier
                    * (share_friends_negative[k] * friend_weight + share_social_negative[k] * p.social_weight)
                )
                if k == f:
                    pos = p.mean_degree * share_recommend[k] * friend_weight
                    neg = p.mean_degree * (
                        share_friends_negative[k] * friend_weight + share_social_negative[k] * p.social_weight
                    )
                    defected[i] = share_recent_defectors[k]
                elif said != 0.0:
                    opinion[i, k] = clip01(opinion[i, k] + said)
        else:
            if signal[i] & HEARS_NEGATIVE:
                neg = heard[i]
                heard[i] = 0.0
            deg = indptr[i + 1] - indptr[i]
            for k in range(n_firms):
                n_rec = int(referral[i, k])  # counts from push_to_friends
                if n_rec:
                    if k == f:
                        for _ in range(n_rec):  # one addition per recommending friend, as a loop over friends would
                            pos += friend_weight
                    else:
                        opinion[i, k] = clip01(opinion[i, k] + n_rec * friend_weight)
                    referral[i, k] = n_rec / deg
            if f >= 0:
                n_def = n_defected[i, f]
                if n_def > 0:
                    defected[i] = n_def / deg
        if fade > 0.0:
            for k in range(n_firms):
                if k != f:
                    opinion[i, k] += fade * (p.neutral - opinion[i, k])
        w = wom_in[i]
        if w != 0.0:
            wom_in[i] = 0.0
        if f < 0:
            continue
        delta = p.customer_influence * (pos - p.negative_multiplier * neg + w)
        if delta != 0.0:
            attitude[i] = clip01(attitude[i] + delta)
