"""Calibration study: does the simulated firm show practice's micro-ratios when measured as a study would?

The domain brief states ratios from customer-experience practice: engaged
employees work overtime 2.5x as often as disengaged ones, happy customers
recommend 9x as often as unhappy ones, 53% of customers with a bad experience
tell friends, and so on. The model has a parameter behind each, but a
parameter is not a measurement. Practice got these figures from surveys: ask
people a question, sort them by their *answer*, then look at what each group
did. This module runs that study on the simulated firm, observing the model
without changing it (:class:`ProbeModel` wraps phase methods and reads the
state they leave):

* **Employee engagement survey** every ``wave_weeks`` (a quarter): every
  employee of the focal firm answers with their engagement plus response noise
  (:attr:`Study.engagement_noise`); an answer at or above the survey's cut-off
  (``engagement.engaged_threshold``) is "engaged". Each respondent is then
  followed until the next wave, while they hold their seat, and their overtime
  shifts, good deeds and suggestions counted per employee-week.
* **Customer relationship survey**, in the same weeks: every customer of the
  focal firm gives a 0-10 likelihood-to-recommend answer, their attitude on the
  model's 0-10 scale plus response noise (:attr:`Study.ltr_noise`), and is a
  promoter (9-10), passive (7-8) or detractor (0-6) by that answer. Each is
  followed until the next wave, while they stay a customer: weeks they
  recommend the firm, repeat purchases and new-offer purchases (per
  customer-week), and the bad experiences they overlook (per bad experience).
* **After a bad experience**: among the respondents who had *any* bad
  experience in the window (the ``BAD`` bit, forgiven, recovered or not, as
  "have you had a bad experience?" would find them), the share who told
  friends, posted on social media, wrote a review or tweeted in that window.
  The model's ``wom.bad_*`` shares apply only to experiences still bad after
  forgiveness and recovery, so these shares are emergent.

The study runs on the focal firm (``model.firms[0]``) of the open market:
only its employees and customers are surveyed, and a customer who switches to
a rival or leaves the market is no longer followed.

The measured figures differ from the parameters behind them, and that gap is
what the study is for: survey noise puts some passives among the promoters and
detractors (and some disengaged among the engaged), people change during the
weeks they are followed, passives sit between the two groups
(``customers.passive_position``), and forgiveness and recovery decide which bad
experiences are told. Each figure is reported next to practice's, with its 95%
interval and the parameter behind it; a figure outside tolerance is a miss, to
be read as such, not tuned away inside this module.

Not measured: "happy customers are 8x more likely to trust". Trust is a weekly
draw inside the attitude kernel that leaves no trace of its own; its
consequences (a wider margin before an experience counts as bad, more
forgiveness) are entangled with the forgiveness ratio measured here, and
reading it back through the margins that define it would echo the parameter.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numba import njit

from cxsim.kernels.flags import (
    BAD,
    CHURNED,
    DETRACTOR,
    EXITED,
    FORGAVE,
    FRIENDS_NEG,
    NEW_OFFER,
    PASSIVE,
    PROMOTER,
    RECOMMEND,
    REPURCHASED,
    REVIEW_NEG,
    SOCIAL_NEG,
    TWEET_NEG,
)
from cxsim.model import CXModel
from cxsim.params import Scenario
from cxsim.rng import S_STUDY_ENGAGEMENT, S_STUDY_LTR, normal
from cxsim.run import seed_list
from cxsim.scenario import load_scenario

# ------------------------------------------------------------------ the study's own numbers


@dataclass(frozen=True)
class Study:
    """How the calibration study is run: these are properties of the surveys, not of the model.

    Attributes:
        engagement_noise: response noise of the engagement survey (std dev, on the 0-1 engagement scale).
            A multi-item engagement index has a reliability of about 0.85-0.9 (Cronbach's alpha of the
            UWES-9: Schaufeli, Bakker & Salanova 2006). With the baseline's spread of true engagement
            (std dev about 0.11-0.12), reliability 0.85 means noise of 0.115 x sqrt(0.15 / 0.85) = 0.05.
        ltr_noise: response noise of the likelihood-to-recommend answer (std dev, in points of the 0-10
            scale, before rounding down to a whole answer). A single survey item has a reliability of
            about 0.45-0.7 (Wanous, Reichers & Hudy 1997, single-item job satisfaction); at the top of
            that range (0.7) and the baseline's spread of true answers (about 1.8-2 points) the noise is
            1.9 x sqrt(0.3 / 0.7) = 1.2 points.
        wave_weeks: weeks between survey waves (a quarterly survey); each wave's respondents are followed
            until the next wave.
        tolerance: a measured figure is within tolerance when it is within this share of practice's
            figure. Practice's figures are single rounded numbers ("9x", "7x", "53%") from practitioner
            surveys of a few hundred to a few thousand people; a ratio of two group rates from such a
            survey is uncertain by 20-30% either way, so a tighter tolerance would be false precision,
            and 25% still keeps 7x and 9x apart.
    """

    engagement_noise: float = 0.05
    ltr_noise: float = 1.2
    wave_weeks: int = 13
    tolerance: float = 0.25

    def __post_init__(self):
        def number(name: str) -> float:
            x = getattr(self, name)
            if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)) or x != x:
                raise ValueError(f"Study.{name} must be a number, got {x!r}")
            return float(x)

        for name in ("engagement_noise", "ltr_noise"):
            if not 0.0 <= number(name) < math.inf:
                raise ValueError(
                    f"Study.{name} (survey response noise, a std dev) must be >= 0, got {getattr(self, name)!r}"
                )
        w = number("wave_weeks")
        if not (w.is_integer() and w >= 1):
            raise ValueError(f"Study.wave_weeks must be a whole number of weeks >= 1, got {self.wave_weeks!r}")
        if not 0.0 < number("tolerance") < 1.0:
            raise ValueError(
                f"Study.tolerance (relative to practice's figure) must be between 0 and 1, got {self.tolerance!r}"
            )


STUDY = Study()

#: key -> (practice's figure, what is measured, the model parameter behind it). Keys are the JSON keys of
#: the report.
TARGETS: dict[str, tuple[float, str, str]] = {
    "engaged_overtime_ratio": (
        2.5, "Engaged vs not (by survey answer): overtime shifts per employee-week", "engagement.overtime_ratio"
    ),
    "engaged_good_deeds_ratio": (
        3.3, "Engaged vs not (by survey answer): good deeds per employee-week", "engagement.good_deed_ratio"
    ),
    "engaged_suggestions_ratio": (
        3.4, "Engaged vs not (by survey answer): suggestions per employee-week", "engagement.suggestion_ratio"
    ),
    "promoter_recommend_ratio": (
        9.0, "Promoters vs detractors (by 0-10 answer): weeks recommending the firm", "customers.recommend_ratio"
    ),
    "promoter_forgive_ratio": (
        7.0, "Promoters vs detractors (by 0-10 answer): bad experiences overlooked", "customers.forgive_ratio"
    ),
    "promoter_repurchase_ratio": (
        7.0, "Promoters vs detractors (by 0-10 answer): repeat purchases per week", "customers.repurchase_ratio"
    ),
    "promoter_new_offer_ratio": (
        7.0, "Promoters vs detractors (by 0-10 answer): new offers tried per week", "customers.new_offer_ratio"
    ),
    "bad_share_friends": (0.53, "Customers with a bad experience who told friends", "wom.bad_friends"),
    "bad_share_facebook": (0.20, "Customers with a bad experience who posted on social media", "wom.bad_social"),
    "bad_share_review_sites": (0.14, "Customers with a bad experience who wrote a review", "wom.bad_review"),
    "bad_share_twitter": (0.10, "Customers with a bad experience who tweeted", "wom.bad_tweet"),
}  # fmt: skip

# ------------------------------------------------------------------ the panels: one column per respondent

# Rows of a panel (int32, rows x people or seats). GROUP is the respondent's group by their answer this wave
# (-1: not a respondent); FOLLOWED is 1 while they are still followed (a customer of the focal firm, or in
# the same seat); the other rows count what they did since the wave began.
GROUP = 0
FOLLOWED = 1
# customers
C_WEEKS = 2  # weeks followed through the word-of-mouth phase
C_RECOMMEND = 3
C_STAYED = 4  # weeks followed through the market phase without leaving (the weeks they could buy)
C_REPURCHASE = 5
C_NEW_OFFER = 6
C_BAD = 7  # bad experiences (the BAD bit: forgiven, recovered or not)
C_FORGAVE = 8
C_CHANNELS = 9  # bits: told friends, posted, reviewed, tweeted (any week of the window)
N_CUSTOMER_ROWS = 10
# employees
E_WEEKS = 2  # weeks at work in the seat they answered from
E_OVERTIME = 3
E_GOOD_DEED = 4
E_SUGGESTION = 5
N_EMPLOYEE_ROWS = 6

# Measures: (events row, exposure row). The sums kept per group and measure are the respondent-level
# sums sum(x), sum(n), sum(x^2), sum(x n), sum(n^2) that the ratio's interval needs.
CUSTOMER_MEASURES = np.array(
    [[C_RECOMMEND, C_WEEKS], [C_REPURCHASE, C_STAYED], [C_NEW_OFFER, C_STAYED], [C_FORGAVE, C_BAD]], np.int64
)
M_RECOMMEND, M_REPURCHASE, M_NEW_OFFER, M_FORGIVE = range(4)
EMPLOYEE_MEASURES = np.array([[E_OVERTIME, E_WEEKS], [E_GOOD_DEED, E_WEEKS], [E_SUGGESTION, E_WEEKS]], np.int64)
M_OVERTIME, M_GOOD_DEED, M_SUGGESTION = range(3)
NOT_ENGAGED, ENGAGED = 0, 1
CHANNELS = (FRIENDS_NEG, SOCIAL_NEG, REVIEW_NEG, TWEET_NEG)  # the order of the bad_share_* targets
CHANNEL_MASK = FRIENDS_NEG | SOCIAL_NEG | REVIEW_NEG | TWEET_NEG
N_SUMS = 5


@njit(cache=True)
def survey_customers(seed, week, firm, attitude, noise, panel):
    """A new wave: every customer of the focal firm answers 0-10 and is followed from now on (serial).

    The answer is the attitude on the model's 0-10 scale (11 equal bands, as :func:`cxsim.kernels.common.ltr`)
    plus ``noise`` (std dev, in points) before rounding down.
    """
    panel[:, :] = 0
    for i in range(firm.shape[0]):
        panel[GROUP, i] = -1
        if firm[i] != 0:
            continue
        answer = int(min(max(math.floor(attitude[i] * 11.0 + noise * normal(seed, S_STUDY_LTR, week, i)), 0.0), 10.0))
        panel[GROUP, i] = PROMOTER if answer >= 9 else (PASSIVE if answer >= 7 else DETRACTOR)
        panel[FOLLOWED, i] = 1


@njit(cache=True)
def follow_experiences(firm, experience_flags, panel):
    """After the attitude phase: each followed customer's bad experiences and the overlooked ones (serial)."""
    for i in range(firm.shape[0]):
        if panel[FOLLOWED, i] == 0 or firm[i] != 0:
            continue
        fl = experience_flags[i]
        if fl & BAD:
            panel[C_BAD, i] += 1
            if fl & FORGAVE:
                panel[C_FORGAVE, i] += 1


