"""Choose the stride that best represents a window, and its frames at contact and midstance."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Metrics that define "representative", in order of importance; those absent are skipped.
MAIN_METRICS: tuple[str, ...] = (
    "trunk_lean_deg",
    "overstride_pct_leg",
    "lumbar_arch_pct",
    "shank_angle_ic_deg",
    "lateral_sway_pct_hip",
    "lateral_lean_peak_deg",
    "pelvic_drop_deg",
)


@dataclass(frozen=True)
class KeyFrames:
    """The representative stride of a window and the track frames worth showing.

    Attributes
    ----------
    stride : stride number (``strides["stride"]``).
    leg : leg whose initial contact opens the stride.
    frame_ic : track row (index into the PoseTrack arrays) of the initial contact.
    frame_midstance : track row of midstance of that contact.
    t_ic_s : real time of the initial contact, seconds.
    """

    stride: int
    leg: str
    frame_ic: int
    frame_midstance: int
    t_ic_s: float


def representative_stride(strides: pd.DataFrame, *,
                          metrics: tuple[str, ...] = MAIN_METRICS) -> pd.Series:
    """The stride closest to the window median of the main metrics.

    Each metric is scaled by its spread in the window (IQR, falling back to SD) so that no unit
    dominates; the stride with the smallest sum of squared scaled distances wins. A missing value
    counts as twice the window's worst distance (at least 1), so a stride with holes is picked
    only if nothing better exists.

    Parameters
    ----------
    strides : rows of the per-stride table belonging to one window (>= 1 row).
    """
    if strides.empty:
        raise ValueError("representative_stride needs at least one stride")
    cols = [c for c in metrics if c in strides.columns and strides[c].notna().any()]
    if not cols:
        return strides.iloc[len(strides) // 2]
    dist = np.zeros(len(strides))
    for c in cols:
        v = strides[c].to_numpy(dtype=float)
        med = np.nanmedian(v)
        q75, q25 = np.nanpercentile(v, [75, 25])
        scale = q75 - q25
        if not np.isfinite(scale) or scale <= 0:
            scale = np.nanstd(v)
        if not np.isfinite(scale) or scale <= 0:
            scale = 1.0
        z2 = ((v - med) / scale) ** 2
        worst = 2.0 * max(1.0, np.nanmax(z2) if np.isfinite(z2).any() else 0.0)
        dist += np.where(np.isfinite(z2), z2, worst)
    return strides.iloc[int(np.argmin(dist))]


def key_frames(strides: pd.DataFrame, *,
               metrics: tuple[str, ...] = MAIN_METRICS) -> KeyFrames:
    """Key frames (initial contact, midstance) of the representative stride of a window."""
    row = representative_stride(strides, metrics=metrics)
    mid = int(row["frame_midstance"])
    if mid < 0:
        mid = int(row["frame_start"])
    return KeyFrames(stride=int(row["stride"]), leg=str(row["leg"]),
                     frame_ic=int(row["frame_start"]), frame_midstance=mid,
                     t_ic_s=float(row["t_start_s"]))


def frame_at(video_path: str, track: object, row: int, *,
             max_side_px: int | None = None) -> tuple[np.ndarray, float]:
    """Decode the source frame of track row ``row``.

    Returns
    -------
    (image_rgb, scale) : the upright frame and its size relative to full resolution.
    """
    from posture.errors import UnreadableVideoError
    from posture.io.video import iter_frames

    want = int(track.frame_index[row])
    t = float(track.t_s[row])
    for f in iter_frames(video_path, start_s=max(0.0, t - 0.1), end_s=t + 0.1,
                         max_side_px=max_side_px,
                         turn_ccw_deg=getattr(track.info, "turn_ccw_deg", 0)):
        if f.index == want:
            return f.image_rgb, f.scale
    raise UnreadableVideoError(f"Frame {want} of {video_path} could not be decoded again.")


def side_by_side(images: list[np.ndarray], *, gap_px: int = 6,
                 background: int = 255) -> np.ndarray:
    """RGB images next to each other in one picture, bottoms padded to the tallest, so an
    early and a late frame stay side by side on any screen width (a phone's too)."""
    if not images:
        raise ValueError("side_by_side needs at least one image")
    h = max(img.shape[0] for img in images)
    w = sum(img.shape[1] for img in images) + gap_px * (len(images) - 1)
    out = np.full((h, w, 3), background, np.uint8)
    x = 0
    for img in images:
        out[:img.shape[0], x:x + img.shape[1]] = img
        x += img.shape[1] + gap_px
    return out


def encode_jpeg(image_rgb: np.ndarray, *, quality: int = 88) -> bytes | None:
    """JPEG bytes of an RGB picture (smaller than PNG for video frames); None when it
    cannot be encoded."""
    import cv2

    ok, buf = cv2.imencode(".jpg", np.ascontiguousarray(image_rgb[..., ::-1]),
                           [cv2.IMWRITE_JPEG_QUALITY, quality])
    return buf.tobytes() if ok else None


def decode_jpeg(data: bytes) -> np.ndarray | None:
    """The RGB picture of JPEG bytes (:func:`encode_jpeg`); None when they are not one."""
    import cv2

    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    return None if img is None else np.ascontiguousarray(img[..., ::-1])
