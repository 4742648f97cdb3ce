"""Pose extraction: MediaPipe Pose over the frame stream, into one :class:`PoseTrack`.

Model: the legacy ``mediapipe.solutions.pose.Pose`` with the 'full' landmark model carried
inside the mediapipe wheel (``model_complexity=1``), in video (tracking) mode, with the
segmentation mask on. Nothing is downloaded at run time.

Speed (both cores of a small laptop):

* Frames are decoded, shrunk to a working size (long side 640 px; the model looks at
  256x256 anyway) and converted to RGB in a producer thread; FFmpeg does this outside the
  GIL, so it overlaps with inference.
* Clips long enough to pay for it are split into two time segments analysed in two
  processes, each with its own model. The second segment starts ``OVERLAP_S`` early so the
  tracker has settled; its frames up to the end of the first segment are dropped when the
  two are stitched.
* Landmarks are reported in full-resolution pixels of the upright frame; only the trunk
  outline (a few numbers per frame) is kept from the segmentation mask.

Several people: the legacy solution follows one person, usually the biggest. To notice
others we paint the tracked person out of a handful of sampled frames and run MediaPipe's own
person detector on the rest (see :func:`_other_people`); a tracked body that jumps across the
picture between frames also counts (:func:`count_track_jumps`). Then (and whenever the user
drew a box around the runner) :func:`_select_runner` finds the people on frames sampled every
0.2 s, scores how much each one runs from a short landmark run on a crop around them
(:mod:`posture.pose.people`), and runs the model again on a crop that follows the runner, with
the other people painted out. Single-person clips never pay for this.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from posture.errors import ClipTooShortError, NoRunnerError, PostureError
from posture.io import cache
from posture.io.video import (
    MIN_DURATION_S,
    Frame,
    export_probe,
    import_probe,
    iter_frames,
    probe,
)
from posture.landmarks import LM, N_LANDMARKS
from posture.pose.people import (
    SCAN_STEP_S,
    Person,
    choose_runner,
    link_people,
    running_score,
)
from posture.pose.silhouette import trunk_edges_from_mask
from posture.track import TRUNK_PROFILE_S, PoseTrack, QualityFlag, VideoInfo

#: Bump when a change to extraction changes its output (invalidates cached tracks).
EXTRACTION_VERSION = "pose-6"

WORKING_MAX_SIDE_PX = 640
"""Long side of the frames given to the model, pixels."""
MIN_DETECTED_FRACTION = 0.5
"""A runner must be found in at least this fraction of frames."""
OVERLAP_S = 1.0
"""Warm-up of the second segment when a clip is split across two processes, seconds."""
MIN_SPLIT_FRAMES = 400
"""Clips with fewer frames than this run in one process: the worker's start (~1 s of CPU),
second model and 1 s overlap cost about what the split saves on a ~6 s clip (measured)."""
WORKER_START_FRAMES = 35
"""About how many frames this process analyses while the worker process starts."""
PEOPLE_CHECK_FRAMES = 4
"""Frames per segment sampled for the several-people check."""
SCORE_WINDOW_S = 2.5
"""Length of the landmark run on each person that scores how much they run, s."""
MAX_CANDIDATES = 4
"""At most this many people (the most seen) are scored."""
CROP_RADII = 1.25
"""Half the side of the square crop around the followed person, in body radii."""
DRIFT_RADII = 0.6
"""Landmark hips further than this many body radii from the followed person = someone else."""
RESEED_AFTER_FRAMES = 3
"""After this many frames on someone else the model is restarted on the crop."""

ProgressFn = Callable[[int, int], None]


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
    """``(x, y, w, h)`` around the runner, full-resolution upright pixels."""
    runner_box_t_s: float | None = None
    """When the box was drawn, real seconds (``None``: start of the analysed span)."""

    def to_dict(self) -> dict:
        d = asdict(self)
        if not d["turn_ccw_deg"]:
            del d["turn_ccw_deg"]  # so the cache keys of upright clips stay as they were
        d["model_path"] = None  # a removed option; kept so existing cache keys stay valid
        d["version"] = EXTRACTION_VERSION
        return d


@dataclass
class _Segment:
    """Raw per-frame output of one pass of the model over a time window."""

    t_s: np.ndarray
    frame_index: np.ndarray
    image_xy_px: np.ndarray
    visibility: np.ndarray
    world_xyz_m: np.ndarray
    trunk_edges_px: np.ndarray
    n_other_people: int
    n_people_checked: int
    decode_s: float
    pose_s: float
    edges_s: float
    people_s: float
    peak_rss_mb: float = 0.0
    """Peak resident memory of the process that ran the segment (MB), for the benchmark."""
    selection: dict | None = None
    """How the runner was chosen among several people (set by :func:`_select_runner`)."""


@dataclass(frozen=True)
class Follow:
    """Run the model on a crop around one person, with the other people painted out."""

    runner: Person
    others: tuple[Person, ...] = ()


# --------------------------------------------------------------------------- model


def _new_pose(settings: ExtractionSettings):  # -> mediapipe Pose
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import mediapipe as mp

    return mp.solutions.pose.Pose(
        static_image_mode=False,
        model_complexity=settings.model_complexity,
        smooth_landmarks=True,
        enable_segmentation=True,
        smooth_segmentation=False,  # identical masks measured, and our own filter follows
        min_detection_confidence=settings.min_detection_confidence,
        min_tracking_confidence=settings.min_tracking_confidence,
    )


_MP_STEP_US = 33333  # the legacy solution adds this before every frame (it assumes 30 fps)


def _set_timestamp(pose, t_s: float) -> None:
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


# --------------------------------------------------------------------------- streaming


class _Prefetch:
    """Decode in a background thread into a bounded queue (memory stays ~``depth`` frames)."""

    _END = object()

    def __init__(self, frames: Iterator[Frame], depth: int = 6) -> None:
        self._q: queue.Queue = queue.Queue(maxsize=depth)
        self._frames = frames
        self._stop = threading.Event()
        self.decode_s = 0.0
        self._thread = threading.Thread(target=self._run, name="posture-decode", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                t0 = time.perf_counter()
                try:
                    item = next(self._frames)
                except StopIteration:
                    break
                self.decode_s += time.perf_counter() - t0
                while not self._stop.is_set():
                    try:
                        self._q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
        except BaseException as exc:  # handed to the consumer, raised there
            self._q.put(exc)
            return
        self._q.put(self._END)

    def __iter__(self) -> Iterator[Frame]:
        while True:
            item = self._q.get()
            if item is self._END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(queue.Empty):
            while True:
                self._q.get_nowait()
        self._thread.join(timeout=5)
        close = getattr(self._frames, "close", None)
        if close is not None and not self._thread.is_alive():
            close()


def _run_segment(path: str, info: VideoInfo, settings: ExtractionSettings,
                 start_s: float | None, end_s: float | None,
                 on_frame: Callable[[int], None] | None = None,
                 follow: Follow | None = None) -> _Segment:
    """Run the model over ``[start_s, end_s]`` of the clip in this process (on the whole
    picture, or on a crop following one person)."""
    ts: list[float] = []
    idx: list[int] = []
    xy: list[np.ndarray] = []
    vis: list[np.ndarray] = []
    world: list[np.ndarray] = []
    edges: list[np.ndarray] = []
    nan_xy = np.full((N_LANDMARKS, 2), np.nan)
    nan_v = np.full(N_LANDMARKS, np.nan)
    nan_w = np.full((N_LANDMARKS, 3), np.nan)
    nan_e = np.full((TRUNK_PROFILE_S.size, 2), np.nan)
    est_frames = _estimate_frames(info, start_s, end_s)
    people_every = max(1, est_frames // PEOPLE_CHECK_FRAMES) if follow is None else 0
    n_other = n_checked = off_runner = 0
    pose_s = edges_s = people_s = 0.0

    frames = iter_frames(path, start_s=start_s, end_s=end_s,
                         slowmo_factor=settings.slowmo_factor,
                         max_side_px=settings.working_max_side_px, fast_scaling=True,
                         turn_ccw_deg=settings.turn_ccw_deg)
    prefetch = _Prefetch(frames)
    pose = _new_pose(settings)
    try:
        for i, frame in enumerate(prefetch):
            t0 = time.perf_counter()
            image, offset, expected = frame.image_rgb, np.zeros(2), None
            if follow is not None:
                image, offset, expected = _follow_crop(frame, follow)
            res = None
            if image is not None:
                _set_timestamp(pose, frame.t_s)
                res = pose.process(image)
            pose_s += time.perf_counter() - t0
            ts.append(frame.t_s)
            idx.append(frame.index)
            pts = None
            if res is not None and res.pose_landmarks is not None:
                lm = np.array([(p.x, p.y, p.visibility) for p in res.pose_landmarks.landmark])
                h_img, w_img = image.shape[:2]
                pts = (lm[:, :2] * (w_img, h_img) + offset) / frame.scale
                if expected is not None and _off_runner(pts * frame.scale, *expected):
                    pts = None  # the model slid onto someone else: not the runner's landmarks
                    off_runner += 1
                    if off_runner >= RESEED_AFTER_FRAMES:
                        pose.close()
                        pose, off_runner = _new_pose(settings), 0
                else:
                    off_runner = 0
            if pts is None:
                xy.append(nan_xy)
                vis.append(nan_v)
                world.append(nan_w)
                edges.append(nan_e)
            else:
                xy.append(pts)
                vis.append(np.clip(lm[:, 2], 0.0, 1.0))
                if res.pose_world_landmarks is not None:
                    world.append(np.array([(p.x, p.y, p.z)
                                           for p in res.pose_world_landmarks.landmark]))
                else:
                    world.append(nan_w)
                t1 = time.perf_counter()
                edges.append(_edges_full_px(res.segmentation_mask, pts, frame.scale, offset))
                edges_s += time.perf_counter() - t1
            if people_every and i % people_every == people_every // 2:
                t2 = time.perf_counter()
                n_checked += 1
                n_other += int(_other_people(frame.image_rgb, xy[-1] * frame.scale))
                people_s += time.perf_counter() - t2
            if on_frame is not None:
                on_frame(i + 1)
    finally:
        pose.close()
        prefetch.close()
    n = len(ts)
    return _Segment(
        t_s=np.asarray(ts, float), frame_index=np.asarray(idx, np.int64),
        image_xy_px=np.asarray(xy, float).reshape(n, N_LANDMARKS, 2),
        visibility=np.asarray(vis, float).reshape(n, N_LANDMARKS),
        world_xyz_m=np.asarray(world, float).reshape(n, N_LANDMARKS, 3),
        trunk_edges_px=np.asarray(edges, float).reshape(n, TRUNK_PROFILE_S.size, 2),
        n_other_people=n_other, n_people_checked=n_checked,
        decode_s=prefetch.decode_s, pose_s=pose_s, edges_s=edges_s, people_s=people_s,
        peak_rss_mb=peak_rss_mb(),
    )


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB (Linux ``VmHWM``; else ``ru_maxrss``).

    ``VmHWM`` belongs to the current program image; ``ru_maxrss`` can also carry the peak
    of the parent a subprocess was forked from.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _edges_full_px(mask: np.ndarray | None, xy_full: np.ndarray, scale: float,
                   offset_px: np.ndarray | None = None) -> np.ndarray:
    """Trunk outline distances in full-resolution pixels, from the working-size mask (of
    the crop whose top-left corner is at ``offset_px`` working pixels)."""
    if mask is None:
        return np.full((TRUNK_PROFILE_S.size, 2), np.nan)
    offset_px = np.zeros(2) if offset_px is None else offset_px
    hip = 0.5 * (xy_full[LM.LEFT_HIP] + xy_full[LM.RIGHT_HIP]) * scale - offset_px
    sh = 0.5 * (xy_full[LM.LEFT_SHOULDER] + xy_full[LM.RIGHT_SHOULDER]) * scale - offset_px
    return trunk_edges_from_mask(mask, hip, sh) / scale


_DETECTOR = None
OTHER_PERSON_MIN_SCORE = 0.6
"""Score the person detector needs for a second person."""
JUMP_BOX_HEIGHTS = 0.75
"""Landmark box centre moving this many box heights between neighbouring frames = a jump."""

_DETECTOR_GRAPH = """
input_stream: "image"
output_stream: "detections"
node {
  calculator: "PoseDetectionCpu"
  input_stream: "IMAGE:image"
  output_stream: "DETECTIONS:detections"
}
"""


def _person_detector():  # -> mediapipe SolutionBase running the wheel's pose detector
    global _DETECTOR
    if _DETECTOR is None:
        from google.protobuf import text_format
        from mediapipe.framework import calculator_pb2
        from mediapipe.python.solution_base import SolutionBase

        cfg = text_format.Parse(_DETECTOR_GRAPH, calculator_pb2.CalculatorGraphConfig())
        _DETECTOR = SolutionBase(graph_config=cfg, outputs=["detections"])
    return _DETECTOR


def _other_people(image_rgb: np.ndarray, runner_xy_px: np.ndarray) -> bool:
    """True when someone else is in the frame besides the tracked runner.

    The runner's landmark box (grown by 10 % of its height) is painted over with the
    frame's mean colour and MediaPipe's own person detector (the BlazePose detector inside
    the wheel, the one the tracker uses) is run on what is left; a detection with score
    > ``OTHER_PERSON_MIN_SCORE`` that overlaps the runner's box by less than 20 % of its own
    area is another person. Run on a few frames only (~30 ms each). It finds people about as
    well as the tracker itself does, so it also misses very small or half-hidden people.
    """
    ok = np.isfinite(runner_xy_px).all(axis=1)
    if ok.sum() < 10:
        return False  # no runner in this frame: a detection would be the runner
    h, w = image_rgb.shape[:2]
    (x0, y0), (x1, y1) = runner_xy_px[ok].min(axis=0), runner_xy_px[ok].max(axis=0)
    pad = 0.1 * (y1 - y0)
    bx0, by0 = int(max(0, x0 - pad)), int(max(0, y0 - 2 * pad))  # room for the head
    bx1, by1 = int(min(w, x1 + pad + 1)), int(min(h, y1 + pad + 1))
    masked = image_rgb.copy()
    masked[by0:by1, bx0:bx1] = image_rgb.reshape(-1, 3).mean(axis=0).astype(np.uint8)
    result = _person_detector().process({"image": masked})
    for det in result.detections or []:
        if det.score[0] <= OTHER_PERSON_MIN_SCORE:
            continue
        rb = det.location_data.relative_bounding_box
        dx0, dy0 = rb.xmin * w, rb.ymin * h
        dx1, dy1 = dx0 + rb.width * w, dy0 + rb.height * h
        ix = max(0.0, min(dx1, bx1) - max(dx0, bx0))
        iy = max(0.0, min(dy1, by1) - max(dy0, by0))
        if ix * iy < 0.2 * max(rb.width * w * rb.height * h, 1.0):
            return True
    return False


# --------------------------------------------------------------------------- following one person


def _follow_crop(frame: Frame, follow: Follow
                 ) -> tuple[np.ndarray | None, np.ndarray, tuple[np.ndarray, float] | None]:
    """The part of a working-size frame around the followed person, others painted out.

    Returns the crop (``None`` when the person is not known at this time), the crop's
    top-left corner and the person's expected hip centre and body radius, working pixels.
    """
    hip_full, r_full = follow.runner.at(frame.t_s)
    if not np.isfinite(r_full):
        return None, np.zeros(2), None
    img, s = frame.image_rgb, frame.scale
    h, w = img.shape[:2]
    hip, r = hip_full * s, r_full * s
    half = CROP_RADII * r
    x0, y0 = int(max(0, hip[0] - half)), int(max(0, hip[1] - half))
    x1, y1 = int(min(w, hip[0] + half + 1)), int(min(h, hip[1] + half + 1))
    if x1 - x0 < 16 or y1 - y0 < 16:
        return None, np.zeros(2), None
    crop = img[y0:y1, x0:x1].copy()
    fill = img.reshape(-1, 3).mean(axis=0).astype(np.uint8)
    for other in follow.others:
        o_hip, o_r = other.at(frame.t_s)
        if not np.isfinite(o_r):
            continue
        o = o_hip * s - (x0, y0)
        half_w = 0.5 * o_r * s
        crop[max(0, int(o[1] - o_r * s)):max(0, int(o[1] + o_r * s)),
             max(0, int(o[0] - half_w)):max(0, int(o[0] + half_w))] = fill
    # where they overlap, the followed person wins: their own body box comes back
    c = hip - (x0, y0)
    by0, by1 = max(0, int(c[1] - r)), max(0, int(c[1] + r))
    bx0, bx1 = max(0, int(c[0] - 0.5 * r)), max(0, int(c[0] + 0.5 * r))
    crop[by0:by1, bx0:bx1] = img[y0 + by0:y0 + by1, x0 + bx0:x0 + bx1][:by1 - by0, :bx1 - bx0]
    return crop, np.array([x0, y0], float), (hip, r)


def _off_runner(xy_work: np.ndarray, hip: np.ndarray, r: float) -> bool:
    """The landmarks' hips are far from where the followed person is."""
    mid = 0.5 * (xy_work[LM.LEFT_HIP] + xy_work[LM.RIGHT_HIP])
    return bool(np.linalg.norm(mid - hip) > DRIFT_RADII * r)


