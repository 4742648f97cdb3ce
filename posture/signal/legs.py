"""Leg identity in side views: undo the pose model's left/right leg swaps.

From the side the two legs look alike, and the pose model often gives the near leg's
joints the far leg's labels for a few frames (about a quarter of the frames in our rendered
clips). A swap moves every joint of both legs to the other leg's position at once, which no
real leg does: legs move smoothly. So the labels are repaired by **continuity**: for every
frame choose "as labelled" or "swapped" such that the leg joints (hip, knee, ankle, heel,
toe) move with the least acceleration, i.e. each frame's positions are closest to the
constant-velocity prediction from the two frames before. This is solved exactly over the
whole clip with a Viterbi pass over pairs of consecutive choices (4 states).

Continuity fixes the identity only up to one swap of the whole clip; that global choice is
the majority vote of the model's own labels (it is right most of the time), so a clip
without swaps comes back unchanged.

Where the legs cross (mid-swing and mid-stance) their positions nearly coincide and either
choice costs the same; the prediction from the frames before, where the legs were apart,
carries the identity through the crossing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from posture.landmarks import LEG_LEFT, LEG_RIGHT, LM
from posture.signal.clean import fill_short_gaps, trunk_length_px
from posture.track import PoseTrack

#: Landmarks swapped together (left, right) and used for the continuity cost.
LEG_PAIRS: tuple[tuple[LM, LM], ...] = tuple(zip(LEG_LEFT, LEG_RIGHT, strict=True))


#: Second stage (:func:`continuity_swaps`): the distal leg landmarks swapped together. Hips
#: stay: in side views they nearly coincide, and the model rarely confuses them.
SWAP_LEFT = (LM.LEFT_KNEE, LM.LEFT_ANKLE, LM.LEFT_HEEL, LM.LEFT_FOOT_INDEX)
SWAP_RIGHT = (LM.RIGHT_KNEE, LM.RIGHT_ANKLE, LM.RIGHT_HEEL, LM.RIGHT_FOOT_INDEX)
#: An interval between foot crossings of at least this many median steps hides missed
#: crossings (a crossing found a little early or late makes intervals of 0.6-1.5 steps).
MISSED_CROSSING_RATIO = 1.75
SWAP_COST_FRAC = 0.05
"""Per-frame cost of the "swapped" state, as a fraction of the trunk length (px)."""
SWITCH_COST_FRAC = 0.25
"""Cost of changing between "as labelled" and "swapped", as a fraction of the trunk length:
keeps noise from toggling the labels where the legs pass each other."""


@dataclass(frozen=True)
class LegRepair:
    """What :func:`repair_leg_swaps` did.

    Attributes
    ----------
    swapped : (T,) bool, frames whose leg labels were exchanged
    swapped_pct : float, percent of frames exchanged
    """

    swapped: np.ndarray
    swapped_pct: float


def _foot_x(xy: np.ndarray, side: int) -> np.ndarray:
    """(T,) image x of a foot (mean of ankle, heel and toe), px; ``side`` 0 left, 1 right."""
    ids = [pair[side] for pair in LEG_PAIRS[2:]]
    x = xy[:, ids, 0]
    out = np.full(x.shape[0], np.nan)
    ok = np.isfinite(x).any(axis=1)
    out[ok] = np.nanmean(x[ok], axis=1)
    return out


def crossing_frames(gap_px: np.ndarray, fps: float) -> np.ndarray:
    """Frames where the two feet pass each other: minima of the label-free foot gap |dx|.

    Parameters
    ----------
    gap_px : (T,) |x(left foot) - x(right foot)|, px, interior gaps filled (NaN at the ends
        where the feet are not seen).
    fps : frames per second.
    """
    ok = np.flatnonzero(np.isfinite(gap_px))
    if ok.size < 3:
        return np.array([], int)
    a = int(ok[0])
    return a + _crossings_in(gap_px[a:int(ok[-1]) + 1], fps)


def _crossings_in(gap_px: np.ndarray, fps: float) -> np.ndarray:
    """:func:`crossing_frames` of a NaN-free series."""
    from scipy.signal import find_peaks

    amp = np.nanpercentile(gap_px, 90)
    if not np.isfinite(amp) or amp <= 0:
        return np.array([], int)
    # steps last >= 0.2 s (300 steps/min); crossings are where the gap nearly closes
    pk, _ = find_peaks(-gap_px, distance=max(1, int(0.2 * fps)), prominence=0.3 * amp)
    pk = pk[gap_px[pk] < 0.5 * amp]
    if pk.size < 3:
        return pk
    step = float(np.median(np.diff(pk)))
    # a crossing in the first or last frames is no peak for find_peaks: add it
    head = gap_px[:pk[0]]
    if head.size > 0.5 * step and np.argmin(head) <= 1 and head.min() < 0.5 * amp:
        pk = np.concatenate([[int(np.argmin(head))], pk])
    tail = gap_px[pk[-1] + 1:]
    if tail.size > 0.5 * step and np.argmin(tail) >= tail.size - 2 and tail.min() < 0.5 * amp:
        pk = np.concatenate([pk, [pk[-1] + 1 + int(np.argmin(tail))]])
    # a spurious minimum splits one step into two short intervals: drop it
    keep = list(pk)
    k = 1
    while k < len(keep) - 1:
        if keep[k] - keep[k - 1] < 0.75 * step and keep[k + 1] - keep[k] < 0.75 * step:
            del keep[k]
        else:
            k += 1
    return np.asarray(keep, int)


def _steps_between(cross: np.ndarray) -> np.ndarray:
    """Number of steps (sign changes) at each crossing: 1, or more where crossings were
    missed (an interval of about n median steps holds n - 1 unseen crossings)."""
    n = np.ones(cross.size, int)
    if cross.size >= 3:
        step = float(np.median(np.diff(cross)))
        ratio = np.diff(cross) / step
        # a crossing found a little early or late makes intervals of 0.6-1.5 steps: only a
        # clearly long interval hides a missed crossing
        n[1:] = np.where(ratio >= MISSED_CROSSING_RATIO, np.round(ratio), 1).astype(int)
    return n


def swap_states(xy_px: np.ndarray, fps: float) -> np.ndarray:
    """(T,) bool: True where the leg labels should be exchanged.

    Parameters
    ----------
    xy_px : (T, 33, 2) image landmarks, px (NaN where missing).
    fps : frames per second.
    """
    xy = np.asarray(xy_px, float)
    T = xy.shape[0]
    d_obs = _foot_x(xy, 0) - _foot_x(xy, 1)
    if np.isfinite(d_obs).sum() < max(10, int(fps)):
        return np.zeros(T, bool)
    # interior gaps bridged; frames before the first and after the last finite value stay
    # NaN (a runner entering the picture must not look like feet held together)
    d = fill_short_gaps(d_obs, np.arange(T) / fps, np.inf, method="linear")
    gap = np.abs(d)
    cross = crossing_frames(gap, fps)
    if cross.size < 2:
        return np.zeros(T, bool)
    # the true difference changes sign at every crossing: alternate the sign per interval
    sign = np.ones(T)
    flips = np.cumsum(_steps_between(cross))
    for c, f in zip(cross, flips, strict=True):
        sign[c:] = -1.0 if f % 2 else 1.0
    # which leg is in front in the first interval: the labels vote (they are mostly right)
    ok = np.isfinite(d_obs) & (gap > 0)
    if np.sum(np.sign(d_obs[ok]) == sign[ok]) < 0.5 * ok.sum():
        sign = -sign
    swapped = np.sign(d) != sign
    amp = np.nanpercentile(gap, 90)
    clear = (gap > 0.15 * amp) & np.isfinite(d_obs)
    if clear.any() and not clear.all():
        swapped = _resolve_crossings(xy, swapped, clear)
    return swapped & np.isfinite(d_obs)


def _resolve_crossings(xy: np.ndarray, swapped: np.ndarray, clear: np.ndarray) -> np.ndarray:
    """Decide the frames where the feet are too close in x to tell their order.

    Each such frame takes the labelling whose leg joints (all of them, both coordinates:
    the swinging foot passes high above the standing one) lie nearer the positions
    interpolated between the closest clear frames before and after, as repaired.
    """
    out = swapped.copy()
    ids = [i for pair in LEG_PAIRS[1:] for i in pair]
    fixed = swap_legs(xy, swapped)[:, ids]
    alt = swap_legs(xy, ~swapped)[:, ids]
    idx = np.flatnonzero(clear)
    for i in np.flatnonzero(~clear):
        k = int(np.searchsorted(idx, i))
        a = idx[k - 1] if k > 0 else None
        b = idx[k] if k < idx.size else None
        if a is None and b is None:
            continue
        if a is None or b is None:
            pred = fixed[a if b is None else b]
        else:
            w = (i - a) / (b - a)
            pred = (1 - w) * fixed[a] + w * fixed[b]
        c_keep = np.nansum((fixed[i] - pred) ** 2)
        c_flip = np.nansum((alt[i] - pred) ** 2)
        if c_flip < c_keep:
            out[i] = ~swapped[i]
    return out


def swap_legs(xy_px: np.ndarray, swapped: np.ndarray) -> np.ndarray:
    """Copy of ``xy_px`` (T, 33, ...) with left/right leg landmarks exchanged where ``swapped``."""
    out = np.array(xy_px, copy=True)
    rows = np.flatnonzero(swapped)
    for a, b in LEG_PAIRS:
        out[rows, a], out[rows, b] = xy_px[rows, b], xy_px[rows, a]
    return out


def continuity_swaps(xy: np.ndarray, t_s: np.ndarray, *, max_gap_s: float = 0.25,
                     scale_px: float | None = None) -> np.ndarray:
    """(T,) bool: frames whose left/right distal leg labels are swapped.

    Viterbi over two states per frame (0: as labelled, 1: swapped). The cost of moving from
    frame ``t-1`` in state ``a`` to frame ``t`` in state ``b`` is the summed distance the
    knee, ankle, heel and toe of both legs would jump; being swapped costs a further
    ``SWAP_COST_FRAC`` x trunk length per frame and each change of state
    ``SWITCH_COST_FRAC`` x trunk length, so the labels are trusted unless swapping clearly
    makes the legs move more continuously. Frames without legs keep state 0 and a
    gap longer than ``max_gap_s`` cuts the chain (nothing to compare across it).
    """
    T = xy.shape[0]
    left = xy[:, list(SWAP_LEFT)]
    right = xy[:, list(SWAP_RIGHT)]
    ok = np.isfinite(left).all(axis=(1, 2)) & np.isfinite(right).all(axis=(1, 2))
    swapped = np.zeros(T, bool)
    idx = np.flatnonzero(ok)
    if idx.size < 2:
        return swapped
    if scale_px is None:
        scale_px = trunk_length_px(xy)
    body = scale_px if np.isfinite(scale_px) else 1.0
    penalty = SWAP_COST_FRAC * body
    switch = np.array([[0.0, 1.0], [1.0, 0.0]]) * SWITCH_COST_FRAC * body
    states = np.stack([np.stack([left[idx], right[idx]], 1),
                       np.stack([right[idx], left[idx]], 1)], 0)  # (2, N, 2 legs, 4, D)
    n = idx.size
    # jumps[i - 1][a, b]: summed leg-point motion from frame i-1 in state a to frame i in b
    jumps = np.moveaxis(np.linalg.norm(states[None, :, 1:] - states[:, None, :-1],
                                       axis=-1).sum(axis=(-1, -2)), -1, 0)  # (N-1, 2, 2)
    cost = np.array([0.0, penalty])
    back = np.zeros((n, 2), np.int8)
    for i in range(1, n):
        if t_s[idx[i]] - t_s[idx[i - 1]] > max_gap_s:
            # New chain: keep the best so far, no motion cost across the gap.
            best = int(np.argmin(cost))
            back[i] = best
            cost = np.array([cost[best], cost[best] + penalty])
            continue
        total = cost[:, None] + jumps[i - 1] + switch
        back[i] = np.argmin(total, axis=0)
        cost = total.min(axis=0) + np.array([0.0, penalty])
    state = int(np.argmin(cost))
    for i in range(n - 1, -1, -1):
        swapped[idx[i]] = bool(state)
        state = int(back[i, state])
    return swapped


def _swap_distal(arr: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """Copy of ``arr`` with the distal leg landmarks exchanged in ``frames``."""
    out = arr.copy()
    left, right = list(SWAP_LEFT), list(SWAP_RIGHT)
    out[np.ix_(frames, left)] = arr[np.ix_(frames, right)]
    out[np.ix_(frames, right)] = arr[np.ix_(frames, left)]
    return out



def repair_leg_swaps(track: PoseTrack) -> tuple[PoseTrack, LegRepair]:
    """Track with consistent leg labels (image, visibility and world landmarks exchanged
    together) and the frames that were changed.

    The one leg-identity repair of the package, for side views, run once per clip on the raw
    landmarks (before smoothing blurs a swap); the returned track records it in
    ``extraction["leg_repair"]`` (``swapped_pct``, ``frames``) so later stages do not
    repeat it (:func:`repaired`).
    """
    swapped = swap_states(track.image_xy_px, track.fps)
    fixed = replace(track, image_xy_px=swap_legs(track.image_xy_px, swapped),
                    visibility=swap_legs(track.visibility, swapped),
                    world_xyz_m=swap_legs(track.world_xyz_m, swapped))
    # second stage: frame-to-frame continuity of the distal joints catches the short swaps
    # the crossing order leaves (e.g. 25 of 600 frames of sample_videos/fresh_side.mp4)
    more = continuity_swaps(fixed.image_xy_px, fixed.t_s)
    frames = np.flatnonzero(more)
    if frames.size:
        fixed = replace(fixed, image_xy_px=_swap_distal(fixed.image_xy_px, frames),
                        visibility=_swap_distal(fixed.visibility, frames),
                        world_xyz_m=_swap_distal(fixed.world_xyz_m, frames))
    changed = swapped ^ more
    repair = LegRepair(changed, 100.0 * float(changed.mean()) if changed.size else 0.0)
    done = {**track.extraction, "leg_repair": {"swapped_pct": repair.swapped_pct,
                                               "frames": int(changed.sum())}}
    return replace(fixed, extraction=done), repair


def repaired(track: PoseTrack) -> tuple[PoseTrack, float]:
    """``track`` with its leg labels repaired once, and the percent of frames exchanged:
    the recorded repair when :func:`repair_leg_swaps` already ran on it (or on the raw
    landmarks it was cleaned from), else the repair made now."""
    done = track.extraction.get("leg_repair")
    if done is not None:
        return track, float(done["swapped_pct"])
    fixed, repair = repair_leg_swaps(track)
    return fixed, repair.swapped_pct
