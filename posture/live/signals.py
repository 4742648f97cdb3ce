"""Streaming per-stride values from live landmarks, by the offline definitions.

The landmarks of the last ``window_s`` seconds are analysed every ``every_s`` seconds with
the offline pipeline itself (:func:`posture.pipeline.analyze_track`: cleaning, view, leg
labels, camera level, gait events, per-stride metrics), so a live trunk lean, cadence or
bounce is the same number the offline report gives for that stride (docs/metrics.md).
Each stride is taken once, from the first window in which it is complete and not within
``edge_s`` of either end of the window (the low-pass filter's and the event finder's edges).
The camera level is estimated on each window during the baseline and then fixed to the
baseline's median, so a wobbling roll estimate cannot look like a change of lean.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from posture.errors import PostureError
from posture.gait.events import MIN_STRIDE_FPS, frames_per_s_over
from posture.landmarks import N_LANDMARKS
from posture.live.drift import LIVE_METRICS, StrideValue
from posture.options import AnalysisOptions
from posture.pipeline import analyze_track
from posture.track import TRUNK_PROFILE_S, PoseTrack, VideoInfo


@dataclass(frozen=True)
class LandmarkFrame:
    """One processed frame's landmarks (NaN where the runner was not found)."""

    t_s: float
    image_xy_px: np.ndarray
    """(33, 2) pixels of the frame given to :class:`StrideStream` (its ``frame_size_px``)."""
    visibility: np.ndarray
    """(33,) in [0, 1]."""
    world_xyz_m: np.ndarray
    """(33, 3) metres."""
    trunk_edges_px: np.ndarray | None = None
    """(K, 2) trunk outline (``PoseTrack.trunk_edges_px``), None when not taken."""

    @classmethod
    def missing(cls, t_s: float) -> LandmarkFrame:
        return cls(t_s, np.full((N_LANDMARKS, 2), np.nan), np.full(N_LANDMARKS, np.nan),
                   np.full((N_LANDMARKS, 3), np.nan))

    def edges(self) -> np.ndarray:
        if self.trunk_edges_px is None:
            return np.full((TRUNK_PROFILE_S.size, 2), np.nan)
        return self.trunk_edges_px

    @property
    def found(self) -> bool:
        return bool(np.isfinite(self.image_xy_px).all())


