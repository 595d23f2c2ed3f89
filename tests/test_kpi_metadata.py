"""KPI metadata is declared once (cxsim.metrics) and everything derived from it agrees."""

from __future__ import annotations

import dataclasses

import pytest

from cxsim import metrics
from cxsim.comparison import DEFAULT_KPIS, outcome_name
from cxsim.metrics import AVERAGED, FLOWS, KPI, KPIS, describe_outcome, family, find, kpi, label, outcome_kind


def test_every_kpi_is_a_complete_declaration_keyed_by_its_name():
    assert list(KPIS)[:2] == ["week", "customers"] and list(KPIS)[-1] == "market_exits"
    for name, k in KPIS.items():
        assert isinstance(k, KPI) and k.name == name and k.label and k.meaning.endswith(".")
        assert k.format in metrics.DEFAULT_UNITS and k.kind in ("total", "mean", "final")
        with pytest.raises(dataclasses.FrozenInstanceError):
            k.label = "changed"  # type: ignore[misc]
    assert KPIS["revenue"].title == "Revenue ($)" and KPIS["nps"].title == "NPS (points)"
    assert KPIS["customers"].title == "Customers"  # a plain count needs no unit


def test_summary_sets_and_outcome_kind_come_from_the_declarations():
    assert FLOWS == {n for n, k in KPIS.items() if k.kind == "total"} and "profit" in FLOWS
    assert AVERAGED == {n for n, k in KPIS.items() if k.kind == "mean"} and "csat" in AVERAGED
    assert [outcome_kind(k) for k in ("profit", "csat", "nps", "not_a_kpi")] == ["total", "mean", "final", "final"]
    assert outcome_name("profit") == "total_profit" and find("total_profit") is KPIS["profit"]
    assert find("mean_csat") is KPIS["csat"] and find("final_nps") is KPIS["nps"] and find("total_nonsense") is None


def test_what_a_comparison_shows_has_a_better_direction():
    """The compare table, the report and the UI colour a difference green or red by ``better``."""
    undeclared = [k for k in DEFAULT_KPIS if KPIS[k].better is None]
    assert not undeclared
    assert KPIS["profit"].better == "higher" and KPIS["cost_total"].better == "lower"
    assert KPIS["churn_rate"].better == "lower" and KPIS["bankrupt"].better == "lower"


def test_titles_and_outcomes_in_words():
    assert KPIS["revenue"].weekly_title == "Revenue ($/week)" and KPIS["churned"].weekly_title.endswith("(per week)")
    assert KPIS["cash"].weekly_title == "Cash ($)"  # a level is not per week
    assert describe_outcome("csat") == "mean over the run" and describe_outcome("total_profit") == "total over the run"
    assert describe_outcome("nps") == "final week"
    assert describe_outcome("bankrupt") == "share of runs bankrupt by the end"
    assert label("final_nps") == "NPS (points)" and label("some_column") == "Some column"


def test_a_family_declares_one_kpi_per_member_in_one_line():
    members = {"rival": "the rival", "entrant": "the entrant"}
    rivals = family(members, kpi("{}_share", "Share of {}", "share", "final", None, "Market share of {}."))
    assert [k.name for k in rivals] == ["rival_share", "entrant_share"]
    assert rivals[1] == kpi(
        "entrant_share", "Share of the entrant", "share", "final", None, "Market share of the entrant."
    )
    assert rivals[0].unit == "share" and rivals[0].title == "Share of the rival (share)"


@pytest.mark.parametrize(
    "args, message",
    [
        (("x", "X", "percent", "final", None, "."), "unknown format 'percent'"),
        (("x", "X", "count", "sum", None, "."), "unknown kind 'sum'"),
        (("x", "X", "count", "total", "up", "."), "better must be"),
    ],
)
def test_a_wrong_declaration_fails_at_import_with_the_kpi_name(args, message):
    with pytest.raises(ValueError, match=message):
        KPI(args[0], args[1], "", *args[2:])
    with pytest.raises(ValueError, match="declared twice"):
        metrics._by_name([kpi("x", "X", "count", "total", None, "."), kpi("x", "Y", "count", "total", None, ".")])
