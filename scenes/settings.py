"""Run-time settings a render takes from the environment.

``manim render`` owns the command line, so the project's own switches travel
as environment variables that ``optviz`` sets (and a user may set by hand):

* ``OPTVIZ_VOICE``: ``piper`` (default, neural, offline), ``espeak`` or ``none``
  (silent video, captions kept).
* ``OPTVIZ_SHORT=1``: a test/preview cut: each narration cue is cut to its first
  words and trajectories to a few steps, so a segment renders in seconds.
"""

from __future__ import annotations

import os

from manim import config

VOICES = ("piper", "espeak", "none")


def voice() -> str:
    v = os.environ.get("OPTVIZ_VOICE", "piper")
    if v not in VOICES:
        raise ValueError(f"unknown voice {v!r}; choose one of: {', '.join(VOICES)}")
    return v


def short() -> bool:
    return os.environ.get("OPTVIZ_SHORT", "") not in ("", "0")


def surface_resolution() -> int:
    """Faces per side of the surface mesh: more where more pixels will show them."""
    if short():
        return 12
    h = config.pixel_height
    return 20 if h <= 480 else 26 if h <= 720 else 32
