"""The data-and-fit panel of the model-fitting segment: seed 001's scatter with live fitted curves.

Curves keep their identity and only change their points, so a panel pinned
to the frame stays pinned while the fit moves.
"""

from __future__ import annotations

import numpy as np
from manim import UP, Axes, Dot, MathTex, Rectangle, ValueTracker, VGroup, VMobject

from optmath import Trajectory
from optmath.surfaces import FitData
from scenes.toolkit import palette

CURVE_SAMPLES = 80


class FitPlot(VGroup):
    def __init__(self, data: FitData, width: float = 4.2, height: float = 2.6):
        super().__init__()
        self.data = data
        lo, hi = float(data.y.min()), float(data.y.max())
        pad = 0.15 * (hi - lo)
        self.y_range = (lo - pad, hi + pad)
        self.axes = Axes(x_range=[-1, 1, 0.5], y_range=[self.y_range[0], self.y_range[1], (hi - lo) / 4],
                         x_length=width, y_length=height, tips=False,
                         axis_config={"stroke_width": 1.5, "include_ticks": False, "stroke_opacity": 0.7})
        self.scatter = VGroup(*[Dot(self.axes.c2p(x, y), radius=0.018, color=palette.TEXT_COLOR, fill_opacity=0.6)
                                for x, y in zip(data.x[::2], data.y[::2])])
        self.caption = MathTex("y = " + data.model_latex.replace("_i", ""), font_size=26, color=palette.TEXT_COLOR)
        self.caption.next_to(self.axes, UP, buff=0.12)
        self.box = Rectangle(width=width + 0.4, height=height + 0.9).set_stroke(palette.CONTOUR_COLOR, 1, 0.5)
        self.box.set_fill(palette.BACKGROUND, opacity=0.8).move_to(VGroup(self.axes, self.caption))
        self.curves = VGroup()
        self.add(self.box, self.axes, self.scatter, self.caption, self.curves)

    def curve_points(self, a: float, b: float) -> np.ndarray:
        xs = np.linspace(-1, 1, CURVE_SAMPLES)
        ys = np.clip(self.data.predict(a, b, xs), *self.y_range)
        return np.array([self.axes.c2p(x, y) for x, y in zip(xs, ys)])

    def track(self, trajectory: Trajectory, step: ValueTracker, color) -> VMobject:
        """A curve that shows the model at the trajectory's current parameters."""
        curve = VMobject(stroke_color=color, stroke_width=3.5)

        def follow(c):
            k = int(min(max(np.floor(step.get_value() + 1e-9), 0), trajectory.last_finite))
            a, b = trajectory.xy[k]
            c.set_points_smoothly(self.curve_points(a, b))

        follow(curve)
        curve.add_updater(follow)
        self.curves.add(curve)
        return curve
