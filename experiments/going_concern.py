"""Is the shipped baseline a going concern? Ten years, six seeds, every range real firms report.

Runs ``baseline`` left alone for 520 weeks on seeds 0-5 and checks each figure
against the range a real service firm sits in (issue 13; sources in
docs/validation.md and ../README's model page):

* annual churn 8-30% (US wireless carriers report 14-19% a year),
* NPS 0-50 (industry averages span about -6 to +43),
* engaged share 20-45% (about a third of US employees in national surveys),
* front-line utilisation 60-95%,
* profit margin 0-25%,
* customers in year 10 within 15% of year 1,
* never bankrupt.

Yearly figures are means over a year's weeks (churn: weekly rate x 52; margin:
the year's profit over its revenue); a range holds when every year 2-10 of
every seed lies in it (year 1 is the burn-in from the scenario's starting state).

    python experiments/going_concern.py            # full scale: ~10 min on 2 cores
    python experiments/going_concern.py --quick    # 10,000 people, 2 seeds, 5 years
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import cxsim
from cxsim.parallel import process_pool

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

#: KPI -> (how a year is summarised, low, high, label, unit factor)
RANGES = {
    "annual_churn": (8.0, 30.0, "Annual churn", "%"),
    "nps": (0.0, 50.0, "NPS", "points"),
    "engaged_share": (20.0, 45.0, "Engaged share", "%"),
    "utilisation": (60.0, 95.0, "Front-line utilisation", "%"),
    "margin": (0.0, 25.0, "Profit margin", "%"),
}
CUSTOMER_DRIFT = 15.0  # customers in the last year within this % of the first year


def yearly(ts: pd.DataFrame) -> pd.DataFrame:
    """One row per year of a run: the figures the ranges are about."""
    year = ts["week"].to_numpy() // 52
    g = ts.assign(year=year).groupby("year")
    return pd.DataFrame(
        {
            "annual_churn": 100 * 52 * g["churn_rate"].mean(),
            "nps": g["nps"].mean(),
            "engaged_share": 100 * g["engaged_share"].mean(),
            "utilisation": 100 * g["utilisation"].mean(),
            "margin": 100 * g["profit"].sum() / g["revenue"].sum(),
            "customers": g["customers"].mean(),
        }
    )


def one_run(args) -> dict:
    scenario, seed, weeks = args
    model = cxsim.CXModel(scenario, seed=seed)
    model.run_weeks(weeks)
    ts = model.timeseries()
    years = yearly(ts[ts["week"] < (len(ts) // 52) * 52])
    return {
        "seed": seed,
        "weeks_run": len(ts),
        "bankrupt_week": model.bankrupt_week if model.bankrupt else None,
        "years": years.reset_index().to_dict(orient="list"),
    }


def judge(runs: list[dict]) -> list[dict]:
    rows = []
    for key, (lo, hi, label, unit) in RANGES.items():
        values = np.array([v for r in runs for v in r["years"][key][1:]])  # years 2..
        rows.append(
            {
                "key": key,
                "what": label,
                "unit": unit,
                "range": [lo, hi],
                "min": float(values.min()),
                "max": float(values.max()),
                "mean": float(values.mean()),
                "holds": bool(lo <= values.min() and values.max() <= hi),
            }
        )
    drift = [100 * (r["years"]["customers"][-1] / r["years"]["customers"][0] - 1) for r in runs]
    rows.append(
        {
            "key": "customer_drift",
            "what": "Customers in the last year vs the first",
            "unit": "%",
            "range": [-CUSTOMER_DRIFT, CUSTOMER_DRIFT],
            "min": float(min(drift)),
            "max": float(max(drift)),
            "mean": float(np.mean(drift)),
            "holds": bool(max(abs(d) for d in drift) <= CUSTOMER_DRIFT),
        }
    )
    broke = [r["seed"] for r in runs if r["bankrupt_week"] is not None]
    rows.append(
        {
            "key": "bankrupt",
            "what": "Seeds that went bankrupt",
            "unit": "seeds",
            "range": [0, 0],
            "min": float(len(broke)),
            "max": float(len(broke)),
            "mean": float(len(broke)),
            "holds": not broke,
        }
    )
    return rows


def render(rows: list[dict], runs: list[dict], people: int, weeks: int, seconds: float) -> str:
    lines = [
        "# Is the baseline a going concern?",
        "",
        f"`baseline` left alone for {weeks} weeks on seeds {', '.join(str(r['seed']) for r in runs)}, "
        f"a market of {people:,} people (cxsim {cxsim.__version__}, {seconds / 60:.1f} min). "
        "A range holds when every year after the first, on every seed, lies in it. "
        "Written by `python experiments/going_concern.py`.",
        "",
        "| figure | range asked | lowest year | highest year | mean | holds |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        lo, hi = r["range"]
        lines.append(
            f"| {r['what']} | {lo:g} to {hi:g} {r['unit']} | {r['min']:.1f} | {r['max']:.1f} | {r['mean']:.1f} | "
            f"{'yes' if r['holds'] else '**no**'} |"
        )
    lines += ["", "Per seed, year by year (customers, NPS, margin %):", ""]
    for r in runs:
        y = r["years"]
        cells = ", ".join(
            f"{c:,.0f} / {n:+.0f} / {m:.0f}%" for c, n, m in zip(y["customers"], y["nps"], y["margin"], strict=True)
        )
        lines.append(f"- seed {r['seed']}: {cells}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10,000 people, seeds 0-1, 260 weeks")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    base = cxsim.load_scenario("baseline")
    if args.quick:
        scenario, seeds, weeks = base.scale(10_000 / base.market.size), range(2), 260
    else:
        scenario, seeds, weeks = base, range(6), 520
    t0 = time.time()
    jobs = [(scenario, seed, weeks) for seed in seeds]
    with process_pool(args.workers) as pool:
        runs = list(pool.map(one_run, jobs))
    seconds = time.time() - t0
    rows = judge(runs)
    md = render(rows, runs, scenario.market.size, weeks, seconds)
    name = "going_concern_quick" if args.quick else "going_concern"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.md").write_text(md)
    (RESULTS / f"{name}.json").write_text(json.dumps({"checks": rows, "runs": runs}, indent=1, default=float))
    print(md)
    held = sum(r["holds"] for r in rows)
    print(f"{held} of {len(rows)} hold", file=sys.stderr)
    return 0 if held == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