@dataclass(frozen=True)
class PeopleInFrame:
    """The people the detector finds on one frame, for a person to point at the runner."""

    t_s: float
    """Real time of the frame, s."""
    image_rgb: np.ndarray
    """The frame at working size (long side ``WORKING_MAX_SIDE_PX``), upright."""
    scale: float
    """Size of ``image_rgb`` relative to the full-resolution upright frame."""
    boxes_px: tuple[tuple[float, float, float, float], ...]
    """``(x, y, w, h)`` around each person, full-resolution upright pixels, left to right."""


def find_people(path: str | os.PathLike, t_s: float = 0.0, *,
                slowmo_factor: float | None = None) -> PeopleInFrame:
    """The people on the frame nearest ``t_s`` (real seconds), boxed, left to right.

    A box can be handed to :func:`extract_pose` as ``runner_box_px`` with ``runner_box_t_s``
    set to the returned ``t_s``.
    """
    frames = iter_frames(path, start_s=max(0.0, t_s), slowmo_factor=slowmo_factor,
                         max_side_px=WORKING_MAX_SIDE_PX)
    frame = next(frames, None)
    frames.close()
    if frame is None:
        raise PostureError(f"The clip has no frame at {t_s:.1f} s; choose an earlier time.")
    boxes = []
    for x, y, r in sorted(_detect(frame), key=lambda hit: hit[0]):
        boxes.append((x - 0.5 * r, y - r, r, 2 * r))
    return PeopleInFrame(frame.t_s, frame.image_rgb, frame.scale, tuple(boxes))


