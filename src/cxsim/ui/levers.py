"""The levers a strategist moves in the what-if page, grouped as in docs/model.md#week.

Groups follow the causal chain: leadership (and its programs), supervisors,
incentives, staffing, process, measurement, price and management, the market;
then one group per rival firm with the rival's main levers (its own copy of the
firm's sections: ``rivals.<name>.<section>.<key>``), so "what if our rival fixed
its service?" is a lever away. Each lever is a scenario key; its bounds, unit and
meaning come from the parameter schema (:mod:`cxsim.params`: the scenario's
sections for the focal firm and the market, :data:`cxsim.params.FIRM_SECTIONS`
for a rival's), so the page can never disagree with the model about what a
lever means or which values are allowed.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic.fields import FieldInfo

from cxsim.params import FIRM_SECTIONS, SECTIONS, Scenario, field_bounds

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
            "leadership.winback_spend",
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
        "Who faces customers, how many people the firm employs, what it pays them, how busy it plans them to be.",
        [
            "workforce.staffing_policy",
            "workforce.frontline_share",
            "workforce.employees",
            "workforce.team_size",
            "workforce.wage",
            "staffing.target_utilisation",
        ],
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
        "Price and management",
        "What a purchase costs (customers compare it with the rivals' prices), and what management does when "
        "margins fall: cut costs or hold course.",
        ["pricing.price", "management.policy"],
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

#: A rival's levers in its group (keys inside the rival: ``rivals.<name>.`` + these), in causal order.
RIVAL_LEVERS: list[str] = [
    "supervisors.coaching",
    "incentives.cx_weight",
    "process.empowerment",
    "process.service_recovery",
    "pricing.price",
    "leadership.marketing_spend",
]
RIVAL_BLURB = (
    "The rival's own levers: what if this rival coached its people, empowered them, fixed its service, "
    "cut its price or outspent us on marketing? The market and everyone's behaviour stay the same."
)

#: Short labels a strategist reads (the schema's doc line is shown as help text); a rival's lever reads
#: as the same lever, named after the rival (``rival: Empowerment ...``).
LABELS: dict[str, str] = {
    "leadership.ceo_ownership": "CEO owns CX",
    "leadership.message_consistency": "Consistent message",
    "leadership.commitment": "Commitment behind programs",
    "leadership.brand_promise": "Brand promise",
    "leadership.marketing_spend": "Marketing spend ($/week)",
    "leadership.winback_spend": "Win-back campaign ($/week)",
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
    "workforce.wage": "Wage ($/employee/week)",
    "staffing.target_utilisation": "Target utilisation (contacts / capacity)",
    "process.empowerment": "Empowerment (0 = rigid procedures)",
    "process.handoff_prob": "Handoff probability (silos)",
    "process.service_recovery": "Fast service recovery",
    "measurement.reality_check": "Reality-check policy",
    "measurement.internal_optimism": "Optimism of internal metrics",
    "pricing.price": "Price ($/purchase)",
    "management.policy": "When margins fall, management ...",
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


def _field(key: str) -> FieldInfo:
    """The schema's declaration of a key: a section's parameter, or a rival's (``rivals.<name>.<section>.<key>``)."""
    parts = key.split(".")
    if len(parts) == 4 and parts[0] == "rivals" and parts[2] in FIRM_SECTIONS:
        fields = FIRM_SECTIONS[parts[2]].model_fields
    elif len(parts) == 2 and parts[0] in SECTIONS:
        fields = Scenario.model_fields[parts[0]].annotation.model_fields
    else:
        raise KeyError(key)
    if parts[-1] not in fields:
        raise KeyError(key)
    return fields[parts[-1]]


def lever(key: str) -> Lever:
    """The :class:`Lever` for a scenario key (any parameter of the schema, a rival's too, not only the grouped ones)."""
    field = _field(key)
    lo, hi = field_bounds(field)
    extra = field.json_schema_extra or {}
    ann = field.annotation
    if ann is bool:
        kind, choices = "bool", ()
    elif typing.get_origin(ann) is typing.Literal:
        kind, choices = "choice", tuple(typing.get_args(ann))
    elif ann is int:
        kind, choices = "integer", ()
    elif lo is not None and hi is not None and hi - lo <= 1.0:
        kind, choices = "slider", ()
    else:
        kind, choices = "number", ()
    return Lever(key, label(key, plain=True), kind, lo, hi, extra.get("unit", ""), field.description or "", choices)


def grouped_levers(rivals: Iterable[str] = ()) -> list[tuple[str, str, list[Lever]]]:
    """The page's lever groups with their :class:`Lever` objects, then one group per rival named in ``rivals``."""
    groups = [(title, blurb, [lever(k) for k in keys]) for title, blurb, keys in GROUPS]
    for name in rivals:
        groups.append((f"Rival: {name}", RIVAL_BLURB, [lever(f"rivals.{name}.{k}") for k in RIVAL_LEVERS]))
    return groups


def label(key: str, *, plain: bool = False) -> str:
    """Human label of a scenario key: its short label, a rival's lever named after the rival (``rival: Price``).

    A key without a short label stays the key (``customers.need``), or with ``plain`` its name in words
    (``Need``: beside a control, where the key is shown as help).
    """
    parts = key.split(".")
    if len(parts) == 4 and parts[0] == "rivals":
        return f"{parts[1]}: {label('.'.join(parts[2:]), plain=plain)}"
    if key in LABELS or not plain:
        return LABELS.get(key, key)
    return parts[-1].replace("_", " ").capitalize()


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
