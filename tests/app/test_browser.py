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
def _app_page(app_url: str, height_px: int, width_px: int = 1440):
    """A Chromium page on the app, once the demo result is drawn."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": width_px, "height": height_px})
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
        _wait_for_plots(page)
        assert page.get_by_text("Upload your own clip").count() == 0  # not the demo
        # under load the page may still be drawing its lower part: wait for the table's text
        page.wait_for_function("document.querySelector(\"[data-testid='stMain']\")"
                               ".innerText.includes('Summary')", timeout=60_000)
        body = page.inner_text("[data-testid='stMain']")
        assert "What changed and what to do" in body
        assert "Why it matters" in body or "Nothing stands out" in body
        assert "Trunk lean, late" in body  # the key numbers
        assert _cut_key_numbers(page) == []  # each change in full: "..., no clear change"
        assert "Stride by stride" in body and "Summary" in body  # plots and table
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
        # The rear clip sees both legs: its tab has the left/right table, each leg's value
        # placed against the usual range in words (not colour alone).
        legs = page.locator("table", has_text="Left leg against right leg")
        legs.wait_for(timeout=30_000)
        assert legs.count() == 1  # the side clip's tab has none
        rows = legs.locator("tbody tr")
        assert rows.count() >= 2
        text = legs.inner_text()
        assert "Sideways trunk lean" in text and "in range" in text
        page.get_by_role("tab", name="From behind: rear_sway.mp4").evaluate(
            "e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(500)
        page.screenshot(path=str(SHOTS / "pair_rear.png"))
    assert (SHOTS / "pair_rear.png").stat().st_size > 50_000


PHONE = (390, 844)
DESKTOP = (1440, 900)
AXE = Path(os.environ.get("AXE_CORE_JS", ROOT / "node_modules" / "axe-core" / "axe.min.js"))
#: axe-core findings that come from Streamlit's own markup, not the app's (docs/accessibility.md):
#: rule id -> the data-testid of the Streamlit element it is about.
STREAMLIT_OWN = {"aria-allowed-attr": ("stSidebar",)}


def _wait_for_plots(page) -> None:
    page.get_by_text("Stride by stride", exact=True).wait_for(timeout=120_000)
    page.wait_for_function(
        "[...document.querySelectorAll(\"[data-testid='stMain'] img\")]"
        ".filter(e => e.naturalWidth > 0).length >= 5", timeout=60_000)
    page.wait_for_timeout(1000)


def _cut_key_numbers(page) -> list[str]:
    """Key-number texts cut short (wider than their box, e.g. ending in "...")."""
    return page.eval_on_selector_all(
        "[data-testid='stMetric'] *",
        "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)")


def _overflow_px(page) -> float:
    """How far the widest element of the page reaches past the right edge of the screen."""
    return page.evaluate(
        """() => { const vw = document.documentElement.clientWidth; let worst = 0;
        for (const e of document.querySelectorAll("[data-testid='stMain'] *")) {
          const r = e.getBoundingClientRect();
          if (r.width > 0 && r.height > 0) worst = Math.max(worst, r.right - vw); }
        return Math.max(worst, document.documentElement.scrollWidth - vw); }""")


def _content_screens(page, height_px: int) -> float:
    """Length of the result page in screens."""
    h = page.evaluate("() => Math.max(...[...document.querySelectorAll("
                      "\"[data-testid='stMain'] *\")].map(e => e.scrollHeight))")
    return h / height_px


#: The phone result page may be at most this many screens long (10.5 before the plots and the
#: visit record folded on a phone, 6.9 after; docs/accessibility.md).
MAX_PHONE_SCREENS = 8.0


def _wait_for_phone_folds(page, n: int = 2) -> None:
    """The sections that fold on a phone (app/ui_phone.py) are folded."""
    page.wait_for_function(
        f"document.querySelectorAll('details[data-phone-folded]:not([open])').length >= {n}",
        timeout=30_000)
    page.wait_for_timeout(500)


def test_phone_reads_without_sideways_scrolling(app_url):
    with _app_page(app_url, PHONE[1], PHONE[0]) as page:
        _wait_for_plots(page)
        _wait_for_phone_folds(page)  # the plots and the visit record
        screens = _content_screens(page, PHONE[1])
        print(f"phone result page: {screens:.1f} screens")
        assert screens <= MAX_PHONE_SCREENS
        assert _overflow_px(page) <= 1.0
        answer = page.get_by_text("stand out", exact=False).first  # the key answer
        box = answer.bounding_box()
        assert box is not None and box["y"] + box["height"] <= PHONE[1]  # on the first screen
        pairs = page.locator("[data-testid='stMain'] img[alt^='Left: ']")
        assert pairs.count() >= 2  # early and late frames side by side in one picture
        for k in range(pairs.count()):
            assert pairs.nth(k).bounding_box()["width"] <= PHONE[0]
        glance = page.locator("[data-testid='stMetric']")  # key numbers two a row
        assert glance.count() == 4
        tops = sorted({round(glance.nth(k).bounding_box()["y"]) for k in range(4)})
        assert len(tops) == 2, tops
        assert _cut_key_numbers(page) == []
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "phone.png"))
        # Nothing is lost: one tap opens the plots, shown near their drawn size (legible).
        page.locator("summary", has_text="one dot per stride").click()
        plots = "[data-testid='stMain'] img[alt*='per stride over the run']"
        page.wait_for_function(f"[...document.querySelectorAll(\"{plots}\")]"
                               ".filter(e => e.getBoundingClientRect().width > 0).length >= 6",
                               timeout=30_000)
        scale = page.eval_on_selector_all(
            plots, "els => els.map(e => e.getBoundingClientRect().width / e.naturalWidth)")
        assert scale and min(scale) >= 0.8, scale
        page.locator("summary", has_text="Patient, pain").click()
        page.get_by_role("textbox", name="Runner name", exact=True).wait_for(timeout=30_000)
        assert page.get_by_role("textbox", name="Runner name", exact=True).is_visible()


def test_phone_sidebar_folds_after_analyse(app_url):
    with _app_page(app_url, PHONE[1], PHONE[0]) as page:
        page.locator("[data-testid='stExpandSidebarButton']").click()
        sidebar = page.locator("[data-testid='stSidebar']")
        page.wait_for_function("document.querySelector(\"[data-testid='stSidebar']\")"
                               ".getAttribute('aria-expanded') === 'true'", timeout=10_000)
        page.get_by_role("button", name="Analyse", exact=True).click()
        page.get_by_text("Upload your own clip").wait_for(state="detached", timeout=120_000)
        page.wait_for_function("document.querySelector(\"[data-testid='stSidebar']\")"
                               ".getAttribute('aria-expanded') === 'false'", timeout=30_000)
        assert sidebar.get_attribute("aria-expanded") == "false"


def test_history_keeps_its_tab_and_reopen_restores_key_frames(app_url):
    with _app_page(app_url, 1400) as page:
        _wait_for_plots(page)
        page.get_by_role("textbox", name="Runner name", exact=True).fill("Clinic Runner")
        page.get_by_role("textbox", name="Patient ID (optional)").fill("PT-9")
        page.get_by_role("button", name="Keep these details").click()
        page.get_by_text("Visit details kept", exact=False).wait_for(timeout=60_000)
        page.get_by_role("button", name="Save to Clinic Runner's history").click()
        page.get_by_text("Saved in the history", exact=False).wait_for(timeout=60_000)
        history = page.get_by_role("tab", name="History")
        history.click()
        page.get_by_role("button", name="Reopen this session").wait_for(timeout=30_000)
        picker = page.get_by_role("combobox", name="Change since an earlier visit: pick two "
                                                   "clips", exact=False)
        picker.click()  # the first control touched after an analysis
        page.get_by_role("option").first.click()
        page.wait_for_timeout(3000)  # the rerun it caused
        assert history.get_attribute("aria-selected") == "true"  # still on History
        page.get_by_role("button", name="Reopen this session").click()
        page.get_by_text("Reopened Clinic Runner's session", exact=False).wait_for(
            timeout=60_000)
        assert page.get_by_role("tab", name="Result").get_attribute("aria-selected") == "true"
        page.get_by_text("Patient ID: PT-9", exact=False).first.wait_for(timeout=30_000)
        page.wait_for_function(
            "[...document.querySelectorAll(\"[data-testid='stMain'] img[alt^='Left: ']\")]"
            ".filter(e => e.naturalWidth > 0).length >= 2", timeout=60_000)  # 4 key frames
        assert page.get_by_text("not on this machine any more").count() == 0
        # The clip is still on disk and its pose track cached: the player comes back (built
        # from the saved analysis and the cached track, not a new pose run).
        assert page.get_by_text("keeps its numbers and key frames but not its video").count() == 0
        start = page.get_by_role("button", name=PLAYER_START)
        start.wait_for(timeout=60_000)
        start.click()
        page.wait_for_function(PLAYER_READY, timeout=180_000)


def _axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations, less those in Streamlit's own markup.

    ``page`` may also be a frame (the player's component): axe runs inside it."""
    page.add_script_tag(content=AXE.read_text())
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.html)}))""")
    out = []
    for v in found:
        own = STREAMLIT_OWN.get(v["id"], ())
        nodes = [n for n in v["nodes"] if not any(f'data-testid="{t}"' in n for t in own)]
        if nodes:
            out.append({**v, "nodes": nodes})
    return out


PLAYER_START = "Play early and late side by side"
PLAYER_READY = ("() => [...document.querySelectorAll('iframe')].some(f => f.contentWindow"
                " && f.contentWindow.stridePlayer"
                " && f.contentWindow.stridePlayer.a.readyState >= 2"
                " && f.contentWindow.stridePlayer.b.readyState >= 2)")


def player_frame(page):
    """The player's component frame on the demo result, built if it is not yet (the app
    keeps it for the session, so the second viewport finds it at once)."""
    page.wait_for_function(
        f"() => document.body.innerText.includes('{PLAYER_START}') || [...document."
        "querySelectorAll('iframe')].some(f => f.contentWindow && f.contentWindow.stridePlayer)",
        timeout=120_000)
    start = page.get_by_role("button", name=PLAYER_START)
    if start.count():
        start.click()
    page.wait_for_function(PLAYER_READY, timeout=180_000)
    page.wait_for_timeout(500)
    return next(f for f in page.frames if f.evaluate("() => !!window.stridePlayer"))


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_no_serious_accessibility_violations(app_url, viewport):
    """axe-core on the result page, then inside the player's frame (app/player.html)."""
    if not AXE.exists():
        pytest.skip(f"axe-core not found at {AXE}: run `make axe` (npm install axe-core into "
                    "./node_modules) or set AXE_CORE_JS")
    with _app_page(app_url, viewport[1], viewport[0]) as page:
        _wait_for_plots(page)
        assert _axe_violations(page) == []
        player = player_frame(page)
        assert _axe_violations(player) == []
