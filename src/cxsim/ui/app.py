"""The cxsim what-if studio: a Solara web app (``cxsim ui``) for strategists and classrooms.

Pages:

- **What-if**: pick a base scenario, move levers (grouped along the causal chain, then each
  rival's), Run: baseline vs variant over paired seeds (common random numbers), fan charts
  with 10-90% bands, each firm's market share in both, a KPI delta table with 95% confidence
  intervals (the rivals' rows too), what changed, downloads. Optionally, the same pair over the
  posterior of a fitted firm (a ``cxsim fit --out`` folder): how much of the doubt about the
  model's unknown weights the answer (and a lesson) survives.
- **Why**: which changed levers explain the difference (Shapley or one lever at a time), as
  a waterfall with a 95% CI per lever.
- **Live classroom**: one model stepped week by week (play/pause/step/reset, seed): employees
  coloured by engagement in their supervisor teams (vacant seats shown), who the market buys
  from (each firm, or nobody), engagement, customers' NPS mix, word of mouth by channel.
- **Lessons**: each lesson of the scenario library, with the question to ask the class and a
  button that loads the pair into the what-if page.
- **Files**: download the variant as TOML and the runs as CSV; upload a TOML to start from it.
- **Game (teacher)** and **Play (team)**: the classroom game (:mod:`cxsim.ui.game_teacher`,
  :mod:`cxsim.ui.game_team`): student teams run rival firms in one market, round by round.

No model logic here: everything is computed by the library (:mod:`cxsim.ui.analysis` wraps
:func:`cxsim.compare` and :func:`cxsim.run_many`; the live view steps :class:`cxsim.CXModel`).
"""

from __future__ import annotations

import html
import threading

import ipywidgets
import reacton.ipywidgets as rw
import solara
import solara.lab

from cxsim.formatting import number, signed
from cxsim.metrics import KPIS, find
from cxsim.scenario import diff as scenario_diff
from cxsim.ui import analysis, charts, game_teacher, game_team, live, serving, state
from cxsim.ui import levers as lv
from cxsim.ui.lessons import LESSONS, available_lessons
from cxsim.ui.widgets import (
    CSS,
    LeverControl,
    Md,
    Progress,
    changes_html,
    delta_table_frame,
    delta_table_html,
    headline_html,
    posterior_lesson_html,
    posterior_table_html,
)

TITLE = "cxsim what-if studio"


def _warm_up() -> None:
    """Load (or compile) the model's kernels once per server, so the first Run is not the slow one; start the
    shared run queue (its worker processes load the kernels too)."""
    try:
        serving.queue()
        from cxsim import run
        from cxsim.ui.live import classroom_scenario

        run(classroom_scenario("baseline"), seed=0, steps=2)
    except Exception:  # noqa: BLE001 - warming up is an optimisation; the real run reports errors
        pass


threading.Thread(target=_warm_up, name="cxsim-warm-up", daemon=True).start()


# ----------------------------------------------------------------- what-if page


@solara.component
def BasePicker():
    """The two firms compared: a base scenario, and a variant that is another scenario or the base + levers."""
    described = state.shipped()
    names = list(described)
    source = state.base_source.value
    options = names if source in names else [source, *names]
    vsource = state.variant_source.value
    voptions = [state.LEVERS_ONLY, *names]
    if vsource not in voptions:
        voptions.insert(1, vsource)

    def on_pick(name: str) -> None:
        if name in names:
            state.pick_base(name)

    def on_pick_variant(name: str) -> None:
        if name == state.LEVERS_ONLY or name in names:
            state.pick_variant(name)

    with solara.Column(gap="2px"):
        solara.Select(
            label="Baseline: the firm as it is",
            value=source,
            values=options,
            on_value=on_pick,
            style={"min-width": "260px"},
            classes=["cx-base-pick"],
        )
        solara.Text(state.base.value.description, style={"color": "#555", "font-size": "13px"})
        solara.Select(
            label="Variant: what if it were ...",
            value=vsource,
            values=voptions,
            on_value=on_pick_variant,
            style={"min-width": "260px"},
            classes=["cx-variant-pick"],
        )
        if vsource in described:
            solara.Text(described[vsource], style={"color": "#555", "font-size": "13px"})


