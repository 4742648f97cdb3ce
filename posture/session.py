"""One analysed session and everything drawn from it: comparison, findings, summary table,
plots, key frames, PDF and JSON.

Three kinds of session: one clip (early versus late), two clips of the same view (fresh
versus fatigued), and a side clip with a rear or front clip of the same run (each clip early
versus late, one merged list of findings: :func:`build_view_pair`).

The app and the CLI build a :class:`Session` with :func:`build_session` and then only ask it
for pictures and files. No metric is computed here; the comparison and findings come from
:mod:`posture.stats.compare` and :mod:`posture.findings.rules`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from posture.errors import WrongViewError
from posture.findings.rules import (
    SHORT_CLIP_CODE,
    TO_CHECK_HINT,
    Finding,
    FindingsReport,
    any_judged,
    judge_change,
    level_cue,
    merge_reports,
    nothing_stands_out,
    report_or_levels,
    usual_range_text,
)
from posture.history import StoredSession
from posture.io import cache
from posture.metrics.registry import spec
from posture.pose.model import EXTRACTION_VERSION, ExtractionSettings
from posture.report import plots
from posture.report.annotate import annotate_frame, context_from_view, labels_as_analysed
from posture.report.export import analysis_json
from posture.report.keyframes import KeyFrames, decode_jpeg, encode_jpeg, frame_at, key_frames
from posture.report.pdf import FindingText, ReportContent, build_pdf
from posture.report.player import PlayerPlan, PlayerSide, plan_player
from posture.results import ClipAnalysis
from posture.stats.compare import Comparison, compare_clips, compare_windows
from posture.stats.sides import COLUMNS as SIDE_COLUMNS
from posture.stats.sides import left_right_table, leg_pairs, pair_row
from posture.track import PoseTrack
from posture.wording import MIN_CLIP_S

Role = Literal["single", "fresh", "fatigued", "side", "frontal"]
"""What a clip is in its session; "side" and "frontal" are the two cameras of a view pair."""

VIEW_TITLES = {"side": "Side view", "rear": "From behind", "front": "From the front"}

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


PAIN_SIDES: tuple[str, ...] = ("", "none", "left", "right", "both sides")
"""Where the runner has pain ("" not asked)."""


@dataclass
class Visit:
    """What a clinic records with a session besides the clips; every field optional."""

    patient_id: str = ""
    pain_side: str = ""
    """One of :data:`PAIN_SIDES`."""
    pain_score: int | None = None
    """Pain now, 0 (none) to 10 (worst imaginable)."""
    shoes: str = ""
    notes: str = ""
    """The clinician's notes, printed on the report's first page."""
    report_metrics: list[str] | None = None
    """Metrics of the findings that go in the report, in the findings' order; None: all."""

    def __post_init__(self) -> None:
        if self.pain_side not in PAIN_SIDES:
            raise ValueError(f"pain side must be one of {PAIN_SIDES}, not {self.pain_side!r}")
        if self.pain_score is not None and not 0 <= self.pain_score <= 10:
            raise ValueError(f"pain score must be 0 to 10, not {self.pain_score}")

    def to_dict(self) -> dict:
        return {"patient_id": self.patient_id, "pain_side": self.pain_side,
                "pain_score": self.pain_score, "shoes": self.shoes, "notes": self.notes,
                "report_metrics": self.report_metrics}

    @classmethod
    def from_dict(cls, d: dict | None) -> Visit:
        """A stored visit; unknown keys are ignored and a value out of range is dropped
        (a hand-edited history must not stop a session from reopening)."""
        d = d or {}
        side = d.get("pain_side") or ""
        score = d.get("pain_score")
        metrics = d.get("report_metrics")
        return cls(patient_id=str(d.get("patient_id") or ""),
                   pain_side=side if side in PAIN_SIDES else "",
                   pain_score=int(score) if isinstance(score, int | float)
                   and 0 <= score <= 10 else None,
                   shoes=str(d.get("shoes") or ""), notes=str(d.get("notes") or ""),
                   report_metrics=[str(m) for m in metrics] if isinstance(metrics, list)
                   else None)

    def lines(self) -> list[tuple[str, str]]:
        """(label, value) of each field given, for a page or a report."""
        out = []
        if self.patient_id:
            out.append(("Patient ID", self.patient_id))
        if self.pain_side or self.pain_score is not None:
            score = "" if self.pain_score is None else f"{self.pain_score}/10"
            side = "" if self.pain_side in ("", "none") else self.pain_side
            out.append(("Pain", ", ".join(x for x in (score, side) if x) or "none"))
        if self.shoes:
            out.append(("Shoes", self.shoes))
        return out


