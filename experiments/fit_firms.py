"""Fit the three example firms of experiments/firms/ and ask each one what-if over its posterior.

    .venv/bin/python experiments/fit_firms.py [telecom retail_bank small_hospitality] [--workers 2]

For each firm: ``cxsim fit experiments/firms/<firm>.toml --out experiments/results/firms/<firm>``
(posterior.parquet, fitted.toml, fit.json, report.html), then one what-if on the fitted firm over
its posterior (:func:`cxsim.fit.whatif.compare_posterior`: A = the fitted firm, B = the same with
one lever moved), written to ``whatif.csv`` and summed up with the fit in
``experiments/results/firms/README.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRMS = ROOT / "experiments" / "firms"
RESULTS = ROOT / "experiments" / "results" / "firms"

#: One what-if per firm: a question its managers would ask, and the lever(s) it moves.
WHATIFS = {
    "telecom": (
        "Coach the supervisors of the care and store teams (coaching quality 0.2 -> 0.8)",
        {"supervisors.coaching": 0.8},
    ),
    "retail_bank": (
        "Empower the front line to solve non-standard cases (empowerment 0.4 -> 0.8)",
        {"process.empowerment": 0.8},
    ),
    "small_hospitality": (
        "Recover from bad experiences (service recovery 0.2 -> 0.8 of them)",
        {"process.service_recovery": 0.8},
    ),
}
KPIS = ["nps", "reputation", "share", "customers", "mean_engagement", "churn_rate", "revenue", "profit"]


def fit_firm(name: str, workers: int) -> dict:
    from cxsim.fit import Runner, load_profile, run_abc, summarise, write

    profile = load_profile(FIRMS / f"{name}.toml")
    out = RESULTS / name
    warning = profile.small_firm_warning()
    print(
        f"== {name}: {len(profile.free)} unknowns, {len(profile.targets)} targets, "
        f"{profile.settings.people:,} people; {warning or 'no small-firm warning'}",
        flush=True,
    )

    def tick(g):
        if g.accepted >= g.population:
            label = "screening" if g.generation < 0 else f"generation {g.generation}"
            print(f"   {label}: {g.simulations:,} simulations, {g.elapsed / 60:.1f} min", flush=True)

    started = time.time()
    outcome = run_abc(profile, Runner(workers), tick)
    fit = summarise(outcome, workers=workers)
    write(fit, out, command=f"cxsim fit experiments/firms/{name}.toml --out experiments/results/firms/{name}")
    print(
        f"   {fit.within_sd} of {len(fit.targets)} targets within sd; {outcome.stopped_because}; "
        f"{(time.time() - started) / 60:.1f} min",
        flush=True,
    )
    return {"fit": fit, "seconds": time.time() - started}


def _outcome_from(folder: Path, profile):
    """A finished fit read back from its folder (posterior.parquet and fit.json), to summarise it again."""
    import pandas as pd

    from cxsim.fit.inference import FitOutcome, Screening

    d = json.loads((folder / "fit.json").read_text())
    frame = pd.read_parquet(folder / "posterior.parquet")
    stats = frame[[c for c in frame.columns if c.startswith("sim:")]].rename(columns=lambda c: c[4:])
    keys = [c for c in frame.columns if c in profile.free]
    table = pd.DataFrame(
        [
            {"key": p["key"], "rho": p["screening_rho"], "target": p["moves"], "fitted": p["screened_in"]}
            for p in d["parameters"]
        ]
    )
    screening = Screening(table, list(table.loc[table["fitted"], "key"]), float("nan"), 0)
    return FitOutcome(
        profile=profile,
        keys=keys,
        draws=frame[[*keys, "weight", "distance"]],
        stats=stats,
        generations=pd.DataFrame(d["generations"]),
        simulations=d["simulations"],
        seconds=d["seconds"],
        stopped_because=d["stopped_because"],
        runner=d["runner"],
        screening=screening,
    )


def resummarise(name: str, workers: int) -> None:
    """Summarise a finished fit again (the fitted point and its checks) without re-running the inference."""
    from cxsim.fit import load_profile, summarise, write

    profile = load_profile(FIRMS / f"{name}.toml")
    fit = summarise(_outcome_from(RESULTS / name, profile), workers=workers)
    write(
        fit, RESULTS / name, command=f"cxsim fit experiments/firms/{name}.toml --out experiments/results/firms/{name}"
    )
    print(f"== {name}: re-summarised; {fit.within_sd} of {len(fit.targets)} targets within sd", flush=True)


def whatif(name: str, workers: int, draws: int, seeds: int) -> dict:
    from cxsim.fit import load
    from cxsim.fit.whatif import compare_posterior

    post = load(RESULTS / name)
    question, changes = WHATIFS[name]
    a = post.fitted
    b = a.override({**changes, "name": f"{a.name}_whatif"})
    started = time.time()
    c = compare_posterior(a, b, post, draws=draws, seeds=seeds, kpis=KPIS, workers=workers)
    c.table.to_csv(RESULTS / name / "whatif.csv", index=False)
    print(f"   what-if '{question}': {time.time() - started:.0f} s", flush=True)
    return {
        "question": question,
        "changes": changes,
        "table": c.table,
        "draws": draws,
        "seeds": seeds,
        "weeks": c.steps,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("firms", nargs="*", default=list(WHATIFS))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--draws", type=int, default=8)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--skip-fit", action="store_true", help="reuse the fits already in experiments/results/firms")
    ap.add_argument("--resummarise", action="store_true", help="with --skip-fit: re-run the fitted firm's checks")
    args = ap.parse_args(argv)
    for name in args.firms:
        if name not in WHATIFS:
            sys.exit(f"unknown firm {name!r} (firms: {', '.join(WHATIFS)})")
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name in args.firms:
        if not args.skip_fit:
            fit_firm(name, args.workers)
        elif args.resummarise:
            resummarise(name, args.workers)
        w = whatif(name, args.workers, args.draws, args.seeds)
        (RESULTS / name / "whatif.json").write_text(
            json.dumps(
                {**{k: v for k, v in w.items() if k != "table"}, "table": w["table"].to_dict("records")}, indent=2
            )
            + "\n"
        )
    write_summary()


def _row(t: dict) -> str:
    full = "" if t.get("full_size_mean") is None else f"{t['full_size_mean']:.3g}"
    return (
        f"| {t['target']} | {t['value']:.3g} ± {t['sd']:.2g} | {t['fitted_mean']:.3g} | "
        f"{t['posterior_lo90']:.3g} to {t['posterior_hi90']:.3g} | {full} | {'yes' if t['within_sd'] else 'NO'} |"
    )


def write_summary() -> None:
    """experiments/results/firms/README.md from each firm's fit.json and whatif.json."""
    lines = [
        "# The three example firms, fitted",
        "",
        "Written by `experiments/fit_firms.py` from each firm's `fit.json` and `whatif.json` (profiles and",
        "sources: experiments/firms/). Each folder holds the fit's `report.html`.",
        "",
    ]
    for name in WHATIFS:
        f = RESULTS / name / "fit.json"
        if not f.exists():
            continue
        d = json.loads(f.read_text())
        counts: dict[str, int] = {}
        for p in d["parameters"]:
            counts[p["verdict"]] = counts.get(p["verdict"], 0) + 1
        fitted = [p for p in d["parameters"] if p.get("screened_in")]
        lines += [
            f"## {name}",
            "",
            f"{d['within_sd']} of {len(d['targets'])} targets within their sd; {d['simulations']:,} simulations "
            f"in {d['seconds'] / 60:.1f} min on {d['runner']}; stopped: {d['stopped_because']}. "
            f"Simulated at {d['fit']['people']:,} people, {d['fit']['burn_in']} + {d['fit']['window']} weeks.",
            "",
            "| target | firm ± sd | fitted firm | posterior 90% | at own size | within sd |",
            "|---|---:|---:|---:|---:|---|",
            *[_row(t) for t in d["targets"]],
            "",
            f"Unknowns: {counts.get('pinned down', 0)} pinned down, {counts.get('narrowed', 0)} narrowed, "
            f"{counts.get('left open', 0)} left open. Fitted (screened in): "
            + ", ".join(
                f"`{p['key']}` {p['median']:.3g} [{p['lo90']:.3g}, {p['hi90']:.3g}] ({p['verdict']})" for p in fitted
            )
            + ".",
            "",
        ]
        w = RESULTS / name / "whatif.json"
        if w.exists():
            wd = json.loads(w.read_text())
            lines += [
                f"**What-if: {wd['question']}** ({wd['draws']} posterior draws x {wd['seeds']} paired seeds, "
                f"{wd['weeks']} weeks):",
                "",
                "| KPI | fitted firm | with the change | B - A | 90% of draws | agree | clear |",
                "|---|---:|---:|---:|---:|---:|---:|",
            ]
            for r in wd["table"]:
                lines.append(
                    f"| {r['kpi']} | {r['a_mean']:.4g} | {r['b_mean']:.4g} | {r['diff']:+.3g} | "
                    f"{r['lo90']:+.3g} to {r['hi90']:+.3g} | {100 * r['share_same_sign']:.0f}% | "
                    f"{100 * r['share_beyond_noise']:.0f}% |"
                )
            lines.append("")
    (RESULTS / "README.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
