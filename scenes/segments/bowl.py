"""The elongated bowl 0.1x^2 + 2y^2 (seed 004): zig-zag, momentum, adaptive steps, divergence.

Content only; ``manim render scenes/segments/bowl.py BowlSegment`` renders the lecture format.
"""

from __future__ import annotations

import numpy as np

import optmath
from optmath import stability
from scenes import claims as c
from scenes.claims import Claim
from scenes.description import (
    spoken_formula,
    LONG_FORM, SHORT_FORM, Beat, Description, Home, Orbit, Run, Show, TopDown, View, exit_step, fmt, point, steps,
)
from scenes.script import Script
from scenes.segments._manim import scene_exports

SURFACE = "bowl"
START = (-5.0, -2.0)
STEPS = 60
ZIGZAG_STEPS = 20  # the SGD beat narrates the first steps
SGD = dict(lr=0.4)
# momentum races plain descent at the same effective rate: once its buffer has built up, a steady pull moves it
# lr / (1 - momentum) per unit of gradient, so lr = 0.4 * (1 - 0.8) = 0.08 is plain descent's 0.4 (the legend says so)
MU = 0.8
HEAVY = dict(lr=round(SGD["lr"] * (1 - MU), 12), momentum=MU)
ADAPTIVE = {"adagrad": dict(lr=1.0), "rmsprop": dict(lr=0.1), "adam": dict(lr=0.3)}
OVER_BOUND = 1.04  # the diverging run uses 4% above 2/lambda_max
OPTIMAL_START = (-5.0, -1.0)  # the optimal heavy ball's first step stays inside the plot from here
MARGIN = 0.1  # comparisons between optimizers must hold with each learning rate moved by 10% either way
SWING_AFTER = 10  # "the swings are wider": the largest |y| from this step on, momentum against plain descent
ZIGZAG = 0.25  # "none of them zig-zags": y changes sign in at most a quarter of the steps (a zig-zag: every step)
GAIN_STEPS = 400  # a steady pull: momentum's step after this many equal gradients is its limit, lr / (1 - mu)
BOUND_PROBE, BOUND_STEPS = 0.02, 400  # the bound is measured: 2% below it plain descent settles, 2% above it diverges
KAPPAS = (2.0, 5.0)  # rounder bowls than this one, to show momentum's gain growing with the valley's narrowness


def hb_speedup(kappa: float) -> float:
    """How many times fewer steps the optimal heavy ball needs than optimal plain descent on a quadratic of
    condition number kappa (the closed forms: factors (k-1)/(k+1) and (sqrt k-1)/(sqrt k+1) per step)."""
    r = np.sqrt(kappa)
    return float(np.log((r - 1) / (r + 1)) / np.log((kappa - 1) / (kappa + 1)))


