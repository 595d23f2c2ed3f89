"""Every file cxsim writes is written to a temporary name and renamed.

A static audit of src/cxsim: each call that writes a file (to_csv, to_parquet,
write_text, savefig, open(..., "w"), ...) must either target a temporary
path that the same function then renames, or go through :mod:`cxsim.atomic`.
A new writer that does neither fails here with its file and line, so "a
killed job never leaves half a file" stays true as the code grows.
"""

from __future__ import annotations

import ast
from pathlib import Path

import cxsim

SRC = Path(cxsim.__file__).parent
WRITERS = {
    "to_csv",
    "to_parquet",
    "to_json",
    "to_excel",
    "to_feather",
    "write_text",
    "write_bytes",
    "savefig",
    "savez",
    "savez_compressed",
    "write_table",
    "dump",
    "tofile",
}
RENAMES = {"replace", "rename"}
TEMP_HINTS = ("tmp", "temp")
MEMORY_HINTS = ("buf", "bytesio", "stringio")
#: Reviewed exceptions: (file, code) -> why it is safe.
ALLOWED = {
    ("cxsim/checkpoint.py", "open(out_dir / LOCK, 'a+')"): "an empty lock file; its content is never read",
}


def _text(node: ast.AST) -> str:
    return ast.unparse(node).lower()


def _is_write(call: ast.Call) -> bool:
    f = call.func
    if isinstance(f, ast.Name) and f.id == "open":
        mode = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "mode"), None)
        return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and any(c in mode.value for c in "wax+")
    if not isinstance(f, ast.Attribute):
        return False
    owner = _text(f.value)
    if owner in ("atomic", "cxsim.atomic"):
        return False  # the atomic writers themselves
    if owner == "shutil" and f.attr.startswith("copy"):
        return True
    if owner in ("np", "numpy") and f.attr == "save":
        return True
    if f.attr not in WRITERS:
        return False
    if f.attr in {"to_csv", "to_json"} and not call.args and all(k.arg != "path_or_buf" for k in call.keywords):
        return False  # returns text, writes nothing
    return True


def _target(call: ast.Call) -> str:
    if isinstance(call.func, ast.Attribute) and call.func.attr in {"write_text", "write_bytes"}:
        return _text(call.func.value)
    return _text(call.args[0]) if call.args else ""


def _units(tree: ast.Module):
    """Top-level functions and methods: a nested helper or lambda belongs to the function around it."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node
        elif isinstance(node, ast.ClassDef):
            yield from (n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))


def _renames_a_temporary(func: ast.AST) -> bool:
    for c in ast.walk(func):
        if isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute) and c.func.attr in RENAMES:
            owner = _text(c.func.value)
            if owner == "os" or any(h in owner for h in TEMP_HINTS):
                return True
    return False


def _in_atomic_block(func: ast.AST, call: ast.Call) -> bool:
    for w in (n for n in ast.walk(func) if isinstance(n, ast.With)):
        if any("atomic" in _text(item.context_expr) for item in w.items) and any(n is call for n in ast.walk(w)):
            return True
    return False


def unsafe_writes(path: Path, root: Path | None = None) -> list[str]:
    root = SRC.parent if root is None else root
    rel = path.relative_to(root).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    problems = []
    for func in _units(tree):
        renames = _renames_a_temporary(func)
        for call in (n for n in ast.walk(func) if isinstance(n, ast.Call)):
            if not _is_write(call) or (rel, ast.unparse(call)) in ALLOWED:
                continue
            target = _target(call)
            if any(h in target for h in MEMORY_HINTS) or renames or _in_atomic_block(func, call):
                continue
            problems.append(f"{rel}:{call.lineno}: {ast.unparse(call)[:90]}")
    return sorted(set(problems))


def test_every_file_write_goes_through_a_temporary_name():
    problems = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "atomic.py":
            continue
        problems += unsafe_writes(path)
    assert not problems, "write to a temporary name and rename (use cxsim.atomic):\n" + "\n".join(problems)


def test_the_audit_catches_a_plain_write(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def save(df, path):\n    df.to_csv(path, index=False)\n\ndef text(p):\n    p.write_text('x')\n")
    good = tmp_path / "good.py"
    good.write_text(
        "import os\nfrom cxsim.atomic import atomic_path\n"
        "def save(df, path):\n    tmp = path.with_suffix('.tmp')\n    df.to_csv(tmp)\n    os.replace(tmp, path)\n"
        "def save2(df, path):\n    with atomic_path(path) as tmp:\n        df.to_parquet(tmp)\n"
        "def text(df):\n    return df.to_csv(index=False)\n"
    )
    assert len(unsafe_writes(bad, tmp_path)) == 2
    assert unsafe_writes(good, tmp_path) == []
