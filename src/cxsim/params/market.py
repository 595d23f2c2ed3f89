"""What every firm in the market shares: the people, how they behave, how word travels.

These sections describe the market and human behaviour in it, the same for every
firm: how employees respond to supervisors and programs (``engagement``), how a
service encounter produces an experience (``service``), how customers judge,
talk, buy and leave (``customers``, ``wom``, ``acquisition``, ``churn``).
Most of their numbers are UNKNOWN causal weights: each has a prior range and a
source note, and ``cxsim fit`` calibrates them to a firm's KPIs.

Declarations are wrapped by hand (``# fmt: skip``): value, bounds, unit, role and
source on the first line, the meaning on the next, so each parameter reads as two
or three lines instead of the ten a formatter would make of it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from cxsim.params.base import ASSUMED, CALIBRATED, FACT, PRACTICE, P, Section, check_ratio_products

GALLUP = "Gallup Q12 meta-analysis (Harter et al. 2020)"


class Sim(Section):
    weeks: int = P(
        104, 1, 5200, unit="weeks", role=FACT, source="two years: the default horizon", doc="Weeks to simulate."
    )  # fmt: skip
    end_at_bankruptcy: bool = P(
        True, unit="switch", role=FACT, source="a run is the focal firm's story; a game's market outlives any one firm",
        doc="End the run when the focal firm goes bankrupt. False: it stops trading, as a bankrupt rival does, and "
        "the market goes on (the classroom game, where the focal firm is one team's firm among equals).",
    )  # fmt: skip


class Market(Section):
    size: int = P(
        50_000, 10, 50_000_000, unit="people", role=FACT, source=ASSUMED,
        doc="People in the market: customers of any firm and people buying from none.",
    )  # fmt: skip
    initial_customer_share: float = P(
        0.4, 0.0, 1.0, unit="share of people", role=FACT, source=ASSUMED,
        doc="Share of the market that are the focal firm's customers at week 0 (each rival has its own).",
    )  # fmt: skip
    graph: Literal["watts_strogatz", "erdos_renyi", "barabasi_albert"] = P(
        "watts_strogatz", unit="kind", role=FACT, source="small-world / random / scale-free social graphs",
        doc="Social graph that word of mouth travels over.",
    )  # fmt: skip
    mean_degree: int = P(
        10, 0, 200, unit="contacts", role=FACT, source="about 10 close ties a person", doc="Mean friends per person."
    )  # fmt: skip
    rewire_prob: float = P(
        0.1, 0.0, 1.0, unit="probability", role=FACT, source="Watts & Strogatz (1998)",
        doc="Small-world rewiring probability.",
    )  # fmt: skip
    mixing: Literal["network", "full"] = P(
        "network", unit="mode", role=FACT, source="Bass (1969) for full mixing",
        doc="'network': word of mouth and referrals travel over the graph; 'full': over the whole market.",
    )  # fmt: skip
    turnover: float = P(
        0.05, 0.0, 1.0, unit="share of people/year", role=FACT,
        source="US Census CPS: about 8-9% of people move house each year, 3-4% to another county",
        doc="Share of people who leave the market each year; as many newcomers, who buy from no firm yet, arrive.",
    )  # fmt: skip
    reference_price: float = P(
        200.0, 0.01, 1e7, unit="$/purchase", role=FACT, source=ASSUMED,
        doc="The going price customers are used to; a firm's price is judged against it and its rivals'.",
    )  # fmt: skip


class Engagement(Section):
    """How employees respond: the four drivers, engagement, and what engagement does."""

    supervisor_weight: float = P(
        1.0, 0.0, 3.0, unit="weight", source=PRACTICE + ": supervisor-led coaching beats HR-led programs",
        prior=(0.5, 1.5), doc="Strength of the supervisor channel (coaching x attention) on the drivers.",
    )  # fmt: skip
    hr_weight: float = P(
        0.3, 0.0, 3.0, unit="weight", source=PRACTICE + ": supervisor-led coaching beats HR-led programs",
        prior=(0.1, 1.0), doc="Strength of the HR-program channel on the drivers.",
    )  # fmt: skip
    attention_floor: float = P(
        0.5, 0.0, 1.0, unit="share", source=ASSUMED, prior=(0.2, 0.8),
        doc="Share of coaching that works without any attention (the rest needs the supervisor's attention).",
    )  # fmt: skip
    training_half_effect: float = P(
        20.0, 0.1, 1000.0, unit="$/employee/week", source=ASSUMED, prior=(5.0, 60.0),
        doc="Training spend giving half the maximum training effect.",
    )  # fmt: skip
    driver_rate: float = P(
        0.2, 0.001, 1.0, unit="share/week", source=ASSUMED, prior=(0.05, 0.4),
        doc="Weekly share of the gap to its target each driver closes.",
    )  # fmt: skip
    autonomy_empowerment: float = P(
        0.65, 0.0, 2.0, unit="weight", source=PRACTICE + ": autonomy", prior=(0.3, 1.0),
        doc="Autonomy target per unit of empowerment.",
    )  # fmt: skip
    autonomy_care: float = P(
        0.45, 0.0, 2.0, unit="weight", source=ASSUMED, prior=(0.1, 0.8),
        doc="Autonomy target per unit of supervisor and HR care.",
    )  # fmt: skip
    mastery_base: float = P(
        0.15, 0.0, 1.0, unit="level", source=ASSUMED, prior=(0.0, 0.3),
        doc="Mastery target without care or training.",
    )  # fmt: skip
    mastery_care: float = P(
        0.6, 0.0, 2.0, unit="weight", source=PRACTICE + ": mastery grows with coaching", prior=(0.3, 0.9),
        doc="Mastery target per unit of care.",
    )  # fmt: skip
    mastery_training: float = P(
        0.35, 0.0, 2.0, unit="weight", source=ASSUMED, prior=(0.1, 0.6),
        doc="Mastery target at full training effect.",
    )  # fmt: skip
    purpose_base: float = P(
        0.0, 0.0, 1.0, unit="level", source=ASSUMED, prior=(0.0, 0.3),
        doc="Purpose target without any of its sources.",
    )  # fmt: skip
    purpose_consistency: float = P(
        0.8, 0.0, 2.0, unit="weight", prior=(0.4, 0.9),
        source=PRACTICE + ": say what you expect; calibrated (top of its prior) so the consistency lesson moves "
        "two-year NPS by at least 2 points (docs/validation.md)",
        doc="Purpose target per unit of message consistency.",
    )  # fmt: skip
    purpose_ceo: float = P(
        0.15, 0.0, 2.0, unit="weight", source=PRACTICE + ": connection to top management", prior=(0.0, 0.3),
        doc="Purpose target per unit of CEO ownership.",
    )  # fmt: skip
    purpose_cx_room: float = P(
        0.7, 0.0, 2.0, unit="weight", source=PRACTICE + ": the CX room", prior=(0.55, 0.85),
        doc="Purpose target of a committed CX room.",
    )  # fmt: skip
    purpose_care: float = P(
        0.35, 0.0, 2.0, unit="weight", source=ASSUMED, prior=(0.1, 0.6),
        doc="Purpose target per unit of care.",
    )  # fmt: skip
    affiliation_base: float = P(
        0.1, 0.0, 1.0, unit="level", source=ASSUMED, prior=(0.0, 0.3),
        doc="Affiliation target without any of its sources.",
    )  # fmt: skip
    affiliation_team: float = P(
        0.45, 0.0, 2.0, unit="weight", source=PRACTICE + ": affiliation is contagious within a team", prior=(0.2, 0.7),
        doc="Affiliation target per unit of the team's mean engagement.",
    )  # fmt: skip
    affiliation_care: float = P(
        0.35, 0.0, 2.0, unit="weight", source=ASSUMED, prior=(0.1, 0.6),
        doc="Affiliation target per unit of care.",
    )  # fmt: skip
    affiliation_recognition: float = P(
        0.15, 0.0, 2.0, unit="weight", source=PRACTICE + ": recognition", prior=(0.0, 0.3),
        doc="Affiliation target of a committed recognition program.",
    )  # fmt: skip
    target_base: float = P(
        0.35, -1.0, 1.0, unit="engagement", source=CALIBRATED, prior=(0.3, 0.57),
        doc="Engagement target when every driver is 0 and nothing else acts.",
    )  # fmt: skip
    target_drivers: float = P(
        0.36, 0.0, 2.0, unit="weight", prior=(0.2, 0.7),
        source=ASSUMED + "; calibrated so every engagement lever at its best vs its worst moves two-year NPS by at "
        "most 50 points (docs/validation.md)",
        doc="Engagement target per unit of the drivers' mean.",
    )  # fmt: skip
    target_ceo: float = P(
        0.1, 0.0, 1.0, unit="weight", source=PRACTICE + ": connection to top management", prior=(0.0, 0.2),
        doc="Engagement target per unit of CEO ownership above 0.5.",
    )  # fmt: skip
    target_recognition: float = P(
        0.08, 0.0, 1.0, unit="weight", source=PRACTICE + ": recognition", prior=(0.0, 0.15),
        doc="Engagement target of a committed recognition program.",
    )  # fmt: skip
    target_misalignment: float = P(
        0.12, 0.0, 2.0, unit="weight", source=PRACTICE + ": incentives that reward what the firm says", prior=(0.1, 0.5),
        doc="Engagement lost per unit of gap between incentives and stated priority.",
    )  # fmt: skip
    target_stress: float = P(
        0.4, 0.0, 2.0, unit="weight", source=PRACTICE + ": workload and stress", prior=(0.1, 0.8),
        doc="Engagement lost per unit of front-line utilisation above 1.",
    )  # fmt: skip
    target_burnout: float = P(
        0.5, 0.0, 2.0, unit="weight", source="Maslach & Leiter (2016): sustained overload exhausts", prior=(0.1, 1.0),
        doc="Engagement lost per unit of sustained overtime (share of recent weeks on overtime).",
    )  # fmt: skip
    target_values: float = P(
        0.7, 0.0, 2.0, unit="weight", prior=(0.2, 0.8),
        source=PRACTICE + ": values are caught, not taught; calibrated so recruiting for values moves two-year NPS "
        "by at least 2 points (docs/validation.md)",
        doc="Engagement target per unit of values fit above 0.5.",
    )  # fmt: skip
    target_underpay: float = P(
        0.3, 0.0, 2.0, unit="weight", source="Herzberg (1959): pay is a hygiene factor", prior=(0.1, 0.6),
        doc="Engagement lost per unit of log pay below the market wage.",
    )  # fmt: skip
    target_overpay: float = P(
        0.05, 0.0, 2.0, unit="weight", prior=(0.0, 0.1),
        source="Herzberg (1959); practice: raising salaries isn't enough",
        doc="Engagement gained per unit of log pay above the market wage (little).",
    )  # fmt: skip
    inertia: float = P(
        0.08, 0.001, 1.0, unit="share/week", source=PRACTICE + ": engagement moves with inertia", prior=(0.03, 0.15),
        doc="Weekly share of the gap to its target that engagement closes.",
    )  # fmt: skip
    noise: float = P(
        0.02, 0.0, 0.5, unit="std dev/week", source=ASSUMED, prior=(0.01, 0.06),
        doc="Week-to-week idiosyncratic change in engagement.",
    )  # fmt: skip
    engaged_threshold: float = P(
        0.6, 0.0, 1.0, unit="engagement", role=FACT, source="the survey cut-off for 'engaged'",
        doc="Engagement at or above which an employee counts as engaged.",
    )  # fmt: skip
    initial: float = P(
        0.53, 0.0, 1.0, unit="engagement", role=FACT, source=ASSUMED,
        doc="Mean engagement at week 0 (and of a new hire).",
    )  # fmt: skip
    initial_spread: float = P(
        0.12, 0.0, 0.5, unit="std dev", role=FACT, source=ASSUMED,
        doc="Spread of engagement at week 0.",
    )  # fmt: skip
    initial_drivers: float = P(
        0.4, 0.0, 1.0, unit="level", role=FACT, source=ASSUMED,
        doc="Each driver at week 0 and for a new hire (mastery starts lower).",
    )  # fmt: skip
    new_hire_mastery: float = P(
        0.3, 0.0, 1.0, unit="level", role=FACT, source=ASSUMED,
        doc="Mastery of a new hire.",
    )  # fmt: skip
    values_hiring_floor: float = P(
        0.7, 0.0, 1.0, unit="values fit", role=FACT, source=ASSUMED,
        doc="Hiring for values: a new hire's fit is uniform between this and 1 (else between 0 and 1).",
    )  # fmt: skip
    overtime_base: float = P(
        0.06, 0.0, 1.0, unit="probability/week", source=CALIBRATED, prior=(0.02, 0.12),
        doc="Weekly overtime probability of a disengaged employee at planned load.",
    )  # fmt: skip
    overtime_ratio: float = P(
        2.5, 1.0, 10.0, unit="ratio", source=PRACTICE + ": engaged 2.5x more likely to work overtime", prior=(1.5, 3.5),
        doc="Engaged vs disengaged overtime.",
    )  # fmt: skip
    overtime_pressure: float = P(
        3.0, 0.0, 20.0, unit="per unit of utilisation", source=ASSUMED, prior=(1.0, 6.0),
        doc="Overtime asked for rises by this factor per unit of last week's utilisation above plan.",
    )  # fmt: skip
    overtime_capacity: float = P(
        0.25, 0.0, 1.0, unit="share of a week", role=FACT, source="one overtime shift in a five-shift week",
        doc="Capacity an overtime shift adds, as a share of the employee's week.",
    )  # fmt: skip
    burnout_memory: float = P(
        0.9, 0.0, 0.999, unit="share kept/week", source=ASSUMED, prior=(0.8, 0.97),
        doc="Weekly persistence of an employee's overtime load (a moving average of overtime weeks).",
    )  # fmt: skip
    good_deed_base: float = P(
        0.05, 0.0, 1.0, unit="probability/week", source=ASSUMED, prior=(0.02, 0.1),
        doc="Weekly probability of a discretionary good deed, disengaged.",
    )  # fmt: skip
    good_deed_ratio: float = P(
        3.3, 1.0, 10.0, unit="ratio", source=PRACTICE + ": engaged 3.3x more likely to do good deeds", prior=(2.0, 4.5),
        doc="Engaged vs disengaged good deeds.",
    )  # fmt: skip
    suggestion_base: float = P(
        0.01, 0.0, 1.0, unit="probability/week", source=ASSUMED, prior=(0.003, 0.03),
        doc="Weekly probability of suggesting an improvement, disengaged.",
    )  # fmt: skip
    suggestion_ratio: float = P(
        3.4, 1.0, 10.0, unit="ratio", prior=(2.0, 4.5),
        source=PRACTICE + ": engaged 3.4x more likely to suggest improvements",
        doc="Engaged vs disengaged suggestions.",
    )  # fmt: skip
    productivity: float = P(
        0.18, 0.0, 1.0, unit="capacity per unit of engagement", prior=(0.05, 0.3),
        source=GALLUP + ": top-quartile units ~18% more productive",
        doc="An employee's capacity rises by this share per unit of engagement above 0.5 (falls below).",
    )  # fmt: skip
    base_quit_rate: float = P(
        0.0025, 0.0, 0.5, unit="probability/week", source="BLS JOLTS: quits ~2%/month", prior=(0.001, 0.006),
        doc="Weekly quit probability of a fully engaged employee paid the market wage.",
    )  # fmt: skip
    disengaged_quit_multiplier: float = P(
        4.0, 1.0, 50.0, unit="ratio", source=GALLUP + ": 18-43% lower turnover in engaged units", prior=(1.5, 6.0),
        doc="Quit rate at engagement 0 relative to engagement 1.",
    )  # fmt: skip
    underpay_quit_elasticity: float = P(
        3.0, 0.0, 20.0, unit="elasticity", prior=(1.0, 5.0),
        source="labour economics: quit elasticities of 2-4 to relative wages",
        doc="Quits rise as (market wage / wage) to this power when pay is below the market.",
    )  # fmt: skip
    burnout_quit: float = P(
        1.0, 0.0, 20.0, unit="ratio per unit of overtime load", source="Maslach & Leiter (2016)", prior=(0.0, 3.0),
        doc="Quit rate rises by this factor per unit of sustained overtime.",
    )  # fmt: skip
    values_quit: float = P(
        0.6, 0.0, 2.0, unit="share per unit of values fit", prior=(0.2, 1.0),
        source="Kristof-Brown et al. (2005) meta-analysis: person-organisation fit cuts intent to quit",
        doc="Quits fall by this share per unit of values fit above 0.5 (and rise below).",
    )  # fmt: skip
    skill_growth: float = P(
        0.02, 0.0, 1.0, unit="skill/week at mastery 1", source=ASSUMED, prior=(0.005, 0.04),
        doc="Weekly skill growth from mastery.",
    )  # fmt: skip
    learning_half_life: float = P(
        26.0, 1.0, 520.0, unit="weeks", source="learning curves: most is learnt in the first months", prior=(8.0, 52.0),
        doc="Weeks of tenure after which on-the-job learning has halved.",
    )  # fmt: skip
    tenure_learning: float = P(
        0.02, 0.0, 1.0, unit="skill/week in the first weeks", prior=(0.005, 0.05),
        source="learning curves: most is learnt in the first months",
        doc="Weekly skill learnt on the job by a new hire; it fades with tenure (see learning_half_life).",
    )  # fmt: skip

    @model_validator(mode="after")
    def _engaged_probabilities_at_most_one(self):
        check_ratio_products(self, "engagement", ["overtime", "good_deed", "suggestion"])
        return self


class Service(Section):
    """How a service encounter turns into an experience."""

    engagement_weight: float = P(
        0.2, 0.0, 1.0, unit="weight", prior=(0.15, 0.5),
        source="Brown & Lam (2008): employee attitudes reach customers through perceived service quality",
        doc="Effort quality per unit of the employee's engagement.",
    )  # fmt: skip
    skill_weight: float = P(
        0.25, 0.0, 1.0, unit="weight", source=ASSUMED, prior=(0.1, 0.4),
        doc="Effort quality per unit of the employee's skill.",
    )  # fmt: skip
    process_weight: float = P(
        0.55, 0.0, 1.0, unit="weight", source=ASSUMED, prior=(0.2, 0.6),
        doc="Effort quality per unit of process quality.",
    )  # fmt: skip
    resolution_share: float = P(
        0.5, 0.0, 1.0, unit="share", source=ASSUMED, prior=(0.3, 0.7),
        doc="Share of an experience that is whether the need was resolved (the rest is how it felt).",
    )  # fmt: skip
    standard_resolution: float = P(
        0.68, 0.0, 1.0, unit="probability", source=ASSUMED, prior=(0.4, 0.8),
        doc="Resolution of a standard need by a new, disengaged employee.",
    )  # fmt: skip
    standard_skill: float = P(
        0.25, 0.0, 1.0, unit="probability per skill", source=ASSUMED, prior=(0.1, 0.4),
        doc="Resolution of a standard need per unit of skill.",
    )  # fmt: skip
    standard_engagement: float = P(
        0.05, 0.0, 1.0, unit="probability per engagement", source=ASSUMED, prior=(0.0, 0.2),
        doc="Resolution of a standard need per unit of engagement.",
    )  # fmt: skip
    standard_max: float = P(
        0.98, 0.0, 1.0, unit="probability", source=ASSUMED, prior=(0.9, 1.0),
        doc="Best resolution of a standard need.",
    )  # fmt: skip
    nonstandard_gain: float = P(
        2.0, 0.0, 5.0, unit="probability per empowerment", prior=(1.0, 3.0),
        source=PRACTICE + ": non-standard needs need autonomy",
        doc="Resolution of a non-standard need per unit of empowerment (x the employee's autonomy).",
    )  # fmt: skip
    nonstandard_autonomy_floor: float = P(
        0.5, 0.0, 1.0, unit="share", source=ASSUMED, prior=(0.2, 0.8),
        doc="Share of empowerment that works without personal autonomy.",
    )  # fmt: skip
    nonstandard_engagement_floor: float = P(
        0.8, 0.0, 1.0, unit="share", source=ASSUMED, prior=(0.3, 0.9),
        doc="Share of non-standard resolution a fully disengaged employee still achieves.",
    )  # fmt: skip
    nonstandard_escalation: float = P(
        0.3, 0.0, 1.0, unit="probability", source=ASSUMED, prior=(0.1, 0.5),
        doc="Chance a non-standard need is solved by escalation even where procedures are rigid.",
    )  # fmt: skip
    mixed_message_variation: float = P(
        0.2, 0.0, 1.0, unit="quality (std dev)", prior=(0.05, 0.3),
        source="Parasuraman, Zeithaml & Berry (1988): reliability, the same dependable service every time, is what "
        "customers weigh most; practice: say what you expect (one set of expected behaviours)",
        doc="How much effort quality varies from contact to contact when leadership's messages about expected "
        "behaviour are fully mixed (x (1 - message consistency)); customers weigh the bad surprises more.",
    )  # fmt: skip
    cx_room_quality: float = P(
        0.03, 0.0, 0.2, unit="quality", source=PRACTICE + ": a CX room builds empathy for the customer's journey",
        prior=(0.0, 0.06), doc="Effort quality a committed CX room adds to every contact (employees who have seen the "
        "journey serve it better).",
    )  # fmt: skip
    good_deed_quality: float = P(
        0.08, 0.0, 1.0, unit="quality", source=PRACTICE + ": discretionary effort", prior=(0.03, 0.15),
        doc="Quality a good deed adds to the contacts the employee handles that week.",
    )  # fmt: skip
    good_deed_resolution: float = P(
        0.1, 0.0, 1.0, unit="probability", source=PRACTICE + ": discretionary effort", prior=(0.0, 0.2),
        doc="Extra chance of resolving a need when the employee does a good deed that week.",
    )  # fmt: skip
    queue_knee: float = P(
        0.85, 0.3, 1.0, unit="utilisation", prior=(0.75, 0.95),
        source="Erlang C: waits grow fast above ~85% occupancy (Gans, Koole & Mandelbaum 2003)",
        doc="Front-line utilisation above which waits start to cost quality.",
    )  # fmt: skip
    overload_loss: float = P(
        0.3, 0.0, 1.0, unit="share", source="Oliva & Sterman (2001): overload erodes service", prior=(0.2, 0.6),
        doc="Quality and resolution lost as last week's utilisation goes from the knee to 100% (more beyond).",
    )  # fmt: skip
    overload_resolution: float = P(
        0.3, 0.0, 1.0, unit="share", source=ASSUMED, prior=(0.1, 0.6),
        doc="Share of the strain that also lowers resolution (rushed contacts solve less; waits mostly annoy).",
    )  # fmt: skip
    max_strain: float = P(
        0.5, 0.0, 1.0, unit="share", source=ASSUMED, prior=(0.5, 0.9),
        doc="Most quality and resolution an overloaded front line loses.",
    )  # fmt: skip
    standard_erosion_weeks: float = P(
        8.0, 1.0, 520.0, unit="weeks", prior=(4.0, 26.0),
        source="Oliva & Sterman (2001), Mgmt Sci 47(7): the service standard is anchored on the time actually "
        "spent per customer, so corners cut under pressure become the norm within weeks",
        doc="Time for the front line's service standard (the care a contact is given as normal) to settle at the "
        "care actually given while overloaded.",
    )  # fmt: skip
    standard_recovery_weeks: float = P(
        78.0, 1.0, 1040.0, unit="weeks", prior=(26.0, 260.0),
        source="Oliva & Sterman (2001): standards erode faster than they recover; without a deliberate reset they "
        "stay low for good",
        doc="Time for an eroded service standard to drift back to the full standard once the pressure is off "
        "(much slower than erosion).",
    )  # fmt: skip
    standard_floor: float = P(
        0.6, 0.0, 1.0, unit="share", prior=(0.4, 0.85),
        source="Oliva & Sterman (2001): time per customer falls toward a minimum, the least a contact can take; "
        + ASSUMED,
        doc="The least care a contact is given however long the front line has been rushed (the service standard "
        "erodes no further).",
    )  # fmt: skip
    corner_capacity: float = P(
        0.5, 0.0, 1.0, unit="share", prior=(0.2, 0.8),
        source="Oliva & Sterman (2001): less time per customer raises throughput, which hides the shortfall",
        doc="Extra contacts a front line handles per unit of service standard it has given up (a standard 10% "
        "below full gives 5% more capacity at 0.5).",
    )  # fmt: skip


class Customers(Section):
    need: float = P(
        0.06, 0.0, 1.0, unit="contacts/week", role=FACT, source=ASSUMED,
        doc="Mean weekly contact probability of a content customer.",
    )  # fmt: skip
    need_heterogeneity: float = P(
        0.5, 0.0, 1.0, unit="coefficient of variation", role=FACT, source=ASSUMED,
        doc="Spread of need across customers.",
    )  # fmt: skip
    unhappy_contact_boost: float = P(
        1.0, 0.0, 10.0, unit="ratio", source=PRACTICE + ": happy customers cost less to serve", prior=(0.3, 2.0),
        doc="Extra contact rate of the unhappiest customer.",
    )  # fmt: skip
    repeat_contact_prob: float = P(
        0.7, 0.0, 1.0, unit="probability/week", source=PRACTICE + ": unresolved contacts come back", prior=(0.4, 0.9),
        doc="Weekly chance an unresolved customer contacts again.",
    )  # fmt: skip
    initial_attitude: float = P(
        0.8, 0.0, 1.0, unit="attitude", role=FACT, source=ASSUMED,
        doc="Mean attitude of customers at week 0 (0..1; x11 -> 0-10 likelihood to recommend).",
    )  # fmt: skip
    attitude_spread: float = P(
        0.06, 0.0, 0.5, unit="std dev", role=FACT, source=ASSUMED,
        doc="Spread of initial attitude.",
    )  # fmt: skip
    initial_expectation: float = P(
        0.68, 0.0, 1.0, unit="quality", role=FACT, source=ASSUMED,
        doc="Expected experience quality at week 0.",
    )  # fmt: skip
    attitude_rate: float = P(
        0.25, 0.0, 2.0, unit="attitude per unit surprise", source="Oliver (1980) disconfirmation", prior=(0.1, 0.6),
        doc="How far one experience's surprise moves attitude.",
    )  # fmt: skip
    loss_aversion: float = P(
        2.0, 1.0, 10.0, unit="ratio", prior=(1.5, 3.0),
        source="Kahneman & Tversky (1979); practice: bad surprises count more",
        doc="Weight of bad surprises relative to good ones.",
    )  # fmt: skip
    expectation_adapt: float = P(
        0.25, 0.0, 1.0, unit="share/experience", prior=(0.03, 0.3),
        source="Boulding, Kalra, Staelin & Zeithaml (1993, JMR): each encounter updates what customers expect, so "
        "customers of a good firm come to expect good service; calibrated so every engagement lever at its best vs "
        "its worst moves two-year NPS by 20-50 points (docs/validation.md)",
        doc="How far expectation moves towards the experience.",
    )  # fmt: skip
    promise_pull: float = P(
        0.003, 0.0, 1.0, unit="share/week", source=PRACTICE + ": over-promising raises expectations", prior=(0, 0.07),
        doc="Weekly pull of expectation towards the brand promise (for trusting customers).",
    )  # fmt: skip
    promise_expectation: float = P(
        0.15, 0.0, 1.0, unit="share", source=PRACTICE + ": over-promising", prior=(0, 0.6),
        doc="A new customer's expectation: this share of the brand promise, the rest the usual expectation.",
    )  # fmt: skip
    attitude_drift: float = P(
        0.01, 0.0, 0.2, unit="share/week", source=ASSUMED, prior=(0.003, 0.03),
        doc="Weekly relaxation of attitude towards its neutral level (memories fade).",
    )  # fmt: skip
    neutral_attitude: float = P(
        0.78, 0.0, 1.0, unit="attitude", prior=(0.6, 0.8),
        source=CALIBRATED + ": where the baseline's NPS settles once expectations have caught up with the service, "
        "kept in 0-50 over ten years (experiments/going_concern.py)",
        doc="Attitude customers drift back to without news; a new customer's starting attitude.",
    )  # fmt: skip
    disposition_spread: float = P(
        0.15, 0.0, 0.4, unit="std dev of attitude", prior=(0.08, 0.22),
        source="wide spread of answers within one firm's customers; response styles (Baumgartner & Steenkamp 2001)",
        doc="Spread of people's resting attitudes: each customer drifts back to neutral_attitude plus their own offset.",
    )  # fmt: skip
    bad_margin: float = P(
        0.1, 0.0, 1.0, unit="quality", source=ASSUMED, prior=(0.05, 0.2),
        doc="An experience this far below expectation (or unresolved) is a bad experience.",
    )  # fmt: skip
    recovery_restore: float = P(
        0.8, 0.0, 1.0, unit="share", source=PRACTICE + ": the service recovery paradox", prior=(0.5, 0.95),
        doc="Share of a bad experience's damage a service recovery undoes.",
    )  # fmt: skip
    forgive_keep: float = P(
        0.2, 0.0, 1.0, unit="share", source=ASSUMED, prior=(0.05, 0.5),
        doc="Share of a bad experience's damage left when the customer overlooks it.",
    )  # fmt: skip
    passive_position: float = P(
        0.2, 0.0, 1.0, unit="share of the log-ratio", prior=(0.05, 0.5),
        source="Heskett et al. (1994): customers rating 5 were 6x as likely to repurchase as those rating 4",
        doc="Where passives sit between detractors and promoters on every 'happy customers are Nx more likely' "
        "behaviour: they get ratio ** this (0.5: the geometric middle; small: most of the gain is at the top).",
    )  # fmt: skip
    recommend_base: float = P(
        0.004, 0.0, 1.0, unit="probability/week", source=ASSUMED, prior=(0.001, 0.01),
        doc="Weekly chance a detractor recommends the firm.",
    )  # fmt: skip
    recommend_ratio: float = P(
        9.0, 1.0, 50.0, unit="ratio", prior=(4.0, 14.0),
        source=PRACTICE + ": happy customers 9x more likely to recommend",
        doc="Promoters vs detractors.",
    )  # fmt: skip
    trust_base: float = P(
        0.1, 0.0, 1.0, unit="probability", source=ASSUMED, prior=(0.03, 0.2),
        doc="Chance in a week that a detractor trusts the firm.",
    )  # fmt: skip
    trust_ratio: float = P(
        8.0, 1.0, 50.0, unit="ratio", source=PRACTICE + ": happy customers 8x more likely to trust", prior=(4.0, 12.0),
        doc="Promoters vs detractors.",
    )  # fmt: skip
    trust_margin: float = P(
        0.05, 0.0, 0.5, unit="quality", source=PRACTICE + ": trust gives the benefit of the doubt", prior=(0.0, 0.1),
        doc="A trusting customer calls an experience bad only this much further below expectation.",
    )  # fmt: skip
    trust_forgiveness: float = P(
        1.5, 1.0, 5.0, unit="ratio", source=PRACTICE + ": trust makes customers forgive", prior=(1.0, 2.5),
        doc="A trusting customer overlooks a bad experience this many times as often.",
    )  # fmt: skip
    forgive_base: float = P(
        0.08, 0.0, 1.0, unit="probability", source=ASSUMED, prior=(0.03, 0.12),
        doc="Chance a detractor overlooks a bad experience.",
    )  # fmt: skip
    forgive_ratio: float = P(
        7.0, 1.0, 50.0, unit="ratio", prior=(3.0, 10.0),
        source=PRACTICE + ": happy customers 7x more likely to overlook mistakes",
        doc="Promoters vs detractors.",
    )  # fmt: skip
    regular_purchases: float = P(
        0.1, 0.0, 10.0, unit="purchases/customer/week", role=FACT, source=ASSUMED,
        doc="Purchases every customer makes in a week whatever their attitude (the recurring part of revenue); "
        "at the going price.",
    )  # fmt: skip
    repurchase_base: float = P(
        0.02, 0.0, 1.0, unit="probability/week", source=ASSUMED, prior=(0.01, 0.06),
        doc="Weekly chance a detractor buys again on top of the regular purchases (at the going price).",
    )  # fmt: skip
    repurchase_ratio: float = P(
        7.0, 1.0, 50.0, unit="ratio", prior=(2.0, 9.0),
        source=PRACTICE + ": happy customers 7x more likely to buy again",
        doc="Promoters vs detractors.",
    )  # fmt: skip
    new_offer_base: float = P(
        0.004, 0.0, 1.0, unit="probability/week", source=ASSUMED, prior=(0.001, 0.01),
        doc="Weekly chance a detractor tries a new offer.",
    )  # fmt: skip
    new_offer_ratio: float = P(
        7.0, 1.0, 50.0, unit="ratio", prior=(2.0, 9.0),
        source=PRACTICE + ": happy customers 7x more likely to try new offers",
        doc="Promoters vs detractors.",
    )  # fmt: skip
    price_elasticity: float = P(
        1.0, 0.0, 5.0, unit="elasticity", prior=(0.3, 2.0),
        source="Bijmolt, van Heerde & Pieters (2005) meta-analysis; purchases of a service already chosen respond less",
        doc="Purchases fall as (price / going price) to this power (for a detractor).",
    )  # fmt: skip
    promoter_price_tolerance: float = P(
        0.5, 0.0, 1.0, unit="share", source=PRACTICE + ": good CX earns a price premium", prior=(0.2, 0.8),
        doc="A promoter's price sensitivity is this share lower than a detractor's (passives halfway).",
    )  # fmt: skip
    memory_fade: float = P(
        0.01, 0.0, 1.0, unit="share/week", source=ASSUMED, prior=(0.002, 0.03),
        doc="Weekly fade of a person's opinion of a firm they are not a customer of, towards the neutral impression.",
    )  # fmt: skip

    @model_validator(mode="after")
    def _promoter_probabilities_at_most_one(self):
        check_ratio_products(self, "customers", ["recommend", "trust", "forgive", "repurchase", "new_offer"])
        return self


class Wom(Section):
    bad_friends: float = P(
        0.53, 0.0, 1.0, unit="share of bad experiences", source=PRACTICE + ": 53% tell friends", prior=(0.3, 0.7),
        doc="After a bad experience: tell friends and acquaintances.",
    )  # fmt: skip
    bad_social: float = P(
        0.20, 0.0, 1.0, unit="share of bad experiences", source=PRACTICE + ": 20% post on Facebook", prior=(0.1, 0.3),
        doc="After a bad experience: post on social media.",
    )  # fmt: skip
    bad_review: float = P(
        0.14, 0.0, 1.0, unit="share of bad experiences", prior=(0.05, 0.25),
        source=PRACTICE + ": 14% post on review sites",
        doc="After a bad experience: write a review.",
    )  # fmt: skip
    bad_tweet: float = P(
        0.10, 0.0, 1.0, unit="share of bad experiences", source=PRACTICE + ": 10% tweet", prior=(0.03, 0.15),
        doc="After a bad experience: tweet.",
    )  # fmt: skip
    friend_weight: float = P(
        0.01, 0.0, 1.0, unit="attitude/message", source=ASSUMED, prior=(0.003, 0.02),
        doc="Attitude or opinion move of a friend's message.",
    )  # fmt: skip
    social_weight: float = P(
        0.004, 0.0, 1.0, unit="attitude/message", prior=(0.001, 0.008),
        source=PRACTICE + ": social posts reach more, weigh less",
        doc="Attitude or opinion move of a social post or tweet.",
    )  # fmt: skip
    customer_influence: float = P(
        0.3, 0.0, 1.0, unit="share", source="word of mouth acts mostly on people choosing a firm (Trusov et al. 2009)",
        prior=(0.1, 1.0), doc="What a firm's own customers make of word of mouth about it, relative to everyone else.",
    )  # fmt: skip
    social_reach: int = P(
        30, 0, 100_000, unit="people", role=FACT, source=ASSUMED,
        doc="People beyond friends a social post reaches.",
    )  # fmt: skip
    tweet_reach: int = P(
        15, 0, 100_000, unit="people", role=FACT, source=ASSUMED,
        doc="People an ordinary tweet reaches.",
    )  # fmt: skip
    viral_prob: float = P(
        0.004, 0.0, 1.0, unit="probability/tweet", prior=(0.001, 0.01),
        source=PRACTICE + ": tweets rarely but sometimes go viral",
        doc="Chance a tweet goes viral.",
    )  # fmt: skip
    viral_min_reach: float = P(
        300.0, 1.0, 1e9, unit="people", role=FACT, source=ASSUMED,
        doc="Minimum reach of a viral tweet (Pareto scale).",
    )  # fmt: skip
    viral_alpha: float = P(
        1.6, 0.5, 5.0, unit="tail exponent", prior=(1.0, 2.0),
        source="heavy-tailed cascade sizes (Goel et al. 2016); calibrated: at 1.3 about one story in 500 reached "
        "most of a 50,000-person market and cut a large firm's NPS by 35 points in a week (docs/validation.md)",
        doc="Pareto tail exponent of viral reach.",
    )  # fmt: skip
    viral_weight: float = P(
        0.25, 0.0, 1.0, unit="attitude/message", source=ASSUMED, prior=(0.21, 0.29),
        doc="Attitude move of a viral story (a story told well weighs more).",
    )  # fmt: skip
    negative_multiplier: float = P(
        2.0, 1.0, 10.0, unit="ratio", source=PRACTICE + ": negative word of mouth weighs more", prior=(1.2, 3.0),
        doc="Weight of negative vs positive messages.",
    )  # fmt: skip
    detractor_talk: float = P(
        0.012, 0.0, 1.0, unit="probability/week", prior=(0.0, 0.05),
        source="Anderson (1998): the dissatisfied talk more than the satisfied, but less than folklore says; "
        "calibrated so docs/validation.md measures detractors talking a little more often than promoters while "
        "positive word of mouth still outnumbers negative ~2-3:1 (East et al. 2007)",
        doc="Weekly chance a detractor without a new bad experience runs the firm down to friends anyway.",
    )  # fmt: skip
    positive_review_prob: float = P(
        0.05, 0.0, 1.0, unit="probability", source=ASSUMED, prior=(0.02, 0.1),
        doc="Chance a customer posts a good review after a good contact.",
    )  # fmt: skip
    review_prior: float = P(
        4.0, 1.0, 5.0, unit="stars", role=FACT, source=ASSUMED,
        doc="A firm's public rating before any review.",
    )  # fmt: skip
    review_prior_weight: float = P(
        30.0, 0.0, 1e6, unit="reviews", role=FACT, source=ASSUMED,
        doc="Weight of the prior in the public rating.",
    )  # fmt: skip
    review_memory: float = P(
        0.99, 0.5, 1.0, unit="share kept/week", role=FACT, source="review sites show recent reviews first",
        doc="Weekly persistence of review counts (old reviews fade).",
    )  # fmt: skip
    rally_prob: float = P(
        0.0, 0.0, 1.0, unit="probability", source=PRACTICE + ": the wedding photographer", prior=(0.0, 0.1),
        doc="Chance each detractor reached by a viral story posts about the firm themselves.",
    )  # fmt: skip


class Acquisition(Section):
    external_p: float = P(
        0.002, 0.0, 1.0, unit="probability/week at reference spend", source="Bass (1969) p", prior=(0.0005, 0.005),
        doc="External (marketing) adoption hazard of one firm.",
    )  # fmt: skip
    marketing_reference: float = P(
        20_000.0, 1.0, 1e9, unit="$/week", role=FACT, source=ASSUMED,
        doc="Marketing spend at which a firm's external hazard is external_p.",
    )  # fmt: skip
    marketing_elasticity: float = P(
        0.5, 0.0, 2.0, unit="elasticity", prior=(0.1, 0.7),
        source="diminishing returns to advertising (Sethuraman et al. 2011: elasticity ~0.1-0.5)",
        doc="Diminishing returns of marketing spend.",
    )  # fmt: skip
    referral_q: float = P(
        0.5, 0.0, 10.0, unit="probability/week per recommending contact share", prior=(0.1, 1.0),
        source="Bass (1969) q",
        doc="Internal (word-of-mouth) adoption hazard per share of one's contacts recommending a firm.",
    )  # fmt: skip
    rating_sensitivity: float = P(
        0.8, 0.0, 10.0, unit="log-hazard per star", prior=(0.3, 1.5),
        source=PRACTICE + ": every prospect sees the public rating",
        doc="Log-change of a firm's adoption per star of public rating above the reference.",
    )  # fmt: skip
    rating_reference: float = P(
        4.0, 1.0, 5.0, unit="stars", role=FACT, source=ASSUMED,
        doc="Public rating at which the rating neither helps nor hurts.",
    )  # fmt: skip
    opinion_sensitivity: float = P(
        4.0, 0.0, 20.0, unit="log-hazard per attitude", source=ASSUMED, prior=(1.0, 8.0),
        doc="How much a person's opinion of a firm (memory, word of mouth) changes their hazard of choosing it.",
    )  # fmt: skip
    hearsay_carry: float = P(
        0.3, 0.0, 1.0, unit="share", source=ASSUMED, prior=(0.1, 0.6),
        doc="Share of what a new customer heard of a firm (word of mouth, posts) that colours their first attitude.",
    )  # fmt: skip
    price_elasticity: float = P(
        2.0, 0.0, 10.0, unit="elasticity", prior=(1.0, 4.0),
        source="Bijmolt, van Heerde & Pieters (2005): mean price elasticity of choice about -2.6",
        doc="Choosing a firm falls as (its price / the going price) to this power.",
    )  # fmt: skip
    promise_attraction: float = P(
        0.5, 0.0, 10.0, unit="log-hazard per unit of promise", prior=(0.5, 3.0),
        source=PRACTICE + ": over-promising wins customers first",
        doc="A bigger brand promise raises adoption of the firm (log-hazard per unit above 0.6).",
    )  # fmt: skip
    promise_reference: float = P(
        0.7, 0.0, 1.0, unit="quality level", role=FACT, source=ASSUMED,
        doc="The brand promise that neither attracts nor repels (what the market usually hears).",
    )  # fmt: skip
    winback_p: float = P(
        0.004, 0.0, 1.0, unit="probability/week at reference spend", prior=(0.001, 0.01),
        source=PRACTICE + ": win-back campaigns",
        doc="Extra weekly hazard that a former customer comes back, at the reference win-back spend.",
    )  # fmt: skip
    winback_reference: float = P(
        10_000.0, 1.0, 1e9, unit="$/week", role=FACT, source=ASSUMED,
        doc="Win-back spend at which the extra hazard is winback_p.",
    )  # fmt: skip


class Churn(Section):
    base_hazard: float = P(
        0.003, 0.0, 1.0, unit="probability/week", prior=(0.001, 0.01),
        source=CALIBRATED + "; US carriers lose 14-19% a year",
        doc="Weekly hazard of leaving at the reference attitude, switching ease 0.5, fair price, no news.",
    )  # fmt: skip
    attitude_sensitivity: float = P(
        4.0, 0.0, 20.0, unit="log-hazard per attitude", prior=(2.0, 8.0),
        source=PRACTICE + ": loyalty follows attitude",
        doc="How fast the hazard falls with attitude.",
    )  # fmt: skip
    switching_ease: float = P(
        0.5, 0.0, 1.0, unit="level", role=FACT, source=PRACTICE + ": the empowered consumer",
        doc="Ease of switching (1 = free information, cheap switching).",
    )  # fmt: skip
    contagion: float = P(
        6.0, 0.0, 50.0, unit="ratio per share of contacts", prior=(2.0, 12.0),
        source="Nitzan & Libai (2011): a defecting neighbour raises the hazard ~80%; calibrated so the hazard "
        "ratio docs/validation.md measures (exposed vs not, with the baseline's ~10 contacts) is near it",
        doc="Hazard increase per share of one's contacts who left the same firm recently.",
    )  # fmt: skip
    contagion_window: int = P(
        8, 1, 520, unit="weeks", source="Nitzan & Libai (2011): strongest in the first month, fades", prior=(4, 13),
        doc="How long a friend's defection counts as recent.",
    )  # fmt: skip
    reference_attitude: float = P(
        0.72, 0.0, 1.0, unit="attitude", source=ASSUMED, prior=(0.6, 0.8),
        doc="Attitude at which the hazard equals base_hazard.",
    )  # fmt: skip
    price_elasticity: float = P(
        1.5, 0.0, 10.0, unit="elasticity", prior=(0.5, 3.0),
        source="switching responds to price gaps (Bijmolt et al. 2005)",
        doc="The hazard rises as (own price / the others' price) to this power (for a detractor).",
    )  # fmt: skip
    alternatives_sensitivity: float = P(
        1.0, 0.0, 5.0, unit="elasticity", prior=(0.3, 2.0),
        source=PRACTICE + ": customers compare with the alternatives",
        doc="The hazard rises as the alternatives' appeal (relative to a neutral rival) to this power.",
    )  # fmt: skip
    leave_weight: float = P(
        0.3, 0.0, 100.0, unit="weight", source=ASSUMED, prior=(0.05, 1.0),
        doc="Weight of 'buy from no firm' among a leaver's destinations (each rival weighs its appeal, ~1).",
    )  # fmt: skip


#: The sections every firm shares, in the order of the causal chain.
MARKET_SECTIONS: dict[str, type[Section]] = {
    "sim": Sim,
    "market": Market,
    "engagement": Engagement,
    "service": Service,
    "customers": Customers,
    "wom": Wom,
    "acquisition": Acquisition,
    "churn": Churn,
}
