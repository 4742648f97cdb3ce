"""Per-stride values no runner can produce are dropped, never averaged; mostly-impossible
clips are refused."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from posture.analysis.quality import drop_implausible
from posture.analysis.side import analyze_side
from posture.errors import ImplausibleValuesError
from posture.metrics.registry import METRICS, PLAUSIBLE_RANGE
from tests.support.side_stick import Stick, stick_track


def test_limits_name_registered_metrics_and_are_ordered() -> None:
    for col, (lo, hi) in PLAUSIBLE_RANGE.items():
        assert col in METRICS, col
        assert lo < hi


def test_impossible_values_become_nan_and_are_counted() -> None:
    df = pd.DataFrame({"trunk_lean_deg": [5.0, 175.0, 8.0, 6.0],
                       "trunk_lean_deg_conf": [0.9] * 4,
                       "knee_flexion_ic_deg": [20.0, 22.0, 146.0, 18.0],
                       "cadence_spm": [170.0, 172.0, 171.0, 169.0]})
    out, flag = drop_implausible(df, "clip.mp4")
    assert np.isnan(out.loc[1, "trunk_lean_deg"]) and out.loc[1, "trunk_lean_deg_conf"] == 0.0
    assert np.isnan(out.loc[2, "knee_flexion_ic_deg"])
    assert out["trunk_lean_deg"].mean() == pytest.approx((5 + 8 + 6) / 3)
    assert flag is not None and flag.code == "implausible_values"
    assert "2 of 4 strides" in flag.message
    # the input table is not changed
    assert df.loc[1, "trunk_lean_deg"] == 175.0


def test_nothing_dropped_gives_no_flag() -> None:
    df = pd.DataFrame({"trunk_lean_deg": [5.0, 7.0], "cadence_spm": [170.0, 168.0]})
    out, flag = drop_implausible(df, "clip.mp4")
    assert flag is None
    pd.testing.assert_frame_equal(out, df)


def test_mostly_impossible_clip_is_refused() -> None:
    df = pd.DataFrame({"trunk_lean_deg": [-87.0, -85.0, 6.0], "cadence_spm": [170.0] * 3})
    with pytest.raises(ImplausibleValuesError, match="2 of 3 strides"):
        drop_implausible(df, "clip.mp4")


def test_upside_down_runner_is_not_reported_as_a_lean_of_175_deg() -> None:
    """A body turned 180 deg in the picture (pixels rotated, no flag)."""
    s = Stick(duration_s=6.0)
    tr = stick_track(s)
    xy = tr.image_xy_px.copy()
    xy[..., 0] = s.width_px - xy[..., 0]
    xy[..., 1] = s.height_px - xy[..., 1]
    flipped = replace(tr, image_xy_px=xy)
    try:
        a = analyze_side(flipped)
    except ImplausibleValuesError:
        return
    except Exception as exc:  # another refusal is also fine, a number is not
        assert type(exc).__module__ == "posture.errors", exc
        return
    lean = a.strides["trunk_lean_deg"].to_numpy(float)
    assert not (np.abs(lean[np.isfinite(lean)]) > 45).any()
