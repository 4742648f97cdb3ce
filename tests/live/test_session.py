"""The live session tells the overlay when frames are being dropped, and for how long."""

from __future__ import annotations

import numpy as np

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
