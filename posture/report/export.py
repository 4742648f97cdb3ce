"""Exports: the per-stride table as CSV and the whole analysis as JSON (and back).

The JSON carries everything needed to redraw the report without the video: the clip analyses
(view, quality, summary, strides), the comparison and the findings, plus free metadata
(runner, date, clip names).
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import numpy as np
import pandas as pd

from posture.metrics.registry import METRICS
from posture.results import STRIDE_ID_COLUMNS, ClipAnalysis, QualityFlag, ViewEstimate
from posture.track import VideoInfo

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


def to_jsonable(obj: Any) -> Any:
    """Dataclasses, DataFrames, numpy values and NaN turned into plain JSON values."""
    if isinstance(obj, ClipAnalysis):
        return obj.to_dict() | {"strides": to_jsonable(obj.strides)}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, pd.DataFrame):
        return [to_jsonable(r) for r in obj.to_dict(orient="records")]
    if isinstance(obj, pd.Series):
        return to_jsonable(obj.to_dict())
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.bool_ | bool):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        return float(obj) if math.isfinite(float(obj)) else None
    if obj is None or isinstance(obj, str | int):
        return obj
    return str(obj)


def analysis_json(clips: dict[str, ClipAnalysis], *, comparison: Any = None,
                  findings: Any = None, meta: dict | None = None) -> str:
    """The whole analysis as one JSON document.

    Parameters
    ----------
    clips : clip name -> analysis (one clip, or fresh and fatigued).
    comparison, findings : outputs of :mod:`posture.compare` / :mod:`posture.findings`.
    meta : runner, date, options... (free keys).
    """
    doc = {
        "format": JSON_FORMAT,
        "meta": to_jsonable(meta or {}),
        "clips": {name: to_jsonable(a) for name, a in clips.items()},
        "comparison": to_jsonable(comparison),
        "findings": to_jsonable(findings),
    }
    return json.dumps(doc, indent=2, allow_nan=False)


def _nan(v: Any) -> float:
    return float("nan") if v is None else float(v)


def analysis_from_dict(d: dict) -> ClipAnalysis:
    """Rebuild a :class:`ClipAnalysis` from :meth:`ClipAnalysis.to_dict` output."""
    strides = pd.DataFrame.from_records(d.get("strides") or [])
    for c in strides.columns:
        if c != "leg":
            strides[c] = pd.to_numeric(strides[c], errors="coerce")
    for c in ("stride", "frame_start", "frame_end", "frame_midstance", "frame_toeoff"):
        if c in strides.columns:
            strides[c] = strides[c].fillna(-1).astype(int)
    info = d.get("info")
    return ClipAnalysis(
        view=ViewEstimate(**d["view"]),
        strides=strides,
        summary={k: _nan(v) for k, v in (d.get("summary") or {}).items()},
        quality=[QualityFlag(**q) for q in d.get("quality") or []],
        info=VideoInfo.from_dict(info) if info else None,
        runner_height_m=d.get("runner_height_m"),
        notes=dict(d.get("notes") or {}),
    )
