"""Running a sweep: plan it, run its chunks on an executor, store them, resume it.

``run(spec, out)`` is the whole batch workflow of an analyst: check the spec,
sample the design, derive one seed per run, refuse to overwrite a previous
sweep, send chunks to the executor, and write each finished chunk. Runs come
from the manifest (not re-sampled), so a resumed sweep does exactly the runs
the first session planned.
"""

from __future__ import annotations

import json
import os
import shlex
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cxsim.run import version
from cxsim.scenario import ScenarioError, load_scenario, override, scenario_from_dict
from cxsim.sweep.design import Design, make_design, run_seed
from cxsim.sweep.execute import ChunkTask, Executor, auto_chunk_size, make_executor
from cxsim.sweep.spec import SweepError, SweepSpec, load_spec
from cxsim.sweep.store import MANIFEST, SweepStore, now

ProgressFn = Callable[[int, int], None]


@dataclass
class SweepReport:
    """What a call of :func:`run` did.

    Attributes:
        out: the sweep directory.
        n_runs: runs in the whole sweep.
        runs_before: runs already done when this call started (resume).
        runs_now: runs this call did.
        seconds: wall time of this call's runs.
        executor: where they ran.
        complete: every run of the sweep is in ``out``.
    """

    out: Path
    name: str
    design: str
    n_points: int
    n_runs: int
    runs_before: int
    runs_now: int
    seconds: float
    executor: str
    complete: bool
    notes: list[str] = field(default_factory=list)

    @property
    def runs_per_second(self) -> float:
        return self.runs_now / self.seconds if self.seconds > 0 else float("nan")

    @property
    def data(self) -> pd.DataFrame:
        """The sweep's rows (:func:`cxsim.sweep.load`)."""
        return SweepStore.open(self.out).load()


# ------------------------------------------------------------------ planning


def plan(spec: SweepSpec) -> dict:
    """The manifest of a new sweep: spec, base scenario, design points and run seeds.

    Every design point is checked against the scenario schema here, so a
    combination the model does not allow (e.g. a team larger than the firm)
    fails before any run starts.
    """
    design = make_design(spec)
    checked: set[tuple] = set()
    for i in range(design.n_points):
        key = tuple(map(repr, design.values[i]))
        if key in checked:
            continue
        try:
            override(spec.base, design.point(i))
        except ScenarioError as exc:
            raise SweepError(f"design point {i} {design.point(i)}: {exc}") from None
        checked.add(key)
    return manifest_for(spec, design, spec.base.model_dump(mode="json"))


