"""``cxsim fit``: calibrate the model to a firm's own KPIs.

    cxsim fit PROFILE.toml --out DIR [--workers N | --scheduler ADDRESS] [--population N]
                                     [--max-minutes M] [--max-simulations N] [--seed S]

Thin over :func:`cxsim.fit.fit`: check the options, run with a progress bar, print the targets
against the fitted firm, write the four files (docs/fit.md).
"""

from __future__ import annotations

import dataclasses
import os
import shlex
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from cxsim.cli.common import at_least, compact_table, console, err_console, fail, print_elapsed, progress_bar


def _settings(profile, **options):
    changes = {k: v for k, v in options.items() if v is not None}
    if not changes:
        return profile
    return dataclasses.replace(profile, settings=dataclasses.replace(profile.settings, **changes))


def fit_command(
    profile: Annotated[Path, typer.Argument(help="The firm's profile (TOML): scenario, facts, targets, unknowns.")],
    out: Annotated[
        Path, typer.Option("--out", help="Folder for posterior.parquet, fitted.toml, fit.json, report.html.")
    ],
    workers: Annotated[int | None, typer.Option(help="Local processes (default: every core).")] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Run the simulations on a Dask cluster: its scheduler, tcp://host:8786.")
    ] = None,
    population: Annotated[
        int | None, typer.Option(help="Particles a generation (default: the profile's, 150).")
    ] = None,
    max_minutes: Annotated[float | None, typer.Option(help="Time budget (default: the profile's, 8).")] = None,
    max_simulations: Annotated[
        int | None, typer.Option(help="Simulation budget (default: the profile's, 4000).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="The fit's seed (default: the profile's, 0).")] = None,
) -> None:
    """Fit the model's unknowns to a firm's KPIs (ABC-SMC): a posterior, the fitted firm and a report."""
    from cxsim.fit import fit, load_profile, write

    at_least("--workers", workers, 1)
    if out.exists() and not out.is_dir():
        fail(f"--out {out}: exists and is not a folder")
    p = _settings(  # FitSettings checks the values and raises ProfileError naming the option's key
        load_profile(profile),
        population=population,
        max_minutes=max_minutes,
        max_simulations=max_simulations,
        seed=seed,
    )
    s = p.settings
    n_workers = workers or os.cpu_count() or 1
    where = f"Dask cluster at {scheduler}" if scheduler else f"{n_workers} local process{'es' if n_workers > 1 else ''}"
    err_console.print(
        f"Fitting {p.name}: {len(p.free)} unknowns to {len(p.targets)} targets"
        + (f" and a {len(p.history)}-week history" if p.history is not None else "")
        + f"; {s.people:,} people (the firm's market x {p.scale_factor:.3g}), {s.burn_in}+{s.window} weeks a run;"
        f" at most {s.max_simulations:,} simulations or {s.max_minutes:g} minutes, on {where}",
        highlight=False,
    )
    warning = p.small_firm_warning()
    if warning:
        err_console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    started = time.perf_counter()
    with progress_bar(transient=True) as bar:
        task = bar.add_task("starting the workers", total=s.max_simulations)
        last = {"simulations": 0}

        def tick(g) -> None:
            name = "screening (draws from the prior)" if g.generation < 0 else f"generation {g.generation}"
            if g.accepted >= g.population:  # a generation is complete: one line that stays (also in a log file)
                ran = g.simulations - last["simulations"]
                last["simulations"] = g.simulations
                what = (
                    f"{ran:,} simulated"
                    if g.generation < 0
                    else f"{g.population} accepted of {ran:,} simulations ({g.population / ran:.0%})"
                )
                bar.console.print(
                    f"{name}: {what}; {g.simulations:,} in all, {g.elapsed / 60:.1f} min", highlight=False
                )
            bar.update(
                task,
                completed=min(g.simulations, s.max_simulations),
                description=f"{name}: {g.accepted}/{g.population} accepted",
            )

        result = fit(p, workers=n_workers, scheduler=scheduler, progress=tick)
    command = "cxsim fit " + " ".join(shlex.quote(a) for a in sys.argv[2:]) if len(sys.argv) > 2 else None
    paths = write(result, out, command)
    table = compact_table(
        f"{p.name}: the firm's figures against the fitted firm ({s.check_seeds} seeds at the fit's scale)",
        [
            ("target", "left"),
            ("firm", "right"),
            ("± sd", "right"),
            ("fitted", "right"),
            ("posterior 90%", "right"),
            ("z", "right"),
            ("within sd", "left"),
        ],
    )
    full = result.targets["full_size_mean"].notna().any()
    if full:
        table.add_column("own size", justify="right")
    for _, r in result.targets.iterrows():
        extra = [f"{r['full_size_mean']:.3g}"] if full else []
        table.add_row(
            r["target"],
            f"{r['value']:.3g}",
            f"{r['sd']:.2g}",
            f"{r['fitted_mean']:.3g}",
            f"{r['posterior_lo90']:.3g} to {r['posterior_hi90']:.3g}",
            f"{r['z']:+.2f}",
            "yes" if r["within_sd"] else "NO",
            *extra,
            style=None if r["within_sd"] else "red",
        )
    console.print(table)
    if full:
        console.print("own size: fitted.toml re-run at the firm's own market size (the fit's scaling carried over?)")
    counts = result.parameters["verdict"].value_counts()
    o = result.outcome
    console.print(
        f"{result.within_sd} of {len(result.targets)} targets within their sd. "
        f"{len(o.generations)} generations, {o.simulations:,} simulations; stopped: {o.stopped_because}.\n"
        f"Unknowns: {counts.get('pinned down', 0)} pinned down, {counts.get('narrowed', 0)} narrowed, "
        f"{counts.get('left open', 0)} left open of {len(p.free)}; most narrowed: "
        + ", ".join(f"{r['key']} {r['median']:.3g}" for _, r in result.parameters.head(3).iterrows()),
        highlight=False,
    )
    for name, path in paths.items():
        console.print(f"{name} -> {path}", highlight=False)
    print_elapsed(time.perf_counter() - started)
