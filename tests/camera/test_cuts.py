"""Shot cuts: found from the body's jumps, never fooled by a runner crossing the picture or a
panning camera; no stride spans a cut."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from posture.analysis.side import analyze_side
from posture.camera.cuts import find_cuts
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
