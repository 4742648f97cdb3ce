"""Stop: the normal offline early-versus-late analysis of a live recording, with the cue
times marked on its plots.

The recorded landmarks are the live ones (frame ``i`` of the recorded video is landmark
frame ``i``), so the pose model is not run again; cleaning, view, camera level, events,
metrics, comparison and findings are the offline pipeline's (:mod:`posture.pipeline`,
:func:`posture.session.build_session`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from posture.live.drift import Cue
from posture.live.record import VIDEO_NAME, load_recording
from posture.options import AnalysisOptions
from posture.pipeline import analyze_track
from posture.report.plots import Mark
from posture.session import AnalysedClip, Session, build_session


def cue_marks(cues: list[Cue]) -> tuple[Mark, ...]:
    """Cue times as plot marks (the first carries the legend's label)."""
    return tuple(Mark(c.t_s, "live cue") for c in cues)


def recording_session(folder: str | Path, *, runner: str = "",
                      options: AnalysisOptions | None = None,
                      treadmill_speed_kmh: float | None = None) -> Session:
    """The session of a recorded live run (raises the pipeline's refusals as they are)."""
    folder = Path(folder)
    track, cues = load_recording(folder)
    analysis = analyze_track(track, options or AnalysisOptions(use_cache=False))
    clip = AnalysedClip(name=f"live {folder.name}", analysis=analysis,
                        video_path=str(folder / VIDEO_NAME), track=track)
    session = build_session([clip], runner=runner, treadmill_speed_kmh=treadmill_speed_kmh)
    notes = dict(session.notes)
    if cues:
        notes["live_cues"] = "; ".join(f"{c.t_s:.0f} s: {c.text}" for c in cues)
    return replace(session, marks=cue_marks(cues), notes=notes)
