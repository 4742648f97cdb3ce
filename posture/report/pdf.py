"""A PDF report a physical therapist can file: runner, date, clips, key frames, plots,
summary table, findings, quality warnings and the care note (fpdf2, A4 portrait).

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


def _key_frames(pdf: FPDF, frames: list[tuple[str, np.ndarray]]) -> None:
    col_w = (pdf.epw - 4) / 2
    for k in range(0, len(frames), 2):
        pair = frames[k:k + 2]
        h_mm = max(col_w * img.shape[0] / img.shape[1] for _, img in pair)
        if pdf.get_y() + h_mm + 8 > pdf.page_break_trigger:
            pdf.add_page()
        y = pdf.get_y()
        for j, (caption, img) in enumerate(pair):
            x = pdf.l_margin + j * (col_w + 4)
            pdf.set_xy(x, y)
            pdf.set_font("Helvetica", "B", 8.5)
            pdf.cell(col_w, 4.5, latin1(caption))
            pdf.image(_png(img), x=x, y=y + 5, w=col_w)
        pdf.set_xy(pdf.l_margin, y + 6 + h_mm)


def _table(pdf: FPDF, table: pd.DataFrame) -> None:
    pdf.set_font("Helvetica", "", 8)
    widths = [3.2 if c == "Metric" else 1.6 if c in ("95% CI", "Verdict") else 1.0
              for c in table.columns]
    with pdf.table(text_align="LEFT", line_height=4.2, first_row_as_headings=True,
                   col_widths=widths) as t:
        t.row([latin1(c) for c in table.columns])
        for rec in table.astype(str).itertuples(index=False):
            t.row([latin1(v) for v in rec])


def _findings(pdf: FPDF, findings: list[FindingText]) -> None:
    for k, f in enumerate(findings, 1):
        tag = " (experimental)" if f.experimental and "experimental" not in f.title else ""
        _para(pdf, f"{k}. {f.title}{tag}", style="B", size=10)
        _para(pdf, f.body)
        if f.action:
            _para(pdf, f"What to do: {f.action}", style="I")
        pdf.ln(1.5)


def build_pdf(content: ReportContent) -> bytes:
    """The report as PDF bytes."""
    pdf = _Report(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_title(latin1(f"Running posture report - {content.runner}"))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 9, "Running posture report", new_x="LMARGIN", new_y="NEXT")
    _para(pdf, f"Runner: {content.runner or 'not named'}    Date: "
               f"{content.session_date.isoformat()}    Comparison: {content.comparison_title}")
    for line in content.clips:
        _para(pdf, f"Clip: {line}", size=8.5)
    if content.findings or content.no_findings:
        _heading(pdf, "Findings (most relevant first)")
        _findings(pdf, content.findings)
        if not content.findings:
            _para(pdf, content.no_findings)
    if content.to_check:
        _heading(pdf, f"{content.to_check_title} (not sure enough to advise on)")
        for f in content.to_check:
            _para(pdf, f"- {f.title}", style="B", size=9)
            _para(pdf, f.body, size=8.5)
            pdf.ln(1)
    if content.warnings:
        _heading(pdf, "How far to trust these numbers")
        for w in content.warnings:
            _para(pdf, f"- {w}", size=8.5)
    if content.summary is not None and len(content.summary):
        _heading(pdf, "Summary")
        _table(pdf, content.summary)
    if content.key_frames:
        first_row = max(img.shape[0] / img.shape[1] for _, img in content.key_frames[:2])
        _heading(pdf, "Key frames (most representative stride of each part)",
                 keep_mm=(pdf.epw - 4) / 2 * first_row + 8)  # never a heading alone
        _key_frames(pdf, content.key_frames)
    for k, png in enumerate(content.plots_png):
        h_mm = pdf.epw * _png_aspect(png)
        if k == 0:
            _heading(pdf, "Per stride over the run", keep_mm=h_mm)
        elif pdf.get_y() + h_mm > pdf.page_break_trigger:
            pdf.add_page()
        pdf.image(io.BytesIO(png), w=pdf.epw)
    if content.care_note:
        _heading(pdf, "Please note")
        _para(pdf, content.care_note, size=8.5)
    return bytes(pdf.output())
