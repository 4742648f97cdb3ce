"""The pose model and how it is run: MediaPipe Pose ('full' landmark model inside the
mediapipe wheel) and MediaPipe's own person detector, plus the extraction settings that key
the pose cache.

MediaPipe is imported here only, on first use. One write to a private MediaPipe attribute is
isolated in :func:`set_timestamp` (the legacy solution has no public way to pass real frame
times); it is checked on every frame and skipped if the attribute disappears.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

#: Bump when a change to extraction changes its output (invalidates cached tracks).
#: ``tests/pose/test_extraction_version.py`` fails when a constant of the pose stage or the
#: decoder, a default setting or the MediaPipe model changes while this stays the same.
EXTRACTION_VERSION = "pose-6"


WORKING_MAX_SIDE_PX = 640


"""Long side of the frames given to the model, pixels."""


ProgressFn = Callable[[int, int], None]


class StagedProgress:
    """``progress(done, total)`` over passes that are found needed one after another (the
    model's second pass following the runner, a second reading turned upright, the next
    clip of a session): each pass counts on from the frames already done, so ``done`` never
    goes back and the bar never restarts; a new pass lengthens ``total`` instead.

    Call it as a :data:`ProgressFn` within a pass, :meth:`next_pass` between passes and
    :meth:`finish` at the end (``done == total``). ``None`` reports nothing.
    """

    def __init__(self, progress: ProgressFn | None) -> None:
        self._progress = progress
        self._base = 0  # frames done before this pass
        self._done = 0

    def __call__(self, done: int, total: int) -> None:
        if self._progress is None:
            return
        self._done = max(self._done, self._base + min(done, total))
        self._progress(self._done, max(self._done, self._base + total))

    def next_pass(self) -> None:
        self._base = self._done

    def finish(self, frames: int = 0) -> None:
        """The last pass is complete (``frames``: its frame count, when known)."""
        if self._progress is not None:
            self._done = max(self._done, self._base + frames)
            self._progress(self._done, self._done)


@dataclass(frozen=True)
class ExtractionSettings:
    """Everything that changes the landmarks (part of the cache key)."""

    model_complexity: int = 1
    working_max_side_px: int = WORKING_MAX_SIDE_PX
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    start_s: float | None = None
    end_s: float | None = None
    slowmo_factor: float | None = None
    turn_ccw_deg: int = 0
    """Extra quarter turn of the picture (a body found upside down or on its side)."""
    runner_box_px: tuple[float, float, float, float] | None = None
    """``(x, y, w, h)`` around the runner, full-resolution pixels of the picture as filmed
    (rotation metadata applied, before ``turn_ccw_deg``)."""
    runner_box_t_s: float | None = None
    """When the box was drawn, real seconds (``None``: start of the analysed span)."""

    def to_dict(self) -> dict:
        d = asdict(self)
        if not d["turn_ccw_deg"]:
            del d["turn_ccw_deg"]  # so the cache keys of upright clips stay as they were
        elif d["runner_box_px"] is not None:
            # the box was once read in the turned picture: such entries are not reused
            d["runner_box_frame"] = "as filmed"
        d["model_path"] = None  # a removed option; kept so existing cache keys stay valid
        d["version"] = EXTRACTION_VERSION
        return d


def new_pose(settings: ExtractionSettings, *, segmentation: bool = True):  # -> mediapipe Pose
    """The model in tracking mode. ``segmentation=False`` skips the mask (it only feeds the
    trunk outline); the landmarks are the same either way (``tests/live/test_pose.py``)."""
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import mediapipe as mp

    return mp.solutions.pose.Pose(
        static_image_mode=False,
        model_complexity=settings.model_complexity,
        smooth_landmarks=True,
        enable_segmentation=segmentation,
        smooth_segmentation=False,  # identical masks measured, and our own filter follows
        min_detection_confidence=settings.min_detection_confidence,
        min_tracking_confidence=settings.min_tracking_confidence,
    )


_MP_STEP_US = 33333  # the legacy solution adds this before every frame (it assumes 30 fps)


def set_timestamp(pose, t_s: float) -> None:
    """Give the model the frame's real time (microseconds), not a fake 30 fps clock.

    The landmark smoothing filter is time-based; with the fake clock a 60 fps or VFR clip is
    smoothed as if it were slower. ``SolutionBase.process`` adds 33333 us to
    ``_simulated_timestamp`` and stamps the frame with the result, so we set it just below
    the real time (keeping timestamps strictly increasing, which the graph requires).
    """
    prev = getattr(pose, "_simulated_timestamp", None)
    if prev is None:
        return
    target = max(round(t_s * 1e6), prev + 1)
    pose._simulated_timestamp = target - _MP_STEP_US


_DETECTOR = None


OTHER_PERSON_MIN_SCORE = 0.6


"""Score the person detector needs for a second person."""


_DETECTOR_GRAPH = """
input_stream: "image"
output_stream: "detections"
node {
  calculator: "PoseDetectionCpu"
  input_stream: "IMAGE:image"
  output_stream: "DETECTIONS:detections"
}
"""


def person_detector():  # -> mediapipe SolutionBase running the wheel's pose detector
    global _DETECTOR
    if _DETECTOR is None:
        from google.protobuf import text_format
        from mediapipe.framework import calculator_pb2
        from mediapipe.python.solution_base import SolutionBase

        cfg = text_format.Parse(_DETECTOR_GRAPH, calculator_pb2.CalculatorGraphConfig())
        _DETECTOR = SolutionBase(graph_config=cfg, outputs=["detections"])
    return _DETECTOR


def landmarks_px(result: object, width_px: int, height_px: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """One MediaPipe Pose result read out: (33, 2) landmarks in pixels of the processed
    image, (33,) visibility clipped to 0..1 and (33, 3) world landmarks in metres (NaN when
    the model gave none); None when no pose was found."""
    if result is None or result.pose_landmarks is None:
        return None
    lm = np.array([(p.x, p.y, p.visibility) for p in result.pose_landmarks.landmark])
    world = np.full((lm.shape[0], 3), np.nan)
    if result.pose_world_landmarks is not None:
        world = np.array([(p.x, p.y, p.z) for p in result.pose_world_landmarks.landmark])
    return lm[:, :2] * (width_px, height_px), np.clip(lm[:, 2], 0.0, 1.0), world