@njit(cache=True)
def follow_word_of_mouth(firm, wom_flags, panel):
    """After the word-of-mouth phase: a week followed, recommending, and the channels used (serial)."""
    for i in range(firm.shape[0]):
        if panel[FOLLOWED, i] == 0 or firm[i] != 0:
            continue
        fl = wom_flags[i]
        panel[C_WEEKS, i] += 1
        if fl & RECOMMEND:
            panel[C_RECOMMEND, i] += 1
        panel[C_CHANNELS, i] |= fl & CHANNEL_MASK


@njit(cache=True)
def follow_market(firm_before, market_flags, panel):
    """After the market phase: purchases of those who stayed; those who left are no longer followed (serial)."""
    for i in range(firm_before.shape[0]):
        if panel[FOLLOWED, i] == 0:
            continue
        fl = market_flags[i]
        if firm_before[i] != 0 or fl & (CHURNED | EXITED):
            panel[FOLLOWED, i] = 0
            continue
        panel[C_STAYED, i] += 1
        if fl & REPURCHASED:
            panel[C_REPURCHASE, i] += 1
        if fl & NEW_OFFER:
            panel[C_NEW_OFFER, i] += 1


@njit(cache=True)
def close_wave(panel, measures, sums):
    """Add each respondent's counts of the wave to ``sums[group, measure]`` (sum x, n, x^2, x n, n^2); serial."""
    for i in range(panel.shape[1]):
        g = panel[GROUP, i]
        if g < 0:
            continue
        for m in range(measures.shape[0]):
            x = float(panel[measures[m, 0], i])
            n = float(panel[measures[m, 1], i])
            if n <= 0.0:
                continue
            s = sums[g, m]
            s[0] += x
            s[1] += n
            s[2] += x * x
            s[3] += x * n
            s[4] += n * n


