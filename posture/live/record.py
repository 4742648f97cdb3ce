"""Recording of a live session to the user's own folder: the processed frames as an H.264
MP4 (real frame times, so frame ``i`` of the video is landmark frame ``i``), the landmarks as
a :class:`PoseTrack` file and the cue timeline as JSON. Nothing leaves the computer.

The folder is ``<user cache>/stride-posture/live/<date-time>`` unless ``POSTURE_LIVE_DIR``
names another root (private to the user, like the pose cache).
"""

from __future__ import annotations

import json
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

    def finish(self, cues: list[Cue], settings: dict) -> PoseTrack | None:
        """Close the video, write landmarks and cues; the landmark track of the recording
        (None when nothing was recorded)."""
        if self._video.n_frames == 0:
            return None
        self._video.close()
        (self.folder / CUES_NAME).write_text(json.dumps(
            {"settings": settings, "cues": [c.to_dict() for c in cues]}, indent=1))
        assert self.frame_size_px is not None
        track = landmark_track(self.frames, self.frame_size_px, path=str(self.video_path),
                               min_found=1)
        if track is None:
            return None
        info = probe_unchecked(self.video_path)
        track = replace(track, info=replace(info, path=str(self.video_path)))
        track.save(self.folder / TRACK_NAME)
        return track


def load_recording(folder: str | Path) -> tuple[PoseTrack, list[Cue]]:
    """The landmark track and cues of a recorded live session."""
    folder = Path(folder)
    track = PoseTrack.load(folder / TRACK_NAME)
    doc = json.loads((folder / CUES_NAME).read_text())
    cues = [Cue(**c) for c in doc["cues"]]
    return track, cues
