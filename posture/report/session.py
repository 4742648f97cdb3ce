"""One analysed session (one clip early vs late, or fresh vs fatigued) and everything drawn
from it: comparison, findings, summary table, plots, key frames, PDF and JSON.

The app and the CLI build a :class:`Session` with :func:`build_session` and then only ask it
for pictures and files. No metric is computed here; the comparison and findings come from
:mod:`posture.compare` and :mod:`posture.findings`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd

from posture.compare import Comparison, compare_clips, compare_windows
from posture.findings import Finding, FindingsReport, report_or_levels
from posture.metrics.registry import spec
from posture.report import plots
from posture.report.annotate import annotate_frame, context_from_view
from posture.report.export import analysis_json
from posture.report.keyframes import KeyFrames, frame_at, key_frames
from posture.report.pdf import FindingText, ReportContent, build_pdf
from posture.results import ClipAnalysis
from posture.track import PoseTrack

Role = Literal["single", "fresh", "fatigued"]

#: Metrics plotted first (the ones that bear on the low back), then every other one measured.
PLOT_ORDER: tuple[str, ...] = (
    "trunk_lean_deg", "lumbar_arch_pct", "overstride_pct_leg", "shank_angle_ic_deg",
    "lateral_sway_pct_hip", "pelvic_drop_deg", "lateral_lean_peak_deg", "cadence_spm",
    "trunk_thigh_toeoff_deg", "knee_flexion_ic_deg", "vertical_oscillation_pct_leg",
)


@dataclass
class AnalysedClip:
    """One clip with what the library produced for it."""

    name: str
    analysis: ClipAnalysis
    role: Role = "single"
    video_path: str | None = None
    """None when reopened from the history (pictures from the video are then unavailable)."""
    track: PoseTrack | None = None


@dataclass
class Session:
    runner: str
    session_date: date
    clips: list[AnalysedClip]
    comparison: Comparison | None
    findings: FindingsReport
    treadmill_speed_kmh: float | None = None
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def two_clips(self) -> bool:
        return len(self.clips) == 2

    @property
    def labels(self) -> tuple[str, str]:
        return self.comparison.labels if self.comparison else ("early", "late")


def build_session(clips: list[AnalysedClip], *, runner: str = "",
                  session_date: date | None = None,
                  treadmill_speed_kmh: float | None = None,
                  labels: tuple[str, str] | None = None) -> Session:
    """Compare (early vs late in one clip, or the two clips) and rank the findings.

    ``labels`` name the two sides (default "early"/"late" or "fresh"/"fatigued").
    """
    if not 1 <= len(clips) <= 2:
        raise ValueError("a session holds one or two clips")
    analyses = [c.analysis for c in clips]
    if len(clips) == 2:
        comparison = compare_clips(analyses[0], analyses[1],
                                   labels=labels or ("fresh", "fatigued"))
    else:
        comparison = compare_windows(analyses[0], labels=labels or ("early", "late"))
    fr = report_or_levels(comparison, analyses=analyses)
    return Session(runner=runner, session_date=session_date or date.today(), clips=clips,
                   comparison=comparison, findings=fr,
                   treadmill_speed_kmh=treadmill_speed_kmh)


def _any_verdict(comparison: Comparison) -> bool:
    return any(c.verdict != "not enough data" for c in comparison.changes.values())


def change_judged(session: Session) -> bool:
    """True when at least one metric had enough strides on both sides for a verdict."""
    return session.comparison is not None and _any_verdict(session.comparison)


# ---------------------------------------------------------------------------- tables
def _fmt(v: float, decimals: int, *, sign: bool = False) -> str:
    if v is None or not math.isfinite(v):
        return "-"
    return f"{v:+.{decimals}f}" if sign else f"{v:.{decimals}f}"


VERDICT_WORDS = {"changed": "changed", "unchanged": "no clear change",
                 "not enough data": "not enough data"}


def summary_table(comparison: Comparison, *, metrics: list[str] | None = None) -> pd.DataFrame:
    """Metric, A mean, B mean, change, 95% CI, verdict - one row per measured metric.

    Rows follow :data:`PLOT_ORDER`; metrics with no value in either window are left out.
    """
    a_lab, b_lab = comparison.labels
    rows = []
    order = metrics or [m for m in PLOT_ORDER if m in comparison.changes] + [
        m for m in comparison.changes if m not in PLOT_ORDER]
    for m in order:
        c = comparison.changes.get(m)
        if c is None or (c.a_n == 0 and c.b_n == 0):
            continue
        d = spec(m).decimals
        verdict = VERDICT_WORDS.get(c.verdict, c.verdict)
        if c.verdict == "changed" and c.direction in ("worse", "better"):
            verdict = f"{verdict} ({c.direction})"
        rows.append({
            "Metric": c.label + ("" if "experimental" in c.label or not c.experimental
                                 else " (experimental)"),
            "Unit": c.unit,
            a_lab.capitalize(): _fmt(c.a_mean, d),
            b_lab.capitalize(): _fmt(c.b_mean, d),
            "Change": _fmt(c.change, d, sign=True),
            "95% CI": (f"{_fmt(c.ci_low, d, sign=True)} to {_fmt(c.ci_high, d, sign=True)}"
                       if math.isfinite(c.ci_low) else "-"),
            "Strides": f"{c.a_n} / {c.b_n}",
            "Verdict": verdict,
        })
    return pd.DataFrame(rows)


def plotted_metrics(session: Session, *, limit: int | None = None) -> list[str]:
    """Metrics with data in the session, low-back ones first."""
    present = set()
    for c in session.clips:
        for m in c.analysis.metric_columns():
            if c.analysis.strides[m].notna().any():
                present.add(m)
    order = [m for m in PLOT_ORDER if m in present] + sorted(present - set(PLOT_ORDER))
    return order[:limit] if limit else order


# ---------------------------------------------------------------------------- plots
def plot_series(session: Session) -> tuple[list[plots.Series], tuple[plots.Window, ...]]:
    """What to draw: one series per clip; early/late windows shaded for a single clip."""
    colours = (plots.EARLY_COLOUR, plots.LATE_COLOUR)
    if session.two_clips:
        series = [plots.Series(f"{c.role}: {c.name}", c.analysis.strides, colours[i])
                  for i, c in enumerate(session.clips)]
        return series, ()
    series = [plots.Series(session.clips[0].name, session.clips[0].analysis.strides, "#333333")]
    windows: tuple[plots.Window, ...] = ()
    comp = session.comparison
    if comp is not None:
        windows = tuple(
            plots.Window(w.label, w.t_start_s, w.t_end_s, colours[i])
            for i, w in enumerate((comp.a, comp.b)) if math.isfinite(w.t_start_s))
    return series, windows


def metric_figure(session: Session, metric: str) -> object:
    series, windows = plot_series(session)
    return plots.metric_figure(series, metric, windows=windows,
                               band=plots.load_bands().get(metric))


def overview_figure(session: Session, *, limit: int = 6) -> object:
    series, windows = plot_series(session)
    return plots.metrics_grid_figure(series, plotted_metrics(session, limit=limit),
                                     windows=windows, bands=plots.load_bands())


# ---------------------------------------------------------------------------- key frames
@dataclass(frozen=True)
class KeyFramePair:
    """Representative stride of window A and of window B (with the clip each comes from)."""

    a: KeyFrames
    b: KeyFrames
    clip_a: int
    clip_b: int


def _window_strides(a: ClipAnalysis, stride_ids: list[int]) -> pd.DataFrame:
    s = a.strides
    sub = s[s["stride"].isin(stride_ids)] if stride_ids else s
    return sub if len(sub) else s


def _same_leg(strides: pd.DataFrame, leg: str) -> pd.DataFrame:
    """Strides of ``leg`` when the window has any, so both pictures show the same leg."""
    sub = strides[strides["leg"] == leg]
    return sub if len(sub) else strides


def key_frame_pair(session: Session) -> KeyFramePair | None:
    """The most representative stride of each window, landing on the same leg (None when a
    clip has no stride)."""
    if any(c.analysis.n_strides == 0 for c in session.clips):
        return None
    comp = session.comparison
    if session.two_clips:
        kb = key_frames(session.clips[1].analysis.strides)
        ka = key_frames(_same_leg(session.clips[0].analysis.strides, kb.leg))
        return KeyFramePair(ka, kb, 0, 1)
    a = session.clips[0].analysis
    ids_a = comp.a.strides if comp else []
    ids_b = comp.b.strides if comp else []
    kb = key_frames(_window_strides(a, ids_b))
    return KeyFramePair(key_frames(_same_leg(_window_strides(a, ids_a), kb.leg)), kb, 0, 0)


def _stride_row(analysis: ClipAnalysis, stride: int) -> pd.Series:
    s = analysis.strides
    return s[s["stride"] == stride].iloc[0]


def annotated_frame(clip: AnalysedClip, row: int, *, phase: str = "none",
                    stride: int | None = None, caption: str = "",
                    max_side_px: int = 720) -> np.ndarray:
    """Decode track row ``row`` of the clip and draw the analysis on it."""
    if clip.video_path is None or clip.track is None:
        raise ValueError("the video of this clip is not available")
    img, scale = frame_at(clip.video_path, clip.track, row, max_side_px=max_side_px)
    track = clip.track
    if scale != 1.0:
        from posture.report.video_out import _scaled_row

        track, row = _scaled_row(track, row, scale), 0
    leg, over = None, None
    if stride is not None:
        r = _stride_row(clip.analysis, stride)
        leg = str(r["leg"])
        over = float(r["overstride_pct_leg"]) if "overstride_pct_leg" in r else None
    ctx = context_from_view(clip.analysis.view)
    return annotate_frame(img, track, row, ctx, phase=phase, leg=leg,
                          overstride_pct_leg=over, caption=caption)


def key_frame_images(session: Session, *,
                     max_side_px: int = 720) -> list[tuple[str, np.ndarray]]:
    """Annotated frames: A and B at initial contact, then A and B at midstance."""
    pair = key_frame_pair(session)
    if pair is None or any(c.video_path is None or c.track is None for c in session.clips):
        return []
    a_lab, b_lab = session.labels
    out = []
    for phase, word in (("ic", "landing"), ("midstance", "midstance")):
        for lab, kf, ci in ((a_lab, pair.a, pair.clip_a), (b_lab, pair.b, pair.clip_b)):
            row = kf.frame_ic if phase == "ic" else kf.frame_midstance
            caption = f"{lab.capitalize()} - {word} (stride {kf.stride}, {kf.leg} leg)"
            img = annotated_frame(session.clips[ci], row, phase=phase, stride=kf.stride,
                                  caption=caption, max_side_px=max_side_px)
            out.append((caption, img))
    return out


# ---------------------------------------------------------------------------- files
def all_findings(session: Session) -> list[Finding]:
    return [*session.findings.shown, *session.findings.more]


def finding_text(f: Finding) -> FindingText:
    body = f"{f.measured} Confidence: {f.confidence} ({f.confidence_reason}). {f.meaning}"
    return FindingText(title=f.title, body=body, action=" ".join(f.actions),
                       experimental=f.experimental)


def clip_line(c: AnalysedClip) -> str:
    a = c.analysis
    parts = [f"{c.name} ({c.role})", f"{a.view.view} view"]
    if a.info is not None:
        parts += [f"{a.info.duration_s:.0f} s", f"{a.info.fps_capture:.0f} fps",
                  f"{a.info.width_px}x{a.info.height_px}"]
    parts.append(f"{a.n_strides} strides")
    return ", ".join(parts)


def session_meta(session: Session) -> dict:
    return {"runner": session.runner, "date": session.session_date.isoformat(),
            "treadmill_speed_kmh": session.treadmill_speed_kmh,
            "clips": [{"name": c.name, "role": c.role} for c in session.clips]}


def session_json(session: Session) -> str:
    return analysis_json({c.name: c.analysis for c in session.clips},
                         comparison=session.comparison.to_dict() if session.comparison else None,
                         findings=session.findings.to_dict(), meta=session_meta(session))


def _pdf_table(comparison: Comparison) -> pd.DataFrame:
    t = summary_table(comparison)
    if t.empty:
        return t
    t["Metric"] = t["Metric"] + " (" + t["Unit"] + ")"
    return t.drop(columns=["Unit"])


def session_pdf(session: Session, *, key_frames_rgb: list[tuple[str, np.ndarray]] | None = None,
                ) -> bytes:
    """The PDF report (key frames decoded from the videos unless given)."""
    if key_frames_rgb is None:
        key_frames_rgb = key_frame_images(session, max_side_px=480)
    a_lab, b_lab = session.labels
    content = ReportContent(
        runner=session.runner, session_date=session.session_date,
        clips=[clip_line(c) for c in session.clips],
        comparison_title=f"{a_lab} versus {b_lab}",
        key_frames=key_frames_rgb,
        plots_png=[plots.figure_png(overview_figure(session), dpi=110)],
        summary=_pdf_table(session.comparison) if session.comparison else None,
        findings=[finding_text(f) for f in all_findings(session)],
        warnings=[w.message for w in session.findings.warnings]
        + [q.message for c in session.clips for q in c.analysis.quality],
        care_note=session.findings.care_note,
    )
    return build_pdf(content)
