"""H.264 MP4 writing for synthetic clips: the package's one writer (:mod:`posture.io.mp4`)
with real per-frame timestamps, BGR frames, an optional rotation tag and a single encoder
thread, so a clip is reproducible bit for bit."""

from __future__ import annotations

from pathlib import Path

from posture.io.mp4 import Mp4Writer


def clip_writer(path: str | Path, width_px: int, height_px: int, fps: float, *,
                rotation_deg: int = 0, crf: int = 23) -> Mp4Writer:
    """Writer of a rendered clip: ``with clip_writer(...) as w: w.write(bgr, t_s)``.

    ``width_px``/``height_px`` are the UPRIGHT frame size; with ``rotation_deg`` (clockwise
    display rotation, 0/90/180/270) the stored frames are turned the other way.
    """
    return Mp4Writer(path, fps, size_px=(width_px, height_px), channels="bgr", crf=crf,
                     preset="medium", threads=1, rotation_deg=rotation_deg)
