"""Segment 4, fitting a model (seed 001): the data, the fitted curve, and the loss surface over (a, b)."""

from __future__ import annotations

from manim import DOWN, LEFT, FadeIn, FadeOut

import optmath
from scenes.toolkit import camera as camera_moves, palette
from scenes.toolkit.fit_plot import FitPlot
from scenes.segment import Segment, fmt, point

LINEAR, SINCOS = "fit-linear", "fit-sincos"
LINEAR_START = (5.0, 4.0)
LR_GOOD, LR_BAD = 0.1, 1.0
STEPS = 60
GOOD_START, BAD_START = (2.0, 4.5), (5.0, 1.0)
SINCOS_LR, SINCOS_STEPS = 0.1, 200


def _pair(p) -> str:
    return f"{fmt(p[0])}, {fmt(p[1])}"


class FitSegment(Segment):
    segment = "fit"

    def _fit_plot(self, surface) -> FitPlot:
        plot = FitPlot(surface.data)
        plot.to_corner(DOWN + LEFT, buff=0.3)
        self.fix(plot)
        return plot

    def construct(self):
        col = palette.optimizer_color
        surf = optmath.get_surface(LINEAR)
        loss = self.show_surface(surf)
        card = self.fix(self.title_card(self.script.title, surf))
        plot = self._fit_plot(surf)
        a_true, b_true = surf.data.true_params

        with self.say("intro", n_points=len(surf.data.x), a_true=fmt(a_true), b_true=fmt(b_true)) as tr:
            self.play(FadeIn(card), FadeIn(plot), run_time=1.2)
            self.play(FadeIn(loss.axes), FadeIn(loss.contours), FadeIn(loss.mesh), run_time=max(tr.duration * 0.3, 1.0))
            camera_moves.orbit(self, 30, run_time=max(tr.get_remaining_duration() - 0.2, 1.0))

        good = self.run(surf, "sgd", LINEAR_START, STEPS, lr=LR_GOOD)
        race = self.race(loss, [(good, col("sgd"))])
        self.add(race)
        curve = plot.track(good, race.step, col("sgd"))
        self.camera.add_fixed_in_frame_mobjects(curve)
        legend = self.legend(race)
        with self.say("linear_good", a0=fmt(LINEAR_START[0]), b0=fmt(LINEAR_START[1]), lr=fmt(LR_GOOD),
                      steps=good.steps, a_final=fmt(good.final[0]), b_final=fmt(good.final[1])) as tr:
            self.play(FadeIn(legend), run_time=0.6)
            self.play(race.run(), run_time=max(tr.get_remaining_duration() - 0.2, 1.0))

        bad = self.run(surf, "sgd", LINEAR_START, STEPS, lr=LR_BAD)
        (m,) = optmath.minima(surf)
        bounds = optmath.step_bounds(surf, m.xy)
        self.clear_overlay(legend)
        self.play(FadeOut(race), run_time=0.4)
        self.remove(race)
        plot.curves.remove(curve)
        self.remove(curve)
        race = self.race(loss, [(good, col("sgd", 1)), (bad, col("sgd"))])
        self.add(race)
        curve_bad = plot.track(bad, race.step, col("sgd"))
        self.camera.add_fixed_in_frame_mobjects(curve_bad)
        legend = self.legend(race)
        b_tail = bad.xy[-2:, 1]
        with self.say("linear_bad", lr=fmt(LR_BAD), lam_b=fmt(bounds.lambda_max), bound=fmt(bounds.gd),
                      b_hi=fmt(max(b_tail)), b_lo=fmt(min(b_tail))) as tr:
            self.play(FadeIn(legend), run_time=0.6)
            self.play(race.run(), run_time=max(tr.get_remaining_duration() - 0.2, 1.0))
        self.clear_overlay(legend, plot, card)
        self.play(FadeOut(race), FadeOut(loss), run_time=0.8)
        self.remove(race, loss)

        # the sin(b cos(ax)) model: a global and a local minimum
        surf = optmath.get_surface(SINCOS)
        loss = self.show_surface(surf)
        card = self.fix(self.title_card(self.script.title, surf))
        plot = self._fit_plot(surf)
        best = min(optmath.minima(surf), key=lambda c: c.value)
        with self.say("sincos_intro", a_best=fmt(best.xy[0]), b_best=fmt(best.xy[1]), f_best=fmt(best.value)) as tr:
            self.play(FadeIn(card), FadeIn(plot), FadeIn(loss), run_time=max(tr.duration * 0.4, 1.0))
            camera_moves.orbit(self, -30, run_time=max(tr.get_remaining_duration() - 0.2, 1.0))
        good = self.run(surf, "sgd", GOOD_START, SINCOS_STEPS, lr=SINCOS_LR)
        bad = self.run(surf, "sgd", BAD_START, SINCOS_STEPS, lr=SINCOS_LR)
        race = self.race(loss, [(good, col("sgd")), (bad, col("sgd", 1))], show_start=True)
        self.add(race)
        curves = [plot.track(good, race.step, col("sgd")), plot.track(bad, race.step, col("sgd", 1))]
        self.camera.add_fixed_in_frame_mobjects(*curves)
        legend = self.legend(race)
        with self.say("sincos_race", good_start=point(GOOD_START), bad_start=point(BAD_START),
                      f_good=fmt(good.z[good.last_finite]), a_bad=fmt(bad.final[0]), b_bad=fmt(bad.final[1]),
                      f_bad=fmt(bad.z[bad.last_finite])) as tr:
            self.play(FadeIn(legend), run_time=0.6)
            self.play(race.run(), run_time=max(tr.get_remaining_duration() - 0.2, 1.0))
        with self.say("outro") as tr:
            camera_moves.top_down(self, run_time=max(tr.duration * 0.6, 1.0), zoom=0.75, room_right=-2.0)
            camera_moves.home(self, run_time=max(tr.get_remaining_duration() - 0.2, 1.0))
        self.clear_overlay(legend, plot, card)
