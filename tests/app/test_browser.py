"""The app in a real browser: headless Chromium (Debian package) driven by Playwright.

Starts ``streamlit run`` on a free port, uploads the bundled sample as the runner's own clip,
waits for the result and checks that findings and plots are on the page. With
``POSTURE_SCREENSHOTS=docs`` (``make screenshots``) it saves the README's screenshots.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

import pytest

from tests.support.app_server import free_port, running
from tests.support.paths import ROOT

CHROMIUM = "/usr/bin/chromium"
# Screenshots go to docs/screenshots only when asked (make screenshots), so that a test run
# never rewrites tracked files; otherwise to a temporary folder.
SHOTS_TO_DOCS = os.environ.get("POSTURE_SCREENSHOTS") == "docs"
SHOTS = ROOT / "docs" / "screenshots" if SHOTS_TO_DOCS else Path(tempfile.gettempdir()) / (
    "posture-screenshots")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", "--disable-sync"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sample() -> Path:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    sys.path.insert(0, str(ROOT / "app"))
    import ui_core

    s = ui_core.default_sample()
    if s is None:
        pytest.skip("no bundled sample clip (run `make samples`)")
    return s


@pytest.fixture(scope="module")
def app_url(sample, tmp_path_factory):
    import ui_core

    tmp = tmp_path_factory.mktemp("browser")
    env = {**os.environ, "POSTURE_CACHE_DIR": str(tmp / "cache"),
           "POSTURE_DB": str(tmp / "h.sqlite")}
    os.environ["POSTURE_CACHE_DIR"] = env["POSTURE_CACHE_DIR"]
    try:
        ui_core.seed_pose_cache(sample)  # same pose track the demo ships with
        for clip in ui_core.sample_view_pair() or ():
            ui_core.seed_pose_cache(clip)  # the cache is keyed by content: uploads hit it
    finally:
        os.environ.pop("POSTURE_CACHE_DIR")
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "streamlit_app.py"),
           "--server.port", str(port)]
    with running(cmd, port=port, cwd=ROOT, env=env) as (url, _):
        yield url


def _images_loaded(page) -> int:
    return page.eval_on_selector_all(
        "[data-testid='stMain'] img", "els => els.filter(e => e.naturalWidth > 0).length")


@contextlib.contextmanager
def _app_page(app_url: str, height_px: int):
    """A Chromium page on the app, once the demo result is drawn."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": height_px})
            page.goto(app_url)
            page.get_by_text("What changed and what to do", exact=True).wait_for(timeout=120_000)
            yield page
        finally:
            browser.close()


def test_upload_a_clip_and_see_findings_and_plots(app_url, sample):
    with _app_page(app_url, 2400) as page:
        page.get_by_text("One clip (early vs late)").click()
        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
            str(sample))
        page.get_by_text("Part to analyse (s)").wait_for(timeout=60_000)
        name = page.get_by_role("textbox", name="Runner name or patient ID")  # not folded away
        name.fill("Maria Lopez")
        name.press("Enter")
        page.wait_for_timeout(500)
        page.get_by_role("button", name="Analyse", exact=True).click()
        # The uploaded clip (not the demo) is on the page once the analysis is done.
        page.get_by_text("Maria Lopez - ").first.wait_for(timeout=120_000)
        page.wait_for_function(  # stale elements of the demo are gone when the run ends
            "!document.querySelector(\"[data-testid='stMain']\").innerText"
            ".includes('Sample runner')", timeout=120_000)
        page.get_by_text("What changed and what to do", exact=True).wait_for(timeout=120_000)
        page.get_by_text("Stride by stride", exact=True).wait_for(timeout=60_000)
        page.wait_for_function(
            "document.querySelectorAll(\"[data-testid='stMain'] img\").length >= 5",
            timeout=60_000)
        page.get_by_text("Look at one measure").first.wait_for(timeout=60_000)  # plots drawn
        page.wait_for_timeout(1500)
        assert page.get_by_text("Upload your own clip").count() == 0  # not the demo
        body = page.inner_text("[data-testid='stMain']")
        assert "What changed and what to do" in body
        assert "Why it matters" in body or "Nothing stands out" in body
        assert "Trunk lean, late" in body  # the key numbers
        assert "Look at one measure" in body and "Summary" in body  # plots and table
        assert _images_loaded(page) >= 5  # four key frames and the plots, all served
        assert "Traceback" not in body
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "result.png"))
        page.set_viewport_size({"width": 1440, "height": 1500})
        page.get_by_text("Stride by stride", exact=True).evaluate(
            "e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(500)
        page.screenshot(path=str(SHOTS / "plots.png"))
    assert (SHOTS / "result.png").stat().st_size > 50_000


def test_side_and_rear_clips_make_one_report(app_url):
    import ui_core

    pair = ui_core.sample_view_pair()
    if pair is None:
        pytest.skip("the bundled side and rear samples are missing")
    with _app_page(app_url, 2200) as page:
        page.get_by_text("Side + rear/front clips (same run)").click()
        inputs = page.locator("[data-testid='stFileUploaderDropzoneInput']")
        inputs.first.wait_for(timeout=30_000)
        # Swapped on purpose: the rear clip goes in the side slot; the views decide.
        inputs.nth(0).set_input_files(str(pair[1]))
        page.get_by_text("Part to analyse (s)").first.wait_for(timeout=60_000)
        inputs.nth(1).set_input_files(str(pair[0]))
        page.wait_for_function(
            "document.body.innerText.split('Part to analyse (s)').length > 2",
            timeout=60_000)
        page.get_by_role("button", name="Analyse", exact=True).click()
        page.get_by_text("side view and from behind", exact=False).first.wait_for(
            timeout=120_000)
        tab = page.get_by_role("tab", name="From behind: rear_sway.mp4")
        tab.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        body = page.inner_text("[data-testid='stMain']")
        assert "Traceback" not in body and "could not be drawn" not in body
        assert "What changed and what to do" in body
        assert "Side view: fresh_side.mp4" in body
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(tempfile.gettempdir()) / "pair_side.png"))  # not in README
        tab.click()
        page.get_by_text("Sway, late").first.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        assert _images_loaded(page) >= 6
        page.get_by_role("tab", name="From behind: rear_sway.mp4").evaluate(
            "e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(500)
        page.screenshot(path=str(SHOTS / "pair_rear.png"))
    assert (SHOTS / "pair_rear.png").stat().st_size > 50_000
