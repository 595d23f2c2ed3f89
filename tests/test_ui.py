"""The web UI without a browser: its computations, its assets, and its pages rendered with solara.render.

Pages are rendered inside a Solara virtual kernel (one per test, as one per browser session) and
driven by clicking their widgets; runs use a tiny scenario and a few weeks.
"""

from __future__ import annotations

import time
from pathlib import Path

import ipyvuetify as v
import ipywidgets
import numpy as np
import pandas as pd
import pytest
import solara
import solara.server.starlette  # noqa: F401 - as under the real server: reactive state is per session
from solara.server import kernel, kernel_context
from tests.conftest import all_widgets

import cxsim
from cxsim.comparison import compare
from cxsim.ui import analysis, assets, lessons, state

_OPEN: list = []


def render(element):
    """solara.render, closed again when the test ends (a page left open keeps reacting to state)."""
    box, rc = solara.render(element, handle_error=False)
    _OPEN.append(rc)
    return rc


@pytest.fixture(autouse=True)
def _close_pages():
    yield
    while _OPEN:
        _OPEN.pop().close()


@pytest.fixture()
def session():
    """A fresh Solara virtual kernel: the state of one browser session."""
    ctx = kernel_context.VirtualKernelContext(
        id=f"test-{time.monotonic_ns()}", kernel=kernel.Kernel(), session_id="test-session"
    )
    with ctx:
        yield ctx
        while _OPEN:  # close this session's pages inside its own context
            _OPEN.pop().close()


def wait_until(cond, timeout=180.0):
    start = time.time()
    while not cond():
        if time.time() - start > timeout:
            raise AssertionError("timed out waiting for the page")
        time.sleep(0.05)


def html_blocks(rc) -> list[str]:
    """The HTML of every solara.HTML block on the page."""
    return [w.unsafe_innerHTML for w in all_widgets(rc) if isinstance(getattr(w, "unsafe_innerHTML", None), str)]


def texts(rc) -> list[str]:
    return [c for w in all_widgets(rc) for c in (getattr(w, "children", None) or []) if isinstance(c, str)]


def alerts(rc) -> list[str]:
    return [" ".join(str(c) for c in w.children) for w in rc.find(v.Alert).widgets]


def button(rc, cls: str):
    return rc.find(v.Btn, class_=cls).widget


# ------------------------------------------------------------------ computations


def test_seed_batches_keep_at_least_two_seeds_each():
    assert analysis.seed_batches(8) == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert analysis.seed_batches(5) == [[0, 1], [2, 3, 4]]
    assert analysis.seed_batches(2) == [[0, 1]]
    with pytest.raises(ValueError):
        analysis.seed_batches(1)


def test_progressive_compare_equals_one_compare_call(tiny):
    b = tiny.override({"supervisors.coaching": 0.9})
    partials, ticks = [], []
    got = analysis.progressive_compare(
        tiny, b, seeds=5, steps=5, on_partial=partials.append, on_progress=lambda d, t: ticks.append((d, t))
    )
    want = compare(tiny, b, seeds=5, steps=5, kpis=analysis.TABLE_KPIS)
    own = got.table[got.table["kpi"].isin(analysis.TABLE_KPIS)].reset_index(drop=True)
    pd.testing.assert_frame_equal(own, want.table)
    pd.testing.assert_frame_equal(got.runs, want.runs)
    # the rival's rows follow the focal firm's: its final-week levels from the same runs
    rival = got.table.set_index("kpi").loc[[f"rival_{k}" for k in analysis.RIVAL_TABLE_KEYS]]
    last = want.runs[want.runs["week"] == 5].groupby("arm")["rival_share"].mean()
    assert rival.loc["rival_share", "a_mean"] == pytest.approx(last["A"])
    assert rival.loc["rival_share", "b_mean"] == pytest.approx(last["B"])
    assert [p.seeds for p in partials] == [[0, 1], [0, 1, 2, 3, 4]]
    assert ticks[-1] == (10, 10) and all(d <= t for d, t in ticks)
    assert got.changes == {"supervisors.coaching": (0.4, 0.9)}


def test_progressive_compare_stops_between_batches(tiny):
    b = tiny.override({"supervisors.coaching": 0.9})
    seen = []
    with pytest.raises(analysis.Stopped):
        analysis.progressive_compare(tiny, b, seeds=6, steps=3, on_partial=seen.append, should_stop=lambda: bool(seen))
    assert [p.seeds for p in seen] == [[0, 1]]


def test_shapley_contributions_add_up_to_the_difference_seed_by_seed(tiny):
    b = tiny.override({"supervisors.coaching": 0.9, "programs.hr_engagement": 0.0, "incentives.cx_weight": 0.9})
    c = analysis.progressive_compare(tiny, b, seeds=3, steps=5)
    d = analysis.decompose(c, "shapley")
    assert d.method == "shapley" and len(d.values) == 8
    for kpi in ("nps", "mean_engagement", "profit"):
        per = d.per_seed(kpi)
        total = d.values[frozenset(d.keys)][kpi].to_numpy() - d.values[frozenset()][kpi].to_numpy()
        assert per.sum(axis=1).to_numpy() == pytest.approx(total)
        row = c.table.set_index("kpi").loc[kpi]
        assert d.table(kpi)["contribution"].sum() == pytest.approx(row["diff"])
        assert d.endpoints(kpi) == pytest.approx((row["a_mean"], row["b_mean"]))
    # engagement is the coaching lever's story: it gets the largest share
    tab = d.table("mean_engagement").set_index("lever")["contribution"]
    assert tab.idxmax() == "supervisors.coaching"


