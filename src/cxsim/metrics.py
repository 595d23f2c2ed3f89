"""Phase 12: the KPIs, one column each, one row per week (domain brief section 3).

Each KPI is declared once, below, as a :class:`KPI`: its column name, a short
label for tables and charts, its unit, how its numbers are written (the
format kind, read by :mod:`cxsim.formatting`), how one run is summarised
(``kind``: total of a flow, mean of a noisy weekly rate, final level),
whether higher or lower is better for the firm, and a one-line meaning. The
command line, the HTML report and the web UI read these declarations; nothing
else keeps a table of KPI labels.

``KPIS`` maps each name to its declaration, in column order: the model fills a
row per week with these columns and ``Result.timeseries`` is those rows.
``FLOWS``, ``AVERAGED`` and :func:`outcome_kind` are derived from it.

A new KPI is one line in ``_DECLARED`` (:func:`kpi`); columns that differ only
by a member (a channel, a firm) are one :func:`family`. Each rival firm adds the
columns of :data:`RIVAL_KEYS` prefixed with its name (``rival_share``,
``rival_nps`` ...): :func:`kpi_columns` lists a scenario's columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

#: How a value is written (see :mod:`cxsim.formatting`).
FormatKind = Literal["count", "money", "share", "points", "stars", "rate", "ratio", "level", "weeks", "flag"]
#: How one run's weekly values become one number: summed (flows), averaged (noisy rates) or the final week's.
SummaryKind = Literal["total", "mean", "final"]
Better = Literal["higher", "lower"] | None

#: The unit a format kind implies, unless a KPI names its own.
DEFAULT_UNITS: dict[str, str] = {
    "count": "",
    "money": "$",
    "share": "share",
    "points": "points",
    "stars": "stars",
    "rate": "per week",
    "ratio": "",
    "level": "0-1",
    "weeks": "",
    "flag": "share of runs",
}
_SUMMARY_WORDS = {"total": "total over the run", "mean": "mean over the run", "final": "final week"}


@dataclass(frozen=True)
class KPI:
    """One KPI column: what it is called, measured in, written as, and which way is good.

    Attributes:
        name: the column name (``nps``, ``total_cost``...).
        label: short human name for tables and charts (``"NPS"``).
        unit: what the numbers count (``"points"``, ``"$"``, ``""`` for plain counts).
        format: how a value is written, one of :data:`FormatKind` (see :mod:`cxsim.formatting`).
        kind: how one run is summarised: ``"total"`` (flows), ``"mean"`` (weekly rates), ``"final"`` (levels).
        better: ``"higher"`` or ``"lower"`` when one direction is good for the firm, else None.
        meaning: one line saying what the column measures.
    """

    name: str
    label: str
    unit: str
    format: FormatKind
    kind: SummaryKind
    better: Better
    meaning: str

    def __post_init__(self) -> None:
        if self.format not in DEFAULT_UNITS:
            raise ValueError(f"KPI {self.name}: unknown format {self.format!r}; one of {', '.join(DEFAULT_UNITS)}")
        if self.kind not in _SUMMARY_WORDS:
            raise ValueError(f"KPI {self.name}: unknown kind {self.kind!r}; one of {', '.join(_SUMMARY_WORDS)}")
        if self.better not in ("higher", "lower", None):
            raise ValueError(f"KPI {self.name}: better must be 'higher', 'lower' or None, not {self.better!r}")

    @property
    def title(self) -> str:
        """Label with its unit, for a table row or a chart: ``"NPS (points)"``, ``"Customers"``."""
        return f"{self.label} ({self.unit})" if self.unit else self.label

    @property
    def weekly_title(self) -> str:
        """Title of a chart of the weekly column: flows are per week (``"Revenue ($/week)"``)."""
        if self.kind != "total":
            return self.title
        return f"{self.label} ({self.unit}/week)" if self.unit else f"{self.label} (per week)"

    @property
    def per_run(self) -> str:
        """How one run's outcome is read, in words: ``"final week"``, ``"total over the run"``..."""
        if self.format == "flag":
            return f"share of runs {self.label.lower()} by the end"
        return _SUMMARY_WORDS[self.kind]


def kpi(
    name: str,
    label: str,
    format: FormatKind,
    kind: SummaryKind,
    better: Better,
    meaning: str,
    *,
    unit: str | None = None,
) -> KPI:
    """Declare one KPI; its unit defaults to the one its format implies (:data:`DEFAULT_UNITS`)."""
    return KPI(name, label, DEFAULT_UNITS[format] if unit is None else unit, format, kind, better, meaning)


