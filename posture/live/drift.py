"""Baseline, then drift: the runner compared with their own fresh values while they run.

Pure logic on a stream of per-stride values (no video, no model), so it is tested on number
streams. The first ``baseline_s`` seconds of strides set the runner's own values; after that
a metric whose recent median has moved beyond its smallest detectable difference (the registry's
``sdd``, the same floor the offline early-versus-late comparison uses) in the direction the
registry calls worse, continuously for ``sustain_s``, gives one cue. Cues are at least
``cooldown_s`` apart (any metric), so a runner is not told more than once a minute.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from posture.metrics.registry import spec

#: The metrics followed live: the ones proven on real footage (issue 18). Bounce in % leg
#: (the cm column needs the runner's height and has the same shape).
LIVE_METRICS: tuple[str, ...] = ("trunk_lean_deg", "cadence_spm", "vertical_oscillation_pct_leg")

State = Literal["waiting", "baseline", "watching"]


@dataclass(frozen=True)
class DriftSettings:
    """How the live comparison runs (seconds of real time)."""

    baseline_s: float = 120.0
    """Length of the fresh baseline, from the first stride."""
    sustain_s: float = 30.0
    """How long a metric must stay beyond its SDD before a cue."""
    cooldown_s: float = 60.0
    """Least time between two cues (any metric)."""
    recent_s: float = 10.0
    """The recent value is the median of the strides that started in the last ``recent_s``
    (a median, not a mean: under load a few strides are mis-timed, see :func:`center`)."""
    min_baseline_strides: int = 7
    """Fewer strides than this in the baseline: it is extended until there are enough
    (the same count a window needs for a stable mean offline, ``MIN_STABLE_STRIDES``)."""

    def __post_init__(self) -> None:
        for name in ("baseline_s", "sustain_s", "cooldown_s", "recent_s"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise ValueError(f"{name} must be a number of seconds >= 0, got {v}")
        if self.recent_s <= 0:
            raise ValueError("recent_s must be > 0")


@dataclass(frozen=True)
class StrideValue:
    """One stride's live values (NaN where not measured)."""

    t_s: float
    """Start of the stride (its initial contact), real seconds from the session start."""
    values: dict[str, float]
    """Metric column -> value, in the unit of the column name."""


@dataclass(frozen=True)
class Drift:
    """Where one metric stands against the baseline."""

    metric: str
    baseline: float
    recent: float
    change: float
    """``recent - baseline`` in the metric's unit."""
    sdd: float
    beyond: bool
    """Beyond the SDD in the worse direction now."""
    beyond_for_s: float
    """How long it has been beyond without a break, s (0 when not beyond)."""


@dataclass(frozen=True)
class Cue:
    """One cue given to the runner."""

    t_s: float
    metric: str
    change: float
    """Recent minus baseline, in the metric's unit."""
    baseline: float
    recent: float
    text: str

    def to_dict(self) -> dict:
        return {"t_s": round(self.t_s, 3), "metric": self.metric,
                "change": round(self.change, 3), "baseline": round(self.baseline, 3),
                "recent": round(self.recent, 3), "text": self.text}


def worse(metric: str, change: float) -> bool:
    """A change of this sign is the registry's worse direction for the metric."""
    way = spec(metric).worse_when
    if way == "higher":
        return change > 0
    if way == "lower":
        return change < 0
    return way == "either"


