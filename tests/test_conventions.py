"""Each convention stated in docs/conventions.md, pinned numerically."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from posture.analysis.side import analyze_side
from posture.camera.roll import level_track, roll_track
from posture.camera.view import near_side
from posture.gait.side import detect_events, leg_length_px
from posture.geometry import forward_up, rotate_points
from posture.landmarks import LM
from posture.metrics import side as m
from tests.support.side_stick import Stick, stick_track


def _unit(angle_deg: float) -> np.ndarray:
    """Image vector pointing UP and tilted ``angle_deg`` toward image +x."""
    a = np.radians(angle_deg)
    return np.array([np.sin(a), -np.cos(a)])


def test_image_frame_y_down_and_runner_frame() -> None:
    """y grows downward; z_up = -y; x_fwd = facing * x."""
    x_fwd, z_up = forward_up(np.array([[10.0, 300.0], [10.0, 100.0]]), facing=-1)
    assert z_up[1] > z_up[0]  # smaller y = higher
    np.testing.assert_allclose(x_fwd, [-10.0, -10.0])


def test_angle_zeros_and_signs() -> None:
    hip = np.array([500.0, 400.0])
    # trunk lean: 0 upright, + shoulders ahead of hips in the running direction
    assert m.trunk_lean_deg(hip, hip + 100 * _unit(0), facing=1) == pytest.approx(0.0)
    assert m.trunk_lean_deg(hip, hip + 100 * _unit(5), facing=1) == pytest.approx(5.0)
    assert m.trunk_lean_deg(hip, hip + 100 * _unit(-5), facing=-1) == pytest.approx(5.0)
    # knee flexion: 0 straight
    straight = m.knee_flexion_deg(hip, hip + np.array([0, 100]), hip + np.array([0, 200]))
    assert straight == pytest.approx(0.0)
    # shank: + ankle ahead of knee; hip extension: + knee behind hip
    knee = hip + np.array([0.0, 200.0])
    assert m.shank_angle_deg(knee, knee + np.array([10.0, 100.0]), facing=1) > 0
    assert m.shank_angle_deg(knee, knee + np.array([10.0, 100.0]), facing=-1) < 0
    assert m.hip_extension_deg(hip, hip + np.array([-30.0, 200.0]), facing=1) > 0
    # foot: + toes up (toe higher = smaller y)
    assert m.foot_angle_deg(np.array([0.0, 500.0]), np.array([50.0, 490.0]), facing=1) > 0
    # overstride: + ankle ahead of the hips
    assert m.overstride_pct_leg(hip + np.array([24.0, 250.0]), hip, 240.0, facing=1) == \
        pytest.approx(10.0)


def test_roll_sign_and_correction() -> None:
    """+roll: scene turned clockwise on screen; levelling rotates back about the centre."""
    c = (640.0, 360.0)
    up = rotate_points(np.array([[640.0, 260.0]]), 3.0, c)[0] - np.array(c)
    np.testing.assert_allclose(up / 100, _unit(3.0), atol=1e-12)
    tr = stick_track(Stick(duration_s=0.5))
    np.testing.assert_allclose(level_track(roll_track(tr, 3.0), 3.0).image_xy_px,
                               tr.image_xy_px, atol=1e-9)


def test_left_facing_runner_is_the_mirror_image() -> None:
    tr = stick_track(Stick(duration_s=4.0, facing=1, near="left"))
    a, b = analyze_side(tr), analyze_side(tr.mirrored())
    assert (a.view.facing, b.view.facing) == ("right", "left")
    assert (a.view.near_side, b.view.near_side) == ("left", "right")
    for name in ("trunk_lean_deg", "shank_angle_ic_deg", "foot_angle_ic_deg", "cadence_spm"):
        assert b.summary[name] == pytest.approx(a.summary[name], abs=1e-6)


def test_leg_length_is_thigh_plus_shank() -> None:
    tr = stick_track(Stick(thigh_px=130.0, shank_px=110.0, duration_s=0.5))
    np.testing.assert_allclose(leg_length_px(tr.image_xy_px, "left"), 240.0)


def test_near_side_is_the_smaller_world_depth() -> None:
    tr = stick_track(Stick(duration_s=0.5, near="left"))
    assert near_side(tr) == "left"
    world = tr.world_xyz_m.copy()
    world[..., 2] *= -1
    assert near_side(replace(tr, world_xyz_m=world)) == "right"


def test_stride_contract() -> None:
    """Stride = IC to next IC of the same leg; frames are track rows; cadence = 120 / T."""
    tr = stick_track(Stick(duration_s=4.0))
    ev = detect_events(tr, facing=1, refine=False)
    st = ev.valid_strides
    left = ev.legs["left"]
    first = st[st["leg"] == "left"].iloc[0]
    assert first["t_start_s"] == left.ic_t_s[0] and first["t_end_s"] == left.ic_t_s[1]
    assert first["cadence_spm"] == pytest.approx(120.0 / (left.ic_t_s[1] - left.ic_t_s[0]))
    assert abs(tr.t_s[int(first["frame_start"])] - first["t_start_s"]) <= 0.5 / tr.fps
    # IC (Zeni) is where the heel is furthest ahead of the hip midpoint
    heel_ahead = tr.image_xy_px[:, LM.LEFT_HEEL, 0] - (
        tr.image_xy_px[:, LM.LEFT_HIP, 0] + tr.image_xy_px[:, LM.RIGHT_HIP, 0]) / 2
    f = int(first["frame_start"])
    assert heel_ahead[f] >= heel_ahead[f - 1] and heel_ahead[f] >= heel_ahead[f + 1]