def describe(short: bool = False) -> Description:
    surf = optmath.get_surface(SURFACE)
    (cp,) = optmath.minima(surf)
    bounds = optmath.step_bounds(surf, cp.xy)
    n = steps(STEPS, short)
    run = lambda opt, start=START, **h: optmath.trajectory(surf, opt, start, n, **h)  # noqa: E731
    wild_lr = round(bounds.gd * OVER_BOUND, 3)
    hb_lr, hb_mu = bounds.heavy_ball_optimal
    eff_note = Script.of(SURFACE).fragments["effective"].format(lr=fmt(HEAVY["lr"] / (1 - HEAVY["momentum"])))
    runs = {
        "sgd": Run(run("sgd", **SGD)),
        "momentum": Run(run("momentum", **HEAVY), note=eff_note),
        "nesterov": Run(run("nesterov", **HEAVY), note=eff_note),
        **{name: Run(run(name, **h)) for name, h in ADAPTIVE.items()},
        "wild": Run(run("sgd", lr=wild_lr)),
        "gd_opt": Run(run("sgd", OPTIMAL_START, lr=round(bounds.gd_optimal, 4))),
        "hb_opt": Run(run("momentum", OPTIMAL_START, lr=round(hb_lr, 4), momentum=round(hb_mu, 4))),
    }
    t = {k: r.trajectory for k, r in runs.items()}
    origin = tuple(cp.xy)
    dist = lambda key: fmt(np.linalg.norm(t[key].final - np.asarray(cp.xy)))  # noqa: E731
    zig = min(ZIGZAG_STEPS, t["sgd"].steps)
    rms_first = np.abs(t["rmsprop"].xy[1] - t["rmsprop"].xy[0]).max() / ADAPTIVE["rmsprop"]["lr"]
    wild_exit = exit_step(t["wild"])
    flips = {k: int(c.flips(k, "y").of(t)) for k in ("sgd", "momentum")}
    y_factor, x_factor = 1 - SGD["lr"] * bounds.lambda_max, 1 - SGD["lr"] * bounds.lambda_min
    eff = HEAVY["lr"] / (1 - HEAVY["momentum"])

    # -- what the words claim -------------------------------------------------------------------------------
    single = Claim("single", c.check("the bowl has one minimum, at the origin", lambda: (
        len(optmath.minima(surf)) == 1 and np.allclose(cp.xy, 0), {})))

    def axes_and_kappa():
        evals, evecs = optmath.hessian_eigen(surf, cp.xy)
        return np.allclose(np.abs(evecs), np.eye(2)), {"lambda_max / lambda_min": evals[1] / evals[0]}

    kappa = Claim("kappa", c.check("the Hessian's eigenvectors lie along x and y", axes_and_kappa))
    order = Claim("order", c.comes_after("bowl", "saddle", right_after=True))
    zigzag = Claim("zigzag", c.rate("sgd", "y", y_factor))
    slow_x = Claim("slow_x", c.all_of(c.rate("sgd", "x", x_factor), c.greater(c.number(abs(x_factor)),
                                                                             c.number(abs(y_factor)))))
    fair = Claim("fair", c.near(c.number(eff, "momentum's lr / (1 - momentum)"), c.number(SGD["lr"], "sgd's lr"),
                                1e-12, relative=True))
    def built_up():
        """Under a steady pull (one gradient, again and again) torch's momentum steps 1 / (1 - mu) times lr * g."""
        opt = optmath.get_optimizer("momentum", **HEAVY)
        p_, g = np.zeros((1, 2)), np.ones((1, 2))
        state = opt.init(p_)
        for _ in range(GAIN_STEPS):
            q, state = opt.update(p_, g, state)
            step, p_ = float(np.abs(q - p_)[0, 0]), q
        return abs(step / HEAVY["lr"] - 1 / (1 - HEAVY["momentum"])) < 1e-9, {"the step over lr * g": step / HEAVY["lr"]}

    gain = Claim("gain", c.check(f"after {GAIN_STEPS} steps of one gradient, momentum's step is 1 / (1 - mu) times "
                                 "lr * g", built_up))
    calmer = Claim("calmer", c.less(c.flips("momentum", "y"), c.flips("sgd", "y")), margin=MARGIN)

    def swing(key):
        return c.measure(f"{key}'s largest |y| from step {SWING_AFTER}", lambda r: float(np.nanmax(np.abs(
            r.xy[SWING_AFTER:, 1]))), key)

    wide = Claim("wide", c.greater(swing("momentum"), swing("sgd")), margin=MARGIN)
    closer = Claim("closer", c.closer("momentum", "sgd", origin, "the minimum"), margin=MARGIN)
    overshoots = Claim("overshoots", c.at_least(c.flips("momentum", "x"), 1), margin=MARGIN)
    nesterov = Claim("nesterov", c.closer("nesterov", "sgd", origin, "the minimum"), margin=MARGIN)
    first = Claim("first", c.all_of(*(c.check(f"{k}'s first step is its lr in each coordinate", lambda r: (
        bool(np.allclose(np.abs(r.xy[1] - r.xy[0]), r.optimizer.hyper["lr"], rtol=1e-6)),
        {f"{r.optimizer.name}'s first step": float(np.abs(r.xy[1] - r.xy[0]).max())}), k) for k in ("adagrad", "adam"))))
    rms = Claim("rms_first", c.near(c.measure("rmsprop's first step over its lr", lambda r: np.abs(
        r.xy[1] - r.xy[0]).max() / r.optimizer.hyper["lr"], "rmsprop"),
        c.number(1 / np.sqrt(1 - t["rmsprop"].optimizer.hyper["alpha"]), "1 / sqrt(1 - alpha)"), 1e-6, relative=True))
    no_zigzag = Claim("no_zigzag", c.all_of(*(c.at_most(c.flips(k, "y"), ZIGZAG * t[k].steps) for k in ADAPTIVE)),
                      margin=MARGIN)
    swinging = Claim("swinging", c.all_of(c.at_least(c.flips("adam", "x"), 2), c.at_least(c.flips("adam", "y"), 2)),
                     margin=MARGIN)

    def measured_bound():
        below = optmath.trajectory(surf, "sgd", START, BOUND_STEPS, lr=bounds.gd * (1 - BOUND_PROBE))
        above = optmath.trajectory(surf, "sgd", START, BOUND_STEPS, lr=bounds.gd * (1 + BOUND_PROBE))
        return below.diverged_at is None and above.diverged_at is not None and np.isclose(
            bounds.gd * bounds.lambda_max, 2), {"distance at 0.98 x the bound": np.linalg.norm(below.final),
                                                "the step 1.02 x the bound diverges": above.diverged_at}

    bound = Claim("bound", c.check(f"plain descent from {point(START)} settles {BOUND_PROBE:.0%} below 2/lambda_max "
                                   f"and diverges {BOUND_PROBE:.0%} above it", measured_bound))
    wider = Claim("wider", c.rate("wild", "y", 1 - wild_lr * bounds.lambda_max, in_plot=False))
    diverges = Claim("diverges", c.diverges("wild"))

    def optimal():
        lam = (bounds.lambda_min, bounds.lambda_max)
        gd = lambda lr: max(abs(1 - lr * v) for v in lam)  # noqa: E731
        hb = lambda lr, mu: max(float(stability.predicted_factor(lr, v, mu)) for v in lam)  # noqa: E731
        near = [(f, g) for f in (0.99, 1.01) for g in (0.99, 1.01)]
        return (all(gd(bounds.gd_optimal) < gd(bounds.gd_optimal * f) for f in (0.99, 1.01))
                and all(hb(hb_lr, hb_mu) < hb(hb_lr * f, hb_mu * g) for f, g in near)), \
            {"plain descent's factor per step": gd(bounds.gd_optimal), "the heavy ball's": hb(hb_lr, hb_mu)}

    optimal_claim = Claim("optimal", c.check("no rate 1% away has a smaller factor per step than the closed forms'",
                                             optimal))
    hb_closer = Claim("closer", c.closer("hb_opt", "gd_opt", origin, "the minimum"))
    # the best heavy ball sits near its own stability bound, (2 + 2 mu) / lambda_max: a little more rate diverges
    edge = Claim("edge", c.all_of(c.never_diverges("hb_opt"), c.check(
        f"hb_opt at {1 + MARGIN:g} x its learning rate diverges",
        lambda r: (optmath.rerun(r, lr_scale=1 + MARGIN).diverged_at is not None, {}), "hb_opt")))
    here = bounds.lambda_max / bounds.lambda_min
    narrow = Claim("narrow", c.check(f"the optimal heavy ball's speed-up over plain descent grows with the valley's "
                                     f"narrowness (condition numbers {', '.join(f'{k:g}' for k in KAPPAS)}, "
                                     f"{here:g})", lambda: (
        bool(np.all(np.diff([hb_speedup(k) for k in (*KAPPAS, here)]) > 0)),
        {f"speed-up at {k:g}": hb_speedup(k) for k in (*KAPPAS, here)})))

    S = SURFACE
    beats = [
        Beat("intro", Show(S), dict(formula=spoken_formula(surf), l_min=fmt(bounds.lambda_min), l_max=fmt(bounds.lambda_max),
                                    kappa=fmt(bounds.lambda_max / bounds.lambda_min), start=point(START)),
             camera=(Orbit(30),), claims=(order, single, kappa)),
        Beat("sgd", Show(S, ("sgd",), panel="sgd", to_step=zig),
             dict(lr=fmt(SGD["lr"]), y_factor=fmt(y_factor), x_factor=fmt(x_factor), steps=zig,
                  x_final=fmt(t["sgd"].xy[zig, 0])), claims=(zigzag, slow_x)),
        Beat("momentum", Show(S, ("sgd", "momentum", "nesterov"), panel="momentum", highlight=0, vectors="momentum"),
             dict(lr=fmt(HEAVY["lr"]), mu=fmt(HEAVY["momentum"]), gain=fmt(1 / (1 - HEAVY["momentum"])), eff=fmt(eff),
                  steps=t["momentum"].steps,
                  flips_sgd=flips["sgd"], flips_m=flips["momentum"], after=SWING_AFTER,
                  swing_m=fmt(swing("momentum").of(t)), swing_sgd=fmt(swing("sgd").of(t)), dist_m=dist("momentum"),
                  dist_n=dist("nesterov"), dist_sgd=dist("sgd")), camera=(Orbit(-25),),
             claims=(gain, fair, calmer, wide, overshoots, closer, nesterov)),
        Beat("adaptive", Show(S, tuple(ADAPTIVE), panel="adam", highlight=2),
             dict(steps=t["adam"].steps, rms_factor=fmt(rms_first), **{f"d_{k}": dist(k) for k in ADAPTIVE}),
             camera=(TopDown(zoom=1.0),), claims=(first, rms, no_zigzag, swinging)),
        Beat("diverge", Show(S, ("wild",), loss=True),
             dict(limit=fmt(bounds.gd * bounds.lambda_max), bound=fmt(bounds.gd), lr=fmt(wild_lr),
                  exit=wild_exit if wild_exit is not None else t["wild"].steps,
                  diverged=t["wild"].diverged_at if t["wild"].diverged_at is not None else "never"),
             camera=(Home(),), claims=(bound, wider, diverges)),
        Beat("optimal", Show(S, ("gd_opt", "hb_opt"), loss=True),
             dict(start=point(OPTIMAL_START), gd_opt=fmt(bounds.gd_optimal), hb_lr=fmt(hb_lr), hb_mu=fmt(hb_mu),
                  steps=t["gd_opt"].steps, d_gd=dist("gd_opt"), d_hb=dist("hb_opt"), margin=fmt(100 * MARGIN)),
             claims=(optimal_claim, hb_closer, edge, narrow)),
        Beat("outro", Show(S, ("gd_opt", "hb_opt"), loss=True), camera=(Orbit(40),), formats=LONG_FORM,
             claims=(zigzag, calmer, bound)),
        # the social clip: zig-zag against momentum, at the same effective rate
        Beat("social_hook", Show(S), formats=SHORT_FORM),
        Beat("social_race", Show(S, ("sgd", "momentum"), loss=True),
             dict(steps=t["momentum"].steps, dist_m=dist("momentum"), dist_sgd=dist("sgd"), y_factor=fmt(y_factor)),
             camera=(TopDown(),), formats=SHORT_FORM, claims=(zigzag, fair, calmer, closer)),
        Beat("social_end", Show(S), camera=(Home(),), formats=SHORT_FORM, claims=(calmer,)),
    ]
    # steep walls: a higher camera, and the bowl drawn flatter, or the near wall hides the valley floor
    return Description(SURFACE, {S: surf}, runs, beats, View(phi=40, theta=-75, height=1.2),
                       preview=short).check()


__getattr__, __dir__ = scene_exports(__name__, "bowl")
