"""The Streamlit app through ``streamlit.testing.v1.AppTest``, on the library's real output
for the bundled sample (its pose track ships in ``app/demo`` so this stays fast)."""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.support.paths import ROOT
from tests.support.pdf_text import assert_pdf_holds_session

APP = str(ROOT / "app" / "streamlit_app.py")
sys.path.insert(0, str(ROOT / "app"))

import ui_core  # noqa: E402

from posture.session import summary_table  # noqa: E402
from posture.wording import MIN_CLIP_S  # noqa: E402
from tests.support.text_checks import assert_reads_cleanly  # noqa: E402


def page_texts(at: AppTest) -> list[str]:
    """Every text the page shows: paragraphs, notes, headings, labels, table cells."""
    texts = [e.value for kind in (at.markdown, at.caption, at.info, at.warning, at.success,
                                  at.error, at.header, at.subheader) for e in kind]
    texts += [e.label for e in (*at.expander, *at.button, *at.get("download_button"),
                                *at.tabs, *at.metric)]
    texts += [str(v) for d in at.dataframe for v in d.value.astype(str).to_numpy().ravel()]
    return texts


def element_types(at: AppTest) -> Counter:
    counts: Counter = Counter()

    def walk(node: object) -> None:
        for child in getattr(node, "children", {}).values():
            kind = getattr(child, "type", type(child).__name__)
            counts[kind] += 1
            if kind == "html":  # pictures drawn as HTML, with their alt text
                body = child.proto.body
                counts["image"] += body.count("<img")
                counts["image_with_alt"] += len(re.findall(r"<img [^>]*alt='[^'0-9][^']+'",
                                                           body))
            walk(child)

    walk(at._tree)
    return counts


@pytest.fixture(scope="module")
def sample() -> Path:
    s = ui_core.default_sample()
    if s is None:
        pytest.skip("no bundled sample clip (run `make samples`)")
    return s


@pytest.fixture()
def env(run_cache, monkeypatch, tmp_path_factory, sample):
    monkeypatch.setenv("POSTURE_DB", str(tmp_path_factory.mktemp("db") / "h.sqlite"))
    monkeypatch.setenv("POSTURE_SAMPLES", str(sample.parent))
    monkeypatch.setenv("POSTURE_UPLOADS", str(tmp_path_factory.mktemp("uploads")))
    ui_core.seed_pose_cache(sample)
    return sample


@pytest.fixture()
def library_session(env):
    """The same analysis the app shows, straight from the library."""
    return ui_core.run_request(ui_core.AppRequest(
        clips=(ui_core.ClipRequest(str(env), env.name),), runner="Sample runner"))


def run_app(**kw) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=kw.pop("timeout", 120))
    at.run()
    assert not at.exception, at.exception
    return at


def analyse_sample(name: str) -> AppTest:
    """Open the app, pick a bundled sample (or sample pair) and analyse it without errors."""
    at = run_app()
    at.selectbox(key="sample_name").select(name).run()
    at.button(key="analyse").click().run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def test_first_open_shows_the_sample_fully_analysed(env, library_session):
    at = run_app()
    assert not at.error
    md = " ".join(m.value for m in at.markdown)
    assert "What changed and what to do" in md and "Stride by stride" in md
    types = element_types(at)
    assert types["image"] >= 5  # two pairs of key frames and at least three plots
    assert types["image_with_alt"] == types["image"]  # every picture says what it shows
    assert types["metric"] >= 2
    # The table on the page is the library's comparison, number for number.
    shown = at.dataframe[0].value
    expected = summary_table(library_session.comparison)
    assert list(shown["Metric"]) == list(expected["Metric"])
    assert list(shown["Change"]) == list(expected["Change"])
    # Findings cards carry the library's titles, ranked.
    titles = [f.title for f in library_session.findings.shown]
    for k, title in enumerate(titles, 1):
        assert any(f"**{k}. {title}**" in m.value for m in at.markdown)
    assert any(library_session.findings.care_note in i.value for i in at.info)
    how_to = at.tabs[2].markdown[0].value  # the "How to film" page
    assert "Side view" in how_to and f"{MIN_CLIP_S:.0f} s" in how_to
    assert_reads_cleanly(page_texts(at))


def test_downloads_and_pdf(env, library_session, monkeypatch):
    import ui_result

    written: list[bytes] = []
    real = ui_result.session_pdf
    monkeypatch.setattr(ui_result, "session_pdf",
                        lambda *a, **kw: written.append(real(*a, **kw)) or written[-1])
    at = run_app()
    labels = [b.label for b in at.get("download_button")]
    assert "Per-stride table (CSV)" in labels
    assert "Whole analysis (JSON)" in labels
    next(b for b in at.button if b.label == "Prepare PDF report").click().run()
    assert not at.exception
    assert "Download PDF" in [b.label for b in at.get("download_button")]
    # the PDF offered is the library's session, finding for finding and row for row
    (pdf,) = written
    assert_pdf_holds_session(pdf, library_session)


