"""Camera roll from the picture itself: straight scene lines (walls, floor, treadmill rails).

Why: the landmark-based floor line (:mod:`posture.camera.roll`) depends on where the pose model
puts heels and toes, which is neither on the floor nor stable while the foot rolls through
stance. Rooms, tracks and treadmills are full of straight edges that are truly level
(floor/wall joins, belt and rail edges, skirting boards) or truly plumb (door frames,
corners, treadmill uprights). A handful of frames is enough: the scene does not lean.

Method: sample about eight frames spread over the clip; per frame, grey -> Canny edges ->
probabilistic Hough segments, after blanking the runner (thick bones, trunk and head drawn
from the landmarks of the same frame) so limbs and trunk never vote. A segment within
``NEAR_DEG`` of horizontal votes ``atan(dy/dx)``; within ``NEAR_DEG`` of vertical it votes
``atan2(dx, -dy)`` (pointing up). With the sign convention of :mod:`posture.camera.roll` both
equal the roll. Each family gives a length-weighted median and a length-weighted median
absolute deviation. The estimate is refused when neither family has enough line length
or the lines disagree (see :func:`combine_families`).

Stability (issue 17): one clip's frames must give one roll. The frames are sampled as two
interleaved, disjoint sets (``N_SAMPLE_FRAMES`` each); the estimate stands only when both
sets alone give a usable roll and the two agree within ``MAX_SAMPLE_DISAGREE_DEG``
(:func:`stable_roll`). Otherwise no roll, so a correction can never hinge on which frames
happened to be sampled. Two clips of one camera are levelled together
(:func:`shared_rolls`): one estimate from the frames of both, unless each clip alone gives a
stable roll and the two differ by more than ``CAMERA_MOVED_DEG`` (the camera was moved).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from posture.track import PoseTrack

#: Segments within this many degrees of horizontal/vertical vote.
NEAR_DEG = 8.0
#: Frames sampled from the clip.
N_SAMPLE_FRAMES = 8
#: A family needs summed segment length >= this many frame long-sides (over all frames).
MIN_FAMILY_LENGTH_SIDES = 2.0
#: ... and at least this many segments.
MIN_FAMILY_SEGMENTS = 8
#: Weighted MAD (degrees) above which a family is too scattered to trust.
MAX_FAMILY_MAD_DEG = 1.5
#: Horizontal and vertical families must agree this closely (degrees) to be combined.
MAX_FAMILY_DISAGREE_DEG = 1.5
#: Two disjoint frame samples of one clip must agree this closely (degrees).
MAX_SAMPLE_DISAGREE_DEG = 0.5
#: Smallest standard error (degrees) given to an accepted scene roll: level-looking scene
#: lines are rarely level to better than this (perspective, building tolerances).
MIN_ROLL_SE_DEG = 0.25
#: Two clips whose stable rolls differ by more than this (degrees) count as filmed with the
#: camera moved in between; each keeps its own roll.
CAMERA_MOVED_DEG = 2.0


@dataclass(frozen=True)
class LineFamily:
    """Votes of the near-horizontal or near-vertical segments.

    Attributes
    ----------
    roll_deg : float, degrees (NaN when no segments)
    mad_deg : float, degrees, length-weighted median absolute deviation
    length_px : float, summed segment length, pixels
    n_segments : int
    """

    roll_deg: float
    mad_deg: float
    length_px: float
    n_segments: int


@dataclass(frozen=True)
class SceneRoll:
    """Scene-line roll estimate.

    Attributes
    ----------
    roll_deg : float, degrees (NaN when refused); positive = scene turned clockwise on screen
    ok : bool, whether the estimate is trustworthy
    reason : str, why it was refused ("" when ok)
    horizontal, vertical : LineFamily
    n_frames : int, frames that contributed
    se_deg : float, degrees, standard error of ``roll_deg`` (half the disagreement of the
        two frame samples, at least ``MIN_ROLL_SE_DEG``; NaN when not checked or refused)
    """

    roll_deg: float
    ok: bool
    reason: str
    horizontal: LineFamily
    vertical: LineFamily
    n_frames: int
    se_deg: float = float("nan")


@dataclass(frozen=True)
class FrameVotes:
    """Roll votes of one frame: near-horizontal and near-vertical segment angles (degrees)
    and lengths (pixels), and the frame's long side (pixels)."""

    h_deg: np.ndarray
    h_len: np.ndarray
    v_deg: np.ndarray
    v_len: np.ndarray
    long_side_px: float


