"""The CLI's clip averages are the values the level findings judge (same strides, same
statistic), not the analysis summary's own statistic over every finite stride."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from posture import cli
from posture.findings.rules import clip_findings, value_text
from posture.metrics.registry import spec
from tests.support.report import make_analysis


def _printed(capsys, analysis) -> dict[str, str]:
    cli._print_summary(analysis)
    out = capsys.readouterr().out
    return {m.group(1): m.group(2) for m in re.finditer(r"^  (.+?): (.+?) \(median", out,
                                                         re.M)}


def test_clip_averages_read_the_findings_values(capsys) -> None:
    a = make_analysis(lean_drift_deg=0.0)
    s = a.strides.copy()
    # overstride well above its band; a third of the strides too unsure to be judged,
    # and those are the high ones: the plain mean over every stride would be higher
    s["overstride_pct_leg"] = 30.0 + np.arange(len(s)) % 3 * 10.0
    s["overstride_pct_leg_conf"] = np.where(np.arange(len(s)) % 3 == 2, 0.1, 0.9)
    a = replace(a, strides=s)
    a.summary["overstride_pct_leg"] = float(s["overstride_pct_leg"].mean())
    finding = next(f for f in clip_findings(a) if f.metric == "overstride_pct_leg")
    shown = _printed(capsys, a)[spec("overstride_pct_leg").label]
    assert shown == value_text("overstride_pct_leg", finding.values["mean"])
    assert shown != value_text("overstride_pct_leg", a.summary["overstride_pct_leg"])
    sure = s["overstride_pct_leg_conf"] > 0.5
    assert finding.values["mean"] == s.loc[sure, "overstride_pct_leg"].mean()  # no 50s


def test_cadence_is_the_per_stride_mean_the_findings_use(capsys) -> None:
    a = make_analysis()
    a.summary["cadence_spm"] = 150.0  # a clip-wide count that the findings do not judge
    per_stride = a.strides["cadence_spm"].mean()
    assert _printed(capsys, a)[spec("cadence_spm").label] == value_text("cadence_spm",
                                                                          per_stride)
