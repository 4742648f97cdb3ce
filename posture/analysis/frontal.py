"""Analysis of a clip filmed from behind or in front of the runner (frontal plane).

``analyze_frontal(track, view=..., options=...)``: refuse side views, choose and undo the
camera roll, find contacts from the feet's vertical image motion, split into strides and
measure each one (``posture.metrics.frontal``), then summarise with left/right asymmetry
and quality flags.

Camera roll matters most here: a phone turned by ``r`` degrees adds ``r`` to the image tilt
of the hip line, so it adds to the measured pelvic drop of one leg and subtracts from the
other. Over whole strides a symmetric runner's hip line averages level, so the median of
the per-stride mean hip-line tilt estimates the roll ("pelvis" source). A user value wins;
otherwise a scene-based roll from the view module (floor or scene lines) is preferred,
because the pelvis estimate cannot tell a crooked camera from a lopsided runner.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from posture.analysis.activity import GaitShape, check_running, gait_shape, shape_at_any_speed
from posture.analysis.quality import (
    MIN_STRIDES_TO_REPORT,
    drop_implausible,
    few_strides_flag,
    sparse_frames_message,
)
from posture.camera.roll import RollChoice, choose_roll, level_track, pelvis_roll_deg
from posture.camera.view import estimate_view
from posture.errors import TooFewStridesError, WrongViewError
from posture.gait.events import GaitEvents
from posture.gait.frontal import cadence_spm, detect_frontal_events, hip_mid_y
from posture.landmarks import LM
from posture.metrics import frontal as fm
from posture.metrics.registry import summarize_strides
from posture.options import AnalysisOptions
from posture.results import STRIDE_ID_COLUMNS, ClipAnalysis, QualityFlag, ViewEstimate
from posture.signal.clean import cutoff_for, lowpass
from posture.track import PoseTrack
from posture.wording import film_advice, strides_found

#: Per-stride hip width (px) changing by more than this factor across the clip is flagged.
SCALE_CHANGE = 1.25
#: Hip width growing (shrinking) by more than this factor within one shot: the runner
#: approaches (leaves) the camera.
SCALE_CHANGE_SHOT = 1.15
#: The runner's size in a shot is compared between its first and last this many seconds.
SHOT_END_S = 0.5
#: Hip width (px) below which one pixel of landmark noise is a large share of it.
SMALL_HIP_PX = 40.0
#: Low-pass cut-off (Hz) for the landmark series the metrics read: pelvic drop and lean
#: peak within a stance of ~0.2-0.3 s (content below ~6 Hz); landmark jitter is broadband and
#: would otherwise push every peak and range upward.
SMOOTH_HZ = 6.0
#: Landmarks the frontal metrics read.
_MEASURED = (LM.LEFT_HIP, LM.RIGHT_HIP, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER, LM.LEFT_WRIST,
             LM.RIGHT_WRIST, LM.LEFT_ANKLE, LM.RIGHT_ANKLE)
#: Confidence factor for what the pose model itself can resolve. On rendered rear/front
#: clips (posture.synth.render, MediaPipe full model) the model's hip points followed the
#: drawn pelvis only weakly: true drops of 2, 8 and 12 deg read 1.9, 2.2 and 3.5 deg (rear)
#: and 8 deg read 4.9 deg (front), while lean was within 0.4 deg and sway 2.9-5.3 % hip high. The
#: reading still rises with the true drop, so changes keep their direction: the factor is
#: kept mild enough that pelvic drop stays in comparisons (compare.MIN_CONF = 0.3).
POSE_MODEL_TRUST = {"pelvic_drop_deg": 0.7}
#: Confidence factor of roll-sensitive metrics (pelvic drop, lateral lean) by roll source.
ROLL_TRUST = {"user": 1.0, "floor": 0.9, "scene_lines": 0.9, "pelvis": 0.8, "none": 0.5}

METRIC_COLUMNS: tuple[str, ...] = (
    "lateral_sway_pct_hip", "lateral_sway_cm", "lateral_lean_peak_deg", "lateral_lean_mean_deg",
    "pelvic_drop_deg", "arm_crossing_pct_hip", "step_width_pct_hip", "cadence_spm",
)
ROLL_SENSITIVE = ("pelvic_drop_deg", "lateral_lean_peak_deg", "lateral_lean_mean_deg")
#: Summary left/right splits: metric -> (left key, right key, difference key, SI key,
#: magnitude below which the symmetry index is not computed).
ASYMMETRY: dict[str, tuple[str, str, str, str, float]] = {
    "pelvic_drop_deg": ("pelvic_drop_left_deg", "pelvic_drop_right_deg",
                        "pelvic_drop_asym_deg", "pelvic_drop_si_pct", 1.0),
    "lateral_lean_peak_deg": ("lateral_lean_peak_left_deg", "lateral_lean_peak_right_deg",
                              "lateral_lean_peak_asym_deg", "lateral_lean_peak_si_pct", 1.0),
    "step_width_pct_hip": ("step_width_left_pct_hip", "step_width_right_pct_hip",
                           "step_width_asym_pct_hip", "step_width_si_pct", 5.0),
}


# ---------------------------------------------------------------------- view and roll
def _side_refusal() -> WrongViewError:
    return WrongViewError(
        "Side-to-side sway needs a clip filmed from behind or in front of the runner; this "
        "clip looks like a side view, so analyse it for forward lean and overstride instead.")


def _view_of(track: PoseTrack, options: AnalysisOptions) -> ViewEstimate:
    """The view module's decision (honouring a forced view and a user roll)."""
    forced = None if options.view == "auto" else options.view
    return estimate_view(track, forced=forced, roll_override_deg=options.camera_roll_deg)


