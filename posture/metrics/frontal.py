"""Frontal-plane metrics (rear and front clips), one value per stride.

Definitions are those of ``docs/metrics.md`` ("Rear and front views"). All functions take
landmarks in *lateral coordinates*: the upright, camera-levelled image with x replaced by
``x_lat`` (``+x`` for a rear view, ``-x`` for a front view), so that ``+x_lat`` is always the
runner's right; y stays image y (pixels, down).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from posture.landmarks import JOINTS, LM

Leg = Literal["left", "right"]

_OTHER: dict[str, Leg] = {"left": "right", "right": "left"}
#: +1 when the stance leg is the runner's right (toward +x_lat), -1 for the left.
SIDE_SIGN = {"left": -1.0, "right": 1.0}

#: Hip joint-centre width as a fraction of body height (Winter, Biomechanics and Motor
#: Control of Human Movement, segment-length table: 0.191 H).
HIP_WIDTH_PER_HEIGHT = 0.191

#: Landmarks each metric depends on (for its confidence).
METRIC_LANDMARKS: dict[str, tuple[LM, ...]] = {
    "lateral_sway_pct_hip": (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER, LM.LEFT_HIP, LM.RIGHT_HIP),
    "lateral_lean_peak_deg": (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER, LM.LEFT_HIP, LM.RIGHT_HIP),
    "pelvic_drop_deg": (LM.LEFT_HIP, LM.RIGHT_HIP),
    "arm_crossing_pct_hip": (LM.LEFT_WRIST, LM.RIGHT_WRIST, LM.LEFT_HIP, LM.RIGHT_HIP),
    "step_width_pct_hip": (LM.LEFT_ANKLE, LM.RIGHT_ANKLE, LM.LEFT_HIP, LM.RIGHT_HIP),
}
METRIC_LANDMARKS["lateral_sway_cm"] = METRIC_LANDMARKS["lateral_sway_pct_hip"]
METRIC_LANDMARKS["lateral_lean_mean_deg"] = METRIC_LANDMARKS["lateral_lean_peak_deg"]


def lateral_coords(xy_px: np.ndarray, view: str) -> np.ndarray:
    """(..., 33, 2) landmarks with x replaced by x_lat (+ = runner's right), y unchanged, px."""
    if view not in ("rear", "front"):
        raise ValueError(f"lateral coordinates need a rear or front view, not {view!r}")
    out = np.array(xy_px, float, copy=True)
    if view == "front":
        out[..., 0] = -out[..., 0]
    return out


def hip_mid(xy: np.ndarray) -> np.ndarray:
    return (xy[..., LM.LEFT_HIP, :] + xy[..., LM.RIGHT_HIP, :]) / 2.0


def shoulder_mid(xy: np.ndarray) -> np.ndarray:
    return (xy[..., LM.LEFT_SHOULDER, :] + xy[..., LM.RIGHT_SHOULDER, :]) / 2.0


def hip_width_px(xy: np.ndarray) -> np.ndarray:
    """(T,) |L_HIP - R_HIP| in the image, px."""
    d = xy[..., LM.LEFT_HIP, :] - xy[..., LM.RIGHT_HIP, :]
    return np.hypot(d[..., 0], d[..., 1])


def trunk_lateral_angle_deg(xy_lat: np.ndarray) -> np.ndarray:
    """(T,) angle of hip_mid -> shoulder_mid from vertical, degrees, + toward the runner's right."""
    d = shoulder_mid(xy_lat) - hip_mid(xy_lat)
    return np.degrees(np.arctan2(d[..., 0], -d[..., 1]))


def pelvic_drop_series_deg(xy_lat: np.ndarray, stance: Leg) -> np.ndarray:
    """(T,) hip-line angle below horizontal on the swing side, degrees (+ = swing hip lower).

    ``atan2(y(swing hip) - y(stance hip), |x(swing hip) - x(stance hip)|)`` with y down.
    """
    sw, st = xy_lat[..., JOINTS[_OTHER[stance]]["hip"], :], xy_lat[..., JOINTS[stance]["hip"], :]
    return np.degrees(np.arctan2(sw[..., 1] - st[..., 1], np.abs(sw[..., 0] - st[..., 0])))


def arm_crossing_px(xy_lat: np.ndarray) -> np.ndarray:
    """(T,) how far either wrist is past the hip midline toward the other side, px (0 if not)."""
    mid = hip_mid(xy_lat)[..., 0]
    left_past = xy_lat[..., LM.LEFT_WRIST, 0] - mid  # left wrist belongs at -x_lat
    right_past = mid - xy_lat[..., LM.RIGHT_WRIST, 0]
    both = np.stack([left_past, right_past], axis=-1)
    with np.errstate(invalid="ignore"):
        worst = np.nanmax(np.where(np.isfinite(both), both, -np.inf), axis=-1)
    worst = np.where(np.isfinite(both).any(axis=-1), worst, np.nan)
    return np.clip(worst, 0.0, None)


def _nanstat(fn, a: np.ndarray) -> float:
    a = np.asarray(a, float)
    a = a[np.isfinite(a)]
    return float(fn(a)) if a.size else float("nan")


def stride_values(xy_lat: np.ndarray, *, leg: Leg, ic: int, next_ic: int, toeoff: int,
                  prev_other_ic: int, runner_height_m: float | None = None) -> dict[str, float]:
    """Frontal metrics of one stride (see module doc for the coordinates).

    Parameters
    ----------
    xy_lat : (T, 33, 2) lateral coordinates of the whole track, px.
    leg : leg whose initial contact opens the stride.
    ic, next_ic : track frames of that contact and the next contact of the same leg.
    toeoff : track frame of the toe-off of the opening contact (-1: unknown; stance
        metrics are then NaN).
    prev_other_ic : track frame of the other leg's previous contact (-1: step width NaN).
    runner_height_m : body height in metres, for ``lateral_sway_cm``.

    Returns
    -------
    dict: ``hip_width_px`` (px), ``lateral_sway_pct_hip`` (% hip width), ``lateral_sway_cm``
    (cm, NaN without height), ``lateral_lean_peak_deg`` (deg), ``lateral_lean_mean_deg``
    (deg, + toward the stance leg), ``pelvic_drop_deg`` (deg), ``arm_crossing_pct_hip``
    (% hip width), ``step_width_pct_hip`` (% hip width), ``cadence_spm`` is not included.
    """
    fr = slice(ic, next_ic)
    w = _nanstat(np.median, hip_width_px(xy_lat[fr]))
    rel = shoulder_mid(xy_lat[fr])[:, 0] - hip_mid(xy_lat[fr])[:, 0]
    sway = 100.0 * (_nanstat(np.max, rel) - _nanstat(np.min, rel)) / w
    out = {
        "hip_width_px": w,
        "lateral_sway_pct_hip": sway,
        "lateral_sway_cm": (sway / 100.0 * HIP_WIDTH_PER_HEIGHT * runner_height_m * 100.0
                            if runner_height_m else float("nan")),
        "arm_crossing_pct_hip": 100.0 * _nanstat(np.max, arm_crossing_px(xy_lat[fr])) / w,
        "lateral_lean_peak_deg": float("nan"),
        "lateral_lean_mean_deg": float("nan"),
        "pelvic_drop_deg": float("nan"),
        "step_width_pct_hip": float("nan"),
    }
    if toeoff > ic:
        st = slice(ic, toeoff + 1)
        lean = SIDE_SIGN[leg] * trunk_lateral_angle_deg(xy_lat[st])
        out["lateral_lean_peak_deg"] = _nanstat(np.max, np.abs(lean))
        out["lateral_lean_mean_deg"] = _nanstat(np.mean, lean)
        out["pelvic_drop_deg"] = _nanstat(np.max, pelvic_drop_series_deg(xy_lat[st], leg))
    if prev_other_ic >= 0:
        a = xy_lat[ic, JOINTS[leg]["ankle"], 0]
        b = xy_lat[prev_other_ic, JOINTS[_OTHER[leg]]["ankle"], 0]
        out["step_width_pct_hip"] = 100.0 * abs(a - b) / w
    return out


def visibility_conf(visibility: np.ndarray, frames: slice, landmarks: tuple[LM, ...]) -> float:
    """0..1: median over the frames of the least visible landmark, times the share of frames
    where all of them were found (NaN visibility counts as not found)."""
    v = visibility[frames][:, list(landmarks)]
    found = np.isfinite(v).all(axis=1)
    if not found.any():
        return 0.0
    return float(np.clip(np.median(np.min(v[found], axis=1)) * found.mean(), 0.0, 1.0))


def symmetry_index_pct(left: float, right: float, *, min_magnitude: float) -> float:
    """Robinson et al. (1987) symmetry index, %: 100 * (R - L) / (0.5 * (|R| + |L|)).

    0 = symmetric; + = right larger. NaN when the mean magnitude is below ``min_magnitude``
    (the ratio explodes for values near zero).
    """
    mean_mag = 0.5 * (abs(left) + abs(right))
    if not np.isfinite(mean_mag) or mean_mag < min_magnitude:
        return float("nan")
    return float(100.0 * (right - left) / mean_mag)