def _weighted_median(v: np.ndarray, w: np.ndarray) -> float:
    order = np.argsort(v)
    v, w = v[order], w[order]
    c = np.cumsum(w)
    return float(v[np.searchsorted(c, 0.5 * c[-1])])


def family(angles_deg: np.ndarray, lengths_px: np.ndarray) -> LineFamily:
    """Length-weighted median and MAD of segment angles (degrees)."""
    a, w = np.asarray(angles_deg, float), np.asarray(lengths_px, float)
    if a.size == 0:
        return LineFamily(float("nan"), float("nan"), 0.0, 0)
    med = _weighted_median(a, w)
    mad = _weighted_median(np.abs(a - med), w)
    return LineFamily(med, mad, float(w.sum()), int(a.size))


def segment_angles(segments: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                  np.ndarray]:
    """Split (n, 4) segments ``x1, y1, x2, y2`` (pixels, y down) into roll votes.

    Returns
    -------
    h_deg, h_len, v_deg, v_len : roll votes (degrees) and lengths (pixels) of the
        near-horizontal and near-vertical segments.
    """
    s = np.asarray(segments, float).reshape(-1, 4)
    dx, dy = s[:, 2] - s[:, 0], s[:, 3] - s[:, 1]
    length = np.hypot(dx, dy)
    # horizontal: slope dy/dx = tan(roll); orient left -> right
    sx = np.where(dx < 0, -1.0, 1.0)
    h = np.degrees(np.arctan2(sx * dy, sx * dx))
    # vertical: up direction (sin roll, -cos roll); orient upward (dy < 0)
    sy = np.where(dy > 0, -1.0, 1.0)
    v = np.degrees(np.arctan2(sy * dx, -sy * dy))
    hm, vm = np.abs(h) <= NEAR_DEG, np.abs(v) <= NEAR_DEG
    return h[hm], length[hm], v[vm], length[vm]


#: Bones drawn into the runner mask (landmark index pairs).
_BONES = ((11, 12), (11, 13), (13, 15), (12, 14), (14, 16), (11, 23), (12, 24), (23, 24),
          (23, 25), (25, 27), (27, 29), (29, 31), (27, 31), (24, 26), (26, 28), (28, 30),
          (30, 32), (28, 32), (15, 17), (15, 19), (16, 18), (16, 20))
#: Limb thickness in the mask, as a fraction of the runner's height in the picture.
LIMB_WIDTH = 0.12


