"""Figures for the web UI, drawn with matplotlib's object API (thread-safe, no CDN, no JS).

Fan charts show the median over seeds and the 10-90% band per week for both
arms; the waterfall shows how each changed lever adds up to the difference;
the classroom figures show one live model: its employees by team, its
customers' NPS mix and its word of mouth by channel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from cxsim.comparison import fan
from cxsim.formatting import number, signed, tick
from cxsim.metrics import KPIS

BASE_COLOR = "#607d8b"  # baseline: neutral grey-blue
VARIANT_COLOR = "#e65100"  # variant: orange, stands out
UP, DOWN = "#2e7d32", "#c62828"
#: red (disengaged) -> amber -> green (engaged): the colours a class reads without a legend
ENGAGEMENT_CMAP = LinearSegmentedColormap.from_list("engagement", ["#c62828", "#f9a825", "#2e7d32"])


def fan_charts(runs: pd.DataFrame, kpis: list[str], labels: tuple[str, str]) -> Figure:
    """One panel per KPI (titled by its declaration): median line and 10-90% band over seeds, baseline and variant."""
    from matplotlib.ticker import FuncFormatter

    n = len(kpis)
    cols = 4
    rows = (n + cols - 1) // cols
    fig = Figure(figsize=(14, 3.1 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, kpi in zip(axes, kpis, strict=False):
        f = fan(runs, kpi)
        for arm, color, name in (("A", BASE_COLOR, labels[0]), ("B", VARIANT_COLOR, labels[1])):
            d = f[f["arm"] == arm]
            if d.empty:
                continue
            ax.fill_between(d["week"], d["low"], d["high"], color=color, alpha=0.22, linewidth=0)
            ax.plot(d["week"], d["median"], color=color, linewidth=2, label=name)
        ax.set_title(KPIS[kpi].weekly_title, fontsize=11)
        ax.set_xlabel("week", fontsize=9)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
        ax.yaxis.set_major_formatter(FuncFormatter(tick))
    for ax in axes[n:]:
        ax.axis("off")
    if n < len(axes):
        # the spare panel holds the legend, explained once for all panels
        leg_ax = axes[n]
        handles, names = axes[0].get_legend_handles_labels()
        from matplotlib.patches import Patch

        handles += [Patch(color="#999999", alpha=0.3)]
        names += ["10-90% of seeds"]
        leg_ax.legend(handles, names, loc="center", fontsize=11, frameon=False, title="line: median over seeds")
    else:
        axes[0].legend(fontsize=8)
    return fig


def waterfall(
    start: float, end: float, table: pd.DataFrame, labels: dict[str, str], kpi: str, ends: tuple[str, str]
) -> Figure:
    """Baseline bar, one floating bar per lever (with its 95% CI), variant bar; ``kpi`` names the KPI explained."""
    from matplotlib.ticker import FuncFormatter

    kpi_title = KPIS[kpi].title
    steps = list(table.itertuples(index=False))
    names = [ends[0]] + [labels.get(s.lever, s.lever) for s in steps] + [ends[1]]
    fig = Figure(figsize=(max(9.0, 2.0 * len(names)), 4.6), layout="constrained")
    ax = fig.subplots()
    span = max([abs(start), abs(end)] + [abs(s.contribution) for s in steps] + [1e-9])

    def value_label(x: float, y: float, text: str) -> None:
        ax.text(
            x,
            y,
            text,
            ha="center",
            va="center",
            fontsize=10,
            fontweight="bold",
            color="white",
            bbox={"boxstyle": "round,pad=0.2", "facecolor": "#00000055", "edgecolor": "none"},
        )

    level = start
    ax.bar(0, start, color=BASE_COLOR, width=0.6)
    value_label(0, start / 2, number(start, kpi, style="short"))
    for i, s in enumerate(steps, start=1):
        color = UP if s.contribution >= 0 else DOWN
        ax.bar(i, s.contribution, bottom=level, color=color, width=0.6)
        top = level + s.contribution
        # the CI of a contribution, drawn at the end of its bar, offset so the label stays readable
        ax.errorbar(
            i + 0.2,
            top,
            yerr=[[max(s.contribution - s.ci_low, 0)], [max(s.ci_high - s.contribution, 0)]],
            color="black",
            capsize=5,
            linewidth=1.4,
        )
        value_label(i, level + s.contribution / 2, signed(s.contribution, kpi, style="short"))
        ax.plot([i - 0.7, i - 0.3], [level, level], color="#888888", linewidth=1, linestyle=":")
        level = top
    k = len(names) - 1
    ax.plot([k - 0.7, k - 0.3], [level, level], color="#888888", linewidth=1, linestyle=":")
    ax.bar(k, end, color=VARIANT_COLOR, width=0.6)
    value_label(k, end / 2, number(end, kpi, style="short"))
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(names)), names, fontsize=10)
    ax.set_ylabel(kpi_title)
    ax.yaxis.set_major_formatter(FuncFormatter(tick))
    ax.set_title(
        f"{kpi_title}: how each changed lever moves it from baseline to variant (error bars: 95% CI over paired seeds)",
        fontsize=11,
    )
    ax.margins(y=0.08 if span else 0.1)
    ax.grid(axis="y", alpha=0.3)
    return fig


# ------------------------------------------------------------------ classroom


def team_grid(engagement: np.ndarray, team: np.ndarray, front: np.ndarray, threshold: float) -> Figure:
    """Employees as tiles, one row per supervisor team, coloured by engagement; front line outlined."""
    teams = np.unique(team)
    width = max(int(np.bincount(team).max()), 1)
    grid = np.full((len(teams), width), np.nan)
    front_mask = np.zeros(len(engagement), dtype=bool)
    front_mask[front] = True
    fig = Figure(figsize=(7, max(2.5, 0.32 * len(teams) + 1.2)))
    fig.subplots_adjust(left=0.1, right=0.9, top=0.9, bottom=0.05)
    ax = fig.subplots()
    xs, ys = [], []
    for r, t in enumerate(teams):
        members = np.flatnonzero(team == t)
        grid[r, : len(members)] = engagement[members]
        cols = np.flatnonzero(front_mask[members])
        xs.extend(cols)
        ys.extend([r] * len(cols))
    im = ax.imshow(grid, cmap=ENGAGEMENT_CMAP, vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    # one artist for every outline: a patch per tile is slow to draw when the class watches it play
    ax.scatter(
        xs, ys, marker="s", s=(220 / max(width, len(teams))) ** 2, facecolors="none", edgecolors="black", linewidths=1.2
    )
    ax.set_xlim(-0.5, width - 0.5)
    ax.set_ylim(len(teams) - 0.5, -0.5)
    ax.set_yticks(range(len(teams)), [f"team {t + 1}" for t in teams], fontsize=8)
    ax.set_xticks([])
    engaged = float((engagement >= threshold).mean())
    ax.set_title(f"Employees by supervisor team (outlined: front line) | engaged: {engaged:.0%}", fontsize=10)
    fig.colorbar(im, ax=ax, label="engagement", fraction=0.04, pad=0.02)
    return fig


def nps_mix(ts: pd.DataFrame) -> Figure:
    """Customers' promoter / passive / detractor shares week by week, and the NPS now."""
    from matplotlib.patches import Patch
    from matplotlib.ticker import PercentFormatter

    fig = _small_figure(legend_right=True)
    ax = fig.subplots()
    names = ["promoters (9-10)", "passives (7-8)", "detractors (0-6)"]
    colors = [UP, "#bdbdbd", DOWN]
    if len(ts):
        w = ts["week"]
        ax.stackplot(
            w, ts["detractor_share"], ts["passive_share"], ts["promoter_share"], colors=colors[::-1], alpha=0.85
        )
        ax.set_xlim(w.iloc[0], max(w.iloc[-1], w.iloc[0] + 1))
        ax.set_title(f"Customers' NPS mix | NPS now: {signed(ts['nps'].iloc[-1], 'nps')}", fontsize=10)
    else:
        ax.set_title("Customers' NPS mix (press Step or Play)", fontsize=10)
    # the legend in the stacking order, top to bottom, beside the chart: inside it would hide a band
    ax.legend(
        [Patch(color=c, alpha=0.85) for c in colors],
        names,
        loc="center left",
        bbox_to_anchor=(1.02, 0.5),
        fontsize=8,
        frameon=False,
        title="NPS = promoters - detractors",
        title_fontsize=8,
    )
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylabel("share of customers", fontsize=9)
    ax.set_xlabel("week", fontsize=9)
    return fig


