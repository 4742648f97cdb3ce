"""Per-clip quality flags: what limits how far a clip's numbers can be trusted.

Each check is a small function returning a :class:`posture.results.QualityFlag` or
``None``; :func:`side_quality_flags` runs them all for a side-view clip.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from posture.errors import ImplausibleValuesError
from posture.gait.events import MIN_STRIDE_FPS, GaitEvents
from posture.geometry import midpoint, quiet_empty_slices
from posture.landmarks import LM
from posture.metrics.registry import PLAUSIBLE_RANGE, spec
from posture.results import QualityFlag
from posture.track import PoseTrack
from posture.wording import film_advice, plural, strides_found

#: Fewest valid strides for which a clip is reported at all (both views; fewer is refused
#: with TooFewStridesError): one stride has no spread to judge.
MIN_STRIDES_TO_REPORT = 2
#: Fewer valid strides than this give an unstable clip mean or median (``few_strides``
#: flag, both views), and no verdict for a comparison window (:mod:`posture.stats.compare`): the
#: stride-to-stride SD of the metrics is 1-3x their smallest detectable difference
#: (docs/metrics.md), so a mean of 7 has a standard error of about 0.4-1.1 of it.
MIN_STABLE_STRIDES = 7
#: Landmarks closer to the border than this fraction of the frame size count as cut off.
BORDER_FRACTION = 0.01
#: Frames with a cut-off key landmark above this fraction raise the flag.
MAX_OUT_OF_FRAME = 0.05
#: Median visibility of the key landmarks below this raises the flag.
MIN_VISIBILITY = 0.6
#: Apparent size change (leg length, first vs last third) that suggests camera motion.
MAX_SCALE_CHANGE = 0.15
#: Vertical drift of the hips (fraction of leg length) that suggests camera tilt/motion.
MAX_VERTICAL_DRIFT_LEG = 0.2

KEY_LANDMARKS: tuple[LM, ...] = (
    LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER, LM.LEFT_HIP, LM.RIGHT_HIP, LM.LEFT_KNEE,
    LM.RIGHT_KNEE, LM.LEFT_ANKLE, LM.RIGHT_ANKLE, LM.LEFT_HEEL, LM.RIGHT_HEEL,
    LM.LEFT_FOOT_INDEX, LM.RIGHT_FOOT_INDEX,
)


def out_of_frame_flag(track: PoseTrack) -> QualityFlag | None:
    """Runner partly outside the picture (key landmarks at or beyond the border)."""
    w, h = track.frame_size_px
    xy = track.image_xy_px[:, list(KEY_LANDMARKS)]
    det = track.detected
    if not det.any():
        return None
    mx, my = BORDER_FRACTION * w, BORDER_FRACTION * h
    out = ((xy[..., 0] < mx) | (xy[..., 0] > w - mx) | (xy[..., 1] < my)
           | (xy[..., 1] > h - my)).any(axis=1)
    frac = float(out[det].mean())
    if frac <= MAX_OUT_OF_FRAME:
        return None
    return QualityFlag(
        "out_of_frame", "warning",
        f"The runner is partly outside the picture in {100 * frac:.0f}% of frames; "
        "film with the whole body, feet included, inside the frame.")


def few_strides_flag(n_strides: int) -> QualityFlag | None:
    """Too few strides for a stable clip mean."""
    if n_strides >= MIN_STABLE_STRIDES:
        return None
    return QualityFlag(
        "few_strides", "warning",
        f"{strides_found(n_strides)}; averages are unstable below {MIN_STABLE_STRIDES}, "
        f"so {film_advice()}.")


def camera_moving_flag(track: PoseTrack, leg_px: np.ndarray) -> QualityFlag | None:
    """Proxy for a moving/zooming camera: the runner's size or height drifts over the clip.

    The background is not tracked, so a smooth pan that keeps the runner the same size is
    not detected; a runner crossing a static camera's picture is normal and not flagged.
    """
    ok = np.isfinite(leg_px)
    if ok.sum() < 30:
        return None
    idx = np.flatnonzero(ok)
    third = len(idx) // 3
    first = float(np.median(leg_px[idx[:third]]))
    last = float(np.median(leg_px[idx[-third:]]))
    change = abs(last / first - 1.0)
    if change > MAX_SCALE_CHANGE:
        return QualityFlag(
            "camera_moving", "warning",
            f"The runner's size in the picture changes by {100 * change:.0f}% during the clip "
            "(camera zoom or movement, or not running parallel to the camera; judged from "
            "the body only), so distances and angles may drift.")
    hip_y = midpoint(track.image_xy_px[:, LM.LEFT_HIP], track.image_xy_px[:, LM.RIGHT_HIP])[:, 1]
    y_first = np.nanmedian(hip_y[idx[:third]])
    y_last = np.nanmedian(hip_y[idx[-third:]])
    drift = abs(y_last - y_first) / float(np.median(leg_px[ok]))
    if drift > MAX_VERTICAL_DRIFT_LEG:
        return QualityFlag(
            "camera_moving", "warning",
            f"The hips drift {100 * drift:.0f}% of a leg length up or down the picture "
            "(camera tilting or moving, or a slope; judged from the body only).")
    return None


def low_visibility_flag(track: PoseTrack) -> QualityFlag | None:
    """Key landmarks poorly seen by the pose model."""
    vis = track.visibility[:, list(KEY_LANDMARKS)]
    v = vis[np.isfinite(vis)]
    if v.size == 0:
        return None
    med = float(np.median(v))
    if med >= MIN_VISIBILITY:
        return None
    return QualityFlag(
        "low_visibility", "warning",
        f"Body landmarks are poorly visible (median visibility {med:.2f}); use more light, "
        "a plain background and tight-fitting clothes.")


def rejected_strides_flag(events: GaitEvents) -> QualityFlag | None:
    """Summarise strides that were dropped and why."""
    s = events.strides
    bad = s[~s["valid"]]
    if bad.empty:
        return None
    text = "; ".join(_reason_groups(bad["reject_reason"].astype(str).tolist()))
    return QualityFlag(
        "strides_rejected", "info",
        f"{len(bad)} of {plural(len(s), 'stride')} {'was' if len(bad) == 1 else 'were'} "
        f"left out as implausible ({text}).")


def sparse_frames_message(n_clean: int, events: GaitEvents, t_s: np.ndarray) -> str | None:
    """Why too few strides were found when most candidate strides had fewer than
    :data:`posture.gait.events.MIN_STRIDE_FPS` frames per second over them (a live recording
    made on a busy computer, a clip dropping frames), else None. ``t_s``: the track's frame
    times (the strides' frame columns index it)."""
    s = events.strides
    if s.empty:
        return None
    f0, f1 = s["frame_start"].to_numpy(), s["frame_end"].to_numpy()
    fps = (f1 - f0) / (t_s[f1] - t_s[f0])
    if np.sum(fps < MIN_STRIDE_FPS) < len(s) / 2:
        return None
    return (f"{strides_found(n_clean)}: the frames came at about {np.median(fps):.1f} per "
            f"second over most strides, and a stride needs at least {MIN_STRIDE_FPS:.0f} to be "
            "measured. A live recording drops frames while the computer is busy: close other "
            "programs and run again; a clip should be filmed at 30 frames per second or more.")


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _reason_groups(reasons: list[str]) -> list[str]:
    """Reject reasons grouped by their wording, each number slot shown as its range.

    ``["landmarks missing in 12% of frames", "landmarks missing in 40% of frames"]`` gives
    ``["2 strides: landmarks missing in 12-40% of frames"]`` (most frequent group first).
    """
    groups: dict[str, list[list[str]]] = {}
    for r in reasons:
        groups.setdefault(_NUMBER.sub("\0", r), []).append(_NUMBER.findall(r))
    out = []
    for key, numbers in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        words = key.split("\0")
        slots = [_span(list(col)) for col in zip(*numbers, strict=True)]
        text = words[0] + "".join(n + w for n, w in zip(slots, words[1:], strict=True))
        out.append(f"{plural(len(numbers), 'stride')}: {text}")
    return out


def _span(values: list[str]) -> str:
    """One number, or ``lo-hi`` when the strides differ (kept as written)."""
    lo, hi = min(values, key=float), max(values, key=float)
    return lo if float(lo) == float(hi) else f"{lo}-{hi}"


#: More than this share of strides with an impossible value: the clip is refused.
MAX_IMPLAUSIBLE_SHARE = 0.5


def drop_implausible(strides: pd.DataFrame, clip_name: str) -> tuple[pd.DataFrame,
                                                                      QualityFlag | None]:
    """Set per-stride values outside :data:`PLAUSIBLE_RANGE` to NaN (confidence 0).

    Returns the cleaned table and a flag that counts what was dropped (None when nothing
    was).

    Raises
    ------
    ImplausibleValuesError : more than half of the strides hold an impossible value.
    """
    out = strides.copy()
    bad_rows = np.zeros(len(out), bool)
    counts: dict[str, int] = {}
    for col, (lo, hi) in PLAUSIBLE_RANGE.items():
        if col not in out.columns:
            continue
        v = out[col].to_numpy(float)
        bad = np.isfinite(v) & ((v < lo) | (v > hi))
        if bad.any():
            counts[col] = int(bad.sum())
            bad_rows |= bad
            out.loc[bad, col] = np.nan
            if f"{col}_conf" in out.columns:
                out.loc[bad, f"{col}_conf"] = 0.0
    if not counts:
        return out, None
    what = ", ".join(f"{spec(c).label.lower()} {n}x" for c, n in counts.items())
    n_bad, n = int(bad_rows.sum()), len(out)
    if n_bad > MAX_IMPLAUSIBLE_SHARE * n:
        raise ImplausibleValuesError(
            f"In {n_bad} of {n} strides of {clip_name} the body measures what no runner can "
            f"do ({what}): the pose model probably followed something else, the picture is "
            "turned or the running direction was misread; film the runner upright, alone in "
            "view and side-on, then try again.")
    return out, QualityFlag(
        "implausible_values", "warning",
        f"{n_bad} of {n} strides had a value no runner can produce ({what}); those values "
        "were left out.")


def is_pose_flag(flag: QualityFlag) -> bool:
    """Raised by the pose stage (which person was followed, how often they were found)."""
    return flag.code.startswith("pose_")


def sorted_flags(flags: Iterable[QualityFlag | None]) -> list[QualityFlag]:
    """Flags most severe first (stable), without ``None`` and without repeats."""
    unique = list(dict.fromkeys(f for f in flags if f is not None))
    return sorted(unique, key=lambda f: _SEVERITY_ORDER[f.severity])


_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@quiet_empty_slices
def side_quality_flags(track: PoseTrack, events: GaitEvents, *, n_strides: int,
                       leg_px: np.ndarray, extra: list[QualityFlag | None] = ()
                       ) -> list[QualityFlag]:
    """All quality flags of a side-view clip, most severe first."""
    flags = [out_of_frame_flag(track), few_strides_flag(n_strides),
             camera_moving_flag(track, leg_px), low_visibility_flag(track),
             rejected_strides_flag(events), *events.flags, *extra]
    return sorted_flags(flags)
