"""The live overlay: numbers as the runner reads them, cue band, state line."""

from __future__ import annotations

import math

import numpy as np

from posture.live.cues import cue_text, short_cue
from posture.live.drift import Cue
from posture.live.overlay import CUE_SHOWN_S, draw_overlay, number_text
from posture.live.session import LiveUpdate
from posture.live.signals import LandmarkFrame
from posture.live.sound import RATE_HZ, cue_wav


def update(t_s: float, *, cue: Cue | None = None, state: str = "watching",
           dropping: bool = False) -> LiveUpdate:
    return LiveUpdate(t_s=t_s, landmarks=LandmarkFrame.missing(t_s), state=state,
                      baseline_left_s=42.0,
                      values={"trunk_lean_deg": 7.44, "cadence_spm": 171.6,
                              "vertical_oscillation_pct_leg": math.nan},
                      baseline={}, cue=None, last_cue=cue, dropping=dropping,
                      processed_fps=12.0, view="side", note=None)


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
