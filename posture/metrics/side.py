"""Side-view (sagittal) metrics, one value per stride. Definitions: ``docs/metrics.md``.

Every metric is a small function over arrays (data positional, options keyword-only);
points are ``(..., 2)`` image pixels with y down, already levelled for camera roll.
``facing`` (+1/-1) turns image x into the forward coordinate ``x_fwd = facing * x``, so a
left-facing runner needs no other special case. :func:`side_stride_metrics` assembles them
into the per-stride table with a ``<metric>_conf`` column (0..1) for each.

Lateral sway is deliberately absent: it happens across the image plane of a side view.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from posture.gait.events import GaitEvents
from posture.gait.side import leg_length_px
from posture.geometry import (
    angle_from_vertical_deg,
    distance,
    flexion_deg,
    midpoint,
    quiet_empty_slices,
)
from posture.landmarks import JOINTS, LM
from posture.results import ViewEstimate
from posture.track import TRUNK_PROFILE_S, PoseTrack

#: Leg length (thigh + shank) as a fraction of body height (Winter, Biomechanics and Motor
#: Control of Human Movement: thigh 0.245 H + shank 0.246 H).
LEG_FRACTION_OF_HEIGHT = 0.491
#: Foot-strike cut-offs on the foot angle at contact (Altman & Davis 2012), degrees.
REARFOOT_MIN_DEG = 8.0
FOREFOOT_MAX_DEG = -1.6

SIDE_METRICS: tuple[str, ...] = (
    "trunk_lean_deg", "trunk_lean_midstance_deg", "lumbar_arch_pct", "trunk_thigh_toeoff_deg",
    "hip_extension_toeoff_deg", "overstride_pct_leg", "shank_angle_ic_deg",
    "knee_flexion_ic_deg", "knee_flexion_midstance_deg", "foot_angle_ic_deg",
    "vertical_oscillation_pct_leg", "vertical_oscillation_cm", "arm_swing_deg",
    "cadence_spm", "contact_time_ms", "flight_time_ms",
)

_TRUNK = (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER, LM.LEFT_HIP, LM.RIGHT_HIP)


# ------------------------------------------------------------------------ metric maths
def trunk_lean_deg(hip_mid: np.ndarray, shoulder_mid: np.ndarray, *, facing: int) -> np.ndarray:
    """Forward trunk lean, degrees: hip_mid -> shoulder_mid from vertical, + = shoulders ahead."""
    d = np.asarray(shoulder_mid, float) - np.asarray(hip_mid, float)
    return angle_from_vertical_deg(facing * d[..., 0], -d[..., 1])


def overstride_pct_leg(ankle: np.ndarray, hip_mid: np.ndarray, leg_length_px: np.ndarray, *,
                       facing: int) -> np.ndarray:
    """Ankle ahead of hip_mid along the running direction, percent of leg length."""
    dx = facing * (np.asarray(ankle, float)[..., 0] - np.asarray(hip_mid, float)[..., 0])
    return 100.0 * dx / np.asarray(leg_length_px, float)


def shank_angle_deg(knee: np.ndarray, ankle: np.ndarray, *, facing: int) -> np.ndarray:
    """Knee -> ankle from vertical-down, degrees, + = ankle ahead of the knee."""
    d = np.asarray(ankle, float) - np.asarray(knee, float)
    return angle_from_vertical_deg(facing * d[..., 0], d[..., 1])


def knee_flexion_deg(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """180 - interior hip-knee-ankle angle, degrees (0 = straight)."""
    return flexion_deg(hip, knee, ankle)


def foot_angle_deg(heel: np.ndarray, toe: np.ndarray, *, facing: int) -> np.ndarray:
    """Heel -> toe from horizontal, degrees, + = toes up."""
    d = np.asarray(toe, float) - np.asarray(heel, float)
    return np.degrees(np.arctan2(-d[..., 1], facing * d[..., 0]))


def foot_strike(foot_angle: np.ndarray) -> np.ndarray:
    """Foot-strike class per Altman & Davis 2012 cut-offs: rearfoot/midfoot/forefoot/""."""
    a = np.asarray(foot_angle, float)
    out = np.full(a.shape, "", dtype=object)
    out[a > REARFOOT_MIN_DEG] = "rearfoot"
    out[(a >= FOREFOOT_MAX_DEG) & (a <= REARFOOT_MIN_DEG)] = "midfoot"
    out[a < FOREFOOT_MAX_DEG] = "forefoot"
    return out


def hip_extension_deg(hip: np.ndarray, knee: np.ndarray, *, facing: int) -> np.ndarray:
    """Hip -> knee behind vertical-down, degrees, + = knee behind the hip."""
    d = np.asarray(hip, float) - np.asarray(knee, float)
    return angle_from_vertical_deg(facing * d[..., 0], -d[..., 1])


def vertical_oscillation_pct_leg(hip_mid_y: np.ndarray, leg_length_px: float) -> float:
    """(max - min) of hip_mid height over the frames given, percent of leg length."""
    y = np.asarray(hip_mid_y, float)
    y = y[np.isfinite(y)]
    if y.size < 2:
        return float("nan")
    return float(100.0 * np.ptp(y) / leg_length_px)


def arm_angle_deg(shoulder: np.ndarray, elbow: np.ndarray, *, facing: int) -> np.ndarray:
    """Upper arm (shoulder -> elbow) from vertical-down, degrees, + = elbow forward."""
    d = np.asarray(elbow, float) - np.asarray(shoulder, float)
    return angle_from_vertical_deg(facing * d[..., 0], d[..., 1])


def arm_swing_deg(arm_angle: np.ndarray) -> float:
    """Range (max - min) of the upper-arm angle over the frames given, degrees."""
    a = np.asarray(arm_angle, float)
    a = a[np.isfinite(a)]
    return float(np.ptp(a)) if a.size >= 2 else float("nan")


def lumbar_arch_depth_px(back: np.ndarray, *, s: np.ndarray = TRUNK_PROFILE_S) -> np.ndarray:
    """Depth of the low-back dip below the buttock-to-upper-back chord, pixels.

    Parameters
    ----------
    back : (..., K) back-outline distance from the trunk axis at stations ``s``, pixels.

    Returns
    -------
    (...,) pixels; positive = concave (arched) back, NaN if an anchor or the span is NaN.
    """
    back = np.asarray(back, float)
    lead = back.shape[:-1]
    flat = back.reshape(-1, back.shape[-1])
    k = np.arange(s.size)
    lo_win = (s >= -0.2 - 1e-9) & (s <= 0.05 + 1e-9)
    hi_win = (s >= 0.45 - 1e-9) & (s <= 1.0 + 1e-9)
    finite = np.isfinite(flat)
    anchored = finite[:, lo_win].any(axis=1) & finite[:, hi_win].any(axis=1)
    # anchors: the outermost point of each window (first of equals, as nanargmax)
    ib = np.flatnonzero(lo_win)[np.argmax(np.where(finite[:, lo_win], flat[:, lo_win],
                                                   -np.inf), axis=1)]
    iu = np.flatnonzero(hi_win)[np.argmax(np.where(finite[:, hi_win], flat[:, hi_win],
                                                   -np.inf), axis=1)]
    rows = np.arange(flat.shape[0])
    b_ib, b_iu = flat[rows, ib][:, None], flat[rows, iu][:, None]
    inner = (k > ib[:, None]) & (k < iu[:, None])
    ok = anchored & inner.any(axis=1) & (finite | ~inner).all(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        chord = b_ib + (b_iu - b_ib) * (s - s[ib][:, None]) / (s[iu] - s[ib])[:, None]
    depth = np.where(inner, chord - flat, -np.inf).max(axis=1, initial=-np.inf)
    return np.where(ok, depth, np.nan).reshape(lead)


def lumbar_arch_pct(trunk_edges: np.ndarray, trunk_length_px: np.ndarray, *,
                    facing: int) -> np.ndarray:
    """Arch depth of the back outline, percent of trunk length (EXPERIMENTAL).

    ``trunk_edges`` is ``(..., K, 2)`` as in :class:`posture.track.PoseTrack`; the back is
    channel 1 (-n side) when ``facing = +1`` and channel 0 when ``facing = -1``.
    """
    back = np.asarray(trunk_edges, float)[..., 1 if facing > 0 else 0]
    return 100.0 * lumbar_arch_depth_px(back) / np.asarray(trunk_length_px, float)


# ------------------------------------------------------------------------ per stride
def _at(t_s: np.ndarray, pts: np.ndarray, t: float) -> np.ndarray:
    """Linear interpolation of a (T, ..., 2) point series at time ``t`` (NaN outside)."""
    if not np.isfinite(t) or t < t_s[0] or t > t_s[-1]:
        return np.full(pts.shape[1:], np.nan)
    i = int(np.clip(np.searchsorted(t_s, t), 1, len(t_s) - 1))
    w = (t - t_s[i - 1]) / (t_s[i] - t_s[i - 1])
    return (1 - w) * pts[i - 1] + w * pts[i]


def _at_event(t_s: np.ndarray, pts: np.ndarray, t: float) -> np.ndarray:
    """A (T, ..., 2) point series at an event time ``t`` (IC, TO), from measured frames only.

    Linear interpolation between the two frames that bracket ``t`` (:func:`_at`), never an
    extrapolation. Foot-ahead-of-hip, knee bend and shank angle turn round near contact
    (the foot is furthest ahead just before landing, the knee straightest just before it)
    and hip extension near toe-off, so continuing the approach of the two frames before the
    event carried the values past the turn: on a stick runner at 30 fps with contact between
    frames the old extrapolation read foot-ahead up to 5.2 % leg and the shank up to 4.2 deg
    off, interpolation 0.7 % leg and 0.6 deg; the nearest frame alone was worse for the knee
    (up to 2.9 deg, interpolation 0.3 deg), which moves fastest there
    (tests/metrics/test_side_metrics).
    """
    return _at(t_s, pts, t)


def _vis_factor(vis: np.ndarray) -> float:
    """Map mean visibility to 0..1 (0.3 or below: 0, 0.8 or above: 1); 1 if unknown."""
    v = vis[np.isfinite(vis)]
    if v.size == 0:
        return 1.0
    return float(np.clip((v.mean() - 0.3) / 0.5, 0.0, 1.0))


@quiet_empty_slices
def pick_near_leg(track: PoseTrack, view: ViewEstimate) -> str:
    """The leg nearer the camera (view estimate, else the more visible leg)."""
    if view.near_side in ("left", "right"):
        return view.near_side
    vis = track.visibility
    lv = np.nanmean(vis[:, [LM.LEFT_HIP, LM.LEFT_KNEE, LM.LEFT_ANKLE]]) \
        if np.isfinite(vis).any() else 0.0
    rv = np.nanmean(vis[:, [LM.RIGHT_HIP, LM.RIGHT_KNEE, LM.RIGHT_ANKLE]]) \
        if np.isfinite(vis).any() else 0.0
    return "left" if lv >= rv else "right"


@quiet_empty_slices
def frame_leg_length_px(track: PoseTrack, near: str, *, min_vis: float = 0.5) -> np.ndarray:
    """(T,) leg length per frame: mean of both legs where the far leg is visible, else near."""
    xy, vis = track.image_xy_px, track.visibility
    far = "right" if near == "left" else "left"
    ln = leg_length_px(xy, near)
    lf = leg_length_px(xy, far)
    fj = [JOINTS[far]["hip"], JOINTS[far]["knee"], JOINTS[far]["ankle"]]
    far_vis = np.nanmean(vis[:, fj], axis=1) if np.isfinite(vis).any() else np.ones(len(xy))
    far_vis = np.where(np.isfinite(far_vis), far_vis, 1.0)
    use_far = np.isfinite(lf) & (far_vis >= min_vis)
    both = np.where(use_far, (ln + lf) / 2.0, ln)
    return np.where(np.isfinite(ln), both, np.where(use_far, lf, np.nan))


@quiet_empty_slices
def side_stride_metrics(track: PoseTrack, events: GaitEvents, view: ViewEstimate, *,
                        runner_height_m: float | None = None) -> pd.DataFrame:
    """Per-stride side-view metrics for the valid strides of ``events``.

    Parameters
    ----------
    track : PoseTrack
        The levelled, cleaned side-view track the events were found on.
    events : GaitEvents
        From :func:`posture.gait.side.detect_events`.
    view : ViewEstimate
        Facing and near side; its confidence scales every ``_conf``.
    runner_height_m : float, optional
        Enables ``vertical_oscillation_cm`` (NaN otherwise).

    Returns
    -------
    DataFrame
        Stride id columns, every metric in :data:`SIDE_METRICS` (units in the names) with
        a ``<metric>_conf`` column in [0, 1], plus ``foot_strike`` (text) and
        ``leg_length_px``.
    """
    facing = 1 if view.facing == "right" else -1
    near = pick_near_leg(track, view)
    t, xy, vis = track.t_s, track.image_xy_px, track.visibility
    hip_mid = midpoint(xy[:, LM.LEFT_HIP], xy[:, LM.RIGHT_HIP])
    sh_mid = midpoint(xy[:, LM.LEFT_SHOULDER], xy[:, LM.RIGHT_SHOULDER])
    lean = trunk_lean_deg(hip_mid, sh_mid, facing=facing)
    trunk_len = distance(hip_mid, sh_mid)
    arch = lumbar_arch_pct(track.trunk_edges_px, trunk_len, facing=facing)
    leg_px = frame_leg_length_px(track, near)
    leg_clip = float(np.nanmedian(leg_px)) if np.isfinite(leg_px).any() else np.nan
    arm = arm_angle_deg(xy[:, JOINTS[near]["shoulder"]], xy[:, JOINTS[near]["elbow"]],
                        facing=facing)
    view_factor = 0.5 + 0.5 * float(np.clip(view.confidence, 0.0, 1.0))
    detected = track.detected

    rows = []
    for _, st in events.valid_strides.iterrows():
        leg = st["leg"]
        j = JOINTS[leg]
        t0, t1 = float(st["t_start_s"]), float(st["t_end_s"])
        ev = events.legs[leg]
        k = int(np.argmin(np.abs(ev.ic_t_s - t0)))
        t_to = float(ev.to_t_s[k])
        fr = np.flatnonzero((t >= t0) & (t < t1))
        L = float(np.nanmedian(leg_px[fr])) if np.isfinite(leg_px[fr]).any() else np.nan
        # midstance: stance frame where hip_mid is closest to the stance ankle (forward)
        t_stance_end = t_to if np.isfinite(t_to) else t0 + 0.35 * (t1 - t0)
        sf = np.flatnonzero((t >= t0) & (t <= t_stance_end))
        gap = np.abs(hip_mid[sf, 0] - xy[sf, j["ankle"], 0])
        f_mid = int(sf[np.nanargmin(gap)]) if sf.size and np.isfinite(gap).any() else -1

        ic = {name: _at_event(t, xy[:, idx], t0) for name, idx in j.items()}
        hip_ic = _at_event(t, hip_mid, t0)
        to = {name: _at_event(t, xy[:, idx], t_to) for name, idx in j.items()}
        mid = {name: xy[f_mid, idx] if f_mid >= 0 else np.full(2, np.nan)
               for name, idx in j.items()}

        lean_to = float(trunk_lean_deg(_at_event(t, hip_mid, t_to), _at_event(t, sh_mid, t_to),
                                       facing=facing))
        hip_ext = float(hip_extension_deg(to["hip"], to["knee"], facing=facing))
        vo_pct = vertical_oscillation_pct_leg(hip_mid[fr, 1], L)
        foot = float(foot_angle_deg(ic["heel"], ic["toe"], facing=facing))
        vals = {
            "trunk_lean_deg": float(np.nanmean(lean[fr])) if np.isfinite(lean[fr]).any()
            else np.nan,
            "trunk_lean_midstance_deg": float(lean[f_mid]) if f_mid >= 0 else np.nan,
            "lumbar_arch_pct": float(np.nanmedian(arch[fr])) if np.isfinite(arch[fr]).any()
            else np.nan,
            "trunk_thigh_toeoff_deg": hip_ext - lean_to,
            "hip_extension_toeoff_deg": hip_ext,
            "overstride_pct_leg": float(overstride_pct_leg(ic["ankle"], hip_ic, L,
                                                           facing=facing)),
            "shank_angle_ic_deg": float(shank_angle_deg(ic["knee"], ic["ankle"],
                                                        facing=facing)),
            "knee_flexion_ic_deg": float(knee_flexion_deg(ic["hip"], ic["knee"], ic["ankle"])),
            "knee_flexion_midstance_deg": float(knee_flexion_deg(mid["hip"], mid["knee"],
                                                                 mid["ankle"])),
            "foot_angle_ic_deg": foot,
            "vertical_oscillation_pct_leg": vo_pct,
            "vertical_oscillation_cm": (vo_pct / 100.0 * LEG_FRACTION_OF_HEIGHT
                                        * runner_height_m * 100.0)
            if runner_height_m else np.nan,
            "arm_swing_deg": arm_swing_deg(arm[fr]),
            "cadence_spm": float(st["cadence_spm"]),
            "contact_time_ms": float(st["contact_time_ms"]),
            "flight_time_ms": float(st["flight_time_ms"]),
        }
        # confidence ingredients
        present = float(detected[fr].mean()) if fr.size else 0.0
        stab = float(np.clip(1.0 - 4.0 * abs(L / leg_clip - 1.0), 0.0, 1.0)) \
            if np.isfinite(L) and np.isfinite(leg_clip) else 0.0
        base = view_factor * present * stab

        def vf(ids: list[int], rows_: np.ndarray) -> float:
            return _vis_factor(vis[np.ix_(rows_, ids)].ravel()) if rows_.size else 0.0

        f_ic = np.array([int(st["frame_start"])])
        f_to = np.array([int(st["frame_toeoff"])]) if int(st["frame_toeoff"]) >= 0 \
            else np.array([], int)
        f_ms = np.array([f_mid]) if f_mid >= 0 else np.array([], int)
        leg_ids = [j["hip"], j["knee"], j["ankle"]]
        edges_ok = float(np.isfinite(arch[fr]).mean()) if fr.size else 0.0
        trunk_seen, hips_seen = vf(list(_TRUNK), fr), vf(list(_TRUNK[2:]), fr)
        foot_seen_ic = vf([j["heel"], j["toe"]], f_ic)
        conf = {
            "trunk_lean_deg": base * trunk_seen,
            "trunk_lean_midstance_deg": base * vf(list(_TRUNK), f_ms),
            "lumbar_arch_pct": base * trunk_seen * edges_ok * 0.6,
            "trunk_thigh_toeoff_deg": base * vf([*_TRUNK, j["knee"]], f_to),
            "hip_extension_toeoff_deg": base * vf([j["hip"], j["knee"]], f_to),
            "overstride_pct_leg": base * vf([*_TRUNK[2:], j["ankle"]], f_ic),
            "shank_angle_ic_deg": base * vf([j["knee"], j["ankle"]], f_ic),
            "knee_flexion_ic_deg": base * vf(leg_ids, f_ic),
            "knee_flexion_midstance_deg": base * vf(leg_ids, f_ms),
            "foot_angle_ic_deg": base * foot_seen_ic,
            "vertical_oscillation_pct_leg": base * hips_seen,
            "vertical_oscillation_cm": base * hips_seen,
            "arm_swing_deg": base * vf([JOINTS[near]["shoulder"], JOINTS[near]["elbow"]], fr),
            "cadence_spm": view_factor * present,
            "contact_time_ms": view_factor * present * foot_seen_ic,
            "flight_time_ms": view_factor * present * foot_seen_ic,
        }
        row = {c: st[c] for c in ("stride", "leg", "t_start_s", "t_end_s", "frame_start",
                                  "frame_end")}
        row["frame_midstance"] = f_mid
        row["frame_toeoff"] = int(st["frame_toeoff"])
        for name in SIDE_METRICS:
            v = vals[name]
            row[name] = v
            row[f"{name}_conf"] = float(conf[name]) if np.isfinite(v) else 0.0
        row["foot_strike"] = str(foot_strike(np.array([foot]))[0])
        row["leg_length_px"] = L
        rows.append(row)
    cols = ["stride", "leg", "t_start_s", "t_end_s", "frame_start", "frame_end",
            "frame_midstance", "frame_toeoff"]
    for name in SIDE_METRICS:
        cols += [name, f"{name}_conf"]
    cols += ["foot_strike", "leg_length_px"]
    df = pd.DataFrame(rows, columns=cols)
    df["stride"] = np.arange(len(df))
    return df
