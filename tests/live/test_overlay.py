"""The live overlay: numbers as the runner reads them, cue band, state line."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from posture.live.cues import cue_text, short_cue
from posture.live.drift import Cue
from posture.live.overlay import (
    BLACK,
    CUE_SHOWN_S,
    PAUSED_GREY,
    WHITE,
    draw_overlay,
    draw_text,
    frames_note,
    number_text,
)
from posture.live.session import LiveUpdate
from posture.live.signals import LandmarkFrame
from posture.live.sound import RATE_HZ, cue_wav


def update(t_s: float, *, cue: Cue | None = None, state: str = "watching",
           dropping: bool = False, fps: float = 20.0) -> LiveUpdate:
    return LiveUpdate(t_s=t_s, landmarks=LandmarkFrame.missing(t_s), state=state,
                      baseline_left_s=42.0,
                      values={"trunk_lean_deg": 7.44, "cadence_spm": 171.6,
                              "vertical_oscillation_pct_leg": math.nan},
                      baseline={}, cue=None, last_cue=cue, dropping=dropping,
                      processed_fps=fps, too_few_frames=fps < 15.0, view="side", note=None)


def test_numbers_as_shown():
    assert number_text("trunk_lean_deg", 7.44) == "7.4 deg"
    assert number_text("cadence_spm", 171.6) == "172 spm"
    assert number_text("vertical_oscillation_pct_leg", 8.25) == "8.2 % leg"
    assert number_text("trunk_lean_deg", math.nan) == "--"


def test_cue_band_shows_for_its_time_only():
    img = np.full((360, 640, 3), 128, np.uint8)
    cue = Cue(30.0, "trunk_lean_deg", 4.2, 6.0, 10.2, cue_text("trunk_lean_deg", 4.2))
    plain = draw_overlay(img, update(31.0))
    shown = draw_overlay(img, update(31.0, cue=cue))
    gone = draw_overlay(img, update(30.0 + CUE_SHOWN_S + 0.1, cue=cue))
    band = slice(360 - 90, 360)
    red = shown[band, :, 0].astype(int) - shown[band, :, 2].astype(int)
    assert np.median(red) > 100  # a red band across the bottom
    np.testing.assert_array_equal(gone[band], plain[band])
    assert img.mean() == 128  # the caller's frame is not drawn on


def test_cue_words_are_the_findings_words():
    assert short_cue("trunk_lean_deg") == "Run tall"
    assert cue_text("trunk_lean_deg", 4.2) == \
        "Run tall: forward trunk lean +4.2° since the start"
    assert cue_text("vertical_oscillation_pct_leg", 5.0).endswith(
        "vertical bounce +5.0 % leg since the start")


def test_cue_sound_is_a_short_wav():
    wav = cue_wav()
    assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE"
    n_samples = (len(wav) - 44) // 2
    assert abs(n_samples / RATE_HZ - 0.3) < 0.01


def test_dropping_note_is_drawn_only_while_dropping():
    img = np.full((360, 640, 3), 128, np.uint8)
    calm = draw_overlay(img, update(31.0))
    busy = draw_overlay(img, update(31.0, dropping=True))
    note_rows = slice(30, 56)  # under the state line, right side
    changed = np.abs(busy.astype(int) - calm.astype(int)).max(axis=2)
    assert changed[note_rows, 320:].sum() > 0
    assert changed[:30].sum() == 0 and changed[56:].sum() == 0  # nothing else moves
    # the note is amber text (255, 200, 0): red and green high, blue low
    px = busy[note_rows, 320:][changed[note_rows, 320:] > 60]
    amber = (px[:, 0] > 200) & (px[:, 1] > 150) & (px[:, 2] < 80)
    assert amber.sum() > 50


def test_cached_text_looks_as_drawing_it_directly():
    rng = np.random.default_rng(3)
    img = rng.integers(0, 256, (360, 640, 3), np.uint8)
    want = img.copy()
    org, scale, colour, thick = (40, 120), 1.1, (255, 200, 0), 2
    for c, t in ((BLACK, thick + 3), (colour, thick)):
        cv2.putText(want, "171 spm", org, cv2.FONT_HERSHEY_DUPLEX, scale, c, t, cv2.LINE_AA)
    got = img.copy()
    draw_text(got, "171 spm", org, scale, colour, thick)
    # the same pixels touched, each within rounding of OpenCV's own blending
    diff = np.abs(got.astype(int) - want.astype(int)).max(axis=2)
    assert diff.max() <= 8
    touched_want, touched_got = (want != img).any(axis=2), (got != img).any(axis=2)
    assert touched_want.sum() > 1000
    assert (touched_want != touched_got).sum() <= 5


def test_text_at_the_picture_edge_is_clipped_not_refused():
    img = np.full((120, 160, 3), 128, np.uint8)
    draw_text(img, "dropping frames (12 fps)", (100, 10), 0.8)  # runs off the top and right
    assert (img != 128).any()
    draw_text(img, "x", (500, 500), 0.8)  # wholly outside: nothing to draw


def _colours(img: np.ndarray, base: np.ndarray, rows: slice, cols: slice) -> np.ndarray:
    """The pixels drawn in a region (changed from the plain picture), as RGB rows."""
    changed = np.abs(img[rows, cols].astype(int) - base[rows, cols].astype(int)).max(axis=2)
    return img[rows, cols][changed > 60]


def test_numbers_turn_grey_and_say_why_when_too_few_frames_are_processed():
    """Below the processed rate strides need, the shown numbers are old: grey, with the
    reason where the dropping note goes (the runner read 141 spm for 172 at 8 fps with only
    "dropping frames" beside it)."""
    img = np.full((360, 640, 3), 40, np.uint8)  # dark, so grey text differs from it
    ok = draw_overlay(img, update(31.0, dropping=True, fps=20.0))
    slow = draw_overlay(img, update(31.0, dropping=True, fps=8.0))
    assert frames_note(update(31.0, dropping=True, fps=20.0)) == "dropping frames (20 fps)"
    assert frames_note(update(31.0, dropping=True, fps=8.0)) == \
        "too few frames to measure (8 fps)"
    assert frames_note(update(31.0)) == ""
    # the three numbers down the left (baselines at 60, 122 and 184 px; labels above)
    rows = np.r_[36:64, 98:126, 160:188]
    white = _colours(ok[rows], img[rows], slice(None), slice(0, 300))
    grey = _colours(slow[rows], img[rows], slice(None), slice(0, 300))
    assert len(white) > 500 and abs(len(grey) - len(white)) < 0.1 * len(white)
    # the same texts; the brightest drawn pixels are the fill colour
    assert np.percentile(white, 99, axis=0) == pytest.approx(WHITE, abs=3)
    assert np.percentile(grey, 99, axis=0) == pytest.approx(PAUSED_GREY, abs=3)
    # and the note says so, amber, under the state line
    note = _colours(slow, ok, slice(30, 56), slice(320, 640))
    assert len(note) > 50
