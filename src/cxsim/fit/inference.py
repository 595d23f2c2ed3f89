"""The inference behind ``cxsim fit``: ABC-SMC (pyabc) over the firm's unknowns.

Why ABC-SMC with pyabc (docs/fit.md says it at length): the model is a stochastic simulator
with no likelihood; a profile's default unknowns are every calibratable weight (149 today), most of
which a handful of KPIs cannot pin down. Sequential Monte Carlo ABC copes with that many
dimensions (its cost grows with the acceptance rate, not the dimension), returns a weighted
sample of the posterior, and runs a generation as independent simulations, which is what a
local process pool or a Dask cluster does well. BOLFI (ELFI) fits a Gaussian-process
surrogate of the distance, which needs far fewer simulations but is practical only up to
about ten unknowns.

How it is set up here:

- **Prior**: each unknown is uniform on its prior range. pyabc samples it on the logit scale
  (``x = lo + (hi - lo) / (1 + exp(-u))`` with ``u`` standard logistic, which is exactly
  uniform in ``x``), so the SMC's Gaussian perturbations never leave the prior's support:
  in ~150 dimensions almost every perturbation on the original scale would leave it.
- **Distance**: the root mean square of the z-scores (simulated - observed) / sd over every
  target (and every block of the KPI history). 1.0 = one sd off on average.
- **Simulation**: the firm at the fit's scale, ``burn_in + window`` weeks, one seed derived
  from the parameter values (so the same particle always gives the same figures).
- **Reproducible**: :class:`SeededMappingSampler` gives every job its own seed from the
  fit's seed, so the same profile, seed and version give the same posterior, on any number
  of local processes or Dask workers.
- **Budget**: stops at ``min_epsilon``, after ``max_simulations``, or at ``max_minutes``
  (a generation cut short by the clock is dropped; the posterior is the last whole one).
"""

from __future__ import annotations

import hashlib
import math
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxsim.fit.profile import Profile, ProfileError
from cxsim.fit.targets import history_blocks, measure, rms_z, simulated_blocks
from cxsim.params import FIRM_SECTION_NAMES, Scenario, parameters
from cxsim.scenario import ScenarioError

FAR = 1e6  # the distance of a particle that cannot be simulated (a bankrupt firm, an invalid combination)


# ------------------------------------------------------------------ parameters


def pyabc_name(index: int) -> str:
    """pyabc's name for the ``index``-th unknown (short and free of dots, which its database dislikes)."""
    return f"u{index:03d}"


def to_value(u: float, lo: float, hi: float) -> float:
    """The unknown's value from its logit-scale coordinate ``u``."""
    return lo + (hi - lo) / (1.0 + math.exp(-max(-700.0, min(700.0, u))))


def _integer_keys() -> set[str]:
    return {key for key, f in parameters() if f.annotation is int}


def apply_draw(scenario: Scenario, draw: dict[str, float]) -> Scenario:
    """``scenario`` with the unknowns set to ``draw``'s values.

    Unknowns are facts about how the world works (how strongly coaching feeds engagement), so a
    firm-section unknown is set for every firm in the market, the rivals too. Whole-number
    parameters are rounded.

    Raises:
        ScenarioError: the combination breaks a rule of the schema (a base probability times its
            ratio above 1, say).
    """
    ints = _integer_keys()
    changes: dict[str, Any] = {}
    for key, value in draw.items():
        value = int(round(value)) if key in ints else float(value)
        changes[key] = value
        section = key.split(".", 1)[0]
        if section in FIRM_SECTION_NAMES:
            for rival in scenario.rivals:
                changes[f"rivals.{rival}.{key}"] = value
    return scenario.override(changes)


def particle_seed(values: list[float], fit_seed: int) -> int:
    """The simulation seed of a particle: a hash of its values and the fit's seed."""
    text = ",".join(f"{v:.12g}" for v in values) + f";{fit_seed}"
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little") >> 1


# ------------------------------------------------------------------ the model pyabc calls


