"""Draw the analysis onto real frames: skeleton, trunk line against true vertical, shank and
foot-ahead distance at initial contact, and the back outline used for the arch index.

Images are RGB ``uint8`` arrays (H, W, 3) of the upright frame, the same pixel frame as
``PoseTrack.image_xy_px`` (x right, y down). Drawing uses OpenCV; every function returns a new
image and leaves its input untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from posture.landmarks import LM, SKELETON_EDGES
from posture.signal.legs import repaired
from posture.track import TRUNK_PROFILE_S, PoseTrack


def labels_as_analysed(track: PoseTrack, view: str) -> PoseTrack:
    """The track with the leg labels the analysis used: on side views the pose model's leg
    swaps repaired (as :mod:`posture.pipeline` does before measuring), so the leg drawn as
    landing is the stride table's leg; rear/front tracks unchanged."""
    return repaired(track)[0] if view == "side" else track

Phase = Literal["ic", "midstance", "none"]

# RGB colours chosen to read on both light and dark backgrounds.
NEAR = (255, 140, 0)       # orange: the leg nearest the camera / contact leg
FAR = (80, 160, 255)       # blue: the other side
TRUNK = (255, 230, 0)      # yellow: trunk line
VERTICAL = (255, 255, 255)  # white dashed: true vertical
BACK = (255, 0, 200)       # magenta: back outline
SHANK = (0, 230, 120)      # green: shank at contact and foot-ahead distance
MIN_VIS = 0.3


@dataclass(frozen=True)
class FrameContext:
    """What the drawing needs to know about the clip (from ``ClipAnalysis.view``)."""

    facing: int = 1
    """+1 runner faces image +x, -1 faces -x (side views); 0 for rear/front views."""
    roll_deg: float = 0.0
    """Camera roll (positive: image rotated clockwise); true up is rotated by this angle."""
    side_view: bool = True
    lat_sign: int = 1
    """Frontal views: +1 when image +x is the runner's right (rear view), -1 (front view)."""


def context_from_view(view: object) -> FrameContext:
    """Build a :class:`FrameContext` from a :class:`posture.results.ViewEstimate`."""
    name = getattr(view, "view", "side")
    facing = {"right": 1, "left": -1}.get(getattr(view, "facing", "right"), 0)
    return FrameContext(facing=facing, roll_deg=float(getattr(view, "camera_roll_deg", 0.0)),
                        side_view=name == "side", lat_sign=-1 if name == "front" else 1)


def true_up(roll_deg: float) -> np.ndarray:
    """Unit vector of true "up" in image coordinates (y down) for a camera rolled ``roll_deg``."""
    r = np.deg2rad(roll_deg)
    return np.array([np.sin(r), -np.cos(r)])


def _scale(image: np.ndarray) -> float:
    """Line/text scale so overlays stay legible from 360p to 4K."""
    return max(1.0, min(image.shape[:2]) / 480.0)


def _pt(p: np.ndarray) -> tuple[int, int]:
    return round(float(p[0])), round(float(p[1]))


def _ok(*pts: np.ndarray) -> bool:
    return all(np.all(np.isfinite(p)) for p in pts)


def _label(img: np.ndarray, text: str, org: np.ndarray, colour: tuple[int, int, int],
           s: float) -> None:
    """Text with a dark box behind it so it reads on any background."""
    font, fs, th = cv2.FONT_HERSHEY_SIMPLEX, 0.55 * s, max(1, round(1.3 * s))
    (w, h), base = cv2.getTextSize(text, font, fs, th)
    room = img.shape[1] - 14  # the box's margins stay inside too
    if w > room:  # a narrow (portrait) frame: smaller text rather than a cut label
        fs *= room / w
        th = max(1, round(th * room / w))
        (w, h), base = cv2.getTextSize(text, font, fs, th)
    x = int(np.clip(org[0], 4, img.shape[1] - w - 5))
    y = int(np.clip(org[1], h + 2, img.shape[0] - base - 2))
    cv2.rectangle(img, (x - 3, y - h - 3), (x + w + 3, y + base + 2), (20, 20, 20), -1)
    cv2.putText(img, text, (x, y), font, fs, colour, th, cv2.LINE_AA)


