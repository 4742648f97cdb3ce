"""Gait events from rear/front clips, on a closed-form 3D stick runner seen through a pinhole.

The stick runner (``stick_runner``) is built here from first principles so that these tests do
not depend on any other module: known contacts, toe-offs, pelvic drop, trunk lean and arm
crossing. The frontal metric and analysis tests reuse it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from posture.gait.frontal import (
    cadence_spm,
    detect_frontal_events,
    events_from_frames,
    split_segments,
)
from posture.landmarks import LM
from posture.signal.clean import fill_short_gaps
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


def _match(found_t: np.ndarray, true_t: np.ndarray) -> np.ndarray:
    """Error (s) from each true event to the nearest found one."""
    return np.array([np.min(np.abs(found_t - x)) for x in true_t])


def _inner(true_t: np.ndarray, st: Stick) -> np.ndarray:
    # the first and last half stride cannot be bracketed by two swing apexes
    return true_t[(true_t > st.stride_s) & (true_t < st.duration_s - st.stride_s)]


@pytest.mark.parametrize("view", ["rear", "front"])
def test_events_within_one_frame_at_60fps(view: str) -> None:
    st = Stick()
    tr = stick_runner(st, view=view)
    ev = detect_frontal_events(tr)
    truth = true_events(st)
    frame = 1 / st.fps
    for leg in ("left", "right"):
        for kind, found in (("ic", ev.ic_frames[leg]), ("to", ev.to_frames[leg])):
            want = _inner(truth[leg][kind], st)
            assert want.size >= 5
            err = _match(tr.t_s[found], want)
            assert err.max() <= frame + 1e-9, (leg, kind, err)
            # nothing spurious: at most one extra event near each clip end
            assert found.size <= want.size + 2


def test_events_with_pixel_noise_and_coarse_fps() -> None:
    st = Stick(fps=30.0, cadence_spm=160)
    tr = stick_runner(st, noise_px=1.0, seed=3)
    ev = detect_frontal_events(tr)
    truth = true_events(st)
    for leg in ("left", "right"):
        err = _match(tr.t_s[ev.ic_frames[leg]], _inner(truth[leg]["ic"], st))
        assert np.median(err) <= 1 / st.fps + 1e-9
        assert err.max() <= 2 / st.fps + 1e-9


def test_cadence_and_strides() -> None:
    st = Stick(cadence_spm=176)
    tr = stick_runner(st)
    ev = detect_frontal_events(tr)
    assert cadence_spm(ev, tr.t_s) == pytest.approx(176, abs=1.5)
    strides = ev.valid_strides
    legs = list(strides["leg"])
    assert legs.count("left") >= 8 and legs.count("right") >= 8
    for s in strides.itertuples():
        assert s.frame_start < s.frame_toeoff < s.frame_end
        assert (tr.t_s[s.frame_end] - tr.t_s[s.frame_start]) == pytest.approx(
            st.stride_s, abs=1.01 / st.fps)
    # dropping every other frame keeps the cadence
    half = tr.take(slice(None, None, 2))
    assert cadence_spm(detect_frontal_events(half), half.t_s) == pytest.approx(176, abs=2.5)


def test_mirrored_clip_swaps_legs() -> None:
    st = Stick()
    tr = stick_runner(st)
    ev = detect_frontal_events(tr)
    evm = detect_frontal_events(tr.mirrored())
    np.testing.assert_array_equal(ev.ic_frames["left"], evm.ic_frames["right"])
    np.testing.assert_array_equal(ev.to_frames["right"], evm.to_frames["left"])


def test_cut_splits_segments_and_no_stride_spans_it() -> None:
    st = Stick(duration_s=8.0)
    tr = stick_runner(st)
    xy = tr.image_xy_px.copy()
    cut = 240
    xy[cut:, :, 0] += 300.0  # the shot jumps sideways
    xy[cut:] = (xy[cut:] - xy[cut:, :1]) * 0.7 + xy[cut:, :1]  # and the runner is smaller
    from dataclasses import replace

    tr2 = replace(tr, image_xy_px=xy)
    segs = split_segments(tr2)
    guard = round(0.1 * st.fps)  # frames left out on both sides of a cut
    assert segs == [(0, cut - guard), (cut + guard, tr.n_frames)]
    # landmark smoothing spreads a cut over a few frames: still one cut, at the same place
    from scipy.ndimage import uniform_filter1d

    smeared = replace(tr2, image_xy_px=uniform_filter1d(xy, 5, axis=0, mode="nearest"))
    segs = split_segments(smeared)
    assert len(segs) == 2 and cut - guard - 3 <= segs[0][1] <= cut + 3
    assert segs[1][0] - segs[0][1] <= 2 * guard + 1
    ev = detect_frontal_events(tr2)
    assert all(s.frame_end < cut or s.frame_start >= cut for s in ev.strides.itertuples())
    assert cadence_spm(ev, tr2.t_s) == pytest.approx(st.cadence_spm, abs=2)


def test_fill_short_gaps_only() -> None:
    y = np.array([0.0, np.nan, 2.0, np.nan, np.nan, np.nan, 6.0])
    out = fill_short_gaps(y, np.arange(y.size) / 10.0, 0.2, method="linear")
    assert out[1] == pytest.approx(1.0)
    assert np.isnan(out[3:6]).all()


def test_brief_hip_collapses_are_not_cuts() -> None:
    """Seen from behind the pose model sometimes pulls one hip onto the other for a few frames."""
    st = Stick(duration_s=8.0)
    tr = stick_runner(st)
    xy = tr.image_xy_px.copy()
    for start in range(30, tr.n_frames - 5, 47):
        xy[start:start + 4, LM.LEFT_HIP] = xy[start:start + 4, LM.RIGHT_HIP] - [8.0, 0.0]
    from dataclasses import replace

    segs = split_segments(replace(tr, image_xy_px=xy))
    assert segs == [(0, tr.n_frames)]


def test_cadence_survives_a_missed_contact() -> None:
    st = Stick(cadence_spm=180)
    tr = stick_runner(st)
    ev = detect_frontal_events(tr)

    fewer = events_from_frames({"left": np.delete(ev.ic_frames["left"], 4),
                                "right": ev.ic_frames["right"]}, ev.to_frames, tr.t_s,
                               segments=ev.segments)
    assert cadence_spm(fewer, tr.t_s) == pytest.approx(180, abs=1.5)


def test_cadence_with_one_leg_timed_early() -> None:
    """One leg's contacts 0.12 s early (the pose model's foot comes down in two stages):
    intervals alternate 0.23/0.47 s for 0.35 s steps. The clip cadence must stay the true
    one (it read +50 % when long intervals were taken for missed contacts)."""
    t = np.arange(600) / 60.0
    stride = 120.0 / 170.0
    left = np.arange(0.3, 9.5, stride)
    right = left + stride / 2 - 0.12
    none = {"left": np.array([], int), "right": np.array([], int)}
    ev = events_from_frames({"left": np.searchsorted(t, left),
                             "right": np.searchsorted(t, right)}, none, t, segments=((0, 600),))
    assert cadence_spm(ev, t) == pytest.approx(170.0, rel=0.005)
    for leg in ("left", "right"):  # and with a missed contact
        fewer = events_from_frames({**ev.ic_frames, leg: np.delete(ev.ic_frames[leg], 5)},
                                   none, t, segments=ev.segments)
        assert cadence_spm(fewer, t) == pytest.approx(170.0, rel=0.005)


def test_false_contact_pairs_are_dropped() -> None:
    from posture.gait.frontal import _alternate

    left = np.array([0, 40, 80, 120])
    right = np.array([20, 60, 63, 100])  # 63 follows 60 (same leg): dropped
    lf, rf = _alternate(left, right)
    np.testing.assert_array_equal(lf, left)
    np.testing.assert_array_equal(rf, [20, 60, 100])
    # a right contact 3 frames after a left one: the one off its leg's rhythm goes
    lf, rf = _alternate(np.array([0, 40, 80, 120]), np.array([20, 43, 60, 100]))
    np.testing.assert_array_equal(lf, [0, 40, 80, 120])
    np.testing.assert_array_equal(rf, [20, 60, 100])
    # at the clip start the rhythm cannot tell: both go
    lf, rf = _alternate(np.array([1, 40, 80]), np.array([0, 20, 60, 100]))
    np.testing.assert_array_equal(lf, [40, 80])
    np.testing.assert_array_equal(rf, [20, 60, 100])
