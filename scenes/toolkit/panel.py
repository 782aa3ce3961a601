"""The update-equation panel: an optimizer's rule in LaTeX, with the live numbers beside it.

The rule is ``optimizer.rule`` from optmath, the very convention the numbers
use, and the values are read from the trajectory at the current whole step,
so what is printed is what moved the dot.
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN, LEFT, RIGHT, MathTex, Rectangle, SurroundingRectangle, Text, ValueTracker, VGroup,
)

from optmath import Trajectory
from scenes import language
from scenes.toolkit import palette
from scenes.toolkit.glyphs import merge_glyphs
from scenes.toolkit.mono_text import mono_text
from scenes.toolkit.wrap import wrap

VALUE_FONT = "DejaVu Sans Mono"


WIDEST_VALUE = "(+0000.0000, +0000.0000)"  # sizes the panel's box once for all steps


def _num(v) -> str:
    if not np.isfinite(v):
        return "—"
    if v != 0 and not 1e-3 <= abs(v) < 1e4:
        return f"{v:+.2e}"
    return f"{v:+.4f}"


def _pair(v) -> str:
    return f"({_num(v[0])}, {_num(v[1])})"


class UpdatePanel(VGroup):
    """Rule lines (MathTex) over live values: t, theta, f(theta), g, and the optimizer's state."""

    def __init__(self, trajectory: Trajectory, step: ValueTracker, color=None, width: float = 4.6,
                 font_size: int = 30, values: bool = True, title: bool = True, label: str | None = None):
        """``values=False`` shows only the rule's update line (a phone screen has no room for a table of
        numbers or the state's lines); ``title=False`` leaves out the optimizer's name (the legend says it);
        ``label`` is that name as the legend words it (the video's language, a schedule on its own line)."""
        super().__init__()
        self.trajectory, self.step = trajectory, step
        opt = trajectory.optimizer
        self.title = VGroup()
        if title:
            words = language.on_screen(label or trajectory.label)
            self.title = Text(words, font_size=22, color=color or palette.TEXT_COLOR)
            if self.title.width > width:  # a long configuration wraps between hyperparameters, not shrinks the panel
                self.title = Text(wrap(words, width / self.title.width), font_size=22, color=color or palette.TEXT_COLOR)
        lines = opt.rule if values else opt.rule[-1:]
        self.rule = VGroup(*[MathTex(line, font_size=font_size, color=palette.TEXT_COLOR) for line in lines])
        self.rule.arrange(DOWN, aligned_edge=LEFT, buff=0.18)
        if self.rule.width > width:
            self.rule.scale_to_fit_width(width)
        # value rows: (label tex, function of step -> text)
        rows = [
            (r"t", lambda k: f"{k}"),
            (r"\theta_t", lambda k: _pair(trajectory.xy[k])),
            (r"f(\theta_t)", lambda k: _num(trajectory.z[k])),
            (r"g_t", lambda k: _pair(trajectory.grad[k])),
        ]
        for name in opt.state_names:
            sym = opt.symbols.get(name, name)
            rows.append((sym + "_t", lambda k, n=name: _pair(trajectory.state[n][k])))
        if not values:
            rows = []
        self.labels = VGroup(*[MathTex(tex + "=", font_size=font_size - 4, color=palette.TEXT_COLOR) for tex, _ in rows])
        self.built_width = None  # set below: new value texts are scaled as the panel has been since
        self.formatters = [f for _, f in rows]
        # Start from the step the race is at now: an updater that swapped texts during the
        # panel's own FadeIn would change its family mid-animation.
        self.shown_step = self.current_step()
        self.values = VGroup(*[self._value_text(f(self.shown_step)) for f in self.formatters])
        self.table = VGroup()
        for label, value in zip(self.labels, self.values):
            self.table.add(VGroup(label, value))
        self._layout()
        table_width = self.labels.width + 0.15 + self._value_text(WIDEST_VALUE).width if rows else 0.0
        self.box = Rectangle(width=max(self.rule.width, self.title.width if title else 0.0, table_width) + 0.4,
                             height=self._stack().height + 0.35)
        self.box.set_stroke(palette.CONTOUR_COLOR, width=1, opacity=0.5).set_fill(palette.BACKGROUND, opacity=0.78)
        self.box.move_to(self._stack()).align_to(self._stack().get_left() + LEFT * 0.2, LEFT)
        self.add(self.box, self.title, self.rule, self.table)
        merge_glyphs(VGroup(self.title, self.rule, self.labels))
        self.built_width = self.box.width
        self.highlighter = VGroup()
        self.add(self.highlighter)
        # A scene that pins this panel to the frame sets this, so parts made later
        # (new value texts, the highlight box) are pinned too.
        self.pin = lambda *mobjects: None
        self.unpin = lambda *mobjects: None
        self.add_updater(lambda m: m._refresh())

    def _value_text(self, s: str) -> VGroup:
        # ``+1.23e-05`` is shown ``+1.23×10⁻⁵``: as wide as ``+0000.0000`` in the monospaced font
        return merge_glyphs(mono_text(language.on_screen(s), VALUE_FONT, 18, palette.TEXT_COLOR))

    def _stack(self) -> VGroup:
        return VGroup(*[m for m in (self.title, self.rule, self.table) if m.get_family()[1:] or m.has_points()])

    def _layout(self) -> None:
        self.labels.arrange(DOWN, aligned_edge=RIGHT, buff=0.12)
        for label, value in zip(self.labels, self.values):
            self._place(value, label)
        self._stack().arrange(DOWN, aligned_edge=LEFT, buff=0.25)

    def _place(self, value, label, scale: float = 1.0) -> None:
        """Values in one column, left-aligned just right of the widest label."""
        value.move_to(label.get_center(), coor_mask=[0, 1, 0])
        value.align_to(self.labels.get_right() + RIGHT * 0.15 * scale, LEFT)

    def current_step(self) -> int:
        t = self.trajectory
        return int(min(max(np.floor(self.step.get_value() + 1e-9), 0), t.last_finite))

    def _refresh(self) -> None:
        k = self.current_step()
        if k == self.shown_step:
            return
        self.shown_step = k
        scale = self.box.width / self.built_width  # a layout may have scaled the panel to fit its slot
        for fmt, label, value in zip(self.formatters, self.labels, self.values):
            new = self._value_text(fmt(k)).scale(scale)
            self._place(new, label, scale)
            # Mutate in place: Manim draws an animation's moving mobjects from a list
            # taken when the animation began, so a swapped-in mobject would leave the
            # old one on screen as a ghost.
            before = value.get_family()
            paths, new_paths = value.family_members_with_points(), new.family_members_with_points()
            if len(paths) == len(new_paths) == 1:  # one path each (merged glyphs): take its points, its style
                paths[0].points = new_paths[0].points  # stays (a fade); ``become`` would first align the two
            else:
                value.become(new)
            after = value.get_family()
            # forget the replaced glyphs, or the camera's pinned set keeps every old digit alive
            self.unpin(*[m for m in before if m not in after])
            self.pin(*after)

    def highlight(self, line: int):
        """A box around rule line ``line`` (the term being narrated); returns the animation."""
        from manim import Create, Transform

        target = SurroundingRectangle(self.rule[line], color=palette.HIGHLIGHT, buff=0.06, stroke_width=2.5)
        self.pin(target)
        if len(self.highlighter) == 0:
            self.highlighter.add(target)
            return Create(target)
        return Transform(self.highlighter[0], target)
