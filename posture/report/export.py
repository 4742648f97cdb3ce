"""Exports: the per-stride table as CSV and the whole analysis as JSON (and back).

The JSON carries everything needed to redraw the report without the video: the clip analyses
(view, quality, summary, strides), the comparison and the findings, plus free metadata
(runner, date, clip names).
"""

from __future__ import annotations

from typing import Any

from posture.jsonsafe import dumps, to_jsonable
from posture.metrics.registry import METRICS
from posture.results import STRIDE_ID_COLUMNS, ClipAnalysis

JSON_FORMAT = "stride-posture/analysis-v1"


def strides_csv(analysis: ClipAnalysis, *, clip_name: str = "") -> bytes:
    """Per-stride table as UTF-8 CSV: id columns, then each metric with its confidence.

    Column names carry their units (e.g. ``trunk_lean_deg``). A ``clip`` column is added
    first when ``clip_name`` is given, so CSVs of several clips can be stacked.
    """
    df = analysis.strides.copy()
    metric_cols = [c for c in df.columns if c in METRICS]
    conf_cols = [f"{c}_conf" for c in metric_cols if f"{c}_conf" in df.columns]
    ordered = [c for c in STRIDE_ID_COLUMNS if c in df.columns] + metric_cols + conf_cols
    rest = [c for c in df.columns if c not in ordered]
    df = df[ordered + rest]
    if clip_name:
        df.insert(0, "clip", clip_name)
    for col in df.select_dtypes(include=["object", "string"]).columns:
        df[col] = df[col].map(csv_safe)
    return df.to_csv(index=False, float_format="%.4g").encode("utf-8")


#: A spreadsheet treats a cell starting with one of these as a formula (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe
    (shown as typed, never evaluated); numbers and other values are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def analysis_json(clips: dict[str, ClipAnalysis], *, comparison: Any = None,
                  findings: Any = None, meta: dict | None = None) -> str:
    """The whole analysis as one JSON document.

    Parameters
    ----------
    clips : clip name -> analysis (one clip, or fresh and fatigued).
    comparison, findings : outputs of :mod:`posture.stats.compare` / :mod:`posture.findings.rules`.
    meta : runner, date, options... (free keys).
    """
    doc = {
        "format": JSON_FORMAT,
        "meta": to_jsonable(meta or {}),
        "clips": {name: to_jsonable(a) for name, a in clips.items()},
        "comparison": to_jsonable(comparison),
        "findings": to_jsonable(findings),
    }
    return dumps(doc)
