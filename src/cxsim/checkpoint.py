"""Crash-safe long runs: save a model's whole state, continue a killed run exactly.

Serves the analyst who starts a ten-year run of a large market and must not
lose it to a crash, a reboot or a killed job. The model state is all of
:class:`~cxsim.model.CXModel`'s arrays (the market's per-person arrays), each
firm's state (its workforce arrays, cash, process quality, review counts,
levers a reality check or management moved, its hiring pipeline and recent
results, whether it went bankrupt), the KPI rows so far and Mesa's own clock,
agent counter and random generators, and the record of levers changed
during the run (:meth:`~cxsim.model.CXModel.set_levers`, ``model.lever_changes``).
The friendship graph and each firm's settings are a pure function of
(scenario, seed) and are rebuilt, not stored (the scenario saved is the one
the model has now, every lever change in it); the Mesa agents (firms, supervisors, employees) are views over the
arrays and are rebuilt too, each employee with the unique id it had.
:func:`capture` refuses state it does not know how to save, so a new
attribute is never silently dropped.

A *run directory* (``cxsim run SCENARIO --out DIR --checkpoint-every N``)
holds::

    DIR/run.json            what was asked (scenario name, seed, weeks, version) and how far it got
    DIR/scenario.toml       the full scenario, every parameter (the run's only input besides the seed)
    DIR/checkpoint.npz      the latest saved state (while the run is unfinished)
    DIR/timeseries.csv      weekly KPIs so far / final, stamped with scenario, seed, version
    DIR/timeseries.parquet  the same, with the scenario TOML in the file's metadata

``cxsim resume DIR`` (:func:`resume`) continues from the checkpoint and ends
with files identical, byte for byte, to an uninterrupted run's. Every file
is written to a temporary name and renamed (:mod:`cxsim.atomic`), so a kill
at any moment leaves the previous checkpoint intact.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxsim import atomic
from cxsim.params import Scenario
from cxsim.run import Result, version
from cxsim.scenario import ScenarioError, scenario_from_toml, to_toml

__all__ = [
    "CheckpointError",
    "capture",
    "restore",
    "save_checkpoint",
    "load_checkpoint",
    "run_to_dir",
    "resume",
    "read_run",
    "stamped_frame",
    "write_result",
    "parquet_metadata",
]

FORMAT = 2  # 2: the open market (every firm's state, Mesa's agents); 1 held a single firm's
RUN_JSON = "run.json"
SCENARIO_TOML = "scenario.toml"
CHECKPOINT = "checkpoint.npz"
TIMESERIES = ("timeseries.csv", "timeseries.parquet")
LOCK = ".lock"

# Rebuilt by CXModel(scenario, seed), not stored: the scenario and what follows from it (the graph alone is 4 bytes
# per friendship end; the kernels' parameter bundles and the KPI columns come from the scenario), and observers' views.
REBUILT = {
    "params",
    "seed_value",
    "seed_key",
    "indptr",
    "indices",
    "columns",
    # kernel parameter bundles: built from the scenario in CXModel.__init__
    "engagement_weights",
    "service_params",
    "attitude_params",
    "send_params",
    "broadcast_params",
    "market_params",
    # the last week's phase results: for observers between weeks, not read by the next week
    "last_week",
}
# Saved on their own: the KPI rows (one array per column), the firms (each firm's state, below) and the record of
# CXModel.set_levers (``lever_changes``: week, firm and the changes, as JSON).
SAVED_APART = {"rows", "firms", "lever_changes"}
# A firm's attributes that CXModel(scenario, seed) rebuilds: its settings (checked against the scenario's) and
# its Mesa agents (rebuilt from the workforce arrays; their unique ids are saved in ``firms/<k>/employee_ids``).
FIRM_REBUILT = {"settings", "supervisors", "_employees"}
# What an employee or supervisor agent may hold besides Mesa's own attributes: its firm and its seat or team.
# They are views over the workforce arrays; anything more would be state this module does not save.
AGENT_VIEW = {"firm", "seat", "team"}
# Mesa's own state that changes while stepping; the rest of Mesa's attributes are machinery.
MESA_STATE = ("steps", "_time", "running", "agent_id_counter")
_MESA_BASE: dict[str, set[str]] = {}


class CheckpointError(ValueError):
    """A run directory or checkpoint that cannot be used, with a readable reason."""


def _mesa_base(kind: str) -> set[str]:
    """The attributes Mesa itself gives a model (``"model"``) or an agent (``"agent"``)."""
    if not _MESA_BASE:
        import mesa

        model = mesa.Model(rng=0)
        _MESA_BASE["model"] = set(vars(model))
        _MESA_BASE["agent"] = set(vars(mesa.Agent(model)))
    return _MESA_BASE[kind]


# ------------------------------------------------------------------ model state


def capture(model) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Everything that changes while a model runs, as arrays plus JSON-able metadata.

    The model's own state and each firm's are saved the same way (:func:`_capture_state`): arrays and
    NamedTuples of arrays (the market, a workforce) go to the arrays, numbers and flags to the metadata,
    deques (a firm's hiring pipeline and recent results) to the metadata with their items.

    Raises:
        CheckpointError: the model holds state of a kind this module does not
            know how to save (a new attribute type: extend :func:`capture`), a firm's
            settings differ from the scenario's, or a Mesa agent holds state of its own.
    """
    arrays: dict[str, np.ndarray] = {}
    skip = REBUILT | SAVED_APART | _mesa_base("model")
    state = _capture_state(model, "CXModel", "", skip, arrays)
    firms = []
    for k, (firm, (name, settings, _)) in enumerate(zip(model.firms, model.params.firms(), strict=True)):
        where = f"firms[{k}] ({firm.label})"
        if firm.settings != settings:
            raise CheckpointError(
                f"cannot save {where}: its settings were changed behind the scenario's back, and a checkpoint "
                "holds the firms' settings as the scenario has them; change levers during a run with "
                "CXModel.set_levers, which keeps the scenario in step"
            )
        _check_agents(firm, where)
        arrays[f"firms/{k}/employee_ids"] = _employee_ids(firm)
        skip = FIRM_REBUILT | _mesa_base("agent")
        firms.append({"name": name, **_capture_state(firm, where, f"firms/{k}/", skip, arrays)})
    frame = model.timeseries()
    for col in frame.columns:
        column = frame[col].to_numpy()
        if len(frame) == 0:
            column = np.zeros(0)  # week 0: no rows yet (an empty frame's columns are object dtype)
        elif column.dtype == object:
            raise CheckpointError(f"cannot save KPI column {col!r} (mixed or non-numeric values)")
        arrays[f"rows/{col}"] = column
    meta = {
        "format": FORMAT,
        "version": version(),
        "seed": model.seed_value,
        "scenario_toml": to_toml(model.params),
        "week": model.week,
        **state,
        "firms": firms,
        "rows": {"columns": list(frame.columns), "n": len(frame)},
        "lever_changes": _capture_lever_changes(model.lever_changes),
        "mesa": {
            **{k: getattr(model, k) for k in MESA_STATE},
            "rng": model.rng.bit_generator.state,
            "random": list(model.random.getstate()),
        },
        "graph_crc32": _graph_crc(model),
    }
    return arrays, meta