def _detect(frame: Frame) -> list[tuple[float, float, float]]:
    """Person detector hits on one frame: hip centre x, y and body radius, full-res px."""
    h, w = frame.image_rgb.shape[:2]
    found = []
    for det in _person_detector().process({"image": frame.image_rgb}).detections or []:
        if det.score[0] <= OTHER_PERSON_MIN_SCORE:
            continue
        kp = det.location_data.relative_keypoints
        hip = np.array([kp[0].x * w, kp[0].y * h]) / frame.scale
        top = np.array([kp[1].x * w, kp[1].y * h]) / frame.scale
        found.append((float(hip[0]), float(hip[1]), float(np.linalg.norm(top - hip))))
    return found


def _scan_people(path: str, settings: ExtractionSettings, start_s: float | None,
                 end_s: float | None) -> list[Person]:
    """People found by the person detector on frames every ``SCAN_STEP_S``."""
    times: list[float] = []
    hits: list[np.ndarray] = []
    next_t = -np.inf
    for frame in iter_frames(path, start_s=start_s, end_s=end_s,
                             slowmo_factor=settings.slowmo_factor,
                             max_side_px=settings.working_max_side_px, fast_scaling=True,
                             turn_ccw_deg=settings.turn_ccw_deg):
        if frame.t_s < next_t:
            continue
        next_t = frame.t_s + SCAN_STEP_S - 1e-6
        times.append(frame.t_s)
        hits.append(np.array(_detect(frame), float).reshape(-1, 3))
    return link_people(np.asarray(times), hits)