def test_library_errors_show_as_messages(monkeypatch, tmp_path, env):
    bad = tmp_path / "samples"
    bad.mkdir()
    (bad / "side_broken.mp4").write_bytes(b"this is not a video" * 100)
    monkeypatch.setenv("POSTURE_SAMPLES", str(bad))
    at = run_app()
    errors = " ".join(e.value for e in at.error).replace("\\", "")  # markdown escapes
    assert "side_broken.mp4" in errors  # the library's own one-sentence message
    assert "Traceback" not in errors
    assert [b.label for b in at.button if b.label == "Analyse"]  # still usable


def test_history_save_reopen_compare_delete(env):
    at = run_app()
    next(b for b in at.button if b.label.startswith("Save to")).click().run()
    assert any("Saved in the history" in s.value for s in at.success)
    at = run_app()  # a second session the same day
    next(b for b in at.button if b.label.startswith("Save to")).click().run()
    assert at.selectbox(key="hist_runner").value == "Sample runner"
    table = at.dataframe[-1].value
    assert len(table) == 2 and set(table["Clip"]) == {env.name}
    at.button(key="hist_open").click().run()
    assert not at.exception
    assert any("not on this machine" in i.value or "Same moment" in m.value
               for i in at.info for m in at.markdown)
    at.multiselect(key="hist_pick").select(0).select(1).run()
    at.button(key="hist_cmp").click().run()
    assert not at.exception
    assert any(" versus " in s.value for s in at.header)
    at.checkbox(key="hist_sure").check().run()
    at.button(key="hist_del").click().run()
    assert not at.exception
    assert any("Nothing saved yet" in i.value for i in at.info)


def test_view_override_reaches_the_library(env):
    at = run_app()
    at.selectbox(key="view").select("From behind").run()
    at.button(key="analyse").click().run()
    assert not at.exception
    # the side-view sample read as a rear view has no rear-view strides: the library's own
    # one-line refusal for a rear/front clip shows, so the override reached it
    (error,) = at.error
    assert "No clean strides were found in this rear/front clip" in error.value
    assert "Traceback" not in error.value


def test_progress_clock_estimates_time_left(monkeypatch):
    t = iter([0.0, 10.0, 20.0])
    monkeypatch.setattr(ui_core.time, "monotonic", lambda: next(t))
    clock = ui_core.ProgressClock()
    assert clock.status(10, 100) == (0.1, "10 of 100 frames")
    frac, text = clock.status(60, 100)  # 50 frames in 10 s -> 40 left take 8 s
    assert frac == 0.6 and text == "60 of 100 frames - about 8 s left"


def test_uploads_stay_local_and_are_named_by_content(tmp_path, monkeypatch):
    monkeypatch.setenv("POSTURE_UPLOADS", str(tmp_path / "up"))
    a = ui_core.store_upload("My Run.MOV", b"abc")
    assert a.parent == tmp_path / "up" and a.suffix == ".mov" and a.read_bytes() == b"abc"
    assert a.stem == "ba7816bf8f01cfea"  # SHA-256 of b"abc", first 16 hex digits
    assert ui_core.store_upload("other.mov", b"abc") == a
    assert sorted(p.name for p in a.parent.iterdir()) == [a.name]  # no partial file left


def test_seed_refuses_a_track_of_another_video(tmp_path, monkeypatch, sample):
    monkeypatch.setattr(ui_core, "DEMO_DIR", tmp_path)
    other = tmp_path / "side_x.mp4"
    other.write_bytes(sample.read_bytes()[:-1] + b"\0")
    (tmp_path / "side_x.track.npz").write_bytes(b"")
    (tmp_path / "side_x.track.sha256").write_text("0" * 64 + " pose-1\n")
    assert ui_core.seed_pose_cache(other) is False


@pytest.mark.slow
def test_bundled_fresh_and_fatigued_pair(env):
    if ui_core.sample_pair() is None:
        pytest.skip("the bundled fresh/fatigued pair is missing")
    at = analyse_sample("fresh_side + fatigued_side (two clips)")
    assert any("fresh versus fatigued" in s.value for s in at.header)
    labels = [b.label for b in at.get("download_button")]
    assert sum(lab.startswith("Per-stride table") for lab in labels) == 2
    assert element_types(at)["image"] >= 5


def test_unusable_history_path_is_a_message(monkeypatch, tmp_path, env):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("POSTURE_DB", str(blocker / "sub" / "h.sqlite"))  # parent is a file
    at = run_app()
    assert any("history could not be used" in e.value for e in at.error)
    assert "What changed and what to do" in " ".join(m.value for m in at.markdown)


