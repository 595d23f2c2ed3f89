"""``cxsim compare``: the strategist's A/B question, over paired seeds.

    cxsim compare A B [--seeds N|auto] [--precision X] [--steps N] [--set k=v] [--set-a k=v] [--set-b k=v]
                      [--kpi NAME ...] [--report DIR] [--out FILE] [--workers N]
                      [--posterior DIR [--draws N] [--lesson KEY]]

Three steps, each a function: :func:`parse` turns the options into a checked
:class:`CompareRequest` (every user mistake is refused here, before anything runs),
:func:`run` calls :func:`cxsim.compare`, and :func:`render` prints the table and writes the files
(:mod:`cxsim.report` for the HTML page).
"""

from __future__ import annotations

import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from cxsim.cli.common import (
    at_least,
    check_writable,
    compact_table,
    console,
    err_console,
    fail,
    load_with_overrides,
    print_elapsed,
    progress_bar,
    progress_callback,
    write_frame,
)
from cxsim.params import Scenario

AUTO_START_SEEDS = 4  # first batch of paired seeds with --seeds auto


@dataclass(frozen=True)
class CompareRequest:
    """A checked ``cxsim compare`` command: the two scenarios (with their overrides) and what to do."""

    a: Scenario
    b: Scenario
    seeds: int
    weeks: int
    kpis: list[str]
    workers: int
    precision: float | None
    precision_kpi: str
    max_seeds: int
    report: Path | None
    out: Path | None
    posterior: object | None = None  # a cxsim.fit.Posterior: run over its draws
    draws: int = 0
    lesson: object | None = None  # a cxsim.lessons.Lesson whose claim is checked over the posterior


def _parse_seeds(seeds: str, precision: float | None) -> int:
    if seeds.strip().lower() == "auto":
        if precision is None:
            fail(
                "--seeds auto needs --precision X: the 95% CI half-width to reach on --precision-kpi "
                "(e.g. 0.5 NPS points)"
            )
        return AUTO_START_SEEDS
    try:
        n = int(seeds)
    except ValueError:
        fail(f"--seeds {seeds!r}: give a whole number of paired seeds (at least 2) or 'auto'")
    if n < 2:
        fail(f"--seeds {n}: a confidence interval needs at least 2 paired seeds")
    return n


def _check_kpi(name: str, a: Scenario, b: Scenario) -> None:
    """A KPI column both scenarios have: the focal firm's (``share``) or a rival's both have (``rival_share``)."""
    from cxsim.comparison import unknown_kpis

    if not unknown_kpis([name], a, b):
        return
    import difflib

    from cxsim.metrics import kpi_columns

    columns = [c for c in kpi_columns(a.rivals) if c != "week" and not unknown_kpis([c], b)]
    guess = difflib.get_close_matches(name, columns, n=1)
    rivals = sorted(set(a.rivals) & set(b.rivals))
    mine = f"; a rival's KPIs are <rival>_<kpi>, e.g. {rivals[0]}_share" if rivals else ""
    fail(
        f"unknown KPI {name!r}"
        + (f"; did you mean {guess[0]!r}?" if guess else "")
        + f" (the KPI names are the columns of `cxsim run --out`{mine})"
    )


