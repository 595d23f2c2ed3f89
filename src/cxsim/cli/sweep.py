"""``cxsim sweep`` and ``cxsim analyze``: the analyst's batch commands (thin over cxsim.sweep).

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


def _console():
    from cxsim.cli import console, err_console

    return console, err_console


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
    steps: Annotated[int | None, typer.Option(help="Override the spec's weeks per run.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check the spec and print the plan; run nothing.")] = False,
) -> None:
    """Run a sweep spec into DIR (Parquet parts + _sweep.json manifest)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
    from rich.table import Table

    import cxsim.sweep as sw
    from cxsim.cli import fmt
    from cxsim.sweep.analyze import run_outcomes
    from cxsim.sweep.execute import DaskExecutor, LocalExecutor

    console, err_console = _console()
    if workers is not None and workers < 1:
        raise sw.SweepError(f"--workers: must be 1 or more, got {workers}")
    if scheduler and workers is not None:
        raise sw.SweepError("--workers is for the local pool; with --scheduler the cluster's workers run the sweep")
    checked = sw.load_spec(spec, samples=samples, seeds=seeds, steps=steps, chunk_size=chunk_size)
    if dry_run:
        _print_plan(checked, out)
        return
    executor = DaskExecutor(scheduler) if scheduler else LocalExecutor(workers)

    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[count]}"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=err_console,
    )
    task = bar.add_task(checked.name, total=None, count="", rate="")
    state: dict = {"first": None}

    def on_start(store, ex) -> None:
        m = store.manifest
        n_points = len(m["design"]["values"])
        console.print(
            f"[bold]{checked.name}[/]: {checked.design} design, {len(checked.factors)} factor{'s' if len(checked.factors) != 1 else ''}, "
            f"{n_points:,} points x {checked.seeds} seed{'s' if checked.seeds != 1 else ''} = {store.n_runs:,} runs "
            f"of {checked.steps} weeks -> {out}"
        )
        done = store.runs_done()
        if done == store.n_runs:
            console.print(f"  all {done:,} runs were already done")
            return
        console.print(f"  {m['chunks']['count']:,} chunks of {m['chunks']['size']} runs on {ex.describe()}")
        if done:
            console.print(f"  resuming: {done:,} of {store.n_runs:,} runs already done")
        bar.start()

    def tick(done: int, total: int) -> None:
        if state["first"] is None:
            state["first"] = (done, time.perf_counter())
        base, t0 = state["first"]
        elapsed = time.perf_counter() - t0
        rate = f"{(done - base) / elapsed:.2f} runs/s" if done > base and elapsed > 0 else "starting workers"
        bar.update(task, completed=done, total=total, count=f"{done:,}/{total:,} runs", rate=rate)

    # --resume must see the same sweep: the continue command repeats the options that changed the spec
    overrides = "".join(f" --{k} {v}" for k, v in (("samples", samples), ("seeds", seeds), ("steps", steps)) if v)
    started = time.perf_counter()
    try:
        report = sw.run(checked, out, executor, resume=resume, progress=tick, on_start=on_start)
    except KeyboardInterrupt:
        bar.stop()
        _interrupted(out, spec, err_console, overrides)
        raise typer.Exit(130) from None
    finally:
        bar.stop()
    for note in report.notes:
        console.print(f"[yellow]note:[/] {note}")
    df = sw.load(out)
    runs = run_outcomes(df, list(checked.kpis))
    table = Table(title=f"sweep {report.name}: {report.n_runs:,} runs in {out}")
    table.add_column("")
    table.add_column("value", justify="right")
    table.add_row("runs this session / before", f"{report.runs_now:,} / {report.runs_before:,}")
    if report.runs_now:
        table.add_row("wall time", f"{report.seconds:,.1f} s (command {time.perf_counter() - started:,.1f} s)")
        table.add_row("throughput", f"{report.runs_per_second:.2f} runs/s")
        table.add_row("executor", report.executor)
    table.add_row("bankrupt runs", f"{int(runs['bankrupt'].sum()):,}")
    for col in [c for c in runs.columns if c.split("_", 1)[0] in ("total", "final", "mean") and c != "bankrupt"]:
        v = runs[col]
        table.add_row(col, f"{fmt(float(v.mean()))}  [dim](min {fmt(float(v.min()))}, max {fmt(float(v.max()))})[/]")
    console.print(table)
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

    console, _ = _console()
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
        f"of '{spec.base.name}' ({spec.base.market.size:,} people, {spec.base.workforce.employees:,} employees)"
    )
    workers = os.cpu_count() or 1
    console.print(
        f"kpis: {', '.join(spec.kpis)} ({spec.keep}); chunks of {spec.chunk_size or auto_chunk_size(n_runs, workers)} runs"
    )
    console.print(f"dry run: nothing written to {out}")


