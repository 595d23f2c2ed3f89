"""Measurement helpers shared by the pytest-benchmark suites and ``python -m benchmarks.report``.

Serves the performance user need: strategists watch a run while it goes,
analysts run thousands of them, a telecom has millions of customers. Every
figure here is taken so it can be read as a *ratio within one run* (cxsim vs
the plain-Mesa reference, cxsim vs a streaming floor over the same bytes, two
threads vs one), because the build machines are shared and absolute times
move with the load (:func:`load` is recorded next to every measurement).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

#: kernels timed by :func:`phase_profile` (module, function); the model calls them through their module
KERNELS: list[tuple[str, str]] = [
    ("encounters", "serve"),
    ("encounters", "tally"),
    ("attitude", "update"),
    ("measurement", "experience_tally"),
    ("wom", "send"),
    ("wom", "broadcast"),
    ("wom", "signals"),
    ("wom", "receive"),
    ("wom", "push_to_friends"),
    ("wom", "read_friends"),
    ("market", "churn_spend_acquire"),
    ("market", "tally"),
    ("measurement", "attitude_tally"),
    ("measurement", "voc_survey"),
    ("workforce", "engagement_step"),
    ("workforce", "workforce_flows"),
]

#: the phases of CXModel.step, in order (see model.py)
PHASES = [
    "leadership_and_programs", "employee_engagement", "incentive_behaviour", "workforce_flows", "staffing",
    "encounters", "customer_attitude", "word_of_mouth", "churn_spend_acquisition", "measurement", "finance",
    "collect",
]  # fmt: skip


def load() -> float:
    """1-minute load average of the machine (2 cores: above ~2 means we are sharing them)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:  # pragma: no cover - not on Linux
        return float("nan")


def scenario(size: int, solvent: bool = True, **overrides):
    """``baseline`` scaled to ``size`` people (employees unchanged, as ``--set market.size=N`` does).

    ``solvent``: give every firm enough cash never to go bankrupt; a bankrupt
    firm stops trading and its steps cost nothing (a small market cannot pay
    for 500 employees), which would make timings meaningless. The rivals too:
    at 10,000 people the baseline's rival runs out of cash in about 17 weeks,
    inside the weeks a timing steps through, and the market it leaves behind
    is a different workload.
    """
    import cxsim

    base = cxsim.load_scenario("baseline")
    changes = {"market.size": int(size)}
    if solvent:
        changes["finance.initial_cash"] = 1e12
        changes.update({f"rivals.{name}.finance.initial_cash": 1e12 for name in base.rivals})
    changes.update(overrides)
    return base.override(changes)


@contextmanager
def threads(n: int | None, exactly: bool = False):
    """Run the block with ``n`` Numba threads (None: leave as is), as :func:`cxsim.parallel.using_threads` does.

    ``exactly``: switch OpenMP's dynamic adjustment off for the block (cxsim switches it on: fewer threads while
    other processes keep the cores busy), so that a thread-scaling measurement really uses ``n`` threads.
    """
    from cxsim.parallel import using_threads

    with using_threads(n):
        was_dynamic = openmp_dynamic(False) if exactly and n is not None else None
        try:
            yield
        finally:
            if was_dynamic is not None:
                openmp_dynamic(was_dynamic)


def openmp_dynamic(on: bool) -> bool | None:
    """Set OpenMP's dynamic thread adjustment (``OMP_DYNAMIC``) for this thread's parallel loops; returns the old
    setting, or None when Numba does not run on OpenMP (then there is nothing to switch)."""
    import ctypes

    import numba

    numba.get_num_threads()  # starts Numba's threading layer if it has not started yet
    if numba.threading_layer() != "omp":
        return None
    gomp = ctypes.CDLL("libgomp.so.1")  # the runtime Numba's OpenMP pool already loaded
    old = bool(gomp.omp_get_dynamic())
    gomp.omp_set_dynamic(int(on))
    return old


def make_model(size: int, seed: int = 1, warm_steps: int = 2, **overrides):
    """A cxsim model of ``size`` people, stepped ``warm_steps`` weeks (so kernels are compiled and state is realistic)."""
    from cxsim.model import CXModel

    m = CXModel(scenario(size, **overrides), seed=seed)
    for _ in range(warm_steps):
        m.step()
    return m


