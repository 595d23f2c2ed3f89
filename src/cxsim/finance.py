"""Phase 11: finance. Revenue from what customers bought; each cost component; profit and cash.

Pure functions of one firm's week (its counts, its settings and its levers in force),
so "costs add up" is checkable to the cent. docs/model.md#finance.
"""

from __future__ import annotations

from typing import NamedTuple

COST_KEYS = (
    "cost_of_sales",
    "cost_wages",
    "cost_overtime",
    "cost_hiring",
    "cost_layoffs",
    "cost_contacts",
    "cost_handoffs",
    "cost_recovery",
    "cost_programs",
    "cost_marketing",
    "cost_fixed",
)


class WeekCounts(NamedTuple):
    """What one firm's week amounted to, in the units finance prices."""

    purchases: float  # regular purchases (expected), repeat purchases and new customers' first purchases
    new_offers: int
    employees: int  # filled seats
    front_line: int
    supervisors: int  # teams with at least one member
    overtime: int  # overtime shifts
    hires: int
    layoffs: int
    contacts: int
    handoffs: int
    recoveries: int


def program_costs(settings, employees: int, training_budget: float, hr_engagement: float, coaching: float) -> float:
    """Weekly cost of leadership programs: paid in full whatever the commitment behind them
    ("programs without commitment cost money and change nothing")."""
    p = settings.programs
    per_employee = (
        training_budget
        + hr_engagement * p.hr_cost_per_employee
        + (p.recognition_cost_per_employee if p.recognition else 0.0)
        + coaching * settings.supervisors.coaching_cost_per_employee
    )
    fixed = (
        (p.cx_team_cost if p.cx_team else 0.0) + (p.cx_room_cost if p.cx_room else 0.0) + (p.voc_cost if p.voc else 0.0)
    )
    return per_employee * employees + fixed


def week_accounts(settings, counts: WeekCounts, *, levers, contact_cost_factor: float) -> dict[str, float]:
    """Revenue and each cost component of one firm's week (all in $).

    Args:
        settings: the firm's :class:`~cxsim.params.FirmSettings`.
        counts: the week's :class:`WeekCounts`.
        levers: the levers in force this week (after management's cuts): training_budget, hr_engagement,
            coaching, marketing_spend, winback_spend.
        contact_cost_factor: share of the cost per contact paid under this week's incentive mix.
    """
    w, f, pr = settings.workforce, settings.finance, settings.pricing
    revenue = counts.purchases * pr.price + counts.new_offers * pr.new_offer_price
    front_discount = w.low_cost_frontline_discount if w.staffing_policy == "least_engaged" else 0.0
    wages = counts.employees * w.wage - counts.front_line * w.wage * front_discount
    costs = {
        "cost_of_sales": revenue * f.cost_of_sales,
        "cost_wages": wages + counts.supervisors * w.wage * (1.0 + f.supervisor_premium),
        "cost_overtime": counts.overtime * w.overtime_pay,
        "cost_hiring": counts.hires * (w.hiring_cost + w.onboarding_cost),
        "cost_layoffs": counts.layoffs * w.severance_cost,
        "cost_contacts": counts.contacts * f.cost_per_contact * contact_cost_factor,
        "cost_handoffs": counts.handoffs * f.handoff_cost,
        "cost_recovery": counts.recoveries * settings.process.recovery_cost,
        "cost_programs": program_costs(
            settings, counts.employees, levers.training_budget, levers.hr_engagement, levers.coaching
        ),
        "cost_marketing": levers.marketing_spend + levers.winback_spend,
        "cost_fixed": f.fixed_cost,
    }
    total = sum(costs[k] for k in COST_KEYS)
    return {"revenue": revenue, **costs, "cost_total": total, "profit": revenue - total}
