"""A live cue in the findings' own words: the opening of the metric family's first cue
(``data/advice.json``, the text a finding gives as its action), then the change since the
start with the unit the findings use, e.g. "Run tall: forward trunk lean +4.2° since the start".
"""

from __future__ import annotations

import re

from posture.findings.rules import metric_advice, value_text


def short_cue(metric: str) -> str:
    """The opening of the family's first cue, up to its first ':', ';', ',' or '.'."""
    _, family = metric_advice(metric)
    first = family["cues"][0]
    return re.split(r"[:;,.]", first, maxsplit=1)[0].strip()


def cue_text(metric: str, change: float) -> str:
    """What the runner reads (and the timeline prints) when ``metric`` drifted by ``change``
    (unit of the metric's column) from their own baseline."""
    name, _ = metric_advice(metric)
    return f"{short_cue(metric)}: {name} {value_text(metric, change, sign=True)} since the start"
