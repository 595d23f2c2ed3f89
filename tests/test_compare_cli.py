"""`cxsim compare` and `cxsim calibrate` as a user types them, and the HTML report."""

from __future__ import annotations

import base64
import json
import re

import pandas as pd
import pytest

import cxsim
from cli_helpers import run_cli
from cxsim import report
from cxsim.comparison import compare
from cxsim.report import render_html, write_report

TINY = [
    *("--set", "market.size=2000", "--set", "workforce.employees=40", "--set", "workforce.team_size=8"),
    *("--set", "rivals.rival.workforce.employees=40", "--set", "rivals.rival.workforce.team_size=8"),
]


@pytest.fixture(scope="module")
def tiny_comparison():
    a = cxsim.load_scenario("hr_led").override(
        {"market.size": 2000, "workforce.employees": 40, "workforce.team_size": 8}
    )
    b = cxsim.load_scenario("supervisor_led").override(
        {"market.size": 2000, "workforce.employees": 40, "workforce.team_size": 8}
    )
    return compare(a, b, seeds=3, steps=20)


def test_compare_prints_differences_and_writes_a_self_contained_report(tmp_path, capsys):
    out = tmp_path / "rep"
    code, stdout, _ = run_cli(
        ["compare", "hr_led", "supervisor_led", "--seeds", "3", "--steps", "15", *TINY, "--report", str(out)], capsys
    )
    assert code == 0
    assert "mean_engagement" in stdout and "95% CI" in stdout and "supervisors.coaching" in stdout
    page = (out / "report.html").read_text()
    # self-contained: images inline, no external scripts, styles or fonts
    assert page.count("data:image/png;base64,") >= 3
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    for b64 in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page):
        assert base64.b64decode(b64)[:8] == b"\x89PNG\r\n\x1a\n"
    assert "hr_led" in page and "supervisor_led" in page and "95%" in page
    runs = pd.read_parquet(out / "runs.parquet")
    assert set(runs["arm"]) == {"A", "B"} and sorted(runs["seed"].unique()) == [0, 1, 2]
    assert len(pd.read_csv(out / "runs.csv")) == len(runs) == 2 * 3 * 15
    table = pd.read_csv(out / "differences.csv")
    assert {"kpi", "a_mean", "b_mean", "diff", "ci_low", "ci_high"} <= set(table.columns)
    assert cxsim.scenario_from_toml((out / "scenario_b.toml").read_text()).supervisors.coaching == 0.8


def test_compare_auto_seeds_chase_the_precision_and_say_so(capsys):
    code, stdout, _ = run_cli(
        ["compare", "baseline", "cx_room", "--seeds", "auto", "--precision", "100", "--steps", "6", *TINY], capsys
    )
    assert code == 0 and "Precision target reached" in stdout
    code, stdout, _ = run_cli(
        [
            "compare",
            "hr_led",
            "supervisor_led",
            "--seeds",
            "auto",
            "--precision",
            "1e-9",
            "--max-seeds",
            "6",
            "--steps",
            "6",
            "--set",
            "market.size=1000",
            "--set",
            "workforce.employees=20",
            "--precision-kpi",
            "mean_engagement",
        ],
        capsys,
    )
    assert code == 0 and "NOT reached" in stdout and "6 paired seeds" in stdout


def test_precision_loop_adds_seeds_until_the_cap():
    a = cxsim.load_scenario("baseline").override({"market.size": 1000, "workforce.employees": 20})
    # coaching moves every employee's engagement by a seed-dependent amount: the paired differences vary
    b = a.override({"supervisors.coaching": 0.9})
    c = compare(
        a, b, seeds=2, steps=4, kpis=["mean_engagement"], precision=1e-9, max_seeds=7, precision_kpi="mean_engagement"
    )
    assert len(c.seeds) == 7 and c.seeds == list(range(7)) and c.precision_reached is False
    c = compare(a, b, seeds=3, steps=4, kpis=["mean_engagement"], precision=1e9, precision_kpi="mean_engagement")
    assert len(c.seeds) == 3 and c.precision_reached is True


def test_set_a_and_set_b_change_one_side_only(capsys):
    code, stdout, _ = run_cli(
        [
            "compare",
            "baseline",
            "baseline",
            "--seeds",
            "2",
            "--steps",
            "4",
            *TINY,
            "--set-b",
            "process.empowerment=0.9",
            "--kpi",
            "resolution_rate",
        ],
        capsys,
    )
    assert code == 0 and "process.empowerment: 0.4 -> 0.9" in stdout


