"""Rendered clips of the synthetic runner and pose tracks of any clip, for the slow tier.

Pose tracks come from the project's own pose cache (``posture.io.cache``): its key covers the
clip's bytes (SHA-256), the extraction settings and
``posture.pose.extract.EXTRACTION_VERSION``, so a changed clip or a new extraction version
runs the pose model again; nothing here keeps tracks by file name. Rendering is
deterministic (same parameters, same bytes), so a clip rendered again in a new test run still
finds its cached track.
"""

from __future__ import annotations

from pathlib import Path

from posture.pose.extract import extract_pose_cached
from posture.synth.camera import CameraParams
from posture.synth.kinematics import RunnerParams
from posture.synth.render import truth_path
from posture.synth.truth import GroundTruth
from posture.synth.validate import Case, render_case
from posture.track import PoseTrack


def pose_track(video: Path, **settings) -> PoseTrack:
    """The pose track of ``video`` (``settings``: those of
    :func:`posture.pose.extract.extract_pose_cached`), from the pose cache when it holds it."""
    return extract_pose_cached(video, **settings)


def render(folder: Path, name: str, params: RunnerParams, camera: CameraParams, *,
           duration_s: float, seed: int = 1) -> tuple[Path, GroundTruth]:
    """Render ``params`` seen by ``camera`` into ``folder/name.mp4`` (once per folder) and
    return the clip and its ground truth."""
    video = render_case(Case(name, params, camera, duration_s=duration_s, seed=seed), folder)
    return video, GroundTruth.load(truth_path(video))