@njit(cache=True)
def close_bad_experience_wave(panel, out):
    """Respondents with a bad experience in the wave (``out[0]``) and, of those, users of each channel
    (``out[1:5]`` in the order of :data:`CHANNELS`); serial."""
    for i in range(panel.shape[1]):
        if panel[GROUP, i] < 0 or panel[C_BAD, i] == 0:
            continue
        out[0] += 1
        ch = panel[C_CHANNELS, i]
        if ch & FRIENDS_NEG:
            out[1] += 1
        if ch & SOCIAL_NEG:
            out[2] += 1
        if ch & REVIEW_NEG:
            out[3] += 1
        if ch & TWEET_NEG:
            out[4] += 1


@njit(cache=True)
def survey_noise(seed, week, salt, seats):
    """The engagement survey's response noise of each seat (standard normal)."""
    out = np.empty(seats.shape[0])
    for j in range(seats.shape[0]):
        out[j] = normal(seed, S_STUDY_ENGAGEMENT, week, salt + seats[j])
    return out


class ProbeModel(CXModel):
    """The unchanged model, observed by the calibration study.

    Survey waves are fielded at the start of weeks 1, 1 + ``wave_weeks``, ... (on the state the previous
    week left); each wave's respondents are followed through the phases of the weeks up to the next wave.
    The wrapped phases only read what the model wrote; the study draws its response noise from its own
    random streams, so a probed run is the same run as an unprobed one.

    Attributes:
        customer_sums: (3, 4, 5) respondent-level sums by NPS group (detractor, passive, promoter) and
            measure (recommending, repurchase, new offers, forgiveness).
        employee_sums: (2, 3, 5) the same by group (not engaged, engaged) and measure (overtime, good
            deeds, suggestions).
        bad_wom: respondents with a bad experience, then how many of them used each channel.
        waves: survey waves fielded.
    """

    def __init__(self, scenario: Scenario | str = "baseline", seed: int = 0, study: Study = STUDY):
        super().__init__(scenario, seed)
        self.study = study
        self.customer_panel = np.zeros((N_CUSTOMER_ROWS, self.market.size), np.int32)
        self.customer_panel[GROUP] = -1
        self.employee_panel = np.zeros((N_EMPLOYEE_ROWS, self.workforce.seats), np.int32)
        self.employee_panel[GROUP] = -1
        self.customer_sums = np.zeros((3, len(CUSTOMER_MEASURES), N_SUMS))
        self.employee_sums = np.zeros((2, len(EMPLOYEE_MEASURES), N_SUMS))
        self.bad_wom = np.zeros(1 + len(CHANNELS), np.int64)
        self.waves = 0

    # --------------------------------------------------------------- waves

    def step(self) -> None:
        if not self.bankrupt and self.week % self.study.wave_weeks == 0:
            self.close_wave()
            self._field_surveys()
        super().step()

    def close_wave(self) -> None:
        """Add the current wave's respondents to the sums (call once more after the last week)."""
        close_wave(self.customer_panel, CUSTOMER_MEASURES, self.customer_sums)
        close_bad_experience_wave(self.customer_panel, self.bad_wom)
        close_wave(self.employee_panel, EMPLOYEE_MEASURES, self.employee_sums)
        self.customer_panel[GROUP] = -1
        self.employee_panel[GROUP] = -1

    def _field_surveys(self) -> None:
        m, s = self.market, self.study
        survey_customers(self.seed_key, self.week, m.firm, m.attitude, s.ltr_noise, self.customer_panel)
        w, p = self.workforce, self.employee_panel
        p[:, :] = 0
        p[GROUP] = -1
        seats = np.flatnonzero(w.active)
        answer = w.engagement[seats] + s.engagement_noise * survey_noise(
            self.seed_key, self.week, self.focal.salt, seats
        )
        p[GROUP, seats] = np.where(answer >= self.params.engagement.engaged_threshold, ENGAGED, NOT_ENGAGED)
        p[FOLLOWED, seats] = 1
        self.waves += 1

    # --------------------------------------------------------------- the phases observed

    def workforce_flows(self, levers):
        w, p = self.workforce, self.employee_panel
        at_work = (p[FOLLOWED] == 1) & w.active  # the respondent is in the seat they answered from
        tenure = w.tenure.copy()
        staff = super().workforce_flows(levers)
        # this week's draws were made for the respondent, even if they quit or were laid off afterwards
        p[E_WEEKS, at_work] += 1
        p[E_OVERTIME, at_work] += w.overtime[at_work]
        p[E_GOOD_DEED, at_work] += w.good_deed[at_work]
        p[E_SUGGESTION, at_work] += w.suggestion[at_work]
        # gone: a vacant seat, or a new hire in it (a new hire starts at tenure 0; a stayer's tenure rose by 1)
        gone = (p[FOLLOWED] == 1) & ~(w.active & (w.tenure == tenure + 1))
        p[FOLLOWED, gone] = 0
        return staff

    def customer_attitude(self, levers, service):
        experience = super().customer_attitude(levers, service)
        follow_experiences(self.market.firm, self.market.experience_flags, self.customer_panel)
        return experience

    def word_of_mouth(self):
        wom = super().word_of_mouth()
        follow_word_of_mouth(self.market.firm, self.market.wom_flags, self.customer_panel)
        return wom

    def churn_spend_acquisition(self, levers, wom):
        moves = super().churn_spend_acquisition(levers, wom)
        follow_market(self.market.firm_before, self.market.market_flags, self.customer_panel)
        return moves


