"""Every text a person reads is plain words: no template placeholders ("#%"), no internal codes
("roll_not_estimated"), no parenthetical said twice, right singular and plural.

Two ways: the source of every message template (quality flags, errors, findings, reports,
CLI, app) is scanned for literal faults, and the templates are rendered with representative
values (0, 1 and many strides; every metric; every flag these tests can raise) and read back.
"""

from __future__ import annotations

import ast
import json
import re
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from posture import errors
from posture.analysis import quality
from posture.findings.rules import (
    FindingsReport,
    judge_change,
    report,
    report_or_levels,
)
from posture.metrics.registry import METRICS, spec
from posture.results import ClipAnalysis, QualityFlag, ViewEstimate
from posture.stats.compare import compare_clips, compare_windows
from posture.wording import camera_tilt_text, plural, strides_found
from tests.support.paths import ROOT
from tests.support.report import make_analysis, make_track
from tests.support.text_checks import assert_reads_cleanly, problems

SOURCES = sorted([*(ROOT / "posture").rglob("*.py"), *(ROOT / "app").glob("*.py")])
ERRORS = {n for n, v in vars(errors).items()
          if isinstance(v, type) and issubclass(v, errors.PostureError)}
#: Streamlit calls whose first argument is shown on the page.
ST_TEXT = {"markdown", "caption", "warning", "info", "error", "success", "subheader", "header",
           "title", "expander", "button", "download_button", "metric", "selectbox", "slider",
           "radio", "text_input", "number_input", "checkbox", "file_uploader", "toggle",
           "progress", "spinner", "write", "multiselect", "date_input", "tabs"}


# ---------------------------------------------------------------------------- source scan
#: Modules that are all user-facing text: every sentence-like literal in them is a template.
TEXT_MODULES = {"posture/findings/rules.py", "posture/wording.py", "posture/cli.py",
                "posture/session.py", "posture/report/pdf.py", "app/ui_result.py"}
_SENTENCE = re.compile(r"[A-Za-z]+ [A-Za-z]+")