def test_one_at_a_time_reports_the_rest_as_interaction(tiny):
    b = tiny.override({"supervisors.coaching": 0.9, "programs.hr_engagement": 0.0})
    c = analysis.progressive_compare(tiny, b, seeds=2, steps=4)
    d = analysis.decompose(c, "one_at_a_time")
    tab = d.table("nps")
    assert list(tab["lever"]) == [*c.changes, "interaction"]
    assert set(c.changes) == {"supervisors.coaching", "programs.hr_engagement"}
    assert tab["contribution"].sum() == pytest.approx(c.table.set_index("kpi").loc["nps", "diff"])
    single = compare(tiny, tiny.override({"supervisors.coaching": 0.9}), seeds=2, steps=4)
    assert tab.set_index("lever").loc["supervisors.coaching", "contribution"] == pytest.approx(
        single.table.set_index("kpi").loc["nps", "diff"]
    )


def test_decompose_refuses_what_it_cannot_explain(tiny):
    same = analysis.progressive_compare(tiny, tiny, seeds=2, steps=2)
    with pytest.raises(ValueError, match="same scenario"):
        analysis.decompose(same)
    # team_size 40 is valid only together with 60 employees: the levers cannot be separated
    b = tiny.override({"workforce.employees": 60, "workforce.team_size": 40})
    c = analysis.progressive_compare(tiny, b, seeds=2, steps=2)
    with pytest.raises(cxsim.ScenarioError, match="cannot be separated"):
        analysis.decompose(c, "one_at_a_time")
    assert analysis.choose_method(3) == "shapley" and analysis.choose_method(4) == "one_at_a_time"


# ---------------------------------------------------------------------- assets


def test_required_assets_are_read_from_solaras_template():
    pkgs = dict(assets.required_packages())
    import importlib.util

    template = (Path(importlib.util.find_spec("solara").origin).parent / "server/templates/solara.html.j2").read_text()
    assert "requirejs" in pkgs and "font-awesome" in pkgs
    app = "@widgetti/solara-vuetify3-app" if "@widgetti/solara-vuetify3-app" in pkgs else "@widgetti/solara-vuetify-app"
    for name in ("requirejs", app):
        assert f"{{{{cdn}}}}/{name}@{pkgs[name]}/" in template