def manifest_for(spec: SweepSpec, design: Design, scenario: dict | None) -> dict:
    """The manifest entries of a sweep of ``design`` (one run per point and replicate, with its seed)."""
    n_runs = design.n_points * spec.seeds
    seeds = [
        run_seed(spec.base_seed, 0 if spec.common_random_numbers else k // spec.seeds, k % spec.seeds)
        for k in range(n_runs)
    ]
    return {
        "cxsim_version": version(),
        "spec": _jsonable(spec.to_dict()),
        "spec_text": spec.source,
        "scenario": scenario,
        "design": {
            "kind": design.kind,
            "factors": [f.key for f in design.factors],
            "unit": design.unit.tolist(),
            "values": design.values,
        },
        "runs": {"count": n_runs, "seeds_per_point": spec.seeds, "seed": seeds},
    }


def _jsonable(d: Any) -> Any:
    return json.loads(json.dumps(d))


def _spec_differences(old: Mapping, new: Mapping) -> list[str]:
    out = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            a, b = json.dumps(old.get(key)), json.dumps(new.get(key))
            if len(a) + len(b) > 120:
                a, b = a[:57] + "...", b[:57] + "..."
            out.append(f"{key}: {a} in DIR, {b} now")
    return out


def _tasks(store: SweepStore, todo: list[int]) -> list[ChunkTask]:
    m = store.manifest
    spec = m["spec"]
    seeds = m["runs"]["seed"]
    per_point = m["runs"]["seeds_per_point"]
    tasks = []
    for c in todo:
        runs = []
        for k in store.chunk_runs(c):
            point = k // per_point
            runs.append((k, point, k % per_point, int(seeds[k]), store.point(point)))
        tasks.append(
            ChunkTask(
                chunk=c,
                base=m["scenario"],
                steps=int(spec["steps"]),
                kpis=tuple(spec["kpis"]),
                keep=spec["keep"],
                runs=runs,
            )
        )
    return tasks


# ---------------------------------------------------------------------- run


def run(
    spec: str | os.PathLike | Mapping | SweepSpec,
    out: str | os.PathLike,
    executor: Executor | int | str | None = None,
    *,
    resume: bool = False,
    workers: int | None = None,
    chunk_size: int | None = None,
    samples: int | None = None,
    seeds: int | None = None,
    steps: int | None = None,
    progress: ProgressFn | None = None,
    on_start: Callable[[SweepStore, Executor], None] | None = None,
) -> SweepReport:
    """Run a sweep into directory ``out`` (Parquet parts + ``_sweep.json``).

    Args:
        spec: a spec file, TOML text, dict or :class:`SweepSpec`.
        out: the sweep directory; must be missing or empty unless ``resume``.
        executor: ``None`` (local processes over all cores), an int (that
            many local workers), ``"tcp://host:port"`` (a Dask scheduler) or
            an executor object (:class:`~cxsim.sweep.execute.LocalExecutor`,
            :class:`~cxsim.sweep.execute.DaskExecutor`).
        resume: continue the sweep in ``out``: run only the chunks not yet
            written. The spec (after ``samples``/``seeds``/``steps``) must be
            the one the sweep was started with.
        workers: local workers when ``executor`` is None.
        chunk_size: runs per chunk (default: about 20 chunks per worker, at most 25 runs).
        samples, seeds, steps: override the spec (shrink a big spec for a try).
        progress: called with (runs done, runs in the sweep) at the start and
            after each chunk.
        on_start: called once the plan is fixed and the executor is up.

    Returns:
        a :class:`SweepReport`; ``cxsim.sweep.load(out)`` gives the rows.

    Raises:
        SweepError: bad spec, non-empty ``out`` without ``resume``, or a
            ``resume`` with a different spec or cxsim version.
    """
    spec = load_spec(spec, samples=samples, seeds=seeds, steps=steps, chunk_size=chunk_size)
    manifest = plan(spec)
    out = Path(out)
    notes: list[str] = []
    store: SweepStore | None = None
    if (out / MANIFEST).exists() and resume:
        store = SweepStore.open(out)
        old = store.manifest
        if old.get("cxsim_version") != manifest["cxsim_version"]:
            raise SweepError(
                f"--resume: {out} was started with cxsim {old.get('cxsim_version')}, "
                f"this is {manifest['cxsim_version']}; "
                "its runs would not be comparable: finish it with that version or start a new DIR"
            )
        diffs = _spec_differences(old["spec"], manifest["spec"])
        if diffs:
            raise SweepError(f"--resume: {out} holds a different sweep: " + "; ".join(diffs))
        if spec.chunk_size and spec.chunk_size != old["chunks"]["size"]:
            notes.append(f"chunk size {old['chunks']['size']} kept from the first session (not {spec.chunk_size})")
    elif out.exists() and (not out.is_dir() or any(out.iterdir())):
        if resume:
            raise SweepError(f"--resume: {out} is not empty but has no {MANIFEST}: not a sweep directory")
        raise SweepError(
            f"--out {out}: not empty; refusing to overwrite (continue it with --resume, or pick a new DIR)"
        )
    elif resume:
        notes.append("nothing to resume: started a new sweep")

    ex = make_executor(executor, workers)
    try:
        if store is None:
            ex.start()  # a Dask cluster must answer (and say how many workers it has) before DIR is written
            size = spec.chunk_size or auto_chunk_size(manifest["runs"]["count"], ex.workers)
            n_chunks = -(-manifest["runs"]["count"] // size)
            manifest["chunks"] = {"size": size, "count": n_chunks}
            store = SweepStore.create(out, manifest)
            _write_scenario_copy(store)
        done = store.recover()
        todo = [c for c in range(store.n_chunks) if c not in done]
        runs_before = store.runs_done(done)
        if on_start is not None:
            on_start(store, ex)
        if progress:
            progress(runs_before, store.n_runs)
        session = {"started": now(), "executor": ex.describe(), "workers": ex.workers, "threads": ex.threads}
        started = time.perf_counter()
        runs_now, busy = 0, 0.0
        try:
            for result in ex.map(_tasks(store, todo)):
                store.write_chunk(result.chunk, result.frame)
                runs_now += len(store.chunk_runs(result.chunk))
                busy += result.seconds
                if progress:
                    progress(runs_before + runs_now, store.n_runs)
        except BaseException:
            ex.close(abort=True)
            raise
        finally:
            seconds = time.perf_counter() - started
            session.update(ended=now(), runs=runs_now, seconds=round(seconds, 3), chunk_seconds=round(busy, 3))
            store.manifest.setdefault("sessions", []).append(session)
            store.save()
    finally:
        ex.close()
    return SweepReport(
        out=out,
        name=spec.name,
        design=spec.design,
        n_points=len(store.manifest["design"]["values"]),
        n_runs=store.n_runs,
        runs_before=runs_before,
        runs_now=runs_now,
        seconds=seconds,
        executor=session["executor"],
        complete=bool(store.manifest["finished"]),
        notes=notes,
    )


def _write_scenario_copy(store: SweepStore) -> None:
    """The base scenario as TOML next to the data: reproduces runs even if the original file changes."""
    from cxsim.atomic import write_text
    from cxsim.scenario import to_toml

    s = scenario_from_dict(store.manifest["scenario"])
    write_text(  # temp name + rename (cxsim.atomic)
        store.out / "_scenario.toml",
        f"# Base scenario of sweep '{store.manifest['spec']['name']}' (after its [set] changes), as run.\n"
        + to_toml(s),
    )


# --------------------------------------------------------------------- show


def run_info(out: str | os.PathLike, run_index: int) -> dict:
    """Everything about run K of a sweep: point, replicate, seed, changes and a command reproducing it."""
    store = SweepStore.open(out)
    m = store.manifest
    n = store.n_runs
    if not 0 <= run_index < n:
        raise SweepError(f"--run {run_index}: this sweep has runs 0 to {n - 1}")
    per_point = m["runs"]["seeds_per_point"]
    point = run_index // per_point
    seed = int(m["runs"]["seed"][run_index])
    spec = m["spec"]
    changes = store.point(point)
    ref = spec["scenario"]
    recorded = scenario_from_dict(m["scenario"])
    sets = dict(spec.get("set", {}))
    try:
        current = load_scenario(ref)
        current = override(current, sets) if sets else current
        same = current.model_dump(mode="json") == recorded.model_dump(mode="json")
    except ScenarioError:
        same = False
    note = None
    if not same:
        sets = {}
        note = (
            f"scenario {ref!r} is no longer what this sweep ran; the command uses the copy in "
            f"{Path(out) / '_scenario.toml'}"
        )
        ref = str(Path(out) / "_scenario.toml")
    args = ["cxsim", "run", ref, "--seed", str(seed), "--steps", str(spec["steps"])]
    for key, value in {**sets, **changes}.items():
        args += ["--set", f"{key}={_cli_value(value)}"]
    row = None
    df = store.load()
    if len(df):
        hit = df[df["run"] == run_index]
        if len(hit):
            row = hit.iloc[-1].to_dict() if "week" in hit.columns else hit.iloc[0].to_dict()
    return {
        "run": run_index,
        "point": point,
        "replicate": run_index % per_point,
        "seed": seed,
        "changes": changes,
        "steps": spec["steps"],
        "command": shlex.join(args),
        "note": note,
        "row": row,
    }


def _cli_value(value: Any) -> str:
    """A value as ``--set`` parses it back exactly (TOML syntax; bare words stay strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def show_command(out: str | os.PathLike, run_index: int) -> str:
    """The ``cxsim run`` command line that reproduces run ``run_index`` of a sweep."""
    return run_info(out, run_index)["command"]
