"""Live classroom view: one :class:`cxsim.CXModel` stepped week by week in front of a class.

Each browser session has its own model (a session-scoped reactive), stepped in a
background thread while playing, so the page stays responsive. The scenario is
shrunk to classroom size (a few thousand people, about a hundred employees) so
a week takes milliseconds and the employee grid stays readable.
"""

from __future__ import annotations

import asyncio
import threading
import time

import solara

from cxsim.params import Scenario
from cxsim.scenario import ScenarioError, load_scenario, shipped_scenarios
from cxsim.ui import charts

MIN_REST = 0.05  # seconds the play loop yields to the event loop between frames, whatever the speed
CLASS_PEOPLE = 5000
CLASS_EMPLOYEES = 120


def classroom_scenario(name: str | Scenario) -> Scenario:
    """A shipped scenario shrunk to classroom size: at most 5,000 people and 120 employees.

    Market and workforce shrink by the same factor, and so does every cost that does not
    already scale with them (fixed costs, the programs' weekly costs, marketing, the cash
    cushion, a viral story's reach), so the small firm keeps the big one's proportions:
    customers per employee, margin, runway, the share of the market a viral story reaches.
    """
    s = load_scenario(name)
    factor = min(1.0, CLASS_PEOPLE / s.market.size, CLASS_EMPLOYEES / s.workforce.employees)
    if factor >= 1.0:
        return s
    size = max(20, round(s.market.size * factor))
    employees = max(1, round(s.workforce.employees * factor))
    return s.override({
        "market.size": size,
        "market.mean_degree": min(s.market.mean_degree, size - 1),
        "workforce.employees": employees,
        "workforce.team_size": min(s.workforce.team_size, employees),
        "leadership.marketing_spend": s.leadership.marketing_spend * factor,
        "acquisition.marketing_reference": max(1.0, s.acquisition.marketing_reference * factor),
        "finance.fixed_cost": s.finance.fixed_cost * factor,
        "finance.initial_cash": s.finance.initial_cash * factor,
        "programs.cx_team_cost": s.programs.cx_team_cost * factor,
        "programs.cx_room_cost": s.programs.cx_room_cost * factor,
        "programs.voc_cost": s.programs.voc_cost * factor,
        # a viral story reaches a share of the market, not a head count fixed for a big one
        "wom.viral_min_reach": max(1.0, s.wom.viral_min_reach * factor),
    })


class LiveSession:
    """A model and the lock that keeps the stepping thread and the page from reading half a week."""

    def __init__(self, scenario_name: str, seed: int):
        from cxsim.model import CXModel

        self.scenario_name = scenario_name
        self.seed = seed
        self.scenario = classroom_scenario(scenario_name)
        self.model = CXModel(self.scenario, seed=seed)
        self.lock = threading.Lock()

    def step(self, n: int = 1) -> None:
        with self.lock:
            for _ in range(n):
                if self.model.bankrupt:
                    break
                self.model.step()

    def snapshot(self):
        """Copies of what the figures draw, taken under the lock."""
        m = self.model
        with self.lock:
            w = m.workforce
            return {
                "week": m.week,
                "engagement": w.engagement.copy(),
                "team": w.team.copy(),
                "front": w.front.copy(),
                "ts": m.timeseries(),
                "bankrupt": m.bankrupt,
            }


session = solara.reactive(None)  # LiveSession | None, one per browser session
playing = solara.reactive(False)
tick = solara.reactive(0)  # bumped after each step so the figures redraw
live_scenario = solara.reactive("baseline")
live_seed = solara.reactive(0)
live_error = solara.reactive("")
speed = solara.reactive(2.0)  # weeks per second while playing


def reset() -> None:
    """A new model from the chosen scenario and seed (week 0)."""
    playing.set(False)
    try:
        session.set(LiveSession(live_scenario.value, int(live_seed.value)))
        live_error.set("")
    except (ScenarioError, ValueError) as exc:
        live_error.set(str(exc))
    tick.set(tick.value + 1)


def _restart(field: solara.Reactive, value) -> None:
    if value != field.value:
        field.set(value)
        reset()


def step_once() -> None:
    if session.value is None:
        reset()
    session.value.step()
    tick.set(tick.value + 1)


@solara.component
def Player():
    """Steps the model while ``playing`` is on, at ``speed`` weeks per second."""

    async def loop() -> None:
        # As Mesa's SolaraViz plays a model: a coroutine on the server's event loop that stops
        # when `playing` changes. Each turn steps the weeks that are due (a classroom week takes
        # milliseconds), sets `tick` (the page redraws), then awaits: the event loop sends the
        # frame to the browser during the await. A thread that redrew and slept itself left the
        # browser without any frame until Play stopped when drawing took longer than a week's slot.
        last = time.perf_counter()
        while playing.value:
            s = session.value
            if s is None:
                break
            now = time.perf_counter()
            due = max(1, min(10, int((now - last) * speed.value)))
            last = now
            s.step(due)
            tick.set(tick.value + 1)
            if s.model.bankrupt:
                playing.set(False)
                break
            await asyncio.sleep(max(MIN_REST, 1.0 / max(speed.value, 0.1) - (time.perf_counter() - now)))

    solara.lab.use_task(loop, dependencies=[playing.value], prefer_threaded=False)


