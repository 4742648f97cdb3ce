"""Regression pin: the bundled samples give the numbers the code gave when they were pinned.

``tests/data/sample_pin.json`` was computed by ``tests/sample_pin.py`` (see its docstring)
before the package was reorganised (issue 14): per-stride metrics, clip summaries, view and
camera-roll decisions, quality codes, comparison verdicts and finding codes of the four
bundled clips, analysed from their shipped pose tracks. A refactor must not move them; a
deliberate correction regenerates the file and says why in the commit.
"""

from __future__ import annotations

import json
import math

import pytest

from tests.sample_pin import PIN_PATH, pin

#: Numbers agree to this relative (or, near zero, absolute) difference: far below any
#: metric's resolution (0.01 deg, 0.01 %), above floating-point reordering.
REL_TOL = 1e-4
ABS_TOL = 1e-4


def _diffs(want: object, got: object, where: str = "") -> list[str]:
    if isinstance(want, dict) and isinstance(got, dict):
        out = [f"{where}/{k}: missing" for k in want.keys() - got.keys()]
        out += [f"{where}/{k}: unexpected" for k in got.keys() - want.keys()]
        for k in want.keys() & got.keys():
            out += _diffs(want[k], got[k], f"{where}/{k}")
        return out
    if isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            return [f"{where}: {len(got)} items, pinned {len(want)}"]
        return [d for k, (a, b) in enumerate(zip(want, got, strict=True))
                for d in _diffs(a, b, f"{where}[{k}]")]
    numbers = (int, float)
    if isinstance(want, numbers) and isinstance(got, numbers) \
            and not isinstance(want, bool) and not isinstance(got, bool):
        if math.isclose(want, got, rel_tol=REL_TOL, abs_tol=ABS_TOL):
            return []
        return [f"{where}: {got!r}, pinned {want!r}"]
    return [] if want == got else [f"{where}: {got!r}, pinned {want!r}"]


@pytest.fixture(scope="module")
def current() -> dict:
    # through JSON, so NaN/None and int/float compare as they were written
    return json.loads(json.dumps(pin()))


def test_pin_covers_every_clip_and_session() -> None:
    pinned = json.loads(PIN_PATH.read_text())
    assert set(pinned["clips"]) == {"fresh_side", "fatigued_side", "rear_sway",
                                    "long_fatigue_ramp"}
    assert {"fresh_vs_fatigued", "view_pair"} <= set(pinned["sessions"])
    # the pin is not empty: every clip kept strides and the pair judged something
    assert all(len(c["strides"]) >= 7 for c in pinned["clips"].values())
    verdicts = [v[0] for v in pinned["sessions"]["fresh_vs_fatigued"]["comparisons"]["main"]
                .values()]
    assert "changed" in verdicts


@pytest.mark.parametrize("part", ["clips", "pair_clips", "sessions"])
def test_samples_match_pin(current: dict, part: str) -> None:
    pinned = json.loads(PIN_PATH.read_text())
    diffs = _diffs(pinned[part], current[part], part)
    assert not diffs, f"{len(diffs)} pinned values moved:\n" + "\n".join(diffs[:30])


def test_diff_catches_a_moved_number() -> None:
    pinned = {"a": [1.0, "left", None], "b": {"c": 2.0}}
    assert not _diffs(pinned, {"a": [1.00001, "left", None], "b": {"c": 2.0}})
    assert _diffs(pinned, {"a": [1.01, "left", None], "b": {"c": 2.0}})
    assert _diffs(pinned, {"a": [1.0, "right", None], "b": {"c": 2.0}})
    assert _diffs(pinned, {"a": [1.0, "left", 3.0], "b": {"c": 2.0}})
    assert _diffs(pinned, {"a": [1.0, "left"], "b": {"c": 2.0}})
