"""Live classroom view: one :class:`cxsim.CXModel` stepped week by week in front of a class.

Built on Mesa's visualization components (:mod:`mesa.visualization`): Mesa's
``ModelController`` gives Play/Pause, Step and Reset and plays the model in a
background thread, Mesa's ``ModelCreator`` shows the model parameters (the
scenario and the seed) that Reset builds the next model from, and the four
figures are custom components redrawn on Mesa's ``update_counter``, as
``SolaraViz`` redraws its components. ``SolaraViz`` itself is not used because it
owns the whole page (its own app bar title, theme toggle, sidebar and a
draggable grid whose script is one more CDN package), and this view is one page
of a multi-page app that must work offline.

Each browser session has its own model (a session-scoped reactive). The scenario
is shrunk to classroom size (a few thousand people, about a hundred employees)
so a week takes milliseconds and the employee grid stays readable.
"""

from __future__ import annotations

import threading

import numpy as np
import solara
from mesa.visualization.solara_viz import ModelController, ModelCreator
from mesa.visualization.utils import update_counter

from cxsim.formatting import number, signed
from cxsim.model import CXModel
from cxsim.params import Scenario
from cxsim.scenario import load_scenario, shipped_scenarios
from cxsim.ui import charts

CLASS_PEOPLE = 5000
CLASS_EMPLOYEES = 120
PLAY_INTERVAL_MS = 100  # Mesa's pause between frames while playing: the page stays responsive to Pause
DPI = 80  # drawing the four figures costs far more than a week of the model: a class watches motion, not detail


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
    return s.override(
        {
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
        }
    )


def parse_seed(text: str | int) -> int | None:
    """The seed typed in the page as a whole number, or None when it is not one."""
    try:
        seed = int(str(text).strip())
    except ValueError:
        return None
    return seed if 0 <= seed < 2**63 else None


class LiveModel(CXModel):
    """A :class:`CXModel` at classroom size, built from what Mesa's ``ModelCreator`` passes on Reset.

    Args:
        scenario_name: a shipped scenario, shrunk with :func:`classroom_scenario`.
        seed: a whole number, or the text of the page's seed field; text that is not a whole
            number runs seed 0 and says so in ``seed_error`` (the page shows it).
    """

    def __init__(self, scenario_name: str = "baseline", seed: int | str = 0):
        parsed = parse_seed(seed)
        super().__init__(classroom_scenario(scenario_name), seed=0 if parsed is None else parsed)
        self.scenario_name = scenario_name
        self.seed_error = "" if parsed is not None else f"Seed {str(seed)!r} is not a whole number: seed 0 is used."
        # Mesa plays in a thread while Step clicks and redraws come from the page: one week at a time
        self.lock = threading.Lock()

    def step(self) -> None:
        with self.lock:
            super().step()
        # Mesa's controller stops playing (and greys out Play/Step) when the model stops running
        self.running = not self.bankrupt

    def snapshot(self) -> dict:
        """Copies of what the figures draw, taken between weeks."""
        with self.lock:
            w = self.workforce
            return {
                "week": self.week,
                "engagement": w.engagement.copy(),
                "team": w.team.copy(),
                "front": np.flatnonzero(self.front_line_mask),
                "ts": self.timeseries(),
                "bankrupt": self.bankrupt,
            }


model = solara.reactive(None)  # LiveModel | None, one per browser session (Solara scopes reactives per session)
model_parameters = solara.reactive({})  # what Mesa's ModelCreator hands to the next Reset
render_interval = solara.reactive(1)  # weeks per frame while playing (Mesa's "render interval")
# Mesa's controller reads `.value` of these two even though its signature allows plain values
play_interval = solara.reactive(PLAY_INTERVAL_MS)
use_threads = solara.reactive(False)  # Mesa's second drawing thread: one thread steps and draws, frames in order


def model_params(current: LiveModel | None) -> dict:
    """Mesa ``model_params``: the scenario menu and the seed field, showing the running model's values."""
    return {
        "scenario_name": {
            "type": "Select",
            "value": current.scenario_name if current else "baseline",
            "values": list(shipped_scenarios()),
            "label": "Scenario",
        },
        "seed": {"type": "InputText", "value": str(current.seed_value) if current else "0", "label": "Seed"},
    }


