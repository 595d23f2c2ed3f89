"""Small Solara components the pages share: lever controls, tables, progress."""

from __future__ import annotations

import html
import math

import pandas as pd
import solara

from cxsim.metrics import FLOWS, KPIS
from cxsim.ui import levers as lv
from cxsim.ui import state

#: How the delta table names a KPI's per-run outcome.
KPI_LABELS = {
    "nps": "NPS (points)", "customers": "Customers", "churned": "Churned customers", "new_customers": "New customers",
    "mean_engagement": "Mean engagement", "engaged_share": "Engaged employees (share)", "csat": "CSAT",
    "resolution_rate": "Resolution rate", "review_rating": "Review rating (stars)", "revenue": "Revenue ($)",
    "cost_total": "Total cost ($)", "profit": "Profit ($)", "cash": "Cash ($)", "delivery_gap": "Delivery gap",
    "bankrupt": "Bankrupt (share of runs)", "churn_rate": "Churn rate (per week)",
}


def kpi_label(kpi: str) -> str:
    return KPI_LABELS.get(kpi, kpi)


def fmt_num(x: float) -> str:
    """Numbers for a table: thousands separators for big ones, 3 significant digits for small ones."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if math.isinf(x):
        return "inf"
    a = abs(x)
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 100:
        return f"{x:.1f}"
    return f"{x:.3g}"


def delta_table_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison table as people read it (also what the CSV download of the table holds)."""
    rows = []
    for r in table.itertuples(index=False):
        rows.append({
            "KPI": kpi_label(r.kpi),
            "per run": "total over the run" if r.kpi in FLOWS else "final week",
            "baseline": r.a_mean, "variant": r.b_mean, "difference": r.diff,
            "ci_low": r.ci_low, "ci_high": r.ci_high, "distinguishable from noise": bool(r.significant),
        })
    return pd.DataFrame(rows)


def delta_table_html(table: pd.DataFrame, n_seeds: int) -> str:
    """HTML table: baseline, variant, difference (B - A) with 95% CI; clear differences highlighted."""
    head = ("<tr><th>KPI</th><th>per run</th><th>baseline</th><th>variant</th><th>difference</th>"
            "<th>95% CI</th><th>beyond noise?</th></tr>")
    body = []
    for r in table.itertuples(index=False):
        cls = ""
        if r.significant:
            cls = "up" if r.diff > 0 else "down"
        verdict = "yes" if r.significant else "no"
        body.append(
            f"<tr class='{cls}'><td>{html.escape(kpi_label(r.kpi))}</td>"
            f"<td>{'total' if r.kpi in FLOWS else 'final'}</td>"
            f"<td>{fmt_num(r.a_mean)}</td><td>{fmt_num(r.b_mean)}</td>"
            f"<td><b>{'+' if r.diff > 0 else ''}{fmt_num(r.diff)}</b></td>"
            f"<td>[{fmt_num(r.ci_low)}, {fmt_num(r.ci_high)}]</td><td>{verdict}</td></tr>"
        )
    caption = (f"<caption>Variant minus baseline over {n_seeds} paired seeds (common random numbers). "
               "Green/red: the 95% confidence interval excludes zero.</caption>")
    return f"<table class='cx-table cx-delta-table'>{caption}<thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"


def changes_html(changes: dict) -> str:
    """What differs between baseline and variant, one row per parameter."""
    if not changes:
        return "<p class='cx-muted'>Nothing changed yet: move a lever (left) to make the variant differ.</p>"
    rows = "".join(
        f"<tr><td>{html.escape(lv.label(k))}</td><td><code>{html.escape(k)}</code></td>"
        f"<td>{html.escape(lv.format_value(a))}</td><td><b>{html.escape(lv.format_value(b))}</b></td></tr>"
        for k, (a, b) in changes.items()
    )
    return ("<table class='cx-table cx-changes'><thead><tr><th>lever</th><th>key</th><th>baseline</th>"
            f"<th>variant</th></tr></thead><tbody>{rows}</tbody></table>")


CSS = """
.cx-table { border-collapse: collapse; font-size: 14px; margin: 6px 0 12px 0; }
.cx-table th, .cx-table td { border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: right; }
.cx-table th:first-child, .cx-table td:first-child { text-align: left; }
.cx-table caption { caption-side: top; text-align: left; color: #555; font-size: 13px; padding-bottom: 4px; }
.cx-table tr.up td { background: #e8f5e9; }
.cx-table tr.down td { background: #ffebee; }
.cx-changes td, .cx-changes th { text-align: left; }
.cx-muted { color: #777; }
.cx-question { border-left: 4px solid #e65100; padding: 4px 10px; background: #fff3e0; margin: 6px 0; }
.cx-lever-changed { border-left: 3px solid #e65100; padding-left: 6px; }
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
            solara.SliderFloat(label="", value=float(value), min=lever.lo, max=lever.hi, step=lever.step,
                               on_value=on_value, thumb_label=False)
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
