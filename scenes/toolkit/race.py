"""Optimizers racing over a surface: one dot and growing trail per trajectory, one shared step.

Every path reads the same ``ValueTracker`` (the step, fractional between
updates), so animating that tracker moves all racers in sync.  Between two
steps a dot slides over the surface (the segment is sampled and lifted onto
it) rather than cutting through hills.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from manim import (
    DOWN, LEFT, RIGHT, UP, Dot, Line, Text, ValueTracker, VGroup, VMobject, ManimColor,
)

from optmath import Trajectory
from scenes import language
from scenes.description import exit_step
from scenes.toolkit import palette
from scenes.toolkit.surface import LossSurface
from scenes.toolkit.wrap import wrap

SAMPLES_PER_STEP = 6
LIFT = 0.03  # scene units above the surface, so trails are not buried in it
TRAIL_WIDTH = 4.0


@dataclass
class Racer:
    trajectory: Trajectory
    color: ManimColor
    label: str | None = None  # default: the optimizer's own configuration

    @property
    def text(self) -> str:
        return self.label or self.trajectory.label


def _exit_step(loss_surface: LossSurface, traj: Trajectory) -> tuple[int, np.ndarray | None]:
    """Last step drawn inside the plot, and where the path crosses the plot's edge (if it does)."""
    surf = loss_surface.loss
    k = exit_step(traj, surf)  # first step outside the plot (or NaN)
    if k is None:
        return traj.steps, None
    if k == 0:
        return 0, traj.xy[0]
    a, b = traj.xy[k - 1], traj.xy[k]
    if not np.all(np.isfinite(b)):
        return k - 1, a
    (x0, x1), (y0, y1) = surf.domain
    # largest s in [0, 1] with a + s (b - a) inside the box
    s = 1.0
    for lo, hi, pa, pb in ((x0, x1, a[0], b[0]), (y0, y1, a[1], b[1])):
        if pb > hi:
            s = min(s, (hi - pa) / (pb - pa))
        if pb < lo:
            s = min(s, (lo - pa) / (pb - pa))
    return k - 1, a + max(0.0, s) * (b - a)