def family(members: Mapping[str, str], template: KPI) -> list[KPI]:
    """Declare KPIs that differ only by a member (a channel, a firm), one per member, in order.

    ``template`` is a :func:`kpi` whose name has one ``{}`` for the member's key, and whose label
    and meaning take the member's words:
    ``family({"rival": "the rival"}, kpi("{}_share", "Share of {}", "share", "final", None, "Share of {}."))``.
    """
    return [
        replace(
            template,
            name=template.name.format(key),
            label=template.label.format(words),
            meaning=template.meaning.format(words),
        )
        for key, words in members.items()
    ]


# fmt: off
_DECLARED: list[KPI] = [
    kpi("week", "Week", "weeks", "final", None, "Simulated week (1 = end of the first week)."),
    kpi("customers", "Customers", "count", "final", "higher", "Current customers."),
    kpi("prospects", "Prospects", "count", "final", None,
        "People in the market who have never been the firm's customers (rivals' customers included)."),
    kpi("former_customers", "Former customers", "count", "final", None,
        "People who were the firm's customers and are not now (gone to a rival or to no firm)."),
    kpi("new_customers", "New customers", "count", "total", "higher",
        "People who became customers this week (from no firm or from a rival)."),
    kpi("churned", "Churned customers", "count", "total", "lower",
        "Customers who left this week for a rival or for no firm (leaving the market is counted apart)."),
    kpi("lost_to_rivals", "Lost to rivals", "count", "total", "lower", "Churned customers who went to a rival."),
    kpi("won_from_rivals", "Won from rivals", "count", "total", "higher", "New customers who came from a rival."),
    kpi("won_back", "Won back", "count", "total", "higher", "New customers who had been customers before."),
    kpi("customer_exits", "Customers leaving the market", "count", "total", None,
        "Customers who left the market this week (moved away)."),
    kpi("churn_rate", "Churn rate", "rate", "mean", "lower",
        "Customers lost this week (churned or left the market) / customers at the start of the week."),
    kpi("share", "Market share", "share", "final", "higher", "Customers / all firms' customers."),
    kpi("nps", "NPS", "points", "final", "higher",
        "Net promoter score as firms measure it: current customers' % promoters - % detractors."),
    kpi("reputation", "Reputation NPS", "points", "final", "higher",
        "NPS over everyone who has ever been a customer (former customers by their memory, which fades only "
        "slowly): unlike NPS, it does not rise when unhappy customers leave."),
    kpi("csat", "CSAT", "share", "mean", "higher", "Share of this week's contacts that were not a bad experience."),
    kpi("promoter_share", "Promoters", "share", "final", "higher",
        "Share of customers with likelihood to recommend 9-10."),
    kpi("passive_share", "Passives", "share", "final", None, "Share of customers at 7-8."),
    kpi("detractor_share", "Detractors", "share", "final", "lower", "Share of customers at 0-6."),
    kpi("mean_attitude", "Mean attitude", "level", "final", "higher", "Mean customer attitude (0-1)."),
    kpi("price", "Price", "money", "final", None, "Price of a purchase ($)."),
    kpi("employees", "Employees", "count", "final", None, "Filled seats at the end of the week."),
    kpi("planned_headcount", "Planned headcount", "count", "final", None, "Headcount the staffing plan aims at."),
    kpi("open_positions", "Open positions", "count", "final", None, "Hires on their way (the hiring pipeline)."),
    kpi("mean_engagement", "Mean engagement", "level", "final", "higher", "Mean employee engagement (0-1)."),
    kpi("engaged_share", "Engaged employees", "share", "final", "higher",
        "Share of employees at or above the engaged threshold."),
    kpi("frontline_engagement", "Front-line engagement", "level", "mean", "higher",
        "Mean engagement of the employees facing customers."),
    kpi("employee_attrition", "Employee attrition", "rate", "mean", "lower",
        "Employees who quit this week / employees."),
    kpi("hires", "Hires", "count", "total", None, "New hires who started this week."),
    kpi("layoffs", "Layoffs", "count", "total", "lower", "Employees laid off this week."),
    kpi("overtime", "Overtime shifts", "count", "total", None, "Overtime shifts worked this week."),
    kpi("good_deeds", "Good deeds", "count", "total", "higher", "Discretionary good deeds this week."),
    kpi("suggestions", "Suggestions", "count", "total", "higher", "Improvement suggestions this week."),
    kpi("adopted_suggestions", "Adopted suggestions", "count", "total", "higher",
        "Suggestions leadership adopted this week."),
    kpi("process_quality", "Process quality", "level", "final", "higher", "Process quality (0-1)."),
    kpi("utilisation", "Utilisation", "ratio", "mean", None,
        "Contacts / front-line capacity; above about 0.85 waits start to cost quality."),
    kpi("contacts", "Contacts", "count", "total", None, "Customer contacts this week."),
    kpi("handoffs", "Handoffs", "count", "total", "lower", "Handoffs between departments this week."),
    kpi("dropped_cases", "Dropped cases", "count", "total", "lower", "Cases a handoff dropped this week."),
    kpi("resolution_rate", "Resolution rate", "share", "mean", "higher", "Resolved contacts / contacts."),
    kpi("repeat_contacts", "Repeat contacts", "count", "total", "lower",
        "Contacts from customers whose case was still open."),
    kpi("bad_experiences", "Bad experiences", "count", "total", "lower", "Contacts that were a bad experience."),
    kpi("recoveries", "Recoveries", "count", "total", None, "Bad experiences recovered by fast service recovery."),
    kpi("wom_friends_negative", "Told friends (-)", "count", "total", "lower",
        "Customers who told friends about a bad experience."),
    kpi("wom_social_negative", "Social posts (-)", "count", "total", "lower", "Negative social media posts."),
    kpi("wom_review_negative", "Reviews (-)", "count", "total", "lower", "Negative reviews posted."),
    kpi("wom_tweet_negative", "Tweets (-)", "count", "total", "lower", "Negative tweets."),
    kpi("wom_viral", "Viral stories", "count", "total", "lower", "Tweets about the firm that went viral."),
    kpi("wom_viral_reach", "Viral reach", "count", "total", "lower", "People reached by viral stories about it."),
    kpi("wom_positive", "Recommendations", "count", "total", "higher", "Customers who recommended the firm."),
    kpi("wom_review_positive", "Reviews (+)", "count", "total", "higher", "Positive reviews posted."),
    kpi("review_rating", "Review rating", "stars", "final", "higher", "Public review rating (1-5 stars)."),
    kpi("revenue", "Revenue", "money", "total", "higher", "Revenue this week ($)."),
    kpi("cost_of_sales", "Cost of sales", "money", "total", "lower",
        "What delivering what customers bought cost ($)."),
    kpi("cost_wages", "Wages", "money", "total", "lower", "Wages incl. supervisors ($)."),
    kpi("cost_overtime", "Overtime pay", "money", "total", "lower", "Overtime pay ($)."),
    kpi("cost_hiring", "Hiring cost", "money", "total", "lower", "Hiring and onboarding ($)."),
    kpi("cost_layoffs", "Layoff cost", "money", "total", "lower", "Severance ($)."),
    kpi("cost_contacts", "Contact cost", "money", "total", "lower", "Cost of handling contacts ($)."),
    kpi("cost_handoffs", "Handoff cost", "money", "total", "lower", "Cost of handoffs ($)."),
    kpi("cost_recovery", "Recovery cost", "money", "total", "lower", "Cost of service recoveries ($)."),
    kpi("cost_programs", "Program cost", "money", "total", "lower",
        "Training, HR, recognition, coaching, CX team, CX room, VoC ($)."),
    kpi("cost_marketing", "Marketing", "money", "total", "lower", "Marketing and win-back campaigns ($)."),
    kpi("cost_fixed", "Fixed cost", "money", "total", "lower", "Fixed costs ($)."),
    kpi("cost_total", "Total cost", "money", "total", "lower", "Sum of the cost components ($)."),
    kpi("profit", "Profit", "money", "total", "higher", "Revenue - total cost ($)."),
    kpi("profit_margin", "Profit margin", "share", "mean", "higher", "Profit / revenue this week."),
    kpi("cash", "Cash", "money", "final", "higher", "Cash at the end of the week ($)."),
    kpi("believed_quality", "Believed quality", "level", "mean", None,
        "Service quality management believes it delivers (0-1)."),
    kpi("perceived_quality", "Perceived quality", "level", "mean", "higher",
        "Mean experience quality customers actually got (0-1)."),
    kpi("service_standard", "Service standard", "level", "mean", "higher",
        "The care a contact is given as normal (1 = the full standard; corners cut under pressure erode it)."),
    kpi("delivery_gap", "Delivery gap", "level", "mean", "lower",
        "Believed - perceived quality.", unit="believed - perceived quality"),
    kpi("voc_nps", "VoC NPS", "points", "final", "higher", "NPS measured by the VoC survey (empty without VoC)."),
    kpi("voc_quality", "VoC contact rating", "level", "mean", "higher",
        "Customers' rating of this week's contacts in the VoC survey (0-1; empty without VoC)."),
    kpi("cx_weight", "CX incentive weight", "level", "final", None,
        "Incentive weight on CX metrics in force (moves under a reality check and under management's cuts)."),
    kpi("management_cuts", "Management cuts", "count", "final", None,
        "Cut steps in force: training, programs, coaching and marketing cut, incentives leaned to efficiency."),
    kpi("bankrupt", "Bankrupt", "flag", "final", "lower", "True from the week cash fell below zero."),
    kpi("market_entries", "People entering", "count", "total", None,
        "Newcomers to the market this week (each takes the place of someone who left)."),
    kpi("market_exits", "People leaving", "count", "total", None, "People who left the market this week."),
]
# fmt: on


