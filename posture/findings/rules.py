"""Turn numbers into findings a runner can act on, ranked, at most three shown.

Two sources of findings:

* :func:`findings` on a :class:`~posture.stats.compare.Comparison`: a metric that **changed**
  for the worse between the two windows (verdict rules in :mod:`posture.stats.compare`), plus
  the level of the later window when it sits outside the reference band (unchanged metrics
  included);
* :func:`clip_findings` on one :class:`~posture.results.ClipAnalysis`: absolute levels against
  the reference bands.

All bands live in ``posture/data/reference_ranges.csv`` and all advice text in
``posture/data/advice.json``; nothing here hard-codes a threshold. Ranking is
``severity x confidence weight``. What the data supports decides where a finding goes:

* one finding per problem (advice family): weaker findings of the same family are folded into
  the strongest one as an "Also:" sentence, so overstride never appears twice;
* a finding with low confidence (:func:`is_to_check`) is never a headline and carries no
  advice: it goes to the secondary "to check" list (:data:`TO_CHECK_HINT`);
* of the rest, the first :data:`MAX_SHOWN` are marked ``shown``, the others stay in the list;
* an early-versus-late change is judged only on a clip whose strides span at least
  :data:`posture.wording.MIN_CLIP_S` (:func:`judge_change`); a shorter clip gets its levels.

Lumbar arching is experimental: it is only ever reported as a change within the runner, never
as a level. See ``docs/findings.md``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from posture.analysis.quality import MIN_STABLE_STRIDES, is_pose_flag, sorted_flags
from posture.jsonsafe import finite_or_none
from posture.metrics.registry import METRICS, spec
from posture.results import ClipAnalysis, QualityFlag
from posture.stats.compare import (
    MIN_CONF,
    Comparison,
    MetricChange,
    valid_values,
    with_cadence,
)
from posture.wording import MIN_CLIP_S, film_advice, plural

Confidence = Literal["high", "moderate", "low"]
Band = Literal["good", "watch", "outside"]

DATA_DIR = Path(__file__).parents[1] / "data"
MAX_SHOWN: int = 3
CONFIDENCE_WEIGHT: dict[str, float] = {"high": 1.0, "moderate": 0.7, "low": 0.4}
#: Below these, a finding's confidence drops one step (documented in docs/findings.md).
SOLID_STRIDES: int = 10
SOLID_CONF: float = 0.6
CLEAR_CHANGE_SDD: float = 1.5
#: Findings at this confidence go to the "to check" list, never to the headlines.
TO_CHECK_CONFIDENCE: Confidence = "low"
TO_CHECK_ACTION: str = "film a longer or clearer clip"
TO_CHECK_HINT: str = f"To check: {TO_CHECK_ACTION}"
#: Code of the warning that says why no early-versus-late change was judged on a short clip.
SHORT_CLIP_CODE: str = "clip_too_short"

#: Short words for quality and comparability warnings inside a confidence reason (the full
#: message is listed with the warnings); unknown codes get :data:`OTHER_FLAG_WORDS`.
FLAG_WORDS: dict[str, str] = {
    "camera_distance_mismatch": "the camera distance differs between the parts",
    "camera_level_mismatch": "the camera level differs between the parts",
    "camera_level_one_sided": "the camera level was corrected in one part only",
    "camera_moving": "the camera seems to move",
    "few_strides": "few strides",
    "low_visibility": "body landmarks are poorly visible",
    "out_of_frame": "the runner is partly out of the picture",
    "roll_not_estimated": "the camera level could not be checked",
    "runner_small": "the runner is small in the picture",
    "side_mismatch": "the clips show different sides of the runner",
    "speed_mismatch": "the running speed seems to differ",
    "view_mismatch": "the clips are filmed from different angles",
    "windows_overlap": "the parts compared overlap",
    SHORT_CLIP_CODE: "the clip is short",
}
OTHER_FLAG_WORDS: str = "a recording warning (see the notes)"

CARE_NOTE: str = (
    "If back pain lasts more than one or two weeks, or keeps coming back, see a physical "
    "therapist: they can find which movement irritates it. This analysis describes how you "
    "run; it does not diagnose anything."
)


def care_note() -> str:
    """The note every report carries about seeing a physical therapist."""
    return CARE_NOTE


# ---------------------------------------------------------------------------- data tables
@lru_cache(maxsize=1)
def _reference_ranges_cached() -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / "reference_ranges.csv").set_index("metric")


def reference_ranges() -> pd.DataFrame:
    """The one table of bands (indexed by metric; a copy, safe to modify)."""
    return _reference_ranges_cached().copy()


@lru_cache(maxsize=1)
def _advice() -> dict:
    return json.loads((DATA_DIR / "advice.json").read_text(encoding="utf-8"))


def has_band(metric: str) -> bool:
    """True when the reference table gives ``metric`` a good band."""
    table = _reference_ranges_cached()
    if metric not in table.index:
        return False
    row = table.loc[metric]
    return bool(np.isfinite(row["good_min"]) or np.isfinite(row["good_max"]))


def judged_as_level(metric: str) -> bool:
    """True when a level of ``metric`` may be judged against its band: it has one and the
    pose model's measured bias does not swamp it (``MetricSpec.judge_level``)."""
    return has_band(metric) and spec(metric).judge_level and not spec(metric).experimental


