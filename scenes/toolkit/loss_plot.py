"""Loss against step beside a race: one curve per racer, growing with its head on the surface.

The curves read the race's own step tracker, so a curve's end is always the
head's step; a path that leaves the plot ends its curve with the surface's
cross at the same moment. The axis (linear or log, its ticks) is optmath's
``loss_axis``, chosen from the runs; the values are the runs' ``z``.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Line, MathTex, Rectangle, VGroup, VMobject

from optmath.loss_curves import LossAxis, loss_axis, loss_curve
from scenes import language
from scenes.description import fmt
from scenes.toolkit import palette
from scenes.toolkit.glyphs import merge_glyphs
from scenes.toolkit.race import Race, RacePath

WIDTH, HEIGHT = 3.3, 1.9  # the plot's own size before it is fitted into its slot: labels keep the legend's type
COMPACT_WIDTH, COMPACT_HEIGHT = 4.8, 0.75  # a phone's strip, at the phone's larger type


def tex_number(value: float) -> str:
    """A value as ``fmt`` writes it, in LaTeX: ``1.47\\times10^{-5}``, never ``1.47e-5``."""
    return language.on_screen_tex(fmt(value))


def _tick_label(value: float, log: bool, font_size: int) -> MathTex:
    text = f"10^{{{int(round(np.log10(value)))}}}" if log else tex_number(value)
    return MathTex(text, font_size=font_size, color=palette.TEXT_COLOR)


def corners(curve: VMobject) -> np.ndarray:
    """A polyline's corners, in order (each cubic piece's first anchor, then the last one's end)."""
    pts = np.asarray(curve.points)
    return np.vstack([pts[::4], pts[-1:]])


class LossCurve(VMobject):
    """One racer's f against step, drawn up to the race's current step (fractional between updates)."""

    def __init__(self, plot: LossPlot, path: RacePath):
        super().__init__(stroke_color=path.racer.color, stroke_width=3.5)
        self.plot, self.path = plot, path
        self.values = loss_curve(path.racer.trajectory, path.loss_surface.loss)
        self.heights = plot.axis.height(self.values)
        self.mark = VGroup()
        if path.exit_step is not None:
            r = 0.07
            self.mark = VGroup(Line([-r, -r, 0], [r, r, 0]), Line([-r, r, 0], [r, -r, 0]))
            self.mark.set_stroke(palette.MARKER_COLOR, width=4)
        self.add_updater(lambda m: m.follow())

    def shown_upto(self) -> float:
        return min(max(self.path.step.get_value(), 0.0), float(len(self.values) - 1))

    def follow(self) -> None:
        s = self.shown_upto()
        k = int(np.floor(s + 1e-9))
        steps = np.arange(k + 1, dtype=float)
        heights = self.heights[: k + 1]
        if s - k > 1e-9 and k + 1 < len(self.heights):
            steps = np.append(steps, s)
            heights = np.append(heights, heights[-1] + (s - k) * (self.heights[k + 1] - heights[-1]))
        pts = self.plot.to_frame(steps, heights)
        if len(pts) == 1:
            pts = np.vstack([pts, pts])
        self.set_points_as_corners(pts)
        gone = self.path.exit_step is not None and self.path.step.get_value() >= self.path.max_step
        if len(self.mark):
            self.mark.move_to(pts[-1])
            self.mark.set_stroke(opacity=1.0 if gone else 0.0)


