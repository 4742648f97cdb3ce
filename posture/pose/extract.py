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
person detector on the rest (see :func:`other_people`); a tracked body that jumps across the
picture between frames also counts (:func:`count_track_jumps`). Then (and whenever the user
drew a box around the runner) :func:`_select_runner` finds the people on frames sampled every
0.2 s, scores how much each one runs from a short landmark run on a crop around them
(:mod:`posture.pose.people`), and runs the model again on a crop that follows the runner, with
the other people painted out. Single-person clips never pay for this.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posture.errors import ClipTooShortError, NoRunnerError, PostureError
from posture.io import cache
from posture.io.video import (
    MIN_DURATION_S,
    Frame,
    iter_frames,
    probe,
    turn_box_px,
)
from posture.landmarks import LM
from posture.pose.model import (
    EXTRACTION_VERSION,
    OTHER_PERSON_MIN_SCORE,
    WORKING_MAX_SIDE_PX,
    ExtractionSettings,
    ProgressFn,
    StagedProgress,
    person_detector,
)
from posture.pose.people import (
    SCAN_STEP_S,
    Person,
    choose_runner,
    link_people,
    running_score,
)
from posture.pose.segment import (
    DRIFT_RADII,
    JUMP_BOX_HEIGHTS,
    Follow,
    Segment,
    estimate_frames,
    run_segment,
)
from posture.pose.worker import MIN_SPLIT_FRAMES, OVERLAP_S, default_workers, run_split
from posture.track import PoseTrack, QualityFlag, VideoInfo

MIN_DETECTED_FRACTION = 0.5


"""A runner must be found in at least this fraction of frames."""


SCORE_WINDOW_S = 2.5


"""Length of the landmark run on each person that scores how much they run, s."""


MAX_CANDIDATES = 4


"""At most this many people (the most seen) are scored."""


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
    for det in person_detector().process({"image": frame.image_rgb}).detections or []:
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


def _follows(seg: Segment, person: Person) -> float:
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
                  people: list[Person], i: int, seg: Segment | None) -> float:
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
    burst = run_segment(path, info, settings, a, b, follow=follow)
    return running_score(burst.t_s, burst.image_xy_px)


def _select_runner(path: str, info: VideoInfo, settings: ExtractionSettings,
                   seg: Segment | None, lo: float, hi: float
                   ) -> tuple[Follow | None, dict]:
    """Find the people, score them, pick the runner.

    Returns the crop to follow (``None``: keep the first pass, it already follows the
    runner, or nobody was found) and a description of the choice for the warnings.
    """
    people = _scan_people(path, settings, settings.start_s, settings.end_s)
    people = people[:MAX_CANDIDATES]
    box = _box_in_turned_picture(settings.runner_box_px, info)
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


def _box_in_turned_picture(box_px: tuple[float, float, float, float] | None,
                           info: VideoInfo) -> tuple[float, float, float, float] | None:
    """The runner box, given on the picture as filmed (rotation metadata applied: what
    ``posture people``, the app's picker and a video player show), in the pixels of the
    picture the model reads (turned by ``info.turn_ccw_deg`` when the body lay turned)."""
    if box_px is None or not info.turn_ccw_deg:
        return box_px
    w, h = info.width_px, info.height_px
    filmed = (h, w) if info.turn_ccw_deg % 180 else (w, h)
    return turn_box_px(box_px, info.turn_ccw_deg, filmed)


def _where(person: Person, width_px: int) -> str:
    x = float(np.nanmedian(person.hip_xy_px[:, 0])) / width_px
    return "on the left" if x < 1 / 3 else "on the right" if x > 2 / 3 else "in the middle"


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
    runner_box_px : ``(x, y, w, h)`` around the runner in full-resolution pixels of the
        picture as filmed (rotation metadata applied, before ``turn_ccw_deg``) at
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
    total = estimate_frames(info, start_s, end_s)
    progress = StagedProgress(progress)  # a second pass counts on, never restarts the bar
    n_workers = default_workers() if workers is None else max(1, int(workers))

    def run(follow: Follow | None) -> tuple[Segment, dict]:
        if n_workers >= 2 and total >= MIN_SPLIT_FRAMES and hi - lo > 4 * OVERLAP_S:
            return run_split(path, info, settings, lo, hi, total, progress, follow)

        def on_frame(n: int) -> None:
            progress(min(n, total), total)

        return (run_segment(path, info, settings, start_s, end_s, on_frame, follow),
                {"mode": "1 process"})

    seg: Segment | None = None
    if settings.runner_box_px is None:
        seg, mode = run(None)  # the whole picture: all a clip with one person needs
    select_s = 0.0
    if settings.runner_box_px is not None or _others_suspected(seg):
        t_sel = time.perf_counter()
        follow, about = _select_runner(path, info, settings, seg, lo, hi)
        select_s = time.perf_counter() - t_sel
        if follow is not None:
            progress.next_pass()
            seg, mode = run(follow)
        seg.selection = about
    progress.finish(len(seg.t_s))

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


def _others_suspected(seg: Segment | None) -> bool:
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


def _to_track(seg: Segment, info: VideoInfo, settings: ExtractionSettings) -> PoseTrack:
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
