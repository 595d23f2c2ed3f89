"""Every per-person byte and bit the kernels share, documented in one place.

A person's state is a row across the arrays of :class:`cxsim.state.Market`. Most of it is
numbers (attitude, expectation, need ...); the rest is small codes and bit flags, listed here
with the kernel that writes them and the kernels that read them. Kernels import their
constants from this module only, so a bit cannot mean two things in two files.
"""

from __future__ import annotations

# --- Market.status (int8): where a person stands with the firm ---------------------------------
PROSPECT = 0  # never been a customer
CUSTOMER = 1  # a customer now
FORMER = 2  # was a customer and left

# --- NPS categories of a 0-10 likelihood-to-recommend answer (kernels.common.category) ----------
DETRACTOR = 0  # 0-6
PASSIVE = 1  # 7-8
PROMOTER = 2  # 9-10

# --- Market.case (uint8): persistent flags, kept from week to week ----------------------------
UNRESOLVED = 1  # the customer's last contact left the case open (encounters writes; encounters reads)
RALLY = 2  # rallied by a viral story: posts and reviews next week (wom.broadcast writes; wom.send reads, clears)

# --- Market.encounter_flags (uint8): this week's contact, written by encounters.serve ----------
CONTACTED = 1
RESOLVED = 2
DROPPED = 4  # a handoff dropped the case
REPEAT = 8  # the case was already open: a repeat contact
NONSTANDARD = 16  # a need no procedure foresaw
HANDOFF_SHIFT = 5  # bits 5-6: number of handoffs (0..MAX_HANDOFFS)
HANDOFF_MASK = 3
MAX_HANDOFFS = 3

# --- Market.experience_flags (uint8): this week's experience, written by attitude.update -------
BAD = 1  # the experience was bad (before forgiveness or recovery)
FORGAVE = 2  # the customer overlooked it
RECOVERED = 4  # fast service recovery undid most of it
BAD_FINAL = 8  # still bad after forgiveness and recovery: triggers negative word of mouth
EXPERIENCE_CAT_SHIFT = 4  # bits 4-5: the customer's NPS category at the moment of the experience

# --- Market.wom_flags (uint8): what this person says this week, written by wom.send/broadcast --
# One name per channel everywhere: friends, social, review, tweet.
FRIENDS_NEG = 1  # told friends about a bad experience
SOCIAL_NEG = 2  # posted about it on social media
TWEET_NEG = 4  # tweeted about it
REVIEW_NEG = 8  # wrote a bad review
RECOMMEND = 16  # recommended the firm to friends
REVIEW_POS = 32  # wrote a good review
VIRAL = 64  # the tweet went viral (wom.broadcast)

# --- Market.signal (uint8): what friends can hear from this person this week ------------------
# wom.signals writes FRIENDS_NEG | SOCIAL_NEG | RECOMMEND (the same bits as wom_flags) plus the two
# defection bits; wom.push_to_friends sets HEARS_NEGATIVE on the friends of someone who told or posted.
DEFECTION_STARTS = 4  # this person's defection counts as recent from this week on
DEFECTION_ENDS = 8  # ... and no longer does from this week on
HEARS_NEGATIVE = 64  # a friend told or posted something bad this week
SAYS = FRIENDS_NEG | SOCIAL_NEG | RECOMMEND | DEFECTION_STARTS | DEFECTION_ENDS  # what friends must hear

# --- Market.market_flags (uint8): this week's market events, written by market.churn_spend_acquire
CHURNED = 1
REPURCHASED = 2
NEW_OFFER = 4
ADOPTED = 8
MARKET_CAT_SHIFT = 4  # bits 4-5: NPS category when the spend decision was made
