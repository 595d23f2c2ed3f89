"""Live classroom view: one :class:`cxsim.CXModel` stepped week by week in front of a class.

Built on Mesa's visualization components (:mod:`mesa.visualization`): Mesa's
``ModelController`` gives Play/Pause, Step and Reset and plays the model in a
background thread, Mesa's ``ModelCreator`` shows the model parameters (the
scenario and the seed) that Reset builds the next model from, and the six
figures are custom components redrawn on Mesa's ``update_counter``, as
``SolaraViz`` redraws its components. ``SolaraViz`` itself is not used because it
owns the whole page (its own app bar title, theme toggle, sidebar and a
draggable grid whose script is one more CDN package), and this view is one page
of a multi-page app that must work offline.

The figures show the focal firm (``model.firms[0]``) from the inside (its team
grid, with vacant seats, and its employees' engagement) and from the outside (its
customers' NPS mix and word of mouth), and the market it shares with its rivals:
who people buy from, and each firm's NPS and reputation NPS, week by week.

Each browser session has its own model (a session-scoped reactive). The scenario
is shrunk to classroom size (a few thousand people, about a hundred employees in
the focal firm, every rival shrunk alike) so a week takes milliseconds and the
employee grid stays readable.
"""

from __future__ import annotations

import threading

import solara
from mesa.visualization.solara_viz import ModelController, ModelCreator
from mesa.visualization.utils import update_counter

from cxsim.formatting import number, signed
from cxsim.model import CXModel
from cxsim.params import FirmSettings, Scenario
from cxsim.scenario import load_scenario, shipped_scenarios
from cxsim.ui import charts

CLASS_PEOPLE = 5000
CLASS_EMPLOYEES = 120
PLAY_INTERVAL_MS = 100  # Mesa's pause between frames while playing: the page stays responsive to Pause
DPI = 80  # drawing the six figures costs far more than a week of the model: a class watches motion, not detail


def classroom_scenario(name: str | Scenario) -> Scenario:
    """A shipped scenario shrunk to classroom size: at most 5,000 people and 120 employees in the focal firm.

    Market and workforces shrink by the same factor, every firm's (the focal firm's and each rival's),
    and so does every cost that does not already scale with them (fixed costs, the programs' weekly
    costs, marketing and win-back spend, the cash cushion, a viral story's reach), so the small market
    keeps the big one's proportions: customers per employee, margins, runways, the rivals' relative
    size, the share of the market a viral story reaches.
    """
    s = load_scenario(name)
    factor = min(1.0, CLASS_PEOPLE / s.market.size, CLASS_EMPLOYEES / s.workforce.employees)
    if factor >= 1.0:
        return s
    size = max(20, round(s.market.size * factor))
    changes = {
        "market.size": size,
        "market.mean_degree": min(s.market.mean_degree, size - 1),
        "acquisition.marketing_reference": max(1.0, s.acquisition.marketing_reference * factor),
        "acquisition.winback_reference": max(1.0, s.acquisition.winback_reference * factor),
        # a viral story reaches a share of the market, not a head count fixed for a big one
        "wom.viral_min_reach": max(1.0, s.wom.viral_min_reach * factor),
    }
    for rival, settings, _ in s.firms():
        changes |= _shrunk_firm(f"rivals.{rival}." if rival else "", settings, factor)
    return s.override(changes)


