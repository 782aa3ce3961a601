"""The saddle x^2 - y^2 (seed 000): stalling on the ridge, escaping it, and Adam's first step.

Content only: the runs, the numbers the narration speaks, the beats. A format
renders it (``optviz render saddle --format social``); ``manim render
scenes/segments/saddle.py SaddleSegment`` renders the lecture format.
"""

from __future__ import annotations

import numpy as np

import optmath
from scenes.description import (
    spoken_formula,
    LONG_FORM, SHORT_FORM, Beat, Description, FlyTo, Home, Look, Orbit, Run, Show, TopDown, exit_step, fmt, point, steps,
)
from scenes.segments._manim import scene_exports

SURFACE = "saddle"
LR_GD, LR_ADAM = 0.1, 0.05
STALL_START, ESCAPE_START = (1.0, 0.0), (1.0, 0.25)
RIDGE_START = (0.2, 1e-8)
STEPS = 40
# looking along the valley from high up: the escape along y runs across the picture, not behind the ridge
ESCAPE_VIEW = (35.0, -15.0)


def describe(short: bool = False) -> Description:
    surf = optmath.get_surface(SURFACE)
    (cp,) = optmath.critical_points(surf)
    lam_y, lam_x = cp.eigenvalues  # ascending: the ridge (negative) first
    n = steps(STEPS, short)
    run = lambda opt, start, **h: optmath.trajectory(surf, opt, start, n, **h)  # noqa: E731
    runs = {
        "stall": Run(run("sgd", STALL_START, lr=LR_GD)),
        "stall_ref": Run(run("sgd", STALL_START, lr=LR_GD), variant=1, show_start=True),
        "escape": Run(run("sgd", ESCAPE_START, lr=LR_GD), show_start=True),
        "ridge_sgd": Run(run("sgd", RIDGE_START, lr=LR_GD)),
        "ridge_adam": Run(run("adam", RIDGE_START, lr=LR_ADAM)),
    }
    stall, escape = runs["stall"].trajectory, runs["escape"].trajectory
    sgd, adam = runs["ridge_sgd"].trajectory, runs["ridge_adam"].trajectory
    shrink, growth = 1 - LR_GD * lam_x, 1 - LR_GD * lam_y  # per-step factors of x and y under plain GD
    escape_exit, adam_exit = exit_step(escape), exit_step(adam)
    S = SURFACE
    beats = [
        Beat("intro", Show(S), dict(formula=spoken_formula(surf), eig_lo=fmt(lam_y), eig_hi=fmt(lam_x)),
             camera=(Orbit(40),)),
        Beat("stall", Show(S, ("stall",), panel="stall"),
             dict(start=point(STALL_START), lr=fmt(LR_GD), factor=fmt(shrink), steps=stall.steps,
                  x_final=fmt(stall.final[0]))),
        Beat("why", Show(S, ("stall",), panel="stall"),
             dict(lam_x=fmt(lam_x), lam_y=fmt(-lam_y), lr=fmt(LR_GD), factor=fmt(shrink), growth=fmt(growth),
                  y_zero=fmt(STALL_START[1])), camera=(Orbit(-20),)),
        Beat("stall_zoom", Show(S, ("stall",), panel="stall", highlight=0),
             dict(g_final=fmt(np.linalg.norm(stall.grad[stall.last_finite]))),
             camera=(FlyTo((0.0, 0.0), zoom=1.7, share=0.45), Home(share=0.55))),
        Beat("escape", Show(S, ("stall_ref", "escape")),
             dict(start=point(ESCAPE_START), growth=fmt(growth),
                  exit=escape_exit if escape_exit is not None else escape.steps), camera=(Orbit(-30),)),
        Beat("symmetry", Show(S, ("ridge_sgd", "ridge_adam"), to_step=sgd.steps / 2),
             dict(start=point(RIDGE_START), lr_sgd=fmt(LR_GD), growth=fmt(growth), steps=sgd.steps,
                  sgd_y=fmt(sgd.final[1]))),
        Beat("adam", Show(S, ("ridge_sgd", "ridge_adam"), panel="ridge_adam", highlight=2),
             dict(lr_adam=fmt(LR_ADAM), eps=fmt(adam.optimizer.hyper["eps"]), g_y=fmt(abs(adam.grad[0, 1])),
                  y0=fmt(RIDGE_START[1]), adam_y1=fmt(adam.xy[1, 1]),
                  adam_exit=adam_exit if adam_exit is not None else adam.steps),
             camera=(Look(ESCAPE_VIEW[0], ESCAPE_VIEW[1]),)),  # the escape in sight, as in the clip
        Beat("outro", Show(S, ("ridge_sgd", "ridge_adam"), panel="ridge_adam", highlight=2),
             camera=(TopDown(share=0.5), Home(share=0.5)), formats=LONG_FORM),
        # the social clip: a question, the one key moment, and back to the opening picture
        Beat("social_hook", Show(S), formats=SHORT_FORM),
        Beat("social_race", Show(S, ("ridge_sgd", "ridge_adam")),
             dict(adam_y1=fmt(adam.xy[1, 1]), adam_exit=adam_exit if adam_exit is not None else adam.steps,
                  sgd_y=fmt(sgd.final[1]), steps=sgd.steps), camera=(Look(ESCAPE_VIEW[0], ESCAPE_VIEW[1]),),
             formats=SHORT_FORM),
        Beat("social_end", Show(S), camera=(Home(),), formats=SHORT_FORM),
    ]
    return Description(SURFACE, {S: surf}, runs, beats).check()


__getattr__, __dir__ = scene_exports(__name__, "saddle")
