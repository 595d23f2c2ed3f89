"""Per-session state of the web UI and the background jobs that fill it.

Solara scopes module-level reactive variables and tasks to the browser
session (its virtual kernel): two strategists on the same server each have
their own scenarios, runs and live model. Jobs run in a background thread
(``solara.lab.task``), report progress, can be stopped between batches of
seeds, and refuse a second start while one is running. The what-if's and the
Why page's runs go through the server's shared run queue and cache
(:mod:`cxsim.ui.serving`): a run any session has asked for is computed once,
and a waiting session sees its place in the queue.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

import solara
import solara.lab

from cxsim.comparison import Comparison
from cxsim.params import Scenario
from cxsim.runqueue import Cancelled, RunError
from cxsim.scenario import ScenarioError, load_scenario, scenario_from_toml, shipped_scenarios
from cxsim.scenario import diff as scenario_diff
from cxsim.ui import analysis, serving

DEFAULT_BASE = "baseline"
DEFAULT_SEEDS = 8
MAX_SEEDS = 64


def _initial_base() -> Scenario:
    try:
        return load_scenario(DEFAULT_BASE)
    except ScenarioError:  # a checkout without baseline.toml still opens the page
        return Scenario(name=DEFAULT_BASE)


_b0 = _initial_base()
base = solara.reactive(_b0)  # the scenario runs are compared against
variant = solara.reactive(_b0)  # the base with the levers the user moved
base_source = solara.reactive(DEFAULT_BASE)  # shipped name, or "uploaded: file.toml"
#: what the variant started from: LEVERS_ONLY (the base), a shipped scenario's name, or "uploaded: file.toml"
LEVERS_ONLY = "the base + the levers you move"
variant_source = solara.reactive(LEVERS_ONLY)
seeds = solara.reactive(DEFAULT_SEEDS)
weeks = solara.reactive(_b0.sim.weeks)
notice = solara.reactive("")  # one line saying what was just loaded
upload_error = solara.reactive("")


@dataclass
class RunView:
    """What the what-if page shows: a comparison, complete or over the seeds finished so far."""

    comparison: Comparison
    seeds_planned: int
    complete: bool
    stopped: bool = False


result = solara.reactive(None)  # RunView | None
run_error = solara.reactive("")
run_progress = solara.reactive(0.0)  # 0..100
run_status = solara.reactive("")
why_result = solara.reactive(None)  # (Comparison, Decomposition) | None
why_error = solara.reactive("")
why_progress = solara.reactive(0.0)
why_kpi = solara.reactive("nps")
why_method = solara.reactive("auto")

# Stop requests are per session; an Event read from the worker thread needs no kernel context.
_stop_run = solara.reactive(None)
_stop_why = solara.reactive(None)


def shipped() -> dict[str, str]:
    """Shipped scenario names and descriptions (re-read each time: files may be added while the server runs)."""
    return shipped_scenarios()


# ---------------------------------------------------------------- scenario edits


def set_base(scenario: Scenario, source: str, *, keep_levers: bool = False) -> None:
    """Make ``scenario`` the base; the variant starts equal to it (or keeps the changed levers)."""
    changes = {k: v[1] for k, v in scenario_diff(base.value, variant.value).items()} if keep_levers else {}
    base.set(scenario)
    base_source.set(source)
    variant_source.set(LEVERS_ONLY)
    try:
        variant.set(scenario.override(changes) if changes else scenario)
    except ScenarioError:
        variant.set(scenario)
    weeks.set(scenario.sim.weeks)


def pick_base(name: str) -> None:
    """Load a shipped scenario by name as the base."""
    set_base(load_scenario(name), name)
    notice.set(f"Base scenario: {name}")


def pick_variant(name: str) -> None:
    """Compare the base with a shipped scenario (e.g. base ``hr_led``, variant ``supervisor_led``).

    ``LEVERS_ONLY`` goes back to the base itself, ready for levers to be moved.
    """
    if name == LEVERS_ONLY:
        variant.set(base.value)
        notice.set("")
    else:
        variant.set(load_scenario(name))
        notice.set(f"Variant: {name}, compared with {base_source.value}. Press Run.")
    variant_source.set(name)


def set_lever(key: str, value) -> str:
    """Change one lever of the variant; returns an error message ('' when valid)."""
    try:
        variant.set(variant.value.override({key: value}))
    except ScenarioError as exc:
        return str(exc)
    return ""


def reset_levers() -> None:
    variant.set(base.value)
    variant_source.set(LEVERS_ONLY)


def load_pair(a: str, b: str) -> None:
    """Base = shipped scenario ``a``, variant = ``b``: the what-if page then compares the two."""
    sa, sb = load_scenario(a), load_scenario(b)
    base.set(sa)
    base_source.set(a)
    variant.set(sb)
    variant_source.set(b)
    weeks.set(sa.sim.weeks)
    notice.set(f"Loaded lesson: {a} (baseline) vs {b} (variant). Press Run.")


def load_uploaded(name: str, data: bytes) -> bool:
    """Load a TOML upload as the variant (on top of its ``extends`` base, or the current base).

    Invalid files leave everything as it was and put the validation message in ``upload_error``.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        upload_error.set(f"{name}: not a text (UTF-8) file; upload a scenario .toml")
        return False
    try:
        scenario = scenario_from_toml(text)
    except ScenarioError as exc:
        upload_error.set(f"{name}: {exc}")
        return False
    upload_error.set("")
    parent = _extends(text)
    if parent is not None:
        try:
            base.set(load_scenario(parent))
            base_source.set(parent)
        except ScenarioError:
            pass
    if scenario.name == "custom":
        scenario = scenario.override({"name": name.rsplit(".", 1)[0] or "uploaded"})
    variant.set(scenario)
    variant_source.set(f"uploaded: {name}")
    weeks.set(scenario.sim.weeks)
    notice.set(f"Loaded {name} as the variant (compared with {base_source.value}).")
    return True


