"""``report.html`` of a fit: one self-contained page an analyst can put before a board.

It says what the firm told the model (facts and targets with their sources), how close the
fitted firm comes to each target (re-run over seeds, and the posterior predictive interval),
which unknowns the data pin down and which they leave open (posterior marginals against the
prior range), and how the ABC-SMC run went. Figures are PNGs embedded as base64.
"""

from __future__ import annotations

import html
import math
from datetime import UTC, datetime

import numpy as np

from cxsim.fit.posterior import NARROWED, PINNED, Fit
from cxsim.formatting import number
from cxsim.report import CSS, _png, _pyplot
from cxsim.run import version

MARGINALS = 16  # posterior marginals drawn (most narrowed first); the table lists every unknown


def targets_figure(fit: Fit):
    """One row per target: the firm's figure +- sd, the posterior predictive 90% and the fitted firm's runs."""
    plt = _pyplot()
    t = fit.targets
    fig, axes = plt.subplots(len(t), 1, figsize=(8, 0.9 * len(t) + 0.6), squeeze=False)
    for ax, (_, row) in zip(axes[:, 0], t.iterrows(), strict=True):
        v, sd = row["value"], row["sd"]
        ax.axvspan(v - sd, v + sd, color="#dddddd", label="firm's figure +- sd")
        ax.axvline(v, color="#555555", lw=1)
        ax.plot(
            [row["posterior_lo90"], row["posterior_hi90"]],
            [0.65, 0.65],
            color="#4c72b0",
            lw=3,
            label="posterior predictive 90%",
        )
        ax.plot([row["posterior_median"]], [0.65], "o", color="#4c72b0")
        ax.plot(
            [row["fitted_lo"], row["fitted_hi"]],
            [0.3, 0.3],
            color="#dd8452",
            lw=3,
            label="fitted firm, range over seeds",
        )
        ax.plot([row["fitted_mean"]], [0.3], "D", color="#dd8452")
        lo = min(v - 2.5 * sd, row["posterior_lo90"], row["fitted_lo"])
        hi = max(v + 2.5 * sd, row["posterior_hi90"], row["fitted_hi"])
        if math.isfinite(lo) and math.isfinite(hi):
            ax.set_xlim(lo, hi)
        ax.set_ylim(0, 1)
        ax.set_yticks([])
        ax.set_ylabel(row["target"], rotation=0, ha="right", va="center")
    axes[0, 0].legend(loc="lower left", bbox_to_anchor=(0, 1.02), ncol=3, fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def marginals_figure(fit: Fit):
    """Weighted posterior histograms of the most narrowed unknowns, each over its whole prior range."""
    plt = _pyplot()
    rows = fit.parameters[fit.parameters["screened_in"]].head(MARGINALS)  # the screening keeps at least one
    n = len(rows)
    cols = 4
    fig, axes = plt.subplots(math.ceil(n / cols), cols, figsize=(11, 2.1 * math.ceil(n / cols)), squeeze=False)
    draws = fit.outcome.draws
    for ax, (_, row) in zip(axes.flat, rows.iterrows(), strict=False):
        lo, hi = row["prior_lo"], row["prior_hi"]
        ax.hist(
            draws[row["key"]],
            bins=np.linspace(lo, hi, 21),
            weights=draws["weight"],
            color="#4c72b0",
            density=True,
            alpha=0.85,
        )
        ax.axhline(1 / (hi - lo), color="#888888", ls="--", lw=1)
        ax.axvline(row["median"], color="#dd8452", lw=1.5)
        ax.set_xlim(lo, hi)
        ax.set_yticks([])
        ax.set_title(f"{row['key']}\n{row['verdict']} (sd x{row['sd_ratio']:.2f})", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def generations_figure(fit: Fit):
    plt = _pyplot()
    g = fit.outcome.generations
    fig, ax = plt.subplots(figsize=(6, 2.6))
    ax.plot(g["t"], g["epsilon"], "o-", color="#4c72b0", label="threshold (RMS z)")
    ax.axhline(fit.outcome.profile.settings.min_epsilon, color="#888888", ls="--", lw=1, label="target distance")
    ax.set_xlabel("generation")
    ax.set_ylabel("RMS z-score")
    ax2 = ax.twinx()
    ax2.bar(g["t"], g["acceptance_rate"], alpha=0.25, color="#dd8452", label="acceptance rate")
    ax2.set_ylabel("acceptance rate")
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def _target_rows(fit: Fit) -> str:
    esc = html.escape
    out = []
    for _, r in fit.targets.iterrows():
        cls = "up" if r["within_sd"] else "down"
        out.append(
            f"<tr class='{cls}'><td>{esc(r['target'])}</td><td>{esc(r['unit'])}</td>"
            f"<td class='n'>{number(r['value'])} &plusmn; {number(r['sd'])}</td>"
            f"<td class='n'>{number(r['fitted_mean'])}</td>"
            f"<td class='n'>{number(r['fitted_lo'])} to {number(r['fitted_hi'])}</td>"
            f"<td class='n'>{number(r['posterior_lo90'])} to {number(r['posterior_hi90'])}</td>"
            f"<td class='n'>{r['z']:+.2f}</td><td>{'yes' if r['within_sd'] else 'no'}</td>"
            f"<td class='n'>{'-' if r['full_size_mean'] is None else number(r['full_size_mean'])}</td>"
            f"<td class='note'>{esc(r['source'])}</td></tr>"
        )
    return "\n".join(out)


def _parameter_rows(fit: Fit) -> str:
    esc = html.escape
    cls = {"pinned down": "up", "narrowed": "changed", "left open": "noise"}
    return "\n".join(
        f"<tr class='{cls[r['verdict']]}'><td><code>{esc(r['key'])}</code></td>"
        f"<td class='n'>{number(r['prior_lo'])} to {number(r['prior_hi'])}</td>"
        f"<td class='n'>{r['screening_rho']:.2f}</td><td>{esc(r['moves'])}</td>"
        f"<td>{esc(r['during_fit'])}</td>"
        f"<td class='n'>{number(r['median'])}</td><td class='n'>{number(r['lo90'])} to {number(r['hi90'])}</td>"
        f"<td class='n'>{'-' if r['sd_ratio'] != r['sd_ratio'] else format(r['sd_ratio'], '.2f')}</td>"
        f"<td>{esc(r['verdict'])}</td></tr>"
        for _, r in fit.parameters.iterrows()
    )


def render(fit: Fit, command: str | None = None) -> str:
    """The report page as one HTML string."""
    esc = html.escape
    o = fit.outcome
    p = o.profile
    s = p.settings
    counts = fit.parameters["verdict"].value_counts()
    facts = (
        "".join(
            f"<tr><td><code>{esc(k)}</code></td><td class='n'>{esc(str(v))}</td>"
            f"<td class='note'>{esc(p.fact_sources.get(k, ''))}</td></tr>"
            for k, v in p.facts.items()
        )
        or "<tr><td colspan=3>none: the scenario's own values</td></tr>"
    )
    history = ""
    if p.history is not None:
        cols = [c for c in p.history.columns if c != "week"]
        history = (
            f"<p>Also fitted: a weekly history of {len(p.history)} weeks ({esc(', '.join(cols))}), "
            f"as means of {s.history_block}-week blocks.</p>"
        )
    gen = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    from cxsim.fit.inference import MAX_FITTED, SCREEN_RHO

    n_fitted = int(fit.parameters["screened_in"].sum())
    screened = o.screening.simulations if o.screening is not None else 0
    others = (
        "They keep the scenario's values (calibrated to published evidence, docs/validation.md) during the fit "
        'and in every posterior draw (<code>fit.others = "calibrated"</code>): the posterior\'s doubt is the '
        "doubt about the fitted unknowns."
        if s.others == "calibrated"
        else 'They were drawn from their prior in every simulation (<code>fit.others = "prior"</code>), so their '
        "posterior is their prior and every posterior draw carries their doubt."
    )
    cmd = f"<p class='note'>Reproduce: <code>{esc(command)}</code></p>" if command else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>cxsim fit: {esc(p.name)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>
<body>
<h1>{esc(p.name)}: the model fitted to the firm's figures</h1>
<p class="sub">{esc(p.description)}</p>
<p class="sub">Starting scenario <code>{esc(p.base_name)}</code>; {len(p.free)} unknowns, {len(p.targets)} targets;
simulated at {s.people:,} people (the firm's market x {p.scale_factor:.3g}), {s.burn_in} weeks of burn-in then a
{s.window}-week window; ABC-SMC (pyabc), {s.population} particles a generation, {len(o.generations)} generations,
{o.simulations:,} simulations in {o.seconds / 60:.1f} minutes on {esc(o.runner)}; stopped: {esc(o.stopped_because)};
effective sample size of the last generation {fit.ess:.0f} of {s.population}.
cxsim {esc(version())}, seed {s.seed}; generated {gen}.</p>

<h2>The answer</h2>
<div class="box"><ul>
<li><b>{fit.within_sd} of {len(fit.targets)}</b> targets are met within their sd by the fitted firm
(<code>fitted.toml</code>, the unknowns at the {esc(fit.fitted_point)}), re-run over {s.check_seeds} seeds.</li>
<li>The data pin down <b>{counts.get("pinned down", 0)}</b> of the {len(p.free)} unknowns (posterior sd at most
{PINNED:g} x the prior's), narrow <b>{counts.get("narrowed", 0)}</b> (at most {NARROWED:g} x) and leave
<b>{counts.get("left open", 0)}</b> open. What-if answers should carry that doubt:
<code>cxsim compare A B --posterior DIR</code> runs them over posterior draws.</li>
</ul></div>

<h2>Targets: the firm's figures against the simulated firm</h2>
<img alt="targets against simulation" src="data:image/png;base64,{_png(targets_figure(fit))}">
<table><tr><th>target</th><th>unit</th><th>firm (&plusmn; sd)</th><th>fitted firm, mean</th>
<th>fitted firm, range over seeds</th><th>posterior predictive 90%</th><th>z</th><th>within sd</th>
<th>at its own size</th><th>source</th></tr>
{_target_rows(fit)}</table>
<p class="note">"Fitted firm" re-runs <code>fitted.toml</code> at the fit's scale with {s.check_seeds} new seeds: the
simulation's own noise; "at its own size" re-runs it in the firm's own market (when the fit ran a scaled-down copy
and the market has at most 200,000 people). The posterior predictive interval is the spread of the last generation's accepted
simulations: it adds the doubt about the unknowns. z = (fitted mean - firm) / sd.</p>
{history}

<h2>Which unknowns the data pin down</h2>
<p>First a screening: {screened} draws from the prior were simulated, and each unknown ranked by how strongly
some target moves with it (Spearman rank correlation |rho|). The {n_fitted} that reach {SCREEN_RHO:g} (at most {MAX_FITTED}) are
fitted by the SMC; these targets cannot tell the values of the other {len(p.free) - n_fitted} apart. {others}</p>
<p>Each panel is the posterior of one unknown (blue, weighted) over its whole prior range (dashed: the flat
prior); orange is the median. The {min(MARGINALS, n_fitted)} fitted unknowns are drawn, most narrowed first; the table lists all
{len(p.free)}. An unknown left open is one these targets cannot tell apart: the firm's figures are as likely with
any value in its range, so the model's answers that depend on it stay uncertain.</p>
<img alt="posterior marginals" src="data:image/png;base64,{_png(marginals_figure(fit))}">

<h2>The firm's facts (set exactly)</h2>
<table><tr><th>key</th><th>value</th><th>source</th></tr>{facts}</table>

<h2>How the inference went</h2>
<img alt="threshold per generation" src="data:image/png;base64,{_png(generations_figure(fit))}">
<p class="note">ABC-SMC accepts a simulation when its RMS z-score over the targets is below a threshold, which
falls generation by generation (the median of the previous generation's distances). The last generation's
accepted particles are the posterior.</p>

<h2>Every unknown</h2>
<table><tr><th>unknown</th><th>prior range</th><th>screening |rho|</th><th>moves most</th><th></th>
<th>posterior median</th><th>90% interval</th><th>sd / prior sd</th><th></th></tr>
{_parameter_rows(fit)}</table>

<h2>Files next to this page</h2>
<p><code>posterior.parquet</code>: the last generation's particles, one row each (every unknown, its weight, its
distance and its simulated figures <code>sim:*</code>). <code>fitted.toml</code>: the firm at its own size with
the unknowns at the posterior median, runnable with <code>cxsim run</code>. <code>fit.json</code>: every figure on
this page.</p>
{cmd}
</body></html>
"""
