"""Live (treadmill): the camera through WebRTC on this computer, cues while the runner tires,
then the normal report of the recording.

Thin over :mod:`posture.live` (no biomechanics here): frames go to a
:class:`posture.live.session.LiveSession` in streamlit-webrtc's processing thread and come
back with the overlay drawn (:func:`posture.live.overlay.draw_overlay`). No STUN/TURN server
is configured (``iceServers`` empty): browser and server meet on localhost, and nothing leaves
the computer. When processing falls behind, streamlit-webrtc drops frames rather than
queueing them, and the overlay says so.
"""

from __future__ import annotations

import base64
import html
import logging
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import av
import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from streamlit_webrtc import WebRtcMode, webrtc_streamer
from ui_core import md
from ui_result import render_session

from posture.errors import PostureError
from posture.gait.events import frames_per_s_over
from posture.live.drift import DriftSettings
from posture.live.overlay import CUE_SHOWN_S, draw_overlay, number_text
from posture.live.pose import shrink
from posture.live.report import recording_session
from posture.live.session import LiveSession, LiveUpdate, Recording
from posture.live.signals import too_few_frames_text
from posture.live.sound import cue_wav

log = logging.getLogger("stride_posture.app.live")

#: Browser and server on this computer only: no STUN/TURN server, no network.
RTC_CONFIGURATION = {"iceServers": []}
POLL_S = 0.5
#: The camera at about the working size (long side 640 px, 30 fps): a larger picture is
#: shrunk to it anyway, and costs the browser's encoder and the server's decoder for nothing.
MEDIA_CONSTRAINTS = {"video": {"width": {"ideal": 640}, "frameRate": {"ideal": 30}},
                     "audio": False}


class LiveProcessor:
    """Runs in streamlit-webrtc's worker thread: one frame in, the frame with the overlay out."""

    def __init__(self, options: LiveOptions) -> None:
        self.session = LiveSession(options.settings, runner_height_m=options.runner_height_m,
                                   trunk_outline=options.arch)
        self.lock = threading.Lock()
        self.last: LiveUpdate | None = None
        self.recording: Recording | None = None
        self.error: str | None = None
        self._t0: float | None = None
        self._closed = False

    def recv(self, frame: av.VideoFrame) -> av.VideoFrame:
        image = shrink(frame.to_ndarray(format="rgb24"))
        t = frame.time if frame.time is not None else time.perf_counter()
        with self.lock:
            if self._closed or self.error:
                return av.VideoFrame.from_ndarray(image, format="rgb24")
            self._t0 = t if self._t0 is None else self._t0
            try:
                update = self.session.process(image, t - self._t0)
            except PostureError as exc:
                self.error = str(exc)
                return av.VideoFrame.from_ndarray(image, format="rgb24")
        self.last = update
        return av.VideoFrame.from_ndarray(draw_overlay(image, update), format="rgb24")

    def on_ended(self) -> None:
        self.stop()

    def stop(self) -> Recording | None:
        """Close the session and its recording (once)."""
        with self.lock:
            if not self._closed:
                self._closed = True
                try:
                    self.recording = self.session.stop()
                except PostureError as exc:
                    self.error = str(exc)
        return self.recording


@dataclass(frozen=True)
class LiveOptions:
    """The sidebar's choices, fixed when START is pressed."""

    settings: DriftSettings
    runner_height_m: float | None
    arch: bool
    """Take the trunk outline too (the recording's report then has the low-back arch index)."""


def options_from_sidebar() -> LiveOptions:
    st.sidebar.header("Live settings")
    baseline = st.sidebar.number_input("Baseline (s of steady running)", 10, 900, 120, 10,
                                       key="live_baseline_s")
    sustain = st.sidebar.number_input("A change must last (s)", 5, 300, 30, 5,
                                      key="live_sustain_s")
    height = st.sidebar.number_input("Runner height (m, optional)", 0.0, 2.5, 0.0, 0.01,
                                     key="live_height_m")
    arch = st.sidebar.checkbox(
        "Low-back arch index in the report", value=False, key="live_arch",
        help="Also outlines the trunk on every frame, so the report of the recording has the "
             "low-back arch index. It costs about a third more time per frame: fewer frames "
             "per second are processed (docs/live.md).")
    return LiveOptions(DriftSettings(baseline_s=float(baseline), sustain_s=float(sustain)),
                       float(height) if height >= 1.0 else None, arch)


def show_status(update: LiveUpdate | None, box: st.delta_generator.DeltaGenerator) -> None:
    """The page's own copy of the numbers and state (large), under the picture.

    Always the same four slots, each filled or left empty: the polling loop never ends its
    script run, so a row written once and not overwritten would stay on screen (a stale
    "dropping frames" or "no clean strides" under a live cue)."""
    with box.container():
        head, state_slot, drop_slot, note_slot = (st.empty() for _ in range(4))
        if update is None:
            head.info("Waiting for the camera...")
            return
        cols = head.container().columns(3)
        paused = " (paused)" if update.too_few_frames else ""
        for col, (label, metric) in zip(cols, (("Lean", "trunk_lean_deg"),
                                               ("Cadence", "cadence_spm"),
                                               ("Bounce", "vertical_oscillation_pct_leg")),
                                        strict=True):
            col.metric(label + paused,
                       number_text(metric, update.values.get(metric, float("nan"))))
        if update.state != "watching":
            left = (f"{update.baseline_left_s:.0f} s left" if update.state == "baseline"
                    else "waiting for the first strides")
            state_slot.warning(f"Baseline being set ({left}): run steadily.")
        if update.too_few_frames:
            drop_slot.warning(too_few_frames_text(update.processed_fps)
                              + " The numbers above are the last ones measured.")
        elif update.dropping:
            drop_slot.caption(f"Dropping frames: processing {update.processed_fps:.0f} frames "
                              "per second, fewer than the camera sends.")
        if update.note and update.state == "waiting":
            note_slot.caption(md(update.note))


