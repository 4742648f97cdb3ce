"""Follow the runner when other people are in view (rendered clips through the pose model).

A runner on the left with a bigger person standing nearer the camera (whom the pose model
follows by itself), and two runners of different cadence; plus the real three-sprinter clip.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from posture import cli
from posture.landmarks import LM
from posture.pipeline import AnalysisOptions, analyze_track, extract_track
from posture.synth.kinematics import RunnerParams
from posture.synth.render import RenderStyle
from posture.synth.scene import Figure, SceneTruth, render_scene
from tests.support.paths import SHARED

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("run_cache")]

SPRINT = SHARED / "multi_track_sprint-100m_sports2d-demo2.mp4"
GREEN = RenderStyle(shirt=(40, 140, 40), shorts=(120, 60, 20))
DURATION_S = 8.0




@pytest.fixture(scope="module")
def bystander(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SceneTruth]:
    path = tmp_path_factory.mktemp("scenes") / "runner_and_coach.mp4"
    truth = render_scene([
        Figure(RunnerParams(cadence_spm=172), height_px=230, hip_x_px=260, ground_y_px=400),
        Figure(RunnerParams(height_m=1.8), height_px=400, hip_x_px=640, ground_y_px=455,
               running=False, facing=-1, style=GREEN),
    ], out_path=path, duration_s=DURATION_S, seed=1)
    return path, truth


@pytest.fixture(scope="module")
def two_runners(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SceneTruth]:
    path = tmp_path_factory.mktemp("scenes") / "two_runners.mp4"
    truth = render_scene([
        Figure(RunnerParams(cadence_spm=165), height_px=250, hip_x_px=230, ground_y_px=400),
        Figure(RunnerParams(cadence_spm=182, height_m=1.65), height_px=260, hip_x_px=600,
               ground_y_px=420, style=GREEN),
    ], out_path=path, duration_s=DURATION_S, seed=3)
    return path, truth


def _on_figure(track, truth: SceneTruth, figure: int) -> np.ndarray:
    """Per detected frame: are the landmark hips inside that figure's true body box?"""
    det = np.flatnonzero(track.detected)
    hip = 0.5 * (track.image_xy_px[det, LM.LEFT_HIP] + track.image_xy_px[det, LM.RIGHT_HIP])
    inside = []
    for k, i in enumerate(det):
        x, y, w, h = truth.box_px(figure, int(i))
        inside.append(x <= hip[k, 0] <= x + w and y <= hip[k, 1] <= y + h)
    return np.asarray(inside)


def test_the_runner_is_followed_not_the_bigger_bystander(bystander) -> None:
    path, truth = bystander
    track = extract_track(path)
    assert track.detected.mean() > 0.9
    assert _on_figure(track, truth, 0).all()  # the runner in every frame ...
    assert not _on_figure(track, truth, 1).any()  # ... and the coach in none
    analysis = analyze_track(track)
    assert analysis.summary["cadence_spm"] == pytest.approx(truth.cadence_spm[0], rel=0.02)
    flags = {q.code: q for q in analysis.quality}
    assert "pose_runner_chosen" in flags
    assert "on the left" in flags["pose_runner_chosen"].message
    assert "--runner-box" in flags["pose_runner_chosen"].message


def test_two_runners_one_chosen_with_a_warning_the_box_picks_the_other(
        two_runners, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path, truth = two_runners
    auto = extract_track(path)
    assert _on_figure(auto, truth, 1).mean() > 0.97  # nearer the middle of the picture
    flag = next(q for q in auto.warnings if q.code == "pose_runner_chosen")
    assert flag.severity == "warning" and "2 people were running" in flag.message
    # the user points at the other one, through the command line
    box = tuple(float(round(v)) for v in truth.box_px(0, 30))
    t_box = round(float(truth.t_s[30]), 3)
    out = tmp_path / "out"
    code = cli.main(["analyze", str(path), "--quiet", "--out", str(out),
                     "--runner-box", ",".join(f"{v:.0f}" for v in box),
                     "--runner-box-time", f"{t_box:.3f}"])
    assert code == 0
    doc = json.loads((out / "analysis.json").read_text())
    assert doc["summary"]["cadence_spm"] == pytest.approx(truth.cadence_spm[0], rel=0.02)
    assert "pose_runner_box" in {q["code"] for q in doc["quality"]}
    assert "runner box" in capsys.readouterr().out
    boxed = extract_track(path, AnalysisOptions(runner_box_px=box, runner_box_t_s=t_box))
    assert _on_figure(boxed, truth, 0).mean() > 0.97


def test_a_box_around_nobody_is_a_clear_refusal(two_runners,
                                                capsys: pytest.CaptureFixture) -> None:
    path, _ = two_runners
    assert cli.main(["analyze", str(path), "--quiet", "--runner-box", "5,5,30,30"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: No person was found inside the runner box")
    assert err.count("\n") == 1


@pytest.mark.skipif(not SPRINT.exists(), reason="shared videos not available")
def test_three_sprinters_give_a_clear_warning_and_no_absurd_numbers(tmp_path: Path) -> None:
    from posture.errors import PostureError

    try:
        analysis = analyze_track(extract_track(SPRINT))
    except PostureError as exc:  # a refusal must say that several people were in view
        assert "people" in str(exc) or "person" in str(exc)
        return
    codes = {q.code for q in analysis.quality}
    assert codes & {"pose_runner_chosen", "pose_other_people", "pose_nobody_runs"}
    lean = analysis.summary.get("trunk_lean_deg", np.nan)
    assert not np.isfinite(lean) or -10 < lean < 30
