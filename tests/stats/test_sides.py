"""Left against right per two-sided measure (rear and front clips only)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from posture.results import ClipAnalysis, ViewEstimate
from posture.stats.sides import left_right, left_right_table

REAR = ViewEstimate("rear", "away", 0.9, roll_source="floor")
SIDE = ViewEstimate("side", "right", 0.9, near_side="left", roll_source="floor")


def clip(view: ViewEstimate, drop_left: list[float], drop_right: list[float]) -> ClipAnalysis:
    legs = ["left"] * len(drop_left) + ["right"] * len(drop_right)
    df = pd.DataFrame({"stride": np.arange(len(legs)), "leg": legs,
                       "pelvic_drop_deg": drop_left + drop_right,
                       "step_width_pct_hip": [30.0] * len(legs)})
    return ClipAnalysis(view=view, strides=df, summary={})


def test_medians_per_leg_and_difference() -> None:
    a = clip(REAR, [1.0, 2.0, 9.0, np.nan], [4.0, 5.0, 6.0])
    left, right, n_l, n_r = left_right(a, "pelvic_drop_deg")
    assert (left, right, n_l, n_r) == (2.0, 5.0, 3, 3)  # NaN strides not counted
    t = left_right_table(a).set_index("Metric")
    row = t.loc[t.index.str.startswith("Pelvic drop")].iloc[0]
    assert (row["Left"], row["Right"], row["Right - left"]) == ("2.0", "5.0", "+3.0")
    assert row["Symmetry index"] == "+86 %"  # 100 * 3 / 3.5
    assert row["Strides (L / R)"] == "3 / 3"
    width = t.loc["Step width"]
    assert width["Right - left"] == "+0.0" and width["Symmetry index"] == "0 %"


def test_a_leg_with_too_few_strides_and_the_side_view_give_no_row() -> None:
    few = clip(REAR, [1.0, 2.0], [4.0, 5.0, 6.0])
    assert not left_right_table(few)["Metric"].str.startswith("Pelvic drop").any()
    assert left_right_table(clip(SIDE, [1.0, 2.0, 3.0], [4.0, 5.0, 6.0])).empty

