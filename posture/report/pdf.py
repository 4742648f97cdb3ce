"""A PDF report a physical therapist can file (fpdf2, A4 portrait).

Page 1 is the clinical one-pager: the patient's fields, the key answer, the findings kept
for the report with what to do, the clinician's notes and the care note. The evidence pages
follow: clips, key frames (labels drawn whole), the summary table with usual ranges, left
against right, the per-stride plots, where to look in the clip and how far to trust it.

The report is built from plain content (:class:`ReportContent`) so it can be produced from a
fresh analysis or from a session reopened from the history.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
from fpdf import FPDF

# The PDF core fonts are Latin-1 only; map the few non-Latin-1 characters our texts use.
_ASCII_MAP = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'",
                            "\u201c": '"', "\u201d": '"', "\u2026": "...", "\u2212": "-",
                            "\u2248": "~", "\u2265": ">=", "\u2264": "<=", "\u00b1": "+/-",
                            "\u2192": "->", "\u2022": "-", "\u00a0": " ",
                            # summary cues: the words after them carry the meaning
                            "\u2713": "", "\u25b2": "", "\u25bc": "", "\u25c6": ""})


def latin1(text: str) -> str:
    """Text safe for the PDF core fonts (unknown characters become '?')."""
    return str(text).translate(_ASCII_MAP).encode("latin-1", "replace").decode("latin-1")


@dataclass(frozen=True)
class FindingText:
    """One finding as the report shows it."""

    title: str
    body: str
    action: str = ""
    severity: str = "info"
    experimental: bool = False
    headline: str = ""
    """The numbers in one line ("6.2° → 9.0° (+2.8°)")."""
    actions: list[str] = field(default_factory=list)
    """What to do, one item each (``action`` joined, when empty)."""
    confidence: str = ""
    """"high confidence: ..." in a few words."""
    where: str = ""
    """Where to look in the clip (strides, frames), for the evidence pages."""


@dataclass
class ReportContent:
    runner: str
    session_date: date
    clips: list[str]
    """One line per clip: name, view, duration, frame rate, strides."""
    comparison_title: str = "Early versus late"
    key_frames: list[tuple[str, np.ndarray]] = field(default_factory=list)
    """(caption, RGB image) pairs, shown two per row (A left, B right)."""
    plots_png: list[bytes] = field(default_factory=list)
    summary: pd.DataFrame | None = None
    findings: list[FindingText] = field(default_factory=list)
    to_check: list[FindingText] = field(default_factory=list)
    """Findings without advice (low confidence), listed after the findings."""
    to_check_title: str = "To check"
    no_findings: str = ""
    """Said under "Findings" when there is none to show."""
    warnings: list[str] = field(default_factory=list)
    care_note: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    """(label, value) the clinic records: patient ID, pain, treadmill speed, shoes."""
    key_answer: str = ""
    """The session's answer in one or two sentences, first on the page."""
    notes: str = ""
    """The clinician's notes."""
    left_right: pd.DataFrame | None = None
    """Left against right per two-sided measure (rear/front clips)."""


class _Report(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "I", 8)
        self.set_text_color(120)
        self.cell(0, 8, latin1(f"Stride posture report - page {self.page_no()}"), align="C")


def _png_aspect(png: bytes) -> float:
    """Height / width of a PNG from its header."""
    w, h = struct.unpack(">II", png[16:24])
    return h / w


def _png(image: np.ndarray) -> io.BytesIO:
    import cv2

    ok, buf = cv2.imencode(".png", np.ascontiguousarray(image[..., ::-1]))
    if not ok:
        raise ValueError("could not encode a key frame as PNG")
    return io.BytesIO(buf.tobytes())


def _heading(pdf: FPDF, text: str, *, keep_mm: float = 25.0) -> None:
    """Section heading; starts a new page when less than ``keep_mm`` would follow it."""
    if pdf.get_y() + 9 + keep_mm > pdf.page_break_trigger:
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 12)
    pdf.set_text_color(20)
    pdf.cell(0, 7, latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9.5)


def _para(pdf: FPDF, text: str, *, style: str = "", size: float = 9.5) -> None:
    pdf.set_font("Helvetica", style, size)
    pdf.multi_cell(0, 4.6, latin1(text), new_x="LMARGIN", new_y="NEXT")


