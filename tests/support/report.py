"""A hand-built runner for the report, history and app tests (no video, no pose model).

A side-view treadmill runner facing image +x at 30 fps: hips fixed in x, legs swinging, trunk
leaning a known angle, back outline with a known dip. The strides table follows
``posture.results`` and carries known metric values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from posture.landmarks import LM
from posture.results import ClipAnalysis, QualityFlag, ViewEstimate
from posture.track import TRUNK_PROFILE_S, PoseTrack, VideoInfo, empty_arrays

W, H, FPS, STRIDE_S = 640, 480, 30.0, 0.7


def make_track(n_frames: int = 300, lean_deg: float = 10.0) -> PoseTrack:
    arr = empty_arrays(n_frames)
    t = np.arange(n_frames) / FPS
    hip = np.array([320.0, 250.0])
    trunk_len = 110.0
    lean = np.deg2rad(lean_deg)
    sh = hip + trunk_len * np.array([np.sin(lean), -np.cos(lean)])
    xy = arr["image_xy_px"]
    for i, ti in enumerate(t):
        ph = 2 * np.pi * ti / STRIDE_S
        for side, off in (("LEFT", 0.0), ("RIGHT", np.pi)):
            swing = np.sin(ph + off)
            knee = hip + 55 * np.array([np.sin(0.5 * swing), np.cos(0.5 * swing)])
            ankle = knee + 55 * np.array([np.sin(0.5 * swing - 0.3), np.cos(0.5 * swing - 0.3)])
            xy[i, LM[f"{side}_HIP"]] = hip.copy()
            xy[i, LM[f"{side}_KNEE"]] = knee
            xy[i, LM[f"{side}_ANKLE"]] = ankle
            xy[i, LM[f"{side}_HEEL"]] = ankle + np.array([-8, 5])
            xy[i, LM[f"{side}_FOOT_INDEX"]] = ankle + np.array([14, 5])
            xy[i, LM[f"{side}_SHOULDER"]] = sh
            xy[i, LM[f"{side}_ELBOW"]] = sh + np.array([25 * np.sin(ph + off), 45])
            xy[i, LM[f"{side}_WRIST"]] = sh + np.array([45 * np.sin(ph + off), 70])
        xy[i, LM.NOSE] = sh + np.array([15, -40])
        for lm in (LM.LEFT_EAR, LM.RIGHT_EAR, LM.LEFT_EYE, LM.RIGHT_EYE, LM.LEFT_EYE_INNER,
                   LM.RIGHT_EYE_INNER, LM.LEFT_EYE_OUTER, LM.RIGHT_EYE_OUTER, LM.MOUTH_LEFT,
                   LM.MOUTH_RIGHT, LM.LEFT_PINKY, LM.RIGHT_PINKY, LM.LEFT_INDEX,
                   LM.RIGHT_INDEX, LM.LEFT_THUMB, LM.RIGHT_THUMB):
            xy[i, lm] = sh + np.array([5, -35])
    arr["visibility"][:] = 0.95
    arr["world_xyz_m"][:] = 0.0
    # Back outline: 30 px from the axis with a 6 px dip centred at s = 0.25.
    back = 30.0 - 6.0 * np.exp(-(((TRUNK_PROFILE_S - 0.25) / 0.12) ** 2))
    arr["trunk_edges_px"][:, :, 0] = 25.0
    arr["trunk_edges_px"][:, :, 1] = back
    info = VideoInfo(path="synthetic.mp4", width_px=W, height_px=H, rotation_deg=0, codec="h264",
                     n_frames=n_frames, fps_nominal=FPS, fps_capture=FPS,
                     duration_s=n_frames / FPS, is_vfr=False)
    return PoseTrack(t_s=t, frame_index=np.arange(n_frames), frame_size_px=(W, H), info=info,
                     **arr)


def make_analysis(track: PoseTrack | None = None, *, lean_drift_deg: float = 4.0,
                  seed: int = 0) -> ClipAnalysis:
    """Strides of ``track`` with trunk lean rising by ``lean_drift_deg`` over the run."""
    track = track or make_track()
    rng = np.random.default_rng(seed)
    per = round(STRIDE_S * FPS)
    starts = np.arange(3, track.n_frames - per, per // 2)
    rows = []
    for k, f0 in enumerate(starts):
        frac = k / max(1, len(starts) - 1)
        rows.append({
            "stride": k, "leg": "left" if k % 2 == 0 else "right",
            "t_start_s": track.t_s[f0], "t_end_s": track.t_s[f0 + per],
            "frame_start": int(f0), "frame_end": int(f0 + per),
            "frame_midstance": int(f0 + 3), "frame_toeoff": int(f0 + 7),
            "trunk_lean_deg": 8.0 + lean_drift_deg * frac + rng.normal(0, 0.5),
            "trunk_lean_deg_conf": 0.9,
            "overstride_pct_leg": 12.0 + 3 * frac + rng.normal(0, 1.0),
            "overstride_pct_leg_conf": 0.8,
            "lumbar_arch_pct": 5.0 + 2 * frac + rng.normal(0, 0.3),
            "lumbar_arch_pct_conf": 0.6,
            "cadence_spm": 171.4 + rng.normal(0, 1.0),
            "cadence_spm_conf": 1.0,
        })
    strides = pd.DataFrame(rows)
    return ClipAnalysis(
        view=ViewEstimate(view="side", facing="right", confidence=0.95, near_side="right"),
        strides=strides,
        summary={"cadence_spm": 171.4, "trunk_lean_deg": float(strides.trunk_lean_deg.mean())},
        quality=[QualityFlag("low_fps_contact", "info",
                             "Contact time needs 100 fps or more; this clip is 30 fps.")],
        info=track.info,
    )


def blank_frame(value: int = 60) -> np.ndarray:
    return np.full((H, W, 3), value, np.uint8)


def write_plain_video(path, n_frames: int = 75) -> None:
    """A W x H H.264 clip at FPS whose frame i is uniform grey 40 + 2i (for frame matching)."""
    import av

    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=int(FPS))
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        for i in range(n_frames):
            img = np.full((H, W, 3), min(255, 40 + 2 * i), np.uint8)
            out.mux(s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        out.mux(s.encode(None))
