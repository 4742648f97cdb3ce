"""The "watch the change" player: two short annotated clips that play in step.

Window A (early, or the fresh clip) and window B (late, or the fatigued clip) are cut into
the same number of strides of the same leg, each starting at that leg's initial contact
(landing). Pair ``k`` (stride ``k`` of A with stride ``k`` of B) occupies the same output
frames in both clips: A plays at its real speed, and each B stride is stretched or squeezed
to the length of its A partner, so every landing of A shows at the same instant as the
matching landing of B. Both clips have the same frame rate, frame count and picture size,
so one ``currentTime`` addresses the same stride phase in both (docs/player.md).

Frames are cropped to the runner: a box that holds every visible landmark of the window,
following the runner sideways along a straight-line fit of the hips (a runner crossing the
frame stays centred; on a treadmill the box stands still, so the bounce stays visible).
The skeleton and the measured angles are drawn by :mod:`posture.report.annotate`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from posture.errors import TooFewStridesError
from posture.findings.rules import Finding
from posture.gait.events import nearest_frame
from posture.io.mp4 import Mp4Writer
from posture.landmarks import LM
from posture.report.annotate import annotate_frame, context_from_view, labels_as_analysed
from posture.report.video_out import _even, _scaled_row, contact_rows
from posture.results import ClipAnalysis
from posture.track import PoseTrack

#: Strides per side at most: about 5 s of running, two clips of about 0.5 MB each.
MAX_PAIRS = 8
#: Output frame rate cap (frames per second); a 240 fps slow-motion clip is shown at 60.
MAX_FPS = 60.0
#: Picture height of each clip (px); both clips share one size.
OUT_HEIGHT_PX = 480
#: Widest picture (px) when the crop is landscape (a runner crossing the frame).
MAX_WIDTH_PX = 854
#: Margin around the runner's landmarks, as a fraction of the runner's height.
PAD_FRAC = 0.12
#: Decode size: crops of phone clips stay sharp without decoding 4K frames.
DECODE_MAX_SIDE_PX = 1280
#: How long the landing overlay (shin, foot ahead of hips) stays on after a contact (s).
CONTACT_SHOW_S = 0.1
MIN_VIS = 0.3


@dataclass(frozen=True)
class PlayerSide:
    """One side of the player: a clip and the strides of its window."""

    label: str
    video_path: str
    track: PoseTrack
    analysis: ClipAnalysis
    stride_ids: Sequence[int] = ()
    """The window's ``stride`` numbers (empty: every stride of the clip)."""


@dataclass(frozen=True)
class StridePair:
    """Stride ``k`` of A and of B: same leg, both starting at a landing, same output frames."""

    a_stride: int
    b_stride: int
    a_t_s: tuple[float, float]
    """(start, end) of the A stride in its clip, real seconds."""
    b_t_s: tuple[float, float]
    first_frame: int
    """First output frame (the landing); the pair lasts ``n_frames`` output frames."""
    n_frames: int


@dataclass(frozen=True)
class RunnerCrop:
    """The crop of one side: a fixed-size box (full-resolution upright px) that follows the
    runner sideways along ``x_centre_px + x_speed_px_s * (t_s - t0_s)``."""

    width_px: float
    height_px: float
    y0_px: float
    x_centre_px: float
    x_speed_px_s: float
    t0_s: float
    frame_size_px: tuple[int, int]

    def box_at(self, t_s: float) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) at time ``t_s``, inside the frame (px, full resolution)."""
        fw, fh = self.frame_size_px
        w, h = min(self.width_px, fw), min(self.height_px, fh)
        cx = self.x_centre_px + self.x_speed_px_s * (t_s - self.t0_s)
        x0 = float(np.clip(cx - w / 2, 0, fw - w))
        y0 = float(np.clip(self.y0_px, 0, fh - h))
        return round(x0), round(y0), round(x0 + w), round(y0 + h)


@dataclass(frozen=True)
class Jump:
    """Where the player seeks for one finding's clearest example stride."""

    title: str
    metric: str
    stride: int
    """The example stride (numbered as in the clip it comes from)."""
    side: str
    """"b" when the example lies in window B (the usual case), "a" for window A."""
    frame: int
    """Output frame of the example's landing (the same frame in both clips)."""
    pair: int