KEY_FRAME_ROW_MM = 80.0
"""Tallest row of key frames: portrait frames go four to a row instead of two, so a page
is not half blank."""


def _per_row(img: np.ndarray) -> int:
    """Frames per row: 4 portrait frames, else 2."""
    return 4 if img.shape[0] > img.shape[1] else 2


def _rows(frames: list[tuple[str, np.ndarray]]) -> list[list[tuple[str, np.ndarray]]]:
    """Frames in rows; a row holds frames of one orientation (a view pair mixes them)."""
    rows: list[list[tuple[str, np.ndarray]]] = []
    for frame in frames:
        n = _per_row(frame[1])
        if rows and len(rows[-1]) < n and _per_row(rows[-1][0][1]) == n:
            rows[-1].append(frame)
        else:
            rows.append([frame])
    return rows


def _col_w(pdf: FPDF, per_row: int) -> float:
    return (pdf.epw - 4 * (per_row - 1)) / per_row


def _row_height_mm(pdf: FPDF, row: list[tuple[str, np.ndarray]]) -> float:
    col_w = _col_w(pdf, _per_row(row[0][1]))
    return min(KEY_FRAME_ROW_MM, max(col_w * img.shape[0] / img.shape[1] for _, img in row))


def _key_frames(pdf: FPDF, frames: list[tuple[str, np.ndarray]]) -> None:
    for row in _rows(frames):
        col_w = _col_w(pdf, _per_row(row[0][1]))
        h_mm = _row_height_mm(pdf, row)
        pdf.set_font("Helvetica", "B", 7.5)
        cap_h = max(len(pdf.multi_cell(col_w, 3.6, latin1(c), dry_run=True, output="LINES"))
                    for c, _ in row) * 3.6
        if pdf.get_y() + cap_h + h_mm + 4 > pdf.page_break_trigger:
            pdf.add_page()
        y = pdf.get_y()
        for j, (caption, img) in enumerate(row):
            x = pdf.l_margin + j * (col_w + 4)
            pdf.set_xy(x, y)
            pdf.multi_cell(col_w, 3.6, latin1(caption))  # wrapped, never cut
            w_mm = min(col_w, h_mm * img.shape[1] / img.shape[0])
            pdf.image(_png(img), x=x, y=y + cap_h + 1, w=w_mm)
        pdf.set_xy(pdf.l_margin, y + cap_h + h_mm + 4)


def _table(pdf: FPDF, table: pd.DataFrame, *, wide: tuple[str, ...] = ("Metric",)) -> None:
    pdf.set_font("Helvetica", "", 7.5)
    widths = [3.0 if c in wide else 1.6 if c in ("95% CI", "Verdict", "Usual range")
              or c.endswith("vs range") else 1.0 for c in table.columns]
    with pdf.table(text_align="LEFT", line_height=3.9, first_row_as_headings=True,
                   col_widths=widths) as t:
        t.row([latin1(c) for c in table.columns])
        for rec in table.astype(str).itertuples(index=False):
            t.row([latin1(v).strip() for v in rec])


def _facts(pdf: FPDF, facts: list[tuple[str, str]]) -> None:
    """Label: value pairs, two to a line."""
    col_w = pdf.epw / 2
    for k in range(0, len(facts), 2):
        for label, value in facts[k:k + 2]:
            pdf.set_font("Helvetica", "B", 9.5)
            label_w = pdf.get_string_width(latin1(f"{label}: ")) + 1
            pdf.cell(label_w, 5.2, latin1(f"{label}: "))
            pdf.set_font("Helvetica", "", 9.5)
            pdf.cell(col_w - label_w, 5.2, latin1(value))
        pdf.ln(5.2)


