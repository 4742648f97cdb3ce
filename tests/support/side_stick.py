"""A closed-form stick runner for unit tests of view, gait and side metrics.

Every landmark is an explicit function of time, so the exact value of any metric (trunk
lean, extrema of heel-minus-hip, ...) is known. It is not a physical gait model (the feet
do not stay on a floor); ``posture.synth`` provides that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posture.landmarks import LM
from posture.track import PoseTrack, VideoInfo, empty_arrays


@dataclass(frozen=True)
class Stick:
    fps: float = 60.0
    duration_s: float = 6.0
    cadence_spm: float = 170.0
    lean_deg: float = 7.0
    facing: int = 1
    speed_px_s: float = 0.0          # 0: treadmill; >0: crosses the picture
    thigh_px: float = 120.0
    shank_px: float = 120.0
    trunk_px: float = 150.0
    thigh_mean_deg: float = 5.0      # thigh forward of vertical-down, mean over the cycle
    thigh_amp_deg: float = 30.0
    bounce_px: float = 8.0
    bounce_phase_rad: float = 0.0
    """0: hips lowest mid-step (running); pi: lowest at each contact (walking)."""
    knee_mean_deg: float = 35.0
    knee_amp_deg: float = 30.0
    near: str = "left"
    width_px: int = 1280
    height_px: int = 720
    shoulder_width_px: float = 6.0   # image width of the shoulders (side view: small)
    hip_width_px: float = 4.0
    knee_lag_rad: float = 2.0        # knee flexion's phase lag behind the thigh swing

    @property
    def stride_s(self) -> float:
        return 120.0 / self.cadence_spm


def _angles(s: Stick, t: np.ndarray, phase: float) -> tuple[np.ndarray, np.ndarray]:
    """Thigh and shank angles from vertical-down (forward positive), degrees."""
    w = 2 * np.pi / s.stride_s
    thigh = s.thigh_mean_deg + s.thigh_amp_deg * np.sin(w * t + phase)
    knee_flex = s.knee_mean_deg + s.knee_amp_deg * np.sin(w * t + phase - s.knee_lag_rad)
    return thigh, thigh - knee_flex


def stick_landmarks(s: Stick, t: np.ndarray) -> np.ndarray:
    """(T, 33, 2) landmark pixels of the stick runner at times ``t`` (s)."""
    f = s.facing
    n = len(t)
    xy = np.full((n, 33, 2), np.nan)
    w = 2 * np.pi / s.stride_s
    hip = np.stack([s.width_px / 2 - f * 0.3 * s.speed_px_s * s.duration_s
                    + f * s.speed_px_s * t,
                    s.height_px * 0.45
                    + s.bounce_px * np.cos(2 * w * t + s.bounce_phase_rad)], axis=1)
    lean = np.radians(s.lean_deg)
    shoulder = hip + s.trunk_px * np.stack([np.full(n, f * np.sin(lean)),
                                            np.full(n, -np.cos(lean))], axis=1)
    near_sign = 1 if s.near == "left" else -1
    for side, phase, off in (("left", 0.0, 1), ("right", np.pi, -1)):
        hw = 0.5 * near_sign * off
        hip_s = hip + np.array([hw * s.hip_width_px, 0])
        sh_s = shoulder + np.array([hw * s.shoulder_width_px, 0])
        th, sh = _angles(s, t, phase)
        knee = hip_s + s.thigh_px * np.stack([f * np.sin(np.radians(th)),
                                              np.cos(np.radians(th))], axis=1)
        ankle = knee + s.shank_px * np.stack([f * np.sin(np.radians(sh)),
                                              np.cos(np.radians(sh))], axis=1)
        heel = ankle + np.array([-f * 15.0, 10.0])
        toe = ankle + np.array([f * 45.0, 12.0])
        arm = np.radians(25.0 * np.sin(w * t + phase + np.pi))
        elbow = sh_s + 70.0 * np.stack([f * np.sin(arm), np.cos(arm)], axis=1)
        wrist = elbow + np.array([f * 50.0, -20.0])
        L = side == "left"
        xy[:, LM.LEFT_HIP if L else LM.RIGHT_HIP] = hip_s
        xy[:, LM.LEFT_SHOULDER if L else LM.RIGHT_SHOULDER] = sh_s
        xy[:, LM.LEFT_KNEE if L else LM.RIGHT_KNEE] = knee
        xy[:, LM.LEFT_ANKLE if L else LM.RIGHT_ANKLE] = ankle
        xy[:, LM.LEFT_HEEL if L else LM.RIGHT_HEEL] = heel
        xy[:, LM.LEFT_FOOT_INDEX if L else LM.RIGHT_FOOT_INDEX] = toe
        xy[:, LM.LEFT_ELBOW if L else LM.RIGHT_ELBOW] = elbow
        xy[:, LM.LEFT_WRIST if L else LM.RIGHT_WRIST] = wrist
        for lm in ((LM.LEFT_PINKY, LM.LEFT_INDEX, LM.LEFT_THUMB) if L else
                   (LM.RIGHT_PINKY, LM.RIGHT_INDEX, LM.RIGHT_THUMB)):
            xy[:, lm] = wrist
    head = shoulder + np.array([0, -45.0])
    xy[:, LM.LEFT_EAR] = head + np.array([-f * 3.0, 0])
    xy[:, LM.RIGHT_EAR] = head + np.array([-f * 3.0, 0])
    xy[:, LM.NOSE] = head + np.array([f * 22.0, 5.0])
    for lm in (LM.LEFT_EYE_INNER, LM.LEFT_EYE, LM.LEFT_EYE_OUTER, LM.RIGHT_EYE_INNER,
               LM.RIGHT_EYE, LM.RIGHT_EYE_OUTER):
        xy[:, lm] = head + np.array([f * 15.0, -5.0])
    xy[:, LM.MOUTH_LEFT] = head + np.array([f * 15.0, 15.0])
    xy[:, LM.MOUTH_RIGHT] = head + np.array([f * 15.0, 15.0])
    return xy


def stick_track(s: Stick = Stick()) -> PoseTrack:
    """PoseTrack of the stick runner (visibility: near side 0.95, far side 0.75)."""
    t = np.arange(round(s.duration_s * s.fps)) / s.fps
    arrays = empty_arrays(len(t))
    arrays["image_xy_px"][:] = stick_landmarks(s, t)
    left_near = s.near == "left"
    vis = np.full((len(t), 33), 0.95)
    far = [i for i in range(33) if (i % 2 == 0) == left_near and i >= 11]  # right ids even
    vis[:, far] = 0.75
    arrays["visibility"][:] = vis
    world = np.zeros((len(t), 33, 3))
    for i in range(11, 33):
        is_left = i % 2 == 1
        world[:, i, 2] = -0.1 if is_left == left_near else 0.1
    world[:, LM.NOSE, 2] = 0.0
    arrays["world_xyz_m"][:] = world
    info = VideoInfo(path="stick.mp4", width_px=s.width_px, height_px=s.height_px,
                     rotation_deg=0, codec="h264", n_frames=len(t), fps_nominal=s.fps,
                     fps_capture=s.fps, duration_s=s.duration_s, is_vfr=False)
    return PoseTrack(t_s=t, frame_index=np.arange(len(t)), frame_size_px=(s.width_px,
                     s.height_px), info=info, **arrays)


def true_extrema_s(s: Stick, leg: str, *, kind: str) -> np.ndarray:
    """Times of the maxima of heel-hip (``"ic"``) or minima of toe-hip (``"to"``), seconds."""
    t = np.arange(0, s.duration_s, 1e-4)
    xy = stick_landmarks(s, t)
    hip = (xy[:, LM.LEFT_HIP, 0] + xy[:, LM.RIGHT_HIP, 0]) / 2
    if kind == "ic":
        y = s.facing * (xy[:, LM.LEFT_HEEL if leg == "left" else LM.RIGHT_HEEL, 0] - hip)
    else:
        y = -s.facing * (xy[:, LM.LEFT_FOOT_INDEX if leg == "left" else
                                LM.RIGHT_FOOT_INDEX, 0] - hip)
    i = np.flatnonzero((y[1:-1] > y[:-2]) & (y[1:-1] >= y[2:])) + 1
    return t[i]