def speed_text(speed_kmh: float | None) -> str:
    """Treadmill speed with its pace: "12 km/h (5:00 min/km)"; "" when not given."""
    if not speed_kmh or not math.isfinite(speed_kmh) or speed_kmh <= 0:
        return ""
    pace_s = round(3600 / speed_kmh)
    return f"{speed_kmh:g} km/h ({pace_s // 60}:{pace_s % 60:02d} min/km)"


@dataclass
class Session:
    runner: str
    session_date: date
    clips: list[AnalysedClip]
    comparison: Comparison | None
    findings: FindingsReport
    treadmill_speed_kmh: float | None = None
    notes: dict[str, str] = field(default_factory=dict)
    parts: list[Session] = field(default_factory=list)
    """View pair only: one early-versus-late session per clip (side first). The pair itself
    has no single comparison; its ``findings`` merge those of the parts."""
    marks: tuple[plots.Mark, ...] = ()
    """Moments marked on the plots: the cues of a live session (``posture.live.report``)."""
    visit: Visit = field(default_factory=Visit)
    saved_key_frames: list[tuple[str, np.ndarray]] = field(default_factory=list)
    """Key frames kept with a stored session (caption, RGB): shown when it is reopened
    without its videos."""

    @property
    def view_pair(self) -> bool:
        """A side clip and a rear/front clip of the same run."""
        return bool(self.parts)

    @property
    def two_clips(self) -> bool:
        """Fresh versus fatigued (two clips compared with each other)."""
        return len(self.clips) == 2 and not self.parts

    @property
    def labels(self) -> tuple[str, str]:
        if self.comparison is not None:
            return self.comparison.labels
        return self.parts[0].labels if self.parts else ("early", "late")

    @property
    def title(self) -> str:
        """What was compared, in words."""
        if self.view_pair:
            views = " and ".join(VIEW_TITLES[p.view].lower() for p in self.parts)
            return f"{views}, early versus late in each"
        a_lab, b_lab = self.labels
        return f"{a_lab} versus {b_lab}"

    @property
    def view(self) -> str:
        """Camera view of the first clip ("side", "rear" or "front")."""
        return self.clips[0].analysis.view.view


def build_session(clips: list[AnalysedClip], *, runner: str = "",
                  session_date: date | None = None,
                  treadmill_speed_kmh: float | None = None,
                  labels: tuple[str, str] | None = None, visits: bool = False) -> Session:
    """Compare (early vs late in one clip, or the two clips) and rank the findings.

    ``labels`` name the two sides (default "early"/"late" or "fresh"/"fatigued"). Two clips
    with the roles "side" and "frontal" make a view pair (:func:`build_view_pair`).
    ``visits``: the two clips are visits weeks apart (older first), so the findings speak
    of change since the last visit rather than of fatigue.
    """
    if not 1 <= len(clips) <= 2:
        raise ValueError("a session holds one or two clips")
    if len(clips) == 2 and {c.role for c in clips} == {"side", "frontal"}:
        return build_view_pair(clips[0], clips[1], runner=runner, session_date=session_date,
                               treadmill_speed_kmh=treadmill_speed_kmh)
    analyses = [c.analysis for c in clips]
    if len(clips) == 2:
        comparison = compare_clips(analyses[0], analyses[1],
                                   labels=labels or ("fresh", "fatigued"))
        if visits:
            comparison = replace(comparison, mode="visits")
    else:
        comparison = judge_change(compare_windows(analyses[0],
                                                  labels=labels or ("early", "late")))
    fr = report_or_levels(comparison, analyses=analyses)
    return Session(runner=runner, session_date=session_date or date.today(), clips=clips,
                   comparison=comparison, findings=fr,
                   treadmill_speed_kmh=treadmill_speed_kmh)


