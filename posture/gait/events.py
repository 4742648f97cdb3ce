"""The gait events of a clip, the same container for every camera view.

:class:`GaitEvents` holds each leg's initial contacts and toe-offs (:class:`LegEvents`, real
seconds and track rows), every candidate stride with why it was kept or rejected, the
shots the clip was analysed in, and the clip cadence. Side views fill it with
:func:`posture.gait.side.detect_events` (foot position relative to the pelvis), rear and
front views with :func:`posture.gait.frontal.detect_frontal_events` (the feet's vertical
image motion). The running limits both detectors judge strides by live here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from posture.results import STRIDE_ID_COLUMNS, QualityFlag

#: Plausible running stride durations (IC to next IC of the same leg), seconds, for both
#: views: 0.45 s is 267 steps/min (above sprint cadences of ~260), 1.1 s is 109 steps/min
#: (below any running cadence; recreational running is 150-190, Heiderscheit et al. 2011).
#: A slow-motion clip played without its factor shows longer strides, which the refusal
#: message names.
STRIDE_MIN_S = 0.45
STRIDE_MAX_S = 1.1
#: Plausible running step durations (IC to next IC of the other leg), seconds.
STEP_MIN_S = 0.2
STEP_MAX_S = 0.6
#: Fewest frames per second over a stride's span (frame intervals per second of the stride)
#: for its values to be taken. Below it contacts are missed or mis-timed and the hip's bounce
#: peak falls between frames: on a rendered runner at 172 steps/min put through the pose
#: model at a given processed rate (docs/live.md, "How many frames a stride needs") the shown
#: cadence left +-3 % of the truth 0-7 % of the time at 14.6-30 fps and 24-59 % at 11-13.8
#: fps, bounce read 16 % low at 16 fps and 40 % at 9. Clips filmed below 20 fps are refused
#: at intake (``io.video.MIN_CAPTURE_FPS``); this catches the rest: live recordings made on a
#: busy computer and phone clips that drop frames in a stretch.
MIN_STRIDE_FPS = 15.0
#: Window searched for the stride period (autocorrelation), seconds: wider than the
#: accepted strides so that a period at their limits is still found as a peak, not at the
#: window's edge, and then judged by those limits.
PERIOD_SEARCH_S = (0.4, 1.6)


def frames_per_s_over(t_s: np.ndarray, t0_s: float, t1_s: float) -> float:
    """Frame intervals per second between ``t0_s`` and ``t1_s`` (``t_s`` sorted frame times;
    the frames inside the span, both ends included)."""
    lo = int(np.searchsorted(t_s, t0_s, side="left"))
    hi = int(np.searchsorted(t_s, t1_s, side="right"))
    return max(hi - lo - 1, 0) / (t1_s - t0_s) if t1_s > t0_s else float("nan")


def too_few_frames_reason(fps_over_stride: float) -> str:
    """The reject reason of a stride with fewer than :data:`MIN_STRIDE_FPS` frames per second
    over it ("" when it has enough)."""
    if fps_over_stride >= MIN_STRIDE_FPS:
        return ""
    # rounded down (14.99 must not read as the 15 it falls short of), after float noise
    fps = math.floor(round(fps_over_stride, 6))
    return f"only {fps} frames per second over the stride (needs {MIN_STRIDE_FPS:.0f})"


@dataclass(frozen=True)
class LegEvents:
    """Events of one leg.

    Attributes
    ----------
    ic_t_s, to_t_s : (n,) float, seconds
        Initial contacts and the toe-off that ends each of those contacts (NaN when the
        toe-off was not found before the next contact).
    ic_frame, to_frame : (n,) int
        Nearest track row of each event (-1 where the time is NaN).
    """

    ic_t_s: np.ndarray
    to_t_s: np.ndarray
    ic_frame: np.ndarray
    to_frame: np.ndarray


#: Columns of :attr:`GaitEvents.strides` after the stride id columns.
EVENT_STRIDE_COLUMNS: tuple[str, ...] = (
    "valid", "reject_reason", "duration_s", "cadence_spm", "contact_time_ms",
    "flight_time_ms", "frame_prev_other_ic", "segment")


@dataclass
class GaitEvents:
    """Everything the event stage found in one clip, the same for every view.

    Side views: :func:`detect_events`; rear and front views:
    :func:`posture.gait.frontal.detect_frontal_events`.

    ``strides`` holds every candidate stride (IC to next IC of the same leg) with the
    :data:`posture.results.STRIDE_ID_COLUMNS` plus :data:`EVENT_STRIDE_COLUMNS`: ``valid``
    (bool), ``reject_reason`` (str, empty when valid), ``duration_s``, ``cadence_spm``,
    ``contact_time_ms`` and ``flight_time_ms`` (NaN below ``MIN_FPS_CONTACT`` or where not
    measured), ``frame_prev_other_ic`` (the other leg's contact before the stride, -1 if
    none) and ``segment`` (index into ``segments``).
    """

    fps: float
    legs: dict[str, LegEvents]
    strides: pd.DataFrame
    cadence_spm: float
    """Clip cadence, steps per minute."""
    n_steps: int
    segments: tuple[tuple[int, int], ...] = ()
    """``(start, stop)`` track rows analysed separately (shots between cuts), stop
    exclusive."""
    method: str = "zeni2008+foot_height"
    flags: list[QualityFlag] = field(default_factory=list)
    facing: int = 0
    """Side views: +1 when the runner faces image +x, -1 otherwise (0: not a side view)."""
    stride_period_s: float = float("nan")
    """Side views: dominant stride period of the foot signal (autocorrelation), seconds."""
    leg_length_px: float = float("nan")
    """Side views: clip median leg length (hip-knee + knee-ankle), pixels."""

    @property
    def valid_strides(self) -> pd.DataFrame:
        s = self.strides
        return s[s["valid"]].reset_index(drop=True)

    @property
    def ic_frames(self) -> dict[str, np.ndarray]:
        """Track rows of every initial contact, per leg."""
        return {leg: ev.ic_frame for leg, ev in self.legs.items()}

    @property
    def to_frames(self) -> dict[str, np.ndarray]:
        """Track rows of every toe-off found, per leg."""
        return {leg: ev.to_frame[ev.to_frame >= 0] for leg, ev in self.legs.items()}

    def contact_cues(self) -> tuple[list[tuple[float, str]], np.ndarray]:
        """``(time s, leg)`` of every contact, and the duty factor (contact time / stride
        time) of every contact whose toe-off and next contact were found (for
        :func:`posture.analysis.activity.gait_shape`)."""
        contacts = [(float(t), leg) for leg, ev in self.legs.items() for t in ev.ic_t_s]
        duty = [(ev.to_t_s[k] - ev.ic_t_s[k]) / (ev.ic_t_s[k + 1] - ev.ic_t_s[k])
                for ev in self.legs.values() for k in range(ev.ic_t_s.size - 1)]
        return contacts, np.asarray(duty, float)


def _autocorrelation(t: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float] | None:
    """Normalised autocorrelation (lag 0 = 1) of ``y`` resampled on a regular grid at the
    median frame interval, and that interval (s); None with fewer than 10 finite samples or
    a flat signal."""
    ok = np.isfinite(y)
    if ok.sum() < 10:
        return None
    dt = float(np.median(np.diff(t)))
    grid = np.arange(t[ok][0], t[ok][-1], dt)
    if grid.size < 10:
        return None
    v = np.interp(grid, t[ok], y[ok])
    v = v - v.mean()
    ac = np.correlate(v, v, mode="full")[v.size - 1:]
    if ac[0] <= 0:
        return None
    return ac / ac[0], dt


def _refined_lag_s(ac: np.ndarray, k: int, dt: float) -> float:
    """Lag ``k`` refined by a parabola through its neighbours, in seconds."""
    if 0 < k < ac.size - 1:
        den = ac[k - 1] - 2 * ac[k] + ac[k + 1]
        if den != 0:
            return float((k + 0.5 * (ac[k - 1] - ac[k + 1]) / den) * dt)
    return float(k * dt)


def stride_period_s(t: np.ndarray, y: np.ndarray, *, lo_s: float = PERIOD_SEARCH_S[0],
                    hi_s: float = PERIOD_SEARCH_S[1]) -> float:
    """Dominant period of a roughly periodic signal from its autocorrelation, seconds."""
    found = _autocorrelation(t, y)
    if found is None:
        return float("nan")
    ac, dt = found
    lo, hi = int(np.ceil(lo_s / dt)), min(int(hi_s / dt), ac.size - 2)
    if hi <= lo:
        return float("nan")
    return _refined_lag_s(ac, lo + int(np.argmax(ac[lo:hi + 1])), dt)


def first_rhythm_s(t: np.ndarray, y: np.ndarray, *, lo_s: float,
                   hi_s: float) -> tuple[float, float]:
    """Period (s) and regularity of the shortest clear rhythm of a signal.

    The first local maximum of the autocorrelation after it first drops below zero, between
    lags ``lo_s`` and ``hi_s``, and the autocorrelation there (0..1: how alike one cycle is
    to the next). The first peak, not the highest: a signal that repeats every step also
    repeats every stride, often more alike; (NaN, 0.0) when there is none.
    """
    found = _autocorrelation(t, y)
    if found is None:
        return float("nan"), 0.0
    ac, dt = found
    below = np.flatnonzero(ac < 0)
    lo = max(int(np.ceil(lo_s / dt)), int(below[0]) if below.size else ac.size)
    hi = min(int(hi_s / dt), ac.size - 2)
    for k in range(max(lo, 1), hi + 1):
        if ac[k] >= ac[k - 1] and ac[k] > ac[k + 1]:
            return _refined_lag_s(ac, k, dt), float(ac[k])
    return float("nan"), 0.0


def nearest_frame(t_s: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Row index of the frame nearest to each time (-1 for NaN)."""
    t = np.asarray(t, float)
    out = np.full(t.shape, -1, dtype=np.int64)
    ok = np.isfinite(t)
    if ok.any():
        i = np.clip(np.searchsorted(t_s, t[ok]), 1, len(t_s) - 1)
        left = t_s[i - 1]
        right = t_s[i]
        out[ok] = np.where(np.abs(t[ok] - left) <= np.abs(right - t[ok]), i - 1, i)
    return out


def stride_table(rows: list[dict]) -> pd.DataFrame:
    """:attr:`GaitEvents.strides` from one dict per candidate stride (any order)."""
    cols = [*STRIDE_ID_COLUMNS, *EVENT_STRIDE_COLUMNS]
    df = pd.DataFrame(rows, columns=[c for c in cols if c != "stride"])
    df = df.sort_values("t_start_s", kind="stable").reset_index(drop=True)
    df.insert(0, "stride", np.arange(len(df)))
    return df.astype({"frame_start": "int64", "frame_end": "int64",
                      "frame_midstance": "int64", "frame_toeoff": "int64", "valid": bool,
                      "frame_prev_other_ic": "int64", "segment": "int64"})
