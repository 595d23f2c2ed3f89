"""Reproduce each lesson of the scenario library and write its figure and finding.

For the teacher and the strategist (docs/model.md#lessons): does each lesson
pair show what CX practice says, by how much, and is it distinguishable from
seed-to-seed noise? Every lesson runs its pair with common random numbers
(:func:`cxsim.compare`: the same seeds on both sides), takes the KPI
the lesson is about (:mod:`cxsim.lessons`) and writes

* ``experiments/results/<lesson>.png``: the KPI over time for both sides
  (median and 10-90% band over seeds) and the paired difference B - A with
  its 95% confidence band,
* ``experiments/results/<lesson>.md``: the finding with the numbers,
* ``experiments/results/<lesson>.json``: the same numbers for the index,

and rebuilds ``experiments/README.md`` from every result present.

Usage (from the repository root)::

    .venv/bin/python experiments/lessons.py --all                 # every lesson, defaults below
    .venv/bin/python experiments/lessons.py supervisor_led cx_room --seeds 16
    .venv/bin/python experiments/lessons.py --list
    .venv/bin/python experiments/lessons.py --index               # only rebuild README.md

Firm size: the shipped scenarios as they are (baseline: a market of 50,000
people, 500 employees). ``--scale 0.2`` runs a firm a fifth of the size for a
quicker look: scaling is applied to both sides alike and takes each
scenario's own money lines (fixed cost, marketing, CX team/room, VoC, initial
cash) times the same factor, so a lever that *is* money (the budget lesson)
keeps its size relative to the firm. It is not neutral: word of mouth that
reaches a fixed number of people (viral stories reach 300 or more) weighs 5x
more in a market 5x smaller. The small business lesson always runs at its
real size.

Numba runs single-threaded here (``NUMBA_NUM_THREADS=1`` unless set): on a
shared machine, parallel kernels waiting for busy cores were 10x slower.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

if __name__ == "__main__":  # only as a script: imported (tests), it must not change the importer's threads
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")  # before numba is imported (see the module docstring)

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import cxsim  # noqa: E402
from cxsim.comparison import compare, outcomes, paired_table  # noqa: E402
from cxsim.formatting import number, signed  # noqa: E402
from cxsim.lessons import LESSONS, Lesson, lesson  # noqa: E402
from cxsim.metrics import describe_outcome, label, outcome_kind  # noqa: E402
from cxsim.params import Scenario  # noqa: E402
from cxsim.run import run_many  # noqa: E402
from cxsim.scenario import scale  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

DEFAULT_SEEDS = 10
DEFAULT_SCALE = 1.0
DEFAULT_WEEKS = 104
#: the viral detractor is a probability over seeds: it needs many of them
SMALL_BUSINESS_SEEDS = 40

#: lessons run at their real size (already small firms)
REAL_SIZE = {"small_business_viral_detractor"}

#: programs_uncommitted with baseline's programs: the same firm (commitment 0.1) without the extra programs
PROGRAMS_OFF = {
    "programs.training_budget": 10.0,
    "programs.hr_engagement": 0.2,
    "programs.recognition": False,
    "programs.cx_room": False,
}

#: a third arm for a lesson, run on the same seeds: (scenario, overrides, its label, which side of the lesson it
#: is compared with and in which order, what the comparison shows)
FOLLOW_UP = {
    "small_business_viral_detractor": (
        "small_business_viral_detractor_recovery",
        None,
        "small_business_viral_detractor_recovery",
        "after_b",
        "the same viral exposure with fast service recovery (process.service_recovery 0.2 -> 0.8)",
    ),
    "programs_committed": (
        "programs_uncommitted",
        PROGRAMS_OFF,
        "programs_uncommitted without the extra programs",
        "before_a",
        "do uncommitted programs do anything? The same uncommitted firm (commitment 0.1) without the extra "
        "programs (baseline's training $10, HR 0.2, no recognition, no CX room) vs with them",
    ),
}

COLOR_A = "#4c72b0"
COLOR_B = "#dd8452"
COLOR_C = "#55a868"
COLOR_D = "#8172b2"


def scaled(s: Scenario, factor: float) -> Scenario:
    """``s`` as a market ``factor`` times the size, every firm shrunk alike (:func:`cxsim.scenario.scale`)."""
    return scale(s, factor)


def git_version() -> str:
    """Commit the results were produced from (and whether the checkout had changes)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE)
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, cwd=HERE
        )
        return head.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")
    except OSError:
        return "unknown"


