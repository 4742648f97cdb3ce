"""Usual-range words and cues (never colour alone) and the finding's headline first."""

from __future__ import annotations

import pytest

from posture.findings.rules import findings, level_cue, usual_range_text
from posture.stats.compare import compare_clips
from tests.findings.test_findings import lean_pair, make_clip


@pytest.mark.parametrize(("value", "cue"), [(5.0, "✓ in range"), (12.0, "▲ above range (watch)"),
                                            (20.0, "▲ above range"),
                                            (-2.0, "▼ below range (watch)"),
                                            (-8.0, "▼ below range")])
def test_level_cue_words_follow_the_reference_table(value: float, cue: str) -> None:
    # trunk lean: good 0-10 deg, watch -3 to 15 deg (posture/data/reference_ranges.csv)
    assert usual_range_text("trunk_lean_deg") == "0.0° to 10.0°"
    assert level_cue("trunk_lean_deg", value) == cue


def test_no_cue_where_the_level_is_not_judged() -> None:
    assert usual_range_text("lumbar_arch_pct") == ""  # experimental: change only
    assert level_cue("lumbar_arch_pct", 50.0) == ""
    assert usual_range_text("cadence_spm") == "" and level_cue("cadence_spm", 120) == ""


def test_card_leads_with_the_numbers_and_keeps_strides_for_later() -> None:
    fresh, tired = lean_pair()
    f = next(f for f in findings(compare_clips(fresh, tired)) if f.metric == "trunk_lean_deg")
    a, b = f.values["a_mean"], f.values["b_mean"]
    assert f.headline == f"{a:.1f}° → {b:.1f}° ({b - a:+.1f}°)"
    point, where = f.measured_parts()
    assert point.startswith("Your forward trunk lean went from") and "frame" not in point
    assert where.startswith("Fresh: strides") and "frames" in where
    assert "outside the usual range" in point  # a point, not a place to look


def test_level_finding_headline_names_the_usual_range() -> None:
    from posture.findings.rules import clip_findings

    f = clip_findings(make_clip({"trunk_lean_deg": (16.0, 0.5)}))[0]
    assert f.headline == f"{f.values['mean']:.1f}° on average; usual range 0.0° to 10.0°"
