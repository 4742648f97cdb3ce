"""The one H.264 MP4 writer: frames streamed one at a time, browser-playable.

Every video the package writes (rendered synthetic clips, the annotated clip, the player's two
clips, the live recording) goes through :class:`Mp4Writer`: libx264, yuv420p, ``+faststart``
(the index first, so a browser plays while it downloads). Frame times are either

* real: ``write(image, t_s)`` puts each frame at its own time on a 1/90000 s clock, so a
  variable-frame-rate clip keeps its irregular spacing (the pose track's times read back); or
* constant: ``write(image)`` shows frame ``n`` at ``n / fps`` s.

The first frame written decides which. Rotation metadata is written the way phones do it: the
frames are stored turned and the track header's display matrix says how to turn them upright.
"""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Literal

import av
import numpy as np

from posture.errors import EncoderMissingError, StorageError

TIME_BASE = Fraction(1, 90000)
CODEC = "libx264"


def check_encoder() -> None:
    """Raise :class:`EncoderMissingError` with what to do when libx264 is not available."""
    try:
        av.codec.Codec(CODEC, "w")
    except ValueError as exc:  # av.codec.codec.UnknownCodecError
        raise EncoderMissingError(
            f"No H.264 encoder ({CODEC}) in this PyAV/FFmpeg build ({exc}); install the "
            "PyAV wheel from PyPI (`pip install av`), which includes it.") from exc


def rate_fraction(fps: float) -> Fraction:
    """The frame rate as a fraction (29.97 and 30000/1001 kept exact), for the stream."""
    if not (np.isfinite(fps) and fps > 0):
        raise ValueError(f"frame rate must be positive, got {fps}")
    return Fraction(fps).limit_denominator(1001)


class Mp4Writer:
    """``with Mp4Writer(path, fps) as w: w.write(image)`` (or ``w.write(image, t_s)``).

    Parameters
    ----------
    path : the ``.mp4`` to write (created at the first frame).
    fps : frames per second: the rate of constant-rate clips, the nominal rate otherwise.
    size_px : (width, height) of the UPRIGHT frames, even; default: the first frame's size
        rounded down to even. Larger frames are cut at the right and bottom edges.
    channels : ``"rgb"`` or ``"bgr"`` order of the frames given.
    crf, preset : x264 quality (lower is better) and speed.
    threads : encoder threads; 1 makes the file reproducible bit for bit.
    keyframe_every_s : at most this long between key frames (short: quick browser seeks).
    rotation_deg : clockwise display rotation (0/90/180/270) stored as metadata.
    """

    def __init__(self, path: str | Path, fps: float, *, size_px: tuple[int, int] | None = None,
                 channels: Literal["rgb", "bgr"] = "rgb", crf: int = 23,
                 preset: str = "veryfast", threads: int | None = None,
                 keyframe_every_s: float | None = None, rotation_deg: int = 0) -> None:
        check_encoder()
        if rotation_deg % 90:
            raise ValueError("rotation_deg must be a multiple of 90")
        if size_px is not None and (size_px[0] % 2 or size_px[1] % 2):
            raise ValueError("H.264 yuv420p needs even frame sizes")
        self.path = Path(path)
        self.rate = rate_fraction(fps)
        self.rotation_deg = rotation_deg % 360
        self._k = self.rotation_deg // 90  # np.rot90 turns (counter-clockwise) to store
        self._size_px = size_px
        self._format = f"{channels}24"
        self._options = {"crf": str(crf), "preset": preset}
        if threads is not None:
            self._options["threads"] = str(threads)
        if keyframe_every_s is not None:
            self._options["g"] = str(max(1, round(fps * keyframe_every_s)))
        self._container: av.container.OutputContainer | None = None
        self._stream: av.video.VideoStream | None = None
        self._timed: bool | None = None
        self._last_pts = -1
        self.n_frames = 0

    @property
    def size_px(self) -> tuple[int, int] | None:
        """(width, height) of the upright frames as stored; None before the first frame."""
        return self._size_px if self._stream is not None else None

    def takes(self, t_s: float) -> bool:
        """Whether a frame at ``t_s`` can follow the frames written (times must increase)."""
        return _pts(t_s) > self._last_pts

    def write(self, image: np.ndarray, t_s: float | None = None) -> None:
        """Add one upright frame (H x W x 3, uint8), shown at ``t_s`` seconds if given."""
        timed = t_s is not None
        if self._stream is None:
            self._open(image, timed)
        if timed != self._timed:
            raise ValueError("give every frame a time, or none")
        img = np.rot90(image, self._k) if self._k else image
        img = np.ascontiguousarray(img[: self._stream.height, : self._stream.width])
        frame = av.VideoFrame.from_ndarray(img, format=self._format)
        if t_s is not None:
            pts = _pts(t_s)
            if pts <= self._last_pts:
                raise ValueError("frame times must increase")
            frame.pts, frame.time_base = pts, TIME_BASE
            self._last_pts = pts
        self._mux(self._stream.encode(frame))
        self.n_frames += 1

    def close(self) -> None:
        """Flush the encoder and finish the file (nothing is written when no frame was)."""
        if self._container is None:
            return
        container, self._container = self._container, None
        try:
            container.mux(self._stream.encode())
            container.close()
        except (OSError, av.error.FFmpegError) as exc:
            raise self._storage_error(exc) from exc
        if self.rotation_deg:
            set_rotation(self.path, self.rotation_deg)

    def abort(self) -> None:
        """Close without flushing (after an error)."""
        if self._container is not None:
            self._container.close()
            self._container = None

    def __enter__(self) -> Mp4Writer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def _open(self, image: np.ndarray, timed: bool) -> None:
        h, w = image.shape[:2]
        w, h = self._size_px = self._size_px or (w - w % 2, h - h % 2)
        stored_w, stored_h = (h, w) if self._k % 2 else (w, h)
        try:
            self._container = av.open(str(self.path), "w", format="mp4",
                                      options={"movflags": "+faststart"})
        except (OSError, av.error.FFmpegError) as exc:
            raise self._storage_error(exc) from exc
        st = self._container.add_stream(CODEC, rate=self.rate)
        st.width, st.height, st.pix_fmt = stored_w, stored_h, "yuv420p"
        if timed:
            st.time_base = TIME_BASE
            st.codec_context.time_base = TIME_BASE
        st.options = self._options
        self._stream, self._timed = st, timed

    def _mux(self, packets: list[av.Packet]) -> None:
        try:
            self._container.mux(packets)
        except (OSError, av.error.FFmpegError) as exc:
            raise self._storage_error(exc) from exc

    def _storage_error(self, exc: Exception) -> StorageError:
        return StorageError(f"The video {self.path} cannot be written ({exc}); free some "
                            "disk space or choose a folder you can write.")


