"""The cubic x^2 + y^2 + y^3 + xy (seed 002): six optimizers race; some cross the saddle and fall off.

Content only; ``manim render scenes/segments/cubic.py CubicSegment`` renders the lecture format.
"""

from __future__ import annotations

import numpy as np

import optmath
from scenes import claims as c
from scenes.claims import Claim
from scenes.description import (
    spoken_formula, listing,
    LONG_FORM, SHORT_FORM, Beat, Description, FlyTo, Home, Orbit, Run, Show, TopDown, fmt, names, point, steps,
)
from scenes.segments._manim import scene_exports
from scenes.script import Script

SURFACE = "cubic"
START = (-1.2, 0.8)
STEPS = 150
MOMENTUM = dict(lr=0.05, momentum=0.9)
# plain descent races at momentum's effective rate, lr / (1 - momentum): the same step once momentum's buffer has
# built up, so what carries momentum over the pass is its velocity, not a larger step (the legend says so)
RACERS = {
    "sgd": dict(lr=round(MOMENTUM["lr"] / (1 - MOMENTUM["momentum"]), 12)), "momentum": MOMENTUM,
    "nesterov": MOMENTUM, "adagrad": dict(lr=0.3), "rmsprop": dict(lr=0.05), "adam": dict(lr=0.1),
}
SOCIAL_RACERS = ("sgd", "momentum", "adam")
SETTLED_TOL = 1e-2
BASIN_GRID, BASIN_STEPS, BASIN_LR = 41, 300, 0.1
MARGIN = 0.1  # who settles and who falls must not change with any learning rate moved by 10% either way
PASS_NEAR = 0.3  # "through the bowl and over the pass": a falling path comes this close to the minimum, then the saddle
PASS_ANGLE = 15.0  # degrees: the saddle's downhill eigenvector against the line from the minimum to the saddle
NUDGE = 0.01  # starts this far either side of the saddle, along the pass, end apart: the border runs through it
FAR = (10.0, 100.0, 1000.0)  # the fall beyond the saddle: f at these distances below it


