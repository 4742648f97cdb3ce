"""The one list of metrics: column name (unit in the name), label, view, noise floor.

``sdd`` is the smallest detectable difference: a change smaller than this is not called a
change even when it is statistically clear, because 2D video cannot resolve it reliably. It
is the larger of the literature value and the drift measured between the halves of steady
runs (real and rendered, ``python -m posture.synth.null``; table in ``docs/metrics.md``).
Reference bands (good / watch) live in ``posture/data/reference_ranges.csv`` with sources.
Definitions, signs and limits: ``docs/metrics.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

Plane = Literal["sagittal", "frontal", "timing"]
Statistic = Literal["mean", "median", "clip"]


@dataclass(frozen=True)
class MetricSpec:
    column: str
    label: str
    """The metric's one name: in tables as written (with an optional bracketed qualifier),
    in sentences as :attr:`name` (findings, advice, live cues)."""
    unit: str
    plane: Plane
    sdd: float
    """Smallest detectable difference, in ``unit``."""
    worse_when: Literal["higher", "lower", "either", "none"] = "higher"
    experimental: bool = False
    decimals: int = 1
    roll_gain: float = 0.0
    """How much the metric moves per degree of camera roll, in ``unit`` per degree (absolute
    value, first order; measured by rotating landmark tracks, ``tests/stats/test_compare.py``).
    Non-zero means the metric depends on the camera level: it enters the interval of a
    change through the roll's uncertainty, and its verdict is withdrawn when only one of two
    clips was levelled (``posture/stats/compare.py``)."""
    judge_level: bool = True
    """False: the pose model's measured bias on this metric is large next to its usual
    range, so its level is never judged against that range (only changes within a runner)."""
    level_error: float = 0.0
    """Typical error of one absolute value through the pose model (per-stride RMSE on the
    rendered clips, or against the hand labels of real clips where that is larger;
    docs/validation.md), in ``unit``; 0 where not measured or small."""
    bias_note: str = ""
    """Plain-language note on the pose model's bias, for the docs and reports."""
    summary: Statistic = "mean"
    """The clip summary of the metric over its strides (:func:`summarize_strides`): ``"mean"``
    (side-view metrics: every stride is seen whole), ``"median"`` (rear/front metrics: a
    few strides with a hip point collapsed by the pose model must not pull the value) or
    ``"clip"`` (computed from the whole clip by the analysis, e.g. cadence from all steps)."""

    @property
    def name(self) -> str:
        """The metric's name in a sentence (findings, live cues): the label without its
        bracketed qualifier, lower-case first letter. The label is the one name source."""
        base = self.label.split(" (")[0]
        return base[:1].lower() + base[1:]

    @property
    def roll_dependent(self) -> bool:
        return self.roll_gain > 0.0


_SPECS: tuple[MetricSpec, ...] = (
    # --- side view (sagittal plane) ---
    MetricSpec("trunk_lean_deg", "Forward trunk lean (stride mean)", "deg", "sagittal", 2.0,
               roll_gain=1.0),
    MetricSpec("trunk_lean_midstance_deg", "Forward trunk lean at midstance", "deg",
               "sagittal", 2.5, roll_gain=1.0),
    MetricSpec("lumbar_arch_pct", "Low-back arch index (experimental)", "% trunk", "sagittal",
               2.0, experimental=True),
    MetricSpec("trunk_thigh_toeoff_deg", "Trunk-thigh angle at toe-off", "deg", "sagittal", 7.0,
               worse_when="either", judge_level=False, level_error=11.6,
               bias_note="reads about 6 deg low through the pose model (rendered clips), as hip "
                         "extension"),
    MetricSpec("hip_extension_toeoff_deg", "Hip extension at toe-off", "deg", "sagittal", 7.0,
               worse_when="lower", roll_gain=1.1, judge_level=False, level_error=10.9,
               bias_note="reads about 6 deg low through the pose model (rendered clips), more "
                         "than the 5 deg watch band is wide"),
    # the stance foot moves back past the hips at running speed, 0.2-0.35 % leg per ms of
    # contact-time error on the real clips; their contacts came up to 40 ms early
    MetricSpec("overstride_pct_leg", "Landing distance ahead of the hips", "% leg", "sagittal", 3.0,
               roll_gain=1.7, level_error=11.0,
               bias_note="reads high when the landing is timed early: on real clips whose "
                         "runners pull the foot back before it lands the contact came 17-39 ms "
                         "early and the value read 6-10 % leg high (hand-measured street clip: "
                         "+9.6 on average, up to +14)"),
    MetricSpec("shank_angle_ic_deg", "Shank angle at landing", "deg", "sagittal", 3.5,
               roll_gain=1.0),
    MetricSpec("knee_flexion_ic_deg", "Knee bend at landing", "deg", "sagittal", 4.0,
               worse_when="lower", judge_level=False, level_error=8.9,
               bias_note="one stride's value is off by about 9 deg through the pose model "
                         "(rendered clips; the far leg reads straighter), more than the 5 deg "
                         "watch band is wide"),
    # midstance is timed by the hip passing over the ankle, which a roll shifts
    MetricSpec("knee_flexion_midstance_deg", "Knee bend at midstance", "deg", "sagittal", 7.5,
               worse_when="either", roll_gain=1.4, judge_level=False, level_error=12.1,
               bias_note="reads about 10 deg low through the pose model (rendered clips)"),
    MetricSpec("foot_angle_ic_deg", "Foot angle at landing (+ toes up)", "deg", "sagittal",
               3.0, worse_when="either", roll_gain=1.0),
    MetricSpec("vertical_oscillation_pct_leg", "Vertical bounce", "% leg", "sagittal", 4.5),
    MetricSpec("vertical_oscillation_cm", "Vertical bounce", "cm", "sagittal", 1.0),
    MetricSpec("arm_swing_deg", "Arm swing range", "deg", "sagittal", 7.5, worse_when="either",
               judge_level=False, level_error=11.7,
               bias_note="reads about 11 deg low through the pose model (rendered clips)"),
    # --- timing (any view) ---
    MetricSpec("cadence_spm", "Cadence", "steps/min", "timing", 6.0, worse_when="lower",
               decimals=0, summary="clip"),
    MetricSpec("contact_time_ms", "Ground contact time", "ms", "timing", 15.0, decimals=0),
    MetricSpec("flight_time_ms", "Flight time", "ms", "timing", 15.0, worse_when="either",
               decimals=0),
    # --- rear / front view (frontal plane) ---
    MetricSpec("lateral_sway_pct_hip", "Side-to-side trunk sway", "% hip width", "frontal", 5.0,
               summary="median"),
    MetricSpec("lateral_sway_cm", "Side-to-side trunk sway", "cm", "frontal", 1.0,
               summary="median"),
    # frontal tilts: +roll on one leg's strides, -roll on the other's (the leg-balanced mean
    # cancels it, a one-leg comparison does not)
    MetricSpec("lateral_lean_peak_deg", "Sideways trunk lean (peak in stance)", "deg",
               "frontal", 2.0, roll_gain=1.0, summary="median"),
    MetricSpec("lateral_lean_mean_deg", "Average sideways trunk lean (stance mean, signed)", "deg",
               "frontal", 1.5, worse_when="either", roll_gain=1.0, summary="median"),
    # Experimental: through the pose model a true 8-12 deg drop reads 2-3.5 deg (rendered
    # clips, docs/metrics.md), so only changes within a runner are reported.
    MetricSpec("pelvic_drop_deg", "Pelvic drop (opposite hip, in stance; experimental)", "deg",
               "frontal", 2.0, experimental=True, roll_gain=1.0, summary="median"),
    MetricSpec("arm_crossing_pct_hip", "Hands crossing the midline", "% hip width", "frontal",
               10.0, summary="median"),
    MetricSpec("step_width_pct_hip", "Step width", "% hip width", "frontal", 10.0,
               worse_when="either", summary="median"),
)

