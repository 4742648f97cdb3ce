"""Gait events (Zeni et al. 2008), strides, cadence, rejection of implausible strides."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from posture.gait.events import (
    MIN_STRIDE_FPS,
    frames_per_s_over,
    nearest_frame,
    stride_period_s,
    too_few_frames_reason,
)
from posture.gait.side import detect_events
from posture.landmarks import LM
from posture.signal.clean import fill_short_gaps
from tests.support.side_stick import Stick, stick_track, true_extrema_s


def _match(found: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Error (s) of each true event to the nearest found one (only truths inside the clip)."""
    return np.array([np.min(np.abs(found - t)) for t in truth])


@pytest.mark.parametrize("facing", [1, -1])
@pytest.mark.parametrize("speed", [0.0, 150.0])
def test_events_match_extrema_to_a_fraction_of_a_frame(facing: int, speed: float) -> None:
    s = Stick(facing=facing, speed_px_s=speed, fps=60.0)
    ev = detect_events(stick_track(s), facing=facing, refine=False)
    for leg in ("left", "right"):
        ic_true = true_extrema_s(s, leg, kind="ic")
        to_true = true_extrema_s(s, leg, kind="to")
        ic_true = ic_true[(ic_true > 0.05) & (ic_true < s.duration_s - 0.05)]
        to_true = to_true[(to_true > 0.05) & (to_true < s.duration_s - 0.05)]
        assert ev.legs[leg].ic_t_s.size == ic_true.size
        assert np.max(_match(ev.legs[leg].ic_t_s, ic_true)) < 0.002  # 2 ms, 1/8 frame
        to_found = ev.legs[leg].to_t_s[np.isfinite(ev.legs[leg].to_t_s)]
        to_true = to_true[to_true > ev.legs[leg].ic_t_s[0]]  # a TO needs its opening IC
        assert to_found.size == to_true.size
        assert np.max(_match(to_found, to_true)) < 0.003
    assert ev.cadence_spm == pytest.approx(s.cadence_spm, rel=1e-3)
    assert ev.stride_period_s == pytest.approx(s.stride_s, rel=0.01)
    assert ev.strides["valid"].all()


def test_steps_alternate_and_strides_span_one_cycle() -> None:
    s = Stick()
    ev = detect_events(stick_track(s), facing=1, refine=False)
    st = ev.valid_strides
    assert set(st["leg"]) == {"left", "right"}
    np.testing.assert_allclose(st["duration_s"], s.stride_s, atol=0.002)
    np.testing.assert_allclose(st["cadence_spm"], s.cadence_spm, rtol=2e-3)
    assert (st["t_start_s"].diff().dropna() > 0).all()
    assert ev.n_steps >= 2 * len(st[st["leg"] == "left"]) - 1
    # frames are the nearest track rows
    tr = stick_track(s)
    np.testing.assert_array_equal(st["frame_start"], nearest_frame(tr.t_s, st["t_start_s"]))


def test_contact_time_only_from_100_fps() -> None:
    ev60 = detect_events(stick_track(Stick(fps=60.0)), facing=1)
    assert ev60.strides["contact_time_ms"].isna().all()
    assert any(f.code == "low_fps_contact" and "100" in f.message for f in ev60.flags)
    s = Stick(fps=120.0)
    ev120 = detect_events(stick_track(s), facing=1, refine=False)
    ct = ev120.valid_strides["contact_time_ms"]
    assert ct.notna().all()
    # stick: toe-off extremum minus IC extremum of the same cycle
    ic, to = true_extrema_s(s, "left", kind="ic"), true_extrema_s(s, "left", kind="to")
    expected_ms = 1000 * np.median([to[to > t][0] - t for t in ic if (to > t).any()])
    assert np.median(ct) == pytest.approx(expected_ms, abs=3.0)
    assert not any(f.code == "low_fps_contact" for f in ev120.flags)


def test_dropping_every_other_frame_keeps_cadence() -> None:
    tr = stick_track(Stick(fps=60.0))
    full = detect_events(tr, facing=1).cadence_spm
    half = detect_events(tr.take(slice(None, None, 2)), facing=1).cadence_spm
    assert abs(half / full - 1) < 0.005