def band_of(metric: str, value: float) -> Band | None:
    """Where ``value`` falls: ``"good"``, ``"watch"``, ``"outside"``; None without a band."""
    if not has_band(metric) or not math.isfinite(value):
        return None
    row = _reference_ranges_cached().loc[metric]
    if _inside(value, row["good_min"], row["good_max"]):
        return "good"
    if _inside(value, row["watch_min"], row["watch_max"]):
        return "watch"
    return "outside"


def is_concern(metric: str, value: float) -> bool:
    """True when ``value`` lies outside the good band on the side the table calls worse.

    A value beyond the good band on the harmless side (e.g. a very upright trunk for forward
    lean) raises no finding: the advice would not fit it.
    """
    band = band_of(metric, value)
    if band in (None, "good"):
        return False
    direction = _reference_ranges_cached().loc[metric, "direction"]
    return direction == "either" or (direction == "higher") == _above_range(metric, value)


def _inside(value: float, lo: float, hi: float) -> bool:
    return (not np.isfinite(lo) or value >= lo) and (not np.isfinite(hi) or value <= hi)


def _above_range(metric: str, value: float) -> bool:
    """Whether ``value`` lies above the good band's upper edge (one exists)."""
    hi = _reference_ranges_cached().loc[metric, "good_max"]
    return bool(np.isfinite(hi) and value > hi)


def _band_text(metric: str) -> str:
    row = _reference_ranges_cached().loc[metric]
    return _range_text(row["good_min"], row["good_max"], spec(metric))


def _range_text(lo: float, hi: float, s) -> str:
    if np.isfinite(lo) and np.isfinite(hi):
        return f"{_num(lo, s, sign=False)} to {_num(hi, s, sign=False)}"
    if np.isfinite(hi):
        return f"up to {_num(hi, s, sign=False)}"
    return f"at least {_num(lo, s, sign=False)}"


def usual_range_text(metric: str) -> str:
    """The usual (good) range of ``metric`` in words with its unit ("up to 10°"); "" when
    its level is not judged (no band, experimental, or the pose model's bias swamps it)."""
    return _band_text(metric) if judged_as_level(metric) else ""


def level_cue(metric: str, value: float) -> str:
    """Where ``value`` lies against the usual range, in words with a symbol (never colour
    alone): "✓ in range", "▲ above range (watch)", "▼ below range"; "" when not judged."""
    if not usual_range_text(metric):
        return ""
    band = band_of(metric, value)
    if band is None:
        return ""
    if band == "good":
        return "✓ in range"
    cue = "▲ above range" if _above_range(metric, value) else "▼ below range"
    return cue + (" (watch)" if band == "watch" else "")


def _beyond_watch(metric: str, value: float) -> float:
    """How far ``value`` lies outside the watch band, in the metric's unit (0 inside)."""
    row = _reference_ranges_cached().loc[metric]
    lo, hi = row["watch_min"], row["watch_max"]
    if np.isfinite(hi) and value > hi:
        return float(value - hi)
    if np.isfinite(lo) and value < lo:
        return float(lo - value)
    return 0.0


def metric_advice(metric: str) -> tuple[str, dict]:
    """The metric's name as the findings say it and its advice family (meaning, cues,
    strength), from ``data/advice.json``; live cues use the same words."""
    return _text_for(metric)


def _text_for(metric: str) -> tuple[str, dict]:
    adv = _advice()
    family = adv["metrics"].get(metric, {"family": "generic"})["family"]
    return spec(metric).name, adv["families"][family]


# ---------------------------------------------------------------------------- Finding
#: Sentences of a finding's text that say where to look rather than what changed: the
#: windows' strides ("Early: strides 0-25, ...") or the clearest example stride.
WHERE_TO_LOOK = re.compile(r"(?:[A-Z][a-z]+: strides \d|Clearest example:)")
SENTENCE_END = re.compile(r"(?<=\.)\s+(?=[A-Z])")


