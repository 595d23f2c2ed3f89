"""Starting the web UI: ``cxsim ui`` -> a Solara server for :mod:`cxsim.ui.app`, offline.

Before the server starts, Solara's page assets are fetched once (``npm pack``, see
:mod:`cxsim.ui.assets`) and Solara is told to serve them from that cache, so the page
never asks a CDN for anything. The server runs in production mode (no auto-reload, no
call-home check) and replaces the ``cxsim`` process, so stopping ``cxsim ui`` (Ctrl-C,
SIGTERM to its pid) stops the server.
"""

from __future__ import annotations

import os
import subprocess
import sys

APP_MODULE = "cxsim.ui.app"


def solara_command(host: str, port: int) -> list[str]:
    """The command line that serves the app (the venv's own Python runs Solara's CLI)."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        APP_MODULE,
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
    ]


def server_environment(host: str, port: int) -> dict[str, str]:
    """The environment for the server process: local assets, no telemetry, headless matplotlib."""
    from cxsim.ui.assets import ensure_assets, server_env

    root = ensure_assets()
    env = dict(os.environ)
    env.update(server_env(root))
    env.setdefault("MPLBACKEND", "Agg")
    # several sessions step models from several threads at once: require a thread-safe Numba
    # threading layer (OpenMP or TBB), which fails loudly where the default could abort the server
    env.setdefault("NUMBA_THREADING_LAYER", "threadsafe")
    return env


def serve(host: str = "127.0.0.1", port: int = 8765) -> None:
    """Fetch assets if missing, then run the Solara server in place of this process."""
    env = server_environment(host, port)
    cmd = solara_command(host, port)
    print(f"cxsim what-if studio: http://{host}:{port}/  (Ctrl-C stops it)", file=sys.stderr, flush=True)
    if os.name == "posix":
        os.execvpe(cmd[0], cmd, env)  # the server takes this pid: stopping cxsim ui stops it
    else:  # pragma: no cover - Windows has no exec that keeps the pid
        sys.exit(subprocess.call(cmd, env=env))
