"""Which person is the runner: people found by the person detector, and how much each runs.

The legacy MediaPipe Pose solution follows one person, the one its detector finds first
(usually the biggest). When someone else is in view, :mod:`posture.pose.extract` asks this module:

1. :func:`link_people` joins the person detector's hits on frames sampled every
   ``SCAN_STEP_S`` into people with one identity over time (nearest hip centre of similar
   size, within ``MAX_GAP_S``).
2. :func:`running_score` says from a short landmark track how much a person's legs swing
   at a running (or walking) rhythm: the distance between the two ankles, as a fraction of
   leg length, opens and closes once per step (a distance, so the pose model's frequent
   left/right label swaps do not matter), with most of its motion at 1.4-5 steps per second.
3. :func:`choose_runner` picks the person who runs; among several who run, the one seen
   most and nearest the middle of the picture (a filming camera keeps its subject there);
   a box the user drew wins over both.

All positions are full-resolution pixels of the upright picture, x right, y down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from posture.landmarks import LM

SCAN_STEP_S = 0.2
"""Time between the frames the person detector looks at, s."""
MAX_GAP_S = 1.0
"""A person unseen for longer than this is not linked across the gap, s."""
MIN_SEEN_FRACTION = 0.15
"""People seen on fewer of the sampled frames than this are dropped (passers-by, misses)."""
LINK_DISTANCE_RADII = 0.7
"""Hip centres further apart than this many body radii are different people."""
STEP_BAND_HZ = (1.4, 5.0)
"""Steps per second of walking to sprinting (84-300 steps/min)."""
FULL_SWING_LEG = 0.15
"""Change of the ankle distance (RMS, leg lengths) that counts as a full leg swing."""
MIN_RUNNING_SCORE = 0.3
"""Below this nobody is taken to be running."""
SIMILAR_RUNNING = 0.6
"""People whose running score is at least this share of the best all count as running."""


@dataclass(frozen=True)
class Person:
    """One person as the detector saw them on the sampled frames.

    Attributes
    ----------
    t_s : (K,) times of the sampled frames, s (the same for every person of a clip).
    hip_xy_px : (K, 2) hip centre, px; NaN where this person was not seen.
    radius_px : (K,) radius of the circle around the whole body, px; NaN where not seen.
    """

    t_s: np.ndarray
    hip_xy_px: np.ndarray
    radius_px: np.ndarray

    @property
    def seen(self) -> np.ndarray:
        return np.isfinite(self.radius_px)

    @property
    def seen_fraction(self) -> float:
        return float(self.seen.mean()) if self.t_s.size else 0.0

    def at(self, t_s: float) -> tuple[np.ndarray, float]:
        """Hip centre (px) and body radius (px) at any time, interpolated between sightings;
        NaN further than ``MAX_GAP_S / 2`` from the nearest one."""
        idx = np.flatnonzero(self.seen)
        nan = (np.full(2, np.nan), float("nan"))
        if idx.size == 0:
            return nan
        ts = self.t_s[idx]
        if np.min(np.abs(ts - t_s)) > 0.5 * MAX_GAP_S:
            return nan
        hip = np.array([np.interp(t_s, ts, self.hip_xy_px[idx, k]) for k in (0, 1)])
        return hip, float(np.interp(t_s, ts, self.radius_px[idx]))

    def box_px(self, t_s: float) -> tuple[float, float, float, float]:
        """``(x, y, w, h)`` of the body at ``t_s`` (NaN where unknown), px."""
        hip, r = self.at(t_s)
        return (float(hip[0] - 0.5 * r), float(hip[1] - r), float(r), float(2 * r))

    def mean_offcentre(self, width_px: int) -> float:
        """Mean horizontal distance of the hips from the middle of the picture, as a
        fraction of half the width (0: always in the middle, 1: at the edge)."""
        x = self.hip_xy_px[self.seen, 0]
        return float(np.mean(np.abs(x - 0.5 * width_px)) / (0.5 * width_px)) if x.size else 1.0


def link_people(t_s: np.ndarray, hits: list[np.ndarray]) -> list[Person]:
    """Join detector hits into people.

    Parameters
    ----------
    t_s : (K,) times of the sampled frames, s.
    hits : per sampled frame, an (n, 3) array of ``(hip_x_px, hip_y_px, radius_px)``.

    Returns
    -------
    People seen on at least ``MIN_SEEN_FRACTION`` of the frames, most seen first.
    """
    k_frames = len(t_s)
    tracks: list[dict] = []  # {"xy": (K,2), "r": (K,), "last": index}
    for k, frame_hits in enumerate(hits):
        free = list(range(len(frame_hits)))
        # nearest pairs first, so two people side by side keep their own tracks
        pairs = []
        for ti, tr in enumerate(tracks):
            last = tr["last"]
            if t_s[k] - t_s[last] > MAX_GAP_S:
                continue
            xy0, r0 = tr["xy"][last], tr["r"][last]
            for hi in free:
                x, y, r = frame_hits[hi]
                d = float(np.hypot(x - xy0[0], y - xy0[1]))
                if d < LINK_DISTANCE_RADII * max(r, r0) and 0.6 < r / r0 < 1.6:
                    pairs.append((d / r0, ti, hi))
        used_t: set[int] = set()
        for _, ti, hi in sorted(pairs):
            if ti in used_t or hi not in free:
                continue
            used_t.add(ti)
            free.remove(hi)
            _put(tracks[ti], k, frame_hits[hi])
        for hi in free:
            tr = {"xy": np.full((k_frames, 2), np.nan), "r": np.full(k_frames, np.nan)}
            _put(tr, k, frame_hits[hi])
            tracks.append(tr)
    people = [Person(np.asarray(t_s, float), tr["xy"], tr["r"]) for tr in tracks]
    people = [p for p in people if p.seen_fraction >= MIN_SEEN_FRACTION]
    return sorted(people, key=lambda p: -p.seen_fraction)


def _put(track: dict, k: int, hit: np.ndarray) -> None:
    track["xy"][k] = hit[:2]
    track["r"][k] = hit[2]
    track["last"] = k


def running_score(t_s: np.ndarray, xy: np.ndarray) -> float:
    """How much a landmark track's legs swing at a running rhythm, 0 (still) to 1.

    Parameters
    ----------
    t_s : (T,) frame times, s.
    xy : (T, 33, 2) landmarks, px; NaN where the person was not found.

    Returns
    -------
    ``min(1, swing / FULL_SWING_LEG) * band_share``: ``swing`` is the RMS of the distance
    between the ankles about its mean, in leg lengths (hip to knee to ankle); ``band_share``
    the share of that motion at ``STEP_BAND_HZ``. 0 when found in fewer than half the frames
    or over less than 1.5 s.
    """
    ok = np.isfinite(xy[:, [LM.LEFT_ANKLE, LM.RIGHT_ANKLE, LM.LEFT_HIP, LM.LEFT_KNEE]]).all(
        axis=(1, 2))
    if ok.sum() < 8 or ok.mean() < 0.5 or t_s[ok][-1] - t_s[ok][0] < 1.5:
        return 0.0
    p = xy[ok]
    leg = float(np.median(np.linalg.norm(p[:, LM.LEFT_HIP] - p[:, LM.LEFT_KNEE], axis=-1)
                    + np.linalg.norm(p[:, LM.LEFT_KNEE] - p[:, LM.LEFT_ANKLE], axis=-1)))
    gap = np.linalg.norm(p[:, LM.LEFT_ANKLE] - p[:, LM.RIGHT_ANKLE], axis=-1) / max(leg, 1.0)
    # on an even time grid (frames may be missing or unevenly spaced)
    dt = float(np.median(np.diff(t_s)))
    grid = np.arange(t_s[ok][0], t_s[ok][-1], dt)
    gap = np.interp(grid, t_s[ok], gap)
    gap -= gap.mean()
    swing = float(np.sqrt(np.mean(gap ** 2)))
    power = np.abs(np.fft.rfft(gap * np.hanning(grid.size))) ** 2
    f_hz = np.fft.rfftfreq(grid.size, dt)
    band = (f_hz >= STEP_BAND_HZ[0]) & (f_hz <= STEP_BAND_HZ[1])
    total = float(power[1:].sum())
    share = float(power[band].sum()) / total if total > 0 else 0.0
    return min(1.0, swing / FULL_SWING_LEG) * share


@dataclass(frozen=True)
class Choice:
    """The person taken to be the runner, and why."""

    index: int
    """Index into the people given to :func:`choose_runner`."""
    reason: str
    """``"box"``, ``"only_runner"``, ``"most_seen_runner"`` or ``"nobody_runs"``."""
    n_running: int
    """How many of the people seemed to run."""


def choose_runner(people: list[Person], scores: list[float], width_px: int, *,
                  box_px: tuple[float, float, float, float] | None = None,
                  box_t_s: float = 0.0) -> Choice | None:
    """Pick the runner among ``people`` (``scores`` from :func:`running_score`).

    With ``box_px`` (``x, y, w, h`` at ``box_t_s``): the person whose hips are inside the
    box, nearest its centre; ``None`` when nobody's are. Otherwise the person who runs; among
    several within ``SIMILAR_RUNNING`` of the best, the one seen most and nearest the middle
    of the picture.
    """
    n_running = sum(s >= MIN_RUNNING_SCORE for s in scores)
    if box_px is not None:
        return _in_box(people, box_px, box_t_s, n_running)
    if not people:
        return None
    best = max(scores)
    if best < MIN_RUNNING_SCORE:
        i = int(np.argmax(scores))
        return Choice(i, "nobody_runs", 0)
    running = [i for i, s in enumerate(scores) if s >= max(MIN_RUNNING_SCORE,
                                                         SIMILAR_RUNNING * best)]
    if len(running) == 1:
        return Choice(running[0], "only_runner", n_running)
    i = max(running, key=lambda j: people[j].seen_fraction
            * (1.0 - 0.5 * people[j].mean_offcentre(width_px)))
    return Choice(i, "most_seen_runner", n_running)


def _in_box(people: list[Person], box_px: tuple[float, float, float, float],
            t_s: float, n_running: int) -> Choice | None:
    x, y, w, h = box_px
    centre = np.array([x + 0.5 * w, y + 0.5 * h])
    best, best_d = None, np.inf
    for i, p in enumerate(people):
        hip, _ = p.at(t_s)
        if not np.isfinite(hip).all():
            continue
        inside = x <= hip[0] <= x + w and y <= hip[1] <= y + h
        d = float(np.linalg.norm(hip - centre))
        if inside and d < best_d:
            best, best_d = i, d
    return None if best is None else Choice(best, "box", n_running)


def draw_people(image_rgb: np.ndarray, boxes_px: Sequence[tuple[float, float, float, float]],
                scale: float) -> np.ndarray:
    """A copy of the picture with each person's box and number (1, 2, ...) drawn on it.

    ``boxes_px`` are full-resolution pixels; ``scale`` is the picture's size relative to
    the full-resolution frame.
    """
    import cv2

    img = image_rgb.copy()
    thick = max(2, round(img.shape[0] / 200))
    for k, (x, y, w, h) in enumerate(boxes_px, 1):
        p0 = (round(x * scale), round(y * scale))
        p1 = (round((x + w) * scale), round((y + h) * scale))
        cv2.rectangle(img, p0, p1, (255, 210, 0), thick)
        org = (p0[0] + thick, max(p0[1], 0) + 14 * thick)
        cv2.putText(img, str(k), org, cv2.FONT_HERSHEY_SIMPLEX, 0.5 * thick, (0, 0, 0),
                    3 * thick, cv2.LINE_AA)
        cv2.putText(img, str(k), org, cv2.FONT_HERSHEY_SIMPLEX, 0.5 * thick, (255, 210, 0),
                    thick, cv2.LINE_AA)
    return img
