"""Early versus late (one clip) and fresh versus fatigued (two clips), with honest statistics.

For every metric of the registry the per-stride values of two windows are compared:

* strides whose ``<metric>_conf`` is below ``min_conf`` (default 0.3) are dropped, NaN is
  missing; what is left is averaged without weights (a weighted mean would let a few very
  confident strides dominate and would make the interval harder to explain);
* the change is ``mean(B) - mean(A)`` with a 95 % **Welch t interval** (unequal variances,
  Welch-Satterthwaite degrees of freedom, ``scipy.stats.t``); when both windows hold at least
  two valid strides of each leg, each window's mean weights left and right equally, so an
  uneven left/right mix (2D video measures the near and far leg differently) cannot pose as
  a change;
* many metrics are tested at once, so their p-values are adjusted together with the
  Benjamini-Hochberg step-up procedure (``scipy.stats.false_discovery_control``) over the
  metrics judged in that comparison; the verdict is ``"changed"`` only when the adjusted
  p-value is below 0.05 **and** ``|change|`` is at least the metric's smallest detectable
  difference (``sdd`` in the registry); ``"not enough data"`` when either window holds fewer
  than ``min_strides`` valid strides (default 7) or the metric is missing; ``"unchanged"``
  otherwise;
* one camera, one level: for metrics that depend on the camera level (registry
  ``roll_gain``), two clips levelled with separately estimated rolls get the rolls' standard
  errors added to the interval; a clip levelled while the other was not withdraws those
  verdicts (the correction alone could make the change);
* ``direction`` says whether the change is ``"worse"`` or ``"better"`` by the registry's
  ``worse_when`` (``"different"`` when either direction may matter).

Before any verdict, comparability checks (camera view and side, camera distance, camera
level, speed via cadence, stride count) add :class:`~posture.results.QualityFlag` warnings,
each naming the problem and what to film instead. See ``docs/findings.md``.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from posture.analysis.quality import MIN_STABLE_STRIDES
from posture.jsonsafe import nan_back, to_jsonable
from posture.metrics.registry import METRICS, spec
from posture.results import ClipAnalysis, QualityFlag
from posture.wording import film_advice, plural

Verdict = Literal["changed", "unchanged", "not enough data"]
Direction = Literal["worse", "better", "different"]
Legs = Literal["both", "left", "right"]

#: Strides whose metric confidence is below this are left out of a window's statistics.
MIN_CONF: float = 0.3
#: Comparability limits (statistical policy of this module, documented in docs/findings.md).
MAX_CADENCE_DIFF_FRAC: float = 0.05
MAX_SIZE_DIFF_FRAC: float = 0.15
MAX_ROLL_DIFF_DEG: float = 3.0
CI_LEVEL: float = 0.95
#: False-discovery rate over the metrics of one comparison (Benjamini-Hochberg).
FDR_LEVEL: float = 0.05


# ---------------------------------------------------------------------------- result types
@dataclass
class WindowInfo:
    """Which strides went into one side of a comparison."""

    label: str
    t_start_s: float
    t_end_s: float
    strides: list[int]
    """``stride`` numbers of the window (before any per-metric confidence filter)."""
    frame_start: int
    frame_end: int
    cadence_spm: float
    """Median per-stride cadence of the window, steps/min (NaN if unknown)."""

    @property
    def n_strides(self) -> int:
        return len(self.strides)


@dataclass
class MetricChange:
    """One metric compared between window A and window B (units: the metric's unit)."""

    metric: str
    label: str
    unit: str
    a_mean: float
    a_sd: float
    a_n: int
    b_mean: float
    b_sd: float
    b_n: int
    change: float
    """``b_mean - a_mean``."""
    ci_low: float
    ci_high: float
    p_value: float
    sdd: float
    verdict: Verdict
    direction: Direction | None
    """Only set when the verdict is ``"changed"``."""
    reason: str
    """Why this verdict, one sentence."""
    experimental: bool = False
    a_strides: list[int] = field(default_factory=list)
    b_strides: list[int] = field(default_factory=list)
    a_conf: float = math.nan
    """Mean confidence of the strides used in window A (0..1)."""
    b_conf: float = math.nan
    method: str = "welch"
    """``"welch"`` (all strides pooled) or ``"welch_leg_balanced"`` (left and right strides
    weighted equally, see :func:`balanced_interval`)."""
    p_adjusted: float = math.nan
    """Benjamini-Hochberg adjusted p-value over the metrics judged in the comparison."""
    roll_sd: float = 0.0
    """Standard deviation the camera-roll uncertainty adds to the change, in ``unit``
    (included in the interval and p-value)."""


@dataclass
class Comparison:
    """Result of :func:`compare_windows` or :func:`compare_clips`."""

    mode: Literal["windows", "clips", "visits"]
    """``"visits"``: two clips of the same runner weeks apart (compared as clips; the
    findings then speak of change since the last visit, not of fatigue)."""
    a: WindowInfo
    b: WindowInfo
    changes: dict[str, MetricChange]
    warnings: list[QualityFlag]
    view: str
    min_strides: int = MIN_STABLE_STRIDES
    min_conf: float = MIN_CONF
    ci_method: str = "welch_t_95"
    legs: Legs = "both"
    """Which strides were used: all, or only those opened by the left / right leg."""
    multiplicity: str = "benjamini_hochberg"
    """How the p-values of the metrics were adjusted for testing many at once."""
    roll_se_deg: float = 0.0
    """Standard error of the difference of the camera rolls applied to A and B, degrees (0
    when both were levelled with the same roll, e.g. windows of one clip)."""

    @property
    def labels(self) -> tuple[str, str]:
        return (self.a.label, self.b.label)

    def changed(self) -> list[MetricChange]:
        return [c for c in self.changes.values() if c.verdict == "changed"]

    def table(self) -> pd.DataFrame:
        """One row per metric (the columns of :class:`MetricChange`)."""
        rows = [asdict(c) for c in self.changes.values()]
        return pd.DataFrame(rows).set_index("metric") if rows else pd.DataFrame()

    def to_dict(self) -> dict:
        """JSON-ready dict (NaN becomes ``None``)."""
        return to_jsonable(asdict(self))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, d: dict) -> Comparison:
        return cls(
            mode=d["mode"],
            a=WindowInfo(**nan_back(d["a"])),
            b=WindowInfo(**nan_back(d["b"])),
            changes={k: MetricChange(**nan_back(v, keep_none=("direction",)))
                     for k, v in d["changes"].items()},
            warnings=[QualityFlag(**w) for w in d["warnings"]],
            view=d["view"],
            min_strides=d["min_strides"],
            min_conf=d["min_conf"],
            ci_method=d["ci_method"],
            legs=d.get("legs", "both"),
            multiplicity=d.get("multiplicity", "none"),
            roll_se_deg=d.get("roll_se_deg") or 0.0,
        )

    @classmethod
    def from_json(cls, text: str) -> Comparison:
        return cls.from_dict(json.loads(text))