def cue_alert(update: LiveUpdate | None, box: st.delta_generator.DeltaGenerator) -> None:
    """A large cue with a short sound, once per cue."""
    cue = update.last_cue if update is not None else None
    if cue is None:
        return
    if update.t_s - cue.t_s > CUE_SHOWN_S:
        box.empty()
        st.session_state.pop("live_cue_shown", None)
        return
    if st.session_state.get("live_cue_shown") == cue.t_s:
        return
    st.session_state["live_cue_shown"] = cue.t_s
    # One HTML element for text and sound: markdown escapes (md) would show as backslashes
    # inside raw HTML, and a second st.audio with the same sound in this run (the next cue)
    # raises Streamlit's duplicate-element error; st.html registers no element id.
    sound = base64.b64encode(cue_wav()).decode("ascii")
    box.html(f"<div data-testid='live-cue' style='font-size:2.4rem;font-weight:700;"
             f"color:#fff;background:#d62728;padding:0.6em;border-radius:0.3em'>"
             f"{html.escape(cue.text)}</div>"
             f"<audio autoplay src='data:audio/wav;base64,{sound}'></audio>")


def after_stop(proc: LiveProcessor) -> None:
    """Stop pressed: close the recording, offer the offline analysis of it."""
    recording = proc.stop()
    if proc.error:
        st.error(md(proc.error))
    if recording is None or recording.track is None:
        st.info("Nothing was recorded. Press START, run, then press STOP.")
        return
    track = recording.track
    fps = frames_per_s_over(track.t_s, track.t_s[0], track.t_s[-1])
    rate = f" at {fps:.0f} per second" if fps > 0 else ""
    paused = proc.session.paused_s
    st.success(f"Recorded {track.n_frames} frames{rate} to {recording.folder} "
               f"({len(recording.cues)} cue{'s' if len(recording.cues) != 1 else ''}).")
    if paused >= 1.0:
        st.warning(f"Measuring was paused for {paused:.0f} s of the run: too few frames per "
                   "second were processed then. Those strides are left out of the live "
                   "numbers and of the report too.")
    if st.button("Analyse the recording (early versus late)", key="live_analyse",
                 type="primary"):
        try:
            with st.spinner("Analysing the recording..."):
                st.session_state["live_session"] = recording_session(recording.folder)
                st.session_state["live_session_key"] = uuid.uuid4().hex[:8]
        except PostureError as exc:
            st.error(md(str(exc)))
        except Exception as exc:  # the page must stay usable whatever happens
            log.exception("analysis of the live recording failed")
            st.error(md(f"The analysis stopped unexpectedly ({type(exc).__name__}: {exc})."))


def main() -> None:
    st.set_page_config(page_title="Live (treadmill)", page_icon=":runner:", layout="wide")
    st.title("Live (treadmill)")
    st.caption("Camera beside the treadmill, side view, whole body in the picture. The first "
               "minutes set your own fresh values; a cue comes when lean, cadence or bounce "
               "has moved beyond what video can detect for a sustained time. Stop to get the "
               "full report of the recording. Nothing leaves this computer.")
    options = options_from_sidebar()
    ctx = webrtc_streamer(
        key="live", mode=WebRtcMode.SENDRECV,
        rtc_configuration=RTC_CONFIGURATION,
        server_rtc_configuration=RTC_CONFIGURATION,
        frontend_rtc_configuration=RTC_CONFIGURATION,
        media_stream_constraints=MEDIA_CONSTRAINTS,
        video_processor_factory=lambda: LiveProcessor(options),
        async_processing=True)
    cue_box, status_box = st.empty(), st.empty()
    if ctx.video_processor is not None:
        st.session_state["live_proc"] = ctx.video_processor
    proc: LiveProcessor | None = st.session_state.get("live_proc")
    if ctx.state.playing and proc is not None:
        st.session_state.pop("live_session", None)
        while ctx.state.playing:  # a rerun (STOP pressed) ends this loop
            cue_alert(proc.last, cue_box)
            show_status(proc.last, status_box)
            if proc.error:
                st.error(md(proc.error))
                break
            time.sleep(POLL_S)
    elif proc is not None and not ctx.state.signalling and proc.session.n_processed > 0:
        after_stop(proc)  # STOP pressed (not the set-up moment before the first frame)
    session = st.session_state.get("live_session")
    if session is not None:
        render_session(session, st.session_state["live_session_key"])


if __name__ == "__main__":  # st.navigation runs pages as __main__; tests import them
    main()