@dataclass
class Simulator:
    """What pyabc calls with a particle: run the scaled firm and measure the targets (picklable)."""

    scenario: Scenario  # the firm at the fit's scale
    keys: list[str]  # the unknowns, in pyabc order
    priors: list[tuple[float, float]]
    target_names: list[str]
    history_keys: list[str]
    burn_in: int
    window: int
    fit_seed: int

    def values(self, particle: dict[str, float]) -> list[float]:
        return [to_value(float(particle[pyabc_name(i)]), lo, hi) for i, (lo, hi) in enumerate(self.priors)]

    def valid(self, particle: dict[str, float]) -> bool:
        """Whether the particle's values make a scenario the schema accepts."""
        try:
            apply_draw(self.scenario, dict(zip(self.keys, self.values(particle), strict=True)))
        except ScenarioError:
            return False
        return True

    def __call__(self, particle: dict[str, float]) -> dict[str, float]:
        from cxsim.run import run

        values = self.values(particle)
        stats = dict.fromkeys(self.target_names + self.history_keys, float("nan"))
        try:
            scenario = apply_draw(self.scenario, dict(zip(self.keys, values, strict=True)))
        except ScenarioError:
            return stats  # outside the schema's joint rules: treated as infinitely far
        result = run(scenario, seed=particle_seed(values, self.fit_seed), steps=self.burn_in + self.window)
        ts = result.timeseries
        stats.update(measure(ts, self.target_names, self.burn_in + 1, self.burn_in + self.window))
        stats.update(simulated_blocks(ts, self.history_keys, self.burn_in))
        return stats


@dataclass
class Distance:
    """RMS z-score of a simulation's figures against the firm's (picklable, for pyabc)."""

    sds: dict[str, float]

    def __call__(self, simulated: dict, observed: dict, *_: Any) -> float:
        d = rms_z(simulated, observed, self.sds)
        return d if math.isfinite(d) else FAR


def observations(profile: Profile) -> tuple[dict[str, float], dict[str, float]]:
    """The firm's figures and their sds, keyed as the simulator's output is."""
    observed = {name: t.value for name, t in profile.targets.items()}
    sds = {name: t.sd for name, t in profile.targets.items()}
    if profile.history is not None:
        blocks = history_blocks(profile.history, profile.settings.history_block)
        observed.update(blocks)
        sds.update({key: profile.history_sd[key.split("@")[0]] for key in blocks})
    return observed, sds


def simulator_for(profile: Profile, keys: list[str] | None = None) -> Simulator:
    """The simulator of ``profile`` over ``keys`` (default: every free unknown; the others keep the scenario's values)."""
    observed, _ = observations(profile)
    s = profile.settings
    keys = list(profile.free) if keys is None else keys
    return Simulator(
        scenario=profile.fit_scenario(),
        keys=keys,
        priors=[profile.free[k] for k in keys],
        target_names=list(profile.targets),
        history_keys=[k for k in observed if "@" in k],
        burn_in=s.burn_in,
        window=s.window,
        fit_seed=s.seed,
    )


# ------------------------------------------------------------------ the sampler


def _job(args: tuple) -> tuple[Any, int]:
    """One job of a generation: simulate particles until one is accepted, or the job's budget ends.

    Runs in a worker (a local process or a Dask worker). Returns the sample and the number of
    simulations; a job that ran out of budget returns a sample with no accepted particle.
    """
    import cloudpickle

    from cxsim.parallel import set_threads

    set_threads(1)  # parallel across simulations, never inside one (a Dask worker's pool would oversubscribe)
    simulate_one, sample_factory = cloudpickle.loads(args[0])
    seed, cap, deadline = args[1:]
    np.random.seed(seed % 2**32)
    random.seed(seed)
    sample = sample_factory()
    n = 0
    while n < cap and time.time() < deadline:
        particle = simulate_one()
        n += 1
        sample.append(particle)
        if particle.accepted:
            break
    return sample, n


@dataclass
class GenerationProgress:
    """What the progress callback is told after every finished job."""

    generation: int  # -2: the screening sample from the prior; then 0, 1, ... the SMC's generations
    accepted: int
    population: int
    simulations: int  # in the whole fit so far
    elapsed: float  # seconds