# ---------------------------------------------------------------------------- public API
def compare_windows(
    analysis: ClipAnalysis,
    *,
    early: tuple[float, float] | None = None,
    late: tuple[float, float] | None = None,
    fraction: float = 1 / 3,
    min_strides: int = MIN_STABLE_STRIDES,
    min_conf: float = MIN_CONF,
    labels: tuple[str, str] = ("early", "late"),
    legs: Legs = "both",
) -> Comparison:
    """Compare the start of one clip with its end.

    Parameters
    ----------
    analysis : ClipAnalysis
        One clip of a run.
    early, late : (t0_s, t1_s), optional
        Time windows in seconds; a stride belongs to a window when its ``t_start_s`` lies in
        ``[t0_s, t1_s)``. When omitted, the first / last ``fraction`` of the strides by count.
    fraction : float
        Share of the strides in each default window (0 < fraction <= 0.5).
    legs : {"both", "left", "right"}
        Use only strides opened by that leg (e.g. pelvic drop of one side).

    Returns
    -------
    Comparison
        ``change`` is late minus early, in each metric's unit.
    """
    if not 0 < fraction <= 0.5:
        raise ValueError(f"fraction must be in (0, 0.5], got {fraction}")
    strides = _only_legs(_sorted_strides(analysis.strides), legs)
    n = len(strides)
    k = math.floor(n * fraction + 1e-9)
    win_a = _time_window(strides, early) if early is not None else strides.iloc[:k]
    win_b = _time_window(strides, late) if late is not None else strides.iloc[n - k:]
    warnings: list[QualityFlag] = []
    overlap = set(_ints(win_a, "stride")) & set(_ints(win_b, "stride"))
    if overlap:
        warnings.append(QualityFlag(
            "windows_overlap", "warning",
            f"The {labels[0]} and {labels[1]} parts share {plural(len(overlap), 'stride')}, "
            "which hides change; choose parts that do not overlap."))
    a_info = _window_info(labels[0], win_a)
    b_info = _window_info(labels[1], win_b)
    warnings += _size_check(win_a, win_b, labels)
    warnings += _speed_check(a_info, b_info)
    warnings += _stride_count_check(a_info, b_info, min_strides)
    changes = _compare_tables(win_a, win_b, min_strides=min_strides, min_conf=min_conf)
    return Comparison("windows", a_info, b_info, changes, warnings, analysis.view.view,
                      min_strides=min_strides, min_conf=min_conf, legs=legs)


