"""End to end on rendered clips (pose model included): the issue's accuracy bars.

Slow (each case renders a clip and runs MediaPipe): ``make test-slow``. The full table with
bias/RMSE per metric is ``docs/validation.md`` (``python -m posture.synth.validate``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from posture.synth.camera import CameraParams
from posture.synth.samples import FATIGUED, FRESH
from posture.synth.validate import Case, CaseResult, pair_strides, run_case

_SIDE = CameraParams(view="side", width_px=640, height_px=360, fps=60.0)

SWEEP = [
    Case("lean0", replace(FRESH, trunk_lean_deg=0.0), _SIDE, duration_s=8.0),
    Case("lean10_left", replace(FRESH, trunk_lean_deg=10.0), replace(_SIDE, facing=-1),
         duration_s=8.0),
    Case("lean20", replace(FRESH, trunk_lean_deg=20.0), _SIDE, duration_s=8.0),
    Case("cad150", replace(FRESH, cadence_spm=150.0, contact_fraction=0.40), _SIDE,
         duration_s=8.0),
    Case("cad195", replace(FRESH, cadence_spm=195.0, contact_fraction=0.33), _SIDE,
         duration_s=8.0),
    Case("roll_p4", FRESH, replace(_SIDE, roll_deg=4.0), duration_s=8.0),
    Case("roll_m3_portrait", FRESH, replace(_SIDE, roll_deg=-3.0, width_px=360,
                                            height_px=640), duration_s=8.0),
    Case("fps30", FRESH, replace(_SIDE, fps=30.0), duration_s=8.0),
    Case("fps120", FRESH, replace(_SIDE, fps=120.0), duration_s=6.0),
]


_RESULTS: dict[str, CaseResult] = {}

#: Bars of the issue, checked one by one on every case.
CADENCE_REL = 0.01     # clip cadence within 1 %
LEAN_DEG = 2.0         # clip-mean trunk lean within 2 deg
OVERSTRIDE_PCT = 3.0   # clip-mean overstride within 3 % leg length
CONTACT_SHARE = 0.9    # 90 % of initial contacts within one frame (60 fps and more)

#: What still falls short on rendered clips, the one failing check of each case with the
#: value measured on 2026-11-30 (``-m slow -k synth_validation``): the share of initial
#: contacts timed within one frame of the true contact. Strict: a case that meets the bar
#: fails the run (XPASS) until its entry goes.
CONTACT_SHARE_MEASURED = {"lean0": 0.85, "lean10_left": 0.70, "lean20": 0.85,
                          "roll_p4": 0.85, "fps120": 0.87}
#: ... and a floor under each of them that is enforced (two contacts of the ~20 below the
#: measured share), so a short case cannot get worse unseen behind its xfail.
CONTACT_SHARE_SLACK = 0.10


def _result(case: Case, folder: Path) -> CaseResult:
    if case.name not in _RESULTS:
        _RESULTS[case.name] = run_case(case, folder)
    return _RESULTS[case.name]


def _contact_share(r: CaseResult) -> float:
    ic_frames = (r.exact_pairs["t_start_s"] - r.exact_pairs["t_start_s_true"]) * r.case.camera.fps
    return float(np.mean(np.abs(ic_frames) <= 1.0))


_IDS = [c.name for c in SWEEP]
_FAST_CAMERAS = [c for c in SWEEP if c.camera.fps >= 60]


@pytest.mark.slow
@pytest.mark.parametrize("case", SWEEP, ids=_IDS)
def test_pose_model_sees_the_rendered_runner(case: Case, clip_dir: Path) -> None:
    lm = _result(case, clip_dir).landmarks
    assert lm["detected_pct"] >= 95.0
    for joint in ("shoulder", "hip"):
        assert lm[f"{joint}_med"] <= 4.0, joint  # % of leg length
    for joint in ("knee", "ankle"):
        assert lm[f"{joint}_med"] <= 6.0, joint


@pytest.mark.slow
@pytest.mark.parametrize("case", SWEEP, ids=_IDS)
def test_sweep_finds_the_strides(case: Case, clip_dir: Path) -> None:
    r = _result(case, clip_dir)
    assert len(r.pairs) >= 0.8 * len(r.truth.strides)


@pytest.mark.slow
@pytest.mark.parametrize("case", SWEEP, ids=_IDS)
def test_sweep_cadence(case: Case, clip_dir: Path) -> None:
    r = _result(case, clip_dir)
    assert r.summary["cadence_spm"] == pytest.approx(r.truth.summary["cadence_spm"],
                                                     rel=CADENCE_REL)


@pytest.mark.slow
@pytest.mark.parametrize("case", SWEEP, ids=_IDS)
@pytest.mark.parametrize(("metric", "tol"), [("trunk_lean_deg", LEAN_DEG),
                                             ("overstride_pct_leg", OVERSTRIDE_PCT)])
def test_sweep_clip_means(case: Case, metric: str, tol: float, clip_dir: Path) -> None:
    r = _result(case, clip_dir)
    assert abs(r.summary[metric] - r.truth.strides[metric].mean()) <= tol


@pytest.mark.slow
@pytest.mark.parametrize("case", [
    pytest.param(c, id=c.name, marks=pytest.mark.xfail(
        strict=True, reason=f"{CONTACT_SHARE_MEASURED[c.name]:.0%} of contacts within one "
                            f"frame, bar {CONTACT_SHARE:.0%} (docs/validation.md)"))
    if c.name in CONTACT_SHARE_MEASURED else pytest.param(c, id=c.name)
    for c in _FAST_CAMERAS])
def test_sweep_contact_timing(case: Case, clip_dir: Path) -> None:
    assert _contact_share(_result(case, clip_dir)) >= CONTACT_SHARE


@pytest.mark.slow
@pytest.mark.parametrize("case", [c for c in _FAST_CAMERAS if c.name in CONTACT_SHARE_MEASURED],
                         ids=lambda c: c.name)
def test_sweep_contact_timing_no_worse_than_measured(case: Case, clip_dir: Path) -> None:
    floor = CONTACT_SHARE_MEASURED[case.name] - CONTACT_SHARE_SLACK
    assert _contact_share(_result(case, clip_dir)) >= floor


#: The fatigue pair (fresh -> fatigued, rendered side clips): the true change of each
#: metric's clip mean and the tolerance on the change found.
FATIGUE_TOL = {"trunk_lean_deg": 1.5, "overstride_pct_leg": 3.0, "lumbar_arch_pct": 1.5}
#: Measured 2026-11-30: the arch-index change reads +1.19 for a true +2.80 % trunk (the
#: lean change +4.19 for +5.00 deg and the overstride change +7.71 for +7.87 % leg pass).
ARCH_SHORT = pytest.mark.xfail(
    strict=True, reason="lumbar arch change under-read: +1.19 for a true +2.80 % "
                        "trunk (tolerance 1.5); docs/validation.md")


def _fatigue_change(metric: str, clip_dir: Path) -> tuple[float, float]:
    fresh = _result(Case("fresh", FRESH, _SIDE, duration_s=8.0), clip_dir)
    tired = _result(Case("tired", FATIGUED, _SIDE, duration_s=8.0), clip_dir)
    true = tired.truth.strides[metric].mean() - fresh.truth.strides[metric].mean()
    return tired.summary[metric] - fresh.summary[metric], true


@pytest.mark.slow
@pytest.mark.parametrize("metric", list(FATIGUE_TOL))
def test_fatigue_change_direction(metric: str, clip_dir: Path) -> None:
    found, true = _fatigue_change(metric, clip_dir)
    assert np.sign(found) == np.sign(true), (found, true)


@pytest.mark.slow
@pytest.mark.parametrize("metric", [
    "trunk_lean_deg", "overstride_pct_leg",
    pytest.param("lumbar_arch_pct", marks=ARCH_SHORT)])
def test_fatigue_change_size(metric: str, clip_dir: Path) -> None:
    found, true = _fatigue_change(metric, clip_dir)
    assert abs(found - true) <= FATIGUE_TOL[metric], (found, true)


def test_pairing_keeps_only_the_same_contact() -> None:
    import pandas as pd

    truth = pd.DataFrame({"leg": ["left", "right", "left"], "t_start_s": [0.1, 0.45, 0.8],
                          "x": [1.0, 2.0, 3.0]})
    found = pd.DataFrame({"leg": ["left", "left", "right"], "t_start_s": [0.11, 0.55, 0.9],
                          "x": [1.5, 9.0, 9.0]})
    p = pair_strides(found, truth, stride_s=0.7)
    assert list(p["x_true"]) == [1.0]  # 0.55 s is a quarter stride from both left contacts
