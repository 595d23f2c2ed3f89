"""Seeded social graphs as CSR arrays (the wires word of mouth travels over).

``build(kind, n, mean_degree, seed)`` returns ``(indptr, indices)``: the
friends of person ``i`` are ``indices[indptr[i]:indptr[i+1]]``, sorted, no
self-loops, no duplicates, undirected (each edge stored both ways).
Memory: 8 bytes per person + 4 bytes per directed edge.

``cascade`` spreads a story over such a graph (the independent cascade model), for analysis
and teaching, and to check the graphs against bond percolation's closed form.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from cxsim.rng import (
    S_CASCADE,
    S_GRAPH,
    STEP_RANDOM_EDGE,
    STEP_REWIRE,
    STEP_REWIRE_TO,
    STEP_SHUFFLE,
    index,
    uniform,
)

KINDS = ("erdos_renyi", "watts_strogatz", "barabasi_albert", "configuration")


def to_csr(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Undirected CSR from an edge list: symmetrised, self-loops and duplicates dropped."""
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    if src.shape != dst.shape:
        raise ValueError(f"src and dst differ in length: {src.shape[0]} vs {dst.shape[0]}")
    return _csr_from_edges(int(n), src, dst)


@njit(cache=True)
def _heapsort(a, lo, hi):
    """Sort a[lo:hi] in place. Hand-written for the rare long rows (hubs): numba's
    np.sort took ~6 s of a ~30 s cold compile; the sorted row is the same."""
    n = hi - lo
    for start in range(n // 2 - 1, -1, -1):
        _sift_down(a, lo, start, n)
    for end in range(n - 1, 0, -1):
        v = a[lo]
        a[lo] = a[lo + end]
        a[lo + end] = v
        _sift_down(a, lo, 0, end)


@njit(cache=True, inline="always")
def _sift_down(a, lo, root, n):
    while True:
        child = 2 * root + 1
        if child >= n:
            return
        if child + 1 < n and a[lo + child + 1] > a[lo + child]:
            child += 1
        if a[lo + root] >= a[lo + child]:
            return
        v = a[lo + root]
        a[lo + root] = a[lo + child]
        a[lo + child] = v
        root = child


@njit(cache=True)
def _csr_from_edges(n, src, dst):
    # Bucket both directions of every edge by row (counting sort, O(E)), then
    # sort each short row and drop repeats in place. Same output as sorting
    # all 2E keys (np.unique), which took ~30 s for a million people.
    starts = np.zeros(n + 1, dtype=np.int64)
    for e in range(src.shape[0]):
        if src[e] != dst[e]:
            starts[src[e] + 1] += 1
            starts[dst[e] + 1] += 1
    for i in range(n):
        starts[i + 1] += starts[i]
    fill = starts[:n].copy()
    buf = np.empty(starts[n], dtype=np.int32)
    for e in range(src.shape[0]):
        a = src[e]
        b = dst[e]
        if a != b:
            buf[fill[a]] = b
            fill[a] += 1
            buf[fill[b]] = a
            fill[b] += 1
    indptr = np.zeros(n + 1, dtype=np.int64)
    w = 0  # write position: never ahead of the row being read, so compaction is in place
    for i in range(n):
        s = starts[i]
        t = starts[i + 1]
        if t - s > 32:
            _heapsort(buf, s, t)
        else:  # insertion sort: rows are ~10 long
            for k in range(s + 1, t):
                v = buf[k]
                q = k - 1
                while q >= s and buf[q] > v:
                    buf[q + 1] = buf[q]
                    q -= 1
                buf[q + 1] = v
        prev = -1
        for k in range(s, t):
            v = buf[k]
            if v != prev:
                buf[w] = v
                w += 1
                prev = v
        indptr[i + 1] = w
    return indptr, buf[:w].copy()


@njit(cache=True)
def _erdos_renyi_edges(n, m, seed):
    src = np.empty(m, dtype=np.int64)
    dst = np.empty(m, dtype=np.int64)
    for e in range(m):
        src[e] = index(seed, S_GRAPH, STEP_RANDOM_EDGE, 2 * e, n)
        dst[e] = index(seed, S_GRAPH, STEP_RANDOM_EDGE, 2 * e + 1, n)
    return src, dst


@njit(cache=True)
def _watts_strogatz_edges(n, half_k, p, seed):
    m = n * half_k
    src = np.empty(m, dtype=np.int64)
    dst = np.empty(m, dtype=np.int64)
    e = 0
    for i in range(n):
        for j in range(1, half_k + 1):
            src[e] = i
            k = e  # decision id: one per lattice edge
            if uniform(seed, S_GRAPH, STEP_REWIRE, k) < p:
                dst[e] = index(seed, S_GRAPH, STEP_REWIRE_TO, k, n)
            else:
                dst[e] = (i + j) % n
            e += 1
    return src, dst


@njit(cache=True)
def _barabasi_albert_edges(n, m_links, seed):
    # Preferential attachment by sampling uniformly from the list of edge
    # endpoints (a node appears once per degree). Starts from a clique.
    m0 = m_links + 1
    n_edges = m0 * (m0 - 1) // 2 + (n - m0) * m_links
    src = np.empty(n_edges, dtype=np.int64)
    dst = np.empty(n_edges, dtype=np.int64)
    ends = np.empty(2 * n_edges, dtype=np.int64)
    e = 0
    for i in range(m0):
        for j in range(i + 1, m0):
            src[e] = i
            dst[e] = j
            ends[2 * e] = i
            ends[2 * e + 1] = j
            e += 1
    chosen = np.empty(m_links, dtype=np.int64)
    for v in range(m0, n):
        n_ends = 2 * e
        c = 0
        tries = 0
        while c < m_links:
            t = ends[index(seed, S_GRAPH, 1000 + tries, v, n_ends)]
            tries += 1
            dup = False
            for q in range(c):
                if chosen[q] == t:
                    dup = True
                    break
            if not dup or tries > 50 * m_links:
                chosen[c] = t
                c += 1
        for q in range(m_links):
            src[e] = v
            dst[e] = chosen[q]
            ends[2 * e] = v
            ends[2 * e + 1] = chosen[q]
            e += 1
    return src, dst


@njit(cache=True)
def _configuration_edges(degrees, seed):
    n_stubs = 0
    for d in degrees:
        n_stubs += d
    stubs = np.empty(n_stubs, dtype=np.int64)
    k = 0
    for i in range(degrees.shape[0]):
        for _ in range(degrees[i]):
            stubs[k] = i
            k += 1
    # Fisher-Yates shuffle with hashed draws
    for i in range(n_stubs - 1, 0, -1):
        j = index(seed, S_GRAPH, STEP_SHUFFLE, i, i + 1)
        tmp = stubs[i]
        stubs[i] = stubs[j]
        stubs[j] = tmp
    m = n_stubs // 2
    return stubs[0 : 2 * m : 2].copy(), stubs[1 : 2 * m : 2].copy()


def build(kind: str, n: int, mean_degree: float = 10, seed: int = 0, *, rewire_prob: float = 0.1, degrees=None):
    """Build a seeded undirected graph and return CSR ``(indptr, indices)``.

    Args:
        kind: ``erdos_renyi``, ``watts_strogatz``, ``barabasi_albert`` or
            ``configuration`` (then ``degrees`` gives the degree sequence and
            ``mean_degree`` is ignored; self-loops and repeated edges are erased).
        n: number of nodes.
        mean_degree: target mean degree.
        seed: the graph is a pure function of its arguments.
        rewire_prob: Watts-Strogatz rewiring probability.
        degrees: degree sequence for ``configuration``.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    seed = int(seed) & 0xFFFFFFFFFFFF
    if kind == "erdos_renyi":
        m = int(round(n * mean_degree / 2))
        src, dst = _erdos_renyi_edges(n, m, seed)
    elif kind == "watts_strogatz":
        half_k = max(0, min(int(round(mean_degree / 2)), (n - 1) // 2))
        src, dst = _watts_strogatz_edges(n, half_k, float(rewire_prob), seed)
    elif kind == "barabasi_albert":
        m_links = max(1, int(round(mean_degree / 2)))
        if n <= m_links + 1 or mean_degree <= 0:
            src = dst = np.empty(0, dtype=np.int64)
        else:
            src, dst = _barabasi_albert_edges(n, m_links, seed)
    elif kind == "configuration":
        if degrees is None:
            raise ValueError("configuration graphs need a degree sequence: degrees=...")
        degrees = np.asarray(degrees, dtype=np.int64)
        if degrees.shape[0] != n:
            raise ValueError(f"degrees has {degrees.shape[0]} entries for n={n}")
        src, dst = _configuration_edges(degrees, seed)
    else:
        raise ValueError(f"unknown graph kind {kind!r}; choose one of {', '.join(KINDS)}")
    return to_csr(n, src, dst)


def degrees_of(indptr: np.ndarray) -> np.ndarray:
    """Degree of every node."""
    return np.diff(indptr)


@njit(cache=True)
def _cascade(indptr, indices, sources, p, seed):
    """Independent cascade: each newly reached node passes the story to each
    friend once with probability ``p``. Returns the boolean reached mask.

    On an Erdos-Renyi graph of mean degree c the final reached share S solves
    S = 1 - exp(-c p S) (bond percolation).
    """
    n = indptr.shape[0] - 1
    reached = np.zeros(n, dtype=np.bool_)
    frontier = np.empty(n, dtype=np.int64)
    head = 0
    tail = 0
    for s in sources:
        if not reached[s]:
            reached[s] = True
            frontier[tail] = s
            tail += 1
    while head < tail:
        i = frontier[head]
        head += 1
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            if not reached[j] and uniform(seed, S_CASCADE, i, j) < p:
                reached[j] = True
                frontier[tail] = j
                tail += 1
    return reached


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