def use_uploaded_as_base() -> None:
    """Make the current variant (e.g. an upload) the new base."""
    set_base(variant.value, f"uploaded: {variant.value.name}")


def _extends(text: str) -> str | None:
    import tomllib

    try:
        value = tomllib.loads(text).get("extends")
    except tomllib.TOMLDecodeError:
        return None
    return value if isinstance(value, str) else None


def variant_toml() -> str:
    """The variant as a scenario file: ``extends`` the base (when shipped) and lists only the changes."""
    v = variant.value
    if v.name in ("custom", base.value.name):
        v = v.override({"name": f"{base.value.name}_variant"})
    if base_source.value in shipped():
        return v.to_toml(only_changes_from=base.value)
    return v.to_toml()


# -------------------------------------------------------------------- the run


def _stopping(event_holder) -> bool:
    ev = event_holder
    return ev is not None and ev.is_set()


@solara.lab.task(prefer_threaded=True)
def run_task(a: Scenario, b: Scenario, n_seeds: int, steps: int) -> None:
    stop = threading.Event()
    with serving.one_redraw():  # each redraw of a page costs the server; a class has 30 pages
        _stop_run.set(stop)
        run_error.set("")
        run_progress.set(0.0)
        run_status.set("starting (the first run after the server starts loads the compiled model)")
        why_result.set(None)

    def partial(c: Comparison) -> None:
        result.set(RunView(c, n_seeds, complete=len(c.seeds) >= n_seeds))

    ticket = None
    done_runs = [0, 2 * n_seeds]
    shown_at = [-math.inf]

    def show() -> None:
        # at most every serving.update_every() seconds (longer when many sessions wait), one redraw for both values
        if time.monotonic() - shown_at[0] < serving.update_every():
            return
        shown_at[0] = time.monotonic()
        done, total = done_runs
        line = f"{done} of {total} runs done ({n_seeds} seeds x 2 scenarios, {steps} weeks each)"
        waiting = serving.queue_line(ticket) if ticket is not None else ""
        with serving.one_redraw():
            run_progress.set(100.0 * done / total)
            run_status.set(f"{waiting}; {line}" if waiting else line)

    def progress(done: int, total: int) -> None:
        done_runs[:] = [done, total]
        show()

    def queued(t) -> None:  # the shared queue: this session's place in it, while its runs wait
        nonlocal ticket
        ticket = t
        show()

    try:
        final = analysis.progressive_compare(
            a,
            b,
            n_seeds,
            steps,
            on_partial=partial,
            on_progress=progress,
            should_stop=stop.is_set,
            queue=serving.queue(),
            session=serving.session_id(),
            on_queue=queued,
            partial_every=serving.partial_every,
        )
        note = serving.cache_note(ticket) if ticket is not None else ""
        with serving.one_redraw():
            result.set(RunView(final, n_seeds, complete=True))
            run_progress.set(100.0)
            run_status.set(f"done: {n_seeds} paired seeds x {steps} weeks{note}")
    except analysis.Stopped:
        with serving.one_redraw():
            if result.value is not None:
                result.set(RunView(result.value.comparison, n_seeds, complete=False, stopped=True))
            run_status.set("stopped")
    except (ScenarioError, ValueError, RunError) as exc:
        with serving.one_redraw():
            run_error.set(str(exc))
            run_status.set("")


def start_run() -> bool:
    """Start baseline vs variant; a click while a run is going does nothing (returns False)."""
    if run_task.pending:
        return False
    n = int(seeds.value)
    w = int(weeks.value)
    if not 2 <= n <= MAX_SEEDS:
        run_error.set(f"seeds must be between 2 and {MAX_SEEDS} (a confidence interval needs at least 2 paired seeds)")
        return False
    if not 1 <= w <= 5200:
        run_error.set("weeks must be between 1 and 5200")
        return False
    with serving.one_redraw():
        result.set(None)
        notice.set("")  # "... Press Run." is done with once the run starts
    run_task(base.value, variant.value, n, w)
    return True


def stop_run() -> None:
    ev = _stop_run.value
    if ev is not None:
        ev.set()
        run_status.set("stopping after the current batch of seeds ...")


# ------------------------------------------------------------------------ why


