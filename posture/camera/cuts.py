"""Shot cuts in an edited clip, found from the whole body's jumps between frames.

Within a fraction of a second a running body moves far less than its own height and its
size in the picture changes by a few percent, whether the camera stands still, pans with
the runner (the body stays put in the picture) or the runner crosses the picture. A cut
to another shot moves the body box or changes its size abruptly. The score at each frame
compares the ``WINDOW_S`` after it with the ``WINDOW_S`` before it: the shift of the median
box centre in body heights plus the change of the median box height (log, in units of
``log(SIZE_RATIO)``). Medians over windows ignore single-frame landmark glitches and still
catch cuts that landmark smoothing spreads over a few frames. Panning cameras cannot fool
it the way a frame-difference test of the pixels can (a fast pan changes every pixel).

A montage may also cut between two shots that frame the runner alike (same place, same
size): the body does not jump, the picture does. Where the video file is at hand, a frame
whose whole picture changes at once (:func:`picture_jumps`: many times the change between
the frames around it, so a pan or a moving runner does not count) is a cut as well.

Rear/front clips have their own, hip-width based split (``posture.gait.frontal``); this
module serves side views, where the hips overlap and the body height is the scale.
"""

from __future__ import annotations

import functools
import itertools
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from posture.errors import PostureError
from posture.landmarks import LM
from posture.results import QualityFlag
from posture.track import PoseTrack

#: Length of the windows compared before and after each frame, seconds.
WINDOW_S = 0.3
#: Score above which a cut is declared: 0.5 body heights of shift, or a size change by the
#: factor ``SIZE_RATIO``, or a mix. Running moves the box centre by < 0.1 body heights
#: between 0.3 s windows in the picture of a panning or static camera (measured on the
#: shared side clips: largest score 0.31 on the tracking shots).
CUT_SCORE = 1.0
JUMP_HEIGHTS = 0.5
SIZE_RATIO = 1.5
#: A body break whose box is back where it was within this time (s) is a glitch of the
#: landmarks (left to the strides' landmark-jump check), not a jump to someone else.
RETURN_S = 1.0
#: Frames on each side of a cut that may blend both shots (landmark smoothing), seconds.
GUARD_S = 0.1
#: Picture cue: mean absolute difference (0-255) of consecutive frames shrunk to
#: ``PICTURE_SIDE_PX`` pixels, at least ``PICTURE_JUMP`` and ``PICTURE_RATIO`` times the
#: median difference over the ``PICTURE_CONTEXT_S`` around it. Measured on the shared clips:
#: the four montage cuts of the front road clip 54-75; every other frame of all ten clips
#: (tracking shots, a runner crossing, treadmills, repeated frames, watermarks) at most 7.
PICTURE_SIDE_PX = 32
PICTURE_JUMP = 25.0
PICTURE_RATIO = 5.0
PICTURE_CONTEXT_S = 1.0

_BODY = (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER, LM.LEFT_HIP, LM.RIGHT_HIP, LM.LEFT_KNEE,
         LM.RIGHT_KNEE, LM.LEFT_ANKLE, LM.RIGHT_ANKLE)


