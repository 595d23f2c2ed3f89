"""``cxsim sweep`` and ``cxsim analyze``: the analyst's batch commands (thin over :mod:`cxsim.sweep`).

    cxsim sweep SPEC --out DIR [--workers N] [--scheduler tcp://HOST:PORT] [--resume]
                [--chunk-size N] [--samples N --seeds N --steps N] [--dry-run]
    cxsim sweep show DIR --run K
    cxsim analyze DIR [--kpi NAME]

``cxsim sweep SPEC ...`` is short for ``cxsim sweep run SPEC ...``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated

import click
import typer
from typer.core import TyperGroup

from cxsim.cli.common import console, err_console
from cxsim.formatting import number


class _RunByDefault(TyperGroup):
    """``cxsim sweep SPEC`` means ``cxsim sweep run SPEC``; ``show`` and ``run`` are subcommands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


sweep_app = typer.Typer(
    cls=_RunByDefault,
    no_args_is_help=True,
    add_completion=False,
    help=(
        "Batch parameter sweeps. 'cxsim sweep SPEC --out DIR' runs a sweep spec (TOML: base scenario, "
        "levers/uncertainties, design, seeds, KPIs) into a Parquet dataset; 'cxsim sweep show DIR --run K' "
        "prints the cxsim run command reproducing one run. Example specs: experiments/sweeps/."
    ),
)


class _SweepProgress:
    """The sweep's progress bar: runs done of all, runs per second since this session's first result.

    ``on_start`` (called by the library once the store is open) says what will run and starts the
    bar; ``tick`` is the library's ``progress(done, total)`` callback.
    """

    def __init__(self, checked, out: Path) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.checked, self.out = checked, out
        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[count]}"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=err_console,
        )
        self.task = self.bar.add_task(checked.name, total=None, count="", rate="")
        self.first: tuple[int, float] | None = None

    def on_start(self, store, ex) -> None:
        checked, m = self.checked, store.manifest
        n_points = len(m["design"]["values"])
        n_factors = len(checked.factors)
        console.print(
            f"[bold]{checked.name}[/]: {checked.design} design, {n_factors} factor{'s' if n_factors != 1 else ''}, "
            f"{n_points:,} points x {checked.seeds} seed{'s' if checked.seeds != 1 else ''} = {store.n_runs:,} runs "
            f"of {checked.steps} weeks -> {self.out}"
        )
        done = store.runs_done()
        if done == store.n_runs:
            console.print(f"  all {done:,} runs were already done")
            return
        console.print(f"  {m['chunks']['count']:,} chunks of {m['chunks']['size']} runs on {ex.describe()}")
        if done:
            console.print(f"  resuming: {done:,} of {store.n_runs:,} runs already done")
        self.bar.start()

    def tick(self, done: int, total: int) -> None:
        if self.first is None:
            self.first = (done, time.perf_counter())
        base, t0 = self.first
        elapsed = time.perf_counter() - t0
        rate = f"{(done - base) / elapsed:.2f} runs/s" if done > base and elapsed > 0 else "starting workers"
        self.bar.update(self.task, completed=done, total=total, count=f"{done:,}/{total:,} runs", rate=rate)


def _is_outcome(column: str) -> bool:
    """A per-run outcome column of a sweep dataset (``total_profit``, ``final_nps``, ``mean_csat``...)."""
    return column.split("_", 1)[0] in ("total", "final", "mean")


def _summary_table(report, runs, out: Path, seconds: float):
    from rich.table import Table

    table = Table(title=f"sweep {report.name}: {report.n_runs:,} runs in {out}")
    table.add_column("")
    table.add_column("value", justify="right")
    table.add_row("runs this session / before", f"{report.runs_now:,} / {report.runs_before:,}")
    if report.runs_now:
        table.add_row("wall time", f"{report.seconds:,.1f} s (command {seconds:,.1f} s)")
        table.add_row("throughput", f"{report.runs_per_second:.2f} runs/s")
        table.add_row("executor", report.executor)
    table.add_row("bankrupt runs", f"{int(runs['bankrupt'].sum()):,}")
    for col in filter(_is_outcome, runs.columns):
        v = runs[col]
        mean, low, high = (number(float(x), col) for x in (v.mean(), v.min(), v.max()))
        table.add_row(col, f"{mean}  [dim](min {low}, max {high})[/]")
    return table


