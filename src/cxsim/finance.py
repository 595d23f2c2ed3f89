"""Phase 11: finance. Revenue from spend; each cost component; profit and cash.

Pure functions of this week's counts and the scenario, so "costs add up" is
checkable to the cent.
"""

from __future__ import annotations

COST_KEYS = (
    "cost_wages",
    "cost_overtime",
    "cost_hiring",
    "cost_contacts",
    "cost_handoffs",
    "cost_recovery",
    "cost_programs",
    "cost_marketing",
    "cost_fixed",
)


def program_costs(s, employees: int) -> float:
    """Weekly cost of leadership programs: paid in full whatever the commitment
    behind them ("programs without commitment cost money and change nothing")."""
    p = s.programs
    per_employee = (
        p.training_budget
        + p.hr_engagement * p.hr_cost_per_employee
        + (p.recognition_cost_per_employee if p.recognition else 0.0)
        + s.supervisors.coaching * s.supervisors.coaching_cost_per_employee
    )
    fixed = (
        (p.cx_team_cost if p.cx_team else 0.0) + (p.cx_room_cost if p.cx_room else 0.0) + (p.voc_cost if p.voc else 0.0)
    )
    return per_employee * employees + fixed


def week_accounts(
    s,
    *,
    n_employees,
    n_supervisors,
    repurchases,
    new_offers,
    adoptions,
    overtime,
    hires,
    contacts,
    handoffs,
    recoveries,
    contact_cost_factor,
) -> dict[str, float]:
    """Revenue and each cost component of one week (all in $)."""
    c = s.customers
    revenue = repurchases * c.purchase_value + new_offers * c.new_offer_value + adoptions * c.first_purchase_value
    w = s.workforce
    costs = {
        "cost_wages": n_employees * w.wage + n_supervisors * w.wage * (1.0 + s.finance.supervisor_premium),
        "cost_overtime": overtime * w.overtime_pay,
        "cost_hiring": hires * (w.hiring_cost + w.onboarding_cost),
        "cost_contacts": contacts * s.finance.cost_per_contact * contact_cost_factor,
        "cost_handoffs": handoffs * s.finance.handoff_cost,
        "cost_recovery": recoveries * s.process.recovery_cost,
        "cost_programs": program_costs(s, n_employees),
        "cost_marketing": s.leadership.marketing_spend,
        "cost_fixed": s.finance.fixed_cost,
    }
    total = sum(costs[k] for k in COST_KEYS)
    return {"revenue": revenue, **costs, "cost_total": total, "profit": revenue - total}
