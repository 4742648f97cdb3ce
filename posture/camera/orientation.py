"""Is the body upright in the picture? Found from the landmarks, before any number.

A runner's body axis (hip midpoint to shoulder midpoint) points up the picture, within
the forward lean of running (0-20 deg; a sprint start reaches about 45 deg). A clip whose
pixels were stored turned (no rotation flag, or a wrong one) shows the body with its
head below the hips (upside down) or the axis across the picture (lying sideways). Such
a body gives trunk leans of 90-180 deg and swapped contacts, so it must be turned back
before anything is measured.

:func:`upright_turn_deg` says which quarter turn makes the body upright: 0 (already
upright), 90, 180 or 270 degrees counter-clockwise, or raises
:class:`~posture.errors.OrientationError` when the picture is not clear (the axis lies
between two quarter turns, or points different ways in different frames).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posture.errors import OrientationError
from posture.landmarks import LM
from posture.track import PoseTrack, QualityFlag

#: An axis within this angle of a quarter turn counts as that turn, degrees. Upright covers
#: running lean and a sprint start; the 15 deg between the two zones are refused as unclear.
UPRIGHT_TOLERANCE_DEG = 50.0
TURNED_TOLERANCE_DEG = 25.0
#: Share of frames whose axis must agree with the clip's median direction (within
#: ``TURNED_TOLERANCE_DEG``) for a turn to be made automatically.
MIN_AGREEMENT = 0.8
#: Frames with a body needed to judge.
MIN_FRAMES = 10
#: Quality-flag code of a clip turned upright automatically (a pose-stage note).
TURNED_CODE = "pose_turned_upright"
REFILM = "film with the phone upright, or rotate the video in a video editor first"


@dataclass(frozen=True)
class BodyAxis:
    """The body's up direction in the picture over a clip.

    Attributes
    ----------
    angle_deg : direction of hip-mid -> shoulder-mid, degrees clockwise from image-up
        (0 upright, 90 head to the right, 180 upside down, -90 head to the left), from the
        mean of the per-frame unit vectors.
    agreement : share of frames within ``TURNED_TOLERANCE_DEG`` of that direction.
    n_frames : frames with both hips and both shoulders.
    """

    angle_deg: float
    agreement: float
    n_frames: int


def body_axis(track: PoseTrack) -> BodyAxis:
    """The clip's body axis direction (see :class:`BodyAxis`)."""
    xy = track.image_xy_px
    hip = 0.5 * (xy[:, LM.LEFT_HIP] + xy[:, LM.RIGHT_HIP])
    sh = 0.5 * (xy[:, LM.LEFT_SHOULDER] + xy[:, LM.RIGHT_SHOULDER])
    v = sh - hip
    ok = np.isfinite(v).all(axis=1) & (np.hypot(*v.T) > 0)
    if ok.sum() == 0:
        return BodyAxis(float("nan"), 0.0, 0)
    # clockwise from image-up in a y-down picture: atan2(dx, -dy)
    ang = np.degrees(np.arctan2(v[ok, 0], -v[ok, 1]))
    mean = np.degrees(np.arctan2(np.sin(np.radians(ang)).mean(), np.cos(np.radians(ang)).mean()))
    diff = np.abs((ang - mean + 180.0) % 360.0 - 180.0)
    return BodyAxis(float(mean), float((diff <= TURNED_TOLERANCE_DEG).mean()), int(ok.sum()))


def _pose_words(angle_deg: float) -> str:
    """How a body whose axis points ``angle_deg`` from upright lies, in words."""
    if abs(angle_deg) > 135:
        return "upside down"
    return "lying on its side" + (" (head to the right)" if angle_deg > 0
                                  else " (head to the left)")


def upright_turn_deg(track: PoseTrack, clip_name: str = "the clip") -> int:
    """Counter-clockwise quarter turn (0, 90, 180, 270) that makes the body upright.

    Raises
    ------
    OrientationError : the body lies between two quarter turns, or its direction changes
        through the clip, so no turn can be chosen safely.
    """
    axis = body_axis(track)
    if axis.n_frames < MIN_FRAMES:
        return 0  # too little to judge; the other checks refuse such clips
    a = axis.angle_deg
    if abs(a) <= UPRIGHT_TOLERANCE_DEG:
        return 0
    turn = round(a / 90.0) * 90 % 360  # turning ccw by the clockwise angle rights it
    off = abs((a - round(a / 90.0) * 90 + 180.0) % 360.0 - 180.0)
    if off > TURNED_TOLERANCE_DEG or axis.agreement < MIN_AGREEMENT:
        raise OrientationError(
            f"The body in {clip_name} is {_pose_words(a)} or at a slant in the picture (its "
            f"axis points {a:.0f} deg from upright) and no clean quarter turn makes it "
            f"upright; {REFILM}")
    return turn


def require_upright(track: PoseTrack, clip_name: str) -> None:
    """The one orientation check before anything is measured (``pipeline.analyze_tracks``).

    A video file read through ``pipeline.extract_track`` has already been turned when its
    body lay in a clean quarter turn; a body still not upright here (the turn did not help,
    or landmarks handed in without the video) is refused.

    Raises
    ------
    OrientationError : the body is not upright in the picture.
    """
    if upright_turn_deg(track, clip_name) == 0:
        return
    raise OrientationError(
        f"The body in {clip_name} is {_pose_words(body_axis(track).angle_deg)} in the picture "
        f"and could not be turned upright; {REFILM} (a video file is turned upright "
        "automatically when its picture is clear; landmarks saved from a turned picture "
        "are not).")


def turned_flag(turn_ccw_deg: int, clip_name: str) -> QualityFlag:
    """The warning of a clip that was turned upright automatically (its one wording: the
    track carries it and the analysis notes repeat its message)."""
    what = "upside down" if turn_ccw_deg == 180 else "lying on its side"
    return QualityFlag(TURNED_CODE, "warning", (
        f"The body in {clip_name} appeared {what} (wrong or missing rotation "
        f"metadata), so the picture was turned {turn_ccw_deg} deg counter-clockwise "
        "before the analysis; check the overlay."))