@sweep_app.command("run")
def sweep_run(
    spec: Annotated[
        Path, typer.Argument(metavar="SPEC", help="Sweep spec (TOML), e.g. experiments/sweeps/quick.toml.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for the dataset (must be new or empty).")],
    workers: Annotated[int | None, typer.Option(help="Local worker processes (default: all cores).")] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Run on a Dask cluster instead: its scheduler address, tcp://HOST:PORT.")
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the sweep in DIR: run only what is missing.")
    ] = False,
    chunk_size: Annotated[
        int | None,
        typer.Option(help="Runs per task and per Parquet file (default: ~20 chunks per worker, <= 25 runs)."),
    ] = None,
    samples: Annotated[int | None, typer.Option(help="Override the spec's samples (see the spec's design).")] = None,
    seeds: Annotated[int | None, typer.Option(help="Override the spec's seeds per design point.")] = None,
    steps: Annotated[int | None, typer.Option("--steps", "--weeks", help="Override the spec's weeks per run.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check the spec and print the plan; run nothing.")] = False,
) -> None:
    """Run a sweep spec into DIR (Parquet parts + _sweep.json manifest)."""
    import cxsim.sweep as sw
    from cxsim.sweep.analyze import run_outcomes
    from cxsim.sweep.execute import DaskExecutor, LocalExecutor

    if workers is not None and workers < 1:
        raise sw.SweepError(f"--workers: must be 1 or more, got {workers}")
    if scheduler and workers is not None:
        raise sw.SweepError("--workers is for the local pool; with --scheduler the cluster's workers run the sweep")
    checked = sw.load_spec(spec, samples=samples, seeds=seeds, steps=steps, chunk_size=chunk_size)
    if dry_run:
        _print_plan(checked, out)
        return
    executor = DaskExecutor(scheduler) if scheduler else LocalExecutor(workers)
    progress = _SweepProgress(checked, out)
    # --resume must see the same sweep: the continue command repeats the options that changed the spec
    overrides = "".join(f" --{k} {v}" for k, v in (("samples", samples), ("seeds", seeds), ("steps", steps)) if v)
    started = time.perf_counter()
    try:
        report = sw.run(checked, out, executor, resume=resume, progress=progress.tick, on_start=progress.on_start)
    except KeyboardInterrupt:
        progress.bar.stop()
        _interrupted(out, spec, err_console, overrides)
        raise typer.Exit(130) from None
    finally:
        progress.bar.stop()
    for note in report.notes:
        console.print(f"[yellow]note:[/] {note}")
    runs = run_outcomes(sw.load(out), list(checked.kpis))
    console.print(_summary_table(report, runs, out, time.perf_counter() - started))
    if report.complete:
        console.print(f"next: [bold]cxsim analyze {out}[/]   |   one run: [bold]cxsim sweep show {out} --run 0[/]")
    else:
        _interrupted(out, spec, console, overrides)


def _interrupted(out: Path, spec: Path, console, overrides: str = "") -> None:
    from cxsim.sweep.store import SweepStore

    try:
        store = SweepStore.open(out)
        saved = f"{store.runs_done():,} of {store.n_runs:,} runs saved in {out}"
    except Exception:  # interrupted before the manifest existed
        saved = "nothing saved"
    console.print(f"[yellow]interrupted:[/] {saved}; continue with: cxsim sweep {spec} --out {out}{overrides} --resume")


def _print_plan(spec, out: Path) -> None:
    from rich.table import Table

    from cxsim.sweep.design import make_design
    from cxsim.sweep.execute import auto_chunk_size
    from cxsim.sweep.spec import DESIGN_SAMPLES

    design = make_design(spec)
    n_runs = design.n_points * spec.seeds
    table = Table(title=f"{spec.name}: {spec.description}" if spec.description else spec.name)
    table.add_column("factor")
    table.add_column("role")
    table.add_column("range / values")
    for f in spec.factors:
        table.add_row(f.key, f.role, f.describe())
    console.print(table)
    console.print(
        f"design {spec.design} (samples = {spec.samples}: {DESIGN_SAMPLES[spec.design][0]}): "
        f"{design.n_points:,} points x {spec.seeds} seeds = [bold]{n_runs:,} runs[/] of {spec.steps} weeks "
        f"of '{spec.base.name}' ({spec.base.market.size:,} people; employees: "
        + ", ".join(f"{name or 'focal firm'} {s.workforce.employees:,}" for name, s, _ in spec.base.firms())
        + ")"
    )
    chunk_size = spec.chunk_size or auto_chunk_size(n_runs, os.cpu_count() or 1)
    console.print(f"kpis: {', '.join(spec.kpis)} ({spec.keep}); chunks of {chunk_size} runs")
    console.print(f"dry run: nothing written to {out}")