def time_calls(fn: Callable[[], object], repeat: int) -> list[float]:
    """Wall time (s) of each of ``repeat`` calls."""
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def step_times(model, steps: int) -> list[float]:
    """Wall time (s) of each of ``steps`` weeks of ``model``."""
    return time_calls(model.step, steps)


# ------------------------------------------------------------------ memory


def graph_bytes(model) -> int:
    return int(model.indptr.nbytes + model.indices.nbytes)


def state_bytes(model) -> int:
    """Bytes of per-person state (all market arrays) plus the graph."""
    return int(model.market.nbytes()) + graph_bytes(model)


def bytes_per_customer(model) -> float:
    """Bytes per person of the market, graph included (employees excluded: they do not scale with the market)."""
    return state_bytes(model) / model.market.size


# ------------------------------------------------------------------ floor


class StreamingFloor:
    """A numpy read+write pass over as many bytes as the model's per-person state and graph.

    The week of a market of N people must at least touch its state once;
    one in-place ``bitwise_not`` over a buffer of the same size (read every
    byte, write every byte, one thread) is what plain numpy does at memory
    speed. cxsim's step time is reported as a multiple of it.
    """

    def __init__(self, model):
        self.nbytes = state_bytes(model)
        self.buf = np.zeros(-(-self.nbytes // 8), dtype=np.uint64)
        self.buf[:] = 1  # touch every page before timing

    def run(self) -> None:
        np.bitwise_not(self.buf, out=self.buf)

    def time(self, repeat: int = 7) -> float:
        """Best of ``repeat`` passes (s): the floor is what the memory allows when no one else is using it."""
        return min(time_calls(self.run, repeat))


# ------------------------------------------------------------------ profile


def phase_profile(model, steps: int) -> tuple[dict[str, float], dict[str, float], float]:
    """Mean seconds per week of each phase of ``CXModel.step`` and of each kernel, and of the whole step.

    Phases are timed by wrapping the model's bound methods, kernels by
    wrapping the functions in their modules (the model calls them through
    the module), so nothing in cxsim changes.
    """
    import importlib

    acc: dict[str, float] = defaultdict(float)

    def wrap(fn, label):
        def timed(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                acc[label] += time.perf_counter() - t

        return timed

    saved = []
    for mod_name, fn_name in KERNELS:
        mod = importlib.import_module(f"cxsim.kernels.{mod_name}")
        fn = getattr(mod, fn_name, None)
        if fn is None:
            continue
        saved.append((mod, fn_name, fn))
        setattr(mod, fn_name, wrap(fn, f"{mod_name}.{fn_name}"))
    for ph in PHASES:
        setattr(model, ph, wrap(getattr(model, ph), ph))
    try:
        total = sum(step_times(model, steps))
    finally:
        for mod, fn_name, fn in saved:
            setattr(mod, fn_name, fn)
        for ph in PHASES:
            del model.__dict__[ph]
    phases = {ph: acc[ph] / steps for ph in PHASES}
    kernels = {f"{m}.{f}": acc[f"{m}.{f}"] / steps for m, f in KERNELS if f"{m}.{f}" in acc}
    return phases, kernels, total / steps


#: the kernels with a parallel loop (prange, directly or in the helper they call); the rest of a step runs on one thread
PARALLEL_KERNELS = (
    "encounters.serve",
    "attitude.update",
    "wom.send",
    "wom.signals",
    "wom.read_friends",
    "market.churn_spend_acquire",
    "market.tally",
    "measurement.attitude_tally",
)


# ------------------------------------------------------------------ threads


def same_run(size: int, steps: int, seed: int = 3) -> bool:
    """Do 1 and 2 Numba threads give the same weekly KPIs and the same final per-person state?"""
    import pandas as pd

    out = []
    for n in (1, 2):
        with threads(n, exactly=True):
            m = make_model(size, seed=seed, warm_steps=steps)
        out.append(m)
    a, b = out
    try:
        pd.testing.assert_frame_equal(a.timeseries(), b.timeseries(), check_exact=True)
    except AssertionError:
        return False
    return all(np.array_equal(getattr(a.market, f), getattr(b.market, f)) for f in a.market._fields)


# ------------------------------------------------------------------ start-up


def _python() -> str:
    return sys.executable


def _cxsim_cli() -> list[str]:
    exe = Path(sys.executable).with_name("cxsim")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "cxsim.cli"]


_FIRST_STEP = """
import json, time, sys
t0 = float(sys.argv[1])
from numba.core import event
compile_s, started = {}, []
class CompileTimer(event.Listener):  # seconds compiling each kernel (with the helpers it compiled)
    def on_start(self, ev):
        started.append(time.perf_counter())
    def on_end(self, ev):
        t = started.pop()
        if not started:
            f = ev.data["dispatcher"].py_func
            name = f"{f.__module__.removeprefix('cxsim.')}.{f.__qualname__}"
            compile_s[name] = compile_s.get(name, 0.0) + time.perf_counter() - t
event.register("numba:compile", CompileTimer())
import cxsim
from cxsim.model import CXModel
t_import = time.time() - t0
m = CXModel("baseline", seed=0)
t_init = time.time() - t0
m.step()
print(t_import, t_init, time.time() - t0)
print(json.dumps(compile_s))
"""


def startup(cache_dir: str | None = None) -> dict[str, float]:
    """Seconds from process start to: cxsim + model imported, model built, first week stepped.

    With ``cache_dir`` an (empty) NUMBA_CACHE_DIR: a cold start that compiles every kernel. ``cpu`` is the
    process's CPU time (user + system): what the wall time would be with a core to itself. ``compile_s``:
    seconds spent compiling each kernel (each with the helpers it compiled first; empty when warm).
    """
    import resource

    env = dict(os.environ)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    res = subprocess.run([_python(), "-c", _FIRST_STEP, repr(t0)], env=env, capture_output=True, text=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    times, compiled = res.stdout.splitlines()[-2:]
    t_import, t_init, t_step = (float(x) for x in times.split())
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"import": t_import, "model": t_init, "first_step": t_step, "cpu": cpu, "compile_s": json.loads(compiled)}


def import_time(repeat: int = 3) -> float:
    """Best wall time of ``python -c 'import cxsim'`` minus a bare interpreter start."""

    def wall(code: str) -> float:
        t = time.perf_counter()
        subprocess.run([_python(), "-c", code], check=True, capture_output=True)
        return time.perf_counter() - t

    bare = min(wall("pass") for _ in range(repeat))
    return min(wall("import cxsim") for _ in range(repeat)) - bare


def cli_first_step(repeat: int = 5, cpu: list[float] | None = None) -> float:
    """Best wall time of ``cxsim run baseline --steps 1`` (process start to exit, KPIs printed), warm cache.

    ``cpu``: a list that gets the least CPU time (user + system) of the runs.
    """
    import resource

    best = best_cpu = float("inf")
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            subprocess.run([*_cxsim_cli(), "run", "baseline", "--steps", "1"], check=True, capture_output=True, cwd=tmp)
            best = min(best, time.perf_counter() - t)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            best_cpu = min(best_cpu, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if cpu is not None:
        cpu.append(best_cpu)
    return best


def cold_compile() -> dict[str, float]:
    """Start-up with an empty Numba cache (every kernel compiled), in a fresh process."""
    with tempfile.TemporaryDirectory(prefix="cxsim-numba-") as tmp:
        return startup(cache_dir=tmp)


# ------------------------------------------------------------------ RSS


def peak_rss_per_person(size: int) -> float:
    """Peak resident memory added by building and stepping a model of ``size`` people, per person (bytes).

    Includes the graph builder's temporary edge lists, so it is an upper bound of what a run needs.
    """
    # VmHWM (this process's peak), not getrusage's ru_maxrss: Linux carries ru_maxrss over from the parent
    # through fork and exec, so a child of a big report process measured 0 bytes
    code = (
        "import sys\n"
        "sys.path.insert(0, sys.argv[2])\n"
        "from benchmarks.harness import make_model\n"
        "def hwm():\n"
        "    return next(int(x.split()[1]) for x in open('/proc/self/status') if x.startswith('VmHWM:'))\n"
        "m0 = make_model(1000, warm_steps=1)\n"
        "before = hwm()\n"
        "m = make_model(int(sys.argv[1]), warm_steps=1)\n"
        "after = hwm()\n"
        "print((after - before) * 1024 / int(sys.argv[1]))\n"
    )
    res = subprocess.run([_python(), "-c", code, str(size), str(ROOT)], capture_output=True, text=True, check=True)
    return float(res.stdout.strip())


def size_id(n: int) -> str:
    """10k, 100k, 1M: short test ids and labels."""
    return f"{n // 1_000_000}M" if n >= 1_000_000 else f"{n // 1000}k"
