"""Write small test clips with PyAV: chosen frame times (VFR), rotation flags, codecs, and the
broken files intake must refuse. Used by the tests only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

#: Time base of written clips: fine enough to hold any real timestamp to 11 microseconds.
TIME_BASE = Fraction(1, 90000)

FrameFn = Callable[[int, float], np.ndarray]


def marker_frame(width: int = 160, height: int = 120) -> FrameFn:
    """Frames with a red bar along the TOP edge and a green bar along the LEFT edge (upright),
    plus a frame-number-dependent grey level so each frame differs."""

    def make(i: int, t_s: float) -> np.ndarray:
        img = np.full((height, width, 3), 40 + (i * 7) % 150, np.uint8)
        img[: height // 8, :, :] = (220, 30, 30)
        img[:, : width // 10, :] = (30, 220, 30)
        return img

    return make


def blank_frame(width: int = 160, height: int = 120) -> FrameFn:
    def make(i: int, t_s: float) -> np.ndarray:
        return np.full((height, width, 3), 128, np.uint8)

    return make


def write_clip(path: str | Path, times_s: Sequence[float], *, make_frame: FrameFn | None = None,
               width: int = 160, height: int = 120, codec: str = "libx264",
               rate: int = 30, rotation_ccw_deg: int = 0,
               stream_metadata: dict[str, str] | None = None,
               container_metadata: dict[str, str] | None = None,
               faststart: bool = False) -> Path:
    """Encode one frame per entry of ``times_s`` with exactly those presentation times.

    ``make_frame`` draws the UPRIGHT picture of ``width`` x ``height``. With
    ``rotation_ccw_deg`` the picture is stored turned the other way (like a phone held
    sideways) and a display matrix says how to turn it back (counter-clockwise degrees, as
    PyAV's ``VideoFrame.rotation`` reads it). Container metadata are written as MP4/MOV
    'mdta' tags, the way Android stores ``com.android.capture.fps``. ``faststart`` puts the
    index before the frames (as phones and web exports do).
    """
    path = Path(path)
    make = make_frame or marker_frame(width, height)
    k = (rotation_ccw_deg // 90) % 4
    stored_w, stored_h = (height, width) if k % 2 else (width, height)
    flags = "use_metadata_tags+faststart" if faststart else "use_metadata_tags"
    options = {"movflags": flags} if path.suffix in (".mp4", ".mov") else {}
    with av.open(str(path), "w", options=options) as out:
        if container_metadata:
            out.metadata.update(container_metadata)
        stream = out.add_stream(codec, rate=rate)
        stream.width, stream.height = stored_w, stored_h
        stream.pix_fmt = "yuv420p"
        # MPEG-4 part 2 (AVI) cannot take a 1/90000 time base: use the frame rate's.
        tb = Fraction(1, rate) if codec == "mpeg4" else TIME_BASE
        stream.time_base = tb
        stream.codec_context.time_base = tb
        if codec == "libx265":
            stream.codec_context.options = {"x265-params": "log-level=none"}
        if rotation_ccw_deg:
            stream.set_display_rotation(rotation_ccw_deg)
        if stream_metadata:
            stream.metadata.update(stream_metadata)
        for i, t in enumerate(times_s):
            img = np.ascontiguousarray(np.rot90(make(i, float(t)), -k))
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = round(float(t) / tb)
            frame.time_base = tb
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def regular_times(duration_s: float, fps: float) -> np.ndarray:
    return np.arange(round(duration_s * fps)) / fps


def vfr_times(duration_s: float, seed: int = 0) -> np.ndarray:
    """Irregular frame times like a phone's: ~30 fps, then a second at ~60 fps, then ~24 fps,
    each interval jittered by up to 10 %."""
    rng = np.random.default_rng(seed)
    base = np.concatenate([np.full(30, 1 / 30), np.full(60, 1 / 60),
                           np.full(int(duration_s * 30), 1 / 24)])
    dt = base * rng.uniform(0.9, 1.1, base.size)
    t = np.concatenate([[0.0], np.cumsum(dt)])
    return t[t < duration_s]


def write_audio_only(path: str | Path, duration_s: float = 3.0, codec: str = "aac") -> Path:
    path = Path(path)
    rate = 44100
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=rate)
        stream.layout = "mono"
        n = 1024
        for k in range(int(duration_s * rate / n)):
            t = (np.arange(n) + k * n) / rate
            samples = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None, :]
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate = rate
            frame.pts = k * n
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def write_truncated(path: str | Path, source: str | Path, keep_fraction: float = 0.5) -> Path:
    data = Path(source).read_bytes()
    Path(path).write_bytes(data[: int(len(data) * keep_fraction)])
    return Path(path)


def write_unknown_codec(path: str | Path, source_mp4: str | Path) -> Path:
    """An MP4 whose video sample entry names a codec no decoder knows ('avc1' -> 'qqqq')."""
    data = Path(source_mp4).read_bytes()
    assert b"avc1" in data
    Path(path).write_bytes(data.replace(b"avc1", b"qqqq"))
    return Path(path)
