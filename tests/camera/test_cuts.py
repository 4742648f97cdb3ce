"""Shot cuts: found from the body's jumps, never fooled by a runner crossing the picture or a
panning camera; no stride spans a cut."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from posture.analysis.side import analyze_side
from posture.camera.cuts import find_breaks, find_cuts
from posture.track import PoseTrack
from tests.support.paths import SHARED
from tests.support.side_stick import Stick, stick_track

CUT_S = 4.0


def _two_shots(scale: float = 0.6, shift_px: tuple[float, float] = (150.0, 30.0),
               blend_frames: int = 4):
    """One run filmed as two shots: from ``CUT_S`` on, the runner is smaller and elsewhere.
    The change is spread over ``blend_frames`` frames, as landmark smoothing spreads a cut,
    so no single frame jumps far enough for the stride checks to notice."""
    tr = stick_track(Stick(duration_s=8.0))
    xy = tr.image_xy_px.copy()
    w = np.clip((tr.t_s - CUT_S) * tr.fps / blend_frames + 1 / blend_frames, 0.0, 1.0)
    c = np.nanmean(xy[tr.t_s >= CUT_S][:, [23, 24]], axis=(0, 1))  # the hips' mean position
    moved = (xy - c) * scale + c + np.array(shift_px)
    xy = xy + w[:, None, None] * (moved - xy)
    return replace(tr, image_xy_px=xy)


def test_the_cut_is_found_at_its_frame() -> None:
    tr = _two_shots()
    cuts = find_cuts(tr)
    assert len(cuts) == 1
    assert CUT_S - 1.5 / tr.fps <= tr.t_s[cuts[0]] <= CUT_S + 4.5 / tr.fps


@pytest.mark.parametrize("speed_px_s", [0.0, 300.0, 900.0])
def test_no_cut_in_one_continuous_shot(speed_px_s: float) -> None:
    """Treadmill (or a panning camera: the body stays put) and a runner crossing a still
    picture at up to 900 px/s (about 2 body heights a second)."""
    assert find_cuts(stick_track(Stick(duration_s=6.0, speed_px_s=speed_px_s))) == []


def test_a_far_jump_is_a_cut_too() -> None:
    assert len(find_cuts(_two_shots(scale=1.0, shift_px=(300.0, 40.0), blend_frames=1))) == 1


def test_no_stride_spans_a_cut_and_the_user_is_told() -> None:
    a = analyze_side(_two_shots())
    s = a.strides
    assert not ((s["t_start_s"] < CUT_S) & (s["t_end_s"] > CUT_S)).any()
    assert (s["t_end_s"] <= CUT_S).sum() >= 3 and (s["t_start_s"] >= CUT_S).sum() >= 3
    flag = next(f for f in a.quality if f.code == "cuts")
    assert "1 cut (at 4.0 s), so 2 shots" in flag.message or \
        "1 cut (at 4.1 s), so 2 shots" in flag.message


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.exists(), reason="shared real clips not available")
@pytest.mark.parametrize("name,slowmo", [("side_road_tracking-shot_pauldess1.mp4", 2.0),
                                         ("side_track_tracking-shot_betterforerunner.mp4", None),
                                         ("side_street_static-cam_50fps_cezaraandreea.mp4", None)])
def test_real_panning_and_crossing_shots_have_no_cuts(name: str, slowmo) -> None:
    from posture.pose.extract import extract_pose_cached
    from posture.signal.clean import clean_track

    assert find_cuts(clean_track(extract_pose_cached(SHARED / name, slowmo_factor=slowmo))) == []


def _scene(seed: int, width: int, height: int = 120) -> np.ndarray:
    """A smooth random picture (a background), wider than the frame so it can pan."""
    import cv2

    rng = np.random.default_rng(seed)
    coarse = rng.uniform(30, 225, (height // 40 + 2, width // 40 + 2, 3)).astype(np.float32)
    return cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC).clip(
        0, 255).astype(np.uint8)


def _clip_for(tr: PoseTrack, path: Path, pan_px_per_frame: float,
              cut_s: float | None) -> PoseTrack:
    """Render a background clip with the track's frame times (one shot, or two from
    ``cut_s`` on) and point the track at it; the runner's body is the same in both shots."""
    from tests.support.videogen import write_clip

    width = 168 + int(np.ceil(tr.n_frames * pan_px_per_frame))
    shots = (_scene(1, width), _scene(2, width))

    def frame(i: int, t_s: float) -> np.ndarray:
        scene = shots[1] if cut_s is not None and t_s >= cut_s - 1e-9 else shots[0]
        x = round(i * pan_px_per_frame)
        return np.ascontiguousarray(scene[:, x:x + 160])

    write_clip(path, tr.t_s, make_frame=frame, rate=round(tr.fps))
    return replace(tr, info=replace(tr.info, path=str(path)))


