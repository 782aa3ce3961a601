"""Segment 2, the elongated bowl 0.1x^2 + 2y^2 (seed 004): zig-zag, momentum, adaptive steps, divergence."""

from __future__ import annotations

import numpy as np
from manim import DEGREES, FadeIn, FadeOut

import optmath
from scenes.toolkit import camera as camera_moves, palette
from scenes.segment import Segment, fmt, point

SURFACE = "bowl"
START = (-5.0, -2.0)
STEPS = 60
SGD = dict(lr=0.4)
HEAVY = dict(lr=0.05, momentum=0.8)
ADAPTIVE = {"adagrad": dict(lr=1.0), "rmsprop": dict(lr=0.1), "adam": dict(lr=0.3)}
OVER_BOUND = 1.04  # the diverging run uses 4% above 2/lambda_max
OPTIMAL_START = (-5.0, -1.0)  # the optimal heavy ball's first step stays inside the plot from here


class BowlSegment(Segment):
    segment = "bowl"
    # steep walls: a higher camera, or the near wall hides the valley floor
    view = {"phi": 40 * DEGREES, "theta": -75 * DEGREES, "zoom": 1.0}
    surface_height = 1.2  # a shallower drawing of the same bowl, so its floor stays in sight

    def construct(self):
        surf = optmath.get_surface(SURFACE)
        (cp,) = optmath.minima(surf)
        bounds = optmath.step_bounds(surf, cp.xy)
        loss = self.show_surface(surf, height=self.surface_height)
        card = self.fix(self.title_card(self.script.title, surf))
        col = palette.optimizer_color

        with self.say("intro", formula=surf.spoken, l_min=fmt(bounds.lambda_min), l_max=fmt(bounds.lambda_max),
                      kappa=fmt(bounds.lambda_max / bounds.lambda_min), start=point(START)) as tr:
            self.play(FadeIn(card), FadeIn(loss.axes), run_time=1.0)
            self.play(FadeIn(loss.contours), FadeIn(loss.mesh), run_time=max(tr.duration * 0.3, 1.0))
            camera_moves.orbit(self, 30, run_time=max(tr.get_remaining_duration() - 0.2, 1.0))

        # 1. SGD zig-zags
        sgd = self.run(surf, "sgd", START, STEPS, **SGD)
        race = self.race(loss, [(sgd, col("sgd"))])
        legend, panel = self.legend(race), self.panel(sgd, race, color=col("sgd"))
        self.add(race)
        with self.say("sgd", lr=fmt(SGD["lr"]), y_factor=fmt(1 - 4 * SGD["lr"]), x_factor=fmt(1 - 0.2 * SGD["lr"]),
                      steps=min(20, sgd.steps), x_final=fmt(sgd.xy[min(20, sgd.steps), 0])) as tr:
            self.play(FadeIn(legend), FadeIn(panel), run_time=0.8)
            self.play(race.run(to_step=min(20, sgd.steps)), run_time=max(tr.get_remaining_duration() - 0.2, 1.0))
        self.clear_overlay(legend, panel)
        self.play(FadeOut(race), run_time=0.5)
        self.remove(race)

        # 2. Momentum and Nesterov overshoot and settle
        heavy = self.run(surf, "momentum", START, STEPS, **HEAVY)
        nag = self.run(surf, "nesterov", START, STEPS, **HEAVY)
        race = self.race(loss, [(sgd, col("sgd")), (heavy, col("momentum")), (nag, col("nesterov"))])
        legend, panel = self.legend(race), self.panel(heavy, race, color=col("momentum"))
        self.add(race)
        with self.say("momentum", lr=fmt(HEAVY["lr"]), mu=fmt(HEAVY["momentum"]), steps=heavy.steps,
                      dist_m=fmt(np.linalg.norm(heavy.final)), dist_n=fmt(np.linalg.norm(nag.final)),
                      dist_sgd=fmt(np.linalg.norm(sgd.final))) as tr:
            self.play(FadeIn(legend), FadeIn(panel), panel.highlight(0), run_time=1.0)
            camera_moves.orbit(self, -25, run_time=max(tr.get_remaining_duration() - 0.2, 1.0),
                               added_anims=[race.run(run_time=max(tr.get_remaining_duration() - 0.2, 1.0))])
        self.clear_overlay(legend, panel)
        self.play(FadeOut(race), run_time=0.5)
        self.remove(race)

        # 3. adaptive methods rescale per coordinate; seen from above
        runs = {name: self.run(surf, name, START, STEPS, **hyper) for name, hyper in ADAPTIVE.items()}
        race = self.race(loss, [(t, col(name)) for name, t in runs.items()])
        legend, panel = self.legend(race), self.panel(runs["adam"], race, color=col("adam"))
        self.add(race)
        rms_first = np.abs(runs["rmsprop"].xy[1] - runs["rmsprop"].xy[0]).max() / ADAPTIVE["rmsprop"]["lr"]
        with self.say("adaptive", steps=runs["adam"].steps, rms_factor=fmt(rms_first),
                      **{f"d_{n}": fmt(np.linalg.norm(t.final)) for n, t in runs.items()}) as tr:
            self.play(FadeIn(legend), FadeIn(panel), panel.highlight(2), run_time=1.0)
            camera_moves.top_down(self, run_time=2.0, zoom=1.3, room_right=2.2)
            self.play(race.run(), run_time=max(tr.get_remaining_duration() - 0.2, 1.0))
        self.clear_overlay(legend, panel)
        self.play(FadeOut(race), run_time=0.5)
        self.remove(race)

        # 4. one step too far: above 2/lambda_max the bounces grow
        lr = round(bounds.gd * OVER_BOUND, 3)
        wild = self.run(surf, "sgd", START, STEPS, lr=lr)
        race = self.race(loss, [(wild, col("sgd"))])
        legend = self.legend(race)
        self.add(race)
        path = race.paths[0]
        with self.say("diverge", rule="two over the largest eigenvalue", bound=fmt(bounds.gd), lr=fmt(lr),
                      exit=path.exit_step if path.exit_step is not None else wild.steps,
                      diverged=wild.diverged_at if wild.diverged_at is not None else "never") as tr:
            self.play(FadeIn(legend), run_time=0.6)
            camera_moves.home(self, run_time=2.0)
            self.play(race.run(), run_time=max(tr.get_remaining_duration() - 0.2, 1.0))
        self.clear_overlay(legend)
        self.play(FadeOut(race), run_time=0.5)
        self.remove(race)

        # 5. the best constant steps, from the closed forms
        hb_lr, hb_mu = bounds.heavy_ball_optimal
        gd = self.run(surf, "sgd", OPTIMAL_START, STEPS, lr=round(bounds.gd_optimal, 4))
        hb = self.run(surf, "momentum", OPTIMAL_START, STEPS, lr=round(hb_lr, 4), momentum=round(hb_mu, 4))
        race = self.race(loss, [(gd, col("sgd")), (hb, col("momentum"))])
        legend = self.legend(race)
        self.add(race)
        with self.say("optimal", start=point(OPTIMAL_START), gd_opt=fmt(bounds.gd_optimal), hb_lr=fmt(hb_lr), hb_mu=fmt(hb_mu), steps=gd.steps,
                      d_gd=fmt(np.linalg.norm(gd.final)), d_hb=fmt(np.linalg.norm(hb.final))) as tr:
            self.play(FadeIn(legend), run_time=0.6)
            self.play(race.run(), run_time=max(tr.get_remaining_duration() - 0.2, 1.0))
        with self.say("outro") as tr:
            camera_moves.orbit(self, 40, run_time=max(tr.duration - 0.2, 1.0))
        self.clear_overlay(legend, card)