# ------------------------------------------------------------------ from counts to figures


def rate_ratio(s1, s0) -> tuple[float, float, float]:
    """Ratio of two groups' event rates, sum(x)/sum(n), with a 95% interval.

    ``s1`` and ``s0`` are the respondent-level sums (sum x, sum n, sum x^2, sum x n, sum n^2) of each
    group. Each respondent's weeks are one cluster (their events are not independent: a customer who
    recommends this week is likely to next week), so the variance of each rate is the ratio estimator's,
    sum (x - r n)^2 over respondents (Cochran 1977, ch. 6), and the interval is symmetric on the log scale.
    """
    x1, n1, xx1, xn1, nn1 = (float(v) for v in s1)
    x0, n0, xx0, xn0, nn0 = (float(v) for v in s0)
    if x1 <= 0 or x0 <= 0 or n1 <= 0 or n0 <= 0:
        return math.nan, math.nan, math.nan
    r1, r0 = x1 / n1, x0 / n0
    v1 = max(xx1 - 2.0 * r1 * xn1 + r1 * r1 * nn1, 0.0)
    v0 = max(xx0 - 2.0 * r0 * xn0 + r0 * r0 * nn0, 0.0)
    se = math.sqrt(v1 / (x1 * x1) + v0 / (x0 * x0))
    r = r1 / r0
    return r, r * math.exp(-1.96 * se), r * math.exp(1.96 * se)


