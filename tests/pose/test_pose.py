"""Pose extraction on real and generated clips (kept to a few seconds of video each)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from posture.errors import ClipTooShortError, NoRunnerError
from posture.io.video import iter_frames
from posture.landmarks import LM
from posture.pose import extract as pose
from posture.track import TRUNK_PROFILE_S
from tests.support import videogen as vg
from tests.support.paths import SHARED

ROTATED = SHARED / "side_road_rotated-meta_alkaid976.mp4"
GYM = SHARED / "side_treadmill_gym_60fps_mhuang24.mp4"
needs_shared = pytest.mark.skipif(not ROTATED.exists(), reason="shared videos not available")


pytestmark = pytest.mark.usefixtures("private_cache")  # never the user's pose cache


def _mid(xy: np.ndarray, a: LM, b: LM) -> np.ndarray:
    return 0.5 * (xy[:, a] + xy[:, b])


@needs_shared
def test_rotated_phone_clip_gives_an_upright_runner() -> None:
    calls: list[tuple[int, int]] = []
    tr = pose.extract_pose(ROTATED, start_s=1.0, end_s=3.5, workers=1,
                           progress=lambda d, t: calls.append((d, t)))
    assert tr.frame_size_px == (480, 220)
    assert 70 <= tr.n_frames <= 80
    assert tr.t_s[0] == pytest.approx(1.0, abs=0.04) and tr.t_s[-1] == pytest.approx(3.5, abs=0.04)
    assert tr.detected.mean() > 0.9
    xy = tr.image_xy_px[tr.detected]
    sh = _mid(xy, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER)
    hip = _mid(xy, LM.LEFT_HIP, LM.RIGHT_HIP)
    ankle = _mid(xy, LM.LEFT_ANKLE, LM.RIGHT_ANKLE)
    # upright: head above shoulders above hips above ankles (y down), trunk near vertical
    assert (xy[:, LM.NOSE, 1] < sh[:, 1]).all() and (sh[:, 1] < hip[:, 1]).all()
    assert (hip[:, 1] < ankle[:, 1]).all()
    trunk = sh - hip
    lean_deg = np.degrees(np.arctan2(np.abs(trunk[:, 0]), -trunk[:, 1]))
    assert np.median(lean_deg) < 25
    # landmarks lie inside the upright frame, in full-resolution pixels
    assert np.nanmax(xy[..., 0]) < 480 and np.nanmax(xy[..., 1]) < 220
    # the trunk outline is there and has a plausible half-width (px) at mid-trunk
    mid = np.argmin(np.abs(TRUNK_PROFILE_S - 0.5))
    half_width = tr.trunk_edges_px[tr.detected, mid]
    assert np.isfinite(half_width).mean() > 0.8
    trunk_len = np.median(np.linalg.norm(trunk, axis=1))
    assert 0.05 * trunk_len < np.nanmedian(half_width) < 0.6 * trunk_len
    assert np.isfinite(tr.world_xyz_m[tr.detected]).all()
    assert calls[-1][0] == tr.n_frames and len(calls) >= tr.n_frames
    assert tr.extraction["working_max_side_px"] == pose.WORKING_MAX_SIDE_PX


def test_blank_clip_has_no_runner(tmp_path: Path) -> None:
    p = vg.write_clip(tmp_path / "blank.mp4", vg.regular_times(2.2, 30),
                      make_frame=vg.blank_frame())
    with pytest.raises(NoRunnerError, match="No person was found"):
        pose.extract_pose(p, workers=1)


@needs_shared
def test_runner_in_too_few_frames(tmp_path: Path) -> None:
    # 0.8 s of the runner, then 1.6 s of an empty street.
    runner = [f.image_rgb for f in iter_frames(ROTATED, start_s=1.0, end_s=1.8)]
    h, w = runner[0].shape[:2]

    def make(i: int, t: float) -> np.ndarray:
        return runner[i] if i < len(runner) else np.full((h, w, 3), 90, np.uint8)

    p = vg.write_clip(tmp_path / "brief.mp4", vg.regular_times(2.4, 30), make_frame=make,
                      width=w, height=h)
    with pytest.raises(NoRunnerError, match=r"found in only \d+% of the frames"):
        pose.extract_pose(p, workers=1)


def test_window_shorter_than_two_seconds_is_refused(tmp_path: Path) -> None:
    p = vg.write_clip(tmp_path / "ok.mp4", vg.regular_times(3.0, 30))
    with pytest.raises(ClipTooShortError, match="window"):
        pose.extract_pose(p, start_s=1.5, end_s=2.5)


@needs_shared
def test_two_processes_agree_with_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pose, "MIN_SPLIT_FRAMES", 50)
    one, two = {}, {}
    a = pose.extract_pose(ROTATED, end_s=4.2, workers=1, stats=one)
    b = pose.extract_pose(ROTATED, end_s=4.2, workers=2, stats=two)
    assert one["mode"] == "1 process" and two["mode"] == "2 processes"
    np.testing.assert_array_equal(a.t_s, b.t_s)
    np.testing.assert_array_equal(a.frame_index, b.frame_index)
    assert (a.detected == b.detected).mean() > 0.97
    both = a.detected & b.detected
    d = np.linalg.norm(a.image_xy_px[both] - b.image_xy_px[both], axis=-1)
    trunk = np.linalg.norm(_mid(a.image_xy_px[both], LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER)
                           - _mid(a.image_xy_px[both], LM.LEFT_HIP, LM.RIGHT_HIP), axis=-1)
    # identical before the split; after it the second process has had 1 s to settle
    assert np.median(d) < 0.02 * np.median(trunk)
    assert np.percentile(d, 95) < 0.15 * np.median(trunk)


@pytest.mark.skipif(not GYM.exists(), reason="shared videos not available")
def test_two_runners_give_a_warning_one_does_not(tmp_path: Path) -> None:
    # The same treadmill runner twice, side by side (the copy mirrored and out of phase).
    frames = [f.image_rgb for f in iter_frames(GYM, start_s=1.0, end_s=3.3, max_side_px=400)]
    h, w = frames[0].shape[:2]

    def make_two(i: int, t: float) -> np.ndarray:
        a, b = frames[2 * i % len(frames)], frames[(2 * i + 40) % len(frames)]
        return np.concatenate([a, b[:, ::-1]], axis=1)

    def make_one(i: int, t: float) -> np.ndarray:  # the same, other half an empty panel
        a = frames[2 * i % len(frames)]
        return np.concatenate([a, np.full_like(a, 110)], axis=1)

    for make, expect in ((make_two, True), (make_one, False)):
        p = vg.write_clip(tmp_path / f"{make.__name__}.mp4", vg.regular_times(2.2, 30),
                          make_frame=make, width=2 * w, height=h)
        tr = pose.extract_pose(p, workers=1)
        assert tr.detected.mean() > 0.9
        # two who run: one is chosen and the note says so (and how to choose the other)
        chosen = [w for w in tr.warnings if w.code == "pose_runner_chosen"]
        assert bool(chosen) == expect
        assert not chosen or "2 people were running" in chosen[0].message


def test_track_jumps_are_counted() -> None:
    t = np.arange(60) / 30.0
    xy = np.zeros((60, 33, 2))
    xy[:, :, 0] = 100 + np.linspace(0, 40, 33)[None, :] * 0.5 + 2 * t[:, None]  # walks right
    xy[:, :, 1] = np.linspace(100, 300, 33)[None, :]  # 200 px tall
    assert pose.count_track_jumps(t, xy) == 0
    jumped = xy.copy()
    jumped[30:, :, 0] += 400  # the model switches to someone 2 box heights away
    assert pose.count_track_jumps(t, jumped) == 1
    gap = jumped.copy()
    gap[25:30] = np.nan
    gap[22:25] = np.nan
    gap[18:22] = np.nan  # 12 frames (0.4 s) without anyone: a re-detection, not a jump
    assert pose.count_track_jumps(t, gap) == 0