@dataclass
class Finding:
    """One thing worth telling the runner, with its numbers and how sure we are."""

    metric: str
    kind: Literal["change", "level"]
    title: str
    measured: str
    """What was measured: numbers with units and the strides/frames involved."""
    confidence: Confidence
    confidence_reason: str
    meaning: str
    """What it may mean for the back, in plain words."""
    actions: list[str]
    """Running cues first, then strength exercises."""
    severity: float
    """Unitless importance before confidence (about 0.2 .. 5)."""
    score: float
    """``severity x confidence weight``: the ranking key."""
    experimental: bool = False
    strides: list[int] = field(default_factory=list)
    frames: list[int] = field(default_factory=list)
    """``[first, last]`` frame of the strides the finding rests on (later window)."""
    values: dict[str, float | None] = field(default_factory=dict)
    rank: int = 0
    shown: bool = False
    to_check: bool = False
    """Low confidence: listed under "to check", with no meaning or actions (never shown)."""
    related: list[str] = field(default_factory=list)
    """Metrics of the same problem folded into this finding (named in ``measured``)."""
    example_stride: int | None = None
    """The clearest single stride (the one named "Clearest example" in ``measured``); the
    player jumps to it. None when no stride had a value (or in sessions saved before)."""

    def to_dict(self) -> dict:
        d = asdict(self)
        d["values"] = {k: finite_or_none(v) for k, v in self.values.items()}
        d["severity"], d["score"] = finite_or_none(self.severity), finite_or_none(self.score)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Finding:
        return cls(**{**d, "values": {k: (math.nan if v is None else v)
                                      for k, v in d["values"].items()}})

    @property
    def display_title(self) -> str:
        """The title with "(experimental)" when the measure is experimental (once)."""
        tag = self.experimental and "experimental" not in self.title.lower()
        return self.title + (" (experimental)" if tag else "")

    def text(self) -> str:
        """The finding as a short paragraph (title, numbers, confidence, meaning, actions);
        a finding to check says why it is uncertain instead of meaning and actions."""
        if self.to_check:
            return "\n".join([self.display_title, self.measured, self.unsure_text()])
        lines = [self.display_title, self.measured,
                 f"Confidence: {self.confidence} ({self.confidence_reason}).",
                 f"What it may mean for your back: {self.meaning}"]
        if self.actions:
            lines.append("What to do: " + " ".join(self.actions))
        return "\n".join(lines)

    @property
    def headline(self) -> str:
        """The numbers in one short line, before any stride or frame number: a change
        ("6.2° → 9.0° (+2.8°)") or a level with its usual range; "" without numbers."""
        s, v = spec(self.metric), self.values
        a, b, d = (v.get(k, math.nan) for k in ("a_mean", "b_mean", "change"))
        if self.kind == "change" and all(x is not None and math.isfinite(x) for x in (a, b, d)):
            return f"{_num(a, s, sign=False)} → {_num(b, s, sign=False)} ({_num(d, s)})"
        mean = v.get("mean", math.nan)
        if mean is None or not math.isfinite(mean):
            return ""
        usual = usual_range_text(self.metric)
        return f"{_num(mean, s, sign=False)} on average" + (
            f"; usual range {usual}" if usual else "")

    def measured_parts(self) -> tuple[str, str]:
        """``measured`` split into the point (what changed, by how much, against which range)
        and where to look (the windows' strides and frames, the clearest example), so a card
        can lead with the point. Each keeps its sentences in order."""
        sentences = SENTENCE_END.split(self.measured.strip())
        where = [x for x in sentences if WHERE_TO_LOOK.match(x)]
        point = [x for x in sentences if not WHERE_TO_LOOK.match(x)]
        return " ".join(point), " ".join(where)

    def unsure_text(self) -> str:
        """Why a finding to check is not advice, and what to film (one sentence)."""
        return (f"Not sure enough to advise on this ({self.confidence_reason}); "
                f"{TO_CHECK_ACTION} to check it.")


@dataclass
class FindingsReport:
    """Findings ready for a page or a PDF: the top ones, the rest, warnings and the care note."""

    shown: list[Finding]
    more: list[Finding]
    warnings: list[QualityFlag]
    care_note: str = CARE_NOTE
    to_check: list[Finding] = field(default_factory=list)
    """Low-confidence findings: no advice, "film a longer or clearer clip" (secondary)."""

    def to_dict(self) -> dict:
        return {"shown": [f.to_dict() for f in self.shown],
                "more": [f.to_dict() for f in self.more],
                "to_check": [f.to_dict() for f in self.to_check],
                "to_check_hint": TO_CHECK_HINT,
                "warnings": [asdict(w) for w in self.warnings],
                "care_note": self.care_note}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str) -> FindingsReport:
        d = json.loads(text)
        return cls(shown=[Finding.from_dict(f) for f in d["shown"]],
                   more=[Finding.from_dict(f) for f in d["more"]],
                   warnings=[QualityFlag(**w) for w in d["warnings"]],
                   care_note=d["care_note"],
                   to_check=[Finding.from_dict(f) for f in d.get("to_check", [])])

    @classmethod
    def split(cls, ranked: Sequence[Finding], warnings: Sequence[QualityFlag]
              ) -> FindingsReport:
        """Ranked findings (from :func:`findings` or :func:`clip_findings`) into the lists."""
        return cls(shown=[f for f in ranked if f.shown],
                   more=[f for f in ranked if not f.shown and not f.to_check],
                   warnings=list(warnings), to_check=[f for f in ranked if f.to_check])


# ---------------------------------------------------------------------------- the rules
def is_to_check(f: Finding) -> bool:
    """The one rule for what the data does not support as advice: low confidence.

    Such a finding is never a headline and carries no meaning or actions; it is listed
    under :data:`TO_CHECK_HINT`.
    """
    return f.confidence == TO_CHECK_CONFIDENCE


def any_judged(comparison: Comparison) -> bool:
    """True when at least one metric had enough strides on both sides for a verdict."""
    return any(c.verdict != "not enough data" for c in comparison.changes.values())


