"""The levers a strategist moves in the what-if page, grouped as in docs/model.md#week.

Groups follow the causal chain: leadership (and its programs), supervisors,
incentives, staffing, process, measurement, market. Each lever is a scenario
key; its label, bounds, unit and meaning come from the parameter schema
(:func:`cxsim.params.parameter_table`), so the page can never disagree with
the model about what a lever means or which values are allowed.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any

from cxsim.params import Scenario, parameter_table

#: (group title, one line on what the group is, scenario keys), in causal order.
GROUPS: list[tuple[str, str, list[str]]] = [
    (
        "Leadership",
        "What the top says, means and funds: programs work only as far as commitment goes.",
        [
            "leadership.ceo_ownership",
            "leadership.message_consistency",
            "leadership.commitment",
            "programs.recognition",
            "programs.cx_room",
            "programs.recruit_for_values",
            "programs.training_budget",
            "leadership.brand_promise",
            "leadership.marketing_spend",
        ],
    ),
    (
        "Supervisors",
        "Who drives engagement: supervisors' coaching and attention, or an HR-led program.",
        ["supervisors.coaching", "supervisors.attention", "programs.hr_engagement"],
    ),
    (
        "Incentives",
        "What is measured, incented and celebrated: efficiency (0) or customer experience (1).",
        ["incentives.cx_weight", "incentives.stated_cx_priority"],
    ),
    (
        "Staffing",
        "Who faces customers, and how many people the firm employs.",
        ["workforce.staffing_policy", "workforce.frontline_share", "workforce.employees", "workforce.team_size"],
    ),
    (
        "Process",
        "Empowerment vs rigid procedures, silos and handoffs, fast service recovery.",
        ["process.empowerment", "programs.cx_team", "process.handoff_prob", "process.service_recovery"],
    ),
    (
        "Measurement",
        "What management sees: internal metrics (optimistic) or the voice of the customer.",
        ["programs.voc", "measurement.reality_check", "measurement.internal_optimism"],
    ),
    (
        "Market",
        "The world the firm lives in: size, how easily customers switch, how stories spread.",
        [
            "market.size",
            "market.initial_customer_share",
            "churn.switching_ease",
            "wom.viral_prob",
            "wom.rally_prob",
            "finance.initial_cash",
        ],
    ),
]

#: Short labels a strategist reads (the schema's doc line is shown as help text).
LABELS: dict[str, str] = {
    "leadership.ceo_ownership": "CEO owns CX",
    "leadership.message_consistency": "Consistent message",
    "leadership.commitment": "Commitment behind programs",
    "leadership.brand_promise": "Brand promise",
    "leadership.marketing_spend": "Marketing spend ($/week)",
    "programs.recognition": "Recognition program",
    "programs.cx_room": "CX room",
    "programs.recruit_for_values": "Recruit for values",
    "programs.training_budget": "Training ($/employee/week)",
    "programs.hr_engagement": "HR-led engagement program",
    "programs.cx_team": "Central CX team",
    "programs.voc": "Voice-of-customer program",
    "supervisors.coaching": "Supervisor coaching quality",
    "supervisors.attention": "Supervisor attention",
    "incentives.cx_weight": "Incentives: weight on CX",
    "incentives.stated_cx_priority": "Stated CX priority",
    "workforce.staffing_policy": "Who faces customers",
    "workforce.frontline_share": "Front-line share",
    "workforce.employees": "Employees",
    "workforce.team_size": "Team size",
    "process.empowerment": "Empowerment (0 = rigid procedures)",
    "process.handoff_prob": "Handoff probability (silos)",
    "process.service_recovery": "Fast service recovery",
    "measurement.reality_check": "Reality-check policy",
    "measurement.internal_optimism": "Optimism of internal metrics",
    "market.size": "People in the market",
    "market.initial_customer_share": "Initial customer share",
    "churn.switching_ease": "Ease of switching",
    "wom.viral_prob": "Chance a tweet goes viral",
    "wom.rally_prob": "Detractors rally to a viral story",
    "finance.initial_cash": "Initial cash ($)",
}


@dataclass(frozen=True)
class Lever:
    """One control on the page: which key, which widget, which range."""

    key: str
    label: str
    kind: str  # "bool", "choice", "slider" (float in [lo, hi]), "number" (float), "integer"
    lo: float | None
    hi: float | None
    unit: str
    doc: str
    choices: tuple[str, ...] = ()

    @property
    def step(self) -> float:
        """Slider step: 1% of the range."""
        if self.lo is None or self.hi is None:
            return 1.0
        return (self.hi - self.lo) / 100.0


def _field(key: str):
    section, name = key.split(".")
    return Scenario.model_fields[section].annotation.model_fields[name]


def lever(key: str) -> Lever:
    """The :class:`Lever` for a scenario key (any key of the schema, not only the grouped ones)."""
    rows = {r["key"]: r for r in parameter_table()}
    if key not in rows:
        raise KeyError(key)
    r = rows[key]
    field = _field(key)
    ann = field.annotation
    label = LABELS.get(key, key.split(".")[1].replace("_", " ").capitalize())
    if ann is bool:
        kind, choices = "bool", ()
    elif typing.get_origin(ann) is typing.Literal:
        kind, choices = "choice", tuple(typing.get_args(ann))
    elif ann is int:
        kind, choices = "integer", ()
    elif r["min"] is not None and r["max"] is not None and r["max"] - r["min"] <= 1.0:
        kind, choices = "slider", ()
    else:
        kind, choices = "number", ()
    return Lever(key, label, kind, r["min"], r["max"], r["unit"], r["doc"], choices)


def grouped_levers() -> list[tuple[str, str, list[Lever]]]:
    """The page's lever groups with their :class:`Lever` objects."""
    return [(title, blurb, [lever(k) for k in keys]) for title, blurb, keys in GROUPS]


def label(key: str) -> str:
    """Human label of a scenario key (falls back to the key itself)."""
    return LABELS.get(key, key)


def format_value(value: Any) -> str:
    """A lever value as people read it."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.3g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
