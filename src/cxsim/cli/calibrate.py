"""``cxsim calibrate``: the modeller's check of practice's micro-ratios against simulated event counts.

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
    """Target, simulated and 95% CI of one ratio: shares in %, ratios as 2.50x; '-' where nothing was measured."""
    share = r.key.startswith("bad_share")

    def f(x: float) -> str:
        return f"{100 * x:.1f}%" if share else f"{x:.2f}x"

    if r.ci_low != r.ci_low:
        ci = "-"
    elif share:
        ci = f"{100 * r.ci_low:.1f}..{100 * r.ci_high:.1f}%"
    else:
        ci = f"{r.ci_low:.2f}..{r.ci_high:.2f}x"
    return f(r.target), f(r.simulated) if r.simulated == r.simulated else "-", ci


def calibration_table(rep, name: str, seeds: int, weeks: int):
    """One row per ratio: target, simulated with its 95% CI, how far off, ok/OFF, events behind it."""
    table = compact_table(
        f"Calibration of {name}: {seeds} seed(s) x {weeks} weeks, from simulated event counts",
        [
            ("ratio", "left"),
            ("target", "right"),
            ("sim.", "right"),
            ("95% CI", "right"),
            ("off by", "right"),
            ("", "left"),
            ("events", "right"),
        ],
    )
    for r in rep.ratios:
        pct = f"{100 * r.relative_error:+.1f}%" if r.simulated == r.simulated else "-"
        table.add_row(
            r.key,
            *_ratio_cells(r),
            pct,
            "ok" if r.ok else "OFF",
            f"{r.events:,}",
            style=None if r.ok else "red",
        )
    return table


def calibrate_command(
    scenario: Annotated[str, typer.Argument(help="Shipped scenario name or TOML path.")] = "baseline",
    seeds: Annotated[int, typer.Option(help="Seeds to pool the event counts over.")] = 4,
    steps: Annotated[
        int | None, typer.Option("--steps", "--weeks", help="Weeks per run (default: the scenario's sim.weeks).")
    ] = None,
    sets: SetOpt = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the report as JSON to FILE.")] = None,
    check: Annotated[bool, typer.Option(help="Exit with code 1 if any ratio is more than 15% off its target.")] = False,
) -> None:
    """Measure practice's micro-ratios from simulated event counts: target vs simulated."""
    from cxsim.calibration import TOLERANCE, calibrate

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
    tol = f"{100 * TOLERANCE:.0f}%"
    if n_off:
        console.print(f"[red]{n_off} ratio(s) more than {tol} off target[/] (few events? try more --seeds)")
    else:
        console.print(f"[green]all {len(rep.ratios)} ratios within {tol} of target[/]")
    if json_out is not None:
        rep.write_json(json_out)
        console.print(f"json -> {json_out}")
    print_elapsed(time.perf_counter() - started)
    if check and n_off:
        raise typer.Exit(1)