def test_short_gaps_bridged_long_gaps_break_strides() -> None:
    s = Stick()
    tr = stick_track(s)
    xy = tr.image_xy_px.copy()
    short = (tr.t_s > 1.00) & (tr.t_s < 1.06)  # 3 frames
    long_ = (tr.t_s > 3.0) & (tr.t_s < 3.8)
    xy[short] = np.nan
    xy[long_] = np.nan
    ev = detect_events(replace(tr, image_xy_px=xy), facing=1, refine=False)
    ic = ev.legs["left"].ic_t_s
    truth = true_extrema_s(s, "left", kind="ic")
    # no event invented inside the long gap, all others still found precisely
    assert not np.any((ic > 3.0) & (ic < 3.8))
    kept = truth[((truth < 2.9) | (truth > 3.9)) & (truth > 0.05) & (truth < s.duration_s - .05)]
    assert np.max(_match(ic, kept)) < 0.004
    # strides across the long gap are too long and rejected with a reason
    bad = ev.strides[~ev.strides["valid"]]
    assert len(bad) >= 1
    assert bad["reject_reason"].str.contains("duration|missing").all()


def test_implausible_stride_durations_rejected() -> None:
    ev = detect_events(stick_track(Stick(cadence_spm=96.0, duration_s=10.0)), facing=1)
    assert len(ev.strides) > 0
    assert not ev.strides["valid"].any()
    assert ev.strides["reject_reason"].str.startswith("duration 1.25 s").all()


def test_landmark_jump_rejected() -> None:
    tr = stick_track(Stick())
    xy = tr.image_xy_px.copy()
    row = int(np.searchsorted(tr.t_s, 2.5))
    xy[row, LM.LEFT_ANKLE, 0] += 300.0  # one-frame glitch, larger than a leg
    ev = detect_events(replace(tr, image_xy_px=xy), facing=1)
    bad = ev.strides[~ev.strides["valid"]]
    assert (bad["reject_reason"] == "landmark jump (tracking error or leg swap)").sum() >= 1
    assert (bad["t_start_s"] < 2.5).all() and (bad["t_end_s"] > 2.5).all()


def test_wrong_facing_rejected() -> None:
    with pytest.raises(ValueError):
        detect_events(stick_track(Stick()), facing=0)


def test_helpers() -> None:
    t = np.arange(10) / 10.0
    y = np.arange(10, dtype=float)
    y[[2, 3]] = np.nan
    y[[6, 7, 8]] = np.nan
    # the gap length is missing frames x frame interval: 0.2 s filled, 0.3 s not
    out = fill_short_gaps(y, t, 0.25, method="linear")
    np.testing.assert_allclose(out[[2, 3]], [2.0, 3.0])
    assert np.isnan(out[[6, 7, 8]]).all()
    np.testing.assert_array_equal(nearest_frame(t, np.array([0.04, 0.06, np.nan])), [0, 1, -1])
    tt = np.arange(0, 10, 1 / 50)
    assert stride_period_s(tt, np.sin(2 * np.pi * tt / 0.72)) == pytest.approx(0.72, rel=0.01)


def test_strides_with_too_few_frames_are_rejected_as_such() -> None:
    """A stretch filmed (or processed live) at 10 frames per second in a 30 fps clip: its
    strides are left out for that reason, before any other; the rest stay valid."""
    s = Stick(fps=30.0, duration_s=12.0)
    track = stick_track(s)
    t = track.t_s
    keep = np.flatnonzero((t < 6.0) | (np.arange(t.size) % 3 == 0))
    sparse = track.take(keep)
    strides = detect_events(sparse, facing=1).strides
    late = strides[strides["t_start_s"] > 6.1]
    early = strides[strides["t_end_s"] < 6.0]
    assert len(late) >= 4 and len(early) >= 4
    assert not late["valid"].any()
    assert set(late["reject_reason"]) == {"only 10 frames per second over the stride "
                                          "(needs 15)"}
    assert early["valid"].all()
    # the same clip whole: nothing rejected
    assert detect_events(track, facing=1).strides["valid"].all()


def test_frames_per_s_over_a_span() -> None:
    t = np.arange(0.0, 2.0, 0.1)  # 10 fps
    assert frames_per_s_over(t, 0.3, 1.0) == pytest.approx(10.0)
    assert frames_per_s_over(t, 0.35, 0.95) == pytest.approx(5 / 0.6)  # 0.4 ... 0.9 inside
    assert too_few_frames_reason(14.99) == "only 14 frames per second over the stride " \
        "(needs 15)"
    assert too_few_frames_reason(MIN_STRIDE_FPS) == ""
