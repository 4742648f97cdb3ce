"""The live loop over a frame source (the CLI twin of the app page, and the benchmark).

:func:`run_live` takes each frame the source hands over, pushes it through a
:class:`LiveSession` and reports what happened: the cue timeline, processed frames per
second, frames dropped, and the latency from a frame's arrival to its finished update (the
overlay is drawn from that update).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from posture.live.drift import Cue, DriftSettings
from posture.live.session import LiveSession, LiveUpdate, Recording
from posture.live.signals import too_few_frames_text
from posture.live.source import FrameSource


@dataclass
class LiveResult:
    cues: list[Cue]
    settings: DriftSettings
    n_processed: int
    n_dropped: int
    duration_s: float
    """Real time of the last processed frame, s."""
    wall_s: float
    """Wall-clock time the loop took, s."""
    latency_ms: list[float] = field(default_factory=list)
    """Arrival of each frame to its finished update, ms."""
    baseline: dict[str, float] = field(default_factory=dict)
    baseline_window_s: tuple[float, float] | None = None
    """First stride to the end of the baseline, real seconds (None: never set)."""
    recording: Recording | None = None
    paused_s: float = 0.0
    """Seconds of running with too few frames processed to measure strides."""

    @property
    def processed_fps(self) -> float:
        return self.n_processed / self.wall_s if self.wall_s > 0 else math.nan

    def latency_stats_ms(self) -> dict[str, float]:
        lat = np.asarray(self.latency_ms, float)
        if lat.size == 0:
            return {"median": math.nan, "p95": math.nan}
        return {"median": float(np.median(lat)), "p95": float(np.percentile(lat, 95))}

    def to_dict(self) -> dict:
        return {
            "settings": {"baseline_s": self.settings.baseline_s,
                         "sustain_s": self.settings.sustain_s,
                         "cooldown_s": self.settings.cooldown_s,
                         "recent_s": self.settings.recent_s},
            "baseline": {k: (round(v, 3) if math.isfinite(v) else None)
                         for k, v in self.baseline.items()},
            "baseline_window_s": [round(t, 3) for t in self.baseline_window_s]
            if self.baseline_window_s else None,
            "cues": [c.to_dict() for c in self.cues],
            "frames_processed": self.n_processed,
            "frames_dropped": self.n_dropped,
            "measuring_paused_s": round(self.paused_s, 1),
            "processed_fps": round(self.processed_fps, 2),
            "latency_ms": {k: round(v, 1) for k, v in self.latency_stats_ms().items()},
            "recording": str(self.recording.folder) if self.recording else None,
        }


def run_live(source: FrameSource, session: LiveSession, *,
             on_update: Callable[[LiveUpdate], None] | None = None) -> LiveResult:
    """Process the source to its end (or Ctrl-C), then stop the session."""
    t_wall0 = time.perf_counter()
    latency: list[float] = []
    t_last = 0.0
    try:
        for frame in source:
            update = session.process(frame.image_rgb, frame.t_s, n_dropped=source.n_dropped)
            latency.append(1000.0 * (time.perf_counter() - source.arrived_s(frame)))
            t_last = frame.t_s
            if on_update is not None:
                on_update(update)
    except KeyboardInterrupt:
        pass  # Stop: the recording is closed below
    finally:
        source.close()
        recording = session.stop()
    return LiveResult(cues=session.cues, settings=session.settings,
                      n_processed=session.n_processed, n_dropped=source.n_dropped,
                      duration_s=t_last, wall_s=time.perf_counter() - t_wall0,
                      latency_ms=latency, baseline=dict(session.monitor.baseline),
                      baseline_window_s=_baseline_window(session), recording=recording,
                      paused_s=session.paused_s)


def _baseline_window(session: LiveSession) -> tuple[float, float] | None:
    mon = session.monitor
    if mon.t_first_s is None or mon.t_baseline_end_s is None:
        return None
    return (mon.t_first_s, mon.t_baseline_end_s)


def clock(t_s: float) -> str:
    """``m:ss`` of a time in seconds."""
    m, s = divmod(max(0.0, t_s), 60.0)
    return f"{int(m)}:{s:04.1f}"


def pause_line(update: LiveUpdate, was_paused: bool) -> str | None:
    """The timeline line when measuring pauses for too few frames or resumes (else None)."""
    if update.too_few_frames == was_paused:
        return None
    if update.too_few_frames:
        return f"{clock(update.t_s)}  PAUSED  {too_few_frames_text(update.processed_fps)}"
    return f"{clock(update.t_s)}  RESUMED  {update.processed_fps:.0f} frames per second again"


def timeline_lines(result: LiveResult) -> list[str]:
    """The cue timeline as the CLI prints it."""
    lines = []
    if result.baseline:
        parts = [f"{k} {v:.1f}" for k, v in result.baseline.items() if math.isfinite(v)]
        lines.append("baseline: " + (", ".join(parts) or "not measured"))
    else:
        lines.append("baseline: not set (fewer strides than the baseline needs)")
    lines += [f"{clock(c.t_s)}  {c.text}" for c in result.cues]
    if not result.cues:
        lines.append("no cue: every followed metric stayed within its smallest detectable "
                     "difference of the baseline")
    return lines
