"""Trunk outline from a body mask: the raw material of the lumbar-curve proxy.

Only a few numbers per frame are kept (distances to the outline at fixed stations along the
trunk), never the mask itself. The definition is the one in :class:`posture.track.PoseTrack`
(``trunk_edges_px``); the synthetic renderer calls this same function on its true masks.
"""

from __future__ import annotations

import numpy as np

from posture.track import TRUNK_PROFILE_S

MASK_THRESHOLD = 0.5
"""Mask value at which a pixel counts as body (MediaPipe gives a probability)."""
STEP_PX = 1.0
"""Sampling step along each normal ray, pixels (the crossing is then interpolated)."""
MAX_REACH = 1.0
"""Rays stop at this multiple of the trunk length: no trunk is that wide on one side."""


def _sample_bilinear(mask: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Mask values at sub-pixel points ``xy`` (..., 2) in pixel coordinates; NaN off the image.

    Pixel ``(row i, col j)`` covers ``[j, j+1) x [i, i+1)``, so its centre is ``(j+0.5, i+0.5)``
    (the convention of landmark pixels ``x_norm * width``).
    """
    h, w = mask.shape
    x = xy[..., 0] - 0.5
    y = xy[..., 1] - 0.5
    inside = (x >= -0.5) & (x <= w - 0.5) & (y >= -0.5) & (y <= h - 0.5)
    xc = np.clip(x, 0, w - 1)
    yc = np.clip(y, 0, h - 1)
    x0 = np.minimum(np.floor(xc).astype(np.intp), max(w - 2, 0))
    y0 = np.minimum(np.floor(yc).astype(np.intp), max(h - 2, 0))
    x1 = np.minimum(x0 + 1, w - 1)
    y1 = np.minimum(y0 + 1, h - 1)
    fx = xc - x0
    fy = yc - y0
    top = mask[y0, x0] * (1 - fx) + mask[y0, x1] * fx
    bot = mask[y1, x0] * (1 - fx) + mask[y1, x1] * fx
    val = top * (1 - fy) + bot * fy
    return np.where(inside, val, np.nan)


def trunk_normal(hip_mid_xy_px: np.ndarray, shoulder_mid_xy_px: np.ndarray) -> np.ndarray:
    """Unit normal ``n`` of the hip->shoulder axis; (+1, 0) for an upright trunk (y down)."""
    a = np.asarray(shoulder_mid_xy_px, float) - np.asarray(hip_mid_xy_px, float)
    a = a / np.linalg.norm(a)
    return np.array([-a[1], a[0]])


def trunk_edges_from_mask(mask: np.ndarray, hip_mid_xy_px: np.ndarray,
                          shoulder_mid_xy_px: np.ndarray, *,
                          threshold: float = MASK_THRESHOLD) -> np.ndarray:
    """Distances from the trunk axis to the body outline at the stations ``TRUNK_PROFILE_S``.

    Parameters
    ----------
    mask : (H, W) bool or float in [0, 1]; body where ``mask >= threshold``.
    hip_mid_xy_px, shoulder_mid_xy_px : (2,) axis end points in the mask's pixel frame
        (x right, y down).
    threshold : mask level of the outline.

    Returns
    -------
    (K, 2) float64, pixels. Station ``k`` is the point ``hip + s_k * (shoulder - hip)``;
    ``[k, 0]`` is the distance along ``+n`` to the first point where the mask drops below
    ``threshold`` (sub-pixel, by linear interpolation), ``[k, 1]`` the same along ``-n``.
    ``n`` is the axis direction turned so that for an upright trunk it points to image +x.
    NaN when the axis point is not on the body, when the ray leaves the image before the
    outline, or when no outline is met within one trunk length.
    """
    s = TRUNK_PROFILE_S
    out = np.full((s.size, 2), np.nan)
    hip = np.asarray(hip_mid_xy_px, float)
    sh = np.asarray(shoulder_mid_xy_px, float)
    m = np.asarray(mask)
    if m.ndim != 2 or m.size == 0 or not (np.isfinite(hip).all() and np.isfinite(sh).all()):
        return out
    length = float(np.linalg.norm(sh - hip))
    if length < 2.0:
        return out
    m = m.astype(np.float32, copy=False)
    axis = (sh - hip) / length
    n = np.array([-axis[1], axis[0]])
    centres = hip[None, :] + s[:, None] * (sh - hip)[None, :]  # (K, 2)
    r = np.arange(0.0, MAX_REACH * length + STEP_PX, STEP_PX)  # (M,)
    # Both sides in one pass: rows 0..K-1 go along +n, rows K..2K-1 along -n.
    dirs = np.concatenate([np.tile(n, (s.size, 1)), np.tile(-n, (s.size, 1))])  # (2K, 2)
    pts = np.concatenate([centres, centres])[:, None, :] + r[None, :, None] * dirs[:, None, :]
    dist = _first_crossing(_sample_bilinear(m, pts), r, threshold)  # (2K,)
    out[:, 0], out[:, 1] = dist[: s.size], dist[s.size:]
    return out


def _first_crossing(vals: np.ndarray, r: np.ndarray, threshold: float) -> np.ndarray:
    """Per row, the radius where ``vals`` first drops below ``threshold`` (NaN if unknown)."""
    k = vals.shape[0]
    res = np.full(k, np.nan)
    stop = ~(vals >= threshold)  # below the threshold, or off the image (NaN)
    has_stop = stop.any(axis=1)
    j = np.argmax(stop, axis=1)
    ok = has_stop & (j > 0)  # j == 0: the axis point itself is not on the body
    rows = np.flatnonzero(ok)
    if rows.size == 0:
        return res
    jj = j[rows]
    v_in = vals[rows, jj - 1]
    v_out = vals[rows, jj]
    found = np.isfinite(v_out)  # off the image: the outline is not visible
    frac = np.where(found, (v_in - threshold) / np.maximum(v_in - v_out, 1e-12), np.nan)
    res[rows] = r[jj - 1] + np.clip(frac, 0.0, 1.0) * (r[jj] - r[jj - 1])
    return res
