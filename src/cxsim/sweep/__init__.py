"""Batch parameter sweeps: the analyst's overnight question, answered as a dataset.

A sweep varies levers (what a firm controls) and uncertainties (what it
does not) over a design, runs every point with a few seeds, writes one
Parquet row per run, and attributes each outcome's variation to the factors.

Library use (what ``cxsim sweep`` / ``cxsim analyze`` call)::

    import cxsim.sweep as sw
    report = sw.run("experiments/sweeps/quick.toml", "out/quick", executor=2)
    df = sw.load("out/quick")                      # one row per run
    for a in sw.analyze("out/quick", "profit"):    # sensitivity tables
        print(a.table)
    sw.show_command("out/quick", 5)                # 'cxsim run ... --seed ... --set ...'

``executor``: ``None`` (all local cores), an int (local workers),
``"tcp://host:port"`` (a Dask scheduler) or a
:class:`LocalExecutor`/:class:`DaskExecutor`. Results do not depend on it.

Modules: :mod:`~cxsim.sweep.spec` (TOML spec, validation),
:mod:`~cxsim.sweep.design` (grid, LHS, Sobol, Morris, random; run seeds),
:mod:`~cxsim.sweep.execute` (local pool, Dask), :mod:`~cxsim.sweep.store`
(Parquet parts + manifest, resume), :mod:`~cxsim.sweep.analyze` (Sobol,
Morris, main effects), :mod:`~cxsim.sweep.runner` (the workflow).
"""

from __future__ import annotations

from cxsim.sweep.analyze import KpiAnalysis, analyze
from cxsim.sweep.execute import DaskExecutor, LocalExecutor
from cxsim.sweep.runner import SweepReport, run, run_info, show_command
from cxsim.sweep.spec import Factor, SweepError, SweepSpec, load_spec
from cxsim.sweep.store import load

# ``analyze`` names both a submodule and its main function: the import above binds the function.
__all__ = [
    "DaskExecutor",
    "Factor",
    "KpiAnalysis",
    "LocalExecutor",
    "SweepError",
    "SweepReport",
    "SweepSpec",
    "analyze",
    "load",
    "load_spec",
    "run",
    "run_info",
    "show_command",
]