def order_view_pair(a: AnalysedClip, b: AnalysedClip) -> tuple[AnalysedClip, AnalysedClip]:
    """The side clip and the rear/front clip of a view pair, in that order, roles set.

    The clips may come in either order; their detected (or overridden) views decide.

    Raises
    ------
    WrongViewError
        Unless exactly one clip is a side view and the other a rear or front view.
    """
    views = [c.analysis.view.view for c in (a, b)]
    if views.count("side") != 1:  # the other view is then "rear" or "front"
        names = " and ".join(f"{c.name} ({v} view)" for c, v in zip((a, b), views, strict=True))
        raise WrongViewError(
            f"A side + rear/front session needs one clip filmed from the side and one from "
            f"behind or in front; found {names}. For a fresh and a fatigued clip from the same "
            "angle choose 'Two clips (fresh vs fatigued)'.")
    side, frontal = (a, b) if views[0] == "side" else (b, a)
    return replace(side, role="side"), replace(frontal, role="frontal")


def build_view_pair(a: AnalysedClip, b: AnalysedClip, *, runner: str = "",
                    session_date: date | None = None,
                    treadmill_speed_kmh: float | None = None) -> Session:
    """One report from a side clip and a rear (or front) clip of the same run.

    Each clip is compared early versus late on its own (the metrics of the two planes do not
    overlap, and the clips need not be filmed at the same moment); the findings of both are
    ranked together (:func:`posture.findings.rules.merge_reports`).
    """
    side, frontal = order_view_pair(a, b)
    day = session_date or date.today()
    parts = [build_session([c], runner=runner, session_date=day,
                           treadmill_speed_kmh=treadmill_speed_kmh) for c in (side, frontal)]
    return Session(runner=runner, session_date=day, clips=[side, frontal], comparison=None,
                   findings=merge_reports([p.findings for p in parts]),
                   treadmill_speed_kmh=treadmill_speed_kmh, parts=parts)


def comparisons(session: Session) -> list[tuple[str, Comparison]]:
    """(title, comparison) of the session: one, or one per clip of a view pair."""
    if session.view_pair:
        return [(VIEW_TITLES[p.view], p.comparison) for p in session.parts
                if p.comparison is not None]
    return [("", session.comparison)] if session.comparison is not None else []


def change_judged(session: Session) -> bool:
    """True when at least one metric had enough strides on both sides for a verdict."""
    return any(any_judged(c) for _, c in comparisons(session))


# ---------------------------------------------------------------------------- tables
def _fmt(v: float, decimals: int, *, sign: bool = False) -> str:
    if v is None or not math.isfinite(v):
        return "-"
    return f"{v:+.{decimals}f}" if sign else f"{v:.{decimals}f}"


VERDICT_WORDS = {"changed": "changed", "unchanged": "no clear change",
                 "not enough data": "not enough data"}


#: A symbol before a verdict, so that it never rests on the row's colour alone.
VERDICT_CUES = {"worse": "▲ ", "better": "✓ ", "different": "◆ "}


