"""Arrows that lie on the surface: the Hessian's eigenvectors at a point, each labelled with its eigenvalue.

An arrow is a curve riding the drawn surface from the point along a direction of the domain (a straight
3D arrow would float above a bowl or sink into it), with a head in the surface's tangent direction at
its end and its label beside the head, turned to face the camera.
"""

from __future__ import annotations

import numpy as np
from manim import Text, VGroup, VMobject

from scenes.description import Arrows
from scenes.toolkit import palette
from scenes.toolkit.surface import LossSurface

LIFT = 0.06
SAMPLES = 24
HEAD = 0.22  # scene units


class SurfaceArrows(VGroup):
    def __init__(self, loss_surface: LossSurface, arrows: Arrows, font_size: int = 22, color=None):
        super().__init__()
        color = color or palette.HIGHLIGHT
        at = np.asarray(arrows.at, float)
        self.labels = VGroup()
        for k, v in enumerate(arrows.vectors):
            v = np.asarray(v, float)
            s = np.linspace(0.0, 1.0, SAMPLES)[:, None]
            pts = loss_surface.surface_points(at + s * v, lift=LIFT)
            shaft = VMobject(stroke_color=color, stroke_width=5)
            shaft.set_points_as_corners(pts)
            tip, back = pts[-1], pts[-1] - pts[-3]
            back = back / (np.linalg.norm(back) + 1e-12)
            side = np.cross(back, np.array([0.0, 0.0, 1.0]))
            side = side / (np.linalg.norm(side) + 1e-12)
            head = VMobject(stroke_width=0, fill_color=color, fill_opacity=1.0)
            head.set_points_as_corners([tip, tip - HEAD * back + 0.5 * HEAD * side,
                                        tip - HEAD * back - 0.5 * HEAD * side, tip])
            self.add(shaft, head)
            if k < len(arrows.labels):
                label = Text(arrows.labels[k], font_size=font_size, color=color)
                label.set_stroke(palette.BACKGROUND, width=4, background=True)
                label.move_to(tip + 0.45 * back + np.array([0.0, 0.0, 0.25]))
                self.labels.add(label)
        self.add(self.labels)
