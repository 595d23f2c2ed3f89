"""End to end: a classroom game played in headless Chromium (Debian's) against `cxsim ui` as a subprocess.

One teacher and three teams, each in its own browser context (its own session, as four laptops):
the teacher creates a 3-round game in the ``classroom`` market, the teams join with their codes and
submit different decisions, one team tries to spend over its budget and is refused, the teacher runs
the rounds and the teams see each new round without reloading, a team reloads and is back in its
firm, and after round 3 the debrief shows and the export downloads. No request may fail (no CDN is
reachable here). Screenshots go to test-artifacts/ui-game/.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from tests.conftest import CHROMIUM, free_port

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "ui-game"
TEAMS = ("Otters", "Falcons", "Badgers")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`cxsim ui` on 127.0.0.1 with its own games folder; stopped after the module."""
    if CHROMIUM is None:
        pytest.skip("Debian chromium is not installed (scripts/setup_browser.sh installs it)")
    games = tmp_path_factory.mktemp("games")
    port = free_port()
    exe = Path(sys.executable).with_name("cxsim")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "cxsim.cli"]
    log = open(tmp_path_factory.mktemp("log") / "server.log", "w+")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [*cmd, "ui", "--host", "127.0.0.1", "--port", str(port), "--games", str(games)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 300  # the first start may fetch the page assets with npm
    while True:
        try:
            with urllib.request.urlopen(url + "/", timeout=5) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            log.seek(0)
            proc.kill()
            pytest.fail(f"cxsim ui did not start:\n{log.read()[-3000:]}")
        time.sleep(0.5)
    yield url, games, log
    proc.terminate()  # cxsim ui exec's the server, so this pid is the server itself
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


class Player:
    """One laptop: a browser context of its own (its own Solara session), recording failed requests."""

    def __init__(self, browser, url: str, name: str, width: int = 1500, height: int = 1000):
        self.name = name
        self.context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
        self.page = self.context.new_page()
        self.url = url
        self.failures: list[str] = []
        self.page.on("requestfailed", lambda r: self.failures.append(f"failed {r.url}: {r.failure}"))
        self.page.on("response", lambda r: self.failures.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        self.page.set_default_timeout(60_000)

    def text(self, text: str | re.Pattern, timeout: float = 60_000):
        self.page.get_by_text(text).first.wait_for(timeout=timeout)

    def shot(self, name: str, height: int | None = None) -> Path:
        """A screenshot; ``height`` makes the window that tall first (the app scrolls inside its own frame, so a
        full-page screenshot alone stops at the window's height)."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        size = self.page.viewport_size
        if height:
            self.page.set_viewport_size({"width": size["width"], "height": height})
            self.page.wait_for_timeout(500)
        self.page.screenshot(path=str(path), full_page=True)
        if height:
            self.page.set_viewport_size(size)
        return path

    def slider(self, key: str):
        return self.page.locator(".cx-lever-" + key.replace(".", "-").replace("_", "-")).get_by_role("slider")

    def close(self) -> None:
        self.context.close()


def test_one_teacher_and_three_teams_play_three_rounds(server, browser):
    url, games, log = server
    teacher = Player(browser, url, "teacher", width=1500, height=1100)
    teams: list[Player] = []
    try:
        # ---- the teacher creates the game
        page = teacher.page
        page.goto(url + "/game")
        teacher.text("New game")
        # 8-week rounds: the test plays 24 weeks of a 30,000-person market on a shared 2-core machine
        for label, value in (("Teams (2-10)", "3"), ("Rounds", "3"), ("Weeks per round", "8")):
            box = page.get_by_label(label, exact=True)
            box.fill(value)
        page.get_by_label("Team names, one per line (optional; default Team 1, Team 2 ...)").fill("\n".join(TEAMS))
        page.wait_for_timeout(300)
        page.locator(".cx-create-game").click()
        page.locator(".cx-codes").wait_for(timeout=120_000)
        teacher.text("round 1 of 3: decisions open")
        codes = [c.strip() for c in page.locator(".cx-codes td.cx-code").all_inner_texts()]
        assert len(codes) == 3 and all(re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}", c) for c in codes)
        assert f"{url}/play?code={codes[0]}" in page.locator(".cx-codes").inner_text()
        teacher.text("0 of 3 teams submitted for round 1")
        teacher.shot("teacher-new-game")

        # ---- three teams join, each from its own browser
        for name, code in zip(TEAMS, codes, strict=True):
            team = Player(browser, url, name, width=1400, height=1000)
            teams.append(team)
            team.page.goto(url + "/play")
            team.text("Join your team")
            team.page.get_by_label("Your team's join code").fill(code.lower())  # as a student may type it
            team.page.locator(".cx-join").click()
            team.page.locator(".cx-team-name", has_text=name).wait_for()
            team.text("round 1 of 3: decisions open")
            assert f"code={code}" in team.page.url  # a reload will rejoin
            assert "Budget left" in team.page.locator(".cx-budget").inner_text()
        otters, falcons, badgers = teams

        # Otters set up a central CX team
        otters.page.get_by_label(re.compile(r"^Central CX team")).check()
        otters.text(re.compile(r"Central CX team: on"))
        otters.page.locator(".cx-submit").click()
        otters.text("Submitted for round 1")
        # Falcons cut their price to the bottom of the range
        price = falcons.slider("pricing.price")
        price.focus()
        price.press("Home")
        falcons.text(re.compile(r"Price \(\$/purchase\): \$150"))
        falcons.page.locator(".cx-submit").click()
        falcons.text("Submitted for round 1")
        # Badgers want to triple their marketing: over budget, shown live, and refused on Submit
        marketing = badgers.slider("leadership.marketing_spend")
        marketing.focus()
        marketing.press("End")
        badgers.page.locator(".cx-budget.over").wait_for()
        badgers.page.locator(".cx-submit").click()
        refusal = badgers.page.locator(".cx-game-error")
        refusal.wait_for()
        assert refusal.inner_text().startswith("over budget: these levers cost $")
        badgers.shot("team-over-budget")
        badgers.page.locator(".cx-reset-draft").click()
        badgers.page.locator(".cx-budget.over").wait_for(state="detached")
        coaching = badgers.slider("supervisors.coaching")
        coaching.focus()
        for _ in range(30):
            coaching.press("ArrowRight")
        badgers.text(re.compile(r"Supervisor coaching quality: 0\.70"))
        badgers.page.locator(".cx-submit").click()
        badgers.text("Submitted for round 1")
        assert badgers.page.locator(".cx-game-error").count() == 0

        # ---- the teacher sees every submission (no reload) and runs round 1
        teacher.text("3 of 3 teams submitted for round 1")
        page.locator(".cx-advance").click()
        teacher.text("round 2 of 3: decisions open", timeout=120_000)
        for team in teams:  # each team's page moves on by itself
            team.text("round 2 of 3: decisions open")
            team.text("Results after round 1")
        assert "$150" in falcons.page.locator(".cx-public").inner_text()  # the public sees the Falcons' price
        assert "Central CX team" in otters.page.locator(".cx-decisions").inner_text()

        # ---- a team reloads (or loses its connection) and is back in its firm
        falcons.page.reload()
        falcons.page.locator(".cx-team-name", has_text="Falcons").wait_for()
        falcons.text("round 2 of 3: decisions open")
        falcons.text("Results after round 1")

        # ---- round 2: only the Otters submit (more training); the teacher runs it anyway
        training = otters.slider("programs.training_budget")
        training.focus()
        for _ in range(20):
            training.press("ArrowRight")
        otters.text(re.compile(r"Training \(\$/employee/week\): \$20"))
        otters.page.locator(".cx-submit").click()
        otters.text("Submitted for round 2")
        teacher.text("1 of 3 teams submitted for round 2")
        page.locator(".cx-advance-force").click()
        teacher.text("round 3 of 3: decisions open", timeout=120_000)
        teacher.text("Every team after round 2")
        teacher.shot("teacher", height=2000)

        # ---- round 3: everyone submits, the last round runs, the game is finished
        for team in teams:
            team.text("round 3 of 3: decisions open")
            team.page.locator(".cx-submit").click()
            team.text("Submitted for round 3")
        otters.page.wait_for_timeout(500)
        otters.shot("team", height=1900)
        teacher.text("3 of 3 teams submitted for round 3")
        page.locator(".cx-advance").click()
        teacher.text("finished: all 3 rounds played", timeout=120_000)
        for team in teams:
            team.page.locator(".cx-game-over").wait_for()
            assert team.page.locator(".cx-submit").count() == 0

        # ---- the debrief
        # the leaderboard needs no replay and shows at once; each team's counterfactual and "why" follow
        page.locator(".cx-leaderboard").wait_for()
        assert all(n in page.locator(".cx-leaderboard").inner_text() for n in TEAMS)
        download = page.get_by_role("button", name="Download everything (zip)")
        download.wait_for(timeout=400_000)  # the whole debrief is done
        own = page.locator(".cx-own-doing").inner_text()
        assert "What each team's own decisions did" in own and "replaying" not in own
        teacher.text("Otters: its trajectory, its counterfactual and why")
        page.locator(".cx-debrief-why img").wait_for()
        page.wait_for_timeout(500)
        teacher.shot("debrief", height=3000)
        page.locator(".cx-score").get_by_role("button", name="profit").click()
        teacher.text("Leaderboard by profit")

        # ---- export: the zip holds the report, the data and the market
        with page.expect_download(timeout=120_000) as dl:
            download.click()
        files = zipfile.ZipFile(io.BytesIO(Path(dl.value.path()).read_bytes())).namelist()
        assert {"report.html", "decisions.csv", "kpis.parquet", "scenario.toml", "leaderboard.csv"} <= set(files)
        # the game is on disk where --games said, so a restarted server resumes it
        assert len(list(games.glob("*/game.json"))) == 1
    finally:
        failures = [f for p in (teacher, *teams) for f in p.failures]
        for p in (teacher, *teams):
            p.close()
    assert failures == [], "requests failed (an asset the server does not have?)"
