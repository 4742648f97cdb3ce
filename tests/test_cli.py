"""Command line: what `info` prints, outputs of `analyze`, one-line errors and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from posture import cli
from tests.support import videogen as vg
from tests.support.paths import ROOT, SHARED
from tests.support.synthetic import synthetic

GYM = SHARED / "side_treadmill_gym_60fps_mhuang24.mp4"


pytestmark = pytest.mark.usefixtures("private_cache")  # never the user's pose cache


def test_info_prints_what_intake_found(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    p = vg.write_clip(tmp_path / "rot.mp4", vg.vfr_times(3.0), width=160, height=120,
                      rotation_ccw_deg=90)
    assert cli.main(["info", str(p)]) == 0
    out = capsys.readouterr().out
    assert "160 x 120 px" in out
    assert "rotation flag        270 deg" in out
    assert "variable frame rate  yes" in out
    assert "slow motion          no" in out
    assert "codec                h264" in out
    assert "frames               " in out and "duration" in out


def test_info_with_slowmo_override(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    p = vg.write_clip(tmp_path / "ok.mp4", vg.regular_times(5.0, 30), width=32, height=32)
    assert cli.main(["info", str(p), "--slowmo", "2"]) == 0
    out = capsys.readouterr().out
    assert "x2" in out and "60.00 fps" in out and "2.50 s (real time)" in out


@pytest.mark.parametrize("command", ["info", "analyze"])
@pytest.mark.parametrize(
    ("kind", "words"),
    [("empty", "empty"), ("text", "not a video"), ("short", "lasts only"),
     ("lowfps", "frames per second"), ("missing", "does not exist")],
)
def test_bad_input_is_one_error_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                 command: str, kind: str, words: str) -> None:
    p = tmp_path / f"{kind}.mp4"
    if kind == "empty":
        p.write_bytes(b"")
    elif kind == "text":
        p.write_text("not a video\n")
    elif kind == "short":
        vg.write_clip(p, vg.regular_times(1.5, 30))
    elif kind == "lowfps":
        vg.write_clip(p, vg.regular_times(3.0, 15), rate=15)
    code = cli.main([command, str(p)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("error: ") and words in err[0]


def test_no_runner_through_the_real_entry_point(tmp_path: Path) -> None:
    p = vg.write_clip(tmp_path / "blank.mp4", vg.regular_times(2.2, 30),
                      make_frame=vg.blank_frame())
    res = subprocess.run([sys.executable, "-m", "posture.cli", "analyze", str(p), "--quiet"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert lines == [lines[0]] and "No person was found" in lines[0]
    assert "Traceback" not in res.stderr


def test_analyze_writes_outputs(tmp_path: Path, pose_stub, capsys: pytest.CaptureFixture) -> None:
    # The model is replaced by a synthetic runner with known cadence; the rest is real.
    stub = pose_stub(clip=synthetic(duration_s=8.0, seed=1)[0])
    out = tmp_path / "out"
    code = cli.main(["analyze", str(stub.clips["clip"]), "--out", str(out), "--json", "--quiet",
                     "--start", "0.5", "--end", "7.5"])
    assert code == 0
    (seen,) = stub.calls
    assert seen["start_s"] == 0.5 and seen["end_s"] == 7.5 and seen["use_cache"] is True
    strides = pd.read_csv(out / "strides.csv")
    doc = json.loads((out / "analysis.json").read_text())
    assert len(strides) == len(doc["strides"]) > 5
    assert doc["view"]["view"] == "side"
    printed = json.loads(capsys.readouterr().out)
    assert printed["summary"] == doc["summary"]
    assert set(strides["leg"]) == {"left", "right"}


@pytest.mark.slow
@pytest.mark.skipif(not GYM.exists(), reason="the shared gym clip is not present")
def test_analyze_real_clip_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = subprocess.run([sys.executable, "-m", "posture.cli", "analyze", str(GYM), "--quiet",
                          "--out", str(out)], capture_output=True, text=True, cwd=ROOT,
                         timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    doc = json.loads((out / "analysis.json").read_text())
    assert doc["view"]["view"] == "side" and doc["view"]["facing"] == "right"
    # apparent cadence of this clip is ~168 steps/min
    assert 150 < doc["summary"]["cadence_spm"] < 185
    assert len(pd.read_csv(out / "strides.csv")) >= 8


def test_compare_finds_the_lean_change(tmp_path: Path, pose_stub,
                                       capsys: pytest.CaptureFixture) -> None:
    """Fresh 5 deg, fatigued 11 deg of lean (synthetic runner in place of the model)."""
    stub = pose_stub(**{name: synthetic(trunk_lean_deg=lean, duration_s=10.0, seed=seed,
                                        noise_px=1.0)[0]
                        for name, lean, seed in (("fresh", 5.0, 1), ("tired", 11.0, 2))})
    clips, seen = stub.clips, stub.calls
    out = tmp_path / "out"
    code = cli.main(["compare", str(clips["fresh"]), str(clips["tired"]), "--quiet",
                     "--tilt", "0", "--slowmo", "1", "--out", str(out)])
    assert code == 0
    assert all(k["slowmo_factor"] == 1.0 for k in seen) and len(seen) == 2
    # the comparison and its findings at the top, each clip's own outputs in its folder
    assert sorted(p.name for p in out.iterdir()) == [
        "comparison.csv", "comparison.json", "fatigued", "findings.json", "fresh"]
    for name in ("fresh", "fatigued"):
        assert sorted(p.name for p in (out / name).iterdir()) == ["analysis.json",
                                                                  "strides.csv"]
    assert len(json.loads((out / "fresh" / "analysis.json").read_text())["strides"]) > 5
    comp = json.loads((out / "comparison.json").read_text())
    assert comp["mode"] == "clips" and comp["a"]["label"] == "fresh"
    assert "trunk_lean_deg" in pd.read_csv(out / "comparison.csv")["metric"].tolist()
    lean = comp["changes"]["trunk_lean_deg"]
    assert lean["verdict"] == "changed" and lean["change"] == pytest.approx(6.0, abs=1.0)
    found = json.loads((out / "findings.json").read_text())
    assert any(f["metric"].startswith("trunk_lean") for f in found["shown"])
    printed = capsys.readouterr().out
    assert "trunk lean" in printed and "physical therapist" in printed


def test_session_merges_side_and_rear_findings(tmp_path: Path, pose_stub,
                                               capsys: pytest.CaptureFixture) -> None:
    """Lean grows in the side clip and sway grows in the rear clip of the same run: one
    report names both, whichever order the clips come in; two side clips are refused with
    one line."""
    clips = pose_stub(
        side=synthetic(trunk_lean_deg=5.0, fatigue={"trunk_lean_deg": 12.0}, duration_s=24.0,
                       seed=3, noise_px=1.0)[0],
        rear=synthetic("rear", lateral_sway_pct_hip=8.0, fatigue={"lateral_sway_pct_hip": 30.0},
                       camera={"width_px": 360, "height_px": 640}, duration_s=24.0, seed=4,
                       noise_px=1.0)[0]).clips
    out = tmp_path / "out"
    code = cli.main(["session", str(clips["side"]), str(clips["rear"]), "--quiet", "--tilt",
                     "0", "--out", str(out)])
    assert code == 0
    found = json.loads((out / "findings.json").read_text())
    shown = {f["metric"] for f in found["shown"]}
    assert any(m.startswith("trunk_lean") for m in shown)
    assert any(m.startswith("lateral_") for m in shown)
    assert len(found["shown"]) <= 3
    assert (out / "side" / "strides.csv").exists() and (out / "frontal" / "strides.csv").exists()
    swapped = tmp_path / "swapped"
    assert cli.main(["session", str(clips["rear"]), str(clips["side"]), "--quiet", "--tilt",
                     "0", "--out", str(swapped)]) == 0
    assert json.loads((swapped / "findings.json").read_text()) == found
    capsys.readouterr()
    assert cli.main(["session", str(clips["side"]), str(clips["side"]), "--quiet"]) == 2
    assert "one clip filmed from the side and one from behind" in capsys.readouterr().err


def test_pose_stage_warning_reaches_every_output(tmp_path: Path, pose_stub,
                                                 capsys: pytest.CaptureFixture) -> None:
    # The pose stage saw someone else; the CLI, analysis.json and findings.json all say so.
    from dataclasses import replace

    from posture.track import QualityFlag

    flag = QualityFlag("pose_other_people", "warning", "Another person was in view; check it.")
    track, _ = synthetic(duration_s=8.0, seed=1)
    clip = pose_stub(clip=replace(track, warnings=(flag,))).clips["clip"]
    out = tmp_path / "out"
    assert cli.main(["analyze", str(clip), "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert printed.count(flag.message) == 1  # once, not again under the findings
    doc = json.loads((out / "analysis.json").read_text())
    assert {"code": flag.code, "severity": "warning", "message": flag.message} in doc["quality"]
    fdoc = json.loads((out / "findings.json").read_text())
    assert flag.code in {w["code"] for w in fdoc["warnings"]}


def test_a_refusal_also_names_the_pose_stage_warning() -> None:
    # Too short to measure: the refusal says so and that someone else was in view.
    from dataclasses import replace

    from posture.errors import TooFewStridesError
    from posture.pipeline import analyze_track

    track, _ = synthetic(duration_s=1.2, seed=1)
    with pytest.raises(TooFewStridesError) as plain:
        analyze_track(track)
    assert "Another person" not in str(plain.value)
    with pytest.raises(TooFewStridesError, match=r"clean strides?.*Another person was in view"):
        analyze_track(replace(track, warnings=("Another person was in view.",)))


def test_people_lists_boxes_that_hold_the_runner(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture) -> None:
    # The bundled sample: one runner; the printed box holds the true hips at that frame.
    clip = ROOT / "sample_videos" / "fresh_side.mp4"
    truth = json.loads(clip.with_name("fresh_side.truth.json").read_text())["frames"]
    out = tmp_path / "people.png"
    assert cli.main(["people", str(clip), "--time", "2", "--picture", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "frame at 2.00 s: 1 person found"
    box = lines[1].split("--runner-box ")[1].split()[0]
    x, y, w, h = (float(v) for v in box.split(","))
    i = truth["t_s"].index(2.0)
    hips = np.array(truth["image_xy_px"][i])[[23, 24]].mean(axis=0)
    assert x < hips[0] < x + w and y < hips[1] < y + h
    assert 0.8 < h / np.ptp(np.array(truth["image_xy_px"][i])[:, 1]) < 1.6  # about its size
    assert out.stat().st_size > 10_000
