"""One core call from a video file to a finished analysis (the UI and CLI use only this).

``analyze_video(path, options, progress=...)`` = intake -> pose (cached) -> cleaning ->
view -> per-stride metrics. Each stage lives in its own module; this file only wires them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from posture.analysis.frontal import analyze_frontal
from posture.analysis.quality import sorted_flags
from posture.analysis.side import analyze_side
from posture.camera import scene_lines
from posture.camera.orientation import (
    TURNED_CODE,
    require_upright,
    turned_flag,
    upright_turn_deg,
)
from posture.camera.view import detect_view, estimate_view
from posture.errors import PostureError
from posture.options import DEFAULT_OPTIONS, AnalysisOptions
from posture.pose import extract as pose_extract
from posture.pose.model import StagedProgress
from posture.results import ClipAnalysis
from posture.signal.clean import clean_track
from posture.signal.legs import repair_leg_swaps
from posture.track import PoseTrack

#: ``progress(frames_done, frames_total)``; ``frames_total`` may be an estimate and grow when
#: another pass is needed, ``frames_done`` never goes back (:class:`StagedProgress`).
ProgressFn = Callable[[int, int], None]


def extract_track(path: str | Path, options: AnalysisOptions = DEFAULT_OPTIONS, *,
                  progress: ProgressFn | None = None) -> PoseTrack:
    """Decode the clip and run the pose model (or load the cached result).

    A body found upside down or lying sideways (wrong or missing rotation metadata) is
    read again with the picture turned upright, and the track carries a warning saying so;
    when no clean quarter turn makes it upright, :class:`posture.errors.OrientationError`.
    Whether the turned body is upright is checked once, with every other track, by
    :func:`analyze_tracks`.
    """

    staged = StagedProgress(progress)  # the turned reading counts on from the first

    def read(turn_ccw_deg: int) -> PoseTrack:
        # called through the module: tests replace the cached extraction there
        return pose_extract.extract_pose_cached(
            path, start_s=options.start_s, end_s=options.end_s, use_cache=options.use_cache,
            slowmo_factor=options.slowmo_factor, progress=staged, turn_ccw_deg=turn_ccw_deg,
            runner_box_px=options.runner_box_px, runner_box_t_s=options.runner_box_t_s)

    track = read(0)
    name = Path(path).name
    turn = upright_turn_deg(track, name)
    if turn == 0:
        return track
    staged.next_pass()
    turned = read(turn)
    # pose-stage warnings are quality flags (pose_*), so every output shows this one too
    return replace(turned, warnings=(*turned.warnings, turned_flag(turn, name)))


def analyze_track(track: PoseTrack, options: AnalysisOptions = DEFAULT_OPTIONS) -> ClipAnalysis:
    """Clean the landmarks, decide the view, and measure every stride.

    When the clip named in ``track.info.path`` is readable, a few of its frames are sampled
    for a camera-roll estimate from straight scene lines
    (:func:`posture.camera.scene_lines.stable_roll`); without it the landmarks alone are
    used.
    """
    return analyze_tracks([track], [options])[0]


def analyze_tracks(tracks: Sequence[PoseTrack],
                   options: Sequence[AnalysisOptions]) -> list[ClipAnalysis]:
    """Analyse clips of one session (e.g. fresh and fatigued) with one camera level.

    The scene-line roll is estimated once from the frames of all clips whose roll the user
    did not give (:func:`posture.camera.scene_lines.shared_rolls`), so a correction is applied
    to all of them or to none, unless each clip alone shows a stable and clearly different
    level (the camera was moved in between).
    """
    if len(tracks) != len(options):
        raise ValueError("one AnalysisOptions per track is needed")
    for track in tracks:
        require_upright(track, Path(track.info.path).name)
    cleans = [clean_track(t) for t in tracks]
    auto = [k for k, o in enumerate(options) if o.camera_roll_deg is None]
    scenes: list = [None] * len(tracks)
    rolls = scene_lines.shared_rolls([scene_lines.scene_votes_for_track(cleans[k])
                                      for k in auto])
    for k, roll in zip(auto, rolls, strict=True):
        scenes[k] = roll
    return [_analyze_clean(t, c, o, s)
            for t, c, o, s in zip(tracks, cleans, options, scenes, strict=True)]


def _analyze_clean(track: PoseTrack, clean: PoseTrack, options: AnalysisOptions,
                   scene) -> ClipAnalysis:  # scene: SceneRoll | None
    """One clip's analysis, carrying what the pose stage noticed (another person in view,
    ...) into its quality flags, and into a refusal's message."""
    try:
        analysis = _measure(track, clean, options, scene)
    except PostureError as exc:
        # a refusal caused by following the wrong person must say so
        notes = [w.message for w in track.warnings if w.severity != "info"]
        if not notes:
            raise
        raise type(exc)(" ".join([str(exc), *notes])) from exc
    analysis.quality = sorted_flags([*track.warnings, *analysis.quality])
    return analysis


def _measure(track: PoseTrack, clean: PoseTrack, options: AnalysisOptions,
             scene) -> ClipAnalysis:  # scene: SceneRoll | None
    forced = None if options.view == "auto" else options.view
    detection = detect_view(clean)
    if (forced or detection.view) == "side":
        # the legs' labels are repaired once, on the raw landmarks (before smoothing blurs
        # a swap); rear/front views need none (the legs are apart in the picture)
        fixed, repair = repair_leg_swaps(track)
        if repair.swapped.any():
            clean = clean_track(fixed)
            detection = detect_view(clean)  # near side and facing read the repaired legs
        else:
            clean = replace(clean, extraction=fixed.extraction | clean.extraction)
    view = estimate_view(clean, forced=forced, roll_override_deg=options.camera_roll_deg,
                         scene_roll=scene, detection=detection)
    if view.view == "side":
        analysis = analyze_side(clean, view=view, options=options, detection=detection)
    else:
        # the metrics low-pass their signals once, within each shot
        analysis = analyze_frontal(clean, view=view, options=options,
                                   unsmoothed=clean_track(track, smooth=False))
    return _with_picture_notes(analysis, track)


def _with_picture_notes(analysis: ClipAnalysis, track: PoseTrack) -> ClipAnalysis:
    """Record in the analysis notes how the picture was turned or its metadata read."""
    turned = [w.message for w in track.warnings if w.code == TURNED_CODE]
    if turned:
        analysis.notes["orientation"] = turned[0]
    if track.info.notes:
        analysis.notes["rotation_metadata"] = " ".join(track.info.notes)
    return analysis


def analyze_video(path: str | Path, options: AnalysisOptions = DEFAULT_OPTIONS, *,
                  progress: ProgressFn | None = None) -> ClipAnalysis:
    return analyze_track(extract_track(path, options, progress=progress), options)
