"""The ``cxsim`` command line: thin over the library (parse, call, print).

Every command turns a user mistake (bad scenario, bad --set, bad spec) into
one readable message and exit code 2; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

# A command starts by importing numba, mesa and their dependencies: millions of objects, over which Python ran
# thousands of young-generation collections (~0.2 s of a ~2.5 s 'cxsim run'). Collections stay on, just rarer.
gc.set_threshold(100_000, 10, 10)

import typer  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn  # noqa: E402
from rich.table import Table  # noqa: E402

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
    STATE["debug"] = STATE["debug"] or debug


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


@contextmanager
def progress_callback(
    label: str, total: int, *, weekly_name: str | None = None
) -> Iterator[Callable[[int, int], None]]:
    """A progress bar and the ``progress(done, total)`` callback that the library's long calls take.

    With ``weekly_name`` (one run), the bar reads '<name>: week N'; otherwise it follows the total the
    library reports, which may grow (compare adds paired seeds while it chases a precision).
    """
    with progress_bar() as bar:
        task = bar.add_task(label, total=total)

        def tick(done: int, total: int) -> None:
            if weekly_name is None:
                bar.update(task, completed=done, total=total)
            else:
                bar.update(task, completed=done, description=f"{weekly_name}: week {done}")

        yield tick


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


def write_frame(df, out: Path, metadata: dict[str, str] | None = None) -> None:
    """Write a DataFrame to .csv or .parquet via a temporary name (never a half-written file)."""
    from cxsim.atomic import FRAME_SUFFIXES
    from cxsim.atomic import write_frame as write_atomic

    if out.suffix not in FRAME_SUFFIXES:
        fail(f"--out {out}: use a .csv or .parquet file name")
    write_atomic(df, out, metadata=metadata)


def check_writable(out: Path, what: str = "--out") -> None:
    """Fail before a long job, not after it, when ``out`` cannot be written."""
    import os

    if out.is_dir() and out.suffix:
        fail(f"{what} {out}: is a folder; give a file name")
    probe = out.parent if out.suffix else out
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        fail(f"{what} {out}: {probe} is a file, not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        fail(f"{what} {out}: no permission to write in {probe}")
    try:  # access() says yes to root everywhere; only a real file tells (e.g. /proc)
        import tempfile

        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as exc:
        fail(f"{what} {out}: cannot write in {probe} ({exc.strerror or exc})")


def set_threads(threads: int | None) -> None:
    """Numba threads for this process (results do not depend on it)."""
    if not threads:
        return
    import numba

    most = numba.config.NUMBA_NUM_THREADS
    if not 1 <= threads <= most:
        fail(f"--threads {threads}: this machine allows 1 to {most}")
    numba.set_num_threads(threads)


def print_summary(result, elapsed: float) -> None:
    """The KPI summary table every run-like command prints."""
    s, summary = result.scenario, result.summary
    title = f"cxsim {result.version} | {s.name} | seed {result.seed} | {summary['weeks']} week{'s' if summary['weeks'] != 1 else ''} | {s.market.size:,} people"
    table = Table(title=title, min_width=min(len(title), 100))  # as wide as its title (up to 100): no wrapped title
    table.add_column("KPI")
    table.add_column("value", justify="right")
    for label, k1, k2 in SUMMARY_ROWS:
        v = fmt(summary.get(k1)) if k2 is None else f"{fmt(summary.get(k1))} / {fmt(summary.get(k2))}"
        table.add_row(label, v)
    console.print(table)
    if summary.get("bankrupt"):
        console.print(
            f"[bold red]BANKRUPT[/] in week {summary['bankrupt_week']}: cash ran out; the firm stopped trading."
        )


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
    seed: Annotated[
        int, typer.Option(min=0, max=2**63 - 1, help="Random seed: same scenario + seed + version = same result.")
    ] = 0,
    steps: Annotated[
        int | None, typer.Option(min=1, help="Weeks to simulate (default: the scenario's sim.weeks).")
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
    threads: Annotated[
        int | None,
        typer.Option(
            help="Numba threads (default: all cores; fewer while other jobs keep the cores busy, unless OMP_DYNAMIC=false)."
        ),
    ] = None,
) -> None:
    """Simulate one scenario and print a summary of its KPIs."""
    from cxsim.atomic import FRAME_SUFFIXES

    s = load_with_overrides(scenario, sets)
    run_dir = out is not None and out.suffix not in FRAME_SUFFIXES
    if out is not None:
        if out.suffix and out.suffix not in FRAME_SUFFIXES:
            fail(f"--out {out}: use FILE.csv, FILE.parquet or a directory name without a suffix")
        if checkpoint_every and not run_dir:
            fail(f"--checkpoint-every needs --out DIR (a directory), not the file {out}")
        check_writable(out)
    elif checkpoint_every:
        fail("--checkpoint-every needs --out DIR: the directory the checkpoints and results go to")
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
    print_summary(result, elapsed)
    if run_dir:
        console.print(f"run directory -> {out}")
    elif out is not None:
        from cxsim.checkpoint import write_result

        try:
            write_result(result, out)
        except OSError as exc:
            fail(f"--out {out}: cannot write it ({exc.strerror or exc})")
        console.print(f"weekly KPIs -> {out}")
    console.print(f"[dim]{elapsed:.1f} s[/]")


@app.command()
def resume(
    directory: Annotated[Path, typer.Argument(help="A run directory made by 'cxsim run ... --out DIR'.")],
    threads: Annotated[
        int | None,
        typer.Option(
            help="Numba threads (default: all cores; fewer while other jobs keep the cores busy, unless OMP_DYNAMIC=false)."
        ),
    ] = None,
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
    set_threads(threads)
    started = time.perf_counter()
    name = info.get("scenario", "run")
    with progress_callback(f"{name}: loading", info["steps"], weekly_name=name) as tick:
        result = resume_run(directory, progress=tick)
    elapsed = time.perf_counter() - started
    print_summary(result, elapsed)
    console.print(f"run directory -> {directory}")
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


# batch sweeps (issue 5): `cxsim sweep SPEC --out DIR`, `cxsim sweep show DIR --run K`, `cxsim analyze DIR`
from cxsim.sweep.cli import analyze_command, sweep_app  # noqa: E402

app.add_typer(sweep_app, name="sweep")
app.command("analyze")(analyze_command)

# lessons (issue 4): `cxsim compare A B [--seeds N|auto] [--report DIR]`, `cxsim calibrate [SCENARIO] [--json FILE]`
from cxsim.lessons_cli import calibrate_command, compare_command  # noqa: E402

app.command("compare")(compare_command)
app.command("calibrate")(calibrate_command)


# ------------------------------------------------------------------ entry


def main(argv: list[str] | None = None) -> None:
    """Console entry point: every error is one readable line on stderr, no traceback.

    Exit codes: 0 done, 1 unexpected internal error, 2 a mistake the user can
    fix (scenario, --set, options, paths), 130 interrupted. ``--debug``
    re-raises so the traceback shows.
    """
    from rich.markup import escape

    from cxsim.checkpoint import CheckpointError
    from cxsim.scenario import ScenarioError

    args = sys.argv[1:] if argv is None else list(argv)
    # --debug works anywhere on the line (cxsim run x --debug too), and before the callback has run
    debug = "--debug" in args
    args = [a for a in args if a != "--debug"]
    STATE["debug"] = debug

    def say(message: str, code: int) -> None:
        err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
        sys.exit(code)

    try:
        code = app(args=args, standalone_mode=False)  # click returns typer.Exit's code in this mode
        if isinstance(code, int) and code:
            sys.exit(code)
        if argv is None:  # the process ends here (console entry point): skip the final garbage collection
            _exit_fast()
    except (typer.Exit, SystemExit) as exc:
        sys.exit(getattr(exc, "exit_code", getattr(exc, "code", 0)))
    except (typer.Abort, KeyboardInterrupt):
        if debug or STATE["debug"]:
            raise
        err_console.print("interrupted")
        sys.exit(130)
    except (UserError, ScenarioError, CheckpointError) as exc:
        if debug or STATE["debug"]:
            raise
        say(str(exc), 2)
    except OSError as exc:  # a path that does not exist, is a folder, is not writable, a full disk...
        if debug or STATE["debug"]:
            raise
        where = f": {exc.filename}" if getattr(exc, "filename", None) else ""
        say(f"{exc.strerror or exc}{where}", 2)
    except Exception as exc:
        if _is_usage_error(exc):  # typer/click: unknown option, bad value, missing argument; never a bug
            exc.show()
            sys.exit(exc.exit_code)
        if debug or STATE["debug"]:
            raise
        say(f"internal error ({type(exc).__name__}: {exc}); run again with --debug for the traceback", 1)


def _exit_fast() -> None:
    """Exempt every live object from the garbage collection Python runs at exit.

    numba, pandas and mesa leave a great many objects behind; the collection
    at exit took ~1 s of ``cxsim run baseline --steps 1`` on a loaded 2-core
    machine (5.5 s -> 3.6 s) and frees nothing the operating system would
    not. Only called when ``main`` is the process's entry point, never from
    tests calling ``main(argv)`` in-process.
    """
    import gc

    gc.freeze()


def _is_usage_error(exc: BaseException) -> bool:
    """Typer vendors click (typer._click) or uses click itself, depending on the version."""
    import click

    kinds: tuple[type, ...] = (click.exceptions.ClickException,)
    try:
        from typer._click.exceptions import ClickException as TyperClickException

        kinds += (TyperClickException,)
    except ImportError:
        pass
    return isinstance(exc, kinds)


if __name__ == "__main__":
    main()
