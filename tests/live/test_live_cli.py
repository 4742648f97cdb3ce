"""``posture live``: the CLI twin of the live page, on rendered clips played as a camera."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from posture.cli import main
from posture.live.drift import DriftSettings
from posture.live.record import CUES_NAME, TRACK_NAME, VIDEO_NAME, load_recording
from posture.live.report import recording_session
from posture.metrics.registry import spec
from posture.session import overview_figure
from posture.synth.camera import CameraParams
from posture.synth.render import render_clip
from posture.synth.samples import FRESH

CAMERA = CameraParams(view="side", facing=1, width_px=640, height_px=360, fps=30.0)
#: Short settings so a 40 s clip holds a baseline, a drift and its sustain.
BASELINE_S, SUSTAIN_S = 10.0, 5.0
RAMP_S, LEAN_START, LEAN_END = 40.0, 5.0, 13.0


def test_fast_needs_a_clip(capsys):
    assert main(["live", "--fast"]) == 2
    assert capsys.readouterr().err.strip() == \
        "error: --fast needs --source (a camera cannot be played faster)."


def test_unreadable_source_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("POSTURE_LIVE_DIR", str(tmp_path / "live"))
    bad = tmp_path / "clip.mp4"
    bad.write_bytes(b"not a video")
    assert main(["live", "--source", str(bad), "--fast", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "clip.mp4" in err[0]


def test_bad_settings_are_refused(capsys):
    assert main(["live", "--source", "x.mp4", "--sustain-s", "-3"]) == 2
    assert "--sustain-s" in capsys.readouterr().err


def _update(t_s: float, fps: float):
    from posture.live.session import LiveUpdate
    from posture.live.signals import LandmarkFrame

    return LiveUpdate(t_s=t_s, landmarks=LandmarkFrame.missing(t_s), state="watching",
                      baseline_left_s=0.0, values={}, baseline={}, cue=None, last_cue=None,
                      dropping=True, processed_fps=fps, too_few_frames=fps < 15.0,
                      view="side", note=None)


def test_the_timeline_says_when_measuring_pauses_and_resumes():
    from posture.live.run import pause_line

    assert pause_line(_update(61.0, 20.0), was_paused=False) is None
    assert pause_line(_update(62.5, 9.0), was_paused=False) == (
        "1:02.5  PAUSED  Too few frames to measure: 9 processed per second, strides need at "
        "least 15. Close other programs (or switch off the low-back arch index).")
    assert pause_line(_update(63.0, 8.0), was_paused=True) is None
    assert pause_line(_update(70.0, 18.0), was_paused=True) == \
        "1:10.0  RESUMED  18 frames per second again"


def true_crossing_s(truth: dict, window_s: tuple[float, float]) -> float:
    """When the true stride lean first exceeds the true baseline (mean over the live
    baseline's strides) by the registry's SDD."""
    strides = [s for s in truth["strides"] if s["trunk_lean_deg"] is not None]
    t = np.array([s["t_start_s"] for s in strides])
    lean = np.array([s["trunk_lean_deg"] for s in strides])
    base = lean[(t >= window_s[0]) & (t <= window_s[1])].mean()
    over = np.flatnonzero((lean > base + spec("trunk_lean_deg").sdd) & (t > window_s[1]))
    return float(t[over[0]])


@pytest.mark.slow
def test_ramp_clip_cues_lean_in_time_and_steady_clip_gives_none(tmp_path: Path, monkeypatch):
    """Rendered 40 s lean ramp (5 -> 13 deg) and 30 s steady runner, 30 fps, played through
    ``posture live --source --fast``: the first lean cue comes within 20 s after the true
    lean crosses baseline + SDD; the steady runner gets no cue. The ramp's recording then
    gives the normal early-versus-late report with the cue marked."""
    monkeypatch.setenv("POSTURE_LIVE_DIR", str(tmp_path / "live"))
    ramp = tmp_path / "ramp.mp4"
    render_clip(replace(FRESH, trunk_lean_deg=LEAN_START,
                        fatigue={"trunk_lean_deg": LEAN_END}),
                CAMERA, duration_s=RAMP_S, out_path=ramp, seed=7, crf=26)
    steady = tmp_path / "steady.mp4"
    render_clip(FRESH, CAMERA, duration_s=30.0, out_path=steady, seed=8, crf=26)
    args = ["--fast", "--quiet", "--baseline-s", str(BASELINE_S), "--sustain-s",
            str(SUSTAIN_S)]

    out = tmp_path / "ramp.json"
    assert main(["live", "--source", str(ramp), *args, "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["frames_processed"] == round(RAMP_S * CAMERA.fps)
    assert doc["frames_dropped"] == 0
    assert doc["measuring_paused_s"] == 0.0  # every frame of a 30 fps clip
    lean_cues = [c for c in doc["cues"] if c["metric"] == "trunk_lean_deg"]
    assert lean_cues, doc
    truth = json.loads(ramp.with_name("ramp.truth.json").read_text())
    crossing = true_crossing_s(truth, tuple(doc["baseline_window_s"]))
    delay = lean_cues[0]["t_s"] - crossing
    print(f"true crossing {crossing:.1f} s, first lean cue {lean_cues[0]['t_s']:.1f} s, "
          f"delay {delay:.1f} s")
    # a cue needs the recent mean beyond the SDD for the sustain; never before the truth
    assert SUSTAIN_S <= delay <= 20.0
    assert lean_cues[0]["text"].startswith("Run tall: forward trunk lean +")
    assert doc["baseline"]["trunk_lean_deg"] == pytest.approx(
        LEAN_START + (LEAN_END - LEAN_START) * np.mean(doc["baseline_window_s"]) / RAMP_S,
        abs=1.5)

    rec = Path(doc["recording"])
    assert {VIDEO_NAME, TRACK_NAME, CUES_NAME} <= {p.name for p in rec.iterdir()}
    # --fast records losslessly: every processed frame is in the video, none left out
    frames = json.loads((rec / CUES_NAME).read_text())["frames"]
    assert frames["recorded"] == frames["processed"] == doc["frames_processed"]
    assert frames["not_recorded"] == 0 and frames["dropped"] == 0
    session = recording_session(rec)
    assert [m.t_s for m in session.marks] == [c["t_s"] for c in doc["cues"]]
    titles = [f.title for f in session.findings.shown]
    assert any(t.startswith("Forward trunk lean increased") for t in titles), titles
    assert session.comparison.changes["trunk_lean_deg"].change > 3.0
    overview_figure(session)  # draws with the cue marked

    out2 = tmp_path / "steady.json"
    assert main(["live", "--source", str(steady), *args, "--json", str(out2),
                 "--no-record"]) == 0
    doc2 = json.loads(out2.read_text())
    assert doc2["baseline"]["trunk_lean_deg"] is not None
    assert doc2["cues"] == []
    assert doc2["recording"] is None
    assert DriftSettings().baseline_s == 120.0  # the defaults stay the issue's


@pytest.mark.slow
def test_arch_switch_records_the_trunk_outline(tmp_path: Path, monkeypatch):
    """``--arch`` runs the segmentation mask too: the recorded landmarks carry the trunk
    outline (so the report can give the arch index); without it the outline is absent."""
    monkeypatch.setenv("POSTURE_LIVE_DIR", str(tmp_path / "live"))
    clip = tmp_path / "short.mp4"
    render_clip(FRESH, CAMERA, duration_s=2.0, out_path=clip, seed=5, crf=26)
    found = {}
    for flag in ([], ["--arch"]):
        out = tmp_path / f"run{len(flag)}.json"
        assert main(["live", "--source", str(clip), "--fast", "--quiet", *flag,
                     "--json", str(out)]) == 0
        track, _ = load_recording(json.loads(out.read_text())["recording"])
        found[bool(flag)] = np.isfinite(track.trunk_edges_px).any(axis=(1, 2)).mean()
    assert found[False] == 0.0
    assert found[True] > 0.8
