"""One formatting module writes every KPI value the CLI, the HTML report and the web UI show."""

from __future__ import annotations

import numpy as np
import pytest

from cxsim.formatting import number, signed, tick
from cxsim.metrics import KPIS

# one value per format kind, as a run or a comparison produces it: (kpi, value, full, short)
BY_KIND = [
    ("customers", 48_213.0, "48,213", "48,213"),  # count
    ("customers", 1_234_567.0, "1,234,567", "1.23M"),  # count, large
    ("profit", 11_412_345.6, "11,412,346", "11.4M"),  # money
    ("revenue", 123_456.0, "123,456", "123k"),  # money: six figures shorten to k
    ("cash", 2.5e9, "2,500,000,000", "2.5G"),  # money, huge
    ("cost_total", 512.34, "512.3", "512.3"),  # money, small
    ("csat", 0.91234, "0.912", "0.91"),  # share: two significant digits below 1 in the short style
    ("nps", 26.04, "26", "26"),  # points: three significant digits
    ("nps", -3.217, "-3.22", "-3.22"),  # points, negative
    ("review_rating", 4.0, "4", "4"),  # stars, whole
    ("review_rating", 3.874, "3.87", "3.87"),  # stars
    ("churn_rate", 0.00412, "0.00412", "0.0041"),  # rate
    ("utilisation", 1.25, "1.25", "1.25"),  # ratio
    ("mean_engagement", 0.5137, "0.514", "0.51"),  # level
    ("week", 104, "104", "104"),  # weeks (an int)
    ("bankrupt", 0.25, "25%", "25%"),  # flag averaged over runs: a share of runs
]


def test_every_format_kind_is_covered():
    assert {KPIS[k].format for k, *_ in BY_KIND} == {k.format for k in KPIS.values()}


@pytest.mark.parametrize("kpi, value, full, short", BY_KIND)
def test_a_value_is_written_by_its_kpi_and_style(kpi, value, full, short):
    assert number(value, kpi) == full
    assert number(value, KPIS[kpi]) == full  # the declaration itself works too
    assert number(value, kpi, style="short") == short
    assert number(value, f"{KPIS[kpi].kind}_{kpi}") == full  # a per-run outcome column is its KPI


def test_small_differences_are_written_out_never_hidden_or_in_scientific_notation():
    assert number(-4.92e-05) == "-0.0000492" and number(0.000118) == "0.000118"
    assert "e" not in number(1e-7) and number(1e-7) != "0"
    assert number(0.0) == "0" and number(-0.0) == "0"


def test_rounding_never_writes_a_number_with_too_many_digits_for_its_size():
    assert number(999.9) == "999.9" and number(999.96) == "1,000" and number(99.96) == "100.0"
    assert number(999_700.0, style="short") == "1M"  # not '1000k'
    assert number(999_400.0, style="short") == "999k"


def test_signed_differences():
    assert signed(26.0, "nps") == "+26" and signed(-0.0124, "csat") == "-0.0124" and signed(0.0, "nps") == "0"
    assert signed(1_500_000.0, "profit", style="short") == "+1.5M"
    assert signed(0.25, "bankrupt") == "+25 pts" and signed(-0.004, "bankrupt") == "0 pts"
    assert signed(float("nan"), "nps") == "-" and signed(float("inf")) == "+inf"


def test_anything_a_table_may_hold():
    assert number(None) == "-" and number(float("nan")) == "-" and number(float("-inf")) == "-inf"
    assert number(True) == "True" and number(np.bool_(False), "bankrupt") == "False"  # one run's flag
    assert number(np.int64(12_345)) == "12,345" and number(np.float32(0.5)) == "0.5"
    assert number("least_engaged") == "least_engaged"
    with pytest.raises(ValueError, match="unknown style"):
        number(1.0, style="html")


def test_axis_ticks_are_short_and_never_scientific():
    assert [tick(x) for x in (0, 0.25, 2_500, 750_000, 1_250_000, 1e-5)] == [
        "0",
        "0.25",
        "2,500",
        "750k",
        "1.25M",
        "0.00001",
    ]
    assert tick(1.5, 3) == "1.5"  # matplotlib's FuncFormatter passes the tick position too
    # ticks 0.1, 0.125, 0.15 must read apart: three digits, where the short style keeps two
    assert tick(0.125) == "0.125" and number(0.125, style="short") == "0.12"