def smooth_xy(xy: np.ndarray, t_s: np.ndarray, segments: tuple[tuple[int, int], ...], *,
              cutoff_hz: float = SMOOTH_HZ) -> np.ndarray:
    """The measured landmarks low-passed within each segment (:func:`posture.signal.clean.lowpass`:
    zero-phase, real timestamps), px; runs too short for the filter are left as they are."""
    out = xy.copy()
    cols = list(_MEASURED)
    for s, e in segments:
        if e - s < 2:
            continue
        seg_t = t_s[s:e]
        fc = cutoff_for(1.0 / float(np.median(np.diff(seg_t))), cutoff_hz)
        out[s:e, cols] = lowpass(xy[s:e, cols], seg_t, fc)
    return out


# ---------------------------------------------------------------------- strides table
def _stride_table(track: PoseTrack, xy_lat: np.ndarray, events: GaitEvents,
                  roll: RollChoice, runner_height_m: float | None) -> pd.DataFrame:
    rows = []
    t = track.t_s
    fps_factor = float(np.clip(track.fps / 60.0, 0.5, 1.0))
    for k, s in enumerate(events.valid_strides.itertuples()):
        ic, next_ic, toeoff = s.frame_start, s.frame_end, s.frame_toeoff
        vals = fm.stride_values(xy_lat, leg=s.leg, ic=ic, next_ic=next_ic, toeoff=toeoff,
                                prev_other_ic=s.frame_prev_other_ic,
                                runner_height_m=runner_height_m)
        w = vals["hip_width_px"]  # runner size: lets a comparison check the camera distance
        mid = (ic + toeoff) // 2 if toeoff > ic else -1
        row: dict[str, object] = {
            "stride": k, "leg": s.leg, "t_start_s": float(t[ic]), "t_end_s": float(t[next_ic]),
            "frame_start": ic, "frame_end": next_ic, "frame_midstance": mid,
            "frame_toeoff": toeoff,
        }
        row.update(vals)
        row["cadence_spm"] = 120.0 / float(t[next_ic] - t[ic])
        size = float(np.clip(w / SMALL_HIP_PX, 0.0, 1.0)) if np.isfinite(w) else 0.0
        frames = slice(ic, next_ic)
        for col in METRIC_COLUMNS:
            if col == "cadence_spm":
                conf = fps_factor * fm.visibility_conf(track.visibility, frames, (
                    LM.LEFT_ANKLE, LM.RIGHT_ANKLE, LM.LEFT_HEEL, LM.RIGHT_HEEL))
            else:
                conf = size * fm.visibility_conf(track.visibility, frames,
                                                 fm.METRIC_LANDMARKS[col])
            if col in ROLL_SENSITIVE:
                conf *= ROLL_TRUST.get(roll.source, 0.5)
            conf *= POSE_MODEL_TRUST.get(col, 1.0)
            if col == "step_width_pct_hip":
                conf *= fps_factor
            row[f"{col}_conf"] = conf if np.isfinite(row[col]) else 0.0
        rows.append(row)
    cols = [*STRIDE_ID_COLUMNS, *METRIC_COLUMNS, *(f"{c}_conf" for c in METRIC_COLUMNS),
            "hip_width_px"]
    return pd.DataFrame(rows, columns=cols)


def leg_values(strides: pd.DataFrame, col: str) -> dict[str, np.ndarray]:
    """The finite values of ``col`` over the strides of each stance leg ("left", "right")."""
    out = {}
    for leg in ("left", "right"):
        v = strides.loc[strides["leg"] == leg, col].to_numpy(float)
        out[leg] = v[np.isfinite(v)]
    return out


