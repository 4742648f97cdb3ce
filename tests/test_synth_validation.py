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

#: What still falls short on rendered clips (measured 2026-11-21, docs/validation.md): in
#: the marked sweep cases cadence, lean and overstride pass, but only 85 % of initial
#: contacts land within one frame (bar 90 %); in the fatigue pair the arch-index change reads
#: +1.2 for a true +2.8 % trunk (lean and overstride changes pass).
#: Strict: when a case meets its bars, XPASS fails the run and the mark must go.
PIPELINE_BARS_NOT_MET = pytest.mark.xfail(
    strict=True, reason="contact timing (85 % within one frame, bar 90 %) / arch change "
                        "under-read; see docs/validation.md")


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("validation_clips")


def _result(case: Case, folder: Path) -> CaseResult:
    if case.name not in _RESULTS:
        _RESULTS[case.name] = run_case(case, folder)
    return _RESULTS[case.name]


@pytest.mark.slow
@pytest.mark.parametrize("case", SWEEP, ids=[c.name for c in SWEEP])
def test_pose_model_sees_the_rendered_runner(case: Case, clips: Path) -> None:
    lm = _result(case, clips).landmarks
    assert lm["detected_pct"] >= 95.0
    for joint in ("shoulder", "hip"):
        assert lm[f"{joint}_med"] <= 4.0, joint  # % of leg length
    for joint in ("knee", "ankle"):
        assert lm[f"{joint}_med"] <= 6.0, joint


#: Cases that met the bars when last measured (the others carry the strict xfail).
_BARS_MET = {"fps30", "cad150", "cad195", "roll_m3_portrait"}


@pytest.mark.slow
@pytest.mark.parametrize("case", [
    pytest.param(c, id=c.name, marks=() if c.name in _BARS_MET else PIPELINE_BARS_NOT_MET)
    for c in SWEEP])
def test_property_sweep_meets_the_issue_bars(case: Case, clips: Path) -> None:
    r = _result(case, clips)
    truth = r.truth
    assert len(r.pairs) >= 0.8 * len(truth.strides)
    # cadence within 1 %
    assert r.summary["cadence_spm"] == pytest.approx(truth.summary["cadence_spm"], rel=0.01)
    # trunk lean within 2 deg and overstride within 3 % leg (clip means)
    for m, tol in (("trunk_lean_deg", 2.0), ("overstride_pct_leg", 3.0)):
        assert abs(r.summary[m] - truth.strides[m].mean()) <= tol, m
    # contacts within one frame at 60 fps and more
    if case.camera.fps >= 60:
        ic = (r.exact_pairs["t_start_s"] - r.exact_pairs["t_start_s_true"]) * case.camera.fps
        assert np.mean(np.abs(ic) <= 1.0) >= 0.9


@pytest.mark.slow
@PIPELINE_BARS_NOT_MET
def test_fatigue_change_recovered(clips: Path) -> None:
    fresh = _result(Case("fresh", FRESH, _SIDE, duration_s=8.0), clips)
    tired = _result(Case("tired", FATIGUED, _SIDE, duration_s=8.0), clips)
    for m, tol in (("trunk_lean_deg", 1.5), ("overstride_pct_leg", 3.0),
                   ("lumbar_arch_pct", 1.5)):
        true = tired.truth.strides[m].mean() - fresh.truth.strides[m].mean()
        found = tired.summary[m] - fresh.summary[m]
        assert np.sign(found) == np.sign(true), m
        assert abs(found - true) <= tol, (m, found, true)


def test_pairing_keeps_only_the_same_contact() -> None:
    import pandas as pd

    truth = pd.DataFrame({"leg": ["left", "right", "left"], "t_start_s": [0.1, 0.45, 0.8],
                          "x": [1.0, 2.0, 3.0]})
    found = pd.DataFrame({"leg": ["left", "left", "right"], "t_start_s": [0.11, 0.55, 0.9],
                          "x": [1.5, 9.0, 9.0]})
    p = pair_strides(found, truth, stride_s=0.7)
    assert list(p["x_true"]) == [1.0]  # 0.55 s is a quarter stride from both left contacts
