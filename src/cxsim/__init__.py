"""cxsim: simulate customer experience from the inside out.

Quick use::

    import cxsim
    result = cxsim.run("baseline", seed=1)
    result.timeseries[["week", "nps", "customers", "profit"]]
    c = cxsim.compare("hr_led", "supervisor_led", seeds=8)   # A/B over paired seeds
    c.table[["kpi", "diff", "ci_low", "ci_high", "significant"]]
"""

__version__ = "0.1.0"

import os as _os  # noqa: E402

# Numba's OpenMP threads: the OpenMP runtime may use fewer threads than asked while other processes keep the cores busy
# (OMP_DYNAMIC: at most the cores minus the 15-minute load average). A parallel loop waits for its slowest thread, and
# a thread sharing its core with another process comes a time slice late: on a loaded 2-core machine a week of 100k
# people took 36 ms with 2 threads against 7 ms with 1. Results never depend on the thread count. A user's setting
# wins; it must be in the environment before Numba starts its threads, which importing cxsim precedes.
_os.environ.setdefault("OMP_DYNAMIC", "true")

from cxsim.comparison import Comparison, compare  # noqa: E402
from cxsim.params import Scenario  # noqa: E402
from cxsim.run import Result, run, run_many, stack  # noqa: E402
from cxsim.scenario import ScenarioError, load_scenario, scenario_from_toml, shipped_scenarios  # noqa: E402


def __getattr__(name):  # lazy: importing the model compiles nothing until used
    if name == "CXModel":
        from cxsim.model import CXModel

        return CXModel
    if name in ("network", "sweep"):
        import importlib

        return importlib.import_module(f"cxsim.{name}")
    raise AttributeError(name)


__all__ = [
    "CXModel",
    "Comparison",
    "Result",
    "Scenario",
    "ScenarioError",
    "compare",
    "load_scenario",
    "run",
    "run_many",
    "scenario_from_toml",
    "shipped_scenarios",
    "stack",
]
