"""The service-profit chain: how revenue growth and NPS depend on mean employee engagement.

The causal chain of the model runs leadership -> supervisors -> employee
engagement -> experience quality -> customer attitude -> word of mouth,
loyalty and spend -> revenue (docs/model.md#practice). This sweep moves the
firm's engagement levers together over a grid and plots what the firm
achieves: revenue growth over 104 weeks, final NPS and profit against the
mean engagement the employees actually reached.

The engagement levers moved together, from 0 (neglect) to 1 (best practice):
``supervisors.coaching``, ``supervisors.attention`` and
``leadership.message_consistency``. They act on customers only through
employees (coaching also costs money: $20 per employee-week at full
coaching, so profit includes the price of engagement). Every grid level runs
the same seeds (common random numbers), so levels differ only by the levers.

Writes ``experiments/results/engagement_chain.{png,md,json}`` and rebuilds
``experiments/README.md``.

    .venv/bin/python experiments/engagement_chain.py [--levels 9] [--seeds 5] [--scale 0.2] [--weeks 104]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

if __name__ == "__main__":  # only as a script: imported (tests), it must not change the importer's threads
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")  # shared machine: see experiments/lessons.py

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import cxsim  # noqa: E402
from cxsim.run import run_many  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from lessons import RESULTS, git_version, scaled, write_index  # noqa: E402

LEVERS = ["supervisors.coaching", "supervisors.attention", "leadership.message_consistency"]
#: weeks averaged at each end for revenue growth (weekly revenue is noisy)
ENDS = 4


def per_run(ts: pd.DataFrame) -> dict:
    """One run's outcomes: achieved engagement, revenue growth over the run, final NPS, total profit."""
    rev = ts["revenue"].to_numpy(float)
    return {
        "engagement": float(ts["mean_engagement"].mean()),
        "engagement_final": float(ts["mean_engagement"].iloc[-1]),
        "revenue_growth": float(100 * (rev[-ENDS:].mean() / rev[:ENDS].mean() - 1)),
        "nps": float(ts["nps"].iloc[-1]),
        "profit": float(ts["profit"].sum()),
        "customers": float(ts["customers"].iloc[-1]),
        "weeks": len(ts),
    }


