"""What every ``cxsim`` command shares: consoles, errors, progress bars, scenarios with --set, output files.

This module imports none of the command modules (``cxsim.cli.runs``, ``compare``, ``calibrate``,
``sweep``); they all import it. Heavy libraries are imported inside the functions that need them,
so ``cxsim --help`` stays quick.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

console = Console()
err_console = Console(stderr=True)

#: ``--debug`` seen on the command line (set by the app's callback and by :func:`cxsim.cli.main`).
STATE = {"debug": False}

SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", "-s", help="Override a parameter: section.key=value (repeatable)."),
]
ThreadsOpt = Annotated[
    int | None,
    typer.Option(
        help="Numba threads (default: all cores; fewer while other jobs keep the cores busy, unless OMP_DYNAMIC=false)."
    ),
]


class UserError(Exception):
    """A mistake the user can fix; printed without a traceback."""


def fail(message: str) -> None:
    """Stop the command with one readable line and exit code 2."""
    raise UserError(message)


def at_least(option: str, value: int | None, least: int) -> None:
    """Refuse a whole-number option below ``least`` (``--steps 0``): '--steps 0: must be at least 1'."""
    if value is not None and value < least:
        fail(f"{option} {value}: must be at least {least}")


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
    """A scenario (shipped name or TOML path) with the ``--set section.key=value`` overrides applied."""
    from cxsim.scenario import load_scenario, parse_overrides

    return load_scenario(scenario, parse_overrides(sets))


def write_frame(df, out: Path, metadata: dict[str, str] | None = None) -> None:
    """Write a DataFrame to .csv or .parquet via a temporary name (never a half-written file)."""
    from cxsim.atomic import FRAME_SUFFIXES
    from cxsim.atomic import write_frame as write_atomic

    if out.suffix not in FRAME_SUFFIXES:
        fail(f"--out {out}: use a .csv or .parquet file name")
    write_atomic(df, out, metadata=metadata)


def check_writable(out: Path, what: str = "--out") -> None:
    """Fail before a long job, not after it, when ``out`` cannot be written."""
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
    """Numba threads for this process (results do not depend on it); ``None`` leaves the default.

    The library clamps a count above the machine's to all threads; a command refuses it instead, so a
    typo (``--threads 40``) never runs quietly with another count than the one asked for.
    """
    if threads is None:
        return
    import numba

    from cxsim.parallel import set_threads as use_threads

    most = numba.config.NUMBA_NUM_THREADS
    if not 1 <= threads <= most:
        fail(f"--threads {threads}: this machine allows 1 to {most}")
    try:
        use_threads(threads)
    except ValueError as exc:
        fail(f"--threads {threads}: {exc}")


def compact_table(title: str, columns: Iterable[tuple[str, str]], *, overflow: str = "ellipsis"):
    """A light table without edge padding, to fit an 80-column terminal; ``columns`` are (heading, justify).

    The first column (the row's name) never wraps.
    """
    from rich import box
    from rich.table import Table

    table = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for i, (heading, justify) in enumerate(columns):
        table.add_column(heading, justify=justify, overflow=overflow, no_wrap=i == 0)
    return table


def print_elapsed(seconds: float) -> None:
    """The wall time a command took, dimmed, as its last line."""
    console.print(f"[dim]{seconds:.1f} s[/]")