def summary_table(comparison: Comparison, *, metrics: list[str] | None = None) -> pd.DataFrame:
    """Metric, A mean, B mean, change, 95% CI, strides, verdict, usual range and where the
    B mean lies against it - one row per measured metric.

    The verdict of a change starts with a symbol (▲ worse, ✓ better, ◆ different) and the
    range column says "✓ in range" or "▲ above range", so neither rests on colour.

    Rows follow :data:`PLOT_ORDER`; metrics with no value in either window are left out.
    """
    a_lab, b_lab = comparison.labels
    short = any(w.code == SHORT_CLIP_CODE for w in comparison.warnings)
    rows = []
    order = metrics or [m for m in PLOT_ORDER if m in comparison.changes] + [
        m for m in comparison.changes if m not in PLOT_ORDER]
    for m in order:
        c = comparison.changes.get(m)
        if c is None or (c.a_n == 0 and c.b_n == 0):
            continue
        d = spec(m).decimals
        verdict = VERDICT_WORDS.get(c.verdict, c.verdict)
        if short and c.verdict == "not enough data":
            verdict = f"not judged (under {MIN_CLIP_S:.0f} s)"
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
            "Verdict": VERDICT_CUES.get(c.direction if c.verdict == "changed" else "", "")
                       + verdict,
            "Usual range": usual_range_text(m) or "-",
            f"{b_lab.capitalize()} vs range": level_cue(m, c.b_mean) or "-",
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
    if session.view_pair:
        raise ValueError("a view pair is drawn one clip at a time (session.parts)")
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


def metric_figure(session: Session, metric: str, *,
                  size_in: tuple[float, float] = (6.4, 2.6), fontsize_pt: float = 9.0,
                  legend: bool = True) -> object:
    series, windows = plot_series(session)
    return plots.metric_figure(series, metric, windows=windows,
                               band=plots.load_bands().get(metric), marks=session.marks,
                               size_in=size_in, fontsize_pt=fontsize_pt, legend=legend)


#: A plot that stays legible on a phone: 3.6 in wide (about a phone's width at 110 dpi),
#: titles 12 pt.
PHONE_PLOT_IN = (3.6, 2.5)
PHONE_PLOT_PT = 12.0


def plot_alt_text(session: Session, metric: str) -> str:
    """What a per-stride plot shows, in words (for screen readers): the measure, the two
    parts' means and the usual range."""
    s = spec(metric)
    text = f"{s.label} ({s.unit}) per stride over the run"
    c = session.comparison.changes.get(metric) if session.comparison else None
    if c is not None and c.a_n and c.b_n:
        a_lab, b_lab = session.labels
        text += (f": {a_lab} mean {_fmt(c.a_mean, s.decimals)}, {b_lab} mean "
                 f"{_fmt(c.b_mean, s.decimals)}")
    usual = usual_range_text(metric)
    return text + (f"; usual range {usual}" if usual else "") + "."


def overview_figure(session: Session, *, limit: int = 6) -> object:
    series, windows = plot_series(session)
    return plots.metrics_grid_figure(series, plotted_metrics(session, limit=limit),
                                     windows=windows, bands=plots.load_bands(),
                                     marks=session.marks)


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
    track = labels_as_analysed(clip.track, clip.analysis.view.view)
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
    """Annotated frames: A and B at initial contact, then A and B at midstance (for a view
    pair: those four for each clip, captions starting with the view)."""
    if any(c.video_path is None or c.track is None for c in session.clips):
        return list(session.saved_key_frames)  # reopened without its videos
    if session.view_pair:
        return [img for p in session.parts
                for img in _key_frame_images(p, max_side_px=max_side_px,
                                             prefix=f"{VIEW_TITLES[p.view]}: ")]
    return _key_frame_images(session, max_side_px=max_side_px)


def _key_frame_images(session: Session, *, max_side_px: int,
                      prefix: str = "") -> list[tuple[str, np.ndarray]]:
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
            out.append((prefix + caption, img))  # the view goes under the picture only
    return out