def parse(
    a: str,
    b: str,
    *,
    seeds: str | None,
    precision: float | None,
    precision_kpi: str,
    max_seeds: int,
    steps: int | None,
    sets: list[str] | None,
    sets_a: list[str] | None,
    sets_b: list[str] | None,
    kpi: list[str] | None,
    report: Path | None,
    out: Path | None,
    workers: int,
    posterior: Path | None = None,
    draws: int | None = None,
    lesson: str | None = None,
) -> CompareRequest:
    """The command's options, checked: one readable error for the first mistake."""
    from cxsim.comparison import DEFAULT_KPIS
    from cxsim.scenario import override, parse_overrides

    if posterior is None and (draws is not None or lesson is not None):
        fail(f"{'--draws' if draws is not None else '--lesson'} goes with --posterior DIR (the folder of a cxsim fit)")
    if posterior is not None and precision is not None:
        fail("--precision chases one interval over seeds; with --posterior the interval is over draws: give --draws N")
    if posterior is not None and report is not None:
        fail("--report is not written for a comparison over a posterior; use --out FILE for its table")
    if seeds is None:
        from cxsim.fit.whatif import DEFAULT_SEEDS

        seeds = str(DEFAULT_SEEDS) if posterior is not None else "8"
    n_seeds = _parse_seeds(seeds, precision)
    if precision is not None and not precision > 0:
        fail(f"--precision {precision}: must be > 0")
    at_least("--max-seeds", max_seeds, 2)
    at_least("--steps", steps, 1)
    at_least("--workers", workers, 1)
    kpis = list(kpi) if kpi else list(DEFAULT_KPIS)
    sa = load_with_overrides(a, sets)
    sb = load_with_overrides(b, sets)
    if sets_a:
        sa = override(sa, parse_overrides(sets_a))
    if sets_b:
        sb = override(sb, parse_overrides(sets_b))
    for k in [*kpis, precision_kpi]:
        _check_kpi(k, sa, sb)
    if report is not None:
        check_writable(report, "--report")
    if out is not None:
        check_writable(out)
    weeks = sa.sim.weeks if steps is None else steps
    if sb.sim.weeks != sa.sim.weeks and steps is None:
        err_console.print(f"[yellow]note:[/] A and B differ in sim.weeks; both run {weeks} weeks (A's).")
    post, chosen = None, None
    if posterior is not None:
        from cxsim.fit import load
        from cxsim.fit.whatif import DEFAULT_DRAWS

        post = load(posterior)
        draws = DEFAULT_DRAWS if draws is None else draws
        at_least("--draws", draws, 2)
        if lesson is not None:
            from cxsim.lessons import LESSONS

            keys = {le.key: le for le in LESSONS}
            if lesson not in keys:
                import difflib

                guess = difflib.get_close_matches(lesson, list(keys), n=1)
                fail(
                    f"--lesson {lesson!r}: no such lesson"
                    + (f"; did you mean {guess[0]!r}?" if guess else "")
                    + f" (lessons: {', '.join(keys)})"
                )
            chosen = keys[lesson]
            _check_kpi(chosen.kpi, sa, sb)
    return CompareRequest(
        a=sa,
        b=sb,
        seeds=n_seeds,
        weeks=weeks,
        kpis=kpis,
        workers=workers,
        precision=precision,
        precision_kpi=precision_kpi,
        max_seeds=max(max_seeds, n_seeds),
        report=report,
        out=out,
        posterior=post,
        draws=draws or 0,
        lesson=chosen,
    )


def run(request: CompareRequest):
    """Both scenarios over the paired seeds, with a progress bar: a :class:`cxsim.Comparison`."""
    from cxsim.comparison import compare

    r = request
    if r.posterior is not None:
        from cxsim.fit.whatif import compare_posterior

        with progress_callback(f"{r.a.name} vs {r.b.name}: runs over the posterior", 2 * r.seeds * r.draws) as tick:
            return compare_posterior(
                r.a,
                r.b,
                r.posterior,
                draws=r.draws,
                seeds=r.seeds,
                steps=r.weeks,
                kpis=r.kpis,
                workers=r.workers,
                lesson=r.lesson,
                progress=tick,
            )
    with progress_callback(f"{r.a.name} vs {r.b.name}: runs", 2 * r.seeds) as tick:
        return compare(
            r.a,
            r.b,
            seeds=r.seeds,
            steps=r.weeks,
            kpis=r.kpis,
            workers=r.workers,
            precision=r.precision,
            precision_kpi=r.precision_kpi,
            max_seeds=r.max_seeds,
            progress=tick,
        )


def _half_width(x: float, k) -> str:
    """The CI's half-width in the units of the difference beside it: a flag's in points (±12 pts), as its B - A is."""
    from cxsim.formatting import number, signed

    if k is not None and k.format == "flag":
        return "±" + signed(x, k, style="short").lstrip("+")
    return "±" + number(x, k, style="short")


