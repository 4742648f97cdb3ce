"""Rendered synthetic clips: real timestamps, rotation tag, truth beside the video, a body
where the landmarks say, the lumbar arch in the silhouette, and a pose model that finds it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import av
import numpy as np
import pytest

from posture.io.video import iter_frames, probe
from posture.landmarks import LM
from posture.synth import CameraParams, GroundTruth, RunnerParams, simulate
from posture.synth.render import FrameRenderer, RenderStyle, render_clip, truth_path
from posture.synth.truth import lumbar_arch_pct

CLEAN = RenderStyle(background="plain", noise_sigma=0.0, blur_sigma=0.0, vignette=0.0)


def _pts(video: Path) -> np.ndarray:
    with av.open(str(video)) as c:
        st = c.streams.video[0]
        return np.array(sorted(float(p.pts * st.time_base) for p in c.demux(st)
                               if p.pts is not None))


def test_vfr_clip_keeps_real_timestamps_and_truth(tmp_path: Path) -> None:
    cam = CameraParams(width_px=320, height_px=180, fps=60, vfr_jitter=0.4, seed=2)
    out = tmp_path / "vfr.mp4"
    gt = render_clip(RunnerParams(), cam, duration_s=2.5, out_path=out, seed=1)
    run = simulate(RunnerParams(), cam, duration_s=2.5)
    np.testing.assert_allclose(_pts(out), run.t_s, atol=2e-5)
    assert np.ptp(np.diff(run.t_s)) > 0.3 / 60  # really irregular
    info = probe(out)
    assert (info.width_px, info.height_px, info.n_frames) == (320, 180, run.t_s.size)
    assert info.codec == "h264"
    back = GroundTruth.load(truth_path(out))
    assert back.params == RunnerParams() and back.camera == cam
    np.testing.assert_array_equal(back.strides["frame_start"], gt.strides["frame_start"])


def test_rotation_metadata_gives_the_upright_picture(tmp_path: Path) -> None:
    cam = CameraParams(width_px=180, height_px=320, fps=30)
    out = tmp_path / "rot.mp4"
    render_clip(RunnerParams(), cam, duration_s=2.2, out_path=out, rotation_deg=90, crf=18,
                style=CLEAN)
    with av.open(str(out)) as c:
        st = c.streams.video[0]
        assert (st.codec_context.width, st.codec_context.height) == (320, 180)  # stored turned
    info = probe(out)
    assert (info.rotation_deg, info.width_px, info.height_px) == (90, 180, 320)
    frame = next(iter(iter_frames(out)))
    want = FrameRenderer(simulate(RunnerParams(), cam, duration_s=2.2), CLEAN).render(0)
    got = frame.image_rgb[..., ::-1].astype(float)
    assert np.abs(got - want).mean() < 4.0  # upright and the same picture (codec loss only)


@pytest.mark.parametrize("roll_deg", [0.0, 6.0])
def test_the_body_is_where_the_landmarks_are(roll_deg: float) -> None:
    cam = CameraParams(width_px=480, height_px=270, fps=30, roll_deg=roll_deg, pan_px=20)
    run = simulate(RunnerParams(trunk_lean_deg=10), cam, duration_s=1.0)
    fr = FrameRenderer(run, CLEAN)
    for i in (3, 17):
        img = fr.render(i).astype(int)
        xy = run.image_xy_px[i]
        mid_trunk = (xy[LM.LEFT_HIP] + xy[LM.RIGHT_HIP] + 3 * xy[LM.LEFT_SHOULDER]
                     + 3 * xy[LM.RIGHT_SHOULDER]) / 8
        b, _, r = img[int(mid_trunk[1]), int(mid_trunk[0])]
        assert b > r + 60  # blue shirt
        knee = xy[LM.RIGHT_KNEE]  # near leg: skin
        b, _, r = img[int(knee[1]), int(knee[0])]
        assert r > b + 40
        # background well away from the runner is the plain wall
        far = (xy[:, 0].min() - 60, xy[LM.NOSE, 1])
        b, _, r = img[int(far[1]), int(far[0])]
        assert abs(b - r) < 25


def test_lumbar_arch_shows_in_the_silhouette() -> None:
    from posture.pose.silhouette import trunk_edges_from_mask

    cam = CameraParams(width_px=640, height_px=360, fps=30)
    found = {}
    for arch in (0.0, 0.06):
        run = simulate(RunnerParams(lumbar_arch=arch, arm_swing_deg=20.0), cam, duration_s=1.0)
        fr = FrameRenderer(run, CLEAN)
        bg = fr.backdrop.frame(0.0).astype(int)
        vals = []
        for i in range(0, 30, 3):
            img = fr.render(i).astype(int)
            mask = np.abs(img - bg).sum(axis=-1) > 30
            xy = run.image_xy_px[i]
            hm = (xy[LM.LEFT_HIP] + xy[LM.RIGHT_HIP]) / 2
            sm = (xy[LM.LEFT_SHOULDER] + xy[LM.RIGHT_SHOULDER]) / 2
            edges = trunk_edges_from_mask(mask, hm, sm)
            vals.append(lumbar_arch_pct(edges[None], np.array([np.linalg.norm(sm - hm)]), 1)[0])
        found[arch] = float(np.nanmedian(vals))
    assert found[0.0] < 1.0
    assert found[0.06] - found[0.0] == pytest.approx(6.0, abs=1.5)


def test_rendering_is_deterministic(tmp_path: Path) -> None:
    cam = CameraParams(width_px=256, height_px=144, fps=30)
    p = RunnerParams(fatigue={"trunk_lean_deg": 9.0})
    hashes = []
    for k in range(2):
        out = tmp_path / f"d{k}.mp4"
        render_clip(p, cam, duration_s=1.5, out_path=out, seed=5,
                    style=RenderStyle(background="treadmill"))
        hashes.append(hashlib.sha256(out.read_bytes()).hexdigest())
    assert hashes[0] == hashes[1]


def test_pose_model_finds_the_rendered_runner(tmp_path: Path) -> None:
    from posture.pose.extract import extract_pose

    cam = CameraParams(width_px=480, height_px=270, fps=30)
    out = tmp_path / "mp.mp4"
    gt = render_clip(RunnerParams(), cam, duration_s=2.5, out_path=out, seed=3)
    track = extract_pose(out, workers=1)
    assert track.detected.mean() >= 0.95
    run = simulate(RunnerParams(), cam, duration_s=2.5)
    leg_px = 0.491 * cam.runner_px
    for lm in (LM.RIGHT_SHOULDER, LM.RIGHT_HIP, LM.LEFT_SHOULDER):
        err = np.linalg.norm(track.image_xy_px[:, lm] - run.image_xy_px[:, lm], axis=-1)
        assert np.nanmedian(err) / leg_px < 0.06, lm.name
    # knees: allow the usual side-view left/right confusion, take the nearer label
    for side in ("LEFT", "RIGHT"):
        t = run.image_xy_px[:, LM[f"{side}_KNEE"]]
        e = np.minimum(*(np.linalg.norm(track.image_xy_px[:, LM[f"{s}_KNEE"]] - t, axis=-1)
                         for s in ("LEFT", "RIGHT")))
        assert np.nanmedian(e) / leg_px < 0.08
    assert len(gt.strides) >= 4