# ---------------------------------------------------------------------------- player
def player_sides(session: Session) -> tuple[PlayerSide, PlayerSide]:
    """The two windows the player shows: early and late of one clip, or the two clips.

    Raises
    ------
    ValueError
        For a view pair (its parts have one player each) or when a video is unavailable.
    """
    if session.view_pair:
        raise ValueError("a view pair has one player per clip (session.parts)")
    clips = [session.clips[0], session.clips[-1]]
    if any(c.video_path is None or c.track is None for c in clips):
        raise ValueError("the video of this clip is not available")
    comp = session.comparison
    ids = (comp.a.strides, comp.b.strides) if comp is not None else ((), ())
    return tuple(PlayerSide(lab, str(c.video_path), c.track, c.analysis, i)  # type: ignore
                 for lab, c, i in zip(session.labels, clips, ids, strict=True))


def player_plan(session: Session) -> PlayerPlan:
    """Matched strides of the two windows, jumps to each finding's clearest example
    (:func:`posture.report.player.plan_player`)."""
    a, b = player_sides(session)
    fr = session.findings
    return plan_player(a, b, [*fr.shown, *fr.more, *fr.to_check])


# ---------------------------------------------------------------------------- files
def all_findings(session: Session) -> list[Finding]:
    """The findings with advice: shown first, then the less important ones (not those to
    check, which carry no advice)."""
    return [*session.findings.shown, *session.findings.more]


def report_findings(session: Session) -> list[Finding]:
    """The findings with advice the clinician kept for the report (all when none chosen)."""
    chosen = session.visit.report_metrics
    found = all_findings(session)
    return found if chosen is None else [f for f in found if f.metric in chosen]


def key_answer(session: Session) -> str:
    """The session's answer in a sentence: what stands out, with its numbers, or why
    nothing does."""
    fr = session.findings
    if not fr.shown:
        return nothing_stands_out(change_judged(session), len(fr.to_check))
    items = []
    for f in fr.shown:
        title = f.display_title
        title = title[0].lower() + title[1:] if title[1:2].islower() else title
        items.append(f"{title}, {f.headline}" if f.headline else title)
    lead = "One thing stands out" if len(items) == 1 else f"{len(items)} things stand out"
    listed = items[0] if len(items) == 1 else "; ".join(items[:-1]) + "; and " + items[-1]
    return f"{lead}: {listed}."


def finding_text(f: Finding) -> FindingText:
    if f.to_check:
        return FindingText(title=f.display_title, body=f"{f.measured} {f.unsure_text()}")
    point, where = f.measured_parts()
    return FindingText(title=f.display_title, body=f"{point} Why it matters: {f.meaning}",
                       action=" ".join(f.actions), headline=f.headline,
                       actions=list(f.actions),
                       confidence=f"Confidence {f.confidence}: {f.confidence_reason}.",
                       where=where)


def left_right_tables(session: Session) -> pd.DataFrame | None:
    """Left against right of every clip where both legs are seen (a "Clip" column first
    when there are two)."""
    tables = []
    for c in session.clips:
        t = left_right_table(c.analysis)
        if len(t):
            t["Metric"] = t["Metric"] + " (" + t["Unit"] + ")"
            tables.append(t.drop(columns=["Unit"]).assign(Clip=c.name))
    if not tables:
        return None
    out = pd.concat(tables, ignore_index=True)
    clip = out.pop("Clip")
    if len(tables) > 1:
        out.insert(0, "Clip", clip)
    return out


LEG_COLUMNS = (*SIDE_COLUMNS, "Usual range", "Left vs range", "Right vs range")


def leg_table(session: Session) -> pd.DataFrame:
    """Left against right for the page: per clip where both legs are seen (rear/front), each
    two-sided measure's median per leg, the difference, the symmetry index, the usual range
    and where each leg lies against it in words with a symbol ("✓ in range", "▲ above
    range"; "-" when the level is not judged). A "Clip" column first when two clips have
    rows. Empty when no clip sees both legs."""
    rows = []
    for c in session.clips:
        for p in leg_pairs(c.analysis):
            rows.append({"Clip": c.name, **pair_row(p),
                         "Usual range": usual_range_text(p.metric) or "-",
                         "Left vs range": level_cue(p.metric, p.left) or "-",
                         "Right vs range": level_cue(p.metric, p.right) or "-"})
    out = pd.DataFrame(rows, columns=("Clip", *LEG_COLUMNS))
    return out if out["Clip"].nunique() > 1 else out.drop(columns=["Clip"])