def nothing_stands_out(judged: bool, n_to_check: int = 0) -> str:
    """The sentence for a report without findings to show (``judged``: a change was judged;
    ``n_to_check``: how many uncertain findings are listed to check)."""
    if n_to_check:
        return (f"Nothing stands out with enough certainty to advise on; "
                f"{plural(n_to_check, 'finding')} to check {'is' if n_to_check == 1 else 'are'} "
                "listed below.")
    return ("Nothing stands out: "
            + ("no change for the worse that video can reliably detect, and " if judged else "")
            + "no value outside the usual range.")


def value_text(metric: str, value: float | None, *, sign: bool = False) -> str:
    """A metric's value with its unit as the findings write it (``"n/a"`` when missing)."""
    return _num(value, spec(metric), sign=sign)


def running_span_s(comparison: Comparison) -> float:
    """Seconds of running the comparison's windows cover (first contact to last)."""
    ends = [w.t_end_s for w in (comparison.a, comparison.b) if math.isfinite(w.t_end_s)]
    starts = [w.t_start_s for w in (comparison.a, comparison.b) if math.isfinite(w.t_start_s)]
    return max(ends) - min(starts) if ends and starts else math.nan


def judge_change(comparison: Comparison) -> Comparison:
    """The comparison as far as the clip supports it.

    Early versus late within one clip is judged only when the strides span at least
    :data:`~posture.wording.MIN_CLIP_S` (what the app asks the runner to film). On a shorter
    clip every verdict becomes "not enough data" (change and interval blank, the two means
    kept as levels) and a warning says why; its "too few strides" warning, which would say
    the same less exactly, is dropped. Clip-versus-clip comparisons are returned unchanged.
    """
    span = running_span_s(comparison)
    if (comparison.mode != "windows" or not math.isfinite(span) or span >= MIN_CLIP_S
            or any(w.code == SHORT_CLIP_CODE for w in comparison.warnings)):
        return comparison
    a_lab, b_lab = comparison.labels
    clip = {"side": "side-view clip", "rear": "clip from behind",
            "front": "clip from the front"}.get(comparison.view, "clip")
    why = (f"This {clip} holds {span:.0f} s of running; its {a_lab} and {b_lab} parts are "
           f"compared only on clips of at least {MIN_CLIP_S:.0f} s, so the findings describe "
           f"your levels over the whole clip. To see how you change during a run, "
           f"{film_advice()}.")
    nan = math.nan
    changes = {m: replace(c, verdict="not enough data", direction=None, change=nan,
                          ci_low=nan, ci_high=nan, p_value=nan,
                          reason=f"Not judged: the clip holds {span:.0f} s of running, "
                                 f"less than {MIN_CLIP_S:.0f} s.")
               for m, c in comparison.changes.items()}
    warnings = [w for w in comparison.warnings if w.code != "few_strides"]
    return replace(comparison, changes=changes,
                   warnings=[*warnings, QualityFlag(SHORT_CLIP_CODE, "warning", why)])


# ---------------------------------------------------------------------------- public API
def findings(comparison: Comparison, *,
             analyses: ClipAnalysis | Sequence[ClipAnalysis] | None = None,
             max_shown: int = MAX_SHOWN) -> list[Finding]:
    """Findings from a comparison, ranked by ``severity x confidence``.

    Parameters
    ----------
    comparison : Comparison
        From :func:`posture.stats.compare.compare_windows` or
        :func:`posture.stats.compare.compare_clips`.
    analyses : ClipAnalysis or sequence of them, optional
        The clip(s) behind the comparison; the last one holds window B. When given, each
        finding also names the clearest single stride (its frame) and clip quality flags
        lower confidence.
    max_shown : int
        How many findings are marked ``shown`` (the rest stay in the list).

    Returns
    -------
    list[Finding]
        One finding per problem: the firm ones best first, then those to check;
        ``rank`` starts at 1. On a clip too short for early versus late
        (:func:`judge_change`) there are none.
    """
    comparison = judge_change(comparison)
    if isinstance(analyses, ClipAnalysis):
        analyses = [analyses]
    later = analyses[-1] if analyses else None
    clip_flags = [q for a in (analyses or []) for q in a.quality]
    out: list[Finding] = []
    speed_differs = any(w.code == "speed_mismatch" for w in comparison.warnings)
    for c in comparison.changes.values():
        f = None
        if c.metric == "cadence_spm" and speed_differs:
            continue  # the speed warning already says it; a cadence "finding" would repeat it
        if c.verdict == "changed":
            f = _change_finding(c, comparison, later, clip_flags)
        elif c.verdict == "unchanged" and judged_as_level(c.metric):
            f = _steady_level_finding(c, comparison, later, clip_flags)
        if f is not None:
            out.append(f)
    return _rank(out, max_shown)


def level_strides(analysis: ClipAnalysis) -> pd.DataFrame:
    """A clip's strides as its levels are judged: cadence per stride (from the stride's
    duration) and a ``stride`` id column."""
    strides = with_cadence(analysis.strides)
    if "stride" not in strides.columns:
        strides = strides.assign(stride=np.arange(len(strides)))
    return strides


