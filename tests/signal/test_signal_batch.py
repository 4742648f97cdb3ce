"""Gap filling shares one spline among columns with the same gap; results must not change."""

from __future__ import annotations

import numpy as np
from scipy.interpolate import CubicSpline

from posture.signal.clean import FILL_CONTEXT, _fill_together, fill_short_gaps

MAX_GAP_S = 0.1


def _reference_column(y: np.ndarray, t: np.ndarray, max_gap_s: float) -> np.ndarray:
    """One column on its own, straight from the documented rule (no grouping of any kind)."""
    out = y.copy()
    ok = np.isfinite(y)
    if ok.sum() < 2:
        return out
    frame_dt = float(np.median(np.diff(t)))
    missing = np.flatnonzero(~ok)
    for run in np.split(missing, np.flatnonzero(np.diff(missing) > 1) + 1):
        if run.size == 0:
            continue
        a, b = int(run[0]), int(run[-1]) + 1
        if a == 0 or b == y.size or t[b] - t[a - 1] - frame_dt > max_gap_s + 1e-9:
            continue
        left = [i for i in range(a - 1, max(-1, a - 1 - FILL_CONTEXT), -1)]
        left = left[:next((k for k, i in enumerate(left) if not ok[i]), len(left))]
        right = [i for i in range(b, min(y.size, b + FILL_CONTEXT))]
        right = right[:next((k for k, i in enumerate(right) if not ok[i]), len(right))]
        if len(left) < 2 or len(right) < 2:
            w = (t[a:b] - t[a - 1]) / (t[b] - t[a - 1])
            out[a:b] = y[a - 1] * (1 - w) + y[b] * w
        else:
            idx = np.array(sorted(left) + right)
            out[a:b] = CubicSpline(t[idx], y[idx])(t[a:b])
    return out


def _signal_with_gaps() -> tuple[np.ndarray, np.ndarray]:
    """(T,) times with a little jitter and (T, 12) smooth columns with gaps of 1-8 frames.

    Several columns share a gap span but differ in their context (a neighbouring gap cuts
    the spline's support on one side), so one gap span needs different splines.
    """
    rng = np.random.default_rng(3)
    t = np.arange(300) / 60.0 + rng.uniform(-0.002, 0.002, 300)
    t.sort()
    cols = 12
    x = np.column_stack([40 * np.sin(2 * np.pi * (1.3 + 0.1 * c) * t + c) + 5 * c
                         for c in range(cols)])
    for c in range(cols):
        x[40:41, c] = np.nan  # 1 frame, every column
    x[80:82, :6] = np.nan  # 2 frames, half the columns ...
    x[77:79, 3:6] = np.nan  # ... of which some have a gap 1 frame before it (short context)
    x[84, 5] = np.nan  # ... and one a gap 2 frames after it (2 samples of context)
    x[120:123, ::2] = np.nan  # 3 frames
    x[160:165, 1::3] = np.nan  # 5 frames (0.083 s: filled)
    x[200:208, 2] = np.nan  # 8 frames (0.13 s: too long, stays NaN)
    x[:2, 7] = np.nan  # at the start: never extrapolated
    x[-3:, 8] = np.nan  # at the end
    x[250:252, 9] = np.nan  # two gaps with a single sample between them (linear)
    x[253:255, 9] = np.nan
    return t, x


def test_batched_fill_equals_a_per_column_reference() -> None:
    t, x = _signal_with_gaps()
    out = fill_short_gaps(x, t, MAX_GAP_S)
    ref = np.column_stack([_reference_column(x[:, c], t, MAX_GAP_S)
                           for c in range(x.shape[1])])
    np.testing.assert_array_equal(np.isnan(out), np.isnan(ref))
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-9, equal_nan=True)
    # the constructed gaps really were bridged (and the long and end gaps were not)
    assert np.isfinite(out[[40, 80, 81, 77, 78, 120, 164, 250, 253]][:, [0, 3, 4, 9]]).all()
    assert np.isnan(out[200:208, 2]).all() and np.isnan(out[:2, 7]).all()
    assert np.isnan(out[-3:, 8]).all()


def test_filling_arrays_together_equals_filling_each() -> None:
    t, x = _signal_with_gaps()
    xy = x[:, :6].reshape(-1, 3, 2)
    vis = x[:, 6:9]
    other = x[:, 9:].reshape(-1, 1, 3)
    together = _fill_together([xy, vis, other], t, MAX_GAP_S)
    for arr, got in zip([xy, vis, other], together, strict=True):
        assert got.shape == arr.shape
        np.testing.assert_allclose(got, fill_short_gaps(arr, t, MAX_GAP_S), rtol=0,
                                   atol=1e-12, equal_nan=True)
