"""Live pose is the offline model: same landmarks with or without the segmentation mask."""

from __future__ import annotations

import numpy as np

from posture.io.video import iter_frames
from posture.live.pose import LivePose, shrink
from posture.pose.model import WORKING_MAX_SIDE_PX, ExtractionSettings, new_pose, set_timestamp
from tests.support.paths import SAMPLES


def test_landmarks_do_not_depend_on_the_mask_and_match_the_offline_model():
    frames = [f for _, f in zip(range(30), iter_frames(
        SAMPLES / "fresh_side.mp4", max_side_px=WORKING_MAX_SIDE_PX, fast_scaling=True),
        strict=False)]
    offline = new_pose(ExtractionSettings())  # as pose/segment.py runs it (mask on)
    with LivePose() as live, LivePose(trunk_outline=True) as live_mask:
        for f in frames:
            set_timestamp(offline, f.t_s)
            res = offline.process(f.image_rgb)
            h, w = f.image_rgb.shape[:2]
            want = np.array([(p.x, p.y) for p in res.pose_landmarks.landmark]) * (w, h)
            a = live.process(f.image_rgb, f.t_s)
            b = live_mask.process(f.image_rgb, f.t_s)
            np.testing.assert_allclose(a.image_xy_px, want, atol=1e-6)
            np.testing.assert_allclose(b.image_xy_px, want, atol=1e-6)
            assert np.isnan(a.edges()).all()  # no mask, no outline
            assert np.isfinite(b.edges()).any()
    offline.close()


def test_shrink_keeps_small_frames_and_even_sizes():
    small = np.zeros((360, 640, 3), np.uint8)
    assert shrink(small) is small
    big = np.zeros((1080, 1921, 3), np.uint8)
    h, w = shrink(big).shape[:2]
    assert max(h, w) <= WORKING_MAX_SIDE_PX and h % 2 == 0 and w % 2 == 0