def session_notes(session: Session) -> list[str]:
    """Every warning of the session once: the findings' and each clip's quality flags."""
    flags = [*session.findings.warnings, *(q for c in session.clips for q in c.analysis.quality)]
    return list(dict.fromkeys(q.message for q in flags))


def clip_line(c: AnalysedClip) -> str:
    a = c.analysis
    parts = [f"{c.name} ({c.role})", f"{a.view.view} view"]
    if a.info is not None:
        parts += [f"{a.info.duration_s:.0f} s", f"{a.info.fps_capture:.0f} fps",
                  f"{a.info.width_px}x{a.info.height_px}"]
    parts.append(f"{a.n_strides} strides")
    return ", ".join(parts)


def session_meta(session: Session) -> dict:
    """The session's facts for the JSON export; where the videos lie on this machine stays
    out of it (a file that may be shared)."""
    details = {k: v for k, v in session_details(session).items() if k != "videos"}
    return {"runner": session.runner, "date": session.session_date.isoformat(), **details,
            "clips": [{"name": c.name, "role": c.role} for c in session.clips]}


def session_details(session: Session) -> dict:
    """What the history keeps besides the clips: treadmill speed, the visit's fields and
    where each clip's video was (:func:`video_source`), so that a reopened session whose
    video is still on this machine gets its player back."""
    return {"treadmill_speed_kmh": session.treadmill_speed_kmh,
            "visit": session.visit.to_dict(),
            "videos": [video_source(c) for c in session.clips]}


def _settings_of(track: PoseTrack) -> ExtractionSettings | None:
    """The pose settings that made ``track`` (None when it does not carry them)."""
    names = {f.name for f in fields(ExtractionSettings)}
    if not names & set(track.extraction):
        return None
    kept = {k: v for k, v in track.extraction.items() if k in names}
    if kept.get("runner_box_px") is not None:
        kept["runner_box_px"] = tuple(kept["runner_box_px"])
    return ExtractionSettings(**kept)


def video_source(clip: AnalysedClip) -> dict | None:
    """Where the clip's video is and how its pose track was made: ``{"path", "size_bytes",
    "pose_settings"}``; None without a video or a track."""
    if clip.video_path is None or clip.track is None or not Path(clip.video_path).is_file():
        return None
    settings = _settings_of(clip.track)
    if settings is None:
        return None
    return {"path": str(Path(clip.video_path).resolve()),
            "size_bytes": Path(clip.video_path).stat().st_size,
            "pose_settings": settings.to_dict()}


def cached_track(source: dict | None) -> tuple[str, PoseTrack] | None:
    """The video path and its cached pose track when the video is still at the same path with
    the same size and content (the cache key holds the content hash) and its track is in the
    pose cache; None otherwise. The pose model is never run."""
    if not isinstance(source, dict):
        return None
    path, settings = source.get("path"), source.get("pose_settings")
    if not isinstance(path, str) or not isinstance(settings, dict):
        return None
    p = Path(path)
    if not p.is_file() or p.stat().st_size != source.get("size_bytes"):
        return None
    track = cache.load(cache.cache_key(p, settings, code_version=EXTRACTION_VERSION),
                       video_path=p)
    return (str(p), track) if track is not None else None


def apply_details(session: Session, details: dict | None) -> Session:
    """``session`` with stored details (:func:`session_details`) put back."""
    details = details or {}
    speed = details.get("treadmill_speed_kmh")
    return replace(session, visit=Visit.from_dict(details.get("visit")),
                   treadmill_speed_kmh=float(speed) if isinstance(speed, int | float)
                   and speed > 0 else None)


