"""Gait events (initial contact, toe-off) of a runner filmed from behind or in front.

From the side a foot's forward motion gives the events away; from behind it does not, but
its *vertical image position* does. Each foot traces the same cycle in image y (y down):

* swing: the heel flicks up toward the buttocks, then the foot comes down again;
* initial contact (IC): the fast downward motion stops abruptly when the foot meets the
  ground, a sharp deceleration (a negative spike of d2y/dt2);
* stance: the foot stays on the ground (image y constant, or drifting down slowly when the
  foot slides back toward a camera above foot height on a treadmill);
* toe-off (TO): the fast upward motion starts, again a negative spike of d2y/dt2.

We take the *lowest* image point of the foot (max y of ankle, heel and toe), so the event is
the contact of whichever part touches first (heel or forefoot) and the lift of whichever
part leaves last (the toes). Per leg, swing apexes are the prominent minima of that signal;
between the fastest descent and the fastest rise that follow an apex lie two sharp drops
of dy/dt: the earlier is the IC, the later the TO. Two corrections for what a pose model
makes of an end-on foot: the IC must lie where the foot has (nearly) reached its stance
line, not at a first stop above the ground (:func:`_gate_ic`), and a lowest point that
leaves the stance line with the heel, hovers and only then rises with the swing gives the
TO halfway between the two (:func:`_two_stage_to`). This follows the marker-based detectors
that time events from the foot's vertical kinematics (peak vertical acceleration: Hreljac
& Marshall 2000; vertical foot velocity: O'Connor et al. 2007), applied here to image y.
The events of the two legs must alternate (L, R, L, R); anything that breaks the alternation is
dropped rather than guessed.

All indices are track frame indices (0-based rows of the :class:`~posture.track.PoseTrack`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.signal import find_peaks, savgol_filter

from posture.gait.events import (
    STRIDE_MAX_S,
    STRIDE_MIN_S,
    GaitEvents,
    LegEvents,
    stride_table,
    too_few_frames_reason,
)
from posture.landmarks import LM
from posture.signal.clean import fill_short_gaps
from posture.track import PoseTrack

Leg = Literal["left", "right"]
LEGS: tuple[Leg, Leg] = ("left", "right")

FOOT_POINTS: dict[str, tuple[LM, LM, LM]] = {
    "left": (LM.LEFT_ANKLE, LM.LEFT_HEEL, LM.LEFT_FOOT_INDEX),
    "right": (LM.RIGHT_ANKLE, LM.RIGHT_HEEL, LM.RIGHT_FOOT_INDEX),
}

#: How far from the fastest descent (rise) the contact (lift-off) may lie, s.
EVENT_REACH_S = 0.12
#: Window score above which a cut is declared (see :func:`split_segments`).
CUT_SCORE = 1.4
#: Consecutive contacts of the two legs closer than this share of the median step are false.
MIN_STEP_SHARE = 0.4
#: Largest relative deviation of a stride's duration from the shot's median stride.
MAX_STRIDE_DEVIATION = 0.15
#: Longest run of missing frames that is bridged by interpolation (s).
MAX_GAP_S = 0.1
#: Longest run of missing foot frames bridged (linearly) inside a shot, s: seen from the front
#: or behind, the swinging foot passes behind the stance leg near its apex and the pose model
#: loses it or jitters (outlier-rejected) for 3-5 frames at 30 fps; without a bridge each
#: such gap cuts the leg's cycles in two and no full cycle remains. No event is ever placed
#: on or within the smoothing half-window of a bridged frame (they are not measured).
FOOT_GAP_S = 0.17
#: IC is gated to where the foot has come within this share of its descent of the stance line.
IC_LEVEL_SHARE = 0.06
#: How many frames after the level crossing the sharpest velocity drop may lie.
IC_GATE_FRAMES = 2
#: Running mean of the hip height (s) that the foot height for lift-off is measured from.
HIP_TREND_S = 0.7
#: Lift-off: the foot has risen this share of its rise to the next apex above the stance line.
TO_LEVEL_SHARE = 0.06
#: A lift-off this long (s) before the sharp start of the swing rise makes a two-stage lift.
TWO_STAGE_S = 0.035
#: Stance line for lift-off: fitted to frames within this share of the swing range (a hovering
#: toe point, a quarter of the range up, must stay out of it).
TO_CORE_SHARE = 0.2
#: Savitzky-Golay window of the foot signal, s (odd, at least 5 samples): shorter than a
#: contact's sharp velocity drop is wide at 30-120 fps.
SMOOTH_WINDOW_S = 0.08
#: Swing apexes: prominence of at least this share of the foot's 5-95 % vertical range ...
APEX_RANGE_SHARE = 0.35
#: ... and of this many hip widths (a swing lifts the foot by at least ~15 % of the hip
#: width even when jogging) ...
APEX_MIN_HIP_WIDTHS = 0.15
#: ... at least this far apart, s (a stride lasts at least 0.45 s).
APEX_MIN_SPACING_S = 0.35
#: Events in the partial cycles at a shot's ends count only when the descent/rise is at least
#: this share as fast as in the leg's full cycles ...
EDGE_SPEED_SHARE = 0.5
#: ... and the velocity drop at least this share as sharp.
EDGE_DROP_SHARE = 0.4
#: A toe-off may come this long after the other leg lands, s (flight can be shorter than
#: the event timing error).
TO_AFTER_OTHER_S = 0.07
#: An interval between contacts of at least this many median intervals hides missed
#: contacts (``round(ratio)`` intervals are counted); shorter ones are timing scatter.
MISSED_CONTACT_RATIO = 1.75


# ---------------------------------------------------------------------- signals
def foot_bottom_y(xy_px: np.ndarray, leg: Leg) -> np.ndarray:
    """(T,) image y (px, down) of the lowest visible point of the foot (ankle, heel, toe)."""
    pts = xy_px[:, list(FOOT_POINTS[leg]), 1]
    out = np.full(pts.shape[0], np.nan)
    ok = np.isfinite(pts).any(axis=1)
    out[ok] = np.nanmax(pts[ok], axis=1)
    return out


def hip_width_px(xy_px: np.ndarray) -> np.ndarray:
    """(T,) distance between the two hip landmarks in the image, px."""
    return np.hypot(*(xy_px[:, LM.LEFT_HIP] - xy_px[:, LM.RIGHT_HIP]).T)


def hip_mid_y(xy_px: np.ndarray) -> np.ndarray:
    """(T,) image y of the hip midpoint, px."""
    return (xy_px[:, LM.LEFT_HIP, 1] + xy_px[:, LM.RIGHT_HIP, 1]) / 2.0


def split_segments(track: PoseTrack, *, jump_hip_widths: float = 1.0,
                   width_ratio: float = 1.3, window_s: float = 0.3, guard_s: float = 0.1,
                   min_len_s: float = 1.0) -> list[tuple[int, int]]:
    """Frame ranges without cuts or long dropouts.

    Within ``window_s`` a running body moves far less than a hip width and its size in the
    picture changes by a few percent at most, even when approaching the camera. A cut to
    another shot changes either or both: the score is the shift of the median hip midpoint
    between the ``window_s`` after a frame and the ``window_s`` before it, in units of
    ``jump_hip_widths`` hip widths, plus the change of the median hip width in units of the
    factor ``width_ratio`` (log scale); a cut is where the score exceeds ``CUT_SCORE``.
    Medians over windows ignore the brief collapses of the hip line a pose model shows from
    behind (scores up to about 1.1 on a rendered rear clip; real cuts scored 1.7-4), and
    still catch cuts that landmark smoothing has spread over a few frames. The cut is put at
    the largest frame-to-frame change near the flagged frames and ``guard_s`` of frames on
    both sides is left out (they may blend both shots). Gaps without a runner longer than
    ``MAX_GAP_S`` also split. Segments shorter than ``min_len_s`` are dropped.

    Returns
    -------
    list of (start, stop) track frame indices, stop exclusive.
    """
    xy = track.image_xy_px
    hips = xy[:, [LM.LEFT_HIP, LM.RIGHT_HIP]]
    w = hip_width_px(xy)
    ok = np.isfinite(hips).all(axis=(1, 2)) & (w > 0)
    mid = hips.mean(axis=1)
    t = track.t_s
    good = np.flatnonzero(ok)
    if good.size < 2:
        return []
    fps = track.fps
    half = max(round(window_s * fps), 2)
    guard = max(round(guard_s * fps), 1)
    gap = np.flatnonzero(np.diff(t[good]) > MAX_GAP_S + 1e-9)
    pieces = zip(np.r_[0, gap + 1], np.r_[gap + 1, good.size], strict=True)
    segs: list[tuple[int, int]] = []
    for p0, p1 in pieces:
        g = good[p0:p1]
        score = np.zeros(g.size)
        for k in range(1, g.size):
            before, after = g[max(0, k - half):k], g[k:k + half]
            score[k] = _cut_score(np.median(mid[before], axis=0), np.median(mid[after], axis=0),
                                  np.median(w[before]), np.median(w[after]),
                                  jump_hip_widths, width_ratio)
        step = np.r_[0.0, [_cut_score(mid[a], mid[b], w[a], w[b], jump_hip_widths, width_ratio)
                           for a, b in itertools.pairwise(g)]]
        flagged = np.flatnonzero(score > CUT_SCORE)
        runs = np.split(flagged, np.flatnonzero(np.diff(flagged) > 1) + 1)
        cuts = []  # first frame of each new shot (positions in g)
        for r in (r for r in runs if r.size):
            lo, hi = max(1, r[0] - half), min(g.size, r[-1] + half)
            cuts.append(lo + int(np.argmax(step[lo:hi])))
        starts = [0, *(c + guard for c in cuts)]
        stops = [*(c - guard for c in cuts), g.size]
        for a, b in zip(starts, stops, strict=True):
            if b - a >= 2 and t[g[b - 1]] - t[g[a]] >= min_len_s:
                segs.append((int(g[a]), int(g[b - 1] + 1)))
    return segs


def _cut_score(mid_a: np.ndarray, mid_b: np.ndarray, w_a: float, w_b: float,
               jump_hip_widths: float, width_ratio: float) -> float:
    """Shift of the hip midpoint (in ``jump_hip_widths`` hip widths) plus change of hip width
    (in units of log ``width_ratio``) from one shot candidate to the next."""
    jump = float(np.hypot(*(mid_b - mid_a))) / min(w_a, w_b) / jump_hip_widths
    return jump + abs(float(np.log(w_b / w_a))) / np.log(width_ratio)


def _smooth_window(fps: float) -> int:
    """Odd Savitzky-Golay window of about ``SMOOTH_WINDOW_S``, at least 5 samples."""
    n = round(SMOOTH_WINDOW_S * fps)
    n = max(n, 5)
    return n if n % 2 else n + 1


def leg_events(y_px: np.ndarray, fps: float, *, scale_px: float,
               lift_px: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """IC and TO frames (relative to the start of ``y_px``) of one leg.

    Parameters
    ----------
    y_px : (T,) image y of the foot's lowest point, px (y down); no NaN.
    fps : frames per second (uniform sampling assumed within a segment).
    scale_px : hip width in px, the scale for the prominence threshold.
    lift_px : (T,) the same foot's height measured from a slow hip trend, px, for the
        lift-off of a two-stage toe-off (see :func:`_two_stage_to`); None: TO is always the
        sharp start of the swing rise.

    Returns
    -------
    ic, to : int arrays of frame indices (relative), sorted.
    """
    n = y_px.size
    win = _smooth_window(fps)
    if n < 2 * win:
        return np.array([], int), np.array([], int)
    ys = savgol_filter(y_px, win, 2)
    vel = savgol_filter(y_px, win, 2, deriv=1)
    acc = savgol_filter(y_px, win, 3, deriv=2) if win >= 5 else np.gradient(vel)
    rng = np.nanpercentile(ys, 95) - np.nanpercentile(ys, 5)
    prom = max(APEX_RANGE_SHARE * rng, APEX_MIN_HIP_WIDTHS * scale_px)
    apex, _ = find_peaks(-ys, prominence=prom, distance=max(int(APEX_MIN_SPACING_S * fps), 1))
    ics: list[int] = []
    tos: list[int] = []
    speed_dn, speed_up, depth_ic, depth_to = [], [], [], []
    reach = max(2, round(EVENT_REACH_S * fps))
    for a0, a1 in itertools.pairwise(apex):
        # between two swing apexes: descent, contact, stance, lift-off, rise
        v_up = a0 + int(np.argmin(vel[a0:a1 + 1]))
        if v_up - a0 < 3:
            continue
        v_dn = a0 + int(np.argmax(vel[a0:v_up + 1]))
        if v_up - v_dn < 2:
            continue
        speed_dn.append(vel[v_dn])
        speed_up.append(vel[v_up])
        # both events are sharp drops of dy/dt: the earlier one is IC, the later one TO
        drops = _contact_drops(acc, v_dn, v_up, reach)
        if drops.size == 2:
            ic = _gate_ic(ys, acc, int(a0), int(a1), int(drops[0]), int(drops[1]) - 1)
            ics.append(ic)
            tos.append(_two_stage_to(lift_px, int(a0), int(a1), ic, int(drops[1]), fps)
                       if lift_px is not None else int(drops[1]))
            depth_ic.append(acc[drops[0]])
            depth_to.append(acc[drops[1]])
    if speed_dn and depth_ic:
        typical = _Typical(float(np.median(speed_dn)), float(np.median(speed_up)),
                           float(np.median(depth_ic)), float(np.median(depth_to)))
        ic_e, to_e = _edge_events(ys, vel, acc, int(apex[0]), int(apex[-1]), typical)
        ics += ic_e
        tos += to_e
    return np.array(sorted(ics), int), np.array(sorted(tos), int)


def stance_height(ys: np.ndarray, a0: int, a1: int, *, core_share: float = 0.3) -> np.ndarray:
    """(a1 - a0 + 1,) height of the foot above its stance line between two swing apexes, px.

    The stance line is a straight line fitted to the frames near the cycle's lowest foot
    position (within ``core_share`` of the swing range, refitted once): a foot sliding back
    toward a camera above foot height drifts down the picture during stance, one sliding
    away drifts up, and a tilted line follows either. Positive = above the line (y down).
    """
    seg = ys[a0:a1 + 1]
    idx = np.arange(seg.size, dtype=float)
    rng = float(seg.max() - min(seg[0], seg[-1]))
    line = np.full(seg.size, float(seg.max()))
    for _ in range(2):
        near = (line - seg) <= core_share * rng
        k = int(np.argmin(line - seg))
        lo, hi = k, k
        while lo > 0 and near[lo - 1]:
            lo -= 1
        while hi < seg.size - 1 and near[hi + 1]:
            hi += 1
        if hi - lo < 2:
            break
        line = np.polyval(np.polyfit(idx[lo:hi + 1], seg[lo:hi + 1], 1), idx)
    return line - seg


def _crossing(h: np.ndarray, thr: float) -> float:
    """First fractional index where ``h`` comes down to ``thr`` from above, NaN if never."""
    for i in range(h.size - 1):
        if h[i] > thr >= h[i + 1]:
            return i + (h[i] - thr) / (h[i] - h[i + 1])
    return float("nan")


def _gate_ic(ys: np.ndarray, acc: np.ndarray, a0: int, a1: int, ic_acc: int, last: int) -> int:
    """IC of the cycle between swing apexes ``a0`` and ``a1``, gated by the stance level.

    ``ic_acc`` (the sharpest velocity drop after the fastest descent) is kept unless it lies
    more than ``IC_GATE_FRAMES`` before the foot comes within ``IC_LEVEL_SHARE`` of its
    descent of the stance line (see :func:`stance_height`). A pose model that smooths the
    foot lets it come down in two stages (a first stop above the ground, up to 0.1 s early on
    rendered front clips); then IC is the sharpest drop from that level crossing to
    ``IC_GATE_FRAMES`` after it (at most ``last``).
    """
    h = stance_height(ys, a0, a1)
    lvl = _crossing(h, IC_LEVEL_SHARE * h[0])
    if not np.isfinite(lvl) or ic_acc >= a0 + lvl - IC_GATE_FRAMES:
        return ic_acc  # the sharpest drop is already at the stance level
    lo = max(a0 + int(np.floor(lvl)), a0 + 1)
    hi = min(a0 + int(np.ceil(lvl)) + int(IC_GATE_FRAMES), last)
    d = _two_drops(acc, lo, hi) if hi > lo else np.array([], int)
    return int(d[np.argmin(acc[d])]) if d.size else int(np.rint(a0 + lvl))


def _two_stage_to(lift_px: np.ndarray, a0: int, a1: int, ic: int, to_acc: int,
                  fps: float) -> int:
    """TO of the cycle between swing apexes ``a0`` and ``a1`` (frames of ``lift_px``).

    ``to_acc`` is the sharpest velocity drop before the fastest rise: the toes leaving the
    ground when the foot's lowest point is seen clearly (it stays on the stance line until
    then). Seen from behind or in front, a pose model cannot see the toes under the shoe
    and carries the toe point up with the heel as the heel rises in late stance: the
    lowest point then leaves the stance line early (3-6 frames before the true toe-off at
    60 fps on rendered clips), hovers, and the sharp rise comes 3-6 frames late. When the
    lift-off (the foot ``TO_LEVEL_SHARE`` of its rise above the stance line, read backward
    from the next apex on ``lift_px``) precedes ``to_acc`` by more than ``TWO_STAGE_S``,
    the toe-off lies somewhere between the two and the midpoint is taken.

    ``lift_px`` is the foot height from the hips' running mean (not from the hips
    themselves: the hips rise in push-off, which would hide the foot's lift-off).
    """
    ys = savgol_filter(lift_px, _smooth_window(fps), 2)
    h = stance_height(ys, a0, a1, core_share=TO_CORE_SHARE)[::-1]
    back = _crossing(h, TO_LEVEL_SHARE * h[0])
    if not np.isfinite(back):
        return to_acc
    lift = a1 - back
    if lift <= ic or to_acc - lift <= TWO_STAGE_S * fps:
        return to_acc
    return int(np.rint((lift + to_acc) / 2.0))


@dataclass(frozen=True)
class _Typical:
    """Typical values of the full cycles of one leg (px/frame and px/frame^2, signed)."""

    descent: float
    rise: float
    ic_acc: float
    to_acc: float


def _contact_drops(acc: np.ndarray, v_dn: int, v_up: int, reach: int) -> np.ndarray:
    """IC and TO frames between the fastest descent ``v_dn`` and the fastest rise ``v_up``.

    The contact stops the descent and the lift starts the rise, so each is looked for within
    ``reach`` frames of its fast phase: TO is the sharpest velocity drop in
    [v_up - reach, v_up], IC the sharpest in [v_dn, v_dn + reach] before TO. Bumps in the
    middle of a long stance (landmark noise) are never taken for an event.
    """
    to = _two_drops(acc, max(v_dn + 1, v_up - reach), v_up)
    if to.size == 0:
        return np.array([], int)
    to_f = int(to[np.argmin(acc[to])])
    ic = _two_drops(acc, v_dn, min(v_dn + reach, to_f - 1)) if to_f - 1 > v_dn else to[:0]
    if ic.size == 0:
        return np.array([], int)
    return np.array([int(ic[np.argmin(acc[ic])]), to_f])


def _two_drops(acc: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Frames of the (at most) two deepest negative local minima of ``acc`` in [lo, hi]."""
    w = acc[lo:hi + 1]
    pk, _ = find_peaks(np.concatenate([[-np.inf], -w, [-np.inf]]))
    pk = pk - 1
    pk = pk[w[pk] < 0]
    return np.sort(pk[np.argsort(w[pk])[:2]]) + lo


