"""The live recording on its own thread: never holds up the pose loop, writes every frame it
accepted (and only those, in order, frame i = landmark frame i), lists the ones it left out."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from posture.errors import StorageError
from posture.io.video import iter_frames, probe_unchecked
from posture.live.record import CUES_NAME, Recorder, RecordingWorker, load_recording
from posture.live.signals import LandmarkFrame

FPS = 30.0
#: A hang guard only (a blocking ``add`` would never return), not a speed limit.
HANG_S = 60.0


def frame(i: int) -> tuple[np.ndarray, LandmarkFrame]:
    """Frame ``i``: its index written into the picture's brightness, a runner found."""
    img = np.full((64, 96, 3), (i * 7) % 250, np.uint8)
    xy = np.full((33, 2), 10.0 + i)
    return img, LandmarkFrame(i / FPS, xy, np.ones(33), np.zeros((33, 3)))


class HeldRecorder(Recorder):
    """A real recorder whose first ``add`` waits until released (an encoder that fell
    behind)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.started = threading.Event()
        self.release = threading.Event()

    def add(self, image_rgb, landmarks) -> None:
        self.started.set()
        self.release.wait(HANG_S)
        super().add(image_rgb, landmarks)


def add_all(worker: RecordingWorker, frames: range) -> list[bool]:
    """``worker.add`` for each frame, on a helper thread that must come back."""
    out: list[bool] = []
    t = threading.Thread(target=lambda: out.extend(worker.add(*frame(i)) for i in frames))
    t.start()
    t.join(HANG_S)
    assert not t.is_alive(), "RecordingWorker.add waited for the encoder"
    return out


def test_full_queue_leaves_frames_out_without_waiting_and_says_which(tmp_path: Path):
    rec = HeldRecorder(tmp_path)
    worker = RecordingWorker(rec, max_queued=4)
    assert add_all(worker, range(1)) == [True]
    assert rec.started.wait(HANG_S)  # frame 0 is in the encoder, which is stuck
    accepted = add_all(worker, range(1, 11))
    assert accepted == [True] * 4 + [False] * 6  # 4 wait in the queue, 6 are left out
    assert worker.not_recorded_t_s == [round(i / FPS, 3) for i in range(5, 11)]
    rec.release.set()
    # the rest waits for room (a test cannot pace frames at camera speed without timing)
    worker.lossless = True
    assert all(worker.add(*frame(i)) for i in range(11, 100))
    track = worker.finish([], {}, {"processed": 100, "dropped": 0})
    assert track is not None
    kept = [i for i in range(100) if round(i / FPS, 3) not in worker.not_recorded_t_s]
    # every accepted frame written, in order, its landmarks with it; the gap is in the times
    np.testing.assert_allclose(track.t_s, np.array(kept) / FPS, atol=1e-4)
    np.testing.assert_allclose(track.image_xy_px[:, 0, 0], 10.0 + np.array(kept))
    info = probe_unchecked(rec.video_path)
    assert info.n_frames == len(kept)
    grey = [float(f.image_rgb.mean()) for f in iter_frames(rec.video_path)]
    np.testing.assert_allclose(grey, [(i * 7) % 250 for i in kept], atol=4)
    doc = json.loads((tmp_path / CUES_NAME).read_text())
    assert doc["frames"] == {"processed": 100, "dropped": 0, "recorded": len(kept),
                             "not_recorded": 100 - len(kept),
                             "not_recorded_t_s": worker.not_recorded_t_s}
    assert load_recording(tmp_path)[0].t_s.size == len(kept)


def test_lossless_worker_waits_and_keeps_every_frame(tmp_path: Path):
    rec = HeldRecorder(tmp_path)
    worker = RecordingWorker(rec, max_queued=2, lossless=True)
    worker.add(*frame(0))
    assert rec.started.wait(HANG_S)
    releaser = threading.Timer(0.2, rec.release.set)  # the encoder catches up later
    releaser.start()
    assert all(worker.add(*frame(i)) for i in range(1, 12))
    track = worker.finish([], {})
    assert track is not None and track.t_s.size == 12
    assert worker.not_recorded_t_s == []


def test_the_encoders_error_reaches_the_caller(tmp_path: Path):
    class FullDisk(Recorder):
        def add(self, image_rgb, landmarks) -> None:
            raise StorageError("The live recording cannot be written; free some disk space.")

    worker = RecordingWorker(FullDisk(tmp_path))
    worker.add(*frame(0))
    with pytest.raises(StorageError, match="free some disk space"):
        worker.finish([], {})
