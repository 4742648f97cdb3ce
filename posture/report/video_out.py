"""Annotated MP4 (H.264, yuv420p, browser-playable), written frame by frame.

Frames are decoded, drawn on and encoded one at a time, so memory stays flat whatever the
clip length. Frames whose index is not in the track (outside the analysed window) are skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from posture.io.mp4 import Mp4Writer
from posture.report.annotate import FrameContext, annotate_frame
from posture.track import PoseTrack

ProgressFn = Callable[[int, int], None]


def contact_rows(strides: pd.DataFrame) -> dict[int, tuple[str, float]]:
    """Track row of each initial contact -> (leg, overstride % leg) from the strides table."""
    out: dict[int, tuple[str, float]] = {}
    if strides.empty:
        return out
    over = (strides["overstride_pct_leg"] if "overstride_pct_leg" in strides.columns
            else pd.Series(np.nan, index=strides.index))
    for f, leg, o in zip(strides["frame_start"], strides["leg"], over, strict=True):
        out[int(f)] = (str(leg), float(o))
    return out


def _even(n: int) -> int:
    return n - (n % 2)


def write_annotated_mp4(video_path: str | Path, track: PoseTrack, strides: pd.DataFrame,
                        ctx: FrameContext, out_path: str | Path, *, max_side_px: int = 720,
                        hold_contact_frames: int = 0, crf: int = 23,
                        progress: ProgressFn | None = None) -> Path:
    """Write the clip with skeleton, trunk line, back outline and contacts drawn on.

    Parameters
    ----------
    video_path : the source clip (decoded again with :func:`posture.io.video.iter_frames`).
    track : the PoseTrack analysed (rows matched by source frame index).
    strides : per-stride table, for the contact frames and overstride labels.
    max_side_px : long side of the output; frames are scaled down to it.
    hold_contact_frames : repeat each contact frame this many times (a brief pause).

    Returns
    -------
    Path of the written MP4 (H.264, yuv420p, ``+faststart`` for streaming in a browser).
    """
    from posture.io.video import iter_frames

    out_path = Path(out_path)
    row_of = {int(fi): r for r, fi in enumerate(track.frame_index)}
    contacts = contact_rows(strides)
    t0, t1 = float(track.t_s[0]), float(track.t_s[-1])
    fps = track.fps if np.isfinite(track.fps) and track.fps > 0 else 30.0
    with Mp4Writer(out_path, fps, crf=crf) as out:
        done = 0
        for frame in iter_frames(video_path, start_s=t0, end_s=t1, max_side_px=max_side_px,
                                 turn_ccw_deg=track.info.turn_ccw_deg):
            r = row_of.get(frame.index)
            if r is None:
                continue
            img = _draw(frame.image_rgb, frame.scale, track, r, ctx, contacts)
            for _ in range(1 + (hold_contact_frames if r in contacts else 0)):
                out.write(img)
            done += 1
            if progress is not None:
                progress(done, track.n_frames)
        if out.n_frames == 0:
            raise ValueError("no frame of the clip matched the pose track")
    return out_path


def _draw(image: np.ndarray, scale: float, track: PoseTrack, r: int, ctx: FrameContext,
          contacts: dict[int, tuple[str, float]]) -> np.ndarray:
    """Annotate a (possibly scaled) frame: the track is scaled to the frame, not vice versa."""
    scaled = track if scale == 1.0 else _scaled_row(track, r, scale)
    row = r if scale == 1.0 else 0
    leg, over = contacts.get(r, (None, None))
    return annotate_frame(image, scaled, row, ctx, phase="ic" if leg else "none", leg=leg,
                          overstride_pct_leg=over, caption=f"{track.t_s[r]:5.2f} s")


def _scaled_row(track: PoseTrack, r: int, scale: float, *,
                origin_px: tuple[float, float] = (0.0, 0.0),
                size_px: tuple[int, int] | None = None) -> PoseTrack:
    """Row ``r`` alone, in the pixels of a picture cut at ``origin_px`` (full-res px) from
    the frame and then scaled by ``scale``; ``size_px`` is that picture's (w, h)."""
    from dataclasses import replace

    one = track.take(np.array([r]))
    w, h = track.frame_size_px
    size = size_px or (max(1, round(w * scale)), max(1, round(h * scale)))
    return replace(one, image_xy_px=(one.image_xy_px - np.asarray(origin_px)) * scale,
                   trunk_edges_px=one.trunk_edges_px * scale, frame_size_px=size)
