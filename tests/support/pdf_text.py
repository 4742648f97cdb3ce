"""Read back the text of a PDF report (pypdf, a dev dependency) and check it against the
session it was written from."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from posture.report.pdf import latin1
from posture.session import Session, all_findings, clip_line, summary_table

#: What a filled-in report never shows: template fields, missing values, Python reprs.
PLACEHOLDERS = re.compile(r"\{\w*\}|\bnan\b|\bNone\b|\bNaT\b|<[a-z_.]+ object", re.IGNORECASE)


def pdf_text(data: bytes) -> str:
    """All text of the PDF, whitespace runs (line wraps) collapsed to one space."""
    assert data[:5] == b"%PDF-"
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def _flat(text: str) -> str:
    return " ".join(latin1(text).split())


def assert_pdf_holds_session(data: bytes, session: Session) -> str:
    """The report names the runner and each clip, carries every finding's title, every
    summary row's metric and change, and the care note, and shows no placeholder.
    Returns the text."""
    text = pdf_text(data)
    assert "Running posture report" in text
    assert _flat(f"Runner: {session.runner or 'not named'}") in text
    for c in session.clips:
        assert _flat(clip_line(c)) in text, c.name
    findings = all_findings(session)
    if findings:
        assert "Findings (most relevant first)" in text
    for k, f in enumerate(findings, 1):
        assert _flat(f"{k}. {f.title}") in text, f.title
    table = summary_table(session.comparison)
    if len(table):
        assert "Summary" in text
    for _, row in table.iterrows():
        assert _flat(row["Metric"]) in text, row["Metric"]
        assert _flat(str(row["Change"])) in text, (row["Metric"], row["Change"])
    assert _flat(session.findings.care_note) in text
    assert not PLACEHOLDERS.search(text), PLACEHOLDERS.search(text)
    return text
