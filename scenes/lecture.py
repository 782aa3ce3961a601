"""The lecture: its segments in order, each a scene file that ``manim render`` also takes directly.

Manim only renders scenes defined in the file it is given, so the registry
names files and classes instead of re-exporting them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SCENES_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class SegmentInfo:
    name: str
    scene: str  # class name
    title: str

    @property
    def file(self) -> Path:
        return SCENES_DIR / f"{self.name}.py"


SEGMENTS = {
    s.name: s
    for s in (
        SegmentInfo("saddle", "SaddleSegment", "A saddle point"),
        SegmentInfo("bowl", "BowlSegment", "An elongated bowl"),
        SegmentInfo("cubic", "CubicSegment", "A race past a saddle"),
        SegmentInfo("fit", "FitSegment", "Fitting a model"),
    )
}
