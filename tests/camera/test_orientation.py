"""Upside-down and sideways bodies are turned upright or refused; rotation metadata that is
empty or mirrored is not applied as a rotation."""

from __future__ import annotations

import struct
from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest

from posture.camera.orientation import body_axis, turned_flag, upright_turn_deg
from posture.errors import OrientationError
from posture.io.video import display_rotation, iter_frames, probe
from posture.pipeline import analyze_track
from tests.support.paths import SHARED
from tests.support.side_stick import Stick, stick_track
from tests.support.videogen import regular_times, write_clip

ONE = 65536  # 1.0 in the display matrix's 16.16 fixed point
W = 1 << 30  # 1.0 in its 2.30 entries


def _turned(track, ccw_deg: int):
    """The track as a camera turned so that the picture must be turned ``ccw_deg``
    counter-clockwise to be upright (pixels rotated, no flag)."""
    w, h = track.frame_size_px
    xy = track.image_xy_px.copy()
    x, y = xy[..., 0].copy(), xy[..., 1].copy()
    if ccw_deg == 180:
        xy[..., 0], xy[..., 1], size = w - x, h - y, (w, h)
    elif ccw_deg == 90:  # stored turned clockwise: head points right
        xy[..., 0], xy[..., 1], size = h - y, x, (h, w)
    else:  # 270: head points left
        xy[..., 0], xy[..., 1], size = y, w - x, (h, w)
    return replace(track, image_xy_px=xy, frame_size_px=size)


def test_upright_runner_needs_no_turn() -> None:
    tr = stick_track(Stick(lean_deg=15.0))
    assert abs(body_axis(tr).angle_deg - 15.0) < 1.0
    assert upright_turn_deg(tr) == 0


@pytest.mark.parametrize("ccw", [90, 180, 270])
def test_turned_body_is_found_from_the_landmarks(ccw: int) -> None:
    tr = stick_track(Stick(lean_deg=8.0))
    assert upright_turn_deg(_turned(tr, ccw)) == ccw


def test_slanted_body_is_refused_not_guessed() -> None:
    tr = stick_track(Stick(lean_deg=0.0))
    w, h = tr.frame_size_px
    c = np.array([w / 2, h / 2])
    a = np.radians(60.0)  # between upright and lying: no clean quarter turn
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    slanted = replace(tr, image_xy_px=(tr.image_xy_px - c) @ rot.T + c)
    with pytest.raises(OrientationError, match="no clean quarter turn"):
        upright_turn_deg(slanted)


def test_analyze_track_refuses_an_upside_down_body_instead_of_a_175_deg_lean() -> None:
    with pytest.raises(OrientationError, match="upside down in the picture and could not "
                                               "be turned upright"):
        analyze_track(_turned(stick_track(Stick()), 180))


def test_one_check_and_one_text_whether_or_not_the_clip_was_turned(monkeypatch) -> None:
    """A clip whose turned reading is still upside down is refused by the same check, with
    the same sentence, as landmarks handed in upside down; the check runs on each reading
    once (the first reading to choose the turn, the analysis on the turned one)."""
    from posture import pipeline
    from posture.camera import orientation

    upside_down = _turned(stick_track(Stick()), 180)
    readings: list[int] = []

    def fake_read(path, *, turn_ccw_deg: int, **_):
        readings.append(turn_ccw_deg)
        return replace(upside_down, info=replace(upside_down.info, path=str(path),
                                                 turn_ccw_deg=turn_ccw_deg))

    checked: list[int] = []
    real = orientation.upright_turn_deg

    def counting(track, name="the clip"):
        checked.append(track.info.turn_ccw_deg)
        return real(track, name)

    monkeypatch.setattr(pipeline.pose_extract, "extract_pose_cached", fake_read)
    monkeypatch.setattr(pipeline, "upright_turn_deg", counting)
    monkeypatch.setattr(orientation, "upright_turn_deg", counting)
    with pytest.raises(OrientationError) as from_video:
        pipeline.analyze_video("run.mp4")
    with pytest.raises(OrientationError) as from_landmarks:
        analyze_track(replace(upside_down, info=replace(upside_down.info, path="run.mp4")))
    assert readings == [0, 180]
    assert checked[:2] == [0, 180]  # the video: one choice of turn, one check
    assert str(from_video.value) == str(from_landmarks.value)


def test_turn_and_metadata_notes_reach_the_analysis() -> None:
    tr = stick_track(Stick())
    info = replace(tr.info, turn_ccw_deg=180,
                   notes=("The video's rotation metadata is empty (an all-zero matrix) and "
                          "was ignored.",))
    flag = turned_flag(180, Path(tr.info.path).name)
    a = analyze_track(replace(tr, info=info, warnings=(*tr.warnings, flag)))
    assert a.notes["orientation"] == flag.message  # the flag's one sentence, not a second
    assert flag in a.quality
    assert "turned 180 deg counter-clockwise" in a.notes["orientation"]
    assert "all-zero" in a.notes["rotation_metadata"]
    assert "orientation" not in analyze_track(tr).notes


