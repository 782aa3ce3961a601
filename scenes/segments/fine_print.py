"""The fine print: same name, different formula.

Three small print items the seeds disagree on, measured rather than asserted:

* momentum: torch's ``b = mu*b + g; p -= lr*b``, Sutskever's ``v = mu*v + lr*g; p -= v`` and the "inertia"
  EMA ``m = mu*m + (1-mu)*g; p -= lr*m`` trace one path at a constant lr (the EMA at lr/(1-mu)). Under a
  step-decay schedule Sutskever's velocity keeps the old rate and parts; the EMA, whose lr multiplies
  outside its average, still follows torch.
* first steps: Adam and AdaGrad move lr*sign(g) per coordinate; torch's RMSprop, with no bias
  correction, about lr/sqrt(1-alpha), ten times more at alpha 0.99.
* rotation: plain gradient descent on the bowl turned 45 degrees is the bowl's path turned 45 degrees;
  per-coordinate scaling (RMSprop) loses its advantage there.

Content only; ``manim render scenes/segments/fine_print.py FinePrintSegment`` renders the lecture format.
"""

from __future__ import annotations


import numpy as np

import optmath
from scenes import claims as c
from scenes.claims import Claim
from scenes.description import (
    spoken_formula,
    LONG_FORM, SHORT_FORM, Beat, Description, FlyTo, Home, Orbit, Run, Show, TopDown, View, fmt, point,
    steps,
)
from scenes.segments._manim import scene_exports

BOWL, ROTATED = "bowl", "bowl-rotated"
START = (-5.0, -2.0)
MOMENTUM_STEPS = 60
FORMS_STEP = 20  # where the race is when torch's rule on screen gives way to Sutskever's
HEAVY = dict(lr=0.05, momentum=0.9)  # torch's form and Sutskever's; the EMA runs at lr / (1 - momentum)
DECAY_EVERY, DECAY_EVERY_SHORT, GAMMA = 15, 6, 0.1  # StepLR: the rate drops tenfold after this many steps
PART_TOL = 1e-9  # paths closer than this are "the same path" (float rounding is ~1e-16 here)
ADAPTIVE = ("adam", "adagrad", "rmsprop")
ADAPTIVE_LR = 0.1  # one learning rate for all three, so their first steps compare directly
FIRST_STEPS = 2  # the first-step beat stops the race here: step one and the step after it
CLOSE_VIEW, CLOSE_ZOOM = (-4.4, -1.4), 3.5  # the start and RMSprop's first two steps, large
ROTATED_VIEW, ROTATED_ZOOM = (-1.6, -2.5), 1.35  # from the turned start to the minimum
RACE_STEPS = 40
SGD_LR = 0.4
# the turned bowl's start is the bowl's start turned with it: the same problem for a rotation-invariant method
TURN = np.pi / 4
MARGIN = 0.1  # comparisons between optimizers must hold with each learning rate moved by 10% either way
ROUNDING = 1e-12  # "a single path": closer than this at every step (float rounding here is ~1e-16)
BRAKE, COAST = 0.2, 0.5  # at the decay torch's step shrinks below this share of the one before; Sutskever's stays above
STEEPER = 5.0  # "far steeper": the gradient across y at least this many times the one along x
ACROSS_DEG = 1.0  # "straight across the valley": within this many degrees of the steep eigenvector


def turned(p) -> tuple[float, float]:
    """A point of the bowl as it sits on the bowl turned by 45 degrees (u, v) -> ((u-v)/sqrt2, (u+v)/sqrt2)."""
    c, s = np.cos(TURN), np.sin(TURN)
    return (float(c * p[0] - s * p[1]), float(s * p[0] + c * p[1]))


def max_gap(a: optmath.Trajectory, b: optmath.Trajectory) -> float:
    return float(np.max(np.linalg.norm(a.xy - b.xy, axis=-1)))


