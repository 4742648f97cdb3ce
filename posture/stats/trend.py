"""Drift of each metric over a whole run: slope per minute with a 95 % interval.

Uses the same stride filter as :mod:`posture.stats.compare` (NaN dropped, confidence >= 0.3). The
main slope is ordinary least squares (``scipy.stats.linregress``) with a t interval on
``n - 2`` degrees of freedom; the Theil-Sen slope (``scipy.stats.theilslopes``), which
shrugs off a few wild strides, is reported next to it as a check. A metric is called
``"drifting"`` only when the OLS interval excludes 0 and the drift over the whole run
(slope x duration) reaches the metric's smallest detectable difference. Runs shorter than
``min_duration_s`` (default 60 s) get slopes but the verdict ``"not enough data"``: a
per-minute rate read off a few seconds of running says little about fatigue.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from posture.analysis.quality import MIN_STABLE_STRIDES
from posture.metrics.registry import METRICS
from posture.results import ClipAnalysis
from posture.stats.compare import CI_LEVEL, MIN_CONF, valid_values, with_cadence

TREND_COLUMNS: tuple[str, ...] = (
    "metric", "label", "unit", "n", "duration_min", "slope_per_min", "ci_low", "ci_high",
    "p_value", "theil_slope_per_min", "theil_ci_low", "theil_ci_high", "drift_over_run",
    "sdd", "verdict",
)


#: Shortest run whose slope gets a verdict (seconds).
MIN_TREND_DURATION_S: float = 60.0


def trend(analysis: ClipAnalysis, *, min_strides: int = MIN_STABLE_STRIDES,
          min_conf: float = MIN_CONF,
          min_duration_s: float = MIN_TREND_DURATION_S) -> pd.DataFrame:
    """Per metric, linear change over the run.

    Returns
    -------
    pandas.DataFrame
        One row per registry metric present in the strides table, columns
        ``TREND_COLUMNS``: ``slope_per_min`` and its 95 % interval ``ci_low``/``ci_high``
        (metric unit per minute), ``p_value`` (two-sided, slope = 0), the Theil-Sen slope
        and interval, ``drift_over_run`` (slope x ``duration_min``, metric unit) and
        ``verdict`` in {"drifting", "stable", "not enough data"}.
    """
    strides = with_cadence(analysis.strides)
    if "stride" not in strides.columns:
        strides = strides.assign(stride=np.arange(len(strides)))
    rows = []
    for metric, s in METRICS.items():
        if metric not in strides.columns or "t_start_s" not in strides.columns:
            continue
        v = valid_values(strides, metric, min_conf=min_conf)
        t_min = strides.set_index("stride").loc[v["stride"], "t_start_s"].to_numpy() / 60.0
        row = _one_trend(metric, t_min, v["value"].to_numpy(), s.sdd, s.label, s.unit,
                         min_strides)
        if row["duration_min"] * 60.0 < min_duration_s:
            row["verdict"] = "not enough data"
        rows.append(row)
    return pd.DataFrame(rows, columns=list(TREND_COLUMNS))


def _one_trend(metric: str, t_min: np.ndarray, y: np.ndarray, sdd: float, label: str,
               unit: str, min_strides: int) -> dict:
    nan = math.nan
    row = {"metric": metric, "label": label, "unit": unit, "n": int(y.size), "sdd": sdd,
           "duration_min": float(np.ptp(t_min)) if y.size else nan}
    if y.size < max(min_strides, 3) or np.ptp(t_min) <= 0:
        return row | dict.fromkeys(
            ("slope_per_min", "ci_low", "ci_high", "p_value", "theil_slope_per_min",
             "theil_ci_low", "theil_ci_high", "drift_over_run"), nan) | {
            "verdict": "not enough data"}
    fit = stats.linregress(t_min, y)
    half = float(stats.t.ppf(0.5 + CI_LEVEL / 2, y.size - 2)) * float(fit.stderr)
    ts = stats.theilslopes(y, t_min, alpha=CI_LEVEL)
    slope = float(fit.slope)
    drift = slope * row["duration_min"]
    lo, hi = slope - half, slope + half
    p = float(fit.pvalue) if np.isfinite(fit.pvalue) else (1.0 if slope == 0 else 0.0)
    drifting = (lo > 0 or hi < 0) and abs(drift) >= sdd
    return row | {
        "slope_per_min": slope, "ci_low": lo, "ci_high": hi, "p_value": p,
        "theil_slope_per_min": float(ts[0]), "theil_ci_low": float(ts[2]),
        "theil_ci_high": float(ts[3]), "drift_over_run": drift,
        "verdict": "drifting" if drifting else "stable",
    }
