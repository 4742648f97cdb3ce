"""Words a person reads: counts with the right plural, and what the app asks of a clip.

:data:`MIN_CLIP_S` is the one source of the filming minimum. Every sentence that asks for it
(app, CLI and quality messages, README) is written from it, and :mod:`posture.findings.rules`
judges an early-versus-late change only on a clip whose strides span at least that long.
"""

from __future__ import annotations

#: Shortest run (real seconds, first to last contact) on which early versus late is judged;
#: also what every message asks the runner to film. A third of 20 s at 160-180 steps/min
#: holds 9-10 strides of each leg, above the 7 a window needs for a stable mean.
MIN_CLIP_S: float = 20.0


def plural(n: int, word: str, many: str | None = None) -> str:
    """``n`` and the noun in the right number: ``1 stride``, ``0 strides``, ``3 strides``.

    ``many`` is the plural when it is not ``word + "s"`` (e.g. ``plural(2, "was", "were")``).
    """
    return f"{n} {word if n == 1 else (many or word + 's')}"


def film_advice() -> str:
    """What to film, from :data:`MIN_CLIP_S` (no leading capital, no full stop)."""
    return f"film at least {MIN_CLIP_S:.0f} s of steady running"


def strides_found(n: int) -> str:
    """How many clean strides were found, as the opening of a sentence (no full stop)."""
    if n == 0:
        return "No clean strides were found"
    return f"Only {plural(n, 'clean stride')} {'was' if n == 1 else 'were'} found"


#: How the camera roll was found, in words (``ViewEstimate.roll_source``).
ROLL_SOURCE_WORDS: dict[str, str] = {
    "user": "as you entered it", "floor": "estimated from the floor line",
    "scene_lines": "estimated from lines in the scene", "pelvis": "estimated from the pelvis",
}


def camera_tilt_text(roll_deg: float, roll_source: str) -> str:
    """The camera tilt as a person reads it (``ViewEstimate.camera_roll_deg``, ``roll_source``).

    ``"none"`` means no estimate was made, which is not the same as a level camera.
    """
    if roll_source == "none":
        return "camera tilt not estimated (angles assume the phone was level)"
    how = ROLL_SOURCE_WORDS.get(roll_source, "estimated")
    if abs(roll_deg) < 0.1:
        return f"camera level ({how})"
    return f"camera tilt {roll_deg:+.1f}° ({how}), corrected"