class RacePath(VGroup):
    """Trail + dot (+ exit marker) of one trajectory, driven by ``step``."""

    def __init__(self, loss_surface: LossSurface, racer: Racer, step: ValueTracker, camera=None):
        super().__init__()
        self.racer, self.step = racer, step
        self.loss_surface, self.camera = loss_surface, camera
        traj = racer.trajectory
        self.last_step, self.exit_xy = _exit_step(loss_surface, traj)
        xy = traj.xy[: self.last_step + 1]
        if self.exit_xy is not None:
            xy = np.vstack([xy, self.exit_xy[None]])
        # dense samples along the piecewise-linear path, lifted onto the surface
        if len(xy) > 1:
            s = np.linspace(0, 1, SAMPLES_PER_STEP, endpoint=False)
            dense = np.vstack([a + s[:, None] * (b - a) for a, b in zip(xy[:-1], xy[1:])] + [xy[-1:]])
        else:
            dense = xy
        self.dense = loss_surface.surface_points(dense, lift=LIFT)
        self.max_step = len(xy) - 1  # the exit point, when there is one, is the last drawn step
        self.trail = VMobject(stroke_color=racer.color, stroke_width=TRAIL_WIDTH)
        self.trail.set_stroke(palette.BACKGROUND, width=TRAIL_WIDTH + 3, background=True)
        # the parts of the path that a hill hides from the camera: drawn faint, not on top
        self.trail_hidden = VMobject(stroke_color=racer.color, stroke_width=TRAIL_WIDTH * 0.6, stroke_opacity=0.35)
        self.trail.base_opacity, self.trail_hidden.base_opacity = 1.0, 0.35
        self.dot = Dot(radius=0.07, color=racer.color, stroke_width=1.5).set_stroke(palette.BACKGROUND, width=1.5)
        self.dot.move_to(self.dense[0])
        self.trail.set_points_as_corners([self.dense[0], self.dense[0]])
        self.marker = self._cross(self.dense[-1]) if self.exit_xy is not None else VGroup()
        self.marker.set_opacity(0)
        self.add(self.trail_hidden, self.trail, self.marker, self.dot)
        self.add_updater(lambda m: m._follow())

    @property
    def exit_step(self) -> int | None:
        """Step at which the path leaves the plot, or None if it stays."""
        return None if self.exit_xy is None else self.last_step + 1

    def _cross(self, at: np.ndarray) -> VGroup:
        r = 0.13
        return VGroup(
            Line(at + np.array([-r, -r, 0]), at + np.array([r, r, 0])),
            Line(at + np.array([-r, r, 0]), at + np.array([r, -r, 0])),
        ).set_stroke(palette.MARKER_COLOR, width=5)

    def head_index(self) -> float:
        return min(max(self.step.get_value(), 0.0), float(self.max_step)) * SAMPLES_PER_STEP

    def _follow(self) -> None:
        h = self.head_index()
        i = int(np.floor(h))
        frac = h - i
        pts = self.dense[: i + 1]
        if frac > 1e-9 and i + 1 < len(self.dense):
            pts = np.vstack([pts, self.dense[i] + frac * (self.dense[i + 1] - self.dense[i])])
        if len(pts) == 1:
            pts = np.vstack([pts, pts])
        hidden = self._hidden(pts, i + 1)
        self._set_runs(self.trail, pts, ~hidden)
        self._set_runs(self.trail_hidden, pts, hidden)
        self.dot.move_to(pts[-1])
        gone = self.exit_xy is not None and self.step.get_value() >= self.max_step
        self.marker.set_stroke(opacity=1.0 if gone else 0.0)
        self.dot.set_opacity(0.0 if gone else (0.35 if hidden[-1] else 1.0))

    def _hidden(self, pts: np.ndarray, dense: int) -> np.ndarray:
        """Which of ``pts`` a hill hides from the camera; the first ``dense`` are ``self.dense[:dense]``.

        A path's samples do not move, so while the camera holds still their flags are kept and only
        the samples the head has reached since the last frame are tested (each point's test is its
        own row of NumPy, so the flags are the same bits as testing the whole path every frame,
        which grew with the path: a tenth of a race frame's time)."""
        if self.camera is None:
            return np.zeros(len(pts), bool)
        # the matrix of the camera's angles now: ``get_rotation_matrix`` is the one of the last frame drawn
        # (Manim renews it when it captures one), a frame behind in a turn, and in a chunk that skips a turn
        # it is whatever frame was drawn last: the trail's split came out different from the whole render's
        rot = self.camera.generate_rotation_matrix()
        eye = np.asarray(self.camera.frame_center, float) + rot.T @ np.array([0.0, 0.0, self.camera.get_focal_distance()])
        key, flags = getattr(self, "_hidden_flags", (None, None))
        if key != eye.tobytes():
            key, flags = eye.tobytes(), np.zeros(0, bool)
        if len(flags) < dense:
            flags = np.concatenate([flags, self.loss_surface.hidden(self.dense[len(flags):dense], eye)])
            self._hidden_flags = (key, flags)
        rest = pts[dense:]  # the head between two samples, or the lone first point again
        return np.concatenate([flags[:dense], self.loss_surface.hidden(rest, eye)]) if len(rest) else flags[:dense]

    @staticmethod
    def _set_runs(vmob: VMobject, pts: np.ndarray, mask: np.ndarray) -> None:
        """Polyline through the points where ``mask`` holds, broken where it does not."""
        vmob.clear_points()
        # a segment belongs to a run when both its ends do; keep runs of at least 2 points
        edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(int), [0]])))
        for start, stop in zip(edges[::2], edges[1::2]):
            if stop - start >= 2:
                vmob.start_new_path(pts[start])
                vmob.add_points_as_corners(pts[start + 1 : stop])
        if not vmob.has_points():
            vmob.set_points_as_corners([pts[0], pts[0]])
            vmob.set_stroke(opacity=0.0)
        else:
            vmob.set_stroke(opacity=vmob.base_opacity)


