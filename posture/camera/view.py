"""Which way the camera looks at the runner, decided once per clip.

Rules (thresholds pinned by ``tests/camera/test_view.py``; documented in ``docs/conventions.md``):

* **Side vs rear/front** - width ratio ``r = median_t (shoulder width + hip width) /
  trunk height`` in the image. From the side both widths are foreshortened to a few
  centimetres (r about 0.1-0.35, trunk rotation adds a little); from behind or in front
  the shoulders (~0.4 m) and hip joints (~0.2 m) are seen at full width against a trunk of
  ~0.5 m (r about 0.9-1.3). ``r < SIDE_MAX_RATIO`` (0.6) means side.
* **Rear vs front** - MediaPipe world depth: the nose is nearer the camera than the ears
  when the face is seen (front). Without world landmarks, the left/right order of the
  shoulders and hips (runner's left on image right = front) decides, and then nose
  visibility.
* **Facing** (side views) - votes of the nose ahead of the ears, the toes ahead of the
  heels, and (overground) the direction the hips travel across the picture; decided
  once for the clip.
* **Near side** (side views) - the anatomical side whose shoulder and hip have the smaller
  MediaPipe world depth (nearer the camera); visibility when depth is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from posture.camera.roll import choose_roll
from posture.geometry import distance, midpoint, quiet_empty_slices
from posture.landmarks import LM
from posture.results import ViewEstimate
from posture.track import PoseTrack

#: Below this width ratio the clip is a side view.
SIDE_MAX_RATIO = 0.6
#: Hip travel across the picture counts as overground (a static camera the runner passes)
#: only when it exceeds this many leg lengths and this share of the picture's width. A
#: tracking shot keeps the runner in a band and its drift goes either way: the rotated road
#: clip drifts 1.2 legs backwards within 10 % of the width while nose and feet face forward;
#: a runner passing a static camera covers 8 legs and the whole width (street clip).
TRAVEL_MIN_LEG = 1.0
TRAVEL_MIN_WIDTH_SHARE = 0.3

_LEFT_SIDE = (LM.LEFT_SHOULDER, LM.LEFT_HIP, LM.LEFT_KNEE, LM.LEFT_ANKLE, LM.LEFT_ELBOW)
_RIGHT_SIDE = (LM.RIGHT_SHOULDER, LM.RIGHT_HIP, LM.RIGHT_KNEE, LM.RIGHT_ANKLE,
               LM.RIGHT_ELBOW)


@dataclass(frozen=True)
class ViewDetection:
    """Evidence behind a view decision (for notes and tests)."""

    view: str
    view_confidence: float
    width_ratio: float
    facing_sign: int
    facing_confidence: float
    facing_votes: dict[str, float]
    near_side: str
    frontal_score: float
    """> 0 suggests front, < 0 rear (only meaningful for rear/front)."""


def _nanmedian(a: np.ndarray) -> float:
    a = np.asarray(a, float)
    a = a[np.isfinite(a)]
    return float(np.median(a)) if a.size else float("nan")


def width_ratio(track: PoseTrack) -> float:
    """Median over frames of (shoulder width + hip width) / trunk height, image pixels."""
    xy = track.image_xy_px
    sh_w = np.abs(xy[:, LM.LEFT_SHOULDER, 0] - xy[:, LM.RIGHT_SHOULDER, 0])
    hip_w = np.abs(xy[:, LM.LEFT_HIP, 0] - xy[:, LM.RIGHT_HIP, 0])
    trunk = distance(midpoint(xy[:, LM.LEFT_HIP], xy[:, LM.RIGHT_HIP]),
                     midpoint(xy[:, LM.LEFT_SHOULDER], xy[:, LM.RIGHT_SHOULDER]))
    with np.errstate(invalid="ignore", divide="ignore"):
        return _nanmedian((sh_w + hip_w) / trunk)


def _vote(v: np.ndarray) -> float:
    """Mean sign of the finite values, in [-1, 1] (0 if none)."""
    v = np.asarray(v, float)
    v = v[np.isfinite(v) & (v != 0)]
    return float(np.mean(np.sign(v))) if v.size else 0.0


def facing_votes(track: PoseTrack) -> dict[str, float]:
    """Each cue's vote for facing image +x (+1) or -x (-1), in [-1, 1]."""
    xy = track.image_xy_px
    ears = np.nanmean(np.stack([xy[:, LM.LEFT_EAR, 0], xy[:, LM.RIGHT_EAR, 0]]), axis=0) \
        if np.isfinite(xy[:, (LM.LEFT_EAR, LM.RIGHT_EAR), 0]).any() else np.full(len(xy), np.nan)
    nose = _vote(xy[:, LM.NOSE, 0] - ears)
    feet = _vote(np.concatenate([xy[:, LM.LEFT_FOOT_INDEX, 0] - xy[:, LM.LEFT_HEEL, 0],
                                 xy[:, LM.RIGHT_FOOT_INDEX, 0] - xy[:, LM.RIGHT_HEEL, 0]]))
    hip = midpoint(xy[:, LM.LEFT_HIP], xy[:, LM.RIGHT_HIP])[:, 0]
    ok = np.isfinite(hip)
    travel = 0.0
    if ok.sum() > 5:
        slope = np.polyfit(track.t_s[ok], hip[ok], 1)[0]
        drift = slope * (track.t_s[ok][-1] - track.t_s[ok][0])
        leg = _nanmedian(distance(xy[:, LM.LEFT_HIP], xy[:, LM.LEFT_KNEE])
                         + distance(xy[:, LM.LEFT_KNEE], xy[:, LM.LEFT_ANKLE]))
        crossed = (np.nanmax(hip) - np.nanmin(hip)) / track.frame_size_px[0]
        if (np.isfinite(leg) and abs(drift) > TRAVEL_MIN_LEG * leg
                and crossed >= TRAVEL_MIN_WIDTH_SHARE):
            travel = float(np.sign(drift))
    return {"nose": nose, "feet": feet, "travel": travel}


