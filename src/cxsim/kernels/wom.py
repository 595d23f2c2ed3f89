"""Phase 8: word of mouth through friends, social posts, review sites and tweets.

After a bad experience a customer may tell friends (graph neighbours), post
on social media (friends plus a wider audience, less weight each), post a
review (moves the public rating every prospect sees) and tweet (a few
readers; rarely viral with a heavy-tailed reach). Promoters recommend the
firm (referrals). Received messages move customers' attitude and prospects'
purchase intent; negative messages weigh more than positive ones.

Three passes, one concern each: ``send`` decides who says what (parallel),
``broadcast`` delivers posts and tweets to random audiences (serial, so
deterministic), ``receive`` lets each person read their friends (parallel,
pull-based: no write conflicts).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from cxsim.kernels.attitude import BAD_FINAL
from cxsim.kernels.encounters import CONTACTED
from cxsim.kernels.common import DETRACTOR, by_category, category, clip01
from cxsim.rng import (
    S_CASCADE,
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

PROSPECT = 0
CUSTOMER = 1

# bits of the per-person WOM flags ``wom`` (what this person says this week)
FRIENDS_NEG = 1
SOCIAL_NEG = 2
TWEET_NEG = 4
REVIEW_NEG = 8
RECOMMEND = 16
REVIEW_POS = 32
VIRAL = 64

RALLY = 2  # bit of the persistent ``case`` flags: rallied by a viral story, will post next week


@njit(cache=True, parallel=True)
def send(
    seed, week, status, attitude, enc, exp, case, wom,
    p_friends, p_social, p_review, p_tweet, recommend_base, recommend_ratio, p_positive_review,
):
    """Decide each customer's messages this week; writes ``wom`` flags."""
    for i in prange(status.shape[0]):
        wom[i] = 0
        if status[i] != CUSTOMER:
            continue
        flags = 0
        if case[i] & RALLY:
            case[i] = case[i] & np.uint8(0xFF ^ RALLY)
            flags |= SOCIAL_NEG | REVIEW_NEG
        if exp[i] & BAD_FINAL:
            if uniform(seed, S_FRIENDS, week, i) < p_friends:
                flags |= FRIENDS_NEG
            if uniform(seed, S_SOCIAL, week, i) < p_social:
                flags |= SOCIAL_NEG
            if uniform(seed, S_REVIEW, week, i) < p_review:
                flags |= REVIEW_NEG
            if uniform(seed, S_TWEET, week, i) < p_tweet:
                flags |= TWEET_NEG
        else:
            if uniform(seed, S_RECOMMEND, week, i) < by_category(recommend_base, recommend_ratio, category(attitude[i])):
                flags |= RECOMMEND
            if (enc[i] & CONTACTED) and uniform(seed, S_POS_REVIEW, week, i) < p_positive_review:
                flags |= REVIEW_POS
        wom[i] = flags


@njit(cache=True)
def viral_reach(u, min_reach, alpha, n):
    """Pareto-distributed audience of a viral story, capped at the market."""
    r = min_reach * (1.0 - u) ** (-1.0 / alpha)
    if r > n - 1:
        return n - 1
    return int(r)


@njit(cache=True)
def broadcast(
    seed, week, status, attitude, case, wom, wom_in,
    social_reach, social_weight, tweet_reach, viral_prob, viral_min_reach, viral_alpha, viral_weight,
    negative_multiplier, rally_prob,
):
    """Deliver social posts and tweets to random audiences (serial: deterministic).

    Adds (negative) attitude deltas into ``wom_in``. Returns (viral_stories,
    people_reached_by_viral).
    """
    n = status.shape[0]
    n_viral = 0
    viral_people = 0
    for i in range(n):
        f = wom[i]
        if (f & (SOCIAL_NEG | TWEET_NEG)) == 0:
            continue
        key = (week << 32) | i
        if f & SOCIAL_NEG:
            for r in range(social_reach):
                wom_in[index(seed, S_SOCIAL_TARGET, key, r, n)] -= social_weight * negative_multiplier
        if f & TWEET_NEG:
            if uniform(seed, S_VIRAL, week, i) < viral_prob:
                wom[i] = f | VIRAL
                reach = viral_reach(uniform(seed, S_VIRAL_SIZE, week, i), viral_min_reach, viral_alpha, n)
                weight = viral_weight
                n_viral += 1
                viral_people += reach
            else:
                reach = tweet_reach
                weight = social_weight
            for r in range(reach):
                t = index(seed, S_TWEET_TARGET, key, r, n)
                wom_in[t] -= weight * negative_multiplier
                if (
                    weight == viral_weight
                    and rally_prob > 0.0
                    and status[t] == CUSTOMER
                    and category(attitude[t]) == DETRACTOR
                    and uniform(seed, S_RALLY, key, r) < rally_prob
                ):
                    case[t] = case[t] | np.uint8(RALLY)
    return n_viral, viral_people


