"""Command line: ``posture info VIDEO`` and ``posture analyze VIDEO``.

Every :class:`posture.errors.PostureError` ends the program with one line
``error: <message>`` on stderr and exit code 2 (never a traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from posture.errors import PostureError


def _info(args: argparse.Namespace) -> int:
    from posture.video import probe_unchecked

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
    from posture.video import probe

    probe(args.video, slowmo_factor=args.slowmo)
    return 0


def _options(args: argparse.Namespace):  # -> AnalysisOptions
    from posture.pipeline import AnalysisOptions

    return AnalysisOptions(start_s=args.start, end_s=args.end, runner_height_m=args.height,
                           view=args.view, use_cache=not args.no_cache,
                           slowmo_factor=args.slowmo, camera_roll_deg=args.tilt)


def _run(video: str, args: argparse.Namespace):  # -> ClipAnalysis
    """Analyse one clip with a progress bar on stderr (refusing bad input before the bar)."""
    from tqdm import tqdm

    from posture.pipeline import analyze_video
    from posture.video import probe

    probe(video, slowmo_factor=args.slowmo)
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
        return analyze_video(video, _options(args), progress=progress)
    finally:
        for bar in bars:
            bar.close()


def _analyze(args: argparse.Namespace) -> int:
    from posture.compare import compare_windows
    from posture.findings import report_or_levels

    analysis = _run(args.video, args)
    comparison = compare_windows(analysis)
    findings = report_or_levels(comparison, analyses=analysis)
    if args.out is not None:
        _write_outputs(Path(args.out), analysis, comparison, findings)
    if args.json:
        print(analysis.to_json())
    else:
        _print_summary(analysis)
        _print_findings(findings, "early versus late")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from posture.compare import compare_clips
    from posture.findings import report_or_levels

    fresh, tired = _run(args.fresh, args), _run(args.fatigued, args)
    comparison = compare_clips(fresh, tired)
    findings = report_or_levels(comparison, analyses=[fresh, tired])
    if args.out is not None:
        out = Path(args.out)
        _write_outputs(out / "fresh", fresh, None, None)
        _write_outputs(out / "fatigued", tired, comparison, findings)
    if args.json:
        print(comparison.to_json())
    else:
        _print_findings(findings, "fresh versus fatigued")
    return 0


def _session(args: argparse.Namespace) -> int:
    """A side clip and a rear (or front) clip of the same run: one report, both planes."""
    from posture.report.session import AnalysedClip, build_view_pair

    pair = build_view_pair(AnalysedClip(Path(args.side).name, _run(args.side, args)),
                           AnalysedClip(Path(args.frontal).name, _run(args.frontal, args)))
    if args.out is not None:
        for part in pair.parts:
            _write_outputs(Path(args.out) / part.clips[0].role, part.clips[0].analysis,
                           part.comparison, part.findings)
        (Path(args.out) / "findings.json").write_text(pair.findings.to_json())
    if args.json:
        print(pair.findings.to_json())
    else:
        for clip in pair.clips:
            _print_summary(clip.analysis)
        _print_findings(pair.findings, pair.title)
    return 0


def _write_outputs(out: Path, analysis, comparison, findings) -> None:
    out.mkdir(parents=True, exist_ok=True)
    analysis.strides.to_csv(out / "strides.csv", index=False)
    (out / "analysis.json").write_text(analysis.to_json())
    if comparison is not None:
        comparison.table().to_csv(out / "comparison.csv")
        (out / "comparison.json").write_text(comparison.to_json())
    if findings is not None:
        (out / "findings.json").write_text(findings.to_json())


def _print_summary(analysis) -> None:  # ClipAnalysis
    v = analysis.view
    print(f"view: {v.view} (facing {v.facing}, confidence {v.confidence:.2f}); "
          f"camera tilt corrected: {v.camera_roll_deg:+.1f} deg ({v.roll_source})")
    print(f"strides: {analysis.n_strides}")
    for key, value in analysis.summary.items():
        print(f"{key}: {value:.2f}")
    for flag in analysis.quality:
        print(f"{flag.severity}: {flag.message}")


def _print_findings(rep, what: str) -> None:  # FindingsReport
    print(f"\nfindings ({what}):")
    for w in rep.warnings:
        print(f"  {w.severity}: {w.message}")
    if not rep.shown:
        print("  nothing changed beyond what video can detect.")
    for f in rep.shown:
        print("\n" + "\n".join("  " + line for line in f.text().splitlines()))
    if rep.more:
        print(f"\n  ({len(rep.more)} more, less important: see findings.json with --out)")
    print(f"\n{rep.care_note}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="posture", description="Running posture from video.")
    sub = parser.add_subparsers(dest="command", required=True)

    p_info = sub.add_parser("info", help="describe what intake finds in a clip")
    p_info.add_argument("video")
    p_info.add_argument("--slowmo", type=float, default=None,
                        help="slow-motion factor if the phone did not record it (e.g. 8)")
    p_info.set_defaults(func=_info)

    p_an = sub.add_parser("analyze", help="measure posture stride by stride; early vs late")
    p_an.add_argument("video")
    _analysis_arguments(p_an)
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
    return parser


def _analysis_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--start", type=float, default=None, help="start of the window, s")
    p.add_argument("--end", type=float, default=None, help="end of the window, s")
    p.add_argument("--out", default=None,
                   help="folder for strides.csv, analysis.json, comparison and findings")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--height", type=float, default=None, help="runner height, m")
    p.add_argument("--view", choices=["auto", "side", "rear", "front"], default="auto")
    p.add_argument("--slowmo", type=float, default=None,
                   help="slow-motion factor if the phone did not record it (e.g. 4)")
    p.add_argument("--tilt", type=float, default=None,
                   help="camera tilt in degrees (clockwise +) instead of the estimate")
    p.add_argument("--no-cache", action="store_true", help="ignore cached landmarks")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except PostureError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
