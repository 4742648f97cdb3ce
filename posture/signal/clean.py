"""Cleaning landmark tracks: outlier rejection, short-gap filling, low-pass.

Order of the steps (each one documented at its function). The legs' labels of a side view
are repaired before, once, on the raw landmarks (:mod:`posture.signal.legs`).

1. :func:`reject_outliers` - a point far from its running median (robust, visibility-aware
   threshold) is set to NaN.
2. :func:`fill_short_gaps` - NaN runs no longer than ``max_gap_s`` are bridged by a local
   cubic spline in time; longer gaps stay NaN.
3. :func:`lowpass` - zero-phase Butterworth (``sosfiltfilt``: forward and backward, so no
   time shift of contacts or peaks), applied piecewise to each run of finite samples.

Cut-off: studies of running kinematics filter marker or keypoint data at 6-15 Hz; we use
``DEFAULT_CUTOFF_HZ`` = 10 Hz (keeps the quick foot and knee motion around contact, removes
keypoint jitter), never above 0.4 x the frame rate so the filter stays well below Nyquist
(e.g. 10 Hz at 30 fps is 0.33 x fps; at 20 fps it becomes 8 Hz). Variable frame rate clips
are filtered on a uniform grid at the median frame rate and sampled back at the true times.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.ndimage import median_filter
from scipy.signal import butter, sosfiltfilt

from posture.landmarks import LM
from posture.track import PoseTrack

DEFAULT_CUTOFF_HZ = 10.0
"""Low-pass cut-off for running (literature range 6-15 Hz)."""
MAX_CUTOFF_FRACTION_FPS = 0.4
"""Cut-off is capped at this fraction of the frame rate (Nyquist is 0.5)."""
FILTER_ORDER = 2
"""Butterworth order per pass; forward+backward makes an effective 4th-order, zero-lag filter."""
OUTLIER_WINDOW_S = 0.1
"""Running-median window for outlier rejection (at least 5 frames)."""
OUTLIER_K = 6.0
"""Outlier when the residual exceeds this many robust SDs of the landmark's residuals ..."""
OUTLIER_K_LOW_VIS = 4.0
"""... or this many for points the model itself is unsure of (visibility < 0.5) ..."""
OUTLIER_FLOOR_FRAC = 0.15
"""... and, in every case, exceeds this fraction of the median trunk length (px)."""