def _findings(pdf: FPDF, findings: list[FindingText]) -> None:
    for k, f in enumerate(findings, 1):
        tag = " (experimental)" if f.experimental and "experimental" not in f.title else ""
        if pdf.get_y() + 22 > pdf.page_break_trigger:
            pdf.add_page()  # a finding's title never ends a page alone
        _para(pdf, f"{k}. {f.title}{tag}", style="B", size=10)
        if f.headline:
            _para(pdf, f.headline, style="B", size=9.5)
        _para(pdf, f.body)
        actions = f.actions or ([f.action] if f.action else [])
        if actions:
            _para(pdf, "What to do:", style="I")
            for a in actions:
                pdf.set_x(pdf.l_margin + 4)
                pdf.multi_cell(pdf.epw - 4, 4.4, latin1(f"- {a}"), new_x="LMARGIN",
                               new_y="NEXT")
        if f.confidence:
            _para(pdf, f.confidence, size=8)
        pdf.ln(1.5)


def _one_pager(pdf: FPDF, content: ReportContent) -> None:
    """Page 1: who and when, the key answer, the findings with what to do, the notes."""
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 9, "Running posture report", new_x="LMARGIN", new_y="NEXT")
    _facts(pdf, [("Runner", content.runner or "not named"),
                 ("Date", content.session_date.isoformat()), *content.facts,
                 ("Comparison", content.comparison_title)])
    if content.key_answer:
        _heading(pdf, "Key answer", keep_mm=10)
        _para(pdf, content.key_answer, style="B", size=10)
    if content.findings or content.no_findings:
        _heading(pdf, "Findings (most relevant first)")
        _findings(pdf, content.findings)
        if not content.findings:
            _para(pdf, content.no_findings)
    if content.notes:
        _heading(pdf, "Clinician's notes", keep_mm=10)
        _para(pdf, content.notes)
    if content.care_note:
        _heading(pdf, "Please note", keep_mm=10)
        _para(pdf, content.care_note, size=8.5)


def _evidence(pdf: FPDF, content: ReportContent) -> None:
    """The pages after the one-pager: what the answer rests on."""
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, "Evidence", new_x="LMARGIN", new_y="NEXT")
    for line in content.clips:
        _para(pdf, f"Clip: {line}", size=8.5)
    if content.key_frames:
        first = _row_height_mm(pdf, _rows(content.key_frames)[0])
        _heading(pdf, "Key frames (most representative stride of each part)",
                 keep_mm=first + 12)  # never a heading alone
        _key_frames(pdf, content.key_frames)
    if content.summary is not None and len(content.summary):
        _heading(pdf, "Summary with usual ranges", keep_mm=30)
        _table(pdf, content.summary)
        _para(pdf, "Change = later minus earlier. Verdict and range are said in words "
                   "(worse, better, in range, above range), never by colour alone.", size=7.5)
    if content.left_right is not None and len(content.left_right):
        _heading(pdf, "Left against right (legs in stance)", keep_mm=20)
        _table(pdf, content.left_right)
    for k, png in enumerate(content.plots_png):
        h_mm = pdf.epw * _png_aspect(png)
        if k == 0:
            _heading(pdf, "Per stride over the run", keep_mm=min(h_mm, 120))
        elif pdf.get_y() + h_mm > pdf.page_break_trigger:
            pdf.add_page()
        if pdf.get_y() + h_mm > pdf.page_break_trigger:  # taller than what is left
            h_mm = pdf.page_break_trigger - pdf.get_y()
        pdf.image(io.BytesIO(png), h=h_mm, keep_aspect_ratio=True, w=pdf.epw)
    wheres = [(f.title, f.where) for f in content.findings if f.where]
    if wheres:
        _heading(pdf, "Where to look in the clip", keep_mm=12)
        for title, where in wheres:
            _para(pdf, f"- {title}: {where}", size=8.5)
    if content.to_check:
        _heading(pdf, f"{content.to_check_title} (not sure enough to advise on)")
        for f in content.to_check:
            _para(pdf, f"- {f.title}", style="B", size=9)
            _para(pdf, f.body, size=8.5)
            pdf.ln(1)
    if content.warnings:
        _heading(pdf, "How far to trust these numbers", keep_mm=12)
        for w in content.warnings:
            _para(pdf, f"- {w}", size=8.5)


def build_pdf(content: ReportContent) -> bytes:
    """The report as PDF bytes: the one-pager, then the evidence pages."""
    pdf = _Report(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_title(latin1(f"Running posture report - {content.runner}"))
    pdf.add_page()
    _one_pager(pdf, content)
    _evidence(pdf, content)
    return bytes(pdf.output())
