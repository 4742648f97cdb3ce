"""Trunk outline distances on drawn shapes with known edges."""

from __future__ import annotations

import numpy as np
import pytest

from posture.pose.silhouette import trunk_edges_from_mask, trunk_normal
from posture.track import TRUNK_PROFILE_S


def _ellipse_mask(h: int, w: int, cx: float, cy: float, rx: float, ry: float,
                  supersample: int = 4) -> np.ndarray:
    """Area-weighted (anti-aliased) ellipse: the 0.5 contour is the true outline."""
    ss = supersample
    ys = (np.arange(h * ss) + 0.5) / ss
    xs = (np.arange(w * ss) + 0.5) / ss
    inside = ((xs[None, :] - cx) / rx) ** 2 + ((ys[:, None] - cy) / ry) ** 2 <= 1.0
    return inside.reshape(h, ss, w, ss).mean(axis=(1, 3))


def test_normal_points_to_image_right_for_upright_trunk() -> None:
    np.testing.assert_allclose(trunk_normal(np.array([50, 100]), np.array([50, 20])), [1, 0])
    # leaning forward to the right: n still points mostly right and is perpendicular
    n = trunk_normal(np.array([50, 100]), np.array([70, 20]))
    assert n[0] > 0.9 and abs(np.dot(n, [20, -80])) < 1e-9


def test_upright_ellipse_edges_match_geometry() -> None:
    cx, cy, rx, ry = 100.3, 120.7, 30.0, 90.0
    mask = _ellipse_mask(260, 220, cx, cy, rx, ry)
    hip, sh = np.array([cx, cy + 40]), np.array([cx, cy - 40])
    edges = trunk_edges_from_mask(mask, hip, sh)
    assert edges.shape == (TRUNK_PROFILE_S.size, 2)
    y = hip[1] + TRUNK_PROFILE_S * (sh[1] - hip[1])
    truth = rx * np.sqrt(1 - ((y - cy) / ry) ** 2)
    np.testing.assert_allclose(edges[:, 0], truth, atol=0.3)
    np.testing.assert_allclose(edges[:, 1], truth, atol=0.3)


def test_off_centre_axis_and_tilt_give_each_side_its_distance() -> None:
    # Ellipse tilted by 20 deg (top to the right); axis shifted 8 px towards +n.
    h, w, ang = 300, 300, np.deg2rad(20)
    rx, ry, c = 25.0, 100.0, np.array([150.0, 150.0])
    up = np.array([np.sin(ang), -np.cos(ang)])  # trunk direction, y down
    n = np.array([-up[1], up[0]])
    ss = 4
    ys, xs = np.mgrid[0:h * ss, 0:w * ss]
    px = np.stack([(xs + 0.5) / ss, (ys + 0.5) / ss], -1) - c
    u, v = px @ n, px @ up
    mask = ((u / rx) ** 2 + (v / ry) ** 2 <= 1).reshape(h, ss, w, ss).mean(axis=(1, 3))
    shift = 8.0
    hip, sh = c + shift * n - 50 * up, c + shift * n + 50 * up
    edges = trunk_edges_from_mask(mask, hip, sh)
    v_st = -50 + 100 * TRUNK_PROFILE_S
    half = rx * np.sqrt(1 - (v_st / ry) ** 2)
    np.testing.assert_allclose(edges[:, 0], half - shift, atol=0.4)
    np.testing.assert_allclose(edges[:, 1], half + shift, atol=0.4)


def test_no_outline_is_nan() -> None:
    mask = np.zeros((100, 100), bool)
    mask[20:80, 40:60] = True
    # stations below the body (s < 0 reaches y > 80) are off the mask
    edges = trunk_edges_from_mask(mask, np.array([50.0, 79.0]), np.array([50.0, 30.0]))
    assert np.isnan(edges[TRUNK_PROFILE_S < -0.05]).all()
    assert np.isfinite(edges[(TRUNK_PROFILE_S > 0.05) & (TRUNK_PROFILE_S < 0.95)]).all()
    # the body reaching the image edge: that outline is unknown
    wide = np.zeros((100, 100), bool)
    wide[10:90, 0:60] = True
    e = trunk_edges_from_mask(wide, np.array([50.0, 70.0]), np.array([50.0, 30.0]))
    assert np.isnan(e[:, 1]).all() and np.isfinite(e[:, 0]).all()
    # degenerate axis or missing landmarks
    assert np.isnan(trunk_edges_from_mask(mask, np.array([50.0, 50]), np.array([50.0, 50]))).all()
    assert np.isnan(trunk_edges_from_mask(mask, np.array([np.nan, 50]),
                                          np.array([50.0, 30]))).all()


def test_bool_and_float_masks_agree() -> None:
    mask = np.zeros((120, 120), bool)
    mask[10:110, 45:75] = True
    hip, sh = np.array([60.0, 90.0]), np.array([60.0, 30.0])
    a = trunk_edges_from_mask(mask, hip, sh)
    b = trunk_edges_from_mask(mask.astype(np.float32), hip, sh)
    np.testing.assert_array_equal(a, b)
    assert a[12, 0] == pytest.approx(15.0, abs=0.51) and a[12, 1] == pytest.approx(15.0, abs=0.51)
