"""What the studio's sessions share: one run queue with its result cache, and the charts drawn from them.

A class of 30 asking the same what-if is served by one computation (:mod:`cxsim.runqueue`,
:mod:`cxsim.runcache`) and one drawing of each chart: a figure is rendered to PNG once per comparison
(same scenarios, seeds, weeks and cxsim version) and every session shows the same bytes. Runs are taken
from the sessions in turn, and a waiting session is told how many runs are ahead of its own.

Where runs happen is set by ``cxsim ui --workers N`` (local worker processes) or ``--scheduler ADDRESS``
(a Dask cluster), passed to the server process in :data:`WORKERS_ENV` and :data:`SCHEDULER_ENV`; without
them (tests, ``solara run`` by hand) runs go in one thread of the server process.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Callable, Hashable, Iterator

from cxsim.runcache import ResultCache, scenario_key
from cxsim.runqueue import RunQueue, Ticket, make_backend

#: Environment of the server process: local worker processes for runs (0 or unset: a thread of the server).
WORKERS_ENV = "CXSIM_UI_WORKERS"
#: Environment of the server process: the Dask scheduler runs go to (overrides the workers).
SCHEDULER_ENV = "CXSIM_UI_SCHEDULER"

#: Seconds between two partial answers of one what-if (a first look, then fuller ones, then the answer): each
#: redraws the page, and 30 pages redrawn for every batch of seeds cost the server more than the runs.
PARTIAL_EVERY = 4.0

_lock = threading.Lock()
_queue: RunQueue | None = None
#: Rendered charts (PNG bytes) by comparison: 30 sessions showing one what-if draw it once.
_charts = ResultCache(max_entries=64, max_bytes=64 * 2**20, size_of=len)


def queue() -> RunQueue:
    """The server's run queue, made at first use from :data:`WORKERS_ENV` and :data:`SCHEDULER_ENV`.

    Raises:
        cxsim.runqueue.RunError: the Dask scheduler cannot be reached (one line).
        ValueError: :data:`WORKERS_ENV` is not a whole number >= 0.
    """
    global _queue
    with _lock:
        if _queue is None:
            text = os.environ.get(WORKERS_ENV, "").strip() or "0"
            try:
                workers = int(text)
            except ValueError:
                workers = -1
            if workers < 0:
                raise ValueError(f"{WORKERS_ENV}={text!r}: the number of worker processes must be a whole number >= 0")
            _queue = RunQueue(make_backend(workers, os.environ.get(SCHEDULER_ENV, "").strip() or None))
        return _queue


def configure(workers: int | None = None, scheduler: str | None = None) -> str:
    """Check ``cxsim ui``'s ``--workers`` and ``--scheduler`` and pass them to the server process (its environment).

    Args:
        workers: local worker processes for runs (default: one per core).
        scheduler: a Dask scheduler's address (``tcp://host:port``); checked now (reachable, with a worker),
            so a wrong address fails before the server starts.

    Returns:
        one line saying where runs will happen.

    Raises:
        ValueError: ``workers`` below 1. cxsim.runqueue.RunError: the scheduler cannot be used (one line).
    """
    if scheduler:
        from cxsim.runqueue import DaskBackend

        DaskBackend(scheduler).close()
        os.environ[SCHEDULER_ENV] = scheduler
        os.environ.pop(WORKERS_ENV, None)
        return f"runs go to the Dask cluster at {scheduler}"
    n = (os.cpu_count() or 1) if workers is None else workers
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"--workers {workers}: must be at least 1")
    os.environ[WORKERS_ENV] = str(n)
    os.environ.pop(SCHEDULER_ENV, None)
    return f"runs go to {n} local worker process{'es' if n != 1 else ''}, shared by every session"


def update_every() -> float:
    """Seconds between two progress updates of a waiting page: 1 s alone, longer as more sessions wait (5 s for
    30). Every update redraws the page on the server (about 40 ms of its one Python thread at a time): 30 pages
    updated every second would keep it busier than the runs."""
    q = _queue
    return max(1.0, (q.sessions_waiting() if q is not None else 0) / 6)


def partial_every() -> float:
    """Seconds before a what-if's first partial answer and between two: :data:`PARTIAL_EVERY` alone, longer as more
    sessions wait (20 s for 30): a partial answer redraws the page's charts and table, for every waiting page."""
    q = _queue
    return PARTIAL_EVERY * max(1.0, (q.sessions_waiting() if q is not None else 0) / 6)


@contextlib.contextmanager
def one_redraw() -> Iterator[None]:
    """Reactive values set inside the block redraw this session's page once, at the end (Solara's render context
    batches them); outside a served page (tests with solara.render) each set redraws as usual."""
    rc = None
    try:
        from solara.server import kernel_context

        rc = kernel_context.get_current_context().app_object
    except Exception:  # noqa: BLE001 - no kernel context here: nothing to batch
        rc = None
    import reacton.core

    if isinstance(rc, reacton.core._RenderContext):
        with rc:
            yield
    else:
        yield


def session_id() -> str:
    """This browser tab's id (Solara's kernel id): the queue serves tabs in turn."""
    import solara

    try:
        return solara.get_kernel_id()
    except Exception:  # noqa: BLE001 - outside a Solara session (a script): one session per thread
        return f"thread-{threading.get_ident()}"


def comparison_key(c) -> str:
    """A what-if's identity across sessions: both scenarios' content and names, seeds, weeks, cxsim version."""
    text = "|".join(
        [scenario_key(c.a), scenario_key(c.b), c.a.name, c.b.name, ",".join(map(str, c.seeds)), str(c.steps)]
        + [r.version for r in c.results_a[:1]]
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chart_png(key: Hashable, draw: Callable[[], object]) -> bytes:
    """The PNG of the matplotlib figure ``draw()`` makes, drawn once per ``key`` for every session."""
    import io

    def render() -> bytes:
        buf = io.BytesIO()
        draw().savefig(buf, format="png")
        return buf.getvalue()

    return _charts.get_or_compute(key, render)


def queue_line(ticket: Ticket) -> str:
    """What a waiting session reads: its place in the queue, or nothing once its runs are going."""
    p = ticket.position()
    if p.waiting == 0 or (p.ahead == 0 and p.running < ticket.queue.backend.slots):
        return ""
    running = f"{p.running} running now" if p.running else "starting"
    if p.ahead == 0:
        return f"yours are next in the queue ({running})"
    return f"waiting in the queue: {p.ahead} run{'s' if p.ahead != 1 else ''} ahead of yours ({running})"


def cache_note(ticket: Ticket) -> str:
    """How much of a ticket the class had already asked for: '' or ' (16 of 16 runs from the shared cache)'."""
    parts = []
    if ticket.from_cache:
        parts.append(f"{ticket.from_cache} of {ticket.total} runs from the shared cache")
    if ticket.shared:
        parts.append(f"{ticket.shared} computed once for you and other sessions asking at the same time")
    return f" ({', '.join(parts)})" if parts else ""
