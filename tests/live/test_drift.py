"""Baseline, drift, sustain and calm-down of the live cues, on synthetic number streams."""

from __future__ import annotations

import math

import numpy as np
import pytest

from posture.live.cues import cue_text
from posture.live.drift import DriftMonitor, DriftSettings, StrideValue, worse
from posture.metrics.registry import spec

STRIDE_S = 0.7  # one stride per leg alternates every 0.35 s; the monitor sees both legs
LEAN_SDD = spec("trunk_lean_deg").sdd


def stream(lean_of_t, *, duration_s: float, cadence=lambda t: 170.0, bounce=lambda t: 8.0,
           noise: float = 0.0, seed: int = 0) -> list[StrideValue]:
    rng = np.random.default_rng(seed)
    out = []
    for t in np.arange(0.5, duration_s, STRIDE_S / 2):
        out.append(StrideValue(float(t), {
            "trunk_lean_deg": lean_of_t(t) + noise * rng.standard_normal(),
            "cadence_spm": cadence(t), "vertical_oscillation_pct_leg": bounce(t)}))
    return out


def run(strides: list[StrideValue], settings: DriftSettings, *, step_s: float = 0.1,
        end_s: float | None = None) -> DriftMonitor:
    mon = DriftMonitor(settings, cue_text=cue_text)
    end_s = end_s or strides[-1].t_s + 1.0
    k = 0
    for t in np.arange(0.0, end_s, step_s):
        while k < len(strides) and strides[k].t_s <= t:
            mon.add(strides[k])
            k += 1
        mon.update(float(t))
    return mon


SHORT = DriftSettings(baseline_s=20.0, sustain_s=10.0, cooldown_s=60.0, recent_s=5.0)


def test_steady_runner_gets_no_cue_even_with_noise():
    mon = run(stream(lambda t: 6.0, duration_s=200, noise=1.5), SHORT)
    assert mon.state == "watching"
    assert mon.baseline["trunk_lean_deg"] == pytest.approx(6.0, abs=0.5)
    assert mon.cues == []


def test_step_in_lean_cues_after_sustain_with_findings_words():
    step_t = 60.0
    mon = run(stream(lambda t: 6.0 + (4.0 if t >= step_t else 0.0), duration_s=120), SHORT)
    assert len(mon.cues) == 1
    cue = mon.cues[0]
    assert cue.metric == "trunk_lean_deg"
    assert cue.change == pytest.approx(4.0, abs=1e-9)
    # the recent mean passes baseline + SDD once more than half of its 5 s holds the new
    # value (t = 62.5 s), then must stay beyond for the 10 s sustain
    assert 62.5 + 10.0 - 0.2 <= cue.t_s <= 62.5 + 10.0 + 0.5
    assert cue.text == "Run tall: forward trunk lean +4.0° since the start"


def test_change_within_the_sdd_never_cues():
    mon = run(stream(lambda t: 6.0 + (0.9 * LEAN_SDD if t >= 40 else 0.0), duration_s=200),
              SHORT)
    assert mon.cues == []


def test_better_direction_does_not_cue():
    # leaning less and a higher cadence are not worse (registry's worse_when)
    mon = run(stream(lambda t: 6.0 - (5.0 if t >= 40 else 0.0), duration_s=150,
                     cadence=lambda t: 170.0 + (12.0 if t >= 40 else 0.0)), SHORT)
    assert mon.cues == []
    assert worse("cadence_spm", -7.0) and not worse("cadence_spm", 7.0)
    assert worse("trunk_lean_deg", 3.0) and not worse("trunk_lean_deg", -3.0)


def test_cadence_drop_cues():
    mon = run(stream(lambda t: 6.0, duration_s=120,
                     cadence=lambda t: 170.0 - (10.0 if t >= 50 else 0.0)), SHORT)
    assert [c.metric for c in mon.cues] == ["cadence_spm"]
    assert mon.cues[0].change == pytest.approx(-10.0)
    assert "cadence -10 steps/min since the start" in mon.cues[0].text