@njit(cache=True, parallel=True)
def receive(
    week, indptr, indices, status, attitude, intent, wom, wom_in, t_churned, referral, defected,
    full_mixing, mean_degree, share_friends_neg, share_social_neg, share_recommend, share_recent_churn,
    friend_weight, social_weight, negative_multiplier, intent_weight, contagion_window,
):
    """Each person reads what their friends said; customers' attitude and
    prospects' intent move. Also writes each person's share of recommending
    friends (``referral``) and of recently defected friends (``defected``).

    Under full mixing the friends are the whole market (mean-field shares).
    """
    for i in prange(status.shape[0]):
        if full_mixing:
            neg = mean_degree * (share_friends_neg * friend_weight + share_social_neg * social_weight)
            pos = mean_degree * share_recommend * friend_weight
            referral[i] = share_recommend
            defected[i] = share_recent_churn
        else:
            neg = 0.0
            pos = 0.0
            n_rec = 0
            n_def = 0
            start = indptr[i]
            end = indptr[i + 1]
            for k in range(start, end):
                j = indices[k]
                f = wom[j]
                if f & FRIENDS_NEG:
                    neg += friend_weight
                if f & SOCIAL_NEG:
                    neg += social_weight
                if f & RECOMMEND:
                    pos += friend_weight
                    n_rec += 1
                tc = t_churned[j]
                if tc >= 0 and week - tc < contagion_window:
                    n_def += 1
            deg = end - start
            referral[i] = n_rec / deg if deg > 0 else 0.0
            defected[i] = n_def / deg if deg > 0 else 0.0
        delta = pos - negative_multiplier * neg + wom_in[i]
        wom_in[i] = 0.0
        if status[i] == CUSTOMER:
            attitude[i] = clip01(attitude[i] + delta)
        elif status[i] == PROSPECT:
            v = intent[i] + intent_weight * delta
            intent[i] = -1.0 if v < -1.0 else (1.0 if v > 1.0 else v)


@njit(cache=True)
def tally(wom):
    """Senders per channel this week: (friends_neg, social_neg, tweet_neg, review_neg, recommend, review_pos)."""
    out = np.zeros(6, dtype=np.int64)
    for i in range(wom.shape[0]):
        f = wom[i]
        if f:
            if f & FRIENDS_NEG:
                out[0] += 1
            if f & SOCIAL_NEG:
                out[1] += 1
            if f & TWEET_NEG:
                out[2] += 1
            if f & REVIEW_NEG:
                out[3] += 1
            if f & RECOMMEND:
                out[4] += 1
            if f & REVIEW_POS:
                out[5] += 1
    return out


@njit(cache=True)
def cascade(indptr, indices, sources, p, seed):
    """Independent cascade: each newly reached node passes the story to each
    friend once with probability ``p``. Returns the boolean reached mask.

    On an Erdos-Renyi graph of mean degree c the final reached share S solves
    S = 1 - exp(-c p S) (bond percolation).
    """
    n = indptr.shape[0] - 1
    reached = np.zeros(n, dtype=np.bool_)
    frontier = np.empty(n, dtype=np.int64)
    head = 0
    tail = 0
    for s in sources:
        if not reached[s]:
            reached[s] = True
            frontier[tail] = s
            tail += 1
    while head < tail:
        i = frontier[head]
        head += 1
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            if not reached[j] and uniform(seed, S_CASCADE, i, j) < p:
                reached[j] = True
                frontier[tail] = j
                tail += 1
    return reached