def compare_clips(
    fresh: ClipAnalysis,
    fatigued: ClipAnalysis,
    *,
    labels: tuple[str, str] = ("fresh", "fatigued"),
    min_strides: int = MIN_STABLE_STRIDES,
    min_conf: float = MIN_CONF,
    legs: Legs = "both",
) -> Comparison:
    """Compare two clips of the same runner (e.g. fresh and fatigued).

    ``legs`` keeps only strides opened by that leg, as in :func:`compare_windows`.

    Returns
    -------
    Comparison
        ``change`` is ``fatigued`` minus ``fresh``, in each metric's unit.
    """
    win_a = _only_legs(_sorted_strides(fresh.strides), legs)
    win_b = _only_legs(_sorted_strides(fatigued.strides), legs)
    a_info = _with_summary_cadence(_window_info(labels[0], win_a), fresh)
    b_info = _with_summary_cadence(_window_info(labels[1], win_b), fatigued)
    warnings = _view_checks(fresh, fatigued, labels)
    level = camera_levels(fresh, fatigued, labels)
    warnings += level.warnings
    warnings += _size_check(win_a, win_b, labels)
    warnings += _speed_check(a_info, b_info)
    warnings += _stride_count_check(a_info, b_info, min_strides)
    changes = _compare_tables(win_a, win_b, min_strides=min_strides, min_conf=min_conf,
                              roll_se_deg=level.roll_se_deg)
    if any(w.severity == "error" for w in warnings):
        changes = {m: _not_comparable(c) for m, c in changes.items()}
    elif level.one_sided:
        changes = {m: _level_withdrawn(c, level.one_sided) if spec(m).roll_dependent else c
                   for m, c in changes.items()}
    return Comparison("clips", a_info, b_info, changes, warnings, fresh.view.view,
                      min_strides=min_strides, min_conf=min_conf, legs=legs,
                      roll_se_deg=level.roll_se_deg)


def welch_interval(a: np.ndarray, b: np.ndarray, *, level: float = CI_LEVEL,
                   extra_sd: float = 0.0) -> tuple[float, float, float, float]:
    """Change ``mean(b) - mean(a)`` with its Welch t interval.

    Returns
    -------
    (change, ci_low, ci_high, p_value)
        In the unit of the inputs; ``p_value`` of Welch's two-sided t test (1.0 when both
        windows are constant and equal, 0.0 when constant and different).
    """
    return balanced_interval([a], [b], level=level, extra_sd=extra_sd)