METRICS: dict[str, MetricSpec] = {m.column: m for m in _SPECS}


def spec(column: str) -> MetricSpec:
    try:
        return METRICS[column]
    except KeyError as exc:
        raise KeyError(f"unknown metric column {column!r}; add it to the registry") from exc


def summarize_strides(strides: pd.DataFrame,
                      columns: tuple[str, ...] | list[str]) -> dict[str, float]:
    """Clip summary of per-stride metric columns, by each metric's registry statistic.

    ``<metric>`` is the metric's :attr:`MetricSpec.summary` over its finite values (NaN
    when none; a ``"clip"`` metric gets the median here and is replaced by the analysis);
    ``<metric>_median`` is added where that statistic is not already the median, so
    reports can show both. Units as in the column names.
    """
    out: dict[str, float] = {}
    for name in columns:
        v = strides[name].to_numpy(float)
        v = v[np.isfinite(v)]
        median = float(np.median(v)) if v.size else float("nan")
        stat = spec(name).summary
        out[name] = float(v.mean()) if stat == "mean" and v.size else median
        if stat != "median":
            out[f"{name}_median"] = median
    return out


#: Per-stride values outside these limits are not running (they cannot be produced by a
#: human body in a running stride): the pose model followed the wrong person or object, or
#: the picture is sideways or upside down. They are dropped (NaN, counted in the quality
#: flags), never averaged. The limits sit well outside published running data so that no
#: real runner meets them: forward trunk lean in running is about 0-20 deg (Folland et al.
#: 2017, Med Sci Sports Exerc 49(7)), knee bend at landing 5-30 deg and at midstance
#: 30-55 deg (Novacheck 1998, Gait Posture 7:77-95; Souza 2016, Phys Med Rehabil Clin N Am
#: 27(1)), hip extension at push-off under 30 deg, cadence 140-210 steps/min in
#: recreational to elite running (Heiderscheit et al. 2011), vertical bounce 5-15 % leg,
#: sideways trunk lean and pelvic drop under 15 deg (Schache et al. 2002). Units as in the
#: column name.
PLAUSIBLE_RANGE: dict[str, tuple[float, float]] = {
    "trunk_lean_deg": (-45.0, 45.0),
    "trunk_lean_midstance_deg": (-45.0, 45.0),
    "knee_flexion_ic_deg": (-10.0, 90.0),
    "knee_flexion_midstance_deg": (-10.0, 100.0),
    "hip_extension_toeoff_deg": (-45.0, 60.0),
    "shank_angle_ic_deg": (-45.0, 60.0),
    "overstride_pct_leg": (-50.0, 100.0),
    "foot_angle_ic_deg": (-60.0, 60.0),
    "vertical_oscillation_pct_leg": (0.0, 40.0),
    "arm_swing_deg": (0.0, 180.0),
    "cadence_spm": (100.0, 260.0),
    "lateral_lean_peak_deg": (-45.0, 45.0),
    "lateral_lean_mean_deg": (-45.0, 45.0),
    "pelvic_drop_deg": (-30.0, 30.0),
}
