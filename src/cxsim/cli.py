"""The ``cxsim`` command line: thin over the library (parse, call, print).

Every command turns a user mistake (bad scenario, bad --set, bad spec) into
one readable message and exit code 2; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

app = typer.Typer(
    name="cxsim",
    help="Simulate customer experience from the inside out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

STATE = {"debug": False}

SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", "-s", help="Override a parameter: section.key=value (repeatable)."),
]


class UserError(Exception):
    """A mistake the user can fix; printed without a traceback."""


def fail(message: str) -> None:
    raise UserError(message)


@app.callback()
def _main(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False) -> None:
    STATE["debug"] = debug


def progress_bar(transient: bool = True) -> Progress:
    """The progress bar every long command uses."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=err_console,
        transient=transient,
    )


def load_with_overrides(scenario: str, sets: list[str] | None):
    from cxsim.scenario import load_scenario, override, parse_overrides

    s = load_scenario(scenario)
    changes = parse_overrides(sets)
    return override(s, changes) if changes else s


def fmt(value) -> str:
    """Numbers for people: thousands separators, 3 significant decimals for fractions."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value != value:
            return "-"
        if abs(value) >= 1000 or (value.is_integer() and abs(value) >= 10):
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:,.1f}"
        return f"{value:.3f}"
    return str(value)


def write_frame(df, out: Path) -> None:
    """Write a DataFrame to .csv or .parquet via a temporary name (never a half-written file)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    if out.suffix == ".csv":
        df.to_csv(tmp, index=False)
    elif out.suffix == ".parquet":
        df.to_parquet(tmp, index=False)
    else:
        fail(f"--out {out}: use a .csv or .parquet file name")
    tmp.replace(out)


# ------------------------------------------------------------------ run

SUMMARY_ROWS = [
    ("Customers", "customers", None),
    ("Prospects / former", "prospects", "former_customers"),
    ("New customers (total)", "total_new_customers", None),
    ("Churned (total)", "total_churned", None),
    ("NPS (final / mean)", "nps", "mean_nps"),
    ("CSAT", "csat", None),
    ("Promoters / detractors", "promoter_share", "detractor_share"),
    ("Mean engagement / engaged share", "mean_engagement", "engaged_share"),
    ("Resolution rate", "resolution_rate", None),
    ("Review rating (stars)", "review_rating", None),
    ("Revenue (total $)", "total_revenue", None),
    ("Cost (total $)", "total_cost_total", None),
    ("Profit (total $)", "total_profit", None),
    ("Cash (final $)", "cash", None),
    ("Believed / perceived quality", "believed_quality", "perceived_quality"),
    ("Delivery gap", "delivery_gap", None),
]


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="Shipped scenario name or path to a TOML file.")] = "baseline",
    seed: Annotated[int, typer.Option(help="Random seed: same scenario + seed + version = same result.")] = 0,
    steps: Annotated[int | None, typer.Option(help="Weeks to simulate (default: the scenario's sim.weeks).")] = None,
    sets: SetOpt = None,
    out: Annotated[Path | None, typer.Option(help="Write the weekly KPIs to FILE.csv or FILE.parquet.")] = None,
    threads: Annotated[int | None, typer.Option(help="Numba threads (default: all cores).")] = None,
) -> None:
    """Simulate one scenario and print a summary of its KPIs."""
    s = load_with_overrides(scenario, sets)
    if threads:
        import numba

        numba.set_num_threads(threads)
    from cxsim.run import run as run_model

    weeks = s.sim.weeks if steps is None else steps
    started = time.perf_counter()
    with progress_bar() as bar:
        task = bar.add_task(f"{s.name}: compiling/starting", total=weeks)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, description=f"{s.name}: week {done}")

        result = run_model(s, seed=seed, steps=weeks, progress=tick)
    elapsed = time.perf_counter() - started
    summary = result.summary
    table = Table(title=f"cxsim {result.version} | {s.name} | seed {seed} | {summary['weeks']} weeks | {s.market.size:,} people")
    table.add_column("KPI")
    table.add_column("value", justify="right")
    for label, k1, k2 in SUMMARY_ROWS:
        v = fmt(summary.get(k1)) if k2 is None else f"{fmt(summary.get(k1))} / {fmt(summary.get(k2))}"
        table.add_row(label, v)
    console.print(table)
    if summary.get("bankrupt"):
        console.print(f"[bold red]BANKRUPT[/] in week {summary['bankrupt_week']}: cash ran out; the firm stopped trading.")
    if out is not None:
        df = result.timeseries.copy()
        df.insert(0, "version", result.version)
        df.insert(0, "seed", result.seed)
        df.insert(0, "scenario", s.name)
        write_frame(df, out)
        console.print(f"weekly KPIs -> {out}")
    console.print(f"[dim]{elapsed:.1f} s[/]")


@app.command()
def scenarios() -> None:
    """List shipped scenarios with what each one shows."""
    from cxsim.scenario import scenarios_dir, shipped_scenarios

    table = Table(title=f"Shipped scenarios ({scenarios_dir()})")
    table.add_column("name", style="bold")
    table.add_column("what it shows")
    for name, desc in shipped_scenarios().items():
        table.add_row(name, desc)
    console.print(table)


@app.command()
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


@app.command()
def ui(
    host: Annotated[str, typer.Option(help="Address to listen on (default: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
) -> None:
    """Start the what-if studio in the browser (Solara; fetches its page assets once, then works offline)."""
    from cxsim.ui.server import serve

    try:
        serve(host, port)
    except RuntimeError as exc:
        fail(str(exc))


# ------------------------------------------------------------------ entry


def main(argv: list[str] | None = None) -> None:
    """Console entry point: user errors become one line on stderr and exit code 2."""
    from cxsim.scenario import ScenarioError

    try:
        app(args=argv, standalone_mode=False)
    except (UserError, ScenarioError) as exc:
        if STATE["debug"]:
            raise
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(2)
    except FileNotFoundError as exc:
        if STATE["debug"]:
            raise
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(2)
    except (typer.Exit, SystemExit) as exc:
        code = getattr(exc, "exit_code", getattr(exc, "code", 0))
        sys.exit(code)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except Exception as exc:  # click usage errors come through here in non-standalone mode
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise


if __name__ == "__main__":
    main()