@solara.component
def LeverPanel():
    errors = solara.use_reactive({})
    raw_key = solara.use_reactive("")
    raw_value = solara.use_reactive("")
    raw_error = solara.use_reactive("")

    def set_raw() -> None:
        from cxsim.scenario import ScenarioError, parse_value

        key = raw_key.value.strip()
        if not key:
            raw_error.set("type a parameter key, e.g. customers.need (see cxsim params)")
            return
        try:
            msg = state.set_lever(key, parse_value(raw_value.value.strip()))
        except ScenarioError as exc:
            msg = str(exc)
        raw_error.set(msg)

    with solara.Column(gap="4px"):
        with solara.Row():
            solara.Button(
                "Reset levers",
                on_click=state.reset_levers,
                outlined=True,
                small=True,
                disabled=state.variant.value == state.base.value,
            )
        base, variant = state.base.value, state.variant.value
        for title, blurb, items in lv.grouped_levers(analysis.rivals_of(base, variant)):
            n_changed = sum(variant.get(x.key) != base.get(x.key) for x in items)
            heading = f"{title} ({n_changed} changed)" if n_changed else title
            with solara.Details(heading, expand=title in ("Supervisors",) or n_changed > 0):
                solara.Text(blurb, style={"color": "#666", "font-size": "13px"})
                for item in items:
                    LeverControl(item, errors)
        with solara.Details("Any other parameter"):
            solara.Text(
                "Set any parameter of the model by its key (the list: `cxsim params`).",
                style={"color": "#666", "font-size": "13px"},
            )
            solara.InputText("key, e.g. customers.need", value=raw_key, continuous_update=True)
            solara.InputText("value, e.g. 0.08", value=raw_value, continuous_update=True)
            solara.Button("Set", on_click=set_raw, small=True)
            if raw_error.value:
                solara.Error(raw_error.value, dense=True)


@solara.component
def RunControls():
    running = state.run_task.pending

    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.InputInt("Seeds (paired)", value=state.seeds, continuous_update=False, style={"max-width": "140px"})
        solara.InputInt("Weeks", value=state.weeks, continuous_update=False, style={"max-width": "120px"})
        solara.Button(
            "Run", on_click=state.start_run, color="primary", disabled=running, icon_name="mdi-play", classes=["cx-run"]
        )
        if running:
            solara.Button("Stop", on_click=state.stop_run, outlined=True, classes=["cx-stop"])
    if state.run_error.value:
        solara.Error(state.run_error.value)
    Progress(state.run_progress.value, state.run_status.value, running)


def _variant_name(c) -> str:
    return c.b.name if c.b.name != c.a.name else "with your changes"


@solara.component
def FanCharts(c):
    labels = (f"baseline: {c.a.name}", f"variant: {_variant_name(c)}")
    key = ("fan", serving.comparison_key(c), labels)  # drawn once for every session showing this what-if
    png = solara.use_memo(
        lambda: serving.chart_png(key, lambda: charts.fan_charts(c.runs, analysis.FAN_KPIS, labels)),
        dependencies=[id(c)],
    )
    rw.Image(value=png, format="png")


@solara.component
def ShareCharts(c):
    rivals = [r for r in analysis.rivals_of(c.a, c.b) if f"{r}_share" in c.runs.columns]
    labels = (f"baseline: {c.a.name}", f"variant: {_variant_name(c)}")
    key = ("share", serving.comparison_key(c), labels)
    png = solara.use_memo(
        lambda: serving.chart_png(key, lambda: charts.share_charts(c.runs, rivals, labels)), dependencies=[id(c)]
    )
    rw.Image(value=png, format="png")


