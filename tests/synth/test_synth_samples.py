"""The bundled samples: reproducible bit for bit, and their truth files say what was set."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from posture.synth import GroundTruth
from posture.synth.camera import CameraParams
from posture.synth.kinematics import RunnerParams
from posture.synth.samples import SAMPLES, generate, sha256
from tests.support.paths import ROOT

FOLDER = ROOT / "sample_videos"
SPEC = {s.name: s for s in SAMPLES}


def test_regenerating_a_sample_is_bit_for_bit(tmp_path: Path) -> None:
    spec = replace(SPEC["fresh_side"], camera=replace(SPEC["fresh_side"].camera, fps=30.0))
    a = generate(spec, tmp_path / "a", duration_s=1.2)
    b = generate(spec, tmp_path / "b", duration_s=1.2)
    assert sha256(a) == sha256(b)
    assert sha256(a.with_name("fresh_side.truth.json")) == sha256(
        b.with_name("fresh_side.truth.json"))
    # a different seed changes the picture (noise, texture) but not the truth
    c = generate(replace(spec, seed=spec.seed + 1), tmp_path / "c", duration_s=1.2)
    assert sha256(c) != sha256(a)
    ta = GroundTruth.load(a.with_name("fresh_side.truth.json"))
    tc = GroundTruth.load(c.with_name("fresh_side.truth.json"))
    np.testing.assert_array_equal(ta.strides["trunk_lean_deg"], tc.strides["trunk_lean_deg"])


def test_fresh_and_fatigued_differ_as_designed() -> None:
    fresh, tired = SPEC["fresh_side"].params, SPEC["fatigued_side"].params
    assert tired.trunk_lean_deg - fresh.trunk_lean_deg == pytest.approx(5.0)
    assert tired.lumbar_arch > fresh.lumbar_arch
    assert tired.overstride_pct_leg > fresh.overstride_pct_leg + 5
    assert replace(tired, cadence_spm=fresh.cadence_spm, trunk_lean_deg=fresh.trunk_lean_deg,
                   lumbar_arch=fresh.lumbar_arch, overstride_pct_leg=fresh.overstride_pct_leg,
                   vertical_osc_pct_leg=fresh.vertical_osc_pct_leg) == fresh  # same runner
    ramp = SPEC["long_fatigue_ramp"].params
    assert ramp.trunk_lean_deg == fresh.trunk_lean_deg
    assert ramp.fatigue["trunk_lean_deg"] == tired.trunk_lean_deg


@pytest.mark.skipif(not (FOLDER / "MANIFEST.json").exists(), reason="samples not generated")
def test_committed_samples_match_their_specs_and_manifest() -> None:
    manifest = json.loads((FOLDER / "MANIFEST.json").read_text())
    total = 0
    for spec in SAMPLES:
        video = FOLDER / spec.filename
        truth_file = FOLDER / f"{spec.name}.truth.json"
        entry = manifest[spec.name]
        assert sha256(video) == entry["video_sha256"], f"{video.name} differs from manifest"
        assert sha256(truth_file) == entry["truth_sha256"]
        total += video.stat().st_size + truth_file.stat().st_size
        gt = GroundTruth.load(truth_file)
        assert gt.params == spec.params
        assert gt.camera == spec.camera
        assert gt.duration_s == spec.duration_s
        assert len(gt.strides) >= 0.9 * 2 * spec.duration_s * spec.params.cadence_spm / 120 - 4
    assert total < 8e6  # a few MB in all
    fresh = GroundTruth.load(FOLDER / "fresh_side.truth.json").strides
    tired = GroundTruth.load(FOLDER / "fatigued_side.truth.json").strides
    assert tired["trunk_lean_deg"].mean() - fresh["trunk_lean_deg"].mean() == pytest.approx(
        5.0, abs=0.1)
    assert tired["lumbar_arch_pct"].mean() > fresh["lumbar_arch_pct"].mean() + 2.0
    assert tired["overstride_pct_leg"].mean() > fresh["overstride_pct_leg"].mean() + 5.0
    rear = GroundTruth.load(FOLDER / "rear_sway.truth.json").strides
    assert rear["pelvic_drop_deg"].between(6.5, 9.5).all()
    assert isinstance(GroundTruth.load(FOLDER / "rear_sway.truth.json").camera, CameraParams)
    assert isinstance(spec.params, RunnerParams)
