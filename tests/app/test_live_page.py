"""The live page's cue box, run in Streamlit's AppTest (no camera, no browser)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

PAGE = Path(__file__).resolve().parents[2] / "app" / "pages" / "Live_(treadmill).py"


def _two_cues_script(page_path: str) -> None:
    """Two cues in one script run, as the page's polling loop shows them."""
    import importlib.util
    import sys
    from types import SimpleNamespace

    import streamlit as st

    from posture.live.drift import Cue

    spec = importlib.util.spec_from_file_location("live_page", page_path)
    page = importlib.util.module_from_spec(spec)
    sys.modules["live_page"] = page  # dataclasses look their module up while the page loads
    spec.loader.exec_module(page)
    box = st.empty()
    for t_s, text in ((40.0, "Run tall: forward trunk lean +4.5° since the start"),
                      (101.0, "Quicker steps: cadence -6 steps/min since the start")):
        cue = Cue(t_s=t_s, metric="trunk_lean_deg", change=4.5, baseline=6.0, recent=10.5,
                  text=text)
        page.cue_alert(SimpleNamespace(t_s=t_s + 0.5, last_cue=cue), box)


def test_two_cues_in_one_run_show_their_words_as_written() -> None:
    at = AppTest.from_function(_two_cues_script, args=(str(PAGE),), default_timeout=60)
    at.run()
    # a second cue in the same run once raised Streamlit's duplicate-element error (two
    # st.audio with the same sound), shown to the runner as a traceback
    assert not at.exception, at.exception
    shown = [el.proto.body for el in at.get("html")]
    assert len(shown) == 1  # the box holds the latest cue only
    assert "Quicker steps: cadence -6 steps/min since the start" in shown[0]
    assert "\\" not in shown[0]  # no markdown escapes inside the HTML
    assert "<audio autoplay src='data:audio/wav;base64," in shown[0]


def _status_script(page_path: str, state: str) -> None:
    """The numbers box for one update in the given state, as the polling loop draws it."""
    import importlib.util
    import sys
    from types import SimpleNamespace

    import streamlit as st

    spec = importlib.util.spec_from_file_location("live_page", page_path)
    page = importlib.util.module_from_spec(spec)
    sys.modules["live_page"] = page
    spec.loader.exec_module(page)
    waiting, slow = state == "waiting", state == "slow"
    update = SimpleNamespace(
        state="watching" if slow else state, baseline_left_s=0.0,
        processed_fps=8.0 if slow else 18.0, dropping=waiting or slow, too_few_frames=slow,
        note="No clean strides were found." if waiting else None,
        values={"trunk_lean_deg": 9.5, "cadence_spm": 172.0,
                "vertical_oscillation_pct_leg": 7.0})
    page.show_status(None if state == "camera" else update, st.empty())


def _rows(state: str) -> list[str]:
    at = AppTest.from_function(_status_script, args=(str(PAGE), state), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    box = at.main.children[0]
    return [type(child).__name__ for child in box.children.values()]


def test_the_numbers_box_has_the_same_rows_in_every_state() -> None:
    """The loop's script run never ends, so Streamlit never clears rows a later draw does not
    overwrite: a 'waiting' draw (warning, dropping note, no-strides note) followed by a
    'watching' draw with fewer rows left stale notes under a live cue in the browser. Every
    state must write the same number of rows (empty ones included)."""
    rows = {state: _rows(state) for state in ("camera", "waiting", "watching", "slow")}
    assert {len(r) for r in rows.values()} == {4}, rows
    assert rows["watching"][2:] != rows["waiting"][2:]  # the notes' rows are emptied, not kept


def test_too_few_frames_pauses_the_numbers_and_says_why() -> None:
    """At 8 processed frames per second the page once showed 141 steps/min for a runner at
    172 with only "dropping frames" beside it: now the numbers say they are paused and a
    warning says why and what to do."""
    at = AppTest.from_function(_status_script, args=(str(PAGE), "slow"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert [m.label for m in at.metric] == ["Lean (paused)", "Cadence (paused)",
                                           "Bounce (paused)"]
    assert [w.value for w in at.warning] == [
        "Too few frames to measure: 8 processed per second, strides need at least 15. Close "
        "other programs (or switch off the low-back arch index). The numbers above are the "
        "last ones measured."]
    at = AppTest.from_function(_status_script, args=(str(PAGE), "watching"), default_timeout=60)
    at.run()
    assert [m.label for m in at.metric] == ["Lean", "Cadence", "Bounce"] and not at.warning


def _after_stop_script(page_path: str) -> None:
    """STOP pressed after a run processed at 10 frames per second with 35 s paused."""
    import importlib.util
    import sys
    from types import SimpleNamespace

    import numpy as np

    spec = importlib.util.spec_from_file_location("live_page", page_path)
    page = importlib.util.module_from_spec(spec)
    sys.modules["live_page"] = page
    spec.loader.exec_module(page)
    track = SimpleNamespace(t_s=np.arange(301) / 10.0, n_frames=301)
    recording = SimpleNamespace(track=track, cues=[], folder="/tmp/run")
    proc = SimpleNamespace(stop=lambda: recording, error=None,
                           session=SimpleNamespace(paused_s=35.2))
    page.after_stop(proc)


def test_after_stop_says_the_processed_rate_and_the_paused_time() -> None:
    at = AppTest.from_function(_after_stop_script, args=(str(PAGE),), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == [
        "Recorded 301 frames at 10 per second to /tmp/run (0 cues)."]
    assert [w.value for w in at.warning] == [
        "Measuring was paused for 35 s of the run: too few frames per second were processed "
        "then. Those strides are left out of the live numbers and of the report too."]
