"""Phase 12: the KPIs, one column each, one row per week (domain brief section 3).

``KPIS`` is the single list of columns, in order, with a one-line meaning;
the model fills a row per week and ``Result.timeseries`` is those rows.
"""

from __future__ import annotations

KPIS: dict[str, str] = {
    "week": "Simulated week (1 = end of the first week).",
    "customers": "Current customers.",
    "prospects": "People who have never been customers.",
    "former_customers": "People who were customers and left.",
    "new_customers": "Prospects who became customers this week.",
    "churned": "Customers who left this week.",
    "churn_rate": "Churned / customers at the start of the week.",
    "nps": "Net promoter score over all customers: % promoters - % detractors.",
    "csat": "Share of this week's contacts that were not a bad experience.",
    "promoter_share": "Share of customers with likelihood to recommend 9-10.",
    "passive_share": "Share of customers at 7-8.",
    "detractor_share": "Share of customers at 0-6.",
    "mean_attitude": "Mean customer attitude (0-1).",
    "mean_engagement": "Mean employee engagement (0-1).",
    "engaged_share": "Share of employees at or above the engaged threshold.",
    "frontline_engagement": "Mean engagement of the employees facing customers.",
    "employee_attrition": "Employees who quit this week / employees.",
    "hires": "Replacement hires this week.",
    "overtime": "Overtime shifts worked this week.",
    "good_deeds": "Discretionary good deeds this week.",
    "suggestions": "Improvement suggestions this week.",
    "adopted_suggestions": "Suggestions leadership adopted this week.",
    "process_quality": "Process quality (0-1).",
    "workload": "Contacts / front-line capacity (above 1 is strain).",
    "contacts": "Customer contacts this week.",
    "handoffs": "Handoffs between departments this week.",
    "dropped_cases": "Cases a handoff dropped this week.",
    "resolution_rate": "Resolved contacts / contacts.",
    "repeat_contacts": "Contacts from customers whose case was still open.",
    "bad_experiences": "Contacts that were a bad experience.",
    "recoveries": "Bad experiences recovered by fast service recovery.",
    "wom_friends_negative": "Customers who told friends about a bad experience.",
    "wom_social_negative": "Negative social media posts.",
    "wom_review_negative": "Negative reviews posted.",
    "wom_tweet_negative": "Negative tweets.",
    "wom_viral": "Tweets that went viral.",
    "wom_viral_reach": "People reached by viral stories.",
    "wom_positive": "Customers who recommended the firm.",
    "wom_review_positive": "Positive reviews posted.",
    "review_rating": "Public review rating (1-5 stars).",
    "revenue": "Revenue this week ($).",
    "cost_wages": "Wages incl. supervisors ($).",
    "cost_overtime": "Overtime pay ($).",
    "cost_hiring": "Hiring and onboarding ($).",
    "cost_contacts": "Cost of handling contacts ($).",
    "cost_handoffs": "Cost of handoffs ($).",
    "cost_recovery": "Cost of service recoveries ($).",
    "cost_programs": "Training, HR, recognition, coaching, CX team, CX room, VoC ($).",
    "cost_marketing": "Marketing ($).",
    "cost_fixed": "Fixed costs ($).",
    "cost_total": "Sum of the cost components ($).",
    "profit": "Revenue - total cost ($).",
    "cash": "Cash at the end of the week ($).",
    "believed_quality": "Service quality management believes it delivers (0-1).",
    "perceived_quality": "Mean experience quality customers actually got (0-1).",
    "delivery_gap": "Believed - perceived quality.",
    "voc_nps": "NPS measured by the VoC survey (empty without VoC).",
    "cx_weight": "Incentive weight on CX metrics in force (moves under a reality-check policy).",
    "bankrupt": "True from the week cash fell below zero.",
}

#: KPIs that are flows (summed over weeks in summaries); the rest are levels.
FLOWS = {
    "new_customers",
    "churned",
    "hires",
    "overtime",
    "good_deeds",
    "suggestions",
    "adopted_suggestions",
    "contacts",
    "handoffs",
    "dropped_cases",
    "repeat_contacts",
    "bad_experiences",
    "recoveries",
    "wom_friends_negative",
    "wom_social_negative",
    "wom_review_negative",
    "wom_tweet_negative",
    "wom_viral",
    "wom_viral_reach",
    "wom_positive",
    "wom_review_positive",
    "revenue",
    "cost_wages",
    "cost_overtime",
    "cost_hiring",
    "cost_contacts",
    "cost_handoffs",
    "cost_recovery",
    "cost_programs",
    "cost_marketing",
    "cost_fixed",
    "cost_total",
    "profit",
}

#: Weekly rates and levels that are noisy week to week: a run's outcome is their mean over the run.
AVERAGED = {
    "churn_rate",
    "csat",
    "employee_attrition",
    "workload",
    "resolution_rate",
    "believed_quality",
    "perceived_quality",
    "delivery_gap",
    "frontline_engagement",
}


def outcome_kind(kpi: str) -> str:
    """How one run's KPI is summarised: 'total' (flows), 'mean' (weekly rates) or 'final' (levels)."""
    if kpi in FLOWS:
        return "total"
    if kpi in AVERAGED:
        return "mean"
    return "final"


def nps(promoters: int, detractors: int, total: int) -> float:
    """Net promoter score in points: % promoters - % detractors (0 for nobody)."""
    if total <= 0:
        return 0.0
    return 100.0 * (promoters - detractors) / total


def ratio(num: float, den: float, empty: float = 0.0) -> float:
    """num/den, or ``empty`` when den is 0."""
    return num / den if den else empty
