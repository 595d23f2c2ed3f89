"""The game's market: one firm per team, and the rounds that move it.

A class plays in one market (a shipped scenario such as ``classroom``, or any other). The scenario's
focal firm is the industry the teams share: :func:`team_market` splits it into ``teams`` identical
firms, each with an equal share of its customers and, through :meth:`cxsim.params.Scenario.scale`,
of its employees and of the money lines that grow with a firm (marketing, fixed costs, programs'
weekly costs, cash). Team 1 is the model's focal firm (index 0); teams 2..N are rivals named
``team_2`` ... ``team_N``. Rivals the scenario already has stay in the market as firms no team runs.

:func:`play_round` is the only place a round is simulated: the live game, a resumed game, a replay
and every counterfactual of the debrief go through it, so they agree week for week.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cxsim.metrics import RIVAL_KEYS
from cxsim.params import MAX_FIRMS, Scenario
from cxsim.scenario import ScenarioError, scenario_from_dict

#: A team's own KPIs: the columns every firm of the market has (the focal firm's are unprefixed, a rival's
#: prefixed with its name), so every team sees the same ones.
TEAM_KPIS: tuple[str, ...] = RIVAL_KEYS
#: What the public sees of a firm: its market share, its public (review) rating and its price.
PUBLIC_KPIS: tuple[str, ...] = ("share", "review_rating", "price")


class GameError(ValueError):
    """A refusal or a mistake in a game: one line saying what is wrong (shown to the user as it is)."""


def firm_name(team: int) -> str:
    """The model's name of team ``team``'s firm (0-based): ``""`` (the focal firm) for team 0, else ``team_<k+1>``."""
    return "" if team == 0 else f"team_{team + 1}"


def column_prefix(team: int) -> str:
    """The prefix of team ``team``'s KPI columns in the model's timeseries."""
    return "" if team == 0 else f"team_{team + 1}_"


def team_market(scenario: Scenario, teams: int) -> Scenario:
    """The market of a game: the scenario's focal firm split into ``teams`` identical firms.

    Each team's firm gets ``market.initial_customer_share / teams`` of the people as customers and
    ``1 / teams`` of the focal firm's employees and size-bound money lines (as :meth:`Scenario.scale`
    shrinks a firm, so customers per employee, margin and runway stay the industry's). The market
    itself (people, behaviour, the scenario's own rivals) does not change, except that it goes on when
    team 1 (the model's focal firm) goes bankrupt (``sim.end_at_bankruptcy`` false).

    Raises:
        GameError: fewer than 2 teams, more firms than a market holds, a rival of the scenario already
            named like a team, or a firm too small to split (the message says which).
    """
    if isinstance(teams, bool) or not isinstance(teams, int) or teams < 2:
        raise GameError(f"teams: a game needs at least 2 teams, got {teams!r}")
    house = list(scenario.rivals)
    if teams + len(house) > MAX_FIRMS:
        most = MAX_FIRMS - len(house)
        raise GameError(
            f"teams: {teams} teams and the scenario's {len(house)} rival(s) make {teams + len(house)} firms; "
            f"a market holds at most {MAX_FIRMS}, so at most {most} teams in {scenario.name!r}"
        )
    clash = sorted({firm_name(k) for k in range(1, teams)} & set(house))
    if clash:
        raise GameError(f"scenario {scenario.name!r} already has a rival named {clash[0]!r}: rename it to play a game")
    data = scenario.model_dump()
    alone = scenario_from_dict({**data, "rivals": {}})
    try:  # the focal firm shrunk as scale() shrinks every firm; only its firm sections are kept
        small = alone.scale(1.0 / teams)
    except ScenarioError as exc:
        raise GameError(f"scenario {scenario.name!r} cannot be split into {teams} firms: {exc}") from None
    firm = small.focal_settings().model_dump()
    share = scenario.market.initial_customer_share / teams
    data.update(firm)
    data["market"] = {**data["market"], "initial_customer_share": share}
    # team 1 is the model's focal firm, whose bankruptcy would end the run: in a game it is one team among equals,
    # and a bankrupt team's firm stops trading (as a bankrupt rival does) while the market goes on
    data["sim"] = {**data["sim"], "end_at_bankruptcy": False}
    rivals = {
        firm_name(k): {**firm, "description": f"Team {k + 1}'s firm", "initial_share": share} for k in range(1, teams)
    }
    rivals.update(data["rivals"])  # the scenario's own rivals after the teams: firm index k is team k
    data["rivals"] = rivals
    data["description"] = f"{scenario.description} Played by {teams} teams.".strip()
    try:
        return scenario_from_dict(data)
    except ScenarioError as exc:
        raise GameError(f"scenario {scenario.name!r} cannot be split into {teams} firms: {exc}") from None


def new_model(market: Scenario, seed: int):
    """The game's model at week 0."""
    from cxsim.model import CXModel

    return CXModel(market, seed)


def play_round(model, decisions: Mapping[int, Mapping[str, Any]], weeks: int) -> None:
    """Apply each team's decisions (team index -> ``{"section.key": value}``), then simulate ``weeks`` weeks.

    Teams without decisions keep their levers. A bankrupt team's firm stops trading and the others play on (the
    market of :func:`team_market` sets ``sim.end_at_bankruptcy`` false).
    """
    for team in sorted(decisions):
        if decisions[team]:
            model.set_levers(team, dict(decisions[team]))
    until = model.week + weeks
    while model.week < until:
        model.step()