def share(x: int, n: int) -> tuple[float, float, float]:
    """x/n with a 95% Wilson interval."""
    if n <= 0:
        return math.nan, math.nan, math.nan
    p = x / n
    z = 1.96
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return p, mid - half, mid + half


@dataclass
class Ratio:
    """One of practice's figures, measured.

    Attributes:
        key: the figure's key in :data:`TARGETS` and the JSON report.
        target: practice's figure.
        value: the study's measurement (nan where there was nothing to measure it from).
        low, high: its 95% interval.
        events: the smaller event count behind it (a precision indicator).
        label: what is measured, in words.
        tolerance: the study's tolerance (relative to ``target``).
        parameter: the dotted model parameter behind the figure.
        parameter_value: that parameter's value in the scenario measured (nan if not known).
    """

    key: str
    target: float
    value: float
    low: float
    high: float
    events: int
    label: str
    tolerance: float = STUDY.tolerance
    parameter: str = ""
    parameter_value: float = math.nan

    @property
    def relative_error(self) -> float:
        return (self.value - self.target) / self.target

    @property
    def ok(self) -> bool:
        """Within tolerance of practice's figure (a figure that could not be measured is not)."""
        return bool(abs(self.relative_error) <= self.tolerance)


def ratios_from_counts(
    customer_sums: np.ndarray,
    employee_sums: np.ndarray,
    bad_wom: np.ndarray,
    study: Study = STUDY,
    scenario: Scenario | None = None,
) -> list[Ratio]:
    """Turn the study's summed counts into the report's figures (see :class:`ProbeModel`).

    With ``scenario``, each figure also carries the value of the parameter behind it.
    """
    c, e, b = np.asarray(customer_sums), np.asarray(employee_sums), [int(v) for v in bad_wom]

    def groups(sums, m, hi, lo):
        return rate_ratio(sums[hi, m], sums[lo, m]), int(min(sums[hi, m, 0], sums[lo, m, 0]))

    measured = {
        "engaged_overtime_ratio": groups(e, M_OVERTIME, ENGAGED, NOT_ENGAGED),
        "engaged_good_deeds_ratio": groups(e, M_GOOD_DEED, ENGAGED, NOT_ENGAGED),
        "engaged_suggestions_ratio": groups(e, M_SUGGESTION, ENGAGED, NOT_ENGAGED),
        "promoter_recommend_ratio": groups(c, M_RECOMMEND, PROMOTER, DETRACTOR),
        "promoter_forgive_ratio": groups(c, M_FORGIVE, PROMOTER, DETRACTOR),
        "promoter_repurchase_ratio": groups(c, M_REPURCHASE, PROMOTER, DETRACTOR),
        "promoter_new_offer_ratio": groups(c, M_NEW_OFFER, PROMOTER, DETRACTOR),
        "bad_share_friends": (share(b[1], b[0]), b[0]),
        "bad_share_facebook": (share(b[2], b[0]), b[0]),
        "bad_share_review_sites": (share(b[3], b[0]), b[0]),
        "bad_share_twitter": (share(b[4], b[0]), b[0]),
    }
    out = []
    for key, (target, label, parameter) in TARGETS.items():
        (value, lo, hi), events = measured[key]
        pv = math.nan
        if scenario is not None:
            section, name = parameter.split(".")
            pv = float(getattr(getattr(scenario, section), name))
        out.append(Ratio(key, target, value, lo, hi, events, label, study.tolerance, parameter, pv))
    return out


