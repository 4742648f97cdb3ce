"""A closed-form 3D stick runner seen from behind or in front through a pinhole camera.

Built from first principles so that the rear/front tests do not depend on any other module:
known contacts and toe-offs (:func:`true_events`), pelvic drop, trunk lean, arm crossing and
step width. ``posture.synth`` provides the physical gait model; this one is exact by
construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posture.landmarks import LM
from posture.track import PoseTrack, VideoInfo, empty_arrays


@dataclass(frozen=True)
class Stick:
    """A runner on a treadmill; world X = runner's right, Y up, Z away from the rear camera."""

    cadence_spm: float = 170.0
    duty: float = 0.36
    """Stance fraction of the stride."""
    pelvic_drop_deg: float = 6.0
    """Peak hip-line tilt in stance (swing hip lower), both legs unless ``drop_right_deg``."""
    drop_right_deg: float | None = None
    lean_deg: float = 4.0
    """Peak trunk lean toward the stance leg."""
    arm_cross_m: float = 0.03
    """How far each wrist passes the midline at its peak."""
    step_half_m: float = 0.06
    """Lateral foot placement from the midline."""
    hip_w_m: float = 0.18
    trunk_m: float = 0.5
    foot_lift_m: float = 0.25
    roll_deg: float = 0.0
    """Camera roll, image rotated clockwise by this angle (true horizontal slopes down right)."""
    cam_h_m: float = 0.6
    dist_m: float = 4.0
    f_px: float = 900.0
    fps: float = 60.0
    duration_s: float = 8.0
    t0_s: float = 0.137
    """Time of the first left contact (not on a frame)."""
    bounce_m: float = 0.0
    """Peak-to-peak rise and fall of the hips over each step."""
    bounce_low_share: float = 0.18
    """Where in a step (0 = contact, 1 = the other leg's contact) the hips are lowest:
    mid-stance for running (about duty / 2), at the contact for walking."""

    @property
    def stride_s(self) -> float:
        return 120.0 / self.cadence_spm


def _phase(st: Stick, t: np.ndarray, leg: str) -> np.ndarray:
    off = 0.0 if leg == "left" else 0.5
    return np.mod((t - st.t0_s) / st.stride_s - off, 1.0)


def true_events(st: Stick) -> dict[str, dict[str, np.ndarray]]:
    """Real times (s) of IC and TO per leg within the clip."""
    out: dict[str, dict[str, np.ndarray]] = {}
    for leg, off in (("left", 0.0), ("right", 0.5)):
        k = np.arange(-2, int(st.duration_s / st.stride_s) + 3)
        ic = st.t0_s + (k + off) * st.stride_s
        to = ic + st.duty * st.stride_s
        keep = lambda x: x[(x >= 0) & (x < st.duration_s)]  # noqa: E731
        out[leg] = {"ic": keep(ic), "to": keep(to)}
    return out