class Runner:
    """Where a fit's jobs run: this process, a local process pool, or a Dask cluster."""

    def __init__(self, workers: int = 1, scheduler: str | None = None, timeout: float = 20.0):
        self.workers = max(1, int(workers))
        self.scheduler = scheduler
        self.timeout = timeout
        self._pool = None
        self._client = None

    def describe(self) -> str:
        if self.scheduler:
            return f"Dask cluster at {self.scheduler}"
        return "this process" if self.workers == 1 else f"{self.workers} local processes"

    def start(self) -> None:
        from cxsim.parallel import process_pool, set_threads

        if self.scheduler:
            from cxsim.sweep.execute import connect

            self._client, _ = connect(self.scheduler, self.timeout, ProfileError)
        elif self.workers > 1:
            from cxsim.sweep.execute import init_local_worker

            # workers die with this process (even by SIGKILL) and leave Ctrl-C to it, as a sweep's do
            self._pool = process_pool(self.workers, initializer=init_local_worker)
        else:
            set_threads(1)  # a fit is parallel across simulations, never inside one

    def submit(self, fn: Callable, arg: Any):
        if self._client is not None:
            return self._client.submit(fn, arg, pure=False)
        if self._pool is not None:
            return self._pool.submit(fn, arg)
        return _Done(fn(arg))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        if self._client is not None:
            self._client.close()
            self._client = None


class _Done:
    """A finished future (the in-process runner computes at submit time)."""

    def __init__(self, value: Any):
        self._value = value

    def result(self) -> Any:
        return self._value


def _ordered_results(futures: list, on_done: Callable[[Any], None]) -> list:
    """Results of ``futures`` in submission order, calling ``on_done`` as each finishes."""
    pending = dict(enumerate(futures))
    results: dict[int, Any] = {}
    while pending:
        for i in [i for i, f in pending.items() if not hasattr(f, "done") or f.done()]:
            results[i] = pending.pop(i).result()
            on_done(results[i])
        if pending:
            time.sleep(0.02)
    return [results[i] for i in range(len(futures))]


def seeded_mapping_sampler(
    runner: Runner, seed: int, deadline: float, progress: Callable | None, done: int = 0, started: float | None = None
):
    """A pyabc sampler that maps a generation's jobs onto ``runner``, each job seeded from ``seed``."""
    import cloudpickle
    from pyabc.sampler import Sampler

    class SeededMappingSampler(Sampler):
        def __init__(self):
            super().__init__()
            self.seeds = np.random.SeedSequence(seed)
            self.generation = 0
            self.simulations = done  # simulations before the SMC (the screening)
            self.started = time.time() if started is None else started
            self.cut_short = False

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
            job_seeds = [int(s.generate_state(1, np.uint64)[0]) for s in self.seeds.spawn(n)]
            cap = math.inf if not math.isfinite(max_eval) else max(1, math.ceil(max_eval / n))
            payload = cloudpickle.dumps((simulate_one, self.sample_factory))
            futures = [runner.submit(_job, (payload, s, cap, deadline)) for s in job_seeds]
            accepted = 0

            def done(result) -> None:
                nonlocal accepted
                sample, count = result
                self.simulations += count
                accepted += sample.n_accepted
                if progress is not None:
                    progress(
                        GenerationProgress(self.generation, accepted, n, self.simulations, time.time() - self.started)
                    )

            results = _ordered_results(futures, done)
            self.generation += 1
            sample = self._create_empty_sample()
            for part, _ in results:
                sample += part
            self.nr_evaluations_ = sum(count for _, count in results)
            if sample.n_accepted < n:
                self.cut_short = True
                sample.ok = False  # a job ran out of time or budget: pyabc stops and keeps the last generation
            return sample

    return SeededMappingSampler()


# ------------------------------------------------------------------ screening

#: A free unknown is fitted by the SMC's kernels when its rank correlation with some target, over the
#: screening sample from the prior, reaches SCREEN_RHO (at most MAX_FITTED of them, the strongest first).
#: With 150 prior draws the largest of ~150 x 6 chance correlations is about 0.26, hence 0.3.
SCREEN_RHO = 0.3
MAX_FITTED = 12


def _simulate_batch(args: tuple) -> list[dict[str, float]]:
    """Simulate a list of particles (a screening job, run in a worker)."""
    import cloudpickle

    from cxsim.parallel import set_threads

    set_threads(1)
    simulator = cloudpickle.loads(args[0])
    return [simulator(particle) for particle in args[1]]


