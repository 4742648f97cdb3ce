"""Stride posture: the Streamlit app (thin over the ``posture`` library).

Run with ``make run`` (or ``streamlit run app/streamlit_app.py``). On first open it analyses
the bundled sample so a newcomer sees a full result at once; the pose cache makes it instant
the next time.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import sys
import uuid
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ui_core import (
    AppRequest,
    ClipRequest,
    ProgressClock,
    default_sample,
    md,
    run_request,
    seed_pose_cache,
    served_beyond_this_computer,
    sweep_uploads,
)
from ui_history import render_history, render_save, update_saved
from ui_inputs import sidebar_request
from ui_phone import fold_on_phone, phone_css
from ui_record import forget_record, record_notice, render_record
from ui_result import forget_report, render_files, render_session

from posture.errors import PostureError
from posture.session import Session
from posture.wording import MIN_CLIP_S

log = logging.getLogger("stride_posture.app")

#: The analysis page's name in the sidebar navigation.
MAIN_PAGE_TITLE = "Analyse a clip"

HOW_TO_FILM = f"""
- **Side view** for trunk lean, low-back arch and overstride; **from behind** for side-to-side
  sway and pelvic drop.
- Phone on a stand at hip height, level, 3-5 m away, the whole body in the picture
  (head to feet) for the whole clip.