def test_missing_assets_and_unpacking(tmp_path):
    assert len(assets.missing_packages(tmp_path)) == len(assets.required_packages())
    # an npm tarball keeps its files under package/; the proxy wants them under name@version/
    import io
    import tarfile

    tgz = tmp_path / "x.tgz"
    with tarfile.open(tgz, "w:gz") as tar:
        for name, data in (("package/package.json", b"{}"), ("package/dist/a.js", b"x"), ("../evil", b"no")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    dest = tmp_path / "cache" / "@scope" / "pkg@1.0.0"
    dest.parent.mkdir(parents=True)
    assets._unpack(tgz, dest)
    assert (dest / "package.json").read_bytes() == b"{}" and (dest / "dist" / "a.js").read_bytes() == b"x"
    assert not (tmp_path / "cache" / "@scope" / "evil").exists()
    env = assets.server_env(tmp_path)
    assert env["SOLARA_ASSETS_PROXY_CACHE_DIR"] == str(tmp_path) and env["SOLARA_ASSETS_PROXY"] == "True"


def test_cli_has_the_ui_command():
    from typer.testing import CliRunner

    from cxsim.cli import app

    out = CliRunner().invoke(app, ["ui", "--help"])
    assert out.exit_code == 0 and "--port" in out.output and "--host" in out.output


# ------------------------------------------------------------------------ pages


def test_what_if_page_runs_and_shows_the_delta_table_and_charts(session, tiny):
    from cxsim.ui import app

    state.set_base(tiny, "tiny")
    rc = render(app.WhatIfPage())
    # moving a lever marks it and lists it under "what changed"
    state.set_lever("supervisors.coaching", 0.9)
    assert any("supervisors.coaching" in h and "0.9" in h for h in html_blocks(rc))
    state.weeks.set(5)
    state.seeds.set(3)
    button(rc, "cx-run").click()
    assert button(rc, "cx-run").disabled  # while running, Run cannot be pressed again
    wait_until(lambda: state.result.value is not None and state.result.value.complete and not state.run_task.pending)
    wait_until(lambda: not button(rc, "cx-run").disabled, 10)
    tables = [h for h in html_blocks(rc) if "cx-delta-table" in h]
    assert len(tables) == 1 and "NPS (points)" in tables[0] and "95% CI" in tables[0]
    assert "over 3 paired seeds" in tables[0]
    # the open market: NPS and reputation, our share, and the rival's rows under their own heading
    for title in ("Reputation NPS (points)", "Market share (share)", "The rival: rival", "Market share (rival)"):
        assert title in tables[0], title
    headline = next(h for h in html_blocks(rc) if "cx-headline" in h)
    assert "NPS" in headline and "Reputation NPS" in headline and "Market share" in headline
    images = [w for w in all_widgets(rc) if type(w).__name__ in ("Image", "Img")]
    assert len(images) == 2, "the fan charts or the market-share chart are missing"
    assert any("Market share of each firm" in h for h in html_blocks(rc))
    assert state.result.value.comparison.steps == 5


def test_a_second_click_while_running_does_not_start_a_second_run(session, tiny):
    state.set_base(tiny, "tiny")
    state.set_lever("supervisors.coaching", 0.9)
    state.weeks.set(30)
    state.seeds.set(4)
    assert state.start_run() is True
    started = state.run_task._current_thread
    assert state.start_run() is False
    assert state.run_task._current_thread is started
    wait_until(lambda: not state.run_task.pending)
    assert state.result.value.complete and len(state.result.value.comparison.seeds) == 4


def test_invalid_input_shows_the_validation_message(session, tiny):
    from cxsim.ui import app

    state.set_base(tiny, "tiny")
    state.seeds.set(1)
    rc = render(app.WhatIfPage())
    button(rc, "cx-run").click()
    assert any("at least 2 paired seeds" in a for a in alerts(rc))
    assert not state.run_task.pending
    # an out-of-range value for any parameter, typed by key
    fields = {w.label: w for w in rc.find(v.TextField).widgets}
    fields["key, e.g. customers.need"].v_model = "process.empowerment"
    fields["value, e.g. 0.08"].v_model = "1.7"
    rc.find(v.Btn, children=["Set"]).widget.click()
    assert any("process.empowerment" in a and "1.7" in a and "allowed" in a for a in alerts(rc)), alerts(rc)
    assert state.variant.value == state.base.value


def test_invalid_upload_shows_the_validation_message_and_keeps_the_variant(session, tiny):
    from cxsim.ui import app

    state.set_base(tiny, "tiny")
    rc = render(app.FilesPage())
    area = rc.find(v.Textarea).widget
    area.v_model = 'extends = "baseline"\n[workforce]\nemployees = -5\n'
    button(rc, "cx-load-toml").click()
    msgs = alerts(rc)
    assert any("workforce.employees" in m and "Not loaded" in m for m in msgs), msgs
    assert state.variant.value == tiny
    area.v_model = "[workforce\nemployees = 5"
    button(rc, "cx-load-toml").click()
    assert any("TOML syntax error" in m for m in alerts(rc))
    assert state.load_uploaded("x.toml", b"\xff\xfe") is False and "UTF-8" in state.upload_error.value


def test_export_and_import_round_trip(session, tiny):
    state.pick_base("baseline")
    state.set_lever("supervisors.coaching", 0.85)
    state.set_lever("programs.cx_team", True)
    text = state.variant_toml()
    assert text.startswith('extends = "baseline"') and "coaching = 0.85" in text and "cx_team = true" in text
    variant = state.variant.value
    state.reset_levers()
    assert state.load_uploaded("mine.toml", text.encode()) is True
    assert state.upload_error.value == ""
    assert cxsim.scenario.diff(state.variant.value, variant) == {}
    assert state.base_source.value == "baseline"


def test_lessons_page_lists_only_present_lessons_and_loads_the_pair(session, tmp_path, monkeypatch):
    from cxsim.ui import app

    for name in ("baseline", "cx_room", "hr_led"):  # supervisor_led missing: its lesson is not listed
        (tmp_path / f"{name}.toml").write_text(
            f'extends = "{cxsim.scenario.scenarios_dir() / "baseline.toml"}"\n'
            f'name = "{name}"\n' + ("[programs]\ncx_room = true\n" if name == "cx_room" else "")
        )
    monkeypatch.setenv("CXSIM_SCENARIOS", str(tmp_path))
    present = lessons.available_lessons()
    assert [ls.b for ls in present] == ["cx_room"]
    assert len(lessons.missing_lessons()) == len(lessons.LESSONS) - 1
    rc = render(app.LessonsPage())
    assert len(rc.find(v.Btn, class_="cx-open-lesson").widgets) == 1
    state.load_pair("baseline", "cx_room")
    assert state.base.value.name == "baseline" and state.variant.value.programs.cx_room is True
    assert cxsim.scenario.diff(state.base.value, state.variant.value) == {"programs.cx_room": (False, True)}


def test_every_lesson_names_scenarios_from_the_library_plan():
    planned = {
        "supervisor_led",
        "hr_led",
        "frontline_least_engaged",
        "frontline_most_engaged",
        "incent_efficiency",
        "incent_cx",
        "programs_committed",
        "programs_uncommitted",
        "leadership_consistent",
        "leadership_mixed",
        "empowered",
        "rigid_procedures",
        "silos",
        "cx_team",
        "cx_room",
        "recruit_for_values",
        "small_business_viral_detractor",
        "budget_retention",
        "budget_acquisition",
        "promise_overpromise",
        "promise_honest",
        "voc_reality_check",
        "baseline",
        "small_business",
    }
    for ls in lessons.LESSONS:
        assert {ls.a, ls.b} <= planned and "?" in ls.question and ls.a != ls.b


def test_why_page_explains_the_last_run(session, tiny):
    from cxsim.ui import app

    state.set_base(tiny, "tiny")
    state.set_lever("supervisors.coaching", 0.9)
    state.set_lever("programs.hr_engagement", 0.0)
    state.weeks.set(4)
    state.seeds.set(2)
    rc = render(app.WhyPage())
    assert any("Run a complete what-if first" in a for a in alerts(rc))
    state.start_run()
    wait_until(lambda: not state.run_task.pending and state.result.value is not None)
    button(rc, "cx-explain").click()
    wait_until(lambda: not state.why_task.pending and state.why_result.value is not None)
    wait_until(lambda: any("cx-why-table" in h for h in html_blocks(rc)), 10)  # the page redraws after the task
    tables = [h for h in html_blocks(rc) if "cx-why-table" in h]
    assert len(tables) == 1 and "Supervisor coaching quality" in tables[0] and "shapley" in tables[0]


def mesa_button(rc, label: str):
    """A button of Mesa's ModelController, found by its label (Reset, ▶ / ❚❚, Step)."""
    return rc.find(v.Btn, children=[label]).widget


def test_live_view_steps_one_model_per_session(tiny):
    from cxsim.ui import live

    s = live.classroom_scenario("baseline")
    assert s.market.size <= live.CLASS_PEOPLE and s.workforce.employees <= live.CLASS_EMPLOYEES
    models = []
    for i in range(2):
        ctx = kernel_context.VirtualKernelContext(
            id=f"live-{i}-{time.monotonic_ns()}", kernel=kernel.Kernel(), session_id=f"s{i}"
        )
        with ctx:
            live.model.set(live.LiveModel("small_business", 3))
            rc = render(live.LivePage())
            for _ in range(i + 2):
                mesa_button(rc, "Step").click()  # Mesa's ModelController steps the session's model
            assert live.model.value.week == i + 2
            assert any(t.startswith(f"Week {i + 2} | small_business") for t in texts(rc))
            models.append(live.model.value)
            mesa_button(rc, "Reset").click()  # a new model from Mesa's ModelCreator parameters
            assert live.model.value is not models[-1] and live.model.value.week == 0
            assert any(t.startswith("Week 0 |") for t in texts(rc))
            while _OPEN:
                _OPEN.pop().close()
    assert models[0] is not models[1]
    assert models[0].week == 2 and models[1].week == 3


# ------------------------------------------------------- what a strategist reads


def test_delta_table_colours_what_is_good_for_the_firm_not_what_goes_up():
    from cxsim.comparison import verdict
    from cxsim.formatting import number
    from cxsim.ui.widgets import delta_table_frame, delta_table_html, headline_html

    table = pd.DataFrame(
        [
            # kpi, a, b, diff, ci, significant: fewer churned customers and lower cost are good news
            {
                "kpi": "churned",
                "outcome": "total",
                "a_mean": 100.0,
                "b_mean": 80.0,
                "diff": -20.0,
                "ci_low": -25.0,
                "ci_high": -15.0,
                "half_width": 5.0,
                "significant": True,
            },
            {
                "kpi": "cost_total",
                "outcome": "total",
                "a_mean": 9e6,
                "b_mean": 9.1e6,
                "diff": 1e5,
                "ci_low": 5e4,
                "ci_high": 1.5e5,
                "half_width": 5e4,
                "significant": True,
            },
            {
                "kpi": "nps",
                "outcome": "final",
                "a_mean": 6.0,
                "b_mean": 32.0,
                "diff": 26.0,
                "ci_low": 25.0,
                "ci_high": 27.0,
                "half_width": 1.0,
                "significant": True,
            },
            {
                "kpi": "delivery_gap",
                "outcome": "final",
                "a_mean": 0.18,
                "b_mean": 0.18,
                "diff": -4.92e-05,
                "ci_low": -0.000118,
                "ci_high": 1.96e-05,
                "half_width": 6.9e-05,
                "significant": False,
            },
        ]
    )
    assert [verdict(r.kpi, r.diff, r.significant) for r in table.itertuples()] == [
        "better",
        "worse",
        "better",
        "within noise",
    ]
    html = delta_table_html(table, 8)
    rows = html.split("<tbody>")[1].split("</tr>")
    assert "class='good'" in rows[0] and "class='bad'" in rows[1] and "class='good'" in rows[2]
    assert "class=''" in rows[3] and "e-0" not in html  # small numbers are written out, not 4.92e-05
    assert number(-4.92e-05) == "-0.0000492" and number(1234567.0) == "1,234,567" and number(0.5) == "0.5"
    assert list(delta_table_frame(table)["verdict for the variant"]) == ["better", "worse", "better", "within noise"]
    # a rival losing share is good news for the firm: green, and the verdict says whose loss it is
    rival = pd.DataFrame(
        [
            {**table.iloc[2].to_dict(), "kpi": "rival_share", "a_mean": 0.5, "b_mean": 0.48, "diff": -0.02},
            {**table.iloc[2].to_dict(), "kpi": "rival_nps", "a_mean": 10.0, "b_mean": 14.0, "diff": 4.0},
        ]
    )
    rows = delta_table_html(rival, 8).split("<tbody>")[1].split("</tr>")
    assert "class='good'" in rows[0] and "worse for the rival" in rows[0]
    assert "class='bad'" in rows[1] and "better for the rival" in rows[1]
    assert list(delta_table_frame(rival)["verdict for the variant"]) == ["worse for the rival", "better for the rival"]
    line = headline_html(table, "supervisor_led", "hr_led", 8, 104)
    assert "After 104 weeks" in line and "supervisor_led" in line and "NPS +26" in line and "[25, 27]" in line


def test_the_variant_can_be_another_shipped_scenario(session):
    from cxsim.ui import app

    rc = render(app.WhatIfPage())
    state.pick_base("hr_led")
    state.pick_variant("supervisor_led")
    assert state.variant_source.value == "supervisor_led"
    assert set(cxsim.scenario.diff(state.base.value, state.variant.value)) == {
        "supervisors.coaching",
        "programs.hr_engagement",
    }
    changes = [h for h in html_blocks(rc) if "cx-changes" in h]
    assert changes and "supervisors.coaching" in changes[0] and "0.8" in changes[0]
    # moving a lever keeps the scenario as the starting point; a new base starts over from the base
    state.set_lever("supervisors.attention", 0.9)
    assert state.variant.value.supervisors.coaching == 0.8 and state.variant.value.supervisors.attention == 0.9
    state.pick_base("baseline")
    assert state.variant.value == state.base.value and state.variant_source.value == state.LEVERS_ONLY
    state.pick_variant("cx_team")
    state.pick_variant(state.LEVERS_ONLY)
    assert state.variant.value == state.base.value


def test_file_chooser_upload_loads_a_valid_file_and_reports_an_invalid_one(session, tiny):
    from cxsim.ui import app

    state.set_base(tiny, "tiny")
    rc = render(app.FilesPage())
    app._on_upload(({"name": "mine.toml", "content": memoryview(b'extends = "hr_led"\nname = "mine"\n')},))
    assert state.variant.value.name == "mine" and state.base_source.value == "hr_led"
    assert state.variant_source.value == "uploaded: mine.toml"
    app._on_upload(({"name": "bad.toml", "content": memoryview(b"[supervisors]\ncoaching = 3\n")},))
    assert any("bad.toml" in a and "supervisors.coaching" in a for a in alerts(rc)), alerts(rc)
    assert state.variant.value.name == "mine"
    previews = [h for h in html_blocks(rc) if "name = &quot;mine&quot;" in h]
    assert previews, "the variant file preview is missing"


def test_why_page_names_levers_by_what_changed(session, tiny):
    from cxsim.ui import app

    assert app.lever_change_label("supervisors.coaching", 0.2, 0.8) == "Supervisor coaching quality\n0.2 -> 0.8"
    assert app.lever_change_label("programs.cx_team", False, True).endswith("off -> on")
    assert set(app.METHODS.values()) == {"auto", "shapley", "one_at_a_time"}


def test_live_view_resets_to_the_scenario_and_seed_picked(session):
    from cxsim.ui import live

    live.model.set(live.LiveModel("small_business", 0))
    rc = render(live.LivePage())
    mesa_button(rc, "Step").click()
    assert live.model.value.week == 1
    # Mesa's ModelCreator: the scenario menu and the seed field feed the next Reset
    seed = rc.find(v.TextField, label="Seed").widget
    seed.v_model = "5"
    seed.fire_event("focusout", None)  # the field commits its text when it loses focus (the click on Reset)
    rc.find(v.Select, label="Scenario").widget.v_model = "baseline"
    assert live.model.value.week == 1, "a new scenario or seed waits for Reset"
    mesa_button(rc, "Reset").click()
    m = live.model.value
    assert (m.scenario_name, m.seed_value, m.week) == ("baseline", 5, 0)
    assert any(t.startswith("Week 0 | baseline") and "seed 5" in t for t in texts(rc))
    # team grid, engagement, word of mouth; market, NPS and reputation, NPS mix
    assert len(rc.find(ipywidgets.Image).widgets) == 6
    seed.v_model = "abc"
    seed.fire_event("focusout", None)
    mesa_button(rc, "Reset").click()
    assert live.model.value.seed_value == 0
    assert any("is not a whole number" in a for a in alerts(rc))


def test_live_model_stops_running_when_bankrupt(tiny):
    from cxsim.ui import live

    m = live.LiveModel("small_business", 1)
    assert m.running and live.parse_seed(" 7 ") == 7 and live.parse_seed("x") is None and live.parse_seed(-1) is None
    m.focal.cash = -1e12  # no week's profit covers this: the focal firm goes bankrupt this week
    m.step()
    assert m.bankrupt and not m.running  # Mesa's ModelController greys out Play and Step


# ------------------------------------------------------------- the open market


def test_classroom_size_shrinks_every_firm_alike():
    from cxsim.ui import live

    full = cxsim.load_scenario("baseline")
    s = live.classroom_scenario("baseline")
    factor = s.market.size / full.market.size
    for mine, theirs in ((s, full), (s.rivals["rival"], full.rivals["rival"])):
        assert mine.workforce.employees == round(theirs.workforce.employees * factor)
        assert mine.finance.fixed_cost == pytest.approx(theirs.finance.fixed_cost * factor)
        assert mine.leadership.marketing_spend == pytest.approx(theirs.leadership.marketing_spend * factor)
    assert s.rivals["rival"].initial_share == full.rivals["rival"].initial_share


def test_team_grid_shows_vacant_seats_and_the_front_line():
    from cxsim.ui import charts

    team = np.repeat(np.arange(6), 4)  # six teams of four seats; the last two teams are kept for growth
    active = np.zeros(24, bool)
    active[:16] = True
    active[[2, 9]] = False  # two quits: vacant seats inside the teams
    front = np.zeros(24, bool)
    front[[0, 1, 2, 5]] = True  # seat 2's employee faced customers before quitting
    fig = charts.team_grid(np.linspace(0, 1, 24), team, active, front, 0.6, hires_coming=3)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["team 1", "team 2", "team 3", "team 4"]
    outlines, vacancies = (c.get_offsets().tolist() for c in ax.collections[:2])
    assert outlines == [[0, 0], [1, 0], [1, 1]]  # (seat within the team, team): the front line now
    assert vacancies == [[2, 0], [1, 2]]
    assert "14 employees" in ax.get_title() and "2 now; 3 hires on the way" in ax.get_xlabel()


def test_live_market_panel_counts_every_person_once(session):
    from cxsim.kernels.flags import NO_FIRM
    from cxsim.ui import charts, live

    m = live.LiveModel("baseline", 2)
    for _ in range(6):
        m.step()
    snap = m.snapshot()
    ts, people = snap["ts"], m.params.market.size
    last = ts.iloc[-1]
    # the chart's "nobody" band is what no firm's customers leave of the market
    assert people - last["customers"] - last["rival_customers"] == int((m.market.firm == NO_FIRM).sum())
    assert (snap["front"] <= snap["active"]).all() and snap["front"].sum() > 0
    fig = charts.market_mix(ts, m.rivals, people)
    ax = fig.axes[0]
    assert len(ax.collections) == 3 and "our market share now" in ax.get_title()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "nobody's",
        "rival's customers",
        "our firm's customers",
    ]
    # each firm's NPS (solid) and reputation NPS (dashed), with its value now
    race = charts.nps_race(ts, m.rivals).axes[0]
    assert [line.get_linestyle() for line in race.get_lines()[:4]] == ["-", "--", "-", "--"]
    labels = [t.get_text() for t in race.get_legend().get_texts()]
    assert (
        labels[0] == f"our firm: NPS {last['nps']:+.0f}"
        and labels[3] == f"rival: reputation {last['rival_reputation']:+.0f}"
    )
    rc = render(live.LivePage())
    live.model.set(m)
    status = next(t for t in texts(rc) if t.startswith("Week 6 |"))
    assert "market share" in status and "reputation" in status and "rival: 50" in status


