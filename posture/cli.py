"""Command line: ``posture info|people|analyze|compare|session|batch``.

Every refusal ends the program with one line ``error: <message>`` on stderr and exit code 2
(never a traceback): bad options (checked at parse time, before any analysis), an ``--out``
folder that cannot take files, a clip the library refuses (:class:`PostureError`), a file
that cannot be read or written (permission, full disk; results are written to a temporary
file and renamed, so none is left half-written), and a ``compare`` pair whose clips cannot be
compared (its results are still printed and written). Ctrl-C exits with 130.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from posture.errors import ClipTooShortError, PostureError, StorageError
from posture.options import HEIGHT_RANGE_M, SLOWMO_RANGE, TILT_RANGE_DEG
from posture.report.files import clip_files, comparison_files, write_atomic, write_files


class _Parser(argparse.ArgumentParser):
    """argparse with one-line refusals: ``error: ...`` on stderr and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"error: {message}\n")


def _number(lo: float | None = None, hi: float | None = None,
            unit: str = "") -> Callable[[str], float]:
    """An argparse type: a finite number, within [lo, hi] when given (argparse prefixes the
    message with the option's name)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number, not {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number, not {text!r}")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            span = f"between {lo:g} and {hi:g}" if hi is not None else f"at least {lo:g}"
            raise argparse.ArgumentTypeError(f"must be {span}{unit}, not {text}")
        return value

    return parse


TILT_DEG = _number(*TILT_RANGE_DEG, " deg")
HEIGHT_M = _number(*HEIGHT_RANGE_M, " m (e.g. 1.75)")
SLOWMO = _number(*SLOWMO_RANGE, " (how many times slower than life)")
SECONDS = _number(0.0, None, " s")


def _info(args: argparse.Namespace) -> int:
    from posture.io.video import probe_unchecked

    info = probe_unchecked(args.video, slowmo_factor=args.slowmo)
    rows = [
        ("file", Path(info.path).name),
        ("size (upright)", f"{info.width_px} x {info.height_px} px"),
        ("rotation flag", f"{info.rotation_deg} deg"),
        ("codec", info.codec),
        ("frame rate", f"{info.fps_nominal:.2f} fps (playback)"),
        ("capture rate", f"{info.fps_capture:.2f} fps"),
        ("slow motion", "no" if info.slowmo_factor == 1.0 else f"x{info.slowmo_factor:g}"),
        ("duration", f"{info.duration_s:.2f} s (real time)"),
        ("frames", str(info.n_frames)),
        ("variable frame rate", "yes" if info.is_vfr else "no"),
        ("file size", f"{info.file_size_bytes / 1e6:.1f} MB"),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    # The limits are checked last so that `info` still describes a clip it would refuse.
    from posture.io.video import probe

    probe(args.video, slowmo_factor=args.slowmo)
    return 0


def _people(args: argparse.Namespace) -> int:
    """The people on one frame, numbered left to right, with boxes for --runner-box."""
    from posture.pose.extract import find_people
    from posture.pose.people import draw_people
    from posture.wording import plural

    found = find_people(args.video, args.time, slowmo_factor=args.slowmo)
    print(f"frame at {found.t_s:.2f} s: {plural(len(found.boxes_px), 'person', 'people')} "
          "found")
    for k, (x, y, w, h) in enumerate(found.boxes_px, 1):
        print(f"  {k}: --runner-box {x:.0f},{y:.0f},{w:.0f},{h:.0f} "
              f"--runner-box-time {found.t_s:.2f}")
    if args.picture is not None:
        import cv2

        img = draw_people(found.image_rgb, found.boxes_px, found.scale)
        if not cv2.imwrite(str(args.picture), cv2.cvtColor(img, cv2.COLOR_RGB2BGR)):
            raise PostureError(f"Could not write the picture to {args.picture}; use a .png or "
                               ".jpg name in an existing folder.")
        print(f"numbered picture: {args.picture}")
    return 0


def _options(args: argparse.Namespace):  # -> AnalysisOptions
    from posture.pipeline import AnalysisOptions

    return AnalysisOptions(start_s=args.start, end_s=args.end, runner_height_m=args.height,
                           view=args.view, use_cache=not args.no_cache,
                           slowmo_factor=args.slowmo, camera_roll_deg=args.tilt,
                           runner_box_px=getattr(args, "runner_box", None),
                           runner_box_t_s=getattr(args, "runner_box_time", None))


def _run(video: str, args: argparse.Namespace):  # -> ClipAnalysis
    """Analyse one clip with a progress bar on stderr (refusing bad input before the bar)."""
    from posture.pipeline import analyze_track

    return analyze_track(_track(video, args), _options(args))


def _track(video: str, args: argparse.Namespace):  # -> PoseTrack
    """Pose landmarks of one clip (cached), with a progress bar on stderr."""
    from tqdm import tqdm

    from posture.io.video import probe
    from posture.pipeline import extract_track

    info = probe(video, slowmo_factor=args.slowmo)
    if args.start is not None and args.start >= info.duration_s:
        raise ClipTooShortError(f"--start {args.start:g} s is at or after the end of "
                                f"{Path(video).name} ({info.duration_s:.1f} s long).")
    bars: list[tqdm] = []  # created on the first report, so errors print alone

    def progress(done: int, total: int) -> None:
        if not bars:
            bars.append(tqdm(total=total, unit="frame", desc=Path(video).name[:24],
                             disable=args.quiet, file=sys.stderr))
        bar = bars[0]
        if bar.total != total:
            bar.total = total
        bar.n = done
        bar.refresh()

    try:
        return extract_track(video, _options(args), progress=progress)
    finally:
        for bar in bars:
            bar.close()


def _analyze(args: argparse.Namespace) -> int:
    from posture.findings.rules import judge_change, report_or_levels
    from posture.stats.compare import compare_windows

    analysis = _run(args.video, args)
    comparison = judge_change(compare_windows(analysis))
    findings = report_or_levels(comparison, analyses=analysis)
    if args.out is not None:
        _write_clip(Path(args.out), analysis)
        _write_comparison(Path(args.out), comparison, findings)
    if args.json:
        print(analysis.to_json())
    else:
        _print_summary(analysis)
        _print_findings(findings, comparison, "early versus late", [analysis], args.out)
    return 0


def _compare(args: argparse.Namespace) -> int:
    """Two clips: the comparison and findings at the top of ``--out``, each clip's own
    outputs in its subfolder (``fresh/``, ``fatigued/``)."""
    from posture.findings.rules import report_or_levels
    from posture.pipeline import analyze_tracks
    from posture.stats.compare import compare_clips

    # one camera, one level: both clips are levelled with one roll estimate
    fresh, tired = analyze_tracks([_track(args.fresh, args), _track(args.fatigued, args)],
                                  [_options(args)] * 2)
    comparison = compare_clips(fresh, tired)
    findings = report_or_levels(comparison, analyses=[fresh, tired])
    if args.out is not None:
        out = Path(args.out)
        _write_clip(out / "fresh", fresh)
        _write_clip(out / "fatigued", tired)
        _write_comparison(out, comparison, findings)
    if args.json:
        print(comparison.to_json())
    else:
        _print_findings(findings, comparison, "fresh versus fatigued", [fresh, tired], args.out)
    refusals = [w for w in comparison.warnings if w.severity == "error"]
    for w in refusals:
        print(f"error: {w.message}", file=sys.stderr)
    return 2 if refusals else 0


def _session(args: argparse.Namespace) -> int:
    """A side clip and a rear (or front) clip of the same run: one report, both planes."""
    from posture.session import AnalysedClip, build_view_pair, change_judged

    pair = build_view_pair(AnalysedClip(Path(args.side).name, _run(args.side, args)),
                           AnalysedClip(Path(args.frontal).name, _run(args.frontal, args)))
    if args.out is not None:
        for part in pair.parts:
            _write_clip(Path(args.out) / part.clips[0].role, part.clips[0].analysis)
            _write_comparison(Path(args.out) / part.clips[0].role, part.comparison, None)
        write_atomic(Path(args.out) / "findings.json", pair.findings.to_json())
    if args.json:
        print(pair.findings.to_json())
    else:
        for clip in pair.clips:
            _print_summary(clip.analysis)
        _print_findings(pair.findings, None, pair.title, [c.analysis for c in pair.clips],
                        args.out, judged=any(change_judged(p) for p in pair.parts))
    return 0


def _write_clip(out: Path, analysis) -> None:  # ClipAnalysis
    out.mkdir(parents=True, exist_ok=True)
    write_files(out, clip_files(analysis))


def _write_comparison(out: Path, comparison, findings) -> None:
    out.mkdir(parents=True, exist_ok=True)
    write_files(out, comparison_files(comparison, findings))


def _print_summary(analysis) -> None:  # ClipAnalysis
    from posture.findings.rules import level_values, value_text
    from posture.metrics.registry import METRICS
    from posture.wording import camera_tilt_text, plural

    v = analysis.view
    where = {"rear": "runner moving away", "front": "runner coming toward the camera"}.get(
        v.view, f"runner facing {v.facing}")
    print(f"view: {v.view} ({where}, confidence {v.confidence:.0%}); "
          f"{camera_tilt_text(v.camera_roll_deg, v.roll_source)}")
    s = analysis.strides
    span = (f" over {s['t_end_s'].max() - s['t_start_s'].min():.1f} s of running"
            if len(s) else "")
    # the values the findings judge: the mean over the strides with a confident value
    print(f"{plural(analysis.n_strides, 'stride')}{span}; clip averages (strides measured "
          "confidently):")
    for metric, spec in METRICS.items():
        values = level_values(analysis, metric)["value"]
        if len(values):
            print(f"  {spec.label}: {value_text(metric, float(values.mean()))} (median "
                  f"{value_text(metric, float(values.median()))}, "
                  f"{plural(len(values), 'stride')})")


def _print_findings(rep, comparison, what: str, clips, out: str | None, *,
                    judged: bool | None = None) -> None:
    """Warnings (each once), the shown findings, the rest and those to check, the care note.

    ``rep`` is a FindingsReport, ``comparison`` the Comparison behind it (None for a view
    pair, then ``judged`` says whether any change was judged), ``clips`` the ClipAnalyses.
    """
    from posture.findings.rules import TO_CHECK_HINT, any_judged, nothing_stands_out
    from posture.wording import plural

    if comparison is not None and not any_judged(comparison):
        what = "your levels over the whole clip" if len(clips) == 1 else what
    print(f"\nfindings ({what}):")
    notes = list(dict.fromkeys([*rep.warnings, *(q for c in clips for q in c.quality)]))
    for w in notes:
        print(f"  {w.severity}: {w.message}")
    if not rep.shown:
        judged = any_judged(comparison) if judged is None else judged
        print(f"  {nothing_stands_out(judged, len(rep.to_check))}")
    for f in rep.shown:
        print("\n" + "\n".join("  " + line for line in f.text().splitlines()))
    if rep.more:
        where = (f"in {Path(out) / 'findings.json'}" if out is not None
                 else "run again with --out to get findings.json")
        print(f"\n  {plural(len(rep.more), 'more finding')}, less important: {where}.")
    if rep.to_check:
        print(f"\n  {TO_CHECK_HINT} (not sure enough to advise on these):")
        for f in rep.to_check:
            print("\n" + "\n".join("  - " + line if k == 0 else "    " + line
                                     for k, line in enumerate(f.text().splitlines())))
    print(f"\n{rep.care_note}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="posture", description="Running posture from video.")
    sub = parser.add_subparsers(dest="command", required=True)

    p_info = sub.add_parser("info", help="describe what intake finds in a clip")
    p_info.add_argument("video")
    p_info.add_argument("--slowmo", type=SLOWMO, default=None,
                        help="slow-motion factor if the phone did not record it (e.g. 8)")
    p_info.set_defaults(func=_info)

    p_pp = sub.add_parser("people", help="the people on one frame, with boxes for "
                                         "--runner-box")
    p_pp.add_argument("video")
    p_pp.add_argument("--time", type=SECONDS, default=0.0, help="time of the frame, s")
    p_pp.add_argument("--picture", default=None,
                      help="write the frame with numbered boxes to this file (.png or .jpg)")
    p_pp.add_argument("--slowmo", type=SLOWMO, default=None,
                      help="slow-motion factor if the phone did not record it (e.g. 4)")
    p_pp.set_defaults(func=_people)

    p_an = sub.add_parser("analyze", help="measure posture stride by stride; early vs late")
    p_an.add_argument("video")
    _analysis_arguments(p_an)
    p_an.add_argument("--runner-box", type=_box, default=None, metavar="X,Y,W,H",
                      help="when other people are in view: a box around the runner, pixels of "
                           "the picture as a video player shows it, as `posture people` "
                           "prints (x, y of the top-left corner, width, height)")
    p_an.add_argument("--runner-box-time", type=SECONDS, default=None, metavar="SECONDS",
                      help="time of the frame the runner box is drawn on (default: --start "
                           "or the clip's start)")
    p_an.set_defaults(func=_analyze)

    p_cmp = sub.add_parser("compare", help="a fresh and a fatigued clip of the same runner")
    p_cmp.add_argument("fresh")
    p_cmp.add_argument("fatigued")
    _analysis_arguments(p_cmp)
    p_cmp.set_defaults(func=_compare)
    p_ses = sub.add_parser("session",
                           help="a side and a rear/front clip of the same run (either order)")
    p_ses.add_argument("side")
    p_ses.add_argument("frontal")
    _analysis_arguments(p_ses)
    p_ses.set_defaults(func=_session)
    _batch_parser(sub)
    _live_parser(sub)
    return parser


def _live_parser(sub) -> None:  # argparse._SubParsersAction
    p = sub.add_parser("live", help="treadmill: cues while you run, from a camera or a clip "
                                    "played as one (docs/live.md)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--camera", type=int, default=None, metavar="N",
                       help="camera index (0: the computer's own; the default)")
    where.add_argument("--source", default=None, metavar="FILE",
                       help="play this clip at its real speed as if it were the camera")
    p.add_argument("--fast", action="store_true",
                   help="with --source: take every frame as fast as they are processed, "
                        "not at real speed (nothing dropped; for tests)")
    p.add_argument("--baseline-s", type=SECONDS, default=120.0,
                   help="length of the fresh baseline, s (default 120)")
    p.add_argument("--sustain-s", type=SECONDS, default=30.0,
                   help="how long a drift must last before a cue, s (default 30)")
    p.add_argument("--cooldown-s", type=SECONDS, default=60.0,
                   help="least time between two cues, s (default 60)")
    p.add_argument("--height", type=HEIGHT_M, default=None,
                   help=f"runner height, m ({HEIGHT_RANGE_M[0]:g}-{HEIGHT_RANGE_M[1]:g})")
    p.add_argument("--json", default=None, metavar="OUT",
                   help="write the cue timeline (and frame rate, latency) to this JSON file")
    p.add_argument("--no-record", action="store_true",
                   help="do not record video and landmarks to the live folder")
    p.add_argument("--arch", action="store_true",
                   help="also take the trunk outline, so the recording's report has the "
                        "low-back arch index (slower: fewer frames per second, docs/live.md)")
    p.add_argument("--quiet", action="store_true", help="no pose-model log lines")
    p.set_defaults(func=_live)


def _live(args: argparse.Namespace) -> int:
    import json

    from posture.live.drift import DriftSettings
    from posture.live.run import clock, pause_line, run_live, timeline_lines
    from posture.live.session import LiveSession
    from posture.live.source import CameraSource, FileSource

    if args.fast and args.source is None:
        raise PostureError("--fast needs --source (a camera cannot be played faster).")
    settings = DriftSettings(baseline_s=args.baseline_s, sustain_s=args.sustain_s,
                             cooldown_s=args.cooldown_s)
    if args.source is not None:
        source = FileSource(args.source, realtime=not args.fast)
    else:
        source = CameraSource(args.camera or 0)
    session = LiveSession(settings, record=not args.no_record, runner_height_m=args.height,
                          background=not args.fast, trunk_outline=args.arch)

    paused = False

    def show(update) -> None:  # LiveUpdate
        nonlocal paused
        if update.cue is not None:
            print(f"{clock(update.t_s)}  CUE  {update.cue.text}", flush=True)
        if (line := pause_line(update, paused)) is not None:
            paused = update.too_few_frames
            print(line, flush=True)

    result = run_live(source, session, on_update=show)
    for line in timeline_lines(result):
        print(line)
    lat = result.latency_stats_ms()
    print(f"{result.n_processed} frames processed at {result.processed_fps:.1f} fps, "
          f"{result.n_dropped} dropped; latency median {lat['median']:.0f} ms, "
          f"95% {lat['p95']:.0f} ms")
    if result.paused_s > 0:
        print(f"measuring paused for {result.paused_s:.0f} s: too few frames per second")
    if result.recording is not None:
        print(f"recorded to {result.recording.folder}")
    if args.json:
        write_atomic(Path(args.json), json.dumps(result.to_dict(), indent=1))
    return 0


def _batch_parser(sub) -> None:  # argparse._SubParsersAction
    p = sub.add_parser("batch", help="many clips: a folder or a CSV manifest (docs/batch.md)")
    p.add_argument("input", help="folder of clips (searched recursively) or a .csv manifest "
                                 "with a runner, clip and role per line (docs/batch.md)")
    p.add_argument("--out", required=True,
                   help="folder for every clip's results, summary.csv/.parquet, report.html")
    p.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="local: processes on this computer (default); ray: a Ray cluster "
                        '(pip install ".[cluster]")')
    p.add_argument("--workers", type=_count, default=None,
                   help="clips at once on this computer (default: one per core)")
    p.add_argument("--address", default=None, metavar="auto|HOST:PORT",
                   help="with --engine ray: join this cluster (default: start one here)")
    p.add_argument("--history", action="store_true",
                   help="store every result in the history under its runner")
    p.add_argument("--retry-failed", action="store_true",
                   help="analyse again the clips that failed in an earlier run")
    p.add_argument("--height", type=HEIGHT_M, default=None,
                   help="runner height, m, where the manifest gives none")
    p.add_argument("--view", choices=["auto", "side", "rear", "front"], default="auto",
                   help="camera view where the manifest gives none (default: detected per clip)")
    p.add_argument("--slowmo", type=SLOWMO, default=None,
                   help="slow-motion factor where the manifest gives none")
    p.add_argument("--tilt", type=TILT_DEG, default=None,
                   help="camera tilt, deg (clockwise +), where the manifest gives none")
    p.add_argument("--no-cache", action="store_true", help="ignore cached landmarks")
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar and no pose-model log lines")
    p.set_defaults(func=_batch)


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {n}")
    return n


def _batch(args: argparse.Namespace) -> int:
    """Every clip of a folder or manifest; exit 1 when some clip or pair failed."""
    from posture.batch.run import BatchSettings, run_batch
    from posture.wording import plural

    if args.address is not None and args.engine != "ray":
        raise PostureError("--address is for --engine ray.")
    settings = BatchSettings(engine=args.engine, workers=args.workers, address=args.address,
                             view=args.view, height_m=args.height, tilt_deg=args.tilt,
                             slowmo=args.slowmo, use_cache=not args.no_cache,
                             history=args.history, retry_failed=args.retry_failed,
                             quiet=args.quiet)
    res = run_batch(args.input, args.out, settings)
    print(f"{plural(res.n_clips, 'clip')}, {plural(res.n_pairs, 'comparison')}: "
          f"{res.done} analysed now, {res.skipped} already done, {len(res.failed)} failed.")
    for line in res.failed:
        print(f"  failed: {line}")
    out = Path(args.out)
    print(f"summary: {out / 'summary.csv'} (and .parquet); report: {out / 'report.html'}")
    return 1 if res.failed else 0


def _analysis_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--start", type=SECONDS, default=None, help="start of the window, s")
    p.add_argument("--end", type=SECONDS, default=None, help="end of the window, s")
    p.add_argument("--out", default=None,
                   help="folder for strides.csv, analysis.json, comparison and findings")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--height", type=HEIGHT_M, default=None,
                   help=f"runner height, m ({HEIGHT_RANGE_M[0]:g}-{HEIGHT_RANGE_M[1]:g})")
    p.add_argument("--view", choices=["auto", "side", "rear", "front"], default="auto")
    p.add_argument("--slowmo", type=SLOWMO, default=None,
                   help="slow-motion factor if the phone did not record it (e.g. 4; 1-16)")
    p.add_argument("--tilt", type=TILT_DEG, default=None,
                   help="camera tilt in degrees (clockwise +) instead of the estimate "
                        f"({TILT_RANGE_DEG[0]:g} to {TILT_RANGE_DEG[1]:+g})")
    p.add_argument("--no-cache", action="store_true", help="ignore cached landmarks")
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar and no pose-model log lines")


def _check_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Checks that need more than one option, or the file system, before any analysis."""
    start, end = getattr(args, "start", None), getattr(args, "end", None)
    if start is not None and end is not None and not start < end:
        parser.error(f"--start ({start:g} s) must be before --end ({end:g} s)")
    if getattr(args, "out", None) is not None:
        problem = out_dir_problem(Path(args.out))
        if problem:
            parser.error(problem)


