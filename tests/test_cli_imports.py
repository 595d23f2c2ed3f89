"""The ``cxsim.cli`` package has no import cycle: the helpers import no command, commands import no command.

``cxsim.cli.common`` holds what every command shares; each command module imports it (and the
library), ``cxsim.cli`` (the package) builds the app from the command modules, and nothing in the
library imports the command line.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
CLI = SRC / "cxsim" / "cli"
MODULES = sorted(f"cxsim.cli.{p.stem}" for p in CLI.glob("*.py") if p.stem not in ("__init__", "__main__"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every cxsim module ``path`` imports, at the top or inside a function (a lazy import is a dependency too)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            # `from cxsim.cli import runs` imports the module cxsim.cli.runs
            out.update(f"{node.module}.{a.name}" for a in node.names if (SRC / node.module.replace(".", "/")).is_dir())
    return {m for m in out if m == "cxsim" or m.startswith("cxsim.")}


def graph() -> dict[str, set[str]]:
    return {module_name(p): imported_modules(p) for p in (SRC / "cxsim").rglob("*.py")}


def test_the_command_modules_are_found():
    assert {"cxsim.cli.common", "cxsim.cli.runs", "cxsim.cli.compare", "cxsim.cli.sweep"} <= set(MODULES)


def test_helpers_import_no_command_and_commands_import_only_the_helpers():
    g = graph()
    assert not {m for m in g["cxsim.cli.common"] if m.startswith("cxsim.cli")}, g["cxsim.cli.common"]
    for name in MODULES:
        cli_deps = {m for m in g[name] if m == "cxsim.cli" or m.startswith("cxsim.cli.")}
        assert cli_deps <= {"cxsim.cli.common"}, f"{name} imports {sorted(cli_deps)}"
    assert set(MODULES) <= g["cxsim.cli"], "the package builds the app from every command module"


def test_the_library_does_not_import_the_command_line():
    def is_cli(name: str) -> bool:
        return name == "cxsim.cli" or name.startswith("cxsim.cli.")

    users = {name for name, deps in graph().items() if not is_cli(name) and any(map(is_cli, deps))}
    assert not users


def test_the_helpers_alone_load_no_command_module():
    """Run common.py on its own in a fresh interpreter: afterwards no cxsim.cli module is loaded."""
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('probe', {str(CLI / 'common.py')!r})\n"
        "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        "print(sorted(m for m in sys.modules if m.startswith('cxsim.cli')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("name", ["cxsim.cli", *MODULES])
def test_every_cli_module_imports_first_in_a_fresh_interpreter(name):
    """Whichever module is imported first, no half-initialised module is met (the symptom of a cycle)."""
    code = (
        f"import importlib; importlib.import_module({name!r}); "
        "import cxsim.cli; print(len(cxsim.cli.app.registered_commands))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 8  # run, resume, scenarios, params, ui, analyze, compare, calibrate