def level_values(analysis: ClipAnalysis, metric: str, *,
                 min_conf: float = MIN_CONF) -> pd.DataFrame:
    """The per-stride values a clip's level of ``metric`` is judged on (finite, confidence
    at least ``min_conf``; :func:`posture.stats.compare.valid_values` columns): the one
    source of the level findings' mean and of the CLI's clip summary."""
    return valid_values(level_strides(analysis), metric, min_conf=min_conf)


def clip_findings(analysis: ClipAnalysis, *, min_strides: int = MIN_STABLE_STRIDES,
                  min_conf: float = MIN_CONF, max_shown: int = MAX_SHOWN) -> list[Finding]:
    """Findings about one clip's absolute levels against the reference bands.

    Experimental metrics (the lumbar arch index), metrics without a band and those whose
    pose-model bias swamps the band (``judge_level=False``) are never judged here.
    Returns all findings, best first, the top ``max_shown`` marked ``shown``.
    """
    strides = level_strides(analysis)
    out: list[Finding] = []
    for metric in METRICS:
        if metric not in strides.columns or not judged_as_level(metric):
            continue
        v = valid_values(strides, metric, min_conf=min_conf)
        if len(v) < min_strides:
            continue
        mean = float(v["value"].mean())
        band = band_of(metric, mean)
        if not is_concern(metric, mean):
            continue
        s = spec(metric)
        name, fam = _text_for(metric)
        sd = float(v["value"].std(ddof=1))
        frames = _frame_span(strides, v["stride"].tolist())
        measured = (
            f"Your {name} averaged {_num(mean, s, sign=False)} (SD {_num(sd, s, sign=False)}) over "
            f"{len(v)} strides{_frames_text(v['stride'].tolist(), frames)}; the usual range "
            f"is {_band_text(metric)}.{_example(strides, v, metric)}")
        conf, why = _confidence(len(v), float(v["conf"].mean()), None, s.sdd, False,
                                analysis.quality, within="the clip",
                                level_unsure=_level_error_words(metric)
                                if level_within_model_error(metric, mean) else "")
        severity = fam["relevance"] * _level_severity(metric, mean, band)
        out.append(Finding(
            metric=metric, kind="level", title=_level_title(name, metric, mean, band),
            measured=measured, confidence=conf, confidence_reason=why,
            meaning=fam["meaning"], actions=[*fam["cues"], *fam["strength"]],
            severity=severity, score=severity * CONFIDENCE_WEIGHT[conf],
            strides=v["stride"].astype(int).tolist(), frames=frames,
            example_stride=example_stride(v, metric),
            values={"mean": mean, "sd": sd, "n": float(len(v))}))
    return _rank(out, max_shown)


def report(comparison: Comparison | None = None, *,
           analyses: ClipAnalysis | Sequence[ClipAnalysis] | None = None,
           max_shown: int = MAX_SHOWN) -> FindingsReport:
    """Findings split into shown / more, with comparability warnings and the care note.

    With a comparison, the findings of :func:`findings`; without, the single clip's
    :func:`clip_findings` (``analyses`` must then be one clip).
    """
    if comparison is not None:
        comparison = judge_change(comparison)
        fs = findings(comparison, analyses=analyses, max_shown=max_shown)
        clips = [analyses] if isinstance(analyses, ClipAnalysis) else list(analyses or [])
        # which person was followed concerns every finding: the pose stage's flags go along
        warnings = sorted_flags([*comparison.warnings,
                                 *(q for a in clips for q in a.quality if is_pose_flag(q))])
    else:
        clip = analyses if isinstance(analyses, ClipAnalysis) else (analyses or [None])[-1]
        if clip is None:
            raise ValueError("report() needs a comparison or one ClipAnalysis")
        fs = clip_findings(clip, max_shown=max_shown)
        warnings = list(clip.quality)
    return FindingsReport.split(fs, warnings)


def report_or_levels(comparison: Comparison, *,
                     analyses: ClipAnalysis | Sequence[ClipAnalysis],
                     max_shown: int = MAX_SHOWN) -> FindingsReport:
    """The comparison's report; when no metric could be judged (too few strides in the
    windows, or a clip too short for early versus late: :func:`judge_change`), how the (last)
    clip's levels compare with the usual ranges instead, keeping the comparison's warnings
    (clip quality warnings already among them are not repeated)."""
    comparison = judge_change(comparison)
    fr = report(comparison, analyses=analyses, max_shown=max_shown)
    if any_judged(comparison):
        return fr
    last = analyses if isinstance(analyses, ClipAnalysis) else analyses[-1]
    levels = report(None, analyses=last, max_shown=max_shown)
    extra = [w for w in levels.warnings if w not in fr.warnings]
    return replace(levels, warnings=[*fr.warnings, *extra])


