"""The short sound that goes with a cue: two rising tones as a WAV file (made here, so
nothing is fetched)."""

from __future__ import annotations

import io
import wave

import numpy as np

RATE_HZ = 22050


def cue_wav(*, tones_hz: tuple[float, ...] = (880.0, 1320.0), tone_s: float = 0.15,
            volume: float = 0.5) -> bytes:
    """A mono 16-bit WAV: each tone ``tone_s`` long with 10 ms fades (no clicks)."""
    parts = []
    n = round(tone_s * RATE_HZ)
    fade = np.minimum(1.0, np.minimum(np.arange(n), np.arange(n)[::-1]) / (0.01 * RATE_HZ))
    for f in tones_hz:
        t = np.arange(n) / RATE_HZ
        parts.append(volume * fade * np.sin(2 * np.pi * f * t))
    pcm = (np.concatenate(parts) * 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE_HZ)
        w.writeframes(pcm.tobytes())
    return buf.getvalue()
