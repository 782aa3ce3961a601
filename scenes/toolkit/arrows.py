"""Arrows that lie on the surface: the Hessian's eigenvectors at a point, each labelled with its eigenvalue.

An arrow is a curve riding the drawn surface from the point along a direction of the domain (a straight
3D arrow would float above a bowl or sink into it), with a head in the surface's tangent direction at
its end and its label beside the head, turned to face the camera.
"""

from __future__ import annotations

import numpy as np
from manim import Text, VGroup, VMobject

from scenes import language
from scenes.description import Arrows
from scenes.toolkit import palette
from scenes.toolkit.surface import LossSurface

LIFT = 0.06
SAMPLES = 24
HEAD = 0.22  # scene units


def surface_arrow(loss_surface: LossSurface, at, v, color, width: float = 5.0, head: float = HEAD
                  ) -> tuple[VMobject, VMobject, np.ndarray, np.ndarray]:
    """A shaft riding the surface from ``at`` along ``v`` (domain units) and a head in the tangent direction
    at its end; returns (shaft, head, the tip, the unit direction back from the tip)."""
    s = np.linspace(0.0, 1.0, SAMPLES)[:, None]
    pts = loss_surface.surface_points(np.asarray(at, float) + s * np.asarray(v, float), lift=LIFT)
    shaft = VMobject(stroke_color=color, stroke_width=width)
    tip, back = pts[-1], pts[-1] - pts[-3]
    back = back / (np.linalg.norm(back) + 1e-12)
    head = min(head, 0.6 * float(np.linalg.norm(pts[-1] - pts[0])))  # a short arrow keeps a shaft
    shaft.set_points_as_corners(pts)
    side = np.cross(back, np.array([0.0, 0.0, 1.0]))
    side = side / (np.linalg.norm(side) + 1e-12)
    tip_mob = VMobject(stroke_width=0, fill_color=color, fill_opacity=1.0)
    tip_mob.set_points_as_corners([tip, tip - head * back + 0.5 * head * side, tip - head * back - 0.5 * head * side, tip])
    return shaft, tip_mob, tip, back


class SurfaceArrows(VGroup):
    def __init__(self, loss_surface: LossSurface, arrows: Arrows, font_size: int = 22, color=None):
        super().__init__()
        color = color or palette.HIGHLIGHT
        at = np.asarray(arrows.at, float)
        self.labels = VGroup()
        for k, v in enumerate(arrows.vectors):
            shaft, head, tip, back = surface_arrow(loss_surface, at, v, color)
            self.add(shaft, head)
            if k < len(arrows.labels):
                label = Text(language.on_screen(arrows.labels[k]), font_size=font_size, color=color)
                label.set_stroke(palette.BACKGROUND, width=4, background=True)
                label.move_to(tip + 0.45 * back + np.array([0.0, 0.0, 0.25]))
                self.labels.add(label)
        self.add(self.labels)
