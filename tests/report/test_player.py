"""The "watch the change" player: matched stride windows, runner crop, two in-step clips.

The runner is the hand-built treadmill runner of ``tests/support/report.py`` (strides every
0.7 s, legs alternating, trunk lean rising late in the run); its plain video's frame ``i`` is
uniform grey ``40 + 2i``, so the frame shown at each output frame can be read back.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest

from posture.errors import TooFewStridesError
from posture.report.annotate import TRUNK
from posture.report.player import PlayerSide, plan_player, render_player, runner_crop
from posture.results import ViewEstimate
from posture.session import AnalysedClip, build_session, player_plan, player_sides
from posture.track import PoseTrack
from tests.support.report import FPS, STRIDE_S, W, make_analysis, make_track, write_plain_video

N = 660  # 22 s: early and late are judged, trunk lean has a finding with an example


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("player") / "run.mp4"
    write_plain_video(path, N)
    return path


@pytest.fixture(scope="module")
def session(video):
    track = make_track(N)
    clip = AnalysedClip("run.mp4", make_analysis(track, lean_drift_deg=6.0), "single",
                        str(video), track)
    return build_session([clip])


def _row(strides, stride: int):
    return strides[strides["stride"] == stride].iloc[0]


def _check_landings(plan, sides) -> None:
    """Every pair starts at a landing of the plan's leg in both clips, frames back to back."""
    a, b = sides
    first = 0
    for p in plan.pairs:
        ra, rb = _row(a.analysis.strides, p.a_stride), _row(b.analysis.strides, p.b_stride)
        assert ra["leg"] == rb["leg"] == plan.leg
        assert p.first_frame == first
        assert plan.rows_a[p.first_frame] == ra["frame_start"]
        assert plan.rows_b[p.first_frame] == rb["frame_start"]
        first += p.n_frames
    assert first == plan.n_frames == plan.rows_b.size


def test_windows_start_at_landings_with_as_many_strides_each(session):
    plan = player_plan(session)
    sides = player_sides(session)
    comp = session.comparison
    assert 2 <= len(plan.pairs) <= 8
    assert {p.a_stride for p in plan.pairs} <= set(comp.a.strides)  # early window
    assert {p.b_stride for p in plan.pairs} <= set(comp.b.strides)  # late window
    _check_landings(plan, sides)
    # One clip: both sides play in real time (frames of A and of B advance together).
    assert plan.fps == pytest.approx(FPS)
    assert plan.b_speed_pct == pytest.approx(0.0, abs=0.5)
    for p in plan.pairs:
        assert p.n_frames == round(STRIDE_S * FPS)
        assert np.all(np.diff(plan.rows_a[p.first_frame:p.first_frame + p.n_frames]) == 1)


def test_the_finding_example_is_a_jump_to_its_landing_in_both_clips(session):
    plan = player_plan(session)
    lean = next(f for f in session.findings.shown if f.metric == "trunk_lean_deg")
    assert f"Clearest example: stride {lean.example_stride}" in lean.measured
    jump = next(j for j in plan.jumps if j.metric == "trunk_lean_deg")
    assert jump.stride == lean.example_stride and jump.side == "b"
    strides = session.clips[0].analysis.strides
    t_example = _row(strides, lean.example_stride)["t_start_s"]
    track = session.clips[0].track
    assert abs(track.t_s[plan.rows_b[jump.frame]] - t_example) <= 1 / FPS + 1e-9
    pair = plan.pairs[jump.pair]
    assert pair.first_frame <= jump.frame < pair.first_frame + pair.n_frames
    # the early clip shows its matched stride's landing at the same output frame
    if jump.frame == pair.first_frame:
        assert plan.rows_a[jump.frame] == _row(strides, pair.a_stride)["frame_start"]


def test_faster_late_strides_are_stretched_onto_the_early_ones(session, video):
    """Fresh vs fatigued where the fatigued clip's strides are 10 % shorter: the fatigued
    clip plays 10 % slower than real time so that each landing meets its fresh partner."""
    a = session.clips[0]
    fast = replace(a.track, t_s=a.track.t_s * 0.9)
    sa = a.analysis.strides
    sb = sa.assign(t_start_s=sa["t_start_s"] * 0.9, t_end_s=sa["t_end_s"] * 0.9)
    side_a = PlayerSide("fresh", str(video), a.track, a.analysis)
    side_b = PlayerSide("fatigued", str(video), fast, replace(a.analysis, strides=sb))
    plan = plan_player(side_a, side_b)
    _check_landings(plan, (side_a, side_b))
    assert plan.b_speed_pct == pytest.approx(-10.0, abs=0.2)
    for p in plan.pairs:  # the same phase in both: B's rows advance like A's rows
        sl = slice(p.first_frame, p.first_frame + p.n_frames)
        tb = fast.t_s[plan.rows_b[sl]] - p.b_t_s[0]
        ta = a.track.t_s[plan.rows_a[sl]] - p.a_t_s[0]
        assert np.allclose(tb / 0.9, ta, atol=1.01 / FPS)


def _landmarks_inside(plan, track: PoseTrack, crop, rows) -> None:
    for r in np.unique(rows):
        x0, y0, x1, y1 = crop.box_at(float(track.t_s[r]))
        fw, fh = track.frame_size_px
        assert 0 <= x0 < x1 <= fw and 0 <= y0 < y1 <= fh
        xy = track.image_xy_px[r]
        xy = xy[np.isfinite(xy).all(axis=1)]
        assert np.all((xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0)
                      & (xy[:, 1] <= y1)), r


