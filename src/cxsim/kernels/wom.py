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

import numpy as np
from numba import njit, prange

from cxsim.kernels.attitude import BAD_FINAL
from cxsim.kernels.common import DETRACTOR, by_category, category, clip01
from cxsim.kernels.encounters import CONTACTED
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
# bits of ``signal`` only (see ``signals``): this person's defection starts / stops counting as recent
DEFECTION_STARTS = 4
DEFECTION_ENDS = 8
HEARS_NEGATIVE = 64  # bit of ``signal`` only (see ``push_to_friends``): a friend told or posted something bad
SAYS = FRIENDS_NEG | SOCIAL_NEG | RECOMMEND | DEFECTION_STARTS | DEFECTION_ENDS  # what friends must hear

RALLY = 2  # bit of the persistent ``case`` flags: rallied by a viral story, will post next week


@njit(cache=True, parallel=True)
def send(
    seed,
    week,
    status,
    attitude,
    enc,
    exp,
    case,
    wom,
    p_friends,
    p_social,
    p_review,
    p_tweet,
    recommend_base,
    recommend_ratio,
    p_positive_review,
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
            if uniform(seed, S_RECOMMEND, week, i) < by_category(
                recommend_base, recommend_ratio, category(attitude[i])
            ):
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
    seed,
    week,
    status,
    attitude,
    case,
    wom,
    wom_in,
    social_reach,
    social_weight,
    tweet_reach,
    viral_prob,
    viral_min_reach,
    viral_alpha,
    viral_weight,
    negative_multiplier,
    rally_prob,
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


@njit(cache=True)  # serial: a branch-free pass that vectorises; parallel would cost ~2 s more compile than it saves
def signals(week, wom, t_churned, contagion_window, signal, referral, defected):
    """What each person's friends can hear from them this week, one byte each.

    ``signal`` gets the friend-visible WOM bits (told friends, posted,
    recommended) plus ``DEFECTION_STARTS`` / ``DEFECTION_ENDS`` for someone
    whose defection counts as recent from this week on / no longer does (left
    within the contagion window: ``week - t_churned < contagion_window``), so
    that :func:`push_to_friends` keeps friends' counts of recent defectors up
    to date by visiting only those who changed (~1% a week rather than the
    ~5% recent defectors). Also clears ``referral`` and ``defected``, which
    :func:`receive` fills with this week's shares. Returns the same counts as
    :func:`tally` followed by the number of recent defectors.
    """
    n_friends = 0
    n_social = 0
    n_tweet = 0
    n_review = 0
    n_recommend = 0
    n_review_pos = 0
    n_recent = 0
    for i in range(wom.shape[0]):
        f = wom[i]
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
    out = np.empty(7, dtype=np.int64)
    out[0] = n_friends
    out[1] = n_social
    out[2] = n_tweet
    out[3] = n_review
    out[4] = n_recommend
    out[5] = n_review_pos
    out[6] = n_recent
    return out


@njit(cache=True)
def push_to_friends(indptr, indices, signal, referral, n_defected, heard, friend_weight, social_weight):
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


def receive(
    indptr,
    indices,
    status,
    attitude,
    intent,
    signal,
    wom_in,
    referral,
    defected,
    heard,
    n_defected,
    full_mixing,
    mean_degree,
    share_friends_neg,
    share_social_neg,
    share_recommend,
    share_recent_churn,
    friend_weight,
    social_weight,
    negative_multiplier,
    intent_weight,
):
    """Each person reads what their friends said; customers' attitude and
    prospects' intent move. Also writes each person's share of recommending
    friends (``referral``) and of recently defected friends (``defected``).

    ``signal``, ``referral`` and ``defected`` are as :func:`signals` left
    them, ``heard`` all zero (and left so), ``n_defected`` as last week left it. Under full mixing the friends are
    the whole market (mean-field shares).
    """
    if not full_mixing:
        push_to_friends(indptr, indices, signal, referral, n_defected, heard, friend_weight, social_weight)
    read_friends(
        indptr,
        status,
        attitude,
        intent,
        signal,
        wom_in,
        referral,
        defected,
        heard,
        n_defected,
        full_mixing,
        mean_degree,
        share_friends_neg,
        share_social_neg,
        share_recommend,
        share_recent_churn,
        friend_weight,
        social_weight,
        negative_multiplier,
        intent_weight,
    )


@njit(cache=True, parallel=True)
def read_friends(
    indptr,
    status,
    attitude,
    intent,
    signal,
    wom_in,
    referral,
    defected,
    heard,
    n_defected,
    full_mixing,
    mean_degree,
    share_friends_neg,
    share_social_neg,
    share_recommend,
    share_recent_churn,
    friend_weight,
    social_weight,
    negative_multiplier,
    intent_weight,
):
    """The second half of :func:`receive` (parallel, no write conflicts): turn the
    pushed counts into shares and move attitude or intent. The negative sum
    was made by the push (in friend order: floating-point sums depend on the
    order); reading it here instead of visiting friends' signals halves this
    pass at a million people (random reads of the graph and of ``signal``)."""
    for i in prange(status.shape[0]):
        if full_mixing:
            neg = mean_degree * (share_friends_neg * friend_weight + share_social_neg * social_weight)
            pos = mean_degree * share_recommend * friend_weight
            referral[i] = share_recommend
            defected[i] = share_recent_churn
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
        delta = pos - negative_multiplier * neg + w
        if delta == 0.0:
            continue  # heard nothing at all: attitude and intent stay as they are (x + 0.0 == x)
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
