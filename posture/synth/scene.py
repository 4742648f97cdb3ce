"""Clips with more than one person: a runner plus bystanders or other runners.

Each :class:`Figure` is a synthetic runner (or a person standing still) of its own size at
its own place in one picture; figures are painted in the order given (far to near), over a
plain or textured backdrop, with the same blur, light and noise as single-runner clips.
Used to test that the analyzer follows the runner (docs/conventions.md, "Which person").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from posture.landmarks import LM
from posture.synth.camera import CameraParams
from posture.synth.encode import clip_writer
from posture.synth.kinematics import RunnerParams, SyntheticRun, simulate
from posture.synth.render import Backdrop, FrameRenderer, RenderStyle, RunnerPainter


@dataclass(frozen=True)
class Figure:
    """One person in the scene.

    Attributes
    ----------
    params : the runner model (cadence, posture, height in metres).
    height_px : standing height in the picture, px (bigger = nearer the camera).
    hip_x_px : horizontal place of the hips, px.
    ground_y_px : the line the feet stand on, px.
    running : False paints the person standing still (a coach, a spectator).
    facing : +1 faces image +x, -1 faces image -x.
    drift_px_s : horizontal motion across the picture, px per second (an overground runner).
    style : colours (the scene's noise and background come from the scene's style).
    """

    params: RunnerParams
    height_px: float
    hip_x_px: float
    ground_y_px: float
    running: bool = True
    facing: int = 1
    drift_px_s: float = 0.0
    style: RenderStyle | None = None
    """``None``: the default colours."""


@dataclass(frozen=True)
class SceneTruth:
    """What each figure did: true landmarks per frame (px) and cadence (steps per minute)."""

    t_s: np.ndarray
    image_xy_px: tuple[np.ndarray, ...]
    """Per figure, (T, 33, 2) true landmark positions in the picture, px."""
    cadence_spm: tuple[float, ...]
    """Per figure; 0 for a person standing still."""

    def box_px(self, figure: int, frame: int, pad: float = 0.1) -> tuple[float, float, float,
                                                                          float]:
        """``(x, y, w, h)`` around one figure's landmarks in one frame, grown by ``pad``."""
        xy = self.image_xy_px[figure][frame]
        (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
        g = pad * (y1 - y0)
        return (float(x0 - g), float(y0 - 2 * g), float(x1 - x0 + 2 * g),
                float(y1 - y0 + 3 * g))


def _placed_run(fig: Figure, width_px: int, height_px: int, fps: float,
                duration_s: float) -> SyntheticRun:
    cam = CameraParams(view="side", facing=fig.facing, width_px=width_px, height_px=height_px,
                       fps=fps, runner_height_px=fig.height_px)
    run = simulate(fig.params, cam, duration_s=duration_s)
    xy = run.level_xy_px.copy()
    depth = run.depth_m
    ground_y = cam.centre_px[1] + 0.47 * cam.runner_px
    if not fig.running:
        xy, depth = _standing(xy[0], run.depth_m[0], fig.height_px, run.t_s, fig.facing)
        xy[..., 1] += ground_y - xy[0, [LM.LEFT_HEEL, LM.RIGHT_HEEL], 1].max()
    shift = np.stack([fig.hip_x_px - cam.centre_px[0] + fig.drift_px_s * run.t_s,
                      np.full(run.t_s.size, fig.ground_y_px - ground_y)], axis=-1)
    xy = xy + shift[:, None, :]
    return replace(run, level_xy_px=xy, image_xy_px=xy, depth_m=depth)


def _standing(xy: np.ndarray, depth: np.ndarray, height_px: float, t_s: np.ndarray,
              facing: int) -> tuple[np.ndarray, np.ndarray]:
    """(T, 33, 2) a person standing upright, legs straight, arms hanging, swaying a little."""
    p = xy.copy()
    hip = 0.5 * (p[LM.LEFT_HIP] + p[LM.RIGHT_HIP])
    sh = 0.5 * (p[LM.LEFT_SHOULDER] + p[LM.RIGHT_SHOULDER])
    upper = [lm for lm in LM if lm <= LM.RIGHT_SHOULDER]
    p[upper, 0] += hip[0] - sh[0]  # trunk and head upright over the hips
    foot = 0.04 * height_px * np.array([facing, 1.0])
    for k, side in enumerate(("LEFT", "RIGHT")):
        h = p[LM[f"{side}_HIP"]]
        h[0] = hip[0] + (k - 0.5) * 0.03 * height_px
        shank = np.array([0.0, 0.245 * height_px])  # thigh and shank alike
        knee = h + shank
        ankle = knee + shank
        p[LM[f"{side}_KNEE"]], p[LM[f"{side}_ANKLE"]] = knee, ankle
        p[LM[f"{side}_HEEL"]] = ankle + np.array([-0.3, 0.5]) * foot
        p[LM[f"{side}_FOOT_INDEX"]] = ankle + np.array([1.2, 0.6]) * foot
        s = p[LM[f"{side}_SHOULDER"]]
        s[0] = hip[0] + (k - 0.5) * 0.02 * height_px
        elbow = s + np.array([0.0, 0.18]) * height_px
        wrist = elbow + np.array([0.01, 0.15]) * height_px
        p[LM[f"{side}_ELBOW"]], p[LM[f"{side}_WRIST"]] = elbow, wrist
        for name in ("INDEX", "PINKY", "THUMB"):
            p[LM[f"{side}_{name}"]] = wrist + np.array([0.01, 0.05]) * height_px
    sway = 0.01 * height_px * np.sin(2 * np.pi * 0.3 * t_s)  # a slow weight shift
    out = np.repeat(p[None], t_s.size, axis=0)
    out[..., 0] += sway[:, None]
    return out, np.repeat(depth[None], t_s.size, axis=0)


def render_scene(figures: list[Figure], *, out_path: str | Path, duration_s: float,
                 width_px: int = 854, height_px: int = 480, fps: float = 30.0,
                 style: RenderStyle | None = None, seed: int = 0,
                 crf: int = 23) -> SceneTruth:
    """Render the figures (painted in the order given) into one H.264 clip.

    Returns
    -------
    SceneTruth with each figure's true landmarks (px) and cadence (steps/min).
    """
    if not figures:
        raise ValueError("a scene needs at least one figure")
    runs = [_placed_run(f, width_px, height_px, fps, duration_s) for f in figures]
    style = replace(style or RenderStyle(background="textured"), seed=seed)
    if style.background == "treadmill":
        raise ValueError("a scene's backdrop is plain or textured (no treadmill)")
    # the backdrop and the camera effects of a single-runner clip, figures painted on top
    base = FrameRenderer(runs[0], style)
    base.backdrop = Backdrop(runs[0].camera, style,
                             max(f.ground_y_px for f in figures), runs[0].scale_px_per_m)
    painters = [RunnerPainter(run, replace(f.style or RenderStyle(), seed=seed))
                for run, f in zip(runs, figures, strict=True)]
    base.painter = _Painters(painters)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    t_s = runs[0].t_s
    with clip_writer(out_path, width_px, height_px, fps, crf=crf) as writer:
        for i in range(t_s.size):
            writer.write(base.render(i), float(t_s[i]))
    return SceneTruth(t_s=t_s, image_xy_px=tuple(r.image_xy_px for r in runs),
                      cadence_spm=tuple(f.params.cadence_spm if f.running else 0.0
                                        for f in figures))


class _Painters:
    """Several painters behaving as one (painted in order)."""

    def __init__(self, painters: list[RunnerPainter]) -> None:
        self.painters = painters

    def paint(self, img: np.ndarray, i: int, pan_px: float) -> None:
        for p in self.painters:
            p.paint(img, i, pan_px)
