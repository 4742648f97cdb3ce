"""One pass of the pose model over a time window of a clip (:func:`run_segment`).

Frames are decoded in a producer thread (:class:`Prefetch`); the model may follow one
person on a crop (:class:`Follow`); a few sampled frames are checked for other people; the
trunk outline is kept from the segmentation mask.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from posture.io.video import (
    Frame,
    iter_frames,
)
from posture.landmarks import LM, N_LANDMARKS
from posture.pose.model import (
    OTHER_PERSON_MIN_SCORE,
    ExtractionSettings,
    landmarks_px,
    new_pose,
    person_detector,
    set_timestamp,
)
from posture.pose.people import (
    Person,
)
from posture.pose.silhouette import trunk_edges_from_mask
from posture.track import TRUNK_PROFILE_S, VideoInfo

PEOPLE_CHECK_FRAMES = 4


"""Frames per segment sampled for the several-people check."""


CROP_RADII = 1.25


"""Half the side of the square crop around the followed person, in body radii."""


DRIFT_RADII = 0.6


"""Landmark hips further than this many body radii from the followed person = someone else."""


RESEED_AFTER_FRAMES = 3


"""After this many frames on someone else the model is restarted on the crop."""


@dataclass
class Segment:
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


class Prefetch:
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


def run_segment(path: str, info: VideoInfo, settings: ExtractionSettings,
                 start_s: float | None, end_s: float | None,
                 on_frame: Callable[[int], None] | None = None,
                 follow: Follow | None = None) -> Segment:
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
    est_frames = estimate_frames(info, start_s, end_s)
    people_every = max(1, est_frames // PEOPLE_CHECK_FRAMES) if follow is None else 0
    n_other = n_checked = n_off_runner = 0
    pose_s = edges_s = people_s = 0.0

    frames = iter_frames(path, start_s=start_s, end_s=end_s,
                         slowmo_factor=settings.slowmo_factor,
                         max_side_px=settings.working_max_side_px, fast_scaling=True,
                         turn_ccw_deg=settings.turn_ccw_deg)
    prefetch = Prefetch(frames)
    pose = new_pose(settings)
    try:
        for i, frame in enumerate(prefetch):
            t0 = time.perf_counter()
            image, offset, expected = frame.image_rgb, np.zeros(2), None
            if follow is not None:
                image, offset, expected = follow_crop(frame, follow)
            res = None
            if image is not None:
                set_timestamp(pose, frame.t_s)
                res = pose.process(image)
            pose_s += time.perf_counter() - t0
            ts.append(frame.t_s)
            idx.append(frame.index)
            pts = None
            found = None if image is None else landmarks_px(res, image.shape[1],
                                                            image.shape[0])
            if found is not None:
                pts = (found[0] + offset) / frame.scale
                if expected is not None and off_runner(pts * frame.scale, *expected):
                    pts = None  # the model slid onto someone else: not the runner's landmarks
                    n_off_runner += 1
                    if n_off_runner >= RESEED_AFTER_FRAMES:
                        pose.close()
                        pose, n_off_runner = new_pose(settings), 0
                else:
                    n_off_runner = 0
            if pts is None:
                xy.append(nan_xy)
                vis.append(nan_v)
                world.append(nan_w)
                edges.append(nan_e)
            else:
                xy.append(pts)
                vis.append(found[1])
                world.append(found[2])
                t1 = time.perf_counter()
                edges.append(edges_full_px(res.segmentation_mask, pts, frame.scale, offset))
                edges_s += time.perf_counter() - t1
            if people_every and i % people_every == people_every // 2:
                t2 = time.perf_counter()
                n_checked += 1
                n_other += int(other_people(frame.image_rgb, xy[-1] * frame.scale))
                people_s += time.perf_counter() - t2
            if on_frame is not None:
                on_frame(i + 1)
    finally:
        pose.close()
        prefetch.close()
    n = len(ts)
    return Segment(
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


def edges_full_px(mask: np.ndarray | None, xy_full: np.ndarray, scale: float,
                   offset_px: np.ndarray | None = None) -> np.ndarray:
    """Trunk outline distances in full-resolution pixels, from the working-size mask (of
    the crop whose top-left corner is at ``offset_px`` working pixels)."""
    if mask is None:
        return np.full((TRUNK_PROFILE_S.size, 2), np.nan)
    offset_px = np.zeros(2) if offset_px is None else offset_px
    hip = 0.5 * (xy_full[LM.LEFT_HIP] + xy_full[LM.RIGHT_HIP]) * scale - offset_px
    sh = 0.5 * (xy_full[LM.LEFT_SHOULDER] + xy_full[LM.RIGHT_SHOULDER]) * scale - offset_px
    return trunk_edges_from_mask(mask, hip, sh) / scale


JUMP_BOX_HEIGHTS = 0.75


"""Landmark box centre moving this many box heights between neighbouring frames = a jump."""


def other_people(image_rgb: np.ndarray, runner_xy_px: np.ndarray) -> bool:
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
    result = person_detector().process({"image": masked})
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


def follow_crop(frame: Frame, follow: Follow
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


def off_runner(xy_work: np.ndarray, hip: np.ndarray, r: float) -> bool:
    """The landmarks' hips are far from where the followed person is."""
    mid = 0.5 * (xy_work[LM.LEFT_HIP] + xy_work[LM.RIGHT_HIP])
    return bool(np.linalg.norm(mid - hip) > DRIFT_RADII * r)


def estimate_frames(info: VideoInfo, start_s: float | None, end_s: float | None) -> int:
    lo = 0.0 if start_s is None else max(0.0, start_s)
    hi = info.duration_s if end_s is None else min(info.duration_s, end_s)
    return max(1, round((hi - lo) * info.fps_capture))