def cutoff_for(fps: float, cutoff_hz: float | None = None) -> float:
    """The low-pass cut-off (Hz) used for a clip at ``fps`` frames per second."""
    chosen = DEFAULT_CUTOFF_HZ if cutoff_hz is None else float(cutoff_hz)
    return float(min(chosen, MAX_CUTOFF_FRACTION_FPS * fps))


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[start, stop)`` index ranges where ``mask`` is True."""
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True))


# --------------------------------------------------------------------------- low-pass


def _column_groups(flat: np.ndarray) -> list[tuple[np.ndarray, list[int]]]:
    """Columns of ``flat`` (T, C) grouped by identical finite-sample masks.

    Coordinates of one landmark (and usually all landmarks) go missing together, so each
    group is handled with one vectorised call instead of one per column.
    """
    finite = np.isfinite(flat)
    groups: dict[bytes, list[int]] = {}
    for c in range(flat.shape[1]):
        groups.setdefault(np.packbits(finite[:, c]).tobytes(), []).append(c)
    return [(finite[:, cols[0]], cols) for cols in groups.values()]


def lowpass(x: np.ndarray, t_s: np.ndarray, cutoff_hz: float) -> np.ndarray:
    """Zero-phase Butterworth low-pass of ``x`` (T, ...) along time, piecewise over NaN gaps.

    Each run of finite samples is filtered on its own (runs shorter than ~3 filter lengths
    are left as they are). With irregular sampling (frame intervals spread > 5 %), a run is
    resampled to a uniform grid first and interpolated back.
    """
    x = np.asarray(x, float)
    if x.shape[0] < 4:
        return x.copy()
    dt = np.diff(t_s)
    fs = 1.0 / float(np.median(dt))
    wn = cutoff_hz / (0.5 * fs)
    if not 0 < wn < 1:
        return x.copy()
    sos = butter(FILTER_ORDER, wn, output="sos")
    padlen_default = 3 * (2 * sos.shape[0] + 1)
    irregular = float(np.ptp(dt) / np.median(dt)) > 0.05
    flat = x.reshape(x.shape[0], -1)
    out = flat.copy()
    for mask, cols in _column_groups(flat):
        for a, b in _runs(mask):
            if b - a <= padlen_default:
                continue
            seg_t, seg = t_s[a:b], flat[a:b][:, cols]
            if irregular:
                grid = np.arange(seg_t[0], seg_t[-1] + 0.5 / fs, 1.0 / fs)
                on_grid = np.column_stack([np.interp(grid, seg_t, seg[:, k])
                                           for k in range(len(cols))])
                y = sosfiltfilt(sos, on_grid, axis=0, padlen=min(padlen_default, grid.size - 1))
                out[a:b, cols] = np.column_stack([np.interp(seg_t, grid, y[:, k])
                                                  for k in range(len(cols))])
            else:
                out[a:b, cols] = sosfiltfilt(sos, seg, axis=0, padlen=padlen_default)
    return out.reshape(x.shape)


# --------------------------------------------------------------------------- gaps


def fill_short_gaps(x: np.ndarray, t_s: np.ndarray, max_gap_s: float, *,
                    method: Literal["spline", "linear"] = "spline") -> np.ndarray:
    """Fill interior NaN runs of ``x`` (T, ...) that last at most ``max_gap_s`` seconds.

    The one gap filler of the package (landmarks here; gait signals with ``"linear"``). A
    gap's length is the time between the last sample before it and the first after it,
    minus one median frame interval (so one missing frame at 30 fps is a 0.033 s gap), in
    real time (variable frame rate honoured). ``"spline"`` bridges each gap by a cubic
    spline through up to ``FILL_CONTEXT`` finite samples on each side (linear when fewer
    than 2 lie on a side); ``"linear"`` joins the two samples around it. Gaps at the ends
    are never filled (no extrapolation); ``max_gap_s = inf`` fills every interior gap.
    """
    x = np.asarray(x, float)
    flat = x.reshape(x.shape[0], -1).copy()
    frame_dt = float(np.median(np.diff(t_s))) if t_s.size > 1 else 0.0
    # Columns whose gap has the same span and the same context rows share one spline
    # (CubicSpline fits each column of a (n, k) array on its own).
    spans: dict[tuple[int, int, int, int], list[int]] = {}
    for ok, cols in _column_groups(flat):
        if ok.sum() < 2 or ok.all():
            continue
        for a, b in _runs(~ok):
            if a == 0 or b == ok.size:
                continue
            if t_s[b] - t_s[a - 1] - frame_dt > max_gap_s + 1e-9:
                continue
            key = _gap_context(ok, a, b) if method == "spline" else (a - 1, a, b, b)
            spans.setdefault(key, []).extend(cols)
    for (before, a, b, after), cols in spans.items():
        flat[a:b, cols] = _bridge(flat[:, cols], t_s, before, a, b, after)
    return flat.reshape(x.shape)


FILL_CONTEXT = 4
"""Finite samples used on each side of a gap to bridge it."""


def _fill_together(arrays: list[np.ndarray], t_s: np.ndarray,
                   max_gap_s: float) -> list[np.ndarray]:
    """:func:`fill_short_gaps` of several (T, ...) arrays in one pass.

    Columns are filled independently, so this equals filling each array on its own; the
    image, world and visibility arrays mostly miss the same frames, so their gaps share
    one spline each.
    """
    flats = [np.asarray(a, float).reshape(t_s.size, -1) for a in arrays]
    filled = fill_short_gaps(np.concatenate(flats, axis=1), t_s, max_gap_s)
    ends = np.cumsum([f.shape[1] for f in flats])[:-1]
    return [part.reshape(np.shape(a))
            for part, a in zip(np.split(filled, ends, axis=1), arrays, strict=True)]


def _gap_context(ok: np.ndarray, a: int, b: int) -> tuple[int, int, int, int]:
    """``(before, a, b, after)``: the gap ``a:b`` and the first and last finite rows around
    it used to bridge it (up to ``FILL_CONTEXT`` on each side, all finite)."""
    before = a - 1
    while before - 1 >= 0 and ok[before - 1] and a - before < FILL_CONTEXT:
        before -= 1
    after = b
    while after + 1 < ok.size and ok[after + 1] and after - b + 1 < FILL_CONTEXT:
        after += 1
    return int(before), int(a), int(b), int(after)


def _bridge(cols: np.ndarray, t_s: np.ndarray, before: int, a: int, b: int,
            after: int) -> np.ndarray:
    """Values for rows ``a:b`` of ``cols`` (T, C) from the finite rows ``before:a`` and
    ``b:after + 1`` around the gap."""
    if a - before < 2 or after + 1 - b < 2:
        w = (t_s[a:b] - t_s[a - 1]) / (t_s[b] - t_s[a - 1])
        return cols[a - 1][None, :] * (1 - w[:, None]) + cols[b][None, :] * w[:, None]
    idx = np.r_[before:a, b:after + 1]
    return CubicSpline(t_s[idx], cols[idx], axis=0)(t_s[a:b])


# --------------------------------------------------------------------------- outliers


def reject_outliers(xy: np.ndarray, t_s: np.ndarray, visibility: np.ndarray | None = None,
                    *, scale_px: float | None = None) -> np.ndarray:
    """NaN out landmark positions that jump away from their neighbours.

    For each landmark coordinate the residual from a running median (window
    ``OUTLIER_WINDOW_S``, >= 5 frames) is compared with ``k`` robust SDs (1.4826 x MAD of
    that landmark's residuals over the clip), ``k = 6`` or ``4`` when the model reports
    visibility < 0.5; it must also exceed ``OUTLIER_FLOOR_FRAC`` x ``scale_px`` so that
    ordinary fast foot motion is never removed. A point is rejected (both coordinates) when
    either coordinate is an outlier.

    Parameters
    ----------
    xy : (T, J, D) positions (px).
    visibility : (T, J) or None.
    scale_px : body scale in the units of ``xy`` (default: median trunk length when J = 33).
    """
    xy = np.asarray(xy, float).copy()
    T = xy.shape[0]
    if T < 5:
        return xy
    fps = 1.0 / float(np.median(np.diff(t_s)))
    win = max(5, round(OUTLIER_WINDOW_S * fps) | 1)
    if scale_px is None:
        scale_px = trunk_length_px(xy) if xy.shape[1] > max(LM) else np.nan
    floor = OUTLIER_FLOOR_FRAC * scale_px if np.isfinite(scale_px) else 0.0
    bad = np.zeros(xy.shape[:2], bool)
    for j in range(xy.shape[1]):
        for d in range(xy.shape[2]):
            col = xy[:, j, d]
            ok = np.isfinite(col)
            if ok.sum() < win:
                continue
            med = np.full(T, np.nan)
            med[ok] = median_filter(col[ok], size=win, mode="nearest")
            res = np.abs(col - med)
            sd = 1.4826 * np.nanmedian(res[ok])
            if not (sd > 0 or floor > 0):
                continue
            k = np.full(T, OUTLIER_K)
            if visibility is not None:
                k = np.where(visibility[:, j] < 0.5, OUTLIER_K_LOW_VIS, OUTLIER_K)
            bad[:, j] |= ok & (res > k * sd) & (res > floor)
    xy[bad] = np.nan
    return xy


def trunk_length_px(xy: np.ndarray) -> float:
    """Clip median distance between the hip and shoulder midpoints, px."""
    hip = 0.5 * (xy[:, LM.LEFT_HIP] + xy[:, LM.RIGHT_HIP])
    sh = 0.5 * (xy[:, LM.LEFT_SHOULDER] + xy[:, LM.RIGHT_SHOULDER])
    return float(np.nanmedian(np.linalg.norm(sh - hip, axis=-1)))


# --------------------------------------------------------------------------- all steps


def clean_track(track: PoseTrack, *, cutoff_hz: float | None = None,
                max_gap_s: float = 0.1, smooth: bool = True) -> PoseTrack:
    """Outlier-free, gap-filled, zero-phase low-passed copy of ``track``.

    Parameters
    ----------
    track : raw track from :mod:`posture.pose.extract`.
    cutoff_hz : low-pass cut-off (Hz); default ``DEFAULT_CUTOFF_HZ``, always capped at
        0.4 x the track's frame rate.
    max_gap_s : longest run of missing frames (s) to fill; longer gaps stay NaN.
    smooth : False leaves out the low-pass, for a step that filters its own signals once
        (the rear/front metrics filter within each shot, ``analysis.frontal.smooth_xy``).

    Returns
    -------
    PoseTrack with the same frames and times. ``extraction["cleaning"]`` records the cut-off
    (Hz) and how many frames were swapped, rejected and filled.
    """
    if track.n_frames < 2:
        return track
    t = track.t_s
    fc = cutoff_for(track.fps, cutoff_hz)
    raw_missing = ~np.isfinite(track.image_xy_px).all(axis=-1)
    xy = reject_outliers(track.image_xy_px, t, track.visibility)
    rejected = ~np.isfinite(xy).all(axis=-1) & ~raw_missing
    world = track.world_xyz_m.copy()
    world[rejected] = np.nan
    xy, world, vis, edges = _fill_together(
        [xy, world, track.visibility, track.trunk_edges_px], t, max_gap_s)
    vis = np.where(np.isfinite(xy).all(axis=-1), vis, np.nan)
    filled = np.isfinite(xy).all(axis=-1) & (raw_missing | rejected)
    cleaning = {
        "cutoff_hz": fc,
        "max_gap_s": max_gap_s,
        "points_rejected": int(rejected.sum()),
        "points_filled": int(filled.sum()),
    }
    if not smooth:
        cleaning["cutoff_hz"] = None
        return replace(track, image_xy_px=xy, world_xyz_m=world,
                       visibility=np.clip(vis, 0.0, 1.0), trunk_edges_px=edges,
                       extraction={**track.extraction, "cleaning": cleaning})
    return replace(
        track,
        image_xy_px=lowpass(xy, t, fc),
        world_xyz_m=lowpass(world, t, fc),
        visibility=np.clip(vis, 0.0, 1.0),
        trunk_edges_px=lowpass(edges, t, fc),
        extraction={**track.extraction, "cleaning": cleaning},
    )
