"""Frontal metric formulas on hand-built landmark frames with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from posture.geometry import hip_line_tilt_deg
from posture.landmarks import LM, mirror_index
from posture.metrics import frontal as fm


def _frames(n: int = 1) -> np.ndarray:
    """A level, upright rear-view pose: hips 100 px apart, trunk 200 px, runner's right at +x."""
    xy = np.zeros((n, 33, 2))
    xy[:, LM.LEFT_HIP] = [450, 600]
    xy[:, LM.RIGHT_HIP] = [550, 600]
    xy[:, LM.LEFT_SHOULDER] = [400, 400]
    xy[:, LM.RIGHT_SHOULDER] = [600, 400]
    xy[:, LM.LEFT_WRIST] = [420, 560]
    xy[:, LM.RIGHT_WRIST] = [580, 560]
    xy[:, LM.LEFT_ANKLE] = [470, 1000]
    xy[:, LM.RIGHT_ANKLE] = [530, 1000]
    return xy


def _tilt_hips(xy: np.ndarray, deg: float) -> None:
    """Turn the hip line about its midpoint; + = right hip (image +x) lower."""
    a = np.radians(deg)
    mid = np.array([500.0, 600.0])
    xy[:, LM.RIGHT_HIP] = mid + 50 * np.array([np.cos(a), np.sin(a)])
    xy[:, LM.LEFT_HIP] = mid - 50 * np.array([np.cos(a), np.sin(a)])


def test_front_view_flips_x_only() -> None:
    xy = _frames()
    lat = fm.lateral_coords(xy, "front")
    np.testing.assert_allclose(lat[..., 0], -xy[..., 0])
    np.testing.assert_allclose(lat[..., 1], xy[..., 1])
    with pytest.raises(ValueError, match="rear or front"):
        fm.lateral_coords(xy, "side")


@pytest.mark.parametrize("deg", [-8.0, 0.0, 3.0, 7.5])
def test_pelvic_drop_angle_and_sign(deg: float) -> None:
    xy = _frames()
    _tilt_hips(xy, deg)  # right hip lower by deg
    lat = fm.lateral_coords(xy, "rear")
    # left stance: right hip is the swing hip, it is lower -> positive drop
    assert fm.pelvic_drop_series_deg(lat, "left")[0] == pytest.approx(deg, abs=1e-9)
    assert fm.pelvic_drop_series_deg(lat, "right")[0] == pytest.approx(-deg, abs=1e-9)
    # the drop formula uses only y and |dx|, so the x flip of a front view leaves it unchanged
    assert fm.pelvic_drop_series_deg(fm.lateral_coords(xy, "front"), "left")[0] == \
        pytest.approx(deg, abs=1e-9)
    # the oriented image tilt (roll cue) is +deg regardless of labels
    assert hip_line_tilt_deg(xy)[0] == pytest.approx(deg, abs=1e-9)
    assert hip_line_tilt_deg(xy[:, mirror_index()])[0] == pytest.approx(deg, abs=1e-9)


def test_trunk_lateral_angle_sign() -> None:
    xy = _frames()
    xy[:, [LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER], 0] += 200 * np.tan(np.radians(5))
    lat = fm.lateral_coords(xy, "rear")
    assert fm.trunk_lateral_angle_deg(lat)[0] == pytest.approx(5.0, abs=1e-9)
    # from the front, shoulders toward image +x are toward the runner's left
    assert fm.trunk_lateral_angle_deg(fm.lateral_coords(xy, "front"))[0] == \
        pytest.approx(-5.0, abs=1e-9)


def test_arm_crossing() -> None:
    xy = _frames(3)
    xy[1, LM.LEFT_WRIST, 0] = 530  # left wrist 30 px past the midline (500) to the right
    xy[2, LM.RIGHT_WRIST, 0] = 480  # right wrist 20 px past to the left
    lat = fm.lateral_coords(xy, "rear")
    np.testing.assert_allclose(fm.arm_crossing_px(lat), [0.0, 30.0, 20.0])
    xy[0, LM.LEFT_WRIST] = np.nan
    assert fm.arm_crossing_px(fm.lateral_coords(xy, "rear"))[0] == 0.0


def test_stride_values_closed_form() -> None:
    n = 40
    xy = _frames(n)
    t = np.arange(n)
    # shoulders sway sinusoidally by +-15 px relative to the hips: range 30 px = 30 % hip width
    xy[:, [LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER], 0] += 15 * np.sin(2 * np.pi * t / n)[:, None]
    # stance of the left leg: frames 0..12, right hip dropping up to 6 degrees
    drop = np.zeros(n)
    drop[:13] = 6 * np.sin(np.pi * np.arange(13) / 12)
    for k in range(n):
        _tilt_hips(xy[k:k + 1], drop[k])
    xy[0, LM.LEFT_ANKLE, 0] = 470
    xy[30, LM.RIGHT_ANKLE, 0] = 545  # previous right contact, 75 px to the right
    xy[5, LM.LEFT_WRIST, 0] = 510
    lat = fm.lateral_coords(xy, "rear")
    v = fm.stride_values(lat, leg="left", ic=0, next_ic=n, toeoff=12, prev_other_ic=30,
                         runner_height_m=1.8)
    assert v["hip_width_px"] == pytest.approx(100.0)
    assert v["lateral_sway_pct_hip"] == pytest.approx(30.0, abs=0.1)
    assert v["lateral_sway_cm"] == pytest.approx(0.30 * 0.191 * 180, abs=0.05)
    assert v["pelvic_drop_deg"] == pytest.approx(6.0, abs=1e-6)
    assert v["step_width_pct_hip"] == pytest.approx(75.0)
    assert v["arm_crossing_pct_hip"] == pytest.approx(10.0)
    # during left stance the shoulders move toward the runner's right (away from stance leg)
    assert v["lateral_lean_mean_deg"] < 0
    peak = np.degrees(np.arctan(15 / 200))
    assert v["lateral_lean_peak_deg"] == pytest.approx(peak, abs=0.05)
    # without toe-off stance metrics are unknown, not zero
    v2 = fm.stride_values(lat, leg="left", ic=0, next_ic=n, toeoff=-1, prev_other_ic=-1)
    assert np.isnan(v2["pelvic_drop_deg"]) and np.isnan(v2["step_width_pct_hip"])
    assert np.isnan(v2["lateral_sway_cm"])


def test_visibility_conf_and_symmetry_index() -> None:
    vis = np.full((10, 33), 0.9)
    vis[:5, LM.LEFT_HIP] = 0.5
    assert fm.visibility_conf(vis, slice(0, 10), (LM.LEFT_HIP, LM.RIGHT_HIP)) == \
        pytest.approx(0.7)
    vis[:5] = np.nan
    assert fm.visibility_conf(vis, slice(0, 10), (LM.LEFT_HIP,)) == pytest.approx(0.45)
    assert fm.symmetry_index_pct(4.0, 6.0, min_magnitude=1.0) == pytest.approx(40.0)
    assert np.isnan(fm.symmetry_index_pct(0.2, -0.3, min_magnitude=1.0))
