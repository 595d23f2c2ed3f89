"""What each firm decides and knows: its levers, its people, its prices, its books.

These sections describe one firm. The focal firm's are the top-level sections of
a scenario (``[leadership]``, ``[programs]`` ...); each rival firm has its own
copy under ``[rivals.<name>.<section>]`` (see :class:`cxsim.params.Rival`).
Sections follow the causal chain of the week (docs/model.md).

Declarations are wrapped by hand (``# fmt: skip``): value, bounds, unit, role and
source on the first line, the meaning on the next, so each parameter reads as two
or three lines instead of the ten a formatter would make of it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from cxsim.params.base import ASSUMED, CALIBRATED, FACT, LEVER, PRACTICE, P, Section


class Leadership(Section):
    ceo_ownership: float = P(
        0.5, 0.0, 1.0, unit="level", role=LEVER, source=PRACTICE,
        doc="How visibly the CEO owns CX (connection to top management; backs the central CX team).",
    )  # fmt: skip
    message_consistency: float = P(
        0.6, 0.0, 1.0, unit="level", role=LEVER, source=PRACTICE + ": say what you expect",
        doc="One consistent set of expected behaviours (1) vs mixed messages (0).",
    )  # fmt: skip
    commitment: float = P(
        0.7, 0.0, 1.0, unit="level", role=LEVER, source=PRACTICE + ": customers can't be fooled",
        doc="Real commitment behind programs; program effect = intensity x commitment, cost = intensity.",
    )  # fmt: skip
    brand_promise: float = P(
        0.7, 0.0, 1.0, unit="quality level", role=LEVER, source=PRACTICE + ": over-promising",
        doc="Experience quality marketing tells customers to expect; attracts prospects, raises expectations.",
    )  # fmt: skip
    marketing_spend: float = P(
        20_000.0, 0.0, 1e9, unit="$/week", role=LEVER, source=ASSUMED,
        doc="Marketing spend per week (external influence on people who are not customers).",
    )  # fmt: skip
    winback_spend: float = P(
        0.0, 0.0, 1e9, unit="$/week", role=LEVER, source=PRACTICE + ": win-back campaigns",
        doc="Win-back campaign aimed at former customers (they come back more often; it costs this much).",
    )  # fmt: skip


class Programs(Section):
    training_budget: float = P(
        10.0, 0.0, 1000.0, unit="$/employee/week", role=LEVER, source=ASSUMED,
        doc="Training spend per employee per week (feeds mastery).",
    )  # fmt: skip
    hr_engagement: float = P(
        0.2, 0.0, 1.0, unit="intensity", role=LEVER, source=PRACTICE + ": HR-led programs",
        doc="HR-led engagement program intensity.",
    )  # fmt: skip
    hr_cost_per_employee: float = P(
        20.0, 0.0, 1000.0, unit="$/employee/week at intensity 1", role=FACT, source=ASSUMED,
        doc="Cost of the HR program at full intensity.",
    )  # fmt: skip
    recognition: bool = P(
        False, unit="switch", role=LEVER, source=PRACTICE + ": what is celebrated", doc="Recognition program on/off."
    )  # fmt: skip
    recognition_cost_per_employee: float = P(
        5.0, 0.0, 1000.0, unit="$/employee/week", role=FACT, source=ASSUMED, doc="Cost of the recognition program."
    )  # fmt: skip
    cx_team: bool = P(
        False, unit="switch", role=LEVER, source=PRACTICE + ": a central CX team breaks silos",
        doc="Central CX team on/off (fewer handoffs, as far as the CEO backs it).",
    )  # fmt: skip
    cx_team_cost: float = P(
        12_000.0, 0.0, 1e8, unit="$/week", role=FACT, source=ASSUMED, doc="Cost of the central CX team."
    )  # fmt: skip
    cx_room: bool = P(
        False, unit="switch", role=LEVER, source=PRACTICE + ": a CX room builds empathy for the journey",
        doc="CX room on/off (raises purpose).",
    )  # fmt: skip
    cx_room_cost: float = P(2_000.0, 0.0, 1e8, unit="$/week", role=FACT, source=ASSUMED, doc="Cost of the CX room.")
    voc: bool = P(
        False, unit="switch", role=LEVER, source=PRACTICE + ": voice of the customer",
        doc="Voice-of-customer survey program on/off.",
    )  # fmt: skip
    voc_cost: float = P(3_000.0, 0.0, 1e8, unit="$/week", role=FACT, source=ASSUMED, doc="Cost of the VoC program.")
    recruit_for_values: bool = P(
        False, unit="switch", role=LEVER, source=PRACTICE + ": values are caught, not taught",
        doc="Hire for values fit, not skills only. Changes new hires only: its effect builds with turnover.",
    )  # fmt: skip


class Supervisors(Section):
    coaching: float = P(
        0.4, 0.0, 1.0, unit="quality", role=LEVER, source=PRACTICE + ": supervisor-led coaching",
        doc="Mean coaching quality of supervisors.",
    )  # fmt: skip
    attention: float = P(
        0.5, 0.0, 1.0, unit="level", role=LEVER, source=PRACTICE,
        doc="Mean attention supervisors give each team member.",
    )  # fmt: skip
    spread: float = P(
        0.15, 0.0, 0.5, unit="std dev", role=FACT, source=ASSUMED,
        doc="Spread of coaching quality and attention across supervisors.",
    )  # fmt: skip
    coaching_cost_per_employee: float = P(
        20.0, 0.0, 1000.0, unit="$/employee/week at coaching 1", role=FACT, source=ASSUMED,
        doc="Supervisor time spent coaching, costed.",
    )  # fmt: skip


class Incentives(Section):
    cx_weight: float = P(
        0.5, 0.0, 1.0, unit="share", role=LEVER, source=PRACTICE + ": what is measured, incented and celebrated",
        doc="Incentive weight on CX metrics (1) vs efficiency metrics (0).",
    )  # fmt: skip
    stated_cx_priority: float = P(
        0.8, 0.0, 1.0, unit="share", role=LEVER, source=PRACTICE + ": incentives that reward what the firm says",
        doc="What leadership says it wants (as a CX weight); incentives that differ cost engagement.",
    )  # fmt: skip
    efficiency_cost_saving: float = P(
        0.3, 0.0, 0.9, unit="share of contact cost", source=ASSUMED, prior=(0.1, 0.5),
        doc="Shorter contacts under full efficiency incentives save this share of the cost per contact.",
    )  # fmt: skip
    efficiency_resolution_penalty: float = P(
        0.15, 0.0, 1.0, unit="share", source=PRACTICE + ": efficiency shortens contacts", prior=(0.05, 0.5),
        doc="Drop in resolution of complex needs under full efficiency incentives.",
    )  # fmt: skip
    cx_effort: float = P(
        0.02, 0.0, 0.5, unit="quality per unit of CX weight", source=ASSUMED, prior=(0.0, 0.1),
        doc="Extra effort on each contact per unit of CX weight above 0.5 (less below).",
    )  # fmt: skip
    efficiency_utilisation: float = P(
        0.05, 0.0, 0.3, unit="utilisation", source=PRACTICE + ": efficiency targets run leaner", prior=(0.0, 0.15),
        doc="Under full efficiency incentives the firm staffs for this much higher utilisation.",
    )  # fmt: skip


class Workforce(Section):
    employees: int = P(
        500, 1, 1_000_000, unit="people", role=FACT, source=ASSUMED,
        doc="Employees at week 0 (staffing may then follow demand).",
    )  # fmt: skip
    team_size: int = P(10, 1, 10_000, unit="people", role=FACT, source=ASSUMED, doc="Employees per supervisor team.")
    frontline_share: float = P(
        0.5, 0.01, 1.0, unit="share", role=FACT, source=ASSUMED, doc="Share of employees in customer-facing roles."
    )  # fmt: skip
    staffing_policy: Literal["random", "least_engaged", "most_engaged"] = P(
        "random", unit="policy", role=LEVER, source=PRACTICE + ": the 'cost' excuse",
        doc="Who faces customers: a random subset, the least engaged (on cheaper terms) or the most engaged.",
    )  # fmt: skip
    wage: float = P(600.0, 0.0, 1e6, unit="$/employee/week", role=LEVER, source=ASSUMED, doc="Weekly wage.")
    market_wage: float = P(
        600.0, 1.0, 1e6, unit="$/employee/week", role=FACT, source=ASSUMED,
        doc="What comparable jobs pay; pay below it raises quits (a hygiene factor).",
    )  # fmt: skip
    low_cost_frontline_discount: float = P(
        0.1, 0.0, 0.9, unit="share of wage", role=FACT, source=PRACTICE + ": the 'cost' excuse",
        doc="Under the least_engaged policy the front line is staffed on cheaper terms: wages this much lower.",
    )  # fmt: skip
    overtime_pay: float = P(
        120.0, 0.0, 1e5, unit="$/overtime shift", role=FACT, source=ASSUMED, doc="Pay per overtime shift."
    )  # fmt: skip
    hiring_cost: float = P(3_000.0, 0.0, 1e7, unit="$/hire", role=FACT, source=ASSUMED, doc="Recruiting cost per hire.")
    onboarding_cost: float = P(
        2_000.0, 0.0, 1e7, unit="$/hire", role=FACT, source=ASSUMED, doc="Training cost per new hire."
    )  # fmt: skip
    severance_cost: float = P(
        3_000.0, 0.0, 1e7, unit="$/layoff", role=FACT, source=ASSUMED, doc="Cost of laying off one employee."
    )  # fmt: skip
    capacity: float = P(
        9.0, 0.1, 1e5, unit="contacts/front-line employee/week", role=FACT, source=CALIBRATED,
        doc="Service encounters one fully productive front-line employee handles in a week.",
    )  # fmt: skip
    new_hire_skill: float = P(0.25, 0.0, 1.0, unit="skill", role=FACT, source=ASSUMED, doc="Skill of a new hire.")
    initial_skill: float = P(
        0.75, 0.0, 1.0, unit="skill", role=FACT, source=ASSUMED, doc="Mean skill of the employees at week 0."
    )  # fmt: skip
    initial_skill_spread: float = P(
        0.15, 0.0, 0.5, unit="std dev", role=FACT, source=ASSUMED, doc="Spread of skill at week 0."
    )  # fmt: skip
    initial_tenure: int = P(
        52, 0, 2000, unit="weeks", role=FACT, source=ASSUMED, doc="Tenure of the employees at week 0."
    )  # fmt: skip
    new_hire_capacity: float = P(
        0.3, 0.0, 1.0, unit="share", role=FACT, source="practice: new agents handle about a third of a full load",
        doc="A new hire's capacity in the first week, as a share of a full load.",
    )  # fmt: skip
    onboarding_weeks: int = P(
        12, 0, 104, unit="weeks", role=FACT, source="practice: contact-centre agents take about 3 months to full speed",
        doc="A new hire's capacity ramps up linearly to a full load over these weeks.",
    )  # fmt: skip
    max_headcount_factor: float = P(
        3.0, 1.0, 20.0, unit="x employees", role=FACT, source=ASSUMED,
        doc="Seats the model allocates: staffing cannot grow beyond this multiple of the starting headcount.",
    )  # fmt: skip

    @model_validator(mode="after")
    def _team_fits(self):
        if self.team_size > self.employees:
            raise ValueError(
                f"workforce.team_size ({self.team_size}) is larger than workforce.employees ({self.employees}): "
                "a team cannot have more members than the firm has employees"
            )
        return self


class Staffing(Section):
    headcount_policy: Literal["follow_demand", "fixed"] = P(
        "follow_demand", unit="policy", role=LEVER, source=PRACTICE,
        doc="'follow_demand': hire or reduce towards a target utilisation; 'fixed': replace leavers only.",
    )  # fmt: skip
    target_utilisation: float = P(
        0.75, 0.3, 1.2, unit="utilisation", role=LEVER,
        source="call-centre practice: about 80-85% occupancy before waits grow fast (Gans, Koole & Mandelbaum 2003)",
        doc="Front-line utilisation (contacts / capacity) that headcount is planned for.",
    )  # fmt: skip
    review_weeks: int = P(
        4, 1, 52, unit="weeks", role=LEVER, source=ASSUMED, doc="Headcount is reviewed every this many weeks."
    )  # fmt: skip
    hiring_delay: int = P(
        6, 0, 52, unit="weeks", role=FACT, source="SHRM benchmarks: 36-44 days to fill a position",
        doc="Weeks from opening a position (or a quit) to the new hire's first week.",
    )  # fmt: skip
    max_change: float = P(
        0.05, 0.0, 1.0, unit="share of headcount per review", role=LEVER, source=ASSUMED,
        doc="Largest change of planned headcount at one review.",
    )  # fmt: skip
    layoffs: bool = P(
        True, unit="switch", role=LEVER, source=ASSUMED,
        doc="Reduce by layoffs when far above plan (otherwise only by not replacing leavers).",
    )  # fmt: skip


class Process(Section):
    initial_quality: float = P(
        0.58, 0.0, 1.0, unit="quality", role=FACT, source=ASSUMED, doc="Process quality at week 0."
    )  # fmt: skip
    quality_floor: float = P(
        0.4, 0.0, 1.0, unit="quality", source=ASSUMED, prior=(0.2, 0.6),
        doc="Quality processes decay towards without improvement.",
    )  # fmt: skip
    quality_decay: float = P(
        0.003, 0.0, 0.5, unit="share/week", source=ASSUMED, prior=(0.0005, 0.01),
        doc="Weekly decay of process quality towards the floor.",
    )  # fmt: skip
    suggestion_adoption: float = P(
        0.3, 0.0, 1.0, unit="probability", role=LEVER, source=PRACTICE,
        doc="Chance leadership adopts a suggestion (scaled by CEO ownership).",
    )  # fmt: skip
    ceo_adoption: float = P(
        1.0, 0.0, 2.0, unit="per unit of CEO ownership", source=PRACTICE + ": leadership acts on suggestions",
        prior=(0.3, 1.5), doc="Suggestion adoption rises by this share per unit of CEO ownership above 0.5.",
    )  # fmt: skip
    suggestion_gain: float = P(
        0.001, 0.0, 0.1, unit="quality per adopted suggestion per 100 employees", source=ASSUMED,
        prior=(0.0001, 0.002), doc="Process-quality gain of an adopted suggestion.",
    )  # fmt: skip
    empowerment: float = P(
        0.4, 0.0, 1.0, unit="level", role=LEVER, source=PRACTICE + ": empowerment vs rigid procedures",
        doc="Freedom to decide how to satisfy a customer (0 = rigid procedures).",
    )  # fmt: skip
    procedure_help: float = P(
        0.08, 0.0, 1.0, unit="resolution probability", source=PRACTICE + ": procedures help on standard needs",
        prior=(0.0, 0.15), doc="Extra resolution of standard needs under rigid procedures.",
    )  # fmt: skip
    nonstandard_share: float = P(
        0.2, 0.0, 1.0, unit="share of contacts", role=FACT, source=ASSUMED,
        doc="Contacts whose need is non-standard (solved only with autonomy).",
    )  # fmt: skip
    handoff_prob: float = P(
        0.25, 0.0, 0.95, unit="probability per contact", role=FACT, source=PRACTICE + ": silos and handoffs",
        doc="Chance a contact needs another department (repeated for each further handoff).",
    )  # fmt: skip
    cx_team_handoff_reduction: float = P(
        0.6, 0.0, 1.0, unit="share", source=PRACTICE, prior=(0.2, 0.8),
        doc="Share of handoffs a central CX team with full backing removes.",
    )  # fmt: skip
    cx_team_ceo_dependence: float = P(
        0.6, 0.0, 1.0, unit="share", source=PRACTICE + ": a CX team needs the CEO behind it", prior=(0.2, 0.9),
        doc="Share of the CX team's influence that depends on CEO ownership.",
    )  # fmt: skip
    handoff_quality_loss: float = P(
        0.12, 0.0, 1.0, unit="quality per handoff", source=PRACTICE, prior=(0.04, 0.2),
        doc="Experience lost per handoff.",
    )  # fmt: skip
    handoff_drop_prob: float = P(
        0.15, 0.0, 1.0, unit="probability per handoff", source=PRACTICE, prior=(0.05, 0.3),
        doc="Chance a handoff drops the case.",
    )  # fmt: skip
    service_recovery: float = P(
        0.2, 0.0, 1.0, unit="probability", role=LEVER, source=PRACTICE,
        doc="Chance a bad experience is followed up fast and recovered.",
    )  # fmt: skip
    recovery_cost: float = P(25.0, 0.0, 1e5, unit="$/recovery", role=FACT, source=ASSUMED, doc="Cost of one recovery.")


class Pricing(Section):
    price: float = P(
        200.0, 0.01, 1e7, unit="$/purchase", role=LEVER, source=ASSUMED,
        doc="Price of a purchase (a new customer's first one and every repeat purchase).",
    )  # fmt: skip
    new_offer_price: float = P(
        500.0, 0.0, 1e7, unit="$/purchase", role=LEVER, source=ASSUMED, doc="Price of a new offer (cross-sell)."
    )  # fmt: skip


class Measurement(Section):
    internal_optimism: float = P(
        0.12, 0.0, 1.0, unit="quality", source=PRACTICE + ": firms believe they deliver better than customers say",
        prior=(0.03, 0.2), doc="Bias of management's internal quality metrics.",
    )  # fmt: skip
    dropped_visibility: float = P(
        0.5, 0.0, 1.0, unit="quality per dropped case", source=ASSUMED, prior=(0.2, 0.8),
        doc="A case a handoff dropped looks closed inside: internal metrics score it this much better.",
    )  # fmt: skip
    voc_sample: int = P(200, 1, 1_000_000, unit="responses/week", role=LEVER, source=ASSUMED, doc="VoC responses/week.")
    voc_response_rate: float = P(
        0.3, 0.01, 1.0, unit="share", role=FACT, source="typical survey response rates of 10-30%",
        doc="Chance an invited customer of average attitude answers the VoC survey.",
    )  # fmt: skip
    voc_response_bias: float = P(
        0.05, -1.0, 1.0, unit="attitude", source=ASSUMED, prior=(0.0, 0.15),
        doc="Happier customers answer more: bias of the VoC sample.",
    )  # fmt: skip
    voc_noise: float = P(
        0.05, 0.0, 1.0, unit="std dev", source=ASSUMED, prior=(0.02, 0.1), doc="Noise of one survey answer."
    )  # fmt: skip
    reality_check: bool = P(
        False, unit="switch", role=LEVER, source=PRACTICE + ": measure, monitor, adjust",
        doc="Leadership compares what customers report with what its metrics claim, and adjusts levers.",
    )  # fmt: skip
    voc_weight: float = P(
        0.5, 0.0, 1.0, unit="share", role=LEVER, source=ASSUMED,
        doc="With a reality check, the weight management's picture gives to what customers report.",
    )  # fmt: skip
    max_adjustment: float = P(
        0.2, 0.0, 1.0, unit="level", role=LEVER, source=ASSUMED,
        doc="Most the reality check raises the CX incentive weight and service recovery above their settings.",
    )  # fmt: skip
    adjust_rate: float = P(
        0.03, 0.0, 1.0, unit="share/week", role=LEVER, source=ASSUMED,
        doc="How fast leadership closes a measured gap by adjusting levers.",
    )  # fmt: skip


class Management(Section):
    policy: Literal["hold_course", "cut_costs"] = P(
        "cut_costs", unit="policy", role=LEVER, source=PRACTICE + ": when times are tough the customer loses priority",
        doc="When the trailing margin falls below the floor: 'cut_costs' cuts training, programs, marketing and "
        "staffing and leans incentives to efficiency; 'hold_course' changes nothing.",
    )  # fmt: skip
    review_weeks: int = P(
        13, 1, 52, unit="weeks", role=LEVER, source="quarterly reviews", doc="Results are reviewed every N weeks."
    )  # fmt: skip
    margin_floor: float = P(
        0.0, -1.0, 1.0, unit="profit / revenue", role=LEVER, source=ASSUMED,
        doc="A trailing quarter's margin below this triggers cuts (under 'cut_costs').",
    )  # fmt: skip
    cut_share: float = P(
        0.3, 0.0, 1.0, unit="share", role=LEVER, source=ASSUMED,
        doc="Each cut takes this share off training, program intensity, coaching time and marketing.",
    )  # fmt: skip
    efficiency_shift: float = P(
        0.1, 0.0, 1.0, unit="CX weight", role=LEVER, source=PRACTICE + ": the customer loses priority",
        doc="Each cut moves the incentive weight this far towards efficiency.",
    )  # fmt: skip
    max_cuts: int = P(
        3, 0, 10, unit="steps", role=LEVER, source=ASSUMED, doc="Most cut steps management takes in a row."
    )  # fmt: skip
    restore_margin: float = P(
        0.06, -1.0, 1.0, unit="profit / revenue", role=LEVER, source=ASSUMED,
        doc="Above this trailing margin, cuts are undone one step per review.",
    )  # fmt: skip


class Finance(Section):
    initial_cash: float = P(
        5e6, -1e12, 1e12, unit="$", role=FACT, source=ASSUMED,
        doc="Cash at week 0. The firm is bankrupt when cash falls below zero.",
    )  # fmt: skip
    cost_of_sales: float = P(
        0.35, 0.0, 0.95, unit="share of revenue", role=FACT, source=CALIBRATED,
        doc="What delivering what customers buy costs (goods, network, materials), as a share of revenue.",
    )  # fmt: skip
    cost_per_contact: float = P(12.0, 0.0, 1e6, unit="$/contact", role=FACT, source=ASSUMED, doc="Cost per contact.")
    handoff_cost: float = P(8.0, 0.0, 1e6, unit="$/handoff", role=FACT, source=ASSUMED, doc="Cost of one handoff.")
    fixed_cost: float = P(
        60_000.0, 0.0, 1e9, unit="$/week", role=FACT, source=ASSUMED, doc="Rent, systems and other fixed costs."
    )  # fmt: skip
    supervisor_premium: float = P(
        0.3, 0.0, 10.0, unit="share of wage", role=FACT, source=ASSUMED, doc="Extra wage of a supervisor."
    )  # fmt: skip


#: The sections that describe one firm, in the order of the causal chain.
FIRM_SECTIONS: dict[str, type[Section]] = {
    "leadership": Leadership,
    "programs": Programs,
    "supervisors": Supervisors,
    "incentives": Incentives,
    "workforce": Workforce,
    "staffing": Staffing,
    "process": Process,
    "pricing": Pricing,
    "measurement": Measurement,
    "management": Management,
    "finance": Finance,
}
