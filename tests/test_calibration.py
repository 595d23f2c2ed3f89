"""The calibration report measures practice's micro-ratios from simulated events."""

from __future__ import annotations

import json

import numpy as np
import pytest

import cxsim
from cxsim.calibration import (
    N_WOM,
    TARGETS,
    W_BAD,
    W_CHANNEL,
    W_CUST,
    W_REC,
    ProbeModel,
    calibrate,
    rate_ratio,
    ratios_from_counts,
    share,
)

SMALL = {"market.size": 5000, "workforce.employees": 100, "sim.weeks": 52}


def test_ratio_arithmetic_on_known_counts():
    engaged = [100, 400, 25, 40, 33, 40, 34, 40]  # engaged rates 0.25/0.33/0.34, disengaged 0.1 each
    bad = [1000, 500, 400, 100, 350, 280]  # forgiven: det 10%, pro 70%
    spend = [1000, 500, 2000, 30, 50, 420, 4, 5, 56]  # repurchase det 3%, pro 21%; new offers 0.4%, 2.8%
    wom = np.zeros(N_WOM, np.int64)
    wom[W_CUST : W_CUST + 3] = [1000, 500, 2000]
    wom[W_REC : W_REC + 3] = [4, 6, 72]  # det 0.4%, pro 3.6%
    wom[W_BAD] = 1000
    wom[W_CHANNEL : W_CHANNEL + 4] = [530, 200, 140, 100]
    got = {r.key: r for r in ratios_from_counts(np.array(engaged), np.array(bad), np.array(spend), wom)}
    assert set(got) == set(TARGETS)
    assert got["engaged_overtime_ratio"].simulated == pytest.approx(2.5)
    assert got["engaged_good_deeds_ratio"].simulated == pytest.approx(3.3)
    assert got["engaged_suggestions_ratio"].simulated == pytest.approx(3.4)
    assert got["promoter_forgive_ratio"].simulated == pytest.approx(7.0)
    assert got["promoter_repurchase_ratio"].simulated == pytest.approx(7.0)
    assert got["promoter_new_offer_ratio"].simulated == pytest.approx(7.0)
    assert got["promoter_recommend_ratio"].simulated == pytest.approx(9.0)
    assert got["bad_share_friends"].simulated == pytest.approx(0.53)
    assert got["bad_share_twitter"].simulated == pytest.approx(0.10)
    assert all(r.ok for r in got.values())
    for r in got.values():
        assert r.ci_low < r.simulated < r.ci_high


def test_intervals_shrink_with_more_events():
    _, lo1, hi1 = rate_ratio(50, 100, 20, 100)
    _, lo2, hi2 = rate_ratio(5000, 10000, 2000, 10000)
    assert hi2 - lo2 < (hi1 - lo1) / 5
    p, lo, hi = share(53, 100)
    assert lo < p < hi and 0 <= lo and hi <= 1
    assert np.isnan(rate_ratio(0, 10, 5, 10)[0])


def test_probe_counts_agree_with_the_models_own_kpis(small):
    """The WOM tally sees exactly the messages the model reported, week by week."""
    model = ProbeModel(small, seed=2)
    for _ in range(12):
        model.step()
    ts = model.timeseries()
    w = model.wom_counts
    assert w[W_REC : W_REC + 3].sum() == ts["wom_positive"].sum()
    assert w[W_CHANNEL] == ts["wom_friends_negative"].sum()  # only a final bad experience makes people tell friends
    assert w[W_CHANNEL + 3] == ts["wom_tweet_negative"].sum()
    assert w[W_CHANNEL + 1] <= ts["wom_social_negative"].sum()  # rallied customers post too
    assert 0 < w[W_BAD] <= ts["bad_experiences"].sum() - ts["recoveries"].sum()
    # every customer is counted once a week in some NPS category
    assert w[W_CUST : W_CUST + 3].sum() > 0


def test_a_changed_mechanism_shows_up_as_a_miss():
    """Measured, not echoed: a behaviour set off target is reported off target."""
    s = cxsim.load_scenario("baseline").override(
        {**SMALL, "wom.bad_tell_friends": 0.3, "workforce.overtime_ratio": 1.5}
    )
    rep = calibrate(s, seeds=1)
    got = {r.key: r for r in rep.ratios}
    assert got["bad_share_friends"].ci_low < 0.3 < got["bad_share_friends"].ci_high
    assert not got["bad_share_friends"].ok
    assert got["engaged_overtime_ratio"].simulated < 2.0 and not got["engaged_overtime_ratio"].ok
    assert not rep.ok


def test_json_has_the_issue_keys(tmp_path):
    s = cxsim.load_scenario("baseline").override(SMALL)
    rep = calibrate(s, seeds=1, steps=20)
    path = tmp_path / "cal.json"
    rep.write_json(path)
    data = json.loads(path.read_text())
    assert list(data) == list(TARGETS)
    for key, entry in data.items():
        assert entry["target"] == TARGETS[key][0]
        assert isinstance(entry["simulated"], float)


@pytest.mark.slow
def test_baseline_lands_within_15_percent_of_every_target():
    rep = calibrate("baseline", seeds=3)
    off = [(r.key, r.target, round(r.simulated, 3)) for r in rep.ratios if not r.ok]
    assert not off, f"off target by more than 15%: {off}"