@sweep_app.command("show")
def sweep_show(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="A sweep directory.")],
    run: Annotated[int, typer.Option("--run", "-r", help="Run index K (column 'run' of the dataset).")],
) -> None:
    """Print the exact 'cxsim run' command that reproduces run K of a sweep."""
    import cxsim.sweep as sw

    info = sw.run_info(directory, run)
    # the command alone on stdout (so $(cxsim sweep show ...) works); context on stderr
    print(info["command"])
    err_console.print(
        f"[dim]run {info['run']}: design point {info['point']}, replicate {info['replicate']}, seed {info['seed']}[/]",
        highlight=False,
    )
    if info["note"]:
        err_console.print(f"[yellow]note:[/] {info['note']}", highlight=False)
    row = info["row"]
    if row is None:
        err_console.print("[dim]this run is not done yet[/]")
    else:
        shown = {k: v for k, v in row.items() if _is_outcome(k) or k == "bankrupt"}
        err_console.print(
            "[dim]recorded: " + ", ".join(f"{k} = {number(v, k)}" for k, v in shown.items()) + "[/]", highlight=False
        )


def _sensitivity_cells(res) -> tuple[str, list[str], list[list[str]]]:
    """Title, column heads and cells of one outcome's sensitivity table (Sobol, Morris or main effects)."""
    ci = f"{res.confidence:.0%}"
    kpi = res.outcome

    def n(x) -> str:
        return number(x, kpi)

    if res.method == "sobol":
        heads = ["S1", f"S1 {ci} CI", "ST", f"ST {ci} CI", "direction (rank corr.)"]
        return (
            "Sobol indices",
            heads,
            [
                [
                    f"{r.S1:.3f}",
                    _interval(r.S1 - r.S1_conf, r.S1 + r.S1_conf, digits=3),
                    f"{r.ST:.3f}",
                    _interval(r.ST - r.ST_conf, r.ST + r.ST_conf, digits=3),
                    _direction(r.spearman),
                ]
                for r in res.table.itertuples()
            ],
        )
    if res.method == "morris":
        heads = ["mu*", f"mu* {ci} CI", "mu", "sigma"]
        return (
            "Morris elementary effects",
            heads,
            [
                [
                    n(r.mu_star),
                    _interval(r.mu_star - r.mu_star_conf, r.mu_star + r.mu_star_conf, kpi),
                    n(r.mu),
                    n(r.sigma),
                ]
                for r in res.table.itertuples()
            ],
        )
    heads = ["eta²", f"{ci} CI", "effect (range)", f"{ci} CI", "highest at", "lowest at"]
    return (
        "main effects",
        heads,
        [
            [
                f"{r.eta2:.3f}",
                _interval(r.eta2_low, r.eta2_high, digits=3),
                n(r.effect),
                _interval(r.effect_low, r.effect_high, kpi),
                number(r.highest_at),
                number(r.lowest_at),
            ]
            for r in res.table.itertuples()
        ],
    )


def analyze_command(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="A sweep directory (cxsim sweep --out).")],
    kpi: Annotated[
        list[str] | None, typer.Option("--kpi", "-k", help="Only this KPI, e.g. profit or total_profit (repeatable).")
    ] = None,
) -> None:
    """Sensitivity of each outcome to each factor: Sobol S1/ST, Morris mu*/sigma or main effects, with CIs.

    Writes CSV tables and bar charts (and partial dependence plots for
    grid/random/LHS designs) to DIR/analysis/.
    """
    from rich.table import Table

    import cxsim.sweep as sw

    for res in sw.analyze(directory, kpi):
        if res.method == "none":
            console.print(f"[bold]{res.label} ({res.outcome})[/]: " + "; ".join(res.notes))
            continue
        title, heads, cells = _sensitivity_cells(res)
        table = Table(title=f"{res.label} ({res.outcome}): {title}")
        table.add_column("factor", no_wrap=True)
        for h in heads:
            table.add_column(h, justify="right")
        for r, row in zip(res.table.itertuples(), cells, strict=True):
            table.add_row(r.factor, *row)
        console.print(table)
        for note in res.notes:
            console.print(f"  [yellow]note:[/] {note}")
        for path in res.files:
            console.print(f"  [dim]{path}[/]", highlight=False)


def _interval(lo: float, hi: float, kpi: str | None = None, *, digits: int | None = None) -> str:
    if digits is not None:
        return f"{lo:.{digits}f} .. {hi:.{digits}f}"
    return f"{number(float(lo), kpi)} .. {number(float(hi), kpi)}"


def _direction(rho: float) -> str:
    if rho != rho:
        return "-"
    arrow = "up" if rho > 0.05 else "down" if rho < -0.05 else "flat"
    return f"{arrow} ({rho:+.2f})"
