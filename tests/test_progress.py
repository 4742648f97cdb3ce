"""Progress never restarts: a second pass of the model, a second reading turned upright and
the next clip of the app's request all count on from the frames already done."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np

from posture.pose.model import StagedProgress
from tests.support.side_stick import Stick, stick_track


def _assert_monotonic(calls: list[tuple[int, int]]) -> None:
    done = [d for d, _ in calls]
    assert calls, "no progress was reported"
    assert (np.diff(done) >= 0).all(), done
    assert all(0 <= d <= t for d, t in calls), calls
    assert calls[-1][0] == calls[-1][1]  # ends full


def test_staged_progress_counts_on_across_passes() -> None:
    calls: list[tuple[int, int]] = []
    p = StagedProgress(lambda d, t: calls.append((d, t)))
    for n in (10, 50, 100):
        p(n, 100)
    p.next_pass()
    for n in (0, 40, 100, 120):  # a pass longer than its estimate stops at the estimate
        p(n, 100)
    p.finish(100)
    _assert_monotonic(calls)
    assert calls[3] == (100, 200) and calls[-1] == (200, 200)
    StagedProgress(None)(5, 10)  # reports nothing, fails nothing


def test_a_second_pass_following_the_runner_does_not_restart_the_bar(tmp_path, monkeypatch
                                                                      ) -> None:
    from posture.pose import extract
    from tests.support.videogen import regular_times, write_clip

    clip = write_clip(tmp_path / "c.mp4", regular_times(2.5, 30))
    track = stick_track(Stick())

    def fake_segment(path, info, settings, start_s, end_s, on_frame, follow):
        for n in range(1, 76):
            on_frame(n)
        return SimpleNamespace(t_s=np.zeros(75), selection=None)

    monkeypatch.setattr(extract, "run_segment", fake_segment)
    monkeypatch.setattr(extract, "_others_suspected", lambda seg: True)
    monkeypatch.setattr(extract, "_select_runner",
                        lambda *a: (object(), {"n_people": 2}))
    monkeypatch.setattr(extract, "_to_track", lambda seg, info, settings: track)
    calls: list[tuple[int, int]] = []
    extract.extract_pose(clip, workers=1, progress=lambda d, t: calls.append((d, t)))
    _assert_monotonic(calls)
    assert calls[-1] == (150, 150)  # two passes of 75 frames, counted on


def test_a_turned_reading_counts_on_from_the_first(monkeypatch) -> None:
    from posture import pipeline

    upright = stick_track(Stick())
    w, h = upright.frame_size_px
    xy = upright.image_xy_px.copy()
    xy[..., 0], xy[..., 1] = w - xy[..., 0], h - xy[..., 1]
    upside_down = replace(upright, image_xy_px=xy)

    def fake_read(path, *, turn_ccw_deg, progress, **_):
        n = upright.n_frames
        for k in range(0, n + 1, 7):
            progress(k, n)
        progress(n, n)
        return upright if turn_ccw_deg else upside_down

    monkeypatch.setattr(pipeline.pose_extract, "extract_pose_cached", fake_read)
    calls: list[tuple[int, int]] = []
    pipeline.extract_track("run.mp4", progress=lambda d, t: calls.append((d, t)))
    _assert_monotonic(calls)
    assert calls[-1][0] == 2 * upright.n_frames  # both readings counted


def test_the_app_bar_counts_on_across_clips(monkeypatch) -> None:
    import app.ui_core as ui

    frames = {"a.mp4": 90, "b.mp4": 60}

    def fake_clip_track(request, clip, *, progress):
        n = frames[clip.path]
        for k in range(0, n + 1, 10):
            progress(k, n)
        return clip.path

    monkeypatch.setattr(ui, "clip_track", fake_clip_track)
    monkeypatch.setattr(ui, "analyse_clips", lambda request, tracks: tracks)
    monkeypatch.setattr(ui, "build_session", lambda clips, **kw: clips)
    calls: list[tuple[str, int, int]] = []
    request = ui.AppRequest(clips=(ui.ClipRequest("a.mp4", "a", "fresh"),
                                   ui.ClipRequest("b.mp4", "b", "fatigued")))
    ui.run_request(request, progress=lambda s, d, t: calls.append((s, d, t)))
    done = np.array([d for _, d, _ in calls])
    assert (np.diff(done) >= 0).all()
    assert calls[-1][1:] == (150, 150)
    assert calls[0][0].startswith("Clip 1 of 2") and calls[-1][0].startswith("Clip 2 of 2")
