"""Drawing the live overlay on a frame: the runner's skeleton, three big numbers (lean,
cadence, bounce), the baseline state, a large cue and the "dropping frames" note; the numbers
turn grey with "too few frames to measure" when too few frames a second are processed.

Sized for reading from 2-3 m: the numbers are about a ninth of the picture's height. Pure
drawing on an RGB array (OpenCV); what the numbers are comes from :class:`LiveUpdate`.
"""

from __future__ import annotations

import functools
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
#: Each joint once (a joint ends several bones).
_JOINTS: tuple[LM, ...] = tuple(dict.fromkeys((LM.NOSE, *(j for b in _BONES for j in b))))
_LABELS = {"trunk_lean_deg": "lean", "cadence_spm": "cadence",
           "vertical_oscillation_pct_leg": "bounce"}
_UNITS = {"deg": "deg", "steps/min": "spm", "% leg": "% leg"}
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
ORANGE = (228, 87, 46)
CUE_RED = (214, 39, 40)
SKELETON = (80, 220, 255)
#: Numbers not being updated (too few frames a second to measure a stride).
PAUSED_GREY = (150, 150, 150)
NOTE_YELLOW = (255, 200, 0)


def number_text(metric: str, value: float) -> str:
    """A live number as shown: ``"7.4 deg"``, ``"171 spm"``, ``"--"`` when not measured."""
    s = spec(metric)
    if not math.isfinite(value):
        return "--"
    return f"{value:.{s.decimals}f} {_UNITS.get(s.unit, s.unit)}"


def draw_text(img: np.ndarray, text: str, org: tuple[int, int], scale: float,
          colour: tuple[int, int, int] = WHITE, thick: int = 2) -> None:
    """Text with a dark outline, readable on any picture.

    Rendered once per (text, size, colour) into a small patch with its coverage
    (:func:`_text_patch`) and blended in place: two anti-aliased ``putText`` calls per text
    cost about 0.3 ms each, a third of a frame's budget over the eight texts of the overlay.
    """
    colour_px, weight, (dx, dy) = _text_patch(text, round(scale * 1000), colour, thick)
    h, w = img.shape[:2]
    x0, y0 = org[0] + dx, org[1] + dy
    ph, pw = weight.shape
    # the part of the patch inside the picture
    cx0, cy0 = max(0, -x0), max(0, -y0)
    cx1, cy1 = min(pw, w - x0), min(ph, h - y0)
    if cx1 <= cx0 or cy1 <= cy0:
        return
    roi = img[y0 + cy0:y0 + cy1, x0 + cx0:x0 + cx1]
    wt = weight[cy0:cy1, cx0:cx1]
    roi[:] = cv2.blendLinear(colour_px[cy0:cy1, cx0:cx1], roi, wt,
                             np.ascontiguousarray(1.0 - wt))


@functools.lru_cache(maxsize=256)
def _text_patch(text: str, scale_milli: int, colour: tuple[int, int, int], thick: int
                ) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """One outlined text drawn on black: its pixels (RGB), its coverage in [0, 1] (float32)
    and the patch's top-left corner relative to the text's origin.

    The outline is black, so drawing the colour on black and blending the picture by the
    coverage gives what drawing both strokes on the picture gives (to rounding).
    """
    scale = scale_milli / 1000.0
    outline = thick + 3
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, scale, outline)
    pad = outline + 2
    org = (pad, pad + th)
    size = (th + base + 2 * pad, tw + 2 * pad)
    cover = np.zeros(size, np.uint8)
    cv2.putText(cover, text, org, cv2.FONT_HERSHEY_DUPLEX, scale, 255, outline, cv2.LINE_AA)
    cv2.putText(cover, text, org, cv2.FONT_HERSHEY_DUPLEX, scale, 255, thick, cv2.LINE_AA)
    colour_px = np.zeros((*size, 3), np.uint8)
    cv2.putText(colour_px, text, org, cv2.FONT_HERSHEY_DUPLEX, scale, colour, thick,
                cv2.LINE_AA)
    return colour_px, cover.astype(np.float32) / 255.0, (-org[0], -org[1])


