"""The comparison report: one self-contained HTML page a strategist can read offline.

It answers "what happens if we change X?" from a :class:`cxsim.Comparison`:
what differs between the two scenarios, which KPI differences are
distinguishable from seed-to-seed noise (paired 95% confidence intervals over
common random numbers), fan charts of the main KPIs over time for both
scenarios, the paired difference over time, and the full difference table.
Figures are matplotlib PNGs embedded as base64, so the page needs no network,
no CDN and no other file. Next to it go the runs (CSV and Parquet), the
difference table (CSV) and both scenarios as TOML, so every number can be
reproduced. Labels, units and which direction is good come from the KPI
declarations (:mod:`cxsim.metrics`), numbers from :mod:`cxsim.formatting`.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from cxsim.comparison import Comparison, fan, verdict
from cxsim.formatting import number, signed, tick
from cxsim.metrics import KPIS, describe_outcome, find
from cxsim.run import version

#: KPIs drawn as fan charts by default (median and 10-90% band over seeds).
FAN_KPIS = [
    "nps",
    "customers",
    "mean_engagement",
    "csat",
    "churn_rate",
    "review_rating",
    "revenue",
    "profit",
    "cash",
]
#: KPIs whose paired difference (B - A) is drawn over time.
DIFF_KPIS = ["nps", "customers", "mean_engagement", "cash"]

COLOR_A = "#4c72b0"
COLOR_B = "#dd8452"

#: Row class and colour of a difference by its verdict (:func:`cxsim.comparison.verdict`).
VERDICT_CLASS = {"better": "up", "worse": "down", "higher": "changed", "lower": "changed", "within noise": "noise"}
VERDICT_COLOR = {"better": "#2a9d4b", "worse": "#c0392b", "higher": "#4c72b0", "lower": "#4c72b0"}
NOISE_COLOR = "#888888"


# ------------------------------------------------------------------ figures


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _readable_axis(ax) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(tick))


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def fan_figure(comparison: Comparison, kpis: Iterable[str] = FAN_KPIS, names: tuple[str, str] | None = None):
    """Small multiples: median and 10-90% band over seeds of each KPI, both scenarios."""
    plt = _pyplot()
    kpis = [k for k in kpis if k in comparison.runs.columns]
    names = names or (comparison.a.name, comparison.b.name)
    cols = 3
    rows = max(1, math.ceil(len(kpis) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.8 * rows), squeeze=False)
    for ax, kpi in zip(axes.flat, kpis, strict=False):
        f = fan(comparison.runs, kpi)
        for arm, color, name in (("A", COLOR_A, names[0]), ("B", COLOR_B, names[1])):
            d = f[f["arm"] == arm]
            ax.fill_between(d["week"], d["low"], d["high"], color=color, alpha=0.22, linewidth=0)
            ax.plot(d["week"], d["median"], color=color, linewidth=1.8, label=f"{arm}: {name}")
        ax.set_title(find(kpi).weekly_title, fontsize=10)
        _readable_axis(ax)
        ax.set_xlabel("week", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(kpis) :]:
        ax.set_visible(False)
    handles, labels_ = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels_, loc="upper center", ncol=2, frameon=False, fontsize=9, bbox_to_anchor=(0.5, 1.02))
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    return fig


def paired_differences(runs: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """B - A of ``kpi`` per (seed, week), over the weeks both runs of a seed reached."""
    a = runs[runs["arm"] == "A"].set_index(["seed", "week"])[kpi].astype(float)
    b = runs[runs["arm"] == "B"].set_index(["seed", "week"])[kpi].astype(float)
    d = (b - a).dropna().rename("diff").reset_index()
    return d


def diff_figure(comparison: Comparison, kpis: Iterable[str] = DIFF_KPIS):
    """Paired difference B - A over time: median and 10-90% band over seeds."""
    plt = _pyplot()
    kpis = [k for k in kpis if k in comparison.runs.columns]
    fig, axes = plt.subplots(1, len(kpis), figsize=(3.6 * len(kpis), 2.8), squeeze=False)
    for ax, kpi in zip(axes.flat, kpis, strict=False):
        d = paired_differences(comparison.runs, kpi)
        if len(d):
            g = d.groupby("week")["diff"]
            med, lo, hi = g.median(), g.quantile(0.1), g.quantile(0.9)
            ax.fill_between(med.index, lo, hi, color="#55a868", alpha=0.25, linewidth=0)
            ax.plot(med.index, med, color="#55a868", linewidth=1.8)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_title(f"{find(kpi).weekly_title}: B - A", fontsize=10)
        _readable_axis(ax)
        ax.set_xlabel("week", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def ci_figure(table: pd.DataFrame):
    """One row per KPI: the mean paired difference B - A with its 95% CI and the zero line.

    Each row has its own scale (KPIs have different units); a CI that does
    not cross zero (filled marker, coloured) is distinguishable from noise.
    """
    plt = _pyplot()
    n = len(table)
    fig, axes = plt.subplots(n, 1, figsize=(7.5, 0.42 * n + 0.6), squeeze=False)
    for ax, (_, r) in zip(axes.flat, table.iterrows(), strict=False):
        d, lo, hi = float(r["diff"]), float(r["ci_low"]), float(r["ci_high"])
        sig = bool(r["significant"])
        color = VERDICT_COLOR.get(verdict(r["kpi"], d, sig), NOISE_COLOR)
        span = max(abs(lo), abs(hi), abs(d), 1e-12) if all(map(math.isfinite, (lo, hi))) else max(abs(d), 1e-12)
        ax.set_xlim(-1.15 * span, 1.15 * span)
        ax.axvline(0, color="black", linewidth=0.8)
        if math.isfinite(lo) and math.isfinite(hi):
            ax.plot([lo, hi], [0, 0], color=color, linewidth=2.5, solid_capstyle="butt")
        ax.plot([d], [0], "o", color=color, markersize=6, markerfacecolor=color if sig else "white")
        ax.set_yticks([])
        ax.set_xticks([])
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.text(-0.02, 0.5, find(r["kpi"]).title, transform=ax.transAxes, ha="right", va="center", fontsize=8)
        ci = f"{signed(d, r['kpi'])}  [{number(lo, r['kpi'])}, {number(hi, r['kpi'])}]"
        ax.text(1.02, 0.5, ci, transform=ax.transAxes, ha="left", va="center", fontsize=8, color=color)
    fig.suptitle(
        "B - A with 95% CI (each row on its own scale; green = better for the firm, red = worse, grey = within noise)",
        fontsize=9,
        y=1.0,
    )
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ text


def _prose(x: float, kpi: str, sign: bool = False) -> str:
    """A number in a sentence: large ones as 11.3M or 123k (eight digits are hard to read aloud)."""
    return signed(x, kpi, style="short") if sign else number(x, kpi, style="short")


def headline(comparison: Comparison) -> tuple[list[str], list[str]]:
    """Plain sentences for the differences distinguishable from noise, and the KPIs that are not."""
    says, noise = [], []
    for _, r in comparison.table.iterrows():
        kpi = r["kpi"]
        if r["significant"]:
            direction = "higher" if r["diff"] > 0 else "lower"
            if find(kpi).format == "flag":  # a share of runs: its difference is in percentage points
                by = f"{100 * abs(r['diff']):.0f} percentage points"
            else:
                by = _prose(abs(r["diff"]), kpi)
            word = verdict(kpi, r["diff"], True)
            judged = f", {word} for the firm" if word in ("better", "worse") else ""
            says.append(
                f"{find(kpi).title}, {describe_outcome(kpi)}: {direction} under B by {by}{judged}"
                + f" (95% CI {_prose(r['ci_low'], kpi, True)} to {_prose(r['ci_high'], kpi, True)})."
            )
        else:
            noise.append(find(kpi).title)
    return says, noise


def _changes_rows(changes: dict) -> str:
    rows = []
    for key, (va, vb) in changes.items():
        rows.append(
            f"<tr><td><code>{html.escape(str(key))}</code></td><td>{html.escape(str(va))}</td>"
            f"<td>{html.escape(str(vb))}</td></tr>"
        )
    return "\n".join(rows) or "<tr><td colspan=3>no parameter differs (an A/A check: every CI should cover 0)</td></tr>"


def _table_rows(table: pd.DataFrame) -> str:
    rows = []
    for _, r in table.iterrows():
        k = r["kpi"]
        word = verdict(k, r["diff"], bool(r["significant"]))
        said = {"better": "distinguishable: better", "worse": "distinguishable: worse"}.get(word, "distinguishable")
        rows.append(
            f"<tr class='{VERDICT_CLASS[word]}'><td>{html.escape(find(k).title)}</td><td>{describe_outcome(k)}</td>"
            f"<td class='n'>{number(r['a_mean'], k)}</td><td class='n'>{number(r['b_mean'], k)}</td>"
            f"<td class='n'>{signed(r['diff'], k)}</td>"
            f"<td class='n'>{number(r['ci_low'], k)} .. {number(r['ci_high'], k)}</td>"
            f"<td>{'within noise' if word == 'within noise' else said}</td></tr>"
        )
    return "\n".join(rows)


CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1180px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em} h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ddd}
.sub{color:#666} table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
td,th{border-bottom:1px solid #e4e4e4;padding:.3em .7em;text-align:left} th{background:#f6f6f6}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.up td{background:#eef8f0} tr.down td{background:#fbeeee} tr.changed td{background:#eef2f8} tr.noise td{color:#666}
.a{color:#4c72b0;font-weight:bold} .b{color:#dd8452;font-weight:bold}
.box{background:#f8f9fb;border:1px solid #e2e6ee;padding:.8em 1.1em;border-radius:6px}
img{max-width:100%} code{background:#f3f3f3;padding:0 .25em;border-radius:3px}
.note{color:#555;font-size:.9em}
"""


