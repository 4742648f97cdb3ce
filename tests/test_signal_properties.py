"""Property test of the one gap filler (:func:`posture.signal.clean.fill_short_gaps`).

For any series, frame rate and gap limit: finite samples never change; an interior NaN run
is filled exactly when it lasts at most ``max_gap_s`` (missing frames x frame interval);
runs touching either end are never filled; a linear fill stays between the two samples
around its gap.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from posture.signal.clean import fill_short_gaps

_values = st.lists(st.one_of(st.floats(-1e3, 1e3), st.just(float("nan"))), min_size=2,
                   max_size=60)


def _nan_runs(y: np.ndarray) -> list[tuple[int, int]]:
    bad = np.concatenate([[0], np.isnan(y).astype(int), [0]])
    d = np.diff(bad)
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True))


@settings(max_examples=200, deadline=None)
@given(values=_values, fps=st.sampled_from([25.0, 30.0, 60.0, 120.0]),
       max_gap_frames=st.integers(0, 8), method=st.sampled_from(["linear", "spline"]))
def test_fill_short_gaps_properties(values: list[float], fps: float, max_gap_frames: int,
                                    method: str) -> None:
    y = np.array(values)
    t = np.arange(y.size) / fps
    out = fill_short_gaps(y, t, max_gap_frames / fps, method=method)
    finite = np.isfinite(y)
    np.testing.assert_array_equal(out[finite], y[finite])
    enough = finite.sum() >= 2
    for a, b in _nan_runs(y):
        interior = a > 0 and b < y.size
        should = enough and interior and b - a <= max_gap_frames
        assert np.isfinite(out[a:b]).all() == should, (a, b, out[a:b])
        if should and method == "linear":
            lo, hi = sorted((y[a - 1], y[b]))
            assert ((out[a:b] >= lo - 1e-9) & (out[a:b] <= hi + 1e-9)).all()
