"""``cxsim compare`` and ``cxsim calibrate``: the strategist's A/B question and the modeller's check.

    cxsim compare A B [--seeds N|auto] [--precision X] [--steps N] [--set k=v] [--set-a k=v] [--set-b k=v]
                      [--kpi NAME ...] [--report DIR] [--out FILE] [--workers N]
    cxsim calibrate [SCENARIO] [--seeds N] [--steps N] [--set k=v] [--json FILE] [--check]

Thin over :func:`cxsim.compare`, :mod:`cxsim.report` and
:func:`cxsim.calibration.calibrate`: parse, call the library, print with Rich.
"""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

AUTO_START_SEEDS = 4  # first batch of paired seeds with --seeds auto


def _cli():
    import cxsim.cli as cli

    return cli


def _parse_seeds(seeds: str, precision: float | None) -> int:
    cli = _cli()
    if seeds.strip().lower() == "auto":
        if precision is None:
            cli.fail(
                "--seeds auto needs --precision X: the 95% CI half-width to reach on --precision-kpi (e.g. 0.5 NPS points)"
            )
        return AUTO_START_SEEDS
    try:
        n = int(seeds)
    except ValueError:
        cli.fail(f"--seeds {seeds!r}: give a whole number of paired seeds (at least 2) or 'auto'")
    if n < 2:
        cli.fail(f"--seeds {n}: a confidence interval needs at least 2 paired seeds")
    return n


def _terminal_number(x: float, kpi: str = "") -> str:
    """Numbers in a narrow terminal table: six-figure and larger amounts as 123k / 11.4M."""
    from cxsim.formatting import number

    return number(x, kpi or None, style="short")


def _terminal_signed(x: float, kpi: str = "") -> str:
    from cxsim.formatting import signed

    return signed(x, kpi or None, style="short")


