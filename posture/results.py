"""Typed results of analysing one clip, shared by metrics, comparison, findings and reports.

The per-stride table is a pandas DataFrame with these columns (one row per stride, a stride
being initial contact to the next initial contact of the same leg):

========================  =====  ==========================================================
column                    unit   meaning
========================  =====  ==========================================================
``stride``                -      0-based stride number in time order
``leg``                   -      ``"left"`` or ``"right"`` (anatomical leg of the contact)
``t_start_s``             s      real time of the initial contact that opens the stride
``t_end_s``               s      real time of the next initial contact of the same leg
``frame_start``           -      track frame index of ``t_start_s``
``frame_end``             -      track frame index of ``t_end_s``
``frame_midstance``       -      track frame of midstance of the opening contact
``frame_toeoff``          -      track frame of toe-off of the opening contact (or -1)
metric columns            unit   see :mod:`posture.metrics.registry` (name carries the unit)
``<metric>_conf``         0..1   confidence of that metric on that stride
========================  =====  ==========================================================
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

import pandas as pd

from posture.jsonsafe import dumps, finite_or_none, to_jsonable
from posture.metrics.registry import METRICS
from posture.track import QualityFlag as QualityFlag  # re-exported: defined beside PoseTrack
from posture.track import Severity as Severity
from posture.track import VideoInfo

View = Literal["side", "rear", "front"]

STRIDE_ID_COLUMNS: tuple[str, ...] = (
    "stride", "leg", "t_start_s", "t_end_s", "frame_start", "frame_end",
    "frame_midstance", "frame_toeoff",
)


@dataclass(frozen=True)
class ViewEstimate:
    """Which way the camera looks at the runner, decided once per clip."""

    view: View
    facing: Literal["left", "right", "toward", "away"]
    """Side views: image direction the runner faces/moves. Rear: "away"; front: "toward"."""
    confidence: float
    near_side: Literal["left", "right", "none"] = "none"
    """Side views: the runner's anatomical side that faces the camera."""
    camera_roll_deg: float = 0.0
    """Estimated camera roll (positive: image rotated clockwise); 0 if not estimated."""
    roll_source: str = "none"
    """How the roll was found: ``"floor"``, ``"scene_lines"``, ``"pelvis"`` (rear/front: mean
    hip-line tilt over both legs), ``"user"`` or ``"none"``."""
    roll_se_deg: float = 0.0
    """Standard error of the applied roll, degrees (0 when none is applied or the user gave
    it); enters the interval of every angle change when two clips were levelled apart."""


@dataclass
class ClipAnalysis:
    """Everything measured on one clip.

    ``strides`` follows the column contract in this module's docstring; ``summary`` holds
    clip-level numbers keyed like the registry (e.g. ``cadence_spm``), each a float.
    """

    view: ViewEstimate
    strides: pd.DataFrame
    summary: dict[str, float]
    quality: list[QualityFlag] = field(default_factory=list)
    info: VideoInfo | None = None
    runner_height_m: float | None = None
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def n_strides(self) -> int:
        return len(self.strides)

    def metric_columns(self) -> list[str]:
        return [c for c in self.strides.columns if c in METRICS]

    def to_dict(self) -> dict:
        """JSON-ready dict (NaN becomes ``None``)."""
        strides = self.strides.astype(object).where(pd.notna(self.strides), None)
        return {
            "view": asdict(self.view),
            "summary": {k: finite_or_none(v) for k, v in self.summary.items()},
            "quality": [asdict(q) for q in self.quality],
            "info": self.info.to_dict() if self.info else None,
            "runner_height_m": self.runner_height_m,
            "notes": self.notes,
            "strides": strides.to_dict(orient="records"),
        }

    def to_json(self) -> str:
        return dumps(self.to_dict())

    def __jsonable__(self) -> dict:
        """The analysis in JSON values (see :mod:`posture.jsonsafe`)."""
        return self.to_dict() | {"strides": to_jsonable(self.strides)}

    @classmethod
    def from_dict(cls, d: dict) -> ClipAnalysis:
        """Rebuild an analysis from :meth:`to_dict` output (``null`` read back as NaN)."""
        strides = pd.DataFrame.from_records(d.get("strides") or [])
        for c in strides.columns:
            if c != "leg":
                strides[c] = pd.to_numeric(strides[c], errors="coerce")
        for c in ("stride", "frame_start", "frame_end", "frame_midstance", "frame_toeoff"):
            if c in strides.columns:
                strides[c] = strides[c].fillna(-1).astype(int)
        info = d.get("info")
        return cls(
            view=ViewEstimate(**d["view"]),
            strides=strides,
            summary={k: float("nan") if v is None else float(v)
                     for k, v in (d.get("summary") or {}).items()},
            quality=[QualityFlag(**q) for q in d.get("quality") or []],
            info=VideoInfo.from_dict(info) if info else None,
            runner_height_m=d.get("runner_height_m"),
            notes=dict(d.get("notes") or {}),
        )
