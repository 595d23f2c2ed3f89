"""Executors: where a sweep's runs happen (this machine's cores or a Dask cluster).

The unit of work is a *chunk*: a few consecutive runs, sent to a worker in
one task so the per-task overhead (pickling, scheduling) stays negligible
next to the runs themselves, and written to disk as one Parquet file when it
comes back. A worker process keeps the compiled kernels in memory between
chunks (and loads them from Numba's on-disk cache when it starts), so a
sweep compiles nothing after its first run anywhere.

A run is a pure function of (base scenario, parameter changes, seed, steps,
cxsim version): which executor, how many workers, the chunk size and the
Numba thread count change nothing in its result.
"""

from __future__ import annotations

import math
import os
import signal
import socket
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from cxsim.parallel import process_pool, using_threads


@dataclass
class ChunkTask:
    """The runs of one chunk and everything a worker needs to do them.

    ``runs`` rows are (run index, design point, replicate, seed, parameter
    changes). ``base`` is the base scenario as a plain dict so the task
    pickles small and loads the same on any worker.
    """

    chunk: int
    base: dict
    steps: int
    kpis: tuple[str, ...]
    keep: str
    runs: list[tuple[int, int, int, int, dict[str, Any]]]
    threads: int | None = None


@dataclass
class ChunkResult:
    """A finished chunk: its rows, and who made them how fast."""

    chunk: int
    frame: pd.DataFrame
    version: str
    host: str
    seconds: float


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Do the runs of one chunk; return their rows (what the store writes).

    Summary mode: one row per run with ``run, point, replicate, seed``, the
    varied parameters, ``weeks, bankrupt`` and one outcome column per KPI
    (``total_profit``, ``final_nps`` ... as :func:`cxsim.comparison.outcomes`).
    Timeseries mode: one row per run and week with the KPI columns.
    """
    from cxsim.comparison import outcome_name, outcomes
    from cxsim.run import run, version
    from cxsim.scenario import override, scenario_from_dict

    started = time.perf_counter()
    with using_threads(task.threads):
        base = scenario_from_dict(task.base)
        frames, rows = [], []
        for run_index, point, replicate, seed, changes in task.runs:
            scenario = override(base, changes) if changes else base
            try:
                result = run(scenario, seed=seed, steps=task.steps)
            except Exception as exc:  # say which run, so it can be reproduced alone
                raise RuntimeError(f"run {run_index} (point {point}, seed {seed}, {changes}) failed: {exc!r}") from exc
            ident = {"run": run_index, "point": point, "replicate": replicate, "seed": seed, **changes}
            ts = result.timeseries
            bankrupt = bool(ts["bankrupt"].iloc[-1]) if len(ts) else False
            if task.keep == "timeseries":
                df = ts[["week", *[k for k in task.kpis if k != "bankrupt"], "bankrupt"]].copy()
                for i, (k, v) in enumerate(ident.items()):
                    df.insert(i, k, v)
                frames.append(df)
            else:
                row = dict(ident, weeks=len(ts), bankrupt=bankrupt)
                row.update({outcome_name(k): v for k, v in outcomes(result, task.kpis).items()})
                rows.append(row)
        out = pd.concat(frames, ignore_index=True) if task.keep == "timeseries" else pd.DataFrame(rows)
        host = f"{socket.gethostname()}:{os.getpid()}"
        return ChunkResult(task.chunk, out, version(), host, time.perf_counter() - started)


# ------------------------------------------------------------------ executors


class Executor(Protocol):
    """Runs chunks somewhere and yields each one's rows as soon as it is done."""

    workers: int
    threads: int | None

    def start(self) -> None: ...

    def map(self, tasks: list[ChunkTask]) -> Iterator[ChunkResult]: ...

    def close(self, abort: bool = False) -> None: ...

    def describe(self) -> str: ...


def _die_with_parent() -> None:
    """Make a worker process die when the sweep process dies (even by SIGKILL).

    Without it, killing ``cxsim sweep`` would leave workers computing
    chunks nobody will write.
    """
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: poll for a new parent instead
        import threading

        parent = os.getppid()

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(1.0)
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()


