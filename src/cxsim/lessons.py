"""The lesson library: which scenario pair shows which lesson of CX practice.

Serves the teacher's and the strategist's need (docs/model.md#lessons): each
lesson is a pair of shipped scenarios that differ only in the lever it is about
(a single-scenario lesson is compared with ``baseline``), a short explanation
of the mechanism, the question to ask the class before pressing Run, the KPI
to look at first and the direction practice says that KPI moves (B - A).

This is the one registry: the web UI's lessons page (:mod:`cxsim.ui.lessons`),
the lesson experiments (``experiments/lessons.py``) and the docs read it.
Only lessons whose scenario files exist are listed by
:func:`available_lessons`, so the page works while a library is being written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cxsim.scenario import scenarios_dir


@dataclass(frozen=True)
class Lesson:
    """One lesson: scenario ``a`` (the usual way) vs ``b`` (what practice recommends, or the risk)."""

    title: str
    a: str
    b: str
    explanation: str
    question: str
    kpi: str = "nps"
    #: sign of B - A on ``kpi`` that practice predicts (+1 higher, -1 lower)
    expect: int = 1
    #: KPIs to look at next (reported with ``kpi`` by the experiments)
    secondary: tuple[str, ...] = ("nps", "customers", "profit")

    @property
    def key(self) -> str:
        """Short id of the lesson (its B scenario's name): file names, command-line argument."""
        return self.b


LESSONS: list[Lesson] = [
    Lesson(
        "Supervisors coach, or HR runs a program",
        "hr_led",
        "supervisor_led",
        "Engagement is fed mainly by an employee's own supervisor (coaching, attention), only weakly by "
        "HR programs. Engaged front-line staff give better experiences, which customers repay with loyalty.",
        "If you had one budget for engagement, would you give it to HR or to your supervisors? What moves first: "
        "engagement, NPS or profit?",
        "mean_engagement",
        1,
        ("nps", "churned", "profit", "cost_programs"),
    ),
    Lesson(
        "Who faces customers?",
        "frontline_least_engaged",
        "frontline_most_engaged",
        "The 'cost' excuse puts cheaper, disengaged staff in the most customer-facing roles. Every contact then "
        "runs through the people least willing to solve a problem.",
        "Does it matter who answers the phone if the process is the same? How big is the churn difference?",
        "churned",
        -1,
        ("frontline_engagement", "nps", "profit"),
    ),
    Lesson(
        "What is measured, incented and celebrated",
        "incent_efficiency",
        "incent_cx",
        "Efficiency incentives shorten contacts and lower the resolution of complex needs; unresolved customers "
        "come back, cost more and talk. CX incentives do the reverse, at a higher cost per contact.",
        "Handle time went down and cost per contact too: is the firm better off? Look at repeat contacts and NPS.",
        "nps",
        1,
        ("resolution_rate", "repeat_contacts", "cost_contacts", "profit"),
    ),
    Lesson(
        "Programs with or without commitment",
        "programs_uncommitted",
        "programs_committed",
        "Programs without real commitment cost money and change nothing: customers can't be fooled. "
        "Effect = program x commitment; cost = program.",
        "Both firms pay for the same programs. Where does the money show up, and where doesn't it?",
        "profit",
        1,
        ("mean_engagement", "nps", "cost_programs"),
    ),
    Lesson(
        "Say what you expect: consistent leadership",
        "leadership_mixed",
        "leadership_consistent",
        "Purposeful leadership states one set of expected behaviours, top-down. Mixed messages leave employees "
        "without purpose, and engagement drifts.",
        "Nothing is spent differently here. Can a message alone change customers' NPS?",
        "mean_engagement",
        1,
        ("nps", "churned", "profit"),
    ),
    Lesson(
        "Empowerment or rigid procedures",
        "rigid_procedures",
        "empowered",
        "Procedures help on standard needs; non-standard needs are solved only by employees free to decide how "
        "to satisfy a customer.",
        "Which firm resolves more cases? What happens to customers with unusual needs?",
        "nps",
        1,
        ("resolution_rate", "repeat_contacts", "profit"),
    ),
    Lesson(
        "Silos and handoffs, or a central CX team",
        "silos",
        "cx_team",
        "Every handoff between departments loses quality, costs money and can drop the case. A central CX team "
        "removes handoffs (at a cost).",
        "Is the CX team worth its cost? Compare profit, not only NPS.",
        "nps",
        1,
        ("handoffs", "dropped_cases", "resolution_rate", "profit"),
    ),
    Lesson(
        "A CX room: empathy for the journey",
        "baseline",
        "cx_room",
        "A CX room lets employees live the customer's journey; seeing their impact on customers raises purpose "
        "and so engagement.",
        "Can a room change how customers feel? Through which employees' driver?",
        "mean_engagement",
        1,
        ("nps", "cost_programs", "profit"),
    ),
    Lesson(
        "Recruit for values",
        "baseline",
        "recruit_for_values",
        "Values are caught, not taught: hires who fit the firm's values engage faster and stay longer.",
        "Skills can be trained. Why would values matter more for the customer?",
        "mean_engagement",
        1,
        ("employee_attrition", "nps", "profit"),
    ),
    Lesson(
        "A small business and one viral detractor",
        "small_business",
        "small_business_viral_detractor",
        "A wedding photographer was driven bankrupt within 2 years by one unhappy client who worked in social "
        "media and rallied others online. Viral stories are rare, heavy-tailed, and can sink a small firm.",
        "How likely is bankruptcy over two years? What would fast service recovery change?",
        "cash",
        -1,
        ("bankrupt", "review_rating", "customers"),
    ),
    Lesson(
        "Retention or acquisition: the same money spent two ways",
        "budget_acquisition",
        "budget_retention",
        "Keeping and growing existing customers is cheaper than acquiring new ones: retention spending compounds "
        "through loyalty, spend and referrals.",
        "Same total spend: which firm has more customers after two years, and which makes more profit?",
        "profit",
        1,
        ("customers", "churned", "new_customers", "cost_marketing", "cost_recovery"),
    ),
    Lesson(
        "Over-promising brand or honest promise",
        "promise_overpromise",
        "promise_honest",
        "Over-promising raises expectations, so the same service disappoints more: bad surprises weigh more than "
        "good ones.",
        "Marketing promised more. Did customers get less, or did they only expect more?",
        "nps",
        1,
        ("csat", "churned", "profit"),
    ),
    Lesson(
        "No measurement, or VoC with a reality check",
        "baseline",
        "voc_reality_check",
        "Firms believe they deliver a better experience than customers report. A voice-of-customer program with a "
        "reality-check policy shows the gap, and leadership adjusts levers.",
        "How far off is management's picture of its own service? Watch the delivery gap.",
        "delivery_gap",
        -1,
        ("cx_weight", "nps", "cost_programs", "profit"),
    ),
]


def available_lessons(folder: Path | None = None) -> list[Lesson]:
    """Lessons whose two scenario files exist in the scenario folder."""
    folder = scenarios_dir() if folder is None else folder
    return [ls for ls in LESSONS if (folder / f"{ls.a}.toml").is_file() and (folder / f"{ls.b}.toml").is_file()]


def missing_lessons(folder: Path | None = None) -> list[Lesson]:
    """Lessons still waiting for a scenario file."""
    have = set(map(id, available_lessons(folder)))
    return [ls for ls in LESSONS if id(ls) not in have]


def lesson(key: str) -> Lesson:
    """The lesson whose key (B scenario name) is ``key``; ``KeyError`` lists the keys."""
    for ls in LESSONS:
        if ls.key == key:
            return ls
    raise KeyError(f"no lesson {key!r}; lessons: {', '.join(ls.key for ls in LESSONS)}")
