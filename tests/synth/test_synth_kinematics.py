"""The synthetic runner does what its parameters say (truth computed by the definitions)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from posture.landmarks import LM
from posture.metrics.registry import METRICS
from posture.results import STRIDE_ID_COLUMNS
from posture.synth.camera import CameraParams
from posture.synth.kinematics import RunnerModel, RunnerParams, simulate
from posture.synth.tracks import synthetic_track
from posture.synth.truth import GroundTruth, ground_truth


def test_side_lean_truth_equals_parameter() -> None:
    for lean in (0.0, 6.0, 17.0):
        run = simulate(RunnerParams(trunk_lean_deg=lean), CameraParams(fps=60), duration_s=5)
        gt = ground_truth(run)
        assert len(gt.strides) >= 10
        np.testing.assert_allclose(gt.strides["trunk_lean_deg"], lean, atol=0.02)
        # and straight from the world joints: hip-mid -> shoulder-mid against vertical
        P = run.world_m
        v = (P[:, LM.LEFT_SHOULDER] + P[:, LM.RIGHT_SHOULDER] - P[:, LM.LEFT_HIP]
             - P[:, LM.RIGHT_HIP]) / 2
        lean_t = np.rad2deg(np.arctan2(v[:, 0], v[:, 2]))
        assert abs(lean_t.mean() - lean) < 0.05
        assert 0.5 < lean_t.max() - lean_t.min() < 2.5  # the in-stride wobble is there


@pytest.mark.parametrize("cadence", [150.0, 172.5, 200.0])
def test_cadence_and_events_are_exact(cadence: float) -> None:
    run = simulate(RunnerParams(cadence_spm=cadence, contact_fraction=0.3),
                   CameraParams(fps=30), duration_s=6)
    gt = ground_truth(run)
    np.testing.assert_allclose(gt.strides_exact["cadence_spm"], cadence, rtol=1e-9)
    for leg in ("left", "right"):
        ic = run.events[leg]["ic_s"]
        np.testing.assert_allclose(np.diff(ic), 120.0 / cadence, rtol=1e-9)
        np.testing.assert_allclose(run.t_s[run.events[leg]["ic_frame"]], ic, atol=0.5 / 30)
    np.testing.assert_allclose(gt.strides_exact["contact_time_ms"], 0.3 * 120 / cadence * 1000,
                               rtol=1e-9)
    assert abs(gt.summary["cadence_spm"] - cadence) < 1e-6
    # left and right alternate half a stride apart
    l_ic, r_ic = run.events["left"]["ic_s"], run.events["right"]["ic_s"]
    gap = np.min(np.abs(r_ic[:, None] - l_ic[None, :]), axis=1)
    np.testing.assert_allclose(gap, 60.0 / cadence, rtol=1e-9)


def test_foot_is_on_the_ground_in_stance_and_never_below() -> None:
    p = RunnerParams(foot_angle_ic_deg=12.0)
    model = RunnerModel(p, 4.0)
    t = np.linspace(0, 4, 4001)
    P, ex = model.world(t)
    for side in ("LEFT", "RIGHT"):
        heel_z = P[:, LM[f"{side}_HEEL"], 2]
        toe_z = P[:, LM[f"{side}_FOOT_INDEX"], 2]
        ankle = P[:, LM[f"{side}_ANKLE"]]
        stance = ex[f"stance_{side.lower()}"]
        assert stance.mean() == pytest.approx(p.contact_fraction, abs=0.02)
        lowest = np.minimum(heel_z, toe_z)
        assert np.all(np.abs(lowest[stance]) < 1e-9)  # heel or toe touches the floor
        assert np.all(lowest > -1e-9)  # never through the floor
        assert np.all(lowest[~stance] > -1e-9)
        # the foot moves backward with the belt during stance (no sliding forward)
        for st in model.stances[side.lower()]:
            m = (t >= st.t_ic) & (t < st.t_to)
            if m.sum() > 3:
                assert np.all(np.diff(ankle[m, 0]) < 0)
                # ankle height constant while the foot is flat
                flat = m & (t > st.t_ic + 0.16 * (st.t_to - st.t_ic)) & \
                    (t < st.t_ic + 0.54 * (st.t_to - st.t_ic))
                np.testing.assert_allclose(ankle[flat, 2], ankle[flat, 2][0], atol=1e-12)


@pytest.mark.parametrize("overstride", [0.0, 10.0, 22.0])
def test_overstride_at_contact_matches(overstride: float) -> None:
    p = RunnerParams(overstride_pct_leg=overstride)
    run = simulate(p, CameraParams(fps=60), duration_s=5)
    m = run.model
    ic = np.array([st.t_ic for st in m.stances["left"] if 0 < st.t_ic < 5])
    P, _ = m.world(ic)
    hip_mid_x = (P[:, LM.LEFT_HIP, 0] + P[:, LM.RIGHT_HIP, 0]) / 2
    np.testing.assert_allclose(100 * (P[:, LM.LEFT_ANKLE, 0] - hip_mid_x) / m.leg_m,
                               overstride, atol=1e-9)
    # the landing leg is bent as set (3D) and the ankle stays within reach
    hip, knee, ankle = (P[:, LM[n]] for n in ("LEFT_HIP", "LEFT_KNEE", "LEFT_ANKLE"))
    a, b = hip - knee, ankle - knee
    cos = (a * b).sum(-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)
    np.testing.assert_allclose(180 - np.rad2deg(np.arccos(cos)), p.knee_flexion_ic_deg,
                               atol=1e-6)
    # 2D truth by the definition (leg length measured in the image) agrees closely
    gt = ground_truth(run)
    np.testing.assert_allclose(gt.strides_exact["overstride_pct_leg"], overstride, atol=0.25)
    np.testing.assert_allclose(gt.strides_exact["foot_angle_ic_deg"], p.foot_angle_ic_deg,
                               atol=1e-6)


def test_facing_left_mirrors_x() -> None:
    cam = CameraParams(width_px=640, height_px=360, fps=30)
    a = simulate(RunnerParams(), cam, duration_s=3)
    b = simulate(RunnerParams(), CameraParams(width_px=640, height_px=360, fps=30, facing=-1),
                 duration_s=3)
    np.testing.assert_allclose(b.image_xy_px[..., 0], 640 - a.image_xy_px[..., 0], atol=1e-9)
    np.testing.assert_allclose(b.image_xy_px[..., 1], a.image_xy_px[..., 1], atol=1e-9)
    ga, gb = ground_truth(a), ground_truth(b)
    cols = ["trunk_lean_deg", "overstride_pct_leg", "arm_swing_deg", "lumbar_arch_pct",
            "hip_extension_toeoff_deg", "foot_angle_ic_deg"]
    np.testing.assert_allclose(ga.strides[cols].to_numpy(), gb.strides[cols].to_numpy(),
                               atol=1e-9)
    assert (ga.strides["trunk_lean_deg"] > 4).all()


def test_fatigue_ramp_drifts_linearly() -> None:
    p = RunnerParams(trunk_lean_deg=4.0, lumbar_arch=0.01, overstride_pct_leg=8.0,
                     fatigue={"trunk_lean_deg": 10.0, "lumbar_arch": 0.05,
                              "overstride_pct_leg": 16.0})
    run = simulate(p, CameraParams(fps=60), duration_s=20)
    gt = ground_truth(run)
    mid_t = (gt.strides_exact["t_start_s"] + gt.strides_exact["t_end_s"]) / 2
    slope, icpt = np.polyfit(mid_t, gt.strides_exact["trunk_lean_deg"], 1)
    assert slope == pytest.approx(6.0 / 20, rel=0.01)
    assert icpt == pytest.approx(4.0, abs=0.05)
    resid = gt.strides_exact["trunk_lean_deg"] - (slope * mid_t + icpt)
    assert np.abs(resid).max() < 0.05
    arch = gt.strides_exact["lumbar_arch_pct"]
    assert arch.iloc[:3].mean() < 1.8 and arch.iloc[-3:].mean() > 4.5
    assert np.all(np.diff(arch) >= -1e-9)
    t_ic = gt.strides_exact["t_start_s"]
    want = 8.0 + 8.0 * t_ic / 20
    np.testing.assert_allclose(gt.strides_exact["overstride_pct_leg"], want, atol=0.3)


def test_lumbar_arch_truth_tracks_parameter() -> None:
    for arch in (0.0, 0.02, 0.05):
        gt = ground_truth(simulate(RunnerParams(lumbar_arch=arch), CameraParams(), duration_s=3))
        # the outline is in trunk lengths; the definition divides by the image trunk length
        np.testing.assert_allclose(gt.strides["lumbar_arch_pct"], 100 * arch, atol=0.05)


def test_rear_view_frontal_truth() -> None:
    p = RunnerParams(pelvic_drop_deg=6.0, lateral_lean_deg=3.0, asymmetry=0.5)
    gt = ground_truth(simulate(p, CameraParams(view="rear", fps=60), duration_s=5))
    s = gt.strides
    assert s["trunk_lean_deg"].isna().all()
    left, right = s[s["leg"] == "left"], s[s["leg"] == "right"]
    np.testing.assert_allclose(left["pelvic_drop_deg"], 6.0, atol=0.05)
    np.testing.assert_allclose(right["pelvic_drop_deg"], 9.0, atol=0.1)
    np.testing.assert_allclose(left["lateral_lean_peak_deg"], 3.0, atol=0.05)
    np.testing.assert_allclose(right["lateral_lean_peak_deg"], 4.5, atol=0.1)
    assert (s["lateral_lean_mean_deg"] > 0).all()  # toward the stance leg
    assert s["step_width_pct_hip"].iloc[1:].between(35, 45).all()
    # the same runner seen from the front gives the same frontal truth
    gf = ground_truth(simulate(p, CameraParams(view="front", fps=60), duration_s=5))
    cols = ["pelvic_drop_deg", "lateral_lean_peak_deg", "lateral_sway_pct_hip"]
    np.testing.assert_allclose(gf.strides[cols], s[cols], atol=1e-9)


def test_sway_parameter_sets_sway_truth() -> None:
    gt = ground_truth(simulate(RunnerParams(lateral_sway_pct_hip=20.0, pelvic_drop_deg=0.0),
                               CameraParams(view="rear", fps=120), duration_s=4))
    np.testing.assert_allclose(gt.strides["lateral_sway_pct_hip"], 20.0, rtol=0.02)


def test_roll_rotates_the_recorded_image_only() -> None:
    cam = CameraParams(roll_deg=5.0, fps=30)
    run = simulate(RunnerParams(trunk_lean_deg=0.0, trunk_lean_osc_deg=0.0), cam, duration_s=2)
    xy = run.image_xy_px
    v = (xy[:, LM.LEFT_SHOULDER] + xy[:, LM.RIGHT_SHOULDER] - xy[:, LM.LEFT_HIP]
         - xy[:, LM.RIGHT_HIP]) / 2
    up = v / np.linalg.norm(v, axis=-1, keepdims=True)
    r = np.deg2rad(5.0)
    np.testing.assert_allclose(up, np.tile([np.sin(r), -np.cos(r)], (len(up), 1)), atol=1e-6)
    gt = ground_truth(run)
    np.testing.assert_allclose(gt.strides["trunk_lean_deg"], 0.0, atol=1e-6)


def test_synthetic_track_is_a_valid_pose_track() -> None:
    cam = CameraParams(width_px=360, height_px=640, fps=120, vfr_jitter=0.3, seed=3)
    track, gt = synthetic_track(RunnerParams(), cam, duration_s=3, noise_px=1.5, seed=4)
    assert track.frame_size_px == (360, 640)
    assert track.detected.all() and track.info.is_vfr
    assert track.fps == pytest.approx(120, rel=0.02)
    assert np.isfinite(track.trunk_edges_px).all()
    assert track.visibility[0, LM.RIGHT_KNEE] > track.visibility[0, LM.LEFT_KNEE]
    # world landmarks: metres, hip-centred, y down (the head is above the hips)
    w = track.world_xyz_m
    np.testing.assert_allclose((w[:, LM.LEFT_HIP] + w[:, LM.RIGHT_HIP]) / 2, 0.0, atol=1e-12)
    assert (w[:, LM.NOSE, 1] < -0.5).all()
    # noise is there, centred on the truth
    clean, _ = synthetic_track(RunnerParams(), cam, duration_s=3, noise_px=0.0, seed=4)
    d = track.image_xy_px - clean.image_xy_px
    assert 1.3 < d.std() < 1.7 and abs(d.mean()) < 0.05
    assert list(gt.strides.columns) == [*STRIDE_ID_COLUMNS, *METRICS]
    assert gt.strides["frame_end"].max() < track.n_frames
    assert (gt.strides["frame_start"] < gt.strides["frame_midstance"]).all()
    assert (gt.strides["frame_midstance"] < gt.strides["frame_toeoff"]).all()


def test_ground_truth_json_round_trip() -> None:
    p = RunnerParams(fatigue={"trunk_lean_deg": 9.0})
    _, gt = synthetic_track(p, CameraParams(fps=30), duration_s=3)
    back = GroundTruth.from_dict(json.loads(json.dumps(gt.to_dict())))
    assert back.params == p and back.camera == gt.camera
    np.testing.assert_allclose(back.strides["trunk_lean_deg"], gt.strides["trunk_lean_deg"],
                               atol=1e-5)
    np.testing.assert_array_equal(back.events["left"]["ic_frame"], gt.events["left"]["ic_frame"])


def test_sway_fatigue_ramp_drives_the_derived_lean() -> None:
    """With lateral_lean_deg=None the lean comes from the sway, so a sway ramp must show up
    in the rear-view truth (it was once silently ignored)."""
    p = RunnerParams(lateral_sway_pct_hip=8.0, fatigue={"lateral_sway_pct_hip": 30.0})
    assert float(p.value("lateral_lean_deg", 0.0)) == pytest.approx(p.derived_lateral_lean_deg())
    assert float(p.value("lateral_lean_deg", 1.0)) > 3 * float(p.value("lateral_lean_deg", 0.0))
    run = simulate(p, CameraParams(view="rear", fps=60, width_px=360, height_px=640),
                   duration_s=20)
    sway = ground_truth(run).strides_exact["lateral_sway_pct_hip"]
    assert sway.iloc[:3].mean() == pytest.approx(8.0, rel=0.15)
    assert sway.iloc[-3:].mean() == pytest.approx(28.0, rel=0.15)
