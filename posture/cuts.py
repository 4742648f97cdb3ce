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

Rear/front clips have their own, hip-width based split (``posture.gait_frontal``); this
module serves side views, where the hips overlap and the body height is the scale.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

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
#: Frames on each side of a cut that may blend both shots (landmark smoothing), seconds.
GUARD_S = 0.1

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


def _line_at(t: np.ndarray, y: np.ndarray, t0: float) -> np.ndarray:
    """Value at ``t0`` of the straight line fitted to ``y(t)`` (per column)."""
    if t.size < 2 or np.ptp(t) == 0:
        return y.mean(axis=0)
    coef = np.polyfit(t - t0, y, 1)
    return coef[1]


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
    t = track.t_s
    for k in range(2, good.size - 1):
        before, after = good[max(0, k - half):k], good[k:k + half]
        t0 = 0.5 * (t[before[-1]] + t[after[0]])
        h_b, h_a = np.median(height[before]), np.median(height[after])
        jump = np.hypot(*(_line_at(t[after], centre[after], t0)
                          - _line_at(t[before], centre[before], t0)))
        score[good[k]] = (jump / min(h_b, h_a) / JUMP_HEIGHTS
                          + abs(np.log(h_a / h_b)) / np.log(SIZE_RATIO))
    return score


def find_cuts(track: PoseTrack) -> list[int]:
    """Track rows where a new shot starts (sorted). Each run of frames scoring above
    ``CUT_SCORE`` gives one cut, at its frame with the largest single-step body jump."""
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