def describe(short: bool = False) -> Description:
    bowl, rot = optmath.get_surface(BOWL), optmath.get_surface(ROTATED)
    (cp,) = optmath.minima(bowl)
    n_mom, n_race = steps(MOMENTUM_STEPS, short), steps(RACE_STEPS, short)
    decay = optmath.StepLR(step_size=steps(DECAY_EVERY, short, DECAY_EVERY_SHORT), gamma=GAMMA)
    lr, mu = HEAVY["lr"], HEAVY["momentum"]
    ema_lr = round(lr / (1 - mu), 12)  # 0.5: the EMA's average is (1 - mu) times torch's buffer

    def heavy(opt, schedule=None):
        return optmath.trajectory(bowl, opt, START, n_mom, schedule=schedule,
                                  **(dict(HEAVY, lr=ema_lr) if opt == "momentum-ema" else HEAVY))

    runs = {
        "torch": Run(heavy("momentum")),
        "sutskever": Run(heavy("momentum-sutskever")),
        "ema": Run(heavy("momentum-ema")),
        "torch_s": Run(heavy("momentum", decay)),
        "sutskever_s": Run(heavy("momentum-sutskever", decay)),
        "ema_s": Run(heavy("momentum-ema", decay)),
        **{k: Run(optmath.trajectory(bowl, k, START, n_race, lr=ADAPTIVE_LR)) for k in ADAPTIVE},
        "sgd": Run(optmath.trajectory(bowl, "sgd", START, n_race, lr=SGD_LR)),
        "sgd_rot": Run(optmath.trajectory(rot, "sgd", turned(START), n_race, lr=SGD_LR)),
        "rmsprop_rot": Run(optmath.trajectory(rot, "rmsprop", turned(START), n_race, lr=ADAPTIVE_LR)),
    }
    t = {k: r.trajectory for k, r in runs.items()}

    # -- momentum: one path at a constant rate, two under a step decay ---------------------------------
    gap = np.linalg.norm(t["torch_s"].xy - t["sutskever_s"].xy, axis=-1)
    parted = np.flatnonzero(gap > PART_TOL)
    part = int(parted[0]) if parted.size else None
    lrs = t["torch_s"].lr
    dropped = np.flatnonzero(lrs[1:] < lrs[1]) + 1
    decay_step = int(dropped[0]) if dropped.size else None
    dist = lambda key: fmt(np.linalg.norm(t[key].final - np.asarray(cp.xy)))  # noqa: E731

    # -- first steps: the move of step one, per coordinate ----------------------------------------------
    first = {k: t[k].xy[1] - t[k].xy[0] for k in ADAPTIVE}
    alpha = t["rmsprop"].optimizer.hyper["alpha"]
    rms_factor = float(np.max(np.abs(first["rmsprop"]))) / ADAPTIVE_LR

    # -- the turned bowl: same eigenvalues, eigenvectors on the diagonals --------------------------------
    (cp_rot,) = optmath.minima(rot)
    evals, evecs = optmath.hessian_eigen(rot, cp_rot.xy)
    angle = float(np.degrees(np.arctan2(abs(evecs[1, 0]), abs(evecs[0, 0]))))  # of the shallow direction
    rotated_sgd = np.array([turned(p) for p in t["sgd"].xy])
    sgd_turn_gap = float(np.max(np.linalg.norm(rotated_sgd - t["sgd_rot"].xy, axis=-1)))

    B, R = BOWL, ROTATED
    # torch's path, the reference, races last: it is drawn on top of the others it hides
    momenta, momenta_s = ("sutskever", "ema", "torch"), ("sutskever_s", "ema_s", "torch_s")
    if decay_step is None or part is None:
        raise ValueError(f"fine-print: the rate never drops or the paths never part in {n_mom} steps; "
                         f"the decay comes every {decay.step_size}")
    drops = [int(k) for k in np.flatnonzero(lrs[2:] < lrs[1:-1]) + 2]  # every step where the rate falls
    second = drops[1] if len(drops) > 1 else None

    # -- what the words claim -------------------------------------------------------------------------------
    origin = tuple(cp.xy)
    single = Claim("single", c.all_of(c.at_most(c.gap("torch", "sutskever"), ROUNDING),
                                      c.at_most(c.gap("torch", "ema"), ROUNDING)))
    rule = Claim("rule", c.check("every step of torch's path is -lr times its recorded buffer b", lambda r: (
        bool(np.allclose(np.diff(r.xy, axis=0), -lr * r.state["b"][1:], rtol=1e-12, atol=1e-15)), {}), "torch"))
    rule_v = Claim("rule_v", c.check("every step of Sutskever's path is minus its recorded velocity v", lambda r: (
        bool(np.allclose(np.diff(r.xy, axis=0), -r.state["v"][1:], rtol=1e-12, atol=1e-15)), {}), "sutskever"))
    all_end = Claim("all_end", c.check("the three end at the same distance from the minimum", lambda *ts: (
        float(np.ptp([np.linalg.norm(t_.final) for t_ in ts])) <= ROUNDING, {}), *momenta))

    def decays(r):
        steps_ = r.lr[1:]
        k = np.arange(1, len(r.lr))
        want = lr * GAMMA ** ((k - 1) // decay.step_size)
        return bool(np.allclose(steps_, want, rtol=1e-12, atol=0)), {"rate drops": len(drops)}

    decay_claim = Claim("decay", c.check(f"the rate is multiplied by {fmt(GAMMA)} every {decay.step_size} steps, "
                                         "at every drop of the run", decays, "torch_s"))

    def step_ratio(r):
        a_ = np.linalg.norm(r.xy[decay_step] - r.xy[decay_step - 1])
        b_ = np.linalg.norm(r.xy[decay_step - 1] - r.xy[decay_step - 2])
        return a_ / b_

    brakes = Claim("brakes", c.at_most(c.measure("torch_s's step at the decay over the step before", step_ratio,
                                                 "torch_s"), BRAKE))
    coasts = Claim("coasts", c.at_least(c.measure("sutskever_s's step at the decay over the step before", step_ratio,
                                                  "sutskever_s"), COAST))
    parts = Claim("part", c.check(f"the paths agree before step {part} and part there", lambda a_, b_: (
        bool(np.all(np.linalg.norm(a_.xy[:part] - b_.xy[:part], axis=-1) <= PART_TOL)
             and np.linalg.norm(a_.xy[part] - b_.xy[part]) > PART_TOL), {}), "torch_s", "sutskever_s"))
    ema_follows = Claim("ema_follows", c.at_most(c.gap("torch_s", "ema_s"), ROUNDING))
    steeper = Claim("steeper", c.at_least(c.measure("|g_y| / |g_x| at the start", lambda r: abs(
        r.grad[0, 1] / r.grad[0, 0]), "adam"), STEEPER))
    lr_each = Claim("lr_each", c.all_of(*(c.check(f"{k}'s first step is lr * sign(-g) in each coordinate", lambda r: (
        bool(np.allclose(r.xy[1] - r.xy[0], -ADAPTIVE_LR * np.sign(r.grad[0]), rtol=1e-6, atol=0)), {}), k)
        for k in ("adam", "adagrad"))))
    rms = Claim("rms", c.near(c.measure("rmsprop's first step over its lr", lambda r: np.abs(
        r.xy[1] - r.xy[0]).max() / ADAPTIVE_LR, "rmsprop"), c.number(1 / np.sqrt(1 - alpha), "1 / sqrt(1 - alpha)"),
        1e-6, relative=True))
    aligned_axes = Claim("axes", c.check("the bowl's Hessian eigenvectors lie along x and y", lambda: (
        bool(np.allclose(np.abs(optmath.hessian_eigen(bowl, cp.xy)[1]), np.eye(2))), {})))
    gd_opt = optmath.step_bounds(bowl, cp.xy).gd_optimal

    def at_best(r):
        best_run = optmath.trajectory(bowl, "sgd", START, n_race, lr=gd_opt)
        d_rms = float(np.linalg.norm(r.final))
        return d_rms < float(np.linalg.norm(best_run.final)), {"sgd at its best constant rate": float(
            np.linalg.norm(best_run.final)), "rmsprop": d_rms}

    shine = Claim("shine", c.all_of(c.closer("rmsprop", "sgd", origin, "the minimum"),
                                    c.check(f"rmsprop ends closer than sgd at its best constant rate, {fmt(gd_opt)}",
                                            at_best, "rmsprop")), margin=MARGIN)
    diagonal = Claim("diagonal", c.check("the turned bowl's eigenvalues are the bowl's, its eigenvectors diagonal",
                                         lambda: (bool(np.allclose(evals, optmath.hessian_eigen(bowl, cp.xy)[0])
                                                       and np.allclose(np.abs(evecs), np.sqrt(0.5))), {})))
    invariant = Claim("invariant", c.all_of(c.at_most(c.number(sgd_turn_gap, "the turned path's largest gap"),
                                                      ROUNDING),
                                            c.near(c.dist("sgd_rot", (0.0, 0.0), "the minimum"),
                                                   c.dist("sgd", origin, "the minimum"), ROUNDING)))

    def across(r):
        step = r.xy[1] - r.xy[0]
        steep = evecs[:, int(np.argmax(evals))]
        deg = float(np.degrees(np.arccos(abs(step @ steep) / np.linalg.norm(step))))
        return deg <= ACROSS_DEG, {"degrees from the steep direction": deg}

    across_claim = Claim("across", c.check("rmsprop_rot's first step points along the steep eigenvector", across,
                                           "rmsprop_rot"))
    gone = Claim("gone", c.all_of(c.closer("sgd_rot", "rmsprop_rot", (0.0, 0.0), "the minimum"),
                                  c.less(c.dist("rmsprop", origin, "the minimum"),
                                         c.dist("rmsprop_rot", (0.0, 0.0), "the minimum"))), margin=MARGIN)

    schedule_numbers = dict(every=decay.step_size, decay=decay_step, gamma=fmt(GAMMA), lr_low=fmt(lrs[decay_step]),
                            part=part, steps=t["torch_s"].steps, d_end=fmt(gap[t["torch_s"].last_finite]))
    # the second drop, from the schedule itself (a preview cut's dozen steps may end before it)
    second = second or decay_step + decay.step_size
    schedule_numbers.update(decay2=second, lr_low2=fmt(decay.lrs(lr, second)[second - 1]))
    beats = [
        Beat("intro", Show(B), dict(formula=spoken_formula(bowl), start=point(START)), camera=(Orbit(30),),
             claims=(Claim("order", c.comes_after("fine-print", "bowl")), parts)),
        Beat("torch_form", Show(B, momenta, panel="torch", highlight=1, to_step=min(FORMS_STEP, n_mom)),
             dict(lr=fmt(lr), mu=fmt(mu)), claims=(rule,)),
        Beat("constant", Show(B, momenta, panel="sutskever", highlight=0),
             dict(lr=fmt(lr), mu=fmt(mu), ema_lr=fmt(ema_lr), one_minus=fmt(1 - mu), steps=t["torch"].steps,
                  gap_sutskever=fmt(max_gap(t["torch"], t["sutskever"])), gap_ema=fmt(max_gap(t["torch"], t["ema"])),
                  dist=dist("torch")),
             camera=(Orbit(-20),), claims=(rule_v, single, all_end)),
        # no update panel under the schedule: its title would carry the schedule too, and shrink to fit
        Beat("schedule", Show(B, momenta_s, loss=True),
             dict(schedule_numbers, gap_ema=fmt(max_gap(t["torch_s"], t["ema_s"])),
                  d_torch=dist("torch_s"), d_sutskever=dist("sutskever_s")),
             camera=(TopDown(),), claims=(decay_claim, brakes, coasts, parts, ema_follows)),
        Beat("first_step", Show(B, ADAPTIVE[::-1], panel="rmsprop", highlight=len(t["rmsprop"].optimizer.rule) - 1,
                                to_step=min(FIRST_STEPS, n_race), vectors="rmsprop", vectors_at=1),
             dict(lr=fmt(ADAPTIVE_LR), g0=point(t["adam"].grad[0]), step_adam=point(first["adam"]),
                  step_adagrad=point(first["adagrad"]), step_rmsprop=point(first["rmsprop"]),
                  alpha=fmt(alpha), factor=fmt(rms_factor)),
             # all three first steps point the same way (the gradient's signs): RMSprop races first, so it is drawn
             # under the others; close in on the start, where Adam's step of lr is visible and RMSprop's jump and the
             # step after it still fit, and hold there
             camera=(FlyTo(CLOSE_VIEW, zoom=CLOSE_ZOOM, share=0.25), FlyTo(CLOSE_VIEW, zoom=CLOSE_ZOOM, share=0.75)),
             claims=(steeper, lr_each, rms)),
        Beat("aligned", Show(B, ("sgd", "rmsprop"), loss=True),
             dict(lr_sgd=fmt(SGD_LR), lr_rms=fmt(ADAPTIVE_LR), steps=t["sgd"].steps, d_sgd=dist("sgd"),
                  d_rms=dist("rmsprop"), gd_opt=fmt(gd_opt)),
             camera=(TopDown(),), claims=(aligned_axes, shine)),
        Beat("rotated", Show(R, ("sgd_rot", "rmsprop_rot"), loss=True),
             dict(angle=fmt(angle), formula=spoken_formula(rot), l_min=fmt(evals[0]), l_max=fmt(evals[1]),
                  start=point(turned(START)), steps=t["sgd_rot"].steps, d_sgd=fmt(np.linalg.norm(t["sgd_rot"].final)),
                  d_rms=fmt(np.linalg.norm(t["rmsprop_rot"].final)), turn_gap=fmt(sgd_turn_gap),
                  step_rms=point(t["rmsprop_rot"].xy[1] - t["rmsprop_rot"].xy[0])),
             # from above, then closer around the paths (the turned start lies near the plot's lower edge)
             camera=(TopDown(share=0.3), FlyTo(ROTATED_VIEW, zoom=ROTATED_ZOOM, share=0.7)),
             claims=(diagonal, invariant, across_claim, gone)),
        Beat("outro", Show(R, ("sgd_rot", "rmsprop_rot"), loss=True), camera=(Home(share=0.5), Orbit(30, share=0.5)),
             formats=LONG_FORM, claims=(single, parts, lr_each, rms, shine, gone)),
        # the social clip: same name, different formula, and the step where it shows
        Beat("social_hook", Show(B), formats=SHORT_FORM),
        Beat("social_race", Show(B, ("sutskever_s", "torch_s"), loss=True),
             dict(decay=schedule_numbers["decay"], gamma=schedule_numbers["gamma"], steps=schedule_numbers["steps"],
                  d_end=schedule_numbers["d_end"]),
             camera=(TopDown(),), formats=SHORT_FORM, claims=(rule, rule_v, single, decay_claim, brakes, coasts)),
        Beat("social_end", Show(B), camera=(Home(),), formats=SHORT_FORM),
    ]
    # the bowl's steep walls: its higher camera and flatter drawing (see bowl.py)
    return Description("fine-print", {B: bowl, R: rot}, runs, beats, View(phi=40, theta=-75, height=1.2),
                       preview=short).check()


__getattr__, __dir__ = scene_exports(__name__, "fine-print")
