"""Numbers for people: how the command line, the HTML report and the web UI write a KPI's value.

One rule for every number, whatever it measures: no scientific notation, thousands separators,
three significant digits below 100 (so a small difference reads 0.0000492, never 0.000 or
4.92e-05), one decimal from 100 to 1,000, whole numbers as whole numbers. What the KPI is
(its declaration in :mod:`cxsim.metrics`) decides the rest: a flag such as ``bankrupt``
averaged over runs is a share of runs, written 25% (and a difference +25 pts).

Styles:

- ``"full"``: every digit that matters (tables in the terminal and in HTML, the CLI's run
  summary, the report's table, the UI's tables): ``11,412,345``, ``0.0519``.
- ``"short"``: as few characters as can still be read right (the 80-column ``cxsim compare``
  table, sentences, labels on bars): six-figure and larger values as ``123k``, ``11.4M``,
  ``2.5G``, and two significant digits below 1 (``0.052``).
- ``"axis"``: chart ticks: large values as in ``"short"``, small ones as in ``"full"`` (ticks
  0.125 and 0.12 must not look alike). :func:`tick` is this style as a matplotlib formatter.

Examples::

    number(0.5123, "csat")            # '0.512'
    number(11_412_345.0, "profit")    # '11,412,345'
    number(11_412_345.0, "profit", style="short")   # '11.4M'
    signed(-4.92e-05, "delivery_gap") # '-0.0000492'
    number(0.25, "bankrupt")          # '25%'
"""

from __future__ import annotations

import math
import numbers
from typing import Literal

import numpy as np

from cxsim.metrics import KPI, find

Style = Literal["full", "short", "axis"]
STYLES: tuple[str, ...] = ("full", "short", "axis")

#: (from this size, divide by, suffix) for the short and axis styles, largest first; the thresholds sit where
#: rounding to three digits would carry into the next suffix (999,600 is '1M', not '1000k').
_SHORT_STEPS = ((999_500_000.0, 1e9, "G"), (999_500.0, 1e6, "M"), (1e5, 1e3, "k"))


def _kpi(kpi: str | KPI | None) -> KPI | None:
    if kpi is None or isinstance(kpi, KPI):
        return kpi
    return find(kpi)


def _as_float(value) -> float | None:
    """The value as a float, or None when it is not a number (text, a category)."""
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, numbers.Real):
        return float(value)
    return None


def _plain(x: float, small_digits: int = 3) -> str:
    """Whole numbers as such, separators from 1,000, one decimal from 100, else three significant digits
    (``small_digits`` below 1), positional: a strategist reads 0.0000492 as "about nothing", 4.92e-05 not."""
    a = abs(x)
    if x == 0:
        return "0"
    if x.is_integer() or a >= 999.95:
        return f"{x:,.0f}"
    if a >= 99.95:
        return f"{x:.1f}"
    if a < 1:
        return np.format_float_positional(x, precision=small_digits, unique=False, fractional=False, trim="-")
    return f"{x:.3g}"


def _compact(x: float, small_digits: int) -> str:
    a = abs(x)
    for start, scale, suffix in _SHORT_STEPS:
        if a >= start:
            digits = f"{x / scale:.0f}" if suffix == "k" else f"{x / scale:.3g}"
            return digits + suffix
    return _plain(x, small_digits)


def number(value, kpi: str | KPI | None = None, *, style: Style = "full") -> str:
    """A value as people read it.

    Args:
        value: a number (Python or NumPy), a bool, None or NaN (written ``-``); anything else is
            written with ``str``.
        kpi: the KPI the value measures (name, per-run outcome column such as ``total_profit``,
            or its :class:`~cxsim.metrics.KPI`); None for a plain number.
        style: ``"full"``, ``"short"`` or ``"axis"`` (see the module docstring).
    """
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; one of {', '.join(STYLES)}")
    if value is None:
        return "-"
    x = _as_float(value)
    if x is None:
        return str(bool(value)) if isinstance(value, bool | np.bool_) else str(value)
    if math.isnan(x):
        return "-"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    declared = _kpi(kpi)
    if declared is not None and declared.format == "flag":
        percent = f"{100 * x:.0f}"
        return ("0" if percent == "-0" else percent) + "%"
    if style == "full":
        return _plain(x)
    return _compact(x, 2 if style == "short" else 3)


def signed(value, kpi: str | KPI | None = None, *, style: Style = "full") -> str:
    """A difference: like :func:`number`, with '+' on positive values (a flag's share in points: +25 pts)."""
    x = _as_float(value)
    if x is None or math.isnan(x):
        return number(value, kpi, style=style)
    declared = _kpi(kpi)
    if declared is not None and declared.format == "flag" and math.isfinite(x):
        points = round(100 * x)
        return f"{points:+d} pts" if points else "0 pts"
    text = number(x, kpi, style=style)
    return "+" + text if x > 0 else text


def tick(value: float, _pos=None) -> str:
    """An axis tick label (matplotlib ``FuncFormatter``): 1.25M, 750k, 3,200, 0.62; never '1e7' above the axis."""
    return number(value, style="axis")
