"""Refresh the shipped pose tracks of the bundled samples (``app/demo``).

Run after regenerating ``sample_videos``:  ``.venv/bin/python app/precompute_demo.py``.
The app and its tests load these tracks so the first start shows a result in seconds.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ui_core import list_samples, save_demo_track


def main() -> None:
    samples = list_samples()
    if not samples:
        raise SystemExit("no bundled sample found in sample_videos/")
    for sample in samples:
        print(f"pose track of {sample.name} -> {save_demo_track(sample)}", flush=True)


if __name__ == "__main__":
    main()
