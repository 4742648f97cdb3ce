"""Typed errors. Every message is one plain sentence a runner can act on.

The CLI prints ``str(error)`` and exits non-zero; the app shows it in the page.
"""

from __future__ import annotations


class PostureError(Exception):
    """Base class: a problem with the input that the user can fix (never a bug)."""

    exit_code: int = 2


class UnreadableVideoError(PostureError):
    """Not a video, empty, truncated, corrupt, audio-only or an unsupported codec."""


class ClipTooShortError(PostureError):
    """Fewer than the minimum seconds of video (or in the chosen time window)."""


class FrameRateTooLowError(PostureError):
    """Capture frame rate below what running analysis needs."""


class NoRunnerError(PostureError):
    """No person found, or a person in too few frames."""


class WrongViewError(PostureError):
    """A metric was asked for a camera view that cannot show it (e.g. sway from the side)."""


class TooFewStridesError(PostureError):
    """Not enough clean strides to measure anything."""


class CacheCorruptError(PostureError):
    """A cache entry could not be read; callers rebuild it."""


class StorageError(PostureError):
    """A file or folder could not be read or written (permission, full disk, bad path)."""


class WalkingError(PostureError):
    """The person walks rather than runs (the analyzer measures running)."""


class OrientationError(PostureError):
    """The body lies sideways or upside down in the picture and cannot be turned upright."""


class ImplausibleValuesError(PostureError):
    """Most strides measure what a human body cannot do (wrong person or wrong orientation)."""


class EncoderMissingError(PostureError):
    """No H.264 encoder in the installed PyAV/FFmpeg build, so no video can be written."""
