"""History tab: a runner's sessions across weeks, reopen one, compare two clips, delete."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from ui_core import clip_sha256, delete_runner_files, md
from ui_result import forget_pictures

from posture.errors import PostureError
from posture.history import SUMMARY_COLUMNS, History, StoredClip, default_db_path
from posture.metrics.registry import spec
from posture.report.plots import figure_png, history_figure
from posture.session import AnalysedClip, Session, build_session, comparison_doc
from posture.wording import plural


@st.cache_resource
def _history_at(path: str) -> History:
    return History(path)


def history() -> History:
    """The history database at ``$POSTURE_DB`` (or the default path), opened once."""
    return _history_at(str(default_db_path()))


def save_session(session: Session) -> int:
    clips = [StoredClip(c.name, c.role, c.analysis, clip_sha256(c.video_path))
             for c in session.clips]
    height = session.clips[0].analysis.runner_height_m
    return history().save_session(session.runner, clips, session_date=session.session_date,
                                  comparison=comparison_doc(session),
                                  findings=session.findings.to_dict(), height_m=height)


def render_save(session: Session, key: str) -> None:
    if not session.runner:
        st.caption("Give a runner name in the sidebar to keep this session in the history.")
        return
    who = md(session.runner)
    if st.session_state.get(f"saved_{key}"):
        st.success(f"Saved in the history under {who}.")
    elif st.button(f"Save to {who}'s history", key=f"save_{key}"):
        try:
            save_session(session)
        except PostureError as exc:  # nothing saved; the result stays here to try again
            st.error(md(str(exc)))
            return
        st.session_state[f"saved_{key}"] = True
        st.success(f"Saved in the history under {who}.")


def delete_runner(runner: str) -> int:
    """The runner's sessions, uploads, cached pose tracks and kept pictures, all deleted;
    returns the number of sessions."""
    videos = history().runner_videos(runner)
    n = history().delete_runner(runner)
    delete_runner_files(videos)
    forget_pictures()
    shown = st.session_state.get("session")
    if shown is not None and shown.runner.casefold() == runner.casefold():
        st.session_state.pop("session", None)  # its pictures must not come back
    return n


def _table(df: pd.DataFrame) -> pd.DataFrame:
    cols = {c: f"{spec(c).label} ({spec(c).unit})" for c in SUMMARY_COLUMNS if c in df}
    out = df.rename(columns={"session_date": "Date", "clip_name": "Clip", "role": "Part",
                             "view": "View", "n_strides": "Strides", **cols})
    out = out.drop(columns=["label", "session_id"], errors="ignore")
    out = out.dropna(axis=1, how="all")  # e.g. no sway columns for side-view clips
    return out.round(1)


def reopen(session_id: int) -> Session:
    s = history().load_session(session_id)
    clips = [AnalysedClip(c.clip_name, c.analysis, c.role) for c in s.clips]
    return build_session(clips, runner=s.runner, session_date=s.session_date)


def compare_stored(df: pd.DataFrame, picks: list[int], runner: str) -> Session:
    """Two stored clips (e.g. weeks apart) compared with each other, older first."""
    rows = df.loc[picks].sort_values(["session_date", "session_id"])
    clips, labels = [], []
    for _, r in rows.iterrows():
        stored = history().load_session(int(r["session_id"]))
        c = next(c for c in stored.clips if c.clip_name == r["clip_name"])
        clips.append(AnalysedClip(c.clip_name, c.analysis, "fresh" if not clips else "fatigued"))
        labels.append(f"{r['session_date']:%d %b}")
    if labels[0] == labels[1]:
        labels = [f"{labels[0]} ({c.name})" for c in clips]
    return build_session(clips, runner=runner, session_date=date.today(),
                         labels=(labels[0], labels[1]))


def render_history() -> Session | None:
    """Returns a session to show when the user reopens or compares."""
    h = history()
    runners = h.runners()
    st.caption(f"Stored on this computer in {md(h.path)} (set POSTURE\\_DB to move it).")
    if h.set_aside is not None:
        st.warning(md(f"The history file was damaged, so it was set aside as {h.set_aside} "
                      "(nothing in it was deleted) and a new history was started."))
    if not runners:
        st.info("Nothing saved yet. Analyse a clip with a runner name, then press Save.")
        return None
    runner = st.selectbox("Runner", runners, key="hist_runner")
    df = h.sessions(runner)
    st.dataframe(_table(df), hide_index=True, width="stretch")
    if len(df) >= 2:
        fig = history_figure(df, list(SUMMARY_COLUMNS))
        st.image(figure_png(fig, dpi=110), width="stretch",
                 caption="Median per clip; blue fresh, orange fatigued, grey whole runs.")
    out = None
    labels = {i: f"{r.session_date} - {r.clip_name} ({r.role})" for i, r in df.iterrows()}
    sid = st.selectbox("Session", sorted(set(df["session_id"]), reverse=True), key="hist_sid",
                       format_func=lambda s: next(v for i, v in labels.items()
                                                  if df.loc[i, "session_id"] == s))
    if st.button("Reopen this session", key="hist_open"):
        out = reopen(int(sid))
    picks = st.multiselect("Compare two clips across weeks", list(labels), max_selections=2,
                           format_func=labels.get, key="hist_pick")
    if st.button("Compare", disabled=len(picks) != 2, key="hist_cmp"):
        out = compare_stored(df, picks, runner)
    with st.expander(f"Delete {md(runner)}'s data"):
        sure = st.checkbox(f"Yes, delete every session of {md(runner)} from this computer "
                           "(with their uploaded videos and cached results)", key="hist_sure")
        if st.button("Delete", disabled=not sure, key="hist_del"):
            n = delete_runner(runner)
            st.success(f"Deleted {plural(n, 'session')} of {md(runner)}.")
            st.rerun()
    return out
