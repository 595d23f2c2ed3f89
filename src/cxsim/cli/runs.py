"""``cxsim run``, ``resume``, ``scenarios``, ``params`` and ``ui``: one run, what it is made of, the studio.

cxsim run [SCENARIO] [--seed N] [--steps N] [--set k=v] [--out FILE|DIR] [--checkpoint-every N]
cxsim resume DIR
cxsim scenarios
cxsim params [SECTION]
cxsim ui [--host H] [--port P] [--games DIR]
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from cxsim.cli.common import (
    SetOpt,
    ThreadsOpt,
    check_writable,
    console,
    fail,
    load_with_overrides,
    print_elapsed,
    progress_callback,
    set_threads,
)

#: The rows of a run's summary: KPIs shown side by side in one row, each as ``Result.summary`` has it
#: (flows as totals over the run, levels in the final week; ``mean_nps`` is NPS averaged over the run).
#: Each firm has a column; a rival's cell is blank where it has no such KPI (:data:`cxsim.metrics.RIVAL_KEYS`).
SUMMARY_ROWS: list[tuple[str, ...]] = [
    ("customers",),
    ("share",),
    ("prospects", "former_customers"),
    ("new_customers", "won_from_rivals"),
    ("churned", "lost_to_rivals"),
    ("nps", "mean_nps"),
    ("reputation",),
    ("csat",),
    ("promoter_share", "detractor_share"),
    ("review_rating",),
    ("mean_engagement",),
    ("engaged_share",),
    ("resolution_rate",),
    ("utilisation",),
    ("price",),
    ("revenue",),
    ("cost_total",),
    ("profit",),
    ("cash",),
    ("perceived_quality",),
    ("believed_quality",),
    ("delivery_gap",),
]


def _summary_cell(key: str, summary: dict, rival: str = ""):
    """(KPI, how it is read, value) of one entry of a summary row, for the focal firm or ``rival``."""
    from cxsim.metrics import KPIS

    def column(k: str) -> str:
        return f"{rival}_{k}" if rival else k

    if key.startswith("mean_") and key not in KPIS:
        base = key.removeprefix("mean_")
        return KPIS[base], "mean", summary.get(f"mean_{column(base)}")
    k = KPIS[key]
    if k.kind == "total":
        return k, "total", summary.get(f"total_{column(key)}")
    return k, "final", summary.get(column(key))


def summary_rows(summary: dict, rivals: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """(label, the focal firm's value, each rival's value) of each summary row, labels and units from the KPI
    declarations; a rival's value is blank where it has no such KPI.

    'Customers', 'NPS (points: final / mean)', 'Promoters / Detractors (share)', 'Revenue (total $)'.
    """
    from cxsim.formatting import number
    from cxsim.metrics import RIVAL_KEYS

    rows = []
    for keys in SUMMARY_ROWS:
        cells = [_summary_cell(key, summary) for key in keys]
        kpis = list(dict.fromkeys(k for k, _, _ in cells))
        units = {k.unit for k in kpis}
        unit = units.pop() if len(units) == 1 else ""
        if len(kpis) < len(cells):  # one KPI read two ways
            note = ": ".join(filter(None, [unit, " / ".join(how for _, how, _ in cells)]))
        elif any(how == "total" for _, how, _ in cells):
            note = f"total {unit}".strip()
        else:
            note = unit
        label = " / ".join(k.label for k in kpis) + (f" ({note})" if note else "")
        values = [" / ".join(number(value, k) for k, _, value in cells)]
        for rival in rivals:
            cells = [_summary_cell(key, summary, rival) for key in keys]
            shown = any(k.name in RIVAL_KEYS for k, _, _ in cells)
            values.append(" / ".join(number(value, k) for k, _, value in cells) if shown else "")
        rows.append((label, *values))
    return rows


def print_summary(result) -> None:
    """The KPI summary table of one run (``run`` and ``resume``): the focal firm, and each rival beside it."""
    s, summary = result.scenario, result.summary
    weeks = summary["weeks"]
    rivals = tuple(s.rivals)
    title = (
        f"cxsim {result.version} | {s.name} | seed {result.seed} | {weeks} week{'s' if weeks != 1 else ''} "
        f"| {s.market.size:,} people"
    )
    # as wide as its title (up to 100): no wrapped title; a light frame, so a rival's column fits 80 characters
    table = Table(title=title, min_width=min(len(title), 100), box=box.SIMPLE_HEAD, show_edge=False)
    table.add_column("KPI")
    table.add_column("focal firm" if rivals else "value", justify="right", no_wrap=True)
    for rival in rivals:
        table.add_column(rival, justify="right", no_wrap=True)
    for row in summary_rows(summary, rivals):
        table.add_row(*row)
    console.print(table)
    if rivals:
        console.print(
            "[dim]A rival's blank cell: not measured for rivals (prospects and former customers are the focal "
            "firm's; rivals' customers are its prospects).[/]"
        )
    if summary.get("bankrupt"):
        console.print(
            f"[bold red]BANKRUPT[/] in week {summary['bankrupt_week']}: cash ran out; the firm stopped trading."
        )
    ts = result.timeseries
    for rival in rivals:
        if summary.get(f"{rival}_bankrupt"):
            week = int(ts["week"][ts[f"{rival}_bankrupt"].astype(bool)].iloc[0])
            console.print(
                f"[yellow]{rival} went bankrupt[/] in week {week}: it stopped trading and its customers moved on."
            )


def run(
    scenario: Annotated[str, typer.Argument(help="Shipped scenario name or path to a TOML file.")] = "baseline",
    seed: Annotated[
        int, typer.Option(min=0, max=2**63 - 1, help="Random seed: same scenario + seed + version = same result.")
    ] = 0,
    steps: Annotated[
        int | None,
        typer.Option("--steps", "--weeks", min=1, help="Weeks to simulate (default: the scenario's sim.weeks)."),
    ] = None,
    sets: SetOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="FILE.csv / FILE.parquet: the weekly KPIs. DIR (no suffix): a run directory with both, "
            "the scenario and (with --checkpoint-every) checkpoints for 'cxsim resume DIR'."
        ),
    ] = None,
    checkpoint_every: Annotated[
        int | None,
        typer.Option(min=1, help="Save the model state every N weeks into the --out DIR (crash-safe long runs)."),
    ] = None,
    threads: ThreadsOpt = None,
) -> None:
    """Simulate one scenario and print a summary of its KPIs."""
    s = load_with_overrides(scenario, sets)
    run_dir = _check_out(out, checkpoint_every)
    set_threads(threads)
    from cxsim.run import run as run_model

    weeks = s.sim.weeks if steps is None else steps
    started = time.perf_counter()
    with progress_callback(f"{s.name}: compiling/starting", weeks, weekly_name=s.name) as tick:
        if run_dir:
            from cxsim.checkpoint import run_to_dir

            result = run_to_dir(out, s, seed=seed, steps=weeks, checkpoint_every=checkpoint_every, progress=tick)
        else:
            result = run_model(s, seed=seed, steps=weeks, progress=tick)
    elapsed = time.perf_counter() - started
    print_summary(result)
    if run_dir:
        console.print(f"run directory -> {out}")
    elif out is not None:
        from cxsim.checkpoint import write_result

        try:
            write_result(result, out)
        except OSError as exc:
            fail(f"--out {out}: cannot write it ({exc.strerror or exc})")
        console.print(f"weekly KPIs -> {out}")
    print_elapsed(elapsed)


def _check_out(out: Path | None, checkpoint_every: int | None) -> bool:
    """Refuse a --out that cannot take the run before it starts; True when it is a run directory."""
    from cxsim.atomic import FRAME_SUFFIXES

    if out is None:
        if checkpoint_every:
            fail("--checkpoint-every needs --out DIR: the directory the checkpoints and results go to")
        return False
    run_dir = out.suffix not in FRAME_SUFFIXES
    if out.suffix and run_dir:
        fail(f"--out {out}: use FILE.csv, FILE.parquet or a directory name without a suffix")
    if checkpoint_every and not run_dir:
        fail(f"--checkpoint-every needs --out DIR (a directory), not the file {out}")
    check_writable(out)
    return run_dir


def resume(
    directory: Annotated[Path, typer.Argument(help="A run directory made by 'cxsim run ... --out DIR'.")],
    threads: ThreadsOpt = None,
) -> None:
    """Continue a killed run from its last checkpoint; the result is identical to an uninterrupted run."""
    from cxsim.checkpoint import read_run
    from cxsim.checkpoint import resume as resume_run

    info = read_run(directory)
    if info["status"] != "running":
        console.print(
            f"{directory}: the run already finished (week {info.get('week')}, {info['status']}); nothing to do.",
            soft_wrap=True,
        )
    else:
        start = info.get("checkpoint_week")
        where = f"its checkpoint at week {start}" if start else "week 0 (it stopped before its first checkpoint)"
        console.print(f"{directory}: resuming from {where}, to week {info['steps']}.", soft_wrap=True)
    set_threads(threads)
    started = time.perf_counter()
    name = info.get("scenario", "run")
    with progress_callback(f"{name}: loading", info["steps"], weekly_name=name) as tick:
        result = resume_run(directory, progress=tick)
    elapsed = time.perf_counter() - started
    print_summary(result)
    console.print(f"run directory -> {directory}")
    print_elapsed(elapsed)


def scenarios() -> None:
    """List shipped scenarios with what each one shows."""
    from cxsim.scenario import scenarios_dir, shipped_scenarios

    table = Table(title=f"Shipped scenarios ({scenarios_dir()})")
    table.add_column("name", style="bold")
    table.add_column("what it shows")
    for name, desc in shipped_scenarios().items():
        table.add_row(name, desc)
    console.print(table)


def params(
    section: Annotated[str | None, typer.Argument(help="Only this section (e.g. workforce).")] = None,
) -> None:
    """List every parameter with its default, range, unit and source."""
    from cxsim.params import parameter_table

    rows = [r for r in parameter_table() if section is None or r["key"].startswith(section + ".")]
    if not rows:
        fail(f"no parameters in section {section!r}")
    table = Table()
    for col in ("key", "default", "range", "unit", "source"):
        table.add_column(col)
    for r in rows:
        rng = "" if r["min"] is None else f"{r['min']} .. {r['max']}"
        table.add_row(r["key"], str(r["default"]), rng, r["unit"], r["source"])
    console.print(table)


def ui(
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on (default: this machine only). 0.0.0.0 or this machine's LAN address "
            "opens the studio to the local network, for a class: it then prints the address students join at."
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    workers: Annotated[
        int | None,
        typer.Option(help="Worker processes doing every session's runs, queued fairly (default: one per core)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Send the runs to a Dask cluster instead, e.g. tcp://127.0.0.1:8786 (as cxsim sweep)."),
    ] = None,
    games: Annotated[
        Path | None,
        typer.Option(help="Folder classroom games are saved in (default: ~/.local/share/cxsim/games)."),
    ] = None,
) -> None:
    """Start the what-if studio in the browser (Solara; fetches its page assets once, then works offline)."""
    from cxsim.ui.server import serve
    from cxsim.ui.serving import configure

    try:  # one queue and cache of runs for every session: where its runs happen
        typer.echo(configure(workers, scheduler), err=True)
    except (ValueError, RuntimeError) as exc:
        fail(str(exc))

    if games is not None:
        check_writable(games, "--games")
    try:
        serve(host, port, games)
    except RuntimeError as exc:
        fail(str(exc))
