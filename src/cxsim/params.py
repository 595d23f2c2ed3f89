"""The scenario schema: every model parameter, declared once.

Each parameter carries its default, its allowed range, its unit and a source
note (where the number or the mechanism comes from). Sections follow the
causal chain of the model (see README "The model in one page"):

    leadership -> programs -> supervisors -> incentives -> workforce ->
    process -> customers -> wom -> acquisition -> churn -> measurement ->
    finance

Numbers marked "practice" are the claims of CX practice that the domain brief
asks the model to reproduce; numbers marked "assumed" are modelling choices
set so the baseline behaves like a mid-size service firm; change them and see.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.fields import FieldInfo


def P(default: Any, lo: float | None = None, hi: float | None = None, *, unit: str, source: str, doc: str):
    """A parameter: default, inclusive bounds, unit, source note and one-line meaning."""
    kwargs: dict[str, Any] = {}
    if lo is not None:
        kwargs["ge"] = lo
    if hi is not None:
        kwargs["le"] = hi
    if isinstance(default, bool):
        kwargs["strict"] = True  # a switch is true or false: not "yes", 1 or "on"
    return Field(default, description=doc, json_schema_extra={"unit": unit, "source": source}, **kwargs)


def _check_ratio_products(section: BaseModel, prefix: str, names: list[str]) -> None:
    """A 'base' probability times its engaged/promoter 'ratio' must stay a probability."""
    for name in names:
        base, ratio = getattr(section, f"{name}_base"), getattr(section, f"{name}_ratio")
        if base * ratio > 1.0:
            raise ValueError(
                f"{prefix}.{name}_base x {prefix}.{name}_ratio = {base * ratio:.3g} must be <= 1 "
                f"(it is the probability for the happiest/most engaged); lower one of them"
            )


class Section(BaseModel):
    """Base of every scenario section: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


PRACTICE = "practice (domain brief)"
ASSUMED = "assumed"


class Sim(Section):
    weeks: int = P(104, 1, 5200, unit="weeks", source="domain brief: default horizon", doc="Weeks to simulate.")


class Market(Section):
    size: int = P(
        50_000,
        10,
        50_000_000,
        unit="people",
        source=ASSUMED,
        doc="People in the market (prospects + customers + former customers).",
    )
    initial_customer_share: float = P(
        0.3, 0.0, 1.0, unit="share", source=ASSUMED, doc="Share of the market that are customers at week 0."
    )
    graph: Literal["watts_strogatz", "erdos_renyi", "barabasi_albert"] = P(
        "watts_strogatz",
        unit="kind",
        source="domain brief: small-world / random / scale-free",
        doc="Social graph that word of mouth travels over.",
    )
    mean_degree: int = P(
        10, 0, 200, unit="contacts", source="domain brief: mean degree ~10", doc="Mean number of friends per person."
    )
    rewire_prob: float = P(
        0.1, 0.0, 1.0, unit="probability", source="Watts & Strogatz (1998)", doc="Small-world rewiring probability."
    )
    mixing: Literal["network", "full"] = P(
        "network",
        unit="mode",
        source="Bass (1969) for full mixing",
        doc="'network': WOM and referrals travel over the graph; 'full': over the whole market.",
    )


class Leadership(Section):
    ceo_ownership: float = P(
        0.5, 0.0, 1.0, unit="level", source=PRACTICE, doc="How visibly the CEO owns CX (connection to top management)."
    )
    message_consistency: float = P(
        0.6,
        0.0,
        1.0,
        unit="level",
        source=PRACTICE + ": say what you expect",
        doc="One consistent set of expected behaviours (1) vs mixed messages (0).",
    )
    commitment: float = P(
        0.7,
        0.0,
        1.0,
        unit="level",
        source=PRACTICE + ": customers can't be fooled",
        doc="Real commitment behind programs; program effect = intensity x commitment.",
    )
    brand_promise: float = P(
        0.6,
        0.0,
        1.0,
        unit="quality level",
        source=PRACTICE,
        doc="Experience quality marketing tells customers to expect.",
    )
    marketing_spend: float = P(
        20_000.0,
        0.0,
        1e9,
        unit="$/week",
        source=ASSUMED,
        doc="Marketing spend per week (external influence on prospects).",
    )