def compare_command(
    a: Annotated[str, typer.Argument(metavar="A", help="Scenario A (shipped name or TOML path): the reference.")],
    b: Annotated[str, typer.Argument(metavar="B", help="Scenario B: the change. Differences are B - A.")],
    seeds: Annotated[
        str, typer.Option(help="Paired seeds (same seeds for A and B), or 'auto' with --precision.")
    ] = "8",
    precision: Annotated[
        float | None,
        typer.Option(help="Add paired seeds until the 95% CI half-width of --precision-kpi is at most this."),
    ] = None,
    precision_kpi: Annotated[str, typer.Option(help="KPI the precision target is about.")] = "nps",
    max_seeds: Annotated[int, typer.Option(help="Cap on paired seeds when chasing a precision.")] = 200,
    steps: Annotated[int | None, typer.Option(help="Weeks to simulate (default: A's sim.weeks).")] = None,
    sets: Annotated[
        list[str] | None, typer.Option("--set", "-s", help="Override a parameter in both A and B: section.key=value.")
    ] = None,
    sets_a: Annotated[list[str] | None, typer.Option("--set-a", help="Override a parameter in A only.")] = None,
    sets_b: Annotated[list[str] | None, typer.Option("--set-b", help="Override a parameter in B only.")] = None,
    kpi: Annotated[
        list[str] | None, typer.Option("--kpi", "-k", help="KPI to compare (repeatable; default: the main KPIs).")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write DIR/report.html (self-contained, offline) plus the runs as CSV/Parquet.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Also write the difference table to FILE.csv or FILE.parquet.")
    ] = None,
    workers: Annotated[int, typer.Option(help="Worker processes (1: one run at a time in this process).")] = 1,
) -> None:
    """Compare two scenarios over paired seeds: KPI differences (B - A) with 95% confidence intervals."""
    from rich import box
    from rich.table import Table

    from cxsim.comparison import DEFAULT_KPIS, compare
    from cxsim.metrics import KPIS
    from cxsim.scenario import override, parse_overrides

    cli = _cli()
    n_seeds = _parse_seeds(seeds, precision)
    if precision is not None and not precision > 0:
        cli.fail(f"--precision {precision}: must be > 0")
    if max_seeds < 2:
        cli.fail(f"--max-seeds {max_seeds}: must be at least 2")
    if steps is not None and steps < 1:
        cli.fail(f"--steps {steps}: must be at least 1")
    if workers < 1:
        cli.fail(f"--workers {workers}: must be at least 1")
    kpis = list(kpi) if kpi else list(DEFAULT_KPIS)
    for k in [*kpis, precision_kpi]:
        if k not in KPIS or k == "week":
            import difflib

            guess = difflib.get_close_matches(k, list(KPIS), n=1)
            cli.fail(
                f"unknown KPI {k!r}"
                + (f"; did you mean {guess[0]!r}?" if guess else "")
                + " (the KPI names are the columns of `cxsim run --out`)"
            )
    sa = cli.load_with_overrides(a, sets)
    sb = cli.load_with_overrides(b, sets)
    if sets_a:
        sa = override(sa, parse_overrides(sets_a))
    if sets_b:
        sb = override(sb, parse_overrides(sets_b))
    if report is not None:
        cli.check_writable(report, "--report")
    if out is not None:
        cli.check_writable(out)
    weeks = sa.sim.weeks if steps is None else steps
    if sb.sim.weeks != sa.sim.weeks and steps is None:
        cli.err_console.print(f"[yellow]note:[/] A and B differ in sim.weeks; both run {weeks} weeks (A's).")

    started = time.perf_counter()
    with cli.progress_callback(f"{sa.name} vs {sb.name}: runs", 2 * n_seeds) as tick:
        c = compare(
            sa,
            sb,
            seeds=n_seeds,
            steps=weeks,
            kpis=kpis,
            workers=workers,
            precision=precision,
            precision_kpi=precision_kpi,
            max_seeds=max(max_seeds, n_seeds),
            progress=tick,
        )
    elapsed = time.perf_counter() - started

    console = cli.console
    if c.changes:
        changes = ", ".join(f"{k}: {va} -> {vb}" for k, (va, vb) in c.changes.items())
    else:
        changes = "nothing (an A/A check: every interval should cover 0)"
    console.print(f"[bold]A[/] {sa.name}  vs  [bold]B[/] {sb.name}   differs in: {changes}", highlight=False)
    # light box, no edge padding: the table fits an 80-column terminal with money in k/M
    table = Table(
        title=f"B - A over {len(c.seeds)} paired seeds, {weeks} weeks (95% CI)",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    for col, just in (
        ("KPI", "left"),
        ("per run", "left"),
        ("A", "right"),
        ("B", "right"),
        ("B - A", "right"),
        ("95% CI", "right"),
        ("signal?", "left"),
    ):
        table.add_column(col, justify=just, overflow="fold", no_wrap=col == "KPI")
    from cxsim.metrics import outcome_kind

    number, signed = _terminal_number, _terminal_signed

    for _, r in c.table.iterrows():
        k = r["kpi"]
        sig = bool(r["significant"])
        style = ("green" if r["diff"] > 0 else "red") if sig else "dim"
        table.add_row(
            k,
            "share" if k == "bankrupt" else outcome_kind(k),
            number(r["a_mean"], k),
            number(r["b_mean"], k),
            signed(r["diff"], k),
            f"{number(r['ci_low'], k)}..{number(r['ci_high'], k)}",
            "yes" if sig else "noise",
            style=style,
        )
    console.print(table)
    console.print(
        "[dim]per run: final week, total or mean over the run. signal? yes = the 95% CI of the paired "
        "difference excludes 0 (common random numbers); noise = it does not.[/]"
    )
    precision_note = None
    if precision is not None:
        half = float(c.table.set_index("kpi").loc[precision_kpi, "half_width"])
        if c.precision_reached:
            precision_note = (
                f"Precision target reached: the 95% CI half-width of {precision_kpi} is "
                f"{half:.3g} <= {precision:g} after {len(c.seeds)} paired seeds."
            )
            console.print(f"[green]{precision_note}[/]")
        else:
            precision_note = (
                f"Precision target NOT reached: the 95% CI half-width of {precision_kpi} is still "
                f"{half:.3g} > {precision:g} at the cap of {len(c.seeds)} paired seeds "
                f"(raise --max-seeds or accept the wider interval)."
            )
            console.print(f"[yellow]{precision_note}[/]")
    if out is not None:
        cli.write_frame(c.table, out)
        console.print(f"difference table -> {out}")
    if report is not None:
        from cxsim.report import write_report

        command = "cxsim " + " ".join(shlex.quote(x) for x in sys.argv[1:]) if sys.argv[1:] else None
        with cli.progress_bar() as bar:
            bar.add_task("writing report", total=None)
            page = write_report(c, report, command=command, precision_note=precision_note)
        console.print(f"report -> {page} (runs.csv, runs.parquet, differences.csv next to it)")
    console.print(f"[dim]{elapsed:.1f} s[/]")


def calibrate_command(
    scenario: Annotated[str, typer.Argument(help="Shipped scenario name or TOML path.")] = "baseline",
    seeds: Annotated[int, typer.Option(help="Seeds to pool the event counts over.")] = 4,
    steps: Annotated[int | None, typer.Option(help="Weeks per run (default: the scenario's sim.weeks).")] = None,
    sets: Annotated[
        list[str] | None, typer.Option("--set", "-s", help="Override a parameter: section.key=value (repeatable).")
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the report as JSON to FILE.")] = None,
    check: Annotated[bool, typer.Option(help="Exit with code 1 if any ratio is more than 15% off its target.")] = False,
) -> None:
    """Measure practice's micro-ratios from simulated event counts: target vs simulated."""
    from rich import box
    from rich.table import Table

    from cxsim.calibration import TOLERANCE, calibrate

    cli = _cli()
    if seeds < 1:
        cli.fail(f"--seeds {seeds}: must be at least 1")
    if steps is not None and steps < 1:
        cli.fail(f"--steps {steps}: must be at least 1")
    s = cli.load_with_overrides(scenario, sets)
    if json_out is not None:
        cli.check_writable(json_out, "--json")
    weeks = s.sim.weeks if steps is None else steps
    started = time.perf_counter()
    with cli.progress_callback(f"{s.name}: calibration runs", weeks * seeds) as tick:
        rep = calibrate(s, seeds=seeds, steps=weeks, progress=tick)
    table = Table(
        title=f"Calibration of {s.name}: {seeds} seed(s) x {weeks} weeks, from simulated event counts",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    for col, just in (
        ("ratio", "left"),
        ("target", "right"),
        ("sim.", "right"),
        ("95% CI", "right"),
        ("off by", "right"),
        ("", "left"),
        ("events", "right"),
    ):
        table.add_column(col, justify=just, no_wrap=col == "ratio")
    for r in rep.ratios:
        pct = f"{100 * r.relative_error:+.1f}%" if r.simulated == r.simulated else "-"
        share = r.key.startswith("bad_share")
        f = (lambda x: f"{100 * x:.1f}%") if share else (lambda x: f"{x:.2f}x")
        if r.ci_low != r.ci_low:
            ci = "-"
        elif share:
            ci = f"{100 * r.ci_low:.1f}..{100 * r.ci_high:.1f}%"
        else:
            ci = f"{r.ci_low:.2f}..{r.ci_high:.2f}x"
        table.add_row(
            r.key,
            f(r.target),
            f(r.simulated) if r.simulated == r.simulated else "-",
            ci,
            pct,
            "ok" if r.ok else "OFF",
            f"{r.events:,}",
            style=None if r.ok else "red",
        )
    cli.console.print(table)
    n_off = sum(not r.ok for r in rep.ratios)
    tol = f"{100 * TOLERANCE:.0f}%"
    if n_off:
        cli.console.print(f"[red]{n_off} ratio(s) more than {tol} off target[/] (few events? try more --seeds)")
    else:
        cli.console.print(f"[green]all {len(rep.ratios)} ratios within {tol} of target[/]")
    if json_out is not None:
        rep.write_json(json_out)
        cli.console.print(f"json -> {json_out}")
    cli.console.print(f"[dim]{time.perf_counter() - started:.1f} s[/]")
    if check and n_off:
        raise typer.Exit(1)
