"""The bundled demo clips: synthetic runners with known posture, regenerated bit for bit.

``python -m posture.synth.samples sample_videos`` (``make samples``) writes every clip in
:data:`SAMPLES` with its ``.truth.json`` and a ``MANIFEST.json`` of SHA-256 hashes. Drawing,
noise and encoding are seeded and single-threaded, so the same code gives the same bytes.

* ``fresh_side`` / ``fatigued_side``: the same runner, side view, 60 fps; fatigued leans
  about 5 degrees more, arches the low back more and lands further ahead of the hips.
* ``rear_sway``: seen from behind, portrait, sideways trunk sway and pelvic drop, the right
  side a little worse.
* ``long_fatigue_ramp``: side view, 30 s at 30 fps; lean, arch and overstride drift linearly
  from fresh to fatigued values over the clip.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from posture.synth.camera import CameraParams
from posture.synth.kinematics import RunnerParams
from posture.synth.render import RenderStyle, render_clip, truth_path

#: The runner of the demo when fresh (everything else at the model defaults).
# (a moderate heel lift in swing: a pose model tracks a foot kicked high behind poorly)
FRESH = RunnerParams(cadence_spm=172.0, trunk_lean_deg=5.0, lumbar_arch=0.012,
                     overstride_pct_leg=8.0, vertical_osc_pct_leg=8.0, swing_height_pct_leg=25.0)
#: The same runner tired: more lean, more arch, more overstride, a little slower cadence.
FATIGUED = replace(FRESH, cadence_spm=166.0, trunk_lean_deg=10.0, lumbar_arch=0.040,
                   overstride_pct_leg=16.0, vertical_osc_pct_leg=9.0)


@dataclass(frozen=True)
class SampleSpec:
    name: str
    params: RunnerParams
    camera: CameraParams
    duration_s: float
    style: RenderStyle = field(default_factory=RenderStyle)
    seed: int = 2024
    crf: int = 26

    @property
    def filename(self) -> str:
        return f"{self.name}.mp4"


_SIDE_CAM = CameraParams(view="side", facing=1, width_px=640, height_px=360, fps=60.0)

SAMPLES: tuple[SampleSpec, ...] = (
    SampleSpec("fresh_side", FRESH, _SIDE_CAM, 10.0),
    SampleSpec("fatigued_side", FATIGUED, _SIDE_CAM, 10.0),
    SampleSpec("rear_sway",
               RunnerParams(cadence_spm=170.0, lateral_sway_pct_hip=20.0, pelvic_drop_deg=7.0,
                            asymmetry=0.3, step_width_pct_hip=35.0, swing_height_pct_leg=25.0),
               CameraParams(view="rear", width_px=360, height_px=640, fps=60.0), 10.0,
               style=RenderStyle(background="textured")),
    SampleSpec("long_fatigue_ramp",
               replace(FRESH, fatigue={"trunk_lean_deg": FATIGUED.trunk_lean_deg,
                                       "lumbar_arch": FATIGUED.lumbar_arch,
                                       "overstride_pct_leg": FATIGUED.overstride_pct_leg,
                                       "cadence_spm": FATIGUED.cadence_spm}),
               replace(_SIDE_CAM, fps=30.0), 30.0, crf=28),
)


def sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def generate(spec: SampleSpec, folder: str | Path, *, duration_s: float | None = None) -> Path:
    """Render one sample (optionally shortened, for tests) into ``folder``; returns the mp4."""
    out = Path(folder) / spec.filename
    render_clip(spec.params, spec.camera, duration_s=duration_s or spec.duration_s,
                out_path=out, seed=spec.seed, style=spec.style, crf=spec.crf)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Regenerate the bundled synthetic sample clips.")
    ap.add_argument("folder", nargs="?", default="sample_videos")
    ap.add_argument("--only", nargs="*", help="names of the samples to make (default: all)")
    args = ap.parse_args(argv)
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    manifest_path = folder / "MANIFEST.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    for spec in SAMPLES:
        if args.only and spec.name not in args.only:
            continue
        t0 = time.perf_counter()
        out = generate(spec, folder)
        tj = truth_path(out)
        manifest[spec.name] = {"video": out.name, "video_sha256": sha256(out),
                               "truth": tj.name, "truth_sha256": sha256(tj),
                               "video_bytes": out.stat().st_size, "truth_bytes": tj.stat().st_size}
        print(f"{out}  {out.stat().st_size / 1e6:.2f} MB video, {tj.stat().st_size / 1e6:.2f} MB "
              f"truth, {time.perf_counter() - t0:.0f} s")
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