def merge_reports(reports: Sequence[FindingsReport], *,
                  max_shown: int = MAX_SHOWN) -> FindingsReport:
    """One report for several clips of the same run (e.g. a side and a rear clip).

    Findings of all clips are ranked together by score with the same rule as one clip (at
    most one shown per family); warnings are kept from every clip.
    """
    fs = [replace(f) for r in reports for f in (*r.shown, *r.more, *r.to_check)]
    return FindingsReport.split(_rank(fs, max_shown),
                                [w for r in reports for w in r.warnings])


# ---------------------------------------------------------------------------- builders
def _change_finding(c: MetricChange, comp: Comparison, later: ClipAnalysis | None,
                    clip_flags: list[QualityFlag]) -> Finding:
    s = spec(c.metric)
    name, fam = _text_for(c.metric)
    adv = _advice()
    when = _when(comp)
    a_lab, b_lab = comp.labels
    rose = c.change > 0
    verb = "increased" if rose else "decreased"
    title = f"{name[0].upper()}{name[1:]} {verb} {when}"
    if comp.legs != "both":
        title += f" ({comp.legs} leg)"
    b_strides = c.b_strides
    frames = [comp.b.frame_start, comp.b.frame_end]
    example, ex_stride = "", None
    if later is not None:
        strides = with_cadence(later.strides)
        v = valid_values(strides, c.metric)
        v = v[v["stride"].isin(b_strides)]
        example, ex_stride = _example(strides, v, c.metric, high=rose), example_stride(
            v, c.metric, high=rose)
    only = f"Only strides opened by the {comp.legs} leg. " if comp.legs != "both" else ""
    measured = only + (
        f"Your {name} went from {_num(c.a_mean, s, sign=False)} ({a_lab}, {c.a_n} strides) to "
        f"{_num(c.b_mean, s, sign=False)} ({b_lab}, {c.b_n} strides): a change of "
        f"{_num(c.change, s)} (95% interval {_num(c.ci_low, s)} to {_num(c.ci_high, s)}; "
        f"video can detect changes of {_num(c.sdd, s, sign=False)} or more). "
        f"{a_lab.capitalize()}: {_window_text(comp.a)}; {b_lab}: {_window_text(comp.b)}."
        f"{example}")
    if c.experimental:
        measured += (" This measure is experimental and compares you only with yourself; it is "
                     "not a diagnosis.")
    level = band_of(c.metric, c.b_mean) if judged_as_level(c.metric) \
        and is_concern(c.metric, c.b_mean) else None
    if level in ("watch", "outside"):
        measured += f" The {b_lab} value is outside the usual range ({_band_text(c.metric)})."
    conf, why = _confidence(min(c.a_n, c.b_n), _nanmin(c.a_conf, c.b_conf), c, s.sdd,
                            c.experimental, [*comp.warnings, *clip_flags])
    ratio = min(abs(c.change) / s.sdd, 4.0)
    if c.direction == "worse":
        severity = fam["relevance"] * (ratio + _level_bonus(level))
        why_now = adv["visit_meaning" if comp.mode == "visits" else "fatigue_meaning"]
        meaning = f"{fam['meaning']} {why_now.format(when=when)}"
        actions = [*fam["cues"], *fam["strength"]]
    elif c.direction == "different":
        severity = fam["relevance"] * 0.5 * ratio
        meaning = fam["meaning"]
        actions = [*fam["cues"], *fam["strength"]]
    else:  # better
        severity = fam["relevance"] * 0.25 * ratio
        meaning = adv["improved_meaning"]
        actions = []
    return Finding(
        metric=c.metric, kind="change", title=title, measured=measured, confidence=conf,
        confidence_reason=why, meaning=meaning, actions=actions, severity=severity,
        score=severity * CONFIDENCE_WEIGHT[conf], experimental=c.experimental,
        strides=list(b_strides), frames=frames, example_stride=ex_stride,
        values={"a_mean": c.a_mean, "b_mean": c.b_mean, "change": c.change,
                "ci_low": c.ci_low, "ci_high": c.ci_high, "sdd": c.sdd})


def _steady_level_finding(c: MetricChange, comp: Comparison, later: ClipAnalysis | None,
                          clip_flags: list[QualityFlag]) -> Finding | None:
    """An unchanged metric whose later-window level is outside the good band."""
    band = band_of(c.metric, c.b_mean)
    if not is_concern(c.metric, c.b_mean):
        return None
    s = spec(c.metric)
    name, fam = _text_for(c.metric)
    example, ex_stride = "", None
    if later is not None:
        strides = with_cadence(later.strides)
        v = valid_values(strides, c.metric)
        v = v[v["stride"].isin(c.b_strides)]
        example, ex_stride = _example(strides, v, c.metric), example_stride(v, c.metric)
    measured = (
        f"Your {name} averaged {_num(c.b_mean, s, sign=False)} over the {c.b_n} "
        f"{comp.b.label} strides ({_window_text(comp.b)}) and "
        f"{_num(c.a_mean, s, sign=False)} over the {c.a_n} {comp.a.label} ones, with no clear "
        f"change between them; the usual range is {_band_text(c.metric)}.{example}")
    conf, why = _confidence(min(c.a_n, c.b_n), _nanmin(c.a_conf, c.b_conf), None, s.sdd, False,
                            [*comp.warnings, *clip_flags],
                            level_unsure=_level_error_words(c.metric)
                            if level_within_model_error(c.metric, c.b_mean) else "")
    severity = fam["relevance"] * _level_severity(c.metric, c.b_mean, band)
    return Finding(
        metric=c.metric, kind="level", title=_level_title(name, c.metric, c.b_mean, band),
        measured=measured, confidence=conf, confidence_reason=why, meaning=fam["meaning"],
        actions=[*fam["cues"], *fam["strength"]], severity=severity,
        score=severity * CONFIDENCE_WEIGHT[conf], strides=list(c.b_strides),
        frames=[comp.b.frame_start, comp.b.frame_end], example_stride=ex_stride,
        values={"a_mean": c.a_mean, "b_mean": c.b_mean, "change": c.change})


