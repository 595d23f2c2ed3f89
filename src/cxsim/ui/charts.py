"""Figures for the web UI, drawn with matplotlib's object API (thread-safe, no CDN, no JS).

Fan charts show the median over seeds and the 10-90% band per week for both
arms, and the market-share chart each firm's share in each arm; the waterfall
shows how each changed lever adds up to the difference; the classroom figures
show one live model: its employees by team (vacant seats too), who the market
buys from, each firm's NPS and reputation NPS, its employees' engagement, its
customers' NPS mix and its word of mouth by channel. Titles and labels of KPIs
come from their declarations (:func:`cxsim.metrics.find`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from cxsim.comparison import fan
from cxsim.formatting import number, signed, tick
from cxsim.metrics import KPIS, find

BASE_COLOR = "#607d8b"  # baseline: neutral grey-blue
VARIANT_COLOR = "#e65100"  # variant: orange, stands out
UP, DOWN = "#2e7d32", "#c62828"
#: red (disengaged) -> amber -> green (engaged): the colours a class reads without a legend
ENGAGEMENT_CMAP = LinearSegmentedColormap.from_list("engagement", ["#c62828", "#f9a825", "#2e7d32"]).with_extremes(
    bad="#eeeeee"  # a vacant seat: light grey among the coloured employees
)
#: Firms' colours, the focal firm first (none of them the arms' grey-blue and orange), and nobody's customers.
FIRM_COLORS = ("#00838f", "#6a1b9a", "#ad1457", "#4e342e", "#558b2f", "#283593", "#9e9d24", "#00695c", "#5d4037")
NOBODY_COLOR = "#d6d6d6"
#: How the charts name the focal firm beside its rivals (a rival is named by its scenario key).
FOCAL_NAME = "our firm"


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
        ax.set_title(find(kpi).weekly_title, fontsize=11)
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

    kpi_title = find(kpi).title
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

    # When the levers' steps are small beside the totals (a profit of $1.37M moved by $29k), bars from zero would
    # hide them: the axis then spans the steps only, and says it does not start at zero.
    levels = np.cumsum([start] + [s.contribution for s in steps])
    reach = [*levels, end] + [lv + s.ci_low - s.contribution for lv, s in zip(levels[1:], steps, strict=True)]
    reach += [lv + s.ci_high - s.contribution for lv, s in zip(levels[1:], steps, strict=True)]
    lo, hi = min(reach), max(reach)
    floor = 0.0
    if (lo > 0 or hi < 0) and hi - lo < 0.3 * min(abs(lo), abs(hi)):
        pad = max(hi - lo, 1e-9 * span) * 0.6
        bottom, top = (lo - pad, hi + pad)
        ax.set_ylim(bottom, top)
        floor = bottom if lo > 0 else top

    level = start
    ax.bar(0, start, color=BASE_COLOR, width=0.6)
    value_label(0, (floor + start) / 2, number(start, kpi, style="short"))
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
    value_label(k, (floor + end) / 2, number(end, kpi, style="short"))
    if floor == 0.0:
        ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(names)), names, fontsize=10)
    ax.set_ylabel(kpi_title if floor == 0.0 else f"{kpi_title} (axis does not start at 0)")
    ax.yaxis.set_major_formatter(FuncFormatter(tick))
    ax.set_title(
        f"{kpi_title}: how each changed lever moves it from baseline to variant (error bars: 95% CI over paired seeds)",
        fontsize=11,
    )
    if floor == 0.0:
        ax.margins(y=0.08 if span else 0.1)
    ax.grid(axis="y", alpha=0.3)
    return fig


# ------------------------------------------------------------------ classroom


def team_grid(
    engagement: np.ndarray,
    team: np.ndarray,
    active: np.ndarray,
    front: np.ndarray,
    threshold: float,
    hires_coming: int = 0,
) -> Figure:
    """Seats as tiles, one row per supervisor team: employees coloured by engagement, vacant seats grey,
    the front line outlined.

    Args:
        engagement, team, active, front: the firm's workforce arrays, one entry per seat
            (``active``: the seat is filled; ``front``: its employee faces customers).
        threshold: engagement at which an employee counts as engaged.
        hires_coming: hires on their way (they will take vacant seats).
    """
    # the teams that have someone in them: seats the firm keeps for growth beyond them are not shown
    shown = int(team[active].max()) + 1 if active.any() else 1
    teams = np.arange(shown)
    width = max(int(np.bincount(team, minlength=shown)[:shown].max()), 1)
    grid = np.full((shown, width), np.nan)  # NaN: a vacant seat (the colour map's "bad" grey)
    fig = Figure(figsize=(7, max(2.5, 0.32 * shown + 1.5)))
    fig.subplots_adjust(left=0.1, right=0.9, top=0.88, bottom=0.14)
    ax = fig.subplots()
    xs, ys, vx, vy = [], [], [], []
    for r in teams:
        seats = np.flatnonzero(team == r)
        filled = active[seats]
        grid[r, : len(seats)] = np.where(filled, engagement[seats], np.nan)
        cols = np.flatnonzero(front[seats] & filled)
        xs.extend(cols)
        ys.extend([r] * len(cols))
        empty = np.flatnonzero(~filled)
        vx.extend(empty)
        vy.extend([r] * len(empty))
    im = ax.imshow(grid, cmap=ENGAGEMENT_CMAP, vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    side = (220 / max(width, shown)) ** 2
    # one artist for every outline: a patch per tile is slow to draw when the class watches it play
    ax.scatter(xs, ys, marker="s", s=side, facecolors="none", edgecolors="black", linewidths=1.2)
    ax.scatter(vx, vy, marker="x", s=side / 4, color="#9e9e9e", linewidths=1.0)
    ax.set_xlim(-0.5, width - 0.5)
    ax.set_ylim(shown - 0.5, -0.5)
    ax.set_yticks(range(shown), [f"team {t + 1}" for t in teams], fontsize=8)
    ax.set_xticks([])
    n = int(active.sum())
    engaged = float((engagement[active] >= threshold).mean()) if n else 0.0
    ax.set_title(f"Employees by supervisor team | {n} employees, {engaged:.0%} engaged", fontsize=10)
    coming = f"; {hires_coming} hire{'s' if hires_coming != 1 else ''} on the way" if hires_coming else ""
    ax.set_xlabel(f"outlined: faces customers | grey x: vacant seat ({len(vx)} now{coming})", fontsize=9)
    fig.colorbar(im, ax=ax, label="engagement", fraction=0.04, pad=0.02)
    return fig


def nps_mix(ts: pd.DataFrame) -> Figure:
    """Customers' promoter / passive / detractor shares week by week, and the NPS now."""
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
    # the legend in the stacking order, top to bottom
    _stacked_shares_frame(ax, colors, names, 0.85, "NPS = promoters - detractors", "share of customers")
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


