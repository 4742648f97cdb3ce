"""A side clip and a rear clip of the same run as one session (issue 7): both planes'
early-versus-late comparisons, one merged list of findings, files and history round trip.

Runs on the bundled samples' shipped pose tracks (no pose model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from posture.errors import WrongViewError
from posture.history import History, StoredClip
from posture.pipeline import AnalysisOptions, analyze_track
from posture.session import (
    AnalysedClip,
    build_session,
    change_judged,
    comparisons,
    key_frame_images,
    order_view_pair,
    plot_series,
    session_json,
    session_pdf,
)
from posture.track import PoseTrack
from tests.support.paths import DEMO, SAMPLES


def _clip(stem: str, role: str) -> AnalysedClip:
    npz = DEMO / f"{stem}.track.npz"
    if not npz.exists():
        pytest.skip(f"no shipped pose track for {stem}")
    track = PoseTrack.load(npz)
    return AnalysedClip(f"{stem}.mp4", analyze_track(track, AnalysisOptions()), role,
                        str(SAMPLES / f"{stem}.mp4"), track)


@pytest.fixture(scope="module")
def side() -> AnalysedClip:
    return _clip("fresh_side", "side")


@pytest.fixture(scope="module")
def rear() -> AnalysedClip:
    return _clip("rear_sway", "frontal")


@pytest.fixture(scope="module")
def pair(side, rear):
    # Given in the wrong order on purpose: the detected views decide which is which.
    return build_session([rear, side], runner="Cleo")


def test_pair_holds_one_early_late_comparison_per_plane(pair):
    assert pair.view_pair and not pair.two_clips
    assert [c.analysis.view.view for c in pair.clips] == ["side", "rear"]
    assert [c.role for c in pair.clips] == ["side", "frontal"]
    (t_side, c_side), (t_rear, c_rear) = comparisons(pair)
    assert (t_side, t_rear) == ("Side view", "From behind")
    assert c_side.labels == c_rear.labels == ("early", "late")
    side_m = {m for m, c in c_side.changes.items() if c.a_n > 0}
    rear_m = {m for m, c in c_rear.changes.items() if c.a_n > 0}
    assert {"trunk_lean_deg", "overstride_pct_leg"} <= side_m
    assert {"lateral_sway_pct_hip", "pelvic_drop_deg"} <= rear_m
    assert "lateral_sway_pct_hip" not in side_m and "trunk_lean_deg" not in rear_m
    assert pair.title == "side view and from behind, early versus late in each"
    # Both clips carry the runner's size, so each early/late comparison checks the distance.
    assert pair.clips[1].analysis.strides["hip_width_px"].gt(10).all()
    assert "camera_distance_unchecked" not in {w.code for w in pair.findings.warnings}
    assert change_judged(pair) == any(
        c.verdict != "not enough data" for _, comp in comparisons(pair)
        for c in comp.changes.values())


def test_findings_of_both_clips_are_ranked_together(pair):
    parts = pair.parts
    every = [f.metric for p in parts
             for f in (*p.findings.shown, *p.findings.more, *p.findings.to_check)]
    merged = [f.metric for f in
              (*pair.findings.shown, *pair.findings.more, *pair.findings.to_check)]
    assert sorted(merged) == sorted(every)
    assert [f.rank for f in pair.findings.shown] == list(range(1, len(pair.findings.shown) + 1))
    scores = [f.score for f in pair.findings.shown]
    assert scores == sorted(scores, reverse=True)
    assert pair.findings.care_note


def test_same_views_are_refused_with_a_message(side):
    other = AnalysedClip("b.mp4", side.analysis, "frontal")
    with pytest.raises(WrongViewError, match="one clip filmed from the side and one from behind"):
        order_view_pair(side, other)


def test_pair_files(pair, tmp_path):
    doc = json.loads(session_json(pair))
    assert set(doc["comparison"]["pair"]) == {"side", "rear"}
    assert "trunk_lean_deg" in doc["comparison"]["pair"]["side"]["changes"]
    assert set(doc["clips"]) == {"fresh_side.mp4", "rear_sway.mp4"}
    with pytest.raises(ValueError, match="one clip at a time"):
        plot_series(pair)
    pdf = session_pdf(pair, key_frames_rgb=[])
    assert pdf[:5] == b"%PDF-"
    assert pdf.count(b"/Subtype /Image") == 2  # one per-stride overview per clip


def test_pair_key_frames_cover_both_cameras(pair):
    if not all(Path(c.video_path).exists() for c in pair.clips):
        pytest.skip("bundled sample videos missing")
    frames = key_frame_images(pair, max_side_px=240)
    captions = [c for c, _ in frames]
    assert len(frames) == 8
    assert sum(c.startswith("Side view: ") for c in captions) == 4
    assert sum(c.startswith("From behind: ") for c in captions) == 4


def test_history_reopens_a_pair_as_a_pair(pair, tmp_path):
    h = History(tmp_path / "h.sqlite")
    sid = h.save_session("Cleo", [StoredClip(c.name, c.role, c.analysis) for c in pair.clips])
    stored = h.load_session(sid)
    again = build_session([AnalysedClip(c.clip_name, c.analysis, c.role) for c in stored.clips])
    assert again.view_pair
    assert [p.view for p in again.parts] == ["side", "rear"]
    a = pair.parts[1].comparison.changes["lateral_sway_pct_hip"]
    b = again.parts[1].comparison.changes["lateral_sway_pct_hip"]
    assert b.verdict == a.verdict
    assert b.b_mean == pytest.approx(a.b_mean, abs=1e-6)
    assert b.change == pytest.approx(a.change, abs=1e-6, nan_ok=True)
    h.close()
