"""Clips per minute of ``posture batch`` against the number of workers (run on demand).

Every configuration analyses the same clips from scratch: the pose model really runs (the
pose cache is switched off), so the numbers are the cost of new clips. In one run:

* ``sequential, 1 process``: one Python process analyses the clips one after another with
  the pose stage in that process (``POSTURE_WORKERS=1``): the single-process baseline;
* ``sequential, analyze``: the same loop with the pose stage as ``posture analyze`` runs it
  (a clip of 400 frames or more split over two processes): what a shell loop gets;
* ``batch, N workers``: ``posture batch FOLDER --no-cache --workers N`` (local engine).

Each configuration runs in a fresh child process, timed from its start to its end (imports
and worker start-up included), with the CPU seconds of it and every process it waited for.
On a shared machine the wall time measures the share it got; the CPU seconds per clip are
the cost, and "clips/min if idle" spreads them over the cores the configuration can use.
The CPU seconds per clip measured inside the batch workers give the expected throughput of
a cluster (printed at the end).

Usage::

    .venv/bin/python benchmarks/batch_bench.py [CLIP ...] [--workers 1 2] [--copies 1]

Default clips: every video in ``sample_videos/`` (rendered runners). Writes
``benchmarks/batch_results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VIDEO_SUFFIXES = {".mp4", ".mov", ".m4v", ".avi", ".webm", ".mkv"}

SEQUENTIAL = """
import sys, time
from posture.pipeline import AnalysisOptions, analyze_video
from posture.stats.compare import compare_windows
from posture.findings.rules import judge_change, report_or_levels
t0 = time.perf_counter()
for path in sys.argv[1:]:
    a = analyze_video(path, AnalysisOptions(use_cache=False))
    report_or_levels(judge_change(compare_windows(a)), analyses=a)
print(time.perf_counter() - t0)
"""


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "GLOG_minloglevel": "2",
            "TF_CPP_MIN_LOG_LEVEL": "2", **extra}


def _children_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds of the command and every process it waited for."""
    t0, c0 = time.perf_counter(), _children_cpu_s()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0, _children_cpu_s() - c0


def _frames(clips: list[Path]) -> int:
    sys.path.insert(0, str(ROOT))
    from posture.io.video import probe

    return sum(probe(str(c)).n_frames for c in clips)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("clips", nargs="*", type=Path)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--copies", type=int, default=1,
                    help="each clip this many times (under other names)")
    ap.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "batch_results.json")
    args = ap.parse_args()
    clips = args.clips or sorted(p for p in (ROOT / "sample_videos").iterdir()
                                 if p.suffix.lower() in VIDEO_SUFFIXES)
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="posture-batch-bench-") as tmp:
        folder = Path(tmp) / "clips"
        folder.mkdir()
        for k in range(args.copies):
            for c in clips:
                shutil.copy(c, folder / f"{c.stem}_{k}{c.suffix}")
        batch_clips = sorted(folder.iterdir())
        n = len(batch_clips)
        frames = _frames(batch_clips)
        load0 = os.getloadavg()
        runs = []
        paths = [str(c) for c in batch_clips]
        for name, env in (("sequential, 1 process", _env(POSTURE_WORKERS="1")),
                          ("sequential, analyze", _env())):
            wall, cpu = _timed([py, "-c", SEQUENTIAL, *paths], env)
            runs.append({"config": name, "workers": 1, "wall_s": wall, "cpu_s": cpu})
            print(f"{name}: {wall:.1f} s, {cpu:.1f} CPU s, load {os.getloadavg()[0]:.1f}",
                  flush=True)
        for w in args.workers:
            out = Path(tmp) / f"out{w}"
            wall, cpu = _timed([py, "-m", "posture.cli", "batch", str(folder), "--out",
                                str(out), "--no-cache", "--quiet", "--workers", str(w)], _env())
            state = json.loads((out / "batch-state.json").read_text())["units"]
            runs.append({"config": f"batch, {w} workers", "workers": w, "wall_s": wall,
                         "cpu_s": cpu,
                         "per_clip_s": sorted(u["seconds"] for u in state.values()),
                         "per_clip_cpu_s": sorted(u["cpu_s"] for u in state.values())})
            print(f"batch, {w} workers: {wall:.1f} s, {cpu:.1f} CPU s, load "
                  f"{os.getloadavg()[0]:.1f}", flush=True)
        load1 = os.getloadavg()
    base = runs[0]["wall_s"]
    cores = os.cpu_count() or 1
    for r in runs:
        r["clips_per_min"] = 60.0 * n / r["wall_s"]
        r["speedup"] = base / r["wall_s"]
        r["cpu_s_per_clip"] = r["cpu_s"] / n
        # on an idle machine: the CPU work spread over the cores it can use
        r["idle_clips_per_min"] = 60.0 * min(r["workers"], cores) / r["cpu_s_per_clip"]
    one = next((r for r in runs if r["workers"] == 1 and "per_clip_cpu_s" in r), None)
    per_clip_s = (sum(one["per_clip_cpu_s"]) / n) if one else float("nan")
    doc = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                       "load_start": load0, "load_end": load1},
           "clips": [c.name for c in clips], "copies": args.copies, "n_clips": n,
           "frames": frames, "runs": runs, "per_clip_s_one_worker": per_clip_s}
    args.json.write_text(json.dumps(doc, indent=2))
    print(f"\n{n} clips, {frames} frames; load average {load0[0]:.1f} -> {load1[0]:.1f}\n")
    print("| configuration | wall s | clips/min | x baseline | CPU s per clip | "
          "clips/min if idle |")
    print("|---|---|---|---|---|---|")
    for r in runs:
        print(f"| {r['config']} | {r['wall_s']:.1f} | {r['clips_per_min']:.2f} | "
              f"{r['speedup']:.2f} | {r['cpu_s_per_clip']:.1f} | "
              f"{r['idle_clips_per_min']:.2f} |")
    print(f"\nCPU seconds per clip inside one batch worker: {per_clip_s:.1f}; a cluster of "
          f"C free cores: about {60.0 / per_clip_s:.2f} x C clips/min")


if __name__ == "__main__":
    main()