def _pts(t_s: float) -> int:
    return int(np.rint(t_s / TIME_BASE))


def _boxes(data: bytes | bytearray, start: int, end: int):
    """Yield (type, box_start, header_size, box_end) of the MP4 boxes in a range."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        header = 8
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8:pos + 16])[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header:
            return
        yield kind.decode("latin-1"), pos, header, pos + size
        pos += size


def set_rotation(path: str | Path, rotation_deg: int) -> None:
    """Write a clockwise display rotation into the video track header of an MP4 file."""
    data = bytearray(Path(path).read_bytes())
    r = rotation_deg % 360
    one, w_fix = 0x10000, 0x40000000
    mats = {0: (one, 0, 0, one), 90: (0, one, -one, 0), 180: (-one, 0, 0, -one),
            270: (0, -one, one, 0)}
    if r not in mats:
        raise ValueError("rotation_deg must be a multiple of 90")
    a, b, c, d = mats[r]
    found = False
    for kind, pos, hdr, end in _boxes(data, 0, len(data)):
        if kind != "moov":
            continue
        for k2, p2, h2, e2 in _boxes(data, pos + hdr, end):
            if k2 != "trak":
                continue
            for k3, p3, h3, _ in _boxes(data, p2 + h2, e2):
                if k3 != "tkhd":
                    continue
                version = data[p3 + h3]
                m = p3 + h3 + (4 + 32 + 16 if version == 1 else 4 + 20 + 16)
                w, h = struct.unpack(">II", data[m + 36:m + 44])
                w, h = w >> 16, h >> 16
                tx = {0: (0, 0), 90: (h, 0), 180: (w, h), 270: (0, w)}[r]
                struct.pack_into(">9i", data, m, a, b, 0, c, d, 0, tx[0] << 16, tx[1] << 16,
                                 w_fix)
                found = True
    if not found:
        raise ValueError(f"no track header found in {path}")
    Path(path).write_bytes(bytes(data))