@dataclass(frozen=True)
class PlayerPlan:
    """Which strides the two clips show, how they line up, and how they are cropped."""

    labels: tuple[str, str]
    leg: str
    fps: float
    pairs: tuple[StridePair, ...]
    size_px: tuple[int, int]
    crop_a: RunnerCrop
    crop_b: RunnerCrop
    jumps: tuple[Jump, ...]
    rows_a: np.ndarray = field(repr=False, compare=False)
    """Track row of clip A shown in each output frame."""
    rows_b: np.ndarray = field(repr=False, compare=False)

    @property
    def n_frames(self) -> int:
        return int(self.rows_a.size)

    @property
    def duration_s(self) -> float:
        return self.n_frames / self.fps

    @property
    def b_speed_pct(self) -> float:
        """How much faster (+) or slower (-) than real time window B plays, %."""
        a = sum(p.a_t_s[1] - p.a_t_s[0] for p in self.pairs)
        b = sum(p.b_t_s[1] - p.b_t_s[0] for p in self.pairs)
        return 100.0 * (b / a - 1.0) if a > 0 else 0.0

    def to_dict(self) -> dict:
        """What the browser player needs (times in output seconds)."""
        return {
            "labels": list(self.labels), "leg": self.leg, "fps": self.fps,
            "n_frames": self.n_frames, "width": self.size_px[0], "height": self.size_px[1],
            "b_speed_pct": round(self.b_speed_pct, 1),
            "pairs": [{"a_stride": p.a_stride, "b_stride": p.b_stride, "frame": p.first_frame,
                       "t_s": p.first_frame / self.fps} for p in self.pairs],
            "jumps": [{"title": j.title, "metric": j.metric, "stride": j.stride,
                       "side": j.side, "frame": j.frame, "t_s": j.frame / self.fps}
                      for j in self.jumps],
        }


# ---------------------------------------------------------------------------- planning
def _runs(strides: pd.DataFrame, ids: Sequence[int], leg: str) -> list[pd.DataFrame]:
    """Runs of consecutive strides of ``leg`` (each starting where the previous one ends)."""
    s = strides[strides["leg"] == leg]
    if len(ids):
        s = s[s["stride"].isin(list(ids))]
    s = s.sort_values("t_start_s")
    runs: list[list[int]] = []
    prev_end = None
    for i, (f0, f1) in zip(s.index, zip(s["frame_start"], s["frame_end"], strict=True),
                           strict=True):
        if prev_end is None or abs(int(f0) - prev_end) > 1:
            runs.append([])
        runs[-1].append(i)
        prev_end = int(f1)
    return [s.loc[r] for r in runs]


def _example_times(findings: Sequence[Finding], strides: pd.DataFrame) -> list[float]:
    """Start time of each finding's example stride (NaN when unknown), in finding order."""
    t = dict(zip(strides["stride"].astype(int), strides["t_start_s"], strict=True))
    return [float(t.get(f.example_stride, np.nan)) if f.example_stride is not None else np.nan
            for f in findings]


def _covered(run: pd.DataFrame, times: list[float]) -> float:
    """Examples shown by ``run``: landing no later than mid-way through its last stride (so
    a stride of running follows the jump); earlier findings weigh more."""
    t0 = float(run["t_start_s"].iloc[0])
    last0, last1 = float(run["t_start_s"].iloc[-1]), float(run["t_end_s"].iloc[-1])
    return sum(1.0 / (1 + k) for k, t in enumerate(times)
               if np.isfinite(t) and t0 <= t <= (last0 + last1) / 2)


def _best_subrun(run: pd.DataFrame, n: int, times: list[float]) -> pd.DataFrame:
    """The ``n`` consecutive strides of ``run`` that show the most examples (the first such
    when several tie)."""
    scores = [_covered(run.iloc[i:i + n], times) for i in range(len(run) - n + 1)]
    best = int(np.argmax(scores))
    return run.iloc[best:best + n]


def _middle(run: pd.DataFrame, n: int) -> pd.DataFrame:
    i = (len(run) - n) // 2
    return run.iloc[i:i + n]


