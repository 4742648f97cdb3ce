"""Synthetic runners with known posture: kinematic model, camera, truth, renderer, samples.

Public API::

    from posture.synth import RunnerParams, CameraParams, simulate, synthetic_track
    track, truth = synthetic_track(RunnerParams(trunk_lean_deg=8), CameraParams(fps=60),
                                   duration_s=10)
    truth.strides          # per-stride true metric values (frame-based)
    truth.strides_exact    # the same at the continuous event times
"""

from posture.synth.camera import CameraParams
from posture.synth.kinematics import RunnerParams, SyntheticRun, simulate
from posture.synth.tracks import synthetic_track, track_from_run
from posture.synth.truth import GroundTruth, ground_truth

__all__ = ["CameraParams", "GroundTruth", "RunnerParams", "SyntheticRun", "ground_truth",
           "simulate", "synthetic_track", "track_from_run"]
