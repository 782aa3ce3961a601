"""The saddle x^2 - y^2 (seed 000): stalling on the ridge, escaping it, and Adam's first step.

Content only: the runs, the numbers the narration speaks, the beats. A format
renders it (``optviz render saddle --format social``); ``manim render
scenes/segments/saddle.py SaddleSegment`` renders the lecture format.
"""

from __future__ import annotations

import numpy as np

import optmath
from scenes import claims as c
from scenes.claims import Claim
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
# "at rest", "still on the ridge": closer than this, in plot units (the plot is 3 units wide: under a pixel at 1080p)
SUBPIXEL = 1e-3
MARGIN = 0.1  # comparisons between optimizers must hold with each learning rate moved by 10% either way


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
    adam_exit = adam_exit if adam_exit is not None else adam.steps
    eps = adam.optimizer.hyper["eps"]
    g_x, g_y = abs(adam.grad[0, 0]), abs(adam.grad[0, 1])
    first_x, first_y = abs(adam.xy[1] - adam.xy[0])
    origin = (0.0, 0.0)

    # -- what the words claim -------------------------------------------------------------------------------
    def shape():
        _, vectors = optmath.hessian_eigen(surf, origin)  # ascending: the ridge's direction first
        return (cp.kind == "saddle" and np.allclose(cp.xy, origin) and lam_y < 0 < lam_x
                and np.allclose(np.abs(vectors), np.eye(2)[:, ::-1])), \
            {"eigenvalue along y": lam_y, "eigenvalue along x": lam_x}

    saddle = Claim("saddle", c.check("the origin is a critical point curving down along y and up along x", shape))
    on_axis = c.check("stall's y is 0 at every step", lambda t: (bool(np.all(t.xy[:, 1] == 0)),
                                                                 {"stall's largest |y|": np.abs(t.xy[:, 1]).max()}),
                      "stall")
    stall_rate = Claim("rate", c.all_of(c.rate("stall", "x", shrink), on_axis))
    rests = Claim("rests", c.at_most(c.dist("stall", origin, "the saddle point"), SUBPIXEL,
                                     f"stall ends within {SUBPIXEL:g} of the saddle point"))
    only_zero = Claim("only_zero", c.all_of(c.rate("escape", "y", growth), c.rate("stall", "x", shrink), on_axis))
    stopped = Claim("stopped", c.at_most(
        c.measure("stall's last step over its first", lambda t: np.linalg.norm(t.xy[-1] - t.xy[-2])
                  / np.linalg.norm(t.xy[1] - t.xy[0]), "stall"), SUBPIXEL))
    falls = c.check("escape's loss falls at every step", lambda t: (
        bool(np.all(np.diff(t.z[: t.last_finite + 1]) < 0)), {"escape's steps that did not go down": int(
            np.sum(np.diff(t.z[: t.last_finite + 1]) >= 0))}), "escape")
    bottomless = c.check("the surface has no minimum", lambda: (not optmath.minima(surf), {}))
    slow = Claim("slow", c.less(c.measure("ridge_sgd's |y| after its last step", lambda t: abs(t.final[1]), "ridge_sgd"),
                                c.measure("ridge_adam's |y| after one step", lambda t: abs(t.xy[1, 1]), "ridge_adam"),
                                "ridge_sgd's |y| after all its steps is below ridge_adam's after one"), margin=MARGIN)
    ridge = c.all_of(c.stays("ridge_sgd"), c.at_most(c.measure("ridge_sgd's final |y|", lambda t: abs(t.final[1]),
                                                                "ridge_sgd"), SUBPIXEL))
    stuck = Claim("stuck", ridge)
    on_ridge = Claim("on_ridge", c.at_most(c.measure("ridge_sgd's start |y|", lambda t: abs(t.xy[0, 1]), "ridge_sgd"),
                                           SUBPIXEL))
    # the step each leaves is a number (spoken from the run); that Adam leaves and plain descent does not is the claim
    leaves = Claim("leaves", c.all_of(c.leaves_by("ridge_adam", sgd.steps), c.stays("ridge_sgd")), margin=MARGIN)
    step_x = Claim("first_x", c.near(c.measure("ridge_adam's first step in x", lambda t: abs(t.xy[1, 0] - t.xy[0, 0]),
                                               "ridge_adam"), LR_ADAM, 1e-6, relative=True))
    step_y = Claim("first_y", c.all_of(
        c.near(c.measure("ridge_adam's first step in y", lambda t: abs(t.xy[1, 1] - t.xy[0, 1]), "ridge_adam"),
               c.number(LR_ADAM * g_y / (g_y + eps), "lr * |g| / (|g| + eps)"), 1e-9, relative=True),
        c.less(c.number(first_y, "ridge_adam's first step in y"), c.number(LR_ADAM, "lr"))))
    escapes = Claim("escapes", c.all_of(c.leaves_by("ridge_adam", sgd.steps), ridge), margin=MARGIN)

    S = SURFACE
    beats = [
        Beat("intro", Show(S), dict(formula=spoken_formula(surf), eig_lo=fmt(lam_y), eig_hi=fmt(lam_x)),
             camera=(Orbit(40),), claims=(saddle,)),
        Beat("stall", Show(S, ("stall",), panel="stall"),
             dict(start=point(STALL_START), lr=fmt(LR_GD), factor=fmt(shrink), steps=stall.steps,
                  x_final=fmt(stall.final[0])), claims=(stall_rate, rests)),
        Beat("why", Show(S, ("stall",), panel="stall"),
             dict(lam_x=fmt(lam_x), lam_y=fmt(-lam_y), lr=fmt(LR_GD), factor=fmt(shrink), growth=fmt(growth),
                  y_zero=fmt(STALL_START[1])), camera=(Orbit(-20),), claims=(only_zero,)),
        Beat("stall_zoom", Show(S, ("stall",), panel="stall", highlight=0),
             dict(g_final=fmt(np.linalg.norm(stall.grad[stall.last_finite]))),
             camera=(FlyTo((0.0, 0.0), zoom=1.7, share=0.45), Home(share=0.55)), claims=(stopped,)),
        Beat("escape", Show(S, ("stall_ref", "escape"), loss=True),
             dict(start=point(ESCAPE_START), growth=fmt(growth),
                  exit=escape_exit if escape_exit is not None else escape.steps), camera=(Orbit(-30),),
             claims=(Claim("rate", c.rate("escape", "y", growth)),
                     Claim("downhill", c.all_of(falls, c.leaves_by("escape", escape_exit or escape.steps),
                                                bottomless)))),
        Beat("symmetry", Show(S, ("ridge_sgd", "ridge_adam"), to_step=sgd.steps / 2, loss=True),
             dict(start=point(RIDGE_START), lr_sgd=fmt(LR_GD), growth=fmt(growth), steps=sgd.steps,
                  sgd_y=fmt(sgd.final[1])),
             claims=(on_ridge, Claim("rate", c.rate("ridge_sgd", "y", growth)), slow, stuck)),
        Beat("adam", Show(S, ("ridge_sgd", "ridge_adam"), panel="ridge_adam", highlight=2, vectors="ridge_adam", vectors_at=1),
             dict(lr_adam=fmt(LR_ADAM), eps=fmt(eps), g_x=fmt(g_x), step_x=fmt(first_x), g_y=fmt(g_y),
                  ratio=fmt(g_y / eps), share=fmt(g_y / (g_y + eps)), y0=fmt(RIDGE_START[1]),
                  adam_y1=fmt(adam.xy[1, 1]), adam_exit=adam_exit),
             camera=(Look(ESCAPE_VIEW[0], ESCAPE_VIEW[1]),),  # the escape in sight, as in the clip
             claims=(step_x, step_y, leaves)),
        Beat("outro", Show(S, ("ridge_sgd", "ridge_adam"), panel="ridge_adam", highlight=2),
             dict(adam_exit=adam_exit, y_zero=fmt(STALL_START[1])),
             camera=(TopDown(share=0.5), Home(share=0.5)), formats=LONG_FORM,
             claims=(Claim("stalls", c.all_of(on_axis, c.reaches("stall", origin, SUBPIXEL, "the saddle point"))),
                     Claim("grows", c.rate("ridge_sgd", "y", growth)), leaves)),
        # the social clip: a question, the one key moment, and back to the opening picture
        Beat("social_hook", Show(S), formats=SHORT_FORM),
        Beat("social_race", Show(S, ("ridge_sgd", "ridge_adam"), loss=True),
             dict(adam_y1=fmt(adam.xy[1, 1]), adam_exit=adam_exit, sgd_y=fmt(sgd.final[1]), steps=sgd.steps),
             camera=(Look(ESCAPE_VIEW[0], ESCAPE_VIEW[1]),), formats=SHORT_FORM, claims=(on_ridge, slow, leaves)),
        Beat("social_end", Show(S), camera=(Home(),), formats=SHORT_FORM, claims=(escapes,)),
    ]
    return Description(SURFACE, {S: surf}, runs, beats, preview=short).check()


__getattr__, __dir__ = scene_exports(__name__, "saddle")