@dataclass
class StrideStream:
    """Collects landmark frames and turns them into new strides (:meth:`poll`)."""

    frame_size_px: tuple[int, int]
    window_s: float = 8.0
    every_s: float = 1.0
    edge_s: float = 1.0
    runner_height_m: float | None = None
    frames: deque[LandmarkFrame] = field(default_factory=deque)
    view: str | None = None
    """Camera view of the last analysed window ("side", "rear", "front")."""
    error: str | None = None
    """Why the last window gave no strides (one sentence), else None."""
    roll_deg: float | None = None
    """Camera roll fixed after the baseline (None: estimated on each window)."""
    _rolls: list[float] = field(default_factory=list)
    _last_start: dict[str, float] = field(default_factory=dict)
    _t_next_s: float = -math.inf

    def push(self, frame: LandmarkFrame) -> None:
        if self.frames and frame.t_s <= self.frames[-1].t_s:
            return  # a repeated or late frame: times must increase
        self.frames.append(frame)
        while self.frames and self.frames[0].t_s < frame.t_s - self.window_s:
            self.frames.popleft()

    def due(self) -> bool:
        """A window analysis is due (the newest frame is ``every_s`` after the last one)."""
        return bool(self.frames) and self.frames[-1].t_s >= self._t_next_s

    def poll(self) -> list[StrideValue]:
        """Analyse the current window when due (in this thread); the new strides."""
        return self.analyse(self.snapshot()) if self.due() else []

    def snapshot(self) -> list[LandmarkFrame]:
        """The window's frames, to analyse now or on another thread; the next is due
        ``every_s`` later."""
        self._t_next_s = self.frames[-1].t_s + self.every_s if self.frames else -math.inf
        return list(self.frames)

    def analyse(self, frames: list[LandmarkFrame], *, fix_roll: bool = False,
                run: Callable[[PoseTrack, AnalysisOptions], WindowResult] | None = None
                ) -> list[StrideValue]:
        """Strides of these frames not given before, in time order (one call at a time).

        ``fix_roll``: from now on keep the median of the camera rolls seen so far. ``run``:
        what analyses the window (default :func:`analyse_window` in this thread; the live
        session hands it to a worker process).
        """
        if fix_roll and self._rolls and self.roll_deg is None:
            self.roll_deg = float(np.median(self._rolls))
        track = landmark_track(frames, self.frame_size_px)
        if track is None:
            self.error = "No runner in view."
            return []
        t_found_s = np.array([f.t_s for f in frames if f.found])
        track = evenly_timed(track)
        opts = AnalysisOptions(runner_height_m=self.runner_height_m, use_cache=False,
                               camera_roll_deg=self.roll_deg)
        result = (run or analyse_window)(track, opts)
        self.error = result.error
        out: list[StrideValue] = []
        if result.strides is not None:
            self.view = result.view
            if self.roll_deg is None and result.roll_deg is not None:
                self._rolls.append(result.roll_deg)
            out = self._new_strides(result.strides, float(track.t_s[0]),
                                    float(track.t_s[-1]), t_found_s)
        rate = frames_per_s_over(t_found_s, t_found_s[0], t_found_s[-1])
        if not out and rate < MIN_STRIDE_FPS:
            self.error = too_few_frames_text(rate)  # the cause, whatever the window said
        return out

    def _new_strides(self, strides, t0_s: float, t1_s: float,
                     t_found_s: np.ndarray | None = None) -> list[StrideValue]:
        """``t_found_s``: times of the processed frames with the runner found (None: every
        stride is taken whatever its frame count)."""
        out = []
        for _, row in strides.sort_values("t_start_s").iterrows():
            t = float(row["t_start_s"])
            t_end = float(row["t_end_s"])
            leg = str(row["leg"])
            if t < t0_s + self.edge_s or t_end > t1_s - self.edge_s:
                continue  # the filter's and the event finder's edges: taken next window
            if t_found_s is not None and frames_per_s_over(t_found_s, t, t_end) < \
                    MIN_STRIDE_FPS:
                continue  # measured from too few frames (the runner found): values wrong
            if t <= self._last_start.get(leg, -math.inf) + 0.05:
                continue
            if t < max(self._last_start.values(), default=-math.inf):
                # first seen only now, behind a stride of the other leg already given (its
                # validity changed between windows): dropped, the drift monitor takes
                # strides in time order
                continue
            self._last_start[leg] = t
            vals = {m: float(row[m]) if m in row and np.isfinite(row[m]) else math.nan
                    for m in (*LIVE_METRICS, "vertical_oscillation_cm")}
            out.append(StrideValue(t, vals))
        return sorted(out, key=lambda s: s.t_s)


def too_few_frames_text(fps: float) -> str:
    """The one sentence for measuring held back by too low a processed frame rate."""
    return (f"Too few frames to measure: {fps:.0f} processed per second, strides need at "
            f"least {MIN_STRIDE_FPS:.0f}. Close other programs (or switch off the low-back "
            "arch index).")


@dataclass(frozen=True)
class WindowResult:
    """What one window's offline analysis gives the stream (small: it may come back from a
    worker process)."""

    strides: pd.DataFrame | None
    """The window's stride table, the columns the live metrics need; None on an error."""
    view: str | None = None
    roll_deg: float | None = None
    """The camera roll estimated on this window (None when it could not be)."""
    error: str | None = None
    """Why the window gave no strides (one sentence), else None."""


#: Stride-table columns the stream reads.
_STRIDE_COLUMNS = ("t_start_s", "t_end_s", "leg", *LIVE_METRICS, "vertical_oscillation_cm")


