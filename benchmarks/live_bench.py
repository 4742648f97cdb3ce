"""Live mode speed on this machine: processed frames per second and camera-to-overlay latency.

A clip (default: ``sample_videos/long_fatigue_ramp.mp4``, 30 fps side view) is played at its
real speed as if it were the camera (:class:`posture.live.source.FileSource`); each frame
the loop takes goes through a :class:`posture.live.session.LiveSession` (pose on the
working-size frame; the windowed stride analysis in its worker process every 2 s; the
recording encoded on its own thread) and the overlay is drawn
(:func:`posture.live.overlay.draw_overlay`). Latency is from the moment the reader handed the
frame over (what a camera driver does) to the finished overlay. Frames that arrive while the
loop is busy are dropped, not queued, and counted.

Printed:

* ``pose_ms_with_mask`` / ``pose_ms_without_mask``: the pose model alone, median ms per
  frame, frame by frame on the same working-size frames (live mode runs it without the mask).
* ``frames_processed`` / ``frames_dropped`` / ``processed_fps``, ``latency_ms_median`` /
  ``latency_ms_p95``.
* ``loop_busy_ms_median`` / ``_p95``: the critical path, wall ms the loop spends on one frame
  (pose, session bookkeeping, overlay). Under 33 ms a 30 fps camera loses no frame.
* ``cpu_ms_per_frame``: CPU of the process (all threads) and of the window-analysis process
  per processed frame, and ``cpu_ms_per_frame_by_thread`` (``mediapipe``: the pose model's
  own two threads; ``MainThread``: the loop's Python; ``posture-live-record``: the H.264
  encode; ``window-analysis process``).
* ``load_avg_before`` / ``_after``: on a 2-core machine shared with other work the frame rate
  falls with the load, so compare runs at similar load, or the CPU and busy columns
  (``fps_if_2_cores_free`` is the upper bound two free cores would give).

Writes the same as JSON with ``--json``.

Usage::

    .venv/bin/python benchmarks/live_bench.py [CLIP] [--seconds 30] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from posture.io.video import iter_frames  # noqa: E402
from posture.live.drift import DriftSettings  # noqa: E402
from posture.live.overlay import draw_overlay  # noqa: E402
from posture.live.session import LiveSession  # noqa: E402
from posture.live.source import FileSource  # noqa: E402
from posture.pose.model import WORKING_MAX_SIDE_PX, ExtractionSettings, new_pose  # noqa: E402


def pose_only_ms(clip: Path, n: int, *, segmentation: bool) -> float:
    """Median per-frame time of the pose model alone (tracking mode), ms."""
    import mediapipe as mp

    frames = [f.image_rgb for _, f in zip(range(n), iter_frames(
        clip, max_side_px=WORKING_MAX_SIDE_PX, fast_scaling=True), strict=False)]
    s = ExtractionSettings()
    pose = new_pose(s) if segmentation else mp.solutions.pose.Pose(
        static_image_mode=False, model_complexity=s.model_complexity, smooth_landmarks=True,
        enable_segmentation=False, min_detection_confidence=s.min_detection_confidence,
        min_tracking_confidence=s.min_tracking_confidence)
    times = []
    for img in frames:
        t0 = time.perf_counter()
        pose.process(img)
        times.append(time.perf_counter() - t0)
    pose.close()
    return 1000.0 * float(np.median(times[5:]))


def thread_cpu_s() -> dict[int, tuple[str, float]]:
    """CPU seconds of each thread of this process so far (Linux ``/proc``; empty elsewhere),
    by thread id, named by Python's thread name where Python started it."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    names = {t.native_id: t.name for t in threading.enumerate()}
    out = {}
    task = Path(f"/proc/{os.getpid()}/task")
    for tid_dir in task.iterdir() if task.exists() else ():
        try:
            stat = (tid_dir / "stat").read_text()
        except OSError:
            continue  # the thread ended meanwhile
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        tid = int(tid_dir.name)
        out[tid] = (names.get(tid, comm), (int(fields[11]) + int(fields[12])) / tick)
    return out