def _edge_events(ys: np.ndarray, vel: np.ndarray, acc: np.ndarray, first_apex: int,
                 last_apex: int, typ: _Typical) -> tuple[list[int], list[int]]:
    """Events in the partial cycles before the first and after the last swing apex.

    Accepted only when the motion there looks like the leg's full cycles: a descent and a
    rise at least half as fast, and a velocity drop at least 40 % as sharp, away from the
    very first/last frame (where the filters are least reliable).
    """
    n = vel.size
    ics: list[int] = []
    tos: list[int] = []
    # head: [..., TO] then the rise to the first apex (maybe IC and stance before it)
    if first_apex >= 4:
        r = int(np.argmin(vel[:first_apex + 1]))
        if vel[r] <= EDGE_SPEED_SHARE * typ.rise and r >= 3:
            d = int(np.argmax(vel[:r + 1]))
            if d >= 1 and vel[d] >= EDGE_SPEED_SHARE * typ.descent and r - d >= 2:
                drops = _two_drops(acc, d, r)
                if drops.size == 2 and acc[drops[0]] <= EDGE_DROP_SHARE * typ.ic_acc:
                    ics.append(int(drops[0]))
                if drops.size and acc[drops[-1]] <= EDGE_DROP_SHARE * typ.to_acc:
                    tos.append(int(drops[-1]))
            else:
                drops = _two_drops(acc, 1, r)
                if drops.size and acc[drops[-1]] <= EDGE_DROP_SHARE * typ.to_acc:
                    tos.append(int(drops[-1]))
    # tail: the descent after the last apex, IC, stance (maybe TO and a rise)
    if n - 1 - last_apex >= 4:
        d = last_apex + int(np.argmax(vel[last_apex:]))
        if vel[d] >= EDGE_SPEED_SHARE * typ.descent and d <= n - 4:
            r = d + int(np.argmin(vel[d:]))
            if vel[r] <= EDGE_SPEED_SHARE * typ.rise and r - d >= 2:
                drops = _two_drops(acc, d, r)
            else:
                drops = _two_drops(acc, d, n - 2)[:1]
            if drops.size and acc[drops[0]] <= EDGE_DROP_SHARE * typ.ic_acc:
                stop = int(drops[1]) - 1 if drops.size == 2 else n - 2
                ics.append(_gate_ic(ys, acc, last_apex, n - 1, int(drops[0]), stop))
                if drops.size == 2 and acc[drops[1]] <= EDGE_DROP_SHARE * typ.to_acc:
                    tos.append(int(drops[1]))
    return ics, tos