def _follows(seg: _Segment, person: Person) -> float:
    """Share of the person's sightings where the segment's landmarks sit on them."""
    seen = np.flatnonzero(person.seen)
    if seen.size == 0 or seg.t_s.size == 0:
        return 0.0
    k = np.clip(np.searchsorted(seg.t_s, person.t_s[seen]), 0, seg.t_s.size - 1)
    xy = seg.image_xy_px[k]
    mid = 0.5 * (xy[:, LM.LEFT_HIP] + xy[:, LM.RIGHT_HIP])
    d = np.linalg.norm(mid - person.hip_xy_px[seen], axis=1)
    on = np.isfinite(d) & (d < DRIFT_RADII * person.radius_px[seen])
    return float(on.mean())


def _score_person(path: str, info: VideoInfo, settings: ExtractionSettings,
                  people: list[Person], i: int, seg: _Segment | None) -> float:
    """Running score of person ``i``: from the first pass when it followed them, else from
    a short run of the model on a crop around them."""
    p = people[i]
    t_seen = p.t_s[p.seen]
    if seg is not None and _follows(seg, p) > 0.8:
        keep = (seg.t_s >= t_seen[0]) & (seg.t_s <= t_seen[-1])
        return running_score(seg.t_s[keep], seg.image_xy_px[keep])
    mid = 0.5 * (t_seen[0] + t_seen[-1])
    a = max(t_seen[0], mid - 0.5 * SCORE_WINDOW_S)
    b = min(t_seen[-1], a + SCORE_WINDOW_S)
    follow = Follow(p, tuple(q for j, q in enumerate(people) if j != i))
    burst = _run_segment(path, info, settings, a, b, follow=follow)
    return running_score(burst.t_s, burst.image_xy_px)