def children_cpu_s() -> dict[int, float]:
    """CPU seconds of this process's child processes so far (the window-analysis worker),
    by pid (Linux ``/proc``; empty elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    out = {}
    for children in Path(f"/proc/{os.getpid()}/task").glob("*/children"):
        for pid in children.read_text().split():
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            out[int(pid)] = (int(fields[11]) + int(fields[12])) / tick
    return out


def thread_ms_per_frame(before: dict, after: dict, n: int) -> dict[str, float]:
    """CPU ms per processed frame by thread name (threads of one kind summed; the pose
    model's own worker threads are named ``mediapipe/...``)."""
    per: dict[str, float] = {}
    for tid, (name, cpu) in after.items():
        kind = "mediapipe" if name.startswith("mediapipe") else name.split("_")[0]
        used = cpu - before.get(tid, (name, 0.0))[1]
        per[kind] = per.get(kind, 0.0) + used
    return {k: round(1000.0 * v / max(n, 1), 1) for k, v in sorted(per.items())
            if v > 0}


def live_run(clip: Path, seconds: float) -> dict:
    """Real-speed playback through a live session with the overlay drawn."""
    latency, busy, n = [], [], 0
    source = FileSource(clip, realtime=True)
    with tempfile.TemporaryDirectory() as tmp:
        session = LiveSession(DriftSettings(baseline_s=20.0), record_to=Path(tmp))
        threads0, children0 = thread_cpu_s(), children_cpu_s()
        t0, cpu0 = time.perf_counter(), time.process_time()
        for frame in source:
            t_take = time.perf_counter()
            update = session.process(frame.image_rgb, frame.t_s, n_dropped=source.n_dropped)
            draw_overlay(frame.image_rgb, update)
            done = time.perf_counter()
            busy.append(1000.0 * (done - t_take))
            latency.append(1000.0 * (done - source.arrived_s(frame)))
            n += 1
            if frame.t_s >= seconds:
                break
        wall = time.perf_counter() - t0
        children = sum(c - children0.get(pid, 0.0) for pid, c in children_cpu_s().items())
        cpu = time.process_time() - cpu0 + children
        threads = thread_ms_per_frame(threads0, thread_cpu_s(), n)
        # threads that ended before the count (the clip's reader at its end)
        own_ms = 1000.0 * (cpu - children) / max(n, 1)
        threads["ended threads"] = round(own_ms - sum(threads.values()), 1)
        threads["window-analysis process"] = round(1000.0 * children / max(n, 1), 1)
        source.close()
        session.stop()
    lat, bus = np.asarray(latency), np.asarray(busy)
    return {"frames_processed": n, "frames_dropped": source.n_dropped,
            "frames_offered": n + source.n_dropped, "wall_s": round(wall, 2),
            "processed_fps": round(n / wall, 1),
            # the critical path: wall time the loop spends on one frame (pose, session,
            # overlay); a frame arriving meanwhile waits, a second one is dropped
            "loop_busy_ms_median": round(float(np.median(bus)), 1),
            "loop_busy_ms_p95": round(float(np.percentile(bus, 95)), 1),
            # CPU of this process (all its threads: reader, pose, recording) and of the
            # window-analysis process, per processed frame; on a loaded machine the wall
            # clock mostly measures waiting
            "cpu_ms_per_frame": round(1000.0 * cpu / max(n, 1), 1),
            "cpu_ms_per_frame_by_thread": threads,
            "fps_if_2_cores_free": round(2.0 * n / cpu, 1) if cpu > 0 else None,
            "latency_ms_median": round(float(np.median(lat)), 1),
            "latency_ms_p95": round(float(np.percentile(lat, 95)), 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clip", nargs="?", default=str(ROOT / "sample_videos" /
                                                   "long_fatigue_ramp.mp4"))
    ap.add_argument("--seconds", type=float, default=30.0, help="real seconds to play")
    ap.add_argument("--pose-frames", type=int, default=150)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    clip = Path(args.clip)
    load_before = os.getloadavg()
    out = {"clip": clip.name, "cpus": os.cpu_count(),
           "load_avg_before": [round(v, 2) for v in load_before]}
    out["pose_ms_with_mask"] = round(pose_only_ms(clip, args.pose_frames, segmentation=True), 1)
    out["pose_ms_without_mask"] = round(pose_only_ms(clip, args.pose_frames,
                                                     segmentation=False), 1)
    out.update(live_run(clip, args.seconds))
    out["load_avg_after"] = [round(v, 2) for v in os.getloadavg()]
    for k, v in out.items():
        print(f"{k:>22}: {v}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