def _alternate(ic_l: np.ndarray, ic_r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keep only contacts that alternate between legs and are spaced like steps.

    Two contacts of different legs closer than ``MIN_STEP_SHARE`` of the median step cannot
    both be real: the one that breaks its own leg's rhythm more is dropped (both when that
    cannot be told). Then a second contact of the same leg in a row is dropped.
    """
    ev = sorted([(int(f), "left") for f in ic_l] + [(int(f), "right") for f in ic_r])
    if len(ev) >= 3:
        gaps = np.diff([f for f, _ in ev])
        drop: set[int] = set()
        for k in np.flatnonzero(gaps < MIN_STEP_SHARE * np.median(gaps)):
            a, b = int(k), int(k) + 1
            if ev[a][1] == ev[b][1]:
                continue  # same leg: the alternation below handles it
            irr_a, irr_b = _irregularity(ev, a), _irregularity(ev, b)
            if np.isfinite(irr_a) and np.isfinite(irr_b) and irr_a != irr_b:
                drop.add(a if irr_a > irr_b else b)
            else:
                drop |= {a, b}
        ev = [e for i, e in enumerate(ev) if i not in drop]
    keep: dict[str, list[int]] = {"left": [], "right": []}
    last_leg = None
    for f, leg in ev:
        if leg == last_leg:
            continue  # two contacts of one leg without the other in between: unreliable
        keep[leg].append(f)
        last_leg = leg
    return np.array(keep["left"], int), np.array(keep["right"], int)


def _irregularity(ev: list[tuple[int, str]], i: int) -> float:
    """|interval before - interval after| of contact ``i`` within its own leg (frames)."""
    f, leg = ev[i]
    same = [g for g, lg in ev if lg == leg]
    j = same.index(f)
    if j == 0 or j == len(same) - 1:
        return float("nan")
    return float(abs((f - same[j - 1]) - (same[j + 1] - f)))


def detect_frontal_events(track: PoseTrack, xy_px: np.ndarray | None = None) -> GaitEvents:
    """Initial contacts, toe-offs and strides of both legs from a rear or front clip.

    Parameters
    ----------
    track : the pose track (its time axis and frame rate are used).
    xy_px : (T, 33, 2) landmark positions to use instead of ``track.image_xy_px`` (e.g.
        after camera-level correction), px.

    Returns
    -------
    GaitEvents (the container of every view) with frame indices into the track; no stride
    spans a cut (``segments``).
    """
    xy = track.image_xy_px if xy_px is None else xy_px
    fps = track.fps
    segs = split_segments(track)
    ic_all: dict[str, list[int]] = {"left": [], "right": []}
    to_all: dict[str, list[int]] = {"left": [], "right": []}
    rows: list[dict] = []
    for k, (s, e) in enumerate(segs):
        w = hip_width_px(xy[s:e])
        scale = float(np.nanmedian(w)) if np.isfinite(w).any() else 1.0
        seg_ic: dict[str, np.ndarray] = {}
        seg_to: dict[str, np.ndarray] = {}
        # foot height relative to the hips, in the segment's median hip-width scale: a runner
        # approaching the camera moves the whole ground line down the picture and grows,
        # which the raw image y of a foot would mix into its swing
        hip_y = hip_mid_y(xy[s:e])
        hip_trend = pd.Series(hip_y).rolling(max(round(HIP_TREND_S * fps), 3), center=True,
                                             min_periods=1).mean().to_numpy()
        w_roll = pd.Series(w).rolling(max(round(fps), 3), center=True, min_periods=1).median()
        size = scale / w_roll.to_numpy()
        for leg in LEGS:
            foot = foot_bottom_y(xy[s:e], leg)
            t_seg = track.t_s[s:e]
            y = fill_short_gaps((foot - hip_y) * size, t_seg, FOOT_GAP_S, method="linear")
            lift = fill_short_gaps((foot - hip_trend) * size, t_seg, FOOT_GAP_S, method="linear")
            ic, to = _events_with_gaps(y, fps, scale, lift)
            ic, to = (_off_bridges(v, ~np.isfinite(foot) & np.isfinite(y), fps)
                      for v in (ic, to))
            seg_ic[leg], seg_to[leg] = ic + s, to + s
        seg_ic["left"], seg_ic["right"] = _alternate(seg_ic["left"], seg_ic["right"])
        for leg in LEGS:
            ic_all[leg].extend(seg_ic[leg].tolist())
            to_all[leg].extend(seg_to[leg].tolist())
        rows.extend(_strides(seg_ic, seg_to, track.t_s, segment=k))
    return events_from_frames({leg: np.array(sorted(v), int) for leg, v in ic_all.items()},
                              {leg: np.array(sorted(v), int) for leg, v in to_all.items()},
                              track.t_s, segments=tuple(segs), rows=rows)


def events_from_frames(ic: dict[str, np.ndarray], to: dict[str, np.ndarray], t_s: np.ndarray,
                       *, segments: tuple[tuple[int, int], ...],
                       rows: list[dict] | None = None) -> GaitEvents:
    """The events container from contact and toe-off frames (track rows) of each leg.

    Each contact gets the first toe-off of its leg before the leg's next contact (NaN when
    none); ``rows`` are the candidate strides (:func:`posture.gait.events.stride_table`).
    """
    legs = {}
    for leg in LEGS:
        ics = np.asarray(ic.get(leg, []), int)
        tos = np.asarray(to.get(leg, []), int)
        to_frame = np.full(ics.size, -1, int)
        for k, a in enumerate(ics):
            b = ics[k + 1] if k + 1 < ics.size else np.iinfo(int).max
            cand = tos[(tos > a) & (tos < b)]
            if cand.size:
                to_frame[k] = cand[0]
        legs[leg] = LegEvents(ic_t_s=t_s[ics].astype(float),
                              to_t_s=np.where(to_frame >= 0, t_s[np.maximum(to_frame, 0)], np.nan),
                              ic_frame=ics, to_frame=to_frame)
    fps = 1.0 / float(np.median(np.diff(t_s))) if t_s.size > 1 else float("nan")
    events = GaitEvents(fps=fps, legs=legs, strides=stride_table(rows or []), cadence_spm=np.nan,
                        n_steps=int(sum(v.ic_frame.size for v in legs.values())),
                        segments=segments, method="foot_vertical_image_motion")
    events.cadence_spm = cadence_spm(events, t_s)
    return events


def _off_bridges(frames: np.ndarray, bridged: np.ndarray, fps: float) -> np.ndarray:
    """``frames`` (relative) without those on, or within the smoothing half-window of, a
    frame whose foot position was bridged by interpolation (an event there is not seen)."""
    near = np.convolve(bridged.astype(int), np.ones(_smooth_window(fps), int), "same") > 0
    return frames[~near[frames]]


def _events_with_gaps(y: np.ndarray, fps: float, scale: float,
                      lift: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Run :func:`leg_events` on each NaN-free run of ``y``."""
    ok = np.isfinite(y)
    edges = np.diff(np.concatenate([[0], ok.astype(int), [0]]))
    ics, tos = [], []
    for s, e in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        ic, to = leg_events(y[s:e], fps, scale_px=scale,
                            lift_px=None if lift is None else lift[s:e])
        ics.append(ic + s)
        tos.append(to + s)
    if not ics:
        return np.array([], int), np.array([], int)
    return np.concatenate(ics).astype(int), np.concatenate(tos).astype(int)


