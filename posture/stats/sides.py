"""Left against right: the median of each two-sided measure per leg, where both legs are
seen (rear and front clips).

A side-view camera sees the near leg whole and the far leg partly hidden behind the body,
so a left/right difference there would mostly be the camera's; those clips get no table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from posture.analysis.frontal import ASYMMETRY, leg_values
from posture.metrics.frontal import symmetry_index_pct
from posture.metrics.registry import spec
from posture.results import ClipAnalysis

COLUMNS = ("Metric", "Unit", "Left", "Right", "Right - left", "Symmetry index",
           "Strides (L / R)")
#: Strides each leg needs before its median is shown.
MIN_STRIDES_PER_LEG = 3


def left_right(analysis: ClipAnalysis, metric: str, *,
               min_strides: int = MIN_STRIDES_PER_LEG) -> tuple[float, float, int, int]:
    """Median of ``metric`` over the strides of each stance leg, in the metric's unit, and
    the number of strides of each (a median is NaN below ``min_strides``).

    Returns
    -------
    (left, right, n_left, n_right)
    """
    s = analysis.strides
    if metric not in s.columns or "leg" not in s.columns:
        return np.nan, np.nan, 0, 0
    v = leg_values(s, metric)
    left, right = (float(np.median(v[leg])) if v[leg].size >= min_strides else np.nan
                   for leg in ("left", "right"))
    return left, right, int(v["left"].size), int(v["right"].size)


@dataclass(frozen=True)
class LegPair:
    """One two-sided measure with both legs measured: medians per stance leg, in the
    metric's unit, their stride counts and the symmetry index (%, NaN near zero)."""

    metric: str
    left: float
    right: float
    n_left: int
    n_right: int
    si_pct: float


def leg_pairs(analysis: ClipAnalysis, *,
              min_strides: int = MIN_STRIDES_PER_LEG) -> list[LegPair]:
    """Every two-sided measure of a rear or front clip with a median for both legs; empty
    for a side view (one leg hidden)."""
    if analysis.view.view not in ("rear", "front"):
        return []
    out = []
    for metric, (*_, min_mag) in ASYMMETRY.items():
        left, right, n_l, n_r = left_right(analysis, metric, min_strides=min_strides)
        if np.isfinite(left) and np.isfinite(right):
            out.append(LegPair(metric, left, right, n_l, n_r,
                               symmetry_index_pct(left, right, min_magnitude=min_mag)))
    return out


def si_text(si_pct: float) -> str:
    """The symmetry index as shown: "+12 %", "0 %", or "-" near zero."""
    if not np.isfinite(si_pct):
        return "-"
    return "0 %" if round(si_pct) == 0 else f"{si_pct:+.0f} %"


def left_right_table(analysis: ClipAnalysis, *,
                     min_strides: int = MIN_STRIDES_PER_LEG) -> pd.DataFrame:
    """One row per two-sided measure with both legs measured: Metric, Unit, Left, Right,
    "Right - left" (unit) and "Symmetry index" (%, Robinson: 0 symmetric, + right larger,
    "-" near zero), "Strides (L / R)". Empty for a side view (one leg hidden)."""
    rows = [pair_row(p) for p in leg_pairs(analysis, min_strides=min_strides)]
    return pd.DataFrame(rows, columns=COLUMNS)


def pair_row(p: LegPair) -> dict[str, str]:
    """One pair as a table row (:data:`COLUMNS`), values in the metric's decimals."""
    s = spec(p.metric)
    return {"Metric": s.label, "Unit": s.unit, "Left": f"{p.left:.{s.decimals}f}",
            "Right": f"{p.right:.{s.decimals}f}",
            "Right - left": f"{p.right - p.left:+.{s.decimals}f}",
            "Symmetry index": si_text(p.si_pct),
            "Strides (L / R)": f"{p.n_left} / {p.n_right}"}