def balanced_interval(groups_a: list[np.ndarray], groups_b: list[np.ndarray], *,
                      level: float = CI_LEVEL,
                      extra_sd: float = 0.0) -> tuple[float, float, float, float]:
    """Change of the equally weighted mean of groups (e.g. left and right leg), Welch style.

    Each window's mean is the plain average of its group means, so a window that happens to
    hold one more left than right stride is not shifted by a left-right difference. The
    variance adds the groups' ``var / n / G**2`` terms; degrees of freedom follow
    Welch-Satterthwaite over all terms. With one group per window this is Welch's interval.
    ``extra_sd`` (unit of the inputs) is a known further uncertainty of the change (e.g. from
    the camera roll); its variance is added with unlimited degrees of freedom.

    Returns
    -------
    (change, ci_low, ci_high, p_value)
        In the unit of the inputs.
    """
    ga = [np.asarray(g, dtype=float) for g in groups_a]
    gb = [np.asarray(g, dtype=float) for g in groups_b]
    change = float(np.mean([g.mean() for g in gb]) - np.mean([g.mean() for g in ga]))
    terms = [(g.var(ddof=1) / g.size / len(gs) ** 2, g.size)
             for gs in (ga, gb) for g in gs]
    se = math.sqrt(sum(t for t, _ in terms) + extra_sd**2)
    if se == 0.0:  # both windows constant: the change is exact
        return change, change, change, 1.0 if change == 0.0 else 0.0
    sampled = sum(t**2 / (n - 1) for t, n in terms)
    df = se**4 / sampled if sampled > 0 else math.inf
    half = float(stats.t.ppf(0.5 + level / 2, df)) * se
    p = float(2 * stats.t.sf(abs(change) / se, df))
    return change, change - half, change + half, p


def valid_values(strides: pd.DataFrame, metric: str, *,
                 min_conf: float = MIN_CONF) -> pd.DataFrame:
    """Rows of ``strides`` where ``metric`` is finite and its confidence >= ``min_conf``.

    Returns a frame with columns ``stride``, ``value``, ``conf`` (1.0 when the table carries
    no ``<metric>_conf`` column) and ``leg`` ("" when the table has no ``leg`` column).
    """
    if metric not in strides.columns:
        return pd.DataFrame({"stride": [], "value": [], "conf": [], "leg": []})
    values = pd.to_numeric(strides[metric], errors="coerce").astype(float)
    conf_col = f"{metric}_conf"
    if conf_col in strides.columns:
        conf = pd.to_numeric(strides[conf_col], errors="coerce").astype(float)
    else:
        conf = pd.Series(1.0, index=strides.index)
    keep = np.isfinite(values) & (conf.fillna(0.0) >= min_conf)
    stride_ids = strides["stride"] if "stride" in strides.columns else strides.index.to_series()
    legs = strides["leg"] if "leg" in strides.columns else pd.Series("", index=strides.index)
    return pd.DataFrame({"stride": stride_ids[keep].astype(int).to_numpy(),
                         "value": values[keep].to_numpy(),
                         "conf": conf[keep].to_numpy(),
                         "leg": legs[keep].astype(str).to_numpy()})


def with_cadence(strides: pd.DataFrame) -> pd.DataFrame:
    """``strides`` with a per-stride ``cadence_spm`` column (2 * 60 / stride duration).

    An existing ``cadence_spm`` column is kept as it is.
    """
    if "cadence_spm" in strides.columns or not {"t_start_s", "t_end_s"} <= set(strides.columns):
        return strides
    out = strides.copy()
    dur_s = (out["t_end_s"] - out["t_start_s"]).astype(float)
    out["cadence_spm"] = np.where(dur_s > 0, 120.0 / dur_s.where(dur_s > 0), np.nan)
    return out


