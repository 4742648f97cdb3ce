"""The pipeline against the hand labels of real side clips (``tests/data/real_contacts.csv``).

``python tests/real_labels.py [--old]`` prints the per-clip table of docs/validation.md ("Real
clips"); ``--old`` reads the values at contact with the extrapolation used before issue 12.
The clips live outside the repo (``../shared/videos`` or ``$POSTURE_SHARED_VIDEOS``).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "tests" / "data" / "real_contacts.csv"
SHARED = Path(os.environ.get("POSTURE_SHARED_VIDEOS", ROOT.parent / "shared" / "videos"))


#: A pipeline event further than this from the labelled one (real seconds) counts as not found
#: (a quarter of a running step).
MAX_PAIR_S = 0.08


def labels() -> pd.DataFrame:
    return pd.read_csv(LABELS, comment="#")


@dataclass(frozen=True)
class Contact:
    """One hand-labelled contact and the pipeline's contact of the same leg nearest to it."""

    clip: str
    leg: str
    label_frame: int
    found_frame: int
    """Video frame nearest the pipeline's contact time."""
    offset_frames: float
    """Pipeline contact time minus the labelled frame's time, in frames (+ = late)."""
    knee_flexion_deg: float
    """Pipeline knee flexion at its contact time (NaN if unknown), deg."""
    foot_ahead_pct_leg: float
    """Pipeline overstride at its contact time, % leg."""
    knee_at_label_deg: float
    """The pose model's knee flexion at the labelled frame itself (timing error removed)."""
    ahead_at_label_pct_leg: float
    """The pose model's overstride at the labelled frame itself."""
    frame_s: float
    """One frame of the analysed track in real seconds (slow motion taken out)."""


def _old_at_event(t_s: np.ndarray, pts: np.ndarray, t: float) -> np.ndarray:
    """The reading before issue 12: extrapolated from the two frames at or before ``t``."""
    from posture.metrics.side import _at

    if not np.isfinite(t) or t < t_s[1] or t > t_s[-1]:
        return _at(t_s, pts, t)
    i = int(np.searchsorted(t_s, t, side="right")) - 1
    if t - t_s[i] < 1e-9:
        return pts[i]
    w = (t - t_s[i]) / (t_s[i] - t_s[i - 1])
    return pts[i] + w * (pts[i] - pts[i - 1])


@dataclass(frozen=True)
class ToeOff:
    """One hand-labelled toe-off and the pipeline's toe-off of the same leg nearest to it."""

    clip: str
    leg: str
    label_frame: int
    found_frame: int
    offset_frames: float
    """Pipeline toe-off time minus the labelled frame's time, in frames (+ = late)."""


def pipeline_toeoffs(clip: str, slowmo: float) -> list[ToeOff]:
    """Pair every labelled toe-off of ``clip`` with the pipeline's toe-off of the same leg."""
    whole, track, events, _ = _run(clip, slowmo, 1)
    dt = float(np.median(np.diff(track.t_s)))
    out = []
    lab = labels()
    for _, row in lab[(lab["clip"] == clip) & (lab["event"] == "to")].iterrows():
        rows = np.flatnonzero(whole.frame_index == int(row["frame"]))
        to = events.legs[str(row["leg"])].to_t_s
        if rows.size == 0 or not np.isfinite(to).any():
            continue
        t_lab = float(whole.t_s[rows[0]])
        t_to = float(to[np.nanargmin(np.abs(to - t_lab))])
        if abs(t_to - t_lab) > MAX_PAIR_S:
            continue
        out.append(ToeOff(clip, str(row["leg"]), int(row["frame"]),
                          int(track.frame_index[np.argmin(np.abs(track.t_s - t_to))]),
                          (t_to - t_lab) / dt))
    return out


