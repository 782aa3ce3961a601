"""The elongated bowl 0.1x^2 + 2y^2 (seed 004): zig-zag, momentum, adaptive steps, divergence.

Content only; ``manim render scenes/segments/bowl.py BowlSegment`` renders the lecture format.
"""

from __future__ import annotations

import numpy as np

import optmath
from scenes.description import (
    spoken_formula,
    LONG_FORM, SHORT_FORM, Beat, Description, Home, Orbit, Run, Show, TopDown, View, exit_step, fmt, point, steps,
)
from scenes.segments._manim import scene_exports

SURFACE = "bowl"
START = (-5.0, -2.0)
STEPS = 60
ZIGZAG_STEPS = 20  # the SGD beat narrates the first steps
SGD = dict(lr=0.4)
HEAVY = dict(lr=0.05, momentum=0.8)
ADAPTIVE = {"adagrad": dict(lr=1.0), "rmsprop": dict(lr=0.1), "adam": dict(lr=0.3)}
OVER_BOUND = 1.04  # the diverging run uses 4% above 2/lambda_max
OPTIMAL_START = (-5.0, -1.0)  # the optimal heavy ball's first step stays inside the plot from here


def describe(short: bool = False) -> Description:
    surf = optmath.get_surface(SURFACE)
    (cp,) = optmath.minima(surf)
    bounds = optmath.step_bounds(surf, cp.xy)
    n = steps(STEPS, short)
    run = lambda opt, start=START, **h: optmath.trajectory(surf, opt, start, n, **h)  # noqa: E731
    wild_lr = round(bounds.gd * OVER_BOUND, 3)
    hb_lr, hb_mu = bounds.heavy_ball_optimal
    runs = {
        "sgd": Run(run("sgd", **SGD)),
        "momentum": Run(run("momentum", **HEAVY)),
        "nesterov": Run(run("nesterov", **HEAVY)),
        **{name: Run(run(name, **h)) for name, h in ADAPTIVE.items()},
        "wild": Run(run("sgd", lr=wild_lr)),
        "gd_opt": Run(run("sgd", OPTIMAL_START, lr=round(bounds.gd_optimal, 4))),
        "hb_opt": Run(run("momentum", OPTIMAL_START, lr=round(hb_lr, 4), momentum=round(hb_mu, 4))),
    }
    t = {k: r.trajectory for k, r in runs.items()}
    dist = lambda key: fmt(np.linalg.norm(t[key].final - np.asarray(cp.xy)))  # noqa: E731
    zig = min(ZIGZAG_STEPS, t["sgd"].steps)
    rms_first = np.abs(t["rmsprop"].xy[1] - t["rmsprop"].xy[0]).max() / ADAPTIVE["rmsprop"]["lr"]
    wild_exit = exit_step(t["wild"])
    S = SURFACE
    beats = [
        Beat("intro", Show(S), dict(formula=spoken_formula(surf), l_min=fmt(bounds.lambda_min), l_max=fmt(bounds.lambda_max),
                                    kappa=fmt(bounds.lambda_max / bounds.lambda_min), start=point(START)),
             camera=(Orbit(30),)),
        Beat("sgd", Show(S, ("sgd",), panel="sgd", to_step=zig),
             dict(lr=fmt(SGD["lr"]), y_factor=fmt(1 - SGD["lr"] * bounds.lambda_max),
                  x_factor=fmt(1 - SGD["lr"] * bounds.lambda_min), steps=zig, x_final=fmt(t["sgd"].xy[zig, 0]))),
        Beat("momentum", Show(S, ("sgd", "momentum", "nesterov"), panel="momentum", highlight=0),
             dict(lr=fmt(HEAVY["lr"]), mu=fmt(HEAVY["momentum"]), steps=t["momentum"].steps, dist_m=dist("momentum"),
                  dist_n=dist("nesterov"), dist_sgd=dist("sgd")), camera=(Orbit(-25),)),
        Beat("adaptive", Show(S, tuple(ADAPTIVE), panel="adam", highlight=2),
             dict(steps=t["adam"].steps, rms_factor=fmt(rms_first), **{f"d_{k}": dist(k) for k in ADAPTIVE}),
             camera=(TopDown(zoom=1.0),)),
        Beat("diverge", Show(S, ("wild",)),
             dict(limit=fmt(bounds.gd * bounds.lambda_max), bound=fmt(bounds.gd), lr=fmt(wild_lr),
                  exit=wild_exit if wild_exit is not None else t["wild"].steps,
                  diverged=t["wild"].diverged_at if t["wild"].diverged_at is not None else "never"),
             camera=(Home(),)),
        Beat("optimal", Show(S, ("gd_opt", "hb_opt")),
             dict(start=point(OPTIMAL_START), gd_opt=fmt(bounds.gd_optimal), hb_lr=fmt(hb_lr), hb_mu=fmt(hb_mu),
                  steps=t["gd_opt"].steps, d_gd=dist("gd_opt"), d_hb=dist("hb_opt"))),
        Beat("outro", Show(S, ("gd_opt", "hb_opt")), camera=(Orbit(40),), formats=LONG_FORM),
        # the social clip: zig-zag against momentum
        Beat("social_hook", Show(S), formats=SHORT_FORM),
        Beat("social_race", Show(S, ("sgd", "momentum")),
             dict(steps=t["momentum"].steps, dist_m=dist("momentum"), dist_sgd=dist("sgd"),
                  y_factor=fmt(1 - SGD["lr"] * bounds.lambda_max)), camera=(TopDown(),), formats=SHORT_FORM),
        Beat("social_end", Show(S), camera=(Home(),), formats=SHORT_FORM),
    ]
    # steep walls: a higher camera, and the bowl drawn flatter, or the near wall hides the valley floor
    return Description(SURFACE, {S: surf}, runs, beats, View(phi=40, theta=-75, height=1.2)).check()


__getattr__, __dir__ = scene_exports(__name__, "bowl")
