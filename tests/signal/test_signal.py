"""Cleaning: low-pass recovers known signals without time shift, gaps, outliers, leg swaps."""

from __future__ import annotations

import numpy as np
import pytest

from posture.landmarks import LM, N_LANDMARKS
from posture.signal.clean import (
    clean_track,
    cutoff_for,
    fill_short_gaps,
    lowpass,
    reject_outliers,
)
from posture.signal.legs import SWAP_LEFT, SWAP_RIGHT, continuity_swaps, repair_leg_swaps
from posture.track import PoseTrack, VideoInfo, empty_arrays

STRIDE_HZ = 1.4  # one stride per ~0.7 s


def _legs_track(fps: float = 60.0, duration_s: float = 4.0) -> PoseTrack:
    """A side-view stick runner: fixed trunk, legs swinging in antiphase (pixels, y down)."""
    t = np.arange(round(duration_s * fps)) / fps
    T = t.size
    a = empty_arrays(T)
    xy = np.zeros((T, N_LANDMARKS, 2))
    xy[:] = (300.0, 150.0)  # head, arms: near the shoulders
    xy[:, LM.LEFT_SHOULDER] = xy[:, LM.RIGHT_SHOULDER] = (300.0, 200.0)
    xy[:, LM.LEFT_HIP] = xy[:, LM.RIGHT_HIP] = (300.0, 300.0)
    phase = 2 * np.pi * STRIDE_HZ * t
    for side, sign in (("LEFT", 1.0), ("RIGHT", -1.0)):
        swing = sign * np.sin(phase)
        lift = np.maximum(0, sign * np.cos(phase))
        knee = np.stack([300 + 45 * swing, 390 - 10 * lift], -1)
        ankle = np.stack([300 + 90 * swing, 480 - 30 * lift], -1)
        xy[:, LM[f"{side}_KNEE"]] = knee
        xy[:, LM[f"{side}_ANKLE"]] = ankle
        xy[:, LM[f"{side}_HEEL"]] = ankle + np.array([-10.0, 8.0])
        xy[:, LM[f"{side}_FOOT_INDEX"]] = ankle + np.array([20.0, 10.0])
    a["image_xy_px"] = xy
    a["visibility"][:] = 0.9
    a["world_xyz_m"] = np.concatenate([xy / 400.0, np.zeros((T, N_LANDMARKS, 1))], -1)
    a["trunk_edges_px"][:] = 20.0
    info = VideoInfo(path="synthetic.mp4", width_px=640, height_px=540, rotation_deg=0,
                     codec="h264", n_frames=T, fps_nominal=fps, fps_capture=fps,
                     duration_s=duration_s, is_vfr=False)
    return PoseTrack(t_s=t, frame_index=np.arange(T), frame_size_px=(640, 540), info=info, **a)


def test_cutoff_choice() -> None:
    assert cutoff_for(60.0) == 10.0
    assert cutoff_for(30.0) == 10.0
    assert cutoff_for(20.0) == pytest.approx(8.0)
    assert cutoff_for(240.0, 12.0) == 12.0


def test_noisy_sinusoid_is_recovered_without_time_shift() -> None:
    fps = 60.0
    t = np.arange(600) / fps
    truth = 80 * np.sin(2 * np.pi * STRIDE_HZ * t) + 20 * np.sin(2 * np.pi * 3 * STRIDE_HZ * t)
    noisy = truth + np.random.default_rng(3).normal(0, 3.0, t.size)
    out = lowpass(noisy, t, cutoff_for(fps))
    err = out - truth
    # a 10 Hz cut-off at 60 fps keeps 1/3 of the white-noise band: RMS ~ 3 / sqrt(3)
    assert np.sqrt(np.mean(err[30:-30] ** 2)) < 0.65 * 3.0
    # zero phase: the filtered signal's peaks are where the true ones are
    lags = np.arange(-5, 6)
    xc = [np.dot(np.roll(out, k)[30:-30], truth[30:-30]) for k in lags]
    assert lags[int(np.argmax(xc))] == 0


def test_clean_signal_is_left_almost_unchanged() -> None:
    t = np.arange(300) / 30.0
    truth = 50 * np.sin(2 * np.pi * STRIDE_HZ * t)
    out = lowpass(truth, t, cutoff_for(30.0))
    assert np.max(np.abs(out - truth)) < 0.01 * 50