# ---------------------------------------------------------------------------- history
def key_frame_jpegs(session: Session, *, max_side_px: int = 640,
                    quality: int = 85) -> list[tuple[str, bytes]]:
    """The key frames as (caption, JPEG bytes), to keep with a stored session."""
    out = []
    for caption, img in key_frame_images(session, max_side_px=max_side_px):
        data = encode_jpeg(img, quality=quality)
        if data is not None:
            out.append((caption, data))
    return out


def reopen_session(stored: StoredSession) -> Session:
    """A stored session as it was shown: comparison and findings rebuilt from the stored
    analyses, the visit's details and the kept key frames put back, and each video with its
    pose track when both are still on this machine (:func:`cached_track`: then the player,
    the frame-by-frame view and the annotated video work again)."""
    videos = (stored.details or {}).get("videos") or []
    clips = []
    for k, c in enumerate(stored.clips):
        found = cached_track(videos[k]) if k < len(videos) else None
        path, track = found if found else (None, None)
        clips.append(AnalysedClip(c.clip_name, c.analysis, c.role, video_path=path,
                                  track=track))
    session = build_session(clips, runner=stored.runner, session_date=stored.session_date)
    frames = [(caption, img) for caption, data in stored.pictures
              if (img := decode_jpeg(data)) is not None]
    parts = [replace(p, saved_key_frames=[f for f in frames if f[0].startswith(
        f"{VIEW_TITLES[p.view]}: ")]) for p in session.parts]  # each camera's tab
    return replace(apply_details(session, stored.details), saved_key_frames=frames,
                   parts=parts)


def comparison_doc(session: Session) -> dict | None:
    """The comparison as JSON-able data; for a view pair ``{"pair": {view: comparison}}``."""
    if session.view_pair:
        return {"pair": {p.view: p.comparison.to_dict() for p in session.parts
                         if p.comparison is not None}}
    return session.comparison.to_dict() if session.comparison else None


def session_json(session: Session) -> str:
    return analysis_json({c.name: c.analysis for c in session.clips},
                         comparison=comparison_doc(session),
                         findings=session.findings.to_dict(), meta=session_meta(session))


def _pdf_table(session: Session) -> pd.DataFrame | None:
    """Summary rows of every comparison; a view pair gets a leading "View" column."""
    tables = []
    for title, comparison in comparisons(session):
        t = summary_table(comparison)
        if t.empty:
            continue
        t["Metric"] = t["Metric"] + " (" + t["Unit"] + ")"
        t = t.drop(columns=["Unit"])
        if session.view_pair:
            t.insert(0, "View", title)
        tables.append(t)
    return pd.concat(tables, ignore_index=True) if tables else None


def overview_pngs(session: Session, *, dpi: int = 110) -> list[bytes]:
    """The per-stride overview plot (one per clip of a view pair) as PNG."""
    sessions = session.parts or [session]
    return [plots.figure_png(overview_figure(s), dpi=dpi) for s in sessions]


def session_pdf(session: Session, *, key_frames_rgb: list[tuple[str, np.ndarray]] | None = None,
                ) -> bytes:
    """The PDF report (key frames decoded from the videos unless given)."""
    if key_frames_rgb is None:
        key_frames_rgb = key_frame_images(session, max_side_px=480)
    facts = list(session.visit.lines())
    if session.treadmill_speed_kmh:
        facts.append(("Treadmill", speed_text(session.treadmill_speed_kmh)))
    content = ReportContent(
        runner=session.runner, session_date=session.session_date,
        clips=[clip_line(c) for c in session.clips],
        comparison_title=session.title,
        key_frames=key_frames_rgb,
        plots_png=overview_pngs(session),
        summary=_pdf_table(session),
        facts=facts, key_answer=key_answer(session), notes=session.visit.notes,
        left_right=left_right_tables(session),
        findings=[finding_text(f) for f in report_findings(session)],
        to_check=[finding_text(f) for f in session.findings.to_check],
        to_check_title=TO_CHECK_HINT,
        no_findings=nothing_stands_out(change_judged(session), len(session.findings.to_check)),
        warnings=session_notes(session),
        care_note=session.findings.care_note,
    )
    return build_pdf(content)
