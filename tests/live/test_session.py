"""The live session tells the overlay when frames are being dropped, for how long, and
when too few are processed to measure."""

from __future__ import annotations

import numpy as np
import pytest

from posture.live.session import DROP_NOTE_S, LiveSession

FPS = 30.0


def test_dropping_is_said_from_the_sources_count_and_from_gaps_in_time():
    blank = np.zeros((360, 640, 3), np.uint8)  # nobody in view: the model finds no runner
    counted = LiveSession(record=False, background=False)
    timed = LiveSession(record=False, background=False)
    try:
        t_drop = 10 / FPS
        for i in range(100):
            t = i / FPS
            # the source skipped 3 frames just before frame 10 ...
            a = counted.process(blank, t, n_dropped=3 if i >= 10 else 0)
            assert a.dropping == (t_drop <= t < t_drop + DROP_NOTE_S), t
        # ... or, with no count, the times jump by 4 frame intervals at frame 10
        times = [i / FPS for i in range(10)] + [(i + 3) / FPS for i in range(10, 100)]
        for t in times:
            b = timed.process(blank, t)
            t_drop = 13 / FPS
            assert b.dropping == (t_drop <= t < t_drop + DROP_NOTE_S), t
        assert counted.n_dropped == 3 and timed.n_dropped == 3
        assert counted.n_processed == timed.n_processed == 100
    finally:
        counted.stop()
        timed.stop()


def test_too_few_frames_is_judged_from_the_frames_own_times():
    """The processed rate is frames per second of the runner's time (a clip played as fast
    as the machine goes is judged by its own rate), and the time spent below the rate strides
    need is counted."""
    blank = np.zeros((360, 640, 3), np.uint8)
    slow = LiveSession(record=False, background=False)
    fast = LiveSession(record=False, background=False)
    try:
        slow_updates = [slow.process(blank, i / 10.0) for i in range(40)]  # 10 fps, 4 s
        fast_updates = [fast.process(blank, i / FPS) for i in range(90)]  # 30 fps, 3 s
    finally:
        slow.stop()
        fast.stop()
    assert not slow_updates[0].too_few_frames  # one frame: no rate yet
    assert all(u.too_few_frames for u in slow_updates[1:])
    assert slow_updates[-1].processed_fps == pytest.approx(10.0)
    assert slow.paused_s == pytest.approx(3.9)
    assert not any(u.too_few_frames for u in fast_updates)
    assert fast_updates[-1].processed_fps == pytest.approx(FPS)
    assert fast.paused_s == 0.0