def ols(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    """Slope, its 95% CI (low, high) and R^2 of y on x."""
    from scipy import stats

    r = stats.linregress(x, y)
    tq = stats.t.ppf(0.975, len(x) - 2)
    return float(r.slope), float(r.slope - tq * r.stderr), float(r.slope + tq * r.stderr), float(r.rvalue**2)


def figure(df: pd.DataFrame, fits: dict, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cxsim.formatting import tick as short

    panels = [
        ("revenue_growth", "Revenue growth over the run (%)\nlast 4 vs first 4 weeks"),
        ("nps", "NPS, final week (points)"),
        ("profit", "Profit, total over the run ($)"),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    levels = sorted(df["level"].unique())
    cmap = plt.get_cmap("viridis")
    for ax, (col, name) in zip(axes, panels, strict=True):
        for i, lv in enumerate(levels):
            d = df[df["level"] == lv]
            color = cmap(i / max(1, len(levels) - 1))
            ax.scatter(d["engagement"], d[col], s=12, color=color, alpha=0.55, linewidths=0)
            ax.errorbar(
                d["engagement"].mean(),
                d[col].mean(),
                yerr=d[col].std(ddof=1) * 1.96 / np.sqrt(len(d)),
                fmt="o",
                color=color,
                markeredgecolor="black",
                markersize=6,
                capsize=2,
                linewidth=1,
            )
        slope, lo, hi, r2 = fits[col]
        xs = np.linspace(df["engagement"].min(), df["engagement"].max(), 2)
        b0 = df[col].mean() - slope * df["engagement"].mean()
        ax.plot(
            xs,
            b0 + slope * xs,
            color="black",
            linewidth=0.9,
            linestyle="--",
            label=f"OLS: {short(slope / 10)} per +0.1 engagement, R$^2$ {r2:.2f}",
        )
        if col == "revenue_growth":
            ax.axhline(0, color="grey", linewidth=0.6)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("achieved mean engagement (mean over the run)", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(short))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, frameon=False, loc="upper left")
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(min(levels), max(levels)))
    cb = fig.colorbar(sm, ax=axes, fraction=0.02, pad=0.01)
    cb.set_label("lever level (coaching = attention = message consistency)", fontsize=8)
    cb.ax.tick_params(labelsize=7)
    fig.suptitle(title, fontsize=10, y=1.06)
    fig.savefig(path, dpi=80, bbox_inches="tight")
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--levels", type=int, default=9, help="grid levels from 0 to 1 (default 9)")
    p.add_argument("--seeds", type=int, default=4, help="seeds per level, the same at every level (default 4)")
    p.add_argument("--scale", type=float, default=1.0, help="firm size factor (default 1: the baseline firm)")
    p.add_argument("--weeks", type=int, default=104, help="weeks (default 104)")
    args = p.parse_args(argv)
    base = scaled(cxsim.load_scenario("baseline"), args.scale)
    rows = []
    t0 = time.time()
    for lv in np.linspace(0.0, 1.0, args.levels):
        s = base.override({k: float(lv) for k in LEVERS})
        for r in run_many(s, args.seeds, args.weeks, workers=1):
            rows.append({"level": round(float(lv), 4), "seed": r.seed, **per_run(r.timeseries)})
        print(f"level {lv:.3f}: done ({time.time() - t0:.0f} s)", flush=True)
    seconds = time.time() - t0
    df = pd.DataFrame(rows)
    fits = {c: ols(df["engagement"].to_numpy(), df[c].to_numpy()) for c in ("revenue_growth", "nps", "profit")}
    RESULTS.mkdir(exist_ok=True)
    setup = (
        f"{args.levels} lever levels x {args.seeds} seeds (common random numbers), {args.weeks} weeks, "
        f"market of {base.market.size:,} people, {base.workforce.employees:,} employees"
        + ("" if args.scale == 1 else f" (baseline firm scaled by {args.scale:g}, money lines alike)")
    )
    figure(
        df,
        fits,
        RESULTS / "engagement_chain.png",
        f"Service-profit chain: {args.levels} engagement lever levels x {args.seeds} seeds, {args.weeks} weeks",
    )
    by = (
        df.groupby("level")
        .agg(
            engagement=("engagement", "mean"),
            revenue_growth=("revenue_growth", "mean"),
            revenue_growth_sd=("revenue_growth", "std"),
            nps=("nps", "mean"),
            nps_sd=("nps", "std"),
            profit=("profit", "mean"),
            customers=("customers", "mean"),
        )
        .reset_index()
    )
    lo_half = df[df["engagement"] <= df["engagement"].median()]
    hi_half = df[df["engagement"] > df["engagement"].median()]
    halves = {
        c: (
            ols(lo_half["engagement"].to_numpy(), lo_half[c].to_numpy()),
            ols(hi_half["engagement"].to_numpy(), hi_half[c].to_numpy()),
        )
        for c in ("revenue_growth", "nps")
    }

    def per01(f):
        s, lo, hi, r2 = f
        return f"{s / 10:+.2f} (95% CI {lo / 10:+.2f} to {hi / 10:+.2f}; R^2 {r2:.2f})"

    def money01(f):
        s, lo, hi, r2 = f
        return f"{s / 10:+,.0f} $ (95% CI {lo / 10:+,.0f} to {hi / 10:+,.0f}; R^2 {r2:.2f})"

    e_lo, e_hi = by["engagement"].iloc[0], by["engagement"].iloc[-1]
    g_lo, g_hi = by["revenue_growth"].iloc[0], by["revenue_growth"].iloc[-1]
    n_lo, n_hi = by["nps"].iloc[0], by["nps"].iloc[-1]
    lines = [
        "# The service-profit chain: revenue growth and NPS vs engagement",
        "",
        "**Question:** how do revenue growth over two years and NPS depend on how engaged the employees are?",
        "",
        f"**Design:** the engagement levers {', '.join(f'`{k}`' for k in LEVERS)} set together to each of "
        f"{args.levels} levels from 0 to 1; {setup}. Each dot is one run; x is the mean engagement the employees "
        f"reached over the run, not the lever setting. Revenue growth = mean weekly revenue in the last {ENDS} "
        f"weeks / first {ENDS} weeks - 1.",
        "",
        f"**Finding:** from the weakest levers to the strongest, mean engagement goes from {e_lo:.2f} to {e_hi:.2f}; "
        f"revenue growth over {args.weeks} weeks from {g_lo:+.1f}% to {g_hi:+.1f}% and final NPS from {n_lo:+.1f} "
        f"to {n_hi:+.1f}. Per +0.1 of mean engagement (least squares over all {len(df)} runs):",
        "",
        f"* revenue growth: {per01(fits['revenue_growth'])} percentage points",
        f"* NPS: {per01(fits['nps'])} points",
        f"* profit, total over the run: {money01(fits['profit'])}",
        "",
        f"Is the chain linear? Slope per +0.1 engagement in the lower vs the upper half of achieved engagement: "
        f"revenue growth {halves['revenue_growth'][0][0] / 10:+.2f} vs {halves['revenue_growth'][1][0] / 10:+.2f} "
        f"points, NPS {halves['nps'][0][0] / 10:+.2f} vs {halves['nps'][1][0] / 10:+.2f} points.",
        "",
        "![engagement_chain](engagement_chain.png)",
        "",
        "| lever level | mean engagement | revenue growth % (sd) | final NPS (sd) | profit, total over the run | customers at end |",
        "|---|---|---|---|---|---|",
    ]
    for _, r in by.iterrows():
        lines.append(
            f"| {r['level']:.3f} | {r['engagement']:.3f} | {r['revenue_growth']:+.1f} ({r['revenue_growth_sd']:.1f}) | "
            f"{r['nps']:+.1f} ({r['nps_sd']:.1f}) | {r['profit']:,.0f} | {r['customers']:,.0f} |"
        )
    lines += [
        "",
        f"Reproduce: `.venv/bin/python experiments/engagement_chain.py --levels {args.levels} --seeds {args.seeds} "
        f"--scale {args.scale:g} --weeks {args.weeks}`.",
        "",
        f"Produced by cxsim {cxsim.__version__}, commit {git_version()} in {seconds:.0f} s.",
        "",
    ]
    (RESULTS / "engagement_chain.md").write_text("\n".join(lines))
    out = {
        "levers": LEVERS,
        "levels": args.levels,
        "seeds": args.seeds,
        "weeks": args.weeks,
        "market_size": base.market.size,
        "employees": base.workforce.employees,
        "scale": args.scale,
        "slopes_per_unit_engagement": {
            k: dict(zip(("slope", "ci_low", "ci_high", "r2"), v, strict=True)) for k, v in fits.items()
        },
        "by_level": by.to_dict("records"),
        "runs": df.to_dict("records"),
        "seconds": round(seconds, 1),
    }
    # not a lesson: kept out of results/*.json so the lesson index does not list it
    (RESULTS / "engagement_chain.data.json").write_text(json.dumps(out, indent=1) + "\n")
    print("\n".join(lines[:14]))
    print(write_index())
    return 0


if __name__ == "__main__":
    sys.exit(main())
