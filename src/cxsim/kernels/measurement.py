"""Phase 10: what customers feel vs what each firm sees.

``attitude_tally`` is the truth over each firm's current customers (its NPS
mix) and over everyone who has ever been its customer (its reputation, which
does not rise when unhappy customers leave); ``voc_survey`` is what a
voice-of-customer program sees: a sample with response bias (the happier answer
more often) and noise, asking current customers how likely they are to
recommend the firm and, those who were in contact this week, how that contact
was (the same 0-1 quality scale as the firm's internal metrics).
docs/model.md#measurement.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from cxsim.kernels.common import CHUNK, by_firm_and_category, category, clip01, n_chunks, sum_chunks
from cxsim.kernels.flags import BAD, BAD_FINAL, CONTACTED, DETRACTOR, EXPERIENCE_CAT_SHIFT, FORGAVE, PROMOTER, RECOVERED
from cxsim.rng import S_VOC_NOISE, S_VOC_PICK, S_VOC_RESPOND, index, normal, uniform


class AttitudeTally(NamedTuple):
    """Each firm's customers by NPS category and the sum of their attitudes, and everyone who has
    been its customer by the category of their attitude (customers) or memory (former customers)."""

    by_category: np.ndarray  # (firms, 3): detractors, passives, promoters among current customers
    attitude_sum: np.ndarray  # (firms,)
    reputation: np.ndarray  # (firms, 3): the same over everyone who has ever been a customer


@njit(cache=True)
def attitude_tally(market):
    """Current customers and ever-customers of each firm by NPS category: an :class:`AttitudeTally`.

    The counts in parallel over fixed chunks of ``CHUNK`` people (:func:`_attitude_chunk`), summed over the chunks
    in order; the sums of attitudes in person order (:func:`_attitude_sums`): every figure is the same whatever the
    number of threads, and as a single pass over everyone gave it.
    """
    firm = market.firm
    parts = np.zeros((n_chunks(firm.shape[0]), 6, market.opinion.shape[1] + 1), np.int64)
    _attitude_chunks(firm, market.known, market.attitude, market.opinion, parts)
    counts = sum_chunks(parts)
    return AttitudeTally(
        by_firm_and_category(counts, 0),
        _attitude_sums(firm, market.attitude, market.opinion.shape[1]),
        by_firm_and_category(counts, 3),
    )


@njit(cache=True, parallel=True)
def _attitude_chunks(firm, known, attitude, opinion, parts):
    """The parallel loop of :func:`attitude_tally` and nothing else (see kernels.market._tally_chunks)."""
    for c in prange(parts.shape[0]):
        _attitude_chunk(firm, known, attitude, opinion, c * CHUNK, parts[c])


@njit(cache=True)
def _attitude_chunk(firm, known, attitude, opinion, lo, counts):
    """:func:`attitude_tally`'s counts over people ``lo`` .. ``lo + CHUNK - 1`` into ``counts``: rows 0-2 customers
    by NPS category, rows 3-5 the other ever-customers by the category of their memory; firm ``k`` in column
    ``k + 1`` (column 0 counts people of no firm, so that no count branches on it)."""
    n_firms = opinion.shape[1]
    for i in range(lo, min(lo + CHUNK, firm.shape[0])):
        f = firm[i] + 1
        c = category(attitude[i])
        counts[c, f] += 1
        counts[3 + c, f] += 1
        kn = known[i] & ~((1 << f) >> 1)  # the firms they were a customer of, but their own
        if kn:
            for k in range(n_firms):
                if kn & (1 << k):
                    counts[3 + category(opinion[i, k]), k + 1] += 1


@njit(cache=True)
def _attitude_sums(firm, attitude, n_firms):
    """Sum of each firm's customers' attitudes, added in person order (a float sum: the order sets its last bits)."""
    total = np.zeros(n_firms + 1)
    for i in range(firm.shape[0]):
        total[firm[i] + 1] += attitude[i]
    return total[1:].copy()


class ExperienceTally(NamedTuple):
    """This week's experiences of each firm's customers, counted by :func:`experience_tally`
    (arrays with one entry per firm; by NPS category of the customer at the time: (firms, 3))."""

    bad: np.ndarray
    bad_final: np.ndarray  # neither forgiven nor recovered
    recovered: np.ndarray
    bad_by_category: np.ndarray
    forgiven_by_category: np.ndarray


@njit(cache=True)
def experience_tally(market):
    """Counts of this week's experiences per firm (serial): an :class:`ExperienceTally`."""
    firm = market.firm
    experience_flags = market.experience_flags
    n_firms = market.opinion.shape[1]
    bad = np.zeros(n_firms, np.int64)
    bad_final = np.zeros(n_firms, np.int64)
    recovered = np.zeros(n_firms, np.int64)
    bad_cat = np.zeros((n_firms, 3), np.int64)
    forgiven_cat = np.zeros((n_firms, 3), np.int64)
    for i in range(experience_flags.shape[0]):
        fl = experience_flags[i]
        if fl == 0:
            continue
        f = firm[i]
        if fl & BAD:
            bad[f] += 1
            cat = (fl >> EXPERIENCE_CAT_SHIFT) & 3
            bad_cat[f, cat] += 1
            if fl & FORGAVE:
                forgiven_cat[f, cat] += 1
        if fl & BAD_FINAL:
            bad_final[f] += 1
        if fl & RECOVERED:
            recovered[f] += 1
    return ExperienceTally(bad, bad_final, recovered, bad_cat, forgiven_cat)