def _select_runner(path: str, info: VideoInfo, settings: ExtractionSettings,
                   seg: _Segment | None, lo: float, hi: float
                   ) -> tuple[Follow | None, dict]:
    """Find the people, score them, pick the runner.

    Returns the crop to follow (``None``: keep the first pass, it already follows the
    runner, or nobody was found) and a description of the choice for the warnings.
    """
    people = _scan_people(path, settings, settings.start_s, settings.end_s)
    people = people[:MAX_CANDIDATES]
    box = settings.runner_box_px
    box_t = lo if settings.runner_box_t_s is None else settings.runner_box_t_s
    if box is None and len(people) < 2:
        return None, {"n_people": len(people)}
    scores = ([float("nan")] * len(people) if box is not None  # the user's word is enough
              else [_score_person(path, info, settings, people, i, seg)
                    for i in range(len(people))])
    choice = choose_runner(people, scores, info.width_px, box_px=box, box_t_s=box_t)
    if choice is None:
        raise NoRunnerError(
            f"No person was found inside the runner box at {box_t:.1f} s of "
            f"{Path(info.path).name}; draw the box around the runner's whole body at a "
            "moment when the runner is in view (or choose another time for it).")
    runner = people[choice.index]
    about = {"n_people": len(people), "reason": choice.reason, "n_running": choice.n_running,
             "where": _where(runner, info.width_px), "box_t_s": box_t,
             "scores": [round(x, 3) if np.isfinite(x) else None for x in scores],
             "chosen": choice.index}
    if seg is not None and _follows(seg, runner) > 0.9:
        return None, about
    return Follow(runner, tuple(q for q in people if q is not runner)), about


def _where(person: Person, width_px: int) -> str:
    x = float(np.nanmedian(person.hip_xy_px[:, 0])) / width_px
    return "on the left" if x < 1 / 3 else "on the right" if x > 2 / 3 else "in the middle"


def _estimate_frames(info: VideoInfo, start_s: float | None, end_s: float | None) -> int:
    lo = 0.0 if start_s is None else max(0.0, start_s)
    hi = info.duration_s if end_s is None else min(info.duration_s, end_s)
    return max(1, round((hi - lo) * info.fps_capture))


# --------------------------------------------------------------------------- two processes