class Programs(Section):
    training_budget: float = P(
        10.0,
        0.0,
        1000.0,
        unit="$/employee/week",
        source=ASSUMED,
        doc="Training spend per employee per week (feeds mastery).",
    )
    hr_engagement: float = P(
        0.2,
        0.0,
        1.0,
        unit="intensity",
        source=PRACTICE + ": HR-led programs",
        doc="HR-led engagement program intensity.",
    )
    hr_cost_per_employee: float = P(
        20.0,
        0.0,
        1000.0,
        unit="$/employee/week at intensity 1",
        source=ASSUMED,
        doc="Cost of the HR program at full intensity.",
    )
    recognition: bool = P(
        False, unit="switch", source=PRACTICE + ": what is celebrated", doc="Recognition program on/off."
    )
    recognition_cost_per_employee: float = P(
        5.0, 0.0, 1000.0, unit="$/employee/week", source=ASSUMED, doc="Cost of the recognition program."
    )
    cx_team: bool = P(
        False,
        unit="switch",
        source=PRACTICE + ": central CX team breaks silos",
        doc="Central CX team on/off (fewer handoffs).",
    )
    cx_team_cost: float = P(12_000.0, 0.0, 1e8, unit="$/week", source=ASSUMED, doc="Cost of the central CX team.")
    cx_room: bool = P(
        False,
        unit="switch",
        source=PRACTICE + ": CX room builds empathy for the journey",
        doc="CX room on/off (raises purpose).",
    )
    cx_room_cost: float = P(2_000.0, 0.0, 1e8, unit="$/week", source=ASSUMED, doc="Cost of the CX room.")
    voc: bool = P(
        False,
        unit="switch",
        source=PRACTICE + ": voice of the customer",
        doc="Voice-of-customer survey program on/off.",
    )
    voc_cost: float = P(3_000.0, 0.0, 1e8, unit="$/week", source=ASSUMED, doc="Cost of the VoC program.")
    recruit_for_values: bool = P(
        False,
        unit="switch",
        source=PRACTICE + ": values are caught, not taught",
        doc="Hire for values fit (not skills only).",
    )


class Supervisors(Section):
    coaching: float = P(
        0.4,
        0.0,
        1.0,
        unit="quality",
        source=PRACTICE + ": supervisor-led coaching",
        doc="Mean coaching quality of supervisors.",
    )
    attention: float = P(
        0.5, 0.0, 1.0, unit="level", source=PRACTICE, doc="Mean attention supervisors give each team member."
    )
    spread: float = P(
        0.15,
        0.0,
        0.5,
        unit="std dev",
        source=ASSUMED,
        doc="Spread of coaching quality and attention across supervisors.",
    )
    coaching_cost_per_employee: float = P(
        20.0,
        0.0,
        1000.0,
        unit="$/employee/week at coaching 1",
        source=ASSUMED,
        doc="Supervisor time spent coaching, costed.",
    )
    supervisor_weight: float = P(
        1.0,
        0.0,
        3.0,
        unit="weight",
        source=PRACTICE + ": supervisor-led coaching beats HR-led programs",
        doc="Strength of the supervisor channel on engagement drivers.",
    )
    hr_weight: float = P(
        0.3,
        0.0,
        3.0,
        unit="weight",
        source=PRACTICE + ": supervisor-led coaching beats HR-led programs",
        doc="Strength of the HR-program channel on engagement drivers.",
    )


class Incentives(Section):
    cx_weight: float = P(
        0.5,
        0.0,
        1.0,
        unit="share",
        source=PRACTICE + ": what is measured, incented and celebrated",
        doc="Incentive weight on CX metrics (1) vs efficiency metrics (0).",
    )
    efficiency_cost_saving: float = P(
        0.3,
        0.0,
        0.9,
        unit="share of contact cost",
        source=ASSUMED,
        doc="Shorter contacts under full efficiency incentives save this share of cost per contact.",
    )
    efficiency_resolution_penalty: float = P(
        0.4,
        0.0,
        1.0,
        unit="share",
        source=PRACTICE,
        doc="Drop in resolution of complex needs under full efficiency incentives.",
    )
    stated_cx_priority: float = P(
        0.8,
        0.0,
        1.0,
        unit="share",
        source=PRACTICE + ": incentives that reward what the firm says it wants",
        doc="What leadership says it wants (CX weight); misaligned incentives cost engagement.",
    )


