"""analyze_frontal end to end on the closed-form stick runner (tests/test_gait_frontal.py)."""

from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from posture.errors import TooFewStridesError, WrongViewError
from posture.frontal import analyze_frontal
from posture.pipeline import AnalysisOptions
from posture.results import STRIDE_ID_COLUMNS, ViewEstimate

_spec = importlib.util.spec_from_file_location(
    "frontal_stick", Path(__file__).with_name("test_gait_frontal.py"))
_stick = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("frontal_stick", _stick)
_spec.loader.exec_module(_stick)
Stick, stick_runner = _stick.Stick, _stick.stick_runner

REAR = ViewEstimate(view="rear", facing="away", confidence=1.0)
FRONT = ViewEstimate(view="front", facing="toward", confidence=1.0)


def _true_sway_pct(st: Stick) -> float:
    return 100 * 2 * st.trunk_m * np.sin(np.radians(st.lean_deg)) / st.hip_w_m


def test_recovers_known_values_rear() -> None:
    st = Stick(pelvic_drop_deg=6.0, lean_deg=4.0, arm_cross_m=0.03)
    a = analyze_frontal(stick_runner(st), view=REAR,
                        options=AnalysisOptions(runner_height_m=1.75))
    s = a.summary
    assert s["lateral_sway_pct_hip"] == pytest.approx(_true_sway_pct(st), abs=0.5)
    assert s["lateral_sway_cm"] == pytest.approx(
        _true_sway_pct(st) / 100 * 0.191 * 175, abs=0.2)
    assert s["pelvic_drop_deg"] == pytest.approx(6.0, abs=0.2)
    assert s["lateral_lean_peak_deg"] == pytest.approx(4.0, abs=0.1)
    # stance mean of a half-sine lean is 2/pi of the peak (sampled stance ends pull it down)
    assert s["lateral_lean_mean_deg"] == pytest.approx(4.0 * 2 / np.pi, abs=0.25)
    assert s["arm_crossing_pct_hip"] == pytest.approx(100 * 0.03 / st.hip_w_m, abs=0.3)
    # feet 12 cm apart seen half a step farther than the hips: perspective shrinks it
    assert s["step_width_pct_hip"] == pytest.approx(
        100 * 0.12 / st.hip_w_m * st.dist_m / (st.dist_m + 0.45), abs=1.5)
    assert s["cadence_spm"] == pytest.approx(170, abs=1.0)
    assert s["n_strides"] >= 16
    assert abs(s["pelvic_drop_asym_deg"]) < 0.2
    cols = list(a.strides.columns)
    assert cols[:len(STRIDE_ID_COLUMNS)] == list(STRIDE_ID_COLUMNS)
    assert {"pelvic_drop_deg_conf", "lateral_sway_pct_hip_conf"} <= set(cols)
    conf = a.strides["pelvic_drop_deg_conf"]
    assert ((conf > 0.5) & (conf <= 1)).all()
    assert not any(q.severity == "warning" for q in a.quality)
    json.loads(a.to_json())


def test_no_height_no_centimetres() -> None:
    a = analyze_frontal(stick_runner(Stick(duration_s=5)), view=REAR)
    assert a.strides["lateral_sway_cm"].isna().all()
    assert (a.strides["lateral_sway_cm_conf"] == 0).all()


def test_camera_roll_from_pelvis_user_and_off() -> None:
    st = Stick(roll_deg=3.0)
    tr = stick_runner(st)
    est = analyze_frontal(tr, view=REAR)
    assert est.summary["camera_roll_deg"] == pytest.approx(3.0, abs=0.1)
    assert est.view.roll_source == "pelvis"
    assert "roll_from_pelvis" in {q.code for q in est.quality}
    assert est.summary["pelvic_drop_left_deg"] == pytest.approx(6.0, abs=0.2)
    assert est.summary["pelvic_drop_right_deg"] == pytest.approx(6.0, abs=0.2)
    user = analyze_frontal(tr, view=REAR, options=AnalysisOptions(camera_roll_deg=3.0))
    assert user.view.roll_source == "user"
    assert user.summary["pelvic_drop_deg"] == pytest.approx(6.0, abs=0.2)
    # uncorrected, the roll adds to one leg's drop and subtracts from the other's
    off = analyze_frontal(tr, view=REAR, options=AnalysisOptions(level_camera=False))
    assert off.summary["camera_roll_deg"] == 0.0
    assert off.summary["pelvic_drop_left_deg"] - off.summary["pelvic_drop_right_deg"] == \
        pytest.approx(6.0, abs=0.4)


def test_scene_roll_from_view_module_is_preferred() -> None:
    st = Stick(drop_right_deg=3.0)  # asymmetric runner, level camera
    tr = stick_runner(st)
    scene = replace(REAR, camera_roll_deg=0.0, roll_source="floor")
    a = analyze_frontal(tr, view=scene)
    assert a.view.roll_source == "floor"
    assert a.summary["pelvic_drop_left_deg"] == pytest.approx(6.0, abs=0.2)
    assert a.summary["pelvic_drop_right_deg"] == pytest.approx(3.0, abs=0.2)
    assert a.summary["pelvic_drop_asym_deg"] == pytest.approx(-3.0, abs=0.3)
    assert a.summary["pelvic_drop_si_pct"] == pytest.approx(100 * -3 / 4.5, abs=5)
    # the pelvis-only estimate mistakes part of the asymmetry for roll, and says so
    b = analyze_frontal(tr, view=REAR)
    assert "roll_from_pelvis" in {q.code for q in b.quality}
    assert abs(b.summary["pelvic_drop_asym_deg"]) < 3.0


