"""Session assembly: comparison, summary table, plots, key frames and files from one session."""

from __future__ import annotations

import json

import numpy as np
import pytest

from posture.report.pdf import latin1
from posture.session import (
    AnalysedClip,
    build_session,
    key_frame_images,
    key_frame_pair,
    overview_figure,
    plot_series,
    session_json,
    session_pdf,
    summary_table,
)
from tests.support.pdf_text import assert_pdf_holds_session
from tests.support.report import H, W, make_analysis, make_track, write_plain_video


@pytest.fixture(scope="module")
def one_clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("s") / "run.mp4"
    write_plain_video(path, 660)  # 22 s: long enough to judge early versus late
    track = make_track(660)
    clip = AnalysedClip("run.mp4", make_analysis(track, lean_drift_deg=6.0), "single",
                        str(path), track)
    return build_session([clip], runner="Ana")


def test_single_clip_session_compares_early_with_late(one_clip):
    comp = one_clip.comparison
    assert comp.labels == ("early", "late")
    lean = comp.changes["trunk_lean_deg"]
    assert lean.verdict == "changed" and lean.change == pytest.approx(4.0, abs=1.0)
    table = summary_table(comp)
    assert list(table.columns) == ["Metric", "Unit", "Early", "Late", "Change", "95% CI",
                                   "Strides", "Verdict", "Usual range", "Late vs range"]
    row = table[table["Metric"].str.startswith("Forward trunk lean")].iloc[0]
    assert row["Verdict"] == "▲ changed (worse)"  # a symbol and words, not colour alone
    assert row["Usual range"] == "0.0° to 10.0°"
    late = float(row["Late"])
    assert row["Late vs range"] == ("✓ in range" if late <= 10 else "▲ above range"
                                    + (" (watch)" if late <= 15 else ""))
    assert float(row["Change"]) == pytest.approx(lean.change, abs=0.06)
    assert one_clip.findings.shown[0].metric == "trunk_lean_deg"


def test_short_clip_session_reports_levels_not_change():
    """10 s of running with a 6 degree lean drift: no early-versus-late verdict, the table's
    change column is blank, and the reason is among the session's warnings."""
    short = AnalysedClip("short.mp4", make_analysis(make_track(300), lean_drift_deg=6.0))
    s = build_session([short])
    lean = s.comparison.changes["trunk_lean_deg"]
    assert lean.verdict == "not enough data" and np.isnan(lean.change)
    row = summary_table(s.comparison).iloc[0]
    assert row["Change"] == "-" and row["Verdict"] == "not judged (under 20 s)"
    assert all(f.kind == "level" for f in [*s.findings.shown, *s.findings.more,
                                           *s.findings.to_check])
    (why,) = [w for w in s.findings.warnings if w.code == "clip_too_short"]
    assert "at least 20 s" in why.message


def test_windows_shade_the_compared_strides(one_clip):
    series, windows = plot_series(one_clip)
    assert len(series) == 1
    assert [w.label for w in windows] == ["early", "late"]
    comp = one_clip.comparison
    assert windows[0].t_start_s == comp.a.t_start_s and windows[1].t_end_s == comp.b.t_end_s
    fig = overview_figure(one_clip)
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_visible()]
    assert titles[0].startswith("Forward trunk lean")


