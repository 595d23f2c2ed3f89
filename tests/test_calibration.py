"""The calibration study measures practice's micro-ratios the way a study of a real firm would.

These tests do not set a parameter and read it back. They check what a survey-based measurement must show if
it is a measurement: response noise attenuates the ratios, a changed mechanism moves the measured figure by a
bounded amount, the figures are reproducible, and observing the firm does not change it.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

import cxsim
from cxsim.calibration import (
    CUSTOMER_MEASURES,
    DETRACTOR,
    EMPLOYEE_MEASURES,
    ENGAGED,
    M_OVERTIME,
    M_RECOMMEND,
    N_SUMS,
    NOT_ENGAGED,
    PROMOTER,
    TARGETS,
    ProbeModel,
    Study,
    calibrate,
    rate_ratio,
    ratios_from_counts,
    share,
)
from cxsim.model import CXModel
from cxsim.parallel import using_threads

PEOPLE = 4000  # the baseline market shrunk to 4,000 people, each firm with it (~40 employees at the focal firm)
SEEDS = [0, 1, 2, 3]
NOISELESS = Study(engagement_noise=0.0, ltr_noise=0.0)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """A market this small gains nothing from a second thread, and on a busy machine the threads wait for each other."""
    with using_threads(1):
        yield


@pytest.fixture(scope="module")
def market():
    """The baseline's market and firms at 4,000 people, one year."""
    base = cxsim.load_scenario("baseline")
    return base.scale(PEOPLE / base.market.size).override({"sim.weeks": 52})


@pytest.fixture(scope="module")
def default_report(market):
    return calibrate(market, seeds=SEEDS)


def figures(rep) -> dict[str, float]:
    return {r.key: r.value for r in rep.ratios}


# ---------------------------------------------------------------- arithmetic


def _sums(rates_and_weeks) -> np.ndarray:
    """Respondent-level sums (x, n, x^2, x n, n^2) of respondents given as (events, weeks)."""
    x = np.array([e for e, _ in rates_and_weeks], float)
    n = np.array([w for _, w in rates_and_weeks], float)
    return np.array([x.sum(), n.sum(), (x * x).sum(), (x * n).sum(), (n * n).sum()])


def test_rate_ratio_pools_respondents_and_its_interval_follows_the_spread_between_them():
    # engaged: 2 events in 10 weeks each (rate 0.2), disengaged: 1 in 10 (0.1) -> 2x, no spread between people
    same = rate_ratio(_sums([(2, 10)] * 50), _sums([(1, 10)] * 50))
    assert same[0] == pytest.approx(2.0) and same[1] == pytest.approx(2.0) and same[2] == pytest.approx(2.0)
    # the same totals, but concentrated in a few people: same ratio, a wide interval
    lumpy = rate_ratio(_sums([(20, 10)] * 5 + [(0, 10)] * 45), _sums([(1, 10)] * 50))
    assert lumpy[0] == pytest.approx(2.0)
    assert lumpy[1] < 1.5 and lumpy[2] > 2.5
    # a group with no events cannot give a ratio
    assert math.isnan(rate_ratio(_sums([(0, 10)] * 5), _sums([(1, 10)] * 5))[0])
    p, lo, hi = share(53, 100)
    assert p == 0.53 and 0.43 < lo < p < hi < 0.63
    assert math.isnan(share(0, 0)[0])


def test_ratios_from_counts_compares_the_right_groups():
    c = np.zeros((3, len(CUSTOMER_MEASURES), N_SUMS))
    e = np.zeros((2, len(EMPLOYEE_MEASURES), N_SUMS))
    c[PROMOTER, M_RECOMMEND] = _sums([(6, 12)] * 100)  # 0.5 per week
    c[DETRACTOR, M_RECOMMEND] = _sums([(1, 12)] * 100)  # 1/12 per week: promoters 6x
    c[1, M_RECOMMEND] = _sums([(12, 12)] * 100)  # passives are not compared
    e[ENGAGED, M_OVERTIME] = _sums([(3, 13)] * 10)
    e[NOT_ENGAGED, M_OVERTIME] = _sums([(1, 13)] * 30)
    got = {r.key: r for r in ratios_from_counts(c, e, np.array([200, 100, 40, 20, 10]))}
    assert list(got) == list(TARGETS)
    assert got["promoter_recommend_ratio"].value == pytest.approx(6.0)
    assert got["engaged_overtime_ratio"].value == pytest.approx(3.0)
    assert got["bad_share_friends"].value == pytest.approx(0.5)
    assert got["bad_share_twitter"].value == pytest.approx(0.05)
    assert math.isnan(got["promoter_forgive_ratio"].value) and not got["promoter_forgive_ratio"].ok


# ---------------------------------------------------------------- the study observes without changing the run


def test_the_probed_run_is_the_unprobed_run(market):
    """The study wraps the phases and draws its noise from its own streams: the firm's KPIs are unchanged."""
    s = market.override({"sim.weeks": 20})
    plain, probed = CXModel(s, seed=5), ProbeModel(s, seed=5, study=Study(wave_weeks=7))
    plain.run_weeks(20)
    probed.run_weeks(20)
    pd.testing.assert_frame_equal(plain.timeseries(), probed.timeseries())
    assert probed.waves == 3  # weeks 1, 8, 15