def _run(clip: str, slowmo: float, step: int):
    """(whole track, analysed track, events, view) of the side pipeline on ``clip``."""
    from posture.camera.roll import level_track
    from posture.gait.side import detect_events
    from posture.pipeline import AnalysisOptions, analyze_track, extract_track
    from posture.signal.clean import clean_track
    from posture.signal.legs import repair_leg_swaps

    opt = AnalysisOptions(slowmo_factor=slowmo)
    full = extract_track(SHARED / clip, opt)
    view = analyze_track(full, opt).view  # the view and roll the app would use

    def prepared(raw):
        fixed, _ = repair_leg_swaps(raw)  # once, on the raw landmarks, as the pipeline does
        track = clean_track(fixed)
        if view.roll_source != "none":
            track = level_track(track, float(view.camera_roll_deg))
        return track

    whole = prepared(full)
    track = prepared(full.take(slice(None, None, step))) if step > 1 else whole
    events = detect_events(track, facing=1 if view.facing == "right" else -1)
    return whole, track, events, view


def pipeline_contacts(clip: str, slowmo: float, *, old: bool = False,
                      step: int = 1) -> list[Contact]:
    """Run the side pipeline on ``clip`` (pose results come from the cache when present) and
    pair every labelled contact of that clip with the pipeline's contact of the same leg.

    ``step`` > 1 keeps every ``step``-th frame (a lower frame rate); the labelled frames'
    times and the model's values at them still come from the full clip."""
    from posture.landmarks import JOINTS, LM
    from posture.metrics import side as sm

    whole, track, events, view = _run(clip, slowmo, step)
    facing = 1 if view.facing == "right" else -1
    t = track.t_s
    leg_px = sm.frame_leg_length_px(track, sm.pick_near_leg(track, view))
    read = _old_at_event if old else sm._at_event
    dt = float(np.median(np.diff(t)))
    out = []
    lab = labels()
    for _, row in lab[(lab["clip"] == clip) & (lab["event"] == "ic")].iterrows():
        leg = str(row["leg"])
        rows = np.flatnonzero(whole.frame_index == int(row["frame"]))
        if rows.size == 0:
            continue
        t_lab = float(whole.t_s[rows[0]])
        ic = events.legs[leg].ic_t_s
        if not np.isfinite(ic).any():
            continue
        t_ic = float(ic[np.nanargmin(np.abs(ic - t_lab))])
        if abs(t_ic - t_lab) > MAX_PAIR_S:
            continue
        j = JOINTS[leg]
        L = float(np.nanmedian(leg_px[np.abs(t - t_ic) < 0.5]))

        def values(tr, at: float, j=j, L=L) -> tuple[float, float]:
            p = tr.image_xy_px
            hip, knee, ankle = (read(tr.t_s, p[:, j[k]], at) for k in ("hip", "knee", "ankle"))
            mid = read(tr.t_s, (p[:, LM.LEFT_HIP] + p[:, LM.RIGHT_HIP]) / 2, at)
            return (float(sm.knee_flexion_deg(hip, knee, ankle)),
                    float(sm.overstride_pct_leg(ankle, mid, L, facing=facing)))

        out.append(Contact(
            clip, leg, int(row["frame"]), int(track.frame_index[np.argmin(np.abs(t - t_ic))]),
            (t_ic - t_lab) / dt, *values(track, t_ic), *values(whole, t_lab), dt))
    return out