def test_lowpass_works_piecewise_over_nan_gaps() -> None:
    t = np.arange(300) / 60.0
    x = np.sin(2 * np.pi * STRIDE_HZ * t)
    x[100:140] = np.nan
    out = lowpass(x, t, 10.0)
    assert np.isnan(out[100:140]).all()
    assert np.isfinite(out[:100]).all() and np.isfinite(out[140:]).all()
    np.testing.assert_allclose(out[:100], x[:100], atol=0.02)


def test_irregular_sampling_is_filtered_at_true_times() -> None:
    rng = np.random.default_rng(0)
    t = np.cumsum(rng.uniform(1 / 60, 1 / 24, 300))
    truth = 40 * np.sin(2 * np.pi * STRIDE_HZ * t)
    out = lowpass(truth + rng.normal(0, 2.0, t.size), t, 8.0)
    assert np.sqrt(np.mean((out - truth)[20:-20] ** 2)) < 2.0


def test_only_short_gaps_are_filled() -> None:
    fps = 60.0
    t = np.arange(240) / fps
    truth = 50 * np.sin(2 * np.pi * STRIDE_HZ * t)
    x = truth.copy()
    x[50:54] = np.nan  # 4 frames = 0.067 s: filled
    x[120:150] = np.nan  # 0.5 s: stays missing
    x[:3] = np.nan  # at the start: never extrapolated
    out = fill_short_gaps(x, t, max_gap_s=0.1)
    np.testing.assert_allclose(out[50:54], truth[50:54], atol=0.1)
    assert np.isnan(out[120:150]).all() and np.isnan(out[:3]).all()


def test_spike_is_rejected_but_fast_feet_are_kept() -> None:
    tr = _legs_track()
    xy = tr.image_xy_px.copy()
    xy[77, LM.LEFT_ANKLE] += (150.0, -60.0)
    out = reject_outliers(xy, tr.t_s, tr.visibility)
    assert np.isnan(out[77, LM.LEFT_ANKLE]).all()
    n_rejected = np.isnan(out).any(axis=-1).sum()
    assert n_rejected == 1


def test_injected_leg_swap_is_detected_and_repaired() -> None:
    tr = _legs_track()
    xy = tr.image_xy_px.copy()
    swapped = np.zeros(tr.n_frames, bool)
    # Two mislabelled runs while the legs are apart (mid-stance/mid-swing: sin ~ +-1).
    swapped[[*range(40, 48), *range(123, 127)]] = True
    left, right = list(SWAP_LEFT), list(SWAP_RIGHT)
    xy[np.ix_(swapped, left)], xy[np.ix_(swapped, right)] = (xy[np.ix_(swapped, right)],
                                                              xy[np.ix_(swapped, left)])
    found = continuity_swaps(xy, tr.t_s)
    np.testing.assert_array_equal(found, swapped)
    bad = PoseTrack(**{**tr.__dict__, "image_xy_px": xy})
    fixed, _ = repair_leg_swaps(bad)  # the one leg repair (both stages), then cleaning
    assert fixed.extraction["leg_repair"]["frames"] == swapped.sum()
    err = np.abs(clean_track(fixed).image_xy_px - tr.image_xy_px)
    assert np.nanmax(err[10:-10]) < 2.0


def test_no_swap_on_clean_legs() -> None:
    tr = _legs_track(fps=30.0)
    assert not continuity_swaps(tr.image_xy_px, tr.t_s).any()


def test_clean_track_keeps_frames_and_long_gaps() -> None:
    tr = _legs_track()
    xy = tr.image_xy_px.copy()
    xy[100:130] = np.nan  # the runner lost for 0.5 s
    xy[60:63] = np.nan  # for 3 frames
    noisy = PoseTrack(**{**tr.__dict__, "image_xy_px": xy})
    clean = clean_track(noisy, max_gap_s=0.1)
    assert clean.n_frames == tr.n_frames
    np.testing.assert_array_equal(clean.t_s, tr.t_s)
    assert np.isnan(clean.image_xy_px[100:130]).all()
    assert np.isnan(clean.visibility[100:130]).all()
    assert np.isfinite(clean.image_xy_px[60:63]).all()
    np.testing.assert_allclose(clean.image_xy_px[60:63], tr.image_xy_px[60:63], atol=3.0)
    # the mirrored clip cleans to the mirror of the cleaned clip
    a = clean_track(noisy.mirrored()).image_xy_px
    b = clean.mirrored().image_xy_px
    np.testing.assert_allclose(a, b, atol=1e-6, equal_nan=True)
