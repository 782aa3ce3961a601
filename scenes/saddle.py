"""Segment 1, the saddle x^2 - y^2 (seed 000): stalling on the ridge, escaping it, and Adam's first step."""

from __future__ import annotations

import numpy as np
from manim import Create, FadeIn, FadeOut

import optmath
from scenes.toolkit import camera as camera_moves, palette
from scenes.segment import Segment, fmt, point

SURFACE = "saddle"
LR_GD = 0.1
STALL_START, ESCAPE_START = (1.0, 0.0), (1.0, 0.25)
RIDGE_START = (0.2, 1e-8)
LR_ADAM = 0.05
STEPS = 40


class SaddleSegment(Segment):
    segment = "saddle"

    def construct(self):
        surf = optmath.get_surface(SURFACE)
        (cp,) = optmath.critical_points(surf)
        loss = self.show_surface(surf)
        card = self.fix(self.title_card(self.script.title, surf))

        with self.say("intro", formula=surf.spoken, eig_lo=fmt(cp.eigenvalues[0]), eig_hi=fmt(cp.eigenvalues[1])) as tr:
            self.play(FadeIn(card), Create(loss.axes), run_time=1.0)
            self.play(FadeIn(loss.contours), FadeIn(loss.mesh), run_time=max(tr.duration * 0.4, 1.0))
            camera_moves.orbit(self, 40, run_time=max(tr.get_remaining_duration() - 0.2, 1.0))

        # 1. plain GD from the symmetric start stalls on the saddle point
        stall = self.run(surf, "sgd", STALL_START, STEPS, lr=LR_GD)
        race = self.race(loss, [(stall, palette.optimizer_color("sgd"))])
        legend = self.legend(race)
        panel = self.panel(stall, race, color=palette.optimizer_color("sgd"))
        self.add(race)
        with self.say("stall", start=point(STALL_START), lr=fmt(LR_GD), factor=fmt(1 - 2 * LR_GD), steps=stall.steps,
                      x_final=fmt(stall.final[0])) as tr:
            self.play(FadeIn(legend), FadeIn(panel), run_time=0.8)
            self.play(race.run(), run_time=max(tr.get_remaining_duration() - 0.2, 1.0))
        with self.say("why", grad_rule="two x, minus two y", x_map="one minus two eta", y_map="one plus two eta",
                      lr=fmt(LR_GD), factor=fmt(1 - 2 * LR_GD), growth=fmt(1 + 2 * LR_GD),
                      y_zero=fmt(STALL_START[1])) as tr:
            camera_moves.orbit(self, -20, run_time=max(tr.duration - 0.2, 1.0))
        with self.say("stall_zoom", g_final=fmt(np.linalg.norm(stall.grad[stall.last_finite]))) as tr:
            camera_moves.fly_to(self, loss.point(0.0, 0.0), zoom=1.7, run_time=max(tr.duration * 0.45, 1.0),
                                added_anims=[panel.highlight(0)])
            camera_moves.home(self, run_time=max(tr.get_remaining_duration() - 0.2, 1.0))
        self.clear_overlay(legend, panel)
        self.play(FadeOut(race), run_time=0.5)
        self.remove(race)

        # 2. a nudge off the valley floor escapes
        escape = self.run(surf, "sgd", ESCAPE_START, STEPS, lr=LR_GD)
        race = self.race(loss, [(stall, palette.optimizer_color("sgd", 1)), (escape, palette.optimizer_color("sgd"))],
                         show_start=True)
        legend = self.legend(race)
        exit_step = race.paths[1].exit_step
        with self.say("escape", start=point(ESCAPE_START), growth=fmt(1 + 2 * LR_GD),
                      exit=exit_step if exit_step is not None else escape.steps) as tr:
            self.add(race)
            self.play(FadeIn(legend), run_time=0.6)
            camera_moves.orbit(self, -30, run_time=max(tr.get_remaining_duration() - 0.2, 1.0),
                               added_anims=[race.run(run_time=max(tr.get_remaining_duration() - 0.2, 1.0))])
        self.clear_overlay(legend)
        self.play(FadeOut(race), run_time=0.5)
        self.remove(race)

        # 3. on the ridge: SGD crawls, Adam's sign-sized first step breaks the symmetry
        sgd = self.run(surf, "sgd", RIDGE_START, STEPS, lr=LR_GD)
        adam = self.run(surf, "adam", RIDGE_START, STEPS, lr=LR_ADAM)
        race = self.race(loss, [(sgd, palette.optimizer_color("sgd")), (adam, palette.optimizer_color("adam"))])
        legend = self.legend(race)
        self.add(race)
        with self.say("symmetry", start=point(RIDGE_START), lr_sgd=fmt(LR_GD),
                      growth=fmt(1 + 2 * LR_GD), steps=sgd.steps, sgd_y=fmt(sgd.final[1])) as tr:
            self.play(FadeIn(legend), run_time=0.6)
            self.play(race.run(to_step=sgd.steps / 2), run_time=max(tr.get_remaining_duration() - 0.2, 1.0))
        panel = self.panel(adam, race, color=palette.optimizer_color("adam"))
        adam_exit = race.paths[1].exit_step
        with self.say("adam", lr_adam=fmt(LR_ADAM), y0=fmt(RIDGE_START[1]), adam_y1=fmt(adam.xy[1, 1]),
                      adam_exit=adam_exit if adam_exit is not None else adam.steps) as tr:
            self.play(FadeIn(panel), panel.highlight(2), run_time=1.0)
            self.play(race.run(), run_time=max(tr.get_remaining_duration() - 0.2, 1.0))
        with self.say("outro") as tr:
            camera_moves.top_down(self, run_time=max(tr.duration * 0.5, 1.0), zoom=1.1, room_right=2.2)
            camera_moves.home(self, run_time=max(tr.get_remaining_duration() - 0.2, 1.0))
        self.clear_overlay(legend, panel, card)
