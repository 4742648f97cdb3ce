"""Pose-track cache: keyed by content and settings, identical on a hit, rebuilt when damaged."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from posture.io import cache
from posture.pose import extract as pose
from posture.track import PoseTrack, VideoInfo, empty_arrays
from tests.support import videogen as vg

pytestmark = pytest.mark.usefixtures("private_cache")  # never the user's pose cache


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return vg.write_clip(tmp_path / "clip.mp4", vg.regular_times(2.5, 30))


class _FakeExtract:
    """Stands in for the model: a random track per call, counting calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, path, **kwargs) -> PoseTrack:
        self.calls += 1
        rng = np.random.default_rng(self.calls)
        n = 75
        a = empty_arrays(n)
        a["image_xy_px"][:] = rng.uniform(0, 160, a["image_xy_px"].shape)
        a["visibility"][:] = rng.uniform(0, 1, a["visibility"].shape)
        a["world_xyz_m"][:] = rng.normal(0, 0.4, a["world_xyz_m"].shape)
        a["trunk_edges_px"][:] = rng.uniform(3, 30, a["trunk_edges_px"].shape)
        a["image_xy_px"][10] = np.nan
        info = VideoInfo(path=str(path), width_px=160, height_px=120, rotation_deg=0,
                         codec="h264", n_frames=n, fps_nominal=30.0, fps_capture=30.0,
                         duration_s=2.5, is_vfr=False)
        return PoseTrack(t_s=np.arange(n) / 30.0, frame_index=np.arange(n), info=info,
                         frame_size_px=(160, 120), extraction={"k": kwargs.get("start_s")},
                         warnings=("w",), **a)


def _assert_identical(a: PoseTrack, b: PoseTrack) -> None:
    for name in ("t_s", "frame_index", "image_xy_px", "visibility", "world_xyz_m",
                 "trunk_edges_px"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
        assert getattr(a, name).dtype == getattr(b, name).dtype
    assert a.frame_size_px == b.frame_size_px and a.warnings == b.warnings
    assert a.info == b.info


def test_hit_returns_identical_arrays(clip: Path, monkeypatch: pytest.MonkeyPatch,
                                      private_cache: Path) -> None:
    fake = _FakeExtract()
    monkeypatch.setattr(pose, "extract_pose", fake)
    first = pose.extract_pose_cached(clip)
    t0 = time.perf_counter()
    second = pose.extract_pose_cached(clip)
    assert time.perf_counter() - t0 < 2.0
    assert fake.calls == 1
    _assert_identical(first, second)
    assert len(list(private_cache.glob("*.npz"))) == 1


def test_key_follows_content_and_settings(clip: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _FakeExtract()
    monkeypatch.setattr(pose, "extract_pose", fake)
    pose.extract_pose_cached(clip)
    # same bytes under another name: a hit, reported under the new name
    renamed = tmp_path / "renamed.mp4"
    shutil.copy(clip, renamed)
    hit = pose.extract_pose_cached(renamed)
    assert fake.calls == 1 and hit.info.path == str(renamed)
    # other settings: a miss
    pose.extract_pose_cached(clip, start_s=0.2)
    assert fake.calls == 2
    # other content: a miss
    other = vg.write_clip(tmp_path / "other.mp4", vg.regular_times(2.6, 30))
    pose.extract_pose_cached(other)
    assert fake.calls == 3
    # caching off: always runs
    pose.extract_pose_cached(clip, use_cache=False)
    assert fake.calls == 4


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong_shape"])
def test_damaged_entry_is_rebuilt(clip: Path, monkeypatch: pytest.MonkeyPatch,
                                  private_cache: Path, damage: str) -> None:
    fake = _FakeExtract()
    monkeypatch.setattr(pose, "extract_pose", fake)
    pose.extract_pose_cached(clip)
    (entry,) = private_cache.glob("*.npz")
    if damage == "garbage":
        entry.write_bytes(b"not an npz at all")
    elif damage == "truncated":
        entry.write_bytes(entry.read_bytes()[:300])
    else:
        with np.load(entry) as z:
            arrays = dict(z)
        arrays["image_xy_px"] = arrays["image_xy_px"][:, :10]
        np.savez_compressed(entry, **arrays)
    with pytest.raises(cache.CacheCorruptError):
        cache.read_entry(entry.stem)
    rebuilt = pose.extract_pose_cached(clip)
    assert fake.calls == 2
    assert rebuilt.image_xy_px.shape == (75, 33, 2)
    _assert_identical(rebuilt, cache.read_entry(entry.stem))


def test_content_hash_is_remembered_and_refreshed(tmp_path: Path) -> None:
    f = tmp_path / "clip.bin"
    f.write_bytes(b"a" * 1000)
    first = cache.content_hash(f)
    assert first == cache.file_sha256(f)
    assert cache.content_hash(f) == first
    f.write_bytes(b"b" * 1001)  # new size and time: hashed again
    assert cache.content_hash(f) == cache.file_sha256(f) != first
    (cache.cache_dir() / "content-hashes.json").write_text("{broken")
    assert cache.content_hash(f) == cache.file_sha256(f)


def test_cache_dir_follows_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path / "elsewhere"))
    assert cache.cache_dir() == tmp_path / "elsewhere"
    assert cache.cache_dir().is_dir()


def test_bad_video_is_refused_before_hashing(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    from posture.errors import UnreadableVideoError

    with pytest.raises(UnreadableVideoError):
        pose.extract_pose_cached(empty)
