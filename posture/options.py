"""What the user can choose for a clip: filled by the UI or CLI, passed whole to the core.

Defined below every analysis module so that each can take it typed
(:func:`posture.analysis.side.analyze_side`, :func:`posture.analysis.frontal.analyze_frontal`)
without importing the pipeline that calls them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: Accepted ranges of the numeric options (inclusive), with their units.
TILT_RANGE_DEG = (-45.0, 45.0)
HEIGHT_RANGE_M = (1.0, 2.5)
SLOWMO_RANGE = (1.0, 16.0)


@dataclass(frozen=True)
class AnalysisOptions:
    """What the user can choose. Filled by the UI or CLI, then passed whole to the core."""

    start_s: float | None = None
    end_s: float | None = None
    runner_height_m: float | None = None
    view: Literal["auto", "side", "rear", "front"] = "auto"
    camera_roll_deg: float | None = None
    """User override of the camera roll; ``None`` lets the analyzer estimate it."""
    level_camera: bool = True
    """Correct trunk and pelvis angles for the estimated camera roll."""
    use_cache: bool = True
    slowmo_factor: float | None = None
    """How many times slower than real life the clip plays (e.g. 4 for 120 fps slow motion
    played at 30 fps); ``None`` reads it from the file's metadata where the phone wrote it."""
    runner_box_px: tuple[float, float, float, float] | None = None
    """``(x, y, w, h)`` around the runner, pixels of the upright picture as displayed; when
    other people are in view, the person whose hips are in the box is analysed. ``None``:
    the analyzer picks the person who runs."""
    runner_box_t_s: float | None = None
    """Time of the frame the box was drawn on, real seconds from the clip's start; ``None``:
    the start of the analysed span."""


#: The defaults (an immutable value, safe as a default argument).
DEFAULT_OPTIONS = AnalysisOptions()