def out_dir_problem(out: Path) -> str | None:
    """Why ``out`` cannot take the results (None when it can), checked without creating it."""
    if out.exists() and not out.is_dir():
        return f"--out {out} is a file, not a folder"
    probe = out
    while not probe.exists():  # the nearest folder that exists must let us create the rest
        if probe.is_symlink():
            return f"--out {out}: {probe} is a broken link"
        probe = probe.parent
    if not probe.is_dir():
        return f"--out {out}: {probe} is a file, not a folder"
    if not os.access(probe, os.W_OK | os.X_OK):
        return f"--out {out}: no permission to write in {probe}"
    return None


def make_out_dir(out: Path) -> list[Path]:
    """Create ``out`` before the analysis and prove a file can be written there.

    Returns the folders created (deepest first), so a failed run can remove them again.
    Raises :class:`StorageError` with one line when the folder cannot take files.
    """
    created = [p for p in (out, *out.parents) if not p.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out, prefix=".write-test-")
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        remove_empty(created)
        raise StorageError(f"--out {out} cannot take the results "
                           f"({exc.strerror or exc}).") from exc
    return created


def remove_empty(folders: list[Path]) -> None:
    """Remove the given folders (deepest first) when they are empty."""
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()


@contextlib.contextmanager
def _native_logs_silenced(quiet: bool) -> Iterator[None]:
    """Under ``--quiet``, send what native code (TFLite, glog) writes to fd 2 to /dev/null;
    Python's own stderr (our ``error:`` line) keeps the real stream."""
    if not quiet:
        yield
        return
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    swap = _is_fd2(sys.stderr)
    old_stderr = sys.stderr
    if swap:
        sys.stderr = os.fdopen(os.dup(saved), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    try:
        yield
    finally:
        if swap:
            sys.stderr.flush()
            sys.stderr.close()
            sys.stderr = old_stderr
        os.dup2(saved, 2)
        os.close(saved)


def _is_fd2(stream: object) -> bool:
    try:
        return stream.fileno() == 2  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False


def _os_message(exc: OSError) -> str:
    """One line for a file-system failure, naming the file involved."""
    import errno

    what = exc.filename or "a file"
    if exc.errno == errno.ENOSPC:
        return f"the disk is full: {what} could not be written; free some space and try again."
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"no permission to use {what}."
    if exc.errno == errno.EROFS:
        return f"{what} is on a read-only disk."
    return f"{what}: {exc.strerror or exc}."


def _box(text: str) -> tuple[float, float, float, float]:
    try:
        x, y, w, h = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not x,y,w,h (four numbers in pixels, e.g. 120,40,200,420)") from None
    if not all(math.isfinite(v) for v in (x, y, w, h)) or w <= 0 or h <= 0:
        raise argparse.ArgumentTypeError("the runner box needs finite numbers and a positive "
                                          "width and height")
    return (x, y, w, h)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        _check_args(parser, args)
    except SystemExit as exc:  # refusals of the options (and --help) end here, not in Python
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    created: list[Path] = []
    code = 1
    try:
        if getattr(args, "out", None) is not None:
            created = make_out_dir(Path(args.out))
        with _native_logs_silenced(getattr(args, "quiet", False)):
            code = int(args.func(args))
    except PostureError as exc:
        print(f"error: {exc}", file=sys.stderr)
        code = exc.exit_code
    except OSError as exc:
        print(f"error: {_os_message(exc)}", file=sys.stderr)
        code = StorageError.exit_code
    except KeyboardInterrupt:
        print("error: interrupted.", file=sys.stderr)
        code = 130
    finally:
        if code != 0:
            remove_empty(created)  # a refused run leaves no empty --out folder behind
    return code


if __name__ == "__main__":
    sys.exit(main())
