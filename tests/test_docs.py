"""docs/metrics.md documents every side and timing metric of the registry; conventions.md
points at tests that exist."""

from __future__ import annotations

import re

import pytest

from posture.metrics.registry import METRICS
from posture.metrics.side import SIDE_METRICS
from tests.support.paths import ROOT

METRICS_MD = ROOT / "docs" / "metrics.md"
CONVENTIONS_MD = ROOT / "docs" / "conventions.md"
FIELDS = ("Formula", "Unit", "Sign", "Normal range", "Source", "Noise", "Limits")
SIDE_AND_TIMING = [c for c, s in METRICS.items() if s.plane in ("sagittal", "timing")]


def _sections(text: str) -> dict[str, str]:
    """Heading line -> body, for every ``###`` heading."""
    parts = re.split(r"^### (.+)$", text, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


@pytest.mark.parametrize("column", SIDE_AND_TIMING)
def test_metric_documented_with_every_field(column: str) -> None:
    sections = _sections(METRICS_MD.read_text())
    owners = [h for h in sections if f"`{column}`" in h]
    assert owners, f"{column} has no section in docs/metrics.md"
    body = sections[owners[0]]
    for field in FIELDS:
        line = re.search(rf"^\* \*\*{field}:\*\* (.+)$", body, flags=re.M)
        assert line and len(line.group(1).strip()) > 3, f"{column}: no {field}"


def test_side_metrics_are_registered_and_documented() -> None:
    assert set(SIDE_METRICS) <= set(METRICS)
    assert set(SIDE_METRICS) == set(SIDE_AND_TIMING)


FRONTAL = [c for c, s in METRICS.items() if s.plane == "frontal"]
FRONTAL_PARTS = ("### Coordinates and signs", "### Normal ranges and what is known",
                 "### Expected noise", "### Limits")


@pytest.mark.parametrize("column", FRONTAL)
def test_frontal_metric_documented(column: str) -> None:
    text = METRICS_MD.read_text()
    section = text[text.index("## Rear and front views"):]
    # each frontal metric has a row (unit, formula, sign) in the metrics table
    row = re.search(rf"^\| `{column}` \|(.+)$", section, flags=re.M)
    assert row and row.group(1).count("|") >= 3, f"{column}: no formula row"
    for part in FRONTAL_PARTS:
        assert part in section, f"rear/front section lacks {part}"


def test_docs_reference_existing_tests() -> None:
    """Every test file (and test) a document names exists, in its folder: the tests mirror
    the package, so a moved module's tests move and the documents follow."""
    docs = [ROOT / "README.md", ROOT / "benchmarks" / "README.md",
            *sorted((ROOT / "docs").glob("*.md"))]
    refs = [(doc.name, *ref) for doc in docs for ref in re.findall(
        r"(tests/(?:\w+/)?test_\w+\.py)(?:::\s*(\w+))?", doc.read_text())]
    assert any(doc == CONVENTIONS_MD.name for doc, *_ in refs)
    for doc, path, name in refs:
        assert (ROOT / path).is_file(), f"{doc}: {path} missing"
        if name:
            assert f"def {name}(" in (ROOT / path).read_text(), f"{doc}: {path}::{name} missing"


def test_conventions_state_the_pinned_numbers() -> None:
    text = CONVENTIONS_MD.read_text()
    for fact in ("y down", "(sin roll, -cos roll)", "r < 0.6", "0.45 s", "1.1 s",
                 "100 frames per second", "x_fwd = facing * x", "0.491"):
        assert fact in text, fact


def test_readme_and_app_ask_for_the_same_clip_length() -> None:
    """The filming minimum is stated from the one constant the early-versus-late rule uses."""
    from posture.wording import MIN_CLIP_S

    readme = (ROOT / "README.md").read_text()
    assert f"**At least {MIN_CLIP_S:.0f} seconds** of steady running per clip" in readme
    findings_md = (ROOT / "docs" / "findings.md").read_text()
    assert f"at least **{MIN_CLIP_S:.0f} s**" in findings_md
    for path in (ROOT / "app").glob("*.py"):  # the app writes it from the constant too
        assert not re.search(r"\b(?:10|15|20) s(?:econds)? of (?:steady )?running",
                             path.read_text()), path