def describe(short: bool = False) -> Description:
    surf = optmath.get_surface(SURFACE)
    points = optmath.critical_points(surf)
    (lo,) = [c for c in points if c.kind == "min"]
    (sad,) = [c for c in points if c.kind == "saddle"]
    n = steps(STEPS, short)
    note = Script.of(SURFACE).fragments["effective"].format(lr=fmt(RACERS["sgd"]["lr"]))
    runs = {name: Run(optmath.trajectory(surf, name, START, n, **h), note=note if name in ("momentum", "nesterov") else "")
            for name, h in RACERS.items()}
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

    # -- what the words claim -------------------------------------------------------------------------------
    count = Claim("count", c.check("the surface has exactly one minimum and one saddle", lambda: (
        sorted(p.kind for p in points) == ["min", "saddle"], {})))

    def falls():
        f = [float(surf.value(np.array([sad.xy[0], sad.xy[1] - d]))) for d in FAR]
        return bool(np.all(np.diff(f) < 0) and f[-1] < -1e6), {f"f at {d:g} below the saddle": v for d, v in zip(FAR, f)}

    unbounded = Claim("unbounded", c.check("beyond the saddle f falls without bound", falls))

    def through():
        evals, evecs = optmath.hessian_eigen(surf, sad.xy)
        way = np.asarray(sad.xy) - np.asarray(lo.xy)
        angle = float(np.degrees(np.arccos(abs(evecs[:, 0] @ way) / np.linalg.norm(way))))
        return evals[0] < 0 < evals[1] and angle < PASS_ANGLE, {"degrees between the downhill direction and the way "
                                                                "from the minimum to the saddle": angle}

    pass_claim = Claim("pass", c.check("the saddle curves down along the way from the bowl through the pass, up "
                                       "across it", through))
    fair = Claim("fair", c.all_of(*(c.near(c.number(RACERS[k]["lr"] / (1 - RACERS[k]["momentum"]), f"{k}'s lr / "
                                                                                                   "(1 - momentum)"),
                                           c.number(RACERS["sgd"]["lr"], "sgd's lr"), 1e-12, relative=True)
                                    for k in ("momentum", "nesterov"))))
    settle = Claim("settled", c.all_of(*(c.reaches(k, lo.xy, SETTLED_TOL, "the minimum") for k in settled)),
                   margin=MARGIN)

    def over(key):
        def fn(r):
            xy = r.xy[: r.last_finite + 1]
            to_min = np.linalg.norm(xy - np.asarray(lo.xy), axis=-1)
            to_pass = np.linalg.norm(xy - np.asarray(sad.xy), axis=-1)
            first = int(np.argmax(to_min <= PASS_NEAR))
            ok = r.diverged_at is not None and to_min.min() <= PASS_NEAR and to_pass[first:].min() <= PASS_NEAR
            return ok, {f"{key}'s closest to the minimum": to_min.min(), f"{key}'s closest to the saddle after that": to_pass[first:].min()}

        return c.check(f"{key} passes within {PASS_NEAR:g} of the minimum, then of the saddle, and diverges", fn, key)

    fell = Claim("gone", c.all_of(*(over(k) for k in diverged)), margin=MARGIN)
    speed = Claim("speed", c.all_of(c.reaches("sgd", lo.xy, SETTLED_TOL, "the minimum"), c.diverges("momentum")),
                  margin=MARGIN)

    def border():
        _, evecs = optmath.hessian_eigen(surf, sad.xy)
        ends = [optmath.trajectory(surf, "sgd", tuple(np.asarray(sad.xy) + s * NUDGE * evecs[:, 0]), BASIN_STEPS,
                                   lr=BASIN_LR) for s in (1, -1)]
        home = [e.diverged_at is None and np.linalg.norm(e.final - lo.xy) < SETTLED_TOL for e in ends]
        return home[0] != home[1], {}

    shares = Claim("shares", c.check("every start either reaches the minimum or runs away", lambda: (
        np.isclose(basin.fraction(i_min) + basin.fraction(-1), 1.0), {"reach": basin.fraction(i_min),
                                                                     "run away": basin.fraction(-1)})))
    boundary = Claim("boundary", c.check(f"starts {NUDGE:g} either side of the saddle, along the pass, end apart",
                                         border))
    path = Claim("path", c.all_of(c.reaches("sgd", lo.xy, SETTLED_TOL, "the minimum"), c.diverges("momentum")))
    social_settle = Claim("settled", c.all_of(*(c.reaches(k, lo.xy, SETTLED_TOL, "the minimum") for k in social_kept)),
                          margin=MARGIN)
    social_fell = Claim("gone", c.all_of(*(over(k) for k in social_gone)), margin=MARGIN)

    S = SURFACE
    everyone = tuple(RACERS)
    beats = [
        Beat("intro", Show(S), dict(n_critical=len(points), formula=spoken_formula(surf), f_min=fmt(lo.value),
                                    saddle=point(sad.xy), f_saddle=fmt(sad.value)), camera=(Orbit(35),),
             claims=(count, unbounded)),
        Beat("saddle", Show(S), dict(eig_lo=fmt(sad.eigenvalues[0]), eig_hi=fmt(sad.eigenvalues[1])),
             camera=(FlyTo(sad.xy, zoom=1.6, share=0.5), Home(share=0.5)), claims=(pass_claim,)),
        Beat("race", Show(S, everyone, to_step=min(5, t["sgd"].steps), loss=True),
             dict(count=len(runs), start=point(START), sgd_lr=fmt(RACERS["sgd"]["lr"]), lr=fmt(MOMENTUM["lr"]),
                  mu=fmt(MOMENTUM["momentum"]), gain=fmt(1 / (1 - MOMENTUM["momentum"]))), claims=(fair,)),
        Beat("result", Show(S, everyone, loss=True), dict(settled_count=len(settled), settled=names(settled),
                                              gone=gone), camera=(Orbit(-50),), claims=(settle, fell, speed)),
        Beat("basins", Show(S, everyone, loss=True), dict(lr=fmt(BASIN_LR), grid=len(basin.xs),
                                              pct_min=fmt(100 * basin.fraction(i_min), 2),
                                              pct_off=fmt(100 * basin.fraction(-1), 2)), camera=(TopDown(),),
             claims=(shares, boundary)),
        Beat("outro", Show(S, everyone, loss=True), camera=(Home(),), formats=LONG_FORM, claims=(path,)),
        # the social clip: who falls off the cliff?
        Beat("social_hook", Show(S), dict(count=len(SOCIAL_RACERS)), formats=SHORT_FORM),
        Beat("social_race", Show(S, SOCIAL_RACERS, loss=True),
             dict(start=point(START), gone=names(social_gone),
                  kept=names(social_kept)), camera=(Orbit(-40),), formats=SHORT_FORM,
             claims=(unbounded, social_settle, fair, social_fell)),
        Beat("social_end", Show(S), camera=(Home(),), formats=SHORT_FORM, claims=(speed,)),
    ]
    return Description(SURFACE, {S: surf}, runs, beats, preview=short).check()


__getattr__, __dir__ = scene_exports(__name__, "cubic")
