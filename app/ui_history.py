"""History tab: a runner's sessions across weeks, reopen one, compare two clips, delete."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from ui_core import clip_sha256, delete_runner_files, md, picture_html
from ui_result import forget_pictures

from posture.errors import PostureError
from posture.history import (
    SUMMARY_COLUMNS,
    History,
    StoredClip,
    default_db_path,
    since_last_visit,
)
from posture.metrics.registry import spec
from posture.report.plots import figure_png, history_figure
from posture.session import (
    AnalysedClip,
    Session,
    build_session,
    comparison_doc,
    key_frame_jpegs,
    reopen_session,
    session_details,
)
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
                                  findings=session.findings.to_dict(), height_m=height,
                                  details=session_details(session),
                                  pictures=key_frame_jpegs(session))


def update_saved(session: Session, key: str) -> bool:
    """Put changed visit details into the stored copy, when this result was saved (under
    the same runner); True when it was."""
    saved = st.session_state.get(f"saved_{key}")
    if not saved or saved[0].casefold() != session.runner.casefold():
        return False
    history().update_details(saved[1], session_details(session),
                             session_date=session.session_date)
    return True


def render_save(session: Session, key: str) -> None:
    if not session.runner:
        st.caption("Give a runner name (visit record above, or the sidebar) to keep this "
                   "session in the history.")
        return
    who = md(session.runner)
    saved = st.session_state.get(f"saved_{key}")
    if saved and saved[0].casefold() == session.runner.casefold():
        st.success(f"Saved in the history under {who}; changes to the visit record are "
                   "saved with it.")
    elif st.button(f"Save to {who}'s history", key=f"save_{key}", type="primary"):
        try:
            sid = save_session(session)
        except PostureError as exc:  # nothing saved; the result stays here to try again
            st.error(md(str(exc)))
            return
        st.session_state[f"saved_{key}"] = (session.runner, sid)
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


def _cell(value: float, change: float, decimals: int) -> str:
    if pd.isna(value):
        return "-"
    text = f"{value:.{decimals}f}"
    return text + (f" ({change:+.{decimals}f})" if pd.notna(change) else "")


def _table(df: pd.DataFrame) -> pd.DataFrame:
    """One row per stored clip; each value with its change since the last visit."""
    metrics = [c for c in SUMMARY_COLUMNS if c in df and df[c].notna().any()]
    changes = since_last_visit(df, metrics)
    out = df[["session_date", "clip_name", "role", "view", "n_strides"]].rename(columns={
        "session_date": "Date", "clip_name": "Clip", "role": "Part", "view": "View",
        "n_strides": "Strides"})
    for m in metrics:  # e.g. no sway columns for side-view clips
        out[f"{spec(m).label} ({spec(m).unit})"] = [
            _cell(v, d, spec(m).decimals) for v, d in zip(df[m], changes[m], strict=True)]
    return out


def history_alt_text(df: pd.DataFrame) -> str:
    """The history chart in words: which measures, over which dates."""
    names = [spec(c).label for c in SUMMARY_COLUMNS if c in df and df[c].notna().any()]
    return (f"{', '.join(names)} per stored clip from {df['session_date'].min():%d %b %Y} to "
            f"{df['session_date'].max():%d %b %Y}, {plural(len(df), 'clip')}.")


def reopen(session_id: int) -> Session:
    return reopen_session(history().load_session(session_id))


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
                         labels=(labels[0], labels[1]), visits=True)


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
    st.caption("Median per clip; in brackets the change since the last visit (the previous "
               "session's clip of the same kind).")
    if len(df) >= 2:
        fig = history_figure(df, list(SUMMARY_COLUMNS))
        st.html(picture_html(figure_png(fig, dpi=110), history_alt_text(df), caption=(
            "Median per clip over the visits; blue fresh, orange fatigued, grey whole runs.")))
    out = None
    labels = {i: f"{r.session_date} - {r.clip_name} ({r.role})" for i, r in df.iterrows()}
    sid = st.selectbox("Session", sorted(set(df["session_id"]), reverse=True), key="hist_sid",
                       format_func=lambda s: next(v for i, v in labels.items()
                                                  if df.loc[i, "session_id"] == s))
    if st.button("Reopen this session", key="hist_open"):
        with st.spinner("Reopening..."):
            out = reopen(int(sid))
        st.session_state["notice"] = (f"Reopened {md(out.runner)}'s session of "
                                      f"{out.session_date:%d %b %Y}.")
    picks = st.multiselect("Change since an earlier visit: pick two clips", list(labels),
                           max_selections=2, format_func=labels.get, key="hist_pick")
    if st.button("Compare", disabled=len(picks) != 2, key="hist_cmp"):
        with st.spinner("Comparing..."):
            out = compare_stored(df, picks, runner)
        st.session_state["notice"] = (f"Compared {md(out.labels[0])} with "
                                      f"{md(out.labels[1])}: the change since that visit.")
    with st.expander(f"Delete {md(runner)}'s data"):
        sure = st.checkbox(f"Yes, delete every session of {md(runner)} from this computer "
                           "(with their uploaded videos and cached results)", key="hist_sure")
        if st.button("Delete", disabled=not sure, key="hist_del"):
            n = delete_runner(runner)
            st.success(f"Deleted {plural(n, 'session')} of {md(runner)}.")
            st.rerun()
    return out
