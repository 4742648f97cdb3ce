"""Live stride values follow the offline definitions: the same strides, the same numbers."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from posture.live.drift import LIVE_METRICS
from posture.live.signals import (
    LandmarkFrame,
    StrideStream,
    analyse_window,
    evenly_timed,
    landmark_track,
)
from posture.options import AnalysisOptions
from posture.pipeline import analyze_track
from posture.synth.kinematics import RunnerParams
from tests.support.synthetic import synthetic


@pytest.fixture(scope="module")
def ramp():
    """A side-view runner whose lean ramps 5 -> 11 deg over 16 s, 30 fps, 1 px jitter."""
    return synthetic(duration_s=16.0, noise_px=1.0, camera={"fps": 30.0},
                     runner=RunnerParams(trunk_lean_deg=5.0, cadence_spm=170.0,
                                         fatigue={"trunk_lean_deg": 11.0}))


def frames_of(track) -> list[LandmarkFrame]:
    return [LandmarkFrame(float(track.t_s[i]), track.image_xy_px[i], track.visibility[i],
                          track.world_xyz_m[i]) for i in range(track.n_frames)]


def test_live_strides_match_the_offline_analysis_and_the_truth(ramp):
    track, _ = ramp
    stream = StrideStream(track.frame_size_px, window_s=8.0, every_s=1.0)
    live = []
    for f in frames_of(track):
        stream.push(f)
        live += stream.poll()
    assert stream.view == "side" and stream.error is None
    t_live = np.array([s.t_s for s in live])
    assert np.all(np.diff(t_live) > 0)  # each stride once, in time order
    assert len(live) >= 25  # ~2.8 strides/s over 15 s, less the first window's edge

    offline = analyze_track(landmark_track(frames_of(track), track.frame_size_px))
    off = offline.strides.set_index("t_start_s")
    matched = 0
    for s in live:
        near = np.abs(off.index.to_numpy() - s.t_s)
        if near.min() > 0.02:
            continue  # a stride the whole clip's filter placed differently
        row = off.iloc[int(near.argmin())]
        matched += 1
        # same definitions: windowed and whole-clip values agree within the filter's edge
        assert s.values["trunk_lean_deg"] == pytest.approx(row["trunk_lean_deg"], abs=0.5)
        assert s.values["cadence_spm"] == pytest.approx(row["cadence_spm"], rel=0.02)
        assert s.values["vertical_oscillation_pct_leg"] == pytest.approx(
            row["vertical_oscillation_pct_leg"], abs=0.8)
    assert matched >= 0.8 * len(live)

    # and they follow the truth: the true lean of the ramp at each stride's middle
    true_lean = np.interp(t_live + 0.35, [0.0, 16.0], [5.0, 11.0])
    lean = np.array([s.values["trunk_lean_deg"] for s in live])
    assert np.abs(lean - true_lean).max() < 1.5
    cad = np.array([s.values["cadence_spm"] for s in live])
    assert np.median(cad) == pytest.approx(170.0, rel=0.02)
    assert set(LIVE_METRICS) <= set(live[0].values)


def test_no_runner_gives_no_strides_and_says_why(ramp):
    track, _ = ramp
    stream = StrideStream(track.frame_size_px)
    for t in np.arange(0.0, 5.0, 1 / 30):
        stream.push(LandmarkFrame.missing(float(t)))
        assert stream.poll() == []
    assert stream.error == "No runner in view."


def test_a_stride_first_seen_behind_the_other_legs_is_dropped() -> None:
    """A stride whose validity changed between windows shows up after a later stride of the
    other leg was given: the stream keeps time order (the drift monitor requires it; the
    live benchmark crashed on it)."""
    import pandas as pd

    stream = StrideStream((640, 360), edge_s=1.0)
    row = {m: 1.0 for m in (*LIVE_METRICS, "vertical_oscillation_cm")}

    def strides(*starts: tuple[str, float]) -> pd.DataFrame:
        return pd.DataFrame([{**row, "leg": leg, "t_start_s": t, "t_end_s": t + 0.7}
                             for leg, t in starts])

    first = stream._new_strides(strides(("right", 5.35)), 0.0, 8.0)
    later = stream._new_strides(strides(("left", 5.0), ("right", 5.35), ("left", 5.7)),
                                2.0, 10.0)
    assert [s.t_s for s in first] == [5.35]
    assert [s.t_s for s in later] == [5.7]


def test_frames_dropped_unevenly_still_give_the_strides(ramp):
    """Two frames in five dropped at random (18 processed fps, above the rate strides need),
    as the live loop drops them under load: the window is put on even times before the
    offline analysis. Without that 7 strides came in 16 s (with half the frames dropped, none
    at all); now 24, and the cadence is the runner's."""
    track, _ = ramp
    rng = np.random.default_rng(3)
    stream = StrideStream(track.frame_size_px, window_s=8.0, every_s=2.0)
    live = []
    for f in frames_of(track):
        if rng.random() < 0.6:
            stream.push(f)
            live += stream.poll()
    assert len(live) >= 15, stream.error
    cadence = np.array([s.values["cadence_spm"] for s in live])
    assert np.median(cadence) == pytest.approx(170.0, rel=0.02)


