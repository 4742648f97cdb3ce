"""The visit record under a result: who, when, pain, speed, shoes, the clinician's notes and
which findings go in the report. Kept with the session (and in the history once saved)."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st
from ui_core import md
from ui_phone import folds_on_phone

from posture.session import PAIN_SIDES, Session, Visit, all_findings

NOT_ASKED = "not asked"


def _pain_score(visit: Visit, key: str) -> int | None:
    options = [NOT_ASKED, *(str(k) for k in range(11))]
    now = NOT_ASKED if visit.pain_score is None else str(visit.pain_score)
    pick = st.select_slider("Pain now (0 none - 10 worst)", options, value=now,
                            key="rec_pain")
    return None if pick == NOT_ASKED else int(pick)


def _report_metrics(session: Session, key: str) -> list[str] | None:
    """Ticks: which findings with advice go in the report (all by default)."""
    found = all_findings(session)
    if not found:
        return None
    st.markdown("**Findings in the report**")
    chosen = session.visit.report_metrics
    picked = [f.metric for f in found
              if st.checkbox(f.display_title, value=chosen is None or f.metric in chosen,
                             key=f"rec_f_{f.metric}")]
    return None if len(picked) == len(found) else picked


RECORD_PREFIX = "rec_"
"""Keys of the form's fields: one set for the session on the page (:func:`forget_record`
when another session is shown, so its fields start from that session's values)."""


def forget_record() -> None:
    for k in [k for k in st.session_state if str(k).startswith(RECORD_PREFIX)]:
        del st.session_state[k]


def render_record(session: Session, key: str) -> Session | None:
    """The form; returns the session with the new details when they were changed."""
    st.markdown("### Visit record and report")
    v = session.visit
    with folds_on_phone("Patient, pain, shoes, notes and the findings in the report",
                        f"record_{key}"), st.form(f"record_{key}", border=True):
        name_col, day_col = st.columns(2)
        runner = name_col.text_input("Runner name", session.runner, key="rec_name")
        day = day_col.date_input("Date of the run", session.session_date,
                                 key="rec_date")
        pid_col, speed_col = st.columns(2)
        patient = pid_col.text_input("Patient ID (optional)", v.patient_id,
                                     key="rec_pid")
        speed = speed_col.number_input("Treadmill speed (km/h, optional)", 0.0, 30.0,
                                       float(session.treadmill_speed_kmh or 0.0), step=0.5,
                                       key="rec_speed")
        side_col, score_col = st.columns(2)
        with side_col:
            side = st.selectbox("Pain side", PAIN_SIDES, PAIN_SIDES.index(v.pain_side),
                                format_func=lambda s: s or NOT_ASKED, key="rec_side")
        with score_col:
            score = _pain_score(v, key)
        shoes = st.text_input("Shoes (optional)", v.shoes, key="rec_shoes")
        notes = st.text_area("Clinician's notes (printed on the report)", v.notes,
                             key="rec_notes")
        metrics = _report_metrics(session, key)
        done = st.form_submit_button("Keep these details")
    if not done:
        return None
    visit = Visit(patient_id=patient.strip(), pain_side=side, pain_score=score,
                  shoes=shoes.strip(), notes=notes.strip(), report_metrics=metrics)
    return replace(session, runner=" ".join(runner.split()), session_date=day,
                   treadmill_speed_kmh=speed or None, visit=visit)


def record_notice(session: Session) -> str:
    who = md(session.runner) if session.runner else "this session"
    return f"Visit details kept for {who}; the PDF report uses them."