def table(old: bool = False, step: int = 1) -> pd.DataFrame:
    """Per-contact comparison for every labelled clip present (``label`` and ``found``)."""
    lab = labels()
    lab = lab[lab["event"] == "ic"]
    rows = []
    for (clip, slowmo), g in lab.groupby(["clip", "slowmo"]):
        if not (SHARED / clip).exists():
            continue
        found = {(c.leg, c.label_frame): c for c in pipeline_contacts(clip, float(slowmo),
                                                                      old=old, step=step)}
        for _, r in g.iterrows():
            c = found.get((r["leg"], int(r["frame"])))
            rows.append({"clip": clip, "frame": int(r["frame"]), "leg": r["leg"],
                         "found_frame": c.found_frame if c else -1,
                         "offset_frames": c.offset_frames if c else np.nan,
                         "offset_ms": 1000 * c.offset_frames * c.frame_s if c else np.nan,
                         "knee_label": r["knee_flexion_deg"],
                         "knee_found": c.knee_flexion_deg if c else np.nan,
                         "ahead_label": r["foot_ahead_pct_leg"],
                         "ahead_found": c.foot_ahead_pct_leg if c else np.nan,
                         "knee_model_at_label": c.knee_at_label_deg if c else np.nan,
                         "ahead_model_at_label": c.ahead_at_label_pct_leg if c else np.nan})
    return pd.DataFrame(rows)


def toeoff_table() -> pd.DataFrame:
    """Per-toe-off comparison for every labelled clip present."""
    lab = labels()
    rows = []
    for (clip, slowmo), _ in lab[lab["event"] == "to"].groupby(["clip", "slowmo"]):
        if (SHARED / clip).exists():
            rows += [vars(c) for c in pipeline_toeoffs(clip, float(slowmo))]
    return pd.DataFrame(rows)


if __name__ == "__main__":
    if "--toe-off" in sys.argv:
        df = toeoff_table()
        df["frame_diff"] = df["found_frame"] - df["label_frame"]
        print(df.groupby("clip").agg(n=("label_frame", "size"),
                                     frame_diff_mean=("frame_diff", "mean"),
                                     offset_mean=("offset_frames", "mean"),
                                     offset_min=("offset_frames", "min"),
                                     offset_max=("offset_frames", "max"),
                                     within1=("frame_diff", lambda s: (s.abs() <= 1).mean()))
              .round(2).to_string())
        sys.exit(0)
    step = int(sys.argv[sys.argv.index("--step") + 1]) if "--step" in sys.argv else 1
    df = table(old="--old" in sys.argv, step=step)
    pd.set_option("display.width", 200)
    print(df.round(2).to_string())
    df["frame_diff"] = (df["found_frame"] - df["frame"]).where(df["found_frame"] >= 0)
    df["knee_err"] = df["knee_found"] - df["knee_label"]
    df["ahead_err"] = df["ahead_found"] - df["ahead_label"]
    df["knee_model_err"] = df["knee_model_at_label"] - df["knee_label"]
    df["ahead_model_err"] = df["ahead_model_at_label"] - df["ahead_label"]
    print(df.groupby("clip").agg(n=("frame", "size"),
                                 found=("found_frame", lambda s: (s >= 0).sum()),
                                 frame_diff_mean=("frame_diff", "mean"),
                                 within1=("frame_diff", lambda s: (s.abs() <= 1).mean()),
                                 off_mean=("offset_frames", "mean"),
                                 off_sd=("offset_frames", "std"),
                                 off_min=("offset_frames", "min"),
                                 off_max=("offset_frames", "max"),
                                 ms_mean=("offset_ms", "mean"),
                                 ms_sd=("offset_ms", "std"),
                                 ms_min=("offset_ms", "min"),
                                 ms_max=("offset_ms", "max")).round(2).to_string())
    print(df.groupby("clip").agg(knee_err=("knee_err", "mean"),
                                 knee_abs_max=("knee_err", lambda s: s.abs().max()),
                                 ahead_err=("ahead_err", "mean"),
                                 ahead_abs_max=("ahead_err", lambda s: s.abs().max()),
                                 knee_model_err=("knee_model_err", "mean"),
                                 ahead_model_err=("ahead_model_err", "mean"),
                                 knee_found=("knee_found", "mean"),
                                 knee_at_label=("knee_model_at_label", "mean"),
                                 ahead_found=("ahead_found", "mean"),
                                 ahead_at_label=("ahead_model_at_label", "mean"))
          .round(2).to_string())
