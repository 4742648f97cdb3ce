"""Key frames, annotation, plots, exports and PDF on a hand-built runner with known values."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from posture.landmarks import LM
from posture.report import annotate, export, keyframes, pdf, plots
from posture.results import ClipAnalysis, ViewEstimate
from tests.support.pdf_text import PLACEHOLDERS, pdf_text
from tests.support.report import blank_frame, make_analysis, make_track


@pytest.fixture(scope="module")
def track():
    return make_track()


@pytest.fixture(scope="module")
def analysis(track):
    return make_analysis(track)


# ------------------------------------------------------------------ key frames
def test_representative_stride_is_the_one_nearest_the_median():
    df = pd.DataFrame({"stride": range(5), "leg": ["left"] * 5, "t_start_s": range(5),
                       "frame_start": range(0, 50, 10), "frame_midstance": range(3, 53, 10),
                       "trunk_lean_deg": [5.0, 9.0, 7.0, 20.0, 6.5],
                       "overstride_pct_leg": [10.0, 14.0, 12.0, 11.0, 12.5]})
    row = keyframes.representative_stride(df)
    assert int(row["stride"]) == 2  # median lean 7, median overstride 12
    kf = keyframes.key_frames(df)
    assert (kf.frame_ic, kf.frame_midstance, kf.leg) == (20, 23, "left")


def test_representative_stride_avoids_strides_with_missing_values():
    df = pd.DataFrame({"stride": range(3), "t_start_s": range(3), "leg": ["right"] * 3,
                       "trunk_lean_deg": [7.0, 7.0, 9.0],
                       "overstride_pct_leg": [np.nan, 12.0, 13.0]})
    assert int(keyframes.representative_stride(df)["stride"]) == 1


def test_representative_stride_needs_rows():
    with pytest.raises(ValueError):
        keyframes.representative_stride(pd.DataFrame({"trunk_lean_deg": []}))


# ------------------------------------------------------------------ annotation
def test_trunk_angle_matches_the_built_lean(track):
    ctx = annotate.FrameContext(facing=1)
    assert annotate.trunk_angle_deg(track.image_xy_px[0], ctx) == pytest.approx(10.0, abs=1e-6)
    # Mirrored clip, runner facing left: same lean.
    m = track.mirrored()
    assert annotate.trunk_angle_deg(m.image_xy_px[0], annotate.FrameContext(facing=-1)) == (
        pytest.approx(10.0, abs=1e-6))


def test_camera_roll_is_undone_in_the_drawn_angle(track):
    # Rotate the image points by +5 deg clockwise about the hips: the roll-aware angle is kept.
    xy = track.image_xy_px[0].copy()
    hip = (xy[LM.LEFT_HIP] + xy[LM.RIGHT_HIP]) / 2
    r = np.deg2rad(5.0)
    rot = np.array([[np.cos(r), -np.sin(r)], [np.sin(r), np.cos(r)]])  # clockwise in y-down
    xy_rot = (xy - hip) @ rot.T + hip
    ang = annotate.trunk_angle_deg(xy_rot, annotate.FrameContext(facing=1, roll_deg=5.0))
    assert ang == pytest.approx(10.0, abs=1e-6)
    assert annotate.trunk_angle_deg(xy_rot, annotate.FrameContext(facing=1)) == (
        pytest.approx(15.0, abs=1e-6))


def test_back_outline_is_on_the_side_behind_the_runner():
    track = make_track(n_frames=3, lean_deg=0.0)
    xy, edges = track.image_xy_px[0], track.trunk_edges_px[0]
    hip_x = (xy[LM.LEFT_HIP, 0] + xy[LM.RIGHT_HIP, 0]) / 2
    pts = annotate.back_outline_px(xy, edges, annotate.FrameContext(facing=1))
    k0 = int(np.argmin(np.abs(annotate.TRUNK_PROFILE_S)))  # station s = 0 (hip level)
    assert pts[k0, 0] == pytest.approx(hip_x - edges[k0, 1])
    m = track.mirrored()
    pts_m = annotate.back_outline_px(m.image_xy_px[0], m.trunk_edges_px[0],
                                     annotate.FrameContext(facing=-1))
    assert pts_m[k0, 0] == pytest.approx(track.frame_size_px[0] - pts[k0, 0])


def test_annotate_frame_draws_overlays_in_their_colours(track):
    img = blank_frame()
    out = annotate.annotate_frame(img, track, 10, annotate.FrameContext(facing=1), phase="ic",
                                  leg="left", overstride_pct_leg=12.0, caption="Early")
    assert out.shape == img.shape and (img == 60).all()  # input untouched
    for colour in (annotate.TRUNK, annotate.BACK, annotate.SHANK):
        assert (out == np.array(colour, np.uint8)).all(axis=2).sum() > 20, colour


def test_annotate_frame_without_runner_says_so(track):
    empty = replace(track, image_xy_px=np.full_like(track.image_xy_px, np.nan))
    out = annotate.annotate_frame(blank_frame(), empty, 0, annotate.FrameContext())
    assert (out != 60).any()


def test_context_from_view():
    ctx = annotate.context_from_view(ViewEstimate("side", "left", 0.9, camera_roll_deg=2.0))
    assert (ctx.facing, ctx.roll_deg, ctx.side_view) == (-1, 2.0, True)
    assert not annotate.context_from_view(ViewEstimate("rear", "away", 0.9)).side_view


# ------------------------------------------------------------------ plots
def test_bands_from_reference_csv_keep_open_edges():
    bands = plots.load_bands()
    assert bands["trunk_lean_deg"].good == (0.0, 10.0)
    assert bands["overstride_pct_leg"].good == (-np.inf, 25.0)
    assert "lumbar_arch_pct" not in bands  # experimental: change only, no band


def test_metric_figure_draws_strides_windows_and_band(analysis):
    w = (plots.Window("early", 0, 3, plots.EARLY_COLOUR),
         plots.Window("late", 6, 10, plots.LATE_COLOUR))
    fig = plots.metric_figure([plots.Series("clip", analysis.strides)], "trunk_lean_deg",
                              windows=w, band=plots.Band((0, 10), (-3, 15)))
    ax = fig.axes[0]
    line = ax.lines[0]
    assert np.allclose(line.get_ydata(), analysis.strides["trunk_lean_deg"])
    assert len(ax.patches) >= 4  # two windows, good band, watch band
    assert len(ax.collections) == 2  # window medians
    assert plots.figure_png(fig)[:4] == b"\x89PNG"


def test_summary_table_figure_has_every_cell():
    t = pd.DataFrame({"Metric": ["Lean", "Arch"], "Change": ["+3.1", "+0.2"]})
    fig = plots.summary_table_figure(t, title="Summary")
    texts = [c.get_text().get_text() for c in fig.axes[0].tables[0].get_celld().values()]
    assert {"Lean", "Arch", "+3.1", "Change"} <= set(texts)


# ------------------------------------------------------------------ exports
def test_strides_csv_round_trips(analysis):
    data = export.strides_csv(analysis, clip_name="run.mp4")
    back = pd.read_csv(__import__("io").BytesIO(data))
    assert list(back.columns[:3]) == ["clip", "stride", "leg"]
    assert len(back) == analysis.n_strides
    assert np.allclose(back["trunk_lean_deg"], analysis.strides["trunk_lean_deg"], rtol=1e-3)


def test_analysis_json_is_strict_json_and_reloads(analysis):
    a = replace(analysis, summary={"cadence_spm": float("nan"), "trunk_lean_deg": 9.5})
    text = export.analysis_json({"run.mp4": a}, meta={"runner": "Ana"})
    doc = json.loads(text)  # allow_nan=False made sure there is no NaN token
    assert doc["meta"]["runner"] == "Ana"
    back = ClipAnalysis.from_dict(doc["clips"]["run.mp4"])
    assert back.view == a.view and back.n_strides == a.n_strides
    assert np.isnan(back.summary["cadence_spm"])
    assert back.strides["frame_start"].dtype.kind == "i"
    assert np.allclose(back.strides["trunk_lean_deg"], a.strides["trunk_lean_deg"])


# ------------------------------------------------------------------ PDF
def test_pdf_report_holds_the_content(analysis):
    content = pdf.ReportContent(
        runner="Ana Žák", session_date=__import__("datetime").date(2026, 11, 21),
        clips=["run.mp4 - side view, 10 s, 30 fps, 27 strides"],
        key_frames=[("Early - landing", blank_frame()), ("Late - landing", blank_frame())],
        plots_png=[plots.figure_png(plots.metric_figure(
            [plots.Series("clip", analysis.strides)], "trunk_lean_deg"))],
        summary=pd.DataFrame({"Metric": ["Lean"], "Change": ["+3.1 deg"]}),
        findings=[pdf.FindingText("Trunk lean grew by 3 deg", "Late in the run you lean "
                                  "further forward \u2013 more load.", "Run tall.")],
        warnings=["Contact time needs 100 fps."], care_note="Not a diagnosis.")
    data = pdf.build_pdf(content)
    assert len(data) > 5000
    text = pdf_text(data)
    for shown in ("Runner: Ana ?ák", "Date: 2026-11-21", "Clip: run.mp4 - side view, 10 s",
                  "Findings (most relevant first)", "1. Trunk lean grew by 3 deg",
                  "lean further forward - more load.", "Run tall.",
                  "How far to trust these numbers", "- Contact time needs 100 fps.",
                  "Summary", "Lean", "+3.1 deg", "Key frames", "Early - landing",
                  "Late - landing", "Per stride over the run", "Please note",
                  "Not a diagnosis."):
        assert shown in text, shown
    assert not PLACEHOLDERS.search(text)
    assert pdf.latin1("a \u2013 b \u2265 c") == "a - b >= c"


def _frontal_xy(trunk_deg: float, tilt_deg: float) -> np.ndarray:
    """Rear view (image +x = runner's right): trunk leaning right, left hip lower by tilt."""
    xy = np.full((33, 2), np.nan)
    mid = np.array([320.0, 300.0])
    t = np.deg2rad(tilt_deg)
    xy[LM.RIGHT_HIP] = mid + 40 * np.array([np.cos(t), -np.sin(t)])
    xy[LM.LEFT_HIP] = mid - 40 * np.array([np.cos(t), -np.sin(t)])
    a = np.deg2rad(trunk_deg)
    sh = mid + 120 * np.array([np.sin(a), -np.cos(a)])
    xy[LM.LEFT_SHOULDER] = sh - np.array([50.0, 0.0])
    xy[LM.RIGHT_SHOULDER] = sh + np.array([50.0, 0.0])
    return xy


def test_frontal_angles_rear_and_front_agree():
    xy = _frontal_xy(4.0, 3.0)
    rear = annotate.FrameContext(facing=0, side_view=False, lat_sign=1)
    assert annotate.lateral_angles_deg(xy, rear) == pytest.approx((4.0, 3.0))
    # The same runner filmed from the front appears mirrored with left/right swapped.
    front_xy = xy.copy()
    front_xy[:, 0] = 640 - front_xy[:, 0]
    front = annotate.FrameContext(facing=0, side_view=False, lat_sign=-1)
    assert annotate.lateral_angles_deg(front_xy, front) == pytest.approx((4.0, 3.0))
    ctx = annotate.context_from_view(ViewEstimate("front", "toward", 0.9))
    assert (ctx.side_view, ctx.lat_sign) == (False, -1)


def test_frontal_overlay_drawn_on_rear_views(track):
    img = annotate.draw_frontal(blank_frame(), _frontal_xy(4.0, 3.0),
                                annotate.FrameContext(side_view=False))
    assert (img == np.array(annotate.SHANK, np.uint8)).all(axis=2).sum() > 50  # hip line


def test_history_figure_one_dot_per_clip():
    df = pd.DataFrame({"session_date": ["2026-11-07", "2026-11-07", "2026-11-21"],
                       "role": ["fresh", "fatigued", "single"],
                       "trunk_lean_deg": [5.0, 9.0, 7.0], "lateral_sway_pct_hip": [np.nan] * 3})
    fig = plots.history_figure(df, ["trunk_lean_deg", "lateral_sway_pct_hip"])
    ax = fig.axes[0]
    ys = sorted(float(y) for line in ax.lines for y in line.get_ydata())
    assert ys == [5.0, 7.0, 9.0]
    assert not fig.axes[1].get_visible()  # no sway measured: no empty panel


def test_a_label_wider_than_a_narrow_frame_is_drawn_whole():
    from posture.report.annotate import _label

    img = np.zeros((300, 120, 3), np.uint8)
    _label(img, "Late - landing (stride 73, left leg)", np.array([10, 30]), (255, 255, 255), 1.0)
    text = np.flatnonzero((img[..., 0] > 100).any(axis=0))  # columns with letters
    box = np.flatnonzero((img[..., 0] == 20).any(axis=0))  # the dark box behind them
    assert text.size and box.size
    assert box.min() > 0 and box.max() < 119  # the whole box, so every letter, fits
    assert text.max() - text.min() > 80  # shrunk to fit, not to a dot


def test_history_date_axis_spans_the_data():
    import matplotlib.dates as mdates

    same_day = pd.DataFrame({"session_date": ["2026-11-30"] * 2, "role": ["single"] * 2,
                             "trunk_lean_deg": [5.0, 6.0]})
    lo, hi = plots.history_figure(same_day, ["trunk_lean_deg"]).axes[0].get_xlim()
    assert hi - lo <= 7  # days, not the years matplotlib's default gives one date
    weeks = pd.DataFrame({"session_date": ["2026-09-01", "2026-11-30"], "role": ["single"] * 2,
                          "trunk_lean_deg": [5.0, 6.0]})
    lo, hi = plots.history_figure(weeks, ["trunk_lean_deg"]).axes[0].get_xlim()
    span = mdates.date2num(pd.Timestamp("2026-11-30")) - mdates.date2num(
        pd.Timestamp("2026-09-01"))
    assert span < hi - lo <= 1.25 * span


def test_side_by_side_keeps_each_picture_whole():
    from posture.report.keyframes import side_by_side

    a, b = np.full((40, 30, 3), 10, np.uint8), np.full((50, 20, 3), 200, np.uint8)
    out = side_by_side([a, b], gap_px=4)
    assert out.shape == (50, 54, 3)
    assert (out[:40, :30] == 10).all() and (out[40:, :30] == 255).all()  # padded below
    assert (out[:, 30:34] == 255).all() and (out[:, 34:] == 200).all()