def _by_name(declared: Iterable[KPI]) -> dict[str, KPI]:
    out: dict[str, KPI] = {}
    for k in declared:
        if k.name in out:
            raise ValueError(f"KPI {k.name!r} is declared twice")
        out[k.name] = k
    return out


#: Every KPI column, in order, by name.
KPIS: dict[str, KPI] = _by_name(_DECLARED)

#: KPIs that are flows (summed over weeks in summaries); the rest are levels.
FLOWS: frozenset[str] = frozenset(k.name for k in KPIS.values() if k.kind == "total")

#: Weekly rates and levels that are noisy week to week: a run's outcome is their mean over the run.
AVERAGED: frozenset[str] = frozenset(k.name for k in KPIS.values() if k.kind == "mean")

#: Prefixes of per-run outcome columns (``total_profit``, ``final_nps``, ``mean_csat``).
OUTCOME_PREFIXES = ("total_", "mean_", "final_")


def outcome_kind(kpi: str) -> str:
    """How one run's KPI is summarised: 'total' (flows), 'mean' (weekly rates) or 'final' (levels)."""
    declared = KPIS.get(kpi)
    return declared.kind if declared is not None else "final"


#: The KPIs each rival firm adds, as ``<rival>_<key>`` columns after the focal firm's (one family each).
RIVAL_KEYS: tuple[str, ...] = (
    "customers", "share", "new_customers", "churned", "lost_to_rivals", "won_from_rivals", "won_back", "churn_rate",
    "nps", "reputation", "csat", "review_rating", "price", "employees", "engaged_share", "utilisation",
    "perceived_quality", "revenue", "cost_total", "profit", "profit_margin", "cash", "cx_weight",
    "management_cuts", "bankrupt",
)  # fmt: skip


