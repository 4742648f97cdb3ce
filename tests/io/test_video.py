"""Video intake: real timestamps, rotation, slow motion, codecs, and the inputs it refuses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from posture.errors import (
    ClipTooShortError,
    FrameRateTooLowError,
    PostureError,
    UnreadableVideoError,
)
from posture.io import video
from tests.support import videogen as vg
from tests.support.paths import SHARED

ROTATED = SHARED / "side_road_rotated-meta_alkaid976.mp4"


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("clips")
    ok = vg.write_clip(d / "ok.mp4", vg.regular_times(2.5, 30))
    return {
        "ok": ok,
        "vfr_times": vg.vfr_times(3.0, seed=1),
        "vfr": vg.write_clip(d / "vfr.mp4", vg.vfr_times(3.0, seed=1)),
        "zero": _write(d / "zero.mp4", b""),
        "text": _write(d / "notes.mp4", b"these are my running notes, not a video\n" * 20),
        "truncated": vg.write_truncated(d / "truncated.mp4", ok, keep_fraction=0.6),
        # index first, so the file opens, but the last fifth of the frames is gone
        "truncated_tail": vg.write_truncated(
            d / "truncated_tail.mp4",
            vg.write_clip(d / "faststart.mp4", vg.regular_times(3.0, 30), faststart=True),
            keep_fraction=0.8),
        "audio": vg.write_audio_only(d / "audio.m4a"),
        "audio_mp3": vg.write_audio_only(d / "audio.mp3", codec="mp3"),
        "short": vg.write_clip(d / "short.mp4", vg.regular_times(1.5, 30)),
        "lowfps": vg.write_clip(d / "lowfps.mp4", vg.regular_times(3.0, 15), rate=15),
        "codec": vg.write_unknown_codec(d / "codec.mp4", ok),
    }


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_vfr_timestamps_are_the_true_ones(clips: dict) -> None:
    true_t = clips["vfr_times"]
    frames = list(video.iter_frames(clips["vfr"]))
    got = np.array([f.t_s for f in frames])
    assert got.size == true_t.size
    np.testing.assert_allclose(got, true_t - true_t[0], atol=2e-5)
    assert [f.index for f in frames] == list(range(true_t.size))
    info = video.probe(clips["vfr"])
    assert info.is_vfr
    assert info.n_frames == true_t.size
    # index / fps would be off by far more than a frame somewhere in an irregular clip
    assert np.max(np.abs(np.arange(true_t.size) / info.fps_nominal - true_t)) > 0.05


def test_regular_clip_is_not_vfr(clips: dict) -> None:
    info = video.probe(clips["ok"])
    assert not info.is_vfr
    assert info.fps_nominal == pytest.approx(30.0, rel=1e-3)
    assert info.duration_s == pytest.approx(2.5, abs=1e-3)
    assert (info.width_px, info.height_px, info.codec) == (160, 120, "h264")


def test_time_window_keeps_only_its_frames(clips: dict) -> None:
    frames = list(video.iter_frames(clips["ok"], start_s=1.0, end_s=2.0))
    t = np.array([f.t_s for f in frames])
    assert t[0] == pytest.approx(1.0, abs=1e-6) and t[-1] == pytest.approx(2.0, abs=1e-6)
    assert t.size == 31
    np.testing.assert_array_equal([f.index for f in frames], np.arange(30, 61))


@pytest.mark.parametrize("rotation_ccw_deg", [90, 180, 270])
def test_rotation_metadata_gives_upright_frames(tmp_path: Path, rotation_ccw_deg: int) -> None:
    # The upright picture is 160 wide x 120 high with red along the top, green on the left.
    p = vg.write_clip(tmp_path / "rot.mp4", vg.regular_times(2.5, 30), width=160, height=120,
                      rotation_ccw_deg=rotation_ccw_deg)
    info = video.probe(p)
    assert (info.width_px, info.height_px) == (160, 120)
    assert info.rotation_deg == (-rotation_ccw_deg) % 360
    img = next(video.iter_frames(p)).image_rgb
    assert img.shape == (120, 160, 3)
    top, left = img[3, 80].astype(int), img[60, 4].astype(int)
    assert top[0] > 180 and top[1] < 80  # red on top
    assert left[1] > 180 and left[0] < 80  # green on the left


def test_frames_at_equals_iter_frames(clips: dict) -> None:
    wanted = [0, 3, 4, 50, 101]
    got = list(video.frames_at(clips["vfr"], [101, 4, 0, 3, 50, 500]))
    ref = [f for f in video.iter_frames(clips["vfr"]) if f.index in wanted]
    assert [f.index for f in got] == wanted
    for a, b in zip(got, ref, strict=True):
        assert a.t_s == b.t_s
        np.testing.assert_array_equal(a.image_rgb, b.image_rgb)


def test_working_size_scales_and_keeps_aspect(clips: dict) -> None:
    f = next(video.iter_frames(clips["ok"], max_side_px=80))
    assert f.image_rgb.shape == (60, 80, 3)
    assert f.scale == pytest.approx(0.5)


def test_hevc_decodes(tmp_path: Path) -> None:
    for suffix in (".mp4", ".mov"):
        p = vg.write_clip(tmp_path / f"hevc{suffix}", vg.regular_times(2.2, 30), codec="libx265")
        info = video.probe(p)
        assert info.codec == "hevc"
        frames = list(video.iter_frames(p))
        assert len(frames) == 66
        assert frames[0].image_rgb.shape == (120, 160, 3)
        assert frames[0].image_rgb[3, 80, 0] > 180  # the red bar survived encoding


@pytest.mark.parametrize(("suffix", "codec", "name"), [
    (".webm", "libvpx-vp9", "vp9"), (".mkv", "libx264", "h264"), (".m4v", "libx264", "h264"),
    (".avi", "mpeg4", "mpeg4"), (".mov", "libx264", "h264"),
])
def test_containers_and_codecs(tmp_path: Path, suffix: str, codec: str, name: str) -> None:
    p = vg.write_clip(tmp_path / f"clip{suffix}", vg.regular_times(2.2, 30), codec=codec)
    info = video.probe(p)
    assert info.codec == name and info.n_frames == 66
    assert info.fps_nominal == pytest.approx(30.0, rel=2e-3)
    assert info.duration_s == pytest.approx(2.2, abs=2e-3)
    assert not info.is_vfr
    frames = list(video.iter_frames(p))
    np.testing.assert_allclose([f.t_s for f in frames], np.arange(66) / 30, atol=1e-3)
    assert frames[0].image_rgb[3, 80, 0] > 180  # red bar on top


def test_slow_motion_from_android_metadata(tmp_path: Path) -> None:
    # 20 s of playback at 30 fps recorded at 240 fps: 2.5 s of real running.
    p = vg.write_clip(tmp_path / "slowmo.mp4", vg.regular_times(20.0, 30), width=32, height=32,
                      container_metadata={"com.android.capture.fps": "240.0"})
    info = video.probe(p)
    assert info.slowmo_factor == pytest.approx(8.0)
    assert info.fps_capture == pytest.approx(240.0, rel=1e-3)
    assert info.duration_s == pytest.approx(2.5, abs=1e-3)
    t = np.array([f.t_s for f in video.iter_frames(p, end_s=0.5)])
    np.testing.assert_allclose(np.diff(t), 1 / 240, atol=1e-5)


def test_slow_motion_user_override(clips: dict) -> None:
    # A 2.5 s clip said to be 2x slow motion lasts 1.25 real seconds: too short.
    with pytest.raises(ClipTooShortError):
        video.probe(clips["ok"], slowmo_factor=2.0)
    info = video.probe_unchecked(clips["ok"], slowmo_factor=2.0)
    assert info.fps_capture == pytest.approx(60.0, rel=1e-3)


def test_capture_fps_tag_equal_to_playback_is_not_slow_motion() -> None:
    assert video.slowmo_factor_from(30.0, 29.97) == 1.0
    assert video.slowmo_factor_from(None, 30.0) == 1.0
    assert video.slowmo_factor_from(120.0, 30.0) == pytest.approx(4.0)


@pytest.mark.parametrize(
    ("name", "error", "words"),
    [
        ("zero", UnreadableVideoError, "empty"),
        ("text", UnreadableVideoError, "not a video"),
        ("truncated", UnreadableVideoError, "truncated"),
        ("truncated_tail", UnreadableVideoError, "truncated"),
        ("audio", UnreadableVideoError, "only audio"),
        ("audio_mp3", UnreadableVideoError, "only audio"),
        ("codec", UnreadableVideoError, "codec"),
        ("short", ClipTooShortError, "lasts only 1.5 s"),
        ("lowfps", FrameRateTooLowError, "15 frames per second"),
    ],
)
def test_bad_inputs_get_one_sentence(clips: dict, name: str, error: type, words: str) -> None:
    with pytest.raises(error) as exc_info:
        video.probe(clips[name])
    msg = str(exc_info.value)
    assert words in msg
    assert isinstance(exc_info.value, PostureError)
    assert "\n" not in msg and msg.endswith(".") and msg.count(". ") == 0


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnreadableVideoError, match="does not exist"):
        video.probe(tmp_path / "nope.mp4")


def test_iter_frames_refuses_bad_input_too(clips: dict) -> None:
    with pytest.raises(ClipTooShortError):
        next(video.iter_frames(clips["short"]))


@pytest.mark.skipif(not ROTATED.exists(), reason="shared videos not available")
def test_shared_rotated_clip_comes_out_upright() -> None:
    info = video.probe(ROTATED)
    assert (info.width_px, info.height_px) == (480, 220)
    assert info.rotation_deg == 270
    f = next(video.iter_frames(ROTATED))
    assert f.image_rgb.shape == (220, 480, 3)


@pytest.mark.skipif(not (SHARED / "side_grass_short_sports2d-demo3.mp4").exists(),
                    reason="shared videos not available")
def test_shared_short_clip_is_refused() -> None:
    with pytest.raises(ClipTooShortError, match=r"lasts only 1\.6 s"):
        video.probe(SHARED / "side_grass_short_sports2d-demo3.mp4")
