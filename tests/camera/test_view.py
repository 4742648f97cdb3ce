"""View, facing and near side: the documented rules and thresholds."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from posture.camera.view import (
    SIDE_MAX_RATIO,
    decide_facing,
    detect_view,
    estimate_view,
    width_ratio,
)
from posture.landmarks import LM
from tests.support.side_stick import Stick, stick_track


def _frontal(s: Stick, *, nose_nearer: bool):
    tr = stick_track(s)
    world = tr.world_xyz_m.copy()
    world[:, LM.NOSE, 2] = -0.1 if nose_nearer else 0.1
    world[:, [LM.LEFT_EAR, LM.RIGHT_EAR], 2] = 0.0
    return replace(tr, world_xyz_m=world)


def test_side_view_right_and_left_facing() -> None:
    v = estimate_view(stick_track(Stick(facing=1, near="left")))
    assert (v.view, v.facing, v.near_side) == ("side", "right", "left")
    assert v.confidence > 0.9
    v = estimate_view(stick_track(Stick(facing=-1, near="right")))
    assert (v.view, v.facing, v.near_side) == ("side", "left", "right")


def test_mirrored_clip_flips_facing_and_near_side() -> None:
    tr = stick_track(Stick(facing=1, near="left"))
    v = estimate_view(tr.mirrored())
    assert (v.facing, v.near_side) == ("left", "right")


def test_width_ratio_threshold() -> None:
    """(shoulder + hip width) / trunk height: just under 0.6 is side, just over is frontal."""
    trunk = Stick().trunk_px
    under = Stick(shoulder_width_px=0.58 * trunk * 2 / 3, hip_width_px=0.58 * trunk / 3)
    over = Stick(shoulder_width_px=0.62 * trunk * 2 / 3, hip_width_px=0.62 * trunk / 3)
    assert width_ratio(stick_track(under)) == pytest.approx(0.58, abs=1e-6)
    assert detect_view(stick_track(under)).view == "side"
    assert detect_view(stick_track(over)).view in ("rear", "front")
    assert SIDE_MAX_RATIO == 0.6


def test_rear_and_front_from_nose_depth() -> None:
    wide = Stick(shoulder_width_px=110.0, hip_width_px=55.0)
    assert estimate_view(_frontal(wide, nose_nearer=True)).view == "front"
    rear = estimate_view(_frontal(wide, nose_nearer=False))
    assert (rear.view, rear.facing) == ("rear", "away")
    assert rear.confidence > 0.5


def test_rear_and_front_from_shoulder_order_without_world() -> None:
    """No world landmarks: runner's left on image right means we see the front."""
    tr = stick_track(Stick(shoulder_width_px=110.0, hip_width_px=55.0, near="left"))
    tr = replace(tr, world_xyz_m=np.full_like(tr.world_xyz_m, np.nan))
    # the stick puts the near (left) side at +x
    assert tr.image_xy_px[0, LM.LEFT_SHOULDER, 0] > tr.image_xy_px[0, LM.RIGHT_SHOULDER, 0]
    assert detect_view(tr).view == "front"
    # runner's left on image left: seen from behind (mirroring would not do this: a
    # mirrored front view is still a front view)
    tr = stick_track(Stick(shoulder_width_px=110.0, hip_width_px=55.0, near="right"))
    tr = replace(tr, world_xyz_m=np.full_like(tr.world_xyz_m, np.nan))
    assert detect_view(tr).view == "rear"


def test_forced_view_and_roll_override() -> None:
    tr = _frontal(Stick(shoulder_width_px=110.0, hip_width_px=55.0), nose_nearer=False)
    v = estimate_view(tr, forced="side", roll_override_deg=2.5)
    assert v.view == "side" and v.confidence == pytest.approx(1.0, abs=0.01)
    assert (v.camera_roll_deg, v.roll_source) == (2.5, "user")
    with pytest.raises(ValueError):
        estimate_view(tr, forced="top")


def test_facing_votes_travel_counts_double() -> None:
    # nose and feet disagree with travel: overground facing is the travel direction
    sign, conf = decide_facing({"nose": -1.0, "feet": 1.0, "travel": -1.0})
    assert sign == -1 and conf == pytest.approx(0.5)
    sign, conf = decide_facing({"nose": 1.0, "feet": 1.0, "travel": 0.0})
    assert sign == 1 and conf == pytest.approx(1.0)


def test_travel_direction_detected_overground() -> None:
    det = detect_view(stick_track(Stick(speed_px_s=-120.0, facing=1)))
    assert det.facing_votes["travel"] == -1.0
    det = detect_view(stick_track(Stick(speed_px_s=120.0, facing=1)))
    assert det.facing_votes["travel"] == 1.0 and det.facing_sign == 1


def test_tracking_shot_drift_does_not_outvote_the_body() -> None:
    # a tracking shot: the runner drifts backwards by more than a leg length but stays within
    # a narrow band of the picture (the rotated road clip: 1.2 legs, 10 % of the width);
    # nose and feet face forward and decide
    track = stick_track(Stick(speed_px_s=-50.0, facing=1))
    xy = track.image_xy_px
    hip_x = (xy[:, 23, 0] + xy[:, 24, 0]) / 2
    leg_px = np.nanmedian(np.hypot(*(xy[:, 23] - xy[:, 25]).T)
                          + np.hypot(*(xy[:, 25] - xy[:, 27]).T))
    assert np.ptp(hip_x) > 1.0 * leg_px and np.ptp(hip_x) < 0.3 * track.frame_size_px[0]
    det = detect_view(track)
    assert det.facing_votes["travel"] == 0.0 and det.facing_sign == 1


def test_scene_roll_hint_is_used_for_side_and_frontal_views() -> None:
    from posture.camera.scene_lines import SceneRoll, family

    f = family(np.full(20, 2.5), np.full(20, 100.0))
    scene = SceneRoll(2.5, True, "", f, f, 8)
    side = estimate_view(stick_track(Stick(facing=1, near="left")), scene_roll=scene)
    assert (side.camera_roll_deg, side.roll_source) == (2.5, "scene_lines")
    wide = Stick(shoulder_width_px=110.0, hip_width_px=55.0)
    rear = estimate_view(_frontal(wide, nose_nearer=False), scene_roll=scene)
    assert (rear.camera_roll_deg, rear.roll_source) == (2.5, "scene_lines")
    user = estimate_view(_frontal(wide, nose_nearer=False), scene_roll=scene,
                         roll_override_deg=-1.0)
    assert (user.camera_roll_deg, user.roll_source) == (-1.0, "user")
    refused = SceneRoll(float("nan"), False, "too few lines", f, f, 8)
    none = estimate_view(stick_track(Stick(facing=1, near="left")), scene_roll=refused)
    assert (none.camera_roll_deg, none.roll_source) == (0.0, "none")