class LossPlot(VGroup):
    """The plot: a box, axes with ticks chosen by optmath, and a growing curve per racer of ``race``."""

    def __init__(self, race: Race, font_size: int = 18, compact: bool = False):
        """``compact``: a phone's strip under the surface, wide and low: the curves' shapes (who falls first,
        who stalls) with the axis' name, no ticks (numbers at a phone's type size would take the surface's room)."""
        super().__init__()
        self.race = race
        self.axis: LossAxis = loss_axis([loss_curve(p.racer.trajectory, p.loss_surface.loss) for p in race.paths],
                                        race.steps)
        # MathTex digits stand lower than Text's capitals at one font size: a phone's 40 px floor needs 4/3
        # of the legend's size, the lecture's 18 px floor 1.15 of it
        font_size = round(font_size * (4 / 3 if compact else 1.15))
        width, height = (COMPACT_WIDTH, COMPACT_HEIGHT) if compact else (WIDTH, HEIGHT)
        self.frame_box = Rectangle(width=width, height=height, stroke_width=0)
        self.x_axis = Line(self.frame_box.get_corner(DOWN + LEFT), self.frame_box.get_corner(DOWN + RIGHT))
        self.y_axis = Line(self.frame_box.get_corner(DOWN + LEFT), self.frame_box.get_corner(UP + LEFT))
        VGroup(self.x_axis, self.y_axis).set_stroke(palette.TEXT_COLOR, width=1.5, opacity=0.7)
        self.labels = merge_glyphs(self._compact_labels(font_size) if compact else self._labels(font_size))
        self.curves = VGroup(*[LossCurve(self, p) for p in race.paths])
        self.marks = VGroup(*[c.mark for c in self.curves])
        inner = VGroup(self.frame_box, self.x_axis, self.y_axis, self.labels)
        self.backdrop = Rectangle(width=inner.width + 0.4, height=inner.height + 0.3).move_to(inner)
        self.backdrop.set_stroke(palette.CONTOUR_COLOR, 1, 0.5).set_fill(palette.BACKGROUND, opacity=0.8)
        self.add(self.backdrop, self.frame_box, self.x_axis, self.y_axis, self.labels, self.curves, self.marks)
        for c in self.curves:
            c.follow()

    def _compact_labels(self, font_size: int) -> VGroup:
        """The axis' name at its left middle: no ticks, no row of its own above the box."""
        name = MathTex("f" + (r"\ (\log)" if self.axis.log else ""), font_size=font_size, color=palette.TEXT_COLOR)
        return VGroup(name.next_to(self.frame_box.get_left(), LEFT, buff=0.1))

    def _labels(self, font_size: int) -> VGroup:
        """Ticks with their values and grid lines, the steps' ends, both axes' names."""
        box = self.frame_box
        ticks = VGroup()
        for value in self.axis.ticks:
            y = self._y(self.axis.height([value])[0])
            label = _tick_label(value, self.axis.log, font_size)
            label.next_to(np.array([box.get_left()[0], y, 0.0]), LEFT, buff=0.1)
            ticks.add(Line([box.get_left()[0], y, 0], [box.get_right()[0], y, 0])
                      .set_stroke(palette.CONTOUR_COLOR, width=0.8, opacity=0.35), label)
        end = MathTex(str(self.axis.steps), font_size=font_size, color=palette.TEXT_COLOR)
        end.next_to(box.get_corner(DOWN + RIGHT), DOWN, buff=0.1)
        zero = MathTex("0", font_size=font_size, color=palette.TEXT_COLOR)
        zero.next_to(box.get_corner(DOWN + LEFT), DOWN, buff=0.1)
        x_name = MathTex("k", font_size=font_size, color=palette.TEXT_COLOR).next_to(box.get_bottom(), DOWN, buff=0.1)
        y_name = MathTex(r"f(x_k, y_k)" + (r"\ \ (\log)" if self.axis.log else ""), font_size=font_size,
                         color=palette.TEXT_COLOR)
        y_name.next_to(box, UP, buff=0.15, aligned_edge=LEFT)
        return VGroup(ticks, zero, end, x_name, y_name)

    def _y(self, height: float) -> float:
        return self.frame_box.get_bottom()[1] + height * self.frame_box.height

    def to_frame(self, steps: np.ndarray, heights: np.ndarray) -> np.ndarray:
        """Points of the plot (step, height 0..1) where the box now is (after fitting into a slot)."""
        left, bottom = self.frame_box.get_left()[0], self.frame_box.get_bottom()[1]
        x = left + np.asarray(steps, float) / self.axis.steps * self.frame_box.width
        y = bottom + np.asarray(heights, float) * self.frame_box.height
        return np.column_stack([x, y, np.zeros_like(x)])

    def curve_values(self, curve: LossCurve) -> tuple[np.ndarray, np.ndarray]:
        """(steps, f) read back from a curve's drawn corners: what a test compares with the run's ``z``."""
        pts = corners(curve)
        left, bottom = self.frame_box.get_left()[0], self.frame_box.get_bottom()[1]
        steps = (pts[:, 0] - left) / self.frame_box.width * self.axis.steps
        h = (pts[:, 1] - bottom) / self.frame_box.height
        if self.axis.log:
            lo, hi = np.log10(self.axis.lo), np.log10(self.axis.hi)
            return steps, 10 ** (lo + h * (hi - lo))
        return steps, self.axis.lo + h * (self.axis.hi - self.axis.lo)
