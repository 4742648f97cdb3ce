"""One live session: frames in, landmarks + numbers + cues out, recorded as it goes.

:class:`LiveSession` is pushed one frame at a time (by the CLI's loop over a
:class:`posture.live.source.FrameSource`, or by the app's camera callback) and answers each
with a :class:`LiveUpdate` to draw. The per-window stride analysis (150-200 ms of CPU every 2 s,
mostly Python) runs in a worker process when ``background`` is set
(:class:`posture.live.worker.WindowWorker`, waited for by a thread), so the overlay never
waits for it and it never holds this process's GIL; ``background`` off runs it in
line (the CLI's ``--fast`` mode, reproducible for tests). The recording's video encode runs
on its own thread (:class:`posture.live.record.RecordingWorker`), so the pose model is the
only heavy step of a frame.
"""

from __future__ import annotations

import math
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from posture.gait.events import MIN_STRIDE_FPS, frames_per_s_over
from posture.live.cues import cue_text
from posture.live.drift import LIVE_METRICS, Cue, DriftMonitor, DriftSettings, State
from posture.live.pose import LivePose, shrink
from posture.live.record import Recorder, RecordingWorker, new_session_dir
from posture.live.signals import LandmarkFrame, StrideStream
from posture.live.worker import WindowWorker
from posture.track import PoseTrack

#: The overlay says "dropping frames" while a frame was dropped within this many seconds.
DROP_NOTE_S = 2.0
#: Seconds between two window analyses: one costs 0.25-1 s of CPU on this 2-core machine
#: (more under load), so every 2 s leaves the pose model most of the time; strides are
#: still taken from three windows each (8 s window less 1 s edges).
WINDOW_EVERY_S = 2.0
#: A gap between processed frames longer than this many camera frame intervals means frames
#: were dropped (when the caller cannot count them).
DROP_GAP_FRAMES = 1.8


@dataclass(frozen=True)
class LiveUpdate:
    """What to draw for one processed frame."""

    t_s: float
    landmarks: LandmarkFrame
    state: State
    baseline_left_s: float
    values: dict[str, float]
    """Recent value of each live metric (median of the strides of the last ``recent_s``)."""
    baseline: dict[str, float]
    cue: Cue | None
    """A cue given at this frame, else None."""
    last_cue: Cue | None
    dropping: bool
    """Frames were dropped in the last ``DROP_NOTE_S`` (the machine falls behind)."""
    processed_fps: float
    """Frames processed per second of the last ``DROP_NOTE_S`` (NaN before two frames)."""
    too_few_frames: bool
    """``processed_fps`` is below :data:`posture.gait.events.MIN_STRIDE_FPS`: no new
    stride is measured, ``values`` are the last ones measured (or NaN)."""
    view: str | None
    note: str | None
    """Why no strides are measured just now (one sentence), else None."""


@dataclass
class Recording:
    """A finished live session on disk."""

    folder: Path
    track: PoseTrack | None
    cues: list[Cue]