class Workforce(Section):
    employees: int = P(500, 1, 1_000_000, unit="people", source=ASSUMED, doc="Employees.")
    team_size: int = P(10, 1, 10_000, unit="people", source=ASSUMED, doc="Employees per supervisor team.")
    frontline_share: float = P(
        0.5, 0.0, 1.0, unit="share", source=ASSUMED, doc="Share of employees in customer-facing roles."
    )
    staffing_policy: Literal["random", "least_engaged", "most_engaged"] = P(
        "random", unit="policy", source=PRACTICE + ": the 'cost' excuse", doc="Who faces customers."
    )
    wage: float = P(600.0, 0.0, 1e6, unit="$/employee/week", source=ASSUMED, doc="Weekly wage.")
    overtime_pay: float = P(120.0, 0.0, 1e5, unit="$/overtime shift", source=ASSUMED, doc="Pay per overtime shift.")
    hiring_cost: float = P(3_000.0, 0.0, 1e7, unit="$/hire", source=ASSUMED, doc="Recruiting cost per hire.")
    onboarding_cost: float = P(2_000.0, 0.0, 1e7, unit="$/hire", source=ASSUMED, doc="Training cost per new hire.")
    base_quit_rate: float = P(
        0.003,
        0.0,
        0.5,
        unit="probability/week",
        source=ASSUMED,
        doc="Weekly quit probability of a fully engaged employee.",
    )
    disengaged_quit_multiplier: float = P(
        4.0,
        1.0,
        50.0,
        unit="ratio",
        source=PRACTICE + ": disengaged employees quit more",
        doc="Quit rate at engagement 0 relative to engagement 1.",
    )
    new_hire_skill: float = P(0.25, 0.0, 1.0, unit="skill", source=ASSUMED, doc="Skill of a new hire.")
    skill_growth: float = P(0.02, 0.0, 1.0, unit="skill/week at mastery 1", source=ASSUMED, doc="Weekly skill growth.")
    capacity: float = P(
        30.0,
        0.1,
        1e5,
        unit="contacts/front-line employee/week",
        source=ASSUMED,
        doc="Contacts a front-line employee handles without strain.",
    )
    overload_loss: float = P(
        0.5,
        0.0,
        1.0,
        unit="share",
        source=ASSUMED,
        doc="Overloaded front line: contact quality and resolution fall by this x the share of last week's contacts beyond capacity.",
    )
    engaged_threshold: float = P(
        0.6,
        0.0,
        1.0,
        unit="engagement",
        source=ASSUMED,
        doc="Engagement at or above which an employee counts as engaged.",
    )
    engagement_inertia: float = P(
        0.08,
        0.001,
        1.0,
        unit="share/week",
        source=PRACTICE + ": engagement moves with inertia",
        doc="Weekly share of the gap to the drivers' target that engagement closes.",
    )
    engagement_noise: float = P(
        0.03, 0.0, 0.5, unit="std dev/week", source=ASSUMED, doc="Week-to-week idiosyncratic change in engagement."
    )
    overtime_base: float = P(
        0.06,
        0.0,
        1.0,
        unit="probability/week",
        source=ASSUMED,
        doc="Weekly overtime probability of a disengaged employee.",
    )
    overtime_ratio: float = P(
        2.5,
        1.0,
        10.0,
        unit="ratio",
        source=PRACTICE + ": engaged 2.5x more likely to work overtime",
        doc="Engaged vs disengaged overtime.",
    )
    good_deed_base: float = P(
        0.05,
        0.0,
        1.0,
        unit="probability/week",
        source=ASSUMED,
        doc="Weekly probability of a discretionary good deed, disengaged.",
    )
    good_deed_ratio: float = P(
        3.3,
        1.0,
        10.0,
        unit="ratio",
        source=PRACTICE + ": engaged 3.3x more likely to do good deeds",
        doc="Engaged vs disengaged good deeds.",
    )
    suggestion_base: float = P(
        0.01,
        0.0,
        1.0,
        unit="probability/week",
        source=ASSUMED,
        doc="Weekly probability of suggesting an improvement, disengaged.",
    )
    suggestion_ratio: float = P(
        3.4,
        1.0,
        10.0,
        unit="ratio",
        source=PRACTICE + ": engaged 3.4x more likely to suggest improvements",
        doc="Engaged vs disengaged suggestions.",
    )

    @model_validator(mode="after")
    def _engaged_probabilities_at_most_one(self):
        _check_ratio_products(self, "workforce", ["overtime", "good_deed", "suggestion"])
        return self

    good_deed_quality: float = P(
        0.08,
        0.0,
        1.0,
        unit="quality",
        source=ASSUMED,
        doc="Quality a good deed adds to an encounter the employee handles that week.",
    )


