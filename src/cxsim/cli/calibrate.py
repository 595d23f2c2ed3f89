"""``cxsim calibrate``: practice's micro-ratios, measured on the simulated firm the way a study of real firms would.

    cxsim calibrate [SCENARIO] [--seeds N] [--steps N] [--set k=v] [--json FILE] [--check]

Thin over :func:`cxsim.calibration.calibrate`: check the options, run, print the table.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from cxsim.cli.common import (
    SetOpt,
    at_least,
    check_writable,
    compact_table,
    console,
    load_with_overrides,
    print_elapsed,
    progress_callback,
)


def _ratio_cells(r) -> tuple[str, str, str]:
    """Target, measured and 95% CI of one figure: shares in %, ratios as 2.50x; '-' where nothing was measured."""
    share = r.key.startswith("bad_share")

    def f(x: float) -> str:
        return f"{100 * x:.1f}%" if share else f"{x:.2f}x"

    if r.low != r.low:
        ci = "-"
    elif share:
        ci = f"{100 * r.low:.1f}..{100 * r.high:.1f}%"
    else:
        ci = f"{r.low:.2f}..{r.high:.2f}x"
    return f(r.target), f(r.value) if r.value == r.value else "-", ci


def _interval_misses(r) -> bool:
    """The whole 95% interval lies outside the tolerance band around the target (a miss more seeds will not fix)."""
    band = (r.target * (1.0 - r.tolerance), r.target * (1.0 + r.tolerance))
    return r.low != r.low or r.high < band[0] or r.low > band[1]


def calibration_table(rep, name: str, seeds: int, weeks: int):
    """One row per figure: target, measured with its 95% CI, how far off, within tolerance (ok/MISS), and the
    value of the model parameter behind it (named in :data:`cxsim.calibration.TARGETS` and the JSON report).

    The event counts behind each figure are in the JSON report.
    """
    tol = f"{100 * rep.study.tolerance:.0f}%"
    table = compact_table(
        f"Calibration study of {name}: {seeds} seed(s) x {weeks} weeks, "
        f"surveys every {rep.study.wave_weeks} weeks, respondents followed until the next",
        [
            ("figure", "left"),
            ("target", "right"),
            ("measured", "right"),
            ("95% CI", "right"),
            ("off by", "right"),
            (f"in ±{tol}", "left"),
            ("param.", "right"),
        ],
    )
    for r in rep.ratios:
        pct = f"{100 * r.relative_error:+.1f}%" if r.value == r.value else "-"
        table.add_row(
            r.key,
            *_ratio_cells(r),
            pct,
            "ok" if r.ok else "MISS",
            f"{r.parameter_value:g}",
            style=None if r.ok else "red",
        )
    return table


def calibrate_command(
    scenario: Annotated[str, typer.Argument(help="Shipped scenario name or TOML path.")] = "baseline",
    seeds: Annotated[int, typer.Option(help="Seeds to pool the survey respondents over.")] = 4,
    steps: Annotated[
        int | None, typer.Option("--steps", "--weeks", help="Weeks per run (default: the scenario's sim.weeks).")
    ] = None,
    sets: SetOpt = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the report as JSON to FILE.")] = None,
    check: Annotated[
        bool, typer.Option(help="Exit with code 1 if any figure is outside the study's tolerance (25%) of its target.")
    ] = False,
) -> None:
    """Survey the simulated firm's employees and customers and measure practice's micro-ratios: target vs measured."""
    from cxsim.calibration import calibrate

    at_least("--seeds", seeds, 1)
    at_least("--steps", steps, 1)
    s = load_with_overrides(scenario, sets)
    if json_out is not None:
        check_writable(json_out, "--json")
    weeks = s.sim.weeks if steps is None else steps
    started = time.perf_counter()
    with progress_callback(f"{s.name}: calibration runs", weeks * seeds) as tick:
        rep = calibrate(s, seeds=seeds, steps=weeks, progress=tick)
    console.print(calibration_table(rep, s.name, seeds, weeks))
    n_off = sum(not r.ok for r in rep.ratios)
    tol = f"{100 * rep.study.tolerance:.0f}%"
    console.print("param.: the model parameter behind each figure (engagement.*_ratio, customers.*_ratio, wom.bad_*)")
    if n_off:
        sure = sum(not r.ok and _interval_misses(r) for r in rep.ratios)
        console.print(
            f"[red]{n_off} of {len(rep.ratios)} figures miss practice's by more than {tol}[/]; "
            f"{sure} with the whole 95% interval outside ±{tol}"
        )
    else:
        console.print(f"[green]all {len(rep.ratios)} figures within {tol} of practice's[/]")
    if json_out is not None:
        rep.write_json(json_out)
        console.print(f"json -> {json_out}")
    print_elapsed(time.perf_counter() - started)
    if check and n_off:
        raise typer.Exit(1)
