"""One name per metric: the registry's label is what tables show and, without its bracketed
qualifier, what the findings and live cues say (the advice file holds no second name)."""

from __future__ import annotations

import json
import re
from importlib import resources

from posture.findings.rules import metric_advice
from posture.metrics.registry import METRICS


def test_the_advice_file_names_no_metric() -> None:
    advice = json.loads(resources.files("posture.data").joinpath("advice.json").read_text())
    assert all(set(entry) == {"family"} for entry in advice["metrics"].values())


def test_sentences_use_the_table_name() -> None:
    for column, spec in METRICS.items():
        name, _ = metric_advice(column)
        assert name == spec.name
        assert spec.label.lower().startswith(name.lower())
    assert METRICS["trunk_lean_deg"].name == "forward trunk lean"
    assert METRICS["pelvic_drop_deg"].name == "pelvic drop"


def test_each_quantity_has_its_own_name() -> None:
    """Two metrics share a name only when they are one quantity in two units."""
    by_name: dict[str, set[str]] = {}
    for spec in METRICS.values():
        quantity = re.sub(r"_(deg|pct_leg|pct_hip|pct|cm|spm|ms)$", "", spec.column)
        by_name.setdefault(spec.name, set()).add(quantity)
    assert {n: q for n, q in by_name.items() if len(q) > 1} == {}