def _strides(ic: dict[str, np.ndarray], to: dict[str, np.ndarray], t_s: np.ndarray, *,
             segment: int) -> list[dict]:
    """Candidate strides (consecutive ICs of each leg) of one segment, as rows of
    :func:`posture.gait.events.stride_table`: valid when the stride lasts a plausible time, holds
    exactly one contact of the other leg and (with 3 or more such strides) lies within
    ``MAX_STRIDE_DEVIATION`` of the segment's median stride."""
    out: list[dict] = []
    for leg, other in (("left", "right"), ("right", "left")):
        for a, b in itertools.pairwise(ic[leg]):
            dur = float(t_s[b] - t_s[a])
            n_other = int(np.sum((ic[other] > a) & (ic[other] < b)))
            reason = ""
            if sparse := too_few_frames_reason((b - a) / dur if dur > 0 else 0.0):
                reason = sparse
            elif not STRIDE_MIN_S <= dur <= STRIDE_MAX_S:
                reason = f"duration {dur:.2f} s outside {STRIDE_MIN_S}-{STRIDE_MAX_S} s"
            elif n_other != 1:
                reason = f"{n_other} contacts of the other leg inside one stride"
            prev_other = ic[other][ic[other] < a]
            # toe-off of this contact: normally before the other leg lands; allow a frame or
            # two after it (flight can be shorter than the event timing error)
            later = ic[other][ic[other] > a]
            next_other = later[0] if later.size else b
            slack = max(2, round(TO_AFTER_OTHER_S / np.median(np.diff(t_s))))
            tos = to[leg][(to[leg] > a) & (to[leg] <= min(next_other + slack, b - 1))]
            out.append({
                "leg": leg, "t_start_s": float(t_s[a]), "t_end_s": float(t_s[b]),
                "frame_start": int(a), "frame_end": int(b),
                "frame_midstance": -1, "frame_toeoff": int(tos[0]) if tos.size else -1,
                "valid": reason == "", "reject_reason": reason, "duration_s": dur,
                "cadence_spm": 120.0 / dur, "contact_time_ms": np.nan, "flight_time_ms": np.nan,
                "frame_prev_other_ic": int(prev_other[-1]) if prev_other.size else -1,
                "segment": segment,
            })
    valid = [r for r in out if r["valid"]]
    if len(valid) >= 3:
        # within one shot the pace is steady: a stride far from the others has a wrong event
        med = float(np.median([r["duration_s"] for r in valid]))
        for r in valid:
            if abs(r["duration_s"] / med - 1.0) > MAX_STRIDE_DEVIATION:
                r["valid"] = False
                r["reject_reason"] = (f"duration {r['duration_s']:.2f} s more than "
                                      f"{MAX_STRIDE_DEVIATION:.0%} from the shot's median")
    return out


