"""How well the pose model sees a rendered clip: detection rate and landmark error vs truth.

``python -m posture.synth.check clip.mp4 [...]`` runs the project's pose stage
(:func:`posture.pose.extract.extract_pose`) and compares its landmarks with the true positions in
``clip.truth.json``. Errors are in % of the true leg length in pixels (0.491 x runner height).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posture.landmarks import LM
from posture.synth.body import LEG_H
from posture.synth.render import truth_path

#: Joints the metrics use.
KEY_JOINTS: tuple[str, ...] = ("SHOULDER", "HIP", "KNEE", "ANKLE", "HEEL", "FOOT_INDEX",
                               "ELBOW", "WRIST")


@dataclass(frozen=True)
class DetectionReport:
    video: str
    n_frames: int
    detected_fraction: float
    leg_px: float
    error_pct_leg: dict[str, tuple[float, float]]
    """joint -> (median, 95th percentile) error in % leg length, over detected frames."""

    def lines(self) -> list[str]:
        out = [f"{self.video}: detected {100 * self.detected_fraction:.1f}% of "
               f"{self.n_frames} frames (leg {self.leg_px:.0f} px)"]
        for name, (med, p95) in self.error_pct_leg.items():
            out.append(f"  {name:<16} median {med:5.1f}%  p95 {p95:5.1f}% leg")
        return out


def check_clip(video: str | Path, *, sides: tuple[str, ...] | None = None) -> DetectionReport:
    """Run the pose stage on a rendered clip and compare with its truth file."""
    from posture.pose.extract import extract_pose

    video = Path(video)
    doc = json.loads(truth_path(video).read_text())
    true_xy = np.asarray(doc["frames"]["image_xy_px"], dtype=float)
    cam = doc["camera"]
    runner_px = cam["runner_height_px"] or min(0.72 * cam["height_px"], 1.1 * cam["width_px"])
    leg_px = LEG_H * runner_px
    track = extract_pose(video, workers=1)
    n = min(track.n_frames, true_xy.shape[0])
    det = track.detected[:n]
    if sides is None:
        near = "RIGHT" if cam["facing"] == 1 else "LEFT"
        sides = (near,) if cam["view"] == "side" else ("LEFT", "RIGHT")
    errors: dict[str, tuple[float, float]] = {}
    for side in sides:
        for joint in KEY_JOINTS:
            idx = LM[f"{side}_{joint}"]
            d = np.linalg.norm(track.image_xy_px[:n, idx] - true_xy[:n, idx], axis=-1)[det]
            d = 100.0 * d / leg_px
            errors[f"{side.lower()}_{joint.lower()}"] = (float(np.median(d)),
                                                         float(np.percentile(d, 95)))
    return DetectionReport(video.name, int(n), float(det.mean()), float(leg_px), errors)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("videos", nargs="+")
    args = ap.parse_args(argv)
    for v in args.videos:
        print("\n".join(check_clip(v).lines()))


if __name__ == "__main__":
    main()