class VocParams(NamedTuple):
    """Scalars of :func:`voc_survey`."""

    firm: int  # the firm running the survey
    salt: int  # its own random numbers
    sample: int  # responses wanted per week, in each of the two surveys
    max_invites: int  # invitations sent at most in a week
    response_rate: float  # chance a customer of average attitude answers
    response_bias: float  # happier customers answer more
    noise: float  # answer noise (std dev)


class VocResult(NamedTuple):
    responses: int
    nps: float  # NaN with no responses
    mean_answer: float  # mean likelihood-to-recommend answer (0-1); NaN with no responses
    contact_responses: int  # respondents who were in contact this week ...
    contact_quality: float  # ... and their mean rating of that contact (0-1); NaN with none


@njit(cache=True)
def voc_survey(seed, week, market, p):
    """Two surveys of the firm's customers: a relationship survey of ``p.sample`` customers (how likely
    to recommend) and a transactional survey of ``p.sample`` customers in contact this week (how was it).

    Each invitation goes to a random person; a customer of the firm answers with probability
    response_rate + response_bias x (attitude - 0.5) x 2 (happier customers answer more). Answers
    are the truth plus noise. ``p`` is a :class:`VocParams`; returns a :class:`VocResult`.
    """
    firm = market.firm
    attitude = market.attitude
    firm_before = market.firm_before
    quality = market.quality
    encounter_flags = market.encounter_flags
    n = firm.shape[0]
    det = 0
    pro = 0
    got = 0
    total = 0.0
    n_q = 0
    q_total = 0.0
    for k in range(p.max_invites):
        if got >= p.sample and n_q >= p.sample:
            break
        key = p.salt + k
        i = index(seed, S_VOC_PICK, week, key, n)
        if firm[i] != p.firm:
            continue
        # a contact this week with this firm (someone who switched away after it rates their old firm: not asked)
        contacted = (encounter_flags[i] & CONTACTED) != 0 and firm_before[i] == p.firm
        if got >= p.sample and not contacted:
            continue
        a = attitude[i]
        if uniform(seed, S_VOC_RESPOND, week, key) >= clip01(p.response_rate + p.response_bias * (a - 0.5) * 2.0):
            continue
        if got < p.sample:
            answer = clip01(a + p.noise * normal(seed, S_VOC_NOISE, week, 2 * key))
            c = category(answer)
            if c == PROMOTER:
                pro += 1
            elif c == DETRACTOR:
                det += 1
            total += answer
            got += 1
        if contacted and n_q < p.sample:
            n_q += 1
            q_total += clip01(quality[i] + p.noise * normal(seed, S_VOC_NOISE, week, 2 * key + 1))
    nps = 100.0 * (pro - det) / got if got else np.nan
    mean_answer = total / got if got else np.nan
    contact_quality = q_total / n_q if n_q else np.nan
    return VocResult(got, nps, mean_answer, n_q, contact_quality)
