"""Per-frame pose for live use, exactly as the offline path runs it.

The same model and settings as :func:`posture.pose.segment.run_segment`: MediaPipe Pose,
'full' landmark model from the wheel, video (tracking) mode, real frame times handed to its
smoothing filter, on frames shrunk so the long side is ``WORKING_MAX_SIDE_PX`` (640 px).
Landmarks come back in pixels of the frame given.
"""

from __future__ import annotations

import cv2
import numpy as np

from posture.io.video import working_size
from posture.live.signals import LandmarkFrame
from posture.pose.model import (
    WORKING_MAX_SIDE_PX,
    ExtractionSettings,
    landmarks_px,
    new_pose,
    set_timestamp,
)
from posture.pose.segment import edges_full_px


def shrink(image_rgb: np.ndarray, max_side_px: int = WORKING_MAX_SIDE_PX) -> np.ndarray:
    """The frame with its long side at most ``max_side_px`` (even sizes, as the offline
    intake makes them).

    Bilinear, the filter the offline intake shrinks frames for the pose model with (FFmpeg's
    fast bilinear, ``iter_frames(fast_scaling=True)``): OpenCV's area averaging takes 12 ms
    for a 1080p frame where bilinear takes 0.8 ms (same at 720p, where both average 2x2).
    """
    h, w = image_rgb.shape[:2]
    size = working_size(w, h, max_side_px)
    if size == (w, h):
        return image_rgb
    return cv2.resize(image_rgb, size, interpolation=cv2.INTER_LINEAR)


class LivePose:
    """One MediaPipe Pose in tracking mode; :meth:`process` one working-size frame at a time.

    ``trunk_outline``: also run the segmentation mask for the trunk outline (the low-back
    arch index of the recording's report). Off by default: the mask adds about a tenth to
    the model's time (31.6 against 28.5 ms a frame, ``benchmarks/live_bench.py``, 2026-12-01)
    and does not change the landmarks.
    """

    def __init__(self, settings: ExtractionSettings | None = None, *,
                 trunk_outline: bool = False) -> None:
        self.settings = settings or ExtractionSettings()
        self._pose = new_pose(self.settings, segmentation=trunk_outline)

    def process(self, image_rgb: np.ndarray, t_s: float) -> LandmarkFrame:
        """Landmarks of one frame (``t_s`` real seconds, increasing), pixels of ``image_rgb``."""
        set_timestamp(self._pose, t_s)
        res = self._pose.process(np.ascontiguousarray(image_rgb))
        h, w = image_rgb.shape[:2]
        found = landmarks_px(res, w, h)
        if found is None:
            return LandmarkFrame.missing(t_s)
        xy, vis, world = found
        # the trunk outline as offline, so the recording's report has the arch index too
        edges = edges_full_px(getattr(res, "segmentation_mask", None), xy, 1.0)
        return LandmarkFrame(t_s, xy, vis, world, edges)

    def close(self) -> None:
        self._pose.close()

    def __enter__(self) -> LivePose:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
