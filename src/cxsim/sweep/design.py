"""Designs: which combinations of levers and uncertainties a sweep runs.

Every design works in the unit hypercube [0, 1]^D (one axis per factor);
:meth:`cxsim.sweep.spec.Factor.value` turns a unit coordinate into a
parameter value. That keeps switches and word-valued parameters usable in
Sobol and Morris designs (a switch is "off" on [0, 0.5), "on" on [0.5, 1]),
and makes Morris elementary effects comparable across factors (the effect of
moving each factor across its whole range).

- ``grid``: full factorial; ``samples`` levels per range factor.
- ``random``: ``samples`` independent uniform points.
- ``lhs``: ``samples`` points of a Latin hypercube (SALib).
- ``sobol``: Saltelli/Sobol' sequence for first and total order indices (SALib).
- ``morris``: ``samples`` one-at-a-time trajectories for elementary effects (SALib).

A design is a pure function of the spec (including ``base_seed``), and the
manifest stores it, so a resumed sweep never re-samples.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from cxsim.sweep.spec import Factor, SweepSpec

#: Bits of the splitmix64 hash kept for a run seed: 47-bit seeds (at most 15 digits) are short enough to
#: read and type, collide with odds ~ runs^2 / 2^48, and sit well inside the engine's seed range.
SEED_BITS = 47
S_SWEEP_SEED = 80  # the cxsim.rng stream reserved for sweep run seeds (see cxsim.rng)

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _mix(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def hash4(seed: int, stream: int, step: int, idx: int) -> int:
    """Pure-Python twin of :func:`cxsim.rng.hash4` (splitmix64 chained; tested equal).

    The sweep driver derives seeds without compiling Numba code in the
    main process.
    """
    z = _mix((seed + _GOLDEN) & _MASK)
    z = _mix(z ^ ((stream + _GOLDEN) & _MASK))
    z = _mix(z ^ ((step + _GOLDEN) & _MASK))
    return _mix(z ^ ((idx + _GOLDEN) & _MASK))


def run_seed(base_seed: int, point: int, replicate: int) -> int:
    """The seed of one run: a hash of (base seed, design point, replicate).

    Runs of different points get unrelated seeds; the same (base seed,
    point, replicate) always gets the same one, whatever the executor.
    """
    return hash4(base_seed, S_SWEEP_SEED, point, replicate) >> (64 - SEED_BITS)


@dataclass
class Design:
    """The design points of a sweep.

    Attributes:
        kind: grid | lhs | sobol | morris | random.
        factors: the varied parameters, in column order.
        unit: (points, factors) coordinates in [0, 1] (what SALib analyses).
        values: (points, factors) parameter values (what the runs use).
    """

    kind: str
    factors: tuple[Factor, ...]
    unit: np.ndarray
    values: list[list[Any]]

    @property
    def n_points(self) -> int:
        return len(self.values)

    def point(self, i: int) -> dict[str, Any]:
        """The parameter changes of design point ``i``: ``{dotted key: value}``."""
        return {f.key: v for f, v in zip(self.factors, self.values[i], strict=True)}


def salib_problem(factors: tuple[Factor, ...] | list[Factor]) -> dict:
    """The SALib problem in unit coordinates (one [0, 1] axis per factor)."""
    return {"num_vars": len(factors), "names": [f.key for f in factors], "bounds": [[0.0, 1.0]] * len(factors)}


def unit_points(spec: SweepSpec) -> np.ndarray:
    """Unit coordinates of every design point (rows) for the spec's design."""
    factors, n, d = spec.factors, spec.samples, len(spec.factors)
    seed = spec.base_seed % (2**32)  # numpy / scipy seeds
    if spec.design == "grid":
        axes = [f.grid_units(n) for f in factors]
        rows = list(itertools.product(*axes))
        return np.array(rows, dtype=float).reshape(len(rows), d)
    if spec.design == "random":
        return np.random.default_rng(seed).random((n, d))
    problem = salib_problem(factors)
    if spec.design == "lhs":
        from SALib.sample import latin

        return np.asarray(latin.sample(problem, n, seed=seed), dtype=float)
    if spec.design == "sobol":
        from SALib.sample import sobol

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # spec checks N is a power of 2; SALib's other notes are noise here
            return np.asarray(sobol.sample(problem, n, calc_second_order=spec.second_order, seed=seed), dtype=float)
    if spec.design == "morris":
        from SALib.sample import morris

        return np.asarray(morris.sample(problem, n, num_levels=spec.morris_levels, seed=seed), dtype=float)
    raise ValueError(f"unknown design {spec.design!r}")


def make_design(spec: SweepSpec) -> Design:
    """Sample the spec's design and map it to parameter values."""
    unit = unit_points(spec)
    values = [[_plain(f.value(u)) for f, u in zip(spec.factors, row, strict=True)] for row in unit]
    return Design(kind=spec.design, factors=spec.factors, unit=unit, values=values)


def _plain(v: Any) -> Any:
    """numpy scalars -> Python (JSON manifests, --set command lines)."""
    return v.item() if hasattr(v, "item") else v
