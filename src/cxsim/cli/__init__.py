"""The ``cxsim`` command line: thin over the library (parse, call, print).

Every command turns a user mistake (bad scenario, bad --set, bad spec) into
one readable message and exit code 2; ``--debug`` shows the traceback.

Modules: :mod:`~cxsim.cli.common` (consoles, errors, progress, --set, output files; imports no
command), one module per group of commands, each importing ``common``:
:mod:`~cxsim.cli.runs` (run, resume, scenarios, params, ui), :mod:`~cxsim.cli.compare`,
:mod:`~cxsim.cli.calibrate`, :mod:`~cxsim.cli.sweep` (sweep, sweep show, analyze). This module
builds the Typer app from them and is the console entry point (:func:`main`).
"""

from __future__ import annotations

import gc
import sys
from typing import Annotated

# A command starts by importing numba, mesa and their dependencies: millions of objects, over which Python ran
# thousands of young-generation collections (~0.2 s of a ~2.5 s 'cxsim run'). Collections stay on, just rarer.
gc.set_threshold(100_000, 10, 10)

import typer  # noqa: E402

from cxsim.cli import calibrate, compare, fit, game, runs, sweep  # noqa: E402
from cxsim.cli.common import STATE, UserError, err_console  # noqa: E402

app = typer.Typer(
    name="cxsim",
    help="Simulate customer experience from the inside out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _main(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False) -> None:
    STATE["debug"] = STATE["debug"] or debug


for _command in (runs.run, runs.resume, runs.scenarios, runs.params, runs.ui):
    app.command()(_command)
# batch sweeps: `cxsim sweep SPEC --out DIR`, `cxsim sweep show DIR --run K`, `cxsim analyze DIR`
app.add_typer(sweep.sweep_app, name="sweep")
app.command("analyze")(sweep.analyze_command)
# lessons: `cxsim compare A B [--seeds N|auto] [--report DIR]`, `cxsim calibrate [SCENARIO] [--json FILE]`
app.command("compare")(compare.compare_command)
app.command("calibrate")(calibrate.calibrate_command)
# a firm: `cxsim fit PROFILE.toml --out DIR [--scheduler ADDRESS]`
app.command("fit")(fit.fit_command)
app.add_typer(game.class_app, name="class")  # the classroom game: `cxsim class new|status|submit|advance|...`


def main(argv: list[str] | None = None) -> None:
    """Console entry point: every error is one readable line on stderr, no traceback.

    Exit codes: 0 done, 1 unexpected internal error, 2 a mistake the user can
    fix (scenario, --set, options, paths), 130 interrupted. ``--debug``
    re-raises so the traceback shows.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    # --debug works anywhere on the line (cxsim run x --debug too), and before the callback has run
    debug = "--debug" in args
    args = [a for a in args if a != "--debug"]
    STATE["debug"] = debug
    try:
        code = app(args=args, standalone_mode=False)  # click returns typer.Exit's code in this mode
        if isinstance(code, int) and code:
            sys.exit(code)
        if argv is None:  # the process ends here (console entry point): skip the final garbage collection
            _exit_fast()
    except (typer.Exit, SystemExit) as exc:
        sys.exit(getattr(exc, "exit_code", getattr(exc, "code", 0)))
    except (Exception, KeyboardInterrupt) as exc:
        if _is_usage_error(exc):  # typer/click: unknown option, bad value, missing argument; never a bug
            exc.show()
            sys.exit(exc.exit_code)
        if debug or STATE["debug"]:
            raise
        code, line = _explain(exc)
        err_console.print(line, highlight=False, soft_wrap=True)
        sys.exit(code)


def _explain(exc: BaseException) -> tuple[int, str]:
    """The exit code and the one line that say why a command stopped."""
    from rich.markup import escape

    from cxsim.checkpoint import CheckpointError
    from cxsim.scenario import ScenarioError

    if isinstance(exc, typer.Abort | KeyboardInterrupt):
        return 130, "interrupted"
    if isinstance(exc, UserError | ScenarioError | CheckpointError):
        code, message = 2, str(exc)
    elif isinstance(exc, OSError):  # a path that does not exist, is a folder, is not writable, a full disk...
        where = f": {exc.filename}" if getattr(exc, "filename", None) else ""
        code, message = 2, f"{exc.strerror or exc}{where}"
    else:
        code, message = 1, f"internal error ({type(exc).__name__}: {exc}); run again with --debug for the traceback"
    return code, f"[bold red]error:[/] {escape(message)}"


def _exit_fast() -> None:
    """Exempt every live object from the garbage collection Python runs at exit.

    numba, pandas and mesa leave a great many objects behind; the collection
    at exit took ~1 s of ``cxsim run baseline --steps 1`` on a loaded 2-core
    machine (5.5 s -> 3.6 s) and frees nothing the operating system would
    not. Only called when ``main`` is the process's entry point, never from
    tests calling ``main(argv)`` in-process.
    """
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
