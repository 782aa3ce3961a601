"""Fitting a model (seed 001): the data, the fitted curve, and the loss surface over (a, b).

Content only; ``manim render scenes/segments/fit.py FitSegment`` renders the lecture format.
"""

from __future__ import annotations

import optmath
from scenes.description import (
    LONG_FORM, SHORT_FORM, Beat, Description, Home, Orbit, Run, Show, TopDown, fmt, point, steps,
)
from scenes.segments._manim import scene_exports

LINEAR, SINCOS = "fit-linear", "fit-sincos"
LINEAR_START = (5.0, 4.0)
LR_GOOD, LR_BAD = 0.1, 1.0
STEPS = 60
GOOD_START, BAD_START = (2.0, 4.5), (5.0, 1.0)
SINCOS_LR, SINCOS_STEPS = 0.1, 200


def describe(short: bool = False) -> Description:
    lin, sc = optmath.get_surface(LINEAR), optmath.get_surface(SINCOS)
    n, m = steps(STEPS, short), steps(SINCOS_STEPS, short)
    runs = {
        "lin_good": Run(optmath.trajectory(lin, "sgd", LINEAR_START, n, lr=LR_GOOD)),
        "lin_good_ref": Run(optmath.trajectory(lin, "sgd", LINEAR_START, n, lr=LR_GOOD), variant=1),
        "lin_bad": Run(optmath.trajectory(lin, "sgd", LINEAR_START, n, lr=LR_BAD)),
        "sc_good": Run(optmath.trajectory(sc, "sgd", GOOD_START, m, lr=SINCOS_LR), show_start=True),
        "sc_bad": Run(optmath.trajectory(sc, "sgd", BAD_START, m, lr=SINCOS_LR), variant=1, show_start=True),
    }
    t = {k: r.trajectory for k, r in runs.items()}
    a_true, b_true = lin.data.true_params
    (lin_min,) = optmath.minima(lin)
    bounds = optmath.step_bounds(lin, lin_min.xy)
    best = min(optmath.minima(sc), key=lambda c: c.value)
    b_tail = t["lin_bad"].xy[-2:, 1]
    good, bad = t["sc_good"], t["sc_bad"]
    L, C = LINEAR, SINCOS
    beats = [
        Beat("intro", Show(L, plot=True), dict(n_points=len(lin.data.x), a_true=fmt(a_true), b_true=fmt(b_true)),
             camera=(Orbit(30),)),
        Beat("linear_good", Show(L, ("lin_good",), plot=True),
             dict(a0=fmt(LINEAR_START[0]), b0=fmt(LINEAR_START[1]), lr=fmt(LR_GOOD), steps=t["lin_good"].steps,
                  a_final=fmt(t["lin_good"].final[0]), b_final=fmt(t["lin_good"].final[1]))),
        Beat("linear_bad", Show(L, ("lin_good_ref", "lin_bad"), plot=True),
             dict(lr=fmt(LR_BAD), lam_b=fmt(bounds.lambda_max), bound=fmt(bounds.gd), b_hi=fmt(max(b_tail)),
                  b_lo=fmt(min(b_tail)))),
        Beat("sincos_intro", Show(C, plot=True), dict(a_best=fmt(best.xy[0]), b_best=fmt(best.xy[1]),
                                                      f_best=fmt(best.value)), camera=(Orbit(-30),)),
        Beat("sincos_race", Show(C, ("sc_good", "sc_bad"), plot=True),
             dict(good_start=point(GOOD_START), bad_start=point(BAD_START), f_good=fmt(good.z[good.last_finite]),
                  a_bad=fmt(bad.final[0]), b_bad=fmt(bad.final[1]), f_bad=fmt(bad.z[bad.last_finite]))),
        Beat("outro", Show(C, ("sc_good", "sc_bad"), plot=True), camera=(TopDown(share=0.6), Home(share=0.4)),
             formats=LONG_FORM),
        # the social clip: one landscape, a global and a local fit
        Beat("social_hook", Show(C), formats=SHORT_FORM),
        Beat("social_race", Show(C, ("sc_good", "sc_bad")),
             dict(good_start=point(GOOD_START), bad_start=point(BAD_START), f_good=fmt(good.z[good.last_finite]),
                  f_bad=fmt(bad.z[bad.last_finite])), camera=(Orbit(-30),), formats=SHORT_FORM),
        Beat("social_end", Show(C), camera=(Home(),), formats=SHORT_FORM),
    ]
    return Description("fit", {L: lin, C: sc}, runs, beats).check()


__getattr__, __dir__ = scene_exports(__name__, "fit")