@solara.component
def Results():
    view = state.result.value
    if view is None:
        if not state.run_task.pending:
            solara.Info(
                "Move a lever (left), then press Run: the baseline and the variant run over the same seeds, "
                "and the charts show how far apart they end up, with the uncertainty."
            )
        return
    c = view.comparison
    stale = (c.a != state.base.value) or (c.b != state.variant.value)
    if not view.complete:
        note = "stopped early" if view.stopped else "a first look, more seeds coming"
        solara.Warning(f"Results over {len(c.seeds)} of {view.seeds_planned} seeds ({note}): intervals are wide.")
    if stale:
        solara.Warning("The levers changed since this run: press Run to update.")
    solara.HTML(tag="div", unsafe_innerHTML=headline_html(c.table, _variant_name(c), c.a.name, len(c.seeds), c.steps))
    Md("### How the two firms evolve (line: median over seeds; band: 80% of seeds fall inside)")
    FanCharts(c)
    if analysis.rivals_of(c.a, c.b):
        Md(
            f"### {find('share').label} of each firm, in the baseline and in the variant "
            "(our customers / all firms' customers)"
        )
        ShareCharts(c)
    Md("### Difference at the end of the run")
    solara.HTML(tag="div", unsafe_innerHTML=delta_table_html(c.table, len(c.seeds), analysis.table_sections(c.a, c.b)))
    with solara.Row():
        solara.FileDownload(
            lambda: c.runs.to_csv(index=False).encode(), filename="cxsim_runs.csv", label="Download runs (CSV)"
        )
        solara.FileDownload(
            lambda: delta_table_frame(c.table).to_csv(index=False).encode(),
            filename="cxsim_differences.csv",
            label="Download table (CSV)",
        )
        solara.FileDownload(
            lambda: state.variant_toml().encode(), filename=f"{c.b.name}.toml", label="Download variant (TOML)"
        )


@solara.component
def PosteriorResults():
    c = state.posterior_result.value
    if c is None:
        return
    post = state.posterior.value
    if c.a != state.base.value or c.b != state.variant.value or post is None or post.folder != c.posterior.folder:
        solara.Warning("The levers or the posterior changed since this run: press Run over the posterior to update.")
    Md(
        f"##### After {c.steps} weeks, {_variant_name(c)} vs {c.a.name}, over the posterior of "
        f"`{c.posterior.folder}` ({len(c.posterior.keys)} unknowns)"
    )
    lesson = posterior_lesson_html(c)
    if lesson:
        solara.HTML(tag="div", unsafe_innerHTML=lesson)
    solara.HTML(
        tag="div",
        unsafe_innerHTML=posterior_table_html(c.table, len(c.draws), len(c.seeds), analysis.table_sections(c.a, c.b)),
    )
    solara.FileDownload(
        lambda: c.table.to_csv(index=False).encode(),
        filename="cxsim_posterior_differences.csv",
        label="Download table (CSV)",
    )