def rival_kpis(rivals: Iterable[str]) -> list[KPI]:
    """The columns each rival adds: every key of :data:`RIVAL_KEYS`, prefixed with the rival's name."""
    rivals = list(rivals)
    out: list[KPI] = []
    for key in RIVAL_KEYS:
        base = KPIS[key]
        template = replace(base, name="{}_" + key, label=base.label + " ({})", meaning=base.meaning + " Of {}.")
        out += family({r: r for r in rivals}, template)
    return sorted(out, key=lambda k: rivals.index(k.name.rsplit("_" + _key_of(k.name), 1)[0]))


def _key_of(column: str) -> str:
    return next(key for key in sorted(RIVAL_KEYS, key=len, reverse=True) if column.endswith("_" + key))


def kpi_columns(rivals: Iterable[str] = ()) -> list[str]:
    """The columns of a run's timeseries: the focal firm's and the market's KPIs, then each rival's."""
    return list(KPIS) + [k.name for k in rival_kpis(rivals)]


def find(name: str) -> KPI | None:
    """The KPI a column is about: a KPI name, a rival's column (``rival_share``), or a per-run outcome column
    (``total_profit`` -> profit)."""
    if name in KPIS:
        return KPIS[name]
    for prefix in OUTCOME_PREFIXES:
        if name.startswith(prefix):
            found = find(name[len(prefix) :])
            if found is not None:
                return found
    for key in sorted(RIVAL_KEYS, key=len, reverse=True):
        rival = name[: -len(key) - 1]
        if name.endswith("_" + key) and rival and rival.isidentifier():
            return rival_kpis([rival])[RIVAL_KEYS.index(key)]
    return None


def label(name: str) -> str:
    """Title of a KPI (label and unit) for tables and charts; other names are made readable."""
    declared = find(name)
    return declared.title if declared is not None else name.replace("_", " ").capitalize()


def describe_outcome(name: str) -> str:
    """How one run's outcome of a KPI is read: ``"final week"``, ``"total over the run"``..."""
    declared = find(name)
    return declared.per_run if declared is not None else _SUMMARY_WORDS["final"]


def nps(promoters: int, detractors: int, total: int) -> float:
    """Net promoter score in points: % promoters - % detractors (0 for nobody)."""
    if total <= 0:
        return 0.0
    return 100.0 * (promoters - detractors) / total


def ratio(num: float, den: float, empty: float = 0.0) -> float:
    """num/den, or ``empty`` when den is 0."""
    return num / den if den else empty