def difference_table(c):
    """The B - A table for a terminal: money in k/M so it fits 80 columns; green/red = better/worse for the firm.

    The 95% CI of the paired difference (a t interval, symmetric) is written as its half-width, ``+2.16 ±3.01``:
    two bounds of up to eight characters each did not fit an 80-column terminal and wrapped mid-number.
    """
    from cxsim.formatting import number, signed
    from cxsim.metrics import find

    table = compact_table(
        f"B - A over {len(c.seeds)} paired seeds, {c.steps} weeks (95% CI)",
        [
            ("KPI", "left"),
            ("per run", "left"),
            ("A", "right"),
            ("B", "right"),
            ("B - A", "right"),
            ("± 95% CI", "left"),
            ("signal?", "left"),
        ],
        overflow="fold",
    )
    for r in c.table.itertuples(index=False):
        k = find(r.kpi)

        def short(x, k=k):
            return number(x, k, style="short")

        table.add_row(
            k.name,
            "share" if k.format == "flag" else k.kind,
            short(r.a_mean),
            short(r.b_mean),
            signed(r.diff, k, style="short"),
            _half_width(r.half_width, k),
            "yes" if r.significant else "noise",
            style=_signal_style(k, r.diff, bool(r.significant)),
        )
    return table


def _signal_style(kpi, diff: float, significant: bool) -> str:
    """Green when B is better for the firm beyond noise, red when worse, bold when it differs either way."""
    from cxsim.comparison import verdict

    return {"better": "green", "worse": "red", "higher": "bold", "lower": "bold"}.get(
        verdict(kpi, diff, significant), "dim"
    )


def precision_note(c) -> str | None:
    """Whether --precision was reached, in one sentence (None without --precision)."""
    if c.precision is None:
        return None
    half = float(c.table.set_index("kpi").loc[c.precision_kpi, "half_width"])
    if c.precision_reached:
        return (
            f"Precision target reached: the 95% CI half-width of {c.precision_kpi} is "
            f"{half:.3g} <= {c.precision:g} after {len(c.seeds)} paired seeds."
        )
    return (
        f"Precision target NOT reached: the 95% CI half-width of {c.precision_kpi} is still "
        f"{half:.3g} > {c.precision:g} at the cap of {len(c.seeds)} paired seeds "
        f"(raise --max-seeds or accept the wider interval)."
    )


def posterior_table(c):
    """The B - A table over posterior draws: mean, 90% interval over the draws, and how much of the posterior agrees."""
    from cxsim.formatting import number, signed
    from cxsim.metrics import find

    table = compact_table(
        f"B - A over {len(c.draws)} posterior draws x {len(c.seeds)} paired seeds, {c.steps} weeks",
        [
            ("KPI", "left"),
            ("A", "right"),
            ("B", "right"),
            ("B - A", "right"),
            ("90% of draws", "right"),
            ("agree", "right"),
            ("clear", "right"),
        ],
        overflow="fold",
    )

    def pct(x: float) -> str:
        return "-" if x != x else f"{100 * x:.0f}%"

    for r in c.table.itertuples(index=False):
        k = find(r.kpi)
        table.add_row(
            k.name,
            number(r.a_mean, k, style="short"),
            number(r.b_mean, k, style="short"),
            signed(r.diff, k, style="short"),
            f"{number(r.lo90, k, style='short')}..{number(r.hi90, k, style='short')}",
            pct(r.share_same_sign),
            pct(r.share_beyond_noise),
            style=None if r.share_same_sign != r.share_same_sign or r.share_same_sign >= 0.9 else "yellow",
        )
    return table


def render_posterior(c, request: CompareRequest) -> None:
    """Print the comparison over a posterior: what differs, the table, and the lesson's robustness."""
    from cxsim.fit.whatif import drivers

    console.print(
        f"[bold]A[/] {c.a.name}  vs  [bold]B[/] {c.b.name}, over the posterior of "
        f"{c.posterior.folder} ({len(c.posterior.keys)} unknowns)",
        highlight=False,
    )
    for k, (va, vb) in c.changes.items():
        console.print(f"  {k}: {va} -> {vb}", highlight=False, soft_wrap=True)
    console.print(posterior_table(c))
    console.print(
        "[dim]90% of draws: where 90% of the draws' mean differences lie (the unknowns' doubt plus the seeds' "
        "noise). agree: share of draws pointing the way of the mean; clear: share that also exclude 0 with "
        "their seeds' 95% interval. Yellow: the posterior is split.[/]"
    )
    if c.lesson is not None:
        share, direction = c.lesson_share, c.lesson_direction_share
        word = (
            "holds across the posterior"
            if share >= 0.9
            else ("holds only for some parameter values" if share > 0.1 else "does not hold on this firm")
        )
        console.print(
            f"Lesson '{c.lesson.title}' ({c.lesson.kpi} {'higher' if c.lesson.expect > 0 else 'lower'} in B): "
            f"{word}: beyond noise in {100 * share:.0f}% of the posterior, its direction in {100 * direction:.0f}%.",
            highlight=False,
            style="green" if share >= 0.9 else "yellow",
        )
        if share < 0.9:
            top = drivers(c, c.lesson.kpi)
            if top:
                console.print(
                    "Its size depends most on: " + ", ".join(f"{k} (rank correlation {r:+.2f})" for k, r in top),
                    highlight=False,
                )
    if request.out is not None:
        write_frame(c.table, request.out)
        console.print(f"difference table -> {request.out}")