# ---------------------------------------------------------------------------- the statistics
def _compare_tables(win_a: pd.DataFrame, win_b: pd.DataFrame, *, min_strides: int,
                    min_conf: float, roll_se_deg: float = 0.0) -> dict[str, MetricChange]:
    if min_strides < 2:
        raise ValueError("min_strides must be at least 2 for an interval")
    cols = [m for m in METRICS if m in win_a.columns or m in win_b.columns]
    changes = {m: _compare_metric(m, win_a, win_b, min_strides=min_strides, min_conf=min_conf,
                                  roll_sd=spec(m).roll_gain * roll_se_deg)
               for m in cols}
    return adjust_for_many(changes)


def adjust_for_many(changes: dict[str, MetricChange], *,
                    fdr: float = FDR_LEVEL) -> dict[str, MetricChange]:
    """Benjamini-Hochberg over the metrics that were judged, then the final verdicts.

    ``p_adjusted`` is set for every judged metric; a metric whose unadjusted interval
    excluded zero but whose adjusted p-value is not below ``fdr`` becomes "unchanged", with
    a reason saying so.
    """
    judged = [m for m, c in changes.items() if c.verdict != "not enough data"
              and math.isfinite(c.p_value)]
    if not judged:
        return changes
    q = stats.false_discovery_control([changes[m].p_value for m in judged], method="bh")
    out = dict(changes)
    for m, q_m in zip(judged, q, strict=True):
        c = replace(changes[m], p_adjusted=float(q_m))
        if c.verdict == "changed" and not q_m < fdr:
            c = replace(c, verdict="unchanged", direction=None, reason=(
                f"The 95% interval excludes zero, but with {len(judged)} metrics tested at "
                f"once the evidence is not strong enough (adjusted p = {q_m:.2f}, "
                "Benjamini-Hochberg)."))
        out[m] = c
    return out


def _compare_metric(metric: str, win_a: pd.DataFrame, win_b: pd.DataFrame, *,
                    min_strides: int, min_conf: float, roll_sd: float = 0.0) -> MetricChange:
    s = spec(metric)
    va = valid_values(win_a, metric, min_conf=min_conf)
    vb = valid_values(win_b, metric, min_conf=min_conf)
    nan = math.nan
    base = {
        "metric": metric, "label": s.label, "unit": s.unit, "sdd": s.sdd,
        "experimental": s.experimental,
        "a_strides": va["stride"].astype(int).tolist(),
        "b_strides": vb["stride"].astype(int).tolist(),
        "a_n": len(va), "b_n": len(vb),
        "a_mean": _mean(va), "b_mean": _mean(vb), "a_sd": _sd(va), "b_sd": _sd(vb),
        "a_conf": _mean(va, "conf"), "b_conf": _mean(vb, "conf"),
    }
    if len(va) < min_strides or len(vb) < min_strides:
        missing = metric not in win_a.columns or metric not in win_b.columns
        why = ("the metric was not measured in both windows" if missing or 0 in (len(va), len(vb))
               else f"{min(len(va), len(vb))} valid strides in a window, "
                    f"fewer than the {min_strides} needed")
        change = base["b_mean"] - base["a_mean"]
        return MetricChange(**base, change=change, ci_low=nan, ci_high=nan, p_value=nan,
                            verdict="not enough data", direction=None,
                            reason=f"Not enough data: {why}.")
    groups_a, groups_b = _leg_groups(va), _leg_groups(vb)
    if len(groups_a) > 1 and groups_a.keys() == groups_b.keys():
        method = "welch_leg_balanced"
        change, lo, hi, p = balanced_interval(list(groups_a.values()), list(groups_b.values()),
                                              extra_sd=roll_sd)
        base["a_mean"] = float(np.mean([g.mean() for g in groups_a.values()]))
        base["b_mean"] = float(np.mean([g.mean() for g in groups_b.values()]))
    else:
        method = "welch"
        change, lo, hi, p = welch_interval(va["value"].to_numpy(), vb["value"].to_numpy(),
                                           extra_sd=roll_sd)
    excludes_zero = lo > 0 or hi < 0
    big_enough = abs(change) >= s.sdd
    if excludes_zero and big_enough:
        verdict: Verdict = "changed"
        reason = (f"The 95% interval excludes zero and the change is at least the smallest "
                  f"detectable difference ({s.sdd:g} {s.unit}).")
        direction: Direction | None = _direction(s.worse_when, change)
    else:
        verdict, direction = "unchanged", None
        reason = ("The 95% interval includes zero." if not excludes_zero else
                  f"The change is smaller than the {s.sdd:g} {s.unit} that video can "
                  "reliably detect.")
    return MetricChange(**base, change=change, ci_low=lo, ci_high=hi, p_value=p,
                        verdict=verdict, direction=direction, reason=reason, method=method,
                        roll_sd=roll_sd)