def draw_skeleton(img: np.ndarray, xy_px: np.ndarray, scale: float = 1.0) -> None:
    """The runner's bones (landmarks in pixels of the frame the model saw, times ``scale``).

    One OpenCV call for the bones and one for the joints (round-capped zero-length strokes):
    each call lets go of the GIL, and getting it back can wait for the stride analysis
    thread, so fewer calls keep the overlay quick while a window is analysed.
    """
    pts = np.asarray(xy_px, float) * scale
    w = max(2, round(img.shape[0] / 180))
    ok = np.isfinite(pts).all(axis=1)
    with np.errstate(invalid="ignore"):
        ipts = np.where(ok[:, None], np.round(pts), 0).astype(np.int32)
    bones = [ipts[[i, j]] for i, j in _BONES if ok[i] and ok[j]]
    if bones:
        cv2.polylines(img, bones, False, SKELETON, w, cv2.LINE_AA)
    joints = [ipts[[k, k]] for k in _JOINTS if ok[k]]
    if joints:
        cv2.polylines(img, joints, False, WHITE, 2 * (w + 1), cv2.LINE_AA)


def draw_overlay(image_rgb: np.ndarray, update: LiveUpdate, *,
                 landmarks_scale: float = 1.0) -> np.ndarray:
    """A copy of ``image_rgb`` with the live overlay drawn on it."""
    img = np.ascontiguousarray(image_rgb).copy()
    h, w = img.shape[:2]
    unit = h / 360.0  # text sizes relative to a 360-line picture
    if update.landmarks.found:
        draw_skeleton(img, update.landmarks.image_xy_px, landmarks_scale)
    # three big numbers down the left side (grey while not being measured)
    number_colour = PAUSED_GREY if update.too_few_frames else WHITE
    for k, m in enumerate(LIVE_METRICS):
        y = round((60 + 62 * k) * unit)
        draw_text(img, _LABELS[m], (round(12 * unit), y - round(30 * unit)), 0.5 * unit,
              thick=max(1, round(unit)))
        draw_text(img, number_text(m, update.values.get(m, math.nan)), (round(12 * unit), y),
              1.1 * unit, number_colour, thick=max(2, round(2 * unit)))
    # state line at the top right
    if update.state == "watching":
        state = "watching for drift"
    elif update.state == "baseline":
        state = f"baseline being set: {update.baseline_left_s:.0f} s"
    else:
        state = "baseline being set: waiting for strides"
    size = cv2.getTextSize(state, cv2.FONT_HERSHEY_DUPLEX, 0.55 * unit, 1)[0]
    draw_text(img, state, (w - size[0] - round(12 * unit), round(24 * unit)), 0.55 * unit,
          ORANGE if update.state != "watching" else WHITE, thick=max(1, round(unit)))
    note = frames_note(update)
    if note:
        size = cv2.getTextSize(note, cv2.FONT_HERSHEY_DUPLEX, 0.5 * unit, 1)[0]
        draw_text(img, note, (w - size[0] - round(12 * unit), round(48 * unit)), 0.5 * unit,
              NOTE_YELLOW, thick=max(1, round(unit)))
    cue = update.last_cue
    if cue is not None and update.t_s - cue.t_s < CUE_SHOWN_S:
        _draw_cue(img, cue.text, unit)
    return img


def frames_note(update: LiveUpdate) -> str:
    """The overlay's short note on the processed frame rate ("" when there is none)."""
    if update.too_few_frames:
        return f"too few frames to measure ({update.processed_fps:.0f} fps)"
    if update.dropping:
        return f"dropping frames ({update.processed_fps:.0f} fps)"
    return ""


def _draw_cue(img: np.ndarray, text: str, unit: float) -> None:
    """A red band across the bottom with the cue's words (split at its colon)."""
    h, w = img.shape[:2]
    head, _, tail = text.replace("°", " deg").partition(": ")  # the font has no degree sign
    band_h = round(96 * unit)
    band = img[max(0, h - band_h):]
    cv2.addWeighted(np.full_like(band, CUE_RED), 0.8, band, 0.2, 0, dst=band)
    scale = 1.3 * unit
    while scale > 0.4 * unit and cv2.getTextSize(head, cv2.FONT_HERSHEY_DUPLEX, scale,
                                                 2)[0][0] > w - 24 * unit:
        scale *= 0.9
    draw_text(img, head, (round(12 * unit), h - band_h + round(42 * unit)), scale,
          thick=max(2, round(2 * unit)))
    if tail:
        small = 0.6 * unit
        while small > 0.3 * unit and cv2.getTextSize(tail, cv2.FONT_HERSHEY_DUPLEX, small,
                                                     1)[0][0] > w - 24 * unit:
            small *= 0.9
        draw_text(img, tail, (round(12 * unit), h - round(16 * unit)), small,
              thick=max(1, round(unit)))