# ------------------------------------------------------------------ running


def run_lesson(ls: Lesson, seeds: int, scale: float, weeks: int) -> dict:
    """Run one lesson and return its numbers (also the JSON written next to the figure)."""
    factor = 1.0 if ls.key in REAL_SIZE else scale
    n_seeds = max(seeds, SMALL_BUSINESS_SEEDS) if ls.key == "small_business_viral_detractor" else seeds
    sa = scaled(cxsim.load_scenario(ls.a), factor)
    sb = scaled(cxsim.load_scenario(ls.b), factor)
    kpis = [ls.kpi, *[k for k in ls.secondary if k != ls.kpi]]
    t0 = time.time()
    c = compare(sa, sb, seeds=n_seeds, steps=weeks, kpis=kpis, workers=1)
    table = c.table.set_index("kpi")
    follow = None
    if ls.key in FOLLOW_UP:
        name, extra, c_label, order, what = FOLLOW_UP[ls.key]
        sc = scaled(cxsim.load_scenario(name), factor)
        if extra:
            sc = sc.override(extra)
        rc = run_many(sc, c.seeds, weeks, workers=1)
        if order == "before_a":
            ref, other, ref_name, other_name = rc, c.results_a, c_label, ls.a
        else:
            ref, other, ref_name, other_name = c.results_b, rc, ls.b, c_label
        fk = list(dict.fromkeys([*kpis, "nps", "cost_total", "bankrupt"]))
        ft = paired_table(pd.DataFrame([outcomes(r, fk) for r in ref]), pd.DataFrame([outcomes(r, fk) for r in other]))
        follow = {
            "a": ref_name,
            "b": other_name,
            "label": c_label,
            "what": what,
            "table": ft.to_dict("records"),
            "runs": cxsim.stack(rc).assign(arm="C"),
            "nps_sd_between_seeds": float(np.std([r.summary["nps"] for r in ref], ddof=1)),
        }
    seconds = time.time() - t0
    row = table.loc[ls.kpi]
    observed = int(np.sign(row["diff"]))
    out = {
        "key": ls.key,
        "title": ls.title,
        "a": ls.a,
        "b": ls.b,
        "kpi": ls.kpi,
        "outcome": describe_outcome(ls.kpi),
        "expect": ls.expect,
        "seeds": len(c.seeds),
        "weeks": weeks,
        "market_size": sa.market.size,
        "employees": sa.workforce.employees,
        "scale": factor,
        "changes": {k: [repr(v[0]), repr(v[1])] for k, v in c.changes.items() if k not in ("name", "description")},
        "table": c.table.to_dict("records"),
        "diff": float(row["diff"]),
        "ci_low": float(row["ci_low"]),
        "ci_high": float(row["ci_high"]),
        "a_mean": float(row["a_mean"]),
        "b_mean": float(row["b_mean"]),
        "significant": bool(row["significant"]),
        "as_expected": observed == ls.expect and bool(row["significant"]),
        "direction_matches": observed == ls.expect,
        "bankrupt_share": {
            ls.a: float(np.mean([r.summary["bankrupt"] for r in c.results_a])),
            ls.b: float(np.mean([r.summary["bankrupt"] for r in c.results_b])),
        },
        "seconds": round(seconds, 1),
        "version": f"cxsim {cxsim.__version__}, commit {git_version()}",
    }
    if follow:
        out["follow_up"] = {k: v for k, v in follow.items() if k != "runs"}
        if ls.key == "small_business_viral_detractor":
            out["bankrupt_share"][follow["label"]] = float(follow["runs"].groupby("seed")["bankrupt"].max().mean())
    out["_runs"] = c.runs if not follow else pd.concat([c.runs, follow["runs"]], ignore_index=True)
    out["_names"] = {"A": ls.a, "B": ls.b, "C": follow["label"] if follow else None}
    return out


# ------------------------------------------------------------------ figure


