"""The result page: findings, key frames, scrubber, plots, summary table, downloads."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st
from matplotlib.figure import Figure
from streamlit.delta_generator import DeltaGenerator
from ui_core import jpeg_bytes, md, picture_html, upload_dir
from ui_phone import folds_on_phone
from ui_player import render_watch

from posture.analysis.quality import is_pose_flag
from posture.errors import PostureError
from posture.findings.rules import SHORT_CLIP_CODE, TO_CHECK_HINT, Finding, nothing_stands_out
from posture.metrics.registry import spec
from posture.report import export
from posture.report.annotate import context_from_view, labels_as_analysed
from posture.report.keyframes import side_by_side
from posture.report.plots import figure_png
from posture.report.video_out import write_annotated_mp4
from posture.results import QualityFlag
from posture.session import (
    PHONE_PLOT_IN,
    PHONE_PLOT_PT,
    VIEW_TITLES,
    Session,
    annotated_frame,
    change_judged,
    key_answer,
    key_frame_images,
    leg_table,
    metric_figure,
    plot_alt_text,
    plotted_metrics,
    session_json,
    session_pdf,
    speed_text,
    summary_table,
)
from posture.wording import MIN_CLIP_S, camera_tilt_text, plural

log = logging.getLogger("stride_posture.app")

CONF_BADGE = {"high": ":green-badge[high confidence]",
              "moderate": ":orange-badge[moderate confidence]",
              "low": ":gray-badge[low confidence]"}


@st.cache_resource
def _memo_store() -> dict[str, dict[str, object]]:
    """Pictures and files per analysed session, shared by reruns and browser tabs."""
    return {}


def forget_pictures() -> None:
    """Drop every kept picture, PDF and video (after a runner's data were deleted)."""
    _memo_store().clear()


def _memo_of(session_key: str) -> dict[str, object]:
    store = _memo_store()
    if session_key not in store and len(store) >= 20:
        store.pop(next(iter(store)))  # keep memory bounded: forget the oldest session
    return store.setdefault(session_key, {})


def _memo(session_key: str, name: str, build: Callable[[], object]) -> object:
    """Build a picture or file once per session and keep it."""
    memo = _memo_of(session_key)
    if name not in memo:
        memo[name] = build()
    return memo[name]


def _png(fig: Figure) -> bytes:
    return figure_png(fig, dpi=110)


def view_text(session: Session) -> list[str]:
    out = []
    for c in session.clips:
        v = c.analysis.view
        toward = "moving away" if v.view == "rear" else "coming toward you"
        where = (f"runner facing {v.facing}, {v.near_side} side nearest the camera"
                 if v.view == "side" else f"runner {toward}")
        roll = camera_tilt_text(v.camera_roll_deg, v.roll_source)
        out.append(f"**{md(c.name)}**: {v.view} view, {where} (confidence {v.confidence:.0%}); "
                   f"{roll} - {plural(c.analysis.n_strides, 'stride')}")
    return out


def render_header(session: Session) -> None:
    who = session.runner or "Unnamed runner"
    st.header(f"{md(who)} - {session.session_date:%d %b %Y} - {md(session.title)}")
    st.markdown(f"**{md(key_answer(session))}**")  # the answer first, on a phone's first screen
    facts = [f"{label}: {md(value)}" for label, value in session.visit.lines()]
    if session.treadmill_speed_kmh:
        facts.append(f"Treadmill {speed_text(session.treadmill_speed_kmh)}")
    if facts:
        st.caption(" · ".join(facts))
    for line in view_text(session):
        st.markdown(f"- {line}")
    for q in pose_flags(session):  # which person was measured comes before any number
        (st.info if q.severity == "info" else st.warning)(q.message)
    st.caption("Wrong view or tilt? Change 'Camera view' or 'Camera tilt' under 'Body and "
               "camera' in the sidebar and analyse again (the pose is cached: it takes seconds).")


GLANCE_LABELS = {"trunk_lean_deg": "Trunk lean", "lumbar_arch_pct": "Low-back arch (exp.)",
                 "overstride_pct_leg": "Foot ahead of hips", "lateral_sway_pct_hip": "Sway",
                 "pelvic_drop_deg": "Pelvic drop", "cadence_spm": "Cadence"}


def render_glance(session: Session, key: str = "") -> None:
    """Key numbers: later value with the change from the earlier part (two a row on a
    phone)."""
    comp = session.comparison
    if comp is None:
        return
    shown = [m for m in GLANCE_LABELS if m in comp.changes and comp.changes[m].b_n > 0][:4]
    if not shown:
        return
    a_lab, b_lab = session.labels
    cols = st.container(key=f"glance_{key}").columns(len(shown))
    for col, m in zip(cols, shown, strict=True):
        c, s = comp.changes[m], spec(m)
        colour = {"higher": "inverse", "lower": "normal"}.get(s.worse_when, "off")
        judged = c.verdict != "not enough data" and np.isfinite(c.change)
        # the words say worse/better: the delta's colour is never the only cue
        word = {"worse": ", worse", "better": ", better"}.get(
            c.direction if c.verdict == "changed" else "", ", no clear change")
        delta = f"{c.change:+.{s.decimals}f} {s.unit} vs {a_lab}{word}" if judged else None
        value = c.b_mean if round(c.b_mean, s.decimals) != 0 else 0.0  # no "-0.0"
        col.metric(f"{GLANCE_LABELS[m]}, {b_lab}", f"{value:.{s.decimals}f} {s.unit}", delta,
                   delta_color=colour if c.verdict == "changed" else "off",
                   help=c.reason)


def render_card(f: Finding) -> None:
    """One finding: what was seen, then why it matters and what to do side by side."""
    with st.container(border=True):
        exp = " :violet-badge[experimental]" if f.experimental else ""
        title = f.title.replace(" (experimental)", "")  # saved sessions had it in the title
        st.markdown(f"**{f.rank}. {title}** {CONF_BADGE.get(f.confidence, '')}{exp}")
        if f.headline:
            st.markdown(f"#### {md(f.headline)}")
        point, where = f.measured_parts()
        st.markdown(point)
        why, todo = st.columns(2)
        why.markdown(f"**Why it matters.** {f.meaning}")
        if f.actions:
            todo.markdown("**What to do**\n" + "\n".join(f"- {a}" for a in f.actions))
        st.caption(f"Confidence {f.confidence}: {f.confidence_reason}."
                   + (f" Where to look: {where}" if where else ""))


def render_findings(session: Session) -> None:
    st.markdown("### What changed and what to do")
    fr = session.findings
    judged = change_judged(session)
    why = _not_judged_reasons(session) if not judged else []
    for q in why:
        st.info(md(q.message))
    if not fr.shown:
        st.success(nothing_stands_out(judged, len(fr.to_check)))
    for f in fr.shown:
        render_card(f)
    if fr.more:
        with st.expander(f"{plural(len(fr.more), 'more finding')}, less important"):
            for f in fr.more:
                st.markdown(f"**{f.display_title}** - {f.measured}")
    if fr.to_check:
        render_to_check(fr.to_check)
    render_warnings(session, skip=why)


def render_to_check(to_check: list[Finding]) -> None:
    """Low-confidence findings: a secondary list without advice."""
    with st.expander(f"{TO_CHECK_HINT} ({plural(len(to_check), 'item')}, not sure enough "
                     "to advise on)"):
        for f in to_check:
            st.markdown(f"**{f.display_title}** - {f.measured}")
            st.caption(f.unsure_text())


def _not_judged_reasons(session: Session) -> list[QualityFlag]:
    """Why no change was judged: the short-clip warnings (one per clip), else the few-strides
    one, else a plain note."""
    flags = list(session.findings.warnings)
    for code in (SHORT_CLIP_CODE, "few_strides"):
        found = [q for q in flags if q.code == code]
        if found:
            return found
    return [QualityFlag("not_judged", "info",
                        "No change could be judged, so the findings only compare your values "
                        f"with the usual ranges. Film at least {MIN_CLIP_S:.0f} s of steady "
                        "running per clip, with the whole body in view, to see how you "
                        "change.")]


def pose_flags(session: Session) -> list[QualityFlag]:
    """What the pose stage noticed (another person in view, ...), once per message."""
    flags = [*session.findings.warnings, *(q for c in session.clips for q in c.analysis.quality)]
    return list(dict.fromkeys(q for q in flags if is_pose_flag(q)))


def render_warnings(session: Session, *, skip: list[QualityFlag] = ()) -> None:
    # the pose stage's notes are shown at the top of the page
    flags = [q for q in session.findings.warnings if q not in skip and not is_pose_flag(q)]
    flags += [q for c in session.clips for q in c.analysis.quality
              if q not in flags and not is_pose_flag(q)]
    serious = [q for q in flags if q.severity in ("warning", "error")]
    minor = [q for q in flags if q.severity == "info"]
    for q in serious:
        st.warning(md(q.message))
    if minor:
        with st.expander(f"How far to trust these numbers ({plural(len(minor), 'note')})"):
            for q in minor:
                st.markdown(f"- {md(q.message)}")


def render_key_frames(session: Session, key: str) -> None:
    st.markdown("### Same moment of the stride, side by side")
    # a reopened session shows the frames kept with it in the history
    frames = _memo(key, "key_frames", lambda: key_frame_images(session, max_side_px=640))
    if not frames:
        st.info("The video of this session is not on this machine any more and no frames "
                "were kept with it; numbers and plots are below."
                if any(c.video_path is None for c in session.clips)
                else "No complete stride to show.")
        return
    if session.clips[0].analysis.view.view == "side":
        st.caption("Most typical stride of each part. Yellow: trunk line with its angle from "
                   "true vertical (white dashes). Green: shin at landing and how far the foot "
                   "lands ahead of the hips. Magenta: back outline used for the arch index.")
    else:
        st.caption("Most typical stride of each part. Yellow: trunk line and its sideways "
                   "angle from true vertical. Green: hip line against true horizontal "
                   "(white dashes); a dropping hip on the swing side is pelvic drop.")
    legend = _frame_legend(session)
    for k in range(0, len(frames), 2):
        pair = frames[k:k + 2]
        picture = _memo(key, f"pair_{k}", lambda pair=pair: jpeg_bytes(
            side_by_side([img for _, img in pair])))
        names = [caption for caption, _ in pair]
        alt = " Right: ".join(names) + ". " + legend
        st.html(picture_html(picture, "Left: " + alt if len(pair) == 2 else alt,
                             caption="  |  ".join(names), mime="image/jpeg",
                             max_height="70vh"))


def _frame_legend(session: Session) -> str:
    if session.clips[0].analysis.view.view == "side":
        return ("Drawn on the runner: the trunk line with its angle from vertical, the shin "
                "at landing and how far the foot lands ahead of the hips.")
    return ("Drawn on the runner: the trunk line with its sideways angle and the hip line "
            "against horizontal.")


def render_scrubber(session: Session, key: str) -> None:
    clips = [c for c in session.clips if c.track is not None and c.video_path]
    if not clips:
        return
    with st.expander("Frame by frame"):
        names = [f"{c.role}: {c.name}" for c in clips]
        name = st.selectbox("Clip", names, key=f"scrub_clip_{key}") if len(clips) > 1 else names[0]
        clip = clips[names.index(name)]
        t = clip.track.t_s
        row = st.slider("Frame", 0, len(t) - 1, len(t) // 2, key=f"scrub_{key}_{name}",
                        help="Drag to step through the analysed frames.")
        img = annotated_frame(clip, row, caption=f"{t[row]:.2f} s", max_side_px=640)
        st.html(picture_html(jpeg_bytes(img), f"Frame at {t[row]:.2f} s of {name} with the "
                             "analysis drawn on the runner.", caption=f"{name} at {t[row]:.2f} s",
                             mime="image/jpeg", max_height="70vh"))


def render_plots(session: Session, key: str) -> None:
    st.markdown("### Stride by stride")
    a_lab, b_lab = session.labels
    shade = (f"Shaded: {a_lab} (blue) and {b_lab} (orange) parts; thick lines: their medians."
             if not session.two_clips else f"Blue: {a_lab} clip; orange: {b_lab} clip.")
    metrics = plotted_metrics(session)
    with folds_on_phone(f"{plural(len(metrics), 'measure')}, one dot per stride", f"plots_{key}"):
        st.caption(f"Each dot is one stride. {shade} Green band: usual range; amber: watch "
                   "range.")
        shown = metrics[:6]
        for k in range(0, len(shown), 2):  # two per row; a phone stacks them, each legible
            cols = st.columns(2)
            for col, m in zip(cols, shown[k:k + 2], strict=False):
                with col:
                    _plot(session, key, m)
        rest = metrics[6:]
        if rest:
            m = st.selectbox("Look at one more measure", rest, key=f"metric_{key}",
                             format_func=lambda c: f"{spec(c).label} ({spec(c).unit})")
            _plot(session, key, m)
    if session.comparison is not None:
        st.markdown("### Summary")
        st.html(summary_html(summary_table(session.comparison), session.labels))
        st.caption("Change = later minus earlier. 'Changed' needs a change that stays clear "
                   "after allowing for testing every measure at once (false discovery rate "
                   "5%) and that is larger than video can reliably detect.")
        with st.expander("All columns (95% interval, strides)"):
            st.dataframe(summary_table(session.comparison), hide_index=True, width="stretch")


def _plot(session: Session, key: str, metric: str) -> None:
    png = _memo(key, f"fig_{metric}", lambda: _png(metric_figure(
        session, metric, size_in=PHONE_PLOT_IN, fontsize_pt=PHONE_PLOT_PT, legend=False)))
    st.html(picture_html(png, plot_alt_text(session, metric)))


VERDICT_BACKGROUND = {"worse": "#fde2dd", "better": "#dff3e0"}


def _cue(text: str) -> str:
    """A value's place against the usual range, small, under the value."""
    import html

    return "" if text == "-" else (f"<br><span style='font-size:0.8em'>{html.escape(text)}"
                                   "</span>")


def _row_head(text: str) -> str:
    import html

    return (f"<th scope='row' style='text-align:left;font-weight:normal'>{html.escape(text)}"
            "</th>")


def _background(colour: str) -> str:
    return f" style='background:{colour}'" if colour else ""


def html_table(head: list[str], rows: list[tuple[list[str], str]], caption: str) -> str:
    """A table that wraps on a phone; ``rows`` are (cells as HTML, background colour or "")."""
    import html

    body = "".join(f"<tr{_background(bg)}>{''.join(cells)}</tr>" for cells, bg in rows)
    th = "".join(f"<th scope='col' style='text-align:left'>{html.escape(h)}</th>" for h in head)
    return ("<table style='width:100%;border-collapse:collapse;font-size:0.875rem;"
            "line-height:1.3'><caption style='text-align:left;caption-side:top'>"
            f"{html.escape(caption)}</caption><thead><tr>{th}</tr></thead><tbody>{body}"
            "</tbody></table>")


def summary_html(table: pd.DataFrame, labels: tuple[str, str]) -> str:
    """The summary as a table that wraps on a phone: measure, both parts, change, verdict
    and usual range; where the later value lies says it in words under the number."""
    import html

    a_lab, b_lab = (lab.capitalize() for lab in labels)
    cue_col = f"{b_lab} vs range"
    rows = []
    for _, r in table.iterrows():
        v = str(r["Verdict"])
        bg = next((c for word, c in VERDICT_BACKGROUND.items() if word in v), "")
        rows.append(([_row_head(f"{r['Metric']} ({r['Unit']})"),
                      f"<td>{html.escape(r[a_lab])}</td>",
                      f"<td>{html.escape(r[b_lab])}{_cue(r[cue_col])}</td>",
                      f"<td>{html.escape(r['Change'])}</td>", f"<td>{html.escape(v)}</td>",
                      f"<td>{html.escape(r['Usual range'])}</td>"], bg))
    return html_table(["Measure", a_lab, b_lab, "Change", "Verdict", "Usual range"], rows,
                      f"{a_lab} against {b_lab.lower()}, every measure")


def legs_html(table: pd.DataFrame) -> str:
    """Left against right (:func:`posture.session.leg_table`) as a table that wraps: where
    each leg lies against the usual range is written under its value."""
    import html

    rows = []
    for _, r in table.iterrows():
        clip = f"{r['Clip']}: " if "Clip" in table else ""
        rows.append(([_row_head(f"{clip}{r['Metric']} ({r['Unit']})"),
                      f"<td>{html.escape(r['Left'])}{_cue(r['Left vs range'])}</td>",
                      f"<td>{html.escape(r['Right'])}{_cue(r['Right vs range'])}</td>",
                      f"<td>{html.escape(r['Right - left'])}</td>",
                      f"<td>{html.escape(r['Symmetry index'])}</td>",
                      f"<td>{html.escape(r['Usual range'])}</td>"], ""))
    return html_table(["Measure", "Left", "Right", "Right - left", "Symmetry index",
                       "Usual range"], rows, "Left leg against right leg, whole clip")


def render_legs(session: Session, key: str) -> None:
    """Left against right where both legs are seen (rear and front clips)."""
    table = leg_table(session)
    if table.empty:
        return
    st.markdown("### Left and right legs")
    st.html(legs_html(table))
    strides = "; ".join(f"{r['Metric']} {r['Strides (L / R)']}" for _, r in table.iterrows())
    st.caption("Median per stance leg over the whole clip. Symmetry index: right minus left "
               "over their mean (0 % even, + right larger, '-' where the values are too "
               f"close to zero for a ratio). Strides left / right: {strides}.")


def render_downloads(session: Session, key: str) -> None:
    st.markdown("### Take it with you")
    cols = st.columns(4)
    for i, c in enumerate(session.clips):
        cols[0].download_button(
            "Per-stride table (CSV)" if len(session.clips) == 1
            else f"Per-stride table, {c.role}",
            export.strides_csv(c.analysis, clip_name=c.name),
            file_name=f"{Path(c.name).stem}_{c.role}_strides.csv", mime="text/csv",
            key=f"csv_{key}_{i}")
    cols[1].download_button("Whole analysis (JSON)", session_json(session),
                            file_name="analysis.json", mime="application/json",
                            key=f"json_{key}")
    if cols[2].button("Prepare PDF report", key=f"pdfb_{key}"):
        with st.spinner("Writing the PDF..."):
            _memo_of(key)["pdf"] = session_pdf(
                session, key_frames_rgb=_memo(key, "key_frames_pdf",
                                              lambda: key_frame_images(session,
                                                                       max_side_px=480)))
    pdf = _memo_of(key).get("pdf")
    if pdf:
        cols[2].download_button("Download PDF", pdf, file_name="posture_report.pdf",
                                mime="application/pdf", key=f"pdf_{key}")
    _video_download(session, key, cols[3])


def _video_download(session: Session, key: str, col: DeltaGenerator) -> None:
    clips = [c for c in session.clips if c.track is not None and c.video_path]
    if not clips:
        return
    if col.button("Prepare annotated video", key=f"vidb_{key}"):
        bar = st.progress(0.0, text="Drawing the video...")
        outs = {}
        for c in clips:
            # Drawn in the private upload folder and deleted at once: only the page keeps it.
            with tempfile.TemporaryDirectory(dir=upload_dir(), prefix=".video-") as tmp:
                out = Path(tmp) / "annotated.mp4"
                write_annotated_mp4(c.video_path,
                                    labels_as_analysed(c.track, c.analysis.view.view),
                                    c.analysis.strides,
                                    context_from_view(c.analysis.view), out,
                                    progress=lambda d, t: bar.progress(
                                        min(1.0, d / max(t, 1)), text=f"{d} of {t} frames"))
                outs[f"{c.role}: {c.name}"] = out.read_bytes()
        bar.empty()
        _memo_of(key)["videos"] = outs
    videos = _memo_of(key).get("videos", {})
    for i, (name, data) in enumerate(videos.items()):
        st.video(data, format="video/mp4")
        col.download_button(f"Download video ({md(name)})", data,
                            file_name=f"{Path(name.split(': ')[-1]).stem}_annotated.mp4",
                            mime="video/mp4", key=f"vid_{key}_{i}")


def render_player(session: Session, key: str) -> None:
    render_watch(session, key, _memo_of(key))


def _guarded(draw: Callable[[Session, str], None], session: Session, key: str) -> None:
    """Draw one part of the page; library errors become messages."""
    try:
        draw(session, key)
    except PostureError as exc:
        st.error(md(str(exc)))
    except Exception as exc:  # a picture failing must not take the page down
        log.exception("could not draw %s", draw.__name__)
        st.error(md(f"This part of the page could not be drawn ({type(exc).__name__}: {exc})."))


def render_view_parts(session: Session, key: str) -> None:
    """A side + rear/front pair: one tab per clip with its numbers, frames and plots."""
    tabs = st.tabs([f"{VIEW_TITLES[p.view]}: {md(p.clips[0].name)}" for p in session.parts])
    for i, (tab, part) in enumerate(zip(tabs, session.parts, strict=True)):
        with tab:
            st.caption("This clip's early part against its late part.")
            render_glance(part, f"{key}_p{i}")
            for draw in (render_player, render_key_frames, render_plots, render_legs):
                _guarded(draw, part, f"{key}_p{i}")


def render_session(session: Session, key: str) -> None:
    """The whole result page; library errors while drawing show as messages."""
    render_header(session)
    if session.view_pair:
        render_findings(session)
        _guarded(render_view_parts, session, key)
        draws = (render_scrubber,)
    else:
        render_glance(session, key)
        render_findings(session)
        draws = (render_player, render_key_frames, render_scrubber, render_plots,
                 render_legs)
    for draw in draws:
        _guarded(draw, session, key)


def render_files(session: Session, key: str) -> None:
    """The downloads (after the visit record, whose details the PDF carries)."""
    _guarded(render_downloads, session, key)


def forget_report(key: str) -> None:
    """Drop a prepared PDF (the visit details it carries changed)."""
    _memo_of(key).pop("pdf", None)