def stick_runner(st: Stick = Stick(), *, view: str = "rear", noise_px: float = 0.0,
                 seed: int = 0) -> PoseTrack:
    """A pose track of the stick runner seen from behind (or in front, mirrored geometry)."""
    n = int(st.duration_s * st.fps)
    t = np.arange(n) / st.fps
    P: dict[int, np.ndarray] = {}
    stance_w = {}
    for leg, sgn in (("left", -1.0), ("right", 1.0)):
        p = _phase(st, t, leg)
        on = p < st.duty
        ps = np.where(on, p / st.duty, 0.0)
        pw = np.where(on, 0.0, (p - st.duty) / (1 - st.duty))
        stance_w[leg] = np.where(on, np.sin(np.pi * ps), 0.0)
        lift = np.where(on, 0.0, st.foot_lift_m * np.sin(np.pi * pw))
        # foot slides back toward the camera in stance, swings forward again
        z = np.where(on, 0.45 - 0.9 * ps, -0.45 + 0.9 * (1 - np.cos(np.pi * pw)) / 2)
        x = np.full(n, sgn * st.step_half_m)
        ankle = np.stack([x, lift + 0.08, z], 1)
        heel = np.stack([x, lift + 0.02, z - 0.06], 1)
        toe = np.stack([x, lift + 0.02, z + 0.14], 1)
        a, h, f = ((LM.LEFT_ANKLE, LM.LEFT_HEEL, LM.LEFT_FOOT_INDEX) if leg == "left"
                   else (LM.RIGHT_ANKLE, LM.RIGHT_HEEL, LM.RIGHT_FOOT_INDEX))
        P[a], P[h], P[f] = ankle, heel, toe
    drop_r = st.pelvic_drop_deg if st.drop_right_deg is None else st.drop_right_deg
    # hip-line tilt: + means the right hip is higher than the left
    # left stance: the right (swing) hip drops, so the hip line turns right-side-down
    tilt = np.deg2rad(drop_r * stance_w["right"] - st.pelvic_drop_deg * stance_w["left"])
    lean = np.deg2rad(st.lean_deg * (stance_w["right"] - stance_w["left"]))  # + toward right
    step = np.mod(2 * (t - st.t0_s) / st.stride_s, 1.0)
    hip_h = 0.9 - st.bounce_m / 2 * np.cos(2 * np.pi * (step - st.bounce_low_share))
    hip_c = np.stack([np.zeros(n), hip_h, np.zeros(n)], 1)
    half = st.hip_w_m / 2
    dvec = np.stack([np.cos(tilt), np.sin(tilt), np.zeros(n)], 1) * half
    P[LM.RIGHT_HIP], P[LM.LEFT_HIP] = hip_c + dvec, hip_c - dvec
    sh_c = hip_c + st.trunk_m * np.stack([np.sin(lean), np.cos(lean), np.zeros(n)], 1)
    P[LM.RIGHT_SHOULDER] = sh_c + np.array([0.19, 0, 0])
    P[LM.LEFT_SHOULDER] = sh_c - np.array([0.19, 0, 0])
    arm = np.sin(2 * np.pi * ((t - st.t0_s) / st.stride_s))
    # each wrist reaches across the midline by arm_cross_m at its peak
    reach = 0.12 + st.arm_cross_m
    P[LM.LEFT_WRIST] = hip_c + np.stack([-0.12 + reach * np.clip(arm, 0, 1),
                                         np.full(n, 0.15), np.zeros(n)], 1)
    P[LM.RIGHT_WRIST] = hip_c + np.stack([0.12 - reach * np.clip(-arm, 0, 1),
                                          np.full(n, 0.15), np.zeros(n)], 1)
    for sh, wr, el in ((LM.LEFT_SHOULDER, LM.LEFT_WRIST, LM.LEFT_ELBOW),
                       (LM.RIGHT_SHOULDER, LM.RIGHT_WRIST, LM.RIGHT_ELBOW)):
        P[el] = (P[sh] + P[wr]) / 2
    for hip, ank, knee in ((LM.LEFT_HIP, LM.LEFT_ANKLE, LM.LEFT_KNEE),
                           (LM.RIGHT_HIP, LM.RIGHT_ANKLE, LM.RIGHT_KNEE)):
        P[knee] = (P[hip] + P[ank]) / 2
    head = sh_c + np.array([0, 0.25, 0])
    for lm in range(33):
        P.setdefault(lm, head)
    W, H = 720, 1280
    arrays = empty_arrays(n)
    for lm, X in P.items():
        Xw = X[:, 0] if view == "rear" else -X[:, 0]
        Z = st.dist_m + (X[:, 2] if view == "rear" else -X[:, 2])
        u = W / 2 + st.f_px * Xw / Z
        v = H / 2 - st.f_px * (X[:, 1] - st.cam_h_m) / Z
        arrays["image_xy_px"][:, lm] = np.stack([u, v], 1)
    if st.roll_deg:
        r = np.deg2rad(st.roll_deg)
        c = np.array([W / 2, H / 2])
        d = arrays["image_xy_px"] - c
        rot = np.array([[np.cos(r), -np.sin(r)], [np.sin(r), np.cos(r)]])
        arrays["image_xy_px"][:] = d @ rot.T + c
    if noise_px:
        rng = np.random.default_rng(seed)
        arrays["image_xy_px"] += rng.normal(0, noise_px, arrays["image_xy_px"].shape)
    arrays["visibility"][:] = 0.95
    info = VideoInfo(path="stick.mp4", width_px=W, height_px=H, rotation_deg=0, codec="h264",
                     n_frames=n, fps_nominal=st.fps, fps_capture=st.fps, duration_s=n / st.fps,
                     is_vfr=False)
    return PoseTrack(t_s=t, frame_index=np.arange(n), frame_size_px=(W, H), info=info, **arrays)