def test_figures_are_reproducible_from_the_seeds(market, default_report):
    again = calibrate(market, seeds=SEEDS)
    assert again.counts == default_report.counts
    assert figures(again) == figures(default_report)
    other = calibrate(market, seeds=[4, 5, 6, 7])
    assert other.counts != default_report.counts


# ---------------------------------------------------------------- what a survey-based measurement must show


def test_response_noise_attenuates_the_measured_ratios(market, default_report):
    """Grouped by a noisy answer, some passives count as promoters or detractors and some disengaged as engaged:
    the groups are less different than they really are. Noise-free answers give larger ratios; the shares after a
    bad experience do not depend on any answer and stay exactly the same (the same runs)."""
    clean = figures(calibrate(market, seeds=SEEDS, study=NOISELESS))
    noisy = figures(default_report)
    for key in ("promoter_recommend_ratio", "promoter_repurchase_ratio", "promoter_new_offer_ratio"):
        assert noisy[key] < 0.85 * clean[key], key  # 1.2 points on a 0-10 answer: 0.6-0.7x
    for key in ("bad_share_friends", "bad_share_facebook", "bad_share_review_sites", "bad_share_twitter"):
        assert noisy[key] == clean[key]
    # an unreliable engagement survey (noise 0.15, about the spread of true engagement) blurs engaged vs not
    blurred = figures(calibrate(market, seeds=SEEDS, study=Study(engagement_noise=0.15)))
    for key in ("engaged_overtime_ratio", "engaged_good_deeds_ratio", "engaged_suggestions_ratio"):
        assert blurred[key] < clean[key], key
    assert blurred["engaged_overtime_ratio"] < 0.9 * clean["engaged_overtime_ratio"]


def test_more_recommending_by_promoters_shows_up_in_the_measured_ratio(market, default_report):
    """Doubling customers.recommend_ratio raises the measured ratio, but by less than double: the answer groups
    are noisy and people move between groups while followed (1.5-1.6x at this size over 24 seeds)."""
    doubled = calibrate(
        market.override({"customers.recommend_ratio": 2 * market.customers.recommend_ratio}), seeds=SEEDS
    )
    before = default_report.by_key()["promoter_recommend_ratio"].value
    after = doubled.by_key()["promoter_recommend_ratio"].value
    assert 1.3 * before < after < 1.9 * before


def test_fewer_tellers_shows_up_in_the_measured_friends_share(market, default_report):
    """Halving wom.bad_friends lowers the share of customers with a bad experience who told friends, but by less
    than half: some had more than one bad experience in the quarter and tell after any of them (0.58-0.60x)."""
    halved = calibrate(market.override({"wom.bad_friends": market.wom.bad_friends / 2}), seeds=SEEDS)
    before = default_report.by_key()["bad_share_friends"].value
    after = halved.by_key()["bad_share_friends"].value
    assert 0.5 * before < after < 0.7 * before
    # other channels are not touched by the change
    for key in ("bad_share_facebook", "bad_share_twitter"):
        assert halved.by_key()[key].value == pytest.approx(default_report.by_key()[key].value, rel=0.15)


# ---------------------------------------------------------------- the report


def test_report_json_names_each_figure_its_interval_and_parameter(default_report, tmp_path):
    path = tmp_path / "cal.json"
    default_report.write_json(path)
    data = json.loads(path.read_text())
    assert list(data) == list(TARGETS)
    for key, entry in data.items():
        assert entry["target"] == TARGETS[key][0]
        assert entry["parameter"] == TARGETS[key][2]
        lo, hi = entry["ci95"]
        assert lo < entry["measured"] < hi
        assert entry["within_tolerance"] == (abs(entry["relative_error"]) <= entry["tolerance"])
    for r in default_report.ratios:  # the attributes experiments/validation.py reads
        assert r.low < r.value < r.high and r.label and 0 < r.tolerance < 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"ltr_noise": -1.0}, r"Study.ltr_noise .* must be >= 0, got -1.0"),
        ({"engagement_noise": float("nan")}, r"Study.engagement_noise must be a number, got nan"),
        ({"engagement_noise": "0.1"}, r"Study.engagement_noise must be a number, got '0.1'"),
        ({"wave_weeks": 0}, r"Study.wave_weeks must be a whole number of weeks >= 1, got 0"),
        ({"wave_weeks": 2.5}, r"Study.wave_weeks must be a whole number of weeks >= 1, got 2.5"),
        ({"wave_weeks": True}, r"Study.wave_weeks must be a number, got True"),
        ({"tolerance": 1.5}, r"Study.tolerance .* must be between 0 and 1, got 1.5"),
        ({"tolerance": 0}, r"Study.tolerance .* must be between 0 and 1, got 0"),
    ],
)
def test_study_settings_are_checked_with_a_clear_message(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Study(**kwargs)


def test_calibrate_refuses_what_is_not_a_study(market):
    with pytest.raises(TypeError, match="study must be a cxsim.calibration.Study, got dict"):
        calibrate(market, seeds=1, steps=1, study={"ltr_noise": 0.0})
    with pytest.raises(ValueError, match="at least one seed"):
        calibrate(market, seeds=[], steps=1)