class Legend(VGroup):
    """One row per racer: colour, configuration, and what became of it.

    The status ("diverged at step k") is known from the trajectory, so it is
    built up front and only revealed when the race gets there: the legend's
    family never changes while an animation holds it.
    """

    def __init__(self, paths: list[RacePath], font_size: int = 18, notes_below: bool = False,
                 max_width: float | None = None):
        """``max_width``: a row wider than this (a long configuration and its "diverged at step k") takes
        its note onto a line of its own and then wraps its label between hyperparameters, rather than
        shrinking the whole legend until every word is small."""
        super().__init__()
        self.paths = paths
        self.rows = VGroup()
        self.notes = []
        for p in paths:
            swatch = Line(LEFT * 0.18, RIGHT * 0.18, stroke_width=6, color=p.racer.color).scale(font_size / 18)
            words = language.on_screen(p.racer.text)
            text = Text(words, font_size=font_size, color=palette.TEXT_COLOR)
            status = self.status(p)
            note = Text(language.on_screen(status) or " ", font_size=font_size - 2, color=palette.MARKER_COLOR)
            below = notes_below
            if max_width is not None:
                room = max_width - swatch.width - 0.15
                below = below or (bool(status) and text.width + 0.2 + note.width > room)
                if text.width > room:
                    text = Text(wrap(words, room / text.width), font_size=font_size, color=palette.TEXT_COLOR)
            row = VGroup(swatch, text).arrange(RIGHT, buff=0.15)
            if "\n" in text.text:  # a wrapped row: the swatch beside its first line
                swatch.set_y(text.get_top()[1] - Text("Ag", font_size=font_size).height / 2)
            if below and status:
                note.next_to(text, DOWN, buff=0.08, aligned_edge=LEFT)
            else:
                note.next_to(text, RIGHT, buff=0.2)
            row.add(note)
            self.notes.append(note if status else None)
            self.rows.add(row)
        self.rows.arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        self.add(self.rows)
        self.add_updater(lambda m: m._refresh())

    @staticmethod
    def status(path: RacePath) -> str:
        traj = path.racer.trajectory
        if path.exit_step is None:
            return ""
        if traj.diverged_at is not None:
            return language.word("diverged", step=traj.diverged_at)
        return language.word("left", step=path.exit_step)

    def _refresh(self) -> None:
        for note, path in zip(self.notes, self.paths):
            if note is not None:
                shown = path.step.get_value() >= path.max_step
                note.set_opacity(1.0 if shown else 0.0)


class Race(VGroup):
    """Several racers on one surface with a shared step tracker and a legend."""

    def __init__(self, loss_surface: LossSurface, racers: list[Racer], step: ValueTracker | None = None,
                 camera=None, legend_font_size: int = 18, notes_below: bool = False, legend_width: float | None = None):
        super().__init__()
        self.step = step or ValueTracker(0)
        self.paths = [RacePath(loss_surface, r, self.step, camera) for r in racers]
        self.legend = Legend(self.paths, font_size=legend_font_size, notes_below=notes_below, max_width=legend_width)
        self.add(*self.paths)

    @property
    def steps(self) -> int:
        return max(p.racer.trajectory.steps for p in self.paths)

    def run(self, to_step: float | None = None, **kwargs):
        """An animation of every racer to ``to_step`` (default: the end)."""
        from manim import linear

        return self.step.animate(rate_func=kwargs.pop("rate_func", linear), **kwargs).set_value(
            self.steps if to_step is None else to_step)


def place_legend(legend: Legend, frame_corner=UP + LEFT) -> Legend:
    legend.to_corner(frame_corner, buff=0.35)
    return legend