class Process(Section):
    initial_quality: float = P(0.6, 0.0, 1.0, unit="quality", source=ASSUMED, doc="Process quality at week 0.")
    quality_floor: float = P(
        0.4, 0.0, 1.0, unit="quality", source=ASSUMED, doc="Quality processes decay towards without improvement."
    )
    quality_decay: float = P(
        0.003, 0.0, 0.5, unit="share/week", source=ASSUMED, doc="Weekly decay of process quality towards the floor."
    )
    suggestion_adoption: float = P(
        0.3,
        0.0,
        1.0,
        unit="probability",
        source=PRACTICE,
        doc="Chance leadership adopts a suggestion (scaled up by CEO ownership).",
    )
    suggestion_gain: float = P(
        0.0006,
        0.0,
        0.1,
        unit="quality per adopted suggestion per 100 employees",
        source=ASSUMED,
        doc="Process-quality gain of an adopted suggestion.",
    )
    empowerment: float = P(
        0.4,
        0.0,
        1.0,
        unit="level",
        source=PRACTICE + ": empowerment vs rigid procedures",
        doc="Freedom to decide how to satisfy a customer (0 = rigid procedures).",
    )
    procedure_help: float = P(
        0.08,
        0.0,
        1.0,
        unit="resolution probability",
        source=PRACTICE + ": procedures help on standard needs",
        doc="Extra resolution of standard needs under rigid procedures.",
    )
    nonstandard_share: float = P(
        0.2,
        0.0,
        1.0,
        unit="share of contacts",
        source=ASSUMED,
        doc="Contacts whose need is non-standard (solved only with autonomy).",
    )
    handoff_prob: float = P(
        0.25,
        0.0,
        0.95,
        unit="probability per contact",
        source=PRACTICE + ": silos and handoffs",
        doc="Chance a contact needs another department (repeated for each further handoff).",
    )
    cx_team_handoff_reduction: float = P(
        0.6, 0.0, 1.0, unit="share", source=PRACTICE, doc="Share of handoffs a central CX team removes."
    )
    handoff_quality_loss: float = P(
        0.12, 0.0, 1.0, unit="quality per handoff", source=PRACTICE, doc="Experience lost per handoff."
    )
    handoff_drop_prob: float = P(
        0.15, 0.0, 1.0, unit="probability per handoff", source=PRACTICE, doc="Chance a handoff drops the case."
    )
    service_recovery: float = P(
        0.2,
        0.0,
        1.0,
        unit="probability",
        source=PRACTICE,
        doc="Chance a bad experience is followed up fast and recovered.",
    )
    recovery_cost: float = P(25.0, 0.0, 1e5, unit="$/recovery", source=ASSUMED, doc="Cost of one service recovery.")


