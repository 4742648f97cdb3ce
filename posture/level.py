"""Camera roll (how far the picture is turned from level) and its correction.

Sign (pinned by ``tests/test_level.py``): ``roll_deg > 0`` when the scene appears turned
**clockwise on screen** (the phone was rolled counter-clockwise as seen from behind it). A
true upward direction then appears in the image as ``(sin roll, -cos roll)`` in (x, y-down)
pixels, and a level floor line has image slope ``dy/dx = tan(roll)``.

What is applied (:func:`choose_roll`): the roll from straight **scene lines**
(:mod:`posture.scene_level`: walls, floor edges, treadmill rails and uprights in a few frames
of the video) when enough of them agree and the roll is at most ``MAX_ROLL_DEG``; otherwise
none, with a ``roll_not_estimated`` flag asking the user to level the phone or enter the
tilt. A user value always wins.

The **floor line** from the landmarks is computed as a diagnostic but never applied alone.
While a foot is on the ground its lowest point (the lower of heel and toe) should lie on the
floor; on a treadmill the stance foot is carried backward along the belt, overground the
stance feet of successive contacts sit along the floor, and a Theil-Sen fit per leg gives
the slope. With exact feet (synthetic landmarks) this is within 0.8 deg. With a pose model
it is not: heel and toe landmarks sit above the sole and the foot rolls heel -> toe during
a contact, and over the short span of a treadmill contact that tilts the line by several
degrees (3-10 deg on rendered clips filmed level, with narrow confidence intervals; 0.7
instead of 4 on a real treadmill clip turned by 4 deg). It is refused when the two legs'
lines differ by more than ``MAX_LEG_DISAGREE_DEG``, the points span too little width, are
too few or scattered (95% CI wider than +/- ``MAX_CI_DEG``) or the slope exceeds
``MAX_ROLL_DEG``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.stats import theilslopes

from posture.gait import LEGS, GaitEvents
from posture.landmarks import JOINTS
from posture.metrics.geometry import quiet_empty_slices, rotate_points
from posture.results import QualityFlag
from posture.scene_level import MIN_ROLL_SE_DEG
from posture.track import PoseTrack

#: Larger estimated rolls are treated as a failed estimate (phones are rarely that crooked
#: without the user noticing, and stairs/hills would fake it).
MAX_ROLL_DEG = 6.0
#: The two legs' floor lines are independent estimates; they must agree this closely.
MAX_LEG_DISAGREE_DEG = 2.0
#: The floor points must span at least this fraction of the leg length horizontally.
MIN_SPAN_LEG = 0.25
#: Estimates less certain than this (95% CI half-width, degrees) are not applied.
MAX_CI_DEG = 1.5
#: Only the middle part of each stance is used (IC/TO timing is least exact at its ends).
STANCE_CORE = (0.2, 0.8)



@dataclass(frozen=True)
class RollEstimate:
    """Result of the camera-roll estimate.

    Attributes
    ----------
    roll_deg : float, degrees
        Estimated roll (0.0 when not estimated).
    confidence : float in [0, 1]
    source : ``"floor"``, ``"user"`` or ``"none"``
    ci_deg : float, degrees
        Half-width of the 95% confidence interval of the slope (NaN if not estimated).
    n_points : int
        Floor points used.
    flag : QualityFlag or None
        Set when the roll could not be estimated.
    """

    roll_deg: float
    confidence: float
    source: str
    ci_deg: float = float("nan")
    n_points: int = 0
    flag: QualityFlag | None = None


def _not_estimated(reason: str) -> RollEstimate:
    return RollEstimate(0.0, 0.0, "none", flag=QualityFlag(
        "roll_not_estimated", "warning",
        f"The camera level could not be checked ({reason}); angles assume the phone was "
        "held level, so level the phone when filming or enter the camera tilt by hand."))


def floor_points(track: PoseTrack, events: GaitEvents, leg: str) -> np.ndarray:
    """(n, 2) image points on the floor: lowest foot point in the core of each stance."""
    ev = events.legs[leg]
    xy = track.image_xy_px
    pts = []
    for t_ic, t_to in zip(ev.ic_t_s, ev.to_t_s, strict=True):
        if not np.isfinite(t_to):
            continue
        a = t_ic + STANCE_CORE[0] * (t_to - t_ic)
        b = t_ic + STANCE_CORE[1] * (t_to - t_ic)
        rows = np.flatnonzero((track.t_s >= a) & (track.t_s <= b))
        for r in rows:
            heel, toe = xy[r, JOINTS[leg]["heel"]], xy[r, JOINTS[leg]["toe"]]
            if not (np.isfinite(heel).all() and np.isfinite(toe).all()):
                continue
            pts.append(heel if heel[1] >= toe[1] else toe)
    return np.asarray(pts, float).reshape(-1, 2)


@quiet_empty_slices
def estimate_roll_floor(track: PoseTrack, events: GaitEvents) -> RollEstimate:
    """Camera roll from the floor line through the stance feet (see module doc).

    Returns
    -------
    RollEstimate
        ``roll_deg`` in degrees (positive: scene turned clockwise on screen).
    """
    leg_px = events.leg_length_px
    if not np.isfinite(leg_px):
        return _not_estimated("no legs were found")
    slopes, weights, n_total, half_cis = [], [], 0, []
    for leg in LEGS:
        pts = floor_points(track, events, leg)
        if len(pts) < 6:
            return _not_estimated(f"too few {leg} foot contacts to find the floor line")
        span = np.ptp(pts[:, 0])
        if span < MIN_SPAN_LEG * leg_px:
            return _not_estimated("the feet on the ground covered too little of the picture")
        with np.errstate(invalid="ignore"):  # exact (noise-free) points: CI is undefined
            slope, _, lo, hi = theilslopes(pts[:, 1], pts[:, 0], alpha=0.95)
        half = (hi - lo) / 2.0
        half = max(half, 1e-4) if np.isfinite(half) else 1e-4  # exact data: CI undefined
        slopes.append(slope)
        weights.append(1.0 / half**2)
        half_cis.append(half)
        n_total += len(pts)
    leg_deg = np.degrees(np.arctan(slopes))
    if abs(leg_deg[0] - leg_deg[1]) > MAX_LEG_DISAGREE_DEG:
        return _not_estimated(f"the two feet gave floor lines {leg_deg[0]:+.0f} and "
                              f"{leg_deg[1]:+.0f} degrees off level")
    slope = float(np.average(slopes, weights=weights))
    half = float(1.0 / np.sqrt(np.sum(weights)))
    roll = float(np.degrees(np.arctan(slope)))
    ci_deg = float(np.degrees(np.arctan(half)))
    if abs(roll) > MAX_ROLL_DEG:
        return _not_estimated(f"the floor line came out {roll:.0f} degrees off level, which "
                              "suggests a slope or a tracking error")
    if ci_deg > MAX_CI_DEG:
        return _not_estimated(f"the floor line is too uncertain, +/-{ci_deg:.1f} degrees")
    conf = float(np.clip(1.0 - ci_deg / 3.0, 0.0, 1.0))
    return RollEstimate(roll, conf, "floor", ci_deg=ci_deg, n_points=n_total)


def choose_roll(scene, floor: RollEstimate) -> RollEstimate:
    """Automatic roll policy: apply a correction only when it is trustworthy.

    Parameters
    ----------
    scene : posture.scene_level.SceneRoll or None
        Roll from straight scene lines (None when the video was not available).
    floor : RollEstimate
        Roll from the floor line of the stance feet.

    Returns
    -------
    RollEstimate
        Source ``"scene_lines"`` when the scene lines are usable (enough of them, level and
        plumb lines agreeing when both are seen) and the roll is plausible (at most
        ``MAX_ROLL_DEG``); otherwise ``"none"``: roll 0 and a ``roll_not_estimated`` flag
        saying why and asking the user to level the phone or enter the tilt. The floor line
        is never applied on its own: pose-model heels and toes are not on the floor and
        roll through each contact, and on rendered clips filmed level it came out 3-10
        degrees off with a narrow confidence interval. A wrong correction is worse than none.
    """
    if scene is not None and scene.ok:
        if abs(scene.roll_deg) > MAX_ROLL_DEG:
            return _not_estimated(f"the scene lines came out {scene.roll_deg:.0f} degrees off "
                                  "level, more than a phone is plausibly turned")
        both = scene.horizontal.n_segments > 0 and scene.vertical.n_segments > 0
        se_deg = scene.se_deg if np.isfinite(scene.se_deg) else MIN_ROLL_SE_DEG
        return RollEstimate(float(scene.roll_deg), 1.0 if both else 0.8, "scene_lines",
                            ci_deg=1.96 * float(se_deg),
                            n_points=scene.horizontal.n_segments + scene.vertical.n_segments)
    reason = scene.reason if scene is not None else \
        "no straight level or plumb lines of the scene were available"
    if floor.source == "floor":
        reason += (f"; the feet suggest {floor.roll_deg:+.1f} degrees, but pose-model feet are "
                   "not exact enough to correct by that alone")
    return _not_estimated(reason)


def level_track(track: PoseTrack, roll_deg: float) -> PoseTrack:
    """Undo a camera roll: rotate the image landmarks by ``-roll_deg`` about the image centre.

    Only ``image_xy_px`` changes (world landmarks are camera-independent in orientation
    for our purposes; trunk edge distances are measured along the body axis and do not
    change under rotation).
    """
    if roll_deg == 0.0:
        return track
    w, h = track.frame_size_px
    xy = rotate_points(track.image_xy_px, -roll_deg, (w / 2.0, h / 2.0))
    return replace(track, image_xy_px=xy)


def roll_track(track: PoseTrack, roll_deg: float) -> PoseTrack:
    """Simulate a camera roll of ``roll_deg`` (inverse of :func:`level_track`); for tests."""
    return level_track(track, -roll_deg)
