"""Phase 8: word of mouth through friends, social posts, review sites and tweets.

After a bad experience a customer may tell friends (graph neighbours), post
on social media (friends plus a wider audience, less weight each), post a
review (moves the public rating every prospect sees) and tweet (a few
readers; rarely viral with a heavy-tailed reach). Promoters recommend the
firm (referrals). Received messages move customers' attitude and prospects'
purchase intent; negative messages weigh more than positive ones.

Passes, one concern each: ``send`` decides who says what (parallel),
``broadcast`` delivers posts and tweets to random audiences (serial, so
deterministic), ``signals`` condenses what friends can hear into one byte a
person, ``receive`` gets it to friends: the few who say something push
counts to their friends (serial), then everyone turns them into shares and
moves attitude or intent (parallel, no write conflicts).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from cxsim.kernels.common import by_category, category, clip01
from cxsim.kernels.flags import (
    BAD_FINAL,
    CONTACTED,
    CUSTOMER,
    DEFECTION_ENDS,
    DEFECTION_STARTS,
    DETRACTOR,
    FRIENDS_NEG,
    HEARS_NEGATIVE,
    PROSPECT,
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
    positive_review: float  # chance of a good review after a good contact


@njit(cache=True, parallel=True)
def send(seed, week, market, p):
    """Decide each customer's messages this week; writes ``wom_flags``.

    Reads ``experience_flags`` (a final bad experience), ``encounter_flags`` and attitude; clears the
    ``RALLY`` bit of ``case`` of those who now post. ``p`` is a :class:`SendParams`.
    """
    # arrays into local names first, one per statement: Numba drops writes made through a NamedTuple (or
    # through a tuple-unpacked group of its arrays) inside prange (numba#5872); see cxsim.kernels
    status = market.status
    attitude = market.attitude
    case = market.case
    wom_flags = market.wom_flags
    encounter_flags = market.encounter_flags
    experience_flags = market.experience_flags
    for i in prange(status.shape[0]):
        wom_flags[i] = 0
        if status[i] != CUSTOMER:
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
            if uniform(seed, S_RECOMMEND, week, i) < by_category(
                p.recommend_base, p.recommend_ratio, category(attitude[i])
            ):
                flags |= RECOMMEND
            if (encounter_flags[i] & CONTACTED) and uniform(seed, S_POS_REVIEW, week, i) < p.positive_review:
                flags |= REVIEW_POS
        wom_flags[i] = flags


@njit(cache=True)
def viral_reach(u, min_reach, alpha, n):
    """Pareto-distributed audience of a viral story, capped at the market."""
    r = min_reach * (1.0 - u) ** (-1.0 / alpha)
    if r > n - 1:
        return n - 1
    return int(r)


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
    viral_stories: int
    viral_reach: int  # people reached by viral stories


@njit(cache=True)
def broadcast(seed, week, market, p):
    """Deliver social posts and tweets to random audiences (serial: deterministic).

    Adds (negative) attitude deltas into ``wom_in``; marks viral tweets in ``wom_flags`` and the
    detractors a viral story rallies in ``case``. ``p`` is a :class:`BroadcastParams`; returns a
    :class:`BroadcastTally`.
    """
    status = market.status
    attitude = market.attitude
    case = market.case
    wom_flags = market.wom_flags
    wom_in = market.wom_in
    n = status.shape[0]
    n_viral = 0
    viral_people = 0
    for i in range(n):
        f = wom_flags[i]
        if (f & (SOCIAL_NEG | TWEET_NEG)) == 0:
            continue
        key = (week << 32) | i
        if f & SOCIAL_NEG:
            for r in range(p.social_reach):
                wom_in[index(seed, S_SOCIAL_TARGET, key, r, n)] -= p.social_weight * p.negative_multiplier
        if f & TWEET_NEG:
            if uniform(seed, S_VIRAL, week, i) < p.viral_prob:
                wom_flags[i] = f | VIRAL
                reach = viral_reach(uniform(seed, S_VIRAL_SIZE, week, i), p.viral_min_reach, p.viral_alpha, n)
                weight = p.viral_weight
                n_viral += 1
                viral_people += reach
            else:
                reach = p.tweet_reach
                weight = p.social_weight
            for r in range(reach):
                t = index(seed, S_TWEET_TARGET, key, r, n)
                wom_in[t] -= weight * p.negative_multiplier
                if (
                    weight == p.viral_weight
                    and p.rally_prob > 0.0
                    and status[t] == CUSTOMER
                    and category(attitude[t]) == DETRACTOR
                    and uniform(seed, S_RALLY, key, r) < p.rally_prob
                ):
                    case[t] = case[t] | np.uint8(RALLY)
    return BroadcastTally(n_viral, viral_people)


class WomTally(NamedTuple):
    """Senders per channel this week, and the people whose defection counts as recent."""

    friends_negative: int
    social_negative: int
    tweet_negative: int
    review_negative: int
    recommend: int
    review_positive: int
    recent_defectors: int


@njit(cache=True)  # serial: a branch-free pass that vectorises; parallel would cost ~2 s more compile than it saves
def signals(week, market, contagion_window):
    """What each person's friends can hear from them this week, one byte each.

    ``signal`` gets the friend-visible WOM bits (told friends, posted,
    recommended) plus ``DEFECTION_STARTS`` / ``DEFECTION_ENDS`` for someone
    whose defection counts as recent from this week on / no longer does (left
    within the contagion window: ``week - t_churned < contagion_window``), so
    that :func:`push_to_friends` keeps friends' counts of recent defectors up
    to date by visiting only those who changed (~1% a week rather than the
    ~5% recent defectors). Also clears ``referral`` and ``defected``, which
    :func:`read_friends` fills with this week's shares. Returns a :class:`WomTally`.
    """
    wom_flags = market.wom_flags
    t_churned = market.t_churned
    signal = market.signal
    referral = market.referral
    defected = market.defected
    n_friends = 0
    n_social = 0
    n_tweet = 0
    n_review = 0
    n_recommend = 0
    n_review_pos = 0
    n_recent = 0
    for i in range(wom_flags.shape[0]):
        f = wom_flags[i]
        tc = t_churned[i]
        recent = (tc >= 0) & (week - tc < contagion_window)  # & not `and`: no branch
        # as `recent` was at last week's pass (churn comes after word of mouth: then tc < week - 1)
        was = (tc >= 0) & (tc < week - 1) & (week - 1 - tc < contagion_window)
        signal[i] = (
            (f & (FRIENDS_NEG | SOCIAL_NEG | RECOMMEND))
            | (DEFECTION_STARTS if recent > was else 0)  # booleans: recent and not was
            | (DEFECTION_ENDS if was > recent else 0)
        )
        n_friends += f & FRIENDS_NEG
        n_social += (f & SOCIAL_NEG) >> 1
        n_tweet += (f & TWEET_NEG) >> 2
        n_review += (f & REVIEW_NEG) >> 3
        n_recommend += (f & RECOMMEND) >> 4
        n_review_pos += (f & REVIEW_POS) >> 5
        n_recent += 1 if recent else 0
        if referral[i] != 0.0:  # read before writing: most are already 0, and a write costs more traffic
            referral[i] = 0.0
        if defected[i] != 0.0:
            defected[i] = 0.0
    return WomTally(n_friends, n_social, n_tweet, n_review, n_recommend, n_review_pos, n_recent)


class ReceiveParams(NamedTuple):
    """Scalars of :func:`receive`: how heard word of mouth moves attitude and intent."""

    full_mixing: bool  # friends are the whole market (mean-field shares below)
    mean_degree: float
    share_friends_negative: float  # under full mixing: this week's share of people telling friends ...
    share_social_negative: float  # ... posting
    share_recommend: float  # ... recommending
    share_recent_defectors: float  # ... and who left recently
    friend_weight: float
    social_weight: float
    negative_multiplier: float
    intent_weight: float


@njit(cache=True)
def push_to_friends(indptr, indices, market, p):
    """Each person with something to say tells their friends (serial push).

    Adds 1 to each friend's ``referral`` count (recommendation); adds 1 to /
    takes 1 from each friend's ``n_defected`` (friends who left within the
    contagion window: kept from week to week) when this person's defection
    starts / stops counting as recent; adds the weight of bad word of mouth (told:
    ``friend_weight``, posted: ``social_weight``) to each friend's ``heard``
    and marks them ``HEARS_NEGATIVE``. Only a few percent of people say
    anything in a week, so visiting their friend lists (the graph is
    undirected: i is j's friend iff j is i's) costs far less than every
    person reading all of theirs. Counts are exact in any order; ``heard``
    is a float sum, and it gets the same terms in the same order as a loop
    over i's friends would: speakers go in increasing j and friend lists
    are sorted, so i hears from its friends in friend order.
    """
    signal = market.signal
    referral = market.referral
    n_defected = market.n_defected
    heard = market.heard
    friend_weight = p.friend_weight
    social_weight = p.social_weight
    for j in range(signal.shape[0]):
        f = signal[j] & SAYS
        if f:
            recommends = (f & RECOMMEND) != 0
            starts = (f & DEFECTION_STARTS) != 0
            ends = (f & DEFECTION_ENDS) != 0
            tells = (f & FRIENDS_NEG) != 0
            posts = (f & SOCIAL_NEG) != 0
            for k in range(indptr[j], indptr[j + 1]):
                i = indices[k]
                if recommends:
                    referral[i] += 1.0
                if starts:
                    n_defected[i] += 1
                if ends:
                    n_defected[i] -= 1
                if tells or posts:
                    signal[i] |= HEARS_NEGATIVE
                    if tells:
                        heard[i] += friend_weight
                    if posts:
                        heard[i] += social_weight


def receive(indptr, indices, market, p) -> None:
    """Each person reads what their friends said; customers' attitude and
    prospects' intent move. Also writes each person's share of recommending
    friends (``referral``) and of recently defected friends (``defected``).

    ``signal``, ``referral`` and ``defected`` are as :func:`signals` left
    them, ``heard`` all zero (and left so), ``n_defected`` as last week left it.
    Under full mixing the friends are the whole market (mean-field shares).
    ``p`` is a :class:`ReceiveParams`.
    """
    if not p.full_mixing:
        push_to_friends(indptr, indices, market, p)
    read_friends(indptr, market, p)


@njit(cache=True, parallel=True)
def read_friends(indptr, market, p):
    """The second half of :func:`receive` (parallel, no write conflicts): turn the
    pushed counts into shares and move attitude or intent. The negative sum
    was made by the push (in friend order: floating-point sums depend on the
    order); reading it here instead of visiting friends' signals halves this
    pass at a million people (random reads of the graph and of ``signal``)."""
    # arrays into local names first, one per statement: Numba drops writes made through a NamedTuple (or
    # through a tuple-unpacked group of its arrays) inside prange (numba#5872); see cxsim.kernels
    status = market.status
    attitude = market.attitude
    intent = market.intent
    signal = market.signal
    wom_in = market.wom_in
    referral = market.referral
    defected = market.defected
    heard = market.heard
    n_defected = market.n_defected
    full_mixing = p.full_mixing
    friend_weight = p.friend_weight
    for i in prange(status.shape[0]):
        if full_mixing:
            neg = p.mean_degree * (p.share_friends_negative * friend_weight + p.share_social_negative * p.social_weight)
            pos = p.mean_degree * p.share_recommend * friend_weight
            referral[i] = p.share_recommend
            defected[i] = p.share_recent_defectors
        else:
            neg = 0.0
            pos = 0.0
            if signal[i] & HEARS_NEGATIVE:
                neg = heard[i]
                heard[i] = 0.0
            n_rec = int(referral[i])  # counts from push_to_friends
            n_def = n_defected[i]
            if n_rec or n_def:  # most people heard nothing: shares stay 0 (0 / deg) and pos 0
                deg = indptr[i + 1] - indptr[i]
                for _ in range(n_rec):  # one addition per recommending friend, as a loop over friends would
                    pos += friend_weight
                referral[i] = n_rec / deg if n_rec > 0 else 0.0
                defected[i] = n_def / deg if n_def > 0 else 0.0
        w = wom_in[i]
        if w != 0.0:
            wom_in[i] = 0.0
        delta = pos - p.negative_multiplier * neg + w
        if delta == 0.0:
            continue  # heard nothing at all: attitude and intent stay as they are (x + 0.0 == x)
        if status[i] == CUSTOMER:
            attitude[i] = clip01(attitude[i] + delta)
        elif status[i] == PROSPECT:
            v = intent[i] + p.intent_weight * delta
            intent[i] = -1.0 if v < -1.0 else (1.0 if v > 1.0 else v)