class Customers(Section):
    need: float = P(
        0.06,
        0.0,
        1.0,
        unit="contacts/week",
        source=ASSUMED,
        doc="Mean weekly contact probability of a content customer.",
    )
    need_heterogeneity: float = P(
        0.5, 0.0, 1.0, unit="coefficient of variation", source=ASSUMED, doc="Spread of need across customers."
    )
    unhappy_contact_boost: float = P(
        1.0,
        0.0,
        10.0,
        unit="ratio",
        source=PRACTICE + ": happy customers cost less to serve",
        doc="Extra contact rate of the unhappiest customer.",
    )
    repeat_contact_prob: float = P(
        0.7,
        0.0,
        1.0,
        unit="probability/week",
        source=PRACTICE + ": unresolved contacts come back",
        doc="Weekly chance an unresolved customer contacts again.",
    )
    initial_attitude: float = P(
        0.75,
        0.0,
        1.0,
        unit="attitude",
        source=ASSUMED,
        doc="Mean attitude at week 0 (0..1; x11 -> 0-10 likelihood to recommend).",
    )
    attitude_spread: float = P(0.12, 0.0, 0.5, unit="std dev", source=ASSUMED, doc="Spread of initial attitude.")
    initial_expectation: float = P(
        0.55, 0.0, 1.0, unit="quality", source=ASSUMED, doc="Expected experience quality at week 0."
    )
    attitude_rate: float = P(
        0.35,
        0.0,
        2.0,
        unit="attitude per unit surprise",
        source="Oliver (1980) disconfirmation",
        doc="How far one experience's surprise moves attitude.",
    )
    loss_aversion: float = P(
        2.0,
        1.0,
        10.0,
        unit="ratio",
        source="Kahneman & Tversky; practice: bad surprises count more",
        doc="Weight of bad surprises relative to good ones.",
    )
    expectation_adapt: float = P(
        0.1, 0.0, 1.0, unit="share/experience", source=PRACTICE, doc="How far expectation moves towards the experience."
    )
    promise_pull: float = P(
        0.03,
        0.0,
        1.0,
        unit="share/week",
        source=PRACTICE + ": over-promising raises expectations",
        doc="Weekly pull of expectation towards the brand promise (for trusting customers).",
    )
    attitude_drift: float = P(
        0.01,
        0.0,
        0.2,
        unit="share/week",
        source=ASSUMED,
        doc="Weekly relaxation of attitude towards its neutral level (memories fade).",
    )
    neutral_attitude: float = P(
        0.72, 0.0, 1.0, unit="attitude", source=ASSUMED, doc="Attitude customers drift back to without news."
    )
    bad_margin: float = P(
        0.1,
        0.0,
        1.0,
        unit="quality",
        source=ASSUMED,
        doc="An experience this far below expectation (or unresolved) is a bad experience.",
    )
    recovery_restore: float = P(
        0.8,
        0.0,
        1.0,
        unit="share",
        source=PRACTICE,
        doc="Share of a bad experience's damage a service recovery undoes.",
    )
    recommend_base: float = P(
        0.004, 0.0, 1.0, unit="probability/week", source=ASSUMED, doc="Weekly chance a detractor recommends the firm."
    )
    recommend_ratio: float = P(
        9.0,
        1.0,
        50.0,
        unit="ratio",
        source=PRACTICE + ": happy 9x more likely to recommend",
        doc="Promoters vs detractors.",
    )
    trust_base: float = P(
        0.1, 0.0, 1.0, unit="probability", source=ASSUMED, doc="Chance a detractor trusts the brand's promise."
    )
    trust_ratio: float = P(
        8.0,
        1.0,
        50.0,
        unit="ratio",
        source=PRACTICE + ": happy 8x more likely to trust",
        doc="Promoters vs detractors.",
    )
    forgive_base: float = P(
        0.08, 0.0, 1.0, unit="probability", source=ASSUMED, doc="Chance a detractor overlooks a bad experience."
    )
    forgive_ratio: float = P(
        7.0,
        1.0,
        50.0,
        unit="ratio",
        source=PRACTICE + ": happy 7x more likely to overlook mistakes",
        doc="Promoters vs detractors.",
    )
    repurchase_base: float = P(
        0.03, 0.0, 1.0, unit="probability/week", source=ASSUMED, doc="Weekly chance a detractor buys again."
    )
    repurchase_ratio: float = P(
        7.0,
        1.0,
        50.0,
        unit="ratio",
        source=PRACTICE + ": happy 7x more likely to buy again",
        doc="Promoters vs detractors.",
    )
    new_offer_base: float = P(
        0.004, 0.0, 1.0, unit="probability/week", source=ASSUMED, doc="Weekly chance a detractor tries a new offer."
    )
    new_offer_ratio: float = P(
        7.0,
        1.0,
        50.0,
        unit="ratio",
        source=PRACTICE + ": happy 7x more likely to try new offers",
        doc="Promoters vs detractors.",
    )
    purchase_value: float = P(200.0, 0.0, 1e7, unit="$/purchase", source=ASSUMED, doc="Revenue of one repeat purchase.")
    new_offer_value: float = P(
        500.0, 0.0, 1e7, unit="$/purchase", source=ASSUMED, doc="Revenue of one new-offer purchase (cross-sell)."
    )

    @model_validator(mode="after")
    def _promoter_probabilities_at_most_one(self):
        _check_ratio_products(self, "customers", ["recommend", "trust", "forgive", "repurchase", "new_offer"])
        return self

    first_purchase_value: float = P(
        200.0, 0.0, 1e7, unit="$/purchase", source=ASSUMED, doc="Revenue of a new customer's first purchase."
    )


