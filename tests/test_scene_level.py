"""Camera roll from straight scene lines, and the policy that decides which roll is applied."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from posture.landmarks import LM
from posture.level import RollEstimate, choose_roll
from posture.scene_level import SceneRoll, estimate_roll_scene, family, runner_mask

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
        from posture.level import _not_estimated

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
    from posture.scene_level import scene_roll_for_track
    from posture.track import PoseTrack, VideoInfo, empty_arrays
    from tests.videogen import regular_times, write_clip

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
