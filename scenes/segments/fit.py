"""Fitting a model (seed 001): the data, the fitted curve, and the loss surface over (a, b).

Content only; ``manim render scenes/segments/fit.py FitSegment`` renders the lecture format.
"""

from __future__ import annotations

import numpy as np

import optmath
from scenes import claims as c
from scenes.claims import Claim
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
MARGIN = 0.1  # which fit each start finds must not change with the learning rate moved by 10% either way
FOUND = 0.05  # a run this close to a minimum, in (a, b), draws the same curve: it found that fit
CONVERGED = 1e-6  # "the slope a converges": this close to the best a after the run
GRID_CHECK = 161  # the best fit in the plot, checked against f on a grid this fine over the whole plot


def nearest(t: optmath.Trajectory, points) -> tuple[int, float]:
    """The minimum a run ends nearest to, and how far from it."""
    d = [float(np.linalg.norm(t.final - np.asarray(p.xy))) for p in points]
    return int(np.argmin(d)), min(d)


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
    minima = sorted(optmath.minima(sc), key=lambda p: p.value)
    best = minima[0]
    b_tail = t["lin_bad"].xy[-2:, 1]
    good, bad = t["sc_good"], t["sc_bad"]

    # -- what the words claim -------------------------------------------------------------------------------
    down = Claim("down", c.check("lin_good's error falls at every step", lambda r: (
        bool(np.all(np.diff(r.z) < 0)), {"steps that did not go down": int(np.sum(np.diff(r.z) >= 0))}), "lin_good"))
    on_bound = Claim("on_bound", c.near(c.number(LR_BAD, "the rate"), c.number(bounds.gd, "2 / the curvature along b"),
                                        1e-9, relative=True))
    bounces = Claim("bounces", c.rate("lin_bad", "y", -1.0, about=lin_min.xy[1], tol=1e-6, in_plot=False))
    a_converges = Claim("a_converges", c.at_most(c.measure("lin_bad's final distance to the best a", lambda r: abs(
        r.final[0] - lin_min.xy[0]), "lin_bad"), CONVERGED))

    def lowest():
        low, _ = optmath.grid_minimum(sc, GRID_CHECK)
        return low >= best.value - 1e-12 and all(best.value < p.value for p in minima[1:]), \
            {"lowest error on the grid": low, "the best fit's error": best.value}

    def same_noise():
        a_, b_ = lin.data.true_params
        noise_lin = lin.data.y - lin.data.model(a_, b_, lin.data.x)
        noise_sc = sc.data.y - sc.data.model(a_, b_, sc.data.x)
        return (sc.data.true_params == lin.data.true_params and bool(np.allclose(noise_lin, noise_sc, atol=1e-12))), {}

    data = Claim("data", c.check("the harder model's points are made from it with the line's a, b and noise", same_noise))
    hollows = Claim("hollows", c.at_least(c.number(len(minima), "minima in the plot"), 3, "the plot has three minima or more"))
    best_claim = Claim("best", c.check("no point of the plot, on a fine grid, is lower than the best fit", lowest))

    def ends_at(key, index, words):
        def fn(r):
            i, d = nearest(r, minima)
            return i == index and d <= FOUND, {f"{key}'s distance to it": d}

        return c.check(f"{key} ends within {FOUND:g} of {words}", fn, key)

    bad_at, _ = nearest(bad, minima)
    finds = Claim("finds", ends_at("sc_good", 0, "the best fit"), margin=MARGIN)
    local = Claim("local", c.all_of(ends_at("sc_bad", bad_at, f"the local fit {point(minima[bad_at].xy)}"),
                                    c.greater(c.number(bad_at), 0, "that fit is not the best")), margin=MARGIN)

    def same_but_start(s_, t_):
        return (s_.surface is t_.surface and s_.optimizer.name == t_.optimizer.name and s_.optimizer.hyper ==
                t_.optimizer.hyper and s_.steps == t_.steps and not np.array_equal(s_.start, t_.start)), {}

    same = Claim("same", c.check("sc_good and sc_bad differ in their start only", same_but_start, "sc_good", "sc_bad"))
    decide = Claim("decide", c.all_of(down.test, bounces.test, finds.test, local.test))

    L, C = LINEAR, SINCOS
    beats = [
        Beat("intro", Show(L, plot=True), dict(n_points=len(lin.data.x), a_true=fmt(a_true), b_true=fmt(b_true)),
             camera=(Orbit(30),)),
        Beat("linear_good", Show(L, ("lin_good",), plot=True),
             dict(a0=fmt(LINEAR_START[0]), b0=fmt(LINEAR_START[1]), lr=fmt(LR_GOOD), steps=t["lin_good"].steps,
                  a_final=fmt(t["lin_good"].final[0]), b_final=fmt(t["lin_good"].final[1])), claims=(down,)),
        Beat("linear_bad", Show(L, ("lin_good_ref", "lin_bad"), plot=True),
             dict(lr=fmt(LR_BAD), lam_b=fmt(bounds.lambda_max), bound=fmt(bounds.gd), b_hi=fmt(max(b_tail)),
                  b_lo=fmt(min(b_tail))), claims=(on_bound, bounces, a_converges)),
        Beat("sincos_intro", Show(C, plot=True), dict(a_best=fmt(best.xy[0]), b_best=fmt(best.xy[1]),
                                                      f_best=fmt(best.value)), camera=(Orbit(-30),),
             claims=(data, hollows, best_claim)),
        Beat("sincos_race", Show(C, ("sc_good", "sc_bad"), plot=True),
             dict(good_start=point(GOOD_START), bad_start=point(BAD_START), f_good=fmt(good.z[good.last_finite]),
                  a_bad=fmt(bad.final[0]), b_bad=fmt(bad.final[1]), f_bad=fmt(bad.z[bad.last_finite])),
             claims=(finds, local, same)),
        Beat("outro", Show(C, ("sc_good", "sc_bad"), plot=True), camera=(TopDown(share=0.6), Home(share=0.4)),
             formats=LONG_FORM, claims=(decide,)),
        # the social clip: one landscape, the best fit and a local one
        Beat("social_hook", Show(C), formats=SHORT_FORM, claims=(same,)),
        Beat("social_race", Show(C, ("sc_good", "sc_bad"), loss=True),
             dict(good_start=point(GOOD_START), bad_start=point(BAD_START), f_good=fmt(good.z[good.last_finite]),
                  f_bad=fmt(bad.z[bad.last_finite])), camera=(Orbit(-30),), formats=SHORT_FORM,
             claims=(best_claim, finds, local)),
        Beat("social_end", Show(C), camera=(Home(),), formats=SHORT_FORM, claims=(Claim("start", c.all_of(finds.test, local.test, same.test)),)),
    ]
    return Description("fit", {L: lin, C: sc}, runs, beats, preview=short).check()


__getattr__, __dir__ = scene_exports(__name__, "fit")