@solara.lab.task(prefer_threaded=True)
def why_task(comparison: Comparison, method: str) -> None:
    stop = threading.Event()
    _stop_why.set(stop)
    why_error.set("")
    why_progress.set(0.0)

    def progress(done: int, total: int) -> None:
        why_progress.set(100.0 * done / total)

    session = serving.session_id()

    def runs(scenario: Scenario, seeds: list[int], steps: int):  # through the shared queue and cache
        return serving.queue().run_many(session, scenario, seeds, steps, should_stop=stop.is_set)

    try:
        d = analysis.decompose(comparison, method, on_progress=progress, should_stop=stop.is_set, runs=runs)
        why_result.set((comparison, d))
    except (analysis.Stopped, Cancelled):
        why_error.set("stopped")
    except (ScenarioError, ValueError, RunError) as exc:
        why_error.set(str(exc))


def start_why() -> bool:
    """Decompose the last complete comparison; ignored while a decomposition is running."""
    if why_task.pending:
        return False
    view = result.value
    if view is None or not view.complete:
        why_error.set("run a complete what-if first (What-if page, Run)")
        return False
    why_task(view.comparison, why_method.value)
    return True


def stop_why() -> None:
    ev = _stop_why.value
    if ev is not None:
        ev.set()


# ---------------------------------------------------------- over a posterior

DEFAULT_DRAWS = 12  # cxsim.fit.whatif.DEFAULT_DRAWS, DEFAULT_SEEDS (not imported: the fit package loads on use)
DEFAULT_DRAW_SEEDS = 4
MAX_DRAWS = 200

posterior_path = solara.reactive("")  # what the user typed
posterior = solara.reactive(None)  # cxsim.fit.Posterior | None: the fit read from posterior_path
posterior_info = solara.reactive("")  # "N unknowns, fitted ..., from ..." when it is valid
posterior_error = solara.reactive("")  # the PosteriorError message when it is not
draws = solara.reactive(DEFAULT_DRAWS)
draw_seeds = solara.reactive(DEFAULT_DRAW_SEEDS)
posterior_result = solara.reactive(None)  # cxsim.fit.whatif.PosteriorComparison | None
posterior_run_error = solara.reactive("")
posterior_progress = solara.reactive(0.0)  # 0..100
posterior_status = solara.reactive("")
_stop_posterior = solara.reactive(None)


def set_posterior_path(text: str) -> bool:
    """Read the fit in folder ``text`` (checked as it is entered); '' forgets the posterior. True when usable."""
    from cxsim.fit import PosteriorError

    text = (text or "").strip()
    posterior_path.set(text)
    posterior_error.set("")
    posterior_info.set("")
    posterior_run_error.set("")
    if not text:
        posterior.set(None)
        return False
    try:
        post = analysis.load_posterior(text)
    except PosteriorError as exc:
        posterior.set(None)
        posterior_error.set(str(exc))
        return False
    posterior.set(post)
    posterior_info.set(analysis.describe_posterior(post))
    return True


@solara.lab.task(prefer_threaded=True)
def posterior_task(a: Scenario, b: Scenario, post, n_draws: int, n_seeds: int, steps: int) -> None:
    stop = threading.Event()
    _stop_posterior.set(stop)
    posterior_run_error.set("")
    posterior_progress.set(0.0)
    posterior_status.set("starting")

    def progress(done: int, total: int) -> None:
        posterior_progress.set(100.0 * done / total)
        posterior_status.set(
            f"{done} of {total} runs done ({n_draws} draws x {n_seeds} seeds x 2 scenarios, {steps} weeks each)"
        )

    try:
        c = analysis.posterior_compare(
            a, b, post, n_draws, n_seeds, steps, on_progress=progress, should_stop=stop.is_set
        )
        posterior_result.set(c)
        posterior_status.set(f"done: {n_draws} posterior draws x {n_seeds} paired seeds x {steps} weeks")
    except analysis.Stopped:
        posterior_status.set("stopped (an answer over the posterior needs every draw: run it again)")
    except (ScenarioError, ValueError) as exc:
        posterior_run_error.set(str(exc))
        posterior_status.set("")


def start_posterior_run() -> bool:
    """Run baseline vs variant over the posterior; ignored while one is running (returns False)."""
    if posterior_task.pending:
        return False
    post = posterior.value
    n, s, w = int(draws.value), int(draw_seeds.value), int(weeks.value)
    if post is None:
        posterior_run_error.set("type the folder of a fit (the --out folder of cxsim fit) first")
        return False
    if not 2 <= n <= MAX_DRAWS:
        posterior_run_error.set(f"draws must be between 2 and {MAX_DRAWS}")
        return False
    if not 2 <= s <= MAX_SEEDS:
        posterior_run_error.set(
            f"seeds per draw must be between 2 and {MAX_SEEDS} (telling a draw's difference from noise needs 2)"
        )
        return False
    if not 1 <= w <= 5200:
        posterior_run_error.set("weeks must be between 1 and 5200")
        return False
    posterior_result.set(None)
    posterior_task(base.value, variant.value, post, n, s, w)
    return True


def stop_posterior_run() -> None:
    ev = _stop_posterior.value
    if ev is not None:
        ev.set()
        posterior_status.set("stopping after the current run ...")