def _dashed(img: np.ndarray, a: np.ndarray, b: np.ndarray, colour: tuple[int, int, int],
            th: int, dash_px: float) -> None:
    length = float(np.hypot(*(b - a)))
    n = max(1, int(length // dash_px))
    for k in range(0, n, 2):
        p0 = a + (b - a) * (k / n)
        p1 = a + (b - a) * (min(k + 1, n) / n)
        cv2.line(img, _pt(p0), _pt(p1), colour, th, cv2.LINE_AA)


def draw_skeleton(image: np.ndarray, xy: np.ndarray, visibility: np.ndarray | None = None, *,
                  near_side: str = "left") -> np.ndarray:
    """Skeleton lines and joints; the near side in orange, the far side in blue.

    Parameters
    ----------
    xy : (33, 2) landmark pixels of one frame (NaN: not found).
    visibility : (33,) in [0, 1]; points below 0.3 are skipped.
    """
    img = image.copy()
    s = _scale(img)
    vis = np.ones(len(xy)) if visibility is None else np.nan_to_num(visibility, nan=0.0)
    th = max(2, round(2 * s))
    for a, b in SKELETON_EDGES:
        if vis[a] < MIN_VIS or vis[b] < MIN_VIS or not _ok(xy[a], xy[b]):
            continue
        name = a.name if a.name.startswith(("LEFT", "RIGHT")) else b.name
        colour = NEAR if name.startswith(near_side.upper()) else FAR
        cv2.line(img, _pt(xy[a]), _pt(xy[b]), colour, th, cv2.LINE_AA)
    for i in range(11, len(xy)):
        if vis[i] >= MIN_VIS and _ok(xy[i]):
            cv2.circle(img, _pt(xy[i]), max(2, round(3 * s)), (255, 255, 255), -1,
                       cv2.LINE_AA)
    return img


def trunk_angle_deg(xy: np.ndarray, ctx: FrameContext) -> float:
    """Trunk angle of one frame from true vertical, + = shoulders ahead of hips (side view).

    Same definition as ``trunk_lean_deg`` (DEFINITIONS: atan2(dx_fwd, dz_up)) applied to one
    frame, after undoing the camera roll, so the drawn number matches the drawn line.
    """
    hip = (xy[LM.LEFT_HIP] + xy[LM.RIGHT_HIP]) / 2
    sh = (xy[LM.LEFT_SHOULDER] + xy[LM.RIGHT_SHOULDER]) / 2
    d = sh - hip
    up = true_up(ctx.roll_deg)
    fwd = np.array([-up[1], up[0]]) * (ctx.facing or 1)  # up rotated to the right, times facing
    return float(np.degrees(np.arctan2(d @ fwd, d @ up)))


def draw_trunk(image: np.ndarray, xy: np.ndarray, ctx: FrameContext) -> np.ndarray:
    """Trunk line hip-mid -> shoulder-mid, a dashed true vertical from the hips, and the angle."""
    img = image.copy()
    hip = (xy[LM.LEFT_HIP] + xy[LM.RIGHT_HIP]) / 2
    sh = (xy[LM.LEFT_SHOULDER] + xy[LM.RIGHT_SHOULDER]) / 2
    if not _ok(hip, sh):
        return img
    s = _scale(img)
    th = max(2, round(3 * s))
    length = float(np.hypot(*(sh - hip)))
    top = hip + true_up(ctx.roll_deg) * length * 1.15
    _dashed(img, hip, top, VERTICAL, max(1, th - 1), 8 * s)
    cv2.line(img, _pt(hip), _pt(sh), TRUNK, th, cv2.LINE_AA)
    if ctx.side_view:
        ang = trunk_angle_deg(xy, ctx)
        word = "forward" if ang >= 0 else "back"
        _label(img, f"trunk {abs(ang):.0f} deg {word}", sh + np.array([12 * s, -10 * s]),
               TRUNK, s)
    return img


def lateral_angles_deg(xy: np.ndarray, ctx: FrameContext) -> tuple[float, float]:
    """Frontal-plane angles of one frame, after undoing the camera roll.

    Returns
    -------
    (trunk_deg, hip_tilt_deg) : trunk hip-mid -> shoulder-mid from true vertical, + toward
        the runner's right; hip line from true horizontal, + when the runner's LEFT hip is
        lower. Degrees.
    """
    up = true_up(ctx.roll_deg)
    right = np.array([-up[1], up[0]]) * ctx.lat_sign  # image direction of the runner's right
    hip = (xy[LM.LEFT_HIP] + xy[LM.RIGHT_HIP]) / 2
    d = (xy[LM.LEFT_SHOULDER] + xy[LM.RIGHT_SHOULDER]) / 2 - hip
    trunk = float(np.degrees(np.arctan2(d @ right, d @ up)))
    h = xy[LM.RIGHT_HIP] - xy[LM.LEFT_HIP]  # left hip -> right hip
    tilt = float(np.degrees(np.arctan2(h @ up, abs(h @ right))))  # + : right hip higher
    return trunk, tilt


def draw_frontal(image: np.ndarray, xy: np.ndarray, ctx: FrameContext) -> np.ndarray:
    """Rear/front views: sideways trunk angle and the hip line against true horizontal."""
    img = image.copy()
    lh, rh = xy[LM.LEFT_HIP], xy[LM.RIGHT_HIP]
    sh = (xy[LM.LEFT_SHOULDER] + xy[LM.RIGHT_SHOULDER]) / 2
    if not _ok(lh, rh, sh):
        return img
    s = _scale(img)
    trunk, tilt = lateral_angles_deg(xy, ctx)
    up = true_up(ctx.roll_deg)
    horiz = np.array([-up[1], up[0]])
    mid = (lh + rh) / 2
    half = float(np.hypot(*(rh - lh))) * 0.9
    _dashed(img, mid - horiz * half, mid + horiz * half, VERTICAL, max(1, round(1.5 * s)), 5 * s)
    cv2.line(img, _pt(lh), _pt(rh), SHANK, max(2, round(3 * s)), cv2.LINE_AA)
    side = "right" if trunk >= 0 else "left"
    _label(img, f"trunk {abs(trunk):.0f} deg to {side}", sh + np.array([-60 * s, -30 * s]),
           TRUNK, s)
    low = "left" if tilt >= 0 else "right"
    _label(img, f"hips {abs(tilt):.0f} deg, {low} lower", mid + np.array([-60 * s, 40 * s]),
           SHANK, s)
    return img


def _leg_points(xy: np.ndarray, leg: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    p = "LEFT" if leg == "left" else "RIGHT"
    return xy[LM[f"{p}_HIP"]], xy[LM[f"{p}_KNEE"]], xy[LM[f"{p}_ANKLE"]]


def draw_contact(image: np.ndarray, xy: np.ndarray, leg: str, ctx: FrameContext, *,
                 overstride_pct_leg: float | None = None) -> np.ndarray:
    """Shank of the contact leg, the vertical through the hips, and how far ahead the foot lands.

    ``overstride_pct_leg`` is the stride's reported value; it is written on the picture so the
    figure and the table agree.
    """
    img = image.copy()
    _, knee, ankle = _leg_points(xy, leg)
    hip = (xy[LM.LEFT_HIP] + xy[LM.RIGHT_HIP]) / 2
    if not _ok(knee, ankle, hip):
        return img
    s = _scale(img)
    th = max(3, round(4 * s))
    cv2.line(img, _pt(knee), _pt(ankle), SHANK, th, cv2.LINE_AA)
    # Vertical through the hips down to the ankle's height, and the gap to the ankle.
    up = true_up(ctx.roll_deg)
    drop = float((ankle - hip) @ -up)
    foot_level = hip - up * drop
    _dashed(img, hip, foot_level, SHANK, max(1, th - 2), 6 * s)
    cv2.arrowedLine(img, _pt(foot_level), _pt(ankle), SHANK, max(2, th - 1), cv2.LINE_AA,
                    tipLength=0.2)
    if overstride_pct_leg is not None and np.isfinite(overstride_pct_leg):
        where = "ahead of" if overstride_pct_leg >= 0 else "behind"
        text = f"foot {abs(overstride_pct_leg):.0f}% leg {where} hips"
        _label(img, text, foot_level + np.array([-40 * s, 28 * s]), SHANK, s)
    return img


def back_outline_px(xy: np.ndarray, edges: np.ndarray, ctx: FrameContext) -> np.ndarray:
    """(K, 2) image points of the back outline (the side opposite the running direction).

    Reconstructs the outline from ``PoseTrack.trunk_edges_px``: station ``s`` on the
    hip-mid -> shoulder-mid axis ``a``, normal ``n`` = ``a`` rotated so an upright trunk's ``n``
    points to image +x; channel 1 (-n side) is the back when facing +x, channel 0 otherwise.
    """
    hip = (xy[LM.LEFT_HIP] + xy[LM.RIGHT_HIP]) / 2
    sh = (xy[LM.LEFT_SHOULDER] + xy[LM.RIGHT_SHOULDER]) / 2
    a = sh - hip
    norm = float(np.hypot(*a))
    if not _ok(hip, sh) or norm == 0:
        return np.full((TRUNK_PROFILE_S.size, 2), np.nan)
    n = np.array([-a[1], a[0]]) / norm
    if ctx.facing >= 0:
        sign, dist = -1.0, edges[:, 1]
    else:
        sign, dist = 1.0, edges[:, 0]
    return hip + TRUNK_PROFILE_S[:, None] * a + sign * dist[:, None] * n


def draw_back(image: np.ndarray, xy: np.ndarray, edges: np.ndarray,
              ctx: FrameContext) -> np.ndarray:
    """The back outline (magenta) and the straight chord from buttocks to upper back."""
    img = image.copy()
    pts = back_outline_px(xy, edges, ctx)
    ok = np.isfinite(pts).all(axis=1)
    if ok.sum() < 3:
        return img
    s = _scale(img)
    poly = np.round(pts[ok]).astype(np.int32).reshape(-1, 1, 2)
    cv2.polylines(img, [poly], False, BACK, max(2, round(2.5 * s)), cv2.LINE_AA)
    _dashed(img, pts[ok][0], pts[ok][-1], BACK, max(1, round(1.5 * s)), 5 * s)
    return img


def annotate_frame(image: np.ndarray, track: PoseTrack, row: int, ctx: FrameContext, *,
                   phase: Phase = "none", leg: str | None = None,
                   overstride_pct_leg: float | None = None, caption: str = "") -> np.ndarray:
    """All overlays for track row ``row`` on its decoded frame.

    Parameters
    ----------
    image : (H, W, 3) uint8 RGB upright frame matching ``track.frame_size_px``.
    row : index into the track arrays.
    phase : ``"ic"`` adds the shank and foot-ahead distance of ``leg``.
    caption : short text written at the top left (e.g. "Early - initial contact").
    """
    xy = track.image_xy_px[row]
    vis = track.visibility[row]
    img = image
    if np.isfinite(xy).all():
        near = "left" if ctx.facing < 0 else "right"
        img = draw_skeleton(img, xy, vis, near_side=leg or near)
        if ctx.side_view:
            img = draw_back(img, xy, track.trunk_edges_px[row], ctx)
        img = draw_trunk(img, xy, ctx)
        if not ctx.side_view:
            img = draw_frontal(img, xy, ctx)
        if phase == "ic" and leg and ctx.side_view:
            img = draw_contact(img, xy, leg, ctx, overstride_pct_leg=overstride_pct_leg)
    else:
        img = img.copy()
        _label(img, "runner not found in this frame", np.array([10, 60]), (255, 80, 80),
               _scale(img))
    if caption:
        _label(img, caption, np.array([10, 10 + 24 * _scale(img)]), (255, 255, 255), _scale(img))
    return img
