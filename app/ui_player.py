"""The "watch the change" player on the result page: the two clips of
:func:`posture.report.player.render_player` in a small offline HTML/JS component
(app/player.html: play, pause, 0.25x/0.5x/1x, frame steps and jumps move both clips)."""

from __future__ import annotations

import base64
import json
import tempfile
import time
from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components
from ui_core import md, upload_dir

from posture.report.player import PlayerPlan, render_player
from posture.session import Session, player_plan, player_sides

PLAYER_HTML = Path(__file__).with_name("player.html")
#: Largest height of each clip on the page (px): two portrait clips fit a laptop screen.
MAX_HEIGHT_CSS = 440


def player_page(plan: PlayerPlan, clip_a: bytes, clip_b: bytes) -> str:
    """The component's HTML: the template with the plan and both clips inlined."""
    a_lab, b_lab = plan.labels
    doc = plan.to_dict()
    doc.update(
        captions=[a_lab.capitalize(), b_lab.capitalize()],
        alt=[f"{lab.capitalize()}: {len(plan.pairs)} strides from a landing of the "
             f"{plan.leg} leg, with the skeleton and the measured angles drawn"
             for lab in plan.labels],
        max_height_css=min(MAX_HEIGHT_CSS, plan.size_px[1]))
    for j in doc["jumps"]:
        j["label"] = f"{j['title']} (stride {j['stride']})"
    html = PLAYER_HTML.read_text()
    # json.dumps escapes nothing HTML-significant but "</": keep the script block closed
    plan_js = json.dumps(doc).replace("</", "<\\/")
    return (html.replace("__PLAN_JSON__", plan_js)
            .replace("__VIDEO_A__", base64.b64encode(clip_a).decode("ascii"))
            .replace("__VIDEO_B__", base64.b64encode(clip_b).decode("ascii")))


def build_player(session: Session) -> tuple[PlayerPlan, bytes, bytes, float]:
    """Plan and draw both clips (in the private upload folder, deleted at once)."""
    t0 = time.perf_counter()
    plan = player_plan(session)
    a, b = player_sides(session)
    bar = st.progress(0.0, text="Drawing the two clips...")
    with tempfile.TemporaryDirectory(dir=upload_dir(), prefix=".player-") as tmp:
        pa, pb = render_player(plan, a, b, Path(tmp) / "a.mp4", Path(tmp) / "b.mp4",
                               progress=lambda d, t: bar.progress(
                                   min(1.0, d / max(t, 1)), text=f"{d} of {t} frames"))
        data = pa.read_bytes(), pb.read_bytes()
    bar.empty()
    return plan, data[0], data[1], time.perf_counter() - t0


def _caption(plan: PlayerPlan) -> str:
    b_lab = plan.labels[1]
    speed = plan.b_speed_pct
    if abs(speed) < 0.5:
        timing = "both play at their real speed"
    else:
        longer = "longer" if speed > 0 else "shorter"
        faster = "faster" if speed > 0 else "slower"
        timing = (f"the {b_lab} strides last {abs(speed):.0f}% {longer}, so the {b_lab} clip "
                  f"plays {abs(speed):.0f}% {faster} than real time to keep the landings "
                  "together")
    return (f"{len(plan.pairs)} strides of each part, matched landing with landing: each pair "
            f"starts as the {plan.leg} foot lands; {timing}. Space plays or pauses, the arrow "
            "keys step one frame.")


def render_watch(session: Session, key: str, memo: dict[str, object]) -> None:
    """The player section: a button builds it once per session; then it stays."""
    st.markdown("### Watch the change")
    if any(c.video_path is None or c.track is None for c in session.clips):
        st.info("A reopened session keeps its numbers and key frames but not its video: "
                "analyse the clip again to watch both parts side by side.")
        return
    a_lab, b_lab = session.labels
    if "player" not in memo:
        intro = st.empty()  # cleared once the player is built
        with intro.container():
            st.caption(f"The {a_lab} and the {b_lab} strides side by side, in step, with the "
                       "skeleton and the angles drawn: slow motion, frame by frame, and a jump "
                       "to the clearest example of each finding.")
            start = st.button(f"Play {a_lab} and {b_lab} side by side", key=f"player_{key}",
                              type="primary")
        if not start:
            return
        memo["player"] = build_player(session)
        intro.empty()
    plan, clip_a, clip_b, _ = memo["player"]
    st.caption(md(_caption(plan)))
    # a first guess at the height; the page then fits its frame to what it drew
    components.html(player_page(plan, clip_a, clip_b),
                    height=MAX_HEIGHT_CSS + 150 + 48 * len(plan.jumps))