def cadence_spm(events: GaitEvents, t_s: np.ndarray) -> float:
    """Clip cadence, steps/min: steps / time spanned, summed over segments (cuts excluded).

    Counted per leg, from one contact of a leg to its last contact in the segment (two steps
    per stride), then summed over both legs: when the pose model times one leg's contacts
    early (its foot can come down in two stages, 0.1 s early on a rendered front clip), the
    intervals between consecutive contacts alternate short/long (0.23/0.47 s for 0.35 s
    steps) and a span from a left to a right contact would be off by that bias, while
    same-leg intervals are not. A contact the detector missed makes one "stride" twice as
    long, so an interval of at least ``MISSED_CONTACT_RATIO`` median strides counts as
    ``round(interval / median stride)`` strides. Falls back to consecutive contacts of both
    legs (steps) when no leg has two contacts in a plausible stride.
    """
    strides_n, strides_s, steps, span = 0, 0.0, 0, 0.0
    for s, e in events.segments:
        per_leg = [np.sort(v[(v >= s) & (v < e)]) for v in events.ic_frames.values()]
        gaps = [np.diff(t_s[v]) for v in per_leg if v.size >= 2]
        both = np.concatenate(gaps) if gaps else np.array([])
        ok = both[(both >= STRIDE_MIN_S) & (both <= STRIDE_MAX_S)]
        if ok.size:
            med = float(np.median(ok))
            for d in gaps:
                ratio = d / med
                missed = np.where(ratio >= MISSED_CONTACT_RATIO, np.round(ratio), 1)
                strides_n += int(np.sum(missed))
                strides_s += float(d.sum())
            continue
        f = np.sort(np.concatenate(per_leg))
        if f.size >= 2:
            dt = np.diff(t_s[f])
            ratio = dt / np.median(dt)
            steps += int(np.sum(np.where(ratio >= MISSED_CONTACT_RATIO, np.round(ratio), 1)))
            span += float(t_s[f[-1]] - t_s[f[0]])
    n = 2 * strides_n + steps
    time = strides_s + span
    return 60.0 * n / time if time > 0 else float("nan")