def _template(node: ast.AST) -> str | None:
    """The literal text of a message expression, each inserted value as ``\\0``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "\0" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _template(node.left), _template(node.right)
        if left is not None or right is not None:
            return (left or "\0") + (right or "\0")
    return None


def _message_args(call: ast.Call) -> list[ast.AST]:
    f = call.func
    name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
    if name == "QualityFlag":
        return [*call.args[2:3], *(k.value for k in call.keywords if k.arg == "message")]
    if name in ERRORS or name == "print":
        return call.args[:1]
    owner = f.value.id if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) else ""
    if name in ST_TEXT and owner in ("st", "col", "cols", "why", "todo", "tab"):
        return [*call.args[:1], *(k.value for k in call.keywords if k.arg in ("label", "help"))]
    return []


def _skipped(tree: ast.AST) -> set[int]:
    """Docstrings, pieces of f-strings and logger arguments: not user text on their own."""
    out: set[int] = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant):
            out.add(id(n.value))  # docstrings of modules, classes, functions, attributes
        elif isinstance(n, ast.JoinedStr):
            out |= {id(v) for v in ast.walk(n) if v is not n}
        elif (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
              and isinstance(n.func.value, ast.Name) and n.func.value.id == "log"):
            out |= {id(v) for v in ast.walk(n)}
    return out


@cache
def message_templates() -> list[tuple[str, str]]:
    """(where, template) of every message built in posture/ and app/: the arguments of the
    message constructors everywhere, and every sentence in the text modules."""
    out = []
    for path in SOURCES:
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        nodes = [a for n in ast.walk(tree) if isinstance(n, ast.Call) for a in _message_args(n)]
        if rel in TEXT_MODULES:
            skip = _skipped(tree)
            nodes += [n for n in ast.walk(tree) if id(n) not in skip
                      and isinstance(n, ast.Constant | ast.JoinedStr)]
        for node in nodes:
            text = _template(node)
            if text is not None and _SENTENCE.search(text):
                out.append((f"{rel}:{node.lineno}", text))
    return out


def test_the_scan_finds_the_message_templates() -> None:
    where = {w.split(":")[0] for w, _ in message_templates()}
    for f in ("posture/analysis/quality.py", "posture/stats/compare.py", "posture/io/video.py",
              "posture/cli.py", "posture/analysis/frontal.py", "app/ui_result.py",
              "posture/findings/rules.py"):
        assert f in where, f
    assert len(message_templates()) > 80


def test_message_templates_hold_no_placeholder_or_code() -> None:
    faults = []
    for where, template in message_templates():
        literal = template.replace("\0", " ")  # the inserted values are checked when rendered
        faults += [f"{where}: {p}" for p in problems(literal)
                   if not p.startswith(("plural missing", "1 with"))]
    assert not faults, "\n".join(faults)


# ---------------------------------------------------------------------------- rendered texts
def test_counts_read_in_the_right_number() -> None:
    assert plural(1, "stride") == "1 stride" and plural(0, "stride") == "0 strides"
    assert plural(3, "was", "were") == "3 were"
    assert strides_found(0) == "No clean strides were found"
    assert strides_found(1) == "Only 1 clean stride was found"
    assert strides_found(5) == "Only 5 clean strides were found"
    assert_reads_cleanly([strides_found(n) + "." for n in (0, 1, 2, 5)])
    # the faults the checker must see
    for bad in ("landmarks missing in #% of frames", "recording warnings: roll_not_estimated",
                "Trunk lean (experimental) (experimental)", "Only 0 clean strides",
                "1 strides", "3 stride were", "2 more finding(s)", "{n} strides"):
        assert problems(bad), bad


#: Frame times of the fake events' track: 30 fps.
FAKE_T_S = np.arange(2000) / 30.0


def _fake_events(reasons: list[str], durations: list[float] | None = None, *,
                 frames_per_stride: int = 21) -> SimpleNamespace:
    n = len(reasons)
    start = np.arange(n) * frames_per_stride
    strides = pd.DataFrame({"valid": [r == "" for r in reasons], "reject_reason": reasons,
                            "duration_s": durations or [0.7] * n, "frame_start": start,
                            "frame_end": start + frames_per_stride})
    return SimpleNamespace(strides=strides, flags=[])


def quality_flag_texts() -> list[str]:
    """Every per-clip quality flag, raised on purpose, with 0, 1 and several strides."""
    from posture.analysis.side import _too_few_message

    texts = [quality.few_strides_flag(n).message for n in (0, 1, 2, 6)]
    reasons = ["duration 1.85 s outside 0.4-1.6 s", "duration 2.10 s outside 0.4-1.6 s",
               "landmarks missing in 12% of frames", "landmarks missing in 40% of frames",
               "landmarks missing in 40% of frames", "2 contacts of the other leg inside one "
               "stride", "landmark jump (tracking error or leg swap)",
               "only 9 frames per second over the stride (needs 15)", "", ""]
    for k in (1, 2, len(reasons)):
        flag = quality.rejected_strides_flag(_fake_events([*reasons[:k], ""]))
        texts.append(flag.message)
    for n in (0, 1, 3):
        texts.append(_too_few_message(n, _fake_events([""] * n), FAKE_T_S) if n else
                     _too_few_message(0, _fake_events([]), FAKE_T_S))
    texts.append(_too_few_message(1, _fake_events(["duration 2.40 s outside 0.4-1.6 s"] * 3,
                                                  [2.4] * 3), FAKE_T_S))
    # most strides with 7 frames in 0.7 s (a live recording on a busy computer: 10 fps)
    sparse = _too_few_message(1, _fake_events(["only 10 frames per second over the stride "
                                               "(needs 15)"] * 3 + [""],
                                              frames_per_stride=7), FAKE_T_S * 3.0)
    assert sparse.startswith("Only 1 clean stride was found: the frames came at about 10.0 "
                             "per second"), sparse
    texts.append(sparse)
    track = make_track(120)
    track.visibility[:] = 0.3
    track.image_xy_px[:, :, 1] += 300.0  # feet below the picture
    leg = np.linspace(100.0, 160.0, track.n_frames)
    for flag in (quality.out_of_frame_flag(track), quality.low_visibility_flag(track),
                 quality.camera_moving_flag(track, leg)):
        assert flag is not None
        texts.append(flag.message)
    return texts


def test_quality_flags_read_cleanly() -> None:
    texts = quality_flag_texts()
    assert any("12-40% of frames" in t for t in texts)  # numbers kept, as a range
    assert any("No clean strides were found" in t for t in texts)
    assert_reads_cleanly(texts)


def _clip(values: dict[str, float], *, n: int = 12, seed: int = 0, conf: float = 0.9,
          cadence_spm: float = 170.0, view: str = "side", leg_px: float = 400.0,
          roll: tuple[float, str] = (0.0, "floor")) -> ClipAnalysis:
    rng = np.random.default_rng(seed)
    step_s = 60.0 / cadence_spm
    t = np.arange(n) * step_s
    df = pd.DataFrame({"stride": np.arange(n), "leg": (["left", "right"] * n)[:n],
                       "t_start_s": t, "t_end_s": t + 2 * step_s,
                       "frame_start": np.round(t * 60).astype(int),
                       "frame_end": np.round((t + 2 * step_s) * 60).astype(int),
                       "frame_midstance": np.round(t * 60).astype(int) + 6,
                       "frame_toeoff": np.round(t * 60).astype(int) + 12,
                       "leg_length_px": leg_px, "hip_width_px": leg_px / 3})
    for m, v in values.items():
        df[m] = v + rng.normal(0, 0.2 * spec(m).sdd, n)
        df[f"{m}_conf"] = conf
    facing = {"side": "right", "rear": "away", "front": "toward"}[view]
    est = ViewEstimate(view, facing, 0.9, near_side="left" if view == "side" else "none",
                       camera_roll_deg=roll[0], roll_source=roll[1])
    return ClipAnalysis(view=est, strides=df, summary={})


def _worse(metric: str, k: float = 3.0) -> float:
    s = spec(metric)
    sign = -1.0 if s.worse_when == "lower" else 1.0
    return sign * k * s.sdd


def _metric_views(metric: str) -> str:
    return "rear" if spec(metric).plane == "frontal" else "side"


def finding_reports() -> list[FindingsReport]:
    """Reports with every metric changed (worse, better), judged as levels, uncertain, on one
    leg, with warnings, on a clip too short for early versus late, and merged."""
    from posture.findings.rules import merge_reports, reference_ranges

    table = reference_ranges()
    out = []
    for view in ("side", "rear"):
        metrics = [m for m in METRICS if _metric_views(m) == view]
        base = {m: (table.loc[m, "good_min"] if np.isfinite(table.loc[m, "good_min"])
                    else table.loc[m, "good_max"] if np.isfinite(table.loc[m, "good_max"])
                    else 5.0) for m in metrics}
        worse = {m: v + _worse(m) for m, v in base.items()}
        far = {m: v + _worse(m, 8.0) for m, v in base.items()}
        a, b = _clip(base, view=view, seed=1), _clip(worse, view=view, seed=2)
        out += [report(compare_clips(a, b), analyses=(a, b)),
                report(compare_clips(b, a), analyses=(b, a)),  # better
                report(compare_clips(a, b, legs="left")),
                report(None, analyses=_clip(far, view=view, seed=3)),
                report(None, analyses=_clip(far, view=view, seed=3, n=8, conf=0.5)),
                report(compare_clips(_clip(base, view=view, n=8, conf=0.5, seed=4),
                                     _clip(worse, view=view, n=8, conf=0.5, seed=5)))]
        long = _clip(base, view=view, n=70, seed=6)
        late = long.strides["stride"] >= 47
        for m in metrics:
            long.strides.loc[late, m] += _worse(m)
        out.append(report(compare_windows(long), analyses=long))
        short = _clip(far, view=view, n=30, seed=7)
        out.append(report_or_levels(compare_windows(short), analyses=short))
    # warnings of every kind a comparison can raise
    a = _clip({"trunk_lean_deg": 5.0}, seed=8)
    odd = _clip({"trunk_lean_deg": 12.0}, seed=9, cadence_spm=190.0, leg_px=300.0)
    odd.quality.append(QualityFlag("some_new_code", "warning", "A new kind of warning."))
    out.append(report(compare_clips(a, odd), analyses=(a, odd)))
    level = [_clip({"trunk_lean_deg": v}, seed=k, roll=r) for k, (v, r) in
             enumerate(((5.0, (0.0, "none")), (12.0, (5.0, "scene_lines"))))]
    out.append(report(compare_clips(*level), analyses=level))
    out.append(report(compare_clips(a, _clip({"pelvic_drop_deg": 5.0}, view="rear"))))
    few = _clip({"trunk_lean_deg": 5.0}, n=3)
    out.append(report(compare_windows(few, early=(0.0, 1.0), late=(0.5, 2.0))))
    out.append(merge_reports(out[:3]))
    out.append(FindingsReport.from_json(out[0].to_json()))
    return out


def finding_texts(reports: list[FindingsReport]) -> list[str]:
    from posture.session import finding_text

    texts = []
    for r in reports:
        for f in (*r.shown, *r.more, *r.to_check):
            ft = finding_text(f)
            texts += [f.text(), f.display_title, ft.title, ft.body, ft.action]
        texts += [w.message for w in r.warnings]
    return texts


def test_findings_and_comparison_warnings_read_cleanly() -> None:
    reports = finding_reports()
    every = [f for r in reports for f in (*r.shown, *r.more, *r.to_check)]
    # the representative set covers what it claims to
    kinds = {(f.kind, f.to_check) for f in every}
    assert {("change", False), ("level", False), ("change", True), ("level", True)} <= kinds
    changed = {m for f in every if f.kind == "change" for m in (f.metric, *f.related)}
    assert changed >= set(METRICS) - {"cadence_spm"}  # cadence: the speed warning says it
    codes = {w.code for r in reports for w in r.warnings}
    assert {"speed_mismatch", "camera_distance_mismatch", "camera_level_unchecked",
            "view_mismatch", "windows_overlap", "few_strides", "clip_too_short"} <= codes
    reasons = " ".join(f.confidence_reason for f in every)
    assert "a recording warning (see the notes)" in reasons  # an unknown code never leaks
    assert_reads_cleanly(finding_texts(reports))


def test_experimental_is_said_once_everywhere() -> None:
    a = _clip({"lumbar_arch_pct": 3.0}, seed=11)
    b = _clip({"lumbar_arch_pct": 7.0}, seed=12)
    rep = report(compare_clips(a, b))
    (f,) = rep.shown
    saved = FindingsReport.from_json(json.dumps(
        {**rep.to_dict(), "shown": [{**f.to_dict(), "title": f.title + " (experimental)"}]}))
    for g in (f, saved.shown[0]):
        from posture.report.pdf import FindingText

        assert g.display_title.count("experimental") == 1
        assert g.text().splitlines()[0].count("experimental") == 1
        assert FindingText(g.display_title, "", experimental=True).title.count(
            "experimental") == 1


def test_camera_tilt_words() -> None:
    texts = [camera_tilt_text(r, s) for r in (0.0, 2.345, -4.0)
             for s in ("none", "user", "floor", "scene_lines", "pelvis", "other")]
    assert camera_tilt_text(0.0, "none").startswith("camera tilt not estimated")
    assert camera_tilt_text(-4.0, "floor") == (
        "camera tilt -4.0° (estimated from the floor line), corrected")
    assert_reads_cleanly(texts)


def test_short_clip_judgement_reads_cleanly() -> None:
    clip = make_analysis(make_track(300), lean_drift_deg=6.0)
    comp = judge_change(compare_windows(clip))
    assert_reads_cleanly([w.message for w in comp.warnings]
                         + [c.reason for c in comp.changes.values()])


# ---------------------------------------------------------------------------- CLI and PDF
def test_cli_output_reads_cleanly(private_cache: Path, pose_stub,
                                  capsys: pytest.CaptureFixture) -> None:
    """Everything `posture analyze` prints for a short and a long synthetic run."""
    from posture import cli
    from tests.support.synthetic import synthetic

    printed = []
    for dur, fatigue in ((8.0, {}), (24.0, {"trunk_lean_deg": 14.0})):
        track, _ = synthetic(trunk_lean_deg=5.0, fatigue=fatigue, duration_s=dur, seed=2,
                             noise_px=1.0)
        clip = pose_stub(clip=track).clips["clip"]
        assert cli.main(["analyze", str(clip), "--quiet", "--tilt", "0"]) == 0
        printed.append(capsys.readouterr().out)
    short, long = printed
    assert "your levels over the whole clip" in short and "at least 20 s" in short
    assert "increased late in the run" in long
    assert_reads_cleanly(printed)


def test_pdf_text_reads_cleanly(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every string the PDF writes (all text passes through ``latin1``)."""
    from posture.report import pdf
    from posture.session import AnalysedClip, build_session, session_pdf

    written: list[str] = []
    real = pdf.latin1
    monkeypatch.setattr(pdf, "latin1", lambda t: written.append(str(t)) or real(t))
    long = make_analysis(make_track(660), lean_drift_deg=6.0)
    long.strides["lumbar_arch_pct"] += np.linspace(0.0, 4.0, len(long.strides))
    uncertain = make_analysis(make_track(300), lean_drift_deg=0.0)
    uncertain.strides["trunk_lean_deg"] += 10.0
    uncertain.strides["trunk_lean_deg_conf"] = 0.5
    uncertain.quality.append(QualityFlag("camera_moving", "warning", "The camera moves."))
    for analysis in (long, uncertain):
        session_pdf(build_session([AnalysedClip("run.mp4", analysis)], runner="Ana"),
                    key_frames_rgb=[])
    text = "\n".join(written)
    assert text.count("(experimental)") == text.count("experimental)")  # sanity
    assert "To check: film a longer or clearer clip" in text
    # the uncertain clip has a value outside the usual range: never "nothing ... outside"
    assert "no value outside the usual range" not in text
    assert "1 finding to check is listed below" in text
    assert "Low-back arch index increased late in the run (experimental)" in text
    assert_reads_cleanly(written)
