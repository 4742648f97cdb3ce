"""Annotated MP4: H.264 yuv420p, one output frame per analysed frame, overlays drawn."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from posture.report.annotate import TRUNK, FrameContext
from posture.report.keyframes import frame_at
from posture.report.video_out import write_annotated_mp4
from tests.support.report import H, W, make_analysis, make_track, write_plain_video


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("v") / "plain.mp4"
    write_plain_video(path, 75)
    return path


def test_annotated_mp4_is_browser_playable_and_drawn(clip, tmp_path):
    track = make_track(45)
    strides = make_analysis(track).strides
    seen = []
    out = write_annotated_mp4(clip, track, strides, FrameContext(facing=1), tmp_path / "a.mp4",
                              max_side_px=320, progress=lambda d, t: seen.append((d, t)))
    with av.open(str(out)) as c:
        st = c.streams.video[0]
        assert st.codec_context.name == "h264"
        assert st.codec_context.pix_fmt == "yuv420p"
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(st)]
    assert len(frames) == 45
    assert frames[0].shape == (240, 320, 3)
    yellowish = (np.abs(frames[10].astype(int) - np.array(TRUNK)).sum(axis=2) < 90).sum()
    assert yellowish > 30  # the trunk line survived scaling and compression
    assert seen[-1] == (45, 45)


def test_only_the_tracked_window_is_written(clip, tmp_path):
    track = make_track(45).take(slice(10, 30))
    out = write_annotated_mp4(clip, track, make_analysis(make_track(45)).strides.iloc[:0],
                              FrameContext(facing=1), tmp_path / "b.mp4", max_side_px=320)
    with av.open(str(out)) as c:
        assert sum(1 for _ in c.decode(video=0)) == 20


def test_frame_at_returns_the_requested_frame(clip):
    track = make_track(45)
    img, scale = frame_at(str(clip), track, 30)
    assert scale == 1.0 and img.shape == (H, W, 3)
    assert abs(float(img.mean()) - (40 + 60)) < 4  # frame i was filled with grey 40 + 2i