def render(c, request: CompareRequest) -> None:
    """Print what differs, the difference table and the precision; write --out and --report."""
    if request.posterior is not None:
        render_posterior(c, request)
        return
    # one change a line: joined on one line, a long list wrapped mid-value ("0.9 -> \n0.1") at 80 columns
    console.print(f"[bold]A[/] {c.a.name}  vs  [bold]B[/] {c.b.name}", highlight=False)
    if c.changes:
        console.print("B differs from A in:", highlight=False)
        for k, (va, vb) in c.changes.items():
            console.print(f"  {k}: {va} -> {vb}", highlight=False, soft_wrap=True)
    else:
        console.print("B does not differ from A (an A/A check: every interval should cover 0)", highlight=False)
    console.print(difference_table(c))
    console.print(
        "[dim]per run: final week, total or mean over the run. signal? yes = the 95% CI of the paired "
        "difference excludes 0 (common random numbers); noise = it does not.[/]"
    )
    note = precision_note(c)
    if note is not None:
        console.print(f"[{'green' if c.precision_reached else 'yellow'}]{note}[/]")
    if request.out is not None:
        write_frame(c.table, request.out)
        console.print(f"difference table -> {request.out}")
    if request.report is not None:
        from cxsim.report import write_report

        command = "cxsim " + " ".join(shlex.quote(x) for x in sys.argv[1:]) if sys.argv[1:] else None
        with progress_bar() as bar:
            bar.add_task("writing report", total=None)
            page = write_report(c, request.report, command=command, precision_note=note)
        console.print(f"report -> {page} (runs.csv, runs.parquet, differences.csv next to it)")


def compare_command(
    a: Annotated[str, typer.Argument(metavar="A", help="Scenario A (shipped name or TOML path): the reference.")],
    b: Annotated[str, typer.Argument(metavar="B", help="Scenario B: the change. Differences are B - A.")],
    seeds: Annotated[
        str | None,
        typer.Option(
            help="Paired seeds (same seeds for A and B), or 'auto' with --precision (default 8; 4 per draw "
            "with --posterior)."
        ),
    ] = None,
    precision: Annotated[
        float | None,
        typer.Option(help="Add paired seeds until the 95% CI half-width of --precision-kpi is at most this."),
    ] = None,
    precision_kpi: Annotated[str, typer.Option(help="KPI the precision target is about.")] = "nps",
    max_seeds: Annotated[int, typer.Option(help="Cap on paired seeds when chasing a precision.")] = 200,
    steps: Annotated[
        int | None, typer.Option("--steps", "--weeks", help="Weeks to simulate (default: A's sim.weeks).")
    ] = None,
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
    posterior: Annotated[
        Path | None,
        typer.Option(help="Run over the posterior of a fit (its --out folder): answers carry the unknowns' doubt."),
    ] = None,
    draws: Annotated[int | None, typer.Option(help="Posterior draws with --posterior (default 12).")] = None,
    lesson: Annotated[
        str | None,
        typer.Option(help="With --posterior: the lesson whose claim to check (default: by A and B's names)."),
    ] = None,
) -> None:
    """Compare two scenarios over paired seeds: KPI differences (B - A) with 95% confidence intervals."""
    request = parse(
        a,
        b,
        seeds=seeds,
        precision=precision,
        precision_kpi=precision_kpi,
        max_seeds=max_seeds,
        steps=steps,
        sets=sets,
        sets_a=sets_a,
        sets_b=sets_b,
        kpi=kpi,
        report=report,
        out=out,
        workers=workers,
        posterior=posterior,
        draws=draws,
        lesson=lesson,
    )
    started = time.perf_counter()
    comparison = run(request)
    elapsed = time.perf_counter() - started
    render(comparison, request)
    print_elapsed(elapsed)
