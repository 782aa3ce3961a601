"""Segment 3, the cubic x^2 + y^2 + y^3 + xy (seed 002): six optimizers race; some cross the saddle."""

from __future__ import annotations

import numpy as np
from manim import FadeIn

import optmath
from optmath.optimizers import DISPLAY_NAMES
from scenes.toolkit import camera as camera_moves, palette
from scenes.segment import Segment, fmt, point

SURFACE = "cubic"
START = (-1.2, 0.8)
STEPS = 150
RACERS = {
    "sgd": dict(lr=0.1), "momentum": dict(lr=0.05, momentum=0.9), "nesterov": dict(lr=0.05, momentum=0.9),
    "adagrad": dict(lr=0.3), "rmsprop": dict(lr=0.05), "adam": dict(lr=0.1),
}
SETTLED_TOL = 1e-2
BASIN_GRID, BASIN_STEPS, BASIN_LR = 41, 300, 0.1


def _names(names: list[str]) -> str:
    names = [DISPLAY_NAMES[n] for n in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


class CubicSegment(Segment):
    segment = "cubic"

    def construct(self):
        surf = optmath.get_surface(SURFACE)
        points = optmath.critical_points(surf)
        (lo,) = [c for c in points if c.kind == "min"]
        (sad,) = [c for c in points if c.kind == "saddle"]
        loss = self.show_surface(surf)
        card = self.fix(self.title_card(self.script.title, surf))

        with self.say("intro", n_critical=len(points), formula=surf.spoken, f_min=fmt(lo.value), saddle=point(sad.xy),
                      f_saddle=fmt(sad.value)) as tr:
            self.play(FadeIn(card), FadeIn(loss.axes), run_time=1.0)
            self.play(FadeIn(loss.contours), FadeIn(loss.mesh), run_time=max(tr.duration * 0.3, 1.0))
            camera_moves.orbit(self, 35, run_time=max(tr.get_remaining_duration() - 0.2, 1.0))
        with self.say("saddle", eig_lo=fmt(sad.eigenvalues[0]), eig_hi=fmt(sad.eigenvalues[1])) as tr:
            camera_moves.fly_to(self, loss.point(*sad.xy), zoom=1.6, run_time=max(tr.duration * 0.5, 1.0))
            camera_moves.home(self, run_time=max(tr.get_remaining_duration() - 0.2, 1.0))

        runs = {name: self.run(surf, name, START, STEPS, **hyper) for name, hyper in RACERS.items()}
        race = self.race(loss, [(t, palette.optimizer_color(n)) for n, t in runs.items()])
        legend = self.legend(race)
        self.add(race)
        with self.say("race", count=len(runs), start=point(START)) as tr:
            self.play(FadeIn(legend), run_time=0.8)
            self.play(race.run(to_step=min(5, race.steps)), run_time=max(tr.get_remaining_duration() - 0.2, 1.0))

        settled = [n for n, t in runs.items() if t.diverged_at is None and np.linalg.norm(t.final - lo.xy) < SETTLED_TOL]
        gone = [n for n in runs if n not in settled]
        diverged = {n: runs[n].diverged_at for n in gone if runs[n].diverged_at is not None}
        gone_text = ""
        if diverged:
            gone_text = (f"{_names(list(diverged))} cross the pass and run off the surface, diverging at steps "
                         + ", ".join(str(k) for k in diverged.values()) + ".")
        with self.say("result", settled_count=len(settled), settled=_names(settled) if settled else "none",
                      gone=gone_text) as tr:
            camera_moves.orbit(self, -50, run_time=max(tr.duration - 0.2, 1.0),
                               added_anims=[race.run(run_time=max(tr.duration - 0.2, 1.0))])
        basin = optmath.basin_map(surf, "sgd", resolution=BASIN_GRID, steps=BASIN_STEPS, lr=BASIN_LR)
        i_min = next(i for i, c in enumerate(basin.points) if c.kind == "min")
        with self.say("basins", lr=fmt(BASIN_LR), grid=BASIN_GRID, pct_min=fmt(100 * basin.fraction(i_min), 2),
                      pct_off=fmt(100 * basin.fraction(-1), 2)) as tr:
            camera_moves.top_down(self, run_time=max(tr.duration * 0.5, 1.0))
        with self.say("outro") as tr:
            camera_moves.home(self, run_time=max(tr.duration - 0.2, 1.0))
        self.clear_overlay(legend, card)