def analyse_window(track: PoseTrack, options: AnalysisOptions) -> WindowResult:
    """The offline pipeline on one window's landmarks (:func:`posture.pipeline.analyze_track`).

    A plain function of its arguments, so it runs in a worker process as well as here.
    """
    try:
        analysis = analyze_track(track, options)
    except PostureError as exc:
        return WindowResult(None, error=str(exc))
    strides = analysis.strides
    roll = (float(analysis.view.camera_roll_deg) if analysis.view.roll_source != "none"
            else None)
    return WindowResult(strides[[c for c in _STRIDE_COLUMNS if c in strides.columns]],
                        analysis.view.view, roll)


def landmark_track(frames: list[LandmarkFrame], frame_size_px: tuple[int, int], *,
                   path: str = "", min_found: int = 10) -> PoseTrack | None:
    """Frames as a :class:`PoseTrack` (None when the runner is in fewer than ``min_found``).

    ``path`` names the recorded video the frames were written to (frame ``i`` of the track
    is frame ``i`` of the video); "" for a window that has none.
    """
    if sum(f.found for f in frames) < min_found:
        return None
    t = np.array([f.t_s for f in frames])
    n = t.size
    duration = float(t[-1] - t[0])
    fps = (n - 1) / duration if duration > 0 else 30.0
    w, h = frame_size_px
    info = VideoInfo(path=path, width_px=w, height_px=h, rotation_deg=0, codec="live",
                     n_frames=n, fps_nominal=fps, fps_capture=fps, duration_s=duration,
                     is_vfr=True)
    return PoseTrack(
        t_s=t, frame_index=np.arange(n, dtype=np.int64),
        image_xy_px=np.stack([f.image_xy_px for f in frames]).astype(float),
        visibility=np.stack([f.visibility for f in frames]).astype(float),
        world_xyz_m=np.stack([f.world_xyz_m for f in frames]).astype(float),
        trunk_edges_px=np.stack([f.edges() for f in frames]).astype(float),
        frame_size_px=(w, h), info=info, extraction={"live": True})


#: Frame intervals varying more than this fraction of their median count as uneven.
UNEVEN_DT = 0.25


def evenly_timed(track: PoseTrack) -> PoseTrack:
    """The window's landmarks on evenly spaced times (same span and frame count, so its mean
    frame rate), linearly interpolated between the processed frames; the track itself when
    its frames are already evenly spaced.

    Under load the live loop drops frames unevenly (the newest frame is taken whenever the
    previous one is done), and the offline event finder, made for a camera's even frames,
    then misses most contacts: on a rendered 60 s ramp with half the frames dropped at
    random, no 8 s window gave a clean stride, while the same clip at an even 15 fps gave
    the same lean cue as at 30 fps (docs/live.md, Evidence). A landmark is NaN at a new time
    where the nearer processed frame had none (no bridging of a lost runner).
    """
    t = track.t_s
    dt = np.diff(t)
    if t.size < 3 or float(np.ptp(dt)) <= UNEVEN_DT * float(np.median(dt)):
        return track
    grid = np.linspace(t[0], t[-1], t.size)
    right = np.clip(np.searchsorted(t, grid), 1, t.size - 1)
    nearest = np.where(grid - t[right - 1] <= t[right] - grid, right - 1, right)

    def resample(x: np.ndarray) -> np.ndarray:
        flat = x.reshape(t.size, -1)
        out = np.full(flat.shape, np.nan)
        for k in range(flat.shape[1]):
            ok = np.isfinite(flat[:, k])
            if ok.sum() >= 2:
                out[:, k] = np.interp(grid, t[ok], flat[ok, k])
        out[~np.isfinite(flat[nearest])] = np.nan
        return out.reshape(x.shape)

    return replace(track, t_s=grid, image_xy_px=resample(track.image_xy_px),
                   visibility=resample(track.visibility),
                   world_xyz_m=resample(track.world_xyz_m),
                   trunk_edges_px=resample(track.trunk_edges_px))