def test_lever_groups_offer_the_new_levers_and_the_rivals(tiny):
    from cxsim.ui import levers as lv

    groups = {title: [x.key for x in items] for title, _, items in lv.grouped_levers(["rival"])}
    focal = {k for title, keys in groups.items() if not title.startswith("Rival") for k in keys}
    new = {"pricing.price", "leadership.winback_spend", "staffing.target_utilisation", "management.policy"}
    assert new | {"workforce.wage"} <= focal
    assert groups["Rival: rival"] == [f"rivals.rival.{k}" for k in lv.RIVAL_LEVERS]
    assert "rivals.rival.process.empowerment" in groups["Rival: rival"]
    assert not any(t.startswith("Rival") for t, _, _ in lv.grouped_levers())
    # a rival's lever: the range and meaning of the rival's own section, named after the rival
    price = lv.lever("rivals.rival.pricing.price")
    assert (price.kind, price.lo, price.unit, price.label) == (
        "number",
        0.01,
        "$/purchase",
        "rival: Price ($/purchase)",
    )
    empowerment = lv.lever("rivals.rival.process.empowerment")
    assert (empowerment.kind, empowerment.lo, empowerment.hi) == ("slider", 0.0, 1.0) and empowerment.doc
    assert lv.lever("staffing.target_utilisation").kind == "slider"
    assert lv.lever("management.policy").choices == ("hold_course", "cut_costs")
    assert lv.label("rivals.rival.customers.need") == "rival: customers.need"
    for bad in ("rivals.rival.market.size", "rivals.rival.process.nope", "market.nope", "name.x"):
        with pytest.raises(KeyError):
            lv.lever(bad)
    # every grouped lever is a key of the scenario, and its control's range holds the scenario's value
    for _, _, items in lv.grouped_levers(["rival"]):
        for item in items:
            value = tiny.get(item.key)
            if item.kind in ("slider", "number", "integer"):
                assert (item.lo is None or item.lo <= value) and (item.hi is None or value <= item.hi), item.key
            if item.kind == "choice":
                assert value in item.choices


