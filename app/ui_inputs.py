"""Sidebar: choose clips (sample, one upload, fresh + fatigued, or a side + rear/front pair),
runner details, view override and time window. Produces an :class:`AppRequest` when the user
presses Analyse."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import streamlit as st
from ui_core import (
    MAX_UPLOAD_MB,
    AppRequest,
    ClipRequest,
    jpeg_bytes,
    list_samples,
    md,
    picture_html,
    sample_pair,
    sample_view_pair,
    store_upload,
)

from posture.errors import PostureError
from posture.io.video import probe
from posture.pipeline import AnalysisOptions
from posture.pose.extract import find_people
from posture.pose.people import draw_people
from posture.wording import MIN_CLIP_S

SOURCES = ("Bundled sample", "One clip (early vs late)", "Two clips (fresh vs fatigued)",
           "Side + rear/front clips (same run)")
VIEWS = {"Detect automatically": "auto", "Side": "side", "From behind": "rear",
         "From the front": "front"}
VIDEO_TYPES = ["mp4", "mov", "m4v", "avi", "mkv", "webm"]


def _trim(path: Path, key: str, name: str | None = None) -> tuple[float | None, float | None]:
    """Time-window slider for a clip (whole clip by default); ``name``: the user's name
    for an upload (messages name it, not the stored file)."""
    try:
        dur = probe(path).duration_s
    except PostureError as exc:
        st.error(md(str(exc).replace(path.name, name or path.name)))
        return None, None
    if dur <= 4:
        return None, None
    lo, hi = st.slider("Part to analyse (s)", 0.0, float(round(dur, 1)),
                       (0.0, float(round(dur, 1))), step=0.5, key=f"trim_{key}",
                       help="Leave out warm-up, stopping or people walking by.")
    return (lo if lo > 0 else None), (hi if hi < round(dur, 1) else None)


AUTO_RUNNER = "Pick automatically (the person who runs)"


def _runner_pick(path: Path, key: str, start_s: float | None
                 ) -> tuple[tuple[float, float, float, float] | None, float | None]:
    """'Which person is the runner': the people on a frame, numbered; the user picks one.

    Returns the picked person's box (upright pixels) and the frame's time, or ``None``s for
    the automatic choice.
    """
    with st.expander("Which person is the runner", expanded=False):
        st.caption("Only needed when other people are in the picture: the analyzer follows "
                   "the person who runs. To choose yourself, find the people on a frame "
                   "where the runner is in view and pick the runner's number.")
        t_s = st.number_input("Frame at (s)", 0.0, value=float(start_s or 0.0), step=0.5,
                              key=f"pick_t_{key}")
        state_key = f"people_{key}"
        if st.button("Find the people on this frame", key=f"find_{key}"):
            try:
                st.session_state[state_key] = (str(path), find_people(path, t_s))
            except PostureError as exc:
                st.error(md(str(exc)))
        stored = st.session_state.get(state_key)
        if stored is None or stored[0] != str(path):
            return None, None
        found = stored[1]
        if not found.boxes_px:
            st.info(f"No person was found on the frame at {found.t_s:.1f} s; try another time.")
            return None, None
        st.html(picture_html(
            jpeg_bytes(draw_people(found.image_rgb, found.boxes_px, found.scale)),
            f"The frame at {found.t_s:.1f} s with the {len(found.boxes_px)} found "
            f"{'person' if len(found.boxes_px) == 1 else 'people'} each in a numbered box.",
            caption=f"People found at {found.t_s:.1f} s",
            mime="image/jpeg"))
        names = [AUTO_RUNNER] + [f"Person {k}" for k in range(1, len(found.boxes_px) + 1)]
        pick = st.radio("The runner is", names, key=f"pick_{key}")
        if pick == AUTO_RUNNER:
            return None, None
        return found.boxes_px[names.index(pick) - 1], found.t_s


def _upload(label: str, key: str, role: str, *, view: str | None = None) -> ClipRequest | None:
    up = st.file_uploader(label, type=VIDEO_TYPES, key=f"up_{key}")
    if up is None:
        return None
    try:
        path = _stored(up)
    except PostureError as exc:
        st.error(md(str(exc)))
        return None
    start, end = _trim(path, key, up.name)
    box, box_t = _runner_pick(path, key, start)
    return ClipRequest(str(path), up.name, role, start, end, view=view, runner_box_px=box,
                       runner_box_t_s=box_t)


def _stored(up) -> Path:  # up: streamlit UploadedFile
    """The upload on disk: streamed there in chunks once per uploaded file, not at every
    rerun of the page (a 500 MB clip would be rewritten at each click)."""
    stored: dict[str, str] = st.session_state.setdefault("stored_uploads", {})
    known = stored.get(up.file_id)
    if known and Path(known).is_file():
        return Path(known)
    path = store_upload(up.name, up)
    stored[up.file_id] = str(path)
    return path


PAIR_LABEL = "fresh_side + fatigued_side (two clips)"
VIEW_PAIR_LABEL = "fresh_side + rear_sway (side and rear cameras)"


def _sample() -> tuple[ClipRequest, ...]:
    samples = list_samples()
    if not samples:
        st.info("No bundled samples found (run `make samples`).")
        return ()
    pair, views = sample_pair(), sample_view_pair()
    names = ([p.name for p in samples] + ([PAIR_LABEL] if pair else [])
             + ([VIEW_PAIR_LABEL] if views else []))
    name = st.selectbox("Sample clip", names, key="sample_name")
    if name == PAIR_LABEL and pair:
        return (ClipRequest(str(pair[0]), pair[0].name, "fresh"),
                ClipRequest(str(pair[1]), pair[1].name, "fatigued"))
    if name == VIEW_PAIR_LABEL and views:
        return (ClipRequest(str(views[0]), views[0].name, "side", view="auto"),
                ClipRequest(str(views[1]), views[1].name, "frontal", view="auto"))
    path = samples[names.index(name)]
    start, end = _trim(path, "sample")
    box, box_t = _runner_pick(path, "sample", start)
    return (ClipRequest(str(path), name, "single", start, end, runner_box_px=box,
                        runner_box_t_s=box_t),)


def _clips(source: str) -> tuple[ClipRequest, ...]:
    if source == SOURCES[0]:
        return _sample()
    if source == SOURCES[1]:
        c = _upload(f"Clip of your run (at least {MIN_CLIP_S:.0f} s of steady running)", "one",
                    "single")
        return (c,) if c else ()
    if source == SOURCES[2]:
        a = _upload("Fresh clip (start of the run)", "fresh", "fresh")
        b = _upload("Fatigued clip (end of the run)", "fatigued", "fatigued")
        return (a, b) if a and b else ()
    # The view of each clip is detected (the sidebar's one override would fit only one).
    st.caption("Two cameras on the same run: one beside the runner (lean, arch, overstride) "
               "and one behind or in front (sway, pelvic drop). Each clip is compared early "
               "versus late; the findings of both come in one report.")
    a = _upload("Side clip", "side", "side", view="auto")
    b = _upload("Clip from behind or in front", "frontal", "frontal", view="auto")
    return (a, b) if a and b else ()


ROLLS = ("Estimate from the picture", "Phone was level (0 deg)", "Enter the tilt")


def _roll_choice() -> float | None:
    """Camera tilt override: None lets the analyzer estimate it from the floor line."""
    how = st.selectbox("Camera tilt", ROLLS, key="roll_how",
                       help="Trunk angles are measured against true vertical. If the phone "
                            "stood on a level stand, say so; the estimate can be fooled by "
                            "sloping lines in the picture.")
    if how == ROLLS[1]:
        return 0.0
    if how == ROLLS[2]:
        return float(st.number_input("Tilt (deg, + = picture turned clockwise)", -30.0, 30.0,
                                     0.0, step=0.5, key="roll_deg"))
    return None


def sidebar_request() -> AppRequest | None:
    """Draw the input sidebar; returns a request when Analyse is pressed with valid input."""
    sb = st.sidebar
    with sb:
        st.header("Analyse a run")
        st.caption(f"Clips up to {MAX_UPLOAD_MB} MB. Files stay on this computer: nothing is "
                   "uploaded anywhere else.")
        source = st.radio("What to analyse", SOURCES, key="source")
        clips = _clips(source)
        runner = st.text_input("Runner name or patient ID", key="runner",
                               help="Saves the session in this runner's history; it can also "
                                    "be set or changed after the analysis.")
        day = st.date_input("Date of the run", date.today(), key="run_date")
        with st.expander("Body and camera", expanded=False):
            height_cm = st.number_input("Height (cm, optional)", 0, 230, 0, key="height",
                                        help="Lets bounce and sway be given in cm.")
            speed = st.number_input("Treadmill speed (km/h, optional)", 0.0, 30.0, 0.0,
                                    step=0.5, key="speed")
            view = st.selectbox("Camera view", list(VIEWS), key="view",
                                help="Override if the detected view is wrong (a side + rear pair "
                                     "detects the view of each clip).")
            roll = _roll_choice()
        go = st.button("Analyse", type="primary", disabled=not clips, key="analyse",
                       width="stretch")
    if not go or not clips:
        return None
    options = AnalysisOptions(runner_height_m=height_cm / 100 if height_cm else None,
                              view=VIEWS[view], camera_roll_deg=roll)
    return AppRequest(clips=clips, options=options, runner=runner.strip(),
                      treadmill_speed_kmh=speed or None, session_date=day)