def test_a_cut_between_shots_that_frame_the_runner_alike_is_found_from_the_picture(
        tmp_path: Path) -> None:
    """A montage may cut between two shots with the runner at the same place and size (two
    of the four cuts of the real front road clip): the body does not jump, the picture does."""
    tr = _clip_for(stick_track(Stick(duration_s=6.0)), tmp_path / "cut.mp4", 2.0, CUT_S)
    cuts = find_cuts(tr)
    assert len(cuts) == 1 and abs(tr.t_s[cuts[0]] - CUT_S) < 0.5 / tr.fps


@pytest.mark.parametrize("pan_px_per_frame", [0.0, 3.0, 8.0])
def test_a_panning_picture_is_not_a_cut(tmp_path: Path, pan_px_per_frame: float) -> None:
    """A tracking shot moves the whole background every frame, but by about as much in every
    frame around it: no cut (8 px of 160 per frame is a fast pan)."""
    tr = _clip_for(stick_track(Stick(duration_s=6.0)), tmp_path / "pan.mp4",
                   pan_px_per_frame, None)
    assert find_cuts(tr) == []


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.exists(), reason="shared real clips not available")
def test_real_montage_cuts_are_all_found() -> None:
    """Front road clip, same runner at four paces: cuts judged by eye at stream frames 76,
    150, 226 and 301 (the first frame of each new shot). The body box alone found 2 (78, 150):
    at 226 and 301 the runner stands at the same place and size in both shots."""
    from posture.pipeline import AnalysisOptions, extract_track
    from posture.signal.clean import clean_track

    tr = clean_track(extract_track(SHARED / "front_road_multi-pace_bellamyceleman.mp4",
                                   AnalysisOptions()))
    assert [int(tr.frame_index[c]) for c in find_cuts(tr)] == [76, 150, 226, 301]


def _jumping(duration_s: float = 8.0, jump_s: float = 5.5) -> PoseTrack:
    """One continuous run whose tracked body jumps 300 px sideways at ``jump_s`` (the pose
    model moving to another person), in one frame."""
    tr = stick_track(Stick(duration_s=duration_s))
    xy = tr.image_xy_px.copy()
    xy[tr.t_s >= jump_s] += np.array([300.0, 40.0])
    return replace(tr, image_xy_px=xy)


def test_a_body_jump_while_the_picture_goes_on_is_not_a_cut(tmp_path: Path) -> None:
    """The same body jump is a cut when the picture cuts too (or cannot be read), and a
    jump of the tracked body when the picture goes on unchanged."""
    tr = _jumping()
    assert len(find_breaks(tr)[0]) == 1 and find_breaks(tr)[1] == []  # no video: a cut
    still = _clip_for(tr, tmp_path / "still.mp4", 2.0, None)
    cuts, jumps = find_breaks(still)
    assert cuts == [] and len(jumps) == 1 and abs(still.t_s[jumps[0]] - 5.5) < 1.5 / tr.fps
    assert find_cuts(still) == []
    cut = _clip_for(tr, tmp_path / "cut.mp4", 2.0, 5.5)
    cuts, jumps = find_breaks(cut)
    assert len(cuts) == 1 and jumps == []


def test_only_the_longest_stretch_on_one_body_is_analysed(tmp_path: Path) -> None:
    tr = _clip_for(_jumping(), tmp_path / "still.mp4", 2.0, None)
    a = analyze_side(tr)
    assert (a.strides["t_end_s"] <= 5.5).all() and len(a.strides) >= 3
    codes = {f.code for f in a.quality}
    assert "body_jumps" in codes and "cuts" not in codes
    flag = next(f for f in a.quality if f.code == "body_jumps")
    assert "jumped once (at 5.5 s)" in flag.message
    assert "not a cut of the film" in flag.message and "(0.0-5.5 s)" in flag.message


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.exists(), reason="shared real clips not available")
def test_real_sprint_clip_body_jumps_are_not_cuts() -> None:
    """Three sprinters, one panning shot without a cut: the body the pose model follows jumps
    between people (4-5 times once glitches that return are left out; 6-8 body breaks in
    all). None is called a cut; the refusal says what happened (the longest stretch on one
    body, 3.8-11.9 s, gives one clean stride)."""
    from posture.errors import TooFewStridesError
    from posture.pipeline import AnalysisOptions, analyze_video, extract_track
    from posture.signal.clean import clean_track

    clip = SHARED / "multi_track_sprint-100m_sports2d-demo2.mp4"
    cuts, jumps = find_breaks(clean_track(extract_track(clip, AnalysisOptions())))
    assert cuts == [] and len(jumps) >= 3
    with pytest.raises(TooFewStridesError) as err:
        analyze_video(clip)
    msg = str(err.value)
    assert "not a cut of the film" in msg and "Only the longest stretch on one body" in msg
    assert " cuts (" not in msg