def _summary(strides: pd.DataFrame, events: GaitEvents, track: PoseTrack,
             roll: RollChoice) -> dict[str, float]:
    out = summarize_strides(strides, METRIC_COLUMNS)  # medians (registry), cadence from the clip
    out["cadence_spm"] = cadence_spm(events, track.t_s)
    out["n_strides"] = float(len(strides))
    out["camera_roll_deg"] = roll.roll_deg
    out["camera_roll_pelvis_deg"] = roll.pelvis_deg
    for col, (k_l, k_r, k_d, k_si, min_mag) in ASYMMETRY.items():
        med = {leg: float(np.median(v)) if v.size else np.nan
               for leg, v in leg_values(strides, col).items()}
        out[k_l], out[k_r] = med["left"], med["right"]
        out[k_d] = med["right"] - med["left"]
        out[k_si] = fm.symmetry_index_pct(med["left"], med["right"], min_magnitude=min_mag)
    return out


def _size_change_within_shots(xy: np.ndarray, events: GaitEvents, fps: float) -> float:
    """Largest growth (or shrinking, < 1) of the hip width from the first to the last half
    second of a shot; 1.0 when no shot is long enough."""
    n = max(round(SHOT_END_S * fps), 2)
    best = 1.0
    for s, e in events.segments:
        w = fm.hip_width_px(xy[s:e])
        if e - s < 3 * n or not (np.isfinite(w[:n]).any() and np.isfinite(w[-n:]).any()):
            continue
        g = float(np.nanmedian(w[-n:]) / np.nanmedian(w[:n]))
        if abs(np.log(g)) > abs(np.log(best)):
            best = g
    return best


def _quality(strides: pd.DataFrame, track: PoseTrack, events: GaitEvents,
             xy: np.ndarray, view: ViewEstimate) -> list[QualityFlag]:
    flags: list[QualityFlag] = [f for f in (few_strides_flag(len(strides)),) if f]
    widths = np.array([np.nanmedian(fm.hip_width_px(xy[a:b])) for a, b in _spans(events)])
    widths = widths[np.isfinite(widths)]
    growth = _size_change_within_shots(xy, events, track.fps)
    if abs(np.log(growth)) > np.log(SCALE_CHANGE_SHOT):
        what = ("approaching the camera" if growth > 1 else "moving away from the camera")
        flags.append(QualityFlag(
            "scale_change", "info",
            f"The runner's size in the picture changed by {100 * abs(growth - 1):.0f}% within "
            f"a shot (runner {what}); each stride is scaled by its own hip width, but strides "
            "filmed from far away are less precise, so a treadmill or a fixed distance is "
            "better."))
    elif widths.size >= 2 and np.max(widths) / np.min(widths) > SCALE_CHANGE:
        flags.append(QualityFlag(
            "scale_change", "info",
            f"The runner's size in the picture differs by "
            f"{100 * (np.max(widths) / np.min(widths) - 1):.0f}% between parts of the clip; "
            "each stride is scaled by its own hip width, but strides filmed from far away "
            "are less precise."))
    if widths.size and np.median(widths) < SMALL_HIP_PX:
        flags.append(QualityFlag(
            "runner_small", "warning",
            f"The runner's hips are only {np.median(widths):.0f} pixels wide in the picture; "
            "film closer or at a higher resolution for reliable side-to-side numbers."))
    key = [LM.LEFT_HIP, LM.RIGHT_HIP, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER, LM.LEFT_ANKLE,
           LM.RIGHT_ANKLE]
    vis = track.visibility[:, key]
    vis_med = float(np.nanmedian(vis)) if np.isfinite(vis).any() else 0.0
    if vis_med < 0.6:
        flags.append(QualityFlag(
            "low_visibility", "warning",
            f"Hips, shoulders or ankles were often hidden or unclear (median visibility "
            f"{vis_med:.2f}); film in good light with the whole body in the picture."))
    if len(events.segments) > 1:
        flags.append(QualityFlag(
            "cuts", "info",
            f"The clip has {len(events.segments)} separate shots (cuts or tracking gaps); "
            "strides were measured within each shot only."))
    return flags


def _spans(events: GaitEvents) -> list[tuple[int, int]]:
    """(first frame, next contact frame) of each valid stride."""
    v = events.valid_strides
    return list(zip(v["frame_start"].astype(int), v["frame_end"].astype(int), strict=True))