def test_mis_timed_strides_under_load_do_not_cue():
    """From 50 s on, every third stride is mis-timed (a missed or a doubled contact: 2/3 or
    twice the cadence), as when frames drop unevenly; the runner's cadence stays 170. The
    mean of 10 s would fall 10-20 steps/min (a cue); the median stays and nothing cues."""
    def cadence(t: float) -> float:
        k = round(t / (STRIDE_S / 2))
        if t < 50 or k % 3:
            return 170.0
        return 170.0 * (2 / 3 if k % 2 else 2.0) if t < 120 else 170.0 * 2 / 3
    mon = run(stream(lambda t: 6.0, duration_s=200, cadence=cadence), SHORT)
    assert mon.baseline["cadence_spm"] == pytest.approx(170.0)
    assert mon.cues == []
    assert mon.recent(200.0)["cadence_spm"] == pytest.approx(170.0)


def test_drift_that_breaks_off_before_sustain_does_not_cue():
    # beyond the SDD for 6 s only (sustain 10 s), twice, with a break between
    def lean(t: float) -> float:
        return 10.0 if (50 <= t < 56 or 70 <= t < 76) else 6.0

    mon = run(stream(lean, duration_s=120), DriftSettings(baseline_s=20, sustain_s=10,
                                                          recent_s=1.0))
    assert mon.cues == []


def test_cues_repeat_no_more_than_once_per_cooldown():
    settings = DriftSettings(baseline_s=20.0, sustain_s=5.0, cooldown_s=60.0, recent_s=5.0)
    mon = run(stream(lambda t: 6.0 + (5.0 if t >= 40 else 0.0), duration_s=300), settings)
    times = [c.t_s for c in mon.cues]
    assert len(times) >= 3
    assert np.all(np.diff(times) >= 60.0 - 1e-9)
    # a lasting drift is repeated as soon as the calm-down allows (no later)
    assert np.all(np.diff(times) <= 60.0 + 0.2)


def test_two_metrics_share_the_calm_down():
    settings = DriftSettings(baseline_s=20.0, sustain_s=5.0, cooldown_s=60.0, recent_s=5.0)
    mon = run(stream(lambda t: 6.0 + (5.0 if t >= 40 else 0.0), duration_s=110,
                     bounce=lambda t: 8.0 + (8.0 if t >= 50 else 0.0)), settings)
    times = [c.t_s for c in mon.cues]
    assert np.all(np.diff(times) >= 60.0 - 1e-9)
    assert mon.cues[0].metric == "trunk_lean_deg"


def test_baseline_is_the_first_baseline_s_of_strides_only():
    # lean rises only after the baseline: the baseline keeps the fresh value
    mon = run(stream(lambda t: 6.0 if t < 25 else 20.0, duration_s=60), SHORT)
    assert mon.baseline["trunk_lean_deg"] == pytest.approx(6.0)
    assert mon.t_baseline_end_s == pytest.approx(0.5 + 20.0)


def test_states_and_time_left():
    mon = DriftMonitor(DriftSettings(baseline_s=30.0))
    assert mon.state == "waiting" and mon.baseline_left_s(5.0) == 30.0
    mon.add(StrideValue(2.0, {"trunk_lean_deg": 5.0}))
    assert mon.state == "baseline"
    assert mon.baseline_left_s(12.0) == pytest.approx(20.0)


def test_too_few_baseline_strides_extend_the_baseline():
    mon = DriftMonitor(DriftSettings(baseline_s=5.0, min_baseline_strides=7))
    for k in range(4):
        mon.add(StrideValue(1.0 + k, {"trunk_lean_deg": 5.0}))
    mon.update(10.0)
    assert mon.state == "baseline"
    for k in range(3):
        mon.add(StrideValue(10.5 + k, {"trunk_lean_deg": 5.0}))
    mon.update(14.0)
    assert mon.state == "watching"


def test_missing_values_are_not_drift():
    strides = [StrideValue(t, {"trunk_lean_deg": math.nan, "cadence_spm": 170.0})
               for t in np.arange(0.5, 100, 0.35)]
    assert run(strides, SHORT).cues == []


def test_settings_refuse_nonsense():
    with pytest.raises(ValueError):
        DriftSettings(sustain_s=-1.0)
    with pytest.raises(ValueError):
        DriftSettings(recent_s=0.0)
