"""Ground truth of a synthetic run: true events and true per-stride metric values.

The metric formulas here are an independent, deliberately plain implementation of
``/tmp/team/DEFINITIONS.md`` (docs/metrics.md), applied to the TRUE 2D joint positions in the
level image (camera roll and pan removed, which is what roll correction recovers). Two
tables are produced:

* ``strides``: events snapped to the nearest frame, every value read from frames. This is the
  best any frame-based analysis of the clip could do, and what the pipeline is compared with.
* ``strides_exact``: event times and "at contact / at toe-off" values evaluated at the
  continuous event times; stride means and ranges still use the frames.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from posture.landmarks import LM
from posture.metrics.registry import METRICS
from posture.results import STRIDE_ID_COLUMNS
from posture.synth.camera import CameraParams
from posture.synth.kinematics import LEGS, RunnerParams, SyntheticRun
from posture.track import TRUNK_PROFILE_S

L_M_PER_H = 0.491  # leg length / height (definitions)
W_M_PER_H = 0.191  # hip joint-centre width / height (definitions)
_SIDE = {"left": "LEFT", "right": "RIGHT"}
_OTHER = {"left": "right", "right": "left"}


@dataclass
class GroundTruth:
    """What was set and what the definitions give on the true joints.

    Attributes
    ----------
    events : {"left"/"right": {"ic_s", "to_s" (s), "ic_frame", "to_frame"}} inside the clip.
    strides : per-stride truth, frame-based (see module docstring); columns follow
        ``posture.results`` plus the registry's metric columns.
    strides_exact : the same with continuous event times.
    summary : clip-level truth (``cadence_spm`` = steps / time spanned, exact times).
    """

    params: RunnerParams
    camera: CameraParams
    duration_s: float
    events: dict[str, dict[str, np.ndarray]]
    strides: pd.DataFrame
    strides_exact: pd.DataFrame
    summary: dict[str, float]

    def to_dict(self) -> dict:
        return {
            "params": self.params.to_dict(),
            "camera": _camera_dict(self.camera),
            "duration_s": self.duration_s,
            "events": {leg: {k: v.tolist() for k, v in ev.items()}
                       for leg, ev in self.events.items()},
            "summary": {k: _num(v) for k, v in self.summary.items()},
            "strides": _records(self.strides),
            "strides_exact": _records(self.strides_exact),
        }

    @classmethod
    def from_dict(cls, d: dict) -> GroundTruth:
        events = {leg: {k: np.asarray(v, dtype=float if k.endswith("_s") else int)
                        for k, v in ev.items()} for leg, ev in d["events"].items()}
        return cls(
            params=RunnerParams.from_dict(d["params"]),
            camera=CameraParams(**d["camera"]),
            duration_s=float(d["duration_s"]),
            events=events,
            strides=pd.DataFrame.from_records(d["strides"]).astype({"leg": str}),
            strides_exact=pd.DataFrame.from_records(d["strides_exact"]).astype({"leg": str}),
            summary={k: (np.nan if v is None else float(v)) for k, v in d["summary"].items()},
        )

    @classmethod
    def load(cls, path: str | Path) -> GroundTruth:
        return cls.from_dict(json.loads(Path(path).read_text()))


def _camera_dict(camera: CameraParams) -> dict:
    from dataclasses import asdict

    return asdict(camera)


def _num(v: float) -> float | None:
    v = float(v)
    return round(v, 6) if np.isfinite(v) else None


def _records(df: pd.DataFrame) -> list[dict]:
    out = []
    for rec in df.to_dict(orient="records"):
        out.append({k: (v if isinstance(v, str) else
                        int(v) if isinstance(v, int | np.integer) else _num(v))
                    for k, v in rec.items()})
    return out


# ------------------------------------------------------------------ geometry helpers
def _pt(xy: np.ndarray, name: str) -> np.ndarray:
    return xy[..., LM[name], :]


def _mid(xy: np.ndarray, a: str, b: str) -> np.ndarray:
    return (_pt(xy, a) + _pt(xy, b)) / 2


def _angle_from_vertical_up(vec: np.ndarray, facing: float) -> np.ndarray:
    """atan2(dx_fwd, dz_up) of an image vector, deg."""
    return np.rad2deg(np.arctan2(facing * vec[..., 0], -vec[..., 1]))


def _knee_flexion(xy: np.ndarray, leg: str) -> np.ndarray:
    s = _SIDE[leg]
    hip, knee, ankle = _pt(xy, f"{s}_HIP"), _pt(xy, f"{s}_KNEE"), _pt(xy, f"{s}_ANKLE")
    a, b = hip - knee, ankle - knee
    cos = (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
    return 180.0 - np.rad2deg(np.arccos(np.clip(cos, -1, 1)))


def _leg_len(xy: np.ndarray) -> np.ndarray:
    out = []
    for s in _SIDE.values():
        hip, knee, ankle = _pt(xy, f"{s}_HIP"), _pt(xy, f"{s}_KNEE"), _pt(xy, f"{s}_ANKLE")
        out.append(np.linalg.norm(hip - knee, axis=-1) + np.linalg.norm(knee - ankle, axis=-1))
    return np.mean(out, axis=0)


def lumbar_arch_pct(edges_px: np.ndarray, trunk_len_px: np.ndarray, facing: int) -> np.ndarray:
    """Per-frame lumbar arch index from trunk outline distances (definition), % trunk."""
    back = edges_px[..., 1] if facing == 1 else edges_px[..., 0]
    s = TRUNK_PROFILE_S
    lo = np.flatnonzero((s >= -0.2 - 1e-9) & (s <= 0.05 + 1e-9))
    hi = np.flatnonzero((s >= 0.45 - 1e-9) & (s <= 1.0 + 1e-9))
    out = np.full(back.shape[0], np.nan)
    for i, b in enumerate(back):
        if not np.isfinite(b).all():
            continue
        ib = lo[np.argmax(b[lo])]
        iu = hi[np.argmax(b[hi])]
        if iu - ib < 2:
            continue
        inner = np.arange(ib + 1, iu)
        chord = np.interp(s[inner], [s[ib], s[iu]], [b[ib], b[iu]])
        out[i] = 100.0 * np.max(chord - b[inner]) / trunk_len_px[i]
    return out


# ------------------------------------------------------------------ strides
def _event_positions(run: SyntheticRun, exact: bool) -> Callable[[float, int], np.ndarray]:
    def at(t_s: float, frame: int) -> np.ndarray:
        return run.level_xy_at(np.array([t_s]))[0] if exact else run.level_xy_px[frame]
    return at


def stride_table(run: SyntheticRun, *, exact: bool = False) -> pd.DataFrame:
    """Per-stride truth (one row per IC-to-IC of the same leg inside the clip)."""
    xy, t, cam = run.level_xy_px, run.t_s, run.camera
    at = _event_positions(run, exact)
    H = run.params.height_m
    facing = float(cam.facing) if cam.view == "side" else 1.0
    hm = _mid(xy, "LEFT_HIP", "RIGHT_HIP")
    sm = _mid(xy, "LEFT_SHOULDER", "RIGHT_SHOULDER")
    lean = _angle_from_vertical_up(sm - hm, facing)
    trunk_len = np.linalg.norm(sm - hm, axis=-1)
    arch = lumbar_arch_pct(run.trunk_edges_px, trunk_len, cam.facing) \
        if cam.view == "side" else np.full(t.size, np.nan)
    leg_len = _leg_len(xy)
    rows = []
    for leg in LEGS:
        ev, other = run.events[leg], run.events[_OTHER[leg]]
        for i in range(ev["ic_s"].size - 1):
            t0, t1 = float(ev["ic_s"][i]), float(ev["ic_s"][i + 1])
            f0, f1 = int(ev["ic_frame"][i]), int(ev["ic_frame"][i + 1])
            j = np.flatnonzero((ev["to_s"] > t0) & (ev["to_s"] < t1))
            t_to = float(ev["to_s"][j[0]]) if j.size else np.nan
            f_to = int(ev["to_frame"][j[0]]) if j.size else -1
            frames = np.arange(f0, f1)
            stance = np.arange(f0, f_to + 1) if f_to >= 0 else np.array([f0])
            L = float(np.median(leg_len[frames]))
            s_up = _SIDE[leg]
            # midstance: the stance frame where hip-mid x_fwd is closest to the stance ankle's
            ank = _pt(xy[stance], f"{s_up}_ANKLE")
            f_mid = int(stance[np.argmin(np.abs(facing * (ank[:, 0] - hm[stance, 0])))])
            p_ic = at(t0, f0)
            p_to = at(t_to, f_to) if f_to >= 0 else np.full_like(p_ic, np.nan)
            t_start = t0 if exact else float(t[f0])
            t_end = t1 if exact else float(t[f1])
            t_toe = t_to if exact else (float(t[f_to]) if f_to >= 0 else np.nan)
            nxt = other["ic_s"][other["ic_s"] > t0]
            nxt_f = other["ic_frame"][other["ic_s"] > t0]
            t_other = (float(nxt[0]) if exact else float(t[nxt_f[0]])) if nxt.size else np.nan
            row = {"leg": leg, "t_start_s": t_start, "t_end_s": t_end, "frame_start": f0,
                   "frame_end": f1, "frame_midstance": f_mid, "frame_toeoff": f_to,
                   "cadence_spm": 120.0 / (t_end - t_start),
                   "contact_time_ms": 1000.0 * (t_toe - t_start),
                   "flight_time_ms": 1000.0 * (t_other - t_toe)}
            if cam.view == "side":
                row.update(_side_metrics(xy, frames, f_mid, p_ic, p_to, leg, facing, L, H,
                                         lean, hm, arch))
            else:
                prev = other["ic_s"] < t0
                p_prev = None
                if prev.any():
                    k = np.flatnonzero(prev)[-1]
                    p_prev = at(float(other["ic_s"][k]), int(other["ic_frame"][k]))
                row.update(_frontal_metrics(xy, frames, stance, p_ic, p_prev, leg,
                                            cam.view, H))
            rows.append(row)
    df = pd.DataFrame(rows)
    if df.empty:
        return pd.DataFrame(columns=[*STRIDE_ID_COLUMNS, *METRICS])
    df = df.sort_values("t_start_s", kind="stable").reset_index(drop=True)
    df.insert(0, "stride", np.arange(len(df)))
    for col in METRICS:
        if col not in df:
            df[col] = np.nan
    return df[[*STRIDE_ID_COLUMNS, *METRICS]]


def _side_metrics(xy: np.ndarray, frames: np.ndarray, f_mid: int, p_ic: np.ndarray,
                  p_to: np.ndarray, leg: str, facing: float, L: float, H: float,
                  lean: np.ndarray, hm: np.ndarray, arch: np.ndarray) -> dict[str, float]:
    s = _SIDE[leg]
    hm_ic = _mid(p_ic, "LEFT_HIP", "RIGHT_HIP")
    ank, knee = _pt(p_ic, f"{s}_ANKLE"), _pt(p_ic, f"{s}_KNEE")
    heel, toe = _pt(p_ic, f"{s}_HEEL"), _pt(p_ic, f"{s}_FOOT_INDEX")
    hip_to, knee_to = _pt(p_to, f"{s}_HIP"), _pt(p_to, f"{s}_KNEE")
    hm_to = _mid(p_to, "LEFT_HIP", "RIGHT_HIP")
    sm_to = _mid(p_to, "LEFT_SHOULDER", "RIGHT_SHOULDER")
    hip_ext = np.rad2deg(np.arctan2(facing * (hip_to[0] - knee_to[0]), knee_to[1] - hip_to[1]))
    lean_to = _angle_from_vertical_up(sm_to - hm_to, facing)
    z_hip = -hm[frames, 1]
    vo_pct = 100.0 * (z_hip.max() - z_hip.min()) / L
    near = "RIGHT" if facing > 0 else "LEFT"
    sh, el = xy[frames, LM[f"{near}_SHOULDER"]], xy[frames, LM[f"{near}_ELBOW"]]
    arm = np.rad2deg(np.arctan2(facing * (el[:, 0] - sh[:, 0]), el[:, 1] - sh[:, 1]))
    return {
        "trunk_lean_deg": float(np.mean(lean[frames])),
        "trunk_lean_midstance_deg": float(lean[f_mid]),
        "lumbar_arch_pct": float(np.nanmedian(arch[frames])),
        "hip_extension_toeoff_deg": float(hip_ext),
        "trunk_thigh_toeoff_deg": float(hip_ext - lean_to),
        "overstride_pct_leg": float(100.0 * facing * (ank[0] - hm_ic[0]) / L),
        "shank_angle_ic_deg": float(np.rad2deg(np.arctan2(facing * (ank[0] - knee[0]),
                                                          ank[1] - knee[1]))),
        "knee_flexion_ic_deg": float(_knee_flexion(p_ic, leg)),
        "knee_flexion_midstance_deg": float(_knee_flexion(xy[f_mid], leg)),
        "foot_angle_ic_deg": float(np.rad2deg(np.arctan2(heel[1] - toe[1],
                                                         facing * (toe[0] - heel[0])))),
        "vertical_oscillation_pct_leg": float(vo_pct),
        "vertical_oscillation_cm": float(vo_pct / 100.0 * L_M_PER_H * H * 100.0),
        "arm_swing_deg": float(arm.max() - arm.min()),
    }


def _frontal_metrics(xy: np.ndarray, frames: np.ndarray, stance: np.ndarray, p_ic: np.ndarray,
                     p_prev: np.ndarray | None, leg: str, view: str,
                     H: float) -> dict[str, float]:
    lat = 1.0 if view == "rear" else -1.0  # +x_lat is always the runner's right
    hips_l, hips_r = xy[:, LM.LEFT_HIP], xy[:, LM.RIGHT_HIP]
    W = float(np.median(np.linalg.norm(hips_l[frames] - hips_r[frames], axis=-1)))
    hm = _mid(xy, "LEFT_HIP", "RIGHT_HIP")
    sm = _mid(xy, "LEFT_SHOULDER", "RIGHT_SHOULDER")
    d = lat * (sm[:, 0] - hm[:, 0])
    sway = 100.0 * (d[frames].max() - d[frames].min()) / W
    toward = 1.0 if leg == "right" else -1.0
    ang = np.rad2deg(np.arctan2(lat * (sm[:, 0] - hm[:, 0]), hm[:, 1] - sm[:, 1])) * toward
    st_hip = xy[stance, LM[f"{_SIDE[leg]}_HIP"]]
    sw_hip = xy[stance, LM[f"{_SIDE[_OTHER[leg]]}_HIP"]]
    drop = np.rad2deg(np.arctan2(sw_hip[:, 1] - st_hip[:, 1], np.abs(sw_hip[:, 0] - st_hip[:, 0])))
    wl = lat * (xy[frames, LM.LEFT_WRIST, 0] - hm[frames, 0])  # left wrist: crosses if > 0
    wr = lat * (hm[frames, 0] - xy[frames, LM.RIGHT_WRIST, 0])
    cross = max(0.0, float(np.max(wl)), float(np.max(wr)))
    step = np.nan
    if p_prev is not None:
        a_now = p_ic[LM[f"{_SIDE[leg]}_ANKLE"], 0]
        a_prev = p_prev[LM[f"{_SIDE[_OTHER[leg]]}_ANKLE"], 0]
        step = 100.0 * abs(lat * (a_now - a_prev)) / W
    return {
        "lateral_sway_pct_hip": float(sway),
        "lateral_sway_cm": float(sway / 100.0 * W_M_PER_H * H * 100.0),
        "lateral_lean_peak_deg": float(np.max(np.abs(ang[stance]))),
        "lateral_lean_mean_deg": float(np.mean(ang[stance])),
        "pelvic_drop_deg": float(np.max(drop)),
        "arm_crossing_pct_hip": float(100.0 * cross / W),
        "step_width_pct_hip": float(step),
    }


def ground_truth(run: SyntheticRun) -> GroundTruth:
    """Truth tables for a simulated run."""
    ics = np.sort(np.concatenate([run.events[leg]["ic_s"] for leg in LEGS]))
    cadence = 60.0 * (ics.size - 1) / (ics[-1] - ics[0]) if ics.size > 1 else np.nan
    return GroundTruth(run.params, run.camera, run.duration_s, run.events,
                       stride_table(run), stride_table(run, exact=True),
                       {"cadence_spm": float(cadence), "n_frames": float(run.t_s.size)})
