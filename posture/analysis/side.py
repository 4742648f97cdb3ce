"""Side-view analysis of one clip: level the camera, find strides, measure each stride."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np

from posture.analysis.activity import GaitShape, check_running, gait_shape, shape_at_any_speed
from posture.analysis.quality import (
    MIN_STRIDES_TO_REPORT,
    drop_implausible,
    side_quality_flags,
    sparse_frames_message,
)
from posture.camera.cuts import (
    blank_around_cuts,
    cuts_flag,
    find_breaks,
    jumps_flag,
    keep_stretch,
    longest_stretch,
    reject_strides_across_cuts,
)
from posture.camera.roll import choose_roll, estimate_roll_floor, level_track
from posture.camera.view import ViewDetection, detect_view, estimate_view
from posture.errors import PostureError, TooFewStridesError, WrongViewError
from posture.gait.events import STRIDE_MAX_S, GaitEvents, first_rhythm_s, stride_period_s
from posture.gait.side import _leg_signals, detect_events
from posture.geometry import quiet_empty_slices
from posture.landmarks import JOINTS, LM
from posture.metrics.registry import summarize_strides
from posture.metrics.side import (
    SIDE_METRICS,
    frame_leg_length_px,
    knee_flexion_deg,
    pick_near_leg,
    side_stride_metrics,
)
from posture.options import AnalysisOptions
from posture.results import ClipAnalysis, QualityFlag, ViewEstimate
from posture.signal.legs import repaired
from posture.track import PoseTrack
from posture.wording import film_advice, strides_found


def _wrong_view_message(view: str) -> str:
    where = "from behind" if view == "rear" else "from the front"
    return (f"Forward lean and overstride need a side view; this clip looks filmed {where}, "
            "so film from the side (phone at hip height, beside the runner) or choose the "
            "rear/front analysis.")


def side_gait_shape(track: PoseTrack, events: GaitEvents) -> GaitShape:
    """Walking or running cues (see :mod:`posture.analysis.activity`) from side-view events."""
    contacts, duty = events.contact_cues()
    xy = track.image_xy_px
    knees = np.concatenate([knee_flexion_deg(xy[:, JOINTS[leg]["hip"]],
                                             xy[:, JOINTS[leg]["knee"]],
                                             xy[:, JOINTS[leg]["ankle"]])
                            for leg in ("left", "right")])
    hip_y = 0.5 * (xy[:, LM.LEFT_HIP, 1] + xy[:, LM.RIGHT_HIP, 1])
    spread = np.hypot(*(xy[:, LM.LEFT_ANKLE] - xy[:, LM.RIGHT_ANKLE]).T)
    return gait_shape(track.t_s, hip_y, contacts, duty_factors=duty,
                      knee_flexion_deg=knees, leg_spread_px=spread)


#: Running cadence (steps/min) a suggested slow-motion factor aims at, and the range the
#: suggested factor must bring the clip into (recreational to elite running).
RUNNING_CADENCE_SPM = 170.0
SUGGEST_CADENCE_SPM = (140.0, 210.0)
#: Slow-motion factors phones record (capture rate / playback rate: 60, 120, 240, 480 fps
#: played at 30).
PHONE_SLOWMO_FACTORS = (2, 4, 8, 16)
#: The stride time of the slow strides and the clip's dominant stride period must agree
#: this well (ratio) before an exact factor is suggested.
STRIDE_AGREEMENT = 1.25


def playback_stride_s(track: PoseTrack, facing: int) -> float:
    """Dominant stride period of the feet's motion, seconds at the track's timing, searched
    from 0.3 to 10 s (the event detector searches only running strides)."""
    s_l, _ = _leg_signals(track, "left", facing)
    s_r, _ = _leg_signals(track, "right", facing)
    return stride_period_s(track.t_s, s_l - s_r, lo_s=0.3, hi_s=10.0)


def suggested_slowmo(stride_s: float, current_factor: float = 1.0) -> int | None:
    """The slow-motion factor (a phone's: 2, 4, 8, 16 times the factor in force) that brings
    a clip whose strides take ``stride_s`` seconds to a running cadence, or None when none
    lands in ``SUGGEST_CADENCE_SPM``."""
    if not (np.isfinite(stride_s) and stride_s > 0):
        return None
    cadence = 120.0 / stride_s
    best = min(PHONE_SLOWMO_FACTORS,
               key=lambda f: abs(np.log(f * cadence / RUNNING_CADENCE_SPM)))
    lo, hi = SUGGEST_CADENCE_SPM
    return round(best * current_factor) if lo <= best * cadence <= hi else None


#: The hips rise and fall once per step; a vertical rhythm at least this regular
#: (autocorrelation at its first peak, 0..1) is taken for the runner's steps. Measured:
#: bundled samples 0.92-0.95, 60 fps gym treadmill 0.61, the slowed lab treadmill 0.74 and
#: street clip 0.53; tracking shots, where the camera moves the hips too, 0.17 at most.
STEP_RHYTHM_MIN = 0.5
#: Step periods searched in the hips' rhythm, s (at the track's timing).
STEP_SEARCH_S = (0.15, 5.0)


def hip_step_rhythm(track: PoseTrack) -> tuple[float, float]:
    """Period (s, at the track's timing) of the hips' up-and-down motion, one cycle per
    step, and how regular it is (0..1), from :func:`posture.gait.events.first_rhythm_s`."""
    xy = track.image_xy_px
    hip_y = 0.5 * (xy[:, LM.LEFT_HIP, 1] + xy[:, LM.RIGHT_HIP, 1])
    return first_rhythm_s(track.t_s, hip_y, lo_s=STEP_SEARCH_S[0], hi_s=STEP_SEARCH_S[1])


def check_step_rhythm(track: PoseTrack, shape: GaitShape) -> None:
    """Refuse a clip whose runner steps slower than any run, whatever events were found.

    On slowed playback the event detector, which searches strides of running durations,
    can take the jitter of the legs crossing for contacts (the lab treadmill clip, slowed
    about 10x: 4-5 "strides" of 0.6-1.1 s kept while each true step lasts 3.4 s). The hips'
    vertical rhythm does not depend on those events: when it is regular
    (``STEP_RHYTHM_MIN``) and a stride (two steps) lasts longer than a running stride
    (``STRIDE_MAX_S``), the clip is refused as too slow, with the slow-motion hint.

    Raises
    ------
    TooFewStridesError : the steps are too slow for running at the track's timing.
    """
    step_s, regularity = hip_step_rhythm(track)
    if regularity >= STEP_RHYTHM_MIN and 2.0 * step_s > STRIDE_MAX_S:
        factor = float(track.info.slowmo_factor)
        raise TooFewStridesError(_too_slow_message(
            f"The runner's steps in {Path(track.info.path).name} take about {step_s:.1f} s "
            f"({60.0 / step_s:.0f} steps/min), timed by the hips' rise and fall",
            2.0 * step_s, shape, factor, hint_factor=True))


def _too_slow_message(seen: str, stride_s: float, shape: GaitShape | None,
                      current_factor: float, *, hint_factor: bool) -> str:
    """``seen`` (what was measured, no full stop) and what to do about strides of
    ``stride_s`` seconds, too slow for running; the slow-motion hint only for a gait that
    looks like running, with the factor to use when ``hint_factor`` and a phone's factor
    brings the stride to a running cadence."""
    if shape is None or not shape.running_shaped:
        return f"{seen}, too slow for running; {film_advice()}."
    seen = f"{seen}, too slow for running although the movement looks like running"
    factor = suggested_slowmo(stride_s, current_factor) if hint_factor else None
    if factor is not None:
        return (f"{seen}. If this is a slow-motion clip, set its slow-motion factor "
                f"to {factor} (the cadence is then about "
                f"{120.0 / stride_s * factor / current_factor:.0f} steps/min).")
    return (f"{seen}, so if this is a slow-motion clip set its slow-motion factor "
            "(for example 4 for 120 fps played at 30 fps).")


def _too_few_message(n: int, events, t_s: np.ndarray, shape: GaitShape | None = None,
                     stride_s: float = float("nan"), current_factor: float = 1.0) -> str:
    """One sentence on why there are too few strides and what to do.

    The slow-motion hint is given only when the gait is running-shaped: a walk filmed at
    normal speed also has slow strides, and setting a slow-motion factor would only turn
    it into a fast "run". It names the factor to use when the slow strides' time and the
    clip's dominant stride period ``stride_s`` agree (``STRIDE_AGREEMENT``) and a phone's
    factor brings that to a running cadence.
    """
    if (sparse := sparse_frames_message(n, events, t_s)) is not None:
        return sparse
    s = events.strides
    slow = s[~s["valid"] & (s["duration_s"] > STRIDE_MAX_S)]
    if len(s) and len(slow) >= len(s) / 2:
        med = float(slow["duration_s"].median())
        agree = np.isfinite(stride_s) and max(med, stride_s) / min(med, stride_s) \
            <= STRIDE_AGREEMENT
        return _too_slow_message(
            f"{strides_found(n)}: the strides take about {med:.1f} s "
            f"({120.0 / med:.0f} steps/min)", med, shape, current_factor, hint_factor=agree)
    return f"{strides_found(n)}; {film_advice()} with the whole body in view."


def summarize(strides, *, cadence_spm: float, camera_roll_deg: float) -> dict[str, float]:
    """Clip summary: each metric's registry statistic (``<metric>``, the mean for side
    metrics) and median (``<metric>_median``), see
    :func:`posture.metrics.registry.summarize_strides`.

    ``cadence_spm`` is the clip cadence from the steps (not the mean of strides);
    ``n_strides`` and ``camera_roll_deg`` (correction applied, degrees) are added.
    """
    out = summarize_strides(strides, SIDE_METRICS)
    out["cadence_spm"] = float(cadence_spm)
    out["n_strides"] = float(len(strides))
    out["camera_roll_deg"] = float(camera_roll_deg)
    return out


def _side_view(track: PoseTrack, view: ViewEstimate | None, options: AnalysisOptions,
               detection: ViewDetection | None, notes: dict[str, str]) -> ViewEstimate:
    """The view decision (estimated when not given; a forced view noted with what was
    detected); a rear or front view is refused."""
    forced = None if options.view == "auto" else options.view
    if forced or view is None:
        detection = detection or detect_view(track)
    if view is None:
        view = estimate_view(track, forced=forced, roll_override_deg=options.camera_roll_deg,
                             detection=detection)
    if forced:
        notes["view"] = (f"view set by the user to {forced}; detected {detection.view} "
                         f"(width ratio {detection.width_ratio:.2f})")
    if view.view != "side":
        raise WrongViewError(_wrong_view_message(view.view))
    return view


def _levelled_events(track: PoseTrack, view: ViewEstimate, options: AnalysisOptions,
                     facing: int, notes: dict[str, str]
                     ) -> tuple[PoseTrack, float, GaitEvents, list[QualityFlag | None]]:
    """The track levelled by the view's roll (unless switched off), its gait events, the
    roll applied (degrees) and the roll flag (no roll: why, with the floor line's reading
    as a diagnostic)."""
    extra: list[QualityFlag | None] = []
    unlevelled = None
    if view.roll_source == "none":
        unlevelled = detect_events(track, facing=facing)
        extra.append(choose_roll(None, estimate_roll_floor(track, unlevelled)).flag)
    if not (options.level_camera and view.roll_source != "none"):
        if not options.level_camera:
            notes["camera_level"] = (f"camera-level correction off (estimated roll "
                                     f"{view.camera_roll_deg:+.1f} deg not applied)")
        # nothing levelled: the events found on the same landmarks stand
        events = unlevelled if unlevelled is not None else detect_events(track, facing=facing)
        return track, 0.0, events, extra
    roll_deg = float(view.camera_roll_deg)
    notes["camera_level"] = (f"corrected a camera roll of {roll_deg:+.1f} deg "
                             f"({view.roll_source})")
    levelled = level_track(track, roll_deg)
    return levelled, roll_deg, detect_events(levelled, facing=facing), extra


@quiet_empty_slices
def analyze_side(track: PoseTrack, *, view: ViewEstimate | None = None,
                 options: AnalysisOptions | None = None,
                 detection: ViewDetection | None = None) -> ClipAnalysis:
    """Measure every stride of a side-view clip.

    Parameters
    ----------
    track : PoseTrack
        Cleaned landmarks (see :func:`posture.signal.clean.clean_track`), not levelled.
    view : ViewEstimate, optional
        From :func:`posture.camera.view.estimate_view`; estimated here when omitted.
    options : AnalysisOptions, optional
        Runner height, view/roll overrides, ``level_camera``.
    detection : ViewDetection, optional
        :func:`posture.camera.view.detect_view` of ``track`` when the caller made it already.

    Returns
    -------
    ClipAnalysis
        Per-stride table (units in column names, ``_conf`` columns 0..1), clip summary,
        quality flags, notes.

    Raises
    ------
    WrongViewError
        The clip is a rear or front view.
    TooFewStridesError
        Fewer than two valid strides.
    """
    options = options or AnalysisOptions()
    notes: dict[str, str] = {}
    view = _side_view(track, view, options, detection, notes)
    facing = 1 if view.facing == "right" else -1
    # the pipeline repairs the labels on the raw landmarks; a direct caller's track here
    track, swapped_pct = repaired(track)
    if swapped_pct > 0:
        notes["leg_labels"] = (f"left/right leg labels exchanged in {swapped_pct:.0f}% "
                               "of frames (the pose model swaps the legs seen from the side)")

    # an edited clip: the frames around each cut are blanked, so every shot gets its own
    # events and no stride joins two shots; where the tracked body jumped to someone else
    # within a shot, only the longest stretch on one body is kept
    cuts, jumps = find_breaks(track)
    track = blank_around_cuts(track, cuts)
    jumped = None
    if jumps:
        kept = longest_stretch(track.n_frames, track.t_s, jumps)
        track = keep_stretch(blank_around_cuts(track, jumps), *kept)
        jumped = jumps_flag(jumps, track.t_s, kept)
    with _told(jumped):
        return _analyze_side_shots(track, view, options, facing, notes, cuts, jumped)


@contextmanager
def _told(flag: QualityFlag | None) -> Iterator[None]:
    """A refusal raised inside also carries ``flag``'s message (what happened to the body
    followed explains why too little was left)."""
    try:
        yield
    except PostureError as exc:
        if flag is None:
            raise
        raise type(exc)(f"{exc} {flag.message}") from exc


def _analyze_side_shots(track: PoseTrack, view: ViewEstimate, options: AnalysisOptions,
                        facing: int, notes: dict[str, str], cuts: list[int],
                        jumped: QualityFlag | None) -> ClipAnalysis:
    """:func:`analyze_side` once the cuts and body jumps are blanked out of ``track``."""
    levelled, roll_applied, events, extra = _levelled_events(track, view, options, facing,
                                                             notes)
    extra.append(jumped)
    if cuts:
        events.strides = reject_strides_across_cuts(events.strides, track.t_s, cuts)
        extra.append(cuts_flag(cuts, track.t_s))
    shape = shape_at_any_speed(
        levelled, side_gait_shape(levelled, events),
        lambda tr: side_gait_shape(tr, detect_events(tr, facing=facing)))
    check_running(shape, Path(track.info.path).name)
    strides = side_stride_metrics(levelled, events, view,
                                  runner_height_m=options.runner_height_m)
    if len(strides) < MIN_STRIDES_TO_REPORT:
        raise TooFewStridesError(_too_few_message(
            len(strides), events, levelled.t_s, shape, playback_stride_s(levelled, facing),
            float(track.info.slowmo_factor)))
    # enough strides of running length: are they the runner's steps?
    check_step_rhythm(levelled, shape)
    strides, implausible = drop_implausible(strides, Path(track.info.path).name)
    extra.append(implausible)
    near = pick_near_leg(levelled, view)
    # frame borders belong to the picture as filmed, so judge cut-off runners on ``track``
    flags = side_quality_flags(track, events, n_strides=len(strides),
                               leg_px=frame_leg_length_px(levelled, near), extra=extra)
    notes["events"] = (f"initial contact and toe-off from foot position relative to the "
                       f"pelvis (Zeni et al. 2008); {len(strides)} of {len(events.strides)} "
                       "strides kept")
    notes["near_side"] = near
    return ClipAnalysis(
        view=replace(view, camera_roll_deg=float(view.camera_roll_deg)),
        strides=strides,
        summary=summarize(strides, cadence_spm=events.cadence_spm,
                          camera_roll_deg=roll_applied),
        quality=flags,
        info=track.info,
        runner_height_m=options.runner_height_m,
        notes=notes,
    )