@dataclass
class Screening:
    """Which unknowns the targets move, from simulations drawn from the prior."""

    table: pd.DataFrame  # key, rho (largest |rank correlation| with a target), target, fitted
    fitted: list[str]  # the unknowns the SMC's kernels fit (in declared order)
    median_distance: float  # the first threshold of the SMC
    simulations: int


def screen(
    simulator: Simulator,
    prior,
    observed: dict[str, float],
    sds: dict[str, float],
    runner: Runner,
    population: int,
    progress: Callable[[GenerationProgress], None] | None,
    started: float,
) -> Screening:
    """Draw ``population`` particles from the prior, simulate them, and rank the unknowns by how much they
    move the simulated targets (Spearman rank correlation). An unknown no target moves cannot be learnt
    from these targets; the SMC proposes it from its prior, and its posterior is its prior."""
    import cloudpickle

    particles = [dict(prior.rvs()) for _ in range(population)]
    payload = cloudpickle.dumps(simulator)
    chunk = max(1, population // 30)
    batches = [particles[i : i + chunk] for i in range(0, population, chunk)]
    futures = [runner.submit(_simulate_batch, (payload, batch)) for batch in batches]
    done_count = 0

    def done(result) -> None:
        nonlocal done_count
        done_count += len(result)
        if progress is not None:
            progress(GenerationProgress(-2, done_count, population, done_count, time.time() - started))

    stats = pd.DataFrame([st for batch in _ordered_results(futures, done) for st in batch])
    distance = Distance(sds)
    d = np.array([distance(st, observed) for st in stats.to_dict("records")])
    finite = d < FAR
    u = pd.DataFrame(particles)
    rows = []
    for i, key in enumerate(simulator.keys):
        best, where = 0.0, ""
        x = u[pyabc_name(i)][finite].rank().to_numpy()
        for target in observed:
            y = stats[target][finite].rank().to_numpy()
            if len(x) > 2 and np.ptp(x) > 0 and np.ptp(y) > 0:
                rho = abs(float(np.corrcoef(x, y)[0, 1]))
                if rho > best:
                    best, where = rho, target
        rows.append({"key": key, "rho": best, "target": where})
    table = pd.DataFrame(rows)
    if len(simulator.keys) <= MAX_FITTED:
        chosen = set(simulator.keys)  # a short [free] list is fitted as given
    else:
        strong = table[table["rho"] >= SCREEN_RHO].sort_values("rho", ascending=False)
        chosen = set(strong["key"].head(MAX_FITTED)) or {table.loc[table["rho"].idxmax(), "key"]}
    table["fitted"] = table["key"].isin(chosen)
    fitted = [k for k in simulator.keys if k in chosen]
    median = float(np.median(d[finite])) if finite.any() else FAR
    return Screening(table.sort_values("rho", ascending=False).reset_index(drop=True), fitted, median, population)


# ------------------------------------------------------------------ the fit


@dataclass
class FitOutcome:
    """What the inference found: the final weighted population and the path that led to it."""

    profile: Profile
    keys: list[str]  # the unknowns that vary in the posterior (with fit.others = "calibrated", the screened-in ones)
    draws: pd.DataFrame  # one row per particle: each unknown's value, then 'weight' and 'distance'
    stats: pd.DataFrame  # the particles' simulated figures (same rows)
    generations: pd.DataFrame  # t, epsilon, simulations, acceptance_rate, particles
    simulations: int
    seconds: float
    stopped_because: str
    runner: str
    screening: Screening | None = None
    db: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _stop_reason(profile: Profile, generations: pd.DataFrame, simulations: int, seconds: float, ok: bool) -> str:
    s = profile.settings
    eps = float(generations["epsilon"].iloc[-1])
    if eps <= s.min_epsilon:
        return f"reached the target distance (RMS z {eps:.2f} <= {s.min_epsilon:g})"
    if simulations >= s.max_simulations:
        return f"used the budget of {s.max_simulations:,} simulations"
    if seconds >= 60 * s.max_minutes or not ok:
        return f"used the time budget of {s.max_minutes:g} minutes"
    return "the threshold stopped falling"


def run_abc(
    profile: Profile,
    runner: Runner | None = None,
    progress: Callable[[GenerationProgress], None] | None = None,
    db: Path | None = None,
) -> FitOutcome:
    """Fit ``profile``'s unknowns to its targets with ABC-SMC and return the posterior.

    Args:
        runner: where the simulations run (default: this process).
        progress: called after every finished job with a :class:`GenerationProgress`.
        db: pyabc's database of every generation (default: a temporary file, removed afterwards).

    Raises:
        ProfileError: the budget ran out before the first generation was complete.
    """
    import logging

    import pyabc

    from cxsim.fit.abc_parts import FiniteQuantileEpsilon, ValidPrior, screened_transition

    logging.getLogger("ABC").setLevel(logging.ERROR)  # pyabc's per-generation log: the progress bar says it
    s = profile.settings
    runner = runner or Runner()
    simulator = simulator_for(profile)
    observed, sds = observations(profile)
    names = [pyabc_name(i) for i in range(len(simulator.keys))]
    prior = ValidPrior(simulator.valid, **{name: pyabc.RV("logistic", 0, 1) for name in names})
    started = time.time()
    deadline = started + 60 * s.max_minutes
    np.random.seed(s.seed % 2**32)  # pyabc's own draws in this process (e.g. the prior sample's order)
    random.seed(s.seed)
    tmp = None
    if db is None:
        tmp = tempfile.TemporaryDirectory(prefix="cxsim-fit-")
        db = Path(tmp.name) / "abc.db"
    runner.start()
    try:
        screening = screen(simulator, prior, observed, sds, runner, s.population, progress, started)
        if s.others == "calibrated":  # the SMC runs over the screened-in unknowns; the rest keep the scenario's values
            simulator = simulator_for(profile, screening.fitted)
            names = [pyabc_name(i) for i in range(len(simulator.keys))]
            prior = ValidPrior(simulator.valid, **{name: pyabc.RV("logistic", 0, 1) for name in names})
        fitted = [pyabc_name(simulator.keys.index(k)) for k in screening.fitted]
        sampler = seeded_mapping_sampler(runner, s.seed, deadline, progress, screening.simulations, started)
        abc = pyabc.ABCSMC(
            simulator,
            prior,
            Distance(sds),
            population_size=s.population,
            sampler=sampler,
            eps=FiniteQuantileEpsilon(FAR, alpha=0.5, initial_epsilon=screening.median_distance),
            transitions=screened_transition(fitted, [n for n in names if n not in fitted]),
        )
        abc.new(f"sqlite:///{db}", observed)
        history = abc.run(
            minimum_epsilon=s.min_epsilon, max_total_nr_simulations=s.max_simulations - screening.simulations
        )
        seconds = time.time() - started
        if history.max_t < 0:
            raise ProfileError(
                f"fit: the budget ({s.max_minutes:g} minutes, {s.max_simulations:,} simulations) ran out before "
                f"the first generation of {s.population} particles was complete; raise fit.max_minutes or "
                f"lower fit.population"
            )
        pops = history.get_all_populations()
        pops = pops[pops["t"] >= 0]
        generations = pd.DataFrame(
            {
                "t": pops["t"].astype(int),
                "epsilon": pops["epsilon"].astype(float),
                "simulations": pops["samples"].astype(int),
                "acceptance_rate": s.population / pops["samples"].astype(float),
            }
        ).reset_index(drop=True)
        particles = history.get_population(t=history.max_t).particles
        priors = list(zip(simulator.keys, simulator.priors, strict=True))
        draws = pd.DataFrame(
            [
                {key: to_value(float(p.parameter[pyabc_name(i)]), lo, hi) for i, (key, (lo, hi)) in enumerate(priors)}
                for p in particles
            ]
        )
        weight = np.array([p.weight for p in particles], dtype=float)
        draws["weight"] = weight / weight.sum()
        draws["distance"] = [float(p.distance) for p in particles]
        stat_frame = pd.DataFrame([{k: float(v) for k, v in p.sum_stat.items()} for p in particles])
        simulations = int(history.total_nr_simulations) + screening.simulations
        ok = not sampler.cut_short
        return FitOutcome(
            profile=profile,
            keys=list(simulator.keys),
            draws=draws,
            stats=stat_frame,
            generations=generations,
            simulations=simulations,
            seconds=seconds,
            stopped_because=_stop_reason(profile, generations, simulations, seconds, ok),
            runner=runner.describe(),
            screening=screening,
            db=None if tmp is not None else db,
        )
    finally:
        runner.close()
        if tmp is not None:
            tmp.cleanup()