def test_what_if_our_rival_fixed_its_service_is_one_lever_away(session, tiny):
    from cxsim.ui import app

    state.set_base(tiny, "tiny")
    rc = render(app.WhatIfPage())
    assert any("Rival: rival" in t for t in texts(rc)), "the rival's lever group is missing"
    assert state.set_lever("rivals.rival.process.empowerment", 0.9) == ""
    assert state.variant.value.rivals["rival"].process.empowerment == 0.9
    assert state.variant.value.process.empowerment == tiny.process.empowerment  # our firm is untouched
    changes = next(h for h in html_blocks(rc) if "cx-changes" in h)
    assert "rival: Empowerment" in changes and "rivals.rival.process.empowerment" in changes
    assert any("Rival: rival (1 changed)" in t for t in texts(rc))
    assert "out of range" in state.set_lever("rivals.rival.process.empowerment", 1.5)


def test_rival_rows_of_the_table_are_final_week_levels():
    # a run's outcome of a rival's column is its final week (metrics.outcome_kind declares no rival flows),
    # so only levels may be tabled for a rival
    from cxsim.metrics import find, outcome_kind

    for key in analysis.RIVAL_TABLE_KEYS:
        assert find(f"rival_{key}").kind == "final" == outcome_kind(f"rival_{key}")
    assert {"nps", "reputation", "share", "lost_to_rivals", "won_from_rivals"} <= set(analysis.TABLE_KPIS)
    assert len(analysis.TABLE_KPIS) == len(set(analysis.TABLE_KPIS))


