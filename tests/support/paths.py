"""Where the tests find the repository's files and the shared real clips."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_videos"
DEMO = ROOT / "app" / "demo"
#: Real running clips kept outside the repository (never copied into it): beside the
#: repository, or where ``POSTURE_SHARED_VIDEOS`` says (a git worktree sits elsewhere).
SHARED = Path(os.environ.get("POSTURE_SHARED_VIDEOS", ROOT.parent / "shared" / "videos"))

needs_shared = pytest.mark.skipif(
    not SHARED.exists(),
    reason=f"the shared real clips are not at {SHARED} (set POSTURE_SHARED_VIDEOS)")


def shared_clip(name: str) -> Path:
    """A shared real clip; the test skips when that clip is absent."""
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"shared clip {name} is not at {SHARED}")
    return path
