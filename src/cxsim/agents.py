"""Firms, supervisors and employees as Mesa agents: readable views over the workforce arrays.

These are the actors a teacher points at::

    for firm in model.firms:
        print(firm.label, firm.customers, firm.cash)
    for e in model.employees:                      # the focal firm's
        print(e.unique_id, e.engagement, e.supervisor.coaching)

An employee holds only its firm and seat number; its attributes read the arrays
the kernels work on, so the agents and the arrays never disagree. An employee
agent exists while its seat is filled: a hire adds one, a quit or a layoff
removes it. The firm's own behaviour lives in :class:`cxsim.firm.Firm`.
"""

from __future__ import annotations

import mesa


class Supervisor(mesa.Agent):
    """A team leader: coaching quality and attention feed the team's engagement drivers."""

    def __init__(self, firm, team: int):
        super().__init__(firm.model)
        self.firm = firm
        self.team = team

    @property
    def coaching(self) -> float:
        return float(self.firm.workforce.sup_coaching[self.team])

    @property
    def attention(self) -> float:
        return float(self.firm.workforce.sup_attention[self.team])

    @property
    def members(self) -> list[Employee]:
        return [e for e in self.firm.employees if e.team == self.team]

    def __repr__(self) -> str:
        return f"Supervisor(team={self.team}, coaching={self.coaching:.2f}, attention={self.attention:.2f})"


class Employee(mesa.Agent):
    """One filled seat in a firm."""

    def __init__(self, firm, seat: int):
        super().__init__(firm.model)
        self.firm = firm
        self.seat = seat

    def _get(self, name: str) -> float:
        return float(getattr(self.firm.workforce, name)[self.seat])

    team = property(lambda self: int(self.firm.workforce.team[self.seat]))
    engagement = property(lambda self: self._get("engagement"))
    autonomy = property(lambda self: self._get("autonomy"))
    mastery = property(lambda self: self._get("mastery"))
    purpose = property(lambda self: self._get("purpose"))
    affiliation = property(lambda self: self._get("affiliation"))
    skill = property(lambda self: self._get("skill"))
    values_fit = property(lambda self: self._get("values_fit"))
    tenure = property(lambda self: int(self.firm.workforce.tenure[self.seat]))

    @property
    def engaged(self) -> bool:
        return self.engagement >= self.model.params.engagement.engaged_threshold

    @property
    def front_line(self) -> bool:
        return bool(self.firm.workforce.on_front[self.seat])

    @property
    def supervisor(self) -> Supervisor:
        return self.firm.supervisors[self.team]

    def __repr__(self) -> str:
        return f"Employee(seat={self.seat}, team={self.team}, engagement={self.engagement:.2f}, skill={self.skill:.2f})"
