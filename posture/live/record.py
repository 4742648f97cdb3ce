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
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from posture.errors import StorageError
from posture.io.cache import user_folder
from posture.io.video import probe_unchecked
from posture.live.drift import Cue
from posture.live.signals import LandmarkFrame, landmark_track
from posture.track import PoseTrack

ENV_VAR = "POSTURE_LIVE_DIR"
TIME_BASE = Fraction(1, 90000)
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
        self._container = None
        self._stream = None
        self._last_pts = -1
        self.frames: list[LandmarkFrame] = []
        self.frame_size_px: tuple[int, int] | None = None

    def add(self, image_rgb: np.ndarray, landmarks: LandmarkFrame) -> None:
        h, w = image_rgb.shape[:2]
        if self._container is None:
            self._open(w - w % 2, h - h % 2)
        pts = round(landmarks.t_s / TIME_BASE)
        if pts <= self._last_pts:
            return  # a frame with a repeated time cannot be stored in order
        self._last_pts = pts
        img = np.ascontiguousarray(image_rgb[: h - h % 2, : w - w % 2])
        frame = av.VideoFrame.from_ndarray(img, format="rgb24")
        frame.pts, frame.time_base = pts, TIME_BASE
        try:
            for packet in self._stream.encode(frame):
                self._container.mux(packet)
        except (OSError, av.error.FFmpegError) as exc:
            raise StorageError(f"The live recording {self.video_path} cannot be written "
                               f"({exc}); free some disk space.") from exc
        self.frames.append(landmarks)

    def _open(self, w: int, h: int) -> None:
        self.frame_size_px = (w, h)
        self._container = av.open(str(self.video_path), "w", format="mp4",
                                  options={"movflags": "+faststart"})
        st = self._container.add_stream("libx264", rate=30)
        st.width, st.height, st.pix_fmt = w, h, "yuv420p"
        st.time_base = TIME_BASE
        st.codec_context.time_base = TIME_BASE
        # fast enough to keep up beside the pose model on two cores
        st.options = {"preset": "ultrafast", "crf": "23", "threads": "1"}
        self._stream = st

    def finish(self, cues: list[Cue], settings: dict) -> PoseTrack | None:
        """Close the video, write landmarks and cues; the landmark track of the recording
        (None when nothing was recorded)."""
        if self._container is None:
            return None
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()
        self._container = None
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