@solara.component
def PosteriorPanel():
    """The what-if over the posterior of a fitted firm: its folder, draws and seeds, Run / Stop, the answer."""
    running = state.posterior_task.pending
    post = state.posterior.value
    with solara.Div(classes=["cx-posterior"]):
        Md("#### Over the posterior of a fitted firm (optional)")
        solara.InputText(
            "Posterior of a fitted firm: the --out folder of cxsim fit",
            value=state.posterior_path.value,
            on_value=state.set_posterior_path,
            continuous_update=False,
            classes=["cx-posterior-path"],
        )
        if state.posterior_error.value:
            solara.Error(state.posterior_error.value, dense=True, classes=["cx-posterior-error"])
        elif post is not None:
            solara.Success(state.posterior_info.value, dense=True, classes=["cx-posterior-info"])
        else:
            solara.Text(
                "The baseline and the variant then run with the fitted firm's unknown weights set to each of "
                "a number of posterior draws, so the answer carries the doubt about the model's weights.",
                style={"color": "#666", "font-size": "13px"},
            )
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.InputInt("Draws", value=state.draws, continuous_update=False, style={"max-width": "110px"})
            solara.InputInt(
                "Seeds per draw", value=state.draw_seeds, continuous_update=False, style={"max-width": "130px"}
            )
            solara.Button(
                "Run over the posterior",
                on_click=state.start_posterior_run,
                color="primary",
                outlined=True,
                disabled=running or post is None,
                icon_name="mdi-play",
                classes=["cx-run-posterior"],
            )
            if running:
                solara.Button("Stop", on_click=state.stop_posterior_run, outlined=True, classes=["cx-stop-posterior"])
            if post is not None and not running:
                runs = 2 * int(state.draws.value) * int(state.draw_seeds.value)
                solara.Text(
                    f"{runs} runs of {state.weeks.value} weeks (the Weeks above)",
                    style={"color": "#555", "font-size": "13px"},
                )
        if state.posterior_run_error.value:
            solara.Error(state.posterior_run_error.value, classes=["cx-posterior-run-error"])
        Progress(state.posterior_progress.value, state.posterior_status.value, running)
        PosteriorResults()


@solara.component
def WhatIfPage():
    solara.Style(CSS)
    solara.Title(f"What-if | {TITLE}")
    if state.notice.value:
        solara.Info(state.notice.value, dense=True)
    with solara.Columns([1, 3]):
        with solara.Column():
            BasePicker()
            Md("#### Levers of the variant")
            LeverPanel()
        with solara.Column():
            Md("## What if ...?")
            RunControls()
            PosteriorPanel()
            Md("#### What changed")
            solara.HTML(tag="div", unsafe_innerHTML=changes_html(scenario_diff(state.base.value, state.variant.value)))
            Results()


# ---------------------------------------------------------------------- why page


#: How the Why page names its decomposition methods (toggle label -> method).
METHODS = {"auto": "auto", "Shapley": "shapley", "one at a time": "one_at_a_time"}
METHOD_NAMES = {v: k for k, v in METHODS.items()}


def lever_change_label(key: str, before, after) -> str:
    """A waterfall bar's name: the lever and what it was changed from and to (two lines)."""
    return f"{lv.label(key)}\n{lv.format_value(before)} -> {lv.format_value(after)}"


@solara.component
def Waterfall(d, kpi: str, labels: dict, ends: tuple[str, str] = ("baseline", "variant")):
    def draw():
        start, end = d.endpoints(kpi)
        return charts.waterfall(start, end, d.table(kpi), labels, kpi, ends)

    fig = solara.use_memo(draw, dependencies=[id(d), kpi])
    solara.FigureMatplotlib(fig, dependencies=[id(d), kpi], format="png")


