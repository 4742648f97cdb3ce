"""The second half of a long clip in a child process (:func:`run_split`).

Why a plain subprocess: forking a process that has run MediaPipe is unsafe, and
:mod:`multiprocessing`'s "spawn" re-runs the caller's main script, which breaks scripts
without a ``__main__`` guard. The protocol is deliberately small: the parent writes one
pickled job tuple ``(path, info, settings, start_s, end_s, probe, follow)`` to the child's
stdin; the child writes pickled ``("progress", frames)`` messages and one final
``("done", Segment)`` or ``("error", exception)`` to its stdout (the child's own stdout is
redirected to stderr so library prints cannot corrupt the stream). Both ends are this
package at the same version, which is what makes pickle acceptable here.

If the child fails for a reason of its own (not a refusal of the clip), its half is run in
this process instead and the stats say so (``worker_failed``): slower, same result.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import BinaryIO

import numpy as np

from posture.errors import PostureError
from posture.io.video import (
    export_probe,
    import_probe,
)
from posture.pose.model import ExtractionSettings, ProgressFn
from posture.pose.segment import Follow, Segment, run_segment
from posture.track import VideoInfo

OVERLAP_S = 1.0


"""Warm-up of the second segment when a clip is split across two processes, seconds."""


MIN_SPLIT_FRAMES = 400


"""Clips with fewer frames than this run in one process: the worker's start (~1 s of CPU),
second model and 1 s overlap cost about what the split saves on a ~6 s clip (measured)."""


WORKER_START_FRAMES = 35


"""About how many frames this process analyses while the worker process starts."""


def python_child(code: str, *, stderr: int | None = None) -> subprocess.Popen:
    """``python -c code`` importing this very copy of the package and stdin/stdout as pipes
    for pickles; MediaPipe's logging quiet.

    The package's folder goes first on ``sys.path`` inside the child: ``-c`` puts the
    working folder first, which may hold another copy of ``posture`` (a checkout beside a
    worktree) that would shadow ``PYTHONPATH``.
    """
    pkg_root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "GLOG_minloglevel": "2", "TF_CPP_MIN_LOG_LEVEL": "2",
           "PYTHONPATH": os.pathsep.join(filter(None, [pkg_root,
                                                       os.environ.get("PYTHONPATH")]))}
    first = f"import sys; sys.path.insert(0, {pkg_root!r}); "
    return subprocess.Popen([sys.executable, "-c", first + code], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=stderr, env=env)


def child_answers() -> BinaryIO:
    """In a :func:`python_child`: a private copy of stdout for the pickled answers, with
    stdout itself sent to stderr, so anything a library prints cannot corrupt the stream."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    return out


def close_child(proc: subprocess.Popen) -> None:
    """Wait for a child to end (its input closed), killing it after 10 s; close its pipe."""
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


class Worker:
    """The second segment in a child Python process, talking pickles over a pipe.

    A plain subprocess (``python -c ...``) rather than :mod:`multiprocessing`: forking a
    process that has run MediaPipe is unsafe, and "spawn" re-runs the caller's main script,
    which breaks scripts without a ``__main__`` guard. A reader thread drains the pipe so
    the child never blocks on progress messages.
    """

    def __init__(self, job: tuple) -> None:
        self.proc = python_child("from posture.pose.worker import worker_main; worker_main()",
                                 stderr=subprocess.DEVNULL)
        self.frames_done = 0
        self.result: tuple | None = None
        self._done = threading.Event()
        assert self.proc.stdin is not None
        pickle.dump(job, self.proc.stdin)
        self.proc.stdin.close()
        self._reader = threading.Thread(target=self._read, name="posture-worker-reader",
                                        daemon=True)
        self._reader.start()

    def _read(self) -> None:
        stream = self.proc.stdout
        try:
            while True:
                kind, payload = pickle.load(stream)
                if kind == "progress":
                    self.frames_done = payload
                else:
                    self.result = (kind, payload)
                    break
        except (EOFError, OSError, pickle.UnpicklingError):
            pass
        finally:
            if self.result is None:
                self.result = ("error", RuntimeError("pose worker stopped"))
            self._done.set()

    def wait(self, timeout: float) -> bool:
        return self._done.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()

    def close(self) -> None:
        close_child(self.proc)


