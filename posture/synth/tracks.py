"""Landmark-only synthetic clips: a valid ``PoseTrack`` plus its ground truth, no video."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from posture.landmarks import LM, N_LANDMARKS
from posture.synth.camera import CameraParams
from posture.synth.kinematics import RunnerParams, SyntheticRun, simulate
from posture.synth.truth import GroundTruth, ground_truth
from posture.track import PoseTrack, VideoInfo

NEAR_VISIBILITY = 0.99
FAR_VISIBILITY = 0.6


def visibility(camera: CameraParams) -> np.ndarray:
    """(33,) visibility per landmark: near side 0.99, far side of a side view 0.6; the face
    seen from behind 0.3."""
    vis = np.full(N_LANDMARKS, NEAR_VISIBILITY)
    if camera.view == "side":
        far = "LEFT" if camera.facing == 1 else "RIGHT"
        for lm in LM:
            if lm.name.startswith(far):
                vis[lm] = FAR_VISIBILITY
    elif camera.view == "rear":
        vis[: LM.MOUTH_RIGHT + 1] = 0.3
    return vis


def world_landmarks(run: SyntheticRun) -> np.ndarray:
    """(T, 33, 3) MediaPipe-style world landmarks: metres, hip-centred, x image-right, y down,
    z away from the camera."""
    right, away = run.camera.axes()
    P = run.world_m
    hip_mid = (P[:, LM.LEFT_HIP] + P[:, LM.RIGHT_HIP]) / 2
    rel = P - hip_mid[:, None, :]
    return np.stack([rel @ right, -rel[..., 2], rel @ away], axis=-1)


def video_info(run: SyntheticRun, *, path: str = "synthetic", codec: str = "synthetic",
               rotation_deg: int = 0, file_size_bytes: int = 0) -> VideoInfo:
    cam = run.camera
    return VideoInfo(path=path, width_px=cam.width_px, height_px=cam.height_px,
                     rotation_deg=rotation_deg, codec=codec, n_frames=int(run.t_s.size),
                     fps_nominal=float(cam.fps), fps_capture=float(cam.fps),
                     duration_s=float(run.t_s[-1] + 1.0 / cam.fps), is_vfr=cam.vfr_jitter > 0,
                     file_size_bytes=file_size_bytes)


def track_from_run(run: SyntheticRun, *, noise_px: float = 0.0, seed: int = 0) -> PoseTrack:
    """The run as the pose stage would hand it on, with optional Gaussian landmark jitter."""
    xy = run.image_xy_px.copy()
    if noise_px > 0:
        xy += np.random.default_rng(seed).normal(0.0, noise_px, xy.shape)
    T = run.t_s.size
    return PoseTrack(
        t_s=run.t_s.copy(), frame_index=np.arange(T, dtype=np.int64), image_xy_px=xy,
        visibility=np.tile(visibility(run.camera), (T, 1)),
        world_xyz_m=world_landmarks(run), trunk_edges_px=run.trunk_edges_px.copy(),
        frame_size_px=(run.camera.width_px, run.camera.height_px), info=video_info(run),
        extraction={"source": "synthetic", "noise_px": noise_px, "seed": seed},
    )


def synthetic_track(params: RunnerParams, camera: CameraParams, *, duration_s: float,
                    seed: int = 0, noise_px: float | None = None) -> tuple[PoseTrack, GroundTruth]:
    """Simulate a run and return its landmark track and ground truth.

    ``noise_px`` defaults to ``camera.noise_px``; ``seed`` seeds the jitter (and the frame
    times when the camera has VFR jitter and no seed of its own).
    """
    if camera.seed == 0 and seed:
        camera = replace(camera, seed=seed)
    run = simulate(params, camera, duration_s=duration_s)
    noise = camera.noise_px if noise_px is None else noise_px
    return track_from_run(run, noise_px=noise, seed=seed), ground_truth(run)