class _Worker:
    """The second segment in a child Python process, talking pickles over a pipe.

    A plain subprocess (``python -c ...``) rather than :mod:`multiprocessing`: forking a
    process that has run MediaPipe is unsafe, and "spawn" re-runs the caller's main script,
    which breaks scripts without a ``__main__`` guard. A reader thread drains the pipe so
    the child never blocks on progress messages.
    """

    def __init__(self, job: tuple) -> None:
        pkg_root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "GLOG_minloglevel": "2", "TF_CPP_MIN_LOG_LEVEL": "2",
               "PYTHONPATH": os.pathsep.join(filter(None, [pkg_root,
                                                           os.environ.get("PYTHONPATH")]))}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from posture.pose.extract import _worker_main; _worker_main()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self.frames_done = 0
        self.result: tuple | None = None
        self._done = threading.Event()
        assert self.proc.stdin is not None
        pickle.dump(job, self.proc.stdin)
        self.proc.stdin.close()
        self._reader = threading.Thread(target=self._read, name="posture-worker-reader",
                                        daemon=True)
        self._reader.start()

    def _read(self) -> None:
        stream = self.proc.stdout
        try:
            while True:
                kind, payload = pickle.load(stream)
                if kind == "progress":
                    self.frames_done = payload
                else:
                    self.result = (kind, payload)
                    break
        except (EOFError, OSError, pickle.UnpicklingError):
            pass
        finally:
            if self.result is None:
                self.result = ("error", RuntimeError("pose worker stopped"))
            self._done.set()

    def wait(self, timeout: float) -> bool:
        return self._done.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()

    def close(self) -> None:
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def _worker_main() -> None:
    """Entry point of the child process: one segment, progress and result as pickles."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints must not corrupt the pickle stream
    try:
        path, info, settings, start_s, end_s, probed, follow = pickle.load(sys.stdin.buffer)
        import_probe(probed)
        last = [0.0]

        def on_frame(n: int) -> None:
            now = time.perf_counter()
            if now - last[0] > 0.2:
                last[0] = now
                pickle.dump(("progress", n), out)
                out.flush()

        result: tuple = ("done", _run_segment(path, info, settings, start_s, end_s, on_frame,
                                              follow))
    except Exception as exc:
        result = ("error", exc)
    pickle.dump(result, out)
    out.flush()
    out.close()


def _default_workers() -> int:
    env = os.environ.get("POSTURE_WORKERS")
    if env:
        return max(1, int(env))
    return min(2, os.cpu_count() or 1)


def _run_split(path: str, info: VideoInfo, settings: ExtractionSettings, start_s: float,
               end_s: float, total: int, progress: ProgressFn | None,
               follow: Follow | None = None) -> tuple[_Segment, dict]:
    """Two segments in two processes (this one and a child), stitched by time."""
    # The child also decodes the overlap and needs time to start: give it less of the clip.
    head_start_s = WORKER_START_FRAMES / info.fps_capture
    mid_s = float(np.clip(0.5 * (start_s + end_s + OVERLAP_S + head_start_s),
                          start_s + OVERLAP_S, end_s - OVERLAP_S))
    child_start_s = mid_s - OVERLAP_S
    worker = _Worker((path, info, settings, child_start_s, end_s,
                      export_probe(path, settings.slowmo_factor, settings.turn_ccw_deg),
                      follow))

    def on_frame(n: int) -> None:
        if progress is not None:
            progress(min(n + worker.frames_done, total), total)

    try:
        first = _run_segment(path, info, settings, start_s, mid_s, on_frame, follow)
        while not worker.wait(0.2):
            on_frame(len(first.t_s))
    except BaseException:
        worker.kill()  # stopped or failed here: the other half is no longer wanted
        raise
    finally:
        worker.close()
    kind, payload = worker.result
    if kind == "error":
        if isinstance(payload, PostureError):
            raise payload
        # The worker failed for a reason of its own: do its part here instead.
        payload = _run_segment(path, info, settings, child_start_s, end_s, None, follow)
    second: _Segment = payload
    return _stitch(first, second), {"mode": "2 processes", "split_s": mid_s,
                                    "overlap_s": OVERLAP_S}


def _stitch(first: _Segment, second: _Segment) -> _Segment:
    t_end = first.t_s[-1] if first.t_s.size else -np.inf
    keep = second.t_s > t_end + 1e-9
    arrays = {}
    for name in ("t_s", "frame_index", "image_xy_px", "visibility", "world_xyz_m",
                 "trunk_edges_px"):
        arrays[name] = np.concatenate([getattr(first, name), getattr(second, name)[keep]])
    return _Segment(
        **arrays,
        peak_rss_mb=second.peak_rss_mb,  # the worker's (the caller measures its own)
        n_other_people=first.n_other_people + second.n_other_people,
        n_people_checked=first.n_people_checked + second.n_people_checked,
        decode_s=first.decode_s + second.decode_s, pose_s=first.pose_s + second.pose_s,
        edges_s=first.edges_s + second.edges_s, people_s=first.people_s + second.people_s,
    )


# --------------------------------------------------------------------------- public API


def extract_pose(path: str | os.PathLike, *, start_s: float | None = None,
                 end_s: float | None = None,
                 progress: ProgressFn | None = None, slowmo_factor: float | None = None,
                 workers: int | None = None,
                 max_side_px: int = WORKING_MAX_SIDE_PX,
                 runner_box_px: tuple[float, float, float, float] | None = None,
                 runner_box_t_s: float | None = None,
                 stats: dict | None = None, turn_ccw_deg: int = 0) -> PoseTrack:
    """Find the runner's landmarks in every frame of a clip (or of a time window).

    Parameters
    ----------
    path : video file (checked by :func:`posture.io.video.probe`).
    start_s, end_s : optional window, real seconds from the clip's first frame.
    progress : ``progress(frames_done, frames_total_estimate)``.
    slowmo_factor : override of the slow-motion factor (``None``: from metadata).
    workers : processes to use (default: ``POSTURE_WORKERS`` or min(2, cores)); clips shorter
        than ``MIN_SPLIT_FRAMES`` frames always use one.
    max_side_px : working size of the frames given to the model (long side, pixels).
    runner_box_px : ``(x, y, w, h)`` around the runner in full-resolution upright pixels at
        ``runner_box_t_s`` (real seconds; ``None``: the start of the analysed span): follow
        the person whose hips are in it. Without it, when other people are seen, the one who
        runs is followed (module docstring).
    stats : if given, filled with timings (seconds) by stage and the mode used.
    turn_ccw_deg : extra counter-clockwise quarter turn of the picture (see
        :mod:`posture.camera.orientation`).

    Returns
    -------
    PoseTrack in full-resolution upright pixels; NaN in frames without a runner.

    Raises
    ------
    UnreadableVideoError, ClipTooShortError, FrameRateTooLowError : from intake, or a window
        shorter than 2 s.
    NoRunnerError : no person, a person in fewer than half of the frames, or nobody in the
        runner box.
    """
    wall0 = time.perf_counter()
    path = str(path)
    info = probe(path, slowmo_factor=slowmo_factor, turn_ccw_deg=turn_ccw_deg)
    settings = ExtractionSettings(working_max_side_px=int(max_side_px), start_s=start_s,
                                  end_s=end_s, slowmo_factor=slowmo_factor,
                                  turn_ccw_deg=int(turn_ccw_deg) % 360,
                                  runner_box_px=_box(runner_box_px),
                                  runner_box_t_s=runner_box_t_s)
    lo = 0.0 if start_s is None else max(0.0, float(start_s))
    hi = info.duration_s if end_s is None else min(info.duration_s, float(end_s))
    if hi - lo < MIN_DURATION_S:
        raise ClipTooShortError(
            f"The chosen window ({lo:.1f} s to {hi:.1f} s) is shorter than "
            f"{MIN_DURATION_S:.0f} s; choose a longer part of the clip."
        )
    total = _estimate_frames(info, start_s, end_s)
    n_workers = _default_workers() if workers is None else max(1, int(workers))

    def run(follow: Follow | None) -> tuple[_Segment, dict]:
        if n_workers >= 2 and total >= MIN_SPLIT_FRAMES and hi - lo > 4 * OVERLAP_S:
            return _run_split(path, info, settings, lo, hi, total, progress, follow)

        def on_frame(n: int) -> None:
            if progress is not None:
                progress(min(n, total), total)

        return (_run_segment(path, info, settings, start_s, end_s, on_frame, follow),
                {"mode": "1 process"})

    seg: _Segment | None = None
    if settings.runner_box_px is None:
        seg, mode = run(None)  # the whole picture: all a clip with one person needs
    select_s = 0.0
    if settings.runner_box_px is not None or _others_suspected(seg):
        t_sel = time.perf_counter()
        follow, about = _select_runner(path, info, settings, seg, lo, hi)
        select_s = time.perf_counter() - t_sel
        if follow is not None:
            seg, mode = run(follow)
        seg.selection = about
    if progress is not None:
        progress(len(seg.t_s), len(seg.t_s))

    track = _to_track(seg, info, settings)
    if stats is not None:
        stats.update(mode)
        stats.update(decode_s=seg.decode_s, pose_s=seg.pose_s, edges_s=seg.edges_s,
                     people_s=seg.people_s, select_s=select_s,
                     wall_s=time.perf_counter() - wall0, n_frames=track.n_frames,
                     selection=seg.selection)
        if mode["mode"] == "2 processes":
            stats["worker_peak_rss_mb"] = seg.peak_rss_mb
    return track


def _box(box: tuple[float, float, float, float] | None
         ) -> tuple[float, float, float, float] | None:
    if box is None:
        return None
    x, y, w, h = (float(v) for v in box)
    if not (w > 0 and h > 0):
        raise PostureError("The runner box needs a positive width and height (x,y,w,h in "
                           "pixels of the upright picture).")
    return (x, y, w, h)


def _others_suspected(seg: _Segment | None) -> bool:
    """The first pass saw someone besides the person it followed (or jumped between)."""
    if seg is None:
        return False
    return seg.n_other_people >= 2 or count_track_jumps(seg.t_s, seg.image_xy_px) > 0


def count_track_jumps(t_s: np.ndarray, xy: np.ndarray, *, max_dt_s: float = 0.2) -> int:
    """Times the tracked body jumps to another place between neighbouring frames.

    A jump is the landmark box centre moving more than ``JUMP_BOX_HEIGHTS`` box heights
    between detected frames less than ``max_dt_s`` apart: a runner cannot move that fast,
    so the model has switched to someone (or something) else.
    """
    ok = np.isfinite(xy).all(axis=(1, 2))
    idx = np.flatnonzero(ok)
    if idx.size < 2:
        return 0
    lo, hi = xy[idx].min(axis=1), xy[idx].max(axis=1)
    centre = 0.5 * (lo + hi)
    height = np.maximum(hi[:, 1] - lo[:, 1], 1.0)
    step = np.linalg.norm(np.diff(centre, axis=0), axis=1)
    close = np.diff(t_s[idx]) < max_dt_s
    ref = np.minimum(height[:-1], height[1:])
    return int(np.sum(close & (step > JUMP_BOX_HEIGHTS * ref)))


def _to_track(seg: _Segment, info: VideoInfo, settings: ExtractionSettings) -> PoseTrack:
    name = Path(info.path).name
    n = seg.t_s.size
    detected = np.isfinite(seg.image_xy_px).all(axis=(1, 2))
    if n == 0 or not detected.any():
        raise NoRunnerError(
            f"No person was found in {name}; film the runner's whole body, from the side, "
            "in good light."
        )
    frac = float(detected.mean())
    sel = seg.selection or {}
    if frac < MIN_DETECTED_FRACTION:
        several = (" Several people were in view and the runner could be followed only "
                   "while seen apart from them; point at the runner with a runner box at a "
                   "moment when the runner is clearly in view."
                   if sel.get("n_people", 0) >= 2 else "")
        raise NoRunnerError(
            f"The runner was found in only {100 * frac:.0f}% of the frames of {name}; keep "
            "the whole body in view for the whole clip, or choose a time window where it is."
            + several
        )
    # the intake's notes (a picture turned upright, ...) are plain sentences: warnings
    warnings: list[QualityFlag | str] = list(info.notes)
    n_jumps = count_track_jumps(seg.t_s, seg.image_xy_px)
    if "reason" in sel:
        warnings.append(_selection_flag(sel))
    elif seg.n_other_people >= 2 or n_jumps:
        warnings.append(QualityFlag(
            "pose_other_people", "warning",
            "Another person (or something the pose model took for one) seems to be in view, "
            "so the numbers may belong to the wrong person; check in the overlay that the "
            f"runner was followed, and if not, {POINT_AT_RUNNER}."))
    if frac < 0.9:
        warnings.append(QualityFlag(
            "pose_runner_missing", "warning",
            f"The runner was found in only {100 * frac:.0f}% of the frames; keep the whole "
            "body in view and well lit for the whole clip."))
    return PoseTrack(
        t_s=seg.t_s, frame_index=seg.frame_index, image_xy_px=seg.image_xy_px,
        visibility=seg.visibility, world_xyz_m=seg.world_xyz_m,
        trunk_edges_px=seg.trunk_edges_px, frame_size_px=(info.width_px, info.height_px),
        info=info, extraction={**settings.to_dict(), "detected_fraction": frac,
                               "runner_selection": seg.selection},
        warnings=tuple(warnings),
    )


POINT_AT_RUNNER = ("point at the runner: --runner-box x,y,w,h (pixels, with --runner-box-time) "
                   "on the command line, or 'Which person is the runner' in the app")


def _selection_flag(sel: dict) -> QualityFlag:
    """What was done about several people, in plain words with what to do if it is wrong."""
    n, where = sel["n_people"], sel["where"]
    if sel["reason"] == "box":
        people = f"{n} people were in view; " if n >= 2 else ""
        return QualityFlag("pose_runner_box", "info",
                           f"{people.capitalize()}{'t' if people else 'T'}he person in the runner "
                           f"box (at {sel['box_t_s']:.1f} s) was followed.")
    if sel["reason"] == "only_runner":
        return QualityFlag(
            "pose_runner_chosen", "info",
            f"{n} people were in view; the runner was taken to be the person {where}, the "
            f"only one running. If that is wrong, {POINT_AT_RUNNER}.")
    if sel["reason"] == "most_seen_runner":
        return QualityFlag(
            "pose_runner_chosen", "warning",
            f"{sel['n_running']} people were running in view; the one {where}, seen longest "
            f"and nearest the middle of the picture, was analysed. If that is not the runner, "
            f"{POINT_AT_RUNNER}.")
    return QualityFlag(
        "pose_nobody_runs", "warning",
        f"{n} people were in view and none of them seemed to run; the person {where} was "
        f"analysed, so the numbers may not describe running. Film the runner alone, or "
        f"{POINT_AT_RUNNER}.")


def extract_pose_cached(path: str | os.PathLike, *, start_s: float | None = None,
                        end_s: float | None = None,
                        use_cache: bool = True, progress: ProgressFn | None = None,
                        slowmo_factor: float | None = None,
                        runner_box_px: tuple[float, float, float, float] | None = None,
                        runner_box_t_s: float | None = None,
                        stats: dict | None = None, turn_ccw_deg: int = 0) -> PoseTrack:
    """:func:`extract_pose`, or its earlier result from the per-user cache.

    The key covers the video's bytes, the settings and ``EXTRACTION_VERSION``; damaged
    entries are rebuilt. Errors are never cached.
    """
    box = {"runner_box_px": _box(runner_box_px), "runner_box_t_s": runner_box_t_s}
    if not use_cache:
        return extract_pose(path, start_s=start_s, end_s=end_s,
                            progress=progress, slowmo_factor=slowmo_factor, stats=stats,
                            turn_ccw_deg=turn_ccw_deg, **box)
    settings = ExtractionSettings(start_s=start_s, end_s=end_s, slowmo_factor=slowmo_factor,
                                  turn_ccw_deg=int(turn_ccw_deg) % 360, **box)
    if not Path(path).is_file() or Path(path).stat().st_size == 0:
        probe(path)  # raises the right one-sentence error
    # The key first: a hit needs no pass over the video (errors are never cached, so bad
    # input always reaches the probe below).
    key = cache.cache_key(path, settings.to_dict(), code_version=EXTRACTION_VERSION)
    hit = cache.load(key, video_path=path)
    if hit is not None:
        if stats is not None:
            stats.update(mode="cache", cache_key=key)
        if progress is not None:
            progress(hit.n_frames, hit.n_frames)
        return hit
    track = extract_pose(path, start_s=start_s, end_s=end_s,
                         progress=progress, slowmo_factor=slowmo_factor, stats=stats,
                         turn_ccw_deg=turn_ccw_deg, **box)
    cache.store(key, track)
    # Hand back what the cache holds (float32 on disk), so a later hit is identical.
    return cache.load(key, video_path=path) or track
