"""Numbers of the bundled samples through the public path, for the regression pin.

The four clips in ``sample_videos/`` are analysed from their shipped pose tracks
(``app/demo/*.track.npz``, so no pose model runs) with :func:`posture.pipeline.analyze_track`
/ :func:`~posture.pipeline.analyze_tracks`, then assembled into sessions the way the app does
(:func:`posture.session.build_session`): each clip early versus late, fresh versus
fatigued, and the side + rear view pair. :func:`pin` collects per-stride metrics, clip
summaries, view and roll decisions, quality codes, comparison verdicts and finding codes.

``tests/test_sample_pin.py`` compares this with ``tests/data/sample_pin.json``. Regenerate
only for a deliberate correction, and say why in the commit:
``PYTHONPATH=. .venv/bin/python tests/sample_pin.py --write``.
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIN_PATH = ROOT / "tests" / "data" / "sample_pin.json"
CLIPS = ("fresh_side", "fatigued_side", "rear_sway", "long_fatigue_ramp")
#: Stride columns that are identities or metrics (the pin), not confidences.
_ID_COLUMNS = ("stride", "leg", "frame_start", "frame_end", "frame_toeoff")


def _num(v: object) -> object:
    """JSON-safe number: NaN/inf become None, numpy scalars plain Python."""
    if v is None or isinstance(v, str | bool):
        return v
    f = float(v)  # type: ignore[arg-type]
    if not math.isfinite(f):
        return None
    return int(f) if isinstance(v, int) or (hasattr(v, "dtype") and "int" in str(v.dtype)) \
        else round(f, 6)


def load_tracks() -> dict:
    """Shipped tracks, their path pointed at the bundled video (scene-line roll reads it)."""
    from posture.track import PoseTrack

    out = {}
    for name in CLIPS:
        track = PoseTrack.load(ROOT / "app" / "demo" / f"{name}.track.npz")
        video = ROOT / "sample_videos" / f"{name}.mp4"
        out[name] = replace(track, info=replace(track.info, path=str(video)))
    return out


def _clip(analysis) -> dict:
    strides = analysis.strides
    columns = [c for c in (*_ID_COLUMNS, *analysis.metric_columns()) if c in strides]
    rows = [[_num(r[c]) for c in columns] for _, r in strides.iterrows()]
    return {
        "view": analysis.view.view,
        "facing": analysis.view.facing,
        "roll_source": analysis.view.roll_source,
        "camera_roll_deg": _num(analysis.view.camera_roll_deg),
        "summary": {k: _num(v) for k, v in sorted(analysis.summary.items())},
        "quality": sorted(q.code for q in analysis.quality),
        "stride_columns": columns,
        "strides": rows,
    }


def _session(session) -> dict:
    from posture.session import comparisons

    comps = {}  # metric -> [verdict, direction, change, strides A, strides B]
    for title, comp in comparisons(session):
        comps[title or "main"] = {
            m: [c.verdict, c.direction, _num(c.change), c.a_n, c.b_n]
            for m, c in sorted(comp.changes.items())}
    fr = session.findings
    return {
        "comparisons": comps,
        "findings_shown": [f"{f.metric}:{f.kind}" for f in fr.shown],
        "findings_more": [f"{f.metric}:{f.kind}" for f in fr.more],
        "findings_to_check": [f"{f.metric}:{f.kind}" for f in fr.to_check],
        "warnings": sorted(w.code for w in fr.warnings),
    }


def pin() -> dict:
    """Everything pinned, as a JSON-ready dict."""
    from datetime import date

    from posture.pipeline import AnalysisOptions, analyze_track, analyze_tracks
    from posture.session import AnalysedClip, build_session

    tracks = load_tracks()
    single = {n: analyze_track(t, AnalysisOptions()) for n, t in tracks.items()}
    pair = analyze_tracks([tracks["fresh_side"], tracks["fatigued_side"]],
                          [AnalysisOptions(), AnalysisOptions()])
    day = date(2026, 1, 1)

    def clip(name: str, analysis, role="single") -> AnalysedClip:
        return AnalysedClip(name=name, analysis=analysis, role=role)

    sessions = {n: build_session([clip(n, a)], session_date=day) for n, a in single.items()}
    sessions["fresh_vs_fatigued"] = build_session(
        [clip("fresh_side", pair[0], "fresh"), clip("fatigued_side", pair[1], "fatigued")],
        session_date=day)
    sessions["view_pair"] = build_session(
        [clip("fresh_side", single["fresh_side"], "side"),
         clip("rear_sway", single["rear_sway"], "frontal")], session_date=day)
    return {
        "clips": {n: _clip(a) for n, a in single.items()},
        "pair_clips": {"fresh_side": _clip(pair[0]), "fatigued_side": _clip(pair[1])},
        "sessions": {n: _session(s) for n, s in sessions.items()},
    }


def dumps(doc: dict) -> str:
    """Indented JSON with each flat list (a stride row, a list of codes) on one line."""
    text = json.dumps(doc, indent=1, sort_keys=True)
    return re.sub(r"\[([^\[\]{}]*)\]", lambda m: "[" + " ".join(m.group(1).split()) + "]",
                  text) + "\n"


if __name__ == "__main__":
    doc = pin()
    if "--write" in sys.argv:
        PIN_PATH.write_text(dumps(doc))
        print(f"wrote {PIN_PATH}")
    else:
        print(json.dumps(doc, indent=1, sort_keys=True)[:3000])