# ------------------------------------------------------------------ display matrix
def _matrix(a: int, b: int, c: int, d: int) -> np.ndarray:
    return np.array([a, b, 0, c, d, 0, 0, 0, W], dtype=np.int32)


def test_display_matrix_plain_rotations() -> None:
    assert display_rotation(None).rotation_ccw_deg == 0
    # as FFmpeg writes them (av_display_rotation_set): 90 and 270 deg
    assert display_rotation(_matrix(0, -ONE, ONE, 0)) == display_rotation(_matrix(0, -ONE, ONE, 0))
    assert display_rotation(_matrix(0, -ONE, ONE, 0)).rotation_ccw_deg == 90
    assert display_rotation(_matrix(0, ONE, -ONE, 0)).rotation_ccw_deg == 270
    assert display_rotation(_matrix(-ONE, 0, 0, -ONE)).rotation_ccw_deg == 180
    assert display_rotation(_matrix(ONE, 0, 0, ONE)).note == ""


def test_all_zero_and_degenerate_matrices_are_ignored_with_a_note() -> None:
    for m in (np.zeros(9, np.int32), _matrix(ONE, ONE, ONE, ONE)):
        r = display_rotation(m)
        assert r.rotation_ccw_deg == 0 and "ignored" in r.note


def test_mirror_matrix_is_not_applied_as_a_turn() -> None:
    r = display_rotation(_matrix(-ONE, 0, 0, ONE))  # a plain left-right mirror
    assert r.rotation_ccw_deg == 0 and "mirrored" in r.note


def _patched(src: Path, dst: Path, matrix: list[int]) -> Path:
    """Copy an MP4 with its track header's display matrix replaced (big-endian int32)."""
    data = bytearray(src.read_bytes())
    i = data.find(b"tkhd")
    data[i + 44:i + 80] = struct.pack(">9i", *matrix)  # version-0 tkhd: matrix at +44
    dst.write_bytes(bytes(data))
    return dst


@pytest.mark.parametrize("matrix,note", [([0] * 9, "empty"),
                                         ([-ONE, 0, 0, 0, ONE, 0, 0, 0, W], "mirrored")])
def test_files_with_empty_or_mirror_matrices_come_out_as_stored(tmp_path: Path, matrix,
                                                                note: str) -> None:
    src = write_clip(tmp_path / "plain.mp4", regular_times(2.2, 30), width=160, height=120)
    clip = _patched(src, tmp_path / "odd.mp4", matrix)
    with av.open(str(clip)) as c:  # the bug this guards against: FFmpeg's own reading
        rot = next(c.decode(video=0)).rotation
    assert rot != 0  # INT_MIN for the empty matrix, -180 for the mirror
    info = probe(clip)
    assert (info.width_px, info.height_px, info.rotation_deg) == (160, 120, 0)
    assert any(note in n for n in info.notes)
    plain = next(iter(iter_frames(src))).image_rgb
    odd = next(iter(iter_frames(clip))).image_rgb
    np.testing.assert_array_equal(odd, plain)


# ------------------------------------------------------------------ whole pipeline (slow)
@pytest.mark.slow
@pytest.mark.skipif(not SHARED.exists(), reason="shared real clips not available")
@pytest.mark.parametrize("how", ["pixels", "flag"])
def test_real_clip_upside_down_is_turned_upright(tmp_path: Path, how: str) -> None:
    """The gym treadmill clip re-encoded (to the temp folder only) with its pixels turned
    180 deg and no flag, or upright pixels under a wrong 180 deg flag: both come out as the
    upright clip's run, with a warning."""
    from posture.pipeline import AnalysisOptions, extract_track

    src = SHARED / "side_treadmill_gym_60fps_mhuang24.mp4"
    clip = tmp_path / f"turned_{how}.mp4"
    with av.open(str(clip), "w") as dst:
        s = dst.add_stream("libx264", rate=60)
        s.width, s.height, s.pix_fmt = 360, 640, "yuv420p"
        if how == "flag":
            s.set_display_rotation(180)
        for frame in iter_frames(src, max_side_px=640):
            img = frame.image_rgb
            if how == "pixels":
                img = np.ascontiguousarray(img[::-1, ::-1])
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                dst.mux(p)
        for p in s.encode():
            dst.mux(p)
    opts = AnalysisOptions(use_cache=False)
    tr = extract_track(clip, opts)
    assert tr.info.turn_ccw_deg == 180
    assert any("turned 180 deg" in w.message for w in tr.warnings)
    a = analyze_track(tr, opts)
    assert "turned 180 deg" in a.notes["orientation"]
    assert abs(a.summary["trunk_lean_deg"]) < 20
    assert a.summary["cadence_spm"] == pytest.approx(168, rel=0.05)
