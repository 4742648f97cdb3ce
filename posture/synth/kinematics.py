"""A phase-locked kinematic model of a treadmill runner with posture we set.

The model places the feet first (a foot in stance is carried backward by the belt, rolling
from heel to toe; a foot in swing follows a smooth arc to its next landing), sets the pelvis
and trunk from the parameters, and closes each leg with two-link inverse kinematics (knee
always bends forward). That way the quantities the metrics measure are *set*, not hoped for:

* the ankle at initial contact sits exactly ``overstride_pct_leg`` % of leg length ahead of the
  hip midpoint, and the leg at contact is bent exactly ``knee_flexion_ic_deg`` (3D);
* the foot is on the ground (heel, flat, or toe) from initial contact to toe-off;
* trunk lean (hip-mid -> shoulder-mid against vertical, side view) equals ``trunk_lean_deg``
  plus a small in-stride wobble of zero mean;
* pelvic drop and sideways trunk lean peak at mid-stance at the parameter values (rear view);
* every parameter may drift linearly over the clip (``fatigue``: name -> end value).

World frame: X forward, Y runner's left, Z up, metres, ground at Z = 0 (see ``camera.py``).
Phase: ``phi`` counts strides; the left leg lands when ``phi`` is an integer and the right leg
when it is an integer + 0.5.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from itertools import pairwise

import numpy as np

from posture.landmarks import LM, N_LANDMARKS
from posture.synth import body
from posture.synth.camera import CameraParams, depth_m, project
from posture.track import TRUNK_PROFILE_S

LEGS: tuple[str, str] = ("left", "right")
_LEG_OFFSET = {"left": 0.0, "right": 0.5}
_LEG_SIGN = {"left": 1.0, "right": -1.0}  # +Y is the runner's left
_S1, _S2 = 0.15, 0.55  # stance fractions: heel rocker ends, heel rise starts


@dataclass(frozen=True)
class RunnerParams:
    """Posture and timing of the synthetic runner (angles in degrees, lengths as stated).

    ``asymmetry`` scales the RIGHT leg's overstride, pelvic drop and sideways lean by
    ``1 + asymmetry``. ``fatigue`` maps a parameter name to its value at the END of the clip;
    the value drifts linearly from the start value (the field) to that end value.
    ``lateral_lean_deg=None`` derives the peak sideways lean from ``lateral_sway_pct_hip``.
    """

    cadence_spm: float = 170.0
    trunk_lean_deg: float = 6.0
    trunk_lean_osc_deg: float = 1.0
    """Amplitude of the in-stride trunk-lean wobble (two cycles per stride, zero mean)."""
    lumbar_arch: float = 0.0
    """Low-back curve depth below the buttock-to-upper-back chord, fraction of trunk length."""
    overstride_pct_leg: float = 10.0
    vertical_osc_pct_leg: float = 8.0
    contact_fraction: float = 0.36
    """Stance share of the stride (contact time = fraction * stride time)."""
    knee_flexion_ic_deg: float = 18.0
    knee_flexion_toeoff_deg: float = 14.0
    foot_angle_ic_deg: float = 10.0
    """Foot pitch at contact, toes up positive (> 8: rearfoot strike)."""
    foot_angle_toeoff_deg: float = -35.0
    swing_height_pct_leg: float = 40.0
    """How far the ankle is lifted above its straight path at mid-swing, % leg."""
    lateral_sway_pct_hip: float = 10.0
    """Range of shoulder-mid minus hip-mid sideways over a stride, % hip width."""
    lateral_lean_deg: float | None = None
    """Peak sideways trunk lean toward the stance leg; None: from ``lateral_sway_pct_hip``."""
    pelvic_drop_deg: float = 4.0
    body_sway_pct_hip: float = 12.0
    """Whole-body side-to-side shift over the stance feet, peak-to-peak, % hip width."""
    step_width_pct_hip: float = 40.0
    """Sideways distance between the feet, % hip width."""
    arm_swing_deg: float = 50.0
    """Range of the upper-arm angle over a stride."""
    elbow_flexion_deg: float = 85.0
    asymmetry: float = 0.0
    height_m: float = 1.75
    phase0: float = 0.13
    """Stride phase at t = 0 (so the clip does not start exactly at a contact)."""
    fatigue: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = {f.name for f in fields(self)} - {"fatigue", "phase0", "height_m"}
        for name in self.fatigue:
            if name not in names:
                raise ValueError(f"fatigue names an unknown parameter {name!r}")
            if getattr(self, name) is None:
                raise ValueError(f"set a start value for {name!r} before ramping it")
        for cf in (self.contact_fraction, self.fatigue.get("contact_fraction",
                                                            self.contact_fraction)):
            if not 0.15 <= cf <= 0.48:
                raise ValueError("contact_fraction must lie in [0.15, 0.48] for running")
        if self.cadence_spm <= 0 or self.fatigue.get("cadence_spm", 1.0) <= 0:
            raise ValueError("cadence must be positive")

    def value(self, name: str, frac: float | np.ndarray) -> np.ndarray:
        """Value of parameter ``name`` at clip fraction ``frac`` (0 = start, 1 = end)."""
        frac = np.clip(np.asarray(frac, dtype=float), 0.0, 1.0)
        start = getattr(self, name)
        if start is None:
            if name not in self.fatigue:
                # derived lean follows the sway, including a sway fatigue ramp
                return self.lean_for_sway_deg(self.value("lateral_sway_pct_hip", frac))
            start = self.derived_lateral_lean_deg()
        end = self.fatigue.get(name, start)
        return start + (end - start) * frac

    def at(self, frac: float) -> RunnerParams:
        """The parameters frozen at one clip fraction (no fatigue left)."""
        vals = {name: float(self.value(name, frac)) for name in self.fatigue}
        return replace(self, fatigue={}, **vals)

    def derived_lateral_lean_deg(self) -> float:
        """Peak sideways lean giving ``lateral_sway_pct_hip`` with symmetric legs."""
        return float(self.lean_for_sway_deg(self.lateral_sway_pct_hip))

    def lean_for_sway_deg(self, sway_pct_hip: float | np.ndarray) -> np.ndarray:
        """Peak sideways lean (deg) that gives this sway (% hip width)."""
        ratio = np.asarray(sway_pct_hip) / 100.0 * body.HIP_WIDTH_H / body.TRUNK_H
        return np.rad2deg(np.arcsin(np.clip(ratio / (2.0 + self.asymmetry), -1, 1)))

    def to_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["fatigue"] = dict(self.fatigue)
        return d

    @classmethod
    def from_dict(cls, d: Mapping) -> RunnerParams:
        return cls(**d)


@dataclass(frozen=True)
class Stance:
    """One ground contact of one leg (times in s, positions in m relative to hip-mid x)."""

    leg: str
    k: int
    t_ic: float
    t_to: float
    x_heel0: float
    y_foot: float
    theta_ic: float
    theta_to: float
    belt_mps: float
    drop_rad: float
    lat_lean_rad: float


def _rot(theta: np.ndarray, x: float, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Rotate the sagittal vector (x forward, z up) by ``theta`` (rad, toes-up positive)."""
    c, s = np.cos(theta), np.sin(theta)
    return x * c - z * s, x * s + z * c