def test_compare_a_rivals_kpis(capsys):
    """A rival's columns are KPIs like the focal firm's: compared, summarised as theirs are, and written."""
    code, stdout, _ = run_cli(
        [
            *("compare", "baseline", "baseline", "--seeds", "2", "--steps", "4", *TINY),
            *("--set-b", "rivals.rival.pricing.price=300", "--kpi", "share", "--kpi", "rival_share"),
            *("--kpi", "rival_profit", "--kpi", "rival_price"),
        ],
        capsys,
    )
    assert code == 0, stdout
    rows = {line.split()[0]: line.split() for line in stdout.splitlines() if line.strip()}
    assert "rivals.rival.pricing.price: 200.0 -> 300.0" in " ".join(stdout.split())
    assert rows["rival_share"][1] == "final" and rows["rival_profit"][1] == "total"
    assert rows["rival_price"][2:5] == ["200", "300", "+100"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["compare", "baseline", "cx_room", "--seeds", "1"], "at least 2"),
        (["compare", "baseline", "cx_room", "--seeds", "many"], "whole number"),
        (["compare", "baseline", "cx_room", "--seeds", "auto"], "needs --precision"),
        (["compare", "baseline", "cx_room", "--kpi", "nsp"], "did you mean 'nps'"),
        (["compare", "baseline", "cx_room", "--kpi", "rival_nsp"], "did you mean 'rival_nps'"),
        (
            ["compare", "baseline", "cx_room", "--kpi", "upstart_nps"],
            "a rival's KPIs are <rival>_<kpi>, e.g. rival_share",
        ),
        (["compare", "baseline", "no_such_scenario"], "no_such_scenario"),
        (["compare", "baseline", "cx_room", "--set", "process.empowerment=7"], "process.empowerment"),
        (["calibrate", "baseline", "--seeds", "0"], "at least 1"),
    ],
)
def test_user_mistakes_get_one_readable_line(args, message, capsys):
    code, _, stderr = run_cli(args, capsys)
    assert code == 2
    assert message in stderr and "Traceback" not in stderr


@pytest.mark.parametrize(
    "seeds, message",
    [(1, "at least 2 paired seeds"), ([3], "at least 2 paired seeds"), ([0, 1.5], "whole number"), (-2, ">= 0")],
)
def test_compare_refuses_seeds_before_running(seeds, message):
    a = cxsim.load_scenario("baseline")
    with pytest.raises(ValueError, match=message):
        compare(a, a, seeds=seeds, steps=1)


def test_report_is_stamped_with_the_version_of_cxsim(tiny_comparison, monkeypatch):
    monkeypatch.setattr(report, "version", lambda: "9.9.9-test")
    assert "cxsim 9.9.9-test;" in render_html(tiny_comparison)


def test_report_tells_noise_from_signal(tiny_comparison, tmp_path):
    page = render_html(tiny_comparison)
    assert "higher under B" in page  # engagement rises with coaching, even on a tiny firm
    a_a = compare(tiny_comparison.a, tiny_comparison.a, seeds=2, steps=5, kpis=["nps", "customers"])
    page = render_html(a_a)
    assert "No KPI difference is distinguishable from noise" in page
    assert "A/A check" in page
    path = write_report(a_a, tmp_path / "aa")
    assert path.name == "report.html" and path.exists()
    assert not list((tmp_path / "aa").glob(".*.tmp"))


def test_calibrate_prints_table_and_writes_json(tmp_path, capsys):
    out = tmp_path / "cal.json"
    code, stdout, _ = run_cli(
        ["calibrate", "baseline", "--seeds", "1", "--steps", "15", *TINY, "--json", str(out)], capsys
    )
    assert code == 0
    assert "engaged_overtime_ratio" in stdout and "target" in stdout
    data = json.loads(out.read_text())
    assert set(data) == {
        "engaged_overtime_ratio",
        "engaged_good_deeds_ratio",
        "engaged_suggestions_ratio",
        "promoter_recommend_ratio",
        "promoter_forgive_ratio",
        "promoter_repurchase_ratio",
        "promoter_new_offer_ratio",
        "bad_share_friends",
        "bad_share_facebook",
        "bad_share_review_sites",
        "bad_share_twitter",
    }
    assert all({"target", "simulated"} <= set(v) for v in data.values())


def test_calibrate_check_fails_when_off_target(capsys):
    code, stdout, _ = run_cli(
        ["calibrate", "baseline", "--seeds", "1", "--steps", "10", *TINY, "--set", "wom.bad_tweet=0.5", "--check"],
        capsys,
    )
    assert code == 1 and "OFF" in stdout