def _level_title(name: str, metric: str, value: float, band: Band) -> str:
    side = "above" if _above_range(metric, value) else "below"
    how = "well " if band == "outside" else ""
    return f"{name[0].upper()}{name[1:]} is {how}{side} the usual range"


def _level_severity(metric: str, value: float, band: Band) -> float:
    if band == "watch":
        return 1.0
    return 2.0 + min(_beyond_watch(metric, value) / spec(metric).sdd, 3.0)


def _level_bonus(band: Band | None) -> float:
    return {"watch": 0.5, "outside": 1.5}.get(band or "", 0.0)


def level_within_model_error(metric: str, value: float) -> bool:
    """True when a level outside the usual range lies closer to the range's edge than the
    pose model's typical error on one value (``MetricSpec.level_error``): the camera cannot
    tell it from a value just inside (foot ahead of hips at landing: 11 % leg against a
    watch band 10 % leg wide)."""
    err = spec(metric).level_error
    row = _reference_ranges_cached().loc[metric]
    if err <= 0 or not math.isfinite(value):
        return False
    edge = row["good_max"] if _above_range(metric, value) else row["good_min"]
    return bool(np.isfinite(edge) and abs(value - edge) < err)


def _level_error_words(metric: str) -> str:
    s = spec(metric)
    return (f"it lies closer to the usual range than the camera's typical error on one value "
            f"(about {s.level_error:.0f} {s.unit})")


def _confidence(n_min: int, conf_min: float, c: MetricChange | None, sdd: float,
                experimental: bool, flags: Sequence[QualityFlag], *,
                within: str = "a part", level_unsure: str = "") -> tuple[Confidence, str]:
    """Start at high; each weakness drops one step; experimental metrics cap at moderate.

    ``within`` names where ``n_min`` strides were counted ("a part" of a comparison, or
    "the clip"); ``level_unsure`` is the reason a level finding sits within the pose
    model's error of the usual range (empty: it does not). The reasons are plain words,
    never warning codes.
    """
    levels: list[Confidence] = ["low", "moderate", "high"]
    step = 2
    reasons: list[str] = []
    if n_min < SOLID_STRIDES:
        step -= 1
        reasons.append(f"only {plural(n_min, 'stride')} in {within}")
    if math.isfinite(conf_min) and conf_min < SOLID_CONF:
        step -= 1
        reasons.append(f"body landmarks were often unclear (mean confidence {conf_min:.2f})")
    if c is not None and abs(c.change) < CLEAR_CHANGE_SDD * sdd:
        step -= 1
        reasons.append("the change is close to the smallest change video can detect")
    if level_unsure:
        step -= 1
        reasons.append(level_unsure)
    errors = [f for f in flags if f.severity == "error"]
    warns = [f for f in flags if f.severity == "warning"]
    if errors:
        step = 0
        reasons.append("the recordings cannot be compared: " + _flag_words(errors))
    elif warns:
        step -= 1
        reasons.append(_flag_words(warns))
    if experimental and step > 1:
        step = 1
        reasons.append("experimental measure")
    step = max(step, 0)
    if not reasons:
        reasons.append("enough strides, clear landmarks"
                       + (" and a change well above the noise floor" if c is not None else ""))
    return levels[step], "; ".join(reasons)


def _flag_words(flags: Sequence[QualityFlag]) -> str:
    words = dict.fromkeys(FLAG_WORDS.get(f.code, OTHER_FLAG_WORDS) for f in flags)
    return ", ".join(words)


def _rank(fs: list[Finding], max_shown: int) -> list[Finding]:
    """One finding per family, best first, those to check last.

    Overstride and shin reach are one problem with one piece of advice: the weaker is folded
    into the stronger ("Also: ..."), so no list names a problem twice. Low-confidence
    findings (:func:`is_to_check`) lose their meaning and actions and are never shown.
    """
    leads: dict[str, Finding] = {}
    for f in sorted(fs, key=lambda f: (-f.score, f.metric)):
        lead = leads.setdefault(_family(f.metric), f)
        if lead is not f:
            _fold(lead, f)
    firm = [f for f in leads.values() if not is_to_check(f)]
    tentative = [f for f in leads.values() if is_to_check(f)]
    for f in tentative:
        f.to_check, f.meaning, f.actions = True, "", []
    for i, f in enumerate([*firm, *tentative]):
        f.rank = i + 1
        f.shown = i < max_shown and not f.to_check
    return [*firm, *tentative]


