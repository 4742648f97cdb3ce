"""The pose cache is keyed by the clip's bytes, the extraction settings and
``EXTRACTION_VERSION`` (bumped by hand). This guard fails when something else that decides the
landmarks changes while the version stays: a module-level constant of ``posture.pose`` or of
the decoder (``posture.io.video``), a default setting, the MediaPipe release or its model
files. A cached track would otherwise be served for an extraction that no longer produces it.

After such a change: bump ``EXTRACTION_VERSION`` in ``posture/pose/model.py`` when the change
alters the landmarks or the pose-stage warnings (every cached track is then rebuilt once), and
rewrite the pin either way:
``PYTHONPATH=. .venv/bin/python tests/pose/test_extraction_version.py --write``.
The pin keeps the inputs themselves, so the failure names what changed.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import json
import sys
from importlib import metadata, resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PIN_PATH = ROOT / "tests" / "data" / "extraction_inputs.json"
#: Modules whose module-level constants decide the extraction.
MODULES = ("posture.pose.model", "posture.pose.extract", "posture.pose.segment",
           "posture.pose.people", "posture.pose.silhouette", "posture.pose.worker",
           "posture.io.video")
#: Not inputs: the version itself, and values only set at run time.
NOT_INPUTS = {"EXTRACTION_VERSION", "_DETECTOR", "_SCANS"}
MODEL_FILES = ("modules/pose_landmark/pose_landmark_full.tflite",
               "modules/pose_landmark/pose_landmark_cpu.binarypb",
               "modules/pose_detection/pose_detection.tflite")


def _constants(module_name: str) -> dict[str, str]:
    """UPPER_CASE names assigned at the top of the module, with their values' repr."""
    module = importlib.import_module(module_name)
    tree = ast.parse(Path(module.__file__).read_text())
    out: dict[str, str] = {}
    for node in tree.body:
        names = ([t.id for t in node.targets if isinstance(t, ast.Name)]
                 if isinstance(node, ast.Assign) else
                 [node.target.id] if isinstance(node, ast.AnnAssign)
                 and isinstance(node.target, ast.Name) else [])
        for name in names:
            if name.lstrip("_").isupper() and name not in NOT_INPUTS:
                value = getattr(module, name)
                out[name] = repr(sorted(value) if isinstance(value, frozenset) else value)
    return out


def extraction_inputs() -> dict:
    """Everything besides the settings in the key that decides a cached track."""
    from posture.pose.model import ExtractionSettings

    mp = resources.files("mediapipe")
    settings = ExtractionSettings().to_dict()
    settings.pop("version")
    return {
        "constants": {m: _constants(m) for m in MODULES},
        "default_settings": settings,
        "mediapipe": metadata.version("mediapipe"),
        "model_files": {f: hashlib.sha256(mp.joinpath(f).read_bytes()).hexdigest()[:16]
                        for f in MODEL_FILES},
    }


def test_extraction_changes_come_with_a_version_bump() -> None:
    from posture.pose.model import EXTRACTION_VERSION

    pinned = json.loads(PIN_PATH.read_text())
    how = "rewrite the pin: PYTHONPATH=. python tests/pose/test_extraction_version.py --write"
    assert pinned["version"] == EXTRACTION_VERSION, (
        f"EXTRACTION_VERSION is {EXTRACTION_VERSION}, the pin {pinned['version']}: {how}")
    now = extraction_inputs()
    changed = {k: (pinned["inputs"].get(k), v) for k, v in now.items()
               if pinned["inputs"].get(k) != v}
    assert not changed, (
        f"what decides the landmarks changed under {EXTRACTION_VERSION}: {changed}. Bump "
        f"EXTRACTION_VERSION in posture/pose/model.py if the landmarks or pose warnings "
        f"change, then {how}")


def test_the_guard_sees_a_changed_constant(monkeypatch) -> None:
    from posture.pose import people

    before = extraction_inputs()
    monkeypatch.setattr(people, "SCAN_STEP_S", people.SCAN_STEP_S / 2)
    after = extraction_inputs()
    assert after != before
    assert after["constants"]["posture.pose.people"]["SCAN_STEP_S"] == "0.1"


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: tests/pose/test_extraction_version.py --write")
    from posture.pose.model import EXTRACTION_VERSION

    PIN_PATH.write_text(json.dumps({"version": EXTRACTION_VERSION,
                                    "inputs": extraction_inputs()}, indent=1) + "\n")
    print(f"wrote {PIN_PATH}")