@sweep_app.command("show")
def sweep_show(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="A sweep directory.")],
    run: Annotated[int, typer.Option("--run", "-r", help="Run index K (column 'run' of the dataset).")],
) -> None:
    """Print the exact 'cxsim run' command that reproduces run K of a sweep."""
    import cxsim.sweep as sw
    from cxsim.cli import fmt

    console, err_console = _console()
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
        shown = {k: v for k, v in row.items() if k.split("_", 1)[0] in ("total", "final", "mean") or k == "bankrupt"}
        err_console.print(
            "[dim]recorded: " + ", ".join(f"{k} = {fmt(v)}" for k, v in shown.items()) + "[/]", highlight=False
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
    from cxsim.cli import fmt

    console, _ = _console()
    results = sw.analyze(directory, kpi)
    for res in results:
        if res.method == "none":
            console.print(f"[bold]{res.outcome}[/]: " + "; ".join(res.notes))
            continue
        ci = f"{res.confidence:.0%}"
        if res.method == "sobol":
            title, heads = "Sobol indices", ["S1", f"S1 {ci} CI", "ST", f"ST {ci} CI", "direction (rank corr.)"]
            cells = [
                [
                    f"{r.S1:.3f}",
                    _interval(r.S1 - r.S1_conf, r.S1 + r.S1_conf, 3),
                    f"{r.ST:.3f}",
                    _interval(r.ST - r.ST_conf, r.ST + r.ST_conf, 3),
                    _direction(r.spearman),
                ]
                for r in res.table.itertuples()
            ]
        elif res.method == "morris":
            title, heads = "Morris elementary effects", ["mu*", f"mu* {ci} CI", "mu", "sigma"]
            cells = [
                [
                    fmt(float(r.mu_star)),
                    _interval(r.mu_star - r.mu_star_conf, r.mu_star + r.mu_star_conf),
                    fmt(float(r.mu)),
                    fmt(float(r.sigma)),
                ]
                for r in res.table.itertuples()
            ]
        else:
            title, heads = "main effects", ["eta²", f"{ci} CI", "effect (range)", f"{ci} CI", "highest at", "lowest at"]
            cells = [
                [
                    f"{r.eta2:.3f}",
                    _interval(r.eta2_low, r.eta2_high, 3),
                    fmt(float(r.effect)),
                    _interval(r.effect_low, r.effect_high),
                    fmt(r.highest_at),
                    fmt(r.lowest_at),
                ]
                for r in res.table.itertuples()
            ]
        table = Table(title=f"{res.outcome}: {title}")
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


def _interval(lo: float, hi: float, digits: int | None = None) -> str:
    from cxsim.cli import fmt

    if digits is not None:
        return f"{lo:.{digits}f} .. {hi:.{digits}f}"
    return f"{fmt(float(lo))} .. {fmt(float(hi))}"


def _direction(rho: float) -> str:
    if rho != rho:
        return "-"
    arrow = "up" if rho > 0.05 else "down" if rho < -0.05 else "flat"
    return f"{arrow} ({rho:+.2f})"