@solara.component
def LiveFigures(m: LiveModel):
    """The four figures, redrawn whenever Mesa's controller bumps its ``update_counter``."""
    update_counter.get()
    snap = m.snapshot()
    ts = snap["ts"]
    threshold = m.params.workforce.engaged_threshold
    shown = [id(m), snap["week"]]
    grid = solara.use_memo(
        lambda: charts.team_grid(snap["engagement"], snap["team"], snap["front"], threshold), dependencies=shown
    )
    mix = solara.use_memo(lambda: charts.nps_mix(ts), dependencies=shown)
    wom = solara.use_memo(lambda: charts.wom_channels(ts), dependencies=shown)
    kp = solara.use_memo(lambda: charts.live_kpis(ts), dependencies=shown)
    sc = m.params
    status = (
        f"Week {snap['week']} | {m.scenario_name} at classroom size ({sc.market.size:,} people, "
        f"{sc.workforce.employees} employees) | seed {m.seed_value}"
    )
    if len(ts):
        last = ts.iloc[-1]
        status += (
            f" | customers {number(last['customers'], 'customers')} | NPS {signed(last['nps'], 'nps')}"
            f" | cash ${number(last['cash'], 'cash')}"
        )
    solara.Text(status, classes=["cx-live-status"], style={"font-weight": "bold"})
    if m.seed_error:
        solara.Warning(m.seed_error, dense=True)
    if snap["bankrupt"]:
        solara.Error(f"Bankrupt in week {m.bankrupt_week}: cash ran out and the firm stopped trading.")
    with solara.Columns([1, 1], classes=["cx-live-figs"]):
        with solara.Column():
            solara.FigureMatplotlib(grid, dependencies=shown, format="png", dpi=DPI)
            solara.FigureMatplotlib(kp, dependencies=shown, format="png", dpi=DPI)
        with solara.Column():
            solara.FigureMatplotlib(mix, dependencies=shown, format="png", dpi=DPI)
            solara.FigureMatplotlib(wom, dependencies=shown, format="png", dpi=DPI)


def _first_model() -> None:
    if model.value is None:
        model.set(LiveModel("baseline", 0))


@solara.component
def LivePage():
    from cxsim.ui.widgets import CSS, Md

    solara.Style(CSS)
    solara.Title("Live classroom | cxsim what-if studio")
    solara.use_effect(_first_model, [])
    Md("## Live classroom: one firm, week by week")
    m = model.value
    if m is None:
        solara.Text("Building the firm ...")
        return
    with solara.Row(style={"align-items": "flex-start", "flex-wrap": "wrap"}, classes=["cx-live-controls"]):
        with solara.Card("Controls", style={"min-width": "280px", "max-width": "360px"}):
            # Mesa's controller: Reset, Play/Pause (▶ / ❚❚), Step; it plays in a thread, one frame per
            # `render_interval` weeks, and rebuilds the model from `model_parameters` on Reset
            ModelController(
                model,
                model_parameters=model_parameters,
                play_interval=play_interval,
                render_interval=render_interval,
                use_threads=use_threads,
            )
            solara.SliderInt(f"Weeks per frame: {render_interval.value}", value=render_interval, min=1, max=10)
        with solara.Card("Model parameters", style={"min-width": "280px", "max-width": "360px"}):
            ModelCreator(model, model_params(m), model_parameters=model_parameters)
            solara.Text(
                "Pick a scenario and a seed, then press Reset to start that firm at week 0.",
                style={"color": "#666", "font-size": "0.9em"},
            )
    LiveFigures(m)
    Md(
        "Each tile is an employee, each row a supervisor's team: watch engagement spread (or fade) within teams. "
        "Outlined tiles face customers. Try the same seed with `supervisor_led` and `hr_led`, or "
        "`frontline_least_engaged`, and ask the class what they expect before pressing Play."
    )