def test_why_page_can_explain_the_rivals_share(session, tiny):
    from cxsim.ui import app

    state.set_base(tiny, "tiny")
    state.set_lever("rivals.rival.supervisors.coaching", 0.9)
    state.weeks.set(4)
    state.seeds.set(2)
    state.start_run()
    wait_until(lambda: not state.run_task.pending and state.result.value is not None)
    rc = render(app.WhyPage())
    choices = rc.find(v.Select, label="KPI to explain").widget.items
    assert "Market share (rival) (share)" in choices and "Reputation NPS (points)" in choices
    state.why_kpi.set("rival_share")
    button(rc, "cx-explain").click()
    wait_until(lambda: not state.why_task.pending and state.why_result.value is not None)
    wait_until(lambda: any("cx-why-table" in h for h in html_blocks(rc)), 10)
    table = next(h for h in html_blocks(rc) if "cx-why-table" in h)
    assert "Market share (rival)" in table and "rival: Supervisor coaching quality" in table


# ------------------------------------------------------- what-if over a fitted firm's posterior


@pytest.fixture(scope="module")
def tiny_posterior(tmp_path_factory):
    """The folder of a tiny fit (1,000 people, 30 simulations), as `cxsim fit --out` writes it."""
    from cxsim.fit import Runner, profile_from_dict, run_abc, summarise, write

    profile = profile_from_dict(
        {
            "scenario": "baseline",
            "targets": {"nps": {"value": 20, "sd": 5}, "annual_churn": {"value": 0.2, "sd": 0.03}},
            "free": {"churn.base_hazard": [0.001, 0.01], "engagement.supervisor_weight": [0.5, 1.5]},
            "fit": {
                "people": 1000,
                "burn_in": 13,
                "window": 13,
                "population": 10,
                "max_simulations": 30,
                "check_seeds": 2,
            },
        }
    )
    out = tmp_path_factory.mktemp("fit") / "out"
    write(summarise(run_abc(profile, Runner(1))), out)
    return out