@dataclass
class LiveSession:
    settings: DriftSettings = field(default_factory=DriftSettings)
    record_to: Path | None = None
    """Folder to record into; None: a new folder under :func:`posture.live.record.live_root`;
    use ``record=False`` for none."""
    record: bool = True
    runner_height_m: float | None = None
    background: bool = True
    trunk_outline: bool = False
    """Run the segmentation mask too (the recording's report then has the low-back arch
    index); slower, same landmarks."""

    def __post_init__(self) -> None:
        self.monitor = DriftMonitor(self.settings, cue_text=cue_text)
        self._pose = LivePose(trunk_outline=self.trunk_outline)
        self._stream: StrideStream | None = None
        self._recorder: RecordingWorker | None = None
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="posture-live-strides") \
            if self.background else None
        # started now: it imports the pipeline while the baseline's first strides come
        self._worker = WindowWorker() if self.background else None
        self._job: Future | None = None
        self._recent_t: deque[float] = deque()
        self._t_prev_s: float | None = None
        self._interval_s: float = math.inf
        self._t_drop_s: float = -math.inf
        self.n_processed = 0
        self.n_dropped = 0
        self.paused_s = 0.0
        """Seconds of running during which too few frames were processed to measure."""

    # ------------------------------------------------------------------ per frame
    def process(self, image_rgb: np.ndarray, t_s: float, *, n_dropped: int | None = None
                ) -> LiveUpdate:
        """Pose on one camera frame (shrunk to the working size first) and the state after it.

        ``t_s``: real seconds from the start (increasing); ``n_dropped``: frames the source
        skipped so far, when it counts them (else gaps in ``t_s`` tell).
        """
        image = shrink(image_rgb)
        since_prev_s = t_s - self._t_prev_s if self._t_prev_s is not None else 0.0
        lm = self._pose.process(image, t_s)
        if self._stream is None:
            h, w = image.shape[:2]
            self._stream = StrideStream((w, h), every_s=WINDOW_EVERY_S,
                                        runner_height_m=self.runner_height_m)
            if self.record:
                self._recorder = RecordingWorker(
                    Recorder(self.record_to or new_session_dir()), lossless=not self.background)
        if self._recorder is not None:
            self._recorder.add(image, lm)
        self._note_drops(t_s, n_dropped)
        self._stream.push(lm)
        self._collect_strides()
        cues = self.monitor.update(t_s)
        fps = self._fps()
        too_few = bool(fps < MIN_STRIDE_FPS)  # NaN (first frame): not judged yet
        if too_few:
            self.paused_s += since_prev_s
        return LiveUpdate(
            t_s=t_s, landmarks=lm, state=self.monitor.state,
            baseline_left_s=self.monitor.baseline_left_s(t_s),
            values=self.monitor.recent(t_s), baseline=dict(self.monitor.baseline),
            cue=cues[0] if cues else None,
            last_cue=self.monitor.cues[-1] if self.monitor.cues else None,
            dropping=t_s - self._t_drop_s < DROP_NOTE_S, processed_fps=fps,
            too_few_frames=too_few,
            view=self._stream.view, note=self._stream.error)

    def _note_drops(self, t_s: float, n_dropped: int | None) -> None:
        self.n_processed += 1
        self._recent_t.append(t_s)
        while self._recent_t and self._recent_t[0] < t_s - DROP_NOTE_S:
            self._recent_t.popleft()
        if n_dropped is not None:
            if n_dropped > self.n_dropped:
                self._t_drop_s = t_s
            self.n_dropped = n_dropped
        elif self._t_prev_s is not None:
            gap = t_s - self._t_prev_s
            if gap > 0:
                self._interval_s = min(self._interval_s * 1.01, gap)  # the camera's own rate
                if gap > DROP_GAP_FRAMES * self._interval_s:
                    self._t_drop_s = t_s
                    self.n_dropped += max(1, round(gap / self._interval_s) - 1)
        self._t_prev_s = t_s

    def _fps(self) -> float:
        """Frames per second of the runner's time (the frames' own times: a clip played
        faster than real time is still judged by its own rate)."""
        t = np.asarray(self._recent_t)
        return frames_per_s_over(t, t[0], t[-1]) if t.size > 1 else math.nan

    def _collect_strides(self) -> None:
        assert self._stream is not None
        fix = self.monitor.state == "watching"
        if self._pool is None:
            if self._stream.due():
                for s in self._stream.analyse(self._stream.snapshot(), fix_roll=fix):
                    self.monitor.add(s)
            return
        if self._job is not None and self._job.done():
            for s in self._job.result():
                self.monitor.add(s)
            self._job = None
        if self._job is None and self._stream.due():
            self._job = self._pool.submit(self._stream.analyse, self._stream.snapshot(),
                                          fix_roll=fix, run=self._worker.analyse)

    # ------------------------------------------------------------------ end
    def stop(self) -> Recording | None:
        """End the session: finish the last window, close the recording (None if not
        recording)."""
        if self._pool is not None:
            if self._job is not None:
                for s in self._job.result():
                    self.monitor.add(s)
            self._pool.shutdown(wait=True)
        if self._worker is not None:
            self._worker.close()
        self._pose.close()
        if self._recorder is None:
            return None
        track = self._recorder.finish(self.monitor.cues, asdict(self.settings),
                                      {"processed": self.n_processed,
                                       "dropped": self.n_dropped})
        return Recording(self._recorder.folder, track, list(self.monitor.cues))

    @property
    def cues(self) -> list[Cue]:
        return list(self.monitor.cues)


def metric_values(update: LiveUpdate) -> dict[str, float]:
    """The three live numbers in :data:`LIVE_METRICS` order (NaN when not measured yet)."""
    return {m: update.values.get(m, math.nan) for m in LIVE_METRICS}