def decide_facing(votes: dict[str, float]) -> tuple[int, float]:
    """Facing sign (+1 toward image +x) and confidence in [0, 1] from the cue votes.

    Travel direction, when the runner crosses the picture, counts double (overground
    facing is defined as the travel direction).
    """
    weights = {"nose": 1.0, "feet": 1.0, "travel": 2.0}
    score = sum(weights[k] * v for k, v in votes.items())
    total = sum(weights[k] for k, v in votes.items() if v != 0 or k != "travel")
    sign = 1 if score >= 0 else -1
    return sign, float(min(1.0, abs(score) / total)) if total else 0.0


def near_side(track: PoseTrack) -> str:
    """Anatomical side nearer the camera: ``"left"``, ``"right"`` (or ``"none"``)."""
    z = track.world_xyz_m[..., 2]
    dz = _nanmedian(np.nanmean(z[:, list(_LEFT_SIDE[:2])], axis=1)
                    - np.nanmean(z[:, list(_RIGHT_SIDE[:2])], axis=1)) \
        if np.isfinite(z).any() else float("nan")
    if np.isfinite(dz) and dz != 0:
        return "left" if dz < 0 else "right"
    vis = track.visibility
    if not np.isfinite(vis).any():
        return "none"
    dv = np.nanmean(vis[:, list(_LEFT_SIDE)]) - np.nanmean(vis[:, list(_RIGHT_SIDE)])
    if not np.isfinite(dv) or dv == 0:
        return "none"
    return "left" if dv > 0 else "right"