def _lesson_pair():
    """hr_led vs supervisor_led (a lesson's pair, by name) shrunk to 1,500 people."""
    a, b = (cxsim.load_scenario(n) for n in ("hr_led", "supervisor_led"))
    return a.scale(1500 / a.market.size), b.scale(1500 / b.market.size)


def test_the_posterior_field_says_what_is_wrong_with_a_folder_and_what_a_fit_is(session, tmp_path, tiny_posterior):
    from cxsim.ui import app

    rc = render(app.WhatIfPage())
    assert button(rc, "cx-run-posterior").disabled  # nothing to run over yet
    field = rc.find(v.TextField, label="Posterior of a fitted firm: the --out folder of cxsim fit").widget

    def enter(text: str) -> None:
        field.v_model = text
        field.fire_event("focusout", None)  # the field commits its text when it loses focus (or on Enter)

    enter(str(tmp_path / "nope"))
    assert any(f"{tmp_path / 'nope'}: no such folder" in a for a in alerts(rc)), alerts(rc)
    assert state.posterior.value is None and button(rc, "cx-run-posterior").disabled
    enter(str(tmp_path))
    assert any("no posterior.parquet in it" in a for a in alerts(rc)), alerts(rc)
    assert not any("--posterior" in a for a in alerts(rc))  # the page has no such option
    enter(str(tiny_posterior))
    info = rc.find(v.Alert, class_="cx-posterior-info").widget
    text = " ".join(str(c) for c in info.children)
    assert text.startswith("2 unknowns, fitted ") and "by cxsim" in text and text.endswith(f"from {tiny_posterior}")
    assert not rc.find(v.Alert, class_="cx-posterior-error").widgets
    assert not button(rc, "cx-run-posterior").disabled
    enter("")
    assert state.posterior.value is None and state.posterior_info.value == ""


