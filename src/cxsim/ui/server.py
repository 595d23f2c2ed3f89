"""Starting the web UI: ``cxsim ui`` -> a Solara server for :mod:`cxsim.ui.app`, offline.

Before the server starts, Solara's page assets are fetched once (``npm pack``, see
:mod:`cxsim.ui.assets`) and Solara is told to serve them from that cache, so the page
never asks a CDN for anything. The server runs in production mode (no auto-reload, no
call-home check) and replaces the ``cxsim`` process, so stopping ``cxsim ui`` (Ctrl-C,
SIGTERM to its pid) stops the server.

The server listens on this machine only (127.0.0.1) unless the teacher asks for the local network
(``--host 0.0.0.0`` or one of the machine's addresses); then it prints the address students type to
join a classroom game. Games are saved under :func:`games_dir` (``--games DIR``), so a restarted
server resumes them.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
from pathlib import Path

APP_MODULE = "cxsim.ui.app"
#: Where the server process finds the folder of classroom games (set from ``cxsim ui --games``).
GAMES_ENV = "CXSIM_GAMES_DIR"
#: The address students type to reach the studio (the game's pages show it), e.g. http://192.168.1.20:8765.
JOIN_ENV = "CXSIM_JOIN_URL"


def games_dir() -> Path:
    """The folder classroom games are saved in: ``$CXSIM_GAMES_DIR``, else the user's data folder
    (``$XDG_DATA_HOME/cxsim/games``, ``~/.local/share/cxsim/games``; ``%LOCALAPPDATA%`` on Windows)."""
    env = os.environ.get(GAMES_ENV)
    if env:
        return Path(env).expanduser()
    if os.name == "nt":  # pragma: no cover - Windows
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "cxsim" / "games"


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only (``127.0.0.1``, ``localhost``, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def lan_address() -> str | None:
    """This machine's address on the local network (the one its default route leaves from), or None.

    Connecting a UDP socket sends no packet: it only asks the system which interface it would use.
    """
    for probe in ("10.255.255.255", "192.168.255.255", "172.31.255.255"):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect((probe, 1))
                address = s.getsockname()[0]
        except OSError:
            continue
        if address and not ipaddress.ip_address(address).is_loopback and address != "0.0.0.0":
            return address
    try:
        address = socket.gethostbyname(socket.gethostname())
    except OSError:
        return None
    return None if ipaddress.ip_address(address).is_loopback else address


def join_host(host: str) -> str | None:
    """The address students type to reach a server listening on ``host``; None when it listens on loopback."""
    if is_loopback(host):
        return None
    if host in ("0.0.0.0", "::", ""):
        return lan_address()
    return host


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


def serve(host: str = "127.0.0.1", port: int = 8765, games: Path | None = None) -> None:
    """Fetch assets if missing, then run the Solara server in place of this process.

    Args:
        host: the address to listen on; anything but loopback opens the studio to the local network.
        port: the port to listen on.
        games: the folder classroom games are saved in (default :func:`games_dir`).
    """
    env = server_environment(host, port)
    env[GAMES_ENV] = str(Path(games).expanduser().resolve() if games is not None else games_dir())
    lan = join_host(host)
    if is_loopback(host) or lan:  # the address the game's pages tell students to type
        env[JOIN_ENV] = f"http://{host if is_loopback(host) else lan}:{port}"
    else:
        env.pop(JOIN_ENV, None)
    cmd = solara_command(host, port)
    print(f"cxsim what-if studio: http://{host}:{port}/  (Ctrl-C stops it)", file=sys.stderr, flush=True)
    print(f"classroom games are saved in {env[GAMES_ENV]}", file=sys.stderr, flush=True)
    if not is_loopback(host):
        if lan:
            print(
                f"open to the local network: the teacher opens http://{lan}:{port}/game ; "
                f"students join at http://{lan}:{port}/play",
                file=sys.stderr,
                flush=True,
            )
        else:
            print(
                f"open to the local network, but this machine's address was not found: students type "
                f"http://<this machine's address>:{port}/play",
                file=sys.stderr,
                flush=True,
            )
    if os.name == "posix":
        os.execvpe(cmd[0], cmd, env)  # the server takes this pid: stopping cxsim ui stops it
    else:  # pragma: no cover - Windows has no exec that keeps the pid
        sys.exit(subprocess.call(cmd, env=env))