def _choose_strides(a: PlayerSide, b: PlayerSide, findings: Sequence[Finding],
                    max_pairs: int) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """Leg and the paired strides of A and B (same count, each a run of landings)."""
    times = _example_times(findings, b.analysis.strides)
    first = next((f.example_stride for f in findings if f.example_stride is not None), None)
    legs = ["left", "right"]
    sb = b.analysis.strides
    if first is not None and (sb["stride"] == first).any():
        top = str(sb.loc[sb["stride"] == first, "leg"].iloc[0])
        legs.sort(key=lambda g: g != top)  # the top example's leg first: it lands on a pair
    best: tuple | None = None
    for leg in legs:
        runs_a = _runs(a.analysis.strides, a.stride_ids, leg)
        runs_b = _runs(sb, b.stride_ids, leg)
        if not runs_a or not runs_b:
            continue
        ra = max(runs_a, key=len)
        for rb in runs_b:
            n = min(len(ra), len(rb), max_pairs)
            sub = _best_subrun(rb, n, times)
            key = (min(n, 2), _covered(sub, times), n)
            if best is None or key > best[0]:
                best = (key, leg, _middle(ra, n), sub)
    if best is None:
        raise TooFewStridesError(
            "The player needs at least one complete stride of the same leg in both parts; "
            "film a longer stretch of steady running.")
    return best[1], best[2], best[3]


def _timeline(pa: pd.DataFrame, pb: pd.DataFrame, fps: float, track_a: PoseTrack,
              track_b: PoseTrack) -> tuple[list[StridePair], np.ndarray, np.ndarray]:
    """Pairs and the track rows of each output frame: frame ``i`` of pair ``k`` shows phase
    ``i / n_k`` of both strides (A in real time: ``n_k`` is its length in frames)."""
    pairs, rows_a, rows_b = [], [], []
    first = 0
    for ra, rb in zip(pa.itertuples(), pb.itertuples(), strict=True):
        n = max(1, round((ra.t_end_s - ra.t_start_s) * fps))
        phase = np.arange(n) / n
        ta = ra.t_start_s + phase * (ra.t_end_s - ra.t_start_s)
        tb = rb.t_start_s + phase * (rb.t_end_s - rb.t_start_s)
        rows_a.append(nearest_frame(track_a.t_s, ta))
        rows_b.append(nearest_frame(track_b.t_s, tb))
        rows_a[-1][0], rows_b[-1][0] = int(ra.frame_start), int(rb.frame_start)  # landings
        pairs.append(StridePair(int(ra.stride), int(rb.stride),
                                (float(ra.t_start_s), float(ra.t_end_s)),
                                (float(rb.t_start_s), float(rb.t_end_s)), first, n))
        first += n
    return pairs, np.concatenate(rows_a), np.concatenate(rows_b)


def runner_crop(track: PoseTrack, rows: np.ndarray, *, pad_frac: float = PAD_FRAC
                ) -> RunnerCrop:
    """The box that holds every visible landmark of ``rows``, following the hips sideways.

    Parameters
    ----------
    rows : track rows shown (repeats allowed).

    Returns
    -------
    RunnerCrop in full-resolution upright pixels, ``pad_frac`` of the runner's height of
    margin on every side (before the frame's edges clip it).
    """
    rows = np.unique(rows)
    xy = track.image_xy_px[rows].copy()
    ok = (np.nan_to_num(track.visibility[rows], nan=0.0) >= MIN_VIS) & np.isfinite(xy).all(-1)
    xy[~ok] = np.nan
    t = track.t_s[rows]
    hips = np.nanmean(xy[:, [LM.LEFT_HIP, LM.RIGHT_HIP], 0], axis=1)
    good = np.isfinite(hips)
    fw, fh = track.frame_size_px
    if not ok.any() or not good.any():  # no landmark: the whole frame
        return RunnerCrop(fw, fh, 0.0, fw / 2, 0.0, float(t[0]), (fw, fh))
    t0 = float(t[0])
    if good.sum() >= 2 and np.ptp(t[good]) > 0:
        speed, centre = np.polyfit(t[good] - t0, hips[good], 1)
    else:
        speed, centre = 0.0, float(np.nanmedian(hips))
    dx = xy[..., 0] - (centre + speed * (t - t0))[:, None]
    y_lo, y_hi = float(np.nanmin(xy[..., 1])), float(np.nanmax(xy[..., 1]))
    pad = pad_frac * max(y_hi - y_lo, 1.0)
    half_w = float(np.nanmax(np.abs(dx))) + pad
    return RunnerCrop(2 * half_w, y_hi - y_lo + 2 * pad, y_lo - pad, float(centre),
                      float(speed), t0, (fw, fh))