class Wom(Section):
    bad_tell_friends: float = P(
        0.53,
        0.0,
        1.0,
        unit="share of bad experiences",
        source=PRACTICE + ": 53% tell friends",
        doc="After a bad experience: tell friends and acquaintances.",
    )
    bad_facebook: float = P(
        0.20,
        0.0,
        1.0,
        unit="share of bad experiences",
        source=PRACTICE + ": 20% post on Facebook",
        doc="After a bad experience: post on social media.",
    )
    bad_review: float = P(
        0.14,
        0.0,
        1.0,
        unit="share of bad experiences",
        source=PRACTICE + ": 14% post on review sites",
        doc="After a bad experience: post a review.",
    )
    bad_tweet: float = P(
        0.10,
        0.0,
        1.0,
        unit="share of bad experiences",
        source=PRACTICE + ": 10% tweet",
        doc="After a bad experience: tweet.",
    )
    friend_weight: float = P(
        0.01, 0.0, 1.0, unit="attitude/message", source=ASSUMED, doc="Attitude move of a friend's message."
    )
    social_weight: float = P(
        0.004,
        0.0,
        1.0,
        unit="attitude/message",
        source=PRACTICE + ": social posts reach more, weigh less",
        doc="Attitude move of a social post or tweet.",
    )
    social_reach: int = P(
        30, 0, 100_000, unit="people", source=ASSUMED, doc="People beyond friends a social post reaches."
    )
    tweet_reach: int = P(15, 0, 100_000, unit="people", source=ASSUMED, doc="People an ordinary tweet reaches.")
    viral_prob: float = P(
        0.004,
        0.0,
        1.0,
        unit="probability/tweet",
        source=PRACTICE + ": tweets rarely but sometimes go viral",
        doc="Chance a tweet goes viral.",
    )
    viral_min_reach: float = P(
        300.0, 1.0, 1e9, unit="people", source=ASSUMED, doc="Minimum reach of a viral tweet (Pareto scale)."
    )
    viral_alpha: float = P(
        1.3,
        0.5,
        5.0,
        unit="tail exponent",
        source="heavy-tailed cascade sizes (Goel et al. 2016)",
        doc="Pareto tail exponent of viral reach.",
    )
    viral_weight: float = P(
        0.06,
        0.0,
        1.0,
        unit="attitude/message",
        source=ASSUMED,
        doc="Attitude move of a viral story (a story told well weighs more).",
    )
    negative_multiplier: float = P(
        2.0,
        1.0,
        10.0,
        unit="ratio",
        source=PRACTICE + ": negative WOM weighs more",
        doc="Weight of negative vs positive messages.",
    )
    positive_review_prob: float = P(
        0.05,
        0.0,
        1.0,
        unit="probability",
        source=ASSUMED,
        doc="Chance a customer after a good experience posts a positive review.",
    )
    review_prior: float = P(4.0, 1.0, 5.0, unit="stars", source=ASSUMED, doc="Public rating before any review.")
    review_prior_weight: float = P(
        30.0, 0.0, 1e6, unit="reviews", source=ASSUMED, doc="Weight of the prior in the public rating."
    )
    review_memory: float = P(
        0.99,
        0.5,
        1.0,
        unit="share kept/week",
        source=ASSUMED,
        doc="Weekly persistence of review counts (old reviews fade).",
    )
    rally_prob: float = P(
        0.0,
        0.0,
        1.0,
        unit="probability",
        source=PRACTICE + ": the wedding photographer",
        doc="Chance each current detractor reached by a viral story joins in with a post of their own.",
    )


