"""Which changed levers explain a difference: the "why" of a what-if and of a game team's result.

Given the outcome of every needed subset of the changed levers (the baseline is the empty set,
the variant the full set, each run with the same seeds: common random numbers), a lever's
contribution is

- **Shapley**: its marginal effect averaged over every order in which the levers could have been
  changed; the contributions add up exactly to the full difference (2^n subsets: used while n is
  small, :func:`choose_method`);
- **one at a time**: the effect of changing that lever alone, plus one ``interaction`` term so the
  parts still add up to the full difference (n + 2 subsets).

Pure functions over arrays (one value per seed, or one value for a single market): the studio's
WHY page (:func:`cxsim.ui.analysis.decompose`) and the classroom game's debrief
(:func:`cxsim.game.debrief`) both use them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np

#: Most levers a Shapley decomposition takes (2^n lever subsets to run).
MAX_SHAPLEY_LEVERS = 6
#: The extra term of a one-at-a-time decomposition that makes the parts add up.
INTERACTION = "interaction"


def choose_method(n_levers: int) -> str:
    """Shapley while it stays cheap (2^n scenarios), one lever at a time beyond 3 levers."""
    return "shapley" if n_levers <= 3 else "one_at_a_time"


def planned_subsets(keys: Sequence[str], method: str) -> list[frozenset]:
    """Lever subsets a decomposition needs (the empty and full sets included)."""
    if method == "shapley":
        return [frozenset(c) for r in range(len(keys) + 1) for c in itertools.combinations(keys, r)]
    subsets = [frozenset(), frozenset(keys)] + [frozenset({k}) for k in keys]
    return list(dict.fromkeys(subsets))


def contributions(values: Mapping[frozenset, np.ndarray], keys: Sequence[str], method: str) -> dict[str, np.ndarray]:
    """Each lever's contribution (and, one at a time with several levers, the interaction).

    Args:
        values: the outcome of every subset :func:`planned_subsets` lists, as arrays of equal length
            (one value per paired seed).
        keys: the changed levers.
        method: ``"shapley"`` or ``"one_at_a_time"``.

    Returns:
        ``{lever: contribution per seed}`` in the order of ``keys`` (then ``interaction``); the contributions add
        up to ``values[all keys] - values[no key]``.
    """
    v = {s: np.asarray(x, dtype=float) for s, x in values.items()}
    empty, full = frozenset(), frozenset(keys)
    n = len(keys)
    out: dict[str, np.ndarray] = {}
    if method == "shapley":
        for key in keys:
            others = [k for k in keys if k != key]
            phi = np.zeros_like(v[empty])
            for size in range(len(others) + 1):
                weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
                for subset in itertools.combinations(others, size):
                    s = frozenset(subset)
                    phi = phi + weight * (v[s | {key}] - v[s])
            out[key] = phi
    elif method == "one_at_a_time":
        for key in keys:
            out[key] = v[frozenset({key})] - v[empty]
        if n > 1:
            out[INTERACTION] = (v[full] - v[empty]) - sum(out[k] for k in keys)
    else:
        raise ValueError(f"unknown method {method!r}: use 'shapley' or 'one_at_a_time'")
    return out