def _leg_groups(v: pd.DataFrame) -> dict[str, np.ndarray]:
    """Values per leg when every leg present has at least 2 values, else one pooled group."""
    groups = {leg: g["value"].to_numpy() for leg, g in v.groupby("leg", sort=True)}
    if len(groups) > 1 and all(g.size >= 2 for g in groups.values()):
        return groups
    return {"all": v["value"].to_numpy()}


def _not_comparable(c: MetricChange) -> MetricChange:
    """Withdraw a verdict when the clips cannot be compared at all (e.g. different views)."""
    return replace(c, verdict="not enough data", direction=None,
                   reason="Not enough data: the two clips were filmed differently, so a change "
                          "cannot be judged.")


def _level_withdrawn(c: MetricChange, why: str) -> MetricChange:
    """Withdraw the verdict of a metric that depends on the camera level."""
    if c.verdict == "not enough data":
        return c
    return replace(c, verdict="not enough data", direction=None,
                   reason=f"Not enough data: {why}, and this angle depends on the camera "
                          "level, so the correction alone could make a change.")


def _direction(worse_when: str, change: float) -> Direction:
    if worse_when == "higher":
        return "worse" if change > 0 else "better"
    if worse_when == "lower":
        return "worse" if change < 0 else "better"
    return "different"


def _mean(v: pd.DataFrame, col: str = "value") -> float:
    return float(v[col].mean()) if len(v) else math.nan


def _sd(v: pd.DataFrame) -> float:
    return float(v["value"].std(ddof=1)) if len(v) > 1 else math.nan


# ---------------------------------------------------------------------------- windows
def _sorted_strides(strides: pd.DataFrame) -> pd.DataFrame:
    out = with_cadence(strides)
    if "t_start_s" in out.columns:
        out = out.sort_values("t_start_s", kind="stable")
    if "stride" not in out.columns:
        out = out.assign(stride=np.arange(len(out)))
    return out.reset_index(drop=True)


def _only_legs(strides: pd.DataFrame, legs: Legs) -> pd.DataFrame:
    if legs == "both":
        return strides
    if legs not in ("left", "right"):
        raise ValueError(f"legs must be 'both', 'left' or 'right', got {legs!r}")
    if "leg" not in strides.columns:
        raise ValueError("the strides table has no 'leg' column to select by")
    return strides[strides["leg"] == legs].reset_index(drop=True)


def _time_window(strides: pd.DataFrame, window: tuple[float, float]) -> pd.DataFrame:
    t0_s, t1_s = window
    if not t1_s > t0_s:
        raise ValueError(f"a time window needs end > start, got ({t0_s}, {t1_s})")
    t = strides["t_start_s"].astype(float)
    return strides[(t >= t0_s) & (t < t1_s)]


def _ints(df: pd.DataFrame, col: str) -> list[int]:
    return [int(v) for v in df[col]] if col in df.columns else []