def _fold(lead: Finding, other: Finding) -> None:
    """Name ``other`` (same problem, weaker) inside ``lead`` instead of listing it again."""
    if other.metric in lead.related or other.metric == lead.metric:
        return
    lead.related = [*lead.related, other.metric, *other.related]
    title = other.title[0].lower() + other.title[1:]
    s = spec(other.metric)
    v = other.values
    if other.kind == "change":
        nums = (f"{_num(v.get('a_mean'), s, sign=False)} to "
                f"{_num(v.get('b_mean'), s, sign=False)}")
    else:
        level = v.get("mean", v.get("b_mean"))
        nums = f"{_num(level, s, sign=False)} on average; usual range {_band_text(other.metric)}"
    unsure = ", low confidence" if is_to_check(other) else ""
    lead.measured += f" Also: {title} ({nums}{unsure})."


def _family(metric: str) -> str:
    """Advice family of a metric; 'generic' ones stand alone (keyed by their own name)."""
    fam = _advice()["metrics"].get(metric, {}).get("family", "generic")
    return metric if fam == "generic" else fam


# ---------------------------------------------------------------------------- text helpers
def _when(comp: Comparison) -> str:
    a, b = comp.labels
    if comp.mode == "windows":
        return "late in the run" if (a, b) == ("early", "late") else f"in the {b} part of the run"
    if comp.mode == "visits":
        return f"since the last visit ({a})"
    return f"in the {b} clip"


def _num(v: float, s, *, sign: bool = True) -> str:
    if v is None or not math.isfinite(v):
        return "n/a"
    fmt = f"{'+' if sign else ''}.{s.decimals}f"
    unit = "°" if s.unit == "deg" else f" {s.unit}"
    return f"{v:{fmt}}{unit}"


def _strides_text(strides: list[int], frame_lo: int, frame_hi: int) -> str:
    if not strides:
        return "no strides"
    text = f"strides {min(strides)}-{max(strides)}"
    return text + (f", frames {frame_lo}-{frame_hi}" if frame_lo >= 0 else "")


def _window_text(w) -> str:
    return _strides_text(w.strides, w.frame_start, w.frame_end)


def _frames_text(strides: list[int], frames: list[int]) -> str:
    return f" ({_strides_text(strides, frames[0], frames[1])})" if frames else ""


def _frame_span(strides: pd.DataFrame, ids: list[int]) -> list[int]:
    if not {"frame_start", "frame_end"} <= set(strides.columns) or not ids:
        return []
    rows = strides[strides["stride"].isin(ids)]
    return [int(rows["frame_start"].min()), int(rows["frame_end"].max())]


def example_stride(v: pd.DataFrame, metric: str, *, high: bool | None = None) -> int | None:
    """The clearest single stride of valid values ``v``: the most extreme value, highest
    when ``high`` (default: the metric's worse direction). None when ``v`` is empty."""
    if v.empty:
        return None
    if high is None:
        high = spec(metric).worse_when != "lower"
    return int(v.loc[v["value"].idxmax() if high else v["value"].idxmin(), "stride"])


def _example(strides: pd.DataFrame, v: pd.DataFrame, metric: str, *,
             high: bool | None = None) -> str:
    """Name the clearest single stride (:func:`example_stride`) and its frame."""
    stride = example_stride(v, metric, high=high)
    if stride is None:
        return ""
    value = float(v.loc[v["stride"] == stride, "value"].iloc[0])
    row = strides[strides["stride"] == stride].iloc[0]
    frame_col = "frame_midstance" if "frame_midstance" in strides.columns else "frame_start"
    where = f" at frame {int(row[frame_col])}" if frame_col in strides.columns else ""
    t = f", {float(row['t_start_s']):.1f} s" if "t_start_s" in strides.columns else ""
    return (f" Clearest example: stride {stride}{where}{t} "
            f"({_num(value, spec(metric), sign=False)}).")


def _nanmin(a: float, b: float) -> float:
    vals = [x for x in (a, b) if x is not None and math.isfinite(x)]
    return min(vals) if vals else math.nan


def reference_table_markdown() -> str:
    """The reference table as Markdown (rendered into docs/findings.md)."""
    table = _reference_ranges_cached()
    lines = ["| metric | unit | good | watch | worse when | source | notes |",
             "|---|---|---|---|---|---|---|"]
    for metric, row in table.iterrows():
        s = spec(str(metric))
        good = (_range_text(row["good_min"], row["good_max"], s)
                if has_band(str(metric)) else "none")
        watch = (_range_text(row["watch_min"], row["watch_max"], s)
                 if np.isfinite(row["watch_min"]) or np.isfinite(row["watch_max"]) else "none")
        lines.append(f"| `{metric}` | {s.unit} | {good} | {watch} | {row['direction']} | "
                     f"{row['source']} | {row['notes']} |")
    return "\n".join(lines)
