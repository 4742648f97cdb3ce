"""Draw the synthetic runner so that a pose model sees a person.

Solid, shaded body parts (tapered capsules with a cylindrical light gradient, a torso whose
outline is the body model's trunk profile, so the lumbar arch and the buttocks show in the
silhouette), clothing colours, skin-coloured limbs, shoes and a head with a drawn face.
Parts are painted far to near (far-side limbs darker, behind the torso). Backgrounds:
plain, textured wall and floor, or a treadmill with a moving belt. Everything is drawn in
the level, still image and then panned and rolled like the camera, so the picture and the
recorded landmarks agree exactly.

Drawing is deterministic (seeded noise, no time-dependent state), so a clip is reproducible
bit for bit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from posture.landmarks import LM
from posture.synth import body
from posture.synth.camera import CameraParams
from posture.synth.encode import clip_writer
from posture.synth.kinematics import RunnerParams, SyntheticRun, simulate
from posture.synth.truth import GroundTruth, ground_truth

Background = Literal["plain", "textured", "treadmill"]
BGR = tuple[int, int, int]


@dataclass(frozen=True)
class RenderStyle:
    """Look of the clip (colours are BGR, 0..255)."""

    background: Background = "treadmill"
    shirt: BGR = (170, 95, 35)
    shorts: BGR = (50, 45, 45)
    skin: BGR = (120, 160, 215)
    shoe: BGR = (225, 225, 230)
    sole: BGR = (40, 40, 200)
    hair: BGR = (35, 45, 70)
    wall: BGR = (205, 200, 190)
    floor: BGR = (150, 155, 160)
    brightness: float = 1.0
    """Global light level (multiplies the image)."""
    vignette: float = 0.15
    """Darkening toward the corners (0 = none)."""
    noise_sigma: float = 2.0
    """Sensor noise, grey levels (seeded per frame)."""
    blur_sigma: float = 0.6
    """Optical blur, pixels."""
    seed: int = 0


# ------------------------------------------------------------------ primitives
def _shade(colour: BGR, k: float) -> tuple[float, float, float]:
    return tuple(min(255.0, max(0.0, c * k)) for c in colour)  # type: ignore[return-value]


_ANG = np.linspace(0, 2 * np.pi, 20, endpoint=False)
_UNIT_CIRCLE = np.stack([np.cos(_ANG), np.sin(_ANG)], axis=-1)


def _circle_pts(c: np.ndarray, r: float) -> np.ndarray:
    return c + r * _UNIT_CIRCLE


def _fill(img: np.ndarray, pts: np.ndarray, colour: tuple[float, ...]) -> None:
    poly = np.round(pts * 16).astype(np.int32)
    cv2.fillPoly(img, [poly], colour, lineType=cv2.LINE_AA, shift=4)


def _capsule_pts(p0: np.ndarray, p1: np.ndarray, r0: float, r1: float) -> np.ndarray:
    pts = np.concatenate([_circle_pts(p0, r0), _circle_pts(p1, r1)]).astype(np.float32)
    return cv2.convexHull(pts)[:, 0, :].astype(float)


#: nested layers of a shaded part: (size factor, brightness, shift toward the light)
_LAYERS = ((1.0, 0.62, 0.0), (0.8, 0.82, 0.12), (0.55, 0.98, 0.22), (0.28, 1.1, 0.3))
_LIGHT = np.array([-0.35, -0.94])  # light from above, a little from the left


def shaded_capsule(img: np.ndarray, p0: np.ndarray, p1: np.ndarray, r0: float, r1: float,
                   colour: BGR, dim: float = 1.0) -> None:
    """A tapered limb segment with a cylindrical light gradient."""
    for size, bright, shift in _LAYERS:
        off = _LIGHT * shift * max(r0, r1)
        _fill(img, _capsule_pts(p0 + off, p1 + off, r0 * size, r1 * size),
              _shade(colour, bright * dim))


def shaded_polygon(img: np.ndarray, outline: Callable[[float], np.ndarray],
                   colour: BGR, dim: float = 1.0, scale_r: float = 1.0) -> None:
    """A body region given by ``outline(size) -> (N, 2) points``; size 1 = the silhouette."""
    for size, bright, shift in _LAYERS[:3]:
        _fill(img, outline(size) + _LIGHT * shift * scale_r, _shade(colour, bright * dim))


def _ellipse(img: np.ndarray, c: np.ndarray, axes: tuple[float, float], angle_deg: float,
             colour: tuple[float, ...], a0: float = 0.0, a1: float = 360.0) -> None:
    pts = cv2.ellipse2Poly((int(np.rint(c[0] * 16)), int(np.rint(c[1] * 16))),
                           (max(1, int(np.rint(axes[0] * 16))), max(1, int(np.rint(axes[1] * 16)))),
                           int(np.rint(angle_deg)), int(a0), int(a1), 3)
    if a1 - a0 < 360:
        pts = np.vstack([pts, [[int(np.rint(c[0] * 16)), int(np.rint(c[1] * 16))]]])
    cv2.fillPoly(img, [pts.astype(np.int32)], colour, lineType=cv2.LINE_AA, shift=4)


# ------------------------------------------------------------------ backgrounds
class Backdrop:
    """Static scene behind the runner (drawn once per clip, shifted with the pan)."""

    def __init__(self, camera: CameraParams, style: RenderStyle, ground_y: float,
                 scale: float) -> None:
        self.cam, self.style, self.ground_y, self.scale = camera, style, ground_y, scale
        self.margin = int(camera.pan_px) + 8
        w, h = camera.width_px + 2 * self.margin, camera.height_px
        rng = np.random.default_rng(style.seed + 101)
        img = np.empty((h, w, 3), np.float32)
        img[:] = style.wall
        gy = int(np.rint(ground_y))
        img[gy:] = style.floor
        grad = np.linspace(1.05, 0.92, h, dtype=np.float32)[:, None, None]
        img *= grad
        if style.background in ("textured", "treadmill"):
            tex = rng.normal(0, 1, (h // 4 + 2, w // 4 + 2)).astype(np.float32)
            tex = cv2.resize(cv2.GaussianBlur(tex, (0, 0), 1.5), (w, h))
            img += 14.0 * tex[..., None]
            # wall panels and a skirting board give the scene some straight lines
            for x in range(int(rng.integers(20, 80)), w, int(0.9 * scale)):
                cv2.line(img, (x, 0), (x, gy), _shade(style.wall, 0.8), 2)
            cv2.rectangle(img, (0, gy - 6), (w, gy), _shade(style.wall, 0.7), -1)
        self.image = np.clip(img + 0.5, 0, 255).astype(np.uint8)

    def frame(self, pan_px: float) -> np.ndarray:
        x0 = self.margin - int(np.rint(pan_px))
        return self.image[:, x0:x0 + self.cam.width_px].copy()


def _treadmill(img: np.ndarray, cam: CameraParams, ground_y: float, scale: float,
               centre_x: float, belt_m: float) -> None:
    """Treadmill deck under the runner; belt marks move backward with the belt (side view)."""
    if cam.view == "side":
        half = 1.0 * scale
        x0, x1 = centre_x - half, centre_x + half
        y0, y1 = ground_y - 2, ground_y + 0.07 * scale
        cv2.rectangle(img, (int(x0), int(y0)), (int(x1), int(y1)), (45, 45, 48), -1)
        cv2.rectangle(img, (int(x0), int(y1)), (int(x1), int(y1 + 0.05 * scale)),
                      (110, 110, 115), -1)
        spacing = 0.25 * scale
        off = (-cam.facing * belt_m * scale) % spacing
        xs = np.arange(x0 + off, x1, spacing)
        for x in xs:
            cv2.line(img, (int(x), int(y0 + 3)), (int(x), int(y0 + 0.03 * scale)),
                     (70, 70, 75), 2)
        # front upright and console
        fx = x1 if cam.facing == 1 else x0
        cv2.line(img, (int(fx), int(y1)), (int(fx - cam.facing * 0.25 * scale),
                                           int(ground_y - 0.95 * scale)), (90, 90, 95), 6)
    else:
        half_near, half_far = 0.42 * scale, 0.30 * scale
        y_far, y_near = ground_y - 0.12 * scale, min(ground_y + 0.3 * scale, cam.height_px - 1)
        poly = np.array([[centre_x - half_far, y_far], [centre_x + half_far, y_far],
                         [centre_x + half_near, y_near], [centre_x - half_near, y_near]])
        cv2.fillPoly(img, [poly.astype(np.int32)], (45, 45, 48), lineType=cv2.LINE_AA)
        for sgn in (-1, 1):
            cv2.line(img, (int(centre_x + sgn * half_far), int(y_far)),
                     (int(centre_x + sgn * half_near), int(y_near)), (120, 120, 125), 5)


# ------------------------------------------------------------------ the runner
class RunnerPainter:
    """Paints one frame of a :class:`SyntheticRun` (level, still image coordinates)."""

    def __init__(self, run: SyntheticRun, style: RenderStyle) -> None:
        self.run, self.style = run, style
        self.cam = run.camera
        self.H = run.params.height_m
        self.s = run.scale_px_per_m  # px per metre
        self.Hpx = self.H * self.s

    def r(self, frac_h: float) -> float:
        """Radius in px of a size given as a fraction of standing height."""
        return frac_h * self.Hpx

    def paint(self, img: np.ndarray, i: int, pan_px: float) -> None:
        xy = self.run.level_xy_px[i].copy()
        xy[:, 0] += pan_px
        depth = self.run.depth_m[i]
        parts: list[tuple[float, int, Callable[[], None]]] = []
        for side in ("LEFT", "RIGHT"):
            leg_d = float(np.mean(depth[[LM[f"{side}_KNEE"], LM[f"{side}_ANKLE"]]]))
            arm_d = float(np.mean(depth[[LM[f"{side}_ELBOW"], LM[f"{side}_WRIST"]]]))
            parts.append((leg_d, 1, lambda s=side, d=leg_d: self.leg(img, xy, s, d)))
            parts.append((arm_d, 3, lambda s=side, d=arm_d: self.arm(img, xy, s, d)))
        trunk_d = float(np.mean(depth[[LM.LEFT_HIP, LM.RIGHT_HIP]]))
        parts.append((trunk_d, 2, lambda: self.trunk(img, xy, i)))
        parts.append((trunk_d - 1e-3, 2, lambda: self.head(img, xy, i)))
        if self.cam.view != "side":
            # from behind/in front the arms pass beside the trunk: near arm after the trunk
            parts = [(d if k != 3 else d - 0.02, k, f) for d, k, f in parts]
        for _, _, draw in sorted(parts, key=lambda p: (-p[0], p[1])):
            draw()

    def _dim(self, depth: float) -> float:
        """Far-side parts are darker (side view: 0.72 on the far side)."""
        if self.cam.view != "side":
            return 1.0
        return 0.72 if depth > 0.02 else 1.0

    def leg(self, img: np.ndarray, xy: np.ndarray, side: str, depth: float) -> None:
        st, dim = self.style, self._dim(depth)
        hip, knee = xy[LM[f"{side}_HIP"]], xy[LM[f"{side}_KNEE"]]
        ankle, heel, toe = (xy[LM[f"{side}_{n}"]] for n in ("ANKLE", "HEEL", "FOOT_INDEX"))
        shaded_capsule(img, hip, knee, self.r(0.046), self.r(0.032), st.skin, dim)
        calf = knee + 0.3 * (ankle - knee)
        shaded_capsule(img, knee, calf, self.r(0.032), self.r(0.036), st.skin, dim)
        shaded_capsule(img, calf, ankle, self.r(0.036), self.r(0.019), st.skin, dim)
        # shorts leg
        shaded_capsule(img, hip, hip + 0.42 * (knee - hip), self.r(0.050), self.r(0.043),
                       st.shorts, dim)
        self.shoe(img, ankle, heel, toe, dim)

    def shoe(self, img: np.ndarray, ankle: np.ndarray, heel: np.ndarray, toe: np.ndarray,
             dim: float) -> None:
        """A shoe whose back-most point is the heel landmark and front tip the toe landmark."""
        st = self.style
        along = toe - heel
        length = float(np.linalg.norm(along))
        if length < 0.6 * (body.HEEL_BACK_H + body.TOE_FWD_H) * self.Hpx:
            # seen end-on (from behind or in front): a rounded heel cup around the heel point
            shaded_capsule(img, heel, heel + 0.1 * (ankle - heel), self.r(0.024),
                           self.r(0.024), st.sole, dim)
            shaded_capsule(img, heel + 0.35 * (ankle - heel), heel + 0.8 * (ankle - heel),
                           self.r(0.027), self.r(0.024), st.shoe, dim)
        if length < 1e-6:
            return
        u = along / length
        v = np.array([u[1], -u[0]])
        if v @ (ankle - heel) < 0:
            v = -v
        h = max(float((ankle - heel) @ v), 0.3 * length)
        # outline in (along, up) foot coordinates, fractions of length and ankle height
        shape = np.array([[0.0, 0.12], [0.04, 0.0], [0.9, 0.0], [1.0, 0.1], [0.97, 0.28],
                          [0.75, 0.45], [0.45, 0.85], [0.2, 1.0], [0.03, 0.8]])
        pts = heel + shape[:, :1] * length * u + shape[:, 1:] * h * v
        centre = pts.mean(axis=0)
        shaded_polygon(img, lambda size: centre + size * (pts - centre), st.shoe, dim,
                       scale_r=0.15 * h)
        sole = np.array([[0.02, 0.0], [0.92, 0.0], [0.97, 0.12], [0.06, 0.14]])
        _fill(img, heel + sole[:, :1] * length * u + sole[:, 1:] * h * v, _shade(st.sole, dim))

    def arm(self, img: np.ndarray, xy: np.ndarray, side: str, depth: float) -> None:
        st, dim = self.style, self._dim(depth)
        sh, el, wr = (xy[LM[f"{side}_{n}"]] for n in ("SHOULDER", "ELBOW", "WRIST"))
        idx = xy[LM[f"{side}_INDEX"]]
        shaded_capsule(img, sh, el, self.r(0.031), self.r(0.024), st.skin, dim)
        shaded_capsule(img, el, wr, self.r(0.023), self.r(0.017), st.skin, dim)
        shaded_capsule(img, wr, idx, self.r(0.019), self.r(0.017), st.skin, dim * 0.95)
        # short sleeve
        shaded_capsule(img, sh, sh + 0.4 * (el - sh), self.r(0.035), self.r(0.030), st.shirt,
                       dim)

    def _axis(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        hm = (xy[LM.LEFT_HIP] + xy[LM.RIGHT_HIP]) / 2
        sm = (xy[LM.LEFT_SHOULDER] + xy[LM.RIGHT_SHOULDER]) / 2
        a = sm - hm
        u = a / np.linalg.norm(a)
        return hm, a, np.array([-u[1], u[0]])

    def trunk(self, img: np.ndarray, xy: np.ndarray, i: int) -> None:
        st = self.style
        hm, a, n = self._axis(xy)
        t_px = body.TRUNK_H * self.Hpx
        if self.cam.view == "side":
            arch = float(self.run.extras["lumbar_arch"][i])
            f = float(self.cam.facing)

            def outline(lo: float, hi: float) -> Callable[[float], np.ndarray]:
                s = np.linspace(lo, hi, 48)
                c = hm[None, :] + s[:, None] * a[None, :]

                def pts(size: float) -> np.ndarray:
                    front = c + (f * size * body.front_profile(s) * t_px)[:, None] * n
                    back = c - (f * size * body.back_profile(s, arch) * t_px)[:, None] * n
                    return np.concatenate([front, back[::-1]])
                return pts
            shaded_polygon(img, outline(-0.36, 0.16), st.shorts, scale_r=0.2 * t_px)
            shaded_polygon(img, outline(0.08, 1.06), st.shirt, scale_r=0.2 * t_px)
        else:
            hip_l, hip_r = xy[LM.LEFT_HIP], xy[LM.RIGHT_HIP]
            pel = hip_r - hip_l
            pel_u = pel / np.linalg.norm(pel)
            down = np.array([-pel_u[1], pel_u[0]])
            if down @ a > 0:
                down = -down
            # buttocks (rear) or hips (front): one rounded lobe per side, tilting with the pelvis
            for hip in (hip_l, hip_r) if self.cam.view == "rear" else ():
                centre = hip + down * self.r(0.025) + (hip - hm) * 0.2
                shaded_polygon(img, self._lobe(centre, pel_u, down), st.shorts,
                               scale_r=self.r(0.03))

            def waist(size: float) -> np.ndarray:
                s = np.linspace(-0.12, 0.2, 12)
                c = hm[None, :] + s[:, None] * a[None, :]
                w = (size * body.half_width_profile(s) * t_px)[:, None]
                return np.concatenate([c + w * n, (c - w * n)[::-1]])

            def chest(size: float) -> np.ndarray:
                s = np.linspace(0.12, 1.1, 40)
                c = hm[None, :] + s[:, None] * a[None, :]
                w = (size * body.half_width_profile(s) * t_px)[:, None]
                return np.concatenate([c + w * n, (c - w * n)[::-1]])
            shaded_polygon(img, waist, st.shorts, scale_r=0.2 * t_px)
            shaded_polygon(img, chest, st.shirt, scale_r=0.3 * t_px)

    def _lobe(self, centre: np.ndarray, across: np.ndarray,
              down: np.ndarray) -> Callable[[float], np.ndarray]:
        def pts(size: float) -> np.ndarray:
            ang = np.linspace(0, 2 * np.pi, 24, endpoint=False)[:, None]
            return centre + size * (self.r(0.048) * np.cos(ang) * across
                                    + self.r(0.052) * np.sin(ang) * down)
        return pts

    def head(self, img: np.ndarray, xy: np.ndarray, i: int) -> None:
        st = self.style
        sm = (xy[LM.LEFT_SHOULDER] + xy[LM.RIGHT_SHOULDER]) / 2
        ear_l, ear_r = xy[LM.LEFT_EAR], xy[LM.RIGHT_EAR]
        centre = (ear_l + ear_r) / 2
        shaded_capsule(img, sm, centre + 0.3 * (sm - centre), self.r(0.034), self.r(0.030),
                       st.skin)
        if self.cam.view == "side":
            self._profile_head(img, xy, centre)
        else:
            self._frontal_head(img, xy, centre)

    def _profile_head(self, img: np.ndarray, xy: np.ndarray, centre: np.ndarray) -> None:
        st, f = self.style, float(self.cam.facing)
        near = "RIGHT" if f > 0 else "LEFT"
        nose, eye = xy[LM.NOSE], xy[LM[f"{near}_EYE"]]
        mouth = xy[LM[f"MOUTH_{near}"]]
        ear = xy[LM[f"{near}_EAR"]]
        hc = centre + np.array([f * self.r(0.012), -self.r(0.008)])
        ax = (self.r(0.060), self.r(0.068))
        for size, bright, shift in _LAYERS[:3]:
            _ellipse(img, hc + _LIGHT * shift * ax[0], (ax[0] * size, ax[1] * size), 0,
                     _shade(st.skin, bright))
        # hair over the top and back of the head
        a0, a1 = (180, 300) if f > 0 else (240, 360)
        _ellipse(img, hc + np.array([-f * self.r(0.004), -self.r(0.004)]),
                 (ax[0] * 1.04, ax[1] * 1.04), 0, _shade(st.hair, 1.0), a0 - 10, a1 + 25)
        _ellipse(img, hc + np.array([-f * self.r(0.012), 0]), (ax[0] * 0.85, ax[1] * 0.9), 0,
                 _shade(st.hair, 1.0), 90 if f > 0 else -90, 270 if f > 0 else 90)
        # face profile: nose, eye with brow, mouth, ear
        nb = nose + np.array([-f * self.r(0.022), -self.r(0.012)])
        nt = nose + np.array([-f * self.r(0.016), self.r(0.008)])
        _fill(img, np.array([nb, nose, nt]), _shade(st.skin, 0.9))
        _ellipse(img, eye, (self.r(0.008), self.r(0.005)), 0, (250, 250, 250))
        _ellipse(img, eye + np.array([f * self.r(0.003), 0]), (self.r(0.004), self.r(0.004)), 0,
                 (40, 30, 20))
        brow0 = eye + np.array([-f * self.r(0.010), -self.r(0.011)])
        brow1 = eye + np.array([f * self.r(0.008), -self.r(0.012)])
        _line(img, brow0, brow1, _shade(st.hair, 1.0), max(1, int(self.r(0.004))))
        _line(img, mouth - np.array([f * self.r(0.012), 0]), mouth + np.array([f * self.r(0.004),
              0]), (60, 60, 140), max(1, int(self.r(0.004))))
        _ellipse(img, ear, (self.r(0.012), self.r(0.018)), 0, _shade(st.skin, 0.75))
        _ellipse(img, ear, (self.r(0.006), self.r(0.011)), 0, _shade(st.skin, 0.6))

    def _frontal_head(self, img: np.ndarray, xy: np.ndarray, centre: np.ndarray) -> None:
        st = self.style
        ax = (self.r(0.052), self.r(0.068))
        for ear in (xy[LM.LEFT_EAR], xy[LM.RIGHT_EAR]):
            _ellipse(img, ear, (self.r(0.010), self.r(0.017)), 0, _shade(st.skin, 0.8))
        for size, bright, shift in _LAYERS[:3]:
            _ellipse(img, centre + _LIGHT * shift * ax[0], (ax[0] * size, ax[1] * size), 0,
                     _shade(st.skin, bright))
        if self.cam.view == "rear":
            _ellipse(img, centre + np.array([0, -self.r(0.004)]), (ax[0] * 1.03, ax[1] * 1.02),
                     0, _shade(st.hair, 1.0))
            _ellipse(img, centre + np.array([-self.r(0.015), -self.r(0.03)]),
                     (ax[0] * 0.5, ax[1] * 0.4), 0, _shade(st.hair, 1.3))
            return
        _ellipse(img, centre + np.array([0, -self.r(0.006)]), (ax[0] * 1.03, ax[1] * 1.0), 0,
                 _shade(st.hair, 1.0), 180, 360)
        for e in (xy[LM.LEFT_EYE], xy[LM.RIGHT_EYE]):
            _ellipse(img, e, (self.r(0.009), self.r(0.005)), 0, (250, 250, 250))
            _ellipse(img, e, (self.r(0.0045), self.r(0.0045)), 0, (40, 30, 20))
            _line(img, e + np.array([-self.r(0.01), -self.r(0.011)]),
                  e + np.array([self.r(0.01), -self.r(0.011)]), _shade(st.hair, 1.0),
                  max(1, int(self.r(0.004))))
        nose = xy[LM.NOSE]
        tri = np.array([[0, -self.r(0.022)], [self.r(0.008), 0], [-self.r(0.008), 0]])
        _fill(img, nose + tri, _shade(st.skin, 0.8))
        _line(img, xy[LM.MOUTH_LEFT], xy[LM.MOUTH_RIGHT], (60, 60, 140),
              max(1, int(self.r(0.005))))


def _line(img: np.ndarray, p0: np.ndarray, p1: np.ndarray, colour: tuple[float, ...],
          width: int) -> None:
    cv2.line(img, tuple(np.round(p0 * 16).astype(int)), tuple(np.round(p1 * 16).astype(int)),
             colour, width, cv2.LINE_AA, 4)


# ------------------------------------------------------------------ whole frames
class FrameRenderer:
    """Turns frame ``i`` of a run into a BGR image (uint8) as the camera records it."""

    def __init__(self, run: SyntheticRun, style: RenderStyle = RenderStyle()) -> None:
        self.run, self.style, self.cam = run, style, run.camera
        self.painter = RunnerPainter(run, style)
        scale = run.scale_px_per_m
        self.ground_y = self.cam.centre_px[1] + 0.47 * self.cam.runner_px
        self.backdrop = Backdrop(self.cam, style, self.ground_y, scale)
        stances = run.model.stances["left"]
        self.belt_mps = float(np.mean([s.belt_mps for s in stances]))
        h, w = self.cam.height_px, self.cam.width_px
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        r2 = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
        self.light = (style.brightness * (1.0 - style.vignette * r2 / 2)).astype(np.float32)
        # a small bank of seeded noise fields, shifted per frame (fast and reproducible)
        rng = np.random.default_rng(style.seed + 202)
        self.noise = rng.standard_normal((3, h, w, 3), dtype=np.float32) * style.noise_sigma

    def pan_px(self, i: int) -> float:
        cam = self.cam
        if not cam.pan_px:
            return 0.0
        return float(cam.pan_px * np.sin(2 * np.pi * self.run.t_s[i] / cam.pan_period_s))

    def render(self, i: int) -> np.ndarray:
        cam, st = self.cam, self.style
        pan = self.pan_px(i)
        img = self.backdrop.frame(pan)
        if st.background == "treadmill":
            belt_m = self.belt_mps * float(self.run.t_s[i])
            _treadmill(img, cam, self.ground_y, self.run.scale_px_per_m,
                       cam.centre_px[0] + pan, belt_m)
        self.painter.paint(img, i, pan)
        if cam.roll_deg:
            c = (float(cam.centre_px[0]), float(cam.centre_px[1]))
            rot = cv2.getRotationMatrix2D(c, -cam.roll_deg, 1.0)  # clockwise on screen
            img = cv2.warpAffine(img, rot, (cam.width_px, cam.height_px),
                                 flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101)
        if st.blur_sigma > 0:
            img = cv2.GaussianBlur(img, (0, 0), st.blur_sigma)
        img = img.astype(np.float32) * self.light[..., None]
        if st.noise_sigma > 0:
            k, shift = i % 3, (i * 7919) % (cam.height_px * cam.width_px)
            img += np.roll(self.noise[k].reshape(-1, 3), shift, axis=0).reshape(img.shape)
        return np.clip(img + 0.5, 0, 255).astype(np.uint8)


# ------------------------------------------------------------------ clips on disk
def truth_path(video_path: str | Path) -> Path:
    """``clip.mp4`` -> ``clip.truth.json`` (beside the video)."""
    p = Path(video_path)
    return p.with_name(p.stem + ".truth.json")


def render_clip(params: RunnerParams, camera: CameraParams, *, duration_s: float,
                out_path: str | Path, seed: int = 0, style: RenderStyle | None = None,
                rotation_deg: int = 0, crf: int = 23,
                progress: Callable[[int, int], None] | None = None) -> GroundTruth:
    """Render a clip to an H.264 MP4 and write its ground truth beside it.

    Parameters
    ----------
    params, camera : the runner and how it is filmed.
    duration_s : clip length, s.
    out_path : the ``.mp4`` to write; the truth goes to ``<stem>.truth.json``.
    seed : seeds sensor noise and background texture (and the style's seed is replaced).
    rotation_deg : clockwise display rotation stored as metadata (frames stored turned).

    Returns
    -------
    GroundTruth of the clip (also in the JSON, with per-frame true 2D landmarks in pixels).
    """
    run = simulate(params, camera, duration_s=duration_s)
    style = replace(style or RenderStyle(), seed=seed)
    renderer = FrameRenderer(run, style)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    n = run.t_s.size
    with clip_writer(out_path, camera.width_px, camera.height_px, camera.fps,
                   rotation_deg=rotation_deg, crf=crf) as writer:
        for i in range(n):
            writer.write(renderer.render(i), float(run.t_s[i]))
            if progress is not None:
                progress(i + 1, n)
    truth = ground_truth(run)
    doc = truth.to_dict()
    doc["render"] = {"video": out_path.name, "style": asdict(style), "rotation_deg": rotation_deg,
                     "crf": crf, "generator": "posture.synth.render.render_clip"}
    doc["frames"] = {
        "note": "true landmarks as recorded (upright image, roll and pan applied), px; "
                "level = roll and pan removed (the frame the truth metrics use), given only "
                "when it differs from the recorded one",
        "landmarks": [lm.name.lower() for lm in LM],
        "t_s": [round(float(t), 6) for t in run.t_s],
        "image_xy_px": np.round(run.image_xy_px, 1).tolist(),
    }
    if camera.roll_deg or camera.pan_px:
        doc["frames"]["level_xy_px"] = np.round(run.level_xy_px, 1).tolist()
    truth_path(out_path).write_text(json.dumps(doc, separators=(",", ":")))
    return truth
