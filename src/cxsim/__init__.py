"""cxsim: simulate customer experience from the inside out.

Quick use::

    import cxsim
    result = cxsim.run("baseline", seed=1)
    result.timeseries[["week", "nps", "customers", "profit"]]
"""

__version__ = "0.1.0"

from cxsim.params import Scenario  # noqa: E402
from cxsim.scenario import ScenarioError, load_scenario, scenario_from_toml, shipped_scenarios  # noqa: E402
from cxsim.run import Result, run, run_many, stack  # noqa: E402


def __getattr__(name):  # lazy: importing the model compiles nothing until used
    if name == "CXModel":
        from cxsim.model import CXModel

        return CXModel
    if name in ("network", "wom", "sweep", "compare"):
        import importlib

        return importlib.import_module(f"cxsim.{name}")
    raise AttributeError(name)


__all__ = [
    "CXModel",
    "Result",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "run",
    "run_many",
    "scenario_from_toml",
    "shipped_scenarios",
    "stack",
]