@solara.component
def LiveFigures(s: LiveSession, snap: dict):
    ts = snap["ts"]
    threshold = s.scenario.workforce.engaged_threshold
    key = [id(s), snap["week"]]
    grid = solara.use_memo(lambda: charts.team_grid(snap["engagement"], snap["team"], snap["front"], threshold),
                           dependencies=key)
    mix = solara.use_memo(lambda: charts.nps_mix(ts), dependencies=key)
    wom = solara.use_memo(lambda: charts.wom_channels(ts), dependencies=key)
    kp = solara.use_memo(lambda: charts.live_kpis(ts), dependencies=key)
    # while playing, frames are drawn at a lower resolution: drawing the four figures costs far more than
    # stepping the model (measured ~3.6 s at 100 dpi vs ~1.8 s at 72 dpi on a loaded 2-core machine, vs
    # 0.25 s for 10 weeks), and a class watches motion, not detail; a paused frame is sharp again
    dpi = 72 if playing.value else 100
    shown = [*key, dpi]
    with solara.Columns([1, 1], classes=["cx-live-figs"]):
        with solara.Column():
            solara.FigureMatplotlib(grid, dependencies=shown, format="png", dpi=dpi)
            solara.FigureMatplotlib(kp, dependencies=shown, format="png", dpi=dpi)
        with solara.Column():
            solara.FigureMatplotlib(mix, dependencies=shown, format="png", dpi=dpi)
            solara.FigureMatplotlib(wom, dependencies=shown, format="png", dpi=dpi)


@solara.component
def LivePage():
    from cxsim.ui.widgets import CSS, Md

    solara.Style(CSS)
    solara.Title("Live classroom | cxsim what-if studio")
    solara.use_effect(lambda: reset() if session.value is None else None, [])
    if playing.value:
        # mounted only while playing: the loop is a coroutine, and needs the server's event loop only then
        Player()
    s = session.value
    _ = tick.value  # redraw on every step
    names = list(shipped_scenarios())

    Md("## Live classroom: one firm, week by week")
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        # a new scenario or seed starts a new model at once: what the class sees always matches the fields
        solara.Select("Scenario", value=live_scenario.value, values=names, on_value=lambda v: _restart(live_scenario, v),
                      style={"min-width": "240px", "max-width": "320px"})
        solara.InputInt("Seed", value=live_seed.value, on_value=lambda v: _restart(live_seed, v), continuous_update=False,
                        style={"max-width": "110px"})
        solara.Button("Reset", on_click=reset, outlined=True, classes=["cx-reset"])
        solara.Button("Pause" if playing.value else "Play", on_click=lambda: playing.set(not playing.value),
                      color="primary", classes=["cx-play"], disabled=s is None or (s is not None and s.model.bankrupt))
        solara.Button("Step", on_click=step_once, disabled=playing.value, classes=["cx-step"])
        with solara.Div(style={"min-width": "360px", "flex": "1 1 360px", "max-width": "480px"}):
            # the label squeezes the slider beside it: give the pair room to be dragged in class
            solara.SliderFloat("Weeks per second", value=speed, min=0.5, max=10, step=0.5)
    if live_error.value:
        solara.Error(live_error.value)
    if s is None:
        return
    snap = s.snapshot()
    ts = snap["ts"]
    sc = s.scenario
    status = f"Week {snap['week']} | {sc.name} at classroom size ({sc.market.size:,} people, " \
             f"{sc.workforce.employees} employees) | seed {s.seed}"
    if len(ts):
        last = ts.iloc[-1]
        status += f" | customers {int(last['customers']):,} | NPS {last['nps']:+.1f} | cash ${last['cash']:,.0f}"
    solara.Text(status, classes=["cx-live-status"], style={"font-weight": "bold"})
    if snap["bankrupt"]:
        solara.Error(f"Bankrupt in week {s.model.bankrupt_week}: cash ran out and the firm stopped trading.")
    LiveFigures(s, snap)
    Md(
        "Each tile is an employee, each row a supervisor's team: watch engagement spread (or fade) within teams. "
        "Outlined tiles face customers. Try the same seed with `supervisor_led` and `hr_led`, or "
        "`frontline_least_engaged`, and ask the class what they expect before pressing Play."
    )