@solara.component
def WhyPage():
    solara.Style(CSS)
    solara.Title(f"Why | {TITLE}")
    Md("## Why: which levers explain the difference?")
    view = state.result.value
    if view is None or not view.complete:
        solara.Info(
            "Run a complete what-if first (What-if page). This page then splits the difference over the "
            "levers you changed."
        )
        return
    c = view.comparison
    keys = list(c.changes)
    if not keys:
        solara.Info("Baseline and variant are the same scenario: nothing to explain. Change a lever and Run.")
        return
    method = analysis.choose_method(len(keys)) if state.why_method.value == "auto" else state.why_method.value
    subsets = analysis.planned_subsets(keys, method)
    extra_runs = (len(subsets) - 2) * len(c.seeds)
    Md(
        f"{len(keys)} lever(s) changed. **Shapley** splits the difference fairly over every order of "
        f"switching levers on (2^{len(keys)} scenarios); **one at a time** switches each lever alone and shows what "
        f"is left as *interaction*. This needs {extra_runs} more runs ({len(c.seeds)} seeds x {c.steps} weeks, "
        "same seeds as the what-if run)."
    )
    running = state.why_task.pending
    kpis = {find(k).title: k for k in c.table["kpi"] if k != "bankrupt"}
    # a rival's KPI picked for an earlier what-if may not be in this one's table
    kpi = state.why_kpi.value if state.why_kpi.value in kpis.values() else "nps"
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.ToggleButtonsSingle(
            value=METHOD_NAMES.get(state.why_method.value, "auto"),
            values=list(METHODS),
            on_value=lambda name: state.why_method.set(METHODS[name]),
        )
        solara.Select(
            "KPI to explain",
            value=find(kpi).title,
            values=list(kpis),
            on_value=lambda name: state.why_kpi.set(kpis[name]),
            style={"max-width": "260px"},
        )
        solara.Button("Explain", on_click=state.start_why, color="primary", disabled=running, classes=["cx-explain"])
        if running:
            solara.Button("Stop", on_click=state.stop_why, outlined=True)
    if running:
        solara.ProgressLinear(state.why_progress.value if state.why_progress.value > 0 else True)
    if state.why_error.value:
        solara.Error(state.why_error.value)
    got = state.why_result.value
    if got is None or got[0] is not c:
        return
    d = got[1]
    tab = d.table(kpi)
    start, end = d.endpoints(kpi)
    labels = {k: lever_change_label(k, *c.changes[k]) for k in d.keys} | {
        "interaction": "interaction\n(levers together)"
    }
    Waterfall(d, kpi, labels, (f"baseline\n{c.a.name}", f"variant\n{_variant_name(c)}"))
    rows = "".join(
        f"<tr><td>{labels.get(r.lever, r.lever).replace(chr(10), ': ')}</td><td>{signed(r.contribution, kpi)}</td>"
        f"<td>[{number(r.ci_low, kpi)}, {number(r.ci_high, kpi)}]</td></tr>"
        for r in tab.itertuples(index=False)
    )
    solara.HTML(
        tag="div",
        unsafe_innerHTML=(
            f"<table class='cx-table cx-why-table'><caption>{find(kpi).title}: baseline {number(start, kpi)} "
            f"-> variant {number(end, kpi)} "
            f"({d.method.replace('_', ' ')}, {len(d.seeds)} paired seeds)</caption><thead><tr><th>lever</th>"
            f"<th>contribution</th><th>95% CI</th></tr></thead><tbody>{rows}</tbody></table>"
        ),
    )


# ------------------------------------------------------------------ lessons page


@solara.component
def LessonsPage():
    solara.Style(CSS)
    solara.Title(f"Lessons | {TITLE}")
    router = solara.use_router()
    Md("## Lessons: what CX practice claims, shown as a pair of scenarios")
    lessons = available_lessons()
    waiting = len(LESSONS) - len(lessons)
    if not lessons:
        solara.Info("No lesson scenarios are in the scenario folder yet.")
    for lesson in lessons:

        def open_pair(lesson=lesson) -> None:
            state.load_pair(lesson.a, lesson.b)
            router.push("/")

        with solara.Card(lesson.title, margin=0, classes=["cx-lesson"], style={"margin-bottom": "12px"}):
            Md(f"**{lesson.a}** (baseline) vs **{lesson.b}** (variant). {lesson.explanation}")
            solara.HTML(
                tag="div",
                unsafe_innerHTML=f"<div class='cx-question'><b>Ask the class:</b> {lesson.question}"
                f" <i>Look first at: {KPIS[lesson.kpi].title}.</i></div>",
            )
            solara.Button(
                "Open in what-if", on_click=open_pair, color="primary", outlined=True, classes=["cx-open-lesson"]
            )
    if waiting:
        solara.Text(
            f"{waiting} more lesson(s) will appear here once their scenario files are in the library.",
            style={"color": "#777"},
        )


# -------------------------------------------------------------------- files page


def _on_upload(files) -> None:
    """ipywidgets.FileUpload's value: a tuple of dicts with name and content (a memoryview)."""
    for f in files or ():
        state.load_uploaded(f["name"], bytes(f["content"]))


