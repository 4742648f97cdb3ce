"""Recording of a live session to the user's own folder: the processed frames as an H.264
MP4 (real frame times, so frame ``i`` of the video is landmark frame ``i``), the landmarks as
a :class:`PoseTrack` file and the cue timeline as JSON. Nothing leaves the computer.

The folder is ``<user cache>/stride-posture/live/<date-time>`` unless ``POSTURE_LIVE_DIR``
names another root (private to the user, like the pose cache).
"""

from __future__ import annotations

import json
import queue
import threading
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np

from posture.io.cache import user_folder
from posture.io.mp4 import Mp4Writer
from posture.io.video import probe_unchecked
from posture.live.drift import Cue
from posture.live.signals import LandmarkFrame, landmark_track
from posture.track import PoseTrack

ENV_VAR = "POSTURE_LIVE_DIR"
NOMINAL_FPS = 30.0  # the stream's declared rate; each frame keeps its real time
VIDEO_NAME = "live.mp4"
TRACK_NAME = "landmarks.npz"
CUES_NAME = "cues.json"


def live_root() -> Path:
    """Where live sessions are recorded (created private to the user)."""
    return user_folder(ENV_VAR, "live", what="live recordings folder",
                       hint=f"set {ENV_VAR} to a folder you can write.")


def new_session_dir(root: Path | None = None) -> Path:
    root = root or live_root()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path, k = root / stamp, 1
    while path.exists():
        path, k = root / f"{stamp}-{k}", k + 1
    path.mkdir(mode=0o700)
    return path


class Recorder:
    """Writes each processed frame and its landmarks; :meth:`finish` closes the files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.video_path = folder / VIDEO_NAME
        # real frame times; fast enough to keep up beside the pose model on two cores
        self._video = Mp4Writer(self.video_path, NOMINAL_FPS, preset="ultrafast", threads=1)
        self.frames: list[LandmarkFrame] = []

    @property
    def frame_size_px(self) -> tuple[int, int] | None:
        return self._video.size_px

    def add(self, image_rgb: np.ndarray, landmarks: LandmarkFrame) -> None:
        if not self._video.takes(landmarks.t_s):
            return  # a frame with a repeated time cannot be stored in order
        self._video.write(image_rgb, landmarks.t_s)
        self.frames.append(landmarks)

    def finish(self, cues: list[Cue], settings: dict, frames: dict | None = None
               ) -> PoseTrack | None:
        """Close the video, write landmarks and cues (and ``frames``: what was processed,
        dropped and not recorded, :meth:`RecordingWorker.frame_counts`); the landmark track
        of the recording (None when nothing was recorded)."""
        if self._video.n_frames == 0:
            return None
        self._video.close()
        doc = {"settings": settings, "cues": [c.to_dict() for c in cues]}
        if frames is not None:
            doc["frames"] = frames
        (self.folder / CUES_NAME).write_text(json.dumps(doc, indent=1))
        assert self.frame_size_px is not None
        track = landmark_track(self.frames, self.frame_size_px, path=str(self.video_path),
                               min_found=1)
        if track is None:
            return None
        info = probe_unchecked(self.video_path)
        track = replace(track, info=replace(info, path=str(self.video_path)))
        track.save(self.folder / TRACK_NAME)
        return track


#: Frames the recording may hold back while the encoder catches up (1 s of camera at 30 fps,
#: about 20 MB at the working size); beyond it frames are left out of the recording.
RECORD_QUEUE_FRAMES = 30


class RecordingWorker:
    """A :class:`Recorder` on its own thread behind a bounded queue: :meth:`add` never waits.

    The H.264 encode (PyAV lets go of the GIL while it encodes) then runs beside the pose
    model instead of after it on each frame. When the queue is full (the machine cannot
    keep up), the frame and its landmarks are left out of the recording together, so frame
    ``i`` of the video stays landmark frame ``i``; the video's real frame times show the gap
    and ``not_recorded_t_s`` lists it (written to ``cues.json`` by :meth:`finish`).
    """

    def __init__(self, recorder: Recorder, max_queued: int = RECORD_QUEUE_FRAMES, *,
                 lossless: bool = False) -> None:
        self.recorder = recorder
        self.lossless = lossless
        """Wait for room instead of leaving frames out (reproducible runs: ``--fast``)."""
        self.folder = recorder.folder
        self._queue: queue.Queue[tuple[np.ndarray, LandmarkFrame] | None] = \
            queue.Queue(max_queued)
        self._error: BaseException | None = None
        self.n_accepted = 0
        self.not_recorded_t_s: list[float] = []
        self._thread = threading.Thread(target=self._run, name="posture-live-record",
                                        daemon=True)
        self._thread.start()

    def add(self, image_rgb: np.ndarray, landmarks: LandmarkFrame) -> bool:
        """Queue a frame (copied: the caller may reuse its array); False when it was left
        out because the queue is full. Raises the recorder's error (a full disk) here."""
        if self._error is not None:
            raise self._error
        try:
            self._queue.put((np.array(image_rgb, copy=True), landmarks), block=self.lossless)
        except queue.Full:
            self.not_recorded_t_s.append(round(landmarks.t_s, 3))
            return False
        self.n_accepted += 1
        return True

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self.recorder.add(*item)
                except BaseException as exc:  # raised on the caller's thread by add/finish
                    self._error = exc

    def frame_counts(self) -> dict:
        return {"recorded": self.n_accepted, "not_recorded": len(self.not_recorded_t_s),
                "not_recorded_t_s": list(self.not_recorded_t_s)}

    def finish(self, cues: list[Cue], settings: dict, frames: dict | None = None
               ) -> PoseTrack | None:
        """Write what is queued, then :meth:`Recorder.finish` (``frames`` joined by this
        worker's counts)."""
        self._queue.put(None)  # after every accepted frame
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self.recorder.finish(cues, settings, {**(frames or {}), **self.frame_counts()})


def load_recording(folder: str | Path) -> tuple[PoseTrack, list[Cue]]:
    """The landmark track and cues of a recorded live session."""
    folder = Path(folder)
    track = PoseTrack.load(folder / TRACK_NAME)
    doc = json.loads((folder / CUES_NAME).read_text())
    cues = [Cue(**c) for c in doc["cues"]]
    return track, cues