@dataclass
class DriftMonitor:
    """Feed it strides in time order (:meth:`add`), then ask :meth:`update` at any time.

    ``cue_text(metric, change)`` writes a cue's words (:func:`posture.live.cues.cue_text`).
    """

    settings: DriftSettings = field(default_factory=DriftSettings)
    metrics: tuple[str, ...] = LIVE_METRICS
    cue_text: Callable[[str, float], str] | None = None
    """Writes a cue's words from (metric, change); None: a plain default."""
    strides: deque[StrideValue] = field(default_factory=deque)
    baseline: dict[str, float] = field(default_factory=dict)
    t_first_s: float | None = None
    t_baseline_end_s: float | None = None
    cues: list[Cue] = field(default_factory=list)
    _beyond_since: dict[str, float] = field(default_factory=dict)
    _baseline_rows: list[StrideValue] = field(default_factory=list)

    @property
    def state(self) -> State:
        if self.t_first_s is None:
            return "waiting"
        return "baseline" if self.t_baseline_end_s is None else "watching"

    def baseline_left_s(self, t_s: float) -> float:
        """Seconds of baseline still to run (0 once set; the full length before a stride)."""
        if self.t_first_s is None:
            return self.settings.baseline_s
        if self.t_baseline_end_s is not None:
            return 0.0
        return max(0.0, self.t_first_s + self.settings.baseline_s - t_s)

    def add(self, stride: StrideValue) -> None:
        if self.strides and stride.t_s < self.strides[-1].t_s:
            raise ValueError("strides must come in time order")
        if self.t_first_s is None:
            self.t_first_s = stride.t_s
        self.strides.append(stride)
        if self.t_baseline_end_s is None:
            self._baseline_rows.append(stride)

    def recent(self, t_s: float) -> dict[str, float]:
        """Median of each metric over the strides that started in ``(t_s - recent_s, t_s]``."""
        lo = t_s - self.settings.recent_s
        while self.strides and self.strides[0].t_s < lo - self.settings.recent_s:
            self.strides.popleft()  # keep the memory bounded over a long run
        rows = [s for s in self.strides if lo < s.t_s <= t_s]
        return {m: center([s.values.get(m, math.nan) for s in rows]) for m in self.metrics}

    def update(self, t_s: float) -> list[Cue]:
        """Advance to ``t_s`` (real seconds); returns the cues given now (zero or one)."""
        if self.t_first_s is None:
            return []
        if self.t_baseline_end_s is None and not self._close_baseline(t_s):
            return []
        drifts = self.drifts(t_s)
        due = [d for d in drifts if d.beyond and d.beyond_for_s >= self.settings.sustain_s]
        last = self.cues[-1].t_s if self.cues else -math.inf
        if not due or t_s - last < self.settings.cooldown_s:
            return []
        # the largest drift relative to its floor speaks first
        d = max(due, key=lambda x: abs(x.change) / x.sdd)
        text = self.cue_text(d.metric, d.change) if self.cue_text is not None else \
            f"{d.metric} {d.change:+.1f} since the start"
        cue = Cue(t_s, d.metric, d.change, d.baseline, d.recent, text)
        self.cues.append(cue)
        self._beyond_since.pop(d.metric, None)  # it must last again before it repeats
        return [cue]

    def drifts(self, t_s: float) -> list[Drift]:
        """Each followed metric against its baseline at ``t_s`` (updates the timers)."""
        out = []
        recent = self.recent(t_s)
        for m in self.metrics:
            base = self.baseline.get(m, math.nan)
            now = recent[m]
            change = now - base
            sdd = spec(m).sdd
            beyond = bool(math.isfinite(change) and abs(change) > sdd and worse(m, change))
            if beyond:
                since = self._beyond_since.setdefault(m, t_s)
            else:
                self._beyond_since.pop(m, None)
                since = t_s
            out.append(Drift(m, base, now, change, sdd, beyond, t_s - since))
        return out

    def _close_baseline(self, t_s: float) -> bool:
        """Set the baseline once its time has run and it holds enough strides."""
        assert self.t_first_s is not None
        if t_s < self.t_first_s + self.settings.baseline_s:
            return False
        end = self.t_first_s + self.settings.baseline_s
        rows = [s for s in self._baseline_rows if s.t_s <= end]
        if len(rows) < self.settings.min_baseline_strides:
            rows = self._baseline_rows  # extended until there are enough
            if len(rows) < self.settings.min_baseline_strides:
                return False
        self.baseline = {m: center([s.values.get(m, math.nan) for s in rows])
                         for m in self.metrics}
        self.t_baseline_end_s = max(end, rows[-1].t_s)
        self._baseline_rows = []
        return True


def center(values: list[float]) -> float:
    """Median of the finite values (NaN when none), for the baseline and the recent value.

    A median because frames dropped unevenly under load leave some strides mis-timed: on a
    rendered runner at a constant 172 steps/min with half the frames dropped, a tenth to a
    third of the live strides read 111-120 or 220-258 steps/min; their mean fell to
    156-167 (a false "cadence -8 steps/min" cue), their median stayed at 171-173.
    """
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    return float(np.median(v)) if v.size else math.nan