def init_local_worker() -> None:
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle, once


class LocalExecutor:
    """This machine's cores: this process plus helper processes (or this process alone for one worker).

    Args:
        workers: processes doing runs, this one included (default: all cores).
        threads: Numba threads per worker (default 1). A sweep is
            parallel across runs; a single-threaded run wastes nothing on
            thread start-up and barriers, which for small firms or on a
            busy machine cost far more than the run itself (measured: a
            5,000-person, 26-week run took 0.02 s on 1 thread and 2.2 s on
            2 OpenMP threads while the other core was busy).
        driver_runs: this (driver) process does runs too, between writing
            finished chunks, so ``workers`` processes means ``workers - 1``
            helpers. A helper spends its first seconds importing cxsim and
            loading the kernels from Numba's cache (about 3 s of CPU, the
            time of ~15 baseline runs of 52 weeks); meanwhile the driver,
            already warm, keeps its core busy. ``False``: ``workers``
            helpers and an idle driver (the pool of the first version,
            kept for the throughput benchmark).

    Helpers start with 'spawn' (forking a process whose OpenMP threads are
    running is unsafe) and die with the driver.
    """

    def __init__(self, workers: int | None = None, threads: int | None = None, driver_runs: bool = True):
        cores = os.cpu_count() or 1
        self.workers = max(1, int(workers or cores))
        self.threads = int(threads or 1)
        if self.threads < 1:
            raise ValueError(f"threads must be a whole number >= 1, got {threads!r}")
        self.driver_runs = bool(driver_runs)
        self._pool = None

    @property
    def helpers(self) -> int:
        """Helper processes (0: everything runs in this process)."""
        if self.workers == 1:
            return 0
        return self.workers - 1 if self.driver_runs else self.workers

    def describe(self) -> str:
        if self.helpers == 0:
            where = "this process"
        elif self.driver_runs:
            where = (
                f"{self.workers} local processes (this one + {self.helpers} helper{'s' if self.helpers > 1 else ''})"
            )
        else:
            where = f"{self.workers} local worker processes"
        return f"{where}, {self.threads} Numba thread{'s' if self.threads != 1 else ''} each"

    def start(self) -> None:
        if self.helpers and self._pool is None:
            self._pool = process_pool(self.helpers, self.threads, initializer=init_local_worker)

    def map(self, tasks: list[ChunkTask]) -> Iterator[ChunkResult]:
        for t in tasks:
            t.threads = self.threads
        if self.helpers == 0:
            for t in tasks:
                yield run_chunk(t)
            return
        self.start()
        queue = deque(tasks)
        pending: dict = {}
        # two chunks in flight per helper (one running, one queued): a helper never waits for the
        # driver, busy with a chunk of its own, to hand it the next one
        depth = 2 * self.helpers if self.driver_runs else len(tasks)
        try:
            while queue or pending:
                while queue and len(pending) < depth:
                    t = queue.popleft()
                    pending[self._pool.submit(run_chunk, t)] = t.chunk
                if self.driver_runs and queue:
                    # a helper's finished chunk waits at most one of the driver's chunks to be written
                    yield run_chunk(queue.popleft())
                    done = [f for f in pending if f.done()]
                else:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in sorted(done, key=pending.get):
                    pending.pop(fut)
                    yield fut.result()
        finally:
            for fut in pending:
                fut.cancel()

    def close(self, abort: bool = False) -> None:
        if self._pool is None:
            return
        pool, self._pool = self._pool, None
        if abort:  # do not wait for chunks nobody will write
            for proc in list(getattr(pool, "_processes", {}).values()):
                proc.terminate()
        pool.shutdown(wait=not abort, cancel_futures=True)