def test_crop_holds_the_runner_and_follows_a_runner_crossing_the_frame(session):
    plan = player_plan(session)
    a, b = player_sides(session)
    _landmarks_inside(plan, a.track, plan.crop_a, plan.rows_a)
    _landmarks_inside(plan, b.track, plan.crop_b, plan.rows_b)
    assert plan.crop_a.width_px < 0.6 * W  # cropped, not the whole frame
    assert plan.size_px[1] == 480 and plan.size_px[0] % 2 == 0
    # A runner moving 20 px/s across the frame: the box follows at that speed.
    track = a.track
    moving = replace(track, image_xy_px=track.image_xy_px
                     + np.stack([20.0 * (track.t_s - track.t_s[0]), 0 * track.t_s], 1)[:, None])
    rows = np.arange(60, 240)
    crop = runner_crop(moving, rows)
    assert crop.x_speed_px_s == pytest.approx(20.0, abs=0.5)
    assert crop.width_px == pytest.approx(runner_crop(track, rows).width_px, rel=0.02)
    _landmarks_inside(None, moving, crop, rows)


def _mirrored(track: PoseTrack) -> PoseTrack:
    xy = track.image_xy_px.copy()
    xy[..., 0] = track.frame_size_px[0] - xy[..., 0]
    return replace(track, image_xy_px=xy)


def test_mirrored_clip_gets_the_same_strides_and_a_mirrored_crop(session, video):
    a = session.clips[0]
    mirror = replace(a.analysis, view=ViewEstimate(view="side", facing="left", confidence=0.95,
                                                   near_side="left"))
    m_track = _mirrored(a.track)
    plain = plan_player(*player_sides(session))
    sides = (PlayerSide("early", str(video), m_track, mirror, session.comparison.a.strides),
             PlayerSide("late", str(video), m_track, mirror, session.comparison.b.strides))
    flip = plan_player(*sides)
    assert [(p.a_stride, p.b_stride) for p in flip.pairs] == [
        (p.a_stride, p.b_stride) for p in plain.pairs]
    assert flip.crop_a.x_centre_px == pytest.approx(W - plain.crop_a.x_centre_px, abs=1e-6)
    assert flip.crop_a.width_px == pytest.approx(plain.crop_a.width_px)
    _landmarks_inside(flip, m_track, flip.crop_a, flip.rows_a)


def test_dropped_frames_keep_landings_and_order(session, video):
    """Every fourth frame missing from the track (a phone dropping frames): the clips still
    start each pair at a landing, show frames in order, and last as long as before."""
    a = session.clips[0]
    keep = np.flatnonzero(np.arange(N) % 4 != 1)
    track = a.track.take(keep)
    s = a.analysis.strides
    new_row = {int(old): i for i, old in enumerate(keep)}
    strides = s[s["frame_start"].isin(new_row) & s["frame_end"].isin(new_row)].copy()
    for col in ("frame_start", "frame_end", "frame_midstance", "frame_toeoff"):
        strides[col] = [new_row.get(int(v), -1) for v in strides[col]]
    analysis = replace(a.analysis, strides=strides)
    ids_a = [i for i in session.comparison.a.strides if i in set(strides["stride"])]
    ids_b = [i for i in session.comparison.b.strides if i in set(strides["stride"])]
    sides = (PlayerSide("early", str(video), track, analysis, ids_a),
             PlayerSide("late", str(video), track, analysis, ids_b))
    plan = plan_player(*sides)
    _check_landings(plan, sides)
    for p in plan.pairs:
        sl = slice(p.first_frame, p.first_frame + p.n_frames)
        assert np.all(np.diff(plan.rows_a[sl]) >= 0) and np.all(np.diff(plan.rows_b[sl]) >= 0)
        assert p.n_frames == round((p.a_t_s[1] - p.a_t_s[0]) * plan.fps)
    _landmarks_inside(plan, track, plan.crop_a, plan.rows_a)


def test_no_common_leg_is_refused_with_a_message(session, video):
    a = session.clips[0]
    s = a.analysis.strides
    only_left = replace(a.analysis, strides=s[s["leg"] == "left"])
    only_right = replace(a.analysis, strides=s[s["leg"] == "right"])
    with pytest.raises(TooFewStridesError, match="same leg in both parts"):
        plan_player(PlayerSide("early", str(video), a.track, only_left),
                    PlayerSide("late", str(video), a.track, only_right))


def test_rendered_clips_play_in_step_and_show_the_planned_frames(session, tmp_path):
    a, b = player_sides(session)
    plan = plan_player(a, b, max_pairs=3)
    seen = []
    pa, pb = render_player(plan, a, b, tmp_path / "a.mp4", tmp_path / "b.mp4",
                           progress=lambda d, t: seen.append((d, t)))
    decoded = []
    for path in (pa, pb):
        with av.open(str(path)) as c:
            st = c.streams.video[0]
            assert st.codec_context.name == "h264" and st.codec_context.pix_fmt == "yuv420p"
            assert float(st.average_rate) == pytest.approx(plan.fps, rel=1e-3)
            decoded.append([f.to_ndarray(format="rgb24") for f in c.decode(st)])
    fa, fb = decoded
    assert len(fa) == len(fb) == plan.n_frames
    assert fa[0].shape == fb[0].shape == (plan.size_px[1], plan.size_px[0], 3)
    assert seen[-1] == (plan.n_frames, plan.n_frames)
    # A's frames are the planned source frames: plain frame i is grey 40 + 2i (bottom-right
    # corner, away from the drawing); B's frames are past grey 255.
    for j in range(0, plan.n_frames, 7):
        want = min(255, 40 + 2 * int(plan.rows_a[j]))
        assert abs(float(fa[j][-6:, -6:].mean()) - want) < 5, j
    yellow = (np.abs(fa[3].astype(int) - np.array(TRUNK)).sum(axis=2) < 90).sum()
    assert yellow > 30  # trunk line drawn inside the crop