def _box(track: PoseTrack) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(T, 2) body box centre, (T,) box height (px) and (T,) frames where both are known."""
    xy = track.image_xy_px[:, list(_BODY)]
    ok = np.isfinite(xy).all(axis=(1, 2))
    centre = np.full((track.n_frames, 2), np.nan)
    height = np.full(track.n_frames, np.nan)
    lo, hi = xy[ok].min(axis=1), xy[ok].max(axis=1)
    centre[ok] = 0.5 * (lo + hi)
    height[ok] = hi[:, 1] - lo[:, 1]
    return centre, height, ok & (np.nan_to_num(height) > 0)


def _window_lines(t: np.ndarray, y: np.ndarray, half: int) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares lines through the ``half`` samples before (``k - half .. k - 1``) and
    from (``k .. k + half - 1``) each index ``k``, evaluated at the middle of samples
    ``k - 1`` and ``k``: (n, 2) before and after values (NaN where a window has fewer than
    two samples). Running sums make it O(n)."""
    n = t.size
    t_mid = np.r_[t[0], 0.5 * (t[:-1] + t[1:])]

    def sums(v: np.ndarray) -> np.ndarray:
        return np.concatenate([np.zeros((1, *v.shape[1:])), np.cumsum(v, axis=0)])

    tt = (t - t[0])[:, None]  # shifted for numerical range
    s0, st, stt = sums(np.ones((n, 1))), sums(tt), sums(tt * tt)
    sy, sty = sums(y), sums(tt * y)
    k = np.arange(n)
    out = []
    for lo, hi in ((np.maximum(k - half, 0), k), (k, np.minimum(k + half, n))):
        m = s0[hi] - s0[lo]
        a_t, a_tt = st[hi] - st[lo], stt[hi] - stt[lo]
        a_y, a_ty = sy[hi] - sy[lo], sty[hi] - sty[lo]
        with np.errstate(invalid="ignore", divide="ignore"):
            den = m * a_tt - a_t * a_t
            slope = np.where(den > 0, (m * a_ty - a_t * a_y) / den, 0.0)
            mean_t, mean_y = a_t / m, a_y / m
            val = mean_y + slope * ((t_mid - t[0])[:, None] - mean_t)
        val[m[:, 0] < 2] = np.nan
        out.append(val)
    return out[0], out[1]


def _box_change(c0: np.ndarray, h0: np.ndarray | float, c1: np.ndarray,
                h1: np.ndarray | float) -> np.ndarray | float:
    """Cut score of the body box moving from centre ``c0`` (..., 2) and height ``h0`` to
    ``c1``, ``h1`` (px): the centre's move in ``JUMP_HEIGHTS`` body heights plus the
    height's change in ``log(SIZE_RATIO)``."""
    jump = np.hypot(*(c1 - c0).T) / np.minimum(h0, h1)
    return jump / JUMP_HEIGHTS + np.abs(np.log(h1 / h0)) / np.log(SIZE_RATIO)


def cut_scores(track: PoseTrack) -> np.ndarray:
    """(T,) score of a cut just before each frame (0 where it cannot be judged).

    The body box centre is fitted by a straight line over the ``WINDOW_S`` before the frame
    and another over the ``WINDOW_S`` from it; where they meet, a running body (standing
    in a panning picture, or crossing a still one at its speed) gives the same point. The
    score is the distance between the two lines' positions at the frame in units of
    ``JUMP_HEIGHTS`` body heights, plus the change of the median box height in units of
    ``log(SIZE_RATIO)``.
    """
    centre, height, ok = _box(track)
    score = np.zeros(track.n_frames)
    good = np.flatnonzero(ok)
    if good.size < 4 or not np.isfinite(track.fps):
        return score
    half = max(round(WINDOW_S * track.fps), 2)
    t = track.t_s[good]
    before, after = _window_lines(t, centre[good], half)
    h = pd.Series(height[good])
    h_before = h.rolling(half, min_periods=1).median().shift(1).to_numpy()
    h_after = h[::-1].rolling(half, min_periods=1).median()[::-1].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        s = _box_change(before, h_before, after, h_after)
    s[:2] = 0.0
    s[-1:] = 0.0
    score[good] = np.nan_to_num(s)
    return score