def _widen(c: RunnerCrop, aspect: float) -> RunnerCrop:
    """The crop widened (about its centre) to at least ``aspect`` = width / height."""
    from dataclasses import replace

    return replace(c, width_px=max(c.width_px, c.height_px * aspect))


def _jumps(findings: Sequence[Finding], pairs: Sequence[StridePair], a: PlayerSide,
           b: PlayerSide) -> list[Jump]:
    """Each finding's example stride as an output frame, when the player shows it."""
    same_clip = a.video_path == b.video_path and a.track is b.track
    out, seen = [], set()
    for f in findings:
        s = b.analysis.strides
        row = s[s["stride"] == f.example_stride] if f.example_stride is not None else s.iloc[:0]
        if row.empty or f.metric in seen:
            continue
        t = float(row["t_start_s"].iloc[0])
        # a landing one frame before the end of a pair's stride is the next pair's landing
        tol = 1.01 / b.track.fps if np.isfinite(b.track.fps) and b.track.fps > 0 else 0.0
        for side, span in (("b", "b_t_s"), ("a", "a_t_s")):
            if side == "a" and not same_clip:
                break
            hit = next(((k, p) for k, p in enumerate(pairs)
                        if getattr(p, span)[0] - tol <= t < getattr(p, span)[1] - tol), None)
            if hit is None:
                continue
            k, p = hit
            t0, t1 = getattr(p, span)
            i = round((t - t0) / (t1 - t0) * p.n_frames)
            frame = p.first_frame + int(np.clip(i, 0, p.n_frames - 1))
            out.append(Jump(f.display_title, f.metric, int(f.example_stride), side, frame, k))
            seen.add(f.metric)
            break
    return out


def plan_player(a: PlayerSide, b: PlayerSide, findings: Sequence[Finding] = (), *,
                max_pairs: int = MAX_PAIRS, height_px: int = OUT_HEIGHT_PX) -> PlayerPlan:
    """Pick the matched strides of both windows, line them up and crop them to the runner.

    Parameters
    ----------
    a, b : the earlier and the later window (the same clip twice, or two clips).
    findings : the session's findings, most important first; each example stride inside
        the chosen strides of B (or of A, for one clip) becomes a :class:`Jump`.
    max_pairs : strides per side at most. The B strides are the run of landings of one leg
        that holds the most examples; the A strides the middle of A's longest run.
    height_px : picture height of both clips.

    Raises
    ------
    TooFewStridesError
        When either window has no complete stride of a leg the other window also has.
    """
    leg, pa, pb = _choose_strides(a, b, findings, max_pairs)
    fps = min(a.track.fps, b.track.fps, MAX_FPS)
    fps = float(round(fps, 3)) if np.isfinite(fps) and fps > 0 else 30.0
    pairs, rows_a, rows_b = _timeline(pa, pb, fps, a.track, b.track)
    ca, cb = runner_crop(a.track, rows_a), runner_crop(b.track, rows_b)
    aspect = max(ca.width_px / ca.height_px, cb.width_px / cb.height_px)
    height = _even(height_px)
    width = min(_even(round(height * aspect)), MAX_WIDTH_PX)
    return PlayerPlan(
        labels=(a.label, b.label), leg=leg, fps=fps, pairs=tuple(pairs),
        size_px=(width, height), crop_a=_widen(ca, aspect), crop_b=_widen(cb, aspect),
        jumps=tuple(_jumps(findings, pairs, a, b)), rows_a=rows_a, rows_b=rows_b)


# ---------------------------------------------------------------------------- rendering
class _Frames:
    """Decoded frames of one clip, handed out by track row in increasing order."""

    def __init__(self, side: PlayerSide, rows: np.ndarray) -> None:
        from posture.io.video import iter_frames

        t = side.track.t_s[rows]
        self._index = side.track.frame_index
        self._it: Iterator = iter_frames(side.video_path, start_s=float(t.min()),
                                         end_s=float(t.max()), max_side_px=DECODE_MAX_SIDE_PX,
                                         turn_ccw_deg=side.track.info.turn_ccw_deg)
        self._cur = None
        self._next = next(self._it, None)

    def get(self, row: int) -> tuple[np.ndarray, float]:
        """The frame of ``row`` (the nearest earlier one when it failed to decode)."""
        want = int(self._index[row])
        while self._next is not None and self._next.index <= want:
            self._cur, self._next = self._next, next(self._it, None)
        frame = self._cur or self._next
        if frame is None:
            raise ValueError("no frame of the clip matched the pose track")
        return frame.image_rgb, frame.scale


