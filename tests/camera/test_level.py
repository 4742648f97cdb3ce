"""Camera roll: sign convention, floor-line estimate (treadmill and overground), refusal."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from posture.camera.roll import estimate_roll_floor, level_track, roll_track
from posture.gait.events import GaitEvents, LegEvents
from posture.landmarks import LM
from posture.track import PoseTrack
from tests.support.side_stick import Stick, stick_track

FLOOR_Y = 600.0
STRIDE_S = 0.7
STANCE_S = 0.25


def _floor_fixture(*, belt_px_s: float, step_px: float, far_offset_px: float = -6.0,
                   duration_s: float = 6.0) -> tuple[PoseTrack, GaitEvents]:
    """Stick runner whose stance feet lie flat on a level floor at FLOOR_Y.

    Treadmill: ``belt_px_s > 0`` carries the stance foot backward, ``step_px = 0``.
    Overground (static camera): the foot stays put, each landing ``step_px`` further on.
    The far leg stands on a line ``far_offset_px`` higher (it is further away).
    """
    tr = stick_track(Stick(duration_s=duration_s, cadence_spm=120 / STRIDE_S))
    xy = tr.image_xy_px.copy()
    t = tr.t_s
    legs = {}
    for leg, phase, heel_i, toe_i, off in (
            ("left", 0.1, LM.LEFT_HEEL, LM.LEFT_FOOT_INDEX, 0.0),
            ("right", 0.1 + STRIDE_S / 2, LM.RIGHT_HEEL, LM.RIGHT_FOOT_INDEX, far_offset_px)):
        ic = np.arange(phase, duration_s - STRIDE_S, STRIDE_S)
        to = ic + STANCE_S
        for k, (a, b) in enumerate(zip(ic, to, strict=True)):
            rows = (t >= a) & (t <= b)
            x_land = 300.0 + k * step_px + (STRIDE_S / 2 * step_px if leg == "right" else 0)
            x = x_land - belt_px_s * (t[rows] - a)
            xy[rows, heel_i] = np.stack([x - 15.0, np.full(x.size, FLOOR_Y + off)], axis=1)
            xy[rows, toe_i] = np.stack([x + 45.0, np.full(x.size, FLOOR_Y + off)], axis=1)
        legs[leg] = LegEvents(ic_t_s=ic, to_t_s=to, ic_frame=np.searchsorted(t, ic),
                              to_frame=np.searchsorted(t, to))
    events = GaitEvents(facing=1, fps=tr.fps, legs=legs, strides=None, cadence_spm=np.nan,
                        n_steps=0, stride_period_s=STRIDE_S, leg_length_px=240.0)
    return replace(tr, image_xy_px=xy), events


def test_roll_sign_convention() -> None:
    """+roll turns the scene clockwise on screen: true up appears as (sin r, -cos r)."""
    tr = stick_track(Stick(duration_s=0.5))
    xy = tr.image_xy_px.copy()
    xy[:, LM.LEFT_HIP] = (640.0, 400.0)
    xy[:, LM.LEFT_SHOULDER] = (640.0, 300.0)  # a true vertical, 100 px, bottom -> top
    rolled = roll_track(replace(tr, image_xy_px=xy), 3.0)
    up = rolled.image_xy_px[0, LM.LEFT_SHOULDER] - rolled.image_xy_px[0, LM.LEFT_HIP]
    np.testing.assert_allclose(up / 100.0, [np.sin(np.radians(3)), -np.cos(np.radians(3))],
                               atol=1e-12)
    # a level floor line gets slope dy/dx = tan(roll) (right end lower on screen)
    xy[:, LM.LEFT_HEEL] = (300.0, 600.0)
    xy[:, LM.RIGHT_HEEL] = (900.0, 600.0)
    rolled = roll_track(replace(tr, image_xy_px=xy), 3.0)
    d = rolled.image_xy_px[0, LM.RIGHT_HEEL] - rolled.image_xy_px[0, LM.LEFT_HEEL]
    assert np.degrees(np.arctan2(d[1], d[0])) == pytest.approx(3.0, abs=1e-9)


def test_level_undoes_roll_about_image_centre() -> None:
    tr = stick_track(Stick(duration_s=1.0))
    back = level_track(roll_track(tr, 4.0), 4.0)
    np.testing.assert_allclose(back.image_xy_px, tr.image_xy_px, atol=1e-9)
    centre = np.array(tr.frame_size_px) / 2
    xy = tr.image_xy_px.copy()
    xy[:, LM.NOSE] = centre
    rolled = roll_track(replace(tr, image_xy_px=xy), 10.0)
    np.testing.assert_allclose(rolled.image_xy_px[:, LM.NOSE], np.tile(centre, (tr.n_frames, 1)))
    assert level_track(tr, 0.0) is tr


@pytest.mark.parametrize("roll", [3.0, -2.0, 0.0])
def test_floor_line_recovers_roll_treadmill(roll: float) -> None:
    tr, ev = _floor_fixture(belt_px_s=800.0, step_px=0.0)
    est = estimate_roll_floor(roll_track(tr, roll), ev)
    assert est.source == "floor"
    assert est.roll_deg == pytest.approx(roll, abs=0.05)
    assert est.confidence > 0.8
    assert est.flag is None


def test_floor_line_recovers_roll_overground_with_noise() -> None:
    tr, ev = _floor_fixture(belt_px_s=0.0, step_px=150.0)
    rolled = roll_track(tr, 3.0)
    noisy = rolled.image_xy_px + np.random.default_rng(1).normal(0, 1.5, rolled.image_xy_px.shape)
    est = estimate_roll_floor(replace(rolled, image_xy_px=noisy), ev)
    assert est.roll_deg == pytest.approx(3.0, abs=0.3)


def test_treadmill_without_belt_motion_is_refused() -> None:
    """Feet that land and stay at one x give no line: roll 0 and a warning flag."""
    tr, ev = _floor_fixture(belt_px_s=0.0, step_px=0.0)
    est = estimate_roll_floor(roll_track(tr, 3.0), ev)
    assert est.source == "none" and est.roll_deg == 0.0
    assert est.flag is not None and est.flag.code == "roll_not_estimated"
    assert "level" in est.flag.message


def test_implausible_roll_is_refused() -> None:
    tr, ev = _floor_fixture(belt_px_s=800.0, step_px=0.0)
    est = estimate_roll_floor(roll_track(tr, 14.0), ev)
    assert est.source == "none"
    assert "14 degrees" in est.flag.message


def test_legs_that_disagree_on_the_floor_are_refused() -> None:
    """Pose-model feet are not on the floor: when the two legs' floor lines differ by more
    than MAX_LEG_DISAGREE_DEG the estimate is not applied (a wrong correction is worse)."""
    tr, ev = _floor_fixture(belt_px_s=800.0, step_px=0.0)
    xy = tr.image_xy_px.copy()
    for i in (LM.RIGHT_HEEL, LM.RIGHT_FOOT_INDEX):
        xy[:, i, 1] += np.tan(np.radians(5.0)) * (xy[:, i, 0] - 300.0)
    est = estimate_roll_floor(replace(tr, image_xy_px=xy), ev)
    assert est.source == "none" and est.roll_deg == 0.0
    assert "two feet" in est.flag.message