def _window_info(label: str, win: pd.DataFrame) -> WindowInfo:
    def col(name: str, fn: str) -> float:
        if name not in win.columns or win.empty:
            return math.nan
        return float(getattr(win[name].astype(float), fn)())

    frame_lo, frame_hi = col("frame_start", "min"), col("frame_end", "max")
    return WindowInfo(
        label=label,
        t_start_s=col("t_start_s", "min"),
        t_end_s=col("t_end_s", "max"),
        strides=_ints(win, "stride"),
        frame_start=int(frame_lo) if math.isfinite(frame_lo) else -1,
        frame_end=int(frame_hi) if math.isfinite(frame_hi) else -1,
        cadence_spm=_median_cadence(win),
    )


def _with_summary_cadence(info: WindowInfo, clip: ClipAnalysis) -> WindowInfo:
    """Fall back on the clip-level cadence when the strides carry no timing."""
    if math.isfinite(info.cadence_spm):
        return info
    return replace(info, cadence_spm=float(clip.summary.get("cadence_spm", math.nan)))


def _median_cadence(win: pd.DataFrame) -> float:
    v = valid_values(win, "cadence_spm", min_conf=0.0)["value"]
    return float(v.median()) if len(v) else math.nan


# ---------------------------------------------------------------------------- comparability
def _view_checks(a: ClipAnalysis, b: ClipAnalysis, labels: tuple[str, str]) -> list[QualityFlag]:
    va, vb = a.view, b.view
    out: list[QualityFlag] = []
    if va.view != vb.view:
        out.append(QualityFlag(
            "view_mismatch", "error",
            f"The {labels[0]} clip was filmed from the {va.view} and the {labels[1]} clip from "
            f"the {vb.view}, so their numbers cannot be compared; film both from the same "
            "side of the runner."))
        return out
    if va.near_side != vb.near_side or va.facing != vb.facing:
        out.append(QualityFlag(
            "side_mismatch", "warning",
            f"The clips show different sides of the runner ({va.near_side} side facing "
            f"{va.facing} versus {vb.near_side} side facing {vb.facing}); film both with the "
            "camera on the same side so the same leg is nearest."))
    return out


@dataclass(frozen=True)
class CameraLevels:
    """How the camera level of two clips compares (see :func:`camera_levels`)."""

    roll_a_deg: float
    """Roll correction applied to clip A, degrees (0 when none)."""
    roll_b_deg: float
    roll_se_deg: float
    """Standard error of ``roll_b - roll_a``, degrees (0 when one roll serves both)."""
    one_sided: str
    """Why angle verdicts are withdrawn ("" when they stand)."""
    warnings: list[QualityFlag]


def applied_roll(clip: ClipAnalysis) -> tuple[float, float]:
    """(roll_deg, se_deg) of the camera-roll correction applied to a clip (0, 0 when none)."""
    v = clip.view
    roll = float(clip.summary.get("camera_roll_deg", v.camera_roll_deg))
    if v.roll_source == "none" or not math.isfinite(roll) or roll == 0.0:
        return 0.0, 0.0
    se = float(v.roll_se_deg) if math.isfinite(v.roll_se_deg) else 0.0
    return roll, se