def test_mirror_swaps_left_and_right_only() -> None:
    st = Stick(drop_right_deg=3.0, duration_s=6)
    tr = stick_runner(st)
    opts = AnalysisOptions(camera_roll_deg=0.0)
    a = analyze_frontal(tr, view=REAR, options=opts)
    m = analyze_frontal(tr.mirrored(), view=REAR, options=opts)
    for k in ("pelvic_drop", "lateral_lean_peak"):
        assert m.summary[f"{k}_left_deg"] == pytest.approx(a.summary[f"{k}_right_deg"], abs=1e-6)
        assert m.summary[f"{k}_right_deg"] == pytest.approx(a.summary[f"{k}_left_deg"], abs=1e-6)
    for k in ("lateral_sway_pct_hip", "pelvic_drop_deg", "arm_crossing_pct_hip", "cadence_spm"):
        assert m.summary[k] == pytest.approx(a.summary[k], abs=1e-6)


def test_front_view_matches_rear() -> None:
    st = Stick(drop_right_deg=3.0, roll_deg=2.0, duration_s=6)
    opts = AnalysisOptions(camera_roll_deg=2.0)
    rear = analyze_frontal(stick_runner(st, view="rear"), view=REAR, options=opts)
    front = analyze_frontal(stick_runner(st, view="front"), view=FRONT, options=opts)
    for k in ("pelvic_drop_left_deg", "pelvic_drop_right_deg", "lateral_lean_peak_deg",
              "lateral_lean_mean_deg", "lateral_sway_pct_hip", "arm_crossing_pct_hip",
              "cadence_spm"):
        assert front.summary[k] == pytest.approx(rear.summary[k], abs=0.05), k


def test_side_view_is_refused() -> None:
    tr = stick_runner(Stick(duration_s=4))
    side = ViewEstimate(view="side", facing="right", confidence=1.0, near_side="left")
    with pytest.raises(WrongViewError, match="filmed from behind or in front"):
        analyze_frontal(tr, view=side)
    with pytest.raises(WrongViewError, match="side view"):
        analyze_frontal(tr, options=AnalysisOptions(view="side"))


def test_too_few_strides() -> None:
    with pytest.raises(TooFewStridesError, match="clean strides"):
        analyze_frontal(stick_runner(Stick(duration_s=1.2)), view=REAR)
    short = analyze_frontal(stick_runner(Stick(duration_s=3.0)), view=REAR)
    assert 2 <= short.n_strides < 7
    assert "few_strides" in {q.code for q in short.quality}


def test_runner_approaching_is_flagged_and_scaled_per_stride() -> None:
    st = Stick(duration_s=8)
    tr = stick_runner(st)
    # the whole runner grows 1.6x over the clip about the floor point under the hips
    s = np.linspace(1.0, 1.6, tr.n_frames)[:, None, None]
    anchor = np.array([360.0, 900.0])
    xy = (tr.image_xy_px - anchor) * s + anchor
    a = analyze_frontal(replace(tr, image_xy_px=xy), view=FRONT,
                        options=AnalysisOptions(camera_roll_deg=0.0))
    ref = analyze_frontal(tr, view=FRONT, options=AnalysisOptions(camera_roll_deg=0.0))
    assert "scale_change" in {q.code for q in a.quality}
    assert "approaching" in next(q.message for q in a.quality if q.code == "scale_change")
    assert a.summary["lateral_sway_pct_hip"] == pytest.approx(
        ref.summary["lateral_sway_pct_hip"], abs=1.0)
    assert a.summary["pelvic_drop_deg"] == pytest.approx(6.0, abs=0.3)


def test_low_visibility_lowers_confidence_and_is_flagged() -> None:
    tr = stick_runner(Stick(duration_s=5))
    good = analyze_frontal(tr, view=REAR)
    dim = analyze_frontal(replace(tr, visibility=tr.visibility * 0.5), view=REAR)
    assert "low_visibility" in {q.code for q in dim.quality}
    assert "low_visibility" not in {q.code for q in good.quality}
    np.testing.assert_allclose(dim.strides["pelvic_drop_deg_conf"],
                               0.5 * good.strides["pelvic_drop_deg_conf"])


def test_cut_in_clip() -> None:
    st = Stick(duration_s=8)
    tr = stick_runner(st)
    xy = tr.image_xy_px.copy()
    xy[240:, :, 0] += 250.0
    a = analyze_frontal(replace(tr, image_xy_px=xy), view=REAR)
    assert "cuts" in {q.code for q in a.quality}
    assert a.summary["pelvic_drop_deg"] == pytest.approx(6.0, abs=0.2)
    assert a.summary["cadence_spm"] == pytest.approx(170, abs=2)
