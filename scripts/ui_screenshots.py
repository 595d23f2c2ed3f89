"""Walk the what-if studio as a first-time strategist would, time it, and save docs/ui-*.png.

    .venv/bin/python scripts/ui_screenshots.py [--out docs] [--seeds 8] [--skip-why] [--only-live]

Starts `cxsim ui` on a free loopback port with the shipped scenarios and asks the question of
the README: "what if our supervisors coached instead of HR?". On the What-if page it picks the
baseline ``hr_led`` and the variant ``supervisor_led``, presses Run with the default settings
(8 paired seeds, 104 weeks) and waits for the answer: fan charts with 10-90% bands and the
delta table with 95% CIs. Prints the seconds from opening the page to the first chart and
table (over the first 2 seeds) and to the complete answer. Then explains the difference on
the Why page, plays the live classroom, opens the Lessons and Files pages, and screenshots
every page into ``--out`` (palette PNGs, a few hundred KB at most). Any failed request (an
asset from a CDN, say) is printed. Needs Debian chromium (scripts/setup_browser.sh).
"""

from __future__ import annotations

import argparse
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
WIDTH = 1400


def save(page, path: Path, full_page: bool = True) -> None:
    """Screenshot, then reduce to a 256-colour palette: UI screenshots stay sharp and small."""
    from PIL import Image

    page.screenshot(path=str(path), full_page=full_page)
    img = Image.open(path).convert("RGB")
    img.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)
    print(f"  {path.name}: {path.stat().st_size / 1024:.0f} KB")


def fit_height(page, least: int, most: int = 4000) -> None:
    """Make the window as tall as the page's content (at least ``least``, at most ``most`` pixels).

    The app scrolls inside its own frame, so a full-page screenshot is only the window: a window as
    tall as the content shows all of it (the what-if answer grew with the rivals' rows and charts).
    """
    tallest = page.evaluate("Math.max(...Array.from(document.querySelectorAll('*'), e => e.scrollHeight))")
    page.set_viewport_size({"width": WIDTH, "height": max(least, min(most, int(tallest) + 150))})
    page.wait_for_timeout(1500)


def pick(page, css_class: str, option: str) -> None:
    """Choose ``option`` in the Vuetify select that carries ``css_class``."""
    # typed, as a user can: the menu's long list is virtual, so a far option is not in the page to click;
    # a busy machine may open the menu late and lose the keys, so try again
    for attempt in range(4):
        page.locator(f".{css_class}").click()
        try:
            # a page still drawing (a busy server) may swallow the click: the menu never opens
            page.get_by_role("listbox").first.wait_for(timeout=15_000)
            page.wait_for_timeout(300)
            page.keyboard.type(option, delay=30)
            page.keyboard.press("Enter")
            page.locator(f".{css_class}").get_by_text(option, exact=True).wait_for(timeout=10_000)
            break
        except Exception:  # noqa: BLE001 - playwright's TimeoutError; the last attempt raises
            page.keyboard.press("Escape")
            if attempt == 3:
                raise
    # the page redraws after a pick: wait for it, or the next click lands on a menu that is replaced
    page.wait_for_timeout(500)


def live(page, out: Path) -> None:
    """Play the live classroom (Mesa's ModelController: ▶ / ❚❚) to week 20 or so, print the pace, screenshot."""
    page.set_viewport_size({"width": WIDTH, "height": 1250})
    status = page.locator(".cx-live-status")
    status.wait_for()
    start = time.perf_counter()
    page.get_by_role("button", name="▶").click()
    page.get_by_text(re.compile(r"^Week (2[0-9]|[3-9]\d) \|")).wait_for()
    page.get_by_role("button", name="❚❚").click()
    page.get_by_role("button", name="▶").wait_for()
    weeks = int(status.inner_text().split("|")[0].split()[1])
    print(f"live classroom: {weeks} weeks played in {time.perf_counter() - start:.1f} s (one frame per week)")
    page.wait_for_timeout(2500)  # the last weeks drawn
    fit_height(page, 1250)
    save(page, out / "ui-live.png")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / "docs"))
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--skip-why", action="store_true")
    ap.add_argument("--only-live", action="store_true", help="only the live classroom screenshot")
    opts = ap.parse_args()
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = Path(sys.executable).with_name("cxsim")
    proc = subprocess.Popen([str(exe), "ui", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url, timeout=5)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
            page = browser.new_page(viewport={"width": WIDTH, "height": 900})
            page.set_default_timeout(600_000)
            failed: list[str] = []
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)

            if opts.only_live:
                page.goto(url + "/live")
                live(page, out)
                browser.close()
                print("failed requests:", failed or "none")
                return
            t0 = time.perf_counter()
            page.goto(url + "/")
            page.locator(".cx-variant-pick").wait_for()
            pick(page, "cx-base-pick", "hr_led")
            pick(page, "cx-variant-pick", "supervisor_led")
            page.locator("table.cx-changes").wait_for()
            if opts.seeds != 8:
                box = page.get_by_label("Seeds (paired)")
                box.fill(str(opts.seeds))
                box.press("Enter")
                page.wait_for_timeout(300)
            page.locator(".cx-run").click()
            t_click = time.perf_counter()
            page.locator("table.cx-delta-table").wait_for()
            page.locator("img").first.wait_for()
            t_first = time.perf_counter()
            page.get_by_text(re.compile(r"^done: ")).wait_for()
            t_done = time.perf_counter()
            print(f"open what-if -> Run clicked (scenarios picked): {t_click - t0:.1f} s")
            print(f"open what-if -> first fan charts with bands + delta table (2 seeds): {t_first - t0:.1f} s")
            print(f"open what-if -> complete answer ({opts.seeds} seeds, 104 weeks): {t_done - t0:.1f} s")
            fit_height(page, 1900)
            save(page, out / "ui-whatif.png")

            if not opts.skip_why:
                page.set_viewport_size({"width": WIDTH, "height": 1000})
                page.get_by_role("tab", name="Why").click()
                page.locator(".cx-explain").click()
                page.locator("table.cx-why-table").wait_for()
                page.wait_for_timeout(1000)
                save(page, out / "ui-why.png")

            page.get_by_role("tab", name="Live classroom").click()
            live(page, out)

            page.set_viewport_size({"width": WIDTH, "height": 1000})
            page.get_by_role("tab", name="Lessons").click()
            page.locator(".cx-question").first.wait_for()
            page.wait_for_timeout(1000)
            save(page, out / "ui-lessons.png", full_page=False)

            page.get_by_role("tab", name="Files").click()
            page.get_by_text("Export and import").wait_for()
            page.wait_for_timeout(1000)
            save(page, out / "ui-files.png", full_page=False)
            browser.close()
            print("failed requests:", failed or "none")
    finally:
        proc.terminate()
        proc.wait(20)


if __name__ == "__main__":
    main()
