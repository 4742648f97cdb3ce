"""Gait events (initial contact, toe-off), steps, strides and cadence from a side view.

Method: the foot position relative to the pelvis along the running direction (Zeni,
Richards & Higginson 2008, *Gait & Posture* 27:710-714; applied to treadmill and
overground running by e.g. Leitch et al. 2011 and Fellin et al. 2010):

* initial contact (IC) of a leg at each maximum of ``x_fwd(heel) - x_fwd(hip_mid)``
  (the foot is furthest ahead of the pelvis as it lands);
* toe-off (TO) at each minimum of ``x_fwd(toe) - x_fwd(hip_mid)`` (the foot is furthest
  behind the pelvis as it leaves the ground).

Because the signal is relative to the pelvis, it works the same on a treadmill (pelvis
still, foot moves) and overground (both move). Extrema are located to a fraction of a frame
with a parabola through the three samples around each peak.

In running these extrema are biased: the swinging foot is furthest ahead slightly *before*
it lands (swing-leg retraction) and keeps moving back after the toe leaves the ground, so
Zeni's IC tends to be early and TO late (by tens of ms). Each contact is therefore refined
with the foot's vertical position (in the spirit of the foot-height/velocity methods
compared by Fellin et al. 2010): between the two Zeni events the lowest point of the foot
(lower of heel and toe) rests on the ground. Heel and toe each get their own ground level
per contact (their low plateau; pose models put the two points at different heights above
the sole); the floor's slope in the image (a rolled camera, seen as the foot travels back
with a treadmill belt) comes from all contacts of the leg together. TO is the middle of the
frame interval in which the toe leaves that level (its lift-off curve is not straight). IC
comes from the heel's speed relative to the pelvis instead (:func:`velocity_contact`): pose-
model heel heights are too noisy near the floor (on rendered clips the height-based IC was
1.4 frames late on average, the speed-based one is within a frame for 90 % of contacts); the
height-based IC (where the descending foot reaches the level) is kept where the speed gives
no answer. Contacts where both fail keep the Zeni times.

Frames with NaN break the
signal into segments; gaps up to ``MAX_FILL_S`` are bridged linearly, longer gaps yield no
events. Event times are real seconds; event frames are **row indices of the track**
(nearest frame to the event time).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy.signal import find_peaks
from scipy.stats import theilslopes

from posture.gait.events import (
    STEP_MAX_S,
    STEP_MIN_S,
    STRIDE_MAX_S,
    STRIDE_MIN_S,
    GaitEvents,
    LegEvents,
    nearest_frame,
    stride_period_s,
    stride_table,
    too_few_frames_reason,
)
from posture.geometry import distance, midpoint, quiet_empty_slices
from posture.landmarks import JOINTS, LEGS, LM
from posture.results import QualityFlag
from posture.signal.clean import fill_short_gaps
from posture.track import PoseTrack

#: Contact and flight times need at most 10 ms between frames.
MIN_FPS_CONTACT = 100.0
#: Longest NaN gap bridged by linear interpolation before peak picking, seconds.
MAX_FILL_S = 0.1
#: A stride with more than this fraction of frames without landmarks is rejected.
MAX_MISSING_FRACTION = 0.2


# ---------------------------------------------------------------------------- helpers
def leg_length_px(xy: np.ndarray, leg: str) -> np.ndarray:
    """(T,) thigh + shank length of one leg in pixels (hip-knee + knee-ankle)."""
    return (distance(xy[:, JOINTS[leg]["hip"]], xy[:, JOINTS[leg]["knee"]])
            + distance(xy[:, JOINTS[leg]["knee"]], xy[:, JOINTS[leg]["ankle"]]))


def _segments(ok: np.ndarray) -> list[tuple[int, int]]:
    """Half-open index ranges of consecutive True values."""
    edges = np.diff(np.concatenate([[0], ok.astype(int), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def _subframe_peak(t: np.ndarray, y: np.ndarray, i: int) -> float:
    """Time of the vertex of the parabola through samples i-1, i, i+1 (seconds)."""
    if i <= 0 or i >= len(y) - 1:
        return float(t[i])
    y0, y1, y2 = y[i - 1], y[i], y[i + 1]
    den = y0 - 2 * y1 + y2
    if not np.isfinite(den) or den == 0:
        return float(t[i])
    delta = float(np.clip(0.5 * (y0 - y2) / den, -0.5, 0.5))
    dt = (t[i + 1] - t[i]) if delta > 0 else (t[i] - t[i - 1])
    return float(t[i] + delta * dt)


def find_extrema_s(t: np.ndarray, y: np.ndarray, *, kind: str, min_distance_s: float,
                   min_prominence: float) -> np.ndarray:
    """Times (s) of maxima (``kind="max"``) or minima of ``y``, to a fraction of a frame.

    NaN splits the signal into segments searched separately; an extremum on the first or
    last sample of a segment is not accepted (it may be cut off).
    """
    sign = 1.0 if kind == "max" else -1.0
    out: list[float] = []
    dt = float(np.median(np.diff(t))) if len(t) > 1 else 1.0
    for a, b in _segments(np.isfinite(y)):
        if b - a < 3:
            continue
        seg = sign * y[a:b]
        peaks, _ = find_peaks(seg, distance=max(1, int(min_distance_s / dt)),
                              prominence=min_prominence)
        for p in peaks:
            if 0 < p < len(seg) - 1:
                out.append(_subframe_peak(t[a:b], seg, int(p)))
    return np.asarray(sorted(out), float)


# ---------------------------------------------------------------------------- events
def _leg_signals(track: PoseTrack, leg: str, facing: int) -> tuple[np.ndarray, np.ndarray]:
    """(heel - hip_mid, toe - hip_mid) along the running direction, pixels, gaps bridged."""
    xy = track.image_xy_px
    hip_x = midpoint(xy[:, LM.LEFT_HIP], xy[:, LM.RIGHT_HIP])[:, 0]
    heel = xy[:, JOINTS[leg]["heel"], 0]
    heel = np.where(np.isfinite(heel), heel, xy[:, JOINTS[leg]["ankle"], 0])
    toe = xy[:, JOINTS[leg]["toe"], 0]
    toe = np.where(np.isfinite(toe), toe, xy[:, JOINTS[leg]["ankle"], 0])
    s_ic = facing * (heel - hip_x)
    s_to = facing * (toe - hip_x)
    return (fill_short_gaps(s_ic, track.t_s, MAX_FILL_S, method="linear"),
            fill_short_gaps(s_to, track.t_s, MAX_FILL_S, method="linear"))


def _pair_toeoffs(ic: np.ndarray, to: np.ndarray, period_s: float) -> np.ndarray:
    """For each IC, the first TO after it and before the next IC (else NaN)."""
    out = np.full(ic.shape, np.nan)
    for k, t_ic in enumerate(ic):
        nxt = ic[k + 1] if k + 1 < ic.size else t_ic + period_s
        cand = to[(to > t_ic) & (to < nxt) & (to < t_ic + 0.6 * period_s)]
        if cand.size:
            out[k] = cand[0]
    return out


def _core_rows(t: np.ndarray, t_ic: float, t_to: float) -> np.ndarray:
    span = t_to - t_ic
    return np.flatnonzero((t >= t_ic + 0.3 * span) & (t <= t_ic + 0.7 * span))


def ground_model(t: np.ndarray, feet: list[tuple[np.ndarray, np.ndarray]], ic: np.ndarray,
                 to: np.ndarray, *, leg_px: float) -> tuple[float, float]:
    """Floor slope (dz/dx) seen by one foot and the height tolerance (pixels).

    ``feet`` holds the (x, z_up) series of heel and toe. In the middle of every contact the
    lower of the two is on the ground; its points are centred per contact and per landmark
    (heel and toe points sit at different heights above the sole), so the slope comes from
    the foot's travel within contacts (treadmill belt) and is 0 when the foot stands still
    (overground). The tolerance is ``max(2% leg, 3 robust SD)`` of the residuals.
    """
    (xh, zh), (xt, zt) = feet
    toe_low = zt < zh
    x_low, z_low = np.where(toe_low, xt, xh), np.where(toe_low, zt, zh)
    xs, zs = [], []
    for a, b in zip(ic, to, strict=True):
        if not (np.isfinite(a) and np.isfinite(b)) or b <= a:
            continue
        core = _core_rows(t, a, b)
        for part in (core[~toe_low[core]], core[toe_low[core]]):
            r = part[np.isfinite(z_low[part]) & np.isfinite(x_low[part])]
            if r.size >= 2:
                xs.append(x_low[r] - np.median(x_low[r]))
                zs.append(z_low[r] - np.median(z_low[r]))
    if not xs:
        return 0.0, 0.02 * leg_px
    x, z = np.concatenate(xs), np.concatenate(zs)
    slope = 0.0
    if np.ptp(x) > 0.1 * leg_px:
        with np.errstate(invalid="ignore"):
            slope = float(theilslopes(z, x)[0])
    resid = z - slope * x
    noise = 1.4826 * float(np.median(np.abs(resid - np.median(resid))))
    return slope, max(0.02 * leg_px, 3.0 * noise)


def _crossing(t: np.ndarray, h: np.ndarray, k: int, step: int) -> float:
    """Time the foot height above ground ``h`` reaches 0 moving from sample ``k`` (off the
    ground) toward ``k + step``, extrapolating the speed of samples ``k - step`` -> ``k``."""
    dt = abs(t[k + step] - t[k])
    v = (h[k - step] - h[k]) / dt if 0 <= k - step < len(h) else np.nan
    if not np.isfinite(v) or v <= 0:
        return float(t[k] + step * dt / 2)
    # up to two intervals: sample k+1 is within the tolerance band, not necessarily down
    tau = float(np.clip(h[k] / v, 0.0, 2 * dt))
    return float(t[k] + step * tau)


def refine_contact(t: np.ndarray, feet: list[tuple[np.ndarray, np.ndarray]], t_ic: float,
                   t_to: float, *, slope: float, tol: float) -> tuple[float, float]:
    """Refine one contact's (IC, TO) from the height of the foot above the ground (seconds).

    ``feet`` holds (x, z_up) pixel series of the heel and the toe. Each landmark gets its own
    ground level (its low plateau during the contact: the 20th percentile of its height
    between the Zeni events), because a pose model's heel and toe points do not sit at the
    same height above the sole; the foot's height is the smaller of the two. ``slope`` and
    ``tol`` come from :func:`ground_model`. Returns the input times where the foot height
    does not give a clear answer.
    """
    if not (np.isfinite(t_ic) and np.isfinite(t_to)) or t_to <= t_ic:
        return t_ic, t_to
    window = np.flatnonzero((t >= t_ic) & (t <= t_to))
    heights = []
    for x, z in feet:
        level = z - slope * x  # height along the floor line, px
        w = level[window]
        w = w[np.isfinite(w)]
        if w.size < 3:
            return t_ic, t_to
        heights.append(level - np.percentile(w, 20))
    h = np.fmin(*heights) if len(heights) == 2 else heights[0]
    core = _core_rows(t, t_ic, t_to)
    core = core[np.isfinite(h[core])]
    if core.size < 2:
        return t_ic, t_to
    above = h > tol
    mid = int(core[core.size // 2])
    span = t_to - t_ic
    new_ic, new_to = t_ic, t_to
    lo = max(int(np.searchsorted(t, t_ic - 0.15 * span - 0.05)), 0)
    k = mid
    while k > lo and not above[k] and np.isfinite(h[k]):
        k -= 1
    if above[k] and k + 1 < len(t):
        new_ic = _crossing(t, h, k, +1)
        # The foot lands after it is furthest ahead of the pelvis (swing-leg retraction), so
        # a height crossing before the Zeni extremum is noise (a slowly settling heel): keep
        # Zeni's time; one far later than a third of the contact is not a landing either.
        if new_ic < t_ic or new_ic > t_ic + 0.3 * span:
            new_ic = t_ic
    hi = min(int(np.searchsorted(t, t_to + 0.3 * span)), len(t) - 1)
    k = mid
    while k < hi and not above[k] and np.isfinite(h[k]):
        k += 1
    if above[k] and k >= 1:
        # the toe's lift-off is not a straight line (it pivots, then rises), so take the
        # middle of the last frame interval rather than an extrapolation: error <= half a frame
        new_to = float(0.5 * (t[k - 1] + t[k]))
    if not new_ic < new_to:
        return t_ic, t_to
    return new_ic, new_to


#: IC: the foot's backward speed relative to the pelvis has covered this share of the jump
#: from zero (Zeni extremum) to its stance speed (belt or running speed).
IC_SPEED_SHARE = 0.4


def velocity_contact(t: np.ndarray, s_fwd: np.ndarray, t_ic: float, t_to: float) -> float:
    """Initial contact from the foot's speed relative to the pelvis, seconds (NaN if unclear).

    At the Zeni extremum the heel stops moving forward relative to the pelvis (speed 0); on
    the ground it moves backward at the stance speed (treadmill belt, or the runner's own
    speed overground), which is the median speed over the middle of the contact. Landing is
    the abrupt change between the two; smoothing spreads it over a few frames, so the
    contact is where the speed has covered ``IC_SPEED_SHARE`` of the change (interpolated
    between frames). Swing-leg retraction before landing is slow, so it barely shifts this.
    """
    if not (np.isfinite(t_ic) and np.isfinite(t_to)) or t_to <= t_ic:
        return float("nan")
    v = np.gradient(s_fwd, t)
    core = _core_rows(t, t_ic, t_to)
    core = core[np.isfinite(v[core])]
    if core.size < 2:
        return float("nan")
    v_stance = float(np.median(v[core]))
    if not v_stance < 0:
        return float("nan")
    target = IC_SPEED_SHARE * v_stance
    i = int(np.searchsorted(t, t_ic))
    stop = int(core[0])
    while i <= stop and np.isfinite(v[i]) and v[i] > target:
        i += 1
    if i > stop or i == 0 or not np.isfinite(v[i]) or not np.isfinite(v[i - 1]):
        return float("nan")
    w = (target - v[i - 1]) / (v[i] - v[i - 1]) if v[i] != v[i - 1] else 1.0
    return float(t[i - 1] + np.clip(w, 0.0, 1.0) * (t[i] - t[i - 1]))


def detect_leg_events(track: PoseTrack, leg: str, *, facing: int, period_s: float,
                      leg_px: float, refine: bool = True) -> LegEvents:
    """IC and TO times of one leg, seconds and nearest track rows.

    Zeni et al. (2008) extrema, then (``refine``) each contact refined by foot height.
    """
    s_ic, s_to = _leg_signals(track, leg, facing)
    prom = 0.15 * leg_px
    dist = 0.6 * period_s
    ic = find_extrema_s(track.t_s, s_ic, kind="max", min_distance_s=dist, min_prominence=prom)
    to_all = find_extrema_s(track.t_s, s_to, kind="min", min_distance_s=dist,
                            min_prominence=prom)
    to = _pair_toeoffs(ic, to_all, period_s)
    if refine and ic.size:
        xy = track.image_xy_px
        feet = [(xy[:, JOINTS[leg]["heel"], 0], -xy[:, JOINTS[leg]["heel"], 1]),
                (xy[:, JOINTS[leg]["toe"], 0], -xy[:, JOINTS[leg]["toe"], 1])]
        slope, tol = ground_model(track.t_s, feet, ic, to, leg_px=leg_px)
        # a contact cut by the clip end has no TO: refine its IC with a typical contact span
        typical = float(np.nanmedian(to - ic)) if np.isfinite(to).any() else 0.3 * period_s
        pairs = [refine_contact(track.t_s, feet, a, b if np.isfinite(b) else a + typical,
                                slope=slope, tol=tol) for a, b in zip(ic, to, strict=True)]
        # IC from the foot's horizontal speed (more exact than its noisy height, see
        # velocity_contact); the height-based time where the speed gives no answer
        ic_v = np.array([velocity_contact(track.t_s, s_ic, a, b if np.isfinite(b)
                                          else a + typical) for a, b in zip(ic, to, strict=True)])
        ic_h = np.array([p[0] for p in pairs])
        ic = np.where(np.isfinite(ic_v), ic_v, ic_h)
        to = np.where(np.isfinite(to), np.array([p[1] for p in pairs]), np.nan)
    return LegEvents(ic_t_s=ic, to_t_s=to, ic_frame=nearest_frame(track.t_s, ic),
                     to_frame=nearest_frame(track.t_s, to))


def _jump_in(track: PoseTrack, a: int, b: int, leg_px: float) -> bool:
    """True when hip_mid or an ankle jumps implausibly far between frames in rows a..b."""
    xy = track.image_xy_px[a:b + 1]
    if len(xy) < 2:
        return False
    dt = np.diff(track.t_s[a:b + 1])
    limit = np.maximum(0.5, 15.0 * dt) * leg_px
    pts = [midpoint(xy[:, LM.LEFT_HIP], xy[:, LM.RIGHT_HIP]), xy[:, LM.LEFT_ANKLE],
           xy[:, LM.RIGHT_ANKLE]]
    for p in pts:
        step = np.hypot(*np.diff(p, axis=0).T)
        if np.any(step[np.isfinite(step)] > limit[np.isfinite(step)]):
            return True
    return False


def leg_seen(track: PoseTrack, leg: str) -> np.ndarray:
    """(T,) bool: both hips and this leg's knee, ankle, heel and toe were found.

    Strides are judged on these only: a lost wrist or far-side ear does not spoil a stride.
    """
    joints = JOINTS[leg]
    ids = [LM.LEFT_HIP, LM.RIGHT_HIP, *(joints[k] for k in ("knee", "ankle", "heel", "toe"))]
    return np.isfinite(track.image_xy_px[:, ids]).all(axis=(1, 2))


def _build_strides(track: PoseTrack, legs: dict[str, LegEvents], leg_px: float,
                   fps: float) -> pd.DataFrame:
    rows = []
    for leg in LEGS:
        seen = leg_seen(track, leg)
        ev = legs[leg]
        other = legs["right" if leg == "left" else "left"]
        for k in range(ev.ic_t_s.size - 1):
            t0, t1 = float(ev.ic_t_s[k]), float(ev.ic_t_s[k + 1])
            f0, f1 = int(ev.ic_frame[k]), int(ev.ic_frame[k + 1])
            dur = t1 - t0
            t_to = float(ev.to_t_s[k])
            frames = np.arange(f0, f1 + 1)
            missing = 1.0 - seen[frames].mean()
            n_other = int(np.sum((other.ic_t_s > t0) & (other.ic_t_s < t1)))
            reason = ""
            # too few frames first: then neither its duration nor its values can be trusted
            span_s = float(track.t_s[f1] - track.t_s[f0])  # the frames', not the events'
            if sparse := too_few_frames_reason((f1 - f0) / span_s if span_s > 0 else 0.0):
                reason = sparse
            elif not STRIDE_MIN_S <= dur <= STRIDE_MAX_S:
                reason = f"duration {dur:.2f} s outside {STRIDE_MIN_S}-{STRIDE_MAX_S} s"
            elif missing > MAX_MISSING_FRACTION:
                reason = f"landmarks missing in {100 * missing:.0f}% of frames"
            elif n_other > 1:
                reason = f"{n_other} contacts of the other leg inside one stride"
            elif _jump_in(track, f0, f1, leg_px):
                reason = "landmark jump (tracking error or leg swap)"
            nxt_other = other.ic_t_s[other.ic_t_s > t_to] if np.isfinite(t_to) else []
            contact_ms = (t_to - t0) * 1000.0
            flight_ms = (float(nxt_other[0]) - t_to) * 1000.0 if len(nxt_other) else np.nan
            if fps < MIN_FPS_CONTACT * 0.99:  # 0.99: a "100 fps" clip may measure 99.9
                contact_ms = flight_ms = np.nan
            before = other.ic_frame[other.ic_t_s < t0]
            rows.append({
                "leg": leg, "t_start_s": t0, "t_end_s": t1, "frame_start": f0,
                "frame_end": f1, "frame_midstance": -1,
                "frame_toeoff": int(ev.to_frame[k]),
                "valid": reason == "", "reject_reason": reason, "duration_s": dur,
                "cadence_spm": 120.0 / dur, "contact_time_ms": contact_ms,
                "flight_time_ms": flight_ms,
                "frame_prev_other_ic": int(before[-1]) if before.size else -1, "segment": 0,
            })
    return stride_table(rows)


def clip_cadence_spm(legs: dict[str, LegEvents]) -> tuple[float, int]:
    """Clip cadence from the valid steps (alternating legs, plausible duration).

    Returns (cadence in steps per minute = valid steps / total time they span * 60,
    number of valid steps). Falls back to single-leg strides (2 steps each) when the far
    leg has no events.
    """
    ics = sorted([(t, leg) for leg in LEGS for t in legs[leg].ic_t_s])
    n, span = 0, 0.0
    for (t0, l0), (t1, l1) in itertools.pairwise(ics):
        if l0 != l1 and STEP_MIN_S <= t1 - t0 <= STEP_MAX_S:
            n += 1
            span += t1 - t0
    if n >= 2:
        return 60.0 * n / span, n
    # one leg only: strides carry two steps each
    for leg in LEGS:
        d = np.diff(legs[leg].ic_t_s)
        d = d[(d >= STRIDE_MIN_S) & (d <= STRIDE_MAX_S)]
        if d.size >= 1:
            return 120.0 * d.size / d.sum(), 2 * int(d.size)
    return float("nan"), 0


@quiet_empty_slices
def detect_events(track: PoseTrack, *, facing: int, refine: bool = True) -> GaitEvents:
    """Find IC/TO of both legs, strides and cadence in a (levelled) side-view track.

    Parameters
    ----------
    track : PoseTrack
        Side view, ideally cleaned and levelled.
    facing : {+1, -1}
        +1 when the runner faces/moves toward image +x.
    refine : bool
        Refine the Zeni extrema with the foot height (default); ``False`` returns the pure
        Zeni et al. (2008) events.

    Returns
    -------
    GaitEvents
        Event times in seconds, frames as track rows, strides table (see class doc),
        clip cadence in steps per minute.
    """
    if facing not in (1, -1):
        raise ValueError("facing must be +1 or -1")
    xy = track.image_xy_px
    legs_px = np.vstack([leg_length_px(xy, leg) for leg in LEGS])
    leg_px = float(np.nanmedian(legs_px)) if np.isfinite(legs_px).any() else float("nan")
    fps = track.fps
    flags: list[QualityFlag] = []
    # stride period from the difference of the two feet (one cycle per stride)
    s_l, _ = _leg_signals(track, "left", facing)
    s_r, _ = _leg_signals(track, "right", facing)
    both = s_l - s_r
    period = stride_period_s(track.t_s, both if np.isfinite(both).sum() > 10 else s_l)
    empty = LegEvents(np.array([]), np.array([]), np.array([], int), np.array([], int))
    if not np.isfinite(period) or not np.isfinite(leg_px):
        legs = {leg: empty for leg in LEGS}
    else:
        legs = {leg: detect_leg_events(track, leg, facing=facing, period_s=period,
                                       leg_px=leg_px, refine=refine) for leg in LEGS}
    strides = _build_strides(track, legs, leg_px, fps)
    cadence, n_steps = clip_cadence_spm(legs)
    if fps < MIN_FPS_CONTACT * 0.99:
        flags.append(QualityFlag(
            "low_fps_contact", "info",
            f"Contact and flight times need at least {MIN_FPS_CONTACT:.0f} frames per second; "
            f"this clip has {fps:.0f}, so they are not reported."))
    return GaitEvents(fps=fps, legs=legs, strides=strides, cadence_spm=cadence,
                      n_steps=n_steps, segments=((0, track.n_frames),),
                      method="zeni2008+foot_height" if refine else "zeni2008", flags=flags,
                      facing=facing, stride_period_s=period, leg_length_px=leg_px)