def connect(address: str, timeout: float = 20.0, error: type[Exception] = RuntimeError) -> tuple[Any, int]:
    """A Dask client for the scheduler at ``address`` that has at least one worker, and its worker threads.

    One implementation for every ``--scheduler`` option (sweeps, fits, the studio).

    Args:
        address: the scheduler, e.g. ``tcp://127.0.0.1:8786``.
        timeout: seconds to wait for the scheduler, then for a first worker.
        error: the exception raised (with a one-line message starting ``--scheduler ADDRESS:``)
            when the address is malformed, the scheduler cannot be reached or no worker joins.

    Returns:
        ``(client, threads)``: the client (not set as Dask's default) and the number of worker threads.
    """
    if "://" not in str(address):
        raise error(f"--scheduler {address!r}: expected an address like tcp://127.0.0.1:8786")
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - a dependency
        raise error(f"--scheduler needs dask[distributed]: {exc}") from None
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except OSError as exc:
        raise error(f"--scheduler {address}: cannot reach a Dask scheduler ({exc})") from None

    def threads() -> int:
        info = client.scheduler_info(n_workers=-1)
        return sum(w.get("nthreads", 1) for w in info.get("workers", {}).values())

    if threads() == 0:
        try:
            client.wait_for_workers(1, timeout=timeout)
        except TimeoutError:
            client.close()
            raise error(
                f"--scheduler {address}: no Dask worker joined within {timeout:g} s "
                f"(start some: dask worker {address} --nworkers <cores> --nthreads 1)"
            ) from None
    return client, threads()


class DaskExecutor:
    """A Dask distributed cluster: ``dask scheduler`` plus ``dask worker`` processes.

    Args:
        address: the scheduler, e.g. ``tcp://127.0.0.1:8786``.
        threads: Numba threads per task (default 1: start workers with
            ``--nworkers <cores> --nthreads 1`` so each core runs one run).
        timeout: seconds to wait for the scheduler.

    Every worker must run the same cxsim version as the driver (checked on
    every chunk).
    """

    def __init__(self, address: str, threads: int | None = 1, timeout: float = 20.0):
        self.address = address
        self.threads = threads
        self.timeout = timeout
        self.workers = 0
        self._client = None

    def describe(self) -> str:
        return f"Dask cluster at {self.address} ({self.workers} worker threads)"

    def start(self) -> None:
        if self._client is not None:
            return
        from cxsim.sweep.spec import SweepError

        self._client, self.workers = connect(self.address, self.timeout, SweepError)

    def map(self, tasks: list[ChunkTask]) -> Iterator[ChunkResult]:
        from distributed import as_completed

        from cxsim.run import version
        from cxsim.sweep.spec import SweepError

        self.start()
        futures = []
        for t in tasks:
            t.threads = self.threads
            fut = self._client.submit(run_chunk, t, pure=False)
            futures.append(fut)
        try:
            for _fut, result in as_completed(futures, loop=self._client.loop, with_results=True):
                if result.version != version():
                    raise SweepError(
                        f"a Dask worker ({result.host}) runs cxsim {result.version}, this driver {version()}: "
                        "install the same version on every worker"
                    )
                yield result
        finally:
            self._client.cancel([f for f in futures if not f.done()])

    def close(self, abort: bool = False) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            client.close()


def make_executor(executor: Any = None, workers: int | None = None) -> Executor:
    """Turn the ``executor=`` argument of :func:`cxsim.sweep.run` into an executor.

    ``None`` -> local pool over all cores (or ``workers``); an int -> that
    many local workers; ``"tcp://host:port"`` -> Dask; an object with
    ``map``/``start``/``close`` is used as is.
    """
    if executor is None:
        return LocalExecutor(workers)
    if isinstance(executor, bool):
        raise TypeError("executor must be None, a worker count, a 'tcp://host:port' address or an executor")
    if isinstance(executor, int):
        return LocalExecutor(executor)
    if isinstance(executor, str):
        if "://" not in executor:
            from cxsim.sweep.spec import SweepError

            raise SweepError(f"--scheduler {executor!r}: expected an address like tcp://127.0.0.1:8786")
        return DaskExecutor(executor)
    if all(hasattr(executor, a) for a in ("map", "start", "close")):
        return executor
    raise TypeError(f"not an executor: {executor!r}")


def auto_chunk_size(n_runs: int, workers: int) -> int:
    """Runs per chunk: about 20 chunks per worker (even load at the end, a live progress
    bar, little lost to a kill), at most 25 runs (under a minute of baseline runs)."""
    return max(1, min(25, math.ceil(n_runs / (20 * max(1, workers)))))