def _shrunk_firm(prefix: str, firm: FirmSettings, factor: float) -> dict[str, float | int]:
    """One firm's workforce and weekly costs times ``factor`` (its keys start with ``prefix``)."""
    employees = max(1, round(firm.workforce.employees * factor))
    scaled = {
        "workforce.employees": employees,
        "workforce.team_size": min(firm.workforce.team_size, employees),
        "leadership.marketing_spend": firm.leadership.marketing_spend * factor,
        "leadership.winback_spend": firm.leadership.winback_spend * factor,
        "finance.fixed_cost": firm.finance.fixed_cost * factor,
        "finance.initial_cash": firm.finance.initial_cash * factor,
        "programs.cx_team_cost": firm.programs.cx_team_cost * factor,
        "programs.cx_room_cost": firm.programs.cx_room_cost * factor,
        "programs.voc_cost": firm.programs.voc_cost * factor,
    }
    return {prefix + key: value for key, value in scaled.items()}


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
            w = self.workforce  # the focal firm's
            return {
                "week": self.week,
                "engagement": w.engagement.copy(),
                "team": w.team.copy(),
                "active": w.active.copy(),
                "front": w.on_front.copy(),
                "ts": self.timeseries(),
                "bankrupt": self.bankrupt,
                "rivals_bankrupt": {f.name: f.bankrupt_week for f in self.firms[1:] if f.bankrupt},
            }

    @property
    def rivals(self) -> list[str]:
        """The rivals' names, as their KPI columns are prefixed."""
        return [f.name for f in self.firms[1:]]


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
    """The six figures, redrawn whenever Mesa's controller bumps its ``update_counter``."""
    update_counter.get()
    snap = m.snapshot()
    ts = snap["ts"]
    sc = m.params
    rivals = m.rivals
    shown = [id(m), snap["week"]]
    hires_coming = int(ts["open_positions"].iloc[-1]) if len(ts) else 0
    grid = solara.use_memo(
        lambda: charts.team_grid(
            snap["engagement"],
            snap["team"],
            snap["active"],
            snap["front"],
            sc.engagement.engaged_threshold,
            hires_coming,
        ),
        dependencies=shown,
    )
    market = solara.use_memo(lambda: charts.market_mix(ts, rivals, sc.market.size), dependencies=shown)
    race = solara.use_memo(lambda: charts.nps_race(ts, rivals), dependencies=shown)
    engagement = solara.use_memo(lambda: charts.engagement_lines(ts), dependencies=shown)
    mix = solara.use_memo(lambda: charts.nps_mix(ts), dependencies=shown)
    wom = solara.use_memo(lambda: charts.wom_channels(ts), dependencies=shown)
    solara.Text(status_line(m, ts), classes=["cx-live-status"], style={"font-weight": "bold"})
    if m.seed_error:
        solara.Warning(m.seed_error, dense=True)
    if snap["bankrupt"]:
        solara.Error(f"Bankrupt in week {m.bankrupt_week}: cash ran out and the firm stopped trading.")
    for name, week in snap["rivals_bankrupt"].items():
        solara.Info(f"The rival {name} went bankrupt in week {week}: its customers look for another firm.", dense=True)
    # inside the firm on the left (its people, then what they set off), the market on the right
    with solara.Columns([1, 1], classes=["cx-live-figs"]):
        with solara.Column():
            solara.FigureMatplotlib(grid, dependencies=shown, format="png", dpi=DPI)
            solara.FigureMatplotlib(engagement, dependencies=shown, format="png", dpi=DPI)
            solara.FigureMatplotlib(wom, dependencies=shown, format="png", dpi=DPI)
        with solara.Column():
            solara.FigureMatplotlib(market, dependencies=shown, format="png", dpi=DPI)
            solara.FigureMatplotlib(race, dependencies=shown, format="png", dpi=DPI)
            solara.FigureMatplotlib(mix, dependencies=shown, format="png", dpi=DPI)


def status_line(m: LiveModel, ts) -> str:
    """The line above the figures: week, scenario, size, seed, and the focal firm's numbers of the last week."""
    sc = m.params
    staff = f"{sc.workforce.employees} employees" + "".join(
        f"; {name}: {rival.workforce.employees}" for name, rival in sc.rivals.items()
    )
    line = (
        f"Week {m.week} | {m.scenario_name} at classroom size ({sc.market.size:,} people, {staff}) "
        f"| seed {m.seed_value}"
    )
    if len(ts):
        last = ts.iloc[-1]
        line += (
            f" | customers {number(last['customers'], 'customers')} (market share {last['share']:.0%})"
            f" | NPS {signed(last['nps'], 'nps')} | reputation {signed(last['reputation'], 'reputation')}"
            f" | cash ${number(last['cash'], 'cash')}"
        )
    return line


def _first_model() -> None:
    if model.value is None:
        model.set(LiveModel("baseline", 0))


@solara.component
def LivePage():
    from cxsim.ui.widgets import CSS, Md

    solara.Style(CSS)
    solara.Title("Live classroom | cxsim what-if studio")
    solara.use_effect(_first_model, [])
    Md("## Live classroom: one firm and its market, week by week")
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
        "Outlined tiles face customers; a grey tile with an x is a vacant seat (someone quit or was laid off, "
        "and the hire is not there yet). *Who people buy from* shows our customers, the rival's, and the people "
        "who buy from nobody: watch our share move when our employees' engagement does. *NPS and reputation* sets "
        "our customers' NPS (solid) beside the rival's; the dashed reputation NPS still counts former customers, "
        "so NPS rising while reputation does not means the unhappy customers left. Try the same seed with "
        "`supervisor_led` and `hr_led`, or `frontline_least_engaged`, and ask the class what they expect before "
        "pressing Play."
    )
