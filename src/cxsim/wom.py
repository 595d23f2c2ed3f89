"""Reusable word-of-mouth primitives: ``cxsim.wom.cascade``.

The engine's weekly WOM lives in :mod:`cxsim.kernels.wom`; this module
exposes the independent-cascade spread for analysis and teaching.
"""

from __future__ import annotations

import numpy as np

from cxsim.kernels.wom import cascade as _cascade


def cascade(indptr, indices, sources, p: float, seed: int = 0) -> np.ndarray:
    """Independent cascade from ``sources`` with per-edge probability ``p``.

    Returns the boolean mask of people the story reached. On an Erdos-Renyi
    graph of mean degree c, the reached share solves S = 1 - exp(-c p S).
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be a probability, got {p}")
    src = np.atleast_1d(np.asarray(sources, dtype=np.int64))
    return _cascade(
        np.asarray(indptr, np.int64), np.asarray(indices, np.int32), src, float(p), int(seed) & 0x7FFFFFFFFFFF
    )
