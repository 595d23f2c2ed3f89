"""``cxsim fit``: calibrate the model's unknown causal weights to one firm's own KPIs.

The flow, one module per step:

1. :mod:`~cxsim.fit.profile`: read and check the firm's profile (scenario, facts, targets, unknowns).
2. :mod:`~cxsim.fit.targets`: how each target is measured in a window of weeks, the same way for
   the firm and for the simulation.
3. :mod:`~cxsim.fit.inference`: ABC-SMC with pyabc over the unknowns, in this process, a local
   process pool or on a Dask cluster, reproducibly from the fit's seed.
4. :mod:`~cxsim.fit.posterior`: what the posterior says (medians, intervals, which unknowns the
   data pin down), the fitted firm re-run against the targets, the files; and reading a fit back.
5. :mod:`~cxsim.fit.report`: the self-contained ``report.html``.

Docs: docs/fit.md.
"""

from __future__ import annotations

from collections.abc import Callable

from cxsim.fit.inference import GenerationProgress, Runner, apply_draw, run_abc
from cxsim.fit.posterior import Fit, Posterior, PosteriorError, load, summarise, write
from cxsim.fit.profile import FitSettings, Profile, ProfileError, load_profile, profile_from_dict
from cxsim.fit.targets import TARGETS


def fit(
    profile: Profile,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Callable[[GenerationProgress], None] | None = None,
) -> Fit:
    """Fit ``profile`` and return its posterior, the fitted firm and its check against the targets.

    Args:
        workers: local processes for the simulations (ignored with ``scheduler``).
        scheduler: a Dask scheduler's address (``tcp://host:8786``) to run the simulations on.
        progress: called after every finished job of the inference.
    """
    outcome = run_abc(profile, Runner(workers, scheduler), progress)
    return summarise(outcome, workers=1 if scheduler else workers)


__all__ = [
    "TARGETS",
    "Fit",
    "FitSettings",
    "GenerationProgress",
    "Posterior",
    "PosteriorError",
    "Profile",
    "ProfileError",
    "Runner",
    "apply_draw",
    "fit",
    "load",
    "load_profile",
    "profile_from_dict",
    "run_abc",
    "summarise",
    "write",
]
