"""Where live frames come from: a camera, or a clip played at its real speed as if it were one.

Both deliver frames at the rate they happen. A reader thread keeps only the newest frame, so
when processing falls behind, older frames are dropped (and counted) rather than queued: the
picture the runner sees stays current. ``realtime=False`` on a clip hands over every frame
as fast as it is taken (tests, and analysing a recording without waiting).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

from posture.errors import PostureError, UnreadableVideoError
from posture.io.video import Frame, iter_frames
from posture.pose.model import WORKING_MAX_SIDE_PX


class LatestFrame:
    """A one-frame mailbox between a reader thread and the processing loop.

    ``put`` replaces an unread frame (counting it as dropped); ``get`` waits for a new one.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._done = False
        self._error: BaseException | None = None
        self.n_read = 0
        self.n_dropped = 0

    def put(self, frame: Frame) -> None:
        with self._cond:
            if self._frame is not None:
                self.n_dropped += 1
            self._frame = frame
            self.n_read += 1
            self._cond.notify()

    def finish(self, error: BaseException | None = None) -> None:
        with self._cond:
            self._done, self._error = True, error
            self._cond.notify()

    def get(self) -> Frame | None:
        """The newest unread frame; None once the source has ended (raises its error)."""
        with self._cond:
            while self._frame is None and not self._done:
                self._cond.wait(0.5)
            frame, self._frame = self._frame, None
            if frame is None and self._error is not None:
                raise self._error
            return frame


class FrameSource:
    """Frames with real times (``Frame.t_s`` from the start), shrunk to the working size.

    Iterate over it; ``n_dropped`` counts frames skipped because processing was busy, and
    ``stamp_s(frame)`` is the wall-clock time (``time.perf_counter``) the frame arrived.
    """

    def __init__(self) -> None:
        self._box = LatestFrame()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._arrived: dict[int, float] = {}

    # subclasses yield frames at the pace they happen
    def _frames(self) -> Iterator[Frame]:
        raise NotImplementedError

    @property
    def n_dropped(self) -> int:
        return self._box.n_dropped

    @property
    def n_read(self) -> int:
        return self._box.n_read

    def arrived_s(self, frame: Frame) -> float:
        """When the frame was taken from the camera (``time.perf_counter`` seconds)."""
        return self._arrived.get(frame.index, time.perf_counter())

    def _run(self) -> None:
        try:
            for frame in self._frames():
                if self._stop.is_set():
                    break
                self._arrived[frame.index] = time.perf_counter()
                if len(self._arrived) > 256:
                    self._arrived.pop(next(iter(self._arrived)))
                self._box.put(frame)
        except BaseException as exc:  # handed to the processing loop, raised there
            self._box.finish(exc)
            return
        self._box.finish()

    def __iter__(self) -> Iterator[Frame]:
        self._thread = threading.Thread(target=self._run, name="posture-live-source",
                                        daemon=True)
        self._thread.start()
        try:
            while (frame := self._box.get()) is not None:
                yield frame
        finally:
            self.close()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)


class FileSource(FrameSource):
    """A clip played at its real speed (``realtime=True``) as if it were a camera, or every
    frame as fast as the loop takes them (``realtime=False``: nothing is dropped)."""

    def __init__(self, path: str | Path, *, realtime: bool = True,
                 max_side_px: int = WORKING_MAX_SIDE_PX) -> None:
        super().__init__()
        self.path = Path(path)
        self.realtime = realtime
        self.max_side_px = max_side_px

    def _frames(self) -> Iterator[Frame]:
        # decoded as the offline intake does for the pose model (FFmpeg's fast bilinear)
        frames = iter_frames(self.path, max_side_px=self.max_side_px, fast_scaling=True)
        t0 = time.perf_counter()
        for frame in frames:
            if self.realtime:
                wait = t0 + frame.t_s - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
            yield frame

    def __iter__(self) -> Iterator[Frame]:
        if self.realtime:
            yield from super().__iter__()
            return
        for frame in iter_frames(self.path, max_side_px=self.max_side_px, fast_scaling=True):
            self._arrived[frame.index] = time.perf_counter()
            self._box.n_read += 1
            yield frame


class CameraSource(FrameSource):
    """A camera by its index (0: the laptop's own), through OpenCV."""

    def __init__(self, index: int = 0, *, max_side_px: int = WORKING_MAX_SIDE_PX) -> None:
        super().__init__()
        self.index = index
        self.max_side_px = max_side_px

    def _frames(self) -> Iterator[Frame]:
        import cv2

        from posture.live.pose import shrink

        cap = cv2.VideoCapture(self.index)
        if not cap.isOpened():
            raise PostureError(f"Camera {self.index} cannot be opened; check that it is "
                               "connected and not used by another program.")
        try:
            t0, i = None, 0
            while not self._stop.is_set():
                ok, bgr = cap.read()
                if not ok:
                    if i == 0:
                        raise UnreadableVideoError(f"Camera {self.index} gives no picture.")
                    return
                now = time.perf_counter()
                t0 = now if t0 is None else t0
                h = bgr.shape[0]
                # shrink first, then swap the colour order of the small frame only
                small = cv2.cvtColor(shrink(bgr, self.max_side_px), cv2.COLOR_BGR2RGB)
                yield Frame(t_s=now - t0, index=i, image_rgb=small, scale=small.shape[0] / h)
                i += 1
        finally:
            cap.release()
