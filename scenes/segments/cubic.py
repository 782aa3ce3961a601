"""The cubic x^2 + y^2 + y^3 + xy (seed 002): six optimizers race; some cross the saddle and fall off.

Content only; ``manim render scenes/segments/cubic.py CubicSegment`` renders the lecture format.
"""

from __future__ import annotations

import numpy as np

import optmath
from scenes.description import (
    spoken_formula, listing,
    LONG_FORM, SHORT_FORM, Beat, Description, FlyTo, Home, Orbit, Run, Show, TopDown, fmt, names, point, steps,
)
from scenes.segments._manim import scene_exports
from scenes.script import Script

SURFACE = "cubic"
START = (-1.2, 0.8)
STEPS = 150
RACERS = {
    "sgd": dict(lr=0.1), "momentum": dict(lr=0.05, momentum=0.9), "nesterov": dict(lr=0.05, momentum=0.9),
    "adagrad": dict(lr=0.3), "rmsprop": dict(lr=0.05), "adam": dict(lr=0.1),
}
SOCIAL_RACERS = ("sgd", "momentum", "adam")
SETTLED_TOL = 1e-2
BASIN_GRID, BASIN_STEPS, BASIN_LR = 41, 300, 0.1


def describe(short: bool = False) -> Description:
    surf = optmath.get_surface(SURFACE)
    points = optmath.critical_points(surf)
    (lo,) = [c for c in points if c.kind == "min"]
    (sad,) = [c for c in points if c.kind == "saddle"]
    n = steps(STEPS, short)
    runs = {name: Run(optmath.trajectory(surf, name, START, n, **h)) for name, h in RACERS.items()}
    t = {k: r.trajectory for k, r in runs.items()}
    settled = [k for k in RACERS if t[k].diverged_at is None and np.linalg.norm(t[k].final - lo.xy) < SETTLED_TOL]
    diverged = {k: t[k].diverged_at for k in RACERS if k not in settled and t[k].diverged_at is not None}
    fragments = Script.of(SURFACE).fragments
    gone = fragments["gone"].format(names=names(list(diverged)), steps=listing(diverged.values())) \
        if diverged else ""
    social_gone = [k for k in SOCIAL_RACERS if k in diverged]
    social_kept = [k for k in SOCIAL_RACERS if k in settled]
    basin = optmath.basin_map(surf, "sgd", resolution=steps(BASIN_GRID, short, 9), steps=steps(BASIN_STEPS, short, 40),
                              lr=BASIN_LR)
    i_min = next(i for i, c in enumerate(basin.points) if c.kind == "min")
    S = SURFACE
    everyone = tuple(RACERS)
    beats = [
        Beat("intro", Show(S), dict(n_critical=len(points), formula=spoken_formula(surf), f_min=fmt(lo.value),
                                    saddle=point(sad.xy), f_saddle=fmt(sad.value)), camera=(Orbit(35),)),
        Beat("saddle", Show(S), dict(eig_lo=fmt(sad.eigenvalues[0]), eig_hi=fmt(sad.eigenvalues[1])),
             camera=(FlyTo(sad.xy, zoom=1.6, share=0.5), Home(share=0.5))),
        Beat("race", Show(S, everyone, to_step=min(5, t["sgd"].steps)), dict(count=len(runs), start=point(START))),
        Beat("result", Show(S, everyone), dict(settled_count=len(settled), settled=names(settled),
                                              gone=gone), camera=(Orbit(-50),)),
        Beat("basins", Show(S, everyone), dict(lr=fmt(BASIN_LR), grid=len(basin.xs),
                                              pct_min=fmt(100 * basin.fraction(i_min), 2),
                                              pct_off=fmt(100 * basin.fraction(-1), 2)), camera=(TopDown(),)),
        Beat("outro", Show(S, everyone), camera=(Home(),), formats=LONG_FORM),
        # the social clip: who falls off the cliff?
        Beat("social_hook", Show(S), dict(count=len(SOCIAL_RACERS)), formats=SHORT_FORM),
        Beat("social_race", Show(S, SOCIAL_RACERS),
             dict(start=point(START), gone=names(social_gone),
                  kept=names(social_kept)), camera=(Orbit(-40),), formats=SHORT_FORM),
        Beat("social_end", Show(S), camera=(Home(),), formats=SHORT_FORM),
    ]
    return Description(SURFACE, {S: surf}, runs, beats).check()


__getattr__, __dir__ = scene_exports(__name__, "cubic")
