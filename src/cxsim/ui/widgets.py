"""Small Solara components the pages share: lever controls, tables, progress."""

from __future__ import annotations

import html

import pandas as pd
import solara

from cxsim.comparison import verdict
from cxsim.formatting import number, signed
from cxsim.metrics import KPIS, describe_outcome, find
from cxsim.ui import levers as lv
from cxsim.ui import state


def row_verdict(kpi: str, diff: float, significant: bool) -> tuple[str, str]:
    """A difference's verdict and its row's colour class (``good``, ``bad`` or none), seen from the focal firm.

    A rival's row (``rival_share``, ...) says how the rival fares, "worse for the rival", and is coloured for
    our firm: green when the rival loses share, customers or goodwill, red when it gains them.
    """
    word = verdict(kpi, diff, significant)
    if kpi in KPIS or word not in ("better", "worse"):
        return word, {"better": "good", "worse": "bad"}.get(word, "")
    return f"{word} for the rival", "bad" if word == "better" else "good"


def delta_table_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison table as people read it (also what the CSV download of the table holds)."""
    rows = []
    for r in table.itertuples(index=False):
        rows.append(
            {
                "KPI": find(r.kpi).title,
                "per run": describe_outcome(r.kpi),
                "baseline": r.a_mean,
                "variant": r.b_mean,
                "difference": r.diff,
                "ci_low": r.ci_low,
                "ci_high": r.ci_high,
                "distinguishable from noise": bool(r.significant),
                "verdict for the variant": row_verdict(r.kpi, r.diff, bool(r.significant))[0],
            }
        )
    return pd.DataFrame(rows)


def delta_table_html(table: pd.DataFrame, n_seeds: int, sections: list[tuple[str, list[str]]] | None = None) -> str:
    """HTML table: baseline, variant, difference (B - A) with 95% CI; green/red when better/worse beyond noise.

    ``sections`` (title, KPIs) puts the rows under headings, in that order (:func:`cxsim.ui.analysis.table_sections`);
    without it the rows come as in ``table``.
    """
    head = (
        "<tr><th>KPI</th><th>measured as</th><th>baseline</th><th>variant</th><th>difference</th>"
        "<th>95% CI of the difference</th><th>verdict</th></tr>"
    )
    rows = {r.kpi: r for r in table.itertuples(index=False)}
    groups = [(None, list(rows))] if sections is None else [(t, [k for k in ks if k in rows]) for t, ks in sections]
    body = []
    for title, kpis in groups:
        if title is not None and kpis:
            body.append(f"<tr class='cx-section'><th colspan='7'>{html.escape(title)}</th></tr>")
        for kpi in kpis:
            r = rows[kpi]
            word, cls = row_verdict(kpi, r.diff, bool(r.significant))
            body.append(
                f"<tr class='{cls}'><td>{html.escape(find(kpi).title)}</td>"
                f"<td>{describe_outcome(kpi)}</td>"
                f"<td>{number(r.a_mean, kpi)}</td><td>{number(r.b_mean, kpi)}</td>"
                f"<td><b>{signed(r.diff, kpi)}</b></td>"
                f"<td>[{number(r.ci_low, kpi)}, {number(r.ci_high, kpi)}]</td><td>{word}</td></tr>"
            )
    caption = (
        f"<caption>Variant minus baseline, mean over {n_seeds} paired seeds (both firms meet the same "
        "customers and the same luck in each seed). <span class='good'>Green: better for the firm</span>, "
        "<span class='bad'>red: worse</span>, beyond noise (the 95% confidence interval excludes zero); "
        "white: the difference is within noise. A rival's rows say how the rival fares, coloured for our "
        "firm: green when the rival does worse.</caption>"
    )
    return (
        f"<table class='cx-table cx-delta-table'>{caption}<thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"
    )


def share_text(x: float) -> str:
    """A share of posterior draws as a percentage ("83%"); "-" when it is undefined (no difference at all)."""
    return "-" if x != x else f"{100 * x:.0f}%"


#: Share of the posterior draws at or above which an answer holds "across the posterior" (as ``cxsim compare``).
ROBUST = 0.9


def posterior_row_class(kpi: str, r) -> tuple[str, str]:
    """A posterior table row's verdict and colour class.

    *better* / *worse* (green / red): beyond noise, that way, in at least 90% of the draws; *split* (amber): fewer
    than 90% of the draws agree on the sign; *same sign, noisy*: they agree, but some draws are within noise.
    """
    if r.share_same_sign != r.share_same_sign:  # NaN: B - A is exactly 0 on average (a flag never raised, say)
        return "no difference", ""
    if r.share_beyond_noise >= ROBUST:
        return row_verdict(kpi, r.diff, True)
    if r.share_same_sign < ROBUST:
        return "split", "split"
    return "same sign, noisy", ""


def posterior_table_html(
    table: pd.DataFrame, n_draws: int, n_seeds: int, sections: list[tuple[str, list[str]]] | None = None
) -> str:
    """HTML table of a what-if over a posterior (:class:`cxsim.fit.whatif.PosteriorComparison`'s ``table``).

    Per KPI: baseline and variant (means over draws and seeds), B - A, where 90% of the draws' differences lie,
    and the shares of draws that agree with the sign and that are also beyond their seeds' noise. ``sections``
    as in :func:`delta_table_html`; KPIs in no section come last.
    """
    head = (
        "<tr><th>KPI</th><th>measured as</th><th>baseline (A)</th><th>variant (B)</th><th>B - A</th>"
        "<th>90% of draws between</th><th>draws agreeing on the sign</th><th>draws beyond noise</th>"
        "<th>verdict</th></tr>"
    )
    rows = {r.kpi: r for r in table.itertuples(index=False)}
    groups = [(None, list(rows))] if sections is None else [(t, [k for k in ks if k in rows]) for t, ks in sections]
    listed = {k for _, ks in groups for k in ks}
    rest = [k for k in rows if k not in listed]
    if rest:
        groups.append(("Other", rest))
    body = []
    for title, kpis in groups:
        if title is not None and kpis:
            body.append(f"<tr class='cx-section'><th colspan='9'>{html.escape(title)}</th></tr>")
        for kpi in kpis:
            r = rows[kpi]
            word, cls = posterior_row_class(kpi, r)
            body.append(
                f"<tr class='{cls}'><td>{html.escape(find(kpi).title)}</td>"
                f"<td>{describe_outcome(kpi)}</td>"
                f"<td>{number(r.a_mean, kpi)}</td><td>{number(r.b_mean, kpi)}</td>"
                f"<td><b>{signed(r.diff, kpi)}</b></td>"
                f"<td>[{number(r.lo90, kpi)}, {number(r.hi90, kpi)}]</td>"
                f"<td>{share_text(r.share_same_sign)}</td><td>{share_text(r.share_beyond_noise)}</td>"
                f"<td>{html.escape(word)}</td></tr>"
            )
    caption = (
        f"<caption>Variant minus baseline over {n_draws} draws of the fitted firm's unknowns x {n_seeds} paired "
        "seeds each: in a draw both firms have the same unknowns and meet the same customers and luck. "
        "<i>B - A</i>: mean over the draws; <i>90% of draws between</i>: where 90% of the draws' differences lie "
        "(the doubt about the unknowns plus the seeds' noise); <i>agreeing on the sign</i>: share of draws whose "
        "difference points the way of the mean; <i>beyond noise</i>: share that also exclude zero with their "
        "seeds' 95% interval. <span class='good'>Green: better for the firm</span>, <span class='bad'>red: "
        f"worse</span>, beyond noise in at least {100 * ROBUST:.0f}% of the draws; <span class='split'>amber: "
        f"the posterior is split</span> (fewer than {100 * ROBUST:.0f}% of the draws agree on the sign); "
        "<i>same sign, noisy</i>: the draws agree on the sign, but in some the difference is within noise.</caption>"
    )
    return (
        f"<table class='cx-table cx-posterior-table'>{caption}<thead>{head}</thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def posterior_lesson_html(c) -> str:
    """For a lesson's pair: how much of the posterior the lesson holds in, and (below 90%) what it depends on.

    ``c`` is a :class:`cxsim.fit.whatif.PosteriorComparison`; '' when the pair is not a lesson.
    """
    if c.lesson is None:
        return ""
    from cxsim.fit.whatif import drivers

    share, direction = c.lesson_share, c.lesson_direction_share
    le = c.lesson
    claim = f"{find(le.kpi).title} {'higher' if le.expect > 0 else 'lower'} in the variant"
    text = (
        f"Lesson '{html.escape(le.title)}': holds in {100 * share:.0f}% of the posterior (beyond noise); "
        f"its direction in {100 * direction:.0f}% <span class='cx-muted'>(the lesson: {html.escape(claim)})</span>."
    )
    if share < ROBUST:
        top = drivers(c, le.kpi)
        if top:
            text += " Its size depends most on: " + ", ".join(
                f"<code>{html.escape(k)}</code> (rank correlation {r:+.2f})" for k, r in top
            )
            text += "."
    cls = "good" if share >= ROBUST else "split"
    return f"<p class='cx-lesson-verdict {cls}'>{text}</p>"


#: The KPIs the one-line answer above the charts speaks of, in this order: what customers say (NPS) and what
#: everyone who has been a customer says (reputation), the firm's place in the market, its people, its money.
HEADLINE_KPIS = ("nps", "reputation", "share", "mean_engagement", "profit")


def headline_html(table: pd.DataFrame, variant: str, baseline: str, n_seeds: int, weeks: int) -> str:
    """The answer in one sentence: the variant's difference on the KPIs a strategist asks about first."""
    rows = table.set_index("kpi")
    parts = []
    for kpi in HEADLINE_KPIS:
        if kpi not in rows.index:
            continue
        r = rows.loc[kpi]
        word = verdict(kpi, float(r["diff"]), bool(r["significant"]))
        cls = {"better": "good", "worse": "bad"}.get(word, "")
        parts.append(
            f"<span class='{cls}'><b>{html.escape(find(kpi).label)} {signed(float(r['diff']), kpi)}</b> "
            f"[{number(float(r['ci_low']), kpi)}, {number(float(r['ci_high']), kpi)}]</span> ({word})"
        )
    return (
        f"<p class='cx-headline'>After {weeks} weeks, <b>{html.escape(variant)}</b> vs "
        f"<b>{html.escape(baseline)}</b>: "
        + "; ".join(parts)
        + f". <span class='cx-muted'>Mean difference [95% CI] over {n_seeds} paired seeds.</span></p>"
    )


def changes_html(changes: dict) -> str:
    """What differs between baseline and variant, one row per parameter."""
    if not changes:
        return "<p class='cx-muted'>Nothing changed yet: move a lever (left) to make the variant differ.</p>"
    rows = "".join(
        f"<tr><td>{html.escape(lv.label(k))}</td><td><code>{html.escape(k)}</code></td>"
        f"<td>{html.escape(lv.format_value(a))}</td><td><b>{html.escape(lv.format_value(b))}</b></td></tr>"
        for k, (a, b) in changes.items()
    )
    return (
        "<table class='cx-table cx-changes'><thead><tr><th>lever</th><th>key</th><th>baseline</th>"
        f"<th>variant</th></tr></thead><tbody>{rows}</tbody></table>"
    )


CSS = """
.cx-table { border-collapse: collapse; font-size: 14px; margin: 6px 0 12px 0; }
.cx-table th, .cx-table td { border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: right; }
.cx-table th:first-child, .cx-table td:first-child { text-align: left; }
.cx-table tr.cx-section th { text-align: left; background: #f3f3f3; font-weight: 600; padding-top: 8px; }
.cx-table caption { caption-side: top; text-align: left; color: #555; font-size: 13px; padding-bottom: 4px; }
.cx-table tr.good td, span.good { background: #e8f5e9; }
.cx-table tr.bad td, span.bad { background: #ffebee; }
.cx-headline { font-size: 16px; border-left: 4px solid #e65100; padding: 6px 12px; background: #fafafa; }
.cx-preview pre, pre.cx-preview { white-space: pre-wrap; word-break: break-word; }
.cx-changes td, .cx-changes th { text-align: left; }
.cx-muted { color: #777; }
.cx-live-figs img { width: 100%; max-width: 640px; height: auto; }
.cx-question { border-left: 4px solid #e65100; padding: 4px 10px; background: #fff3e0; margin: 6px 0; }
.cx-lever-changed { border-left: 3px solid #e65100; padding-left: 6px; }
.cx-table tr.split td, span.split { background: #fff8e1; }
.cx-posterior-table td:nth-child(n+3) { white-space: nowrap; }
.cx-posterior-table td:first-child { min-width: 160px; }
.cx-posterior { border-top: 1px solid #ddd; margin-top: 8px; padding-top: 4px; }
.cx-lesson-verdict { font-size: 15px; padding: 6px 12px; border-left: 4px solid #2e7d32; }
.cx-lesson-verdict.split { border-left-color: #f9a825; background: #fff8e1; }
.cx-lesson-verdict.good { background: #e8f5e9; }
"""


@solara.component
def Md(text: str, classes: list[str] | None = None):
    """Markdown rendered to HTML on the server.

    ``solara.Markdown`` would load mermaid and KaTeX from the CDN in the browser for every
    block; these pages need neither, and must work offline.
    """
    import markdown

    solara.HTML(tag="div", unsafe_innerHTML=markdown.markdown(text), classes=["cx-md", *(classes or [])])


@solara.component
def LeverControl(lever: lv.Lever, error: solara.Reactive[dict]):
    """One lever of the variant; marked when it differs from the base."""
    value = state.variant.value.get(lever.key)
    base_value = state.base.value.get(lever.key)
    changed = value != base_value

    def on_value(v, key=lever.key):
        msg = state.set_lever(key, v)
        errs = dict(error.value)
        if msg:
            errs[key] = msg
        else:
            errs.pop(key, None)
        error.set(errs)

    label = lever.label + (f"  (base: {lv.format_value(base_value)})" if changed else "")
    with solara.Div(classes=["cx-lever-changed"] if changed else []):
        if lever.kind == "bool":
            solara.Switch(label=label, value=bool(value), on_value=on_value)
        elif lever.kind == "choice":
            solara.Select(label=label, value=value, values=list(lever.choices), on_value=on_value)
        elif lever.kind == "slider":
            # label on its own line: beside a slider it squeezes the slider in a narrow column
            solara.Text(f"{label}: {lv.format_value(value)}", style={"font-size": "14px"})
            solara.SliderFloat(
                label="",
                value=float(value),
                min=lever.lo,
                max=lever.hi,
                step=lever.step,
                on_value=on_value,
                thumb_label=False,
            )
        elif lever.kind == "integer":
            solara.InputInt(label=label, value=int(value), on_value=on_value, continuous_update=False)
        else:
            solara.InputFloat(label=label, value=float(value), on_value=on_value, continuous_update=False)
        if lever.key in error.value:
            solara.Error(error.value[lever.key], dense=True)


@solara.component
def Progress(value: float, status: str, running: bool):
    if running:
        solara.ProgressLinear(value if value > 0 else True)
    if status:
        solara.Text(status, style={"color": "#555", "font-size": "13px"})


def kpi_choices() -> list[str]:
    return [k for k in KPIS if k != "week"]
