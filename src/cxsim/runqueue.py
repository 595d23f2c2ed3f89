"""A fair queue of runs shared by many sessions (a class in the studio), in front of a shared cache.

Not part of the causal chain: where and in which order runs happen never changes a result.

Each session submits the runs it needs (:meth:`RunQueue.submit` returns a :class:`Ticket`). A run
already in the cache (:mod:`cxsim.runcache`) is answered at once; a run already queued or running for
another session is not queued again, the two sessions wait on the same *flight* (single-flight); only
a run nobody has asked for becomes a new flight. A few workers take flights from the sessions in turn
(round robin, one run per session per turn), so a session that asked for 40 runs does not make one
that asked for 16 wait for all 40. A ticket says how many runs will start before its next one
(:meth:`Ticket.position`) and can be cancelled: its waiting runs that no other ticket needs leave the
queue; a run already going finishes and is cached (nothing computed is thrown away).

Where the runs happen (:class:`Backend`): in this process (:class:`ThreadBackend`), in local worker
processes, one Numba thread each (:class:`ProcessBackend`), or on a Dask cluster
(:class:`DaskBackend`, the address as ``cxsim sweep --scheduler`` takes it).
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from cxsim.params import Scenario
from cxsim.run import Result, version
from cxsim.runcache import ResultCache, run_cache, run_key, served


class Cancelled(Exception):
    """The ticket was cancelled (Stop) before all its runs were done."""


class RunError(RuntimeError):
    """A run failed on a worker; the message says which run and why."""


def compute(scenario: Scenario, seed: int, steps: int, threads: int | None = None) -> Result:
    """One run, as a worker does it (``threads``: Numba threads for it; None leaves them as they are)."""
    from cxsim.parallel import using_threads
    from cxsim.run import run

    with using_threads(threads):
        return run(scenario, seed=seed, steps=steps)


# ------------------------------------------------------------------------ backends


class Backend(Protocol):
    """Where runs happen. ``slots`` runs may go at once; :meth:`run` blocks until one is done."""

    slots: int

    def run(self, scenario: Scenario, seed: int, steps: int) -> Result: ...

    def describe(self) -> str: ...

    def close(self) -> None: ...


class ThreadBackend:
    """Runs in this process, in the queue's worker thread (Numba's threads as they are set).

    Runs hold Python's lock while they compute, so more than one slot rarely helps; this backend is
    for tests and for a machine where a worker process costs too much memory.
    """

    def __init__(self, slots: int = 1):
        self.slots = max(1, int(slots))

    def run(self, scenario: Scenario, seed: int, steps: int) -> Result:
        return compute(scenario, seed, steps)

    def describe(self) -> str:
        return f"this process ({self.slots} worker thread{'s' if self.slots != 1 else ''})"

    def close(self) -> None:
        pass


def _warm_worker() -> None:
    """Load the compiled kernels in a new worker process (from Numba's cache), so its first real run is not slow."""
    from cxsim.sweep.execute import init_local_worker

    init_local_worker()
    try:
        from cxsim.run import run
        from cxsim.scenario import load_scenario, scale

        run(scale(load_scenario("baseline"), 0.05), seed=0, steps=2)  # every kernel, on a small market
    except Exception:  # noqa: BLE001 - warming up is an optimisation; a real run reports its own errors
        pass


def _noop() -> None:
    return None


class ProcessBackend:
    """Local worker processes, one Numba thread each (a run on one thread wastes nothing on thread
    barriers; two processes on two cores do twice the runs of one process on two threads).

    Workers start with 'spawn', load the kernels at once (:func:`_warm_worker`) and die with this process.
    """

    def __init__(self, workers: int):
        from cxsim.parallel import process_pool

        self.slots = max(1, int(workers))
        self._pool = process_pool(self.slots, 1, initializer=_warm_worker)
        for _ in range(self.slots):  # start every worker now, not at the first Run
            self._pool.submit(_noop)

    def run(self, scenario: Scenario, seed: int, steps: int) -> Result:
        return self._pool.submit(compute, scenario, seed, steps, 1).result()

    def describe(self) -> str:
        return f"{self.slots} local worker process{'es' if self.slots != 1 else ''}, 1 Numba thread each"

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class DaskBackend:
    """A Dask cluster (``dask scheduler`` + ``dask worker ... --nthreads 1``): one slot per worker thread.

    Raises (when made):
        RunError: the address is malformed, the scheduler is unreachable or no worker joins (one line,
            from :func:`cxsim.sweep.execute.connect`).
    """

    def __init__(self, address: str, timeout: float = 20.0):
        from cxsim.sweep.execute import connect

        self.address = address
        self._client, threads = connect(address, timeout, RunError)
        self.slots = max(1, threads)

    def run(self, scenario: Scenario, seed: int, steps: int) -> Result:
        result = self._client.submit(compute, scenario, seed, steps, 1, pure=False).result()
        if result.version != version():
            raise RunError(
                f"a Dask worker runs cxsim {result.version}, this studio {version()}: install the same version "
                "on every worker"
            )
        return result

    def describe(self) -> str:
        return f"Dask cluster at {self.address} ({self.slots} worker thread{'s' if self.slots != 1 else ''})"

    def close(self) -> None:
        self._client.close()


def make_backend(workers: int | None = None, scheduler: str | None = None) -> Backend:
    """``scheduler`` -> :class:`DaskBackend`; ``workers`` > 0 -> :class:`ProcessBackend`; else one
    :class:`ThreadBackend` slot."""
    if scheduler:
        return DaskBackend(scheduler)
    if workers:
        return ProcessBackend(workers)
    return ThreadBackend(1)


# ------------------------------------------------------------------------- flights


class Flight:
    """One run being waited for: queued, running, then done (or failed, or cancelled)."""

    __slots__ = ("key", "scenario", "seed", "steps", "state", "result", "error", "tickets", "done")

    def __init__(self, key: str, scenario: Scenario, seed: int, steps: int):
        self.key = key
        self.scenario = scenario
        self.seed = seed
        self.steps = steps
        self.state = "queued"  # queued | running | done | failed | cancelled
        self.result: Result | None = None
        self.error: str | None = None
        self.tickets: set[Ticket] = set()
        self.done = threading.Event()

    @classmethod
    def finished(cls, key: str, result: Result) -> Flight:
        f = cls(key, result.scenario, result.seed, len(result.timeseries))
        f.state, f.result = "done", result
        f.done.set()
        return f


@dataclass(frozen=True)
class Position:
    """Where a ticket stands: ``ahead`` runs will start before its next waiting run (0 when it is next or
    has nothing waiting); ``running`` runs of anyone's are going now, ``waiting`` of its own are queued."""

    ahead: int
    running: int
    waiting: int


class Ticket:
    """The runs one session asked for, in the order asked; the queue fills them in as they finish."""

    def __init__(self, queue: RunQueue, session: str, jobs: list[tuple[Scenario, int, int]]):
        self.queue = queue
        self.session = session
        self.jobs = jobs
        self.flights: list[Flight] = []
        self.from_cache = 0  # runs answered at submission by the cache
        self.shared = 0  # runs another session had queued or running already
        self.cancelled = False
        self._changed = threading.Event()

    def __hash__(self) -> int:
        return id(self)

    @property
    def total(self) -> int:
        return len(self.flights)

    @property
    def n_done(self) -> int:
        return sum(f.state == "done" for f in self.flights)

    @property
    def complete(self) -> bool:
        """Every run is over (done, failed or cancelled)."""
        return all(f.done.is_set() for f in self.flights)

    def done_mask(self) -> list[bool]:
        return [f.state == "done" for f in self.flights]

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until a run of this ticket ends or ``timeout`` passes; True when all are over."""
        if not self.complete:
            self._changed.wait(timeout)
            self._changed.clear()
        return self.complete

    def position(self) -> Position:
        return self.queue.position(self)

    def result(self, i: int) -> Result:
        """The ``i``-th run asked for (its own scenario object and frame).

        Raises:
            Cancelled: the ticket was cancelled before this run was done.
            RunError: the run failed.
        """
        f = self.flights[i]
        if f.state == "done":
            return served(f.result, self.jobs[i][0])
        if f.state == "failed":
            raise RunError(f.error)
        if self.cancelled or f.state == "cancelled":
            raise Cancelled(f"run {i} was cancelled")
        raise RuntimeError(f"run {i} is not done yet (wait for the ticket first)")

    def results(self, timeout: float | None = None) -> list[Result]:
        """Every run, in the order asked, once all are done (waits up to ``timeout`` seconds).

        Raises:
            Cancelled, RunError: as :meth:`result`. TimeoutError: not done in time.
        """
        if self.cancelled:
            raise Cancelled("the runs were cancelled (Stop)")
        for f in self.flights:
            if not f.done.wait(timeout):
                raise TimeoutError(f"{self.total - self.n_done} of {self.total} runs still to do")
        return [self.result(i) for i in range(self.total)]

    def cancel(self) -> int:
        """Stop waiting: runs only this ticket needs leave the queue (returns how many); running runs finish
        and are cached."""
        return self.queue.cancel(self)

    def _notify(self) -> None:
        self._changed.set()


class RunQueue:
    """Runs from many sessions, dispatched fairly to a backend's slots, each computed at most once.

    Args:
        backend: where runs happen (default: one :class:`ThreadBackend` slot).
        cache: finished runs (default :func:`cxsim.runcache.run_cache`).
    """

    def __init__(self, backend: Backend | None = None, cache: ResultCache | None = None):
        self.backend = backend if backend is not None else ThreadBackend(1)
        self.cache = cache if cache is not None else run_cache()
        self._lock = threading.Condition()
        self._waiting: dict[str, deque[Flight]] = {}  # per session: flights in the order asked
        self._turns: deque[str] = deque()  # sessions with waiting flights, next turn first
        self._flights: dict[str, Flight] = {}  # queued or running, by key
        self._running: set[Flight] = set()
        self.computed = 0  # runs the backend did
        self._closed = False
        self._workers = [
            threading.Thread(target=self._work, name=f"cxsim-run-queue-{i}", daemon=True)
            for i in range(self.backend.slots)
        ]
        for t in self._workers:
            t.start()

    def describe(self) -> str:
        return self.backend.describe()

    # ----------------------------------------------------------------- asking

    def submit(self, session: str, jobs: Iterable[tuple[Scenario, int, int]]) -> Ticket:
        """Ask for runs ``(scenario, seed, steps)`` on behalf of ``session``; returns at once."""
        jobs = [(s, int(seed), int(steps)) for s, seed, steps in jobs]
        ticket = Ticket(self, session, jobs)
        with self._lock:
            if self._closed:
                raise RuntimeError("the run queue is closed")
            for scenario, seed, steps in jobs:
                key = run_key(scenario, seed, steps)
                flight = self._flights.get(key)
                if flight is None:
                    cached = self.cache.get(key)
                    if cached is not None:
                        ticket.from_cache += 1
                        ticket.flights.append(Flight.finished(key, cached))
                        continue
                    flight = self._flights[key] = Flight(key, scenario, seed, steps)
                elif ticket not in flight.tickets:  # not a run this ticket asks twice (a variant equal to its base)
                    ticket.shared += 1
                flight.tickets.add(ticket)
                ticket.flights.append(flight)
                if flight.state == "queued":
                    self._enqueue(session, flight)
            self._lock.notify_all()
        if ticket.complete:
            ticket._notify()
        return ticket

    def _enqueue(self, session: str, flight: Flight) -> None:
        q = self._waiting.setdefault(session, deque())
        q.append(flight)
        if session not in self._turns:
            self._turns.append(session)

    def run_many(
        self,
        session: str,
        scenario: Scenario,
        seeds: Iterable[int],
        steps: int,
        *,
        should_stop: Callable[[], bool] | None = None,
        on_wait: Callable[[Ticket], None] | None = None,
        poll: float = 0.25,
    ) -> list[Result]:
        """Replications of ``scenario`` over ``seeds`` through the queue (as :func:`cxsim.run_many`, in seed order).

        Raises:
            Cancelled: ``should_stop`` returned True (the ticket is cancelled).
        """
        ticket = self.submit(session, [(scenario, s, steps) for s in seeds])
        while not ticket.complete:
            if should_stop is not None and should_stop():
                ticket.cancel()
                raise Cancelled("stopped")
            if on_wait is not None:
                on_wait(ticket)
            ticket.wait(poll)
        return ticket.results()

    # ----------------------------------------------------------------- the queue

    def position(self, ticket: Ticket) -> Position:
        """How many runs start before ``ticket``'s next waiting run, if nobody asks for more meanwhile
        (the round robin played forward)."""
        with self._lock:
            mine = {id(f) for f in ticket.flights if f.state == "queued"}
            running = len(self._running)
            if not mine:
                return Position(0, running, 0)
            queues = {s: [f for f in q if f.state == "queued"] for s, q in self._waiting.items()}
            started: set[int] = set()
            cursor = {s: 0 for s in queues}
            turns = deque(self._turns)
            ahead = 0
            while turns:
                s = turns.popleft()
                q, i = queues.get(s, []), cursor.get(s, 0)
                while i < len(q) and id(q[i]) in started:
                    i += 1
                if i >= len(q):
                    continue
                f = q[i]
                cursor[s] = i + 1
                if id(f) in mine:
                    break
                started.add(id(f))
                ahead += 1
                turns.append(s)
            return Position(ahead, running, len(mine))

    def _next(self) -> Flight | None:
        """The next flight in the round robin (lock held), or None when nothing waits."""
        while self._turns:
            session = self._turns.popleft()
            q = self._waiting.get(session)
            while q and q[0].state != "queued":
                q.popleft()  # started from another session's turn, or cancelled
            if not q:
                self._waiting.pop(session, None)
                continue
            flight = q.popleft()
            if any(f.state == "queued" for f in q):
                self._turns.append(session)
            else:
                self._waiting.pop(session, None)
            return flight
        return None

    def _work(self) -> None:
        while True:
            with self._lock:
                flight = self._next()
                while flight is None:
                    if self._closed:
                        return
                    self._lock.wait()
                    flight = self._next()
                flight.state = "running"
                self._running.add(flight)
            result, error = None, None
            try:
                result = self.backend.run(flight.scenario, flight.seed, flight.steps)
            except Exception as exc:  # noqa: BLE001 - every waiting session is told, the queue goes on
                error = f"run of {flight.scenario.name!r} seed {flight.seed}, {flight.steps} weeks failed: {exc}"
            with self._lock:
                self._running.discard(flight)
                self._flights.pop(flight.key, None)
                if error is None:
                    self.computed += 1
                    self.cache.put(flight.key, result)
                    flight.result, flight.state = result, "done"
                else:
                    flight.error, flight.state = error, "failed"
                flight.done.set()
                tickets = list(flight.tickets)
                flight.tickets.clear()
            for t in tickets:
                t._notify()

    def cancel(self, ticket: Ticket) -> int:
        with self._lock:
            ticket.cancelled = True
            dropped = 0
            for f in ticket.flights:
                f.tickets.discard(ticket)
                if f.state == "queued" and not f.tickets:
                    f.state = "cancelled"
                    self._flights.pop(f.key, None)
                    f.done.set()
                    dropped += 1
        ticket._notify()
        return dropped

    def sessions_waiting(self) -> int:
        """Sessions with a run queued or running now."""
        with self._lock:
            return len({t.session for f in self._flights.values() for t in f.tickets})

    def pending(self) -> int:
        """Runs queued or running now."""
        with self._lock:
            return len(self._flights)

    def close(self) -> None:
        """Stop the workers once the runs going now are done; waiting runs are cancelled."""
        with self._lock:
            self._closed = True
            for f in list(self._flights.values()):
                if f.state == "queued":
                    f.state = "cancelled"
                    f.done.set()
            self._waiting.clear()
            self._turns.clear()
            self._lock.notify_all()
        for t in self._workers:
            t.join(timeout=60)
        self.backend.close()


_ids = itertools.count(1)


def anonymous_session() -> str:
    """A session name for a caller that has none (each call a new one)."""
    return f"anonymous-{next(_ids)}"