def _capture_state(obj, where: str, prefix: str, skip: set[str], arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """Save the attributes of ``obj`` (the model or a firm) not in ``skip``: arrays into ``arrays`` under
    ``prefix``, the rest as the JSON-able ``{"scalars": ..., "deques": ...}`` returned."""
    scalars: dict[str, Any] = {}
    deques: dict[str, Any] = {}
    for name, value in vars(obj).items():
        if name in skip:
            continue
        if isinstance(value, np.ndarray):
            arrays[f"{prefix}attr/{name}"] = value
        elif isinstance(value, np.generic):
            arrays[f"{prefix}scalar/{name}"] = np.asarray(value)
        elif _is_arrays(value):
            for field in value._fields:
                part = getattr(value, field)
                if not isinstance(part, np.ndarray):
                    raise CheckpointError(
                        f"cannot save {where}.{name}.{field} ({type(part).__name__}); if it follows from the "
                        "scenario, add it to cxsim.checkpoint.REBUILT"
                    )
                arrays[f"{prefix}{name}/{field}"] = part
        elif _is_scalar(value):
            scalars[name] = value
        elif isinstance(value, deque):
            deques[name] = _capture_deque(value, f"{where}.{name}")
        else:
            raise CheckpointError(
                f"cannot save {where}.{name} ({type(value).__name__}); teach cxsim.checkpoint about it"
            )
    return {"scalars": scalars, "deques": deques}


def _capture_lever_changes(changes: list) -> list[list]:
    """``model.lever_changes`` (``(week, firm, {key: value})`` of each :meth:`~cxsim.model.CXModel.set_levers`) as
    JSON. The changed settings themselves are in the scenario saved with them (``model.params`` follows every
    change); this is the record of when they changed, kept so a resumed model tells the same story."""
    out = []
    for week, firm, levers in changes:
        values = {k: v.item() if isinstance(v, np.generic) else v for k, v in levers.items()}
        bad = sorted(k for k, v in values.items() if not _is_scalar(v))
        if bad:
            raise CheckpointError(f"cannot save the lever change of week {week} ({', '.join(bad)}: not a plain value)")
        out.append([int(week), int(firm), values])
    return out


def _is_scalar(value) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


def _capture_deque(value: deque, where: str) -> dict[str, Any]:
    """A deque of numbers, or of lists or tuples of numbers (``[week, hires]``, ``(revenue, profit)``)."""
    kinds = {type(item) for item in value}
    items = list(value)
    if kinds <= {list, tuple} and len(kinds) <= 1 and all(_is_scalar(x) for item in items for x in item):
        item = kinds.pop().__name__ if kinds else "value"
        items = [list(i) for i in items]
    elif all(_is_scalar(i) for i in items):
        item = "value"
    else:
        raise CheckpointError(f"cannot save {where} (a deque of {', '.join(sorted(k.__name__ for k in kinds))})")
    return {"maxlen": value.maxlen, "item": item, "items": items}


def _restore_deque(saved: dict[str, Any]) -> deque:
    make = {"list": list, "tuple": tuple, "value": lambda x: x}[saved["item"]]
    return deque((make(i) for i in saved["items"]), maxlen=saved["maxlen"])


def _check_agents(firm, where: str) -> None:
    """The firm's Mesa agents are views the restore can rebuild: one employee per filled seat, nothing of their own."""
    filled = np.flatnonzero(firm.workforce.active)
    if sorted(firm._employees) != filled.tolist():
        raise CheckpointError(f"cannot save {where}: its employee agents do not match its filled seats")
    allowed = _mesa_base("agent") | AGENT_VIEW
    for agent in [*firm.supervisors, *firm._employees.values()]:
        extra = set(vars(agent)) - allowed
        if extra:
            raise CheckpointError(
                f"cannot save {where}: its agent {agent!r} holds {', '.join(sorted(extra))}; agents are views over "
                "the workforce arrays (keep state there, or teach cxsim.checkpoint about it)"
            )


def _employee_ids(firm) -> np.ndarray:
    """Each seat's employee agent's Mesa unique id (0: vacant)."""
    ids = np.zeros(firm.workforce.seats, np.int64)
    for seat, agent in firm._employees.items():
        ids[seat] = agent.unique_id
    return ids


def _is_arrays(value) -> bool:
    """A NamedTuple of state arrays (:class:`cxsim.state.Market`, :class:`cxsim.state.Workforce`)."""
    return isinstance(value, tuple) and hasattr(value, "_fields")


def _graph_crc(model) -> int:
    return zlib.crc32(model.indices.tobytes(), zlib.crc32(model.indptr.tobytes()))


def restore(model, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    """Put a captured state into ``model`` (built with the same scenario and seed), Mesa's agents included."""
    if _graph_crc(model) != meta["graph_crc32"]:
        raise CheckpointError("the friendship graph rebuilt from the scenario and seed differs from the saved run's")
    names = [f["name"] for f in meta["firms"]]
    if names != [f.name for f in model.firms]:
        raise CheckpointError(f"the checkpoint's firms {names} are not the scenario's {[f.name for f in model.firms]}")
    _restore_state(model, arrays, meta, "")
    for k, (firm, saved) in enumerate(zip(model.firms, meta["firms"], strict=True)):
        _restore_state(firm, arrays, saved, f"firms/{k}/")
    _rebuild_employees(model, [arrays[f"firms/{k}/employee_ids"] for k in range(len(model.firms))])
    columns = meta["rows"]["columns"]
    lists = [arrays[f"rows/{c}"].tolist() for c in columns]
    model.rows = [dict(zip(columns, values, strict=True)) for values in zip(*lists, strict=True)]
    if len(model.rows) != meta["rows"]["n"]:
        raise CheckpointError("checkpoint KPI rows are incomplete")
    model.lever_changes = [(week, firm, dict(levers)) for week, firm, levers in meta["lever_changes"]]
    mesa_state = meta["mesa"]
    _replay_mesa_clock(model, mesa_state["_time"])
    if model.steps != mesa_state["steps"]:
        raise CheckpointError(f"Mesa's clock could not be restored (steps {model.steps} != {mesa_state['steps']})")
    model.running = mesa_state["running"]
    model.agent_id_counter = mesa_state["agent_id_counter"]
    model.rng.bit_generator.state = mesa_state["rng"]
    version_, internal, gauss = mesa_state["random"]
    model.random.setstate((version_, tuple(internal), gauss))


def _restore_state(obj, arrays: dict[str, np.ndarray], saved: dict[str, Any], prefix: str) -> None:
    """Put back what :func:`_capture_state` saved of ``obj`` (the model, or a firm under ``firms/<k>/``)."""
    for key, value in arrays.items():
        if not key.startswith(prefix) or key.startswith(tuple(f"{prefix}{part}/" for part in SAVED_APART)):
            continue
        kind, _, name = key.removeprefix(prefix).partition("/")
        if kind == "attr":
            setattr(obj, name, value)
        elif kind == "scalar":
            setattr(obj, name, value[()])
        elif kind != "employee_ids":  # the firm's agents: rebuilt by _rebuild_employees
            getattr(getattr(obj, kind), name)[...] = value  # the state NamedTuples' arrays are filled in place
    for name, value in saved["scalars"].items():
        setattr(obj, name, value)
    for name, value in saved["deques"].items():
        setattr(obj, name, _restore_deque(value))


def _rebuild_employees(model, employee_ids: list[np.ndarray]) -> None:
    """One Employee agent per filled seat, with the unique id it had, created in the order they were (so
    ``model.agents_by_type[Employee]`` and each firm's employees list in the same order as in the saved run)."""
    from cxsim.agents import Employee

    for firm in model.firms:
        for agent in firm._employees.values():
            agent.remove()
        firm._employees = {}
    seats = [
        (int(ids[seat]), firm, int(seat))
        for firm, ids in zip(model.firms, employee_ids, strict=True)
        for seat in np.flatnonzero(ids)
    ]
    for unique_id, firm, seat in sorted(seats, key=lambda s: s[0]):
        if not firm.workforce.active[seat]:
            raise CheckpointError(f"checkpoint: {firm.label}'s employee at seat {seat} sits in a vacant seat")
        agent = Employee(firm, seat)
        agent.unique_id = unique_id
        firm._employees[seat] = agent
    for firm in model.firms:
        if len(firm._employees) != firm.workforce.size:
            raise CheckpointError(f"checkpoint: {firm.label} has filled seats without an employee")


def _replay_mesa_clock(model, until: float) -> None:
    """Bring Mesa's event clock to ``until`` without redoing the model's weeks.

    Mesa 3 steps through an event list (a step is an event at each whole
    time); setting ``steps``/``time`` directly would leave those events
    behind and the next ``step()`` would run all of them.
    """
    if until <= model.time:
        return
    user_step = model._user_step
    model._user_step = lambda: None
    try:
        model.run_for(until - model.time)
    finally:
        model._user_step = user_step


def save_checkpoint(model, path: str | os.PathLike) -> None:
    """Save ``model``'s state to one ``.npz`` file, atomically (temp name + rename)."""
    arrays, meta = capture(model)
    buf = io.BytesIO()
    payload = json.dumps(meta, allow_nan=True).encode("utf-8")
    np.savez(buf, __meta__=np.frombuffer(payload, dtype=np.uint8), **arrays)
    atomic.write_bytes(path, buf.getvalue())


def _read_checkpoint(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        meta = json.loads(arrays.pop("__meta__").tobytes().decode("utf-8"))
    except (OSError, ValueError, KeyError, UnicodeDecodeError, zlib.error) as exc:
        raise CheckpointError(f"{path}: not a readable cxsim checkpoint ({exc})") from None
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{path}: checkpoint format {meta.get('format')} is not {FORMAT}")
    return arrays, meta


def load_checkpoint(path: str | os.PathLike):
    """Rebuild a :class:`~cxsim.model.CXModel` from a checkpoint file, ready to ``step()`` on.

    Raises:
        CheckpointError: unreadable file, or saved by another cxsim version
            (the continued run would not match an uninterrupted one).
    """
    from cxsim.model import CXModel

    path = Path(path)
    arrays, meta = _read_checkpoint(path)
    _check_version(meta["version"], path)
    model = CXModel(scenario_from_toml(meta["scenario_toml"]), seed=meta["seed"])
    restore(model, arrays, meta)
    return model


def _check_version(saved: str, where: Path) -> None:
    if saved != version():
        raise CheckpointError(
            f"{where} was written by cxsim {saved}, this is cxsim {version()}: continuing it would not give the "
            f"same result as an uninterrupted run; resume it with cxsim {saved} or start the run again"
        )


# ------------------------------------------------------------------ outputs


def stamped_frame(result: Result) -> pd.DataFrame:
    """The weekly KPIs with the three columns that reproduce them: scenario, seed, version."""
    df = result.timeseries.copy()
    df.insert(0, "version", result.version)
    df.insert(0, "seed", result.seed)
    df.insert(0, "scenario", result.scenario.name)
    return df


def parquet_metadata(result: Result) -> dict[str, str]:
    """Key/value metadata stored in Parquet outputs: enough to rerun the file's run exactly."""
    return {
        "cxsim.version": result.version,
        "cxsim.seed": str(result.seed),
        "cxsim.scenario": result.scenario.name,
        "cxsim.scenario_toml": to_toml(result.scenario),
    }


def write_result(result: Result, target: str | os.PathLike) -> None:
    """Write a run's stamped KPIs to ``FILE.csv`` or ``FILE.parquet`` (atomically)."""
    atomic.write_frame(stamped_frame(result), target, metadata=parquet_metadata(result))


# --------------------------------------------------------------- run directory


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_run(out_dir: str | os.PathLike) -> dict[str, Any]:
    """The ``run.json`` of a run directory.

    Raises:
        CheckpointError: not a run directory, or an unreadable one.
    """
    out_dir = Path(out_dir)
    if not out_dir.exists():
        raise CheckpointError(f"{out_dir}: no such run directory")
    if not out_dir.is_dir():
        raise CheckpointError(f"{out_dir}: not a directory (resume takes the DIR given to 'cxsim run --out DIR')")
    path = out_dir / RUN_JSON
    if not path.exists():
        raise CheckpointError(f"{out_dir}: not a cxsim run directory (no {RUN_JSON})")
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{path}: unreadable ({exc})") from None
    missing = {"format", "seed", "steps", "version", "status", "scenario_sha256"} - set(info)
    if not isinstance(info, dict) or missing:
        raise CheckpointError(f"{path}: not a cxsim run file (missing {', '.join(sorted(missing))})")
    return info


@contextlib.contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    """Only one process works on a run directory at a time (the lock dies with its process)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, as before
        yield
        return
    with open(out_dir / LOCK, "a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CheckpointError(f"{out_dir}: another cxsim process is running this run right now") from None
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def run_to_dir(
    out_dir: str | os.PathLike,
    scenario: Scenario,
    seed: int = 0,
    steps: int | None = None,
    checkpoint_every: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Result:
    """Run ``scenario`` into a new run directory, checkpointing every ``checkpoint_every`` weeks.

    The result (and every file in ``out_dir``) is identical to
    ``cxsim.run(scenario, seed, steps)``'s, however often the run is killed
    and resumed.

    Raises:
        CheckpointError: ``out_dir`` already holds a run or other files.
    """
    out_dir = Path(out_dir)
    steps = scenario.sim.weeks if steps is None else int(steps)
    if steps < 1:
        raise CheckpointError(f"steps must be at least 1, got {steps}")
    if checkpoint_every is not None and checkpoint_every < 1:
        raise CheckpointError(f"checkpoint_every must be at least 1 week, got {checkpoint_every}")
    if out_dir.exists() and not out_dir.is_dir():
        raise CheckpointError(f"{out_dir}: exists and is not a directory")
    if out_dir.is_dir():
        if (out_dir / RUN_JSON).exists():
            raise CheckpointError(
                f"{out_dir} already holds a run: continue it with 'cxsim resume {out_dir}' or choose a new directory"
            )
        if any(p.name != LOCK for p in out_dir.iterdir()):
            raise CheckpointError(f"{out_dir} is not empty: choose a new (or empty) directory for the run")
    out_dir.mkdir(parents=True, exist_ok=True)
    from cxsim.model import CXModel

    toml = to_toml(scenario)
    info = {
        "format": FORMAT,
        "scenario": scenario.name,
        "scenario_sha256": _sha(toml),
        "seed": int(seed),
        "steps": steps,
        "checkpoint_every": checkpoint_every,
        "version": version(),
        "status": "running",
        "week": 0,
    }
    with _locked(out_dir):
        atomic.write_text(out_dir / SCENARIO_TOML, toml)
        atomic.write_json(out_dir / RUN_JSON, info)
        return _continue(out_dir, CXModel(scenario, seed=seed), info, progress)


def resume(out_dir: str | os.PathLike, progress: Callable[[int, int], None] | None = None) -> Result:
    """Continue a run directory from its last checkpoint to the end (or from week 0 if it had none).

    A finished run is not rerun: its result is read back from its files.

    Raises:
        CheckpointError: not a run directory, written by another cxsim
            version, its scenario.toml edited since, or being run right now.
    """
    from cxsim.model import CXModel

    out_dir = Path(out_dir)
    info = read_run(out_dir)
    _check_version(info["version"], out_dir)
    try:
        toml = (out_dir / SCENARIO_TOML).read_text(encoding="utf-8")
        scenario = scenario_from_toml(toml)
    except (OSError, ScenarioError) as exc:
        raise CheckpointError(f"{out_dir / SCENARIO_TOML}: cannot use it ({exc})") from None
    if _sha(toml) != info["scenario_sha256"]:
        raise CheckpointError(
            f"{out_dir / SCENARIO_TOML} was changed after the run started; "
            "a resumed run must use the scenario it started with"
        )
    with _locked(out_dir):
        if info["status"] != "running":
            return _read_result(out_dir, scenario, info)
        checkpoint = out_dir / CHECKPOINT
        if checkpoint.exists():
            model = load_checkpoint(checkpoint)
            if model.params != scenario or model.seed_value != info["seed"]:
                raise CheckpointError(f"{checkpoint} belongs to another scenario or seed than {out_dir / RUN_JSON}")
        else:
            model = CXModel(scenario, seed=info["seed"])
        return _continue(out_dir, model, info, progress)


def _continue(out_dir: Path, model, info: dict[str, Any], progress) -> Result:
    """The model's run loop (:meth:`~cxsim.model.CXModel.run_weeks`, as :func:`cxsim.run.run`), with a checkpoint
    every N weeks; none at the last week or after bankruptcy, where the finished files say it all."""
    steps, every = info["steps"], info.get("checkpoint_every")

    def checkpoint(model) -> None:
        if model.week % every == 0 and model.week < steps and not model.bankrupt:
            save_checkpoint(model, out_dir / CHECKPOINT)
            _write_outputs(out_dir, model, info)
            atomic.write_json(out_dir / RUN_JSON, {**info, "week": model.week, "checkpoint_week": model.week})

    model.run_weeks(steps, progress=progress, after_week=checkpoint if every else None)
    result = _write_outputs(out_dir, model, info)
    final = {**info, "week": model.week, "status": "bankrupt" if model.bankrupt else "done"}
    final.pop("checkpoint_week", None)
    atomic.write_json(out_dir / RUN_JSON, final)
    with contextlib.suppress(FileNotFoundError):
        (out_dir / CHECKPOINT).unlink()  # the finished files say it all; a stale state would only confuse
    return result


def _write_outputs(out_dir: Path, model, info: dict[str, Any]) -> Result:
    result = Result(
        scenario=model.params, seed=info["seed"], timeseries=model.timeseries(), bankrupt_week=model.bankrupt_week
    )
    for name in TIMESERIES:
        write_result(result, out_dir / name)
    return result


def _read_result(out_dir: Path, scenario: Scenario, info: dict[str, Any]) -> Result:
    path = out_dir / TIMESERIES[1]
    try:
        df = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{path}: cannot read the finished run's KPIs ({exc})") from None
    ts = df.drop(columns=["scenario", "seed", "version"]).reset_index(drop=True)
    bankrupt_week = int(ts["week"].iloc[-1]) if info["status"] == "bankrupt" and len(ts) else None
    return Result(
        scenario=scenario, seed=info["seed"], timeseries=ts, version=info["version"], bankrupt_week=bankrupt_week
    )
