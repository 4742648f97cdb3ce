"""Camera roll from straight scene lines, and the policy that decides which roll is applied."""

from __future__ import annotations

import functools

import cv2
import numpy as np
import pytest

from posture.camera.roll import RollEstimate, choose_roll
from posture.camera.scene_lines import SceneRoll, estimate_roll_scene, family, runner_mask
from posture.landmarks import LM

W, H = 640, 360


def _scene(roll_deg: float, *, vertical_roll_deg: float | None = None,
           lines: bool = True, seed: int = 0) -> np.ndarray:
    """A wall with level and plumb edges, turned by the camera like the renderer does
    (clockwise on screen for roll > 0). Vertical edges may be turned differently."""
    rng = np.random.default_rng(seed)
    big = np.full((2 * H, 2 * W, 3), 120, np.uint8)
    big += rng.integers(0, 6, big.shape, dtype=np.uint8)
    if lines:
        for y in range(0, 2 * H, 70):
            cv2.line(big, (0, y), (2 * W, y), (200, 200, 200), 3)
    vert = np.full_like(big, 0)
    if lines:
        for x in range(0, 2 * W, 90):
            cv2.line(vert, (x, 0), (x, 2 * H), (60, 60, 60), 3)

    def turn(img: np.ndarray, r: float) -> np.ndarray:
        m = cv2.getRotationMatrix2D((W, H), -r, 1.0)
        return cv2.warpAffine(img, m, (2 * W, 2 * H), flags=cv2.INTER_LINEAR)

    vr = roll_deg if vertical_roll_deg is None else vertical_roll_deg
    a, b = turn(big, roll_deg), turn(vert, vr)
    out = np.where(b.sum(axis=-1, keepdims=True) > 0, b, a)
    return np.ascontiguousarray(out[H // 2:H // 2 + H, W // 2:W // 2 + W])


def _runner(img: np.ndarray, lean_deg: float) -> np.ndarray:
    """Draw a dark stick runner whose straight limbs lean ``lean_deg`` (they would vote if
    they were not masked) and return its landmarks (33, 2) px."""
    xy = np.full((33, 2), np.nan)
    hip, up = np.array([320.0, 200.0]), np.array([np.sin(np.radians(lean_deg)),
                                                   -np.cos(np.radians(lean_deg))])
    xy[LM.LEFT_HIP] = xy[LM.RIGHT_HIP] = hip
    xy[LM.LEFT_SHOULDER] = xy[LM.RIGHT_SHOULDER] = hip + 110 * up
    xy[LM.NOSE] = hip + 150 * up
    for k, side in ((LM.LEFT_KNEE, -1), (LM.RIGHT_KNEE, 1)):
        xy[k] = hip + np.array([side * 8.0, 70.0])
    xy[LM.LEFT_ANKLE] = xy[LM.LEFT_KNEE] + np.array([-4.0, 70.0])
    xy[LM.RIGHT_ANKLE] = xy[LM.RIGHT_KNEE] + np.array([4.0, 70.0])
    for a, b in ((LM.LEFT_HIP, LM.LEFT_SHOULDER), (LM.LEFT_HIP, LM.LEFT_KNEE),
                 (LM.LEFT_KNEE, LM.LEFT_ANKLE), (LM.RIGHT_HIP, LM.RIGHT_KNEE),
                 (LM.RIGHT_KNEE, LM.RIGHT_ANKLE)):
        cv2.line(img, tuple(xy[a].astype(int)), tuple(xy[b].astype(int)), (10, 10, 10), 9)
    return xy


@pytest.mark.parametrize("roll", [-4.0, 0.0, 3.0])
def test_scene_lines_recover_roll_with_runner_masked(roll: float) -> None:
    frames = []
    for k in range(4):
        img = _scene(roll, seed=k)
        frames.append((img, _runner(img, 6.0)))
    est = estimate_roll_scene(frames)
    assert est.ok, est.reason
    assert est.roll_deg == pytest.approx(roll, abs=0.3)
    assert est.horizontal.n_segments > 0 and est.vertical.n_segments > 0


def test_runner_mask_covers_the_limbs_only() -> None:
    img = _scene(0.0)
    xy = _runner(img, 6.0)
    m = runner_mask(img.shape[:2], xy)
    assert m[int(xy[LM.LEFT_KNEE][1]), int(xy[LM.LEFT_KNEE][0])] == 255
    assert m[20, 20] == 0 and m[340, 620] == 0
    assert (m > 0).mean() < 0.2


def test_plain_scene_is_refused() -> None:
    frames = [(_scene(0.0, lines=False, seed=k), None) for k in range(4)]
    est = estimate_roll_scene(frames)
    assert not est.ok and "too few" in est.reason


def test_disagreeing_level_and_plumb_lines_are_refused() -> None:
    frames = [(_scene(3.0, vertical_roll_deg=-1.0, seed=k), None) for k in range(4)]
    est = estimate_roll_scene(frames)
    assert not est.ok and "disagree" in est.reason


def _scene_roll(roll: float, ok: bool = True) -> SceneRoll:
    f = family(np.full(20, roll), np.full(20, 100.0))
    return SceneRoll(roll if ok else float("nan"), ok, "" if ok else "too few lines", f, f, 8)


def _floor(roll: float | None) -> RollEstimate:
    if roll is None:
        from posture.camera.roll import _not_estimated

        return _not_estimated("the two feet gave floor lines +6 and +16 degrees off level")
    return RollEstimate(roll, 0.9, "floor", ci_deg=0.5, n_points=100)


def test_policy_applies_scene_lines_only() -> None:
    """Scene lines win; the landmark floor line alone is never applied (pose-model feet are
    not on the floor), and the user is told to level the phone or enter the tilt."""
    est = choose_roll(_scene_roll(3.0), _floor(1.0))
    assert (est.source, est.roll_deg) == ("scene_lines", pytest.approx(3.0))
    for scene in (None, _scene_roll(0.0, ok=False)):
        for floor in (_floor(2.0), _floor(None)):
            none = choose_roll(scene, floor)
            assert (none.source, none.roll_deg) == ("none", 0.0)
            assert none.flag.code == "roll_not_estimated"
            assert "level the phone" in none.flag.message and "tilt" in none.flag.message
    assert "+2.0 degrees" in choose_roll(None, _floor(2.0)).flag.message


def test_policy_refuses_implausible_scene_roll() -> None:
    est = choose_roll(_scene_roll(8.0), _floor(None))
    assert est.source == "none" and est.roll_deg == 0.0
    assert "8 degrees" in est.flag.message


def test_scene_roll_from_the_clip_and_its_mirror(tmp_path) -> None:
    """Frames are read from the track's own video; a mirrored track gets mirrored frames,
    so its roll flips sign instead of being paired with the wrong picture."""
    from posture.camera.scene_lines import scene_roll_for_track
    from posture.track import PoseTrack, VideoInfo, empty_arrays
    from tests.support.videogen import regular_times, write_clip

    times = regular_times(2.0, 30)
    scene = _scene(3.0, seed=1)
    xy = _runner(scene, 6.0)
    path = write_clip(tmp_path / "tilted.mp4", times, make_frame=lambda i, t: scene.copy(),
                      width=W, height=H)
    arrays = empty_arrays(times.size)
    arrays["image_xy_px"][:] = xy
    arrays["visibility"][:] = 0.9
    info = VideoInfo(path=str(path), width_px=W, height_px=H, rotation_deg=0, codec="h264",
                     n_frames=times.size, fps_nominal=30.0, fps_capture=30.0, duration_s=2.0,
                     is_vfr=False)
    track = PoseTrack(t_s=np.asarray(times, float), frame_index=np.arange(times.size),
                      frame_size_px=(W, H), info=info, **arrays)
    est = scene_roll_for_track(track)
    assert est is not None and est.ok, est
    assert est.roll_deg == pytest.approx(3.0, abs=0.4)
    back = scene_roll_for_track(track.mirrored())
    assert back is not None and back.ok
    assert back.roll_deg == pytest.approx(-3.0, abs=0.4)


# ---------------------------------------------------------------- stability and one level
def _votes(roll: float | None, n: int, *, seed: int = 0) -> list:
    """Frame votes of ``n`` frames of a wall turned by ``roll`` (None: a wall without lines)."""
    return [_frame_votes(roll, seed + k) for k in range(n)]


@functools.cache
def _frame_votes(roll: float | None, seed: int):
    from posture.camera.scene_lines import frame_votes

    return frame_votes(_scene(roll or 0.0, lines=roll is not None, seed=seed), None)


def test_stable_roll_needs_two_disjoint_frame_samples_to_agree() -> None:
    from posture.camera.scene_lines import MAX_SAMPLE_DISAGREE_DEG, MIN_ROLL_SE_DEG, stable_roll

    steady = stable_roll(_votes(-4.0, 8))
    assert steady.ok and steady.roll_deg == pytest.approx(-4.0, abs=0.3)
    assert MIN_ROLL_SE_DEG <= steady.se_deg <= MAX_SAMPLE_DISAGREE_DEG / 2
    # every other frame turned differently (a panning camera, a sloped rail coming and
    # going): the pooled lines alone would give a roll between the two
    mixed = [v for pair in zip(_votes(-4.0, 4), _votes(-2.0, 4, seed=30), strict=True)
             for v in pair]
    est = stable_roll(mixed)
    assert not est.ok and np.isnan(est.roll_deg)
    assert "two sets of frames" in est.reason
    # lines in only one half of the frames: refused as well
    sparse = [v for pair in zip(_votes(-4.0, 4), _votes(None, 4, seed=20), strict=True)
              for v in pair]
    assert not stable_roll(sparse).ok


def test_one_camera_one_level_for_two_clips() -> None:
    """The issue's case: scene lines at -5.9 deg in one clip and none in the other. Both clips
    get the same roll (one estimate from the frames of both); never one clip only."""
    from posture.camera.scene_lines import shared_rolls

    with_lines, without = _votes(-5.9, 8), _votes(None, 8, seed=20)
    a, b = shared_rolls([with_lines, without])
    assert a == b and a.ok and a.roll_deg == pytest.approx(-5.9, abs=0.3)
    a, b = shared_rolls([with_lines, None])  # second video not readable
    assert a == b and a.ok
    a, b = shared_rolls([_votes(None, 8), without])
    assert a == b and not a.ok
    # each clip alone shows a stable, clearly different level: the camera was moved
    a, b = shared_rolls([_votes(-4.0, 8), _votes(2.0, 8, seed=30)])
    assert a.roll_deg == pytest.approx(-4.0, abs=0.3)
    assert b.roll_deg == pytest.approx(2.0, abs=0.3)
    # close levels are one camera: one pooled roll for both
    a, b = shared_rolls([_votes(-4.0, 8), _votes(-3.0, 8, seed=30)])
    assert a == b


def test_analyze_tracks_levels_both_clips_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the pipeline: the clip with scene lines and the clip without get one roll."""
    from posture.camera import scene_lines as scene_level
    from posture.pipeline import AnalysisOptions, analyze_track, analyze_tracks
    from posture.synth.camera import CameraParams
    from posture.synth.samples import FRESH
    from posture.synth.tracks import synthetic_track

    cam = CameraParams(view="side", width_px=640, height_px=360, fps=30.0, roll_deg=-5.9)
    track, _ = synthetic_track(FRESH, cam, duration_s=6.0, noise_px=0.5)
    first = track.window(None, 3.0)
    second = track.window(3.0, None)
    # the first half's video shows level lines, the second's none (keyed by start time)
    lines = {float(first.t_s[0]): _votes(-5.9, 8), float(second.t_s[0]): _votes(None, 8, seed=20)}
    monkeypatch.setattr(scene_level, "scene_votes_for_track",
                        lambda t, *a, **k: lines[float(t.t_s[0])])
    a, b = analyze_tracks([first, second], [AnalysisOptions()] * 2)
    for clip in (a, b):
        assert clip.view.roll_source == "scene_lines"
        assert clip.view.camera_roll_deg == pytest.approx(-5.9, abs=0.3)
        assert clip.summary["camera_roll_deg"] == clip.view.camera_roll_deg
    # alone, the second half would have no correction at all
    alone = analyze_track(second)
    assert alone.view.roll_source == "none" and alone.summary["camera_roll_deg"] == 0.0
