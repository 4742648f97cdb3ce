"""The one H.264 MP4 writer: frames written come back (count, size, times, pixels) through
the package's own reader, in both timing modes, turned, and with clear errors."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from posture.errors import EncoderMissingError, StorageError
from posture.io import mp4
from posture.io.mp4 import Mp4Writer
from posture.io.video import iter_frames, probe

W, H = 96, 64


def _image(i: int, w: int = W, h: int = H) -> np.ndarray:
    """A smooth gradient with a bright square that moves with ``i`` (RGB, uint8)."""
    y, x = np.mgrid[0:h, 0:w]
    img = np.stack([x * 255 // w, y * 255 // h, np.full_like(x, 60)], axis=-1)
    c = 8 + 2 * i % (w - 24)
    img[20:36, c:c + 16] = (250, 250, 40)
    return img.astype(np.uint8)


def _irregular_times(n: int, fps: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.cumsum(np.r_[0.0, rng.uniform(0.6, 1.4, n - 1) / fps])


def _read(path: Path) -> tuple[np.ndarray, list[np.ndarray]]:
    frames = list(iter_frames(path))
    return np.array([f.t_s for f in frames]), [f.image_rgb for f in frames]


def test_real_times_round_trip(tmp_path: Path) -> None:
    t_s = _irregular_times(75, 30.0)
    out = tmp_path / "timed.mp4"
    with Mp4Writer(out, 30.0, crf=18) as w:
        for i, t in enumerate(t_s):
            w.write(_image(i), float(t))
    assert w.n_frames == 75 and w.size_px == (W, H)
    got_t, images = _read(out)
    assert len(images) == 75
    np.testing.assert_allclose(got_t, t_s, atol=1e-5)  # the 1/90000 s clock
    assert images[0].shape == (H, W, 3)
    for i in (0, 37, 74):
        assert np.abs(images[i].astype(int) - _image(i)).mean() < 3.0


def test_constant_rate_and_bgr_round_trip(tmp_path: Path) -> None:
    out = tmp_path / "const.mp4"
    with Mp4Writer(out, 25.0, channels="bgr", crf=18) as w:
        for i in range(60):
            w.write(_image(i)[..., ::-1])
    got_t, images = _read(out)
    assert len(images) == 60
    np.testing.assert_allclose(got_t, np.arange(60) / 25.0, atol=1e-6)
    assert np.abs(images[30].astype(int) - _image(30)).mean() < 3.0  # BGR in, RGB out
    assert probe(out).codec == "h264"


def test_odd_frames_are_cut_to_even_and_the_index_is_first(tmp_path: Path) -> None:
    out = tmp_path / "odd.mp4"
    with Mp4Writer(out, 30.0) as w:
        for i in range(70):
            w.write(_image(i, W + 1, H + 1))
    assert w.size_px == (W, H)
    info = probe(out)
    assert (info.width_px, info.height_px, info.n_frames) == (W, H, 70)
    data = out.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # +faststart: playable while loading
    with av.open(str(out)) as c:
        assert c.streams.video[0].codec_context.pix_fmt == "yuv420p"


def test_rotation_is_stored_as_metadata_and_read_back_upright(tmp_path: Path) -> None:
    out = tmp_path / "rot.mp4"
    with Mp4Writer(out, 30.0, size_px=(W, H), rotation_deg=90, crf=18) as w:
        for i in range(66):
            w.write(_image(i), i / 30.0)
    with av.open(str(out)) as c:
        cc = c.streams.video[0].codec_context
        assert (cc.width, cc.height) == (H, W)  # stored turned
    info = probe(out)
    assert (info.rotation_deg, info.width_px, info.height_px) == (90, W, H)
    _, images = _read(out)
    assert np.abs(images[5].astype(int) - _image(5)).mean() < 3.0


def test_times_must_increase_and_modes_do_not_mix(tmp_path: Path) -> None:
    w = Mp4Writer(tmp_path / "x.mp4", 30.0)
    w.write(_image(0), 0.5)
    assert not w.takes(0.5) and w.takes(0.54)
    with pytest.raises(ValueError, match="increase"):
        w.write(_image(1), 0.5)
    with pytest.raises(ValueError, match="time"):
        w.write(_image(1))
    w.close()


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="even"):
        Mp4Writer("x.mp4", 30.0, size_px=(W + 1, H))
    with pytest.raises(ValueError, match="multiple of 90"):
        Mp4Writer("x.mp4", 30.0, rotation_deg=45)
    with pytest.raises(ValueError, match="positive"):
        Mp4Writer("x.mp4", float("nan"))


def test_nothing_written_makes_no_file(tmp_path: Path) -> None:
    with Mp4Writer(tmp_path / "none.mp4", 30.0) as w:
        pass
    assert w.n_frames == 0 and w.size_px is None
    assert not (tmp_path / "none.mp4").exists()


def test_missing_encoder_is_a_clear_error(monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    monkeypatch.setattr(mp4, "CODEC", "no_such_h264_encoder")
    with pytest.raises(EncoderMissingError, match=r"No H\.264 encoder.*pip install av"):
        Mp4Writer(tmp_path / "x.mp4", 30.0)


def test_unwritable_place_is_a_storage_error(tmp_path: Path) -> None:
    w = Mp4Writer(tmp_path / "missing-folder" / "x.mp4", 30.0)
    with pytest.raises(StorageError, match="cannot be written"):
        w.write(_image(0), 0.0)  # the encoder may hold the frame until the end
        w.close()
