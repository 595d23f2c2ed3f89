"""The docs run as written, and generated docs stay in step with the code.

Every ```python block and every ```bash block that calls ``cxsim`` in README.md and docs/*.md runs
here, exactly as written and in the order of the page, in a fresh working directory per page (a
reader following one page in one terminal; ``experiments/`` and ``scenarios/`` are linked in, as in
a checkout). Python blocks share one namespace per page. Shell lines run through bash with the test
environment's ``cxsim`` first on PATH, ``./dev cxsim ARGS`` read as ``cxsim ARGS``. ``./dev run``,
``./dev test`` and ``./dev lint`` set up the repository itself and are not run. A block right after
``<!-- skip-test: reason -->`` is not run; the reason says why (a server, a long sweep) and where
that case is tested instead.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numba
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SETUP_COMMANDS = re.compile(r"\./dev (run|test|lint)\b")  # the repository's own set-up: not run here
SKIP = re.compile(r"<!--\s*skip-test:\s*(.*?)\s*-->")
FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.S | re.M)
#: pages whose snippets take more than ~20 s (they still run in ./dev test and CI); CPU seconds, then wall time on
#: 2 cores shared with another test suite
SLOW = {
    "README.md": "two compare commands (2 x 10 and 2 x 4 paired runs), calibrate, a 104-week baseline: ~25 s CPU, ~55 s busy",
    "docs/sweeps.md": "the 12-run quick sweep twice (CLI, library with a helper process), analysed: ~20 s CPU, ~40 s busy",
}


@dataclass
class Block:
    doc: str  # path relative to the repository
    line: int  # line of the opening fence
    lang: str
    text: str  # dedented to the fence's indentation
    skip: str | None  # the skip-test reason, if marked

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"

    def commands(self) -> list[str]:
        """The shell lines this block runs (cxsim commands), after dropping comments and set-up lines."""
        out = []
        for raw in self.text.replace("\\\n", " ").splitlines():
            line = raw.strip()
            if not line or line.startswith("#") or SETUP_COMMANDS.match(line):
                continue
            if line.startswith("./dev cxsim "):
                line = line[len("./dev ") :]
            out.append(line)
        return out

    @property
    def runs(self) -> bool:
        """Python blocks always run; bash blocks run when they call cxsim."""
        if self.lang == "python":
            return True
        return self.lang == "bash" and any(c.startswith("cxsim ") for c in self.commands())


def blocks(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    found = []
    for m in FENCE.finditer(text):
        before = text[: m.start()].rstrip("\n").splitlines()
        marker = SKIP.search(before[-1]) if before else None
        found.append(
            Block(
                doc=path.relative_to(ROOT).as_posix(),
                line=text.count("\n", 0, m.start()) + 1,
                lang=m.group("lang"),
                text=textwrap.dedent(m.group("body")),
                skip=marker.group(1) if marker else None,
            )
        )
    return found


ALL_BLOCKS = [b for path in DOCS for b in blocks(path)]
PAGES = sorted({b.doc for b in ALL_BLOCKS if b.runs and not b.skip})


def _run_shell(block: Block, command: str, cwd: Path) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env["OMP_DYNAMIC"] = "true"  # cxsim's own default, as a reader has it (conftest turns it off for thread tests)
    p = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, (
        f"{block.where}: `{command}` exited {p.returncode}\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    )


@pytest.mark.parametrize(
    "doc", [pytest.param(d, marks=pytest.mark.slow) if d in SLOW else d for d in PAGES], ids=lambda d: d
)
def test_snippets_run_as_written(doc, tmp_path, monkeypatch):
    for name in ("experiments", "scenarios"):
        (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__doc_snippet__"}
    threads = numba.get_num_threads()
    for block in (b for b in ALL_BLOCKS if b.doc == doc and b.runs and not b.skip):
        if block.lang == "python":
            # one Numba thread: results never depend on it, and this process runs with OMP_DYNAMIC off (conftest),
            # so two threads on a busy machine would wait for each other
            numba.set_num_threads(1)
            try:
                exec(compile(block.text, block.where, "exec"), namespace)
            finally:
                numba.set_num_threads(threads)
            continue
        for command in block.commands():
            assert command.startswith("cxsim "), (
                f"{block.where}: `{command}` is not a cxsim command; run only cxsim in a bash block, "
                "or mark the block <!-- skip-test: reason --> if it cannot run in a test"
            )
            _run_shell(block, command, tmp_path)


def test_every_runnable_page_is_tested_and_every_skip_says_why():
    assert {"README.md", "docs/guarantees.md", "docs/sweeps.md"} <= set(PAGES), PAGES
    for b in ALL_BLOCKS:
        if b.skip is not None:
            assert len(b.skip) > 10, f"{b.where}: say why the block cannot run in a test"
            assert b.runs, f"{b.where}: a skip-test marker on a block that would not run anyway"
    for path in DOCS:  # a marker that is not right before a fence would skip nothing
        text = path.read_text(encoding="utf-8")
        for m in SKIP.finditer(text):
            after = text[m.end() :].lstrip(" \n")
            assert after.startswith("```"), (
                f"{path.name}:{text.count(chr(10), 0, m.start()) + 1}: marker not before a block"
            )


def test_model_anchors_that_the_repository_points_to_exist():
    """Code, tests and docs cite the model's reference as docs/model.md#<anchor>: each anchor must exist."""
    model = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    anchors = set(re.findall(r'<a id="([a-z0-9-]+)"></a>', model))
    assert {"encounters", "closed-forms", "practice", "evidence"} <= anchors
    cited = [(a, "docs/model.md") for a in re.findall(r"\]\(#([a-z0-9-]+)\)", model)]
    files = [ROOT / "README.md"]
    for folder in ("src", "tests", "docs", "benchmarks", "experiments", "scripts"):
        files += [p for p in (ROOT / folder).rglob("*") if p.suffix in {".py", ".md", ".toml"} and p.is_file()]
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        cited += [(a, path.relative_to(ROOT).as_posix()) for a in re.findall(r"model\.md#([a-z0-9-]+)", text)]
    missing = sorted({(a, where) for a, where in cited if a not in anchors})
    assert not missing, f"anchors missing from docs/model.md: {missing}"


def test_parameter_docs_are_current():
    spec = importlib.util.spec_from_file_location("param_docs", ROOT / "scripts" / "param_docs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    current = (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert current == mod.render(), "docs/parameters.md is stale: run `python scripts/param_docs.py`"


def test_every_parameter_has_a_unit_and_a_source():
    from cxsim.params import parameter_table

    for row in parameter_table():
        assert row["unit"], row["key"]
        assert row["source"], row["key"]
        assert row["doc"], row["key"]
