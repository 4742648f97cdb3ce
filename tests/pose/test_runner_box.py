"""The runner box on a clip whose picture is turned upright automatically: it refers to the
picture as filmed (what ``posture people`` and the app's picker show)."""

from __future__ import annotations

import numpy as np
import pytest

from posture.errors import NoRunnerError


@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_a_box_moves_with_the_picture_when_it_is_turned(turn: int) -> None:
    """turn_box_px follows np.rot90, the turn iter_frames applies: what lies in the box on
    the picture as filmed lies in the turned box on the turned picture."""
    from posture.io.video import turn_box_px

    filmed = np.zeros((120, 200), np.uint8)
    box = (30, 10, 40, 70)  # x, y, w, h
    filmed[10:80, 30:70] = 1
    turned = np.rot90(filmed, turn // 90)
    x, y, w, h = (int(v) for v in turn_box_px(box, turn, (200, 120)))
    assert turned[y:y + h, x:x + w].all() and turned.sum() == w * h


def test_the_runner_box_refers_to_the_picture_as_filmed(tmp_path, monkeypatch) -> None:
    """On a clip read turned 90 deg (a body found lying on its side) the box drawn on the
    picture as filmed (``posture people``, the app's picker) is looked for in the turned
    picture the model reads, and the cache does not reuse readings made before."""
    from posture.pose import extract
    from posture.pose.model import ExtractionSettings
    from tests.support.videogen import regular_times, write_clip

    clip = write_clip(tmp_path / "c.mp4", regular_times(2.5, 30), width=160, height=120)
    seen: dict = {}

    def no_one(people, scores, width_px, *, box_px, box_t_s):
        seen["box"], seen["width"] = box_px, width_px
        return None

    monkeypatch.setattr(extract, "_scan_people", lambda *a, **k: [])
    monkeypatch.setattr(extract, "choose_runner", no_one)
    with pytest.raises(NoRunnerError):
        extract.extract_pose(clip, runner_box_px=(10, 20, 30, 40), turn_ccw_deg=90)
    # filmed 160 x 120; turned ccw the right edge is the top: x' = y, y' = 160 - x - w
    assert seen["box"] == (20, 120, 40, 30) and seen["width"] == 120
    with pytest.raises(NoRunnerError):
        extract.extract_pose(clip, runner_box_px=(10, 20, 30, 40))
    assert seen["box"] == (10, 20, 30, 40) and seen["width"] == 160
    keyed = ExtractionSettings(turn_ccw_deg=90, runner_box_px=(10, 20, 30, 40)).to_dict()
    assert keyed["runner_box_frame"] == "as filmed"
    assert "runner_box_frame" not in ExtractionSettings(runner_box_px=(1, 2, 3, 4)).to_dict()
    assert "runner_box_frame" not in ExtractionSettings(turn_ccw_deg=90).to_dict()
