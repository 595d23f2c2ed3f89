"""Generated docs stay in step with the code."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