def render_html(
    comparison: Comparison,
    *,
    title: str | None = None,
    command: str | None = None,
    precision_note: str | None = None,
    fan_kpis: Iterable[str] = FAN_KPIS,
) -> str:
    """The report page as one HTML string (figures embedded)."""
    c = comparison
    a, b = c.a, c.b
    title = title or f"{a.name} vs {b.name}"
    says, noise = headline(c)
    n_bankrupt_a = sum(bool(r.summary.get("bankrupt")) for r in c.results_a)
    n_bankrupt_b = sum(bool(r.summary.get("bankrupt")) for r in c.results_b)
    fan_png = _png(fan_figure(c, fan_kpis))
    diff_png = _png(diff_figure(c))
    ci_png = _png(ci_figure(c.table))
    esc = html.escape
    answer = "".join(f"<li>{esc(s)}</li>" for s in says) or "<li>No KPI difference is distinguishable from noise.</li>"
    noise_line = f"<p>Within noise (the 95% CI includes zero): {esc(', '.join(noise))}.</p>" if noise else ""
    bankrupt_line = ""
    if n_bankrupt_a or n_bankrupt_b:
        bankrupt_line = (
            f"<p><b>Bankruptcies:</b> A {n_bankrupt_a} of {len(c.seeds)} runs, B {n_bankrupt_b} of {len(c.seeds)}. "
            "A bankrupt run stops trading; its outcomes are its last values, and the fan charts after that week "
            "are drawn from the runs still trading.</p>"
        )
    gen = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    cmd = f"<p class='note'>Reproduce: <code>{esc(command)}</code></p>" if command else ""
    prec = f"<p class='note'>{esc(precision_note)}</p>" if precision_note else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>cxsim compare: {esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>
<body>
<h1>What changes from <span class="a">A: {esc(a.name)}</span> to <span class="b">B: {esc(b.name)}</span>?</h1>
<p class="sub">A: {esc(a.description)}<br>B: {esc(b.description)}</p>
<p class="sub">{len(c.seeds)} paired seeds, {c.steps} weeks each, {a.market.size:,} people and
{a.workforce.employees:,} employees in A; cxsim {esc(version())}; generated {gen}.</p>

<h2>The answer</h2>
<div class="box"><ul>{answer}</ul>{noise_line}{bankrupt_line}</div>
<p class="note">Each seed runs both scenarios with the same random numbers wherever their logic agrees
(common random numbers), so each seed gives a paired difference B - A. The interval is a 95% Student-t
confidence interval of the mean paired difference over seeds: it covers the simulation's randomness, not
doubt about the model's assumptions. "Distinguishable" means the interval excludes zero. Levels (NPS,
customers, cash ...) are compared in the final week, flows (revenue, churned ...) as totals over the run,
weekly rates (CSAT, resolution rate ...) as means over the run.</p>
{prec}

