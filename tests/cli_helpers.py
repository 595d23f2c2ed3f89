"""Helpers for tests that drive the `cxsim` command line in-process."""

from __future__ import annotations


def run_cli(args, capsys):
    """Run ``cxsim ARGS`` in this process as a user would type it: (exit code, stdout, stderr)."""
    from cxsim.cli import main

    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err
