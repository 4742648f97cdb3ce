"""The synthetic camera: where it looks from, frame size and rate, roll and pan.

World frame of the runner model (metres): X forward (running direction), Y to the runner's
LEFT, Z up, ground at Z = 0, hip midpoint on average at X = Y = 0 (treadmill).

Projection is orthographic with a fixed scale (``runner_height_px / height_m``): a camera a
few metres away with a normal lens is close to that, and it keeps segment lengths exact.

Camera roll sign (matches ``/tmp/team/DEFINITIONS.md`` and ``ViewEstimate.camera_roll_deg``):
``roll_deg > 0`` means the picture content appears rotated CLOCKWISE on screen by ``roll_deg``
(the phone was turned counter-clockwise). A true vertical "up" then points along
``(sin(roll), -cos(roll))`` in image coordinates (x right, y down), i.e. it leans to the right.
Undo it by rotating image points counter-clockwise by ``roll_deg`` about the image centre.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

CameraView = Literal["side", "rear", "front"]


@dataclass(frozen=True)
class CameraParams:
    """How the synthetic runner is filmed.

    Attributes
    ----------
    view : "side", "rear" (camera behind the runner) or "front".
    facing : side view only: +1 runner faces image +x, -1 faces image -x. The runner's side
        nearest the camera is the RIGHT for +1 and the LEFT for -1.
    width_px, height_px : upright frame size (portrait allowed).
    fps : nominal frame rate (frames per real second).
    roll_deg : camera roll, see the module docstring for the sign.
    runner_height_px : standing height of the runner in pixels (sets the scale); ``None`` picks
        72 % of the frame height, capped at 1.1 x the width for portrait frames.
    pan_px : amplitude of a gentle horizontal pan (scene shift along the true horizontal), px.
    pan_period_s : period of that pan.
    noise_px : Gaussian landmark jitter (standard deviation) for landmark-only tracks.
    vfr_jitter : frame-time jitter as a fraction of the nominal frame interval (0 = constant
        frame rate); times stay strictly increasing.
    seed : seed for jitter and noise.
    """

    view: CameraView = "side"
    facing: int = 1
    width_px: int = 640
    height_px: int = 360
    fps: float = 60.0
    roll_deg: float = 0.0
    runner_height_px: float | None = None
    pan_px: float = 0.0
    pan_period_s: float = 6.0
    noise_px: float = 0.0
    vfr_jitter: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.view not in ("side", "rear", "front"):
            raise ValueError(f"view must be side, rear or front, got {self.view!r}")
        if self.facing not in (1, -1):
            raise ValueError("facing must be +1 or -1")
        if self.width_px <= 0 or self.height_px <= 0 or self.fps <= 0:
            raise ValueError("frame size and fps must be positive")
        if not 0.0 <= self.vfr_jitter < 0.9:
            raise ValueError("vfr_jitter must lie in [0, 0.9)")

    @property
    def runner_px(self) -> float:
        """Runner standing height in pixels."""
        if self.runner_height_px is not None:
            return float(self.runner_height_px)
        return float(min(0.72 * self.height_px, 1.1 * self.width_px))

    @property
    def centre_px(self) -> np.ndarray:
        return np.array([self.width_px / 2.0, self.height_px / 2.0])

    def axes(self) -> tuple[np.ndarray, np.ndarray]:
        """World unit vectors of image-right and of 'away from the camera' (depth)."""
        if self.view == "side":
            right = np.array([float(self.facing), 0.0, 0.0])
            away = np.array([0.0, float(self.facing), 0.0])
        elif self.view == "rear":
            right = np.array([0.0, -1.0, 0.0])  # image +x = runner's right
            away = np.array([1.0, 0.0, 0.0])
        else:
            right = np.array([0.0, 1.0, 0.0])  # image +x = runner's left
            away = np.array([-1.0, 0.0, 0.0])
        return right, away

    def frame_times(self, duration_s: float) -> np.ndarray:
        """(T,) real time of each frame, s; jittered when ``vfr_jitter > 0``."""
        n = int(np.floor(duration_s * self.fps + 1e-9))
        t = np.arange(n) / self.fps
        if self.vfr_jitter > 0 and n > 1:
            rng = np.random.default_rng(self.seed + 7919)
            t = t + rng.uniform(-0.5, 0.5, n) * self.vfr_jitter / self.fps
            t[0] = 0.0
        return t


def project(points_m: np.ndarray, t_s: np.ndarray, camera: CameraParams, height_m: float,
            *, apply_roll: bool = True) -> np.ndarray:
    """Project world points to image pixels.

    Parameters
    ----------
    points_m : (T, N, 3) world positions, metres.
    t_s : (T,) frame times, s (for the pan).
    apply_roll : False gives the level image (what roll correction recovers), used for truth.

    Returns
    -------
    (T, N, 2) image positions, pixels, x right, y down.
    """
    right, _ = camera.axes()
    scale = camera.runner_px / height_m
    c = camera.centre_px
    ground_y = c[1] + 0.47 * camera.runner_px
    x = c[0] + scale * (points_m @ right)
    y = ground_y - scale * points_m[..., 2]
    if camera.pan_px:
        x = x + camera.pan_px * np.sin(2 * np.pi * t_s / camera.pan_period_s)[:, None]
    xy = np.stack([x, y], axis=-1)
    if apply_roll and camera.roll_deg:
        xy = roll_points(xy, camera.roll_deg, c)
    return xy


def roll_points(xy: np.ndarray, roll_deg: float, centre: np.ndarray) -> np.ndarray:
    """Rotate image points clockwise on screen by ``roll_deg`` about ``centre`` (y down)."""
    r = np.deg2rad(roll_deg)
    rot = np.array([[np.cos(r), -np.sin(r)], [np.sin(r), np.cos(r)]])
    return (xy - centre) @ rot.T + centre


def depth_m(points_m: np.ndarray, camera: CameraParams) -> np.ndarray:
    """(..., N) distance along the viewing direction relative to the runner (larger = farther)."""
    _, away = camera.axes()
    return points_m @ away
