"""Supervisors and employees as Mesa agents: readable views over workforce arrays.

These are the people a teacher points at::

    for e in model.agents_by_type[Employee]:
        print(e.unique_id, e.engagement, e.supervisor.coaching)

Each agent holds only its seat number; its attributes read (and write) the
arrays the kernels work on, so the agents and the arrays never disagree.
"""

from __future__ import annotations

import mesa


class Supervisor(mesa.Agent):
    """A team leader: coaching quality and attention feed the team's engagement drivers."""

    def __init__(self, model, team: int):
        super().__init__(model)
        self.team = team

    @property
    def coaching(self) -> float:
        return float(self.model.workforce.sup_coaching[self.team])

    @property
    def attention(self) -> float:
        return float(self.model.workforce.sup_attention[self.team])

    @property
    def members(self) -> list[Employee]:
        return [e for e in self.model.employees if e.team == self.team]

    def __repr__(self) -> str:
        return f"Supervisor(team={self.team}, coaching={self.coaching:.2f}, attention={self.attention:.2f})"


class Employee(mesa.Agent):
    """One seat in the firm (a leaver's replacement takes the same seat)."""

    def __init__(self, model, seat: int):
        super().__init__(model)
        self.seat = seat

    def _get(self, name: str) -> float:
        return float(getattr(self.model.workforce, name)[self.seat])

    team = property(lambda self: int(self.model.workforce.team[self.seat]))
    engagement = property(lambda self: self._get("engagement"))
    autonomy = property(lambda self: self._get("autonomy"))
    mastery = property(lambda self: self._get("mastery"))
    purpose = property(lambda self: self._get("purpose"))
    affiliation = property(lambda self: self._get("affiliation"))
    skill = property(lambda self: self._get("skill"))
    values_fit = property(lambda self: self._get("values_fit"))
    tenure = property(lambda self: int(self.model.workforce.tenure[self.seat]))

    @property
    def engaged(self) -> bool:
        return self.engagement >= self.model.params.workforce.engaged_threshold

    @property
    def front_line(self) -> bool:
        return bool(self.model.front_line_mask[self.seat])

    @property
    def supervisor(self) -> Supervisor:
        return self.model.supervisors[self.team]

    def __repr__(self) -> str:
        return f"Employee(seat={self.seat}, team={self.team}, engagement={self.engagement:.2f}, skill={self.skill:.2f})"