def test_a_lesson_over_the_posterior_shows_the_table_and_how_much_of_the_posterior_it_holds_in(session, tiny_posterior):
    from cxsim.ui import app

    a, b = _lesson_pair()
    state.set_base(a, "hr_led")
    state.variant.set(b)
    rc = render(app.WhatIfPage())
    assert state.set_posterior_path(str(tiny_posterior)) is True
    state.weeks.set(4)
    state.draws.set(2)
    state.draw_seeds.set(2)
    button(rc, "cx-run-posterior").click()
    assert button(rc, "cx-run-posterior").disabled  # while running, it cannot be pressed again
    assert state.start_posterior_run() is False
    wait_until(lambda: state.posterior_result.value is not None and not state.posterior_task.pending)
    wait_until(lambda: any("cx-posterior-table" in h for h in html_blocks(rc)), 10)
    c = state.posterior_result.value
    assert (len(c.draws), c.seeds, c.steps) == (2, [0, 1], 4)
    table = next(h for h in html_blocks(rc) if "cx-posterior-table" in h)
    for text in ("NPS (points)", "90% of draws between", "draws agreeing on the sign", "draws beyond noise"):
        assert text in table, text
    assert "over 2 draws of the fitted firm's unknowns x 2 paired seeds" in table
    assert "The rival: rival" in table and "Market share (rival)" in table
    row = c.table.set_index("kpi").loc["nps"]
    from cxsim.formatting import number, signed

    assert f"<b>{signed(row['diff'], 'nps')}</b>" in table
    assert f"[{number(row['lo90'], 'nps')}, {number(row['hi90'], 'nps')}]" in table
    lesson = next(h for h in html_blocks(rc) if "cx-lesson-verdict" in h)
    share, direction = c.lesson_share, c.lesson_direction_share
    assert (
        f"Lesson 'Supervisors coach, or HR runs a program': holds in {100 * share:.0f}% of the posterior "
        f"(beyond noise); its direction in {100 * direction:.0f}%"
    ) in lesson
    assert "done: 2 posterior draws x 2 paired seeds x 4 weeks" in texts(rc)
    # the ordinary what-if is untouched: no result, its Run free
    assert state.result.value is None and not button(rc, "cx-run").disabled
    # a moved lever makes the answer stale
    state.set_lever("supervisors.attention", 0.9)
    assert any("changed since this run" in a for a in alerts(rc))


def test_a_run_over_the_posterior_can_be_stopped_and_checks_its_settings(session, tiny, tiny_posterior):
    state.set_base(tiny, "tiny")
    state.set_lever("supervisors.coaching", 0.9)
    state.draws.set(1)
    assert state.start_posterior_run() is False and "draws" not in state.posterior_run_error.value
    assert "type the folder of a fit" in state.posterior_run_error.value
    state.set_posterior_path(str(tiny_posterior))
    assert state.start_posterior_run() is False and "draws must be between 2" in state.posterior_run_error.value
    state.draws.set(4)
    state.draw_seeds.set(1)
    assert state.start_posterior_run() is False and "seeds per draw" in state.posterior_run_error.value
    state.draw_seeds.set(2)
    state.weeks.set(30)
    assert state.start_posterior_run() is True
    wait_until(lambda: state.posterior_progress.value > 0)
    state.stop_posterior_run()
    wait_until(lambda: not state.posterior_task.pending)
    assert state.posterior_status.value.startswith("stopped") and state.posterior_result.value is None
    assert state.posterior_run_error.value == ""


def test_the_lesson_sentence_names_what_the_answer_depends_on_when_it_is_not_robust(tiny):
    from cxsim.fit.posterior import Posterior
    from cxsim.fit.whatif import PosteriorComparison, _summary
    from cxsim.lessons import LESSONS
    from cxsim.ui.widgets import posterior_lesson_html

    lesson = next(le for le in LESSONS if le.kpi == "mean_engagement" and le.expect == 1)
    draws = [
        {"engagement.supervisor_weight": w, "churn.base_hazard": h} for w, h in [(0.6, 3), (0.8, 1), (1.2, 4), (1.4, 2)]
    ]
    # the difference grows with the supervisor weight: beyond noise in the two draws with the larger weights
    per_draw = pd.DataFrame(
        [
            {"draw": i, "kpi": "mean_engagement", "a_mean": 0.5, "b_mean": 0.5 + d, "diff": d, "half_width": 0.01}
            for i, d in enumerate([-0.005, 0.004, 0.02, 0.03])
        ]
    )
    post = Posterior(Path("/fit"), pd.DataFrame(draws).assign(weight=1.0), list(draws[0]), tiny, "0.1.0")
    c = PosteriorComparison(
        tiny, tiny, 4, draws, [0, 1], per_draw, _summary(per_draw, ["mean_engagement"]), lesson, post
    )
    text = posterior_lesson_html(c)
    assert f"Lesson '{lesson.title}': holds in 50% of the posterior (beyond noise); its direction in 75%" in text
    assert "Its size depends most on: <code>engagement.supervisor_weight</code> (rank correlation +1.00)" in text
    assert "class='cx-lesson-verdict split'" in text
    assert posterior_lesson_html(PosteriorComparison(tiny, tiny, 4, draws, [0, 1], per_draw, c.table, None, post)) == ""


def test_waterfall_zooms_on_small_steps_and_says_so():
    """A $1.37M profit moved by -$29k and +$11k: bars from zero would hide the steps, so the axis spans them and
    its label says it does not start at zero; steps as large as the totals keep the axis from zero."""
    import pandas as pd

    from cxsim.ui import charts

    small = pd.DataFrame(
        {"lever": ["a", "b"], "contribution": [-29e3, 11e3], "ci_low": [-30e3, 10e3], "ci_high": [-28e3, 12e3]}
    )
    ax = charts.waterfall(1.37e6, 1.352e6, small, {}, "profit", ("kept", "played")).axes[0]
    bottom, top = ax.get_ylim()
    assert 1.2e6 < bottom < 1.33e6 and 1.37e6 < top < 1.45e6
    assert "does not start at 0" in ax.get_ylabel()
    large = small.assign(contribution=[-600e3, 200e3], ci_low=[-610e3, 190e3], ci_high=[-590e3, 210e3])
    ax = charts.waterfall(1.37e6, 0.97e6, large, {}, "profit", ("kept", "played")).axes[0]
    assert ax.get_ylim()[0] <= 0 and "does not start" not in ax.get_ylabel()