def _picture(image: np.ndarray, scale: float, box: tuple[int, int, int, int],
             size_px: tuple[int, int]) -> tuple[np.ndarray, float, tuple[float, float]]:
    """Cut ``box`` (full-res px) from a decoded frame and fit it in ``size_px`` (letterboxed).

    Returns the picture, full-res px -> picture px scale, and the full-res origin of the
    picture's top-left corner."""
    x0, y0, x1, y1 = (round(v * scale) for v in box)
    cut = image[y0:max(y1, y0 + 1), x0:max(x1, x0 + 1)]
    w, h = size_px
    k = min(w / cut.shape[1], h / cut.shape[0])
    cw, ch = max(1, round(cut.shape[1] * k)), max(1, round(cut.shape[0] * k))
    out = np.full((h, w, 3), 24, np.uint8)
    ox, oy = (w - cw) // 2, (h - ch) // 2
    interp = cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR
    out[oy:oy + ch, ox:ox + cw] = cv2.resize(cut, (cw, ch), interpolation=interp)
    full_k = k * scale  # full-res px -> picture px
    return out, full_k, (box[0] - ox / full_k, box[1] - oy / full_k)


def _contacts_shown(side: PlayerSide) -> dict[int, tuple[str, float]]:
    """Track rows that carry the landing overlay: each contact and ``CONTACT_SHOW_S`` after."""
    hold = max(1, round(CONTACT_SHOW_S * side.track.fps)) if np.isfinite(side.track.fps) else 3
    out: dict[int, tuple[str, float]] = {}
    for r, v in sorted(contact_rows(side.analysis.strides).items()):
        for k in range(r, min(r + hold, side.track.n_frames)):
            out.setdefault(k, v)
    return out


def player_frame(side: PlayerSide, crop: RunnerCrop, row: int, image: np.ndarray,
                 scale: float, size_px: tuple[int, int],
                 contacts: dict[int, tuple[str, float]]) -> np.ndarray:
    """One output picture: the runner's box of ``row`` with the analysis drawn on it."""
    t = float(side.track.t_s[row])
    pic, k, origin = _picture(image, scale, crop.box_at(t), size_px)
    one = _scaled_row(side.track, row, k, origin_px=origin, size_px=size_px)
    leg, over = contacts.get(row, (None, None))
    return annotate_frame(pic, one, 0, context_from_view(side.analysis.view),
                          phase="ic" if leg else "none", leg=leg, overstride_pct_leg=over,
                          caption=f"{side.label.capitalize()}  {t:5.2f} s")


def _drawn(side: PlayerSide) -> PlayerSide:
    """The side with the leg labels the analysis used (side views: the pose model's swaps
    repaired), so the leg drawn as landing is the stride table's leg."""
    from dataclasses import replace

    return replace(side, track=labels_as_analysed(side.track, side.analysis.view.view))


def render_player(plan: PlayerPlan, a: PlayerSide, b: PlayerSide, out_a: str | Path,
                  out_b: str | Path, *, crf: int = 26,
                  progress: Callable[[int, int], None] | None = None) -> tuple[Path, Path]:
    """Write the two clips of ``plan``: same size, rate and frame count (browser-playable).

    Returns
    -------
    (path A, path B) of the MP4 files.
    """
    paths = Path(out_a), Path(out_b)
    a, b = _drawn(a), _drawn(b)
    sides = ((a, plan.crop_a, plan.rows_a), (b, plan.crop_b, plan.rows_b))
    feeds = [_Frames(s, rows) for s, _, rows in sides]
    contacts = [_contacts_shown(s) for s, _, _ in sides]
    # a key frame every half second so that a seek in the browser decodes few frames
    writers = [Mp4Writer(p, plan.fps, size_px=plan.size_px, crf=crf, keyframe_every_s=0.5)
               for p in paths]
    try:
        for j in range(plan.n_frames):
            for (side, crop, rows), feed, cont, w in zip(sides, feeds, contacts, writers,
                                                         strict=True):
                image, scale = feed.get(int(rows[j]))
                w.write(player_frame(side, crop, int(rows[j]), image, scale, plan.size_px,
                                     cont))
            if progress is not None:
                progress(j + 1, plan.n_frames)
    finally:
        for w in writers:
            w.close()
    return paths