def _smooth(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _min_jerk(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x**3 * (10 - 15 * x + 6 * x * x)


class RunnerModel:
    """Closed-form joint positions of the runner at any time (vectorised over times)."""

    def __init__(self, params: RunnerParams, duration_s: float) -> None:
        if duration_s <= 0:
            raise ValueError("duration_s must be positive")
        self.p = params
        self.duration_s = float(duration_s)
        H = params.height_m
        self.H = H
        self.thigh_m = body.THIGH_H * H
        self.shank_m = body.SHANK_H * H
        self.leg_m = self.thigh_m + self.shank_m
        self.hip_w_m = body.HIP_WIDTH_H * H
        self.trunk_m = body.TRUNK_H * H
        self.hx = body.HEEL_BACK_H * H
        self.tx = body.TOE_FWD_H * H
        self.hz = body.ANKLE_HEIGHT_H * H
        self.stances: dict[str, list[Stance]] = {leg: self._plan(leg) for leg in LEGS}

    # ------------------------------------------------------------------ time and phase
    def frac(self, t: np.ndarray) -> np.ndarray:
        return np.clip(np.asarray(t, dtype=float) / self.duration_s, 0.0, 1.0)

    def val(self, name: str, t: np.ndarray | float) -> np.ndarray:
        return self.p.value(name, self.frac(t))

    def phase(self, t: np.ndarray | float) -> np.ndarray:
        """Stride phase (strides since the left contact at phase 0) at time ``t``."""
        t = np.asarray(t, dtype=float)
        c0 = self.p.cadence_spm
        c1 = float(self.p.value("cadence_spm", 1.0))
        D = self.duration_s
        inside = np.clip(t, 0.0, D)
        phi = self.p.phase0 + (c0 * inside + (c1 - c0) * inside**2 / (2 * D)) / 120.0
        phi = phi + np.where(t < 0, c0 * t / 120.0, 0.0)
        return phi + np.where(t > D, c1 * (t - D) / 120.0, 0.0)

    def time_at_phase(self, phi: float) -> float:
        """Inverse of :meth:`phase` (s)."""
        c0 = self.p.cadence_spm
        c1 = float(self.p.value("cadence_spm", 1.0))
        D = self.duration_s
        q = (phi - self.p.phase0) * 120.0
        if q <= 0:
            return q / c0
        end_q = c0 * D + (c1 - c0) * D / 2
        if q >= end_q:
            return D + (q - end_q) / c1
        a = (c1 - c0) / (2 * D)
        if abs(a) < 1e-12:
            return q / c0
        return float((-c0 + np.sqrt(c0 * c0 + 4 * a * q)) / (2 * a))

    # ------------------------------------------------------------------ trunk and pelvis
    def _lean_amplitudes_rad(self, t: float) -> tuple[float, float]:
        left = float(np.deg2rad(self.val("lateral_lean_deg", t)))
        return left, left * (1 + self.p.asymmetry)

    def _windows(self, t: np.ndarray, attr: str) -> np.ndarray:
        """Sum over stances of (signed amplitude ``attr``) * sin(pi * stance progress)."""
        out = np.zeros_like(t)
        for leg in LEGS:
            for st in self.stances[leg]:
                m = (t >= st.t_ic) & (t <= st.t_to)
                if m.any():
                    s = (t[m] - st.t_ic) / (st.t_to - st.t_ic)
                    out[m] += _LEG_SIGN[leg] * getattr(st, attr) * np.sin(np.pi * s)
        return out

    def hip_mid(self, t: np.ndarray) -> np.ndarray:
        """(n, 3) hip midpoint, m."""
        t = np.asarray(t, dtype=float)
        phi = self.phase(t)
        cf = self.val("contact_fraction", t)
        A = self.val("vertical_osc_pct_leg", t) / 100.0 * self.leg_m
        psi = np.mod(2 * phi, 1.0)
        g = (1 - np.cos(2 * np.pi * (psi - cf))) / 2
        g_ic = (1 - np.cos(2 * np.pi * cf)) / 2
        B = self.val("body_sway_pct_hip", t) / 100.0 * self.hip_w_m / 2
        y = B * np.cos(2 * np.pi * (phi - cf / 2))
        z = self._z_base(t) + A * (g - g_ic)
        return np.stack([np.zeros_like(t), y, z], axis=-1)

    def _z_base(self, t: np.ndarray) -> np.ndarray:
        """Hip height at contact: the landing leg reaches the set overstride and knee bend."""
        ov = self.val("overstride_pct_leg", t) / 100.0
        d_ic = np.maximum(np.abs(ov), np.abs(ov * (1 + self.p.asymmetry))) * self.leg_m
        D_ic = self._reach(self.val("knee_flexion_ic_deg", t))
        th = np.deg2rad(self.val("foot_angle_ic_deg", t))
        ankle_z = _rot(th, self.hx, self.hz)[1]
        B = self.val("body_sway_pct_hip", t) / 100.0 * self.hip_w_m / 2
        sw = self.val("step_width_pct_hip", t) / 100.0 * self.hip_w_m
        # sideways hip-to-ankle offset at a contact (same for both legs by symmetry)
        cf = self.val("contact_fraction", t)
        dy = B * np.cos(np.pi * cf) + (self.hip_w_m - sw) / 2
        return ankle_z + np.sqrt(np.clip(D_ic**2 - d_ic**2 - dy**2, 0.01, None))

    def _reach(self, knee_flexion_deg: np.ndarray) -> np.ndarray:
        """Hip-ankle distance for a knee flexion (m)."""
        a, b = self.thigh_m, self.shank_m
        return np.sqrt(a * a + b * b + 2 * a * b * np.cos(np.deg2rad(knee_flexion_deg)))

    def pelvis_tilt(self, t: np.ndarray) -> np.ndarray:
        """(n,) frontal pelvis angle, rad, positive = left hip higher."""
        return self._windows(np.asarray(t, dtype=float), "drop_rad")

    def hips(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Left and right hip joint centres, (n, 3) each, m."""
        mid = self.hip_mid(t)
        d = self.pelvis_tilt(t)
        half = self.hip_w_m / 2 * np.stack([np.zeros_like(d), np.cos(d), np.sin(d)], axis=-1)
        return mid + half, mid - half

    def trunk_angles(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Forward lean and sideways lean (positive toward the runner's left), rad."""
        t = np.asarray(t, dtype=float)
        psi = np.mod(2 * self.phase(t), 1.0)
        lean = self.val("trunk_lean_deg", t) + self.val("trunk_lean_osc_deg", t) * np.sin(
            2 * np.pi * psi)
        return np.deg2rad(lean), self._windows(t, "lat_lean_rad")

    # ------------------------------------------------------------------ feet
    def _plan(self, leg: str) -> list[Stance]:
        o = _LEG_OFFSET[leg]
        k_lo = int(np.floor(self.phase(-3.0) - o))
        k_hi = int(np.ceil(self.phase(self.duration_s + 3.0) - o))
        out = []
        for k in range(k_lo, k_hi + 1):
            t_ic = self.time_at_phase(k + o)
            cf = float(self.val("contact_fraction", t_ic))
            t_to = self.time_at_phase(k + o + cf)
            scale = 1.0 + (self.p.asymmetry if leg == "right" else 0.0)
            ov = float(self.val("overstride_pct_leg", t_ic)) * scale / 100 * self.leg_m
            th_ic = float(np.deg2rad(self.val("foot_angle_ic_deg", t_ic)))
            th_to = float(np.deg2rad(self.val("foot_angle_toeoff_deg", t_ic)))
            x_heel0 = ov - float(_rot(th_ic, self.hx, self.hz)[0])
            sw = float(self.val("step_width_pct_hip", t_ic)) / 100 * self.hip_w_m
            y_foot = _LEG_SIGN[leg] * sw / 2
            drop = float(np.deg2rad(self.val("pelvic_drop_deg", t_ic))) * scale
            lat = self._lean_amplitudes_rad(t_ic)[0] * scale
            st = Stance(leg, k, t_ic, t_to, x_heel0, y_foot, th_ic, th_to, 0.0, drop, lat)
            out.append(replace(st, belt_mps=self._belt_speed(st, t_ic)))
        return out

    def _belt_speed(self, st: Stance, t_ic: float) -> float:
        """Belt speed that leaves the leg bent ``knee_flexion_toeoff_deg`` at toe-off."""
        # the pelvis is level at toe-off (stance windows vanish there), so no stance list needed
        mid = self.hip_mid(np.array([st.t_to]))[0]
        hip = mid + _LEG_SIGN[st.leg] * np.array([0.0, self.hip_w_m / 2, 0.0])
        rx, rz = _rot(st.theta_to, -self.tx, self.hz)
        D_to = float(self._reach(self.val("knee_flexion_toeoff_deg", t_ic)))
        dz, dy = hip[2] - float(rz), hip[1] - st.y_foot
        dx = np.sqrt(max(D_to**2 - dz**2 - dy**2, 0.0))
        ankle_to_x = hip[0] - dx
        toe_to_x = ankle_to_x - float(rx)
        t_c = st.t_to - st.t_ic
        return float((st.x_heel0 + self.hx + self.tx - toe_to_x) / t_c)

    def _stance_foot(self, st: Stance, t: np.ndarray) -> tuple[np.ndarray, ...]:
        """Ankle x, z and foot pitch during one stance."""
        tau = t - st.t_ic
        s = tau / (st.t_to - st.t_ic)
        slide = st.x_heel0 - st.belt_mps * tau
        th_a = st.theta_ic * (1 - _smooth(s / _S1))
        ax_a, az_a = _rot(th_a, self.hx, self.hz)
        th_c = st.theta_to * _smooth((s - _S2) / (1 - _S2))
        ax_c, az_c = _rot(th_c, -self.tx, self.hz)
        x = np.where(s < _S1, slide + ax_a, np.where(s <= _S2, slide + self.hx,
                                                       slide + self.hx + self.tx + ax_c))
        z = np.where(s < _S1, az_a, np.where(s <= _S2, self.hz, az_c))
        th = np.where(s < _S1, th_a, np.where(s <= _S2, 0.0, th_c))
        return x, z, th

    def feet(self, t: np.ndarray, leg: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Ankle (n, 3) m, foot pitch (n,) rad and in-stance flag (n,) for one leg."""
        t = np.asarray(t, dtype=float)
        ankle = np.full((t.size, 3), np.nan)
        pitch = np.full(t.size, np.nan)
        stance = np.zeros(t.size, dtype=bool)
        sts = self.stances[leg]
        for st, nxt in pairwise(sts):
            m = (t >= st.t_ic) & (t < st.t_to)
            if m.any():
                x, z, th = self._stance_foot(st, t[m])
                ankle[m] = np.stack([x, np.full(x.size, st.y_foot), z], axis=-1)
                pitch[m] = th
                stance[m] = True
            m = (t >= st.t_to) & (t < nxt.t_ic)
            if m.any():
                ankle[m], pitch[m] = self._swing_foot(st, nxt, t[m])
        if np.isnan(pitch).any():
            raise ValueError("time outside the planned strides")
        return ankle, pitch, stance

    def _swing_foot(self, st: Stance, nxt: Stance, t: np.ndarray) -> tuple[np.ndarray, ...]:
        """Smooth arc from toe-off to the next contact (Hermite in x so velocity is continuous)."""
        x0, z0, th0 = (float(v[0]) for v in self._stance_foot(st, np.array([st.t_to])))
        x1, z1, th1 = (float(v[0]) for v in self._stance_foot(nxt, np.array([nxt.t_ic])))
        Ts = nxt.t_ic - st.t_to
        u = (t - st.t_to) / Ts
        v0, v1 = -st.belt_mps * Ts, -0.3 * nxt.belt_mps * Ts
        h00, h10 = 2 * u**3 - 3 * u**2 + 1, u**3 - 2 * u**2 + u
        h01, h11 = -2 * u**3 + 3 * u**2, u**3 - u**2
        x = h00 * x0 + h10 * v0 + h01 * x1 + h11 * v1
        hs = float(self.val("swing_height_pct_leg", st.t_to)) / 100 * self.leg_m
        z = z0 + (z1 - z0) * _min_jerk(u) + hs * np.sin(np.pi * u**0.8)
        y = st.y_foot + (nxt.y_foot - st.y_foot) * _min_jerk(u)
        th = th0 + (th1 - th0) * _min_jerk(u)
        return np.stack([x, y, z], axis=-1), th

    # ------------------------------------------------------------------ whole body
    def knee(self, hip: np.ndarray, ankle: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Two-link IK with the knee bending forward; returns (knee, ankle), ankle pulled in
        toward the hip if it was out of reach (only ever in swing)."""
        a, b = self.thigh_m, self.shank_m
        vec = ankle - hip
        d = np.linalg.norm(vec, axis=-1, keepdims=True)
        u = vec / d
        d_ok = np.clip(d, abs(a - b) + 1e-6, (a + b) * 0.9995)
        ankle = hip + u * d_ok
        fwd = np.array([1.0, 0.0, 0.0])
        pole = fwd - (u @ fwd)[:, None] * u
        pole /= np.linalg.norm(pole, axis=-1, keepdims=True)
        cos_a = (a * a + d_ok**2 - b * b) / (2 * a * d_ok)
        sin_a = np.sqrt(np.clip(1 - cos_a**2, 0, None))
        return hip + a * (cos_a * u + sin_a * pole), ankle

    def world(self, t: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """(n, 33, 3) landmark positions (m) at times ``t`` and per-time extras."""
        t = np.atleast_1d(np.asarray(t, dtype=float))
        n, H = t.size, self.H
        P = np.full((n, N_LANDMARKS, 3), np.nan)
        extras: dict[str, np.ndarray] = {}
        hip_l, hip_r = self.hips(t)
        for leg, hip in (("left", hip_l), ("right", hip_r)):
            ankle, pitch, stance = self.feet(t, leg)
            knee, ankle = self.knee(hip, ankle)
            up = "LEFT" if leg == "left" else "RIGHT"
            P[:, LM[f"{up}_HIP"]] = hip
            P[:, LM[f"{up}_KNEE"]] = knee
            P[:, LM[f"{up}_ANKLE"]] = ankle
            hx_, hz_ = _rot(pitch, -self.hx, -self.hz)
            tx_, tz_ = _rot(pitch, self.tx, -self.hz)
            zeros = np.zeros(n)
            P[:, LM[f"{up}_HEEL"]] = ankle + np.stack([hx_, zeros, hz_], axis=-1)
            P[:, LM[f"{up}_FOOT_INDEX"]] = ankle + np.stack([tx_, zeros, tz_], axis=-1)
            extras[f"foot_pitch_{leg}_rad"] = pitch
            extras[f"stance_{leg}"] = stance
        mid = (hip_l + hip_r) / 2
        lean, lat = self.trunk_angles(t)
        e_a = np.stack([np.sin(lean) * np.cos(lat), np.sin(lat) * np.cos(lean),
                        np.cos(lean) * np.cos(lat)], axis=-1)
        e_a /= np.linalg.norm(e_a, axis=-1, keepdims=True)
        fwd = np.array([1.0, 0.0, 0.0])
        e_f = fwd - (e_a @ fwd)[:, None] * e_a
        e_f /= np.linalg.norm(e_f, axis=-1, keepdims=True)
        e_l = np.cross(e_a, e_f)
        sh_mid = mid + self.trunk_m * e_a
        half_s = body.SHOULDER_WIDTH_H * H / 2
        P[:, LM.LEFT_SHOULDER] = sh_mid + half_s * e_l
        P[:, LM.RIGHT_SHOULDER] = sh_mid - half_s * e_l
        self._arms(t, P)
        self._head(lean, lat, sh_mid, P)
        extras.update(trunk_axis=e_a, trunk_forward=e_f, trunk_left=e_l,
                      lumbar_arch=self.val("lumbar_arch", t), hip_mid=mid,
                      shoulder_mid=sh_mid, lean_rad=lean, lateral_lean_rad=lat,
                      pelvis_tilt_rad=self.pelvis_tilt(t))
        return P, extras

    def _arms(self, t: np.ndarray, P: np.ndarray) -> None:
        H = self.H
        phi = self.phase(t)
        amp = np.deg2rad(self.val("arm_swing_deg", t)) / 2
        elbow0 = np.deg2rad(self.val("elbow_flexion_deg", t))
        beta, chi = np.deg2rad(8.0), np.deg2rad(20.0)
        for side, lag in (("LEFT", 0.45), ("RIGHT", -0.05)):
            sign = 1.0 if side == "LEFT" else -1.0
            wave = np.cos(2 * np.pi * (phi - lag))
            alpha = np.deg2rad(-5.0) + amp * wave
            gamma = alpha + elbow0 + np.deg2rad(10.0) * wave
            sh = P[:, LM[f"{side}_SHOULDER"]]
            ua = np.stack([np.sin(alpha) * np.cos(beta), np.full_like(alpha, sign * np.sin(beta)),
                           -np.cos(alpha) * np.cos(beta)], axis=-1)
            fa = np.stack([np.sin(gamma) * np.cos(chi), np.full_like(gamma, -sign * np.sin(chi)),
                           -np.cos(gamma) * np.cos(chi)], axis=-1)
            elbow = sh + body.UPPER_ARM_H * H * ua
            wrist = elbow + body.FOREARM_H * H * fa
            hand = body.HAND_H * H
            side_v = np.array([0.0, sign, 0.0])
            up_v = np.stack([-np.cos(gamma), np.zeros_like(gamma), -np.sin(gamma)], axis=-1)
            P[:, LM[f"{side}_ELBOW"]] = elbow
            P[:, LM[f"{side}_WRIST"]] = wrist
            P[:, LM[f"{side}_INDEX"]] = wrist + 0.6 * hand * fa + 0.15 * hand * up_v
            P[:, LM[f"{side}_PINKY"]] = wrist + 0.5 * hand * fa - 0.15 * hand * up_v
            P[:, LM[f"{side}_THUMB"]] = wrist + 0.35 * hand * fa + 0.25 * hand * up_v \
                - 0.1 * hand * side_v

    def _head(self, lean: np.ndarray, lat: np.ndarray, sh_mid: np.ndarray,
              P: np.ndarray) -> None:
        H = self.H
        lh, lt = 0.3 * lean, 0.5 * lat
        e_h = np.stack([np.sin(lh) * np.cos(lt), np.sin(lt) * np.cos(lh),
                        np.cos(lh) * np.cos(lt)], axis=-1)
        e_h /= np.linalg.norm(e_h, axis=-1, keepdims=True)
        centre = sh_mid + body.NECK_TO_EAR_H * H * e_h + np.array([0.02 * H, 0.0, 0.0])
        face = {  # (forward, left, up) offsets from the head centre, fraction of H
            LM.NOSE: (0.058, 0.0, -0.010),
            LM.LEFT_EYE_INNER: (0.048, 0.012, 0.012), LM.RIGHT_EYE_INNER: (0.048, -0.012, 0.012),
            LM.LEFT_EYE: (0.045, 0.020, 0.012), LM.RIGHT_EYE: (0.045, -0.020, 0.012),
            LM.LEFT_EYE_OUTER: (0.040, 0.028, 0.012), LM.RIGHT_EYE_OUTER: (0.040, -0.028, 0.012),
            LM.LEFT_EAR: (-0.005, 0.043, 0.0), LM.RIGHT_EAR: (-0.005, -0.043, 0.0),
            LM.MOUTH_LEFT: (0.048, 0.015, -0.032), LM.MOUTH_RIGHT: (0.048, -0.015, -0.032),
        }
        for lm, (f, l_, u) in face.items():
            P[:, lm] = centre + H * np.array([f, l_, u])


@dataclass
class SyntheticRun:
    """Sampled frames of a simulated run.

    Attributes
    ----------
    t_s : (T,) frame times, s.
    world_m : (T, 33, 3) landmark positions in the model's world frame, m.
    image_xy_px : (T, 33, 2) what the camera records (roll and pan applied), px.
    level_xy_px : (T, 33, 2) the same points in the level, still image (roll and pan removed),
        px: the frame in which truth metrics are computed.
    depth_m : (T, 33) distance along the viewing direction (larger = farther), m.
    trunk_edges_px : (T, K, 2) trunk outline distances (``PoseTrack`` contract), px.
    events : {"left"/"right": {"ic_s", "to_s", "ic_frame", "to_frame"}} true contacts within
        the clip: continuous times (s) and nearest frame indices.
    extras : per-frame model quantities (trunk axes, foot pitch, stance flags, lumbar arch).
    """

    params: RunnerParams
    camera: CameraParams
    duration_s: float
    model: RunnerModel
    t_s: np.ndarray
    world_m: np.ndarray
    image_xy_px: np.ndarray
    level_xy_px: np.ndarray
    depth_m: np.ndarray
    trunk_edges_px: np.ndarray
    events: dict[str, dict[str, np.ndarray]]
    extras: dict[str, np.ndarray]

    @property
    def scale_px_per_m(self) -> float:
        return self.camera.runner_px / self.params.height_m

    def level_xy_at(self, t: np.ndarray) -> np.ndarray:
        """(n, 33, 2) level-image landmark positions at arbitrary times (exact events), px."""
        t = np.atleast_1d(np.asarray(t, dtype=float))
        P, _ = self.model.world(t)
        return project(P, t, self._still_camera(), self.params.height_m, apply_roll=False)

    def _still_camera(self) -> CameraParams:
        return replace(self.camera, pan_px=0.0)


def nearest_frame(t_s: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Index of the frame nearest to each time."""
    idx = np.clip(np.searchsorted(t_s, times), 1, t_s.size - 1)
    left = t_s[idx - 1]
    return np.where(np.abs(times - left) <= np.abs(t_s[idx] - times), idx - 1, idx).astype(int)


def simulate(params: RunnerParams, camera: CameraParams, *, duration_s: float) -> SyntheticRun:
    """Sample the running model at the camera's frame times and project it.

    Returns
    -------
    SyntheticRun with true 3D positions (m), image positions (px) and true events (s).
    """
    model = RunnerModel(params, duration_s)
    t = camera.frame_times(duration_s)
    if t.size < 2:
        raise ValueError("duration too short for one frame pair")
    P, extras = model.world(t)
    image = project(P, t, camera, params.height_m)
    level = project(P, t, replace(camera, pan_px=0.0), params.height_m, apply_roll=False)
    events: dict[str, dict[str, np.ndarray]] = {}
    for leg in LEGS:
        sts = [s for s in model.stances[leg] if 0.0 <= s.t_ic < t[-1]]
        ic = np.array([s.t_ic for s in sts])
        to = np.array([s.t_to for s in model.stances[leg] if 0.0 <= s.t_to < t[-1]])
        events[leg] = {"ic_s": ic, "to_s": to, "ic_frame": nearest_frame(t, ic),
                       "to_frame": nearest_frame(t, to)}
    edges = trunk_edges(extras, camera, params.height_m, level)
    return SyntheticRun(params, camera, float(duration_s), model, t, P, image, level,
                        depth_m(P, camera), edges, events, extras)


def trunk_edges(extras: dict[str, np.ndarray], camera: CameraParams, height_m: float,
                level_xy_px: np.ndarray) -> np.ndarray:
    """(T, K, 2) outline distances from the trunk axis at ``TRUNK_PROFILE_S``, px.

    Side view: front (belly/chest) and back outline from the body model; channel 0 is the
    +n side (image +x for an upright trunk), i.e. the front when the runner faces +x. Rear and
    front views: the half-width of the trunk on both sides.
    """
    s = TRUNK_PROFILE_S
    hm = level_xy_px[:, [LM.LEFT_HIP, LM.RIGHT_HIP]].mean(axis=1)
    sm = level_xy_px[:, [LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER]].mean(axis=1)
    # the outline lies in the trunk's sagittal plane: its scale is the 3D trunk length
    trunk_px = body.TRUNK_H * camera.runner_px * np.ones(hm.shape[0])
    if camera.view == "side":
        front = body.front_profile(s)[None, :] * trunk_px[:, None]
        back = body.back_profile(s[None, :], extras["lumbar_arch"][:, None]) * trunk_px[:, None]
        ch = (front, back) if camera.facing == 1 else (back, front)
        out = np.stack(ch, axis=-1)
    else:
        w = body.half_width_profile(s)[None, :] * trunk_px[:, None]
        out = np.stack([w, w], axis=-1)
    out[~np.isfinite(sm - hm).all(axis=1)] = np.nan
    return out
