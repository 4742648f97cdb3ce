"""Camera roll (how far the picture is turned from level) and its correction.

Sign (pinned by ``tests/camera/test_level.py``): ``roll_deg > 0`` when the scene appears turned
**clockwise on screen** (the phone was rolled counter-clockwise as seen from behind it). A
true upward direction then appears in the image as ``(sin roll, -cos roll)`` in (x, y-down)
pixels, and a level floor line has image slope ``dy/dx = tan(roll)``.

What is applied (:func:`choose_roll`): the roll from straight **scene lines**
(:mod:`posture.camera.scene_lines`: walls, floor edges, treadmill rails and uprights in a few frames
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

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np
from scipy.stats import theilslopes

from posture.camera.scene_lines import MIN_ROLL_SE_DEG
from posture.geometry import hip_line_tilt_deg, quiet_empty_slices, rotate_points
from posture.landmarks import JOINTS, LEGS
from posture.results import QualityFlag
from posture.track import PoseTrack


class LegContacts(Protocol):
    ic_t_s: np.ndarray
    to_t_s: np.ndarray


class StanceEvents(Protocol):
    """What the floor-line estimate reads from the gait events
    (:class:`posture.gait.events.GaitEvents`, a later stage, fits it)."""

    legs: Mapping[str, LegContacts]
    leg_length_px: float


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


def floor_points(track: PoseTrack, events: StanceEvents, leg: str) -> np.ndarray:
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
def estimate_roll_floor(track: PoseTrack, events: StanceEvents) -> RollEstimate:
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


#: Rear/front pelvis estimate (:func:`pelvis_roll_deg`): trusted with at least this many
#: strides ...
PELVIS_MIN_STRIDES = 4
#: ... a standard error of its median below this, degrees ...
PELVIS_MAX_SE_DEG = 1.0
#: ... and at most this roll, degrees (larger: a slope or a tracking error).
PELVIS_MAX_ROLL_DEG = 10.0
#: A scene roll and a reliable pelvis estimate further apart than this (degrees) are
#: reported: the pelvis may sit lower on one side.
PELVIS_DISAGREE_DEG = 2.0


@dataclass(frozen=True)
class PelvisRoll:
    """Rear/front camera roll from the hip line (:func:`pelvis_roll_deg`), degrees."""

    roll_deg: float
    se_deg: float
    n_strides: int

    @property
    def ok(self) -> bool:
        return bool(self.n_strides >= PELVIS_MIN_STRIDES and np.isfinite(self.se_deg)
                    and self.se_deg <= PELVIS_MAX_SE_DEG
                    and abs(self.roll_deg) <= PELVIS_MAX_ROLL_DEG)


@dataclass(frozen=True)
class RollChoice:
    """The camera roll a clip is levelled with and why (:func:`choose_roll`)."""

    roll_deg: float
    """Degrees, positive = scene turned clockwise on screen (0 when none)."""
    source: str
    """``"user"``, ``"scene_lines"`` (or a scene-based source the view module gave),
    ``"pelvis"`` or ``"none"``."""
    se_deg: float = 0.0
    """Standard error of the applied roll, degrees (0 for a user value or none)."""
    flags: tuple[QualityFlag, ...] = ()
    pelvis_deg: float = float("nan")
    """The rear/front pelvis estimate (NaN when not made), degrees."""
    pelvis_se_deg: float = float("nan")

    @property
    def flag(self) -> QualityFlag | None:
        """The warning or note about the choice, if any."""
        return self.flags[0] if self.flags else None


def _scene_candidate(scene, view_roll) -> tuple[RollChoice | None, str]:
    """The scene-based roll (or why there is none)."""
    if scene is not None and scene.ok:
        if abs(scene.roll_deg) > MAX_ROLL_DEG:
            return None, (f"the scene lines came out {scene.roll_deg:.0f} degrees off "
                          "level, more than a phone is plausibly turned")
        se_deg = scene.se_deg if np.isfinite(scene.se_deg) else MIN_ROLL_SE_DEG
        return RollChoice(float(scene.roll_deg), "scene_lines", float(se_deg)), ""
    if view_roll is not None and view_roll.roll_source not in ("none", "pelvis"):
        return RollChoice(float(view_roll.camera_roll_deg), view_roll.roll_source,
                          float(view_roll.roll_se_deg)), ""
    if scene is not None:
        return None, scene.reason
    return None, "no straight level or plumb lines of the scene were available"


def choose_roll(scene=None, floor: RollEstimate | None = None, *,
                user_deg: float | None = None, view_roll=None,
                pelvis: PelvisRoll | None = None) -> RollChoice:
    """The one camera-roll policy for every view: apply a correction only when trustworthy.

    Parameters
    ----------
    scene : posture.camera.scene_lines.SceneRoll or None
        Roll from straight scene lines (None when the video was not available).
    floor : RollEstimate, optional
        Side views: roll from the floor line of the stance feet (a diagnostic only).
    user_deg : float, optional
        The user's value, degrees; always wins.
    view_roll : posture.results.ViewEstimate, optional
        A view whose scene-based roll stands in for ``scene`` (rear/front analysis, where
        the view module already chose it).
    pelvis : PelvisRoll, optional
        Rear/front views: roll from the runner's hip line.

    Returns
    -------
    RollChoice
        In order: the user's value; the scene-line roll when usable (enough lines, level
        and plumb lines agreeing when both are seen) and plausible (at most
        ``MAX_ROLL_DEG``); the pelvis estimate when reliable (``roll_from_pelvis`` note: it
        hides part of a real left/right difference); otherwise none: roll 0 and a
        ``roll_not_estimated`` flag saying why and asking the user to level the phone or
        enter the tilt. The floor line is never applied: pose-model heels and toes are not
        on the floor and roll through each contact, and on rendered clips filmed level it
        came out 3-10 degrees off with a narrow confidence interval. A wrong correction is
        worse than none.
    """
    p_deg = pelvis.roll_deg if pelvis is not None else float("nan")
    p_se = pelvis.se_deg if pelvis is not None else float("nan")
    pelvis_ok = pelvis is not None and pelvis.ok
    if user_deg is not None:
        return RollChoice(float(user_deg), "user", 0.0, (), p_deg, p_se)
    candidate, reason = _scene_candidate(scene, view_roll)
    if candidate is not None:
        flags: tuple[QualityFlag, ...] = ()
        if pelvis_ok and abs(p_deg - candidate.roll_deg) > PELVIS_DISAGREE_DEG:
            flags = (QualityFlag(
                "roll_disagree", "info",
                f"The camera level from the scene ({candidate.roll_deg:.1f} deg) and from the "
                f"runner's hips ({p_deg:.1f} deg) differ, which can mean the pelvis sits "
                "lower on one side; the scene value was used."),)
        return replace(candidate, flags=flags, pelvis_deg=p_deg, pelvis_se_deg=p_se)
    if pelvis_ok:
        return RollChoice(p_deg, "pelvis", float(p_se), (QualityFlag(
            "roll_from_pelvis", "info",
            f"The camera tilt ({p_deg:.1f} deg) was estimated from the runner's hip line, "
            "which assumes both hips drop alike, so a real left/right difference in pelvic "
            "drop is partly hidden; hold the phone level or enter its tilt to measure it."),),
            p_deg, p_se)
    if floor is not None and floor.source == "floor":
        reason += (f"; the feet suggest {floor.roll_deg:+.1f} degrees, but pose-model feet are "
                   "not exact enough to correct by that alone")
    if pelvis is not None:
        reason += "; the runner's hip line was not steady enough to stand in for it"
    flag = _not_estimated(reason).flag
    return RollChoice(0.0, "none", 0.0, (flag,) if flag else (), p_deg, p_se)


@quiet_empty_slices
def pelvis_roll_deg(xy_px: np.ndarray, strides: list[tuple[int, int]]) -> PelvisRoll:
    """Camera roll from the hip line, assuming the runner's pelvis is level on average.

    Parameters
    ----------
    xy_px : (T, 33, 2) image landmarks (not levelled), px.
    strides : (first frame, next contact frame) of each stride.

    Returns
    -------
    PelvisRoll
        Median over strides of the stride-mean hip-line tilt and its standard error
        (1.253 * 1.4826 * MAD / sqrt(n)), degrees (NaN with no strides), strides used.
    """
    tilt = hip_line_tilt_deg(xy_px)
    per_stride = np.array([np.nanmean(tilt[a:b]) for a, b in strides
                           if np.isfinite(tilt[a:b]).any()])
    if per_stride.size == 0:
        return PelvisRoll(float("nan"), float("nan"), 0)
    med = float(np.median(per_stride))
    mad = float(np.median(np.abs(per_stride - med)))
    se = 1.253 * 1.4826 * mad / np.sqrt(per_stride.size) if per_stride.size > 1 else np.inf
    return PelvisRoll(med, float(se), int(per_stride.size))


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
