"""The pose container validates shapes/units and round-trips through its file format."""

from __future__ import annotations

import numpy as np
import pytest

from posture.landmarks import LM
from posture.track import TRUNK_PROFILE_S, PoseTrack, VideoInfo, empty_arrays


def _track(n: int = 10) -> PoseTrack:
    rng = np.random.default_rng(0)
    arrays = empty_arrays(n)
    arrays["image_xy_px"][:] = rng.uniform(0, 500, arrays["image_xy_px"].shape)
    arrays["visibility"][:] = rng.uniform(0, 1, arrays["visibility"].shape)
    arrays["world_xyz_m"][:] = rng.normal(0, 0.5, arrays["world_xyz_m"].shape)
    arrays["trunk_edges_px"][:] = rng.uniform(5, 40, arrays["trunk_edges_px"].shape)
    arrays["image_xy_px"][3] = np.nan  # a frame with no runner stays in place
    info = VideoInfo(path="x.mp4", width_px=640, height_px=480, rotation_deg=0, codec="h264",
                     n_frames=n, fps_nominal=30.0, fps_capture=30.0, duration_s=n / 30,
                     is_vfr=False)
    return PoseTrack(t_s=np.arange(n) / 30.0, frame_index=np.arange(n), frame_size_px=(640, 480),
                     info=info, **arrays)


def test_shapes_are_validated() -> None:
    tr = _track()
    with pytest.raises(ValueError, match="image_xy_px"):
        PoseTrack(**{**tr.__dict__, "image_xy_px": tr.image_xy_px[:, :20]})
    with pytest.raises(ValueError, match="strictly increasing"):
        PoseTrack(**{**tr.__dict__, "t_s": tr.t_s[::-1].copy()})
    with pytest.raises(ValueError, match="visibility"):
        PoseTrack(**{**tr.__dict__, "visibility": tr.visibility + 2})


def test_save_load_round_trip(tmp_path) -> None:
    tr = _track()
    tr.save(tmp_path / "t.npz")
    back = PoseTrack.load(tmp_path / "t.npz")
    np.testing.assert_allclose(back.image_xy_px, tr.image_xy_px, rtol=1e-6)
    np.testing.assert_array_equal(back.t_s, tr.t_s)
    assert back.info == tr.info
    assert back.detected.tolist() == tr.detected.tolist()
    assert back.detected[3] is np.False_


def test_mirror_swaps_sides_and_flips_x() -> None:
    tr = _track()
    m = tr.mirrored()
    np.testing.assert_allclose(m.image_xy_px[:, LM.LEFT_KNEE, 0],
                               640 - tr.image_xy_px[:, LM.RIGHT_KNEE, 0])
    np.testing.assert_allclose(m.image_xy_px[:, LM.LEFT_KNEE, 1],
                               tr.image_xy_px[:, LM.RIGHT_KNEE, 1])
    np.testing.assert_allclose(m.trunk_edges_px[..., 0], tr.trunk_edges_px[..., 1])
    np.testing.assert_allclose(m.mirrored().image_xy_px, tr.image_xy_px, equal_nan=True)


def test_take_and_window() -> None:
    tr = _track(10)
    half = tr.take(slice(None, None, 2))
    assert half.n_frames == 5
    assert half.fps == pytest.approx(15.0)
    w = tr.window(0.1, 0.2)
    assert w.t_s.min() >= 0.1 and w.t_s.max() <= 0.2
    assert TRUNK_PROFILE_S[0] == pytest.approx(-0.2) and TRUNK_PROFILE_S[-1] == pytest.approx(1.0)