<h2>What differs</h2>
<table><tr><th>parameter</th><th>A: {esc(a.name)}</th><th>B: {esc(b.name)}</th></tr>
{_changes_rows(c.changes)}</table>

<h2>Differences with 95% confidence intervals</h2>
<img alt="differences with confidence intervals" src="data:image/png;base64,{ci_png}">
<table><tr><th>KPI</th><th>outcome</th><th>A mean</th><th>B mean</th><th>B - A</th><th>95% CI</th><th></th></tr>
{_table_rows(c.table)}</table>

<h2>Over time: median and 10-90% band over seeds</h2>
<img alt="fan charts" src="data:image/png;base64,{fan_png}">

<h2>Paired difference over time (B - A, median and 10-90% band over seeds)</h2>
<img alt="paired differences" src="data:image/png;base64,{diff_png}">

<h2>Files next to this page</h2>
<p><code>runs.csv</code> / <code>runs.parquet</code>: every run, one row per (arm, seed, week), one column per KPI
(column <code>arm</code> is A or B). <code>differences.csv</code>: the table above.
<code>scenario_a.toml</code>, <code>scenario_b.toml</code>: the full scenarios.</p>
{cmd}
</body></html>
"""


def write_report(
    comparison: Comparison,
    out_dir: str | Path,
    *,
    title: str | None = None,
    command: str | None = None,
    precision_note: str | None = None,
    fan_kpis: Iterable[str] = FAN_KPIS,
) -> Path:
    """Write ``report.html`` plus the runs, the difference table and both scenarios into ``out_dir``.

    Returns the path of ``report.html``. Files are written to temporary names
    and renamed, so a reader never sees a half-written file.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    def put(name: str, write) -> None:
        tmp = out / f".{name}.tmp"
        write(tmp)
        tmp.replace(out / name)

    c = comparison
    runs = c.runs.copy()
    runs["bankrupt"] = runs["bankrupt"].astype(bool)
    put("runs.csv", lambda p: runs.to_csv(p, index=False))
    put("runs.parquet", lambda p: runs.to_parquet(p, index=False))
    put("differences.csv", lambda p: c.table.to_csv(p, index=False))
    put("scenario_a.toml", lambda p: p.write_text(c.a.to_toml()))
    put("scenario_b.toml", lambda p: p.write_text(c.b.to_toml()))
    page = render_html(c, title=title, command=command, precision_note=precision_note, fan_kpis=fan_kpis)
    put("report.html", lambda p: p.write_text(page, encoding="utf-8"))
    return out / "report.html"


def kpi_names() -> list[str]:
    """Every KPI name a report or table may use."""
    return [k for k in KPIS if k != "week"]