def frontal_score(track: PoseTrack) -> float:
    """> 0 when the runner faces the camera (front), < 0 when seen from behind (rear)."""
    z = track.world_xyz_m[..., 2]
    if np.isfinite(z[:, LM.NOSE]).any():
        ears = np.nanmean(z[:, [LM.LEFT_EAR, LM.RIGHT_EAR]], axis=1)
        v = _vote(ears - z[:, LM.NOSE])  # nose nearer (smaller z) -> front
        if v != 0:
            return v
    xy = track.image_xy_px
    order = _vote(np.concatenate([xy[:, LM.LEFT_SHOULDER, 0] - xy[:, LM.RIGHT_SHOULDER, 0],
                                  xy[:, LM.LEFT_HIP, 0] - xy[:, LM.RIGHT_HIP, 0]]))
    if order != 0:
        return order
    nose_vis = _nanmedian(track.visibility[:, LM.NOSE])
    return 0.0 if not np.isfinite(nose_vis) else float(np.clip(2 * nose_vis - 1, -1, 1))


@quiet_empty_slices
def detect_view(track: PoseTrack) -> ViewDetection:
    """Classify the view and gather the evidence (no camera-roll estimate)."""
    r = width_ratio(track)
    if not np.isfinite(r):
        view, view_conf = "side", 0.0
    elif r < SIDE_MAX_RATIO:
        view, view_conf = "side", float(np.clip((SIDE_MAX_RATIO - r) / 0.3, 0.2, 1.0))
    else:
        view, view_conf = "rear", float(np.clip((r - SIDE_MAX_RATIO) / 0.3, 0.2, 1.0))
    fscore = frontal_score(track)
    if view != "side":
        view = "front" if fscore > 0 else "rear"
        view_conf *= float(np.clip(abs(fscore), 0.3, 1.0))
    votes = facing_votes(track)
    sign, fconf = decide_facing(votes)
    return ViewDetection(view=view, view_confidence=view_conf, width_ratio=r,
                         facing_sign=sign, facing_confidence=fconf, facing_votes=votes,
                         near_side=near_side(track), frontal_score=fscore)


@quiet_empty_slices
def estimate_view(track: PoseTrack, *, forced: str | None = None,
                  roll_override_deg: float | None = None, scene_roll=None,
                  detection: ViewDetection | None = None) -> ViewEstimate:
    """Decide view, facing, near side and camera roll for a clip.

    Parameters
    ----------
    track : PoseTrack
        Cleaned landmarks (not yet levelled).
    forced : {"side", "rear", "front"} or None
        User override of the view; the detected view is still computed (see
        :func:`detect_view`) and reported in the analysis notes.
    roll_override_deg : float or None
        User override of the camera roll in degrees (wins over the estimate).
    scene_roll : posture.camera.scene_lines.SceneRoll or None
        Roll from straight lines of the picture (see :func:`posture.camera.roll.choose_roll`).
    detection : ViewDetection, optional
        :func:`detect_view` of the same track when the caller already made it (it is
        decided once per clip).

    Returns
    -------
    ViewEstimate
        ``camera_roll_deg`` in degrees, positive = scene turned clockwise on screen.
    """
    det = detect_view(track) if detection is None else detection
    view = forced or det.view
    if forced and forced not in ("side", "rear", "front"):
        raise ValueError(f"unknown view {forced!r}")
    conf = 1.0 if forced else det.view_confidence
    if view == "side":
        facing = "right" if det.facing_sign > 0 else "left"
        conf = conf * (0.5 + 0.5 * det.facing_confidence)
        est = ViewEstimate(view="side", facing=facing, confidence=float(conf),
                           near_side=det.near_side)
    else:
        est = ViewEstimate(view=view, facing="away" if view == "rear" else "toward",
                           confidence=float(conf))
    # the one roll policy; the side floor line and the rear/front pelvis line are weighed
    # by the analysis, which has the gait events they need
    roll = choose_roll(scene_roll, user_deg=roll_override_deg)
    return replace(est, camera_roll_deg=roll.roll_deg, roll_source=roll.source,
                   roll_se_deg=roll.se_deg)