@dataclass
class CalibrationReport:
    """Practice's figures vs the study's measurements on one scenario over some seeds."""

    scenario: Scenario
    seeds: list[int]
    steps: int
    study: Study
    ratios: list[Ratio]
    counts: dict[str, list]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.ratios)

    def by_key(self) -> dict[str, Ratio]:
        return {r.key: r for r in self.ratios}

    def to_dict(self) -> dict:
        """The JSON report: one key per figure, each ``{"target", "measured", "ci95", ...}``.

        Besides ``target`` and ``measured`` each entry carries its 95% interval (``ci95``),
        ``relative_error``, ``within_tolerance`` (of the study's ``tolerance``, also given), ``events``
        (the smaller event count behind it) and the ``parameter`` behind it with its ``parameter_value``.
        ``null`` marks a figure with no events to measure it from.
        """

        def num(x: float):
            return None if x != x else round(x, 4)

        return {
            r.key: {
                "target": r.target,
                "measured": num(r.value),
                "ci95": [num(r.low), num(r.high)],
                "relative_error": num(r.relative_error),
                "tolerance": r.tolerance,
                "within_tolerance": r.ok,
                "events": r.events,
                "parameter": r.parameter,
                "parameter_value": num(r.parameter_value),
            }
            for r in self.ratios
        }

    def write_json(self, path: str | Path) -> None:
        from cxsim.atomic import write_text  # temp name + rename: never a half-written file

        write_text(path, json.dumps(self.to_dict(), indent=2) + "\n")

    def table(self):
        """The report as a DataFrame (one row per figure)."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "key": r.key,
                    "target": r.target,
                    "measured": r.value,
                    "ci_low": r.low,
                    "ci_high": r.high,
                    "relative_error": r.relative_error,
                    "ok": r.ok,
                    "events": r.events,
                    "parameter": r.parameter,
                    "parameter_value": r.parameter_value,
                    "meaning": r.label,
                }
                for r in self.ratios
            ]
        )


def calibrate(
    scenario: Scenario | str = "baseline",
    seeds: int | Iterable[int] = 4,
    steps: int | None = None,
    *,
    overrides: dict | None = None,
    study: Study = STUDY,
    progress: Callable[[int, int], None] | None = None,
) -> CalibrationReport:
    """Run the calibration study on ``scenario`` over ``seeds``: every figure in :data:`TARGETS`.

    Respondents are pooled over waves and seeds (more seeds or weeks: narrower intervals).

    Args:
        scenario: a scenario, shipped name or TOML path.
        seeds: number of seeds (0..n-1) or an explicit list.
        steps: weeks per run (default: the scenario's ``sim.weeks``).
        overrides: dotted parameter overrides.
        study: how the surveys are run (:class:`Study`).
        progress: called with (weeks done, weeks planned) over all runs.
    """
    if not isinstance(study, Study):
        raise TypeError(f"study must be a cxsim.calibration.Study, got {type(study).__name__}")
    s = load_scenario(scenario, overrides)
    steps = s.sim.weeks if steps is None else int(steps)
    seeds = seed_list(seeds)
    if not seeds:
        raise ValueError("calibration needs at least one seed")
    customer = np.zeros((3, len(CUSTOMER_MEASURES), N_SUMS))
    employee = np.zeros((2, len(EMPLOYEE_MEASURES), N_SUMS))
    bad_wom = np.zeros(1 + len(CHANNELS), np.int64)
    total = steps * len(seeds)
    for k, seed in enumerate(seeds):
        model = ProbeModel(s, seed=seed, study=study)
        # progress counts weeks over all runs; a bankrupt run ends early and its remaining weeks count as done
        model.run_weeks(steps, progress=_progress_over_runs(progress, k * steps, total))
        model.close_wave()
        customer += model.customer_sums
        employee += model.employee_sums
        bad_wom += model.bad_wom
    if progress:
        progress(total, total)
    counts = {"customers": customer.tolist(), "employees": employee.tolist(), "bad_experience": bad_wom.tolist()}
    ratios = ratios_from_counts(customer, employee, bad_wom, study, s)
    return CalibrationReport(s, seeds, steps, study, ratios, counts)


def _progress_over_runs(
    progress: Callable[[int, int], None] | None, weeks_before: int, total: int
) -> Callable[[int, int], None] | None:
    """A run's ``progress(week, weeks)`` as ``progress(weeks done over all runs, total)``."""
    if progress is None:
        return None
    return lambda week, _weeks: progress(weeks_before + week, total)
