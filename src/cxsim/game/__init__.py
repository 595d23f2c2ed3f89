"""The classroom game: student teams run rival firms in one simulated market, round by round.

A teacher creates a game (:meth:`Game.create` with :class:`GameSettings`, or ``cxsim class new``);
each team joins with its own code and submits its decisions for the coming round; the teacher
advances the round and the market moves ``round_weeks`` weeks with every team's levers. At the end,
:func:`debrief` shows each team its counterfactual and the "why" of its result, and :func:`export`
writes everything down. docs/game.md describes it for teachers.

The API::

    from cxsim.game import Game, GameSettings, GameError, open_game, GameRegistry, debrief, export, replay

    settings = GameSettings(scenario="classroom", teams=4, round_weeks=13, rounds=6, budget=None,
                            open_levers=None, seed=0, team_names=None, auto_advance=False)
    game = Game.create(settings, folder)        # writes folder/game.json atomically
    game = open_game(folder)                     # resume: replays the saved decisions, checks the saved KPIs
    game.teacher_code, game.team_codes           # 75-bit codes, XXXXX-XXXXX-XXXXX (Crockford base32)
    game.role(code)                              # ("teacher", None) | ("team", team index from 0)
    game.check(code, {"pricing.price": 180})     # the refusals of submit, without submitting; the spend
    game.submit(code, {"pricing.price": 180})    # the team's decisions for the coming round ({}: no change)
    game.withdraw(code)
    game.status()                                # Status: round, played, rounds, state, submitted, version
    game.advance(teacher_code, force=False)      # run the round -> RoundRecord
    game.pause(teacher_code); game.resume(teacher_code); game.end(teacher_code)
    game.team_view(code)                         # TeamView: own KPIs (weekly, by round), levers, budget left,
                                                 #   the others' public KPIs only (share, public rating, price)
    game.teacher_view(teacher_code)              # TeacherView: everything
    game.version                                 # bumped by every change
    GameRegistry(root)                           # every game under root, found by any code; resumes on start
    debrief(game, score="combined")              # Debrief: leaderboard, per team counterfactual and attribution
    export(game, folder)                         # CSV, Parquet, the market as TOML, a self-contained HTML report
    replay(game)                                 # the game re-run from scenario + seed + decisions

Design choices (the reasons are in each module):

- **The market** (:mod:`cxsim.game.market`): the scenario's focal firm is the industry the teams
  share; the game splits it into identical team firms (team 1 is the model's focal firm, teams
  2..N rivals ``team_2``...). A bankrupt team stops trading and the market goes on.
- **The budget** (:mod:`cxsim.game.settings`): a cap on a team's extra weekly spending on levers
  above its starting spending, priced by the model's own cost code (wages, programs, coaching
  time, CX team and room, VoC, marketing, win-back). Savings on one lever fund another. Default:
  10% of the starting lever spend.
- **Open levers** (:data:`cxsim.game.settings.DEFAULT_OPEN_LEVERS`): price, marketing and win-back,
  brand promise, coaching and attention, training, the HR program, recognition, CX team, CX room,
  incentives, empowerment, service recovery, who faces customers, wage and target utilisation,
  each with a classroom range.
- **Submissions**: a team's last submission counts, as a whole; teams that do not submit keep
  their levers; a forced round runs without them.
- **What a team sees**: its own firm's KPIs (:data:`cxsim.game.market.TEAM_KPIS`, the columns
  every firm of the market has) and, of every firm, only :data:`cxsim.game.market.PUBLIC_KPIS`
  (share, public review rating, price).
- **Saving** (:mod:`cxsim.game.store`): ``game.json`` after every change, written atomically;
  each round's KPIs in Parquet before ``game.json`` names the round. Resuming replays every round
  and checks it against the saved KPIs.
"""

from cxsim.game.debrief import SCORES, Debrief, TeamDebrief, debrief, replay
from cxsim.game.export import export
from cxsim.game.market import PUBLIC_KPIS, TEAM_KPIS, GameError, team_market
from cxsim.game.registry import GameRegistry
from cxsim.game.session import Game, RoundRecord, Status, TeacherView, TeamView
from cxsim.game.settings import DEFAULT_OPEN_LEVERS, GameSettings, OpenLever, Rules, lever_spend
from cxsim.game.store import open_game

__all__ = [
    "DEFAULT_OPEN_LEVERS",
    "PUBLIC_KPIS",
    "SCORES",
    "TEAM_KPIS",
    "Debrief",
    "Game",
    "GameError",
    "GameRegistry",
    "GameSettings",
    "OpenLever",
    "RoundRecord",
    "Rules",
    "Status",
    "TeacherView",
    "TeamDebrief",
    "TeamView",
    "debrief",
    "export",
    "lever_spend",
    "open_game",
    "replay",
    "team_market",
]