@functools.lru_cache(maxsize=8)
def _picture_differences(path: str, mtime_ns: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(stream frame indices, mean absolute difference to the previous decoded frame)."""
    import cv2

    from posture.io.video import iter_frames

    idx, diff, prev = [], [], None
    for f in iter_frames(path, max_side_px=8 * PICTURE_SIDE_PX):
        small = cv2.resize(f.image_rgb, (PICTURE_SIDE_PX, PICTURE_SIDE_PX),
                           interpolation=cv2.INTER_AREA).astype(np.float32)
        if prev is not None:
            idx.append(f.index)
            diff.append(float(np.abs(small - prev).mean()))
        prev = small
    return np.asarray(idx, int), np.asarray(diff, float)


def picture_jumps(path: str | os.PathLike, fps: float) -> list[int] | None:
    """Stream indices of frames whose picture differs from the previous frame as only a cut
    to another shot does (see ``PICTURE_JUMP``); None when the file cannot be read.
    ``fps``: frames per second of playback (the context window counts frames)."""
    p = Path(path)
    try:
        st = p.stat()
        idx, diff = _picture_differences(str(p), st.st_mtime_ns, st.st_size)
    except (OSError, PostureError):  # no file (a track without its video), or one the
        return None  # reader refuses: the body-box cue alone decides
    if diff.size < 3 or not np.isfinite(fps) or fps <= 0:
        return None
    half = max(round(PICTURE_CONTEXT_S * fps / 2), 2)
    context = pd.Series(diff).rolling(2 * half + 1, center=True, min_periods=1).median()
    hit = (diff >= PICTURE_JUMP) & (diff >= PICTURE_RATIO * context.to_numpy())
    return [int(i) for i in idx[hit]]


def _picture_cut_rows(track: PoseTrack) -> list[int] | None:
    """Track rows of the picture cuts (see :func:`picture_jumps`); None without a readable
    video file."""
    path = getattr(track.info, "path", None)
    if not path or track.n_frames < 2:
        return None
    frames = picture_jumps(path, float(track.info.fps_nominal))
    if frames is None:
        return None
    rows = []
    for i in frames:
        r = int(np.searchsorted(track.frame_index, i))
        if 0 < r < track.n_frames:
            rows.append(r)
    return rows


def find_breaks(track: PoseTrack) -> tuple[list[int], list[int]]:
    """Track rows where a new shot starts (cuts) and where the tracked body jumped within
    one shot (jumps), each sorted.

    Each run of frames scoring above ``CUT_SCORE`` gives one body break, at its frame with
    the largest single-step body jump; each frame whose whole picture changes
    (:func:`picture_jumps`) gives one cut. A body break within ``WINDOW_S`` of a picture
    cut is the same cut, at the picture's frame. A body break while the picture goes on
    unchanged is no cut of the film: the pose model's body jumped to another person or
    object (measured on the shared sprint clip with three runners: 4 such jumps, no picture
    change above 7), unless the box is back within ``RETURN_S`` (a glitch, as on the slowed
    lab treadmill at 2x: neither). Without a readable video file the two cannot be told
    apart and every body break counts as a cut.
    """
    half = max(round(WINDOW_S * track.fps), 2) if np.isfinite(track.fps) else 2
    pictures = _picture_cut_rows(track)
    body = _body_cuts(track)
    if pictures is None:
        return body, []
    alone = [c for c in body if all(abs(c - p) > half for p in pictures)]
    box = _box(track)
    return sorted(set(pictures)), [c for c in alone if not _returns(track, box, c, half)]


def _returns(track: PoseTrack, box: tuple[np.ndarray, np.ndarray, np.ndarray], c: int,
             half: int) -> bool:
    """Whether the body box (:func:`_box` of ``track``) is back where and as big as it was
    before row ``c`` within ``RETURN_S`` after it (a brief glitch of the landmarks, not a
    move to someone else)."""
    centre, height, ok = box
    before = np.arange(max(c - half, 0), c)
    before = before[ok[before]]
    if before.size == 0:
        return False
    c0, h0 = np.median(centre[before], axis=0), float(np.median(height[before]))
    stop = int(np.searchsorted(track.t_s, track.t_s[c] + RETURN_S))
    for k in range(c + half, max(stop - half, c + half) + 1):
        after = np.arange(k, min(k + half, track.n_frames))
        after = after[ok[after]]
        if after.size < 2:
            continue
        c1, h1 = np.median(centre[after], axis=0), float(np.median(height[after]))
        if _box_change(c0, h0, c1, h1) <= CUT_SCORE:
            return True
    return False


def find_cuts(track: PoseTrack) -> list[int]:
    """Track rows where a new shot starts (sorted), see :func:`find_breaks`."""
    return find_breaks(track)[0]


def _body_cuts(track: PoseTrack) -> list[int]:
    """Cuts from the body box alone (see :func:`cut_scores`)."""
    score = cut_scores(track)
    flagged = np.flatnonzero(score > CUT_SCORE)
    if flagged.size == 0:
        return []
    centre, _, _ = _box(track)
    step = np.r_[0.0, np.hypot(*np.diff(centre, axis=0).T)]
    step[~np.isfinite(step)] = 0.0
    half = max(round(WINDOW_S * track.fps), 2)
    cuts = []
    for run in np.split(flagged, np.flatnonzero(np.diff(flagged) > half) + 1):
        lo, hi = max(1, run[0] - half), min(track.n_frames, run[-1] + half)
        cuts.append(lo + int(np.argmax(step[lo:hi])))
    return sorted(set(cuts))


def blank_around_cuts(track: PoseTrack, cuts: list[int]) -> PoseTrack:
    """The track with ``GUARD_S`` of frames on both sides of each cut set to NaN, so that
    no gait event and no gap-bridging reaches across a cut."""
    if not cuts:
        return track
    drop = np.zeros(track.n_frames, bool)
    for c in cuts:
        t_c = track.t_s[c]
        drop |= np.abs(track.t_s - t_c) <= GUARD_S + 1e-9
    return _blank(track, drop)


def _blank(track: PoseTrack, drop: np.ndarray) -> PoseTrack:
    """The track with the frames where ``drop`` is True set to NaN."""
    xy = track.image_xy_px.copy()
    xy[drop] = np.nan
    vis = track.visibility.copy()
    vis[drop] = np.nan
    world = track.world_xyz_m.copy()
    world[drop] = np.nan
    edges = track.trunk_edges_px.copy()
    edges[drop] = np.nan
    return replace(track, image_xy_px=xy, visibility=vis, world_xyz_m=world,
                   trunk_edges_px=edges)


def reject_strides_across_cuts(strides: pd.DataFrame, t_s: np.ndarray,
                               cuts: list[int]) -> pd.DataFrame:
    """A copy of an events stride table (``valid``/``reject_reason`` columns) in which every
    stride whose span contains a cut is invalid: a stride never joins two shots."""
    out = strides.copy()
    for c in cuts:
        span = (out["t_start_s"] < t_s[c]) & (out["t_end_s"] > t_s[c])
        hit = span & out["valid"]
        out.loc[hit, "valid"] = False
        out.loc[hit, "reject_reason"] = "spans a cut between two shots"
    return out


def longest_stretch(n_frames: int, t_s: np.ndarray, jumps: list[int]) -> tuple[int, int]:
    """``(start, stop)`` track rows of the longest stretch (in time) between body jumps (and
    the clip's ends): one body for certain."""
    edges = [0, *sorted(jumps), n_frames]
    spans = [(a, b) for a, b in itertools.pairwise(edges) if b > a]
    return max(spans, key=lambda ab: t_s[ab[1] - 1] - t_s[ab[0]])


def keep_stretch(track: PoseTrack, start: int, stop: int) -> PoseTrack:
    """The track with every frame outside rows ``start:stop`` set to NaN."""
    drop = np.ones(track.n_frames, bool)
    drop[start:stop] = False
    return _blank(track, drop)


def jumps_message(jumps: list[int], t_s: np.ndarray, kept: tuple[int, int]) -> str:
    """What the body jumps mean for the numbers, for a person to read."""
    n = len(jumps)
    where = ", ".join(f"{t_s[c]:.1f} s" for c in jumps)
    times = "once" if n == 1 else f"{n} times"
    return (f"The body the pose model followed jumped {times} "
            f"(at {where}) while the picture went on, so it moved to another person or "
            f"object; that is not a cut of the film. Only the longest stretch on one body "
            f"({t_s[kept[0]]:.1f}-{t_s[kept[1] - 1]:.1f} s) was analysed; check in the "
            "overlay that it is the runner, or film the runner alone in view.")


def jumps_flag(jumps: list[int], t_s: np.ndarray, kept: tuple[int, int]) -> QualityFlag | None:
    """Warn that the tracked body jumped and which stretch was analysed."""
    if not jumps:
        return None
    return QualityFlag("body_jumps", "warning", jumps_message(jumps, t_s, kept))


def cuts_flag(cuts: list[int], t_s: np.ndarray) -> QualityFlag | None:
    """Tell the user how many cuts were found and where."""
    if not cuts:
        return None
    where = ", ".join(f"{t_s[c]:.1f} s" for c in cuts)
    n = len(cuts)
    return QualityFlag(
        "cuts", "info",
        f"The clip has {n} {'cut' if n == 1 else 'cuts'} (at {where}), so {n + 1} shots; each "
        "shot was analysed on its own and no stride spans a cut.")
