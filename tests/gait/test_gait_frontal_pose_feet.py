"""Rear/front gait events on feet as a pose model draws them end-on.

Rendered rear and front clips show two habits of the pose model's foot points (measured
against the renderer's truth, 60 fps): the foot brakes well above the ground and covers the
last part of its descent slowly (a two-stage landing: the sharpest deceleration then comes
4-7 frames before the contact), and the toe point, hidden under the shoe, rises with the heel
in late stance and hovers after the true toe-off (the sharp swing rise then comes 3-6 frames
after it). Here both habits are put on clean signals with known events.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from posture.gait.frontal import detect_frontal_events, leg_events
from posture.landmarks import LM
from tests.support.synthetic import synthetic


def two_stage_cycles(*, brake_px_per_frame: float, brake_frames: int, n_cycles: int = 10,
                     fast_px_per_frame: float = 12.0, stance_frames: int = 15,
                     period_frames: int = 42) -> tuple[np.ndarray, np.ndarray]:
    """Foot height (px, y down, 0 = swing apex, 100 = ground) of cycles whose descent brakes
    ``brake_frames`` before the landing; returns the signal and the landing frames."""
    ground = 100.0
    brake_at = ground - brake_px_per_frame * brake_frames
    ys, landings, t = [], [], 0
    for _ in range(n_cycles):
        n_fast = int(np.ceil(brake_at / fast_px_per_frame))
        descent = np.r_[np.linspace(0.0, brake_at, n_fast + 1)[1:],
                        np.linspace(brake_at, ground, brake_frames + 1)[1:]]
        landings.append(t + descent.size - 1)
        n_rise = period_frames - descent.size - stance_frames
        rise = ground * (1.0 - np.sin(np.linspace(0.0, np.pi / 2, n_rise + 1)[1:]))
        cycle = np.r_[descent, np.full(stance_frames, ground), rise]
        ys.append(cycle)
        t += cycle.size
    return np.concatenate(ys), np.array(landings)


@pytest.mark.parametrize(("brake", "frames"), [(6.0, 6), (6.0, 7), (5.0, 7)])
def test_two_stage_landing_contact_is_the_landing(brake: float, frames: int) -> None:
    """The foot brakes at 35-42 % of its swing height and lands 6-7 frames later at half its
    speed. The contact is the landing (it was the brake, 6-7 frames early)."""
    y, landings = two_stage_cycles(brake_px_per_frame=brake, brake_frames=frames)
    ic, to = leg_events(y, 60.0, scale_px=40.0)
    err = np.array([ic[np.argmin(np.abs(ic - f))] - f for f in landings[1:-1]])
    assert err.size == 8
    assert np.abs(err).max() <= 1, err
    assert to.size >= 8  # the lift-offs are still found


def _synth(view: str):
    return synthetic(view, lateral_sway_pct_hip=18.0, pelvic_drop_deg=7.0,
                     step_width_pct_hip=30.0, duration_s=12.0)


def dragged_toes(track, truth, *, early_frames: int = 4, hover_frames: int = 6):
    """The toe point rises with the heel for ``early_frames`` before each true toe-off and
    then hovers at that height for ``hover_frames``."""
    xy = track.image_xy_px.copy()
    for leg, toe, heel in (("left", LM.LEFT_FOOT_INDEX, LM.LEFT_HEEL),
                           ("right", LM.RIGHT_FOOT_INDEX, LM.RIGHT_HEEL)):
        for t_to in truth.events[leg]["to_s"]:
            f = int(np.rint(t_to * track.fps))
            a, b = f - early_frames, f + hover_frames
            if a < 1 or b >= track.n_frames:
                continue
            rise = xy[a, heel, 1] - xy[a:f + 1, heel, 1]
            xy[a:f + 1, toe, 1] = xy[a, toe, 1] - rise
            xy[f + 1:b, toe, 1] = np.maximum(xy[f + 1:b, toe, 1], xy[f, toe, 1])
    return replace(track, image_xy_px=xy)


@pytest.mark.parametrize("view", ["rear", "front"])
def test_toe_point_carried_by_the_heel(view: str) -> None:
    """Toe-off between the early lift and the late swing rise: mean error within 1.5 frames
    (it was +4 frames, the late rise), contacts untouched."""
    track, truth = _synth(view)
    tr = dragged_toes(track, truth)
    ev = detect_frontal_events(tr)
    to_err, ic_err = [], []
    for leg in ("left", "right"):
        for kind, found, errs in (("to_s", ev.to_frames[leg], to_err),
                                  ("ic_s", ev.ic_frames[leg], ic_err)):
            want = truth.events[leg][kind]
            for x in want[(want > 0.8) & (want < tr.t_s[-1] - 0.8)]:
                d = (tr.t_s[found] - x) * tr.fps
                errs.append(d[np.argmin(np.abs(d))])
    to_err, ic_err = np.array(to_err), np.array(ic_err)
    assert to_err.size >= 24 and ic_err.size >= 24
    assert abs(to_err.mean()) <= 1.5, to_err
    assert np.abs(to_err).max() <= 2.0, to_err
    assert np.abs(ic_err).max() <= 1.0, ic_err


def test_clean_lift_keeps_the_sharp_toe_off() -> None:
    """Without the dragged toe the lowest point stays on the stance line until toe-off, and
    TO stays the sharp start of the rise (within a frame of the truth)."""
    track, truth = _synth("rear")
    ev = detect_frontal_events(track)
    for leg in ("left", "right"):
        want = truth.events[leg]["to_s"]
        for x in want[(want > 0.8) & (want < track.t_s[-1] - 0.8)]:
            assert np.min(np.abs(track.t_s[ev.to_frames[leg]] - x)) <= 1 / 60 + 1e-9
