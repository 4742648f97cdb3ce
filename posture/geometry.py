"""Plane angle maths shared by the camera, gait and metric stages (base layer).

All inputs are image coordinates in pixels with y pointing **down** (see
``docs/conventions.md``). Arrays broadcast: a point is an array whose last axis has
length 2 ``(x, y)``; any leading axes (frames, strides) pass through. NaN propagates.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from posture.landmarks import LM

F = TypeVar("F", bound=Callable)


def midpoint(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean of two points (e.g. hip_mid from the two hips), pixels."""
    return (np.asarray(a, float) + np.asarray(b, float)) / 2.0


def distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distance between points, pixels."""
    d = np.asarray(b, float) - np.asarray(a, float)
    return np.hypot(d[..., 0], d[..., 1])


def forward_up(xy: np.ndarray, facing: int) -> tuple[np.ndarray, np.ndarray]:
    """Runner-frame coordinates of image points.

    Returns
    -------
    x_fwd : ndarray, pixels
        ``facing * x``: grows in the running direction.
    z_up : ndarray, pixels
        ``-y``: grows upward.
    """
    xy = np.asarray(xy, float)
    return facing * xy[..., 0], -xy[..., 1]


def angle_from_vertical_deg(d_fwd: np.ndarray, d_up: np.ndarray) -> np.ndarray:
    """Signed angle of a vector from a vertical reference, degrees.

    ``atan2(d_fwd, d_up)``: 0 when the vector lies along the reference, positive when it
    tilts forward. Pass ``d_up`` measured along the reference (e.g. ``z_up(top) -
    z_up(bottom)`` for "from vertical-up", ``z_up(top) - z_up(bottom)`` of a segment hanging
    down for "from vertical-down").
    """
    return np.degrees(np.arctan2(np.asarray(d_fwd, float), np.asarray(d_up, float)))


def interior_angle_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle ABC at vertex ``b`` between rays b->a and b->c, degrees in [0, 180]."""
    u = np.asarray(a, float) - np.asarray(b, float)
    v = np.asarray(c, float) - np.asarray(b, float)
    cross = u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]
    dot = u[..., 0] * v[..., 0] + u[..., 1] * v[..., 1]
    return np.degrees(np.arctan2(np.abs(cross), dot))


def flexion_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Joint flexion at ``b`` = 180 - interior angle, degrees (0 = straight limb)."""
    return 180.0 - interior_angle_deg(a, b, c)


def rotation_matrix(angle_deg: float) -> np.ndarray:
    """2x2 matrix that turns image vectors **clockwise on screen** by ``angle_deg``.

    In the y-down image frame the ordinary matrix ``[[cos, -sin], [sin, cos]]`` turns a
    vector clockwise as seen on screen: (1, 0) goes to (cos a, sin a), i.e. downward.
    """
    a = np.radians(angle_deg)
    return np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])


def rotate_points(xy: np.ndarray, angle_deg: float, center: tuple[float, float]) -> np.ndarray:
    """Rotate image points clockwise on screen by ``angle_deg`` about ``center`` (pixels)."""
    xy = np.asarray(xy, float)
    c = np.asarray(center, float)
    return (xy - c) @ rotation_matrix(angle_deg).T + c


def quiet_empty_slices(func: F) -> F:
    """Silence numpy's warnings about all-NaN slices inside ``func``.

    Frames without a runner are NaN by design and every reduction handles them; the
    warnings would only clutter the log.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Mean of empty slice")
            warnings.filterwarnings("ignore", message="All-NaN slice encountered")
            warnings.filterwarnings("ignore", message="invalid value encountered")
            warnings.filterwarnings("ignore", message="Degrees of freedom")
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def hip_line_tilt_deg(xy_px: np.ndarray) -> np.ndarray:
    """(T,) image slope angle of the hip line, degrees, drawn toward image +x (+ = down right).

    Works on plain image coordinates (not lateral ones): a camera roll of ``r`` degrees adds
    ``r`` to it whatever the view, which is what the roll estimate uses.
    """
    a, b = xy_px[..., LM.LEFT_HIP, :], xy_px[..., LM.RIGHT_HIP, :]
    d = b - a
    d = np.where(d[..., :1] < 0, -d, d)
    return np.degrees(np.arctan2(d[..., 1], d[..., 0]))
