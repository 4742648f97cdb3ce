"""The pipeline against hand labels of real side clips (tests/data/real_contacts.csv).

The label file is checked in the default tier; the comparison needs the clips in
../shared/videos (or $POSTURE_SHARED_VIDEOS) and the pose model on clips not yet in the
cache, so it is slow-tier and skips when the clips are absent. Results: docs/validation.md,
"Real clips".
"""

from __future__ import annotations

import numpy as np
import pytest

from tests import real_labels as rl

ROAD = "side_road_tracking-shot_pauldess1.mp4"
ROTATED = "side_road_rotated-meta_alkaid976.mp4"
STREET = "side_street_static-cam_50fps_cezaraandreea.mp4"
TRACK = "side_track_tracking-shot_betterforerunner.mp4"


def test_label_file_is_well_formed() -> None:
    lab = rl.labels()
    assert list(lab.columns) == ["clip", "slowmo", "frame", "event", "leg", "knee_flexion_deg",
                                 "foot_ahead_pct_leg", "notes"]
    ic, to = lab[lab["event"] == "ic"], lab[lab["event"] == "to"]
    assert len(ic) >= 60 and len(to) >= 58 and lab["clip"].nunique() >= 4
    assert set(lab["event"]) == {"ic", "to"} and set(lab["leg"]) <= {"left", "right"}
    for _, g in ic.groupby("clip"):
        assert (np.diff(g["frame"]) > 0).all()
        assert (g["leg"].to_numpy()[1:] != g["leg"].to_numpy()[:-1]).all()  # legs alternate
    for _, r in to.iterrows():  # each toe-off ends a labelled contact of the same leg
        before = ic[(ic["clip"] == r["clip"]) & (ic["frame"] < r["frame"])].iloc[-1]
        # stance of 5-6 frames at 30 fps (rotated road clip) up to 27 at 100 fps (street)
        assert before["leg"] == r["leg"] and 4 <= r["frame"] - before["frame"] <= 30
    valued = lab.dropna(subset=["knee_flexion_deg"])
    assert len(valued) >= 4
    assert valued["knee_flexion_deg"].between(0, 60).all()
    assert valued["foot_ahead_pct_leg"].between(-20, 80).all()


def _contacts(clip: str) -> list[rl.Contact]:
    if not (rl.SHARED / clip).exists():
        pytest.skip("shared videos not available")
    slowmo = float(rl.labels().query("clip == @clip")["slowmo"].iloc[0])
    return rl.pipeline_contacts(clip, slowmo)


@pytest.mark.slow
def test_contact_timing_against_hand_labels() -> None:
    """Road clip (50 fps real): every contact within one frame of the labelled first contact
    frame (measured 30 of 30, mean +0.1 frame). Street (100 fps) and track (about 120 fps)
    clips: the pipeline lands 1-5 frames early (10-50 ms, the heel slows before it touches),
    so the tolerance there is 50 ms."""
    road = _contacts(ROAD)
    assert len(road) == 30
    diffs = np.array([c.found_frame - c.label_frame for c in road])
    assert np.all(np.abs(diffs) <= 1) and abs(diffs.mean()) < 0.5
    for clip, fps in ((STREET, 100.0), (TRACK, 120.0)):
        found = _contacts(clip)
        n = len(rl.labels().query("clip == @clip and event == 'ic'"))
        # track: the contact at frame 49 follows 34 frames of one still picture: not found
        assert len(found) == (n - 1 if clip == TRACK else n)
        early_s = np.array([c.offset_frames for c in found]) / fps
        assert np.all(np.abs(early_s) <= 0.05), (clip, early_s)


@pytest.mark.slow
def test_contact_timing_on_a_30fps_clip() -> None:
    """Rotated road clip (30 fps, real time, legs about 40 px), its facing set by eye (the
    view estimate misreads it: ``real_labels.FACING_BY_EYE``). Measured: 15 of 20 labelled
    contacts have a pipeline contact of the same leg within 80 ms (the other 5: a leg label
    swapped by the pose model, or the clip's first frame); those 15 lie -2.0 to +1.05 frames
    from the labelled first frame on the ground, mean -0.65 (the true landing lies up to one
    frame, 33 ms, before that frame). Tolerance: the reading error (+-1 frame) plus one
    frame."""
    found = _contacts(ROTATED)
    off = np.array([c.offset_frames for c in found])
    assert len(found) >= 14
    assert np.all(np.abs(off) <= 2.5) and -1.5 <= off.mean() <= 0.5, off