def test_evenly_timed_interpolates_between_processed_frames(ramp):
    track, _ = ramp
    assert evenly_timed(track) is track  # a camera's even frames are left alone
    keep = np.r_[0:10, 12, 15:20, 24:30]  # frames 10-11, 13-14 and 20-23 dropped
    sub = replace(track, t_s=track.t_s[keep], image_xy_px=track.image_xy_px[keep].copy(),
                  visibility=track.visibility[keep], world_xyz_m=track.world_xyz_m[keep],
                  trunk_edges_px=track.trunk_edges_px[keep], frame_index=np.arange(keep.size))
    sub.image_xy_px[5] = np.nan  # the runner lost on one processed frame
    even = evenly_timed(sub)
    assert even.n_frames == sub.n_frames
    np.testing.assert_allclose(np.diff(even.t_s), (sub.t_s[-1] - sub.t_s[0]) / (keep.size - 1))
    assert (even.t_s[0], even.t_s[-1]) == (sub.t_s[0], sub.t_s[-1])
    # linear between the two processed frames around each new time
    i, t = 14, even.t_s[14]
    j = np.searchsorted(sub.t_s, t)
    w = (t - sub.t_s[j - 1]) / (sub.t_s[j] - sub.t_s[j - 1])
    np.testing.assert_allclose(even.image_xy_px[i],
                               (1 - w) * sub.image_xy_px[j - 1] + w * sub.image_xy_px[j])
    # NaN only where the nearer processed frame had no runner
    lost = ~np.isfinite(even.image_xy_px[:, 0, 0])
    nearest = np.abs(even.t_s[:, None] - sub.t_s[None, :]).argmin(axis=1)
    np.testing.assert_array_equal(lost, nearest == 5)


def test_worker_process_gives_the_windows_the_same_strides(ramp):
    """The live session analyses windows in a worker process (off the pose loop's GIL): the
    same strides, values and view as analysing them in this thread, errors included."""
    from posture.live.worker import WindowWorker

    track, _ = ramp
    here = StrideStream(track.frame_size_px, window_s=8.0, every_s=2.0)
    there = StrideStream(track.frame_size_px, window_s=8.0, every_s=2.0)
    worker = WindowWorker()
    try:
        got_here, got_there = [], []
        for f in frames_of(track):
            here.push(f)
            there.push(f)
            if here.due():
                got_here += here.analyse(here.snapshot())
                got_there += there.analyse(there.snapshot(), run=worker.analyse)
        assert len(got_here) >= 15
        assert [s.t_s for s in got_there] == [s.t_s for s in got_here]
        for a, b in zip(got_here, got_there, strict=True):
            np.testing.assert_equal(a.values, b.values)
        assert there.view == here.view == "side" and there._rolls == here._rolls
        # a window the pipeline refuses: the same one-sentence reason
        short = frames_of(track)[:40]  # 1.3 s, too short for any stride
        assert here.analyse(short) == there.analyse(short, run=worker.analyse) == []
        assert there.error == here.error and there.error
        # a worker process that died: the window is analysed here, the same strides
        worker._proc.kill()
        worker._proc.wait()
        window = frames_of(track)[-240:]
        want = analyse_window(landmark_track(window, track.frame_size_px),
                              AnalysisOptions(use_cache=False))
        got = worker.analyse(landmark_track(window, track.frame_size_px),
                             AnalysisOptions(use_cache=False))
        assert not worker.alive
        assert got.strides is not None and got.strides.equals(want.strides)
    finally:
        worker.close()


def test_worker_process_imports_this_package_not_one_in_the_working_folder(
        ramp, tmp_path, monkeypatch):
    """Started from a folder holding another ``posture`` (a checkout beside a worktree), the
    worker still runs this copy: it answers, no fallback to this thread."""
    from posture.live.worker import WindowWorker

    (tmp_path / "posture").mkdir()
    (tmp_path / "posture" / "__init__.py").write_text("raise ImportError('the wrong copy')\n")
    monkeypatch.chdir(tmp_path)
    track, _ = ramp
    window = frames_of(track)[-240:]
    worker = WindowWorker()
    try:
        got = worker.analyse(landmark_track(window, track.frame_size_px),
                             AnalysisOptions(use_cache=False))
        assert worker.alive
        assert got.strides is not None and len(got.strides) > 0
    finally:
        worker.close()


def _strides_at(track, keep_every: dict[tuple[float, float], int]) -> tuple[list, StrideStream]:
    """The stream's strides with every k-th frame kept in each (t0, t1) span."""
    stream = StrideStream(track.frame_size_px, window_s=8.0, every_s=2.0)
    live = []
    for i, f in enumerate(frames_of(track)):
        k = next(k for (t0, t1), k in keep_every.items() if t0 <= f.t_s < t1)
        if i % k == 0:
            stream.push(f)
            live += stream.poll()
    return live, stream


def test_strides_from_too_few_frames_are_not_taken(ramp):
    """At 10 processed frames per second (every third of 30) a stride's cadence and bounce
    are wrong (docs/live.md): none is taken, and the stream says why."""
    track, _ = ramp
    slow, stream = _strides_at(track, {(0.0, 99.0): 3})
    assert slow == []
    assert stream.error == ("Too few frames to measure: 10 processed per second, strides need "
                            "at least 15. Close other programs (or switch off the low-back "
                            "arch index).")
    # the rate falls half way: only strides measured before it are taken
    mixed, _ = _strides_at(track, {(0.0, 8.0): 1, (8.0, 99.0): 3})
    assert mixed and max(s.t_s for s in mixed) < 8.0
    assert len(mixed) >= 10