class Acquisition(Section):
    external_p: float = P(
        0.002,
        0.0,
        1.0,
        unit="probability/week at reference spend",
        source="Bass (1969) p",
        doc="External (marketing) adoption hazard.",
    )
    marketing_reference: float = P(
        20_000.0,
        1.0,
        1e9,
        unit="$/week",
        source=ASSUMED,
        doc="Marketing spend at which the external hazard is external_p.",
    )
    marketing_elasticity: float = P(
        0.5, 0.0, 2.0, unit="elasticity", source=ASSUMED, doc="Diminishing returns of marketing spend."
    )
    referral_q: float = P(
        0.5,
        0.0,
        10.0,
        unit="probability/week per recommending contact share",
        source="Bass (1969) q",
        doc="Internal (WOM/referral) adoption hazard per share of one's contacts recommending.",
    )
    rating_sensitivity: float = P(
        0.8,
        0.0,
        10.0,
        unit="per star",
        source=PRACTICE + ": every prospect sees the public rating",
        doc="Log-change of adoption per star of public rating above 4.",
    )
    intent_weight: float = P(
        1.0,
        0.0,
        10.0,
        unit="ratio",
        source=ASSUMED,
        doc="How strongly received WOM moves a prospect's purchase intent.",
    )


class Churn(Section):
    base_hazard: float = P(
        0.005,
        0.0,
        1.0,
        unit="probability/week",
        source=ASSUMED,
        doc="Weekly churn hazard at neutral attitude and switching ease 0.5.",
    )
    attitude_sensitivity: float = P(
        4.0, 0.0, 20.0, unit="log-hazard per attitude", source=PRACTICE, doc="How fast the hazard falls with attitude."
    )
    switching_ease: float = P(
        0.5,
        0.0,
        1.0,
        unit="level",
        source=PRACTICE + ": the empowered consumer",
        doc="Ease of switching (1 = free information, cheap switching).",
    )
    contagion: float = P(
        3.0,
        0.0,
        50.0,
        unit="ratio per share of contacts",
        source=PRACTICE + ": defections among contacts",
        doc="Hazard increase per share of one's contacts who left recently.",
    )
    contagion_window: int = P(
        8, 1, 520, unit="weeks", source=ASSUMED, doc="How long a friend's defection counts as recent."
    )
    reference_attitude: float = P(
        0.72, 0.0, 1.0, unit="attitude", source=ASSUMED, doc="Attitude at which the hazard equals base_hazard."
    )


class Measurement(Section):
    internal_optimism: float = P(
        0.12,
        0.0,
        1.0,
        unit="quality",
        source=PRACTICE + ": firms believe they deliver better than customers report",
        doc="Bias of management's internal metrics.",
    )
    voc_sample: int = P(200, 1, 1_000_000, unit="responses/week", source=ASSUMED, doc="VoC survey responses per week.")
    voc_response_bias: float = P(
        0.05, -1.0, 1.0, unit="attitude", source=ASSUMED, doc="Happier customers answer more: bias of the VoC sample."
    )
    voc_noise: float = P(0.05, 0.0, 1.0, unit="attitude std dev", source=ASSUMED, doc="Response noise.")
    reality_check: bool = P(
        False,
        unit="switch",
        source=PRACTICE + ": measure, monitor, adjust",
        doc="Leadership adjusts levers when VoC shows a gap.",
    )
    adjust_rate: float = P(
        0.1,
        0.0,
        1.0,
        unit="share/week",
        source=ASSUMED,
        doc="How fast leadership closes a measured gap by adjusting levers.",
    )


class Finance(Section):
    initial_cash: float = P(
        5e6,
        -1e12,
        1e12,
        unit="$",
        source=ASSUMED,
        doc="Cash at week 0. The firm is bankrupt when cash falls below zero.",
    )
    cost_per_contact: float = P(12.0, 0.0, 1e6, unit="$/contact", source=ASSUMED, doc="Cost of handling one contact.")
    handoff_cost: float = P(8.0, 0.0, 1e6, unit="$/handoff", source=ASSUMED, doc="Cost of one handoff.")
    fixed_cost: float = P(60_000.0, 0.0, 1e9, unit="$/week", source=ASSUMED, doc="Rent, systems and other fixed costs.")
    supervisor_premium: float = P(
        0.3, 0.0, 10.0, unit="share of wage", source=ASSUMED, doc="Extra wage of a supervisor."
    )