def test_level_camera_override_reaches_the_library(env):
    at = run_app()
    at.selectbox(key="roll_how").select("Phone was level (0 deg)").run()
    at.button(key="analyse").click().run()
    assert not at.exception and not at.error
    head = f"- **{ui_core.md(env.name)}**"
    clip_line = next(m.value for m in at.markdown if m.value.startswith(head))
    assert "camera tilt" not in clip_line  # a level camera needs no correction
    level = ui_core.run_request(ui_core.AppRequest(
        clips=(ui_core.ClipRequest(str(env), env.name),),
        options=ui_core.AnalysisOptions(camera_roll_deg=0.0)))
    assert list(at.dataframe[0].value["Change"]) == list(
        summary_table(level.comparison)["Change"])


@pytest.mark.slow
def test_rear_sample_and_annotated_video(env):
    rear = next((p for p in ui_core.list_samples() if p.stem.startswith("rear")), None)
    if rear is None:
        pytest.skip("no bundled rear-view sample")
    at = analyse_sample(rear.name)
    assert any(m.value.startswith(f"- **{ui_core.md(rear.name)}**: rear view") for m in at.markdown)
    next(b for b in at.button if b.label == "Prepare annotated video").click().run()
    assert not at.exception and not at.error
    assert element_types(at)["video"] == 1
    assert any(b.label.startswith("Download video") for b in at.get("download_button"))


def test_bundled_side_and_rear_pair_is_one_report(env):
    if ui_core.sample_view_pair() is None:
        pytest.skip("the bundled side and rear samples are missing")
    at = analyse_sample("fresh_side + rear_sway (side and rear cameras)")
    assert any("side view and from behind" in s.value for s in at.header)
    tabs = [t.label for t in at.tabs]
    md = ui_core.md  # names are escaped before markdown
    assert f"Side view: {md('fresh_side.mp4')}" in tabs
    assert f"From behind: {md('rear_sway.mp4')}" in tabs
    # Each camera has its own early-versus-late table: lean on the side, sway from behind.
    tables = [d.value for d in at.dataframe]
    assert len(tables) == 2
    assert any(m.startswith("Forward trunk lean") for m in tables[0]["Metric"])
    assert any(m.startswith("Side-to-side") or "sway" in m.lower() for m in tables[1]["Metric"])
    labels = [b.label for b in at.get("download_button")]
    assert sum(lab.startswith("Per-stride table") for lab in labels) == 2
    assert element_types(at)["image"] >= 10  # 4 key frames + 1 overview + 1 plot per camera
    # 10 s clips: no early-versus-late verdict, the reason said once at the top
    texts = page_texts(at)
    why = [t for t in texts if "parts are compared only on clips of at least" in t]
    assert len(why) == 2 and len(set(why)) == 2  # once per clip, each naming its view
    assert "side\\-view clip" in why[0] and "clip from behind" in why[1]  # md-escaped
    assert not any("changed" in v for t in tables for v in t["Verdict"])
    assert_reads_cleanly(texts)


def test_pose_stage_warning_shows_on_the_result_page(monkeypatch, env):
    from dataclasses import replace

    from posture.pose import extract as pose
    from posture.track import QualityFlag

    flag = QualityFlag("pose_other_people", "warning", "Two people were in view; check it.")
    real = pose.extract_pose_cached
    monkeypatch.setattr(pose, "extract_pose_cached",
                        lambda *a, **kw: replace(real(*a, **kw), warnings=(flag,)))
    import streamlit as st

    st.cache_resource.clear()  # the demo result is shared across sessions: analyse anew
    try:
        at = run_app()
    finally:
        st.cache_resource.clear()
    assert not at.error
    shown = [w.value for w in at.warning]
    assert shown.count(flag.message) == 1


def test_the_runner_picked_on_a_frame_reaches_the_library(monkeypatch, env):
    # Find the people on a frame of the sample, pick "Person 1": its box goes to the pose stage.
    from posture.pose import extract as pose

    seen: dict = {}
    real = pose.extract_pose_cached

    def spy(path, **kw):
        seen.update(kw)
        return real(path, **{**kw, "runner_box_px": None, "runner_box_t_s": None})

    monkeypatch.setattr(pose, "extract_pose_cached", spy)
    at = run_app()
    at.number_input(key="pick_t_sample").set_value(2.0).run()
    at.button(key="find_sample").click().run()
    assert not at.exception and not at.error
    assert at.radio(key="pick_sample").options == ["Pick automatically (the person who runs)",
                                                   "Person 1"]
    at.radio(key="pick_sample").set_value("Person 1").run()
    at.button(key="analyse").click().run()
    assert not at.exception and not at.error
    x, y, w, h = seen["runner_box_px"]
    assert seen["runner_box_t_s"] == pytest.approx(2.0, abs=0.05)
    track = real(env)
    i = int(np.argmin(np.abs(track.t_s - seen["runner_box_t_s"])))
    hip = track.image_xy_px[i, 23:25].mean(axis=0)  # the runner's hips are in the box
    assert x < hip[0] < x + w and y < hip[1] < y + h