def worker_main() -> None:
    """Entry point of the child process: one segment, progress and result as pickles."""
    out = child_answers()
    try:
        path, info, settings, start_s, end_s, probed, follow = pickle.load(sys.stdin.buffer)
        import_probe(probed)
        last = [0.0]

        def on_frame(n: int) -> None:
            now = time.perf_counter()
            if now - last[0] > 0.2:
                last[0] = now
                pickle.dump(("progress", n), out)
                out.flush()

        result: tuple = ("done", run_segment(path, info, settings, start_s, end_s, on_frame,
                                              follow))
    except Exception as exc:
        result = ("error", exc)
    pickle.dump(result, out)
    out.flush()
    out.close()


def default_workers() -> int:
    env = os.environ.get("POSTURE_WORKERS")
    if env:
        return max(1, int(env))
    return min(2, os.cpu_count() or 1)


def run_split(path: str, info: VideoInfo, settings: ExtractionSettings, start_s: float,
               end_s: float, total: int, progress: ProgressFn | None,
               follow: Follow | None = None) -> tuple[Segment, dict]:
    """Two segments in two processes (this one and a child), stitched by time."""
    # The child also decodes the overlap and needs time to start: give it less of the clip.
    head_start_s = WORKER_START_FRAMES / info.fps_capture
    mid_s = float(np.clip(0.5 * (start_s + end_s + OVERLAP_S + head_start_s),
                          start_s + OVERLAP_S, end_s - OVERLAP_S))
    child_start_s = mid_s - OVERLAP_S
    worker = Worker((path, info, settings, child_start_s, end_s,
                      export_probe(path, settings.slowmo_factor, settings.turn_ccw_deg),
                      follow))

    def on_frame(n: int) -> None:
        if progress is not None:
            progress(min(n + worker.frames_done, total), total)

    try:
        first = run_segment(path, info, settings, start_s, mid_s, on_frame, follow)
        while not worker.wait(0.2):
            on_frame(len(first.t_s))
    except BaseException:
        worker.kill()  # stopped or failed here: the other half is no longer wanted
        raise
    finally:
        worker.close()
    kind, payload = worker.result
    stats = {"mode": "2 processes", "split_s": mid_s, "overlap_s": OVERLAP_S}
    if kind == "error":
        if isinstance(payload, PostureError):
            raise payload
        # The worker failed for a reason of its own (not the clip's): do its part here
        # instead, and say so in the stats (same result, about twice the time).
        stats["worker_failed"] = f"{type(payload).__name__}: {payload}"
        payload = run_segment(path, info, settings, child_start_s, end_s, None, follow)
    second: Segment = payload
    return stitch(first, second), stats


def stitch(first: Segment, second: Segment) -> Segment:
    t_end = first.t_s[-1] if first.t_s.size else -np.inf
    keep = second.t_s > t_end + 1e-9
    arrays = {}
    for name in ("t_s", "frame_index", "image_xy_px", "visibility", "world_xyz_m",
                 "trunk_edges_px"):
        arrays[name] = np.concatenate([getattr(first, name), getattr(second, name)[keep]])
    return Segment(
        **arrays,
        peak_rss_mb=second.peak_rss_mb,  # the worker's (the caller measures its own)
        n_other_people=first.n_other_people + second.n_other_people,
        n_people_checked=first.n_people_checked + second.n_people_checked,
        decode_s=first.decode_s + second.decode_s, pose_s=first.pose_s + second.pose_s,
        edges_s=first.edges_s + second.edges_s, people_s=first.people_s + second.people_s,
    )