@solara.component
def FilesPage():
    solara.Style(CSS)
    solara.Title(f"Files | {TITLE}")
    pasted = solara.use_reactive("")
    Md("## Export and import scenarios")
    with solara.Columns([1, 1]):
        with solara.Column():
            Md("### Export")
            Md(
                f"Variant **{state.variant.value.name}**, compared with base **{state.base_source.value}**"
                f" ({len(scenario_diff(state.base.value, state.variant.value))} lever(s) changed)."
            )
            solara.FileDownload(
                lambda: state.variant_toml().encode(), filename="variant.toml", label="Download variant (TOML)"
            )
            view = state.result.value
            if view is not None:
                solara.FileDownload(
                    lambda: view.comparison.runs.to_csv(index=False).encode(),
                    filename="cxsim_runs.csv",
                    label="Download runs of the last what-if (CSV)",
                )
            else:
                solara.Text("Runs (CSV) can be downloaded after a what-if run.", style={"color": "#777"})
            Md("Preview of the variant file:")
            solara.HTML(tag="pre", unsafe_innerHTML=html.escape(state.variant_toml()), classes=["cx-preview"])
        with solara.Column():
            Md("### Import")
            Md(
                "Drop a scenario `.toml` below (or paste it) to make it the variant; a file with "
                '`extends = "name"` also sets that shipped scenario as the base.'
            )
            with solara.Row(style={"align-items": "center"}):
                # a file chooser as well as the drop zone: not everyone can drag a file onto a browser
                ipywidgets.FileUpload.element(
                    accept=".toml",
                    multiple=False,
                    description="Choose a .toml file",
                    layout=ipywidgets.Layout(width="220px"),
                    on_value=_on_upload,
                )
                solara.Text("or", style={"color": "#777"})
            solara.FileDrop(
                label="Drop a scenario .toml file here",
                on_file=lambda f: state.load_uploaded(f["name"], f["data"]),
                lazy=False,
            )
            solara.InputTextArea("... or paste TOML here", value=pasted, rows=8, continuous_update=True)
            solara.Button(
                "Load pasted TOML",
                on_click=lambda: state.load_uploaded("pasted.toml", pasted.value.encode()),
                color="primary",
                classes=["cx-load-toml"],
            )
            if state.upload_error.value:
                solara.Error(f"Not loaded: {state.upload_error.value}", classes=["cx-upload-error"])
            elif state.notice.value:
                solara.Success(state.notice.value, dense=True)


# ------------------------------------------------------------------------- layout


@solara.component
def Layout(children=[]):  # noqa: B006 - solara passes children this way
    """App bar with one tab per page, named by the route labels."""
    route, all_routes = solara.use_route()
    router = solara.use_router()
    paths = [solara.resolve_path(r, level=0) for r in all_routes]
    index = all_routes.index(route) if route in all_routes else 0
    solara.Style(CSS)
    if route is not None and route.path == "play":
        # a team's page in the classroom game: only the team's own firm, no studio tabs
        with solara.AppLayout(title="cxsim classroom game", navigation=False) as main:
            for child in children:
                solara.display(child)
        return main
    with solara.AppLayout(title=TITLE, navigation=True) as main:
        with solara.AppBar():
            with solara.lab.Tabs(value=index, on_value=lambda i: router.push(paths[i]), align="center"):
                for r in all_routes:
                    solara.lab.Tab(r.label)
        for child in children:
            solara.display(child)
    return main


routes = [
    solara.Route(path="/", component=WhatIfPage, label="What-if", layout=Layout),
    solara.Route(path="why", component=WhyPage, label="Why"),
    solara.Route(path="live", component=live.LivePage, label="Live classroom"),
    solara.Route(path="lessons", component=LessonsPage, label="Lessons"),
    solara.Route(path="files", component=FilesPage, label="Files"),
    solara.Route(path="game", component=game_teacher.TeacherPage, label="Game (teacher)"),
    solara.Route(path="play", component=game_team.TeamPage, label="Play (team)"),
]
