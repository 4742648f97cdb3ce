"""The window analysis in a worker process, so it never holds the live loop's GIL.

One window's offline analysis (:func:`posture.live.signals.analyse_window`) is 150-200 ms
of mostly-Python CPU every 2 s. On a thread of the live process it holds the GIL, and each
time the pose loop lets go of the GIL for a MediaPipe or OpenCV call it can wait up to a
switch interval (5 ms) to get it back. In its own process it only shares the CPU.

The process is a plain ``python -c`` child (:func:`posture.pose.worker.python_child`, as
the pose model's second-segment worker): windows go in and results come back as
pickles over its stdin and a private copy of its stdout (anything the analysis prints goes to
stderr). Started with its own command line rather than ``multiprocessing``, so it works
from any caller, including scripts without a ``__main__`` guard (``multiprocessing``'s
"spawn" re-runs the caller's main script).
"""

from __future__ import annotations

import contextlib
import pickle
import sys
import threading
from typing import BinaryIO

from posture.live.signals import WindowResult, analyse_window
from posture.options import AnalysisOptions
from posture.pose.worker import child_answers, close_child, python_child
from posture.track import PoseTrack


class WindowWorker:
    """A worker process analysing one window at a time (:meth:`analyse`, any thread)."""

    def __init__(self) -> None:
        self._proc = python_child("from posture.live.worker import main; main()")
        self._lock = threading.Lock()
        self.alive = True
        """False once the process was found gone (windows are then analysed in-thread)."""

    def analyse(self, track: PoseTrack, options: AnalysisOptions) -> WindowResult:
        """The window's result from the worker (blocks this thread, not the GIL). Should the
        process be gone (killed, out of memory), the window is analysed in this thread, as
        are the rest: slower for the pose loop, the same strides."""
        assert self._proc.stdin is not None and self._proc.stdout is not None
        with self._lock:
            if not self.alive:
                return analyse_window(track, options)
            try:
                pickle.dump((track, options), self._proc.stdin, pickle.HIGHEST_PROTOCOL)
                self._proc.stdin.flush()
                result = pickle.load(self._proc.stdout)
            except (EOFError, OSError, pickle.UnpicklingError):
                self.alive = False
                return analyse_window(track, options)
        if isinstance(result, BaseException):
            raise result
        return result

    def close(self) -> None:
        if self._proc.stdin is not None:
            with contextlib.suppress(OSError):  # the process is gone already
                self._proc.stdin.close()
        close_child(self._proc)


def serve(inbox: BinaryIO, outbox: BinaryIO) -> None:
    """Answer windows until the input ends (the worker process's loop)."""
    while True:
        try:
            track, options = pickle.load(inbox)
        except EOFError:
            return
        try:
            result: object = analyse_window(track, options)
        except Exception as exc:  # a bug in the analysis: raised again in the live process
            result = RuntimeError(f"window analysis failed: {exc!r}")
        pickle.dump(result, outbox, pickle.HIGHEST_PROTOCOL)
        outbox.flush()


def main() -> None:
    serve(sys.stdin.buffer, child_answers())


if __name__ == "__main__":
    main()