def firm_colors(n_rivals: int) -> list[str]:
    """The focal firm's colour, then each rival's (:data:`FIRM_COLORS`, repeated past nine firms)."""
    return [FIRM_COLORS[k % len(FIRM_COLORS)] for k in range(n_rivals + 1)]


def share_charts(runs: pd.DataFrame, rivals: list[str], labels: tuple[str, str]) -> Figure:
    """Each firm's market share week by week, one panel per arm (median over seeds and the 10-90% band).

    Args:
        runs: the comparison's runs (column ``arm`` 'A' or 'B'; ``share`` and each rival's ``<rival>_share``).
        rivals: the rivals drawn (their columns must be in ``runs``).
        labels: the names of the two arms (baseline, variant).
    """
    from matplotlib.ticker import PercentFormatter

    columns = ["share"] + [f"{r}_share" for r in rivals]
    names = [FOCAL_NAME, *rivals]
    colors = firm_colors(len(rivals))
    fig = Figure(figsize=(14, 3.2), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    for ax, arm, title in zip(axes, ("A", "B"), labels, strict=True):
        for column, name, color in zip(columns, names, colors, strict=True):
            f = fan(runs, column)
            d = f[f["arm"] == arm]
            if d.empty:
                continue
            ax.fill_between(d["week"], d["low"], d["high"], color=color, alpha=0.2, linewidth=0)
            ax.plot(d["week"], d["median"], color=color, linewidth=2, label=f"{name}: {d['median'].iloc[-1]:.0%}")
        ax.set_title(title, fontsize=11)
        ax.set_xlabel("week", fontsize=9)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        # each firm's share at the end, where the eye lands after following its line
        ax.legend(fontsize=9, loc="best", title="share at the end", title_fontsize=9)
    axes[0].set_ylabel(find("share").label, fontsize=9)
    return fig


def market_mix(ts: pd.DataFrame, rivals: list[str], people: int) -> Figure:
    """Who the market's people buy from, week by week: each firm's customers and nobody's, as shares of people."""
    fig = _small_figure(legend_right=True)
    ax = fig.subplots()
    names = [FOCAL_NAME, *rivals, "nobody"]
    colors = [*firm_colors(len(rivals)), NOBODY_COLOR]
    if len(ts):
        w = ts["week"]
        customers = [ts["customers"].to_numpy(float)] + [ts[f"{r}_customers"].to_numpy(float) for r in rivals]
        nobody = people - np.sum(customers, axis=0)  # people who buy from no firm: newcomers and those who left
        ax.stackplot(w, *[c / people for c in customers], nobody / people, colors=colors, alpha=0.9)
        ax.set_xlim(w.iloc[0], max(w.iloc[-1], w.iloc[0] + 1))
        ax.set_title(f"Who people buy from | our market share now: {ts['share'].iloc[-1]:.0%}", fontsize=10)
    else:
        ax.set_title("Who people buy from (press Step or Play)", fontsize=10)
    # top to bottom as stacked
    labels = [f"{n}'s customers" if n != "nobody" else "nobody's" for n in names[::-1]]
    title = "market share = our customers\n/ all firms' customers"
    _stacked_shares_frame(ax, colors[::-1], labels, 0.9, title, f"share of the {people:,} people")
    return fig


def _stacked_shares_frame(ax, colors: list[str], labels: list[str], alpha: float, title: str, ylabel: str) -> None:
    """Legend, 0-100% axis and labels of a stacked-shares chart; the legend sits beside the chart, where it
    never hides a band (``colors`` and ``labels`` top to bottom, as stacked)."""
    from matplotlib.patches import Patch
    from matplotlib.ticker import PercentFormatter

    ax.legend(
        [Patch(color=c, alpha=alpha) for c in colors],
        labels,
        loc="center left",
        bbox_to_anchor=(1.02, 0.5),
        fontsize=8,
        frameon=False,
        title=title,
        title_fontsize=8,
    )
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylabel(ylabel, fontsize=9)
    ax.set_xlabel("week", fontsize=9)


def nps_race(ts: pd.DataFrame, rivals: list[str]) -> Figure:
    """Each firm's NPS (its customers', solid) and reputation NPS (everyone who has been its customer, dashed).

    The two part when unhappy customers leave: NPS rises as they go, reputation keeps their memory. The
    legend gives each line's value now.
    """
    fig = _small_figure(legend_right=True)
    fig.subplots_adjust(right=0.62)  # the legend's labels carry the values
    ax = fig.subplots()
    prefixes = ["", *[f"{r}_" for r in rivals]]
    names = [FOCAL_NAME, *rivals]
    for prefix, name, color in zip(prefixes, names, firm_colors(len(rivals)), strict=True):
        for kpi, style, width in (("nps", "-", 2.0), ("reputation", "--", 1.6)):
            values = ts[prefix + kpi]
            now = f" {values.iloc[-1]:+.0f}" if len(ts) else ""  # whole points: what a class reads
            label = f"{name}: {'NPS' if kpi == 'nps' else 'reputation'}{now}"
            ax.plot(ts["week"], values, color=color, linewidth=width, linestyle=style, label=label)
    if len(ts):
        ax.set_xlim(ts["week"].iloc[0], max(ts["week"].iloc[-1], ts["week"].iloc[0] + 1))
    else:
        ax.set_ylim(-100, 100)  # the scale's range, until the first week
    ax.axhline(0, color="black", linewidth=0.6)
    ax.legend(
        fontsize=8,
        loc="center left",
        bbox_to_anchor=(1.02, 0.5),
        frameon=False,
        title="solid: customers' NPS\ndashed: reputation NPS\n(former customers too)",
        title_fontsize=8,
    )
    ax.set_ylabel("points", fontsize=9)
    ax.set_xlabel("week", fontsize=9)
    ax.set_title(f"NPS and reputation: {FOCAL_NAME} vs {', '.join(rivals) or 'nobody'}", fontsize=10)
    ax.grid(alpha=0.3)
    return fig


#: The engagement KPIs the classroom follows week by week, with their line styles.
ENGAGEMENT_LINES = [("mean_engagement", "-"), ("frontline_engagement", "--")]


def engagement_lines(ts: pd.DataFrame) -> Figure:
    """Mean engagement of all employees and of those facing customers, over the weeks so far."""
    fig = _small_figure(legend_right=True)
    ax = fig.subplots()
    for column, style in ENGAGEMENT_LINES:
        ax.plot(ts["week"], ts[column], color=UP, linewidth=2, linestyle=style, label=KPIS[column].label)
    if len(ts):
        ax.set_xlim(ts["week"].iloc[0], max(ts["week"].iloc[-1], ts["week"].iloc[0] + 1))
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False)
    ax.set_ylim(0, 1)
    ax.set_ylabel("engagement (0-1)", fontsize=9)
    ax.set_xlabel("week", fontsize=9)
    ax.set_title("Employee engagement", fontsize=10)
    ax.grid(alpha=0.3)
    return fig