def test_key_frames_come_from_each_window(one_clip):
    pair = key_frame_pair(one_clip)
    comp = one_clip.comparison
    assert pair.a.stride in comp.a.strides and pair.b.stride in comp.b.strides
    frames = key_frame_images(one_clip, max_side_px=320)
    assert [c.split(" - ")[0] for c, _ in frames] == ["Early", "Late", "Early", "Late"]
    img = frames[1][1]
    assert img.shape == (H // 2, W // 2, 3)
    # The decoded frame is the late contact frame: its grey level is 40 + 2 * frame.
    grey = np.median(img[-20:, :20])
    assert abs(grey - min(255, 40 + 2 * pair.b.frame_ic)) < 6


def test_two_clip_session_and_files():
    a = AnalysedClip("fresh.mp4", make_analysis(seed=1, lean_drift_deg=0.0), "fresh")
    b = AnalysedClip("tired.mp4", make_analysis(seed=2, lean_drift_deg=0.0), "fatigued")
    b.analysis.strides["trunk_lean_deg"] += 5.0
    s = build_session([a, b], runner="Ben")
    assert s.comparison.labels == ("fresh", "fatigued")
    assert s.comparison.changes["trunk_lean_deg"].change == pytest.approx(5.0, abs=0.6)
    assert plot_series(s)[1] == ()  # two clips: nothing shaded, one series each
    assert key_frame_images(s) == []  # no video: no frames, no crash
    doc = json.loads(session_json(s))
    assert set(doc["clips"]) == {"fresh.mp4", "tired.mp4"}
    assert doc["meta"]["runner"] == "Ben"
    assert doc["findings"]["care_note"]
    text = assert_pdf_holds_session(session_pdf(s), s)
    assert "Comparison: fresh versus fatigued" in text


def test_pdf_with_key_frames(one_clip):
    pdf = session_pdf(one_clip)
    assert pdf.count(b"/Subtype /Image") >= 4
    text = assert_pdf_holds_session(pdf, one_clip)
    assert "Key frames (most representative stride of each part)" in text
    for caption, _ in key_frame_images(one_clip):
        assert " ".join(caption.split()) in text


def test_key_frames_show_the_same_leg_in_both_windows(one_clip):
    pair = key_frame_pair(one_clip)
    assert pair.a.leg == pair.b.leg


def _pages(pdf: bytes) -> list[str]:
    import io

    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def test_visit_fields_make_a_clinical_one_pager(one_clip):
    from dataclasses import replace

    from posture.session import Visit, all_findings, key_answer

    found = all_findings(one_clip)
    assert found  # the lean drifts by 6 deg
    kept, dropped = found[0], found[1:]
    s = replace(one_clip, treadmill_speed_kmh=11.5, visit=Visit(
        patient_id="PT-7", pain_side="right", pain_score=4, shoes="Trail shoes",
        notes="Pain after 8 km. Re-test in 4 weeks.", report_metrics=[kept.metric]))
    pages = [" ".join(p.split()) for p in _pages(session_pdf(s))]
    first = pages[0]
    for shown in ("Runner: Ana", "Patient ID: PT-7", "Pain: 4/10, right", "Shoes: Trail shoes",
                  "Treadmill: 11.5 km/h (5:13 min/km)", "Key answer", key_answer(s),
                  f"1. {kept.display_title}", "What to do:", "Clinician's notes",
                  "Pain after 8 km. Re-test in 4 weeks.", "Please note"):
        assert " ".join(latin1(shown).split()) in first, shown
    for f in dropped:  # unticked: not in the report's findings
        assert f". {f.display_title}" not in " ".join(pages)
    assert pages[1].startswith("Evidence")  # the evidence starts on its own page
    assert "Summary with usual ranges" in " ".join(pages[1:])


HEADINGS = ("Key answer", "Findings (most relevant first)", "Clinician's notes", "Please note",
            "Key frames (most representative stride of each part)",
            "Summary with usual ranges", "Left against right (legs in stance)",
            "Per stride over the run", "Where to look in the clip",
            "How far to trust these numbers")


def test_no_page_ends_with_a_heading(one_clip):
    from dataclasses import replace

    from posture.session import Visit

    long_notes = " ".join(["Observed on the treadmill at the usual speed."] * 40)
    for notes in ("", long_notes):
        s = replace(one_clip, visit=Visit(notes=notes))
        for text in _pages(session_pdf(s)):
            lines = [x.strip() for x in text.splitlines()
                     if x.strip() and "Stride posture report - page" not in x]
            assert lines and lines[-1] not in HEADINGS, lines[-3:]


def test_visit_values_are_checked_and_stored_ones_forgiven():
    from posture.session import Visit, speed_text

    with pytest.raises(ValueError):
        Visit(pain_score=11)
    with pytest.raises(ValueError):
        Visit(pain_side="up")
    v = Visit.from_dict({"pain_score": 14, "pain_side": "up", "shoes": "A", "extra": 1})
    assert (v.pain_score, v.pain_side, v.shoes) == (None, "", "A")
    assert Visit.from_dict(Visit(pain_score=0, report_metrics=["x"]).to_dict()) == Visit(
        pain_score=0, report_metrics=["x"])
    assert Visit(pain_score=0).lines() == [("Pain", "0/10")]
    assert speed_text(12.0) == "12 km/h (5:00 min/km)" and speed_text(None) == ""


def test_reopened_session_shows_its_key_frames_and_visit(one_clip):
    from dataclasses import replace

    from posture.history import History, StoredClip
    from posture.session import (
        Visit,
        key_frame_jpegs,
        reopen_session,
        session_details,
    )

    s = replace(one_clip, treadmill_speed_kmh=10.0, visit=Visit(patient_id="PT-7"))
    h = History(":memory:")
    sid = h.save_session(s.runner, [StoredClip(c.name, c.role, c.analysis) for c in s.clips],
                         session_date=s.session_date, details=session_details(s),
                         pictures=key_frame_jpegs(s))
    back = reopen_session(h.load_session(sid))
    assert back.clips[0].video_path is None  # the video is not needed any more
    assert back.visit == s.visit and back.treadmill_speed_kmh == 10.0
    shown, first = key_frame_images(back), key_frame_images(s)
    assert [c for c, _ in shown] == [c for c, _ in first] and len(shown) == 4
    for (_, a), (_, b) in zip(shown, first, strict=True):
        assert a.shape == b.shape
        assert np.abs(a.astype(int) - b.astype(int)).mean() < 3  # JPEG, same picture
    h.close()


def test_visits_weeks_apart_speak_of_change_since_the_last_visit():
    a = AnalysedClip("week1.mp4", make_analysis(seed=1, lean_drift_deg=0.0), "fresh")
    b = AnalysedClip("week4.mp4", make_analysis(seed=2, lean_drift_deg=0.0), "fatigued")
    b.analysis.strides["trunk_lean_deg"] += 5.0
    s = build_session([a, b], runner="Ben", labels=("07 Nov", "28 Nov"), visits=True)
    lean = next(f for f in s.findings.shown if f.metric == "trunk_lean_deg")
    assert lean.title.endswith("since the last visit (07 Nov)")
    assert "tiring" not in lean.meaning and "training load" in lean.meaning
    tired = build_session([a, b], runner="Ben")  # the same clips as one run: fatigue
    assert "tiring" in next(f for f in tired.findings.shown
                            if f.metric == "trunk_lean_deg").meaning


def test_page_table_says_where_each_leg_lies_against_the_usual_range() -> None:
    from datetime import date

    from posture.findings.rules import FindingsReport
    from posture.session import AnalysedClip, Session, leg_table
    from tests.stats.test_sides import REAR, SIDE, clip

    a = clip(REAR, [1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    # sideways lean: left 3° (usual range up to 5°), right 7° (watch band up to 8°)
    a.strides["lateral_lean_peak_deg"] = [3.0, 3.0, 3.0, 6.5, 7.0, 7.5]
    session = Session("r", date(2026, 1, 1), [AnalysedClip("rear.mp4", a)], None,
                      FindingsReport([], [], []))
    t = leg_table(session).set_index("Metric")
    assert "Clip" not in t.columns  # one clip: no clip column
    lean = t.loc["Sideways trunk lean (peak in stance)"]
    assert (lean["Left"], lean["Right"], lean["Right - left"]) == ("3.0", "7.0", "+4.0")
    assert lean["Usual range"] == "up to 5.0°"
    assert lean["Left vs range"] == "✓ in range"
    assert lean["Right vs range"] == "▲ above range (watch)"
    side = Session("r", date(2026, 1, 1), [AnalysedClip("side.mp4", clip(SIDE, [1.0] * 3,
                                                                          [2.0] * 3))],
                   None, FindingsReport([], [], []))
    assert leg_table(side).empty
    two = Session("r", date(2026, 1, 1), [AnalysedClip("a.mp4", a, "fresh"),
                                          AnalysedClip("b.mp4", a, "fatigued")],
                  None, FindingsReport([], [], []))
    assert list(leg_table(two)["Clip"].unique()) == ["a.mp4", "b.mp4"]


def test_reopened_session_gets_its_video_and_cached_track_back(tmp_path, private_cache):
    """A reopened session whose clip is still on disk, unchanged, and whose pose track is
    cached gets both back (player, frame by frame); a changed clip or an emptied cache
    does not, and nothing runs the pose model."""
    from dataclasses import replace

    from posture.history import History, StoredClip
    from posture.io import cache
    from posture.pose.model import EXTRACTION_VERSION, ExtractionSettings
    from posture.session import reopen_session, session_details

    video = tmp_path / "run.mp4"
    write_plain_video(video, 660)
    settings = ExtractionSettings(start_s=0.0, end_s=22.0, runner_box_px=(1.0, 2.0, 30.0, 60.0))
    track = make_track(660)
    track = replace(track, extraction={**settings.to_dict(), "detected_fraction": 1.0})
    cache.store(cache.cache_key(video, settings.to_dict(), code_version=EXTRACTION_VERSION),
                track)
    clip = AnalysedClip("run.mp4", make_analysis(track, lean_drift_deg=6.0), "single",
                        str(video), track)
    s = build_session([clip], runner="Ana")
    h = History(tmp_path / "h.sqlite")
    sid = h.save_session(s.runner, [StoredClip(c.name, c.role, c.analysis) for c in s.clips],
                         session_date=s.session_date, details=session_details(s))

    back = reopen_session(h.load_session(sid)).clips[0]
    assert back.video_path == str(video.resolve())
    np.testing.assert_allclose(back.track.image_xy_px, track.image_xy_px, atol=1e-3)
    assert key_frame_images(reopen_session(h.load_session(sid)))  # drawn from the video

    original = video.read_bytes()
    video.write_bytes(original[:-10] + b"0123456789")  # same size, other content
    assert reopen_session(h.load_session(sid)).clips[0].video_path is None
    video.write_bytes(original)
    assert reopen_session(h.load_session(sid)).clips[0].track is not None
    for f in private_cache.rglob("*"):  # the track no longer cached
        if f.is_file():
            f.unlink()
    assert reopen_session(h.load_session(sid)).clips[0].video_path is None
    video.unlink()
    assert reopen_session(h.load_session(sid)).clips[0].video_path is None
    h.close()


def test_the_json_export_does_not_say_where_the_videos_are(one_clip):
    from dataclasses import replace
    from pathlib import Path

    from posture.pose.model import ExtractionSettings
    from posture.session import session_details

    c = one_clip.clips[0]
    clip = replace(c, track=replace(c.track, extraction=ExtractionSettings().to_dict()))
    s = replace(one_clip, clips=[clip])
    where = str(Path(c.video_path).resolve())
    assert session_details(s)["videos"][0]["path"] == where  # kept in the history
    doc = json.loads(session_json(s))
    assert "videos" not in doc["meta"] and where not in json.dumps(doc)  # not exported
