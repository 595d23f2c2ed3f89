"""pytest-benchmark suites: ``pytest benchmarks/ --benchmark-only`` (the default run collects tests/ only).

pyproject's ``addopts`` disables benchmarks so the test suite never times
anything; asking for ``--benchmark-only`` here turns them back on (otherwise
pytest-benchmark refuses the two options together).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_configure(config):
    # runs before pytest-benchmark's own (trylast) pytest_configure reads the options
    if config.getoption("benchmark_only", False):
        config.option.benchmark_disable = False


@pytest.fixture(scope="session", autouse=True)
def compiled():
    """Compile every kernel once before any timing (a cold Numba cache would otherwise land in the first benchmark)."""
    from benchmarks.harness import make_model

    make_model(2000, warm_steps=1)
