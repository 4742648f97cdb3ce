"""A clip as a Y4M file, the format Chromium's fake camera plays
(``--use-file-for-fake-video-capture``); it loops the file."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av


def to_y4m(src: str | Path, out: str | Path, *, fps: int = 30) -> Path:
    """Decode ``src`` and write every frame, as yuv420p at ``fps``, to ``out``."""
    out = Path(out)
    with av.open(str(src)) as inp, av.open(str(out), "w", format="yuv4mpegpipe") as dst:
        stream = dst.add_stream("rawvideo", rate=Fraction(fps))
        src_stream = inp.streams.video[0]
        stream.width = src_stream.codec_context.width
        stream.height = src_stream.codec_context.height
        stream.pix_fmt = "yuv420p"
        for i, frame in enumerate(inp.decode(src_stream)):
            f = frame.reformat(format="yuv420p")
            f.pts, f.time_base = i, Fraction(1, fps)
            for packet in stream.encode(f):
                dst.mux(packet)
        for packet in stream.encode():
            dst.mux(packet)
    return out
