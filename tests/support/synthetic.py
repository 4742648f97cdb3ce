"""The ``posture.synth`` runner as a landmark track plus its ground truth, in the camera
set-ups the tests share (no video, no pose model)."""

from __future__ import annotations

from posture.synth.camera import CameraParams
from posture.synth.kinematics import RunnerParams
from posture.synth.tracks import synthetic_track
from posture.synth.truth import GroundTruth
from posture.track import PoseTrack

#: Picture size and frame rate per view: a side clip as ``CameraParams`` makes it (640 x 360,
#: 60 fps), a portrait rear/front one.
#: A steady side-view runner with a known lean, overstride and cadence (leg and side tests).
STEADY = RunnerParams(trunk_lean_deg=7.0, overstride_pct_leg=12.0, cadence_spm=172.0)
#: A landscape 1280 x 720 side clip.
WIDE = {"width_px": 1280, "height_px": 720}
PORTRAIT = {"width_px": 720, "height_px": 1280, "fps": 60.0}
FRAMES = {"side": {}, "rear": PORTRAIT, "front": PORTRAIT}


def synthetic(view: str = "side", *, duration_s: float = 10.0, seed: int = 0,
              noise_px: float | None = None, camera: dict | None = None,
              runner: RunnerParams | None = None, **params) -> tuple[PoseTrack, GroundTruth]:
    """A synthetic run filmed from ``view``.

    ``camera`` overrides :data:`FRAMES` and the other ``CameraParams`` fields; ``runner`` is a
    whole ``RunnerParams`` (or give its fields as keyword arguments); ``noise_px`` is the
    Gaussian landmark jitter (default: the camera's, 0). Returns the track and its truth.
    """
    cam = CameraParams(view=view, **{**FRAMES[view], **(camera or {})})
    run = runner if runner is not None else RunnerParams(**params)
    return synthetic_track(run, cam, duration_s=duration_s, seed=seed, noise_px=noise_px)