- At least {MIN_CLIP_S:.0f} s of steady running; on a treadmill keep the same speed fresh and tired.
- 60 fps or more if you can (contact time needs 100 fps or more).
- Tight clothes show the back outline best; one person in the picture.
"""


@st.cache_resource
def sweep_old_uploads() -> int:
    """Once per server start: delete uploads no analysis has used for a while."""
    try:
        return sweep_uploads()
    except PostureError:  # the folder cannot be made: the upload itself will say so
        return 0


@st.cache_resource
def shared_results() -> dict[str, Session]:
    """Results shared across browser sessions (the demo analysis in particular)."""
    return {}


def analyse(request: AppRequest) -> Session | None:
    """Run the core call with a live progress bar; library errors become messages."""
    bar = st.progress(0.0, text="Reading the video...")
    clock = ProgressClock()

    def progress(stage: str, done: int, total: int) -> None:
        frac, text = clock.status(done, total)
        bar.progress(frac, text=f"{stage}: finding the body in each frame - {text}")

    try:
        return run_request(request, progress=progress)
    except PostureError as exc:
        st.error(md(str(exc)))
    except Exception as exc:  # the page must stay usable whatever happens
        log.exception("analysis failed")
        st.error(md(f"The analysis stopped unexpectedly ({type(exc).__name__}: {exc}). "
                    "Try another clip or a shorter time window."))
    finally:
        bar.empty()
    return None


FOLD_SIDEBAR = """<script>
// On a narrow screen the sidebar covers the result: fold it once the result is there.
if (window.innerWidth < 768) {
  const b = document.querySelector("[data-testid='stSidebarCollapseButton'] button");
  if (b) b.click();
}
</script>"""


def fold_sidebar_on_phone() -> None:
    """Fold the sidebar after Analyse on a phone (Streamlit leaves it open over the page)."""
    st.html(FOLD_SIDEBAR, unsafe_allow_javascript=True)


def show(session: Session, key: str | None = None) -> None:
    """Make ``session`` the one on the page; ``key`` names its cached pictures."""
    if st.session_state.get("session") is not session:
        forget_record()  # the visit record's fields start from this session's values
    st.session_state["session"] = session
    st.session_state["session_key"] = key or uuid.uuid4().hex[:8]


def render_visit(session: Session, key: str) -> None:
    """Visit record, save to the history, downloads; changed details redraw the page."""
    changed = render_record(session, key)
    if changed is not None:
        st.session_state["session"] = changed
        forget_report(key)
        try:
            update_saved(changed, key)
        except (PostureError, sqlite3.Error, KeyError) as exc:
            st.session_state["notice"] = md(f"The history could not be updated: {exc}")
        else:
            st.session_state["notice"] = record_notice(changed)
        st.rerun()
    render_save(session, key)
    render_files(session, key)


def demo() -> None:
    """Analyse the bundled sample once per server so the first page shows a full result."""
    sample = default_sample()
    if sample is None:
        return
    key = f"{sample}:{sample.stat().st_mtime_ns}"
    cache = shared_results()
    if key not in cache:
        seed_pose_cache(sample)
        note = st.info(f"Analysing the bundled sample {sample.name} so you can see a full "
                       "result (first start only).")
        session = analyse(AppRequest(clips=(ClipRequest(str(sample), sample.name),),
                                     runner="Sample runner"))
        note.empty()
        if session is None:
            return
        cache[key] = session
    show(cache[key], key=hashlib.sha1(key.encode()).hexdigest()[:8])
    st.session_state["is_demo"] = True


def main() -> None:
    st.set_page_config(page_title="Stride posture", page_icon=":runner:", layout="wide")
    st.title("Stride posture")
    st.caption("How your running posture holds up as you tire: trunk lean, low-back arch, "
               "overstride and sway, stride by stride.")
    phone_css()
    sweep_old_uploads()
    if served_beyond_this_computer():
        st.sidebar.warning("Shared on the network (make run-shared): anyone who can reach "
                           "this computer can analyse clips here, see every runner's history "
                           "and delete it.")
    request = sidebar_request()
    # Progress and analysis messages go in this one container, so the keyed tabs below keep
    # their place in the page (Streamlit stalls when a keyed element moves between runs).
    with st.container():
        if request is not None:
            session = analyse(request)
            if session is not None:
                show(session)
                st.session_state["is_demo"] = False
                fold_sidebar_on_phone()
        elif "session" not in st.session_state:
            demo()
    if st.session_state.pop("go_result", False):  # a session was just reopened or compared
        st.session_state["main_tabs"] = "Result"
    # Stateful tabs: the chosen tab survives reruns (a control touched in History stays
    # there) and the app can switch to Result after a reopen.
    result_tab, history_tab, film_tab = st.tabs(["Result", "History", "How to film"],
                                                 key="main_tabs", on_change="rerun")
    with result_tab:
        session = st.session_state.get("session")
        if session is None:
            st.info("Choose a clip in the sidebar and press Analyse.")
        else:
            key = st.session_state["session_key"]
            notice = st.session_state.pop("notice", None)
            if notice:
                st.success(notice)
            if st.session_state.get("is_demo"):
                st.info("This is the bundled sample. Upload your own clip in the sidebar.")
            render_session(session, key)
            render_visit(session, key)
            st.info(session.findings.care_note)
            fold_on_phone(key)
    with history_tab:
        try:
            reopened = render_history()
        except (PostureError, sqlite3.Error, OSError, ValueError, KeyError) as exc:
            st.error(md(f"The history could not be used: {exc}"))
            reopened = None
        if reopened is not None:
            show(reopened)
            st.session_state["is_demo"] = False
            st.session_state["go_result"] = True
            st.rerun()
    with film_tab:
        st.markdown(HOW_TO_FILM)


def navigation() -> st.Page:
    """The app's pages by name: this one (the clip analysis; Streamlit would otherwise call
    it "streamlit app" after this file) first, then each file of ``pages/`` titled by its
    file name as Streamlit does ("Live_(treadmill).py" -> "Live (treadmill)")."""
    here = Path(__file__).resolve().parent
    pages = [st.Page(main, title=MAIN_PAGE_TITLE, icon=":material/directions_run:",
                     default=True)]
    pages += [st.Page(str(p), title=p.stem.replace("_", " "))
              for p in sorted((here / "pages").glob("*.py"))]
    return st.navigation(pages)


navigation().run()