def runner_mask(shape_hw: tuple[int, int], xy_px: np.ndarray) -> np.ndarray:
    """(H, W) uint8 mask (255 = runner) drawn from one frame's landmarks (pixels).

    Thick bones, the trunk polygon and a head disc: tighter than a bounding box, so the
    scene between the legs and around a runner who fills a portrait frame still votes.
    """
    import cv2

    mask = np.zeros(shape_hw, np.uint8)
    ok = np.isfinite(xy_px).all(axis=-1)
    if not ok.any():
        return mask
    p = xy_px[ok]
    height = float(np.ptp(p[:, 1]) + 1.0)
    width = max(3, round(LIMB_WIDTH * height))
    for a, b in _BONES:
        if ok[a] and ok[b]:
            cv2.line(mask, tuple(np.round(xy_px[a]).astype(int)),
                     tuple(np.round(xy_px[b]).astype(int)), 255, width)
    trunk = [i for i in (11, 12, 24, 23) if ok[i]]
    if len(trunk) >= 3:
        cv2.fillConvexPoly(mask, cv2.convexHull(np.round(xy_px[trunk]).astype(np.int32)), 255)
    head = [i for i in range(11) if ok[i]]
    if head:
        c = np.round(xy_px[head].mean(axis=0)).astype(int)
        cv2.circle(mask, tuple(c), int(0.1 * height) + width // 2, 255, -1)
    return mask


def frame_segments(image_rgb: np.ndarray, runner_xy_px: np.ndarray | None) -> np.ndarray:
    """(n, 4) straight segments of one frame away from the runner (pixels).

    ``runner_xy_px``: (33, 2) landmarks of the same frame in the image's pixels, or None.
    """
    import cv2

    gray = cv2.cvtColor(np.ascontiguousarray(image_rgb), cv2.COLOR_RGB2GRAY)
    gray = cv2.GaussianBlur(gray, (5, 5), 0)
    edges = cv2.Canny(gray, 40, 120)
    h, w = edges.shape
    edges[:3, :] = 0
    edges[-3:, :] = 0
    edges[:, :3] = 0
    edges[:, -3:] = 0
    if runner_xy_px is not None:
        edges[runner_mask((h, w), runner_xy_px) > 0] = 0
    min_len = max(30, int(0.08 * max(w, h)))
    lines = cv2.HoughLinesP(edges, 1, np.pi / 720, threshold=30, minLineLength=min_len,
                            maxLineGap=4)
    return np.zeros((0, 4)) if lines is None else lines.reshape(-1, 4).astype(float)


def combine_families(hor: LineFamily, ver: LineFamily, *, long_side_px: float,
                     n_frames: int) -> SceneRoll:
    """Decide the scene roll from the two families (see module doc)."""
    need = MIN_FAMILY_LENGTH_SIDES * long_side_px * max(1, n_frames) / N_SAMPLE_FRAMES

    def usable(f: LineFamily) -> bool:
        return (f.n_segments >= MIN_FAMILY_SEGMENTS and f.length_px >= need
                and f.mad_deg <= MAX_FAMILY_MAD_DEG)

    good = [f for f in (hor, ver) if usable(f)]
    nan = float("nan")
    if not good:
        return SceneRoll(nan, False, "too few straight level or plumb lines in the scene",
                         hor, ver, n_frames)
    if len(good) == 2:
        if abs(hor.roll_deg - ver.roll_deg) > MAX_FAMILY_DISAGREE_DEG:
            return SceneRoll(nan, False, f"level lines ({hor.roll_deg:+.1f} deg) and plumb "
                             f"lines ({ver.roll_deg:+.1f} deg) disagree", hor, ver, n_frames)
        w = np.array([hor.length_px, ver.length_px])
        roll = float(np.average([hor.roll_deg, ver.roll_deg], weights=w))
        return SceneRoll(roll, True, "", hor, ver, n_frames)
    return SceneRoll(good[0].roll_deg, True, "", hor, ver, n_frames)


def frame_votes(image_rgb: np.ndarray, runner_xy_px: np.ndarray | None) -> FrameVotes:
    """Roll votes of one frame (runner masked, see :func:`frame_segments`)."""
    h_deg, h_len, v_deg, v_len = segment_angles(frame_segments(image_rgb, runner_xy_px))
    return FrameVotes(h_deg, h_len, v_deg, v_len, float(max(image_rgb.shape[:2])))


def roll_from_votes(votes: Sequence[FrameVotes]) -> SceneRoll:
    """Scene roll from the pooled votes of some frames (no stability check)."""
    if not votes:
        empty = family(np.zeros(0), np.zeros(0))
        return SceneRoll(float("nan"), False, "no frames", empty, empty, 0)
    hor = family(np.concatenate([v.h_deg for v in votes]),
                 np.concatenate([v.h_len for v in votes]))
    ver = family(np.concatenate([v.v_deg for v in votes]),
                 np.concatenate([v.v_len for v in votes]))
    return combine_families(hor, ver, long_side_px=max(v.long_side_px for v in votes),
                            n_frames=len(votes))


def stable_roll(votes: Sequence[FrameVotes]) -> SceneRoll:
    """Scene roll of all ``votes`` when two disjoint halves (every other frame) agree.

    Each half alone must give a usable roll, and the two must agree within
    ``MAX_SAMPLE_DISAGREE_DEG``; otherwise the estimate is refused. ``se_deg`` is half their
    difference (the standard error of a mean of two such halves), at least
    ``MIN_ROLL_SE_DEG``.
    """
    return _stable(list(votes[0::2]), list(votes[1::2]))


def _stable(half_a: list[FrameVotes], half_b: list[FrameVotes]) -> SceneRoll:
    """The pooled roll of two disjoint frame samples when each alone agrees with the other."""
    whole = roll_from_votes(half_a + half_b)
    if not whole.ok:
        return whole
    halves = [roll_from_votes(h) for h in (half_a, half_b)]
    nan = float("nan")
    if not all(h.ok for h in halves):
        return replace(whole, roll_deg=nan, ok=False,
                       reason="the scene lines were too few in part of the frames, so the "
                              "level would depend on which frames were sampled")
    a, b = (h.roll_deg for h in halves)
    if abs(a - b) > MAX_SAMPLE_DISAGREE_DEG:
        return replace(whole, roll_deg=nan, ok=False,
                       reason=f"two sets of frames gave {a:+.1f} and {b:+.1f} degrees, so the "
                              "scene lines are not a stable level")
    return replace(whole, se_deg=max(abs(a - b) / 2.0, MIN_ROLL_SE_DEG))


def estimate_roll_scene(frames: Iterable[tuple[np.ndarray, np.ndarray | None]]) -> SceneRoll:
    """Scene roll from ``(image_rgb, runner_xy_px)`` pairs (landmarks (33, 2) px, or None),
    all frames pooled (no stability check; see :func:`stable_roll`).

    Returns
    -------
    SceneRoll
        ``roll_deg`` in degrees, positive = scene turned clockwise on screen.
    """
    return roll_from_votes([frame_votes(img, runner) for img, runner in frames])


def shared_rolls(votes: Sequence[Sequence[FrameVotes] | None]) -> list[SceneRoll | None]:
    """One camera, one level: the scene roll of each of several clips of one session.

    When every clip alone gives a stable roll and some two differ by more than
    ``CAMERA_MOVED_DEG``, the camera was moved between them and each clip keeps its own.
    Otherwise one roll is estimated from the frames of all clips together (each of the two
    check samples holds every other frame of every clip) and given to all, or, when that
    is not stable, none to any. ``None`` entries (video unavailable) count as "no lines".
    """
    own = [stable_roll(v) if v else None for v in votes]
    rolls = [r.roll_deg for r in own if r is not None and r.ok]
    if len(rolls) == len(votes) > 1 and np.ptp(rolls) > CAMERA_MOVED_DEG:
        return own
    if len(votes) == 1:
        return own
    clips = [list(v or []) for v in votes]
    pooled = _stable([f for c in clips for f in c[0::2]], [f for c in clips for f in c[1::2]])
    return [pooled for _ in votes]


def scene_votes_for_track(track: PoseTrack, path: str | Path | None = None, *,
                          n_frames: int = 2 * N_SAMPLE_FRAMES,
                          phase: float = 0.0) -> list[FrameVotes] | None:
    """Sample frames of the track's video and collect their roll votes.

    ``n_frames`` are spread evenly over the detected frames; ``phase`` in [0, 1) shifts the
    sample by that fraction of the spacing (other frames, same spread: the stability check).

    Returns None when the video file is not available (e.g. a track loaded without its
    clip) or cannot be decoded; the caller then relies on the other estimates. Frames of a
    mirrored track (``PoseTrack.mirrored()`` marks ``extraction["mirrored"]``) are flipped
    to match its landmarks. Frames are fetched by seeking, so a cached re-analysis of a long
    clip does not decode it through.
    """
    from posture.errors import PostureError
    from posture.io.video import frames_at

    path = Path(path or track.info.path)
    if not path.is_file() or track.n_frames == 0:
        return None
    rows = np.flatnonzero(track.detected)
    if rows.size == 0:
        rows = np.arange(track.n_frames)
    n = min(n_frames, rows.size)
    step = (rows.size - 1) / max(n, 1)
    at = np.linspace(0, rows.size - 1 - step, n) + phase * step if phase else \
        np.linspace(0, rows.size - 1, n)
    pick = rows[np.clip(at.round().astype(int), 0, rows.size - 1)]
    wanted = {int(track.frame_index[r]): int(r) for r in pick}
    mirrored = bool(track.extraction.get("mirrored", False))
    votes = []
    try:
        for fr in frames_at(path, list(wanted), slowmo_factor=track.info.slowmo_factor,
                            max_side_px=960, turn_ccw_deg=track.info.turn_ccw_deg):
            image = np.ascontiguousarray(fr.image_rgb[:, ::-1]) if mirrored else fr.image_rgb
            votes.append(frame_votes(image, track.image_xy_px[wanted[fr.index]] * fr.scale))
    except (PostureError, OSError, ValueError):
        return None
    return votes or None


def scene_roll_for_track(track: PoseTrack, path: str | Path | None = None, *,
                         n_frames: int = 2 * N_SAMPLE_FRAMES) -> SceneRoll | None:
    """Stable scene roll of one clip (:func:`stable_roll` of :func:`scene_votes_for_track`);
    None when the video is not available."""
    votes = scene_votes_for_track(track, path, n_frames=n_frames)
    return None if votes is None else stable_roll(votes)
