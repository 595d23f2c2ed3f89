"""Parallel machinery: Numba's thread count and a process pool that is safe for Numba.

Not part of the causal chain: a run's result never depends on the thread
count or on which process did it (counter-based random numbers, see
``docs/model.md``), so everything here only changes how fast runs go.
"""

from __future__ import annotations

import contextlib
import operator
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor

__all__ = ["set_threads", "using_threads", "process_pool"]


def set_threads(n: int) -> int:
    """Use ``n`` Numba threads in this thread, at most ``NUMBA_NUM_THREADS`` (the size of Numba's pool).

    Args:
        n: threads wanted (a whole number >= 1); more than the pool has means all of them.

    Returns:
        the number of threads now in force.

    Raises:
        ValueError: ``n`` is not a whole number >= 1.
    """
    import numba

    try:
        count = operator.index(n)  # int and NumPy integers; not floats, strings or None
    except TypeError:
        count = 0
    if isinstance(n, bool) or count < 1:
        raise ValueError(f"threads must be a whole number >= 1, got {n!r}")
    numba.set_num_threads(min(count, numba.config.NUMBA_NUM_THREADS))
    return numba.get_num_threads()


@contextlib.contextmanager
def using_threads(n: int | None) -> Iterator[None]:
    """Run the block with ``n`` Numba threads (:func:`set_threads`), then restore the previous count.

    ``None`` leaves the thread count as it is.
    """
    if n is None:
        yield
        return
    import numba

    before = numba.get_num_threads()
    set_threads(n)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def _init_worker(threads: int, initializer: Callable[[], None] | None) -> None:
    set_threads(threads)
    if initializer is not None:
        initializer()


def process_pool(
    workers: int, threads_per_worker: int = 1, *, initializer: Callable[[], None] | None = None
) -> ProcessPoolExecutor:
    """A process pool safe for Numba.

    Workers start with 'spawn' (forking a process whose OpenMP threads are
    running is unsafe) and use ``threads_per_worker`` Numba threads each (one
    by default: parallel runs, not parallel loops, so no oversubscription).
    They load the compiled kernels from Numba's on-disk cache.

    Args:
        workers: processes in the pool.
        threads_per_worker: Numba threads of each worker.
        initializer: called once in each worker after its threads are set (a module-level function: it is pickled).
    """
    import multiprocessing

    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(threads_per_worker, initializer),
    )
