"""Walking is refused as walking; the slow-motion hint only for running-shaped clips."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from posture.analysis.activity import GaitShape, gait_shape, pelvis_low_phases
from posture.analysis.frontal import analyze_frontal, frontal_gait_shape
from posture.analysis.side import analyze_side
from posture.errors import TooFewStridesError, WalkingError
from posture.gait.frontal import detect_frontal_events
from posture.results import ViewEstimate
from tests.support import frontal_stick as _fstick
from tests.support.paths import SHARED
from tests.support.side_stick import Stick, stick_track

REAR = ViewEstimate(view="rear", facing="away", confidence=1.0)

#: Side stick walker: hips lowest at each contact, knee bends at most 65 deg.
WALKER = Stick(cadence_spm=110.0, bounce_phase_rad=np.pi, bounce_px=6.0, duration_s=10.0)


def _steps(low_share: float, n: int = 12, step_s: float = 0.5, fps: float = 60.0):
    """Hip height (y down) lowest at ``low_share`` of every step; alternating contacts."""
    t = np.arange(round(n * step_s * fps)) / fps
    hip_y = 300 + 5 * np.cos(2 * np.pi * (t / step_s - low_share))
    contacts = [(k * step_s, "left" if k % 2 == 0 else "right") for k in range(n)]
    return t, hip_y, contacts


@pytest.mark.parametrize("low_share", [0.0, 0.1, 0.3, 0.45])
def test_pelvis_low_phase_is_read_per_step(low_share: float) -> None:
    ph = pelvis_low_phases(*_steps(low_share))
    assert ph.size == 11
    circular = np.abs((ph - low_share + 0.5) % 1.0 - 0.5)
    assert circular.max() < 0.01


def test_gait_shape_needs_the_pelvis_and_a_second_cue() -> None:
    walk = gait_shape(*_steps(0.05), duty_factors=np.full(8, 0.62))
    assert walk.walking and not walk.running_shaped
    run = gait_shape(*_steps(0.35), duty_factors=np.full(8, 0.35),
                     knee_flexion_deg=np.linspace(0, 110, 50))
    assert not run.walking and run.running_shaped
    # walking rhythm but a runner's knee and duty factor: not called walking
    assert not gait_shape(*_steps(0.05), duty_factors=np.full(8, 0.35),
                          knee_flexion_deg=np.linspace(0, 110, 50)).walking
    # no second cue: the rhythm alone must be clear
    assert gait_shape(*_steps(0.05)).walking
    assert not GaitShape(n_steps=10, pelvis_low_at_contact_share=0.65).walking
    assert not GaitShape(n_steps=3, pelvis_low_at_contact_share=1.0).walking


def test_side_walker_is_refused_as_walking_at_any_slow_motion_factor() -> None:
    tr = stick_track(WALKER)
    with pytest.raises(WalkingError, match="walking, not running"):
        analyze_side(tr)
    # the same walk told it is 2x slow motion: times halve, it would pass as a fast run
    info = replace(tr.info, slowmo_factor=2.0)
    with pytest.raises(WalkingError, match="walking"):
        analyze_side(replace(tr, t_s=tr.t_s / 2.0, info=info))


def test_side_runner_is_not_walking() -> None:
    a = analyze_side(stick_track(Stick()))
    assert a.summary["n_strides"] >= 10


def test_slow_motion_hint_only_for_running_shaped_clips() -> None:
    # a runner (knee bends to 90 deg) whose clip plays 2x slowed: hint given
    slow_run = Stick(cadence_spm=80.0, knee_mean_deg=50.0, knee_amp_deg=40.0, duration_s=10.0)
    with pytest.raises(TooFewStridesError, match="slow-motion factor"):
        analyze_side(stick_track(slow_run))
    # a slow walk: refused as walking, never told to set a slow-motion factor
    with pytest.raises(WalkingError) as err:
        analyze_side(stick_track(replace(WALKER, cadence_spm=80.0)))
    assert "slow-motion" not in str(err.value)


def test_frontal_walker_is_refused_and_runner_passes() -> None:
    walker = _fstick.Stick(cadence_spm=110.0, duty=0.62, bounce_m=0.04, bounce_low_share=0.0)
    tr = _fstick.stick_runner(walker)
    shape = frontal_gait_shape(tr, detect_frontal_events(tr))
    assert shape.pelvis_low_at_contact_share > 0.6
    with pytest.raises(WalkingError, match="walking"):
        analyze_frontal(tr, view=REAR)
    runner = _fstick.Stick(bounce_m=0.06, bounce_low_share=0.18)
    tr = _fstick.stick_runner(runner)
    shape = frontal_gait_shape(tr, detect_frontal_events(tr))
    assert shape.pelvis_low_at_contact_share < 0.2 and not shape.walking
    assert analyze_frontal(tr, view=REAR).summary["n_strides"] >= 10


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.exists(), reason="shared real clips not available")
@pytest.mark.parametrize("slowmo", [None, 2.0])
def test_real_walking_clip_is_refused_as_walking(slowmo: float | None) -> None:
    from posture.pipeline import AnalysisOptions, analyze_video

    with pytest.raises(WalkingError, match="walking, not running"):
        analyze_video(SHARED / "walk_side_indoor_sports2d-demo4.mp4",
                      AnalysisOptions(slowmo_factor=slowmo))


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.exists(), reason="shared real clips not available")
@pytest.mark.parametrize("name,slowmo", [
    ("side_treadmill_gym_60fps_mhuang24.mp4", None),
    ("side_road_tracking-shot_pauldess1.mp4", 2.0),
    ("front_road_multi-pace_bellamyceleman.mp4", None),
    ("side_street_static-cam_50fps_cezaraandreea.mp4", 2.0),
])
def test_real_running_clips_are_not_called_walking(name: str, slowmo: float | None) -> None:
    from posture.pipeline import AnalysisOptions, analyze_video

    a = analyze_video(SHARED / name, AnalysisOptions(slowmo_factor=slowmo))
    assert a.summary["n_strides"] >= 2


@pytest.mark.parametrize("factor", [2, 4, 8])
def test_slow_motion_hint_names_the_factor_from_the_measured_cadence(factor: int) -> None:
    """A 170 steps/min runner whose clip plays ``factor`` times slowed (30 fps playback):
    the refusal says what was seen (stride time, cadence as played) and which factor to set."""
    slow_run = Stick(cadence_spm=170.0 / factor, knee_mean_deg=50.0, knee_amp_deg=40.0,
                     duration_s=4.0 * factor, fps=30.0)
    with pytest.raises(TooFewStridesError) as err:
        analyze_side(stick_track(slow_run))
    text = str(err.value)
    played = re.search(r"about [0-9.]+ s \((\d+) steps/min\)", text)
    assert played and abs(int(played[1]) - 170 / factor) <= 1.5
    assert f"set its slow-motion factor to {factor} (the cadence is then about 170" in text


def test_slow_motion_hint_counts_the_factor_already_set() -> None:
    """Told 2x, really 8x: the clip still runs at a quarter of a running cadence, and the
    factor to set is 8 (not 4)."""
    tr = stick_track(Stick(cadence_spm=170.0 / 8, knee_mean_deg=50.0, knee_amp_deg=40.0,
                           duration_s=32.0, fps=30.0))
    told = replace(tr, t_s=tr.t_s / 2.0, info=replace(tr.info, slowmo_factor=2.0))
    with pytest.raises(TooFewStridesError, match="slow-motion factor to 8 "):
        analyze_side(told)
