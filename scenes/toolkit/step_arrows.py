"""The step as vectors at the head: the gradient step, momentum's share and the step taken, on the surface.

Every arrow is a part of ``optmath.step_parts`` (read from the run's recorded
state), drawn from where the update starts: momentum's share goes tip to tail
after the gradient step, so the two visibly add up to the step; an adaptive
method's step is drawn beside the gradient step it stretches, with the
stretch of each coordinate in its label. One drawing scale holds for the
whole beat (a round number, said in the label when it is not 1), so arrows
of different steps compare truly.
"""

from __future__ import annotations

import numpy as np
from manim import MathTex, VGroup

from optmath.step_parts import StepParts, step_parts, vector_scale
from scenes.toolkit import palette
from scenes.toolkit.glyphs import merge_glyphs
from scenes.toolkit.arrows import surface_arrow
from scenes.toolkit.loss_plot import tex_number
from scenes.toolkit.race import RacePath

COLORS = {"gradient": palette.OKABE_ITO["yellow"], "momentum": palette.OKABE_ITO["reddish_purple"],
          "step": "#FFFFFF"}
# each label at its own height above its tip: on a short step the three tips are close, and labels at one
# height lay over each other (seen at 1080p in the bowl's momentum beat)
LABEL_LIFT = {"step": 0.55, "momentum": 0.2, "gradient": -0.3}
HEAD = 0.14


def part_labels(parts: StepParts, scale: float, numbers: bool = True) -> dict[str, str]:
    """The arrows' labels (LaTeX), by part; the drawing scale is named when it is not 1, and with
    ``numbers`` (one update held still) the step names its update and an adaptive step its stretch."""
    times = "" if scale == 1 else rf"\ (\times{tex_number(scale)})"
    which = rf"k={parts.k}:\ " if numbers else ""
    labels = {"step": which + r"\Delta\theta" + times, "gradient": r"-\eta\, g"}
    if parts.momentum is not None:
        labels["momentum"] = r"-\eta\mu\, b"
    elif parts.stretch is not None:
        moved = r"-\eta\, \hat m" if parts.direction is not parts.gradient else r"-\eta\, g"
        labels["gradient"] = moved
        if numbers:
            sx, sy = (tex_number(v) for v in parts.stretch)
            labels["step"] = which + rf"\Delta\theta = ({sx},\ {sy}) \odot ({moved})" + times
    return labels


class StepArrows(VGroup):
    """Arrows of one racer's update: ``at`` a fixed update, or (None) the one its head is making."""

    def __init__(self, path: RacePath, at: int | None = None, font_size: int = 22):
        super().__init__()
        self.path, self.fixed = path, at
        traj = path.racer.trajectory
        self.loss_surface = path.loss_surface
        last = min(traj.last_finite, path.last_step)
        self.parts = {k: step_parts(traj, k) for k in ([at] if at is not None else range(1, last + 1))}
        (x0, x1), _ = self.loss_surface.loss.domain
        self.drawing_scale = vector_scale(list(self.parts.values()), x1 - x0)
        self.drawn_k = None
        self.shafts, self.heads = {}, {}
        first = self.parts[min(self.parts)]
        words = part_labels(first, self.drawing_scale, numbers=at is not None)
        self.label = {name: merge_glyphs(MathTex(words[name], font_size=font_size, color=COLORS[name])
                                         .set_stroke(palette.BACKGROUND, width=4, background=True))
                      for name, _, _ in self.vectors(min(self.parts))}
        self.labels = VGroup(*self.label.values())
        self.show(self.current())
        self.add(self.labels)
        self.add_updater(lambda m: m.show(m.current()))

    def current(self) -> int:
        if self.fixed is not None:
            return self.fixed
        k = int(np.floor(self.path.step.get_value() + 1e-9)) + 1
        return int(min(max(k, 1), max(self.parts)))

    def vectors(self, k: int) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """(part, from, vector) in domain units, scaled for drawing: what the arrows are."""
        p, s = self.parts[k], self.drawing_scale
        if p.momentum is not None:
            return [("gradient", p.at, s * p.gradient), ("momentum", p.at + s * p.gradient, s * p.momentum),
                    ("step", p.at, s * p.step)]
        return [("gradient", p.at, s * (p.direction if p.direction is not None else p.gradient)),
                ("step", p.at, s * p.step)]

    def show(self, k: int) -> None:
        """Draw update ``k``: arrows and labels keep their identity (labels stay turned to the camera)."""
        if k == self.drawn_k:
            return
        self.drawn_k = k
        for name, start, v in self.vectors(k):
            shaft, head, tip, back = surface_arrow(self.loss_surface, start, v, COLORS[name], width=4.0, head=HEAD)
            if name not in self.shafts:
                self.shafts[name], self.heads[name] = shaft, head
                self.add(shaft, head)
            else:
                self.shafts[name].set_points(shaft.points)
                self.heads[name].set_points(head.points)
            seen = float(np.linalg.norm(v)) > 1e-12
            self.shafts[name].set_stroke(opacity=1.0 if seen else 0.0)
            self.heads[name].set_fill(opacity=1.0 if seen else 0.0)
            label = self.label[name]
            label.move_to(tip + 0.2 * back + np.array([0.0, 0.0, LABEL_LIFT[name]]))
            label.set_opacity(1.0 if seen else 0.0)
