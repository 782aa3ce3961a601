"""The segments' content, one module each, and their order in the lecture.

Each module has ``describe(short=False) -> Description`` and no Manim import;
Manim finds its scene classes (``SaddleSegment``, ``SaddleSocial``...) through
``scenes.segments._manim`` when it renders the file.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

from scenes.segments._manim import scene_name

SEGMENTS_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class SegmentInfo:
    name: str
    title: str

    @property
    def file(self) -> Path:
        return SEGMENTS_DIR / f"{self.name.replace('-', '_')}.py"

    @property
    def module(self) -> str:
        return f"scenes.segments.{self.name.replace('-', '_')}"

    def scene(self, fmt: str = "lecture") -> str:
        """The scene class Manim renders for a format."""
        return scene_name(self.name, fmt)

    def describe(self, short: bool = False):
        """The segment's description in the current language, built (and its claims checked) once per
        process: a render, ``optviz list`` and the data files all read the same one. Treat it as read-only."""
        from scenes import language

        key = (self.name, short, language.current())
        if key not in _DESCRIPTIONS:
            _DESCRIPTIONS[key] = importlib.import_module(self.module).describe(short=short)
        return _DESCRIPTIONS[key]

    # what a user's shot (``scenes.cli.ShotTarget``) adds to a render, and a built-in segment does not
    env: dict = field(default_factory=dict)

    def digest_bytes(self) -> bytes:
        return b""


_DESCRIPTIONS: dict = {}

# The lecture's teaching order.
SEGMENTS = {
    s.name: s
    for s in (
        SegmentInfo("saddle", "A saddle point"),
        SegmentInfo("bowl", "An elongated bowl"),
        SegmentInfo("stability", "Why a step size blows up"),
        SegmentInfo("cubic", "A race past a saddle"),
        SegmentInfo("fit", "Fitting a model"),
        SegmentInfo("basins", "Where a start ends"),
        SegmentInfo("fair-race", "A fair race"),
        SegmentInfo("fine-print", "The fine print"),
    )
}
