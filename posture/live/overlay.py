"""Drawing the live overlay on a frame: the runner's skeleton, three big numbers (lean,
cadence, bounce), the baseline state, a large cue and the "dropping frames" note.

Sized for reading from 2-3 m: the numbers are about a ninth of the picture's height. Pure
drawing on an RGB array (OpenCV); what the numbers are comes from :class:`LiveUpdate`.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from posture.landmarks import LM
from posture.live.drift import LIVE_METRICS
from posture.live.session import LiveUpdate
from posture.metrics.registry import spec

#: A cue stays on the picture this long, s.
CUE_SHOWN_S = 8.0

_BONES: tuple[tuple[LM, LM], ...] = (
    (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER), (LM.LEFT_HIP, LM.RIGHT_HIP),
    (LM.LEFT_SHOULDER, LM.LEFT_HIP), (LM.RIGHT_SHOULDER, LM.RIGHT_HIP),
    (LM.LEFT_SHOULDER, LM.LEFT_ELBOW), (LM.LEFT_ELBOW, LM.LEFT_WRIST),
    (LM.RIGHT_SHOULDER, LM.RIGHT_ELBOW), (LM.RIGHT_ELBOW, LM.RIGHT_WRIST),
    (LM.LEFT_HIP, LM.LEFT_KNEE), (LM.LEFT_KNEE, LM.LEFT_ANKLE), (LM.LEFT_ANKLE, LM.LEFT_HEEL),
    (LM.LEFT_HEEL, LM.LEFT_FOOT_INDEX), (LM.RIGHT_HIP, LM.RIGHT_KNEE),
    (LM.RIGHT_KNEE, LM.RIGHT_ANKLE), (LM.RIGHT_ANKLE, LM.RIGHT_HEEL),
    (LM.RIGHT_HEEL, LM.RIGHT_FOOT_INDEX),
)
_LABELS = {"trunk_lean_deg": "lean", "cadence_spm": "cadence",
           "vertical_oscillation_pct_leg": "bounce"}
_UNITS = {"deg": "deg", "steps/min": "spm", "% leg": "% leg"}
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
ORANGE = (228, 87, 46)
CUE_RED = (214, 39, 40)
SKELETON = (80, 220, 255)


def number_text(metric: str, value: float) -> str:
    """A live number as shown: ``"7.4 deg"``, ``"171 spm"``, ``"--"`` when not measured."""
    s = spec(metric)
    if not math.isfinite(value):
        return "--"
    return f"{value:.{s.decimals}f} {_UNITS.get(s.unit, s.unit)}"


def _text(img: np.ndarray, text: str, org: tuple[int, int], scale: float,
          colour: tuple[int, int, int] = WHITE, thick: int = 2) -> None:
    """Text with a dark outline, readable on any picture."""
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_DUPLEX, scale, BLACK, thick + 3, cv2.LINE_AA)
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_DUPLEX, scale, colour, thick, cv2.LINE_AA)


def draw_skeleton(img: np.ndarray, xy_px: np.ndarray, scale: float = 1.0) -> None:
    """The runner's bones (landmarks in pixels of the frame the model saw, times ``scale``)."""
    pts = np.asarray(xy_px, float) * scale
    w = max(2, round(img.shape[0] / 180))
    for a, b in _BONES:
        pa, pb = pts[a], pts[b]
        if np.isfinite(pa).all() and np.isfinite(pb).all():
            cv2.line(img, (round(pa[0]), round(pa[1])), (round(pb[0]), round(pb[1])),
                     SKELETON, w, cv2.LINE_AA)
    for k in (LM.NOSE, *(j for bone in _BONES for j in bone)):
        p = pts[k]
        if np.isfinite(p).all():
            cv2.circle(img, (round(p[0]), round(p[1])), w + 1, WHITE, -1, cv2.LINE_AA)


def draw_overlay(image_rgb: np.ndarray, update: LiveUpdate, *,
                 landmarks_scale: float = 1.0) -> np.ndarray:
    """A copy of ``image_rgb`` with the live overlay drawn on it."""
    img = np.ascontiguousarray(image_rgb).copy()
    h, w = img.shape[:2]
    unit = h / 360.0  # text sizes relative to a 360-line picture
    if update.landmarks.found:
        draw_skeleton(img, update.landmarks.image_xy_px, landmarks_scale)
    # three big numbers down the left side
    for k, m in enumerate(LIVE_METRICS):
        y = round((60 + 62 * k) * unit)
        _text(img, _LABELS[m], (round(12 * unit), y - round(30 * unit)), 0.5 * unit,
              thick=max(1, round(unit)))
        _text(img, number_text(m, update.values.get(m, math.nan)), (round(12 * unit), y),
              1.1 * unit, thick=max(2, round(2 * unit)))
    # state line at the top right
    if update.state == "watching":
        state = "watching for drift"
    elif update.state == "baseline":
        state = f"baseline being set: {update.baseline_left_s:.0f} s"
    else:
        state = "baseline being set: waiting for strides"
    size = cv2.getTextSize(state, cv2.FONT_HERSHEY_DUPLEX, 0.55 * unit, 1)[0]
    _text(img, state, (w - size[0] - round(12 * unit), round(24 * unit)), 0.55 * unit,
          ORANGE if update.state != "watching" else WHITE, thick=max(1, round(unit)))
    if update.dropping:
        note = f"dropping frames ({update.processed_fps:.0f} fps)"
        size = cv2.getTextSize(note, cv2.FONT_HERSHEY_DUPLEX, 0.5 * unit, 1)[0]
        _text(img, note, (w - size[0] - round(12 * unit), round(48 * unit)), 0.5 * unit,
              (255, 200, 0), thick=max(1, round(unit)))
    cue = update.last_cue
    if cue is not None and update.t_s - cue.t_s < CUE_SHOWN_S:
        _draw_cue(img, cue.text, unit)
    return img


def _draw_cue(img: np.ndarray, text: str, unit: float) -> None:
    """A red band across the bottom with the cue's words (split at its colon)."""
    h, w = img.shape[:2]
    head, _, tail = text.replace("°", " deg").partition(": ")  # the font has no degree sign
    band_h = round(96 * unit)
    overlay = img.copy()
    cv2.rectangle(overlay, (0, h - band_h), (w, h), CUE_RED, -1)
    cv2.addWeighted(overlay, 0.8, img, 0.2, 0, dst=img)
    scale = 1.3 * unit
    while scale > 0.4 * unit and cv2.getTextSize(head, cv2.FONT_HERSHEY_DUPLEX, scale,
                                                 2)[0][0] > w - 24 * unit:
        scale *= 0.9
    _text(img, head, (round(12 * unit), h - band_h + round(42 * unit)), scale,
          thick=max(2, round(2 * unit)))
    if tail:
        small = 0.6 * unit
        while small > 0.3 * unit and cv2.getTextSize(tail, cv2.FONT_HERSHEY_DUPLEX, small,
                                                     1)[0][0] > w - 24 * unit:
            small *= 0.9
        _text(img, tail, (round(12 * unit), h - round(16 * unit)), small,
              thick=max(1, round(unit)))
