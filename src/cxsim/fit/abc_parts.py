"""The pieces cxsim adds to pyabc (imported only when a fit runs: pyabc itself takes seconds to import).

- :class:`ValidPrior`: the unknowns' uniform prior, truncated to the combinations the schema accepts.
- :class:`FiniteQuantileEpsilon`: the next threshold from the simulations that could be measured.
- :class:`Kernel`, :class:`PriorTransition` and :func:`screened_transition`: the SMC's perturbation
  kernel, over blocks of the unknowns the targets move; the rest are proposed from their prior.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyabc
import scipy.stats as st
from pyabc.epsilon import QuantileEpsilon
from pyabc.transition import AggregatedTransition, MultivariateNormalTransition

BLOCK = 6  # unknowns per block of the perturbation kernel
RIDGE = 1e-3  # variance added to the kernel on the logit scale (whose prior sd is 1.8)


class ValidPrior(pyabc.Distribution):
    """Uniform priors (on the logit scale), truncated to the combinations the scenario schema accepts.

    Some unknowns come in pairs whose product is a probability (``customers.trust_base`` x
    ``customers.trust_ratio``): a third of independent uniform draws over the ~150 unknowns break such a
    rule. Giving those combinations prior density zero makes pyabc draw again without simulating, so
    no simulation is spent on them and the posterior lives where the model is defined.
    """

    def __init__(self, valid: Callable[[dict], bool], **random_variables):
        super().__init__(**random_variables)
        self.valid = valid

    def copy(self) -> ValidPrior:
        return ValidPrior(self.valid, **{k: v.copy() for k, v in self.items()})

    def rvs(self, *args, **kwargs):
        for _ in range(10_000):
            x = super().rvs(*args, **kwargs)
            if self.valid(x):
                return x
        raise RuntimeError("no valid combination of the unknowns in 10,000 draws from the prior")

    def pdf(self, x):
        return super().pdf(x) if self.valid(x) else 0.0


class FiniteQuantileEpsilon(QuantileEpsilon):
    """pyabc's quantile threshold, computed over the simulations that could be measured.

    A firm that went bankrupt before the window has no figures; its distance is a large constant.
    If such runs were counted and made up half a generation, the median would be that constant and
    every run would pass, bankrupt or not: the fit would never move away from them.
    """

    def __init__(self, far: float, **kwargs):
        super().__init__(**kwargs)
        self.far = far

    def _update(self, t, weighted_distances):
        finite = weighted_distances[weighted_distances["distance"] < self.far]
        super()._update(t, finite if len(finite) else weighted_distances)


class Kernel(MultivariateNormalTransition):
    """pyabc's Gaussian kernel with a small ridge: when a generation's weights rest on a few particles the
    bandwidth's covariance can be singular, and a proposal off its support would get density zero."""

    def fit(self, X, w):
        super().fit(X, w)
        self.cov = self.cov + RIDGE * np.eye(self.cov.shape[0])
        self.normal = st.multivariate_normal(cov=self.cov, allow_singular=True)


def _logistic_pdf(u: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(u))
    return e / (1.0 + e) ** 2


class PriorTransition(pyabc.transition.Transition):
    """Proposes the screened-out unknowns from their prior (standard logistic on the logit scale).

    Their proposal density equals their prior density, so they cancel out of the importance weights:
    only the unknowns the targets move are weighted, and the weights stay healthy however many
    unknowns are free. Their posterior is then their prior, which is what the screening found.
    """

    def fit(self, X, w):
        pass  # nothing to learn: the proposal is the prior

    def rvs_single(self):
        return pyabc.Parameter({k: float(np.random.logistic()) for k in self.X.columns})

    def pdf(self, x):
        cols = list(self.X.columns)
        if hasattr(x, "columns"):
            return np.prod(_logistic_pdf(x[cols].to_numpy(dtype=float)), axis=1)
        return float(np.prod(_logistic_pdf(np.array([x[k] for k in cols], dtype=float))))


def screened_transition(fitted: list[str], others: list[str]):
    """Kernels over blocks of the ``fitted`` unknowns; the ``others`` proposed from their prior."""
    mapping = {tuple(fitted[i : i + BLOCK]): Kernel() for i in range(0, len(fitted), BLOCK)}
    if others:
        mapping[tuple(others)] = PriorTransition()
    if len(mapping) == 1 and not others:
        return next(iter(mapping.values()))
    return AggregatedTransition(mapping)
