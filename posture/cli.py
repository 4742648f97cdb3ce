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


def _analyze(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from posture.pipeline import AnalysisOptions, analyze_video
    from posture.video import probe

    options = AnalysisOptions(start_s=args.start, end_s=args.end, runner_height_m=args.height,
                              view=args.view, use_cache=not args.no_cache)
    probe(args.video)  # refuse bad input before drawing a progress bar
    bars: list[tqdm] = []  # created on the first report, so errors print alone

    def progress(done: int, total: int) -> None:
        if not bars:
            bars.append(tqdm(total=total, unit="frame", desc="pose", disable=args.quiet,
                             file=sys.stderr))
        bar = bars[0]
        if bar.total != total:
            bar.total = total
        bar.n = done
        bar.refresh()

    try:
        analysis = analyze_video(args.video, options, progress=progress)
    finally:
        for bar in bars:
            bar.close()
    if args.out is not None:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        analysis.strides.to_csv(out / "strides.csv", index=False)
        (out / "analysis.json").write_text(analysis.to_json())
    if args.json:
        print(analysis.to_json())
    else:
        _print_summary(analysis)
    return 0


def _print_summary(analysis) -> None:  # ClipAnalysis
    v = analysis.view
    print(f"view: {v.view} (facing {v.facing}, confidence {v.confidence:.2f})")
    print(f"strides: {analysis.n_strides}")
    for key, value in analysis.summary.items():
        print(f"{key}: {value:.2f}")
    for flag in analysis.quality:
        print(f"{flag.severity}: {flag.message}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="posture", description="Running posture from video.")
    sub = parser.add_subparsers(dest="command", required=True)

    p_info = sub.add_parser("info", help="describe what intake finds in a clip")
    p_info.add_argument("video")
    p_info.add_argument("--slowmo", type=float, default=None,
                        help="slow-motion factor if the phone did not record it (e.g. 8)")
    p_info.set_defaults(func=_info)

    p_an = sub.add_parser("analyze", help="measure posture stride by stride")
    p_an.add_argument("video")
    p_an.add_argument("--start", type=float, default=None, help="start of the window, s")
    p_an.add_argument("--end", type=float, default=None, help="end of the window, s")
    p_an.add_argument("--out", default=None, help="folder for strides.csv and analysis.json")
    p_an.add_argument("--json", action="store_true", help="print the analysis as JSON")
    p_an.add_argument("--height", type=float, default=None, help="runner height, m")
    p_an.add_argument("--view", choices=["auto", "side", "rear", "front"], default="auto")
    p_an.add_argument("--no-cache", action="store_true", help="ignore cached landmarks")
    p_an.add_argument("--quiet", action="store_true", help="no progress bar")
    p_an.set_defaults(func=_analyze)
    return parser


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
