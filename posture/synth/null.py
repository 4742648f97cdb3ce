"""Steady runs compared with themselves: false "changed" counts and noise floors (issue 17).

Nothing changes within a steady run, so every "changed" verdict between its two halves (as
two clips, and early versus late in the whole clip) is a false alarm, and the differences
between the halves' means are the between-window noise of each metric.

For each steady real clip (``/work/shared/videos``, see ``REAL_CLIPS``) and each rendered
runner without fatigue (``--rendered``, ``RENDERED``: several seeds, 30 and 60 fps, camera
roll 0 and +-4 deg; clips cached in ``--clips``):

* ``halves``: the clip cut at its middle, both halves analysed together (one camera level,
  :func:`posture.pipeline.analyze_tracks`) and compared as fresh versus fatigued;
* ``halves apart``: the same halves analysed one by one (how two clips were levelled before
  issue 17: each its own scene-line roll);
* ``early/late``: :func:`posture.stats.compare.compare_windows` on the whole clip (first versus last
  third of the strides);
* noise floor per metric: stride-to-stride SD (pooled within leg and half) and the drift
  between the leg-balanced means of the first and the second half of the whole clip's
  strides.

Usage::

    .venv/bin/python -m posture.synth.null [--rendered] [--clips DIR] [--out FILE.md]
    .venv/bin/python -m posture.synth.null --scene   # scene-line roll stability only

Pose results are cached, so a second run takes seconds per clip.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from posture.errors import PostureError
from posture.findings.rules import report_or_levels
from posture.metrics.registry import METRICS
from posture.pipeline import AnalysisOptions, analyze_track, analyze_tracks, extract_track
from posture.results import ClipAnalysis
from posture.stats.compare import Comparison, compare_clips, compare_windows
from posture.track import PoseTrack

#: The shared real clips: ``$POSTURE_SHARED_VIDEOS``, else ``shared/videos`` beside the repo.
SHARED = Path(os.environ.get("POSTURE_SHARED_VIDEOS",
                             Path(__file__).resolve().parents[3] / "shared" / "videos"))
#: Steady-state real clips and their slow-motion factor (None: read from the file). The
#: street and track clips are slow motion without a tag (2x and 4x, established while
#: hand-labelling them: tests/data/real_contacts.csv).
REAL_CLIPS: tuple[tuple[str, float | None], ...] = (
    ("side_treadmill_gym_60fps_mhuang24.mp4", None),
    ("side_treadmill_lab_mhuang24.mp4", None),
    ("side_road_tracking-shot_pauldess1.mp4", 2.0),
    ("side_street_static-cam_50fps_cezaraandreea.mp4", 2.0),
    ("side_track_tracking-shot_betterforerunner.mp4", 4.0),
)


def rendered_cases() -> list:  # list[posture.synth.validate.Case]
    """Rendered runners without fatigue: seeds, 30/60 fps, camera roll 0 and +-4 deg."""
    from posture.synth.camera import CameraParams
    from posture.synth.render import RenderStyle
    from posture.synth.samples import FRESH
    from posture.synth.validate import Case

    side = CameraParams(view="side", width_px=640, height_px=360, fps=60.0)
    return [
        Case("null_s1_60fps", FRESH, side, duration_s=12.0, seed=1),
        Case("null_s2_30fps", FRESH, replace(side, fps=30.0), duration_s=12.0, seed=2),
        Case("null_s3_30fps_roll_p4", FRESH, replace(side, fps=30.0, roll_deg=4.0),
             duration_s=12.0, seed=3),
        Case("null_s4_60fps_roll_m4", FRESH, replace(side, roll_deg=-4.0), duration_s=12.0,
             seed=4, style=RenderStyle(background="textured")),
    ]


@dataclass
class NullResult:
    clip: str
    pair: str
    """"halves", "halves apart" or "early/late"."""
    tested: list[str] = field(default_factory=list)
    """Metrics with a verdict (enough strides on both sides)."""
    changed: list[str] = field(default_factory=list)
    change_findings: list[str] = field(default_factory=list)
    rolls: str = ""
    changes: dict[str, float] = field(default_factory=dict)
    """Change of each judged metric (its unit)."""


def split_halves(track: PoseTrack) -> tuple[PoseTrack, PoseTrack]:
    """The track cut at the middle of its detected frames (time)."""
    t = track.t_s[track.detected] if track.detected.any() else track.t_s
    mid = 0.5 * (float(t[0]) + float(t[-1]))
    return track.take(np.flatnonzero(track.t_s < mid)), track.take(
        np.flatnonzero(track.t_s >= mid))


def null_result(clip: str, pair: str, comparison: Comparison,
                analyses: list[ClipAnalysis]) -> NullResult:
    fr = report_or_levels(comparison, analyses=analyses)
    findings = [f.metric for f in (*fr.shown, *fr.more) if f.kind == "change"]
    rolls = ", ".join(f"{a.view.roll_source} {a.summary.get('camera_roll_deg', 0.0):+.1f}"
                      for a in analyses)
    return NullResult(clip, pair,
                      tested=[m for m, c in comparison.changes.items()
                              if c.verdict != "not enough data"],
                      changed=[c.metric for c in comparison.changed()],
                      change_findings=findings, rolls=rolls,
                      changes={m: c.change for m, c in comparison.changes.items()
                               if c.verdict != "not enough data"})


def null_results(name: str, track: PoseTrack, options: AnalysisOptions) -> list[NullResult]:
    """The three null comparisons of one steady clip (a pair the analysis refuses, e.g.
    too few strides in a half, is reported with the refusal)."""
    a, b = split_halves(track)

    def together() -> NullResult:
        clips = analyze_tracks([a, b], [options, options])
        return null_result(name, "halves", compare_clips(*clips), clips)

    def apart() -> NullResult:
        clips = [analyze_track(a, options), analyze_track(b, options)]
        return null_result(name, "halves apart", compare_clips(*clips), clips)

    def early_late() -> NullResult:
        whole = analyze_track(track, options)
        return null_result(name, "early/late", compare_windows(whole), [whole])

    out = []
    for pair, run in [("halves", together), ("halves apart", apart),
                      ("early/late", early_late)]:
        try:
            out.append(run())
        except PostureError as exc:
            out.append(NullResult(name, pair, rolls=f"refused: {str(exc)[:60]}"))
    return out


def noise_floor(analysis: ClipAnalysis, clip: str) -> pd.DataFrame:
    """Per metric: stride-to-stride SD and first-half/second-half drift of a steady clip.

    SD is pooled within leg and half (so neither a left-right difference nor a drift
    inflates it); the drift is the difference of the leg-balanced means of the second and
    first half of the strides (by start time). Units: each metric's unit.
    """
    from posture.stats.compare import valid_values

    s = analysis.strides.sort_values("t_start_s").reset_index(drop=True)
    half = np.arange(len(s)) >= len(s) / 2
    rows = []
    for m in analysis.metric_columns():
        parts = [valid_values(s[half == h], m) for h in (False, True)]
        if min(len(p) for p in parts) < 3:
            continue
        dev, means = [], []
        for p in parts:
            legs = [g["value"].to_numpy() for _, g in p.groupby("leg") if len(g) >= 2]
            legs = legs if len(legs) > 1 else [p["value"].to_numpy()]
            dev += [g - g.mean() for g in legs]
            means.append(np.mean([g.mean() for g in legs]))
        resid = np.concatenate(dev)
        dof = resid.size - len(dev)
        rows.append({"clip": clip, "metric": m, "n": sum(len(p) for p in parts),
                     "sd": float(np.sqrt(np.sum(resid**2) / dof)) if dof > 0 else np.nan,
                     "drift": float(means[1] - means[0])})
    return pd.DataFrame(rows)


#: Sample shifts (fractions of the frame spacing) for the scene-level stability check.
PHASES: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8)


def scene_level_check(name: str, track: PoseTrack) -> dict[str, object]:
    """The scene-line roll of one clip sampled at other frames, and of its halves.

    Each phase samples 16 other frames spread over the clip; a stable estimate gives the
    same roll (within 0.5 deg) at every phase, or none. ``halves`` is what the two halves
    analysed together get (:func:`posture.camera.scene_lines.shared_rolls`).
    """
    from posture.camera.scene_lines import scene_votes_for_track, shared_rolls, stable_roll
    from posture.signal.clean import clean_track

    clean = clean_track(track)
    row: dict[str, object] = {"clip": name}
    found = []
    for ph in PHASES:
        votes = scene_votes_for_track(clean, phase=ph)
        est = stable_roll(votes) if votes else None
        ok = est is not None and est.ok
        row[f"phase {ph:.1f}"] = f"{est.roll_deg:+.2f}" if ok else "none"
        found += [est.roll_deg] if ok else []
    row["spread"] = f"{np.ptp(found):.2f}" if found else "-"
    halves = [clean_track(h) for h in split_halves(track)]
    a, b = shared_rolls([scene_votes_for_track(h) for h in halves])
    row["halves (shared)"] = " / ".join(f"{r.roll_deg:+.2f}" if r is not None and r.ok
                                        else "none" for r in (a, b))
    return row


def real_clips() -> list[tuple[str, PoseTrack, AnalysisOptions]]:
    out = []
    for name, slowmo in REAL_CLIPS:
        path = SHARED / name
        if path.exists():
            opts = AnalysisOptions(slowmo_factor=slowmo)
            out.append((name, extract_track(path, opts), opts))
    return out


def rendered_clips(folder: Path) -> list[tuple[str, PoseTrack, AnalysisOptions]]:
    from posture.synth.validate import render_case

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for case in rendered_cases():
        path = render_case(case, folder)
        out.append((case.name, extract_track(path), AnalysisOptions()))
    return out


def floors_table(floors: pd.DataFrame, results: list[NullResult]) -> pd.DataFrame:
    """Per metric over clips: median and largest stride SD, the largest |drift| between the
    halves of a whole clip's strides, and the largest |change| of the halves compared as two
    clips ("halves"), each with the clip it came from."""
    halves = pd.DataFrame([{"clip": r.clip, "metric": m, "change": v}
                           for r in results if r.pair == "halves"
                           for m, v in r.changes.items()])
    rows = []
    for m, g in floors.groupby("metric", sort=False):
        worst = g.loc[g["drift"].abs().idxmax()]
        h = halves[halves["metric"] == m] if len(halves) else halves
        hw = h.loc[h["change"].abs().idxmax()] if len(h) else None
        rows.append({"metric": m, "unit": METRICS[m].unit, "clips": len(g),
                     "stride_sd_median": g["sd"].median(), "stride_sd_max": g["sd"].max(),
                     "drift_max_abs": abs(worst["drift"]), "drift_max_clip": worst["clip"],
                     "halves_change_max_abs": abs(hw["change"]) if hw is not None else np.nan,
                     "halves_change_clip": hw["clip"] if hw is not None else "-",
                     "sdd_registry": METRICS[m].sdd})
    order = {m: k for k, m in enumerate(METRICS)}
    return pd.DataFrame(rows).sort_values("metric", key=lambda c: c.map(order))


def _md(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in df.iterrows():
        lines.append("| " + " | ".join(f"{v:.2f}" if isinstance(v, float) else str(v)
                                       for v in r) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rendered", action="store_true", help="also the rendered null runners")
    ap.add_argument("--clips", type=Path, default=Path("/tmp/posture-null-clips"),
                    help="folder for the rendered clips (cached)")
    ap.add_argument("--out", type=Path, help="write the markdown tables here too")
    ap.add_argument("--scene", action="store_true",
                    help="only the scene-line roll stability check of the real clips")
    args = ap.parse_args(argv)
    if args.scene:
        text = _md(pd.DataFrame([scene_level_check(name, track)
                                 for name, track, _ in real_clips()]))
        print(text)
        if args.out:
            args.out.write_text(text + "\n")
        return
    clips = real_clips() + (rendered_clips(args.clips) if args.rendered else [])
    results, floors = [], []
    for name, track, opts in clips:
        print(f"{name} ...", file=sys.stderr, flush=True)
        results += null_results(name, track, opts)
        try:
            floors.append(noise_floor(analyze_track(track, opts), name))
        except PostureError:
            continue
    table = pd.DataFrame([{
        "clip": r.clip, "pair": r.pair, "rolls": r.rolls, "tested": len(r.tested),
        "changed": len(r.changed), "change findings": len(r.change_findings),
        "which": ", ".join(sorted(set(r.changed) | set(r.change_findings))) or "-"}
        for r in results])
    text = ("## Null comparisons\n\n" + _md(table) + "\n\n## Noise floors\n\n"
            + _md(floors_table(pd.concat(floors, ignore_index=True), results))
            + "\n\n## Per clip\n\n"
            + _md(pd.concat(floors, ignore_index=True)) + "\n")
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