#: The word-of-mouth KPIs drawn, negative channels first, with their colours (labels: their declarations).
WOM_CHANNELS = [
    ("wom_friends_negative", "#c62828"),
    ("wom_social_negative", "#ef6c00"),
    ("wom_review_negative", "#6a1b9a"),
    ("wom_tweet_negative", "#1565c0"),
    ("wom_positive", "#2e7d32"),
]


def wom_channels(ts: pd.DataFrame, last: int = 26) -> Figure:
    """Word-of-mouth messages by channel over the last weeks (negative stacked up, positive down)."""
    fig = _small_figure(legend_right=True)
    ax = fig.subplots()
    d = ts.tail(last)
    if len(d):
        neg = WOM_CHANNELS[:-1]
        # stacked areas: a bar per channel per week is too slow to redraw every week in class
        ax.stackplot(
            d["week"],
            *[d[c].to_numpy(float) for c, _ in neg],
            colors=[color for _, color in neg],
            labels=[KPIS[c].label for c, _ in neg],
            step="mid",
            alpha=0.9,
        )
        col, color = WOM_CHANNELS[-1]
        ax.fill_between(
            d["week"], -d[col].to_numpy(float), 0, step="mid", color=color, label=KPIS[col].label, alpha=0.9
        )
        viral = d[d["wom_viral"] > 0]
        top = d[[c for c, _ in neg]].sum(axis=1)
        for w in viral["week"]:
            ax.annotate(
                "viral!", (w, float(top[d["week"] == w].iloc[0])), ha="center", va="bottom", fontsize=8, color="#1565c0"
            )
        handles, names = ax.get_legend_handles_labels()
        # beside the chart, negative channels on top as in the stack, so it never hides a week
        ax.legend(
            handles[-2::-1] + [handles[-1]],
            names[-2::-1] + [names[-1]],
            fontsize=8,
            loc="center left",
            bbox_to_anchor=(1.02, 0.5),
            frameon=False,
        )
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylabel("negative up, positive down", fontsize=8)
    ax.set_title("Word of mouth by channel (messages per week)", fontsize=10)
    ax.set_xlabel("week", fontsize=9)
    return fig


def _small_figure(legend_right: bool = False) -> Figure:
    # fixed margins: constrained layout costs more than the drawing itself at every week
    fig = Figure(figsize=(6, 3.2))
    fig.subplots_adjust(left=0.13, right=0.66 if legend_right else 0.88, top=0.9, bottom=0.15)
    return fig


def live_kpis(ts: pd.DataFrame) -> Figure:
    """Customers and NPS over the weeks so far, the two numbers a class watches."""
    fig = _small_figure()
    ax = fig.subplots()
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(tick))
    if len(ts):
        ax.plot(ts["week"], ts["customers"], color=VARIANT_COLOR, linewidth=2)
        ax2 = ax.twinx()
        ax2.plot(ts["week"], ts["mean_engagement"], color=UP, linewidth=1.5, linestyle="--")
        ax2.set_ylabel("engagement (dashed)", fontsize=9, color=UP)
        ax2.set_ylim(0, 1)
    ax.set_ylabel("customers", fontsize=9, color=VARIANT_COLOR)
    ax.set_xlabel("week", fontsize=9)
    ax.set_title("Customers and employee engagement", fontsize=10)
    ax.grid(alpha=0.3)
    return fig