class Scenario(BaseModel):
    """A complete, validated scenario: one value for every parameter."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    name: str = Field("custom", description="Scenario name.")
    description: str = Field("", description="One line: what this scenario shows.")
    sim: Sim = Sim()
    market: Market = Market()
    leadership: Leadership = Leadership()
    programs: Programs = Programs()
    supervisors: Supervisors = Supervisors()
    incentives: Incentives = Incentives()
    workforce: Workforce = Workforce()
    process: Process = Process()
    customers: Customers = Customers()
    wom: Wom = Wom()
    acquisition: Acquisition = Acquisition()
    churn: Churn = Churn()
    measurement: Measurement = Measurement()
    finance: Finance = Finance()

    @model_validator(mode="after")
    def _consistent(self):
        if self.workforce.team_size > self.workforce.employees:
            raise ValueError(
                f"workforce.team_size ({self.workforce.team_size}) is larger than workforce.employees "
                f"({self.workforce.employees}): a team cannot have more members than the firm has employees"
            )
        if self.market.mean_degree >= self.market.size:
            raise ValueError(
                f"market.mean_degree ({self.market.mean_degree}) must be smaller than market.size ({self.market.size})"
            )
        if self.measurement.reality_check and not self.programs.voc:
            # the policy adjusts levers to what the VoC survey shows: without a survey it would silently do nothing
            raise ValueError(
                "measurement.reality_check = true needs programs.voc = true: the reality check acts on what the "
                "voice-of-customer survey shows, and without a survey there is nothing to check against"
            )
        return self

    # The scenario's everyday operations, as methods. They live in cxsim.scenario (which imports this module),
    # hence the imports inside them.

    def override(self, changes: Mapping[str, Any]) -> Scenario:
        """A validated copy with dotted keys changed (:func:`cxsim.scenario.override`).

        Example: ``s.override({"market.size": 1000, "incentives.cx_weight": 0.9})``.

        Raises:
            ScenarioError: an unknown key or a value the schema does not allow (the message names the key).
        """
        from cxsim.scenario import override

        return override(self, changes)

    def to_toml(self, only_changes_from: Scenario | None = None) -> str:
        """The scenario as TOML text that loads back to an equal scenario (:func:`cxsim.scenario.to_toml`).

        Args:
            only_changes_from: write ``extends = <its name>`` and only the parameters that differ from it.
        """
        from cxsim.scenario import to_toml

        return to_toml(self, only_changes_from)

    def get(self, dotted: str) -> Any:
        """The value of a dotted key, e.g. ``s.get("market.size")`` (:func:`cxsim.scenario.get`)."""
        from cxsim.scenario import get

        return get(self, dotted)

    def diff(self, other: Scenario) -> dict[str, tuple[Any, Any]]:
        """Dotted keys whose values differ from ``other``'s: ``{key: (own value, other's value)}``
        (:func:`cxsim.scenario.diff`)."""
        from cxsim.scenario import diff

        return diff(self, other)


SECTIONS = [name for name in Scenario.model_fields if name not in ("name", "description")]


def field_bounds(field: FieldInfo) -> tuple[float | None, float | None]:
    """A parameter's inclusive bounds ``(lo, hi)`` as :func:`P` declared them; None where it has none."""
    lo = hi = None
    for m in field.metadata:
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
    return lo, hi


def parameter_table() -> list[dict[str, Any]]:
    """Every parameter as a row: key, default, bounds, unit, source, meaning."""
    rows = []
    for section in SECTIONS:
        cls = Scenario.model_fields[section].annotation
        for key, field in cls.model_fields.items():
            lo, hi = field_bounds(field)
            extra = field.json_schema_extra or {}
            rows.append(
                {
                    "key": f"{section}.{key}",
                    "default": field.default,
                    "min": lo,
                    "max": hi,
                    "unit": extra.get("unit", ""),
                    "source": extra.get("source", ""),
                    "doc": field.description or "",
                }
            )
    return rows