def frontal_gait_shape(track: PoseTrack, events: GaitEvents) -> GaitShape:
    """Walking or running cues (see :mod:`posture.analysis.activity`) from rear/front events."""
    contacts, duty = events.contact_cues()
    return gait_shape(track.t_s, hip_mid_y(track.image_xy_px), contacts, duty_factors=duty)


# ---------------------------------------------------------------------- entry point
def analyze_frontal(track: PoseTrack, *, view: ViewEstimate | None = None,
                    options: AnalysisOptions | None = None,
                    unsmoothed: PoseTrack | None = None) -> ClipAnalysis:
    """Measure every stride of a rear or front clip.

    Parameters
    ----------
    track : cleaned landmarks of the clip (not levelled; the roll is handled here).
    view : the view decision; estimated when None.
    options : user choices (runner height, camera roll override, levelling on/off).
    unsmoothed : the same landmarks cleaned without the low-pass
        (``clean_track(raw, smooth=False)``): the metrics' signals are then low-passed once,
        within each shot (:func:`smooth_xy`), not on top of the clip-wide low-pass of
        ``track``. None: ``track`` itself is smoothed (a track that was not low-passed).

    Returns
    -------
    ClipAnalysis whose ``strides`` hold the frontal metrics with ``<metric>_conf`` columns
    and whose ``summary`` holds clip medians, left/right values and asymmetry, cadence
    (steps/min), ``n_strides`` and ``camera_roll_deg`` (degrees).

    Raises
    ------
    WrongViewError : the clip is a side view.
    TooFewStridesError : fewer than 2 clean strides.
    """
    options = options or AnalysisOptions()
    view = view or _view_of(track, options)
    if view.view not in ("rear", "front"):
        raise _side_refusal()
    # events do not depend on the roll (a rotation shifts each foot's image y by a constant
    # plus a tiny lateral term), so they are found once on the raw landmarks
    events = detect_frontal_events(track)
    shape = shape_at_any_speed(track, frontal_gait_shape(track, events),
                               lambda tr: frontal_gait_shape(tr, detect_frontal_events(tr)))
    check_running(shape, Path(track.info.path).name)
    if len(events.valid_strides) < MIN_STRIDES_TO_REPORT:
        n = len(events.valid_strides)
        raise TooFewStridesError(
            sparse_frames_message(n, events, track.t_s)
            or f"{strides_found(n)} in this rear/front clip; {film_advice()} "
            "with the feet in the picture.")
    pelvis = pelvis_roll_deg(track.image_xy_px, _spans(events))
    roll = choose_roll(user_deg=options.camera_roll_deg, view_roll=view, pelvis=pelvis)
    flags = list(roll.flags)
    applied = roll.roll_deg if options.level_camera else 0.0
    measured = track if unsmoothed is None else unsmoothed
    xy = smooth_xy(level_track(measured, applied).image_xy_px, track.t_s, events.segments)
    xy_lat = fm.lateral_coords(xy, view.view)
    strides = _stride_table(track, xy_lat, events, roll, options.runner_height_m)
    strides, implausible = drop_implausible(strides, Path(track.info.path).name)
    if implausible is not None:
        flags.append(implausible)
    summary = _summary(strides, events, track, roll)
    summary["camera_roll_deg"] = applied
    flags += _quality(strides, track, events, xy, view)
    out_view = ViewEstimate(view=view.view, facing=view.facing, confidence=view.confidence,
                            near_side=view.near_side, camera_roll_deg=applied,
                            roll_source=roll.source if options.level_camera else "none",
                            roll_se_deg=roll.se_deg if applied else 0.0)
    notes = {
        "events": "initial contact and toe-off from the feet's vertical image motion "
                  "(rear/front method, posture.gait.frontal)",
        "camera_roll": f"{applied:.2f} deg from {roll.source}"
                       + ("" if options.level_camera else " (levelling switched off)"),
        "camera_roll_pelvis": (f"{roll.pelvis_deg:.2f} +/- {roll.pelvis_se_deg:.2f} deg"
                               if np.isfinite(roll.pelvis_deg) else "not estimated"),
        "pelvic_drop": "read from the pose model's hip points, which follow a tilting pelvis "
                       "only partly (on rendered test clips an 8 deg drop read 2-5 deg): "
                       "compare left with right and fresh with fatigued, and treat the "
                       "absolute value as a likely underestimate",
        "segments": ", ".join(f"{track.t_s[s]:.1f}-{track.t_s[e - 1]:.1f} s"
                              for s, e in events.segments),
    }
    return ClipAnalysis(view=out_view, strides=strides, summary=summary, quality=flags,
                        info=track.info, runner_height_m=options.runner_height_m, notes=notes)