def _curve(runs: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """Per (arm, seed, week) value drawn for ``kpi``: cumulative for flows (their outcome is the total)."""
    d = runs[["arm", "seed", "week", kpi]].copy()
    d[kpi] = d[kpi].astype(float)
    if outcome_kind(kpi) == "total":
        d[kpi] = d.sort_values("week").groupby(["arm", "seed"])[kpi].cumsum()
    return d


def figure(res: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kpi = res["kpi"]
    runs = res["_runs"]
    names = res["_names"]
    d = _curve(runs, kpi)
    cumulative = outcome_kind(kpi) == "total"
    ylab = ("cumulative " if cumulative else "") + label(kpi)
    small_biz = res["key"] == "small_business_viral_detractor"
    ncols = 3 if small_biz else 2
    fig, axes = plt.subplots(1, ncols, figsize=(4.6 * ncols, 3.3))
    ax = axes[0]
    arms = [("A", COLOR_A), ("B", COLOR_B)] + ([("C", COLOR_C)] if small_biz else [])
    for arm, color in arms:
        g = d[d["arm"] == arm].groupby("week")[kpi]
        med, lo, hi = g.median(), g.quantile(0.1), g.quantile(0.9)
        ax.fill_between(med.index, lo, hi, color=color, alpha=0.2, linewidth=0)
        ax.plot(med.index, med, color=color, linewidth=1.8, label=f"{arm}: {names[arm]}")
    ax.set_title(f"{ylab}\nmedian and 10-90% of {res['seeds']} seeds", fontsize=9)
    ax.set_xlabel("week", fontsize=8)
    ax.legend(fontsize=7, frameon=False, loc="best")
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)

    ax = axes[1]
    a = d[d["arm"] == "A"].set_index(["seed", "week"])[kpi]
    b = d[d["arm"] == "B"].set_index(["seed", "week"])[kpi]
    diff = (b - a).dropna().rename("diff").reset_index()
    g = diff.groupby("week")["diff"]
    mean, sd, n = g.mean(), g.std(ddof=1), g.count()
    from scipy.stats import t as student

    half = student.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    ax.fill_between(mean.index, mean - half, mean + half, color=COLOR_D, alpha=0.25, linewidth=0, label="95% CI")
    ax.plot(mean.index, mean, color=COLOR_D, linewidth=1.8, label="mean paired B - A")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_title(f"B - A, paired by seed\n{ylab}", fontsize=9)
    ax.set_xlabel("week", fontsize=8)
    ax.legend(fontsize=7, frameon=False, loc="best")
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)

    if small_biz:
        ax = axes[2]
        for arm, color in arms:
            bk = runs[runs["arm"] == arm].pivot_table(index="week", columns="seed", values="bankrupt", aggfunc="max")
            # a bankrupt run stops: it stays bankrupt for the rest of the horizon
            bk = bk.astype(float).ffill().fillna(0.0)
            ax.step(bk.index, 100 * bk.mean(axis=1), where="post", color=color, linewidth=1.8, label=names[arm])
        ax.set_title(f"share of {res['seeds']} seeds bankrupt by week (%)", fontsize=9)
        ax.set_xlabel("week", fontsize=8)
        ax.set_ylim(0, 100)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, frameon=False, loc="upper left")
    from matplotlib.ticker import FuncFormatter

    from cxsim.formatting import tick as short

    for ax in axes[:2]:
        ax.yaxis.set_major_formatter(FuncFormatter(short))
    fig.suptitle(f"{res['title']}  ({res['a']} -> {res['b']})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


# ------------------------------------------------------------------ text


def setup_line(res: dict) -> str:
    scale = "" if res["scale"] == 1 else f" (baseline firm scaled by {res['scale']:g}, money lines alike)"
    return (
        f"{res['seeds']} paired seeds (common random numbers), {res['weeks']} weeks, "
        f"market of {res['market_size']:,} people, {res['employees']:,} employees{scale}."
    )


def ci_text(diff: float, lo: float, hi: float, kpi: str) -> str:
    return f"{signed(diff, kpi)} (95% CI {signed(lo, kpi)} to {signed(hi, kpi)})"


def verdict(res: dict) -> str:
    want = "higher" if res["expect"] > 0 else "lower"
    if res["as_expected"]:
        return (
            f"As practice says: B is {want}, and the whole 95% CI is on that side of zero (distinguishable from noise)."
        )
    if res["direction_matches"]:
        return (
            f"Direction as practice says (B {want}), but the 95% CI includes zero: not distinguishable from noise "
            f"with {res['seeds']} seeds."
        )
    if res["significant"]:
        return f"AGAINST practice: practice says B should be {want}; the model shows the opposite, beyond noise."
    return f"Not shown: practice says B should be {want}; the difference has the other sign and is within noise."


def _table_md(records: list[dict], header=("KPI", "outcome", "A", "B", "B - A (95% CI)", "beyond noise")) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in records:
        k = r["kpi"]
        lines.append(
            f"| {label(k)} | {describe_outcome(k)} | {number(r['a_mean'], k)} | {number(r['b_mean'], k)} | "
            f"{ci_text(r['diff'], r['ci_low'], r['ci_high'], k)} | {'yes' if r['significant'] else 'no'} |"
        )
    return "\n".join(lines)


def finding_md(res: dict, ls: Lesson) -> str:
    kpi = res["kpi"]
    lever = ", ".join(f"`{k}` {a} -> {b}" for k, (a, b) in res["changes"].items()) or "(none)"
    lines = [
        f"# {res['title']}",
        "",
        f"**Pair:** `{res['a']}` (A) vs `{res['b']}` (B). **Lever(s):** {lever}.",
        "",
        f"**Lesson:** {ls.explanation}",
        "",
        f"**Setup:** {setup_line(res)}",
        "",
        f"**Headline:** {label(kpi)} ({res['outcome']}): A {number(res['a_mean'], kpi)}, "
        f"B {number(res['b_mean'], kpi)}; B - A = {ci_text(res['diff'], res['ci_low'], res['ci_high'], kpi)}.",
        "",
        f"**Verdict:** {verdict(res)}",
        "",
        f"![{res['key']}]({res['key']}.png)",
        "",
        "All KPIs of the lesson (paired over the same seeds):",
        "",
        _table_md(res["table"]),
        "",
    ]
    if len(res["bankrupt_share"]) > 2 or any(v > 0 for v in res["bankrupt_share"].values()):
        shares = ", ".join(f"`{k}` {100 * v:.0f}%" for k, v in res["bankrupt_share"].items())
        lines += [f"Share of the {res['seeds']} seeds that went bankrupt within {res['weeks']} weeks: {shares}.", ""]
    fu = res.get("follow_up")
    if fu:
        lines += [
            f"**Also:** `{fu['a']}` (A) vs `{fu['b']}` (B): {fu['what']}, same seeds:",
            "",
            _table_md(fu["table"]),
            "",
        ]
        if res["key"] == "programs_committed":
            t = {r["kpi"]: r for r in fu["table"]}
            nps, cost = t["nps"], t["cost_total"]
            within = nps["ci_low"] <= 0 <= nps["ci_high"]
            lines += [
                f"Without commitment the programs cost {signed(cost['diff'], 'cost_total')} over the run and moved "
                f"final NPS by {ci_text(nps['diff'], nps['ci_low'], nps['ci_high'], 'nps')} points: "
                + ("within noise" if within else "beyond paired noise")
                + f"; seed-to-seed spread (sd) of final NPS is {fu['nps_sd_between_seeds']:.1f} points, and committed "
                f"programs raise it by {signed(res['table'][[r['kpi'] for r in res['table']].index('nps')]['diff'], 'nps')}.",
                "",
            ]
    lines += [
        f"Reproduce: `.venv/bin/python experiments/lessons.py {res['key']} --seeds {res['seeds']}"
        + ("" if res["scale"] == 1 else f" --scale {res['scale']:g}")
        + f" --weeks {res['weeks']}`; or for the full-size firm without this script: "
        f"`cxsim compare {res['a']} {res['b']} --seeds {res['seeds']} --report out/{res['key']}`.",
        "",
        f"Produced by {res['version']} in {res['seconds']:.0f} s.",
        "",
    ]
    return "\n".join(lines)


def build_index() -> str:
    """experiments/README.md from every results/*.json present, lessons in library order."""
    keys = {ls.key for ls in LESSONS}
    found = {p.stem: json.loads(p.read_text()) for p in RESULTS.glob("*.json") if p.stem in keys}
    lines = [
        "# Experiments: every lesson, measured",
        "",
        "Each lesson of the scenario library (`src/cxsim/lessons.py`, docs/lessons.md) is run with common random",
        "numbers (both sides on the same seeds) and judged on the KPI it is about by the paired 95% confidence",
        "interval of B - A. *Beyond noise* means the whole interval is on one side of zero. Regenerate everything",
        "with `.venv/bin/python experiments/lessons.py --all` and `.venv/bin/python experiments/engagement_chain.py`",
        "(about 15 minutes on one core); one lesson with `experiments/lessons.py LESSON`.",
        "",
        "| lesson | A -> B | KPI (outcome) | A | B | B - A (95% CI) | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for ls in LESSONS:
        r = found.get(ls.key)
        if not r:
            lines.append(f"| {ls.title} | `{ls.a}` -> `{ls.b}` | {label(ls.kpi)} | | | not run yet | |")
            continue
        k = r["kpi"]
        v = (
            "as practice says"
            if r["as_expected"]
            else ("right direction, within noise" if r["direction_matches"] else "NOT as practice says")
        )
        lines.append(
            f"| [{r['title']}](results/{r['key']}.md) | `{r['a']}` -> `{r['b']}` | {label(k)} ({r['outcome']}) | "
            f"{number(r['a_mean'], k)} | {number(r['b_mean'], k)} | "
            f"{ci_text(r['diff'], r['ci_low'], r['ci_high'], k)} | {v} |"
        )
    sizes = sorted({(r["market_size"], r["employees"], r["seeds"], r["weeks"]) for r in found.values()})
    if sizes:
        lines += [
            "",
            "Runs: " + "; ".join(f"market {m:,}, {e:,} employees, {s} seeds, {w} weeks" for m, e, s, w in sizes) + ".",
        ]
    chain = HERE / "results" / "engagement_chain.md"
    if chain.is_file():
        lines += ["", "## The service-profit chain: revenue growth and NPS vs engagement", ""]
        lines += [
            chain.read_text()
            .split("\n", 2)[2]
            .strip()
            .replace("](engagement_chain.png)", "](results/engagement_chain.png)"),
            "",
        ]
    lines += ["", "## The lessons one by one", ""]
    for ls in LESSONS:
        r = found.get(ls.key)
        if not r:
            continue
        k = r["kpi"]
        lines += [
            f"### [{r['title']}](results/{r['key']}.md)",
            "",
            f"`{r['a']}` -> `{r['b']}`. {setup_line(r)} {label(k)} ({r['outcome']}): B - A = "
            f"{ci_text(r['diff'], r['ci_low'], r['ci_high'], k)}. {verdict(r)}",
            "",
            f"![{r['key']}](results/{r['key']}.png)",
            "",
        ]
    return "\n".join(lines)


def write_index() -> Path:
    path = HERE / "README.md"
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(build_index())
    tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("lessons", nargs="*", metavar="LESSON", help="lesson key(s) (see --list)")
    p.add_argument("--all", action="store_true", help="run every lesson")
    p.add_argument("--list", action="store_true", help="list the lessons and exit")
    p.add_argument("--index", action="store_true", help="only rebuild experiments/README.md")
    p.add_argument("--seeds", type=int, default=DEFAULT_SEEDS, help=f"paired seeds (default {DEFAULT_SEEDS})")
    p.add_argument("--scale", type=float, default=DEFAULT_SCALE, help=f"firm size factor (default {DEFAULT_SCALE})")
    p.add_argument("--weeks", type=int, default=DEFAULT_WEEKS, help=f"weeks (default {DEFAULT_WEEKS})")
    args = p.parse_args(argv)
    if args.list:
        for ls in LESSONS:
            print(f"{ls.key:32s} {ls.a} -> {ls.b}   [{ls.kpi}]  {ls.title}")
        return 0
    if args.index:
        print(write_index())
        return 0
    if not args.all and not args.lessons:
        p.error("name a LESSON (see --list) or give --all")
    try:
        chosen = list(LESSONS) if args.all else [lesson(k) for k in args.lessons]
    except KeyError as e:
        p.error(str(e.args[0]))
    RESULTS.mkdir(exist_ok=True)
    for ls in chosen:
        print(f"{ls.key}: {ls.a} -> {ls.b} ...", flush=True)
        res = run_lesson(ls, args.seeds, args.scale, args.weeks)
        figure(res, RESULTS / f"{ls.key}.png")
        (RESULTS / f"{ls.key}.md").write_text(finding_md(res, ls))
        clean = {k: v for k, v in res.items() if not k.startswith("_")}
        (RESULTS / f"{ls.key}.json").write_text(json.dumps(clean, indent=1, default=float) + "\n")
        k = ls.kpi
        print(
            f"  {label(k)}: B - A = {ci_text(res['diff'], res['ci_low'], res['ci_high'], k)}  "
            f"[{verdict(res)}]  {res['seconds']:.0f} s",
            flush=True,
        )
    print(write_index())
    return 0


if __name__ == "__main__":
    sys.exit(main())