@pytest.mark.slow
def test_values_at_contact_against_hand_labels() -> None:
    """Street clip, 4 contacts measured by hand (+-5 deg, +-3 % leg). At the labelled frame the
    pose model agrees within 5 deg and 5 % leg (measured 4.9 and 4.9); at the pipeline's own
    contact time, 40 ms early, foot-ahead reads high (measured +9.6 % leg on average, up to
    14) and knee bend low (-3.8, up to 9.7)."""
    lab = rl.labels().query("clip == @STREET").set_index("frame")
    found = _contacts(STREET)
    for c in found:
        want = lab.loc[c.label_frame]
        assert abs(c.knee_at_label_deg - want["knee_flexion_deg"]) <= 6.0
        assert abs(c.ahead_at_label_pct_leg - want["foot_ahead_pct_leg"]) <= 6.0
        assert abs(c.knee_flexion_deg - want["knee_flexion_deg"]) <= 12.0
        assert abs(c.foot_ahead_pct_leg - want["foot_ahead_pct_leg"]) <= 16.0


@pytest.mark.slow
def test_road_values_at_contact_follow_the_contact_frame() -> None:
    """At the pipeline's contact time the at-contact values agree with the pose model's own
    landmarks at the labelled contact frame: mean absolute difference 1.6 deg knee, 1.0 % leg
    foot-ahead (the extrapolation before issue 12: 3.3 deg and 1.9 % leg)."""
    road = _contacts(ROAD)
    dk = np.array([c.knee_flexion_deg - c.knee_at_label_deg for c in road])
    da = np.array([c.foot_ahead_pct_leg - c.ahead_at_label_pct_leg for c in road])
    assert np.mean(np.abs(dk)) < 2.5 and np.mean(np.abs(da)) < 1.5


def _toeoff_errors_frames(clip: str) -> tuple[np.ndarray, int]:
    """Pipeline toe-off minus the middle of the labelled interval (last frame on the ground,
    first frame off), frames; and the number of labelled toe-offs."""
    if not (rl.SHARED / clip).exists():
        pytest.skip("shared videos not available")
    slowmo = float(rl.labels().query("clip == @clip")["slowmo"].iloc[0])
    found = rl.pipeline_toeoffs(clip, slowmo)
    return (np.round([c.offset_frames + 0.5 for c in found], 6),
            len(rl.labels().query("clip == @clip and event == 'to'")))


@pytest.mark.slow
def test_toeoff_timing_against_hand_labels() -> None:
    """Toe-offs (issue 12, real12 labels). Road (50 fps real): 27 of 30 found within 80 ms
    (frame 237 has none, at 115 the pipeline is 5.5 frames early, 534 is 3 frames before the
    clip ends), all within 2 frames of the labelled lift-off, 25 of 27 within one, mean -0.15
    frame. Street (3) and track (4 of 5; the last, 9 frames before the clip ends, has none):
    within one frame (10 and 8 ms). Rotated road clip (30 fps, labels +-1 frame): 12 of 20
    found (the rest: legs swapped by the pose model), -1.0 to +2.25 frames, mean +0.19."""
    road, n_road = _toeoff_errors_frames(ROAD)
    assert n_road == 30 and road.size >= 27
    assert np.all(np.abs(road) <= 2.0) and np.mean(np.abs(road) <= 1.0) >= 0.9
    assert abs(road.mean()) <= 0.5
    for clip, least in ((STREET, 3), (TRACK, 4)):
        err, _ = _toeoff_errors_frames(clip)
        assert err.size >= least and np.all(np.abs(err) <= 1.5), (clip, err)
    err, _ = _toeoff_errors_frames(ROTATED)
    assert err.size >= 11 and np.all(np.abs(err) <= 2.5) and abs(err.mean()) <= 1.0, err


@pytest.mark.slow
def test_stated_uncertainty_covers_the_at_contact_error() -> None:
    """The contacts stay 17-39 ms early on two clips (no general fix: docs/validation.md,
    contact share sweep), so the registry's stated per-value error must cover what that does
    to the at-contact values. Measured against the hand values (street): foot ahead RMSE 10.4
    % leg, knee bend 5.5 deg (stated: 11 and 8.9); timing alone (pipeline minus the landmarks
    at the labelled frame), per-clip mean: foot ahead -0.3 to +10.5 % leg, knee -5.2 to +2.3
    deg."""
    from posture.metrics.registry import spec

    ahead_err, knee_err = spec("overstride_pct_leg").level_error, \
        spec("knee_flexion_ic_deg").level_error
    lab = rl.labels().query("clip == @STREET").set_index("frame")
    street = _contacts(STREET)
    da = np.array([c.foot_ahead_pct_leg - lab.loc[c.label_frame, "foot_ahead_pct_leg"]
                   for c in street])
    dk = np.array([c.knee_flexion_deg - lab.loc[c.label_frame, "knee_flexion_deg"]
                   for c in street])
    assert np.sqrt(np.mean(da ** 2)) <= ahead_err and np.sqrt(np.mean(dk ** 2)) <= knee_err
    for clip in (ROAD, STREET, TRACK, ROTATED):
        found = _contacts(clip)
        da = np.nanmean([c.foot_ahead_pct_leg - c.ahead_at_label_pct_leg for c in found])
        dk = np.nanmean([c.knee_flexion_deg - c.knee_at_label_deg for c in found])
        assert abs(da) <= ahead_err and abs(dk) <= knee_err, (clip, da, dk)
