"""Leg-label repair: injected left/right swaps are undone and leave events and metrics as
they were; clean tracks come back unchanged."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from posture.analysis.side import analyze_side
from posture.signal.legs import LEG_PAIRS, repair_leg_swaps, swap_legs, swap_states
from tests.support.synthetic import STEADY, WIDE, synthetic

LEG_IDS = [i for pair in LEG_PAIRS for i in pair]


def _track(fps: float = 60.0, facing: int = 1, noise_px: float = 1.0):
    return synthetic(runner=STEADY, camera={**WIDE, "fps": fps, "facing": facing},
                     duration_s=8.0, seed=3, noise_px=noise_px)


def _bursts(n: int, share: float, seed: int) -> np.ndarray:
    """Random runs of 2-15 swapped frames covering about ``share`` of the clip."""
    rng = np.random.default_rng(seed)
    out = np.zeros(n, bool)
    while out.mean() < share:
        a = int(rng.integers(0, n - 2))
        out[a:a + int(rng.integers(2, 16))] = True
    return out


def _inject(tr, swapped: np.ndarray):
    return replace(tr, image_xy_px=swap_legs(tr.image_xy_px, swapped),
                   visibility=swap_legs(tr.visibility, swapped),
                   world_xyz_m=swap_legs(tr.world_xyz_m, swapped))


@pytest.mark.parametrize(("fps", "facing"), [(60.0, 1), (60.0, -1), (30.0, 1)])
def test_clean_track_is_left_alone(fps: float, facing: int) -> None:
    tr, _ = _track(fps, facing)
    assert not swap_states(tr.image_xy_px, tr.fps).any()
    fixed, rep = repair_leg_swaps(tr)
    assert rep.swapped_pct == 0.0 and fixed.extraction["leg_repair"]["frames"] == 0
    np.testing.assert_array_equal(fixed.image_xy_px, tr.image_xy_px)


@pytest.mark.parametrize(("fps", "seed"), [(60.0, 1), (60.0, 2), (30.0, 4)])
def test_injected_swaps_are_undone(fps: float, seed: int) -> None:
    tr, _ = _track(fps)
    injected = _bursts(tr.n_frames, 0.28, seed)
    fixed, rep = repair_leg_swaps(_inject(tr, injected))
    assert rep.swapped_pct == pytest.approx(100 * injected.mean(), abs=3.0)
    err = np.linalg.norm(fixed.image_xy_px[:, LEG_IDS] - tr.image_xy_px[:, LEG_IDS], axis=-1)
    wrong = err.max(axis=1) > 1e-9
    # a frame may only stay wrong where the feet pass each other (both labels nearly fit)
    assert wrong.mean() < 0.03
    assert np.median(err[wrong].max(axis=1)) < 0.15 * 0.491 * 720 if wrong.any() else True


def test_swaps_do_not_change_events_or_metrics() -> None:
    tr, _ = _track()
    ref = analyze_side(tr)
    got = analyze_side(_inject(tr, _bursts(tr.n_frames, 0.28, 5)))
    assert len(got.strides) == len(ref.strides)
    # a frame at a foot crossing may keep the other label: event times move < 0.1 frame
    np.testing.assert_allclose(got.strides["t_start_s"], ref.strides["t_start_s"], atol=1e-3)
    assert list(got.strides["leg"]) == list(ref.strides["leg"])
    for m in ("overstride_pct_leg", "shank_angle_ic_deg", "knee_flexion_ic_deg",
              "trunk_lean_deg"):
        np.testing.assert_allclose(got.strides[m], ref.strides[m], atol=0.5, err_msg=m)
    assert "leg_labels" in got.notes and "leg_labels" not in ref.notes


def test_pictures_draw_the_legs_the_analysis_measured() -> None:
    """Key frames, the annotated video and the player draw through labels_as_analysed: on a
    side track the injected swaps are undone (the landing leg drawn is the stride table's);
    a rear/front track is drawn as extracted."""
    from posture.report.annotate import labels_as_analysed

    tr, _ = _track()
    injected = _bursts(tr.n_frames, 0.28, 6)
    raw = _inject(tr, injected)
    drawn = labels_as_analysed(raw, "side")
    err = np.linalg.norm(drawn.image_xy_px[:, LEG_IDS] - tr.image_xy_px[:, LEG_IDS], axis=-1)
    assert (err.max(axis=1) > 1e-9).mean() < 0.03 < injected.mean()
    assert labels_as_analysed(raw, "rear") is raw
