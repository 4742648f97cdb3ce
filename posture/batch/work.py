"""The work of a batch: one clip in a worker process, and the pairs in the driver.

Each clip is analysed exactly as ``posture analyze CLIP --out DIR`` does it (same calls, same
files); a fresh/fatigued pair exactly as ``posture compare`` (both clips levelled together)
and a side/rear pair as ``posture session``. The texts of the files are returned, never
written here: only the driver writes (:mod:`posture.batch.run`).

Nothing heavy is imported at module level, so a worker can make itself single-threaded
(:func:`single_threaded`) before NumPy, OpenCV or MediaPipe load.
"""

from __future__ import annotations

import os
import socket
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

#: Set in every worker before the libraries start their thread pools: one clip per core.
THREAD_ENV: dict[str, str] = {
    "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1", "NUMEXPR_NUM_THREADS": "1",
    "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1",
    "POSTURE_WORKERS": "1",  # the pose stage runs in this process, not split in two
    "GLOG_minloglevel": "2", "TF_CPP_MIN_LOG_LEVEL": "2",
}
#: CPUs one clip keeps busy (the pose stage with POSTURE_WORKERS=1): the Ray reservation.
POSE_CPUS = 1


def single_threaded() -> None:
    """Make this process use one core (call before the pose model loads)."""
    os.environ.update(THREAD_ENV)
    import signal

    # Ctrl-C is the driver's to handle: it stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import cv2

    cv2.setNumThreads(1)


@dataclass(frozen=True)
class ClipJob:
    """One clip to analyse, with its options (``AnalysisOptions``)."""

    path: str
    options: Any
    keep: bool = False
    """Send back the pose track and analysis too (the clip is part of a pair)."""


@dataclass
class ClipOutcome:
    path: str
    files: dict[str, str] = field(default_factory=dict)
    """What ``analyze --out`` writes: file name -> text (empty when it failed)."""
    error: str = ""
    """One line when the clip failed."""
    analysis: Any = None
    track: Any = None
    seconds: float = 0.0
    """Wall-clock seconds of this clip in its worker."""
    cpu_s: float = 0.0
    """CPU seconds the worker process spent on it (its own threads; the cost per clip)."""
    host: str = ""


def run_clip(job: ClipJob, data: bytes | None = None) -> ClipOutcome:
    """Analyse one clip as ``analyze --out`` does; errors become :attr:`ClipOutcome.error`.

    ``data``: the video's bytes, when the worker cannot read ``job.path`` (a Ray node
    without the driver's disk); they are written to a temporary file of the same name.
    """
    t0, c0 = time.perf_counter(), time.process_time()
    host = f"{socket.gethostname()}:{os.getpid()}"
    try:
        if data is None:
            files, analysis, track = _analyse(job.path, job)
        else:
            with tempfile.TemporaryDirectory(prefix="posture-batch-") as tmp:
                local = Path(tmp) / Path(job.path).name
                local.write_bytes(data)
                files, analysis, track = _analyse(str(local), job)
    except Exception as exc:  # any failure of one clip is that clip's, not the batch's
        return ClipOutcome(job.path, error=error_line(exc), seconds=time.perf_counter() - t0,
                           cpu_s=time.process_time() - c0, host=host)
    return ClipOutcome(job.path, files, analysis=analysis if job.keep else None,
                       track=track if job.keep else None, seconds=time.perf_counter() - t0,
                       cpu_s=time.process_time() - c0, host=host)


def _analyse(local: str, job: ClipJob) -> tuple[dict[str, str], Any, Any]:
    from posture.findings.rules import judge_change, report_or_levels
    from posture.pipeline import analyze_track, extract_track
    from posture.report.files import clip_files, comparison_files
    from posture.stats.compare import compare_windows

    track = extract_track(local, job.options)
    analysis = analyze_track(track, job.options)
    if local != job.path:  # report the path the user gave, as analyze does
        track = replace(track, info=replace(track.info, path=job.path))
        if analysis.info is not None:
            analysis.info = replace(analysis.info, path=job.path)
    comparison = judge_change(compare_windows(analysis))
    findings = report_or_levels(comparison, analyses=analysis)
    return {**clip_files(analysis), **comparison_files(comparison, findings)}, analysis, track


def error_line(exc: BaseException) -> str:
    """One line for a failed clip: the library's sentence, or what went wrong."""
    from posture.errors import PostureError

    if isinstance(exc, PostureError):
        text = str(exc)
    elif isinstance(exc, OSError):
        what = exc.filename or "a file"
        text = f"{what}: {exc.strerror or exc}"
    else:  # a bug: say so, so that it is reported rather than taken for bad input
        text = f"unexpected error ({type(exc).__name__}: {exc})"
    return " ".join(text.split())


# ---------------------------------------------------------------------------- pairs
def compare_pair(fresh: ClipOutcome, fatigued: ClipOutcome, fresh_options: Any,
                 fatigued_options: Any) -> tuple[dict[str, str], str]:
    """What ``posture compare FRESH FATIGUED --out DIR`` writes, and its refusal (one line,
    empty when the clips could be compared; the files are written either way)."""
    from posture.findings.rules import report_or_levels
    from posture.pipeline import analyze_tracks
    from posture.report.files import clip_files, comparison_files
    from posture.stats.compare import compare_clips

    # one camera, one level: both clips are levelled with one roll estimate, as compare does
    a, b = analyze_tracks([fresh.track, fatigued.track], [fresh_options, fatigued_options])
    comparison = compare_clips(a, b)
    findings = report_or_levels(comparison, analyses=[a, b])
    files = {**{f"fresh/{k}": v for k, v in clip_files(a).items()},
             **{f"fatigued/{k}": v for k, v in clip_files(b).items()},
             **comparison_files(comparison, findings)}
    refusal = " ".join(w.message for w in comparison.warnings if w.severity == "error")
    return files, refusal


def session_pair(side: ClipOutcome, rear: ClipOutcome) -> dict[str, str]:
    """What ``posture session SIDE REAR --out DIR`` writes."""
    from posture.report.files import clip_files, comparison_files
    from posture.session import AnalysedClip, build_view_pair

    pair = build_view_pair(AnalysedClip(Path(side.path).name, side.analysis),
                           AnalysedClip(Path(rear.path).name, rear.analysis))
    files: dict[str, str] = {}
    for part in pair.parts:
        role = part.clips[0].role
        files.update({f"{role}/{k}": v for k, v in clip_files(part.clips[0].analysis).items()})
        files.update({f"{role}/{k}": v
                      for k, v in comparison_files(part.comparison, None).items()})
    files["findings.json"] = pair.findings.to_json()
    return files