def camera_levels(a: ClipAnalysis, b: ClipAnalysis,
                  labels: tuple[str, str] = ("fresh", "fatigued")) -> CameraLevels:
    """One camera, one level: compare the roll corrections of two clips.

    * the same roll applied to both (one estimate for the pair, or the same user value):
      its error shifts both clips alike and cancels in the change;
    * a correction in one clip and none in the other: every verdict that depends on the
      camera level is withdrawn (``one_sided`` says why);
    * two separately estimated rolls: their standard errors add to the interval of every
      angle change, and a difference above ``MAX_ROLL_DIFF_DEG`` is warned about;
    * no correction in either: noted as unchecked.
    """
    (ra, sa), (rb, sb) = applied_roll(a), applied_roll(b)
    out: list[QualityFlag] = []
    if ra == 0.0 and rb == 0.0:
        out.append(QualityFlag(
            "camera_level_unchecked", "info",
            "No camera-tilt correction was applied to either clip (the tilt could not be "
            "measured), so both are compared as filmed; keep the phone on the same stand at "
            "the same height for both."))
        return CameraLevels(ra, rb, 0.0, "", out)
    if (ra == 0.0) != (rb == 0.0):
        lev, unlev = (labels[0], labels[1]) if ra != 0.0 else (labels[1], labels[0])
        why = (f"a camera tilt of {ra or rb:+.1f} deg was corrected in the {lev} clip but "
               f"not in the {unlev} clip")
        out.append(QualityFlag(
            "camera_level_one_sided", "warning",
            f"The camera level was corrected in one clip only ({why}), so angle changes "
            "between the clips are not judged; analyse both clips together (posture compare) "
            "or enter the same tilt for both."))
        return CameraLevels(ra, rb, math.hypot(sa, sb), why, out)
    same = abs(ra - rb) < 1e-9
    se = 0.0 if same else math.hypot(sa, sb)
    if abs(rb - ra) > MAX_ROLL_DIFF_DEG:
        out.append(QualityFlag(
            "camera_level_mismatch", "warning",
            f"The camera tilt differs by {abs(rb - ra):.1f} deg between the clips, which "
            "shifts every trunk angle; level the phone the same way for both (use a stand "
            "and its spirit level)."))
    return CameraLevels(ra, rb, se, "", out)


def _size_check(win_a: pd.DataFrame, win_b: pd.DataFrame,
                labels: tuple[str, str]) -> list[QualityFlag]:
    """Camera distance: runner size in pixels (leg length, or hip width for frontal views)."""
    for col in ("leg_length_px", "hip_width_px"):
        if col in win_a.columns and col in win_b.columns:
            size_a = pd.to_numeric(win_a[col], errors="coerce").median()
            size_b = pd.to_numeric(win_b[col], errors="coerce").median()
            if not (np.isfinite(size_a) and np.isfinite(size_b)) or min(size_a, size_b) <= 0:
                continue
            diff = abs(size_b - size_a) / min(size_a, size_b)
            if diff > MAX_SIZE_DIFF_FRAC:
                bigger = "larger" if size_b > size_a else "smaller"
                return [QualityFlag(
                    "camera_distance_mismatch", "warning",
                    f"The runner looks {100 * diff:.0f}% {bigger} in the {labels[1]} strides "
                    f"than in the {labels[0]} strides, so "
                    "the camera distance changed; film from the same spot with the runner "
                    "at the same distance (a treadmill is easiest).")]
            return []
    return [QualityFlag(
        "camera_distance_unchecked", "info",
        "Camera distance could not be compared (the runner's size in the picture was not "
        "measured); keep the phone at the same distance from the runner for both recordings.")]


def _speed_check(a: WindowInfo, b: WindowInfo) -> list[QualityFlag]:
    if not (np.isfinite(a.cadence_spm) and np.isfinite(b.cadence_spm)):
        return [QualityFlag(
            "speed_unchecked", "info",
            "Running speed could not be compared (cadence unknown); run both recordings at "
            "the same speed, ideally the same treadmill setting.")]
    diff = (b.cadence_spm - a.cadence_spm) / a.cadence_spm
    if abs(diff) <= MAX_CADENCE_DIFF_FRAC:
        return []
    return [QualityFlag(
        "speed_mismatch", "warning",
        f"Cadence was {a.cadence_spm:.0f} steps/min {a.label} and {b.cadence_spm:.0f} "
        f"{b.label} ({100 * diff:+.0f}%), so the speed probably changed, and trunk lean and "
        "low-back posture change with speed; film both parts at the same pace (same "
        "treadmill speed) so that only fatigue differs.")]


def _stride_count_check(a: WindowInfo, b: WindowInfo, min_strides: int) -> list[QualityFlag]:
    short = [w for w in (a, b) if w.n_strides < min_strides]
    if not short:
        return []
    names = " and ".join(f"{w.label} ({w.n_strides})" for w in short)
    return [QualityFlag(
        "few_strides", "warning",
        f"Too few strides to judge change in {names}; at least {min_strides} are needed per "
        f"part, so {film_advice()} per clip, with the whole body in view.")]
