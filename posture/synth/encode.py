"""H.264 MP4 writing for synthetic clips: real per-frame timestamps, optional rotation tag.

Frames go to libx264 (yuv420p, browser-playable, ``+faststart``) with presentation times
taken from the frame times in seconds on a 1/90000 s clock, so variable frame rate clips keep
their irregular spacing. The encoder runs single-threaded so a clip is reproducible bit for
bit. Rotation metadata is written the way phones do it: the frames are stored turned and the
track header's display matrix says how to turn them upright.
"""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import numpy as np

TIME_BASE = Fraction(1, 90000)


class Mp4Writer:
    """Context manager: ``with Mp4Writer(path, w, h, fps) as w: w.write(bgr, t_s)``.

    ``width_px``/``height_px`` are the UPRIGHT frame size; with ``rotation_deg`` (clockwise
    display rotation, 0/90/180/270) the stored frames are turned the other way.
    """

    def __init__(self, path: str | Path, width_px: int, height_px: int, fps: float, *,
                 rotation_deg: int = 0, crf: int = 23, preset: str = "medium") -> None:
        if rotation_deg % 90:
            raise ValueError("rotation_deg must be a multiple of 90")
        if width_px % 2 or height_px % 2:
            raise ValueError("H.264 yuv420p needs even frame sizes")
        self.path = Path(path)
        self.rotation_deg = rotation_deg % 360
        self._k = self.rotation_deg // 90  # np.rot90 turns (counter-clockwise) to store
        stored_w, stored_h = (height_px, width_px) if self._k % 2 else (width_px, height_px)
        self._container = av.open(str(self.path), "w", format="mp4",
                                  options={"movflags": "+faststart"})
        st = self._container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        st.width, st.height, st.pix_fmt = stored_w, stored_h, "yuv420p"
        st.time_base = TIME_BASE
        st.codec_context.time_base = TIME_BASE
        st.options = {"crf": str(crf), "preset": preset, "threads": "1"}
        self._stream = st
        self._last_pts = -1

    def write(self, bgr: np.ndarray, t_s: float) -> None:
        """Add one upright BGR frame shown at ``t_s`` seconds."""
        img = np.ascontiguousarray(np.rot90(bgr, self._k)) if self._k else bgr
        frame = av.VideoFrame.from_ndarray(img, format="bgr24")
        pts = int(np.rint(t_s / TIME_BASE))
        if pts <= self._last_pts:
            raise ValueError("frame times must increase")
        frame.pts, frame.time_base = pts, TIME_BASE
        self._last_pts = pts
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def close(self) -> None:
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()
        if self.rotation_deg:
            set_rotation(self.path, self.rotation_deg)

    def __enter__(self) -> Mp4Writer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.close()
        else:
            self._container.close()


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
