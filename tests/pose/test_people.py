"""Which person is the runner: linking detector hits, running score, the choice (no video)."""

from __future__ import annotations

import numpy as np
import pytest

from posture.landmarks import mirror_index
from posture.pose.people import Person, choose_runner, link_people, running_score
from posture.synth.camera import CameraParams
from posture.synth.kinematics import RunnerParams
from posture.synth.scene import _standing
from posture.synth.tracks import synthetic_track
from tests.support.paths import ROOT


def _runner_xy(cadence_spm: float = 170.0, fps: float = 30.0, view: str = "side",
               seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    track, _ = synthetic_track(RunnerParams(cadence_spm=cadence_spm),
                               CameraParams(view=view, fps=fps, noise_px=1.5), duration_s=4.0,
                               seed=seed)
    return track.t_s, track.image_xy_px


def test_running_legs_score_high_standing_and_still_score_low() -> None:
    t, run = _runner_xy()
    stand, _ = _standing(run[0], np.zeros(33), 250.0, t, 1)
    rng = np.random.default_rng(0)
    assert running_score(t, run) > 0.7
    for cadence in (150.0, 200.0):  # a slower runner and a sprinter count alike
        assert running_score(*_runner_xy(cadence)) > 0.7
    assert running_score(t, stand + rng.normal(0, 1.5, stand.shape)) < 0.1
    # the pose model swaps the legs' labels now and then: the score must not care
    swapped = run.copy()
    flip = rng.random(t.size) < 0.3
    swapped[flip] = swapped[flip][:, mirror_index()]
    assert running_score(t, swapped) == pytest.approx(running_score(t, run), abs=0.02)
    # from behind the feet swing up and down, not across: still running
    assert running_score(*_runner_xy(view="rear")) > MIN_SCORE_REAR
    # too little of the person: no verdict
    gappy = run.copy()
    gappy[::2] = np.nan
    gappy[1::4] = np.nan
    assert running_score(t, gappy) == 0.0


MIN_SCORE_REAR = 0.3


def _person(t: np.ndarray, x: float, r: float, seen: np.ndarray | None = None) -> Person:
    xy = np.column_stack([np.full(t.size, float(x)), np.full(t.size, 200.0)])
    rr = np.full(t.size, float(r))
    if seen is not None:
        xy[~seen], rr[~seen] = np.nan, np.nan
    return Person(t, xy, rr)


def test_hits_are_linked_into_people_with_one_identity() -> None:
    t = np.arange(30) * 0.2
    hits = []
    for k in range(30):
        runner = (100 + 8 * k, 200, 60)  # moves right 40 px/s
        coach = (500, 230, 150)  # big, standing
        frame = [coach, runner] if k % 2 else [runner, coach]
        if k in (10, 11):  # the runner is missed twice
            frame = [coach]
        if k == 20:  # a passer-by seen once
            frame.append((300, 100, 50))
        hits.append(np.array(frame, float))
    people = link_people(t, hits)
    assert len(people) == 2
    coach_p = next(p for p in people if np.nanmedian(p.radius_px) > 100)
    runner_p = next(p for p in people if np.nanmedian(p.radius_px) < 100)
    assert coach_p.seen.all() and runner_p.seen.sum() == 28
    np.testing.assert_allclose(runner_p.hip_xy_px[runner_p.seen, 0], 100 + 8 * t[runner_p.seen]
                               / 0.2)
    hip, r = runner_p.at(2.1)  # inside the gap: interpolated
    assert hip[0] == pytest.approx(100 + 8 * 10.5) and r == pytest.approx(60)
    assert np.isnan(runner_p.at(30.0)[1])


def test_the_runner_is_chosen_not_the_biggest_or_most_seen() -> None:
    t = np.arange(30) * 0.2
    coach, runner = _person(t, 700, 200), _person(t, 300, 80, seen=t < 5)
    choice = choose_runner([coach, runner], [0.05, 0.8], 1000)
    assert choice.index == 1 and choice.reason == "only_runner" and choice.n_running == 1
    # two who run: the one seen more and nearer the middle; a box overrides
    other = _person(t, 600, 80)
    two = choose_runner([runner, other], [0.8, 0.75], 1000)
    assert two.index == 1 and two.reason == "most_seen_runner" and two.n_running == 2
    boxed = choose_runner([runner, other], [0.8, 0.75], 1000, box_px=(250, 100, 100, 200),
                          box_t_s=1.0)
    assert boxed.index == 0 and boxed.reason == "box"
    assert choose_runner([runner, other], [0.8, 0.75], 1000, box_px=(0, 0, 50, 50)) is None
    nobody = choose_runner([coach, runner], [0.05, 0.1], 1000)
    assert nobody.reason == "nobody_runs" and nobody.n_running == 0


def test_conventions_state_the_choice_constants() -> None:

    from posture.pose import people

    text = (ROOT / "docs" / "conventions.md").read_text()
    section = text.split("## Which person is analysed")[1].split("\n## ")[0]
    for fact in (f"every {people.SCAN_STEP_S:g} s", f"/ {people.FULL_SWING_LEG:g})",
                 f"{people.STEP_BAND_HZ[0]:g}-{people.STEP_BAND_HZ[1]:g} steps per second",
                 f"at least {people.MIN_RUNNING_SCORE:g}",
                 f"within {100 * people.SIMILAR_RUNNING:.0f} %",
                 f"{people.LINK_DISTANCE_RADII:g} body radii"):
        assert fact in " ".join(section.split()), fact
